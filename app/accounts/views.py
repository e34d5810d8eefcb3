"""Registration, logging in and out, passwords, and the account page."""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user

from app.accounts import services
from app.accounts.forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
)
from app.accounts.login_limits import LoginSlowedDown
from app.accounts.models import User
from app.extensions import db
from app.forms import required_text
from app.languages import LANGUAGES, OWN_NAMES
from app.permissions import current_visitor, signed_in_user
from app.ratelimits import limit_posts
from app.urls import safe_next_url

bp = Blueprint("accounts", __name__)


def _start_session(user: User) -> None:
    # A fresh session on every login: nothing from before survives into the signed-in one.
    session.clear()
    login_user(user)
    services.start_session_clock()
    services.record_sign_in(user)


@bp.route("/register", methods=["GET", "POST"])
@limit_posts("RATELIMIT_REGISTER")
def register():
    """Create an account; a confirmation link goes to the email address."""
    if current_visitor().is_authenticated:
        return redirect(url_for("accounts.account"))
    form = RegisterForm()
    if form.validate_on_submit():
        email = required_text(form.email)
        services.register_user(
            email, required_text(form.display_name), required_text(form.password)
        )
        db.session.commit()
        session["registered_email"] = services.normalise_email(email)
        return redirect(url_for("accounts.check_email"))
    return render_template("accounts/register.html", form=form), 422 if form.errors else 200


@bp.route("/register/check-email")
def check_email():
    """After registering: where the confirmation link went (reloading sends no new mail)."""
    email = session.get("registered_email")
    if not email:
        return redirect(url_for("accounts.register"))
    return render_template("accounts/check_email.html", email=email)


@bp.route("/confirm/<token>")
def confirm_email(token: str):
    """Show the confirmation page for a link from the registration mail."""
    return render_template("accounts/confirm.html", token=token)


@bp.post("/confirm/<token>")
def confirm_email_post(token: str):
    """Confirm the address (a POST, because it changes the account), then log in."""
    try:
        user = services.confirm_email(token)
    except services.InvalidToken as error:
        return render_template("accounts/invalid_link.html", message=str(error)), 400
    db.session.commit()
    flash(_("Your email address is confirmed. You can log in now."), "success")
    session["login_email"] = user.email  # fills the form without putting it in the URL
    return redirect(url_for("accounts.login"))


@bp.route("/login", methods=["GET", "POST"])
@limit_posts("RATELIMIT_LOGIN")
def login():
    """Log in with email and password."""
    next_url = safe_next_url(request.args.get("next"), url_for("accounts.account"))
    if current_visitor().is_authenticated:
        return redirect(next_url)
    form = LoginForm()
    if request.method == "GET" and session.get("login_email"):
        form.email.data = session.pop("login_email")
    status = 200
    if form.validate_on_submit():
        try:
            outcome, user = services.authenticate(
                required_text(form.email), required_text(form.password)
            )
        except LoginSlowedDown as slowed:
            return _slowed_down(form, next_url, slowed.seconds)
        if outcome is services.SignIn.OK and user is not None:
            _start_session(user)
            db.session.commit()
            flash(_("Welcome back, %(display_name)s.", display_name=user.display_name), "success")
            return redirect(next_url)
        db.session.commit()  # the failure count, forgiven when the password was right
        status = 401
        if outcome is services.SignIn.UNCONFIRMED:
            form.form_errors.append(
                _(
                    "Please confirm your email address first: follow the link we sent you. "
                    "No mail? Use “Forgotten your password?” to get a new link."
                )
            )
        elif outcome is services.SignIn.SUSPENDED:
            form.form_errors.append(_("This account is suspended. Contact the site's moderators."))
        else:
            form.form_errors.append(_("That email address and password do not match an account."))
    elif form.errors:
        status = 422
    return render_template("accounts/login.html", form=form, next_url=next_url), status


def _slowed_down(form: LoginForm, next_url: str, seconds: int):
    """429 on the log-in form itself: the email address stays, and the wait is named."""
    minutes = -(-seconds // 60)
    form.form_errors.append(
        ngettext(
            "Too many failed log-ins for this email address. Wait %(num)d minute and try "
            "again, or set a new password with “Forgotten your password?”.",
            "Too many failed log-ins for this email address. Wait %(num)d minutes and try "
            "again, or set a new password with “Forgotten your password?”.",
            minutes,
        )
    )
    page = render_template("accounts/login.html", form=form, next_url=next_url)
    return page, 429, {"Retry-After": str(seconds)}


@bp.route("/logout", methods=["GET"])
def logout_page():
    """Ask before logging out (GET never changes state)."""
    if not current_visitor().is_authenticated:
        return redirect(url_for("pages.home"))
    return render_template("accounts/logout.html")


@bp.post("/logout")
def logout():
    """Log out, and make every copy of the session cookie useless."""
    user = current_visitor()
    if isinstance(user, User):
        services.end_all_sessions(user)
        db.session.commit()
        logout_user()
    session.clear()
    flash(_("You are logged out."), "success")
    return redirect(url_for("pages.home"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@limit_posts("RATELIMIT_RESET")
def forgot_password():
    """Ask for a password reset link; the answer is the same whether the account exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(required_text(form.email))
        db.session.commit()
        return render_template("accounts/reset_sent.html", email=form.email.data)
    status = 422 if form.errors else 200
    return render_template("accounts/forgot_password.html", form=form), status


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limit_posts("RATELIMIT_RESET")
def reset_password(token: str):
    """Set a new password from a time-limited link that works once."""
    try:
        services.user_for_reset_token(token)
    except services.InvalidToken as error:
        return render_template("accounts/invalid_link.html", message=str(error)), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user = services.reset_password(token, required_text(form.password))
        _start_session(user)
        db.session.commit()
        flash(_("Your password is changed and you are logged in."), "success")
        return redirect(url_for("accounts.account"))
    status = 422 if form.errors else 200
    return render_template("accounts/reset_password.html", form=form), status


@bp.route("/account")
@login_required
def account():
    """The account page: details, password, personal data, deletion."""
    user = signed_in_user()
    return render_template(
        "accounts/account.html",
        password_form=ChangePasswordForm(user),
        delete_form=DeleteAccountForm(user, prefix="delete"),
        language_form=LanguageForm(language=user.locale),
    )


@bp.post("/account/password")
@login_required
def change_password():
    """Change the password; other sessions end, this one carries on."""
    user = signed_in_user()
    form = ChangePasswordForm(user)
    if form.validate_on_submit():
        services.change_password(user, required_text(form.new_password))
        login_user(user)  # re-issue this session with the new session token
        db.session.commit()
        flash(_("Your password is changed. Other devices have been logged out."), "success")
        return redirect(url_for("accounts.account"))
    return render_template(
        "accounts/account.html",
        password_form=form,
        delete_form=DeleteAccountForm(user, formdata=None, prefix="delete"),
    ), 422


@bp.post("/account/language")
@login_required
def choose_language():
    """Choose the language of one's mail; the account page then opens in it."""
    user = signed_in_user()
    form = LanguageForm()
    if form.validate_on_submit() and form.language.data in LANGUAGES:
        services.choose_language(user, form.language.data)
        db.session.commit()
        with force_locale(user.locale):
            flash(_("Your emails will be in %(language)s.", language=OWN_NAMES[user.locale]))
            return redirect(url_for("accounts.account", lang=user.locale))
    flash(_("Choose English or Cymraeg."), "error")
    return redirect(url_for("accounts.account"))
