"""Geocoding's memory: cached answers, and the shared throttle for outside services."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.database import UTCDateTime
from app.extensions import Model
from app.timeutil import utcnow


class GeocodeAnswer(Model):
    """One geocoder's answer to one question, kept so it is never asked twice."""

    id: Mapped[int] = mapped_column(primary_key=True)
    backend: Mapped[str] = mapped_column(String(32))  # offline, nominatim
    kind: Mapped[str] = mapped_column(String(16))  # search, reverse
    query: Mapped[str] = mapped_column(String(300))  # normalised text, or "lat,lon"
    places: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("backend", "kind", "query", name="uq_geocode_answer_question"),
    )


class Throttle(Model):
    """When an outside service may next be called, shared by every worker and instance."""

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_at: Mapped[datetime] = mapped_column(UTCDateTime)
