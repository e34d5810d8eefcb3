"""What a process keeps in memory of the published initiatives, brought up to date from the log
of changes: the facet bitmaps (``facet_index``) and the map's points
(``app.shared_filters.point_index``).

A kept index is tagged with the facet version (``facet_version``) and the newest row of the
change log (``changes``) it was read at. Every use reads the version (one primary-key lookup);
when the database holds another, the initiatives logged as changed since are read again into
a copy, or everything is read again after a theme or neighbourhood changed, or when too much
did. Every worker and instance so answers from what the database holds now.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from flask import current_app
from pyroaring import BitMap
from sqlalchemy import Connection

from app.extensions import db
from app.shared_filters.changes import KEPT, last_change, read_changes
from app.shared_filters.facet_version import has_uncommitted_change, read_facet_version

MAX_PATCHED = 20_000  # changed initiatives past which reading everything again is quicker


class VersionedIndex(Protocol):
    version: int
    last_change: int  # the newest row of the change log read


Index = TypeVar("Index", bound=VersionedIndex)
Build = Callable[[Connection, int, int], Index]  # (connection, version, last change)
Patch = Callable[[Index, Connection, int, int, BitMap], Index]  # (..., changed initiatives)


@dataclass
class _Kept(Generic[Index]):
    index: Index | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def _brought_up_to_date(
    index: Index | None,
    connection: Connection,
    version: int,
    build: Build[Index],
    patch: Patch[Index],
) -> Index:
    """The index at ``version``: patched from the log of changes when it allows, else read
    again in full."""
    newest = last_change(connection)
    if index is None or not newest - KEPT <= index.last_change <= newest:
        return build(connection, version, newest)
    changes = read_changes(connection, index.last_change)
    changed = BitMap(initiative_id for _, initiative_id in changes if initiative_id is not None)
    last = changes[-1][0] if changes else index.last_change
    if any(initiative_id is None for _, initiative_id in changes) or len(changed) > MAX_PATCHED:
        return build(connection, version, last)
    return patch(index, connection, version, last, changed)


def current_index(name: str, build: Build[Index], patch: Patch[Index]) -> Index:
    """The index kept under ``name`` at the database's facet version now, brought up to date
    if it moved on.

    Kept per app (``app.extensions``): one process may serve several databases (tests).
    """
    kept: _Kept[Index] = current_app.extensions.setdefault(name, _Kept())
    connection = db.session.connection()
    version = read_facet_version(connection)
    index = kept.index
    if index is not None and index.version == version:
        return index
    with kept.lock:
        index = kept.index
        if index is not None and index.version == version:
            return index
        index = _brought_up_to_date(index, connection, version, build, patch)
        # A transaction's own changes, not committed yet, are not kept for the others.
        if not has_uncommitted_change(db.session()):
            kept.index = index
    return index


def forget_index(name: str) -> None:
    """Drop the index kept under ``name`` (the next use reads it again in full)."""
    current_app.extensions.pop(name, None)
