"""Look-ups made while a person waits: a short deadline and a cap per process.

A slow geocoder must never starve the site. In a web request, a look-up has
``GEOCODE_DEADLINE`` seconds in all (its wait for the app-wide interval and the call itself),
and at most ``GEOCODE_CONCURRENCY`` run at once in each process, below gunicorn's threads per
worker, so pages and ``/healthz`` always find a free thread. Past the cap a look-up is refused
at once (``GeocoderBusy``: "try again in a moment"); past the deadline it gives up, and a place
being saved is left pending for the worker, which waits its turn without a deadline.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, g, has_request_context

from app.places.types import GeocodingUnavailable

_SLOTS: dict[int, threading.BoundedSemaphore] = {}
_SLOTS_LOCK = threading.Lock()


class GeocoderBusy(GeocodingUnavailable):
    """Every look-up slot of this process is taken: try again in a moment."""


def _slots(size: int) -> threading.BoundedSemaphore:
    with _SLOTS_LOCK:
        if size not in _SLOTS:
            _SLOTS[size] = threading.BoundedSemaphore(size)
        return _SLOTS[size]


def remaining_seconds() -> float | None:
    """Seconds left before this request's look-up deadline (None outside a look-up)."""
    deadline = g.get("geocode_deadline") if has_request_context() else None
    return None if deadline is None else max(0.0, deadline - time.monotonic())


@contextmanager
def interactive_lookup() -> Iterator[None]:
    """In a web request: take a slot (or raise GeocoderBusy) and start the deadline; outside
    one (the worker, a command), nothing."""
    if not has_request_context() or g.get("geocode_deadline") is not None:
        yield
        return
    slots = _slots(int(current_app.config["GEOCODE_CONCURRENCY"]))
    if not slots.acquire(blocking=False):
        raise GeocoderBusy("every place look-up of this process is busy")
    g.geocode_deadline = time.monotonic() + float(current_app.config["GEOCODE_DEADLINE"])
    try:
        yield
    finally:
        g.geocode_deadline = None
        slots.release()
