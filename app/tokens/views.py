"""Personal API tokens: the account page's token list, and ``flask --app app create-token``."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from app.extensions import db
from app.permissions import permission_required, signed_in_user
from app.tokens import services
from app.tokens.forms import TokenForm

bp = Blueprint("tokens", __name__)


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
    if services.count_active_tokens(signed_in_user()) >= services.MAX_ACTIVE_TOKENS:
        form.form_errors.append(
            _(
                "You have %(max_active_tokens)s API tokens: revoke one you no longer use "
                "before making another.",
                max_active_tokens=services.MAX_ACTIVE_TOKENS,
            )
        )
        valid = False
    if not valid:
        return render_template("tokens/create.html", form=form), 422
    new = services.create_token(signed_in_user(), form.name.data or "")
    db.session.commit()
    response = render_template("tokens/created.html", token=new.token, secret=new.secret)
    # The secret is on this page only: no cache may keep it.
    return response, 201, {"Cache-Control": "no-store"}


@bp.post("/account/tokens/<int:token_id>/revoke")
@permission_required("use_api_tokens")
def revoke_token(token_id: int):
    """Revoke one of one's own API tokens; it stops working at once."""
    token = services.find_user_token(signed_in_user(), token_id)
    if token is None:
        abort(404)
    services.revoke_token(signed_in_user(), token)
    db.session.commit()
    label = f"“{token.name}”" if token.name else token.prefix + "…"
    flash(_("The API token %(label)s is revoked: it no longer works.", label=label), "success")
    return redirect(url_for("accounts.account", _anchor="api-tokens"))
