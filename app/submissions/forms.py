"""The submission form: one page for an initiative, its participants and its outcomes.

Validation has two levels. Every post checks what was typed (numbers, dates, links, lengths);
"Submit for review" also asks for everything a published initiative needs. ``content`` turns
the form into the plain data of app.initiatives.content, leaving out what could not be read.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from datetime import date
from typing import Any

from flask_babel import gettext as _
from wtforms import BooleanField, FieldList, FormField, HiddenField, StringField, TextAreaField

from app.forms import (
    Form,
    SelectChoice,
    add_error,
    refuse_control_characters,
    select_choices,
    strip_whitespace,
)
from app.i18n import lazy_text as _l
from app.initiatives.bilingual import local_name
from app.initiatives.links import contact_link, contact_text
from app.initiatives.vocabulary import CREDITS, PRECISIONS, STAGES, STATUSES
from app.languages import ENGLISH, OWN_NAMES, current_language
from app.photos.forms import PhotoRowForm
from app.photos.services import MAX_PHOTOS
from app.submissions.fields import (
    CheckboxesField,
    ChoiceField,
    DayField,
    NumberField,
    RadiosField,
    check_contact_link,
    iso_date,
    length,
    parsed,
    require,
    text_value,
    typed,
)
from app.submissions.rows import OutcomeForm, ParticipantForm

MAX_ROWS = 30
# A post with more rows than MAX_ROWS is refused; this many of them are shown again to edit
# (a real person's over-full form, not a post of a hundred thousand).
ROWS_SHOWN_WHEN_TOO_MANY = 100
ROW_LIST_NAMES = ("participants", "outcomes")
CONTROL_CHARACTERS_TYPED = _l("Remove the control characters (such as NUL) from this text.")
ROW_LABELS = {"participants": _l("Participant"), "outcomes": _l("Outcome"), "photos": _l("Photo")}


# What "Submit for review" needs, beyond what each field's own validators check. The form
# applies these, and an import's rows are checked against the same ones (app.imports.checking).
REQUIRED_FIELDS = (
    ("summary", _l("Enter a short summary.")),
    ("main_theme", _l("Choose the main theme.")),
    ("neighbourhood", _l("Choose the neighbourhood.")),
)
# (field, the field whose value makes it needed, that value, message)
REQUIRED_WHEN = (
    ("credit_name", "credit", "organisation", _l("Enter the name of your group or organisation.")),
)
# In a row that is not blank: (field, message, the fields any of which typed makes it needed;
# none: always).
ROW_REQUIRED: dict[str, tuple[tuple[str, Any, tuple[str, ...]], ...]] = {
    "participants": (("sector", _l("Choose the sector."), ()),),
    "outcomes": (
        ("description", _l("Describe what changed."), ()),
        (
            "indicator",
            _l("Say what was counted, like “reported burglaries”."),
            ("baseline", "result"),
        ),
    ),
}
# Fields typed together or not at all: (one, the other, the other's message when only one is).
PAIRED_FIELDS = (
    ("latitude", "longitude", _l("Enter the longitude too, or leave both empty.")),
    ("longitude", "latitude", _l("Enter the latitude too, or leave both empty.")),
)
DATE_ORDER = ("started_on", "ended_on")  # the second on or after the first


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _short_label(label: str) -> str:
    """A field's label as a problem names it: "Alt text (a description of the photo)" is
    "Alt text", "How should we credit it?" is "How should we credit it"."""
    return label.split(" (", 1)[0].rstrip("?")


def named_problem(label: str, message: str, row: str = "", number: int = 0) -> str:
    """A field's problem that names it: "Title: enter a title.", and in a row "Participant 1,
    hours: enter a number, like 12 or 3.5"."""
    if row:
        return _(
            "%(row)s %(number)s, %(field)s: %(message)s",
            row=row,
            number=number,
            field=_lower_first(_short_label(label)),
            message=_lower_first(message),
        )
    return _("%(field)s: %(message)s", field=_short_label(label), message=_lower_first(message))


class InitiativeForm(Form):
    title = StringField(
        _l("Title"),
        description=_l("A short name, like “Kirkstall street watch”."),
        filters=[strip_whitespace],
        validators=[length(200)],
    )
    summary = TextAreaField(
        _l("Summary"),
        description=_l(
            "One or two sentences: what you did and with whom. At most 500 characters."
        ),
        filters=[strip_whitespace],
        validators=[length(500)],
        render_kw={"rows": 3},
    )
    description = TextAreaField(
        _l("Description"),
        description=_l(
            "Optional: the story, how it started, who did what, what you learned. "
            "You can use Markdown: **bold**, *italic*, [a link](https://example.org) and lists "
            "with a “- ” at the start of each line."
        ),
        validators=[length(20000)],
        render_kw={"rows": 10},
    )
    language = RadiosField(
        _l("Written in"),
        description=_l("The language of the title, summary and description above."),
        choices=select_choices(OWN_NAMES),
        message=_l("Choose English or Cymraeg."),
    )
    title_cy = StringField(
        _l("Welsh title"),
        description=_l("Optional: the title in Welsh, shown on the Welsh pages."),
        filters=[strip_whitespace],
        validators=[length(200)],
        render_kw={"lang": "cy"},
    )
    summary_cy = TextAreaField(
        _l("Welsh summary"),
        description=_l("Optional: the summary in Welsh."),
        filters=[strip_whitespace],
        validators=[length(500)],
        render_kw={"rows": 3, "lang": "cy"},
    )
    description_cy = TextAreaField(
        _l("Welsh description"),
        description=_l("Optional: the description in Welsh (Markdown as above)."),
        validators=[length(20000)],
        render_kw={"rows": 10, "lang": "cy"},
    )
    main_theme = ChoiceField(
        _l("Main theme"),
        description=_l("What it is mostly about."),
        message=_l("Choose a theme from the list."),
    )
    other_themes = CheckboxesField(
        _l("Other themes"), description=_l("Optional: any others it touches.")
    )
    stages = CheckboxesField(
        _l("Stages that were co-produced"),
        choices=select_choices(STAGES),
        description=_l(
            "Optional: which parts of the work residents and public services did together: "
            "co-commissioning is deciding what is needed, co-design is planning it, co-delivery "
            "is doing it, co-assessment is checking how it went."
        ),
    )
    status = RadiosField(_l("Status"), choices=select_choices(STATUSES), default="active")
    started_on = DayField(_l("Start date"), description=_l("Optional."))
    ended_on = DayField(
        _l("End date"), description=_l("Optional. Leave it empty if it is still going.")
    )
    neighbourhood = ChoiceField(
        _l("Neighbourhood"), message=_l("Choose a neighbourhood from the list.")
    )
    place_name = StringField(
        _l("Place"),
        description=_l("Optional: a street, park, school or building, like “Hawksworth Road”."),
        filters=[strip_whitespace],
        validators=[length(200)],
    )
    latitude = NumberField(
        _l("Latitude"),
        minimum=-90,
        maximum=90,
        range_message=_l("Enter a latitude between -90 and 90, like 53.8206."),
        description=_l("Optional, like 53.8206. Leave both empty to show the neighbourhood."),
    )
    longitude = NumberField(
        _l("Longitude"),
        minimum=-180,
        maximum=180,
        range_message=_l("Enter a longitude between -180 and 180, like -1.6040."),
        description=_l("Optional, like -1.6040."),
    )
    # "1" while a place name waits for the geocoder (a look-up failed); the page carries it.
    location_pending = HiddenField()
    location_precision = RadiosField(
        _l("How precisely may the public see the place?"),
        choices=select_choices(PRECISIONS),
        default="street",
        description=_l("You and the moderators always see the point you entered."),
    )
    participants = FieldList(FormField(ParticipantForm), min_entries=1, max_entries=MAX_ROWS)
    outcomes = FieldList(FormField(OutcomeForm), min_entries=1, max_entries=MAX_ROWS)
    photos = FieldList(FormField(PhotoRowForm), min_entries=0, max_entries=MAX_PHOTOS)
    contact_url = StringField(
        _l("Contact link"),
        description=_l(
            "Optional: a website or an email address your group is happy to share publicly."
        ),
        filters=[strip_whitespace],
        validators=[length(500), check_contact_link],
    )
    credit = RadiosField(
        _l("How should we credit it?"),
        choices=select_choices(CREDITS),
        default="name",
        description=_l(
            "Credit helps others copy the idea: readers can see who did it and ask them how."
        ),
    )
    credit_name = StringField(
        _l("Name of your group or organisation"),
        description=_l("Only if you chose credit by group or organisation."),
        filters=[strip_whitespace],
        validators=[length(200)],
    )
    consent = BooleanField(_l("I agree"))

    def read_again(self, formdata: Any) -> None:
        """Read another submission into this form, its choices kept, as if it were new: an
        import checks each of its rows with one form rather than building one per row."""
        self.form_errors = []
        self.process(formdata)

    def check(
        self,
        submitting: bool,
        title_needed: bool = True,
        consent_needed: bool = False,
        typed_by_hand: bool = True,
    ):
        """Validate what was typed; when submitting, also that nothing needed is missing.

        Text typed into the page that held control characters is refused with a message (a
        person can see and fix it); the API (``typed_by_hand=False``) drops them, as its
        OpenAPI document allows any string.
        """
        self.validate()
        if typed_by_hand:
            refuse_control_characters(self, CONTROL_CHARACTERS_TYPED)
        self._check_consistency()
        if title_needed:
            require(self.title, _l("Enter a title."))
        if submitting:
            self._check_complete(consent_needed)
        return not self.form_errors and not self._field_errors()

    def _check_consistency(self) -> None:
        for one, other, message in PAIRED_FIELDS:
            if typed(self[one]) and not typed(self[other]) and not self[other].errors:
                add_error(self[other], str(message))
        first, second = DATE_ORDER
        start, end = parsed(self[first]), parsed(self[second])
        if start and end and end < start:
            add_error(self[second], _("The end date must be on or after the start date."))

    def _check_complete(self, consent_needed: bool) -> None:
        # The minimal submission: a title, a summary, a theme, the neighbourhood, one
        # participant and consent. Stages, status and the rest can come later.
        for name, message in REQUIRED_FIELDS:
            require(self[name], message)
        for name, other, value, message in REQUIRED_WHEN:
            if self[other].data == value:
                require(self[name], message)
        participants = [entry.form for entry in self.participants]
        # A new submission (the page's or the API's) names one participant at least; edits
        # and imports of older records without any are not refused for it.
        if consent_needed and participants and all(p.is_blank() for p in participants):
            require(
                participants[0].sector,
                _l("Choose the sector of at least one group that took part."),
            )
        for list_name, rules in ROW_REQUIRED.items():
            row_list = getattr(self, list_name)
            for entry in row_list:
                row = entry.form
                if row.is_blank():
                    continue
                for name, message, when in rules:
                    if not when or any(typed(row[field]) for field in when):
                        require(row[name], message)
        for photo in self.photos:
            require(photo.form.alt, _l("Describe the photo for people who cannot see it."))
        if consent_needed and not self.consent.data:
            add_error(self.consent, _("Tick the box to agree to publish under the licence."))

    def _field_errors(self) -> list[tuple[tuple[str, int], Any]]:
        """Every field with a problem, with its row's label and number ("" and 0 outside
        rows), in page order."""
        fields: list[tuple[tuple[str, int], Any]] = []
        for field in self:
            if isinstance(field, FieldList):
                fields += [
                    ((str(ROW_LABELS[field.short_name]), number), subfield)
                    for number, entry in enumerate(field, start=1)
                    for subfield in entry.form
                    if subfield.errors  # the label is translated only for a row with a problem
                ]
            elif field.errors:
                fields.append((("", 0), field))
        return fields

    def name_errors(self) -> None:
        """Make each problem name its field, beside the field and in the summary alike:
        "Participant 1, hours: enter a number, like 12 or 3.5". (Imports read the plain
        messages, so only pages and the API call this; naming twice changes nothing.)"""
        named = self.__dict__.setdefault("_named_messages", set())
        for (row, number), field in self._field_errors():
            messages = []
            for message in field.errors:
                # A tick box's message already says what to tick.
                if message not in named and field.type != "BooleanField":
                    message = named_problem(str(field.label.text), str(message), row, number)
                    named.add(message)
                messages.append(message)
            field.errors = messages

    def error_list(self) -> list[tuple[str, str]]:
        """Every problem as (id of the field, message naming the field), in page order."""
        self.name_errors()
        problems = [("", message) for message in self.form_errors]
        for _row, field in self._field_errors():
            problems += [(field.id, message) for message in field.errors]
        return problems

    def content(
        self,
        outcome_ids: Collection[int],
        location_state: str,
        photo_ids: Collection[int] = (),
    ) -> dict[str, Any]:
        """The initiative content this form holds (app.initiatives.content's shape); photos
        only when the initiative has some (``photo_ids``: its own)."""
        latitude, longitude = parsed(self.latitude), parsed(self.longitude)
        if latitude is None or longitude is None:
            latitude = longitude = None
            location_state = "pending" if self.place_pending(location_state) else "none"
        else:
            location_state = "set"
        main_theme = parsed(self.main_theme)
        themes = [main_theme] if main_theme else []
        themes += [slug for slug in self.other_themes.data or () if slug not in themes]
        neighbourhood = parsed(self.neighbourhood)
        return {
            "title": text_value(self.title, 200),
            "summary": text_value(self.summary, 500),
            "description": text_value(self.description, 20000),
            "language": parsed(self.language, ENGLISH),
            "title_cy": text_value(self.title_cy, 200),
            "summary_cy": text_value(self.summary_cy, 500),
            "description_cy": text_value(self.description_cy, 20000),
            "status": parsed(self.status, "active"),
            "started_on": iso_date(parsed(self.started_on)),
            "ended_on": iso_date(parsed(self.ended_on)),
            "neighbourhood_id": int(neighbourhood) if neighbourhood else None,
            "place_name": text_value(self.place_name, 200),
            "latitude": latitude,
            "longitude": longitude,
            "location_precision": parsed(self.location_precision, "street"),
            "location_state": location_state,
            "contact_url": contact_link(parsed(self.contact_url, "")) or "",
            "credit": parsed(self.credit, "name"),
            "credit_name": text_value(self.credit_name, 200),
            "themes": themes,
            "stages": [stage for stage in STAGES if stage in (self.stages.data or ())],
            "participants": [
                entry.form.content() for entry in self.participants if not entry.form.is_blank()
            ],
            "outcomes": self._outcomes_content(outcome_ids),
            **self._photos_content(photo_ids),
        }

    def _photos_content(self, photo_ids: Collection[int]) -> dict[str, Any]:
        if not photo_ids:
            return {}
        rows, unused = [], set(photo_ids)
        for entry in self.photos:
            raw_id = (entry.form.photo_id.data or "").strip()
            if not raw_id.isdigit() or int(raw_id) not in unused:
                continue
            unused.discard(int(raw_id))
            rows.append(
                {
                    "id": int(raw_id),
                    "alt": text_value(entry.form.alt, 300),
                    "caption": text_value(entry.form.caption, 300),
                    "credit": text_value(entry.form.credit, 200),
                }
            )
        return {"photos": rows}

    def place_pending(self, stored_state: str) -> bool:
        """Whether the place name (given without a point) waits for the geocoder, as it does
        in the API: the page's flag says so ("1" unless a look-up of this name answered),
        else the stored state does."""
        if not text_value(self.place_name, 200):
            return False
        if self.location_pending.raw_data:
            return self.location_pending.data == "1"
        return stored_state == "pending"

    def use_point(self, latitude: float, longitude: float) -> None:
        """Put a chosen point in the latitude and longitude boxes, as if typed."""
        for field, value in ((self.latitude, latitude), (self.longitude, longitude)):
            typed_in(field, f"{value:.6f}".rstrip("0").rstrip("."))

    def _outcomes_content(self, outcome_ids: Collection[int]) -> list[dict[str, Any]]:
        # An outcome keeps its id (and so its verification) only if it is one of this
        # initiative's own outcomes, and only once.
        unused = set(outcome_ids)
        rows = []
        for entry in self.outcomes:
            if entry.form.is_blank():
                continue
            raw_id = (entry.form.outcome_id.data or "").strip()
            outcome_id = int(raw_id) if raw_id.isdigit() and int(raw_id) in unused else None
            unused.discard(outcome_id)
            rows.append(entry.form.content(outcome_id))
        return rows


def typed_in(field, text: str) -> None:
    """Set a field as if the person had typed the text (it is shown and saved as such)."""
    field.raw_data = [text]
    field.process_formdata([text])
    field.errors = []


def chosen_point(text: str | None) -> tuple[float, float] | None:
    """A place picked from the matches ("latitude,longitude"), or None if it is not one."""
    try:
        latitude, longitude = (float(part) for part in (text or "").split(","))
    except ValueError:
        return None
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None
    if abs(latitude) > 90 or abs(longitude) > 180:
        return None
    return latitude, longitude


def form_data(content: dict[str, Any]) -> dict[str, Any]:
    """The form's starting values for an initiative's content."""
    themes = content.get("themes") or []
    neighbourhood_id = content.get("neighbourhood_id")
    return {
        **{
            key: content.get(key) or ""
            for key in (
                "title",
                "summary",
                "description",
                "title_cy",
                "summary_cy",
                "description_cy",
                "place_name",
                "credit_name",
            )
        },
        "language": content.get("language") or current_language(),
        "status": content.get("status") or "active",
        "started_on": _date(content.get("started_on")),
        "ended_on": _date(content.get("ended_on")),
        "neighbourhood": str(neighbourhood_id) if neighbourhood_id else "",
        "latitude": content.get("latitude"),
        "longitude": content.get("longitude"),
        # A place name without a point waits for the geocoder, unless it was looked up already
        # (by the person, or by the `geocode` command) and found nothing to use.
        "location_pending": (
            "" if content.get("location_state") == "none" and content.get("place_name") else "1"
        ),
        "location_precision": content.get("location_precision") or "street",
        "contact_url": contact_text(content.get("contact_url") or ""),
        "credit": content.get("credit") or "name",
        "main_theme": themes[0] if themes else "",
        "other_themes": themes[1:],
        "stages": content.get("stages") or [],
        "participants": [
            {key: row.get(key) for key in ("sector", "name", "roles", "people", "hours")}
            for row in content.get("participants") or []
        ],
        "outcomes": [
            {
                **{
                    key: row.get(key)
                    for key in ("description", "indicator", "baseline", "result", "unit")
                },
                "outcome_id": str(row["id"]) if row.get("id") else "",
                "measured_on": _date(row.get("measured_on")),
                "evidence_url": row.get("evidence_url") or "",
            }
            for row in content.get("outcomes") or []
        ],
        "photos": [
            {
                "photo_id": str(row["id"]),
                **{key: row.get(key) or "" for key in ("alt", "caption", "credit")},
            }
            for row in content.get("photos") or []
        ],
    }


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def typed_rows(formdata: Mapping[str, object]) -> dict[str, int]:
    """How many participant and outcome rows a post holds (by their numbered field names)."""
    pattern = re.compile(rf"({'|'.join(ROW_LIST_NAMES)})-(\d+)-")
    indices: dict[str, set[str]] = {name: set() for name in ROW_LIST_NAMES}
    for key in formdata:
        match = pattern.match(key)
        if match:
            indices[match[1]].add(match[2])
    return {name: len(found) for name, found in indices.items()}


def refuse_extra_rows(form: InitiativeForm, formdata: Any) -> bool:
    """When a post holds more than MAX_ROWS rows of a kind, read them all back into the form
    (up to ROWS_SHOWN_WHEN_TOO_MANY) and say so; True when it did."""
    refused = False
    for name, count in typed_rows(formdata).items():
        if count <= MAX_ROWS:
            continue
        refused = True
        rows = getattr(form, name)
        rows.max_entries = min(count, ROWS_SHOWN_WHEN_TOO_MANY)
        rows.process(formdata)
        form.form_errors.append(too_many_rows_message(name, count))
        if count > ROWS_SHOWN_WHEN_TOO_MANY:
            form.form_errors.append(
                _("Only the first %(shown)s of them are shown.", shown=ROWS_SHOWN_WHEN_TOO_MANY)
            )
    return refused


def too_many_rows_message(name: str, count: int) -> str:
    if name == "participants":
        return _(
            "You can list at most %(limit)s participants, and this form has %(count)s. "
            "Remove the extra ones, then save again.",
            limit=MAX_ROWS,
            count=f"{count:,}",
        )
    return _(
        "You can list at most %(limit)s outcomes, and this form has %(count)s. "
        "Remove the extra ones, then save again.",
        limit=MAX_ROWS,
        count=f"{count:,}",
    )


ChoiceLists = tuple[list[SelectChoice], list[SelectChoice], list[SelectChoice]]


def initiative_choices(themes: list, neighbourhoods: list) -> ChoiceLists:
    """The main theme's, other themes' and neighbourhood's options (built once, they serve
    any number of forms: an import checks thousands of rows with the same ones)."""
    main_theme = [
        SelectChoice("", _l("Choose the main theme")),
        *(SelectChoice(theme.slug, local_name(theme)) for theme in themes),
    ]
    other_themes = [SelectChoice(theme.slug, local_name(theme)) for theme in themes]
    neighbourhood_choices = [
        SelectChoice("", _l("Choose a neighbourhood")),
        *(
            # The place picker suggests neighbourhoods by slug.
            SelectChoice(
                str(neighbourhood.id),
                local_name(neighbourhood),
                render_kw={
                    "data-slug": neighbourhood.slug,
                    # The map picker starts at the chosen neighbourhood.
                    "data-lat": neighbourhood.latitude,
                    "data-lon": neighbourhood.longitude,
                },
            )
            for neighbourhood in neighbourhoods
        ),
    ]
    return main_theme, other_themes, neighbourhood_choices


def initiative_form(
    themes: list,
    neighbourhoods: list,
    licence: str,
    choices: ChoiceLists | None = None,
    **kwargs: Any,
) -> InitiativeForm:
    """The submission form with today's themes and neighbourhoods to choose from (or the
    ``choices`` built from them)."""
    form = InitiativeForm(**kwargs)
    main_theme, other_themes, neighbourhood_choices = choices or initiative_choices(
        themes, neighbourhoods
    )
    form.main_theme.choices = main_theme
    form.other_themes.choices = other_themes
    form.neighbourhood.choices = neighbourhood_choices
    form.consent.label.text = _(
        "I agree that this initiative is published as open data under the %(licence)s licence",
        licence=licence,
    )
    return form
