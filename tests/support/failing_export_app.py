"""The app as gunicorn serves it, with a database that fails in the middle of an export.

``gunicorn ... 'tests.support.failing_export_app:create_app()'``: the real app, whose
database connection raises an OperationalError on the export's ``FAIL_ON_BATCH``-th batch of
initiatives (as when PostgreSQL restarts or a disk fails halfway through a download).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from app import create_app as create_real_app
from app.extensions import db

EXPORT_BATCH = "ORDER BY initiative.published_at DESC"
WENT_AWAY = "the database went away"


def install_failure(app: Flask, fail_on_batch: int) -> Callable[[], None]:
    """Make the ``fail_on_batch``-th batch query of an export fail at the database (through
    SQLAlchemy or the driver's own cursor: ``DriverQuery`` runs the engine's listeners too);
    returns a function that takes the failure away again."""
    seen = {"batches": 0}
    with app.app_context():
        engine = db.engine

    def fails(statement: str) -> bool:
        if EXPORT_BATCH not in statement:
            return False
        seen["batches"] += 1
        return seen["batches"] == fail_on_batch

    @event.listens_for(engine, "before_cursor_execute")
    def fail_midway(_connection, _cursor, statement, parameters, _context, _many):
        if fails(statement):
            raise OperationalError(statement, parameters, Exception(WENT_AWAY))

    return lambda: event.remove(engine, "before_cursor_execute", fail_midway)


def create_app() -> Flask:
    app = create_real_app()
    install_failure(app, int(os.environ.get("FAIL_ON_BATCH", "2")))
    return app
