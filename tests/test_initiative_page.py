"""The page of one initiative: its address, content, credit, safety of user text, precision."""

from __future__ import annotations

import html

import pytest
from markupsafe import escape

from app.extensions import db
from app.initiatives.models import Initiative
from app.themes.models import Theme
from app.timeutil import utcnow
from tests.factories import create_test_organisation

BURGLARIES = {
    "description": "Fewer homes were broken into.",
    "indicator": "Reported burglaries",
    "baseline": 31,
    "result": 22,
    "unit": "",
    "measured_on": "2025-03-31",
    "evidence_url": "https://data.police.uk/",
}


def residents(people=40, hours=1200, roles=("co-design", "co-delivery")):
    return {
        "sector": "residents",
        "name": "",
        "roles": list(roles),
        "people": people,
        "hours": hours,
    }


def police(hours=160):
    return {
        "sector": "police",
        "name": "West Yorkshire Police",
        "roles": ["co-delivery"],
        "people": 3,
        "hours": hours,
    }


@pytest.fixture
def kirkstall(make_neighbourhood):
    return make_neighbourhood(name="Kirkstall", latitude=53.82, longitude=-1.6)


@pytest.fixture
def street_watch(make_initiative, kirkstall):
    """A published initiative with participants and a measured outcome."""
    return make_initiative(
        neighbourhood_id=kirkstall,
        title="Street watch",
        status="completed",
        participants=[residents(), police()],
        outcomes=[BURGLARIES],
    )


def page_of(app, initiative_id: int) -> str:
    with app.app_context():
        return db.session.get(Initiative, initiative_id).path_slug


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_canonical_address_shows_the_page(app, client, street_watch):
    response = client.get(f"/initiatives/{page_of(app, street_watch)}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert (
        f'<link rel="canonical" href="http://localhost/initiatives/{street_watch}-street-watch">'
        in body
    )
    assert body.count("<h1") == 1


def test_short_address_redirects_permanently(app, client, street_watch):
    response = client.get(f"/initiatives/{street_watch}")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/initiatives/{street_watch}-street-watch"


@pytest.mark.parametrize("slug", ["old-title", "Street-Watch", "%3Cscript%3E"])
def test_wrong_slug_redirects_permanently(client, street_watch, slug):
    response = client.get(f"/initiatives/{street_watch}-{slug}")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/initiatives/{street_watch}-street-watch"


@pytest.mark.parametrize("path", ["/initiatives/999999", "/initiatives/999999-nothing"])
def test_unknown_initiative_is_not_found(client, path):
    assert client.get(path).status_code == 404


def test_page_shows_example_participants_outcome_and_profile(app, client, street_watch):
    body = text_of(client.get(f"/initiatives/{page_of(app, street_watch)}"))
    assert (
        "In Kirkstall, 40 residents and West Yorkshire Police ran “Street watch”; "
        "reported burglaries fell from 31 to 22 by March 2025." in body
    )
    assert '<th scope="row">West Yorkshire Police</th>' in body
    assert "<caption>Groups and organisations" in body
    assert "31 → 22 reported burglaries" in body
    assert "Measured <time" in body
    assert '<a href="https://data.police.uk/" rel="nofollow noopener">Evidence</a>' in body
    assert "<caption>Which sectors took part at which stage</caption>" in body
    assert "<caption>How the 1,360 hours split</caption>" in body
    assert 'value="88"' in body and "88%" in body  # 1,200 of 1,360 hours: residents
    assert 'value="12"' in body and "12%" in body  # 160: the police
    assert f'href="/initiatives/{street_watch}/report"' in body
    assert 'href="/neighbourhoods/kirkstall' in body


def test_profile_matrix_marks_each_sector_and_stage(app, client, street_watch):
    from app.initiatives.profile import coproduction_profile

    with app.app_context():
        profile = coproduction_profile(db.session.get(Initiative, street_watch))
    rows = {
        row.sector: [stage for stage, took_part in row.stages.items() if took_part]
        for row in profile.rows
    }
    assert rows == {"residents": ["co-design", "co-delivery"], "police": ["co-delivery"]}
    assert [(share.group, share.hours, share.percent) for share in profile.shares] == [
        ("citizens", 1200, 88),
        ("public_services", 160, 12),
    ]


def test_profile_percentages_add_up_to_a_hundred(app, make_initiative):
    from app.initiatives.profile import coproduction_profile

    thirds = [
        residents(hours=1),
        police(hours=1),
        {"sector": "business", "name": "Shop", "roles": [], "people": 1, "hours": 1},
    ]
    initiative_id = make_initiative(participants=thirds)
    with app.app_context():
        profile = coproduction_profile(db.session.get(Initiative, initiative_id))
    assert sum(share.percent for share in profile.shares) == 100


def test_page_without_participants_or_outcomes_says_so(app, client, make_initiative):
    initiative_id = make_initiative(title="Reading club", participants=[], outcomes=[])
    body = text_of(client.get(f"/initiatives/{page_of(app, initiative_id)}"))
    assert "No participants have been recorded yet." in body
    assert "No outcomes have been recorded yet." in body
    assert "Residents run “Reading club”." in body or "residents run “Reading club”." in body


def test_verified_outcome_shows_the_organisation(app, client, street_watch):
    with app.app_context():
        organisation_id = create_test_organisation("Leeds City Council")
        outcome = db.session.get(Initiative, street_watch).outcomes[0]
        outcome.verified_at = utcnow()
        outcome.verified_by_organisation_id = organisation_id
        db.session.commit()
    body = text_of(client.get(f"/initiatives/{page_of(app, street_watch)}"))
    assert "Verified by Leeds City Council" in body


def test_unverified_outcome_has_no_badge(app, client, street_watch):
    body = text_of(client.get(f"/initiatives/{page_of(app, street_watch)}"))
    assert "Verified by" not in body


@pytest.mark.parametrize(
    ("credit", "credit_name", "expected"),
    [
        ("name", "", "Submitted by Rosa Resident"),
        (
            "organisation",
            "Kirkstall Residents' Association",
            "Submitted by Kirkstall Residents' Association",
        ),
        ("anonymous", "", "Submitted by a resident of Kirkstall"),
        ("organisation", "", "Submitted by a resident of Kirkstall"),
    ],
)
def test_credit_line(
    app, client, make_user, make_initiative, kirkstall, credit, credit_name, expected
):
    rosa = make_user(display_name="Rosa Resident")
    initiative_id = make_initiative(
        neighbourhood_id=kirkstall, submitter_id=rosa.id, credit=credit, credit_name=credit_name
    )
    body = text_of(client.get(f"/initiatives/{page_of(app, initiative_id)}"))
    assert expected in body
    if credit != "name":
        assert "Rosa Resident" not in body


def test_deleted_submitter_is_credited_as_a_resident(
    app, client, make_user, make_initiative, kirkstall
):
    from app.accounts.models import User
    from app.privacy.services import delete_account

    rosa = make_user(display_name="Rosa Resident")
    initiative_id = make_initiative(neighbourhood_id=kirkstall, submitter_id=rosa.id)
    with app.app_context():
        delete_account(db.session.get(User, rosa.id))
        db.session.commit()
    body = text_of(client.get(f"/initiatives/{page_of(app, initiative_id)}"))
    assert "Submitted by a resident of Kirkstall" in body
    assert "Rosa Resident" not in body


def test_moderators_see_who_submitted_an_anonymous_initiative(
    app, client, auth, make_user, make_initiative, kirkstall
):
    rosa = make_user(display_name="Rosa Resident")
    initiative_id = make_initiative(
        neighbourhood_id=kirkstall, submitter_id=rosa.id, credit="anonymous"
    )
    path = f"/initiatives/{page_of(app, initiative_id)}"
    assert rosa.email not in text_of(client.get(path))
    auth.login(make_user(role="moderator").email)
    assert rosa.email in text_of(client.get(path))


@pytest.mark.parametrize(
    ("contact", "href", "text"),
    [
        ("https://example.org/watch", "https://example.org/watch", "https://example.org/watch"),
        ("watch@example.org", "mailto:watch@example.org", "watch@example.org"),
        ("mailto:watch@example.org", "mailto:watch@example.org", "watch@example.org"),
    ],
)
def test_contact_link(app, client, make_initiative, contact, href, text):
    initiative_id = make_initiative(contact_url=contact)
    body = client.get(f"/initiatives/{page_of(app, initiative_id)}").get_data(as_text=True)
    assert f'<a href="{href}" rel="nofollow noopener">{text}</a>' in body


@pytest.mark.parametrize(
    "contact", ["javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://example.org", "call me"]
)
def test_unsafe_or_unclear_contact_is_not_linked(app, client, make_initiative, contact):
    initiative_id = make_initiative(contact_url=contact)
    body = text_of(client.get(f"/initiatives/{page_of(app, initiative_id)}"))
    assert "<dt>Contact</dt>" not in body
    assert contact not in body


def test_evidence_link_must_be_http(app, client, make_initiative):
    evidence = {**BURGLARIES, "evidence_url": "javascript:alert(document.cookie)"}
    initiative_id = make_initiative(outcomes=[evidence])
    body = text_of(client.get(f"/initiatives/{page_of(app, initiative_id)}"))
    assert "javascript:" not in body
    assert ">Evidence</a>" not in body


def test_markdown_description_is_sanitised(app, client, make_initiative):
    description = (
        "Hello **neighbours**.\n\n"
        "<script>alert('markdown')</script>\n\n"
        "[click me](javascript:alert('link'))\n\n"
        '<img src="x" onerror="alert(\'img\')">\n\n'
        "[our site](https://example.org/)"
    )
    initiative_id = make_initiative(description=description)
    body = client.get(f"/initiatives/{page_of(app, initiative_id)}").get_data(as_text=True)
    assert "<strong>neighbours</strong>" in body
    assert "<script>alert" not in body
    assert 'href="javascript:' not in body
    assert "<img" not in body
    assert 'href="https://example.org/"' in body


XSS = '"><script>alert("xss")</script><img src=x onerror=alert(1)>'
SHORT_XSS = '"><svg onload=alert(1)>'  # for the unit, which holds 60 characters


def test_user_text_in_every_field_is_escaped(app, client, make_initiative, make_neighbourhood):
    neighbourhood_id = make_neighbourhood(name=f"Kirkstall{XSS}")
    initiative_id = make_initiative(
        neighbourhood_id=neighbourhood_id,
        title=f"Street watch {XSS}",
        summary=f"Summary {XSS}",
        description=f"Description {XSS}",
        place_name=f"Place {XSS}",
        latitude=53.8,
        longitude=-1.6,
        location_precision="street",
        credit="organisation",
        credit_name=f"Group {XSS}",
        contact_url=f"https://example.org/{XSS}",
        participants=[
            {
                "sector": "voluntary",
                "name": f"Participant {XSS}",
                "roles": [f"role{XSS}"],
                "people": 3,
                "hours": 4,
            }
        ],
        outcomes=[
            {
                **BURGLARIES,
                "description": f"Outcome {XSS}",
                "indicator": f"Indicator {XSS}",
                "unit": f"unit {SHORT_XSS}",
                "evidence_url": f"https://example.org/{XSS}",
            },
            {**BURGLARIES, "indicator": f"Indicator {XSS}", "unit": ""},
        ],
    )
    with app.app_context():
        db.session.get(Initiative, initiative_id).slug = "street-watch"  # as slugify makes it
        db.session.commit()
    response = client.get(f"/initiatives/{initiative_id}-street-watch")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>alert" not in body
    assert "<img src=x" not in body and "<svg onload" not in body
    assert XSS not in body
    for field in (
        "Street watch",
        "Summary",
        "Place",
        "Group",
        "Participant",
        "Outcome",
        "Indicator",
    ):
        assert f"{field} &#34;&gt;&lt;script&gt;" in body, field
    assert "unit &#34;&gt;&lt;svg onload" in body


SECRET_ADDRESS = "Flat 3, 14 Hidden Lane, Leeds LS5 3AB"


@pytest.mark.parametrize(
    "payload",
    ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "';alert(1)//"],
)
def test_admin_theme_name_and_credited_display_name_are_escaped(
    app, client, make_user, make_initiative, kirkstall, payload
):
    with app.app_context():
        db.session.add(Theme(slug="typed-theme", name=payload, colour="#505a64", position=9))
        db.session.commit()
    submitter = make_user(display_name=payload)
    initiative_id = make_initiative(
        neighbourhood_id=kirkstall,
        themes=["typed-theme", "health"],
        submitter_id=submitter.id,
        credit="name",
        place_name=payload,
        location_precision="exact",
    )
    body = client.get(f"/initiatives/{page_of(app, initiative_id)}").get_data(as_text=True)
    escaped = str(escape(payload))
    assert payload not in body
    assert f'href="/themes/typed-theme">{escaped}</a>' in body
    assert f"Submitted by {escaped}" in body
    assert f"<dd>{escaped}, <a href" in body  # the place, shown in full at exact precision


@pytest.fixture
def secret_place(make_initiative, kirkstall):
    """Make a published initiative at a private point with the given precision."""

    def make(precision: str) -> int:
        return make_initiative(
            neighbourhood_id=kirkstall,
            place_name=SECRET_ADDRESS,
            latitude=53.812345,
            longitude=-1.598765,
            location_precision=precision,
        )

    return make


def test_exact_precision_shows_the_point(app, client, secret_place):
    body = text_of(client.get(f"/initiatives/{page_of(app, secret_place('exact'))}"))
    assert "53.812345, -1.598765" in body
    assert SECRET_ADDRESS in body


def test_street_precision_shows_only_a_rounded_point(app, client, secret_place):
    body = text_of(client.get(f"/initiatives/{page_of(app, secret_place('street'))}"))
    assert "53.812345" not in body and "1.598765" not in body
    assert "53.8123" not in body and "1.5987" not in body
    assert "53.812, -1.599" in body
    assert "rounded to about 100 m" in body
    assert "<dd>Hidden Lane, Leeds LS5, <a href" in body  # the street, the postcode district
    assert "Flat 3" not in body and "3AB" not in body


def test_neighbourhood_precision_shows_only_the_centre(app, client, secret_place):
    body = text_of(client.get(f"/initiatives/{page_of(app, secret_place('neighbourhood'))}"))
    assert "53.81" not in body and "1.59" not in body
    assert "53.82, -1.6" in body
    assert "the neighbourhood's centre" in body
    assert "Hidden" not in body and "LS5" not in body
