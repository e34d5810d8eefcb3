"""Themes: the defaults and lookups."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.themes.models import (
    DEFAULT_THEME_WELSH_DESCRIPTIONS,
    DEFAULT_THEME_WELSH_NAMES,
    DEFAULT_THEMES,
    Theme,
)


def ensure_default_themes() -> None:
    """Create any of the four default themes that is missing (the migration seeds them)."""
    existing = set(db.session.scalars(select(Theme.slug)))
    for position, (slug, name, colour, description) in enumerate(DEFAULT_THEMES):
        if slug not in existing:
            db.session.add(
                Theme(
                    slug=slug,
                    name=name,
                    name_cy=DEFAULT_THEME_WELSH_NAMES.get(slug, ""),
                    colour=colour,
                    description=description,
                    description_cy=DEFAULT_THEME_WELSH_DESCRIPTIONS.get(slug, ""),
                    position=position,
                )
            )
    db.session.flush()


def list_themes() -> list[Theme]:
    """Every theme in display order."""
    return list(db.session.scalars(select(Theme).order_by(Theme.position, Theme.name)))
