"""The data version: one row that changes in the same transaction as anything public.

Cached public outputs (embeds, feeds, oEmbed, GeoJSON, the API list) are keyed by it, so
every worker and every instance sees a public change at its commit, and a conditional GET
costs one primary-key read. It is bumped in one place, a session hook: a transaction whose
flushes touch what the public can see (a published initiative or one leaving publication, its
themes, stages, participants, outcomes and their measurements or verification, an approved
photo, a published cluster and its items, a theme, a neighbourhood, an organisation, a
credited name) bumps it as its last statement before committing; a draft nobody can see
does not. Core-level bulk writes outside the ORM (a restore, the bench's data) call
``bump_data_version`` themselves.

``stamp`` is new and random at every bump, so a version number met again (tables emptied,
a database restored) never matches an old cache entry.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import g, has_app_context
from sqlalchemy import BigInteger, Connection, String, event, insert, select, update
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    UOWTransaction,
    attributes,
    mapped_column,
)

from app.accounts.models import User
from app.clusters.models import Cluster, ClusterItem
from app.database import UTCDateTime, rows_changed
from app.extensions import Model, db
from app.initiatives.models import (
    Initiative,
    InitiativeStage,
    InitiativeTheme,
    Measurement,
    Outcome,
    Participant,
)
from app.neighbourhoods.models import Neighbourhood
from app.organisations.models import Organisation
from app.photos.models import Photo
from app.themes.models import Theme
from app.timeutil import utcnow

ROW_ID = 1
PUBLISHED = "published"
PENDING_KEY = "public_change_pending"
# What changes on a public initiative without the public seeing it.
PRIVATE_INITIATIVE_FIELDS = frozenset(
    {"moderation_note", "followups_stopped_at", "consented_at", "submitted_at", "location_state"}
)
# What of a person the public sees: the name on their initiatives, their organisation.
PUBLIC_USER_FIELDS = frozenset({"display_name", "organisation_id"})
REFERENCE_MODELS = (Theme, Neighbourhood, Organisation)
PUBLIC_TABLES = frozenset(
    model.__tablename__
    for model in (
        Initiative,
        InitiativeTheme,
        InitiativeStage,
        Participant,
        Outcome,
        Measurement,
        Photo,
        Cluster,
        ClusterItem,
        *REFERENCE_MODELS,
    )
)


class DataVersion(Model):
    """The single row (id 1) whose version and stamp change with every public change."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    stamp: Mapped[str] = mapped_column(String(32), default="")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class Version:
    """What a cached output is keyed by: the stamp, the number, when it last changed."""

    stamp: str
    number: int
    changed_at: datetime | None


NO_VERSION = Version("none", 0, None)
_TABLE = DataVersion.__table__
_READ = select(_TABLE.c.stamp, _TABLE.c.version, _TABLE.c.changed_at).where(_TABLE.c.id == ROW_ID)


def current_data_version() -> Version:
    """The data version, read once per request (one primary-key query)."""
    if has_app_context() and "data_version" in g:
        return g.data_version
    row = db.session.connection().execute(_READ).first()  # Core: no ORM work per request
    version = Version(*row) if row is not None else NO_VERSION
    if has_app_context():
        g.data_version = version
    return version


def bump_data_version(connection: Connection) -> None:
    """Move the data version on, in the connection's transaction (the row comes back if a
    table wipe took it)."""
    values = {"stamp": uuid.uuid4().hex, "changed_at": utcnow()}
    changed = connection.execute(
        update(_TABLE).where(_TABLE.c.id == ROW_ID).values(version=_TABLE.c.version + 1, **values)
    )
    if rows_changed(changed) == 0:
        connection.execute(insert(_TABLE).values(id=ROW_ID, version=1, **values))
    if has_app_context():
        g.pop("data_version", None)  # this request reads its own change


def note_public_change(session: Session) -> None:
    """Bump the data version before the session's transaction commits: for writes that no
    flush sees (the import's bulk inserts)."""
    session.info[PENDING_KEY] = True


def _was(instance: Any, name: str) -> Any:
    """An attribute's value before this flush's change (its current value when unchanged)."""
    history = attributes.get_history(instance, name, passive=attributes.PASSIVE_NO_INITIALIZE)
    if history.deleted:
        return history.deleted[0]
    return getattr(instance, name, None)


def _changed_fields(instance: Any) -> set[str]:
    state = attributes.instance_state(instance)
    return {
        attribute.key
        for attribute in state.attrs
        if attribute.history.has_changes()  # loaded attributes only: no query
    }


def _initiative_public(session: Session, initiative_id: int | None) -> bool:
    """Whether an initiative is, or until this flush was, published (unknown: yes)."""
    if initiative_id is None:
        return False  # attached through its parent's list: the parent is in this flush
    initiative = session.get(Initiative, initiative_id)
    if initiative is None:
        return True
    return PUBLISHED in (initiative.state, _was(initiative, "state"))


def _outcome_public(session: Session, outcome_id: int | None) -> bool:
    if outcome_id is None:
        return False  # attached through its outcome's list: the outcome is in this flush
    outcome = session.get(Outcome, outcome_id)
    return outcome is None or _initiative_public(session, outcome.initiative_id)


def is_public_change(session: Session, instance: Any, deleted: bool = False) -> bool:
    """Whether adding, changing or deleting this object changes what the public can see."""
    if isinstance(instance, REFERENCE_MODELS):
        return True
    if isinstance(instance, Initiative):
        if PUBLISHED not in (instance.state, _was(instance, "state")):
            return False
        return deleted or not _changed_fields(instance) <= PRIVATE_INITIATIVE_FIELDS
    if isinstance(instance, Photo):
        approved = "approved" in (instance.review, _was(instance, "review"))
        return approved and _initiative_public(session, instance.initiative_id)
    if isinstance(instance, (InitiativeTheme, InitiativeStage, Participant, Outcome)):
        return _initiative_public(session, instance.initiative_id)
    if isinstance(instance, Measurement):
        return _outcome_public(session, instance.outcome_id)
    if isinstance(instance, Cluster):
        return PUBLISHED in (instance.state, _was(instance, "state"))
    if isinstance(instance, ClusterItem):
        cluster = instance.cluster
        return cluster is None or PUBLISHED in (cluster.state, _was(cluster, "state"))
    if isinstance(instance, User):  # a new person is credited with nothing yet
        if attributes.instance_state(instance).key is None:
            return False
        return deleted or bool(_changed_fields(instance) & PUBLIC_USER_FIELDS)
    return False


@event.listens_for(Session, "before_flush")
def _note_public_changes(session: Session, _context: UOWTransaction, _instances: object) -> None:
    """Decide, before the flush forgets what changed, whether it changes anything public."""
    if session.info.get(PENDING_KEY):
        return
    changes = [
        *((instance, False) for instance in session.new),
        *((instance, False) for instance in session.dirty if session.is_modified(instance)),
        *((instance, True) for instance in session.deleted),
    ]
    if any(is_public_change(session, instance, deleted) for instance, deleted in changes):
        session.info[PENDING_KEY] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_writes(state: ORMExecuteState) -> None:
    """An ORM bulk ``insert()``, ``update()`` or ``delete()`` of public rows (no flush sees it)."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in PUBLIC_TABLES:
        note_public_change(state.session)


@event.listens_for(Session, "before_commit")
def _bump_before_commit(session: Session) -> None:
    """Bump as the last statement of the transaction that made the change, so they commit
    together; last, so the version row is locked (PostgreSQL) only for the commit itself."""
    session.flush()
    if session.info.pop(PENDING_KEY, False):
        bump_data_version(session.connection())


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)
