"""Bad input on every form gets a message beside the field and keeps what was typed."""

from __future__ import annotations

import pytest
from markupsafe import escape

from tests.factories import TEST_PASSWORD

LONG = "x" * 300
SELECTS = {"kind", "role"}

REGISTRATION = {"email": "ann@example.org", "display_name": "Ann", "password": TEST_PASSWORD}
ORGANISATION = {"name": "Leeds", "kind": "council", "local_authority": "Leeds"}
PASSWORDS = {"current_password": TEST_PASSWORD, "new_password": "a fine passphrase"}


def with_(base: dict, **changes) -> dict:
    return {**base, **changes}


# (url, role that fills it, form data, field with the problem, expected message)
CASES = [
    ("/register", None, with_(REGISTRATION, email=""), "email", "Enter your email address."),
    ("/register", None, with_(REGISTRATION, email="not-an-email"), "email",
     "Enter an email address like name@example.org."),
    ("/register", None, with_(REGISTRATION, email=LONG + "@example.org"), "email",
     "An email address has at most 254 characters."),
    ("/register", None, with_(REGISTRATION, display_name=""), "display_name", "Enter your name."),
    ("/register", None, with_(REGISTRATION, display_name=LONG), "display_name",
     "Use at most 100 characters."),
    ("/register", None, with_(REGISTRATION, password="short"), "password",
     "Use at least 8 characters."),
    ("/register", None, with_(REGISTRATION, password="password1"), "password", "too common"),
    ("/register", None, with_(REGISTRATION, password="x" * 257), "password",
     "Use at most 256 characters."),
    ("/register", None, with_(REGISTRATION, password="ann@example.org"), "password", "too common"),
    ("/login", None, {"email": "", "password": "whatever"}, "email", "Enter your email address."),
    ("/login", None, {"email": "ann@example.org", "password": ""}, "password",
     "Enter your password."),
    ("/forgot-password", None, {"email": "nonsense"}, "email", "Enter an email address like"),
    ("/account/password", "resident", with_(PASSWORDS, current_password=""), "current_password",
     "Enter your current password."),
    ("/account/password", "resident", with_(PASSWORDS, new_password="123456789"), "new_password",
     "too common"),
    ("/admin/organisations/new", "admin", with_(ORGANISATION, name=""), "name",
     "Enter the organisation's name."),
    ("/admin/organisations/new", "admin", with_(ORGANISATION, name=LONG), "name",
     "Use at most 200 characters."),
    ("/admin/organisations/new", "admin", with_(ORGANISATION, kind="spaceship"), "kind",
     "Not a valid choice"),
]  # fmt: skip


@pytest.mark.parametrize(("url", "role", "data", "field", "message"), CASES)
def test_bad_input_gets_a_message_and_keeps_other_values(
    client, auth, make_user, url, role, data, field, message
):
    if role:
        auth.login(make_user(role=role).email)
    response = client.post(url, data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert str(escape(message)) in page
    assert f'id="{field}-error"' in page
    assert f'aria-describedby="{field}-error"' in page or f"{field}-hint {field}-error" in page
    for name, value in data.items():
        if name != field and "password" not in name and value:
            shown = escape(value)
            assert f'value="{shown}"' in page and (
                "<select" not in page or name not in SELECTS or f'selected value="{shown}"' in page
            ), name


def test_wrong_types_in_admin_user_form(client, auth, make_user):
    auth.login(make_user(role="admin").email)
    target = make_user()
    response = client.post(
        f"/admin/users/{target.id}", data={"role": "emperor", "organisation_id": "abc"}
    )
    assert response.status_code == 422
    assert b"Not a valid choice" in response.data


def test_duplicate_email_in_another_case_is_one_account(app, client, make_user):
    from sqlalchemy import func, select

    from app.accounts.models import User
    from app.extensions import db

    make_user(email="ann@example.org")
    response = client.post(
        "/register",
        data={"email": "ANN@Example.ORG", "display_name": "Ann", "password": TEST_PASSWORD},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_admin_cannot_demote_themselves(client, auth, make_user):
    admin = make_user(role="admin")
    auth.login(admin.email)
    response = client.post(
        f"/admin/users/{admin.id}", data={"role": "resident", "organisation_id": "0"}
    )
    assert response.status_code == 422
    assert b"You cannot change your own role." in response.data
