"""A second, empty database migrated to head: where the import tests load an export."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from app import create_app
from app.extensions import db
from tests.support.apps import app_config, migrate_database

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@contextmanager
def empty_database(kind: str, folder: Path) -> Iterator[Flask]:
    """An app on a new database of this kind (``sqlite`` or ``postgresql``), dropped after."""
    from tests.postgres import create_worker_database, drop_worker_database

    name = None
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'target.sqlite3'}"
    else:
        name = f"coproduce_backup_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        url = create_worker_database(POSTGRES_URL, name, IN_CI)
    config = app_config(url, folder / "target-instance")
    try:
        migrate_database(config)
        app = create_app(config)
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        if name:
            drop_worker_database(POSTGRES_URL, name)
