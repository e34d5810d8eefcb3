"""Personal API tokens: the account page's token list, and ``flask --app app create-token``."""

from __future__ import annotations

import click
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.cli import with_appcontext
from flask_login import current_user

from app.accounts.services import find_user_by_email
from app.extensions import db
from app.permissions import permission_required
from app.tokens import services
from app.tokens.forms import TokenForm

bp = Blueprint("tokens", __name__, cli_group=None)


@bp.app_template_global()
def api_tokens_of(user) -> list:
    """The user's API tokens, for the account page's token section."""
    return services.user_tokens(user)


@bp.app_template_global()
def new_token_form() -> TokenForm:
    return TokenForm(formdata=None)


@bp.post("/account/tokens")
@permission_required("use_api_tokens")
def create_token():
    """Make a new API token and show it, once."""
    form = TokenForm()
    valid = form.validate()
    if services.count_active_tokens(current_user) >= services.MAX_ACTIVE_TOKENS:
        form.form_errors.append(
            f"You have {services.MAX_ACTIVE_TOKENS} API tokens: revoke one you no longer use "
            "before making another."
        )
        valid = False
    if not valid:
        return render_template("tokens/create.html", form=form), 422
    new = services.create_token(current_user, form.name.data or "")
    db.session.commit()
    response = render_template("tokens/created.html", token=new.token, secret=new.secret)
    # The secret is on this page only: no cache may keep it.
    return response, 201, {"Cache-Control": "no-store"}


@bp.post("/account/tokens/<int:token_id>/revoke")
@permission_required("use_api_tokens")
def revoke_token(token_id: int):
    """Revoke one of one's own API tokens; it stops working at once."""
    token = services.find_user_token(current_user, token_id)
    if token is None:
        abort(404)
    services.revoke_token(current_user, token)
    db.session.commit()
    label = f"“{token.name}”" if token.name else token.prefix + "…"
    flash(f"The API token {label} is revoked: it no longer works.", "success")
    return redirect(url_for("accounts.account", _anchor="api-tokens"))


@bp.cli.command("create-token")
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
