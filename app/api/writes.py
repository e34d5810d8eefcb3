"""``POST /api/v1/initiatives``: a submission through the API, validated like the form.

The JSON body is turned into the submission form's own fields (``participants-0-sector``,
...), the form checks it exactly as it checks a resident's submission, and the same service
sends it for review. Outcomes cannot carry a verification: only council officers verify.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g, request
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.api.auth import api_user_key, bearer_required
from app.api.responses import api_json
from app.api.serialize import initiative_detail
from app.errors import json_error
from app.extensions import csrf, db, limiter
from app.initiatives.services import initiative_url
from app.neighbourhoods.models import Neighbourhood
from app.shared_filters.parse import is_slug
from app.submissions import services
from app.submissions.forms import MAX_ROWS, initiative_form
from app.themes.services import list_themes

TEXT_FIELDS = (
    "title", "summary", "description", "status", "started_on", "ended_on", "place_name",
    "location_precision", "contact_url", "credit", "credit_name",
)  # fmt: skip
NUMBER_FIELDS = ("latitude", "longitude")
LIST_FIELDS = ("themes", "stages")
ROWS = {
    "participants": {"sector": "text", "name": "text", "roles": "list", "people": "number",
                     "hours": "number"},
    "outcomes": {"description": "text", "indicator": "text", "baseline": "number",
                 "result": "number", "unit": "text", "measured_on": "text",
                 "evidence_url": "text"},
}  # fmt: skip
KNOWN = {*TEXT_FIELDS, *NUMBER_FIELDS, *LIST_FIELDS, *ROWS, "neighbourhood", "consent"}
NOT_A_NEIGHBOURHOOD = "unknown:"  # never a neighbourhood id, so the form says it is unknown
VERIFICATION_KEYS = {"verified", "verified_at", "verified_by", "verification_note"}


class BodyError(ValueError):
    """A body that is not the expected shape (400); ``field`` names where."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _text(field: str, value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BodyError(field, "Must be a string.")
    return _unicode(field, value)


def _unicode(field: str, value: str) -> str:
    """JSON may escape lone surrogates ("\\ud800") that no database can store."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BodyError(field, "Must be valid Unicode text.") from None
    return value


def _number(field: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BodyError(field, "Must be a number (or null).")
    return str(value)


def _strings(field: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BodyError(field, "Must be a list of strings.")
    return [_unicode(field, item) for item in value]


def _rows(name: str, value: Any, data: MultiDict) -> None:
    if value is None:
        return
    if not isinstance(value, list):
        raise BodyError(name, "Must be a list of objects.")
    if len(value) > MAX_ROWS:
        raise BodyError(name, f"At most {MAX_ROWS} {name}.")
    fields = ROWS[name]
    for index, row in enumerate(value):
        prefix = f"{name}-{index}"
        if not isinstance(row, dict):
            raise BodyError(prefix, "Must be an object.")
        unknown = sorted(set(row) - set(fields))
        if unknown:
            hint = (
                " Outcomes are verified by council officers, not by the submitter."
                if VERIFICATION_KEYS & set(unknown)
                else ""
            )
            raise BodyError(prefix, f"Unknown field {', '.join(unknown)}.{hint}")
        for key, kind in fields.items():
            field = f"{prefix}-{key}"
            if kind == "list":
                for item in _strings(field, row.get(key)):
                    data.add(field, item)
            else:
                read = _text if kind == "text" else _number
                data.add(field, read(field, row.get(key)))


def form_data_from_json(body: Any) -> MultiDict:
    """The submission form's fields for a JSON body; BodyError when it is the wrong shape."""
    if not isinstance(body, dict):
        raise BodyError("", "The body must be a JSON object.")
    unknown = sorted(set(body) - KNOWN)
    if unknown:
        raise BodyError(unknown[0], f"Unknown field: {', '.join(unknown)}.")
    data = MultiDict()
    for field in TEXT_FIELDS:
        data.add(field, _text(field, body.get(field)))
    for field in NUMBER_FIELDS:
        data.add(field, _number(field, body.get(field)))
    themes = _strings("themes", body.get("themes"))
    if themes:
        data.add("main_theme", themes[0])
    for slug in themes[1:]:
        data.add("other_themes", slug)
    for stage in _strings("stages", body.get("stages")):
        data.add("stages", stage)
    slug = _text("neighbourhood", body.get("neighbourhood")).strip()
    if slug:
        neighbourhood_id = is_slug(slug) and db.session.scalar(
            select(Neighbourhood.id).where(Neighbourhood.slug == slug)
        )
        data.add("neighbourhood", str(neighbourhood_id or NOT_A_NEIGHBOURHOOD + slug))
    consent = body.get("consent")
    if consent is not None and not isinstance(consent, bool):
        raise BodyError("consent", "Must be true or false.")
    if consent:
        data.add("consent", "y")
    for name in ROWS:
        _rows(name, body.get(name), data)
    return data


# Form field -> the JSON field a client sent.
FIELD_NAMES = {"main_theme": "themes", "other_themes": "themes"}


def form_errors(form) -> dict[str, str]:
    """The form's problems keyed by the body's field names (rows as ``participants-0-people``)."""
    errors: dict[str, str] = {}
    for field_id, message in form.error_list():
        errors.setdefault(FIELD_NAMES.get(field_id, field_id) or "body", message)
    return errors


@csrf.exempt
@bearer_required
@limiter.limit(lambda: current_app.config["RATELIMIT_API_WRITE"], key_func=api_user_key)
def create_initiative():
    """Submit an initiative for review with a personal API token.
    ---
    post:
      summary: Submit an initiative for review (needs an API token)
      description: >
        Creates a pending submission, exactly as the submission form does and with the same
        validation; a moderator reviews it before it is published. Send
        `Authorization: Bearer <token>`: session cookies are not accepted here. A place name
        without coordinates is placed later by the geocoder.
      tags: [initiatives]
      security: [{bearerAuth: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema: NewInitiative
      responses:
        201:
          description: The submission, waiting for review.
          headers:
            Location:
              description: The initiative's page (yours to see while it waits for review).
              schema: {type: string, format: uri}
          content:
            application/json:
              schema: Submission
        400: BadRequest
        401: Unauthorized
        403: Forbidden
        422: Unprocessable
        429: TooManyRequests
    """
    body = request.get_json(silent=True)
    if body is None:
        return json_error(400, "The body must be JSON (Content-Type: application/json).")
    try:
        formdata = form_data_from_json(body)
    except BodyError as error:
        return json_error(
            400, "The body is not the expected shape.", {error.field or "body": str(error)}
        )
    form = initiative_form(
        list_themes(),
        services.list_neighbourhoods(),
        current_app.config["DATA_LICENCE"],
        formdata=formdata,
    )
    if not form.check(submitting=True, consent_needed=True):
        return json_error(422, "Some of what you sent is not valid.", form_errors(form))
    content = form.content((), "pending")
    initiative = services.submit_for_review(g.api_user, content)
    db.session.commit()
    response = api_json(
        {"ok": True, "initiative": {**initiative_detail(initiative), "state": initiative.state}},
        201,
    )
    response.headers["Location"] = initiative_url(initiative, _external=True)
    return response
