"""Rate limits, each named by a configuration key (RATELIMIT_*)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, current_app
from flask_limiter import RouteLimit

from app import limit_store  # noqa: F401  (registers the shared-file store's scheme)
from app.extensions import limiter

log = logging.getLogger(__name__)
LIMITER_LOGGER = "flask-limiter"


def limit_posts(config_key: str) -> RouteLimit:
    """Decorate a view: its POSTs are limited per client address by the configured limit."""
    return limiter.limit(lambda: current_app.config[config_key], methods=["POST"])


def limit_place_lookups(exempt_when: Callable[[], bool] | None = None) -> RouteLimit:
    """Decorate a view whose GETs may ask the geocoder: every such view shares one budget per
    client address (RATELIMIT_GEOCODE), so no page can spend the geocoder's for everyone."""
    return limiter.shared_limit(
        lambda: current_app.config["RATELIMIT_GEOCODE"],
        scope="places",
        methods=["GET"],
        exempt_when=exempt_when,
    )


class _StoreOutageLog(logging.Handler):
    """Flask-Limiter says (to a logger nobody reads) when its store stops answering and when it
    is back, once each per process: say it in the app's log, in words an operator can act on."""

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("Rate limit storage unreachable"):
            log.warning(
                "The rate-limit store (Redis) is not answering: limits are counted in this "
                "process's memory until it is back; requests are served as usual."
            )
        elif message.startswith("Rate limit storage recovered"):
            log.warning("The rate-limit store answers again: limits are shared again.")
        elif record.levelno >= logging.WARNING:
            log.log(record.levelno, "%s", message, exc_info=record.exc_info)


_OUTAGE_LOG = _StoreOutageLog(logging.INFO)


def init_rate_limits(app: Flask) -> None:
    """Bind the limiter: its store fails open (counters in memory while Redis is away, logged
    once per outage), and nothing it does after a view can turn an answer into an error."""
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    if str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith(("redis", "rediss")):
        # An unreachable Redis fails at once rather than holding the request.
        app.config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1}
        )
    # Flask-Limiter marks its store dead on the extension object, set once in its constructor:
    # an app made after another app's store outage (a test's, or a factory's) would count its
    # first hits in the fallback store, then switch to its own at the next recovery check,
    # splitting one client's hits between two counters. A new app's store is presumed alive.
    limiter._storage_dead = False
    limits_log = logging.getLogger(LIMITER_LOGGER)
    if _OUTAGE_LOG not in limits_log.handlers:
        limits_log.addHandler(_OUTAGE_LOG)
        limits_log.setLevel(logging.INFO)
    limiter.init_app(app)
