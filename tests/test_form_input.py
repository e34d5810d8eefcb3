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


# (url, role that fills it, form data, field with the problem, expected message). In urls,
# {reset} is a fresh password reset token, {organisation} an organisation's id and {target}
# another user's id.
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
    ("/login", None, {"email": LONG + "@example.org", "password": "whatever"}, "email",
     "An email address has at most 254 characters."),
    ("/login", None, {"email": "ann@example.org", "password": ""}, "password",
     "Enter your password."),
    ("/login", None, {"email": "ann@example.org", "password": "x" * 257}, "password",
     "That password is too long."),
    ("/forgot-password", None, {"email": "nonsense"}, "email", "Enter an email address like"),
    ("/forgot-password", None, {"email": ""}, "email", "Enter your email address."),
    ("/forgot-password", None, {"email": LONG + "@example.org"}, "email",
     "An email address has at most 254 characters."),
    ("/reset-password/{reset}", None, {"password": ""}, "password", "Enter a password."),
    ("/reset-password/{reset}", None, {"password": "short"}, "password",
     "Use at least 8 characters."),
    ("/reset-password/{reset}", None, {"password": "x" * 257}, "password",
     "Use at most 256 characters."),
    ("/reset-password/{reset}", None, {"password": "qwerty123"}, "password", "too common"),
    ("/account/password", "resident", with_(PASSWORDS, current_password=""), "current_password",
     "Enter your current password."),
    ("/account/password", "resident", with_(PASSWORDS, current_password="not my password"),
     "current_password", "That is not your current password."),
    ("/account/password", "resident", with_(PASSWORDS, new_password="123456789"), "new_password",
     "too common"),
    ("/account/password", "resident", with_(PASSWORDS, new_password="short"), "new_password",
     "Use at least 8 characters."),
    ("/account/password", "resident", with_(PASSWORDS, new_password="x" * 257), "new_password",
     "Use at most 256 characters."),
    ("/account/delete", "resident", {"delete-current_password": "not my password",
     "delete-confirm": "y"}, "delete-current_password", "That is not your current password."),
    ("/account/delete", "resident", {"delete-current_password": ""}, "delete-current_password",
     "Enter your password to confirm."),
    ("/admin/users/{target}/suspension", "moderator", {"reason": "y" * 501}, "reason",
     "Use at most 500 characters."),
    ("/admin/users/{target}/suspension", "admin", {"reason": "y" * 501}, "reason",
     "Use at most 500 characters."),
    *[
        (url, "admin", data, field, message)
        for url in ("/admin/organisations/new", "/admin/organisations/{organisation}")
        for data, field, message in [
            (with_(ORGANISATION, name=""), "name", "Enter the organisation's name."),
            (with_(ORGANISATION, name=LONG), "name", "Use at most 200 characters."),
            (with_(ORGANISATION, kind=""), "kind", "Not a valid choice"),
            (with_(ORGANISATION, kind="spaceship"), "kind", "Not a valid choice"),
            (with_(ORGANISATION, local_authority=LONG), "local_authority",
             "Use at most 200 characters."),
        ]
    ],
]  # fmt: skip


@pytest.fixture
def fill_url(app, make_user):
    """Put a reset token, an organisation or another user into a case's url."""

    def fill(url: str) -> str:
        values = {}
        if "{reset}" in url:
            from app.accounts.models import User
            from app.accounts.services import RESET_SALT, _make_token
            from app.extensions import db

            with app.test_request_context():
                values["reset"] = _make_token(db.session.get(User, make_user().id), RESET_SALT)
        if "{organisation}" in url:
            from tests.factories import create_test_organisation

            with app.app_context():
                values["organisation"] = create_test_organisation(name="Stored name")
        if "{target}" in url:
            values["target"] = make_user().id
        return url.format(**values)

    return fill


@pytest.mark.parametrize(("url", "role", "data", "field", "message"), CASES)
def test_bad_input_gets_a_message_and_keeps_other_values(
    client, auth, make_user, fill_url, url, role, data, field, message
):
    if role:
        auth.login(make_user(role=role).email)
    response = client.post(fill_url(url), data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert str(escape(message)) in page
    assert f'id="{field}-error"' in page
    assert f'aria-describedby="{field}-error"' in page or f"{field}-hint {field}-error" in page
    for name, value in data.items():
        if "password" in name or not value or (name == field and name in SELECTS):
            continue  # passwords are never sent back; a refused choice cannot be selected
        shown = escape(value)
        assert f'value="{shown}"' in page and (
            "<select" not in page or name not in SELECTS or f'selected value="{shown}"' in page
        ), name


def test_wrong_role_in_admin_user_form(client, auth, make_user):
    auth.login(make_user(role="admin").email)
    target = make_user()
    response = client.post(f"/admin/users/{target.id}", data={"role": "emperor"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="role-error"' in page and "Not a valid choice" in page


def test_wrong_type_of_organisation_in_admin_user_form(app, client, auth, make_user):
    from tests.factories import create_test_organisation

    auth.login(make_user(role="admin").email)
    target = make_user()
    with app.app_context():
        create_test_organisation(name="Leeds City Council")
    response = client.post(
        f"/admin/users/{target.id}", data={"role": "moderator", "organisation_id": "abc"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="organisation_id-error"' in page
    assert "Invalid Choice: could not coerce." in page
    assert 'id="role-error"' not in page
    assert 'selected value="moderator"' in page  # the role chosen is kept


def test_duplicate_email_in_another_case_is_one_account(app, client, make_user, outbox):
    """No message on the page, on purpose: saying "taken" would tell anyone who has an
    account (QUALITY.md). The answer is the usual one, and the owner learns of it by mail."""
    from sqlalchemy import func, select

    from app.accounts.models import User
    from app.extensions import db

    owner = make_user(email="ann@example.org")
    response = client.post(
        "/register",
        data={"email": "ANN@Example.ORG", "display_name": "Ann", "password": TEST_PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/register/check-email"
    page = client.get("/register/check-email").get_data(as_text=True)
    assert 'role="alert"' not in page
    client.post(
        "/register",
        data={"email": "new@example.org", "display_name": "Ann", "password": TEST_PASSWORD},
    )
    fresh = client.get("/register/check-email").get_data(as_text=True)
    assert page.replace("ann@example.org", "X") == fresh.replace("new@example.org", "X")
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(User).where(User.email == owner.email)
            )
            == 1
        )
    mails = {mail["To"]: mail for mail in outbox()}
    assert "already has one" in mails[owner.email].get_content()


def test_admin_cannot_demote_themselves(client, auth, make_user):
    admin = make_user(role="admin")
    auth.login(admin.email)
    response = client.post(
        f"/admin/users/{admin.id}", data={"role": "resident", "organisation_id": "0"}
    )
    assert response.status_code == 422
    assert b"You cannot change your own role." in response.data
