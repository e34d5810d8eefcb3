"""A person's data: the download of everything kept about them, and deleting the account."""

from __future__ import annotations

from flask import Blueprint, Response, flash, json, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import login_required, logout_user

from app.accounts.forms import ChangePasswordForm, DeleteAccountForm
from app.extensions import db
from app.permissions import signed_in_user
from app.privacy import services

bp = Blueprint("privacy", __name__)


@bp.route("/account/data.json")
@login_required
def download_personal_data():
    """Download everything the site keeps about you, as JSON."""
    body = json.dumps(
        services.collect_personal_data(signed_in_user()), indent=2, ensure_ascii=False
    )
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="coproduce-personal-data.json"'},
    )


@bp.post("/account/delete")
@login_required
def delete_account():
    """Delete the account after the password is given again."""
    user = signed_in_user()
    form = DeleteAccountForm(user, prefix="delete")
    if form.validate_on_submit():
        services.delete_account(user)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("Your account and personal data are deleted."), "success")
        return redirect(url_for("pages.home"))
    return render_template(
        "accounts/account.html",
        password_form=ChangePasswordForm(user, formdata=None),
        delete_form=form,
    ), 422
