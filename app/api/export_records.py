"""The rows an export writes: published initiatives read as plain records, a batch at a time.

An export of a million initiatives cannot afford ORM objects (identity map, relationship
loaders, expunging) for each row. Here the initiatives come as the driver's rows, newest
first, by keyset; each batch's themes, stages, participants, outcomes, latest measurements
and first public photo are read in one query each (never one per initiative), and each initiative
becomes an ``ExportInitiative``: a plain record with the attributes the public rules
(``public_location``, ``public_place_name``), the example text and the GeoJSON schema read.

The keyset is split in two so that each part walks an index: initiatives with a
``published_at`` by ``(published_at, id) < (last)``, then any without one by ``id < last``.
One ``OR published_at IS NULL`` would stop SQLite using the index and make every batch start
from the top (quadratic).

What a million rows make expensive is avoided: the queries are compiled once per export and
run on the session's connection's own driver cursor (``DriverQuery``: no statement built and
no row object per batch), a batch's ids go in one bound parameter (``in_bound_ids``: an
expanding ``IN`` renders a placeholder per id on every execution), a
participant's roles are read as JSON text and decoded once per distinct text (a handful of
stage lists recur on every row), and the two times are read as stored (see below).
"""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Select,
    Text,
    bindparam,
    cast,
    select,
    tuple_,
    type_coerce,
)

from app.database import DriverQuery, in_bound_ids
from app.extensions import db
from app.initiatives.models import (
    Initiative,
    InitiativeStage,
    InitiativeTheme,
    Measurement,
    Outcome,
    Participant,
)
from app.initiatives.public import public_photo_condition, published_only
from app.initiatives.vocabulary import STAGES
from app.neighbourhoods.models import Neighbourhood
from app.organisations.models import Organisation
from app.pacing import fewer_collections
from app.photos.models import Photo
from app.read_ahead import read_ahead
from app.shared_filters.facet_index import FEW_MATCHES, summarise
from app.shared_filters.parse import InitiativeFilter
from app.shared_filters.query import apply_filters
from app.themes.models import Theme
from app.timeutil import in_utc

FIRST_BATCH = 200  # the matches read first when read by id, so that writing can begin
INITIATIVE_COLUMNS = (
    Initiative.id,
    Initiative.slug,
    Initiative.title,
    Initiative.summary,
    Initiative.description,
    Initiative.language,
    Initiative.title_cy,
    Initiative.summary_cy,
    Initiative.description_cy,
    Initiative.status,
    Initiative.started_on,
    Initiative.ended_on,
    Initiative.state,
    Initiative.neighbourhood_id,
    Initiative.place_name,
    Initiative.latitude,
    Initiative.longitude,
    Initiative.location_precision,
    Initiative.public_latitude,
    Initiative.public_longitude,
    # As the database returns them (naive, in UTC, on SQLite): UTCDateTime's conversion of
    # each value was about a third of reading the row; the CSV writes them as UTC itself.
    type_coerce(Initiative.published_at, DateTime(timezone=True)).label("published_at"),
    type_coerce(Initiative.updated_at, DateTime(timezone=True)).label("updated_at"),
)
_NEIGHBOURHOOD_AT = [column.key for column in INITIATIVE_COLUMNS].index("neighbourhood_id")


@dataclass(slots=True)
class ThemeRecord:
    slug: str
    name: str
    name_cy: str


@dataclass(slots=True)
class NeighbourhoodRecord:
    slug: str
    name: str
    name_cy: str
    local_authority: str
    local_authority_cy: str


@dataclass(slots=True)
class ParticipantRecord:
    sector: str
    name: str
    roles: list[str]
    people: int | None
    hours: float | None


@dataclass(slots=True)
class MeasurementRecord:
    measured_on: date
    value: float


@dataclass(slots=True)
class OutcomeRecord:
    description: str
    indicator: str
    baseline: float | None
    result: float | None
    unit: str
    measured_on: date | None
    evidence_url: str
    verified_at: datetime | None
    verified_by: str  # the verifying organisation's name, or blank
    latest_measurement: MeasurementRecord | None = None

    @property
    def figures(self) -> tuple[float, float] | None:
        if self.baseline is None or self.result is None:
            return None
        return self.baseline, self.result


@dataclass(slots=True)
class PhotoRecord:
    """A public photo (approved and processed): only these are read."""

    stem: str
    review: str = "approved"
    is_ready: bool = True


@dataclass(slots=True)
class ExportInitiative:
    """A published initiative as an export reads it (its private point only for precision)."""

    id: int
    slug: str
    title: str
    summary: str
    description: str
    language: str
    title_cy: str
    summary_cy: str
    description_cy: str
    status: str
    started_on: date | None
    ended_on: date | None
    state: str
    neighbourhood_id: int | None
    place_name: str
    latitude: float | None
    longitude: float | None
    location_precision: str
    public_latitude: float | None
    public_longitude: float | None
    published_at: datetime | None  # UTC; naive when the database stores no offset
    updated_at: datetime | None
    neighbourhood: NeighbourhoodRecord | None = None
    themes: list[ThemeRecord] = field(default_factory=list)
    stage_set: set[str] = field(default_factory=set)
    participants: list[ParticipantRecord] = field(default_factory=list)
    outcomes: list[OutcomeRecord] = field(default_factory=list)
    photos: list[PhotoRecord] = field(default_factory=list)

    @property
    def primary_theme(self) -> ThemeRecord | None:
        return self.themes[0] if self.themes else None

    @property
    def stages(self) -> list[str]:
        return [stage for stage in STAGES if stage in self.stage_set]


class _References:
    """Themes, neighbourhoods and organisations by id, each read once per export."""

    def __init__(self) -> None:
        self.themes = {
            row.id: ThemeRecord(row.slug, row.name, row.name_cy or "")
            for row in _rows(select(Theme.id, Theme.slug, Theme.name, Theme.name_cy))
        }
        self.neighbourhoods: dict[int, NeighbourhoodRecord] = {}
        self.organisations: dict[int, str] = {}
        self.known_roles: dict[str | None, list[str]] = {}

    def roles(self, text: str | None) -> list[str]:
        """A participant's roles from their JSON text (the same list object for the same
        text: records only read it)."""
        roles = self.known_roles.get(text)
        if roles is None:
            if len(self.known_roles) > 10_000:
                self.known_roles.clear()
            roles = self.known_roles[text] = json.loads(text) if text else []
        return roles

    def neighbourhoods_of(self, ids: set[int]) -> dict[int, NeighbourhoodRecord]:
        missing = ids - self.neighbourhoods.keys()
        if missing:
            query = select(
                Neighbourhood.id,
                Neighbourhood.slug,
                Neighbourhood.name,
                Neighbourhood.name_cy,
                Neighbourhood.local_authority,
                Neighbourhood.local_authority_cy,
            ).where(Neighbourhood.id.in_(missing))
            for row in _rows(query):
                self.neighbourhoods[row.id] = NeighbourhoodRecord(
                    row.slug,
                    row.name,
                    row.name_cy or "",
                    row.local_authority or "",
                    row.local_authority_cy or "",
                )
        return self.neighbourhoods

    def organisation_names(self, ids: set[int]) -> dict[int, str]:
        missing = ids - self.organisations.keys()
        if missing:
            query = select(Organisation.id, Organisation.name).where(Organisation.id.in_(missing))
            self.organisations.update({row.id: row.name for row in _rows(query)})
        return self.organisations


def _rows(query: Select) -> Sequence[Any]:
    """A query's rows as Core rows, on the session's connection and transaction."""
    return db.session.connection().execute(query).all()


def newest_first_batches(matching: Select, batch_size: int) -> Iterator[Sequence[Any]]:
    """Batches of initiative rows newest first: dated ones, then any without a date (each part
    one index range, no ``OR published_at IS NULL``). ``matching`` selects the initiative's id
    first and its ``published_at`` by that name (``INITIATIVE_COLUMNS``).

    Each part is two statements made once (its first batch, then the batch after a given
    row) and run through the driver (``DriverQuery``), without SQLAlchemy's row objects."""
    published_at, initiative_id = Initiative.published_at, Initiative.id
    time_at = [column.name for column in matching.selected_columns].index("published_at")
    after_time = bindparam("after_time", None, type_=published_at.type)
    after_id = bindparam("after_id", None, type_=initiative_id.type)
    dated = matching.where(published_at.is_not(None)).order_by(
        published_at.desc(), initiative_id.desc()
    )
    undated = matching.where(published_at.is_(None)).order_by(initiative_id.desc())
    connection = db.session.connection()
    parts = [
        (  # each part's first batch, and the batch after a row
            DriverQuery(connection, dated.limit(batch_size)),
            DriverQuery(
                connection,
                dated.where(
                    tuple_(published_at, initiative_id) < tuple_(after_time, after_id)
                ).limit(batch_size),
            ),
            lambda last: {"after_time": in_utc(last[time_at]), "after_id": last[0]},
        ),
        (
            DriverQuery(connection, undated.limit(batch_size)),
            DriverQuery(connection, undated.where(initiative_id < after_id).limit(batch_size)),
            lambda last: {"after_id": last[0]},
        ),
    ]
    try:
        for first, following, after in parts:
            batch = first.rows()
            while batch:
                yield batch
                if len(batch) < batch_size:
                    break
                batch = following.rows(**after(batch[-1]))
    finally:
        for first, following, _after in parts:
            first.close()
            following.close()


def published_records(
    initiative_filter: InitiativeFilter, batch_size: int
) -> Iterator[list[ExportInitiative]]:
    """Matching published initiatives, newest first, in lists of a few hundred records.

    Their rows are read ``batch_size`` at a time in a thread of their own (``read_ahead``),
    in the caller's session and transaction, while the caller makes the last batch's rows
    into records and writes them out: the reader does little but wait for the database (with
    Python's lock released), so the next batch is read while this one is made and written.

    Until the last is taken (or the export is closed: a client that went away), the cycle
    collector is paced for bulk work: at its usual pace it cost about a third of an export,
    walking each batch's records again and again while they were being written."""
    with fewer_collections():
        yield from read_ahead(lambda: _read_records(initiative_filter, batch_size), _records)


@dataclass(slots=True)
class _BatchRows:
    """A batch's rows as the database gave them: the initiatives' and, one query per kind,
    their related rows (made into records by ``_records``, in the caller's thread)."""

    rows: Sequence[Any]
    references: _References
    themes: list[Any]
    stages: list[Any]
    participants: list[Any]
    outcomes: list[Any]
    measurements: list[Any]
    photos: list[Any]


def _read_records(
    initiative_filter: InitiativeFilter, batch_size: int
) -> Generator[_BatchRows, None, None]:
    references = _References()
    related = _RelatedQueries()
    try:
        for rows in _matching_batches(initiative_filter, batch_size):
            yield _batch_rows(rows, references, related)
    finally:
        related.close()


def _matching_batches(
    initiative_filter: InitiativeFilter, batch_size: int
) -> Iterator[Sequence[Any]]:
    """The matches' rows newest first. At most ``FEW_MATCHES`` of them (a city's box, a rare
    pair of facets) are read by id from the facet bitmaps' matches: walking the order's index
    would pass every published initiative to find them (3.3 s for a city at a million)."""
    columns = published_only(select(*INITIATIVE_COLUMNS))
    if not initiative_filter.is_empty:
        matches = summarise(initiative_filter, ()).matches
        if len(matches) <= FEW_MATCHES:
            yield from _batches_by_id(columns, list(matches), batch_size)
            return
    yield from newest_first_batches(apply_filters(columns, initiative_filter), batch_size)


def _batches_by_id(columns: Select, ids: list[int], batch_size: int) -> Iterator[Sequence[Any]]:
    """Rows of these initiatives in ``newest_first_batches``' order (dated ones newest first,
    then those without a date), a batch at a time, each read by id (on the driver, as the
    batches are).

    The ids are put in order first, by a query that reads only the order's columns, so that
    a small first batch (``FIRST_BATCH``) can be handed over at once: a city's GeoJSON
    (3,385 matches at a million) was otherwise read whole, about a third of its time, before
    its first feature could be written."""
    if not ids:
        return
    connection = db.session.connection()
    published_at = Initiative.published_at
    order = (published_at.is_(None), published_at.desc(), Initiative.id.desc())
    of_ids = in_bound_ids(Initiative.id, connection.dialect, "ids")
    ordering = DriverQuery(
        connection, published_only(select(Initiative.id)).where(of_ids).order_by(*order)
    )
    reading = DriverQuery(connection, columns.where(of_ids))  # put in order here, not sorted
    try:
        ordered = [row[0] for row in ordering.rows(ids=ids)]
        start, size = 0, min(FIRST_BATCH, batch_size)
        while start < len(ordered):
            wanted = ordered[start : start + size]
            # Read in this transaction as the order was: every one of them is there.
            by_id = {row[0]: row for row in reading.rows(ids=wanted)}
            yield [by_id[initiative_id] for initiative_id in wanted]
            start, size = start + size, batch_size
    finally:
        ordering.close()
        reading.close()


class _RelatedQueries:
    """The queries that read a batch's related rows, one per kind, each made once per export
    and run with each batch's ids (``DriverQuery``: at a thousand ids a batch, building and
    running them through SQLAlchemy cost about as much as SQLite reading the rows)."""

    def __init__(self) -> None:
        connection = db.session.connection()
        self.opened: list[DriverQuery] = []

        def of_batch(column: Any) -> ColumnElement[bool]:
            return in_bound_ids(column, connection.dialect, "ids")

        def query(statement: Select) -> DriverQuery:
            self.opened.append(DriverQuery(connection, statement))
            return self.opened[-1]

        self.themes = query(
            select(InitiativeTheme.initiative_id, InitiativeTheme.theme_id)
            .where(of_batch(InitiativeTheme.initiative_id))
            .order_by(InitiativeTheme.initiative_id, InitiativeTheme.position)
        )
        self.stages = query(
            select(InitiativeStage.initiative_id, InitiativeStage.stage).where(
                of_batch(InitiativeStage.initiative_id)
            )
        )
        self.participants = query(
            select(
                Participant.initiative_id,
                Participant.sector,
                Participant.name,
                cast(Participant.roles, Text),
                Participant.people,
                Participant.hours,
            )
            .where(of_batch(Participant.initiative_id))
            .order_by(Participant.initiative_id, Participant.position, Participant.id)
        )
        self.outcomes = query(
            select(
                Outcome.id,
                Outcome.initiative_id,
                Outcome.description,
                Outcome.indicator,
                Outcome.baseline,
                Outcome.result,
                Outcome.unit,
                Outcome.measured_on,
                Outcome.evidence_url,
                Outcome.verified_at,
                Outcome.verified_by_organisation_id,
            )
            .where(of_batch(Outcome.initiative_id))
            .order_by(Outcome.initiative_id, Outcome.position, Outcome.id)
        )
        self.measurements = query(
            select(Measurement.outcome_id, Measurement.measured_on, Measurement.value)
            .where(of_batch(Measurement.outcome_id))
            .order_by(Measurement.outcome_id, Measurement.measured_on, Measurement.id)
        )
        self.photos = query(
            select(Photo.initiative_id, Photo.stem)
            .where(
                of_batch(Photo.initiative_id),
                public_photo_condition(),
                Photo.stem.is_not(None),
            )
            .order_by(Photo.initiative_id, Photo.position, Photo.id)
        )

    def close(self) -> None:
        for query in self.opened:
            query.close()


def _batch_rows(
    rows: Sequence[Any], references: _References, related: _RelatedQueries
) -> _BatchRows:
    """A batch's related rows, one query per kind, and any neighbourhood or organisation
    not read before."""
    ids = [row[0] for row in rows]
    references.neighbourhoods_of({row[_NEIGHBOURHOOD_AT] for row in rows} - {None})
    outcomes = related.outcomes.rows(ids=ids)
    if outcomes:
        references.organisation_names({row[10] for row in outcomes if row[10]})
    return _BatchRows(
        rows,
        references,
        related.themes.rows(ids=ids),
        related.stages.rows(ids=ids),
        related.participants.rows(ids=ids),
        outcomes,
        related.measurements.rows(ids=[row[0] for row in outcomes]) if outcomes else [],
        related.photos.rows(ids=ids),
    )


def _records(batch: _BatchRows) -> list[ExportInitiative]:
    """Records of a batch's rows, each with its related rows."""
    references = batch.references
    records = {row[0]: ExportInitiative(*row) for row in batch.rows}
    neighbourhoods = references.neighbourhoods
    for record in records.values():
        if record.neighbourhood_id is not None:
            record.neighbourhood = neighbourhoods.get(record.neighbourhood_id)
    theme_records = references.themes
    for initiative_id, theme_id in batch.themes:
        records[initiative_id].themes.append(theme_records[theme_id])
    for initiative_id, stage in batch.stages:
        records[initiative_id].stage_set.add(stage)
    _add_participants(records, batch.participants, references)
    _add_outcomes(records, batch.outcomes, batch.measurements, references.organisations)
    for initiative_id, stem in batch.photos:
        records[initiative_id].photos.append(PhotoRecord(stem or ""))
    return list(records.values())


def _add_participants(
    records: dict[int, ExportInitiative], rows: list[Any], references: _References
) -> None:
    known_roles = references.known_roles
    for initiative_id, sector, name, roles_text, people, hours in rows:
        roles = known_roles.get(roles_text)
        if roles is None:
            roles = references.roles(roles_text)
        records[initiative_id].participants.append(
            ParticipantRecord(sector, name or "", roles, people, hours)
        )


def _add_outcomes(
    records: dict[int, ExportInitiative],
    rows: list[Any],
    measurements: list[Any],
    names: dict[int, str],
) -> None:
    by_id: dict[int, OutcomeRecord] = {}
    for (
        outcome_id,
        initiative_id,
        description,
        indicator,
        baseline,
        result,
        unit,
        measured_on,
        evidence_url,
        verified_at,
        organisation_id,
    ) in rows:
        outcome = OutcomeRecord(
            description or "",
            indicator or "",
            baseline,
            result,
            unit or "",
            measured_on,
            evidence_url or "",
            verified_at,
            names.get(organisation_id, "") if verified_at else "",
        )
        by_id[outcome_id] = outcome
        records[initiative_id].outcomes.append(outcome)
    latest: dict[int, MeasurementRecord] = {}
    for outcome_id, measured_on, value in measurements:
        latest[outcome_id] = MeasurementRecord(measured_on, value)  # the last one stays
    for outcome_id, measurement in latest.items():
        by_id[outcome_id].latest_measurement = measurement
