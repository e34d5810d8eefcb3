"""A writer process for the SQLite concurrency test (spawned: it must live in a module)."""

from __future__ import annotations

import os
import warnings
from typing import Any


def write_organisations(
    config: dict[str, Any], name: str, count: int, barrier: Any, results: Any
) -> None:
    """Create ``count`` organisations called ``name`` through the service layer, one commit each.

    Every write reads (to find a free slug) and then inserts: the read-then-write transaction
    that fails at once under a deferred BEGIN when another process commits in between. Puts
    ``(pid, rows written, errors, warnings)`` on ``results``; never raises.
    """
    written = 0
    errors: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            from app import create_app
            from app.extensions import db
            from app.organisations.services import save_organisation

            app = create_app(config)
            with app.app_context():
                # Connect before the start line, so every process competes from the first write.
                with db.engine.connect() as connection:
                    connection.exec_driver_sql("SELECT 1")
                    connection.rollback()
                barrier.wait(timeout=60)
                for _ in range(count):
                    try:
                        save_organisation(None, name, "council", None)
                        db.session.commit()
                        written += 1
                    except Exception as error:
                        db.session.rollback()
                        errors.append(f"{type(error).__name__}: {error}")
                db.session.remove()
                db.engine.dispose()
        except BaseException as error:  # reported to the parent, which fails the test
            errors.append(f"{type(error).__name__}: {error}")
    messages = [f"{w.category.__name__}: {w.message}" for w in caught]
    results.put((os.getpid(), written, errors, messages))
