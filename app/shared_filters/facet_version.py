"""The facet version: one counter in the database, bumped at the first flush of any
transaction that changes what the lists count (an initiative in any state, its themes, stages,
participants or outcomes, a theme or a neighbourhood), and so holding that row's lock until the
transaction ends.

The facet bitmaps of ``app.shared_filters.facet_index`` are tagged with the version they were
read at and read again (from the change log, ``changes.py``) when the database holds another:
every worker and instance sees the same data. The lock is what makes the change log's ids
follow commit order. A write that bypasses the ORM (a restore, ``bench-data``) calls
``log_everything_changed``, which bumps it.

It is not ``app.data_version``, which the output cache keys by: that one counts only changes
the public can see and is bumped as a transaction's last statement, so that no lock is held
across a transaction's work; this one needs the lock and counts every change the bitmaps read.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Connection, event, insert, select, update
from sqlalchemy.orm import Mapped, Session, UOWTransaction, mapped_column

from app.extensions import Model
from app.initiatives.models import (
    Initiative,
    InitiativeStage,
    InitiativeTheme,
    Outcome,
    Participant,
)
from app.neighbourhoods.models import Neighbourhood
from app.themes.models import Theme

ROW = 1
WATCHED = (
    Initiative,
    InitiativeTheme,
    InitiativeStage,
    Participant,
    Outcome,
    Theme,
    Neighbourhood,
)
_PENDING = "facet_version_bump"
_UNCOMMITTED = "facet_version_uncommitted"


class FacetVersion(Model):
    """The single row (id 1) whose ``version`` grows with every change the lists count."""

    __tablename__ = "facet_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


def read_facet_version(connection: Connection) -> int:
    """The version now (0 before the first change)."""
    version = connection.scalar(select(FacetVersion.version).where(FacetVersion.id == ROW))
    return version or 0


def bump_facet_version(connection: Connection) -> None:
    """Add one to the version, in the caller's transaction."""
    table = FacetVersion.__table__
    changed = connection.execute(
        update(table).where(table.c.id == ROW).values(version=table.c.version + 1)
    )
    if not changed.rowcount:
        connection.execute(insert(table).values(id=ROW, version=1))


@event.listens_for(Session, "before_flush")
def _note_public_change(session: Session, _context: UOWTransaction, _instances: object) -> None:
    # session.new and .deleted build a new collection on every access: read them once.
    if any(isinstance(instance, WATCHED) for instance in [*session.new, *session.deleted]):
        session.info[_PENDING] = True
        return
    for instance in session.dirty:
        if isinstance(instance, WATCHED) and session.is_modified(instance):
            session.info[_PENDING] = True
            return


@event.listens_for(Session, "after_flush")
def _bump_after_flush(session: Session, _context: UOWTransaction) -> None:
    if session.info.pop(_PENDING, None):
        bump_facet_version(session.connection())
        session.info[_UNCOMMITTED] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_uncommitted(session: Session) -> None:
    session.info.pop(_UNCOMMITTED, None)


def note_facet_change(session: Session) -> None:
    """For writes past the ORM within a session's transaction (an import's bulk rows): bump the
    version as a flush would, and remember that the transaction holds changes others cannot
    see yet, so that no process keeps an index read inside it."""
    bump_facet_version(session.connection())
    session.info[_UNCOMMITTED] = True


def has_uncommitted_change(session: Session) -> bool:
    """Whether the session's transaction changed public data that others cannot see yet."""
    return bool(session.info.get(_UNCOMMITTED)) or any(
        isinstance(instance, WATCHED) for instance in [*session.new, *session.dirty]
    )
