"""Themes: safety, health, education, sustainability, and any an admin adds."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model

DEFAULT_THEMES = [
    # slug, name, colour (contrast >= 4.5:1 on white), description
    ("safety", "Safety", "#1d4e89", "Residents and the police making streets safer."),
    ("health", "Health", "#b3261e", "Residents and the NHS looking after each other's health."),
    ("education", "Education", "#7a4d00", "Residents and schools helping children learn."),
    (
        "sustainability",
        "Sustainability",
        "#0b6e4f",
        "Residents and the council caring for places.",
    ),
]


# The default themes' Welsh names and descriptions (admins may change them, like any name).
DEFAULT_THEME_WELSH_NAMES = {
    "safety": "Diogelwch",
    "health": "Iechyd",
    "education": "Addysg",
    "sustainability": "Cynaliadwyedd",
}
DEFAULT_THEME_WELSH_DESCRIPTIONS = {
    "safety": "Trigolion a'r heddlu yn gwneud strydoedd yn fwy diogel.",
    "health": "Trigolion a'r GIG yn gofalu am iechyd ei gilydd.",
    "education": "Trigolion ac ysgolion yn helpu plant i ddysgu.",
    "sustainability": "Trigolion a'r cyngor yn gofalu am leoedd.",
}


class Theme(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    name_cy: Mapped[str] = mapped_column(String(80), default="", server_default="")  # Welsh
    colour: Mapped[str] = mapped_column(String(7), default="#505a64")
    description: Mapped[str] = mapped_column(String(500), default="")
    description_cy: Mapped[str] = mapped_column(  # Welsh
        String(500), default="", server_default=""
    )
    position: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<Theme {self.slug}>"
