"""Writing an import's new initiatives in bulk: Core multi-row INSERTs, ids taken in advance.

The ORM would write each initiative, theme, stage, participant, outcome and revision one
object at a time, and its flush hooks would then keep the derived data in step. Here the
import writes the same rows a thousand at a time and does what those hooks would have done,
once, through the hooks' own functions: the public point (app.initiatives.public), the map's
points and cells (app.map_cells.cells), the facet version and change log
(app.shared_filters), the data version (app.data_version) and the look-ups of pending places
(app.places.tasks). tests/test_imports_bulk.py checks that the database ends up the same as
through the ORM.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from itertools import islice
from typing import Any, NamedTuple

from sqlalchemy import Connection, Table, func, select, text

from app.accounts.models import User
from app.data_version import note_public_change
from app.database import insert_rows
from app.extensions import db
from app.imports.planning import Plan
from app.initiatives.content import (
    DATE_FIELDS,
    OUTCOME_FIELDS,
    PARTICIPANT_FIELDS,
    SCALAR_FIELDS,
    SLUG_LENGTH,
)
from app.initiatives.models import (
    Initiative,
    InitiativeStage,
    InitiativeTheme,
    Outcome,
    Participant,
)
from app.initiatives.public import PUBLISHED, public_point
from app.initiatives.vocabulary import STAGES
from app.map_cells.additions import add_to_cells, count_added
from app.map_cells.cells import PointRow, add_new_points, lock_map, point_rows
from app.map_cells.facets import Facets
from app.moderation.models import Revision
from app.neighbourhoods.models import Neighbourhood
from app.places.tasks import queue_place_lookups
from app.shared_filters.changes import log_changes
from app.shared_filters.facet_version import note_facet_change
from app.themes.models import Theme
from app.urls import slugify

BATCH = 1_000  # initiatives per round of INSERTs
# Outcome text a form leaves out is stored empty, as app.initiatives.content does.
EMPTY_TEXT_OUTCOME_FIELDS = ("description", "indicator", "unit", "evidence_url")


class Centre(NamedTuple):
    latitude: float
    longitude: float


def can_create_in_bulk(plan: Plan) -> bool:
    """Whether a new initiative's content is what the bulk path writes (no photos, no later
    measurements: a CSV row never brings them)."""
    content = plan.written
    return "photos" not in content and not any(
        "measurements" in outcome for outcome in content.get("outcomes", [])
    )


def create_initiatives(
    plans: list[Plan], author: User, state: str, now: datetime, themes: dict[str, Theme]
) -> Iterator[int]:
    """Write the new initiatives of these plans, each with its first revision, and bring the
    derived data up to date; yields how many were written after each batch."""
    if not plans:
        return
    session = db.session()
    connection = session.connection()
    centres = {
        row.id: Centre(row.latitude, row.longitude)
        for row in connection.execute(
            select(Neighbourhood.id, Neighbourhood.latitude, Neighbourhood.longitude)
        )
    }
    theme_ids = {slug: theme.id for slug, theme in themes.items()}
    ids = {
        table: iter(taken)
        for table, taken in reserve_ids(
            connection,
            {
                Initiative.__table__: len(plans),
                Participant.__table__: sum(len(plan.written["participants"]) for plan in plans),
                Outcome.__table__: sum(len(plan.written["outcomes"]) for plan in plans),
                Revision.__table__: len(plans),
            },
        ).items()
    }
    created: list[int] = []
    pending_places: list[int] = []
    points: set[PointRow] = set()
    for start in range(0, len(plans), BATCH):
        batch = plans[start : start + BATCH]
        rows = _Rows(batch, ids, author, state, now)
        for plan, initiative_id in zip(batch, rows.initiative_ids, strict=True):
            rows.add(plan, initiative_id, centres, theme_ids)
            plan.report.initiative_id = initiative_id
            if plan.written["location_state"] == "pending" and plan.written["place_name"]:
                pending_places.append(initiative_id)
        rows.write(connection)
        created += rows.initiative_ids
        points |= rows.points
        yield len(batch)
    # What the flush hooks would have done, once for them all, taking their locks in a
    # flush's order: the map's, then the facet version's (whose row lock orders the log).
    # The new initiatives' own points go in first, and what they add to each cell is added
    # up: another import at the same moment waits for these locks only while those totals
    # are added to the map's, not while the points are written or counted.
    published = state == PUBLISHED
    if published:
        add_new_points(connection, points)
        count_added(connection, created)
        lock_map(connection)
    note_facet_change(session)
    log_changes(connection, created)
    if published:
        add_to_cells(connection)
        note_public_change(session)
    queue_place_lookups(session, pending_places)


# Each table's sequence looked up once (MATERIALIZED), not once per id: the look-up cost ten
# times what nextval does.
RESERVE = text(
    "WITH wanted AS MATERIALIZED ("
    " SELECT name, count, CAST(pg_get_serial_sequence(name, 'id') AS regclass) AS sequence"
    " FROM unnest(CAST(:tables AS text[]), CAST(:counts AS integer[])) AS wanted(name, count))"
    " SELECT name, array_agg(nextval(sequence))"
    " FROM wanted CROSS JOIN LATERAL generate_series(1, count) GROUP BY name"
)


def reserve_ids(connection: Connection, counts: dict[Table, int]) -> dict[Table, list[int]]:
    """New ids of these tables (as many as ``counts`` says of each), in order, taken before
    their rows are written.

    PostgreSQL: from each table's own sequence, so other writers (two imports at once) never
    take the same ones; every table's in one statement. SQLite: after the largest, as SQLite
    itself numbers rows; the import's transaction holds the write lock from its start, so no
    one else writes between.
    """
    if connection.dialect.name == "postgresql":
        # Each table's ids as one array: a row per id cost more to read than the ids did.
        taken: dict[str, list[int]] = dict(
            connection.execute(
                RESERVE,
                {"tables": [table.name for table in counts], "counts": list(counts.values())},
            ).all()
        )
        return {table: sorted(taken.get(table.name) or []) for table in counts}
    reserved = {}
    for table, count in counts.items():
        largest = connection.scalar(select(func.max(table.c.id))) or 0
        reserved[table] = list(range(largest + 1, largest + 1 + count))
    return reserved


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


class _Rows:
    """One batch's rows for each table, and the revision content each initiative gets."""

    def __init__(
        self,
        plans: list[Plan],
        ids: dict[Table, Iterator[int]],
        author: User,
        state: str,
        now: datetime,
    ) -> None:
        self.author_id, self.state, self.now = author.id, state, now
        self.approved = state == PUBLISHED
        self.initiative_ids = list(islice(ids[Initiative.__table__], len(plans)))
        self.participant_ids = ids[Participant.__table__]
        self.outcome_ids = ids[Outcome.__table__]
        self.revision_ids = ids[Revision.__table__]
        self.points: set[PointRow] = set()  # the map points of those published
        self.tables: dict[Table, list[dict[str, Any]]] = {
            model.__table__: []
            for model in (
                Initiative,
                InitiativeTheme,
                InitiativeStage,
                Participant,
                Outcome,
                Revision,
            )
        }

    def add(
        self,
        plan: Plan,
        initiative_id: int,
        centres: dict[int, Centre],
        theme_ids: dict[str, int],
    ) -> None:
        content = plan.written
        row: dict[str, Any] = {field: content[field] for field in SCALAR_FIELDS}
        row.update({field: _date(content[field]) for field in DATE_FIELDS})
        neighbourhood_id = content["neighbourhood_id"]
        point = public_point(
            content["latitude"],
            content["longitude"],
            content["location_precision"],
            centres.get(neighbourhood_id) if neighbourhood_id else None,
        )
        row["public_latitude"], row["public_longitude"] = point or (None, None)
        row.update(
            id=initiative_id,
            slug=slugify(content["title"], max_length=SLUG_LENGTH),
            state=self.state,
            submitter_id=self.author_id,
            external_id=plan.match.external_id or None,
            created_at=self.now,
            updated_at=self.now,
            submitted_at=self.now,
            consented_at=self.now,
            published_at=self.now if self.approved else None,
        )
        if not self.approved:  # the moderation queue flags it, as it flags a submission
            row["possible_duplicate_ids"] = plan.possible_duplicate_ids or None
        self.tables[Initiative.__table__].append(row)
        revision = {field: row[field] for field in SCALAR_FIELDS}
        revision.update({field: content[field] or None for field in DATE_FIELDS})
        revision["themes"] = self._themes(initiative_id, content["themes"], theme_ids)
        revision["stages"] = self._stages(initiative_id, content["stages"])
        revision["participants"] = self._participants(initiative_id, content["participants"])
        revision["outcomes"] = self._outcomes(initiative_id, content["outcomes"])
        if self.approved and point is not None:  # on the map (its outcomes are unverified)
            facets = Facets(
                theme_ids=tuple(theme_ids[slug] for slug in revision["themes"]),
                status=row["status"],
                stages=tuple(revision["stages"]),
                sectors=tuple(participant["sector"] for participant in revision["participants"]),
                neighbourhood_id=neighbourhood_id,
            )
            self.points |= point_rows(initiative_id, point[1], point[0], facets)
        self.tables[Revision.__table__].append(
            {
                "id": next(self.revision_ids),
                "initiative_id": initiative_id,
                "number": 1,
                "author_id": self.author_id,
                "kind": "import",
                "state": "approved" if self.approved else "pending",
                "content": revision,
                "note": plan.note,
                "decided_by_id": self.author_id if self.approved else None,
                "decided_at": self.now if self.approved else None,
            }
        )

    def _themes(self, initiative_id: int, slugs: list[str], theme_ids: dict[str, int]) -> list:
        """Theme links in order (unknown slugs dropped); the slugs the revision keeps."""
        kept = [slug for slug in dict.fromkeys(slugs) if slug in theme_ids]
        self.tables[InitiativeTheme.__table__] += [
            {"initiative_id": initiative_id, "theme_id": theme_ids[slug], "position": position}
            for position, slug in enumerate(dict.fromkeys(slugs))
            if slug in theme_ids
        ]
        return kept

    def _stages(self, initiative_id: int, stages: list[str]) -> list[str]:
        chosen = [stage for stage in STAGES if stage in set(stages)]
        self.tables[InitiativeStage.__table__] += [
            {"initiative_id": initiative_id, "stage": stage} for stage in chosen
        ]
        return chosen

    def _participants(self, initiative_id: int, participants: list[dict]) -> list[dict]:
        kept = []
        for position, participant in enumerate(participants):
            values = {field: participant.get(field) for field in PARTICIPANT_FIELDS}
            values["roles"] = list(values["roles"] or [])
            values["name"] = values["name"] or ""
            kept.append(values)
            self.tables[Participant.__table__].append(
                {
                    "id": next(self.participant_ids),
                    "initiative_id": initiative_id,
                    "position": position,
                    **values,
                }
            )
        return kept

    def _outcomes(self, initiative_id: int, outcomes: list[dict]) -> list[dict]:
        kept = []
        for position, outcome in enumerate(outcomes):
            outcome_id = next(self.outcome_ids)
            values = {field: outcome.get(field) for field in OUTCOME_FIELDS}
            for field in EMPTY_TEXT_OUTCOME_FIELDS:
                values[field] = values[field] or ""
            values["measured_on"] = values["measured_on"] or None
            kept.append({"id": outcome_id, **values})
            self.tables[Outcome.__table__].append(
                {
                    **values,
                    "id": outcome_id,
                    "initiative_id": initiative_id,
                    "position": position,
                    "measured_on": _date(values["measured_on"]),
                }
            )
        return kept

    def write(self, connection: Connection) -> None:
        """Every table's rows, parents first."""
        for table, rows in self.tables.items():
            if rows:
                insert_rows(connection, table, rows)
