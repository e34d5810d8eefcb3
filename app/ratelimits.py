"""Rate limits on form posts, each named by a configuration key (RATELIMIT_*)."""

from __future__ import annotations

from flask import current_app

from app.extensions import limiter


def limit_posts(config_key: str):
    """Decorate a view: its POSTs are limited per client address by the configured limit."""
    return limiter.limit(lambda: current_app.config[config_key], methods=["POST"])
