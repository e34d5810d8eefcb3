"""Admins keep the reference data: themes and neighbourhoods, every change audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db
from app.initiatives.models import Initiative
from app.neighbourhoods.models import Neighbourhood
from app.themes.models import Theme

DEFAULT_SLUGS = ["safety", "health", "education", "sustainability"]
ROLES = [None, "resident", "moderator", "council", "admin"]
PAGES = [
    ("GET", "/admin/themes"),
    ("GET", "/admin/themes/new"),
    ("POST", "/admin/themes/new"),
    ("GET", "/admin/themes/{theme}"),
    ("POST", "/admin/themes/{theme}"),
    ("GET", "/admin/neighbourhoods"),
    ("GET", "/admin/neighbourhoods/new"),
    ("POST", "/admin/neighbourhoods/new"),
    ("GET", "/admin/neighbourhoods/{neighbourhood}"),
    ("POST", "/admin/neighbourhoods/{neighbourhood}"),
]
THEME = {"name": "Food", "slug": "", "colour": "#7a4d00", "description": "", "position": "5"}
NEIGHBOURHOOD = {
    "name": "Kirkstall",
    "slug": "",
    "local_authority": "Leeds City Council",
    "latitude": "53.817",
    "longitude": "-1.603",
}


def theme_id(app, slug: str = "safety") -> int:
    with app.app_context():
        return db.session.scalar(select(Theme.id).where(Theme.slug == slug))


def audit_entries(app) -> list[tuple[str, str, dict]]:
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(entry.action, entry.subject_type, entry.detail) for entry in entries]


@pytest.fixture
def admin(auth, make_user):
    user = make_user(role="admin")
    auth.login(user.email)
    return user


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url"), PAGES)
def test_only_admins_manage_reference_data(
    app, client, auth, make_user, make_neighbourhood, role, method, url
):
    url = url.format(theme=theme_id(app), neighbourhood=make_neighbourhood())
    if role:
        auth.login(make_user(role=role).email)
    response = client.get(url) if method == "GET" else client.post(url, data={})
    if role is None:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    elif role == "admin":
        assert response.status_code in ({200} if method == "GET" else {302, 422})
    else:
        assert response.status_code == 403


def test_admin_adds_a_theme(app, client, admin):
    response = client.post("/admin/themes/new", data=THEME)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/themes"
    with app.app_context():
        theme = db.session.scalar(select(Theme).where(Theme.slug == "food"))
        assert (theme.name, theme.colour, theme.position) == ("Food", "#7a4d00", 5)
    assert audit_entries(app) == [
        (
            "create_theme",
            "theme",
            {
                "slug": "food",
                "changes": {
                    "name": "Food",
                    "name_cy": "",
                    "colour": "#7a4d00",
                    "description": "",
                    "description_cy": "",
                    "position": 5,
                },
            },
        )
    ]
    assert "Food" in client.get("/admin/themes").get_data(as_text=True)


def test_admin_renames_and_recolours_a_theme_keeping_its_address(app, client, admin):
    safety = theme_id(app)
    data = {"name": "Community safety", "colour": "#1D4E8A", "description": "", "position": "0"}
    assert client.post(f"/admin/themes/{safety}", data=data).status_code == 302
    with app.app_context():
        theme = db.session.get(Theme, safety)
        assert (theme.slug, theme.name, theme.colour) == ("safety", "Community safety", "#1d4e8a")
    action, _, detail = audit_entries(app)[-1]
    assert action == "update_theme"
    assert detail["changes"]["name"] == ["Safety", "Community safety"]
    assert detail["changes"]["colour"] == ["#1d4e89", "#1d4e8a"]


def test_saving_an_unchanged_theme_writes_no_audit_entry(app, client, admin):
    safety = theme_id(app)
    page = client.get(f"/admin/themes/{safety}").get_data(as_text=True)
    assert 'value="Safety"' in page
    with app.app_context():
        theme = db.session.get(Theme, safety)
        data = {
            "name": theme.name,
            "colour": theme.colour,
            "description": theme.description,
            "position": str(theme.position),
        }
    assert client.post(f"/admin/themes/{safety}", data=data).status_code == 302
    assert audit_entries(app) == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the theme&#39;s name."),
        ({"colour": "blue"}, "colour", "Enter a colour as # and six hex digits"),
        ({"colour": "#12345g"}, "colour", "Enter a colour as # and six hex digits"),
        ({"colour": "#ffff00"}, "colour", "Choose a darker colour"),
        ({"slug": "Food Bank!"}, "slug", "Use only lower-case letters, digits and single"),
        ({"slug": "safety"}, "slug", "The address “safety” is already in use"),
        ({"name": "Safety"}, "slug", "The address “safety” is already in use"),
        ({"position": "first"}, "position", "Enter the position as a number"),
        ({"position": "2.5"}, "position", "Enter the position as a whole number."),
        ({"position": "-1"}, "position", "Enter the position between 0 and 1000."),
    ],
)
def test_theme_errors_keep_what_was_typed(app, client, admin, changes, field, message):
    data = {**THEME, "description": "Growing and sharing food", **changes}
    response = client.post("/admin/themes/new", data=data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body
    assert f'id="{field}-error"' in body
    assert "Growing and sharing food" in body
    for name, value in data.items():
        if value and name != "description":  # (the description is in a textarea: above)
            value = value.lower() if name == "slug" else value  # addresses are lower-cased
            assert f'value="{value}"' in body, name
    with app.app_context():
        assert db.session.scalar(select(Theme).where(Theme.slug.not_in(DEFAULT_SLUGS))) is None
    assert audit_entries(app) == []


def test_admin_adds_a_neighbourhood(app, client, admin):
    response = client.post("/admin/neighbourhoods/new", data=NEIGHBOURHOOD)
    assert response.status_code == 302
    with app.app_context():
        neighbourhood = db.session.scalar(select(Neighbourhood))
        assert neighbourhood.slug == "kirkstall"
        assert (neighbourhood.latitude, neighbourhood.longitude) == (53.817, -1.603)
    assert [entry[0] for entry in audit_entries(app)] == ["create_neighbourhood"]
    listing = client.get("/admin/neighbourhoods").get_data(as_text=True)
    assert "Kirkstall" in listing and "Leeds City Council" in listing


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the neighbourhood&#39;s name."),
        ({"local_authority": ""}, "local_authority", "Enter the local authority."),
        ({"latitude": ""}, "latitude", "Enter the latitude of the centre."),
        ({"latitude": "53,8"}, "latitude", "Enter the latitude of the centre as a number"),
        ({"latitude": "nan"}, "latitude", "Enter the latitude of the centre as a number"),
        ({"longitude": "inf"}, "longitude", "Enter the longitude of the centre as a number"),
        ({"latitude": "95"}, "latitude", "between -90 and 90"),
        ({"longitude": "-181"}, "longitude", "between -180 and 180"),
        ({"slug": "-kirkstall"}, "slug", "Use only lower-case letters"),
    ],
)
def test_neighbourhood_errors_keep_what_was_typed(app, client, admin, changes, field, message):
    data = {**NEIGHBOURHOOD, **changes}
    response = client.post("/admin/neighbourhoods/new", data=data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body
    assert f'id="{field}-error"' in body
    for name, value in data.items():
        if value and name != "slug":
            assert f'value="{value}"' in body, name
    with app.app_context():
        assert db.session.scalar(select(Neighbourhood)) is None


def test_neighbourhood_address_must_be_unique(app, client, admin, make_neighbourhood):
    make_neighbourhood(name="Kirkstall", slug="kirkstall")
    response = client.post("/admin/neighbourhoods/new", data=NEIGHBOURHOOD)
    assert response.status_code == 422
    assert "The address “kirkstall” is already in use" in response.get_data(as_text=True)


def test_moving_a_centre_moves_initiatives_shown_at_it(
    app, client, admin, make_neighbourhood, make_initiative
):
    kirkstall = make_neighbourhood(name="Kirkstall", latitude=53.82, longitude=-1.6)
    at_centre = make_initiative(neighbourhood_id=kirkstall, location_precision="neighbourhood")
    own_point = make_initiative(
        neighbourhood_id=kirkstall, latitude=53.8111, longitude=-1.6111, location_precision="exact"
    )
    data = {**NEIGHBOURHOOD, "name": "Kirkstall", "latitude": "53.8177", "longitude": "-1.6019"}
    assert client.post(f"/admin/neighbourhoods/{kirkstall}", data=data).status_code == 302
    with app.app_context():
        moved = db.session.get(Initiative, at_centre)
        kept = db.session.get(Initiative, own_point)
        assert (moved.public_latitude, moved.public_longitude) == (53.8177, -1.6019)
        assert (kept.public_latitude, kept.public_longitude) == (53.8111, -1.6111)
    action, _, detail = audit_entries(app)[-1]
    assert action == "update_neighbourhood"
    assert detail["changes"]["latitude"] == [53.82, 53.8177]


def test_renaming_a_neighbourhood_updates_search(
    app, client, admin, make_neighbourhood, make_initiative
):
    from app.search.services import search_condition

    neighbourhood_id = make_neighbourhood(name="Kirkstal")
    initiative_id = make_initiative(neighbourhood_id=neighbourhood_id)
    data = {**NEIGHBOURHOOD, "name": "Kirkstall"}
    assert client.post(f"/admin/neighbourhoods/{neighbourhood_id}", data=data).status_code == 302
    with app.app_context():
        found = db.session.scalars(select(Initiative.id).where(search_condition("Kirkstall")))
        assert list(found) == [initiative_id]


def test_edit_page_shows_the_fixed_address(app, client, admin, make_neighbourhood):
    neighbourhood_id = make_neighbourhood(name="Kirkstall", slug="kirkstall")
    body = client.get(f"/admin/neighbourhoods/{neighbourhood_id}").get_data(as_text=True)
    assert "<code>/neighbourhoods/kirkstall</code>" in body
    assert 'name="slug"' not in body
