"""The Nominatim backend: geopy's Nominatim, throttled for the whole application, cached.

Nominatim's usage policy allows one request a second for the whole application, a user agent
that identifies it, and no search-as-you-type. geopy's RateLimiter counts per process and by
default retries quietly for seconds, hiding an outage, so it is not used: app.places.throttle
spaces the calls of every process, and any failure is raised at once as GeocodingUnavailable.
Answers (empty ones too) are kept in GeocodeAnswer and never asked for again.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from geopy.adapters import RequestsAdapter
from geopy.exc import ConfigurationError, GeocoderRateLimited
from geopy.geocoders import Nominatim

from app.places.answers import keep_answer, read_answer
from app.places.lookups import interactive_lookup, remaining_seconds
from app.places.models import GeocodeAnswer
from app.places.throttle import ThrottleBusy, postpone, wait_for_moment
from app.places.types import MAX_PLACES, GeocoderNotConfigured, GeocodingUnavailable, Place

log = logging.getLogger(__name__)

THROTTLE = "nominatim"
MAX_WAIT_SECONDS = 5.0  # the worker never queues longer than this for its turn
MIN_CALL_SECONDS = 1.0  # in a web request, the turn must leave this much of the deadline
INTERVAL_MARGIN_SECONDS = 0.1  # so that no two requests arrive less than the interval apart
DEFAULT_BACKOFF_SECONDS = 60.0  # after a 429 without Retry-After
REVERSE_DECIMALS = 5  # about a metre: nearby clicks share a cached answer
EXAMPLE_USER_AGENT = '"coproduce-leeds (webmaster@example.org)"'
MISSING_USER_AGENT = (
    "NOMINATIM_USER_AGENT is not set. Nominatim requires a user agent that names the "
    f"application and gives a contact, e.g. {EXAMPLE_USER_AGENT}."
)
NO_CONTACT = (
    "NOMINATIM_USER_AGENT gives no contact. Nominatim requires one: add an email address or an "
    f"http(s) address of the site, e.g. {EXAMPLE_USER_AGENT}."
)
# A contact in the user agent: an email address, or a web address Nominatim's operators can open.
CONTACT = re.compile(
    r"""
    [^\s@()<>,;]+ @ [^\s@()<>,;]+ \. [^\s@()<>,;]+   # someone@example.org
    | https?:// [^\s/()<>,;]+ \. [^\s()<>,;]+          # https://example.org/about
    """,
    re.VERBOSE | re.IGNORECASE,
)


class NominatimBackend:
    """geopy's Nominatim, configured by NOMINATIM_DOMAIN, NOMINATIM_SCHEME and friends."""

    name = "nominatim"

    def __init__(self, config: Mapping[str, Any]):
        user_agent = (config.get("NOMINATIM_USER_AGENT") or "").strip()
        problem = user_agent_problem(user_agent)
        if problem:
            log.error(problem)
            raise GeocoderNotConfigured(problem)
        try:
            self.geocoder = Nominatim(
                domain=config["NOMINATIM_DOMAIN"],
                scheme=config["NOMINATIM_SCHEME"],
                user_agent=user_agent,
                timeout=config["NOMINATIM_TIMEOUT"],
                adapter_factory=one_try_adapter,
            )
        except ConfigurationError as error:  # e.g. a sample user agent on the public server
            log.error("Nominatim is not configured properly: %s", error)
            raise GeocoderNotConfigured(str(error)) from error
        # A margin on the interval: the moments are kept apart, but each request's way to the
        # server varies by some milliseconds, and the policy is about when requests arrive.
        self.interval = float(config["NOMINATIM_INTERVAL"]) + INTERVAL_MARGIN_SECONDS
        self.timeout = float(config["NOMINATIM_TIMEOUT"])

    def search(self, query: str) -> list[Place]:
        """Places for the text, from the cache or (once) from Nominatim."""
        key = query.casefold()[: GeocodeAnswer.query.type.length]  # "ß" casefolds to "ss"
        cached = read_answer(self.name, "search", key)
        if cached is not None:
            return cached
        places = self._ask(
            lambda timeout: [
                place_from_answer(location.raw)
                for location in self.geocoder.geocode(
                    query, exactly_one=False, limit=MAX_PLACES, timeout=timeout
                )
                or []
            ]
        )
        keep_answer(self.name, "search", key, places)
        return places

    def reverse(self, latitude: float, longitude: float) -> Place | None:
        """The address at the point, from the cache or (once) from Nominatim."""
        point = (round(latitude, REVERSE_DECIMALS), round(longitude, REVERSE_DECIMALS))
        key = f"{point[0]:.{REVERSE_DECIMALS}f},{point[1]:.{REVERSE_DECIMALS}f}"
        cached = read_answer(self.name, "reverse", key)
        if cached is not None:
            return cached[0] if cached else None

        def ask(timeout: float) -> list[Place]:
            location = self.geocoder.reverse(point, exactly_one=True, timeout=timeout)
            return [place_from_answer(location.raw)] if location is not None else []

        places = self._ask(ask)
        keep_answer(self.name, "reverse", key, places)
        return places[0] if places else None

    def _ask(self, question: Callable[[float], list[Place]]) -> list[Place]:
        """Wait for our turn, ask, and turn every kind of failure into GeocodingUnavailable.

        In a web request (``interactive_lookup``), the turn and the answer share the request's
        deadline: a turn further away than the deadline leaves, at once, at least
        MIN_CALL_SECONDS for the call, and the call gets what is left.
        """
        with interactive_lookup():
            left = remaining_seconds()
            max_wait = MAX_WAIT_SECONDS if left is None else left - MIN_CALL_SECONDS
            try:
                if max_wait < 0:
                    raise ThrottleBusy(0.0)
                wait_for_moment(THROTTLE, self.interval, max_wait)
            except ThrottleBusy as error:
                raise GeocodingUnavailable(f"Nominatim is busy: {error}") from error
            left = remaining_seconds()
            return self._call(question, self.timeout if left is None else min(self.timeout, left))

    def _call(self, question: Callable[[float], list[Place]], timeout: float) -> list[Place]:
        try:
            return question(timeout)
        except GeocoderRateLimited as error:
            postpone(THROTTLE, error.retry_after or DEFAULT_BACKOFF_SECONDS)
            log.warning("Nominatim asked us to slow down: %s", error)
            raise GeocodingUnavailable("Nominatim refused: too many requests") from error
        # geopy raises its GeocoderServiceError family for the service's failures, but a
        # malformed answer can surface as almost anything (ValueError, AttributeError,
        # KeyError, TypeError...): whatever goes wrong in the call counts as unavailable.
        except Exception as error:
            log.warning("Nominatim failed: %s: %s", type(error).__name__, error)
            raise GeocodingUnavailable(f"Nominatim failed: {type(error).__name__}") from error


def user_agent_problem(user_agent: str) -> str:
    """What is wrong with a user agent for Nominatim ("" if nothing): it must be set and give
    a contact, an email address or an http(s) address."""
    if not user_agent:
        return MISSING_USER_AGENT
    if not CONTACT.search(user_agent):
        return NO_CONTACT
    return ""


def one_try_adapter(**options: Any) -> RequestsAdapter:
    """geopy's requests adapter without retries: urllib3 would otherwise sleep through a 429's
    Retry-After (and retry failed connections) inside the call, hiding an outage for minutes.
    The throttle keeps the back-off instead, for every process."""
    return RequestsAdapter(**options, max_retries=0)


def place_from_answer(raw: Any) -> Place:
    """One Nominatim result as a place; ValueError when it is not a well-formed result."""
    if not isinstance(raw, Mapping):
        raise ValueError(f"a result that is not an object: {raw!r:.80}")
    latitude, longitude = float(raw["lat"]), float(raw["lon"])
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        raise ValueError("a result with no real coordinates")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError("a result with coordinates out of range")
    address, name = raw["display_name"], raw.get("name")
    if not isinstance(address, str) or not isinstance(name, str | None):
        raise ValueError("a result whose name is not text")
    name = (name or address.split(",", 1)[0]).strip()
    return Place(name=name, latitude=latitude, longitude=longitude, address=address)
