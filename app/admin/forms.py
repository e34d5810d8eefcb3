"""Admin forms."""

from __future__ import annotations

from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from app.accounts.models import ROLE_LABELS
from app.forms import Form, select_choices, strip_whitespace
from app.i18n import lazy_text as _l
from app.organisations.models import ORGANISATION_KINDS


class UserForm(Form):
    role = SelectField(_l("Role"), choices=select_choices(ROLE_LABELS))
    organisation_id = SelectField(_l("Organisation"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Save"))

    def set_organisations(self, organisations) -> None:
        self.organisation_id.choices = select_choices(
            [(0, _l("None"))]
            + [(organisation.id, organisation.name) for organisation in organisations]
        )


class SuspendForm(Form):
    reason = StringField(
        _l("Reason"),
        filters=[strip_whitespace],
        validators=[Length(max=500, message=_l("Use at most 500 characters."))],
    )
    submit = SubmitField(_l("Suspend"))


class OrganisationForm(Form):
    name = StringField(
        _l("Name"),
        filters=[strip_whitespace],
        validators=[
            DataRequired(message=_l("Enter the organisation's name.")),
            Length(max=200, message=_l("Use at most 200 characters.")),
        ],
    )
    kind = SelectField(_l("Kind"), choices=select_choices(ORGANISATION_KINDS))
    local_authority = StringField(
        _l("Local authority"),
        filters=[strip_whitespace],
        description=_l(
            "For councils: the authority whose neighbourhoods are their area, "
            "for example “Leeds City Council”."
        ),
        validators=[Optional(), Length(max=200, message=_l("Use at most 200 characters."))],
    )
    submit = SubmitField(_l("Save organisation"))
