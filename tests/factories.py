"""Factories: make the data a test needs, stating only what matters to it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from app.accounts.services import create_user
from app.extensions import db
from app.initiatives.content import apply_content
from app.initiatives.models import Initiative
from app.neighbourhoods.models import Neighbourhood
from app.organisations.services import save_organisation
from app.search.services import reindex_initiative
from app.timeutil import utcnow

TEST_PASSWORD = "correct horse battery staple"
_numbers = itertools.count(1)


@dataclass(frozen=True)
class UserRecord:
    id: int
    email: str
    role: str
    password: str
    session_id: str


def create_test_user(
    role: str = "resident",
    email: str | None = None,
    password: str = TEST_PASSWORD,
    organisation_id: int | None = None,
    confirmed: bool = True,
    suspended: bool = False,
    display_name: str | None = None,
) -> UserRecord:
    """Create and commit a user (inside an app context)."""
    email = email or f"{role}{next(_numbers)}@example.org"
    user = create_user(
        email, password, role=role, organisation_id=organisation_id, display_name=display_name
    )
    if not confirmed:
        user.email_confirmed_at = None
    user.is_suspended = suspended
    db.session.commit()
    return UserRecord(user.id, user.email, user.role, password, user.get_id())


def create_test_organisation(name: str | None = None, kind: str = "council", local_authority=None):
    """Create and commit an organisation; returns its id."""
    organisation = save_organisation(
        None, name or f"Organisation {next(_numbers)}", kind, local_authority
    )
    db.session.commit()
    return organisation.id


def create_test_neighbourhood(
    name: str | None = None,
    local_authority: str = "Leeds City Council",
    latitude: float = 53.8200,
    longitude: float = -1.6000,
    slug: str | None = None,
    name_cy: str = "",
    local_authority_cy: str = "",
) -> int:
    """Create and commit a neighbourhood; returns its id."""
    number = next(_numbers)
    name = name or f"Neighbourhood {number}"
    neighbourhood = Neighbourhood(
        name=name,
        slug=slug or f"{name.lower().replace(' ', '-')}-{number}",
        name_cy=name_cy,
        local_authority=local_authority,
        local_authority_cy=local_authority_cy,
        latitude=latitude,
        longitude=longitude,
    )
    db.session.add(neighbourhood)
    db.session.commit()
    return neighbourhood.id


def create_test_initiative(
    state: str = "published",
    submitter_id: int | None = None,
    neighbourhood_id: int | None = None,
    **content,
) -> int:
    """Create and commit an initiative with sensible content; keyword arguments override it.

    Content keys are those of app.initiatives.content (title, themes, participants, ...).
    """
    number = next(_numbers)
    defaults = {
        "title": f"Street watch {number}",
        "summary": "Residents and the police walk the streets together.",
        "description": "",
        "status": "active",
        "themes": ["safety"],
        "stages": ["co-delivery"],
        "place_name": "",
        "location_precision": "street",
        "credit": "name",
        "participants": [],
        "outcomes": [],
    }
    values = {**defaults, **content}
    if neighbourhood_id is None:
        neighbourhood_id = create_test_neighbourhood()
    initiative = Initiative(
        title=values["title"],
        state=state,
        submitter_id=submitter_id,
    )
    db.session.add(initiative)
    values["neighbourhood_id"] = neighbourhood_id
    if values.get("latitude") is not None:
        values.setdefault("location_state", "set")
    apply_content(initiative, values)
    now = utcnow()
    initiative.created_at = initiative.updated_at = now
    if state != "draft":
        initiative.submitted_at = now
    if state == "published":
        initiative.published_at = now
        initiative.consented_at = now
    db.session.flush()
    reindex_initiative(initiative)
    db.session.commit()
    return initiative.id


def create_test_photo(
    initiative_id: int,
    data: bytes | None = None,
    review: str = "approved",
    alt: str = "Volunteers planting a cherry tree by the school gate",
    caption: str = "",
    credit: str = "",
) -> int:
    """Add a photo to an initiative and commit (the tests' queue processes it at once)."""
    from app.photos.services import PhotoDetails, add_photo
    from tests.support.photos import jpeg_with_gps

    initiative = db.session.get(Initiative, initiative_id)
    uploader = initiative.submitter or create_user(
        f"photographer{next(_numbers)}@example.org", TEST_PASSWORD
    )
    photo = add_photo(
        uploader,
        initiative,
        data if data is not None else jpeg_with_gps(),
        PhotoDetails(alt, caption, credit),
        approved=review == "approved",
    )
    photo.review = review
    db.session.commit()
    return photo.id
