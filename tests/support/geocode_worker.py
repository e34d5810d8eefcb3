"""A process that looks places up through Nominatim (spawned: it must live in a module)."""

from __future__ import annotations

import os
import warnings
from typing import Any


def look_up_places(config: dict[str, Any], queries: list[str], barrier: Any, results: Any) -> None:
    """Geocode each query in turn through the app's seam, after every process is ready.

    Puts ``(pid, places found per query, errors, warnings)`` on ``results``; never raises.
    """
    found: list[int] = []
    errors: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            from app import create_app
            from app.extensions import db
            from app.places.geocoding import geocode_place

            app = create_app(config)
            with app.app_context():
                with db.engine.connect() as connection:  # connect before the start line
                    connection.exec_driver_sql("SELECT 1")
                    connection.rollback()
                barrier.wait(timeout=60)
                for query in queries:
                    try:
                        found.append(len(geocode_place(query)))
                    except Exception as error:
                        errors.append(f"{type(error).__name__}: {error}")
                    db.session.rollback()
                db.session.remove()
                db.engine.dispose()
        except BaseException as error:  # reported to the parent, which fails the test
            errors.append(f"{type(error).__name__}: {error}")
    messages = [f"{w.category.__name__}: {w.message}" for w in caught]
    results.put((os.getpid(), found, errors, messages))
