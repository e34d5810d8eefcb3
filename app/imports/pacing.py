"""Python's cycle collector paced for an import.

Checking and writing a file allocates millions of small objects (rows, plans, statements'
parameters) that live until the import ends. With the interpreter's default thresholds the
collector runs after every 700 new objects, over a thousand times for 10,000 rows, and its
rarer full passes walk everything alive: 13% of a first import's time, 19% of a check's
(December 2026). While any import runs, the youngest generation is collected after 50,000
new objects instead; the collector is never turned off, and the thresholds are put back
when the last import running in the process ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

IMPORT_THRESHOLD = 50_000

_lock = threading.Lock()
_running = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect the youngest generation less often until the block (and any other import
    running meanwhile) ends."""
    global _running, _saved
    with _lock:
        if _running == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(max(IMPORT_THRESHOLD, _saved[0]), *_saved[1:])
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None
