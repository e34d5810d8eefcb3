"""What schemathesis needs beyond the OpenAPI document to make valid requests to this API.

The document states every rule it can. Its custom string formats (``bbox``, ``point``,
``cursor``, ``web-link``, ``contact-link``) get value generators here. The rules OpenAPI
cannot state are kept, for requests meant to be valid only, just before they are sent (every
phase, also coverage's boundary values): a box with its south-west corner first and a point
within range (what ``bbox`` and ``point`` mean), a real cursor (an opaque token from a ``next``
URL), ``radius_km`` only together with ``near``, a map view of at most ``MAX_CELLS`` cells at
its zoom, an end date on or after the start date (a body's, and a period's ``active_to``),
and an ``Idempotency-Key`` used with one body only (the same key with another body is rightly
refused). Also usable from the command line:
``SCHEMATHESIS_HOOKS=tests.support.schemathesis_hooks st run --checks all ...``.
"""

from __future__ import annotations

import hashlib
import math
import re
from typing import Any

import schemathesis
from hypothesis import strategies as st
from hypothesis.provisional import urls

from app.map_cells.grid import CellWindow
from app.map_cells.services import MAX_CELLS

# Real cursors (from ``next`` URLs of the server under test); the test fills this in.
CURSORS: list[str] = []
DAY = re.compile(r"\d{4}-\d\d-\d\d")
A_POINT = "53.80,-1.55"


def _microdegrees(limit: int) -> st.SearchStrategy[int]:
    return st.integers(-limit * 1_000_000, limit * 1_000_000)


def _degrees(micro: int) -> str:
    return f"{micro / 1_000_000:.6f}"


def _box(corners: tuple[int, int, int, int]) -> str:
    west, east = sorted(corners[:2])
    south, north = sorted(corners[2:])
    east, north = max(east, west + 1), max(north, south + 1)  # the north-east corner after
    return ",".join(_degrees(value) for value in (west, south, east, north))


BOXES = st.tuples(
    _microdegrees(179), _microdegrees(179), _microdegrees(89), _microdegrees(89)
).map(_box)
POINTS = st.tuples(_microdegrees(90), _microdegrees(180)).map(
    lambda point: f"{_degrees(point[0])},{_degrees(point[1])}"
)
WEB_LINKS = urls().filter(lambda url: len(url) <= 500)
CONTACT_LINKS = st.one_of(
    WEB_LINKS,
    st.sampled_from(["group@example.org", "mailto:watch@example.org", "www.example.org/walks"]),
)

schemathesis.openapi.format("bbox", BOXES)
schemathesis.openapi.format("point", POINTS)
schemathesis.openapi.format(
    "cursor", st.integers(0, 10_000).map(lambda n: CURSORS[n % len(CURSORS)] if CURSORS else "")
)
schemathesis.openapi.format("web-link", WEB_LINKS)
schemathesis.openapi.format("contact-link", CONTACT_LINKS)


def _given(query: dict[str, Any], name: str) -> bool:
    value = query.get(name)
    return value is not None and str(value).strip() != ""


def _numbers(text: Any, count: int) -> list[float] | None:
    try:
        values = [float(part) for part in str(text).split(",")]
    except ValueError:
        return None
    finite = all(math.isfinite(value) for value in values)
    return values if len(values) == count and finite else None


def _clamp(value: float, limit: int) -> float:
    return max(-limit, min(limit, value))


def _box_in_order(text: Any) -> Any:
    """A box the parser accepts: within range, the south-west corner first (after rounding)."""
    values = _numbers(text, 4)
    if values is None:
        return text
    lons = sorted(round(_clamp(v, 180) * 1_000_000) for v in values[0::2])
    lats = sorted(round(_clamp(v, 90) * 1_000_000) for v in values[1::2])
    return _box((lons[0], lons[1], lats[0], lats[1]))


def _point_in_range(text: Any) -> Any:
    values = _numbers(text, 2)
    if values is None:
        return text
    lat, lon = round(_clamp(values[0], 90) * 1e6), round(_clamp(values[1], 180) * 1e6)
    return f"{_degrees(lat)},{_degrees(lon)}"


def _fit_view(query: dict[str, Any]) -> None:
    box, zoom = _numbers(query.get("bbox"), 4), query.get("zoom")
    if box is None or not str(zoom).isdigit():
        return  # not a valid view anyway
    zoom = int(zoom)
    while zoom > 0 and _cells(box, zoom) > MAX_CELLS:
        zoom -= 1
    query["zoom"] = zoom


def _cells(box: list[float], zoom: int) -> int:
    window = CellWindow.for_box(tuple(box), zoom)
    return len(window.columns) * len(window.rows)


def _repair_query(path: str, query: dict[str, Any]) -> None:
    if _given(query, "bbox"):
        query["bbox"] = _box_in_order(query["bbox"])
    if _given(query, "near"):
        query["near"] = _point_in_range(query["near"])
    if _given(query, "radius_km") and not _given(query, "near"):
        query["near"] = A_POINT
    if _given(query, "cursor") and CURSORS and query["cursor"] not in CURSORS:
        query["cursor"] = CURSORS[0]
    if path == "/api/v1/map/clusters":
        _fit_view(query)
    start, end = _day_in(query.get("active_from")), _day_in(query.get("active_to"))
    if start and end and end < start:  # a period ends on or after it starts
        query["active_from"], query["active_to"] = query["active_to"], query["active_from"]


def _day_in(value: Any) -> str | None:
    found = DAY.search(value) if isinstance(value, str) else None
    return found.group() if found else None


def _repair_body(body: Any) -> None:
    if not isinstance(body, dict):
        return
    start, end = body.get("started_on"), body.get("ended_on")
    days = [value for value in (start, end) if isinstance(value, str) and DAY.fullmatch(value)]
    if len(days) == 2 and end < start:
        body["started_on"], body["ended_on"] = end, start


def _key_for_this_body(headers: dict[str, Any] | None, body: Any) -> None:
    """A generated key, made that of this body alone (a key names one request)."""
    key = (headers or {}).get("Idempotency-Key")
    if headers is None or not isinstance(key, str) or not key:
        return
    digest = hashlib.sha256(repr(body).encode()).hexdigest()[:16]
    headers["Idempotency-Key"] = f"{key[:200]}-{digest}"


@schemathesis.hook
def before_call(context, case, **kwargs: Any) -> None:
    """Valid requests (only those) also keep the rules OpenAPI cannot state."""
    meta = case.meta
    if meta is not None and not meta.generation.mode.is_positive:
        return
    if isinstance(case.query, dict):
        _repair_query(case.operation.path, case.query)
    _repair_body(case.body)
    _key_for_this_body(case.headers, case.body)
