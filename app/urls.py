"""Small URL rules shared by views."""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request, url_for
from werkzeug.routing import IntegerConverter, Map

DEFAULT_SITE_URL = "http://localhost:5000"


def safe_next_url(target: str | None, default: str) -> str:
    """A local path to go to after logging in; anything pointing off-site becomes the default."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


MAX_PAGE = 100_000  # keeps offsets within what databases accept
MAX_ID = 2**31 - 1  # the largest id a 32-bit integer column holds


class IdConverter(IntegerConverter):
    """``<int:...>`` in routes: ids from 1 to MAX_ID; anything larger is simply not found."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def requested_page() -> int:
    """The ``page`` query parameter as a page number; anything odd means the first page."""
    return min(max(1, request.args.get("page", 1, type=int)), MAX_PAGE)


def slugify(text: str, max_length: int = 80) -> str:
    """A lower-case ASCII slug: "St Mary's Primary" -> "st-marys-primary"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower().replace("'", "")).strip("-")
    return slug[:max_length].strip("-") or "item"


def site_url(endpoint: str, **values: Any) -> str:
    """An absolute address for mail and files made by the worker: built on ``SITE_URL``.

    Without ``SITE_URL`` a request's own host is used (development), and outside a request
    (the worker) http://localhost:5000. With it, a forged Host header can never put its own
    site into a password-reset link.
    """
    base = current_app.config.get("SITE_URL")
    if not base and has_request_context():
        return url_for(endpoint, _external=True, **values)
    values = dict(values)
    current_app.inject_url_defaults(endpoint, values)  # a Welsh mail links to Welsh pages
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return (base or DEFAULT_SITE_URL).rstrip("/") + path


def current_endpoint() -> str:
    """The endpoint of the view answering this request (only views call this)."""
    if request.endpoint is None:
        raise LookupError("No view answers this request.")
    return request.endpoint
