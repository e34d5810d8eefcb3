"""The submission form: one page for an initiative, its participants and its outcomes.

Validation has two levels. Every post checks what was typed (numbers, dates, links, lengths);
"Submit for review" also asks for everything a published initiative needs. ``content`` turns
the form into the plain data of app.initiatives.content, leaving out what could not be read.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from datetime import date
from typing import Any

from wtforms import BooleanField, FieldList, FormField, HiddenField, StringField, TextAreaField

from app.forms import Form, SelectChoice, add_error, select_choices, strip_whitespace
from app.initiatives.links import contact_link, contact_text
from app.initiatives.vocabulary import CREDITS, PRECISIONS, STAGES, STATUSES
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


class InitiativeForm(Form):
    title = StringField(
        "Title",
        description="A short name, like “Kirkstall street watch”.",
        filters=[strip_whitespace],
        validators=[length(200)],
    )
    summary = TextAreaField(
        "Summary",
        description="One or two sentences: what you did and with whom. At most 500 characters.",
        filters=[strip_whitespace],
        validators=[length(500)],
        render_kw={"rows": 3},
    )
    description = TextAreaField(
        "Description",
        description="Optional: the story, how it started, who did what, what you learned. "
        "You can use Markdown: **bold**, *italic*, [a link](https://example.org) and lists "
        "with a “- ” at the start of each line.",
        validators=[length(20000)],
        render_kw={"rows": 10},
    )
    main_theme = ChoiceField(
        "Main theme",
        description="What it is mostly about.",
        message="Choose a theme from the list.",
    )
    other_themes = CheckboxesField("Other themes", description="Optional: any others it touches.")
    stages = CheckboxesField(
        "Stages that were co-produced",
        choices=select_choices(STAGES),
        description="Which parts of the work residents and public services did together: "
        "co-commissioning is deciding what is needed, co-design is planning it, co-delivery "
        "is doing it, co-assessment is checking how it went.",
    )
    status = RadiosField("Status", choices=select_choices(STATUSES), default="active")
    started_on = DayField("Start date", description="Optional.")
    ended_on = DayField("End date", description="Optional. Leave it empty if it is still going.")
    neighbourhood = ChoiceField("Neighbourhood", message="Choose a neighbourhood from the list.")
    place_name = StringField(
        "Place",
        description="Optional: a street, park, school or building, like “Hawksworth Road”.",
        filters=[strip_whitespace],
        validators=[length(200)],
    )
    latitude = NumberField(
        "Latitude",
        minimum=-90,
        maximum=90,
        range_message="Enter a latitude between -90 and 90, like 53.8206.",
        description="Optional, like 53.8206. Leave both empty to show the neighbourhood.",
    )
    longitude = NumberField(
        "Longitude",
        minimum=-180,
        maximum=180,
        range_message="Enter a longitude between -180 and 180, like -1.6040.",
        description="Optional, like -1.6040.",
    )
    # "1" while a place name waits for the geocoder (a look-up failed); the page carries it.
    location_pending = HiddenField()
    location_precision = RadiosField(
        "How precisely may the public see the place?",
        choices=select_choices(PRECISIONS),
        default="street",
        description="You and the moderators always see the point you entered.",
    )
    participants = FieldList(FormField(ParticipantForm), min_entries=1, max_entries=MAX_ROWS)
    outcomes = FieldList(FormField(OutcomeForm), min_entries=1, max_entries=MAX_ROWS)
    contact_url = StringField(
        "Contact link",
        description="Optional: a website or an email address your group is happy to share "
        "publicly.",
        filters=[strip_whitespace],
        validators=[length(500), check_contact_link],
    )
    credit = RadiosField(
        "How should we credit it?",
        choices=select_choices(CREDITS),
        default="name",
        description="Credit helps others copy the idea: readers can see who did it and ask "
        "them how.",
    )
    credit_name = StringField(
        "Name of your group or organisation",
        description="Only if you chose credit by group or organisation.",
        filters=[strip_whitespace],
        validators=[length(200)],
    )
    consent = BooleanField("I agree")

    def check(self, submitting: bool, title_needed: bool = True, consent_needed: bool = False):
        """Validate what was typed; when submitting, also that nothing needed is missing."""
        self.validate()
        self._check_consistency()
        if title_needed:
            require(self.title, "Enter a title.")
        if submitting:
            self._check_complete(consent_needed)
        return not self.error_list()

    def _check_consistency(self) -> None:
        for one, other, name in (
            (self.latitude, self.longitude, "longitude"),
            (self.longitude, self.latitude, "latitude"),
        ):
            if typed(one) and not typed(other) and not other.errors:
                add_error(other, f"Enter the {name} too, or leave both empty.")
        start, end = parsed(self.started_on), parsed(self.ended_on)
        if start and end and end < start:
            add_error(self.ended_on, "The end date must be on or after the start date.")

    def _check_complete(self, consent_needed: bool) -> None:
        require(self.summary, "Enter a short summary.")
        require(self.main_theme, "Choose the main theme.")
        require(self.stages, "Choose at least one stage that was co-produced.")
        require(self.status, "Choose the status.")
        require(self.neighbourhood, "Choose the neighbourhood.")
        if self.credit.data == "organisation":
            require(self.credit_name, "Enter the name of your group or organisation.")
        for participant in self.participants:
            if not participant.form.is_blank():
                require(participant.form.sector, "Choose the sector.")
        for outcome in self.outcomes:
            row = outcome.form
            if row.is_blank():
                continue
            require(row.description, "Describe what changed.")
            if typed(row.baseline) or typed(row.result):
                require(row.indicator, "Say what was counted, like “reported burglaries”.")
        if consent_needed and not self.consent.data:
            add_error(self.consent, "Tick the box to agree to publish under the licence.")

    def error_list(self) -> list[tuple[str, str]]:
        """Every problem as (id of the field, message), in page order, rows named."""
        problems = [("", message) for message in self.form_errors]
        for field in self:
            if isinstance(field, FieldList):
                label = "Participant" if field is self.participants else "Outcome"
                for number, entry in enumerate(field, start=1):
                    for subfield in entry.form:
                        problems += [
                            (subfield.id, f"{label} {number}: {message}")
                            for message in subfield.errors
                        ]
            else:
                problems += [(field.id, message) for message in field.errors]
        return problems

    def content(self, outcome_ids: Collection[int], location_state: str) -> dict[str, Any]:
        """The initiative content this form holds (app.initiatives.content's shape)."""
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
        }

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
            for key in ("title", "summary", "description", "place_name", "credit_name")
        },
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
    }


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def initiative_form(
    themes: list, neighbourhoods: list, licence: str, **kwargs: Any
) -> InitiativeForm:
    """The submission form with today's themes and neighbourhoods to choose from."""
    form = InitiativeForm(**kwargs)
    form.main_theme.choices = [
        SelectChoice("", "Choose the main theme"),
        *(SelectChoice(theme.slug, theme.name) for theme in themes),
    ]
    form.other_themes.choices = [SelectChoice(theme.slug, theme.name) for theme in themes]
    form.neighbourhood.choices = [
        SelectChoice("", "Choose a neighbourhood"),
        *(
            # The place picker suggests neighbourhoods by slug.
            SelectChoice(
                str(neighbourhood.id),
                neighbourhood.name,
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
    form.consent.label.text = (
        f"I agree that this initiative is published as open data under the {licence} licence"
    )
    return form
