"""Rate limits, each named by a configuration key (RATELIMIT_*)."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from flask_limiter import RouteLimit

from app.extensions import limiter


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
