"""Command-line commands that span features: ``flask --app app <command>``."""

from __future__ import annotations

import secrets
from pathlib import Path

import click
from email_validator import EmailNotValidError, validate_email
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from app.accounts.models import ROLES, User
from app.accounts.passwords import password_problem
from app.accounts.services import create_user, find_user_by_email
from app.extensions import db


def new_password() -> str:
    """A random password that passes the site's rules, for generated accounts."""
    return secrets.token_urlsafe(12)


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="resident", show_default=True)
@click.option("--password", help="The password; a random one is made and printed if omitted.")
@click.option("--name", "display_name", help="Display name (default: the email's local part).")
def create_user_command(email: str, role: str, password: str | None, display_name: str | None):
    """Create a confirmed user with a role."""
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="EMAIL") from error
    if find_user_by_email(email):
        raise click.ClickException(f"A user with the email {email.lower()} already exists.")
    generated = password is None
    password = password or new_password()
    problem = password_problem(password, email)
    if problem:
        raise click.BadParameter(problem, param_hint="--password")
    user = create_user(email, password, role=role, display_name=display_name)
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}.")
    if generated:
        click.echo(f"Password: {password}")


@click.command("seed-demo")
@with_appcontext
@click.option("--force", is_flag=True, help="Seed even when the database already has users.")
def seed_demo_command(force: bool):
    """Load demo data into an empty database and print the demo accounts."""
    from app.demo import seed_demo

    has_users = db.session.scalar(select(func.count()).select_from(User))
    accounts_file = Path(current_app.instance_path) / "demo-accounts.txt"
    if has_users and not force:
        click.echo("The database already has data; demo data not loaded.")
        if accounts_file.exists():
            click.echo(f"Demo accounts are listed in {accounts_file}.")
        return
    accounts = seed_demo(password_for=lambda _role: new_password())
    db.session.commit()
    lines = [f"{role:<10} {email:<32} {password}" for role, email, password in accounts]
    text = "Demo accounts (role, email, password):\n" + "\n".join(lines) + "\n"
    accounts_file.parent.mkdir(parents=True, exist_ok=True)
    accounts_file.write_text(text)
    accounts_file.chmod(0o600)
    click.echo(text + f"(Also written to {accounts_file}.)")


@click.command("reindex-search")
@with_appcontext
def reindex_search_command():
    """Rebuild the full-text search index from the published initiatives."""
    from app.search.services import reindex_all

    indexed = reindex_all(db.session)
    db.session.commit()
    click.echo(f"Indexed {indexed} published initiatives for search.")


def register_commands(app: Flask) -> None:
    for command in (create_user_command, seed_demo_command, reindex_search_command):
        app.cli.add_command(command)
