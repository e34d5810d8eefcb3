"""The repeated rows of the submission form: participants and outcomes."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from wtforms import HiddenField, StringField, TextAreaField

from app.forms import RowForm, SelectChoice, select_choices, strip_whitespace
from app.i18n import lazy_text as _l
from app.initiatives.links import web_link
from app.initiatives.vocabulary import SECTORS, STAGES
from app.submissions.fields import (
    CheckboxesField,
    ChoiceField,
    DayField,
    NumberField,
    check_web_link,
    iso_date,
    length,
    parsed,
    text_value,
    typed,
)

BIGGEST_FIGURE = 1e12


def _figure(label: str, description: str) -> NumberField:
    return NumberField(
        label,
        minimum=-BIGGEST_FIGURE,
        maximum=BIGGEST_FIGURE,
        range_message=_("That number is too large."),
        description=description,
    )


class ParticipantForm(RowForm):
    sector = ChoiceField(
        _l("Sector"),
        choices=[SelectChoice("", _l("Choose a sector")), *select_choices(SECTORS)],
        message=_l("Choose a sector from the list."),
    )
    name = StringField(
        _l("Name of the group or organisation"),
        description=_l(
            "Groups and organisations, not private individuals: for example "
            "“Kirkstall Residents' Association” or “West Yorkshire Police”."
        ),
        filters=[strip_whitespace],
        validators=[length(200)],
    )
    roles = CheckboxesField(
        _l("Roles by stage"),
        choices=select_choices(STAGES),
        description=_l("The stages this participant took part in."),
    )
    people = NumberField(
        _l("People"),
        minimum=0,
        maximum=1_000_000,
        whole=True,
        range_message=_l("Enter a number of people from 0 to 1,000,000."),
        description=_l("Optional: how many people took part."),
    )
    hours = NumberField(
        _l("Hours"),
        minimum=0,
        maximum=10_000_000,
        range_message=_l("Enter a number of hours from 0 to 10,000,000."),
        description=_l("Optional: roughly how many hours they gave in all."),
    )

    def is_blank(self) -> bool:
        return not any(typed(field) for field in self)

    def content(self) -> dict[str, Any]:
        return {
            "sector": parsed(self.sector, ""),
            "name": text_value(self.name, 200),
            "roles": [stage for stage in STAGES if stage in (self.roles.data or ())],
            "people": parsed(self.people),
            "hours": parsed(self.hours),
        }


class OutcomeForm(RowForm):
    outcome_id = HiddenField()
    description = TextAreaField(
        _l("What changed"),
        description=_l("For example: “Fewer burglaries, and neighbours know each other better.”"),
        filters=[strip_whitespace],
        validators=[length(2000)],
        render_kw={"rows": 3},
    )
    indicator = StringField(
        _l("Indicator"),
        description=_l("Optional: what you counted, like “reported burglaries”."),
        filters=[strip_whitespace],
        validators=[length(200)],
    )
    baseline = _figure(_l("Before"), _l("Optional: the number before, like 31."))
    result = _figure(_l("After"), _l("Optional: the number after, like 22."))
    unit = StringField(
        _l("Unit"),
        description=_l("Optional, like “a year” or “%”."),
        filters=[strip_whitespace],
        validators=[length(60)],
    )
    measured_on = DayField(_l("Date measured"), description=_l("Optional."))
    evidence_url = StringField(
        _l("Evidence link"),
        description=_l("Optional: a web page that shows the figures, starting with https://."),
        filters=[strip_whitespace],
        validators=[length(500), check_web_link],
    )

    def is_blank(self) -> bool:
        return not any(typed(field) for field in self if field is not self.outcome_id)

    def content(self, outcome_id: int | None) -> dict[str, Any]:
        return {
            "id": outcome_id,
            "description": text_value(self.description, 2000),
            "indicator": text_value(self.indicator, 200),
            "baseline": parsed(self.baseline),
            "result": parsed(self.result),
            "unit": text_value(self.unit, 60),
            "measured_on": iso_date(parsed(self.measured_on)),
            "evidence_url": web_link(parsed(self.evidence_url, "")) or "",
        }
