"""Odd input anywhere answers with a message or a 404, never a 500, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.initiatives.models import Initiative

NUL = "Street\x00watch\x07"


@pytest.mark.parametrize(
    "url",
    [
        "/initiatives/9999999999999999999999",
        "/initiatives/2147483648",
        "/initiatives/2147483648-slug",
        "/initiatives/2147483648/edit",
        "/initiatives/2147483648/history",
        "/initiatives/2147483648/report",
        "/moderation/initiatives/2147483648",
        "/admin/users/99999999999999999999",
    ],
)
def test_huge_ids_are_not_found(client, auth, make_user, url):
    auth.login(make_user(role="admin").email)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url", ["/account/initiatives", "/admin/audit", "/admin/users", "/initiatives"]
)
def test_huge_page_numbers_answer(client, auth, make_user, url):
    auth.login(make_user(role="admin").email)
    assert client.get(f"{url}?page=99999999999999999999").status_code == 200


def test_control_characters_are_dropped_from_what_people_type(app, client, auth, make_user):
    auth.login(make_user().email)
    response = client.post(
        "/initiatives/new",
        data={
            "title": NUL,
            "summary": NUL,
            "description": NUL,
            "place_name": NUL,
            "participants-0-name": NUL,
            "participants-0-sector": "residents",
            "save_draft": "Save draft",
        },
    )
    assert response.status_code in (200, 302, 422)
    with app.app_context():
        initiative = db.session.scalar(select(Initiative))
        assert initiative.title == "Streetwatch"
        assert "\x00" not in initiative.description


def test_control_characters_in_a_report_are_dropped(app, client, make_initiative):
    initiative_id = make_initiative()
    response = client.post(
        f"/initiatives/{initiative_id}/report", data={"reason": "other", "details": NUL}
    )
    assert response.status_code == 302


def test_place_text_hidden_by_precision_is_not_searchable(client, make_initiative):
    make_initiative(
        title="Hidden place", place_name="Rolls Crescent", location_precision="neighbourhood"
    )
    make_initiative(title="Shown place", place_name="Moss Lane", location_precision="street")
    hidden = client.get("/initiatives?q=Rolls+Crescent").get_data(as_text=True)
    shown = client.get("/initiatives?q=Moss+Lane").get_data(as_text=True)
    assert "Hidden place" not in hidden
    assert "Shown place" in shown
