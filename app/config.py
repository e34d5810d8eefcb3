"""Configuration in layers: defaults here, then ``instance/config.py``, then the environment.

Every key is explained in ``instance/config.example.py``; a test checks that the two agree.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

SECRET_KEY_FILE = "secret_key"

# Keys read from the environment, with how to turn the string into a value.
ENVIRONMENT_KEYS: dict[str, type] = {
    "SECRET_KEY": str,
    "DATABASE_URL": str,
    "REDIS_URL": str,
    "GEOCODER": str,
    "NOMINATIM_DOMAIN": str,
    "NOMINATIM_SCHEME": str,
    "NOMINATIM_USER_AGENT": str,
    "TILE_URL": str,
    "TILE_ATTRIBUTION": str,
    "MAIL_SERVER": str,
    "MAIL_PORT": int,
    "MAIL_FROM": str,
    "PROXY_COUNT": int,
    "TIMEZONE": str,
    "DATA_LICENCE": str,
    "DATA_LICENCE_URL": str,
    "SITE_NAME": str,
}


class Defaults:
    """What holds when neither ``instance/config.py`` nor the environment says otherwise."""

    SECRET_KEY: str | None = None
    DATABASE_URL: str | None = None  # None: SQLite file in the instance folder
    REDIS_URL: str | None = None
    GEOCODER = "offline"
    NOMINATIM_DOMAIN = "nominatim.openstreetmap.org"
    NOMINATIM_SCHEME = "https"
    NOMINATIM_USER_AGENT: str | None = None
    NOMINATIM_TIMEOUT = 5.0  # seconds to wait for an answer
    NOMINATIM_INTERVAL = 1.0  # seconds between requests, for the whole application
    TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    TILE_ATTRIBUTION = (
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    )
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_FROM = "Coproduce <no-reply@localhost>"
    PROXY_COUNT = 0
    TIMEZONE = "Europe/London"
    DATA_LICENCE = "CC BY 4.0"
    DATA_LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
    SITE_NAME = "Coproduce"

    # Internal settings (not in DESIGN.md's list, still documented in config.example.py).
    PASSWORD_HASH_METHOD = "scrypt:32768:8:1"
    PASSWORD_RESET_MAX_AGE = 3600
    EMAIL_CONFIRM_MAX_AGE = 3 * 24 * 3600
    RATELIMIT_LOGIN = "10 per minute;60 per hour"
    RATELIMIT_REGISTER = "5 per minute;30 per hour"
    RATELIMIT_RESET = "5 per minute;30 per hour"
    RATELIMIT_SUBMIT = "60 per minute;600 per hour"
    RATELIMIT_REPORT = "5 per hour"
    RATELIMIT_GEOCODE = "20 per minute;200 per hour"
    RATELIMIT_API_WRITE = "10 per minute;100 per hour"
    RATELIMIT_IMPORT = "10 per hour"
    RATELIMIT_KEY_PREFIX = "coproduce"
    PUBLIC_CACHE_SECONDS = 300  # Cache-Control max-age of embeds, feeds and oEmbed answers
    API_DEFAULT_LIMIT = 20
    API_MAX_LIMIT = 100
    EMBED_MAX_LIMIT = 50
    FEED_LIMIT = 50
    IMPORT_MAX_ROWS = 20000
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}  # ping connections first

    # Flask and extension settings that follow from the product's rules.
    SESSION_COOKIE_HTTPONLY = True  # scripts cannot read the session cookie
    SESSION_COOKIE_SAMESITE = "Lax"  # not sent with other sites' posts or frames
    SESSION_COOKIE_SECURE = False  # also Secure whenever the request came over https
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024  # the largest request body, in bytes


def _read_instance_file(instance_path: Path) -> dict[str, Any]:
    config_file = instance_path / "config.py"
    if not config_file.exists():
        return {}
    namespace: dict[str, Any] = {"__file__": str(config_file)}
    exec(compile(config_file.read_text(), str(config_file), "exec"), namespace)
    return {key: value for key, value in namespace.items() if key.isupper()}


def _read_environment() -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, convert in ENVIRONMENT_KEYS.items():
        raw = os.environ.get(key)
        if raw is None or raw == "":
            continue
        try:
            values[key] = convert(raw)
        except ValueError as error:
            raise RuntimeError(
                f"Environment variable {key}={raw!r} is not a valid {convert.__name__}"
            ) from error
    return values


def load_settings(instance_path: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the merged configuration without creating an app (the gunicorn config uses it)."""
    settings = {key: getattr(Defaults, key) for key in dir(Defaults) if key.isupper()}
    settings.update(_read_instance_file(instance_path))
    settings.update(_read_environment())
    settings.update(overrides or {})
    if not settings.get("SECRET_KEY"):
        secret_file = instance_path / SECRET_KEY_FILE
        if secret_file.exists():
            settings["SECRET_KEY"] = secret_file.read_text().strip()
    if not settings.get("DATABASE_URL"):
        settings["DATABASE_URL"] = f"sqlite:///{instance_path / 'coproduce.sqlite3'}"
    settings["SQLALCHEMY_DATABASE_URI"] = settings["DATABASE_URL"]
    settings.setdefault("RATELIMIT_STORAGE_URI", settings.get("REDIS_URL") or "memory://")
    return settings


def write_secret_key(instance_path: Path) -> bool:
    """Create ``instance/secret_key`` with a random key unless one exists; True if written."""
    import secrets

    secret_file = instance_path / SECRET_KEY_FILE
    if secret_file.exists():
        return False
    instance_path.mkdir(parents=True, exist_ok=True)
    fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return True
