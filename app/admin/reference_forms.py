"""Forms for the reference data: themes and neighbourhoods."""

from __future__ import annotations

import math
import re

from flask_babel import gettext as _
from wtforms import Field, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, StopValidation, ValidationError
from wtforms.widgets import TextInput

from app.forms import Form, strip_whitespace
from app.i18n import lazy_text as _l

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
COLOUR = re.compile(r"#[0-9a-f]{6}")
MIN_CONTRAST = 4.5  # WCAG AA for text: theme colours are used for labels on white


def lower_case(value):
    return value.lower() if isinstance(value, str) else value


def contrast_with_white(colour: str) -> float:
    """The WCAG 2 contrast ratio of a #rrggbb colour against white."""

    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return 1.05 / (luminance + 0.05)


class NumberField(Field):
    """A number typed as text: kept as typed when it is not a number, with an error that
    names the problem (WTForms' own fields say only "Not a valid float value")."""

    widget = TextInput()

    def __init__(
        self, label=None, minimum=0.0, maximum=0.0, required_message=None, example="", **kwargs
    ):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, **kwargs)
        self.minimum, self.maximum = minimum, maximum
        self.required_message, self.example = required_message, example
        self.raw = ""

    def process_formdata(self, valuelist):
        if not valuelist:  # not in the form: keep the record's value
            return
        self.raw = valuelist[0].strip()
        self.data = None
        if not self.raw:
            return
        try:
            number = float(self.raw)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise ValueError(
                _(
                    "Enter the %(name)s as a number, for example %(example)s.",
                    name=self.short_text,
                    example=self.example,
                )
            )
        if not self.minimum <= number <= self.maximum:
            raise ValueError(
                _(
                    "Enter the %(name)s between %(minimum)s and %(maximum)s.",
                    name=self.short_text,
                    minimum=format(self.minimum, "g"),
                    maximum=format(self.maximum, "g"),
                )
            )
        self.data = number

    def pre_validate(self, form):
        if self.required_message and self.data is None and not self.process_errors:
            raise StopValidation(self.required_message)

    @property
    def short_text(self) -> str:
        return self.label.text[:1].lower() + self.label.text[1:]

    def _value(self) -> str:
        if self.raw or self.data is None:
            return self.raw
        number = float(self.data)
        return str(int(number)) if number.is_integer() else repr(number)


class SlugField(StringField):
    """The last part of a public address (/themes/<slug>), fixed once created."""

    def __init__(self, label=_l("Address"), example="street-safety", **kwargs):
        kwargs.setdefault(
            "description",
            _l(
                "Lower-case letters, digits and hyphens, for example “%(example)s”. Leave it "
                "empty to make one from the name. It cannot change later: links and saved "
                "filters use it.",
                example=example,
            ),
        )
        kwargs.setdefault("filters", [strip_whitespace, lower_case])
        kwargs.setdefault(
            "validators", [Optional(), Length(max=80, message=_l("Use at most 80 characters."))]
        )
        super().__init__(label, **kwargs)

    def pre_validate(self, form):
        if self.data and not SLUG.fullmatch(self.data):
            raise ValidationError(
                _("Use only lower-case letters, digits and single hyphens between them.")
            )


def welsh_name_field(max_length: int) -> StringField:
    """The optional Welsh name that the Welsh pages (/cy/…) show instead of the name."""
    return StringField(
        _l("Welsh name"),
        filters=[strip_whitespace],
        description=_l(
            "Shown on the Welsh pages. Leave it empty when the name is the same in Welsh "
            "or not yet translated: the name above is shown instead."
        ),
        validators=[
            Length(
                max=max_length,
                message=_l("Use at most %(count)s characters.", count=max_length),
            )
        ],
    )


class ThemeForm(Form):
    name = StringField(
        _l("Name"),
        filters=[strip_whitespace],
        validators=[
            DataRequired(message=_l("Enter the theme's name.")),
            Length(max=80, message=_l("Use at most 80 characters.")),
        ],
    )
    name_cy = welsh_name_field(80)
    slug = SlugField(example="food")
    colour = StringField(
        _l("Colour"),
        filters=[strip_whitespace, lower_case],
        description=_l(
            "A hex colour like #1d4e89, dark enough to read as text on white "
            "(contrast of at least 4.5 to 1)."
        ),
        validators=[DataRequired(message=_l("Enter a colour like #1d4e89."))],
    )
    description = TextAreaField(
        _l("Description"),
        filters=[strip_whitespace],
        validators=[Length(max=500, message=_l("Use at most 500 characters."))],
    )
    description_cy = TextAreaField(
        _l("Welsh description"),
        filters=[strip_whitespace],
        description=_l(
            "Shown on the Welsh pages. Leave it empty until it is translated: the description "
            "above is shown instead, marked as English."
        ),
        validators=[Length(max=500, message=_l("Use at most 500 characters."))],
    )
    position = NumberField(
        _l("Position"),
        minimum=0,
        maximum=1000,
        example="3",
        description=_l("Themes are listed by position, lowest first."),
    )
    submit = SubmitField(_l("Save theme"))

    def validate_colour(self, field) -> None:
        if not COLOUR.fullmatch(field.data or ""):
            raise ValidationError(_("Enter a colour as # and six hex digits, like #1d4e89."))
        ratio = contrast_with_white(field.data)
        if ratio < MIN_CONTRAST:
            raise ValidationError(
                _(
                    "Choose a darker colour: this one has a contrast of %(ratio)s to 1 "
                    "against white, and text needs at least 4.5 to 1.",
                    ratio=format(ratio, ".1f"),
                )
            )

    def validate_position(self, field) -> None:
        if field.data is not None and not float(field.data).is_integer():
            raise ValidationError(_("Enter the position as a whole number."))


class NeighbourhoodForm(Form):
    name = StringField(
        _l("Name"),
        filters=[strip_whitespace],
        validators=[
            DataRequired(message=_l("Enter the neighbourhood's name.")),
            Length(max=120, message=_l("Use at most 120 characters.")),
        ],
    )
    name_cy = welsh_name_field(120)
    slug = SlugField(example="kirkstall")
    local_authority = StringField(
        _l("Local authority"),
        filters=[strip_whitespace],
        description=_l(
            "The council whose area it is, for example “Leeds City Council”: its "
            "council officers see and verify the neighbourhood's initiatives."
        ),
        validators=[
            DataRequired(message=_l("Enter the local authority.")),
            Length(max=200, message=_l("Use at most 200 characters.")),
        ],
    )
    local_authority_cy = StringField(
        _l("Local authority in Welsh"),
        filters=[strip_whitespace],
        description=_l(
            "Its Welsh name, like “Cyngor Caerdydd”, shown on the Welsh pages. Leave it empty "
            "when it has none: the name above is shown instead."
        ),
        validators=[Length(max=200, message=_l("Use at most 200 characters."))],
    )
    latitude = NumberField(
        _l("Latitude of the centre"),
        minimum=-90,
        maximum=90,
        example="53.8177",
        required_message=_l("Enter the latitude of the centre."),
        description=_l("In decimal degrees, for example 53.8177."),
    )
    longitude = NumberField(
        _l("Longitude of the centre"),
        minimum=-180,
        maximum=180,
        example="-1.6019",
        required_message=_l("Enter the longitude of the centre."),
        description=_l("In decimal degrees, for example -1.6019 (west of Greenwich is negative)."),
    )
    submit = SubmitField(_l("Save neighbourhood"))
