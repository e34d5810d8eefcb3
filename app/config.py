"""Configuration in layers: defaults here, then ``instance/config.py``, then the environment.

Every key is explained in ``instance/config.example.py``; a test checks that the two agree.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

SECRET_KEY_FILE = "secret_key"


def boolean(raw: str) -> bool:
    """An environment flag: 1/true/yes/on or 0/false/no/off, any case."""
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError(raw)


# Keys read from the environment, with how to turn the string into a value.
ENVIRONMENT_KEYS: dict[str, Callable[[str], Any]] = {
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
    "MAIL_USE_TLS": boolean,
    "MAIL_USE_SSL": boolean,
    "MAIL_USERNAME": str,
    "MAIL_PASSWORD": str,
    "SITE_URL": str,
    "TASKS_DATABASE": str,
    "TASKS_WORKERS": int,
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
    MAIL_USE_TLS = False  # STARTTLS after connecting (a port-587 relay)
    MAIL_USE_SSL = False  # TLS from the start (port 465)
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_TIMEOUT = 10.0  # seconds for each exchange with the mail server
    MAIL_MAX_ATTEMPTS = 8  # 30 s doubling: the last attempt about an hour after the first
    MAIL_KEEP_DAYS = 30  # sent, failed and suppressed messages are deleted after this
    SITE_URL: str | None = None  # the public base URL, e.g. "https://coproduce.example.org"
    TASKS_DATABASE: str | None = None  # the queue's SQLite file; None: instance/tasks.sqlite3
    TASKS_WORKERS = 2  # threads per worker process
    TASKS_EAGER = False  # run tasks at once in the process that queues them (tests)
    WORKER_STALE_SECONDS = 120  # no heartbeat for this long: /readyz says the worker is gone
    TASKS_STALE_SECONDS = 600  # a job or a mail claimed this long ago, silent: its worker died
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
                f"Environment variable {key}={raw!r} is not a valid {_kind(convert)}"
            ) from error
    return values


def _kind(convert: Callable[[str], Any]) -> str:
    return {"boolean": "flag (1/0, true/false, yes/no, on/off)"}.get(
        convert.__name__, convert.__name__
    )


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
