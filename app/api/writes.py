"""``POST /api/v1/initiatives``: a submission through the API, validated like the form.

The JSON body is turned into the submission form's own fields (``participants-0-sector``,
...), the form checks it exactly as it checks a resident's submission, and the same service
sends it for review. Outcomes cannot carry a verification: only council officers verify.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g, request
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.api.auth import api_user_key, bearer_required
from app.api.idempotency import idempotent
from app.api.responses import api_json
from app.api.schemas.body_fields import TextList, row_schema
from app.api.schemas.initiatives import SubmissionSchema
from app.api.schemas.submission import NewInitiativeSchema, field_errors, length_errors
from app.errors import json_error
from app.extensions import csrf, db, limiter
from app.initiatives.bilingual import TRANSLATED_FIELDS
from app.initiatives.services import initiative_url
from app.languages import WELSH
from app.neighbourhoods.models import Neighbourhood
from app.places.agreement import point_warning
from app.shared_filters.parse import is_slug
from app.submissions import services
from app.submissions.forms import initiative_form
from app.themes.services import list_themes

TEXT_FIELDS = (
    "title", "summary", "description", "language", "status", "started_on", "ended_on",
    "place_name", "location_precision", "contact_url", "credit", "credit_name",
)  # fmt: skip
NUMBER_FIELDS = ("latitude", "longitude")
NOT_A_NEIGHBOURHOOD = "unknown:"  # never a neighbourhood id, so the form says it is unknown
NEW_INITIATIVE = NewInitiativeSchema()
SUBMISSION = SubmissionSchema()


def _typed(value: Any) -> str:
    """A loaded value as the form's text box would hold it: null is empty."""
    return "" if value is None else str(value)


def form_data(body: dict[str, Any]) -> MultiDict:
    """The submission form's fields for a loaded body (rows as ``participants-0-sector``)."""
    data: MultiDict[str, str] = MultiDict()
    for field in (*TEXT_FIELDS, *NUMBER_FIELDS):
        data.add(field, _typed(body.get(field)))
    welsh = (body.get("translations") or {}).get(WELSH) or {}
    for field in TRANSLATED_FIELDS:
        data.add(f"{field}_cy", _typed(welsh.get(field)))
    themes = body.get("themes") or []
    if themes:
        data.add("main_theme", themes[0])
    for slug in themes[1:]:
        data.add("other_themes", slug)
    for stage in body.get("stages") or []:
        data.add("stages", stage)
    slug = (body.get("neighbourhood") or "").strip()
    if slug:
        neighbourhood_id = is_slug(slug) and db.session.scalar(
            select(Neighbourhood.id).where(Neighbourhood.slug == slug)
        )
        data.add("neighbourhood", str(neighbourhood_id or NOT_A_NEIGHBOURHOOD + slug))
    if body.get("consent"):
        data.add("consent", "y")
    for name in ("participants", "outcomes"):
        row_fields = row_schema(NEW_INITIATIVE, name).fields
        for index, row in enumerate(body.get(name) or []):
            for key, row_field in row_fields.items():
                value = row.get(key)
                if isinstance(row_field, TextList):  # roles: one form value per item
                    for item in value or []:
                        data.add(f"{name}-{index}-{key}", item)
                else:
                    data.add(f"{name}-{index}-{key}", _typed(value))
    return data


# Form field -> the JSON field a client sent.
FIELD_NAMES = {
    "main_theme": "themes",
    "other_themes": "themes",
    **{f"{field}_cy": f"translations-{WELSH}-{field}" for field in TRANSLATED_FIELDS},
}


def form_errors(form) -> dict[str, str]:
    """The form's problems keyed by the body's field names (rows as ``participants-0-people``)."""
    errors: dict[str, str] = {}
    for field_id, message in form.error_list():
        errors.setdefault(FIELD_NAMES.get(field_id, field_id) or "body", message)
    return errors


@csrf.exempt
@bearer_required
@limiter.limit(lambda: current_app.config["RATELIMIT_API_WRITE"], key_func=api_user_key)
@idempotent
def create_initiative():
    """Submit an initiative for review with a personal API token.
    ---
    post:
      summary: Submit an initiative for review (needs an API token)
      description: >
        Creates a pending submission, exactly as the submission form does and with the same
        validation; a moderator reviews it before it is published. Send
        `Authorization: Bearer <token>`: session cookies are not accepted here. A place name
        without coordinates is placed later by the geocoder. A point further than the site's
        `NEIGHBOURHOOD_WARN_KM` from its neighbourhood's centre is accepted with a warning
        in `warnings` (and flagged to moderators), never refused. Send an `Idempotency-Key`
        to make retries safe.
      tags: [initiatives]
      security: [{bearerAuth: []}]
      parameters: [IdempotencyKey]
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
            Idempotent-Replayed:
              description: "`true` when this is the first answer to the same key, again."
              schema: {type: string, enum: ["true"]}
          content:
            application/json:
              schema: Submission
        400: BadRequest
        401: Unauthorized
        403: Forbidden
        409: Conflict
        422: Unprocessable
        429: TooManyRequests
    """
    try:
        body = NEW_INITIATIVE.load(request.get_json())
    except ValidationError as error:
        return json_error(
            400, _("The body is not the expected shape."), field_errors(error.messages)
        )
    form = initiative_form(
        list_themes(),
        services.list_neighbourhoods(),
        current_app.config["DATA_LICENCE"],
        formdata=form_data(body),
    )
    valid = form.check(submitting=True, consent_needed=True, typed_by_hand=False)
    problems = {**form_errors(form), **length_errors(body)}
    if not valid or problems:
        return json_error(422, _("Some of what you sent is not valid."), problems)
    content = form.content((), "pending")
    initiative = services.submit_for_review(g.api_user, content)
    db.session.flush()  # committed by @idempotent, with the answer kept for its key
    warning = point_warning(initiative.latitude, initiative.longitude, initiative.neighbourhood)
    answer = {
        "ok": True,
        "initiative": initiative,
        "warnings": [warning.as_json()] if warning else [],
    }
    response = api_json(SUBMISSION.dump(answer), 201)
    response.headers["Location"] = initiative_url(initiative, _external=True)
    return response
