"""Geocoders' answers kept in the database, so that no question is asked twice."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.places.models import GeocodeAnswer
from app.places.types import Place


def read_answer(backend: str, kind: str, query: str) -> list[Place] | None:
    """The cached answer to this question, or None if it was never asked."""
    with db.engine.begin() as connection:
        places = connection.scalar(
            select(GeocodeAnswer.places).where(
                GeocodeAnswer.backend == backend,
                GeocodeAnswer.kind == kind,
                GeocodeAnswer.query == query,
            )
        )
    if places is None:
        return None
    return [Place(**place) for place in places]


def keep_answer(backend: str, kind: str, query: str, places: list[Place]) -> None:
    """Cache an answer (without neighbourhood suggestions, which change with the app's data)."""
    rows = [{**asdict(place), "neighbourhood_slug": None} for place in places]
    with db.engine.begin() as connection:
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        connection.execute(
            dialect.insert(GeocodeAnswer)
            .values(backend=backend, kind=kind, query=query, places=rows)
            .on_conflict_do_nothing()
        )
