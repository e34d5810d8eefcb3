"""``flask --app app create-token EMAIL``: an API token for a user, printed once."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.accounts.services import find_user_by_email
from app.extensions import db
from app.tokens import services


@click.command("create-token")
@with_appcontext
@click.argument("email")
@click.option("--name", default="", help="What the token is for (shown on the account page).")
def create_token_command(email: str, name: str):
    """Create an API token for a user and print it (it is shown only this once)."""
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"There is no user with the email {email.strip().lower()}.")
    if user.is_suspended:
        raise click.ClickException(f"{user.email} is suspended: its tokens would not work.")
    if services.count_active_tokens(user) >= services.MAX_ACTIVE_TOKENS:
        raise click.ClickException(
            f"{user.email} has {services.MAX_ACTIVE_TOKENS} API tokens: revoke one first."
        )
    new = services.create_token(user, name)
    db.session.commit()
    click.echo(new.secret)
    click.echo(
        f"Created API token {new.token.prefix}… for {user.email}. Keep it secret: it is not "
        "stored and cannot be shown again.",
        err=True,
    )


commands = (create_token_command,)
