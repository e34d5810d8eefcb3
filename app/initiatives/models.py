"""Initiatives with their themes, stages, participants and outcomes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, func, literal_column
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.database import UTCDateTime
from app.extensions import Model
from app.neighbourhoods.models import Neighbourhood
from app.organisations.models import Organisation
from app.photos.models import Photo
from app.themes.models import Theme
from app.timeutil import utcnow


class InitiativeTheme(Model):
    """An initiative's themes in order; position 0 is its primary theme."""

    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiative.id", ondelete="CASCADE"), primary_key=True
    )
    theme_id: Mapped[int] = mapped_column(
        ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(default=0)

    theme: Mapped[Theme] = relationship(lazy="joined")

    __table_args__ = (
        Index("ix_initiative_theme_theme", "theme_id", "initiative_id"),
        # An initiative's themes in order, without a sort or a visit to the table.
        Index("ix_initiative_theme_order", "initiative_id", "position", "theme_id"),
    )


class InitiativeStage(Model):
    """A stage of the service cycle that the initiative co-produced."""

    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiative.id", ondelete="CASCADE"), primary_key=True
    )
    stage: Mapped[str] = mapped_column(String(24), primary_key=True)

    __table_args__ = (Index("ix_initiative_stage_stage", "stage", "initiative_id"),)


class Participant(Model):
    """A group or organisation that took part (never a private individual)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    sector: Mapped[str] = mapped_column(String(24))
    name: Mapped[str] = mapped_column(String(200), default="")
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)  # stage slugs
    people: Mapped[int | None]
    hours: Mapped[float | None]

    __table_args__ = (
        Index("ix_participant_initiative", "initiative_id", "position"),
        Index("ix_participant_sector", "sector", "initiative_id"),
    )


# Who reported a measurement of an outcome (the API's ``reported_by_role``).
REPORTER_ROLES = ("submitter", "group_member", "council_officer")


class Measurement(Model):
    """A later value of an outcome's indicator: its series grows after the baseline and the
    first result (which the outcome itself holds) as follow-ups are answered and published."""

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcome.id", ondelete="CASCADE"))
    measured_on: Mapped[date] = mapped_column(Date)
    value: Mapped[float]
    note: Mapped[str] = mapped_column(String(500), default="")
    evidence_url: Mapped[str] = mapped_column(String(500), default="")
    reported_by_role: Mapped[str] = mapped_column(String(24), default="submitter")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_measurement_outcome", "outcome_id", "measured_on"),
        Index("ix_measurement_measured_on", "measured_on", "outcome_id"),
    )


class Outcome(Model):
    """What changed, optionally measured, optionally verified by a council officer."""

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(Text, default="")
    indicator: Mapped[str] = mapped_column(String(200), default="")
    baseline: Mapped[float | None]
    result: Mapped[float | None]
    unit: Mapped[str] = mapped_column(String(60), default="")
    measured_on: Mapped[date | None] = mapped_column(Date)
    evidence_url: Mapped[str] = mapped_column(String(500), default="")
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL")
    )
    verified_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    verification_note: Mapped[str] = mapped_column(String(500), default="")

    verified_by_organisation: Mapped[Organisation | None] = relationship()
    measurements: Mapped[list[Measurement]] = relationship(
        order_by=(Measurement.measured_on, Measurement.id),
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    __table_args__ = (
        Index("ix_outcome_initiative", "initiative_id", "position"),
        Index("ix_outcome_verified", "verified_at", "initiative_id"),
    )

    @property
    def has_numbers(self) -> bool:
        return self.figures is not None

    @property
    def latest_measurement(self) -> Measurement | None:
        """The newest later measurement, if any follow-up added one."""
        return self.measurements[-1] if self.measurements else None

    @property
    def figures(self) -> tuple[float, float] | None:
        """(baseline, result) when both are known."""
        if self.baseline is None or self.result is None:
            return None
        return self.baseline, self.result


class Initiative(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown
    # The language the title, summary and description are written in (en or cy), and an
    # optional Welsh version of each (app/initiatives/bilingual.py chooses what a reader sees).
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    title_cy: Mapped[str] = mapped_column(String(200), default="", server_default="")
    summary_cy: Mapped[str] = mapped_column(String(500), default="", server_default="")
    description_cy: Mapped[str] = mapped_column(Text, default="", server_default="")  # Markdown
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    started_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(24), default="draft")

    neighbourhood_id: Mapped[int | None] = mapped_column(
        ForeignKey("neighbourhood.id", ondelete="SET NULL"), index=True
    )
    place_name: Mapped[str] = mapped_column(String(200), default="")
    # The point as entered: private. Public outputs read public_latitude/public_longitude,
    # which app.initiatives.public computes from the chosen precision on every save.
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    location_precision: Mapped[str] = mapped_column(String(16), default="street")
    location_state: Mapped[str] = mapped_column(String(16), default="none")
    public_latitude: Mapped[float | None]
    public_longitude: Mapped[float | None]

    contact_url: Mapped[str] = mapped_column(String(500), default="")
    credit: Mapped[str] = mapped_column(String(16), default="name")
    credit_name: Mapped[str] = mapped_column(String(200), default="")  # group, for "organisation"
    submitter_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Published initiatives with a very similar title near the same place when this one was
    # submitted (app.duplicates): the moderation queue shows them. None: none found.
    possible_duplicate_ids: Mapped[list[int] | None] = mapped_column(JSON)
    moderation_note: Mapped[str] = mapped_column(Text, default="")
    external_id: Mapped[str | None] = mapped_column(String(120), unique=True)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When an outcome's numbers last changed or gained a measurement (freshness in lists).
    outcomes_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the submitter answered "stop asking me": no more follow-up prompts.
    followups_stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    neighbourhood: Mapped[Neighbourhood | None] = relationship(lazy="joined")
    submitter: Mapped[User | None] = relationship()
    theme_links: Mapped[list[InitiativeTheme]] = relationship(
        order_by=InitiativeTheme.position, cascade="all, delete-orphan", lazy="selectin"
    )
    stage_links: Mapped[list[InitiativeStage]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    participants: Mapped[list[Participant]] = relationship(
        order_by=Participant.position, cascade="all, delete-orphan", lazy="selectin"
    )
    outcomes: Mapped[list[Outcome]] = relationship(
        order_by=Outcome.position, cascade="all, delete-orphan", lazy="selectin"
    )
    # Every photo, whatever its state: public outputs read ``public_photos`` only.
    photos: Mapped[list[Photo]] = relationship(
        order_by=(Photo.position, Photo.id),
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    __table_args__ = (
        Index("ix_initiative_state_published", "state", "published_at"),
        Index("ix_initiative_state_updated", "state", "updated_at"),
        Index("ix_initiative_state_title", "state", "title"),
        Index("ix_initiative_public_point", "state", "public_latitude", "public_longitude"),
        # The status and neighbourhood filters and their facet counts run on published rows.
        Index("ix_initiative_state_status", "state", "status"),
        Index("ix_initiative_state_neighbourhood", "state", "neighbourhood_id"),
        Index("ix_initiative_state_outcomes_updated", "state", "outcomes_updated_at"),
        # sort=title reads the first page in this order instead of sorting every match.
        Index(
            "ix_initiative_state_lower_title",
            "state",
            func.lower(literal_column("title")),
            "id",
        ),
        # The active_from/active_to period: each side of its ORs is one range of these.
        Index("ix_initiative_state_ended", "state", "ended_on"),
        Index("ix_initiative_state_started", "state", "started_on", "published_at"),
    )

    @property
    def themes(self) -> list[Theme]:
        return [link.theme for link in self.theme_links]

    @property
    def primary_theme(self) -> Theme | None:
        return self.theme_links[0].theme if self.theme_links else None

    @property
    def stages(self) -> list[str]:
        from app.initiatives.vocabulary import STAGES

        chosen = {link.stage for link in self.stage_links}
        return [stage for stage in STAGES if stage in chosen]

    @property
    def path_slug(self) -> str:
        """The canonical URL's last part: ``<id>-<slug>``."""
        return f"{self.id}-{self.slug}"

    def __repr__(self) -> str:
        return f"<Initiative {self.id} {self.state}>"
