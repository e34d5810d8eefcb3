"""Account forms."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, InputRequired, Length, ValidationError

from app.accounts.passwords import MAX_PASSWORD_LENGTH, password_problem, verify_password
from app.forms import Form, add_error, strip_whitespace


class NewPasswordField(PasswordField):
    """A password field that applies the site's password rules."""

    def __init__(self, label="Password", **kwargs):
        kwargs.setdefault(
            "description",
            "At least 8 characters. A few unrelated words are easy to remember and hard to guess.",
        )
        super().__init__(label, validators=[InputRequired(message="Enter a password.")], **kwargs)

    def post_validate(self, form, validation_stopped):
        if validation_stopped:
            return
        email = form.email.data if hasattr(form, "email") and form.email.data else ""
        problem = password_problem(self.data or "", email)
        if problem:
            add_error(self, problem)


def email_field(label: str = "Email address") -> EmailField:
    return EmailField(
        label,
        filters=[strip_whitespace],
        validators=[
            DataRequired(message="Enter your email address."),
            Length(max=254, message="An email address has at most 254 characters."),
            Email(message="Enter an email address like name@example.org."),
        ],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )


class RegisterForm(Form):
    email = email_field()
    display_name = StringField(
        "Your name",
        filters=[strip_whitespace],
        description="Shown on initiatives you choose to be credited for by name.",
        validators=[
            DataRequired(message="Enter your name."),
            Length(max=100, message="Use at most 100 characters."),
        ],
        render_kw={"autocomplete": "name"},
    )
    password = NewPasswordField(render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Create account")


class LoginForm(Form):
    email = email_field()
    password = PasswordField(
        "Password",
        validators=[
            InputRequired(message="Enter your password."),
            Length(max=MAX_PASSWORD_LENGTH, message="That password is too long."),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Log in")


class ForgotPasswordForm(Form):
    email = email_field()
    submit = SubmitField("Send me a reset link")


class ResetPasswordForm(Form):
    password = NewPasswordField("New password", render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Set new password")


class CurrentPasswordMixin:
    """Checks a field named ``current_password`` against the signed-in user's password."""

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def validate_current_password(self, field):
        if not verify_password(self.user.password_hash, field.data or ""):
            raise ValidationError("That is not your current password.")


class ChangePasswordForm(CurrentPasswordMixin, Form):
    current_password = PasswordField(
        "Current password",
        validators=[InputRequired(message="Enter your current password.")],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = NewPasswordField("New password", render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Change password")


class DeleteAccountForm(CurrentPasswordMixin, Form):
    current_password = PasswordField(
        "Your password",
        validators=[InputRequired(message="Enter your password to confirm.")],
        render_kw={"autocomplete": "current-password"},
    )
    confirm = BooleanField(
        "I understand that my account and personal data will be deleted",
        validators=[DataRequired(message="Tick the box to confirm.")],
    )
    submit = SubmitField("Delete my account")
