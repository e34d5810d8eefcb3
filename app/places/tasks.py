"""Pending places are looked up by the worker, never in a request.

When a flush leaves an initiative with a place name and no point ("pending": the geocoder
was away, or only a name was typed), its look-up is queued once the transaction commits. A
periodic sweep looks up whatever is still pending (a bulk import, a lost task, an outage
that has ended). The worker waits its turn for the app-wide Nominatim interval, however many
workers and instances there are. ``flask --app app geocode`` still does it all at once.
"""

from __future__ import annotations

from typing import Any

from huey import crontab
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.initiatives.models import Initiative
from app.places.services import geocode_pending_places
from app.tasks.queue import background_task, enqueue_after_commit, periodic_task

SWEEP_LIMIT = 200  # places per sweep: at one request a second, a few minutes' work
FLUSH_LIMIT = 20  # more new pending places in one flush (an import): the sweep does them
_FLUSHED = "pending_places_flushed"


class PlaceLookupFailed(Exception):
    """The geocoder is away: the look-up is retried with backoff, and the sweep goes on."""


@background_task(retries=6, retry_delay=60, retry_backoff=2)
def look_up_pending_place(initiative_id: int) -> dict[str, Any]:
    """Look up one initiative's pending place (nothing if it was placed meanwhile)."""
    summary = geocode_pending_places(initiative_ids=[initiative_id])
    if summary.stopped:
        raise PlaceLookupFailed(summary.stopped)
    return {"located": summary.located, "not_found": len(summary.not_found)}


@periodic_task(crontab(minute="*/10"))
def sweep_pending_places() -> dict[str, Any]:
    """Look up places still pending, a few hundred at a time."""
    summary = geocode_pending_places(limit=SWEEP_LIMIT)
    return {
        "located": summary.located,
        "not_found": len(summary.not_found),
        "still_pending": summary.still_pending,
        "stopped": summary.stopped,
    }


def _became_pending(initiative: Initiative) -> bool:
    if initiative.location_state != "pending" or not initiative.place_name:
        return False
    attributes = inspect(initiative).attrs
    return (
        initiative.id is None
        or attributes.location_state.history.has_changes()
        or attributes.place_name.history.has_changes()
    )


@event.listens_for(Session, "before_flush")
def _note_pending_places(session: Session, _context: Any, _instances: Any) -> None:
    found = [
        instance
        for instance in [*session.new, *session.dirty]
        if isinstance(instance, Initiative) and _became_pending(instance)
    ]
    if found:
        session.info[_FLUSHED] = found


@event.listens_for(Session, "after_flush")
def _queue_pending_places(session: Session, _context: Any) -> None:
    found = session.info.pop(_FLUSHED, [])
    queue_place_lookups(session, [initiative.id for initiative in found])


def queue_place_lookups(session: Session, initiative_ids: list[int]) -> None:
    """Queue the look-up of these initiatives' new pending places once the session commits;
    more than FLUSH_LIMIT at once (an import) are left to the sweep. The flush hook and the
    import's bulk writes both queue through here."""
    if 0 < len(initiative_ids) <= FLUSH_LIMIT:
        for initiative_id in initiative_ids:
            enqueue_after_commit(look_up_pending_place, initiative_id, session=session)
