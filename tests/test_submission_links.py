"""One rule for links: what the submission form accepts and stores as a contact or evidence
link is exactly what the initiative's page and the API make clickable."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.initiatives.models import Initiative
from tests.test_submission import complete_form, only_initiative

# What a person types -> the link it is stored and shown as (None: not a link).
CONTACTS = [
    ("https://example.org/watch", "https://example.org/watch"),
    ("watch@example.org", "mailto:watch@example.org"),
    ("mailto:watch@example.org", "mailto:watch@example.org"),
    ("www.example.org", "https://www.example.org"),
    ("javascript:alert(1)", None),
    ("ftp://example.org", None),
    ("https://", None),
    ("call me", None),
    ("watch@example", None),  # no domain to send to
    ("watch..team@example.org", None),  # two dots in a row: not an address
    ("a@b@example.org", None),
    ("https://example.org/a\tb", None),
]
EVIDENCE = [
    ("https://example.org/figures", "https://example.org/figures"),
    ("http://example.org/figures", "http://example.org/figures"),
    ("javascript:alert(1)", None),
    ("www.example.org/figures", "https://www.example.org/figures"),  # as people type it
    ("example.org/figures", None),
    ("https://[::1", None),  # an address urlsplit cannot read
]
CONTACT_MESSAGE = (
    "Contact link: enter a website address starting with https:// or an email address"
)
EVIDENCE_MESSAGE = (
    "Outcome 1, evidence link: enter a web address starting with https:// or http://."
)


@pytest.fixture
def resident(auth, make_user):
    person = make_user()
    auth.login(person.email)
    return person


@pytest.mark.parametrize(("typed", "link"), CONTACTS)
def test_submission_form_stores_a_contact_by_the_rule(
    app, client, resident, make_neighbourhood, typed, link
):
    form = complete_form(make_neighbourhood(), contact_url=typed)
    response = client.post("/initiatives/new", data=form)
    with app.app_context():
        if link is None:
            assert response.status_code == 422
            assert CONTACT_MESSAGE in response.get_data(as_text=True)
            assert only_initiative(app).state == "draft"  # kept as typed, not submitted
        else:
            assert response.status_code == 302
            initiative = only_initiative(app)
            assert (initiative.state, initiative.contact_url) == ("pending", link)


@pytest.mark.parametrize(("typed", "link"), EVIDENCE)
def test_submission_form_stores_evidence_by_the_rule(
    app, client, resident, make_neighbourhood, typed, link
):
    form = complete_form(make_neighbourhood(), **{"outcomes-0-evidence_url": typed})
    response = client.post("/initiatives/new", data=form)
    with app.app_context():
        if link is None:
            assert response.status_code == 422
            assert EVIDENCE_MESSAGE in response.get_data(as_text=True)
        else:
            assert response.status_code == 302
            assert only_initiative(app).outcomes[0].evidence_url == link


@pytest.mark.parametrize(("typed", "link"), CONTACTS)
def test_page_and_api_link_a_stored_contact_by_the_same_rule(
    app, client, make_initiative, typed, link
):
    # Stored as typed (an old record, or one written before the rule): shown by the rule.
    initiative_id = make_initiative(contact_url=typed)
    with app.app_context():
        path = db.session.get(Initiative, initiative_id).path_slug
    page = client.get(f"/initiatives/{path}").get_data(as_text=True)
    item = client.get("/api/v1/initiatives").get_json()["items"][0]
    if link is None:
        assert "<dt>Contact</dt>" not in page
        assert item["contact_url"] in (None, "")
    else:
        text = link.removeprefix("mailto:")
        assert f'<a href="{link}" rel="nofollow noopener">{text}</a>' in page
        assert item["contact_url"] == link


@pytest.mark.parametrize(("typed", "link"), EVIDENCE)
def test_page_links_stored_evidence_by_the_same_rule(app, client, make_initiative, typed, link):
    outcome = {"description": "Fewer burglaries.", "evidence_url": typed}
    initiative_id = make_initiative(outcomes=[outcome])
    with app.app_context():
        path = db.session.get(Initiative, initiative_id).path_slug
    page = client.get(f"/initiatives/{path}").get_data(as_text=True)
    assert (f'href="{link}"' in page) if link else (">Evidence</a>" not in page)
