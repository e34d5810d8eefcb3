"""Places of imported rows: coordinates as given, or the place name through the geocoding seam.

Looking up runs before the import's transaction opens (the seam keeps short transactions of
its own, and SQLite has one writer at a time). An unchanged place keeps the point it has; a
place the geocoder cannot look up just now is left pending for the ``geocode`` command; a
place it does not know is shown at the neighbourhood's centre. None of these rejects a row.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from app.i18n import lazy_text as _l
from app.imports.parsing import CsvRow
from app.imports.references import NeighbourhoodChoice
from app.places.geocoding import geocode_place, unsearchable_postcode
from app.places.services import best_place, place_query
from app.places.types import GeocodingUnavailable, Place

COORDINATE_DECIMALS = 6
# Answers for places that were not looked up: the geocoder failed, or the time ran out.
UNAVAILABLE, LATER = "unavailable", "later"
Answers = dict[str, list[Place] | str]
# A progress display for one step of an import: ``progress(step, total)`` with a step of
# ``STEPS`` (a stable name, whatever the language; ``STEPS[step]`` is what a person reads).
Progress = Callable[[str, int], AbstractContextManager[Any]]
STEPS = {
    "places": _l("Looking up places"),
    "checked": _l("Checking rows"),
    "written": _l("Importing"),
}


@dataclass(frozen=True)
class PlaceAnswer:
    """What a row's place comes to: "typed" (coordinates given), "none" (no place), "keep"
    (the place is unchanged), "found", "not_found", "unavailable" or "later" (the time for
    looking up ran out)."""

    kind: str
    latitude: float | None = None
    longitude: float | None = None
    pending: bool = False
    name: str = ""

    def fill(self, values: dict[str, Any]) -> None:
        """Put the point into the form's values, as if it had been typed."""
        if self.kind in ("typed", "none"):
            if self.kind == "typed":
                values["location_pending"] = ""
            return
        if self.latitude is not None and self.longitude is not None:
            values["latitude"] = _number(self.latitude)
            values["longitude"] = _number(self.longitude)
        else:
            values["latitude"] = values["longitude"] = ""
        values["location_pending"] = "1" if self.pending else ""

    @property
    def note(self) -> str:
        if self.kind == "found":
            return _("Place located by the geocoder: %(name)s.", name=self.name)
        if self.kind == "not_found":
            postcode = unsearchable_postcode(self.name)
            if postcode is not None:
                return _(
                    "“%(postcode)s” is a postcode, and postcodes cannot be looked up on this "
                    "site (no postcode service is set up): shown at the neighbourhood's centre. "
                    "Give its latitude and longitude to place it exactly.",
                    postcode=postcode,
                )
            return _(
                "Place “%(name)s” not found: shown at the neighbourhood's centre.", name=self.name
            )
        if self.kind == UNAVAILABLE:
            return _(
                "The geocoder is unavailable: “%(name)s” waits to be looked up (flask --app "
                "app geocode).",
                name=self.name,
            )
        if self.kind == LATER:
            return _("“%(name)s” waits to be looked up (flask --app app geocode).", name=self.name)
        return ""


def _number(value: float) -> str:
    return f"{value:.{COORDINATE_DECIMALS}f}".rstrip("0").rstrip(".")


def place_question(
    row: CsvRow, start: dict[str, Any], neighbourhood: NeighbourhoodChoice | None
) -> tuple[str, str | None]:
    """("typed" | "none" | "keep" | "lookup", what to ask the geocoder for a lookup)."""
    if row.get("latitude").strip() or row.get("longitude").strip():
        return "typed", None
    place = (row.get("place_name") if row.has("place_name") else start.get("place_name")) or ""
    place = place.strip()
    if not place:
        return "none", None
    if place == start.get("place_name"):
        return "keep", None
    return "lookup", place_query(place, neighbourhood.name if neighbourhood else None)


def answer_for(
    row: CsvRow,
    start: dict[str, Any],
    neighbourhood: NeighbourhoodChoice | None,
    answers: Answers,
) -> PlaceAnswer:
    """The row's place, given what the geocoder said."""
    kind, query = place_question(row, start, neighbourhood)
    if kind == "keep":
        pending = start.get("location_state") == "pending"
        return PlaceAnswer("keep", start.get("latitude"), start.get("longitude"), pending)
    if kind != "lookup" or query is None:  # a lookup always has its question
        return PlaceAnswer(kind)
    name = (row.get("place_name") or "").strip()
    places = answers.get(query, UNAVAILABLE)
    if isinstance(places, str):
        return PlaceAnswer(places, pending=True, name=name)
    best = best_place(places, neighbourhood)
    if best is None:
        return PlaceAnswer("not_found", name=name)
    return PlaceAnswer("found", best.latitude, best.longitude, name=best.address or best.name)


def look_up_places(
    queries: list[str], progress: Progress, budget_seconds: float | None = None
) -> Answers:
    """Ask the geocoder each question once. After an outage, or when the time budget is spent,
    the rest are not asked: those places are left pending."""
    answers: Answers = {}
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    available = True
    with progress("places", len(queries)) as bar:
        for query in queries:
            if not available:
                answers[query] = UNAVAILABLE
            elif deadline is not None and time.monotonic() >= deadline:
                answers[query] = LATER
            else:
                try:
                    answers[query] = geocode_place(query)
                except GeocodingUnavailable:
                    available = False
                    answers[query] = UNAVAILABLE
            bar.update(1)
    return answers
