"""Reading initiatives for people: who may see one, how it is credited, which links are safe."""

from __future__ import annotations

from typing import Any, Protocol

from flask import url_for
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.models import User
from app.extensions import db
from app.initiatives.models import Initiative, Outcome
from app.permissions import can_on_initiative


def load_initiative(initiative_id: int) -> Initiative | None:
    """An initiative with everything its page shows, in a fixed number of queries."""
    query = (
        select(Initiative)
        .where(Initiative.id == initiative_id)
        .options(
            joinedload(Initiative.submitter),
            selectinload(Initiative.outcomes).joinedload(Outcome.verified_by_organisation),
        )
    )
    return db.session.scalars(query).unique().one_or_none()


def find_viewable_initiative(
    initiative_id: int, user: User | AnonymousUserMixin
) -> Initiative | None:
    """The initiative if this user may see it; None whether it is missing or hidden, so a
    hidden initiative is indistinguishable from one that does not exist."""
    initiative = load_initiative(initiative_id)
    if initiative is None or not can_on_initiative(user, "view", initiative):
        return None
    return initiative


def resident_of(initiative: Initiative) -> str:
    """ "a resident of Kirkstall" (or just "a resident" without a neighbourhood)."""
    if initiative.neighbourhood is None:
        return "a resident"
    return _(
        "a resident of %(neighbourhood_name)s", neighbourhood_name=initiative.neighbourhood.name
    )


def credit_line(initiative: Initiative) -> str:
    """How the initiative is attributed in public, as its submitter chose."""
    credit_name = (initiative.credit_name or "").strip()
    if initiative.credit == "organisation" and credit_name:
        return _("Submitted by %(credit_name)s", credit_name=credit_name)
    if initiative.credit == "name" and initiative.submitter is not None:
        return _("Submitted by %(display_name)s", display_name=initiative.submitter.display_name)
    return _("Submitted by %(resident_of)s", resident_of=resident_of(initiative))


class _Addressed(Protocol):
    """An initiative, or a row of its columns that has ``id`` and ``slug``."""

    @property
    def id(self) -> int: ...

    @property
    def slug(self) -> str | None: ...


def initiative_url(initiative: _Addressed, **options: Any) -> str:
    """The canonical page of an initiative, ``/initiatives/<id>-<slug>``."""
    slug = initiative.slug or "initiative"  # an address needs one, even for an odd record
    return url_for(
        "initiatives.show_initiative", initiative_id=initiative.id, slug=slug, **options
    )
