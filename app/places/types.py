"""What every geocoding backend and caller shares: a place, the backend's shape, its errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Protocol

MAX_PLACES = 8
MAX_QUERY_LENGTH = 200
# Retry-After (seconds) of a 503 when the place search is busy, and when its geocoder failed:
# a geocoder that failed is rarely back within seconds.
BUSY_RETRY_AFTER = "2"
UNAVAILABLE_RETRY_AFTER = "30"


@dataclass
class Place:
    name: str
    latitude: float
    longitude: float
    address: str = ""
    neighbourhood_slug: str | None = None


class GeocodingUnavailable(Exception):
    """The geocoder cannot answer just now: outage, timeout, refusal, malformed answer, busy."""


class GeocoderNotConfigured(GeocodingUnavailable):
    """The geocoder's settings are missing or wrong (an operator's job to fix)."""


class NeighbourhoodCentre(NamedTuple):
    slug: str
    name: str
    local_authority: str
    latitude: float
    longitude: float


class Backend(Protocol):
    name: str

    def search(self, query: str) -> list[Place]: ...

    def reverse(self, latitude: float, longitude: float) -> Place | None: ...
