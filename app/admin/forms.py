"""Admin forms."""

from __future__ import annotations

from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from app.accounts.models import ROLE_LABELS
from app.forms import Form, select_choices, strip_whitespace
from app.organisations.models import ORGANISATION_KINDS


class UserForm(Form):
    role = SelectField("Role", choices=select_choices(ROLE_LABELS))
    organisation_id = SelectField("Organisation", coerce=int, validators=[Optional()])
    submit = SubmitField("Save")

    def set_organisations(self, organisations) -> None:
        self.organisation_id.choices = select_choices(
            [(0, "None")]
            + [(organisation.id, organisation.name) for organisation in organisations]
        )


class SuspendForm(Form):
    reason = StringField(
        "Reason",
        filters=[strip_whitespace],
        validators=[Length(max=500, message="Use at most 500 characters.")],
    )
    submit = SubmitField("Suspend")


class OrganisationForm(Form):
    name = StringField(
        "Name",
        filters=[strip_whitespace],
        validators=[
            DataRequired(message="Enter the organisation's name."),
            Length(max=200, message="Use at most 200 characters."),
        ],
    )
    kind = SelectField("Kind", choices=select_choices(ORGANISATION_KINDS))
    local_authority = StringField(
        "Local authority",
        filters=[strip_whitespace],
        description="For councils: the authority whose neighbourhoods are their area, "
        "for example “Leeds City Council”.",
        validators=[Optional(), Length(max=200, message="Use at most 200 characters.")],
    )
    submit = SubmitField("Save organisation")
