"""Conditional GET for public outputs that other sites fetch again and again.

Embeds, feeds and oEmbed answers carry a strong ETag made from what they show (the ids and
update times of the initiatives in them, the cluster's own update time, the options), a
Last-Modified, and ``Cache-Control: public, max-age=PUBLIC_CACHE_SECONDS``; a request that
already holds the current version gets 304 without the body being rendered again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from flask import Response, current_app, make_response, request


def version_tag(*parts: object) -> str:
    """A short, stable fingerprint of everything a response depends on."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode())
        digest.update(b"\x1f")
    return digest.hexdigest()[:32]


def latest(moments: Iterable[datetime | None]) -> datetime | None:
    """The newest of some times (None when there are none)."""
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else None


def initiatives_changed_since(moment: datetime) -> bool:
    """Whether an initiative that is or was public changed after the moment (indexed)."""
    from sqlalchemy import exists, select

    from app.extensions import db
    from app.initiatives.models import Initiative
    from app.permissions import ALL_STATES

    changed = exists().where(
        Initiative.state.in_(sorted(ALL_STATES)),  # lets ix_initiative_state_updated serve it
        Initiative.updated_at >= moment + timedelta(seconds=1),  # HTTP dates are whole seconds
        Initiative.published_at.is_not(None),  # a never-published one cannot have left a list
    )
    return bool(db.session.scalar(select(changed)))


def conditional_response(
    etag: str, last_modified: datetime | None, render: Callable[[], Response | str | tuple]
) -> Response:
    """``render()`` unless the client already holds this version (then 304, nothing rendered).

    The ETag is authoritative. Last-Modified is sent for clients and caches that only know
    dates; but a date cannot tell that an initiative *left* a list (archived, say: the newest
    remaining date may be older than the client's), so a request with only If-Modified-Since
    gets 304 only when no initiative that is or ever was published changed since that moment.
    """
    max_age = current_app.config["PUBLIC_CACHE_SECONDS"]
    probe = Response()
    probe.set_etag(etag)
    if last_modified is not None:
        probe.last_modified = last_modified.replace(microsecond=0)
    probe.cache_control.public = True
    probe.cache_control.max_age = max_age
    if request.if_none_match or (
        request.if_modified_since and not initiatives_changed_since(request.if_modified_since)
    ):
        probe.make_conditional(request)
        if probe.status_code == 304:
            return probe
    response = make_response(render())
    response.set_etag(etag)
    if probe.last_modified is not None:  # None would make werkzeug send "now"
        response.last_modified = probe.last_modified
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    return response
