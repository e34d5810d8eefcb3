"""Error pages: friendly HTML for people, the documented JSON shape under /api/."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from marshmallow import EXCLUDE, Schema, fields
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db
from app.i18n import N_

MESSAGES = {
    400: N_("The request could not be understood."),
    401: N_("You need to log in for this."),
    403: N_("You do not have permission to do this."),
    404: N_("There is nothing at this address."),
    405: N_("This address does not accept that kind of request."),
    413: N_("What you sent is too large."),
    422: N_("Some of what you sent is not valid."),
    429: N_("Too many requests. Please wait a little and try again."),
    500: N_("Something went wrong on our side. It has been logged."),
    503: N_("The service is temporarily unavailable."),
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/oembed"


class ErrorSchema(Schema):
    """The API's error body; the OpenAPI document's ``Error``."""

    class Meta:
        unknown = EXCLUDE  # apispec then leaves additionalProperties open

    ok = fields.Boolean(required=True, metadata={"enum": [False]})
    error = fields.String(required=True, metadata={"description": "What went wrong, for people."})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "A message for each field or parameter with a problem."},
    )


ERROR = ErrorSchema()


def json_error(
    status: int, message: str, errors: dict[str, str] | None = None
) -> tuple[dict[str, object], int]:
    """The API's error body: ``{"ok": false, "error": ..., "errors": {...}}``."""
    return ERROR.dump({"ok": False, "error": message, "errors": errors or {}}), status


def _render(status: int, message: str) -> tuple[dict[str, object] | str, int]:
    if wants_json():
        return json_error(status, message)
    return render_template("errors/error.html", status=status, message=message), status


CSRF_MESSAGE = N_(
    "This form has expired or was sent from another site. "
    "Go back, reload the page and try again: what you typed is still there."
)


def _message_for(error: HTTPException) -> str:
    status = error.code or 500
    if isinstance(error, CSRFError):
        return _(CSRF_MESSAGE)
    if isinstance(error, RateLimitExceeded):
        return _(MESSAGES[429])  # its description is the limit ("3 per 1 minute"), not for people
    description = error.description
    if description and description != type(error).description and status < 500:
        return description
    return _(MESSAGES.get(status, MESSAGES[500]))


def handle_http_error(
    error: HTTPException,
) -> tuple[dict[str, object] | str, int, list[tuple[str, str]]]:
    body, status = _render(error.code or 500, _message_for(error))
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if wants_json() and request.method in ("GET", "HEAD"):
        # Public reads are open to every origin (CORS); their errors must be readable too.
        headers.append(("Access-Control-Allow-Origin", "*"))
    return body, status, headers


def handle_unexpected_error(error: Exception) -> tuple[dict[str, object] | str, int]:
    db.session.rollback()
    return _render(500, _(MESSAGES[500]))


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_unexpected_error)
