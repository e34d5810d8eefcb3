"""Python's cycle collector paced for bulk work: an import, an export.

Checking and writing a file, or streaming a million initiatives, allocates millions of small
objects (rows, plans, records, statements' parameters), many of which live a while (an
import's rows until it ends, an export's batch until it is written). With the interpreter's
default thresholds the collector runs after every 700 new objects, and its rarer full passes
walk everything alive: 13% of a first import's time, 19% of a check's, and about a third of
an export's (December 2026). While any such work runs, the youngest generation is collected
after 50,000 new objects instead; the collector is never turned off, and the thresholds are
put back when the last piece of bulk work running in the process ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

BULK_THRESHOLD = 50_000

_lock = threading.Lock()
_running = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect the youngest generation less often until the block (and any other bulk work
    running meanwhile) ends."""
    global _running, _saved
    with _lock:
        if _running == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(max(BULK_THRESHOLD, _saved[0]), *_saved[1:])
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None
