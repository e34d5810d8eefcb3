"""Residents submit initiatives: one page, drafts kept on the server, rows added without JS."""

from __future__ import annotations

import re
from collections import defaultdict
from html.parser import HTMLParser

from sqlalchemy import func, select

from app.extensions import db
from app.initiatives.content import initiative_content
from app.initiatives.models import Initiative
from app.moderation.models import Revision


class FormValues(HTMLParser):
    """What a browser would send from the submission form: field name -> values."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, list[str]] = defaultdict(list)
        self._select = self._textarea = None
        self._templates = 0
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._in_form = "submission-form" in (attributes.get("class") or "")
        elif tag == "template":
            self._templates += 1
        if not self._in_form or self._templates:
            return
        if "name" not in attributes and tag != "option":
            return
        if tag == "input":
            kind = attributes.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attributes:
                    self.values[attributes["name"]].append(attributes.get("value", "on"))
            elif kind not in ("submit", "button"):
                self.values[attributes["name"]].append(attributes.get("value", ""))
        elif tag == "select":
            self._select = attributes["name"]
        elif tag == "option" and self._select and "selected" in attributes:
            self.values[self._select].append(attributes.get("value", ""))
        elif tag == "textarea":
            self._textarea = attributes["name"]
            self.values[self._textarea].append("")

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "template":
            self._templates -= 1
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            text = self.values[self._textarea][-1]
            # Browsers drop the newline that follows <textarea>.
            self.values[self._textarea][-1] = text.removeprefix("\r").removeprefix("\n")
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and not self._templates:
            self.values[self._textarea][-1] += data


def form_values(response) -> dict[str, list[str]]:
    parser = FormValues()
    parser.feed(response.get_data(as_text=True))
    return dict(parser.values)


def complete_form(neighbourhood_id: int, **changes) -> dict:
    """Everything a resident fills in: two participants and one measured outcome."""
    data = {
        "title": "Kirkstall street watch",
        "summary": "Residents and West Yorkshire Police walk the streets together.",
        "description": "It started after a **burglary** on Hawksworth Road.",
        "main_theme": "safety",
        "other_themes": ["health"],
        "stages": ["co-design", "co-delivery"],
        "status": "active",
        "started_on": "2023-04-01",
        "ended_on": "",
        "neighbourhood": str(neighbourhood_id),
        "place_name": "Hawksworth Road",
        "latitude": "53.8206",
        "longitude": "-1.604",
        "location_precision": "street",
        "contact_url": "hello@kirkstallwatch.org",
        "credit": "organisation",
        "credit_name": "Kirkstall Street Watch",
        "participants-0-sector": "residents",
        "participants-0-name": "Kirkstall Residents' Association",
        "participants-0-roles": ["co-design", "co-delivery"],
        "participants-0-people": "40",
        "participants-0-hours": "1200",
        "participants-1-sector": "police",
        "participants-1-name": "West Yorkshire Police",
        "participants-1-roles": ["co-delivery"],
        "participants-1-people": "3",
        "participants-1-hours": "150.5",
        "outcomes-0-outcome_id": "",
        "outcomes-0-description": "Fewer burglaries, and neighbours know each other.",
        "outcomes-0-indicator": "reported burglaries",
        "outcomes-0-baseline": "31",
        "outcomes-0-result": "22",
        "outcomes-0-unit": "a year",
        "outcomes-0-measured_on": "2024-03-31",
        "outcomes-0-evidence_url": "https://example.org/figures",
        "consent": "y",
        "submit_for_review": "1",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def only_initiative(app) -> Initiative:
    initiatives = list(db.session.scalars(select(Initiative)))
    assert len(initiatives) == 1
    return initiatives[0]


def test_resident_submits_complete_initiative_for_review(
    app, client, auth, make_user, make_neighbourhood
):
    resident = make_user()
    neighbourhood = make_neighbourhood(name="Kirkstall")
    auth.login(resident.email)

    response = client.post("/initiatives/new", data=complete_form(neighbourhood))

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/initiatives"
    with app.app_context():
        initiative = only_initiative(app)
        assert initiative.state == "pending"
        assert initiative.submitter_id == resident.id
        assert initiative.submitted_at is not None and initiative.consented_at is not None
        assert initiative.slug == "kirkstall-street-watch"
        assert [theme.slug for theme in initiative.themes] == ["safety", "health"]
        assert initiative.stages == ["co-design", "co-delivery"]
        assert initiative.contact_url == "mailto:hello@kirkstallwatch.org"
        assert (initiative.credit, initiative.credit_name) == (
            "organisation",
            "Kirkstall Street Watch",
        )
        assert (initiative.latitude, initiative.longitude) == (53.8206, -1.604)
        assert [(p.sector, p.people, p.hours) for p in initiative.participants] == [
            ("residents", 40, 1200.0),
            ("police", 3, 150.5),
        ]
        (outcome,) = initiative.outcomes
        assert (outcome.baseline, outcome.result, outcome.unit) == (31.0, 22.0, "a year")
        revision = db.session.scalar(select(Revision))
        assert (revision.kind, revision.state, revision.number) == ("submission", "pending", 1)
        assert revision.author_id == resident.id
        assert revision.content == initiative_content(initiative)


def test_submission_page_offers_every_part_of_the_form(client, auth, make_user):
    auth.login(make_user().email)
    page = client.get("/initiatives/new").get_data(as_text=True)
    for text in (
        "Markdown",
        "Main theme",
        "Other themes",
        "Stages that were co-produced",
        "Credit helps others copy the idea",
        "not private individuals",
        "<legend data-row-legend>Participant 1</legend>",
        "<legend data-row-legend>Outcome 1</legend>",
        'name="add_participant"',
        'name="remove_participant" value="0"',
        'name="add_outcome"',
        "I agree that this initiative is published as open data under the CC BY 4.0 licence",
        'src="/static/js/rows.js"',
    ):
        assert text in page, text
    assert "<script>" not in page  # the content security policy allows no inline script
    values = form_values(client.get("/initiatives/new"))
    assert values["credit"] == ["name"]
    assert values["location_precision"] == ["street"]


def test_draft_is_saved_and_resumed(app, client, auth, make_user, make_neighbourhood):
    auth.login(make_user().email)
    data = {"title": "Reading club", "summary": "Half-written", "save_draft": "1"}

    response = client.post("/initiatives/new", data=data)

    with app.app_context():
        initiative = only_initiative(app)
        assert (initiative.state, initiative.summary) == ("draft", "Half-written")
        edit_url = f"/initiatives/{initiative.id}/edit"
    assert response.status_code == 302
    assert response.headers["Location"] == edit_url
    values = form_values(client.get(edit_url))
    assert values["title"] == ["Reading club"]
    assert values["summary"] == ["Half-written"]

    values.update(summary=["Finished now"], save_draft=["1"])
    assert client.post(edit_url, data=values).status_code == 302
    with app.app_context():
        assert only_initiative(app).summary == "Finished now"


def test_draft_needs_only_a_title(app, client, auth, make_user):
    auth.login(make_user().email)
    response = client.post("/initiatives/new", data={"title": "", "save_draft": "1"})
    assert response.status_code == 422
    assert "Title: enter a title." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Initiative.id))) == 0


def test_add_participant_without_javascript_keeps_values_and_saves_draft(
    app, client, auth, make_user, make_neighbourhood
):
    auth.login(make_user().email)
    data = {
        "title": "Repair café",
        "participants-0-sector": "volunteers",
        "participants-0-name": "Kirkstall Fixers",
        "participants-0-hours": "12",
        "add_participant": "1",
    }

    response = client.post("/initiatives/new", data=data, follow_redirects=True)

    # Saved, so redirected to the draft's page: reloading it never posts again.
    assert [r.status_code for r in response.history] == [303]
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.findall(r"<legend data-row-legend>(Participant \d+)</legend>", page) == [
        "Participant 1",
        "Participant 2",
    ]
    values = form_values(response)
    assert values["participants-0-name"] == ["Kirkstall Fixers"]
    assert values["participants-0-sector"] == ["volunteers"]
    assert values["participants-1-name"] == [""]
    assert 'autofocus id="participants-1-sector"' in page
    with app.app_context():
        initiative = only_initiative(app)
        assert initiative.state == "draft"
        assert [p.name for p in initiative.participants] == ["Kirkstall Fixers"]
        # The page now posts to the saved draft, so the next post does not make another.
        assert f'action="/initiatives/{initiative.id}/edit"' in page


def test_remove_participant_without_javascript(app, client, auth, make_user):
    auth.login(make_user().email)
    data = {"title": "Walking group", "remove_participant": "1"}
    for position, name in enumerate(["Walkers", "Surgery", "Council"]):
        data[f"participants-{position}-sector"] = "other"
        data[f"participants-{position}-name"] = name

    response = client.post("/initiatives/new", data=data, follow_redirects=True)

    assert response.status_code == 200
    values = form_values(response)
    assert values["participants-0-name"] == ["Walkers"]
    assert values["participants-1-name"] == ["Council"]
    assert "participants-2-name" not in values
    page = response.get_data(as_text=True)
    assert 'name="remove_participant" value="1"' in page
    assert 'name="remove_participant" value="2"' not in page
    with app.app_context():
        assert [p.name for p in only_initiative(app).participants] == ["Walkers", "Council"]


def test_removing_the_only_row_leaves_an_empty_one(client, auth, make_user):
    auth.login(make_user().email)
    data = {"title": "x", "outcomes-0-description": "Cleaner park", "remove_outcome": "0"}
    values = form_values(client.post("/initiatives/new", data=data, follow_redirects=True))
    assert values["outcomes-0-description"] == [""]


def test_add_outcome_row_and_odd_remove_values_do_not_break(client, auth, make_user):
    auth.login(make_user().email)
    response = client.post(
        "/initiatives/new", data={"title": "x", "add_outcome": "1"}, follow_redirects=True
    )
    assert "<legend data-row-legend>Outcome 2</legend>" in response.get_data(as_text=True)
    for value in ("abc", "-1", "99", ""):
        response = client.post("/initiatives/new", data={"title": "", "remove_outcome": value})
        assert response.status_code == 200


def test_submitting_needs_consent_to_the_data_licence(
    app, client, auth, make_user, make_neighbourhood
):
    auth.login(make_user().email)
    data = complete_form(make_neighbourhood(), consent=None)

    response = client.post("/initiatives/new", data=data)

    assert response.status_code == 422
    assert "Tick the box to agree to publish under the licence." in response.get_data(as_text=True)
    with app.app_context():
        initiative = only_initiative(app)  # kept as a draft: nothing typed is lost
        assert (initiative.state, initiative.consented_at) == ("draft", None)
        assert db.session.scalar(select(func.count(Revision.id))) == 0


def test_draft_can_be_submitted_later(app, client, auth, make_user, make_neighbourhood):
    auth.login(make_user().email)
    neighbourhood = make_neighbourhood()
    client.post("/initiatives/new", data={"title": "Kirkstall street watch", "save_draft": "1"})
    with app.app_context():
        edit_url = f"/initiatives/{only_initiative(app).id}/edit"

    response = client.post(edit_url, data=complete_form(neighbourhood))

    assert response.status_code == 302
    with app.app_context():
        assert only_initiative(app).state == "pending"


def test_saving_a_pending_submission_as_draft_takes_it_out_of_review(
    app, client, auth, make_user, make_neighbourhood
):
    auth.login(make_user().email)
    neighbourhood = make_neighbourhood()
    client.post("/initiatives/new", data=complete_form(neighbourhood))
    with app.app_context():
        edit_url = f"/initiatives/{only_initiative(app).id}/edit"

    response = client.post(edit_url, data=complete_form(neighbourhood, submit_for_review=None))

    assert response.status_code == 302
    with app.app_context():
        assert only_initiative(app).state == "draft"
        assert db.session.scalar(select(Revision.state)) == "withdrawn"


def test_updating_a_pending_submission_replaces_the_revision_under_review(
    app, client, auth, make_user, make_neighbourhood
):
    auth.login(make_user().email)
    neighbourhood = make_neighbourhood()
    client.post("/initiatives/new", data=complete_form(neighbourhood))
    with app.app_context():
        edit_url = f"/initiatives/{only_initiative(app).id}/edit"

    client.post(edit_url, data=complete_form(neighbourhood, summary="Better summary."))

    with app.app_context():
        assert only_initiative(app).state == "pending"
        revisions = db.session.execute(
            select(Revision.number, Revision.state).order_by(Revision.number)
        ).all()
        assert revisions == [(1, "withdrawn"), (2, "pending")]


def test_failed_update_of_a_pending_submission_changes_nothing(
    app, client, auth, make_user, make_neighbourhood
):
    auth.login(make_user().email)
    neighbourhood = make_neighbourhood()
    client.post("/initiatives/new", data=complete_form(neighbourhood))
    with app.app_context():
        edit_url = f"/initiatives/{only_initiative(app).id}/edit"

    response = client.post(edit_url, data=complete_form(neighbourhood, summary="", title="New"))

    assert response.status_code == 422
    with app.app_context():
        initiative = only_initiative(app)
        assert (initiative.state, initiative.title) == ("pending", "Kirkstall street watch")


def test_post_without_csrf_token_is_refused(app, client, auth, make_user, make_neighbourhood):
    auth.login(make_user().email)
    response = client.post(
        "/initiatives/new", data=complete_form(make_neighbourhood()), csrf=False
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(Initiative.id))) == 0


def test_anonymous_visitors_are_sent_to_log_in(client, make_initiative):
    initiative_id = make_initiative(state="draft")
    for method, url in (
        ("GET", "/initiatives/new"),
        ("POST", "/initiatives/new"),
        ("GET", f"/initiatives/{initiative_id}/edit"),
        ("POST", f"/initiatives/{initiative_id}/edit"),
        ("GET", f"/initiatives/{initiative_id}/withdraw"),
        ("POST", f"/initiatives/{initiative_id}/withdraw"),
        ("GET", "/account/initiatives"),
    ):
        response = client.open(url, method=method, data={})
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login?next="), url


def test_submission_posts_are_rate_limited(app, client, auth, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_SUBMIT", "3 per minute")
    auth.login(make_user().email)
    statuses = [
        client.post("/initiatives/new", data={"title": "", "save_draft": "1"}).status_code
        for _ in range(4)
    ]
    assert statuses == [422, 422, 422, 429]
    assert client.get("/initiatives/new").status_code == 200  # reading the form is not limited
