"""Configuration in layers: defaults here, then ``instance/config.py``, then the environment.

Every key is explained in ``instance/config.example.py``; a test checks that the two agree.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.limit_store import store_uri

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
    "ALLOW_INSTANCE_SECRET_KEY": boolean,
    "DATABASE_URL": str,
    "DATABASE_CONNECT_TIMEOUT": int,
    "DATABASE_STATEMENT_TIMEOUT": float,
    "SQLITE_MMAP_SIZE": int,
    "REDIS_URL": str,
    "GEOCODER": str,
    "NOMINATIM_DOMAIN": str,
    "NOMINATIM_SCHEME": str,
    "NOMINATIM_USER_AGENT": str,
    "POSTCODES_URL": str,
    "NEIGHBOURHOOD_WARN_KM": float,
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
    "HSTS_MAX_AGE": int,
    "HSTS_INCLUDE_SUBDOMAINS": boolean,
    "TIMEZONE": str,
    "DATA_LICENCE": str,
    "DATA_LICENCE_URL": str,
    "SITE_NAME": str,
    "FOLLOWUP_MONTHS": str,
    "MEDIA_STORAGE": str,
    "MEDIA_URL": str,
    "MEDIA_ROOT": str,
    "DOWNLOADS_ROOT": str,
    "S3_BUCKET": str,
    "S3_ENDPOINT_URL": str,
    "S3_REGION": str,
    "S3_ACCESS_KEY_ID": str,
    "S3_SECRET_ACCESS_KEY": str,
    "PHOTO_MAX_PIXELS": int,
}


class Defaults:
    """What holds when neither ``instance/config.py`` nor the environment says otherwise."""

    SECRET_KEY: str | None = None
    ALLOW_INSTANCE_SECRET_KEY = False  # a production server may use instance/secret_key
    DATABASE_URL: str | None = None  # None: SQLite file in the instance folder
    DATABASE_CONNECT_TIMEOUT = 5  # PostgreSQL: seconds to wait for a new connection
    DATABASE_STATEMENT_TIMEOUT = 30.0  # seconds a web request's statement may run (0: no limit)
    SQLITE_MMAP_SIZE = 1 << 30  # bytes of an SQLite file read through a memory map (0: none)
    REDIS_URL: str | None = None
    GEOCODER = "offline"
    NOMINATIM_DOMAIN = "nominatim.openstreetmap.org"
    NOMINATIM_SCHEME = "https"
    NOMINATIM_USER_AGENT: str | None = None
    NOMINATIM_TIMEOUT = 5.0  # seconds to wait for an answer
    NOMINATIM_INTERVAL = 1.0  # seconds between requests, for the whole application
    GEOCODE_DEADLINE = 3.0  # seconds a look-up may take in all while a person waits
    GEOCODE_CONCURRENCY = 2  # look-ups at once per web process (below gunicorn's threads)
    POSTCODES_URL: str | None = None  # a postcodes.io-style service (None: none)
    POSTCODES_TIMEOUT = 5.0  # seconds to wait for the postcode service's answer
    NEIGHBOURHOOD_WARN_KM = (
        10.0  # km from its neighbourhood's centre past which a point is flagged
    )
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
    HSTS_MAX_AGE = 31536000  # seconds browsers keep to https after an https answer; 0: no HSTS
    HSTS_INCLUDE_SUBDOMAINS = True  # the policy covers the site's subdomains too
    TIMEZONE = "Europe/London"
    DATA_LICENCE = "CC BY 4.0"
    DATA_LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
    SITE_NAME = "Coproduce"
    FOLLOWUP_MONTHS = "3,6,12"  # months after publication to ask for new values; then yearly
    MEDIA_STORAGE = "local"  # "local" (instance/media/) or "s3"
    MEDIA_URL: str | None = None  # public media's base URL; None: the app's own /media/
    MEDIA_ROOT: str | None = None  # the local storage's folder; None: instance/media
    DOWNLOADS_ROOT: str | None = None  # the open-data files' folder; None: instance/downloads
    S3_BUCKET: str | None = None
    S3_ENDPOINT_URL: str | None = None  # None: AWS itself; else MinIO, Garage, R2, ...
    S3_REGION: str | None = None
    S3_ACCESS_KEY_ID: str | None = None  # None: boto3's own (AWS_* variables, a role)
    S3_SECRET_ACCESS_KEY: str | None = None
    PHOTO_MAX_BYTES = 15 * 1024 * 1024  # the largest photo file
    PHOTO_MAX_PIXELS = 50_000_000  # the most pixels a photo may have (width × height)

    # Internal settings (not in DESIGN.md's list, still documented in config.example.py).
    PASSWORD_HASH_METHOD = "scrypt:32768:8:1"
    PASSWORD_RESET_MAX_AGE = 3600
    EMAIL_CONFIRM_MAX_AGE = 3 * 24 * 3600
    SESSION_MAX_AGE = 7 * 24 * 3600  # seconds after logging in that a session ends, however used
    RATELIMIT_LOGIN = "10 per minute;60 per hour"
    RATELIMIT_REGISTER = "5 per minute;30 per hour"
    RATELIMIT_RESET = "5 per minute;30 per hour"
    RATELIMIT_SUBMIT = "60 per minute;600 per hour"
    RATELIMIT_REPORT = "5 per hour"
    RATELIMIT_GEOCODE = "20 per minute;200 per hour"
    RATELIMIT_API_WRITE = "10 per minute;100 per hour"
    RATELIMIT_IMPORT = "10 per hour"
    RATELIMIT_PHOTO = "30 per hour"
    RATELIMIT_KEY_PREFIX = "coproduce"
    PUBLIC_CACHE_SECONDS = 300  # Cache-Control max-age of embeds, feeds and oEmbed answers
    OUTPUT_CACHE_SECONDS = 3600  # how long a cached public answer is kept (0: none kept)
    OUTPUT_CACHE_MAX_BYTES = 8_000_000  # larger answers (a big GeoJSON) are not kept
    OUTPUT_CACHE_KEY_PREFIX = "coproduce-output:"
    API_DEFAULT_LIMIT = 20
    API_MAX_LIMIT = 100
    EMBED_MAX_LIMIT = 50
    FEED_LIMIT = 50
    IMPORT_MAX_ROWS = 200_000  # rows in one import file, on the page and the command
    IMPORT_MAX_BYTES = 50 * 1024 * 1024  # one import file; only the import page accepts this
    IMPORT_KEEP_HOURS = 24  # uploaded import files not imported are deleted after this
    FOLLOWUP_LINK_MAX_AGE = 60 * 24 * 3600  # seconds a follow-up link works
    FOLLOWUP_UNANSWERED_DAYS = 30  # a prompt unanswered this long shows on the moderators' page
    ALERT_CONFIRM_MAX_AGE = 7 * 24 * 3600  # seconds a confirmation link works
    ALERT_MAIL_CAP = 20  # initiatives (and measurements) in one alert mail; then "and N more"
    ALERTS_PER_ADDRESS = 20  # subscriptions (pending or confirmed) one address may hold
    ALERT_WEEKLY_DAY = 0  # the weekday weekly digests go out (0 Monday ... 6 Sunday)
    ALERT_WEEKLY_HOUR = 8  # the hour (in TIMEZONE) weekly digests go out
    ALERT_SETTLE_MINUTES = 10  # an alert window closes this long before the run that mails it
    QUEUE_DIGEST_HOUR = 8  # the hour (in TIMEZONE) moderators' daily queue digest goes out
    RATELIMIT_ALERTS = "10 per hour;30 per day"
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
    settings["DATABASE_URL"] = normalise_database_url(settings["DATABASE_URL"])
    settings["SQLALCHEMY_DATABASE_URI"] = settings["DATABASE_URL"]
    settings["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(settings)
    # Without Redis, every process on the machine counts in one file (not each in its memory).
    settings.setdefault(
        "RATELIMIT_STORAGE_URI", settings.get("REDIS_URL") or store_uri(instance_path)
    )
    return settings


def _engine_options(settings: dict[str, Any]) -> dict[str, Any]:
    """SQLAlchemy's engine options, with PostgreSQL's connect timeout: a database server that
    does not answer fails a new connection after DATABASE_CONNECT_TIMEOUT seconds (a 503)
    instead of holding the request for as long as the network keeps trying."""
    options = dict(settings["SQLALCHEMY_ENGINE_OPTIONS"])
    if settings["DATABASE_URL"].startswith("postgresql"):  # normalised: postgresql+psycopg
        options["connect_args"] = {
            "connect_timeout": int(settings["DATABASE_CONNECT_TIMEOUT"]),
            **options.get("connect_args", {}),
        }
    return options


class SettingProblem(SystemExit):
    """A setting that keeps the app from starting: one line naming it and what to do."""

    def __init__(self, message: str):
        super().__init__(f"Coproduce: {message}")


# The drivers installed for each database; the short forms that hosts hand out map to them.
DATABASE_SCHEMES = {
    "sqlite": "sqlite",
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
}


def normalise_database_url(url: str) -> str:
    """DATABASE_URL with the driver this app installs (``postgres://`` and ``postgresql://``,
    as hosting platforms write them, become ``postgresql+psycopg://``); SettingProblem for a
    database this app does not run on."""
    scheme, separator, rest = url.partition("://")
    if not separator or scheme.lower() not in DATABASE_SCHEMES:
        shown = scheme if separator else url[:20]
        raise SettingProblem(
            f"DATABASE_URL starts with {shown!r}, which is not a database Coproduce runs on. "
            "Use sqlite:////path/to/file.sqlite3 or "
            "postgresql+psycopg://user:password@host/database."
        )
    return f"{DATABASE_SCHEMES[scheme.lower()]}://{rest}"


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


class SecretKeyProblem(RuntimeError):
    """A production server has no SECRET_KEY that every instance can share."""


def production_secret_key(
    instance_path: Path, overrides: dict[str, Any] | None = None
) -> tuple[str, bool]:
    """The SECRET_KEY a production server signs with, and whether it is the generated
    ``instance/secret_key`` (allowed only with ALLOW_INSTANCE_SECRET_KEY: each instance
    that ran ``make secret-key`` has its own, and they reject each other's sessions)."""
    settings = load_settings(instance_path, overrides)
    given = {**_read_instance_file(instance_path), **_read_environment(), **(overrides or {})}
    configured = given.get("SECRET_KEY")
    if configured:
        return str(configured), False
    if not settings.get("SECRET_KEY"):
        raise SecretKeyProblem(
            "no SECRET_KEY. Set the SECRET_KEY environment variable (the same value on every "
            "instance) or put it in instance/config.py."
        )
    if not settings["ALLOW_INSTANCE_SECRET_KEY"]:
        raise SecretKeyProblem(
            "SECRET_KEY comes only from the generated instance/secret_key, which differs from "
            "one instance to the next. Set the SECRET_KEY environment variable (the same value "
            "on every instance) or put it in instance/config.py; for a single instance, set "
            "ALLOW_INSTANCE_SECRET_KEY=1 to use the file."
        )
    return str(settings["SECRET_KEY"]), True


def secret_key_fingerprint(secret_key: str) -> str:
    """Eight hex digits that tell keys apart without revealing them (HMAC-SHA256 of a fixed
    message): instances that log different fingerprints reject each other's sessions."""
    digest = hmac.new(secret_key.encode(), b"coproduce secret key fingerprint", hashlib.sha256)
    return digest.hexdigest()[:8]
