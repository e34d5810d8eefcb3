"""Command-line commands: create-user and seed-demo."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import User
from app.extensions import db
from app.organisations.models import Organisation


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_create_user_with_a_role_and_password(app, runner, auth):
    result = runner.invoke(
        args=[
            "create-user",
            "Boss@Example.org",
            "--role",
            "admin",
            "--password",
            "a long passphrase",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Created admin boss@example.org." in result.output
    assert auth.login("boss@example.org", "a long passphrase").status_code == 302


def test_create_user_prints_a_generated_password(app, runner, auth):
    result = runner.invoke(args=["create-user", "mod@example.org", "--role", "moderator"])
    assert result.exit_code == 0, result.output
    password = result.output.split("Password: ")[1].strip()
    assert auth.login("mod@example.org", password).status_code == 302


def test_create_user_refuses_bad_input_clearly(app, runner, make_user):
    make_user(email="taken@example.org")
    cases = [
        (["create-user", "not-an-email"], "EMAIL"),
        (["create-user", "a@example.org", "--role", "king"], "--role"),
        (["create-user", "a@example.org", "--password", "short"], "at least 8 characters"),
        (["create-user", "TAKEN@example.org"], "already exists"),
    ]
    for args, message in cases:
        result = runner.invoke(args=args)
        assert result.exit_code != 0, args
        assert message in result.output, (args, result.output)
    assert count(app, User) == 1


def test_seed_demo_fills_an_empty_database_once(app, runner, auth):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines() if "@example.org" in line]
    roles = {role for role, _email, _password in lines}
    assert roles == {"resident", "moderator", "council", "admin"}
    role, email, password = lines[0]
    assert auth.login(email, password).status_code == 302
    users, organisations = count(app, User), count(app, Organisation)
    assert organisations >= 5

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0
    assert "already has data" in again.output
    assert (count(app, User), count(app, Organisation)) == (users, organisations)
