"""Canonical page addresses: an HTML page asked for with empty query parameters
(``?q=&near_place=&near=&radius_km=&bbox=``, what a GET form sends for its blank fields)
answers a 302 to the same address without them, every other parameter kept as it was sent.

Shared and bookmarked addresses then carry only what was chosen. Machine outputs (the API,
feeds, embeds, oEmbed, files) are never redirected: their clients may not follow a redirect,
and an empty parameter means there what it always meant.
"""

from __future__ import annotations

from flask import redirect, request
from werkzeug.wrappers import Response

from app.languages import has_welsh_twin

# Parameters whose empty value is a choice, kept: the council dashboard's ``local_authority=``
# means every area (left out, the officer's own council's).
EMPTY_IS_A_CHOICE = frozenset({b"local_authority"})


def without_empty_parameters(query_string: bytes) -> bytes | None:
    """The query string with its empty parameters left out, as sent otherwise (None when it
    has none)."""
    parameters = query_string.split(b"&")
    kept = [
        parameter
        for parameter in parameters
        if parameter.partition(b"=")[2] or parameter.partition(b"=")[0] in EMPTY_IS_A_CHOICE
    ]
    if not query_string or len(kept) == len(parameters):
        return None
    return b"&".join(kept)


def redirect_without_empty_parameters() -> Response | None:
    """Before an HTML page's GET: a 302 to its address without empty query parameters."""
    if request.method not in ("GET", "HEAD") or not request.query_string:
        return None
    if request.endpoint is None or not has_welsh_twin(request.endpoint):
        return None
    kept = without_empty_parameters(request.query_string)
    if kept is None:
        return None
    address = request.script_root + request.path
    query = kept.decode("latin-1")  # percent-encoded ASCII: sent back byte for byte
    return redirect(address + ("?" + query if query else ""), 302)
