"""The log of changed initiatives that lets each process bring its facet bitmaps up to date
(``app.shared_filters.facet_index``) by reading only what changed.

Every flush that adds, changes or deletes an initiative or its themes, stages, participants or
outcomes writes one row per initiative touched; a changed theme or neighbourhood writes a row
without an initiative, after which every process reads its bitmaps again in full. The rows go
in after the facet version's bump (``facet_version``, whose listener is registered first),
in the same transaction, which holds the version's row lock until commit: ids grow in commit
order, so a process that has read up to one id has seen every change before it.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import BigInteger, Connection, Integer, delete, event, insert, select
from sqlalchemy.orm import Mapped, Session, UOWTransaction, mapped_column

from app.database import insert_rows
from app.extensions import Model
from app.initiatives.models import Initiative
from app.shared_filters.facet_version import WATCHED, bump_facet_version

KEPT = 100_000  # rows of the log kept; a process further behind reads everything again
_PENDING = "facet_changes"


class FacetChange(Model):
    """An initiative whose facets a flush may have changed (None: a theme or neighbourhood)."""

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )  # SQLite numbers rows only with an INTEGER key
    initiative_id: Mapped[int | None]


def read_changes(connection: Connection, after: int) -> list[tuple[int, int | None]]:
    """The changes logged after ``after``, oldest first."""
    query = select(FacetChange.id, FacetChange.initiative_id).where(FacetChange.id > after)
    return [(row[0], row[1]) for row in connection.execute(query.order_by(FacetChange.id))]


def last_change(connection: Connection) -> int:
    return connection.scalar(select(FacetChange.id).order_by(FacetChange.id.desc()).limit(1)) or 0


def log_everything_changed(connection: Connection) -> None:
    """For writes past the ORM (a restore, bench-data): every process reads again in full."""
    bump_facet_version(connection)  # first: its lock orders the log
    connection.execute(insert(FacetChange.__table__).values(initiative_id=None))


@event.listens_for(Session, "before_flush")
def _note_changed(session: Session, _context: UOWTransaction, _instances: object) -> None:
    touched = [
        instance
        for instance in [*session.new, *session.deleted, *session.dirty]
        if isinstance(instance, WATCHED)
    ]
    if touched:
        session.info[_PENDING] = touched


@event.listens_for(Session, "after_flush")
def _log_changed(session: Session, _context: UOWTransaction) -> None:
    touched = session.info.pop(_PENDING, None)
    if not touched:
        return
    ids: set[int | None] = set()
    for instance in touched:
        if isinstance(instance, Initiative):
            ids.add(instance.id)
        elif hasattr(instance, "initiative_id"):
            ids.add(instance.initiative_id)
        else:
            ids.add(None)  # a theme or neighbourhood: its slug may have changed
    log_changes(session.connection(), ids)


def log_changes(connection: Connection, initiative_ids: Collection[int | None]) -> None:
    """Log these initiatives as changed (None: a theme or neighbourhood), after the facet
    version's bump in the same transaction; the flush hook and the import's bulk writes
    both log through here."""
    rows = [{"initiative_id": initiative_id} for initiative_id in initiative_ids]
    if not rows:
        return
    insert_rows(connection, FacetChange.__table__, rows)  # an import's thousands: by COPY
    newest = last_change(connection)
    if newest % 1_000 < len(rows):  # now and then, forget what every process has long read
        connection.execute(delete(FacetChange.__table__).where(FacetChange.id <= newest - KEPT))
