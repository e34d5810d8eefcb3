"""Organisations: creating and editing them."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.audit.services import record_action
from app.extensions import db
from app.organisations.models import Organisation
from app.urls import slugify


def unique_organisation_slug(name: str, exclude_id: int | None = None) -> str:
    base = slugify(name)
    slug, number = base, 2
    while True:
        query = select(Organisation.id).where(Organisation.slug == slug)
        if exclude_id is not None:
            query = query.where(Organisation.id != exclude_id)
        if db.session.scalar(query) is None:
            return slug
        slug, number = f"{base}-{number}", number + 1


def list_organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


def save_organisation(
    actor: User | None,
    name: str,
    kind: str,
    local_authority: str | None,
    organisation: Organisation | None = None,
) -> Organisation:
    """Create an organisation, or update the one given; the change is audited."""
    created = organisation is None
    if organisation is None:
        organisation = Organisation(slug=unique_organisation_slug(name))
        db.session.add(organisation)
    elif organisation.name != name:
        organisation.slug = unique_organisation_slug(name, exclude_id=organisation.id)
    organisation.name = name
    organisation.kind = kind
    organisation.local_authority = local_authority or None
    db.session.flush()
    record_action(
        actor,
        "create_organisation" if created else "update_organisation",
        "organisation",
        organisation.id,
        name=name,
        kind=kind,
        local_authority=organisation.local_authority,
    )
    return organisation
