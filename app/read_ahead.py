"""Batches read in a thread of their own while the caller writes the last ones out.

An export spends about half its time reading (SQLite's own work, then records made of the
rows) and half writing them out as CSV or GeoJSON. Python runs one thread's code at a time,
but SQLite reads with that lock released (``DriverQuery`` reads a batch in one step), so a
reader thread can have SQLite read the next batch while the caller writes this one: a
million-row CSV export took about a quarter less time on two cores (December 2026,
docs/operating/benchmarks.md).

The reader runs in a copy of the caller's context, so in the caller's own database session,
connection and transaction: what the caller read before (a cached output's data version, the
open-data files' count) and every batch come from one transaction, and an export holds one
connection, as before. The caller leaves the session to the reader until the batches end (it
only writes them out). At most ``WAITING`` batches wait for the caller, so memory stays
flat. A failure while reading is
raised to the caller where the batch would have come (an export then ends as a broken
download, never a clean short one); a caller that stops early (a client gone) stops the
reader before its next batch, and the reader's queries are closed in its own thread.
"""

from __future__ import annotations

import contextvars
import queue
import threading
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import Any, TypeVar

Item = TypeVar("Item")

WAITING = 2  # batches read and not yet taken, at most
# The caller hands the interpreter's lock over after each slice of this many items: the
# reader, back from a step of SQLite's, would otherwise wait for the switch interval (5 ms)
# for its turn, several times a batch.
HANDOVER_ITEMS = 200
_POLL_SECONDS = 0.1


@dataclass(slots=True)
class _Failed:
    error: BaseException


_DONE = object()


def read_ahead(
    read: Callable[[], Generator[Any, None, None]],
    make: Callable[[Any], list[Item]] | None = None,
) -> Iterator[list[Item]]:
    """The items of ``read()``'s batches, in order, in lists of at most ``HANDOVER_ITEMS``;
    ``read`` runs in a thread of its own, in a copy of the caller's context. Each batch read
    is made into its list of items by ``make`` (if given) in the caller's thread: Python's
    work there leaves the reader free to have the database read the next batch."""
    waiting: queue.Queue[Any] = queue.Queue(WAITING)
    stop = threading.Event()

    def hand_over(item: Any) -> bool:
        while not stop.is_set():
            try:
                waiting.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def reader() -> None:
        try:
            with closing(read()) as batches:
                for batch in batches:
                    if not hand_over(batch):
                        return
            hand_over(_DONE)
        except BaseException as error:  # noqa: BLE001 - raised again in the caller
            hand_over(_Failed(error))

    context = contextvars.copy_context()
    thread = threading.Thread(target=context.run, args=(reader,), name="read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item = waiting.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            items = item if make is None else make(item)
            for start in range(0, len(items), HANDOVER_ITEMS):
                yield items[start : start + HANDOVER_ITEMS]
                time.sleep(0)
    finally:
        stop.set()
        thread.join()
