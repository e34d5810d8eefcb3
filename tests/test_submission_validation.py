"""Bad input on the submission page: a message beside the field, every value kept, the draft
saved with what could be read; user text escaped wherever the form shows it."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from app.extensions import db
from app.initiatives.models import Initiative
from tests.test_submission import complete_form, form_values

LONG_SUMMARY = ("Residents walk the streets. " * 20).strip()  # 559 characters

# (changes to a complete form, field with the problem, message beside it)
PROBLEMS = [
    ({"title": ""}, "title", "Title: enter a title."),
    ({"summary": LONG_SUMMARY}, "summary", "Summary: use at most 500 characters."),
    ({"summary": ""}, "summary", "Summary: enter a short summary."),
    ({"latitude": "123"}, "latitude", "Latitude: enter a latitude between -90 and 90"),
    ({"longitude": "-200"}, "longitude", "Longitude: enter a longitude between -180 and 180"),
    ({"latitude": "nan"}, "latitude", "Latitude: enter a number"),
    ({"longitude": ""}, "longitude", "Longitude: enter the longitude too, or leave both empty."),
    ({"started_on": "2024-05-01", "ended_on": "2024-04-01"}, "ended_on",
     "End date: the end date must be on or after the start date."),
    ({"started_on": "2024-02-30"}, "started_on",
     "Start date: enter a real date, like 2024-03-31."),
    ({"started_on": "1066-10-14"}, "started_on", "Start date: enter a date between 1900 and 2100"),
    ({"contact_url": "call Ann"}, "contact_url",
     "Contact link: enter a website address starting with https://"),
    ({"contact_url": "javascript:alert(1)"}, "contact_url",
     "Contact link: enter a website address"),
    ({"contact_url": "ann@"}, "contact_url", "or an email address like name@example.org"),
    ({"outcomes-0-evidence_url": "javascript:alert(1)"}, "outcomes-0-evidence_url",
     "Outcome 1, evidence link: enter a web address starting with https:// or http://."),
    ({"outcomes-0-evidence_url": "ftp://example.org/x"}, "outcomes-0-evidence_url",
     "Outcome 1, evidence link: enter a web address starting with https://"),
    ({"participants-0-people": "-3"}, "participants-0-people",
     "Participant 1, people: enter a number of people from 0 to 1,000,000."),
    ({"participants-0-people": "2.5"}, "participants-0-people",
     "Participant 1, people: enter a whole number, like 12."),
    ({"participants-1-hours": "-1"}, "participants-1-hours",
     "Participant 2, hours: enter a number of hours from 0 to 10,000,000."),
    ({"participants-1-hours": "lots"}, "participants-1-hours",
     "Participant 2, hours: enter a number, like 12 or 3.5."),
    ({"outcomes-0-baseline": "1e400"}, "outcomes-0-baseline", "Outcome 1, before: enter a number"),
    ({"outcomes-0-indicator": ""}, "outcomes-0-indicator", "Outcome 1, indicator: say what was"),
    ({"outcomes-0-description": ""}, "outcomes-0-description",
     "Outcome 1, what changed: describe what changed."),
    ({"participants-0-sector": ""}, "participants-0-sector",
     "Participant 1, sector: choose the sector."),
    ({"credit_name": ""}, "credit_name",
     "Name of your group or organisation: enter the name of your group or organisation."),
    ({"neighbourhood": ""}, "neighbourhood", "Neighbourhood: choose the neighbourhood."),
    ({"main_theme": ""}, "main_theme", "Main theme: choose the main theme."),
    ({"consent": None}, "consent", "Tick the box to agree to publish under the licence."),
]  # fmt: skip


def sent_values(data: dict) -> dict[str, list[str]]:
    """The posted fields the page should show again (buttons and the token aside)."""
    skip = {"submit_for_review", "save_draft", "csrf_token"}
    return {
        key: value if isinstance(value, list) else [value]
        for key, value in data.items()
        if key not in skip and value not in ("", [])
    }


@pytest.mark.parametrize(
    ("changes", "field", "message"), PROBLEMS, ids=[case[1] for case in PROBLEMS]
)
def test_problem_is_shown_beside_its_field_and_every_value_is_kept(
    client, auth, make_user, make_neighbourhood, changes, field, message
):
    auth.login(make_user().email)
    data = complete_form(make_neighbourhood(), **changes)

    response = client.post("/initiatives/new", data=data)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert str(escape(message)) in page
    assert f'id="{field}-error"' in page
    (element,) = re.findall(rf'<[^>]* id="{field}"[^>]*>', page)
    assert re.search(rf'aria-describedby="[^"]*\b{field}-error"', element)  # read out with it
    assert f'href="#{field}"' in page  # the summary links to the field
    shown = form_values(response)
    for name, values in sent_values(data).items():
        assert shown.get(name) == values, name


@pytest.mark.parametrize("button", ["save_draft", "submit_for_review"])
def test_draft_keeps_what_could_be_read_when_some_answers_are_wrong(
    app, client, auth, make_user, make_neighbourhood, button
):
    auth.login(make_user().email)
    data = complete_form(
        make_neighbourhood(),
        latitude="123",
        summary=LONG_SUMMARY,
        **{"participants-1-hours": "lots", "outcomes-0-evidence_url": "javascript:x"},
    )
    data.pop("submit_for_review")
    data[button] = "1"

    response = client.post("/initiatives/new", data=data)

    assert response.status_code == 422
    assert "Your draft is saved, except for the answers marked below" in response.get_data(
        as_text=True
    )
    with app.app_context():
        initiative = db.session.scalar(select(Initiative))
        assert initiative.state == "draft"
        assert initiative.title == "Kirkstall street watch"
        assert initiative.summary == LONG_SUMMARY[:500]
        assert initiative.latitude is None and initiative.longitude is None
        assert [p.hours for p in initiative.participants] == [1200.0, None]
        assert initiative.participants[1].name == "West Yorkshire Police"
        assert initiative.outcomes[0].evidence_url == ""
        assert initiative.outcomes[0].baseline == 31.0


@pytest.mark.parametrize("button", ["save_draft", "submit_for_review"])
def test_title_of_control_characters_only_is_no_title(
    app, client, auth, make_user, make_neighbourhood, button
):
    """A title of "\\x01" is refused with a message: not a 500 (saving a draft) nor an
    initiative without a title (submitting)."""
    auth.login(make_user().email)
    data = complete_form(make_neighbourhood(), title="\x01")
    data.pop("submit_for_review")
    data[button] = "1"

    response = client.post("/initiatives/new", data=data)

    assert response.status_code == 422
    assert (
        "Title: remove the control characters (such as NUL) from this text."
        in response.get_data(as_text=True)
    )
    with app.app_context():
        assert db.session.scalar(select(Initiative).where(Initiative.title == "")) is None


def test_choices_not_offered_are_refused_without_an_error_page(
    app, client, auth, make_user, make_neighbourhood
):
    auth.login(make_user().email)
    data = complete_form(
        make_neighbourhood(),
        neighbourhood="99999",
        main_theme="astrology",
        other_themes=["nope"],
        stages=["co-everything"],
        status="sleeping",
        location_precision="to the millimetre",
        credit="everyone",
        **{"participants-0-sector": "aliens", "participants-0-roles": ["boss"]},
    )
    response = client.post("/initiatives/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for field in ("neighbourhood", "main_theme", "other_themes", "stages", "status",
                  "location_precision", "credit", "participants-0-sector",
                  "participants-0-roles"):  # fmt: skip
        assert f'id="{field}-error"' in page, field


def test_email_contact_is_stored_as_mailto_and_shown_as_typed(
    app, client, auth, make_user, make_neighbourhood
):
    auth.login(make_user().email)
    neighbourhood = make_neighbourhood()
    data = complete_form(neighbourhood, contact_url="www.kirkstallwatch.org", save_draft="1")
    data.pop("submit_for_review")
    client.post("/initiatives/new", data=data)
    with app.app_context():
        initiative = db.session.scalar(select(Initiative))
        assert initiative.contact_url == "https://www.kirkstallwatch.org"
        initiative.contact_url = "mailto:ann@example.org"
        db.session.commit()
        url = f"/initiatives/{initiative.id}/edit"
    assert form_values(client.get(url))["contact_url"] == ["ann@example.org"]


def test_fields_residents_cannot_set_are_ignored(app, client, auth, make_user, make_neighbourhood):
    auth.login(make_user().email)
    data = complete_form(
        make_neighbourhood(),
        state="published",
        verified_at="2024-01-01",
        submitter_id="1",
        **{
            "outcomes-0-verified_at": "2024-01-01",
            "outcomes-0-verification_note": "Checked by me",
            "outcomes-0-verified_by_user_id": "1",
            "outcomes-0-outcome_id": "12345",
        },
    )
    assert client.post("/initiatives/new", data=data).status_code == 302
    with app.app_context():
        initiative = db.session.scalar(select(Initiative))
        assert initiative.state == "pending"
        (outcome,) = initiative.outcomes
        assert outcome.verified_at is None and outcome.verification_note == ""
        assert outcome.verified_by_user_id is None


XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_xss_payloads_are_escaped_on_the_form_and_on_my_initiatives(
    client, auth, make_user, make_neighbourhood
):
    auth.login(make_user().email)
    data = {
        "title": XSS,
        "summary": XSS,
        "description": XSS,
        "place_name": XSS,
        "credit_name": XSS,
        "participants-0-name": XSS,
        "outcomes-0-description": XSS,
        "outcomes-0-indicator": XSS,
        "outcomes-0-unit": XSS[:60],
        "add_participant": "1",
    }
    pages = [client.post("/initiatives/new", data=data, follow_redirects=True)]
    pages.append(client.post("/initiatives/new", data={**data, "latitude": "x"}))
    pages.append(client.get("/account/initiatives"))
    for response in pages:
        page = response.get_data(as_text=True)
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert str(escape(XSS)) in page


@pytest.mark.parametrize("rows", [31, 100_000])
@pytest.mark.parametrize("button", ["save_draft", "submit_for_review"])
def test_rows_beyond_the_limit_are_refused_and_every_row_typed_comes_back(
    app, client, auth, make_user, make_neighbourhood, rows, button
):
    auth.login(make_user().email)
    data = complete_form(make_neighbourhood())
    data.pop("submit_for_review")
    data[button] = "1"
    for index in range(rows):
        data[f"participants-{index}-sector"] = "residents"
        data[f"participants-{index}-name"] = f"Group {index + 1}"

    response = client.post("/initiatives/new", data=data)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert (
        f"You can list at most 30 participants, and this form has {rows:,}. "
        "Remove the extra ones, then save again."
    ) in page
    assert ("Only the first 100 of them are shown." in page) is (rows > 100)
    shown = form_values(response)
    kept = min(rows, 100)
    assert [shown[f"participants-{i}-name"] for i in range(kept)] == [
        [f"Group {i + 1}"] for i in range(kept)
    ]
    assert f"participants-{kept}-name" not in shown
    assert shown["title"] == ["Kirkstall street watch"]
    assert "draft is saved" not in page
    with app.app_context():
        assert db.session.scalar(select(Initiative)) is None


@pytest.mark.parametrize("field", ["title", "participants-0-name"])
def test_a_nul_in_the_text_is_refused_with_a_message(
    app, client, auth, make_user, make_neighbourhood, field
):
    auth.login(make_user().email)
    data = complete_form(make_neighbourhood(), **{field: "Street\x00watch"})

    response = client.post("/initiatives/new", data=data)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "remove the control characters (such as NUL) from this text." in page
    assert f'id="{field}-error"' in page
    assert form_values(response)[field] == ["Streetwatch"]
    with app.app_context():
        assert db.session.scalar(select(Initiative).where(Initiative.state == "pending")) is None
