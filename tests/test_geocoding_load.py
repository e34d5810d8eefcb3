"""A slow geocoder cannot starve the site (issue 12): the shipped gunicorn configuration with
2 workers, 8 place look-ups in flight against a Nominatim that takes 5 s to answer.

Each look-up gives up within its deadline or is refused at once past the per-process cap, so
``/healthz`` keeps answering quickly (its p95 within 250 ms of the same run's p95 with no
look-up in flight, so that a loaded machine does not fail it) and a submission saved meanwhile
is saved at once, its place left pending for the worker.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select

from app import create_app
from app.config import ENVIRONMENT_KEYS
from app.extensions import db
from app.initiatives.models import Initiative
from app.themes.services import ensure_default_themes
from tests.factories import create_test_neighbourhood, create_test_user
from tests.support.apps import app_config, migrate_database
from tests.support.fake_nominatim import FakeNominatim
from tests.support.live_server import Browser
from tests.test_startup import free_port
from tests.test_submission import complete_form

pytestmark = pytest.mark.sqlite_only  # the web server is what is tested
ROOT = Path(__file__).resolve().parent.parent


def timed_get(url: str) -> tuple[int, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    return status, time.monotonic() - started


def health_latencies(url: str, until: float) -> list[float]:
    """Seconds each ``/healthz`` took, asked one after another until ``until``."""
    latencies = []
    while time.monotonic() < until:
        status, seconds = timed_get(url + "/healthz")
        assert status == 200
        latencies.append(seconds)
        time.sleep(0.02)
    return latencies


def p95(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=20)[-1]


def warm_up(url: str) -> None:
    """Requests on every thread of both workers first: each opens its database connection
    and the first request's imports are paid before anything is measured."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: timed_get(url + "/healthz")[0], range(64)))
    assert set(statuses) == {200}


GEOCODER_SECONDS = 5.0  # the fake's answer time; a look-up's own deadline is about 3 s


@pytest.fixture
def slow_site(tmp_path):
    """gunicorn with the shipped configuration (2 workers) and a Nominatim taking 5 s."""
    nominatim = FakeNominatim(mode="slow", delay=GEOCODER_SECONDS).start()
    database = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    config = app_config(database, tmp_path)
    migrate_database(config)
    app = create_app(config)
    with app.app_context():
        ensure_default_themes()
        resident = create_test_user(email="ann@example.org")
        neighbourhood_id = create_test_neighbourhood(name="Kirkstall", slug="kirkstall")
    (tmp_path / "config.py").write_text(
        f"DATABASE_URL = {database!r}\n"
        'GEOCODER = "nominatim"\n'
        f"NOMINATIM_DOMAIN = {nominatim.domain!r}\n"
        'NOMINATIM_SCHEME = "http"\n'
        'NOMINATIM_USER_AGENT = "coproduce-test (tests@example.org)"\n'
        "NOMINATIM_TIMEOUT = 10.0\n"
        'PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"\n'
        f"OUTBOX_PATH = {str(tmp_path / 'outbox')!r}\n"
    )
    port = free_port()
    environment = {key: value for key, value in os.environ.items() if key not in ENVIRONMENT_KEYS}
    environment.update(
        COPRODUCE_INSTANCE=str(tmp_path),
        WEB_CONCURRENCY="2",
        PORT=str(port),
        SECRET_KEY="geocoding-load-test",
    )
    environment.pop("GUNICORN_THREADS", None)
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "app:create_app()"],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            if timed_get(url + "/healthz")[0] == 200:
                break
        except OSError:
            pass
        assert process.poll() is None and time.monotonic() < deadline, (
            tmp_path / "gunicorn.log"
        ).read_text()
        time.sleep(0.1)
    yield url, app, resident, neighbourhood_id
    process.terminate()
    process.wait(15)
    log.close()
    nominatim.stop()
    with app.app_context():
        db.engine.dispose()


def test_eight_slow_look_ups_leave_health_checks_and_saves_fast(slow_site):
    url, app, resident, neighbourhood_id = slow_site
    person = Browser(url)
    person.open_form("/login")
    assert (
        person.post("/login", {"email": resident.email, "password": resident.password})[0] == 200
    )
    person.open_form("/initiatives/new")

    look_ups: list[tuple[int, float]] = []

    def look_up(number: int) -> None:
        look_ups.append(timed_get(f"{url}/places/search?q=Slow+Street+{number}"))

    warm_up(url)
    # The same run's baseline: what a health check takes on this machine, now, with no
    # look-up in flight (a loaded machine slows both alike).
    baseline = health_latencies(url, time.monotonic() + 1.0)

    threads = [threading.Thread(target=look_up, args=(n,)) for n in range(8)]
    looking_up = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(0.3)  # the look-ups are in flight
    # Sampled only while they are: those that got a slot hold it for their 3 s deadline.
    health = health_latencies(url, looking_up + 2.5)
    started = time.monotonic()
    # As the page sends it: a place name, no point, and the flag that it waits for the geocoder.
    form = complete_form(neighbourhood_id, latitude="", longitude="", location_pending="1")
    status, _, _ = person.post("/initiatives/new", form)
    saving = time.monotonic() - started
    for thread in threads:
        thread.join(30)

    # A health check never queues behind a look-up: waiting for one would cost seconds
    # (5.8 s before look-ups were capped), here it costs under a quarter of a second more.
    assert len(baseline) >= 20 and len(health) >= 20, (baseline, health)
    assert p95(health) < p95(baseline) + 0.25, (baseline, health)
    assert status == 200 and saving < 1.0, saving
    # Every look-up ended at its deadline (about 3 s, plus what a loaded machine adds: a clean
    # run on a slow day went past 4 s) or was refused at once; none waited for the geocoder's
    # answer at 5 s.
    assert len(look_ups) == 8
    assert all(status == 503 and seconds < GEOCODER_SECONDS for status, seconds in look_ups), (
        look_ups
    )
    with app.app_context():
        (initiative,) = db.session.scalars(select(Initiative))
        assert (initiative.state, initiative.location_state) == ("pending", "pending")
        assert initiative.place_name == "Hawksworth Road"
