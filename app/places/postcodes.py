"""UK postcodes: recognised wherever a place is typed, looked up by a postcode service.

``find_postcode`` finds a UK postcode in what was typed and writes it the way Royal Mail does
("ls53eh" and "Ls5  3eh" are "LS5 3EH"). ``PostcodesBackend`` asks a service with the API of
postcodes.io (``GET {POSTCODES_URL}/postcodes/<code>``, open data from the ONS Postcode
Directory under the Open Government Licence), configured by ``POSTCODES_URL``; the seam asks it
before the general geocoder. Answers (unknown postcodes too) are cached like Nominatim's.

No package on the registries this project uses ships UK postcode centroids under an open
licence (see docs/operating/configuration.md), so without ``POSTCODES_URL`` a postcode is not
looked up offline: the form says so and offers the map pin. No centroid is ever made up here.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import requests

from app.places.answers import keep_answer, read_answer
from app.places.lookups import interactive_lookup, remaining_seconds
from app.places.types import GeocodingUnavailable, Place

log = logging.getLogger(__name__)

# The outward code (area, district), then the inward code (sector digit, two unit letters;
# never C, I, K, M, O or V). Letters are matched in any case and spaces in any number.
POSTCODE = re.compile(
    r"(?<![A-Z0-9])([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][ABD-HJLNP-UW-Z]{2})(?![A-Z0-9])",
    re.IGNORECASE,
)


def find_postcode(text: str | None) -> str | None:
    """The UK postcode in the text, normalised ("ls53eh" -> "LS5 3EH"), or None."""
    found = POSTCODE.search(text or "")
    if found is None:
        return None
    return f"{found.group(1).upper()} {found.group(2).upper()}"


def is_postcode(text: str | None) -> bool:
    """Whether the text is a postcode and nothing else."""
    found = POSTCODE.fullmatch((text or "").strip())
    return found is not None


def postcodes_configured(config: Mapping[str, Any]) -> bool:
    """Whether a postcode service is configured (``POSTCODES_URL``)."""
    return bool((config.get("POSTCODES_URL") or "").strip())


class PostcodesBackend:
    """A postcodes.io-style service: one GET per postcode, answers cached in the database."""

    name = "postcodes"

    def __init__(self, config: Mapping[str, Any]):
        self.base_url = (config.get("POSTCODES_URL") or "").strip().rstrip("/")
        self.timeout = float(config.get("POSTCODES_TIMEOUT") or 5.0)

    def search(self, postcode: str) -> list[Place]:
        """The postcode's centroid as a place (empty when the service does not know it)."""
        key = postcode.replace(" ", "").upper()
        cached = read_answer(self.name, "search", key)
        if cached is not None:
            return cached
        with interactive_lookup():
            left = remaining_seconds()
            timeout = self.timeout if left is None else min(self.timeout, left)
            places = self._ask(postcode, timeout)
        keep_answer(self.name, "search", key, places)
        return places

    def _ask(self, postcode: str, timeout: float) -> list[Place]:
        url = f"{self.base_url}/postcodes/{quote(postcode.replace(' ', ''))}"
        try:
            response = requests.get(url, timeout=timeout, headers={"Accept": "application/json"})
            if response.status_code == 404:
                return []
            response.raise_for_status()
            result = response.json()["result"]
            if isinstance(result, Mapping) and None in (result["latitude"], result["longitude"]):
                return []  # a postcode without a centroid (Channel Islands, new ones)
            return [place_from_result(postcode, result)]
        # A refusal, an outage, a timeout or a malformed answer: all mean "not just now".
        except Exception as error:
            log.warning("The postcode service failed: %s: %s", type(error).__name__, error)
            raise GeocodingUnavailable(
                f"the postcode service failed: {type(error).__name__}"
            ) from error


def place_from_result(postcode: str, result: Any) -> Place:
    """A postcodes.io result as a place; ValueError when it has no real point."""
    if not isinstance(result, Mapping):
        raise ValueError("a result that is not an object")
    latitude, longitude = float(result["latitude"]), float(result["longitude"])
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        raise ValueError("a result with no real coordinates")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError("a result with coordinates out of range")
    name = str(result.get("postcode") or postcode)
    areas = [
        str(result[key])
        for key in ("admin_ward", "admin_district")
        if isinstance(result.get(key), str) and result[key]
    ]
    return Place(
        name=name,
        latitude=latitude,
        longitude=longitude,
        address=", ".join(dict.fromkeys([name, *areas])),
    )
