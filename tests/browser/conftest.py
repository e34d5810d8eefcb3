"""Browser fixtures: the app on a live server, one Chromium per worker, a fresh page per test.

Every test in this folder gets the ``browser`` marker. A JavaScript dialog (``alert``,
``confirm``, ``prompt``) on a test's page fails the test: the XSS tests rely on that.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app.demo.seed import seed_demo
from app.extensions import db
from app.initiatives.public import published_initiatives
from tests.factories import TEST_PASSWORD
from tests.support.mail import free_port
from tests.support.tiles import TileServer

BROWSER_FOLDER = Path(__file__).resolve().parent
DEFAULT_TIMEOUT_MS = 10_000
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]

dialogs_key = pytest.StashKey[list]()


def pytest_collection_modifyitems(config, items):
    # Hooks in a conftest see every collected item, so mark only the ones in this folder.
    for item in items:
        if BROWSER_FOLDER in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    # Fail the test itself (not its teardown) when its page opened a JavaScript dialog.
    result = yield
    dialogs = item.stash.get(dialogs_key, [])
    if dialogs:
        shown = "; ".join(f"{kind}({message!r}) on {url}" for kind, message, url in dialogs)
        pytest.fail(f"A JavaScript dialog opened: {shown}", pytrace=False)
    return result


def _missing(reason: str) -> None:
    """No browser: a failure in CI, where the browser tests must run; a skip elsewhere."""
    if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
        pytest.fail(f"{reason} (CI is set, so the browser tests must run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """The session's app served over HTTP on a free port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """A headless Debian Chromium driven by Playwright, shared by the worker's tests."""
    executable = shutil.which("chromium")
    if executable is None:
        _missing("Chromium not found: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("The playwright package is not installed: pip install -e '.[test]'")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
    except BaseException:
        playwright.stop()
        raise
    try:
        yield browser
    finally:
        browser.close()
        playwright.stop()


@pytest.fixture
def page(request, browser, live_server):
    """A page in a fresh browser context (no cookies), its relative URLs on the live server."""
    context = browser.new_context(base_url=live_server, locale="en-GB")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
    dialogs: list[tuple[str, str, str]] = []
    request.node.stash[dialogs_key] = dialogs
    page = context.new_page()

    def on_dialog(dialog) -> None:
        dialogs.append((dialog.type, dialog.message, page.url))
        dialog.dismiss()

    page.on("dialog", on_dialog)
    try:
        yield page
    finally:
        context.close()


# Shared by the map, place picker, cluster, embed and accessibility tests.


@pytest.fixture
def tiles(app, monkeypatch):
    """Serve map tiles from a loopback stub for this test."""
    with TileServer() as server:
        monkeypatch.setitem(app.config, "TILE_URL", server.url)
        yield server


@pytest.fixture
def no_tiles(app, monkeypatch):
    """Point the map's tiles at a closed port: every tile fails."""
    monkeypatch.setitem(
        app.config, "TILE_URL", f"http://127.0.0.1:{free_port()}/{{z}}/{{x}}/{{y}}.png"
    )


@pytest.fixture
def demo(app):
    """The whole demo data set, with one account per role; returns how many are published."""
    with app.app_context():
        seed_demo(password_for=lambda _role: TEST_PASSWORD)
        db.session.commit()
        return len(db.session.scalars(published_initiatives()).all())


@pytest.fixture
def console(page):
    """Every console message and page error of the test's page."""
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.on("pageerror", lambda error: messages.append(f"page error: {error}"))
    yield messages
    violations = [text for text in messages if "Content Security Policy" in text]
    assert violations == [], violations
    assert not [text for text in messages if text.startswith("page error")], messages
