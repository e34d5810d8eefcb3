"""Reference data that admins keep: themes and neighbourhoods. Every change is audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.accounts.models import User
from app.audit.services import record_action
from app.extensions import db
from app.initiatives.models import Initiative, InitiativeTheme
from app.initiatives.public import apply_location_precision, is_public, published_only
from app.neighbourhoods.models import Neighbourhood
from app.search.services import reindex_initiative
from app.themes.models import Theme

THEME_FIELDS = ("name", "name_cy", "colour", "description", "description_cy", "position")
NEIGHBOURHOOD_FIELDS = (
    "name",
    "name_cy",
    "local_authority",
    "local_authority_cy",
    "latitude",
    "longitude",
)


def theme_slug_taken(slug: str) -> bool:
    return db.session.scalar(select(Theme.id).where(Theme.slug == slug)) is not None


def neighbourhood_slug_taken(slug: str) -> bool:
    query = select(Neighbourhood.id).where(Neighbourhood.slug == slug)
    return db.session.scalar(query) is not None


def list_neighbourhoods() -> list[Neighbourhood]:
    """Every neighbourhood, grouped by local authority."""
    query = select(Neighbourhood).order_by(Neighbourhood.local_authority, Neighbourhood.name)
    return list(db.session.scalars(query))


def count_published_by_theme() -> dict[int, int]:
    """Theme id -> how many published initiatives carry the theme."""
    query = published_only(
        select(InitiativeTheme.theme_id, func.count())
        .join(Initiative, Initiative.id == InitiativeTheme.initiative_id)
        .group_by(InitiativeTheme.theme_id)
    )
    return {key: count for key, count in db.session.execute(query)}


def count_published_by_neighbourhood() -> dict[int, int]:
    """Neighbourhood id -> how many published initiatives are in it."""
    query = published_only(
        select(Initiative.neighbourhood_id, func.count())
        .where(Initiative.neighbourhood_id.is_not(None))
        .group_by(Initiative.neighbourhood_id)
    )
    return {key: count for key, count in db.session.execute(query)}


def save_theme(actor: User | None, values: dict[str, Any], theme: Theme | None = None) -> Theme:
    """Add a theme (``values`` with its slug), or rename, recolour or reorder the one given."""
    if theme is None:
        theme = Theme(slug=values["slug"])
        db.session.add(theme)
        changes = _apply(theme, values, THEME_FIELDS, new=True)
        action = "create_theme"
    else:
        changes = _apply(theme, values, THEME_FIELDS)
        action = "update_theme"
    db.session.flush()
    if changes:
        record_action(actor, action, "theme", theme.id, slug=theme.slug, changes=changes)
    return theme


def save_neighbourhood(
    actor: User | None, values: dict[str, Any], neighbourhood: Neighbourhood | None = None
) -> Neighbourhood:
    """Add a neighbourhood (``values`` with its slug), or update the one given."""
    if neighbourhood is None:
        neighbourhood = Neighbourhood(slug=values["slug"])
        db.session.add(neighbourhood)
        changes = _apply(neighbourhood, values, NEIGHBOURHOOD_FIELDS, new=True)
        action = "create_neighbourhood"
    else:
        changes = _apply(neighbourhood, values, NEIGHBOURHOOD_FIELDS)
        action = "update_neighbourhood"
        if changes:
            refresh_neighbourhood_initiatives(
                neighbourhood, renamed="name" in changes or "name_cy" in changes
            )
    db.session.flush()
    if changes:
        record_action(
            actor,
            action,
            "neighbourhood",
            neighbourhood.id,
            slug=neighbourhood.slug,
            changes=changes,
        )
    return neighbourhood


def refresh_neighbourhood_initiatives(neighbourhood: Neighbourhood, renamed: bool) -> None:
    """Recompute the public points that show the neighbourhood's centre, and re-index the
    published initiatives whose searchable place includes its name."""
    initiatives = db.session.scalars(
        select(Initiative).where(Initiative.neighbourhood_id == neighbourhood.id)
    )
    for initiative in initiatives:
        apply_location_precision(initiative)
        if renamed and is_public(initiative):
            reindex_initiative(initiative)


def _apply(
    record: Theme | Neighbourhood,
    values: dict[str, Any],
    fields: tuple[str, ...],
    new: bool = False,
) -> dict[str, Any]:
    """Set the fields given; return {field: [old, new]} for those that changed (new: just the
    value). A field not given keeps its value (the Welsh name, for callers that predate it)."""
    changes: dict[str, Any] = {}
    for field in fields:
        if field not in values:
            continue
        old, value = getattr(record, field), values[field]
        if new or old != value:
            changes[field] = value if new else [old, value]
            setattr(record, field, value)
    return changes
