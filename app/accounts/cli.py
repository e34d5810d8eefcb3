"""``flask --app app create-user EMAIL --role R``: accounts made by an operator."""

from __future__ import annotations

import secrets

import click
from email_validator import EmailNotValidError, validate_email
from flask.cli import with_appcontext

from app.accounts.models import ROLES
from app.accounts.passwords import password_problem
from app.accounts.services import create_user, find_user_by_email
from app.extensions import db


def new_password() -> str:
    """A random password that passes the site's rules, for generated accounts."""
    return secrets.token_urlsafe(12)


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default="resident",
    show_default=True,
    help="The user's role.",
)
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


commands = (create_user_command,)
