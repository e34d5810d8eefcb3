"""Conditional GET for public outputs that other sites fetch again and again.

Embeds, feeds and oEmbed answers carry a strong ETag made from what they show (the ids and
update times of the initiatives in them, the cluster's own update time, the options), a
Last-Modified, and ``Cache-Control: public, max-age=PUBLIC_CACHE_SECONDS``; a request that
already holds the current version gets 304 without the body being rendered again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime

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


def conditional_response(
    etag: str, last_modified: datetime | None, render: Callable[[], Response | str | tuple]
) -> Response:
    """``render()`` unless the client already holds this version (then 304, nothing rendered).

    The ETag is authoritative; Last-Modified is sent for clients and caches that only know it.
    """
    max_age = current_app.config["PUBLIC_CACHE_SECONDS"]
    probe = Response()
    probe.set_etag(etag)
    if last_modified is not None:
        probe.last_modified = last_modified.replace(microsecond=0)
    probe.cache_control.public = True
    probe.cache_control.max_age = max_age
    if request.if_none_match or request.if_modified_since:
        probe.make_conditional(request)
        if probe.status_code == 304:
            return probe
    response = make_response(render())
    response.set_etag(etag)
    response.last_modified = probe.last_modified
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    return response
