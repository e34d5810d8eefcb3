"""Test fixtures: an app per test worker on SQLite or PostgreSQL, clean tables per test."""

from __future__ import annotations

import email
import hashlib
import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from app import create_app
from app.caching import clear_output_cache
from app.extensions import db, limiter
from app.shared_filters.facet_index import forget_facet_index
from app.shared_filters.point_index import forget_point_index
from app.themes.services import ensure_default_themes
from tests.support.limiter_binding import bind_limiter, limiter_binding
from tests.support.translations import compile_stale_catalogues

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
TEST_PASSWORD = "correct horse battery staple"


def pytest_configure(config):
    """The Welsh pages need the compiled catalogue, fresh from its .po."""
    compile_stale_catalogues()


def pytest_collection_modifyitems(config, items):
    marker = "postgres_only" if not POSTGRES_URL else "sqlite_only"
    skip = pytest.mark.skip(
        reason=f"not meaningful on {'SQLite' if not POSTGRES_URL else 'PostgreSQL'}"
    )
    for item in items:
        if marker in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def worker_id_safe(worker_id: str) -> str:
    return worker_id if worker_id != "master" else "main"


@pytest.fixture(scope="session")
def database_url(worker_id_safe, tmp_path_factory):
    """A fresh, empty database for this test worker."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    from tests.postgres import create_worker_database, drop_worker_database

    # The process id keeps test runs that happen at the same time apart.
    name = f"coproduce_test_{worker_id_safe}_{os.getpid()}"
    yield create_worker_database(POSTGRES_URL, name, IN_CI)
    drop_worker_database(POSTGRES_URL, name)


@pytest.fixture(scope="session")
def app(database_url, worker_id_safe, tmp_path_factory):
    """The app, its database upgraded from empty by the migrations."""
    instance = tmp_path_factory.mktemp("instance")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "DATABASE_URL": database_url,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_KEY_PREFIX": f"coproduce-test-{worker_id_safe}-{uuid.uuid4().hex[:8]}",
            "OUTBOX_PATH": str(instance / "outbox"),
            "MEDIA_ROOT": str(instance / "media"),
            "MAIL_SERVER": None,
            "SERVER_NAME": None,
            "TASKS_EAGER": True,
        }
    )
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
    app.extensions["test_limiter_binding"] = limiter_binding()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _limiter_for_app(request):
    """A test of the session app counts its hits in that app's store, whatever app an earlier
    test made (and whatever store of its went away) in this process."""
    if "app" in request.fixturenames:
        bind_limiter(request.getfixturevalue("app").extensions["test_limiter_binding"])


@pytest.fixture(autouse=True)
def _other_apps_closed():
    """Connections of every app a test made beside the session app are closed when the test
    ends. Left to the garbage collector, they are closed in whichever later test collects the
    app, and psycopg's ResourceWarning fails that test (CI once failed schemathesis so)."""
    yield
    # Flask-SQLAlchemy keeps each app's engines in a WeakKeyDictionary: the apps still alive.
    for other, engines in list(db._app_engines.items()):
        if "test_limiter_binding" not in other.extensions:  # the session app's mark
            for engine in engines.values():
                engine.dispose()


@pytest.fixture(autouse=True)
def _clean_state(request):
    """Empty every table, the outbox and the rate-limit counters after each test."""
    yield
    if "app" not in request.fixturenames:
        return
    empty_database(request.getfixturevalue("app"))


def empty_database(app) -> None:
    """Every table emptied (ids start again at 1), the default themes back, caches cleared."""
    with app.app_context():
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                names = ", ".join(f'"{table.name}"' for table in tables)
                connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            else:
                for table in tables:
                    connection.execute(table.delete())
                connection.exec_driver_sql("DELETE FROM initiative_fts")
        ensure_default_themes()
        db.session.commit()
        limiter.reset()
        clear_output_cache()
        forget_facet_index()  # the facet bitmaps and map points of the old data
        forget_point_index()
    shutil.rmtree(app.config["OUTBOX_PATH"], ignore_errors=True)


class CsrfClient(FlaskClient):
    """A test client whose form posts carry a valid CSRF token, as a browser's would.

    Pass ``csrf=False`` to send a post without one.
    """

    def open(self, *args, **kwargs):
        csrf = kwargs.pop("csrf", True)
        method = kwargs.get("method", "GET").upper()
        data = kwargs.get("data")
        if csrf and method == "POST" and isinstance(data, dict) and "csrf_token" not in data:
            kwargs["data"] = {**data, "csrf_token": self.csrf_token()}
        return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        raw = hashlib.sha1(os.urandom(32)).hexdigest()
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", raw)
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(
            raw
        )


@pytest.fixture
def held_minute():
    """The clock started 5 s into a minute (and running): a test's posts against an "N per
    minute" limit never straddle the minute's turn, which would give them a fresh window."""
    minute = datetime.now(UTC).replace(second=5, microsecond=0)
    with time_machine.travel(minute, tick=True):
        yield


@pytest.fixture
def client(app) -> CsrfClient:
    app.test_client_class = CsrfClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def outbox(app):
    """Read the mail the app wrote to its outbox (no MAIL_SERVER in tests)."""

    def read() -> list[email.message.EmailMessage]:
        folder = Path(app.config["OUTBOX_PATH"])
        if not folder.exists():
            return []
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(folder.glob("*.eml"))
        ]

    return read


class AuthActions:
    def __init__(self, client: CsrfClient):
        self.client = client

    def login(self, email: str, password: str = TEST_PASSWORD):
        return self.client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self.client.post("/logout", data={})


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def make_user(app):
    """Create a confirmed user; returns its id, email, role and password."""
    from tests.factories import create_test_user

    def make(**kwargs):
        with app.app_context():
            return create_test_user(**kwargs)

    return make


@pytest.fixture
def make_neighbourhood(app):
    """Create a neighbourhood; returns its id."""
    from tests.factories import create_test_neighbourhood

    def make(**kwargs):
        with app.app_context():
            return create_test_neighbourhood(**kwargs)

    return make


@pytest.fixture
def make_initiative(app):
    """Create an initiative (published unless told otherwise); returns its id."""
    from tests.factories import create_test_initiative

    def make(**kwargs):
        with app.app_context():
            return create_test_initiative(**kwargs)

    return make


@pytest.fixture
def make_photo(app):
    """Add a photo to an initiative (processed at once; approved unless told otherwise)."""
    from tests.factories import create_test_photo

    def make(initiative_id: int, **kwargs):
        with app.app_context():
            return create_test_photo(initiative_id, **kwargs)

    return make


@pytest.fixture
def s3_media(app, monkeypatch):
    """Media in a bucket of moto's S3 server, on loopback, for the test."""
    from moto.server import ThreadedMotoServer

    from app.photos.storage import EXTENSION

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    # moto keeps its buckets for the whole process: each test gets a bucket of its own.
    bucket = f"coproduce-media-{uuid.uuid4().hex[:8]}"
    settings = {
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": endpoint,
        "S3_REGION": "eu-west-2",
        "S3_ACCESS_KEY_ID": "testing",
        "S3_SECRET_ACCESS_KEY": "testing",
    }
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    app.extensions.pop(EXTENSION, None)
    from app.photos.storage import media_storage

    storage = media_storage(app)
    storage.client.create_bucket(  # type: ignore[attr-defined]
        Bucket=bucket,
        CreateBucketConfiguration={"LocationConstraint": "eu-west-2"},
    )
    yield storage
    app.extensions.pop(EXTENSION, None)
    server.stop()


@pytest.fixture
def smtp_server(app, monkeypatch):
    """A fake SMTP server on loopback; the app sends its mail there during the test."""
    from aiosmtpd.controller import Controller

    from tests.support.mail import Inbox, free_port

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    yield inbox
    controller.stop()


@pytest.fixture
def redis_server(tmp_path):
    """A redis-server of the test's own on a free port (tests may stop and start it)."""
    from tests.support.redis_server import RedisServer

    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


class PausedQueue:
    """Tasks queued while paused wait in memory, as they would for a worker."""

    def __init__(self, huey):
        self.huey = huey

    def pending(self) -> list:
        return self.huey.pending()

    def run(self) -> int:
        """Run every waiting task, as a worker would; returns how many ran."""
        ran = 0
        while (task := self.huey.dequeue()) is not None:
            self.huey.execute(task)
            ran += 1
        return ran


@pytest.fixture
def paused_queue(app):
    """Hold background tasks for the test (no worker yet), to see what a request leaves."""
    from app.tasks.queue import task_queue

    huey = task_queue(app).huey
    huey.immediate = False
    yield PausedQueue(huey)
    huey.immediate = True
