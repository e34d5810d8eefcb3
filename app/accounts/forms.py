"""Account forms."""

from __future__ import annotations

from flask_babel import gettext as _
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, ValidationError

from app.accounts.passwords import MAX_PASSWORD_LENGTH, password_problem, verify_password
from app.forms import Form, add_error, select_choices, strip_whitespace
from app.i18n import lazy_text as _l
from app.languages import OWN_NAMES


class NewPasswordField(PasswordField):
    """A password field that applies the site's password rules."""

    def __init__(self, label=_l("Password"), **kwargs):
        kwargs.setdefault(
            "description",
            _l(
                "At least 8 characters. A few unrelated words are easy to remember "
                "and hard to guess."
            ),
        )
        super().__init__(
            label, validators=[InputRequired(message=_l("Enter a password."))], **kwargs
        )

    def post_validate(self, form, validation_stopped):
        if validation_stopped:
            return
        email = form.email.data if hasattr(form, "email") and form.email.data else ""
        problem = password_problem(self.data or "", email)
        if problem:
            add_error(self, problem)


def email_field(label: str = _l("Email address")) -> EmailField:
    return EmailField(
        label,
        filters=[strip_whitespace],
        validators=[
            DataRequired(message=_l("Enter your email address.")),
            Length(max=254, message=_l("An email address has at most 254 characters.")),
            Email(message=_l("Enter an email address like name@example.org.")),
        ],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )


class RegisterForm(Form):
    email = email_field()
    display_name = StringField(
        _l("Your name"),
        filters=[strip_whitespace],
        description=_l("Shown on initiatives you choose to be credited for by name."),
        validators=[
            DataRequired(message=_l("Enter your name.")),
            Length(max=100, message=_l("Use at most 100 characters.")),
        ],
        render_kw={"autocomplete": "name"},
    )
    password = NewPasswordField(render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Create account"))


class LoginForm(Form):
    email = email_field()
    password = PasswordField(
        _l("Password"),
        validators=[
            InputRequired(message=_l("Enter your password.")),
            Length(max=MAX_PASSWORD_LENGTH, message=_l("That password is too long.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Log in"))


class ForgotPasswordForm(Form):
    email = email_field()
    submit = SubmitField(_l("Send me a reset link"))


class ResetPasswordForm(Form):
    password = NewPasswordField(_l("New password"), render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Set new password"))


class CurrentPasswordMixin:
    """Checks a field named ``current_password`` against the signed-in user's password."""

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def validate_current_password(self, field):
        if not verify_password(self.user.password_hash, field.data or ""):
            raise ValidationError(_("That is not your current password."))


class ChangePasswordForm(CurrentPasswordMixin, Form):
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(message=_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = NewPasswordField(_l("New password"), render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Change password"))


class DeleteAccountForm(CurrentPasswordMixin, Form):
    current_password = PasswordField(
        _l("Your password"),
        validators=[InputRequired(message=_l("Enter your password to confirm."))],
        render_kw={"autocomplete": "current-password"},
    )
    confirm = BooleanField(
        _l("I understand that my account and personal data will be deleted"),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )
    submit = SubmitField(_l("Delete my account"))


class LanguageForm(Form):
    """The language of a person's mail (their pages follow the address they open)."""

    language = SelectField(
        _l("Language of your emails"),
        choices=select_choices(OWN_NAMES),
        validators=[InputRequired(message=_l("Choose English or Cymraeg."))],
    )
