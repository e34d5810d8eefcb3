"""The words people write about a photo, and the form that adds one."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import Length

from app.forms import Form, RowForm, strip_whitespace
from app.i18n import _l

ALT_GUIDANCE = _l(
    "Required. Say what the photo shows for someone who cannot see it, in a sentence: who or "
    "what, doing what, where – like “Volunteers planting cherry trees along Abbey Road”. "
    "Do not start with “Photo of”, and name people only if they agreed."
)


def _alt() -> StringField:
    return StringField(
        _l("Alt text (a description of the photo)"),
        description=ALT_GUIDANCE,
        filters=[strip_whitespace],
        validators=[Length(max=300, message=_l("Use at most 300 characters."))],
    )


def _caption() -> StringField:
    return StringField(
        _l("Caption"),
        description=_l("Optional: shown under the photo, like “Planting day, March 2026”."),
        filters=[strip_whitespace],
        validators=[Length(max=300, message=_l("Use at most 300 characters."))],
    )


def _credit() -> StringField:
    return StringField(
        _l("Credit"),
        description=_l(
            "Who took it, as they want to be named, like “Photo: Abbey Road Residents”."
        ),
        filters=[strip_whitespace],
        validators=[Length(max=200, message=_l("Use at most 200 characters."))],
    )


class PhotoRowForm(RowForm):
    """One of an initiative's photos on the submission form."""

    photo_id = HiddenField()
    alt = _alt()
    caption = _caption()
    credit = _credit()


class AddPhotoForm(Form):
    """One photo, with what people need to know about it."""

    photo = FileField(
        _l("Photo"),
        description=_l("A JPEG, PNG, WebP or HEIC photo of up to 15 MB."),
    )
    alt = _alt()
    caption = _caption()
    credit = _credit()
    consent = BooleanField(
        _l(
            "The people shown agreed to be shown, and the photo may be published as open data "
            "under the site's licence"
        )
    )

    def check(self) -> bool:
        """Validate the words; the file is checked by decoding it."""
        self.validate()
        if not self.alt.data and not self.alt.errors:
            self.alt.errors = [_l("Describe the photo for people who cannot see it.")]
        if not self.consent.data:
            self.consent.errors = [
                _l("Tick the box to confirm the people shown agreed and it may be published.")
            ]
        return not any(field.errors for field in self)
