"""Neighbourhoods: named areas with a local authority and a centre point."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model


class Neighbourhood(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_cy: Mapped[str] = mapped_column(String(120), default="", server_default="")  # Welsh
    local_authority: Mapped[str] = mapped_column(String(200), index=True)
    # Its name in Welsh (Cyngor Caerdydd), shown on the Welsh pages; the English name is the
    # one that ties the neighbourhood to its council's officers.
    local_authority_cy: Mapped[str] = mapped_column(String(200), default="", server_default="")
    latitude: Mapped[float]
    longitude: Mapped[float]

    def __repr__(self) -> str:
        return f"<Neighbourhood {self.slug}>"
