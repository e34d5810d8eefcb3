"""A fake Nominatim on loopback: geopy's real Nominatim class talks to it in tests.

It answers ``/search`` and ``/reverse`` with Nominatim-shaped JSON, records every request
(when, path, parameters, headers) and can be switched into the ways a real server fails.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.loopback import LoopbackServer

LICENCE = "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright"

# How the server misbehaves: the mode's status code and body (None: the normal answer).
FAILURES: dict[str, tuple[int, str, dict[str, str]]] = {
    "server_error": (500, "<h1>Internal Server Error</h1>", {"Content-Type": "text/html"}),
    "bad_gateway": (502, "<h1>Bad Gateway</h1>", {"Content-Type": "text/html"}),
    "unavailable": (503, "<h1>Service Unavailable</h1>", {"Content-Type": "text/html"}),
    "rate_limited": (429, "Too many requests", {"Retry-After": "30"}),
    "forbidden": (403, "Access blocked", {}),
    "malformed_json": (200, '[{"lat": "51.5", "lon": ', {}),
    "html": (200, "<html><body>Welcome to nginx</body></html>", {"Content-Type": "text/html"}),
    "object_not_list": (200, '{"unexpected": "shape"}', {}),
    "text_not_list": (200, '"just a string"', {}),
    "numbers_not_places": (200, "[1, 2, 3]", {}),
    "place_without_point": (200, '[{"display_name": "Somewhere", "name": "Somewhere"}]', {}),
    "point_not_a_number": (200, '[{"lat": "north", "lon": "west", "display_name": "X"}]', {}),
    "point_out_of_range": (200, '[{"lat": "123.4", "lon": "-0.1", "display_name": "X"}]', {}),
    "name_not_text": (200, '[{"lat": "51.5", "lon": "-0.1", "display_name": 42}]', {}),
    "query_error": (200, '{"error": "Something went wrong"}', {}),
}


def search_result(name: str, latitude: float, longitude: float, address: str = "") -> dict:
    """One result as Nominatim's /search?format=json gives it (coordinates are strings)."""
    return {
        "place_id": abs(hash((name, latitude, longitude))) % 10**9,
        "licence": LICENCE,
        "osm_type": "way",
        "osm_id": 4242,
        "lat": f"{latitude:.7f}",
        "lon": f"{longitude:.7f}",
        "class": "highway",
        "type": "residential",
        "place_rank": 26,
        "importance": 0.1,
        "addresstype": "road",
        "name": name,
        "display_name": address or f"{name}, England, United Kingdom",
        "boundingbox": [
            f"{latitude - 0.001:.7f}",
            f"{latitude + 0.001:.7f}",
            f"{longitude - 0.001:.7f}",
            f"{longitude + 0.001:.7f}",
        ],
    }


@dataclass
class Seen:
    at: float  # time.monotonic() when the request arrived
    path: str
    params: dict[str, str]
    headers: dict[str, str]


@dataclass
class FakeNominatim(LoopbackServer):
    """Start with ``start()`` (or use as a context manager); ``domain`` is what to configure."""

    mode: str = "ok"  # "ok", "slow" or a key of FAILURES
    delay: float = 1.0  # how long "slow" takes to answer
    answers: dict[str, list[dict]] = field(default_factory=dict)  # by lower-case q
    requests: list[Seen] = field(default_factory=list)

    def __post_init__(self):
        self._lock = threading.Lock()

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.port}"

    def paths(self) -> list[str]:
        with self._lock:
            return [seen.path for seen in self.requests]

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        params = {key: values[-1] for key, values in parse_qs(url.query).items()}
        with self._lock:
            self.requests.append(
                Seen(time.monotonic(), url.path, params, dict(handler.headers.items()))
            )
        if self.mode == "slow":
            time.sleep(self.delay)
        if self.mode in FAILURES:
            status, body, headers = FAILURES[self.mode]
        elif url.path == "/search":
            status, body, headers = 200, json.dumps(self._search(params)), {}
        elif url.path == "/reverse":
            status, body, headers = 200, json.dumps(self._reverse(params)), {}
        else:
            status, body, headers = 404, "Not found", {}
        self._send(handler, status, body, headers)

    def _search(self, params: dict[str, str]) -> list[dict]:
        query = params.get("q", "")
        if query.lower() in self.answers:
            return self.answers[query.lower()][: int(params.get("limit", 10))]
        if "nowhere" in query.lower():
            return []
        # Any other question: one street in Bethnal Green named after it.
        name = query.split(",")[0].strip()
        return [search_result(name, 51.52718, -0.06109, f"{name}, Bethnal Green, London")]

    def _reverse(self, params: dict[str, str]) -> dict[str, Any]:
        latitude, longitude = float(params["lat"]), float(params["lon"])
        if abs(latitude) < 1 and abs(longitude) < 1:  # the Gulf of Guinea: nothing there
            return {"error": "Unable to geocode"}
        result = search_result("Hawksworth Road", latitude, longitude)
        result["address"] = {"road": "Hawksworth Road", "city": "Leeds", "country_code": "gb"}
        return result

    @staticmethod
    def _send(handler, status: int, body: str, headers: dict[str, str]) -> None:
        data, headers = body.encode(), dict(headers)
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # a client that gave up ("slow")
            pass


USER_AGENT = "coproduce-tests/1.0 (tests@example.org)"


def use_nominatim(app, monkeypatch, domain: str, **settings: Any) -> None:
    """Point the app's geocoder at a (fake) Nominatim for the length of one test."""
    values = {
        "GEOCODER": "nominatim",
        "NOMINATIM_DOMAIN": domain,
        "NOMINATIM_SCHEME": "http",
        "NOMINATIM_USER_AGENT": USER_AGENT,
        "NOMINATIM_INTERVAL": 0.01,  # spacing is tested on its own; here it would only slow
        "NOMINATIM_TIMEOUT": 2.0,
        **settings,
    }
    for key, value in values.items():
        monkeypatch.setitem(app.config, key, value)
