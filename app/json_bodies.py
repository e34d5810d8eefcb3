"""JSON as the app reads and writes it: keys in the order written, and request bodies read
safely however they are nested.

Every JSON body goes through ``request.get_json``, which parses with the app's JSON provider;
both are set here, so each JSON endpoint answers a malformed or absurdly nested body with a
400 (never a RecursionError and a 500), in the API's error shape under /api/.
"""

from __future__ import annotations

from typing import Any

from flask import Request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext
from flask_babel.speaklater import LazyString
from werkzeug.exceptions import BadRequest

from app.i18n import N_

# Deeper than any body the app takes (a submission is 4 levels deep), shallow enough that
# nothing that walks a body afterwards can run out of stack.
MAX_JSON_DEPTH = 32
NOT_JSON = N_("The body must be JSON (Content-Type: application/json).")
TOO_DEEP = N_("The body is nested too deeply: at most %(depth)s levels of lists and objects.")


class TooDeeplyNested(ValueError):
    """JSON nested deeper than ``MAX_JSON_DEPTH`` (or than Python's own parser allows)."""


def json_depth(value: Any) -> int:
    """How deeply lists and objects nest in a parsed value, without recursion."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            value = list(value.values())
        elif not isinstance(value, list):
            continue
        deepest = max(deepest, depth)
        if depth > MAX_JSON_DEPTH:
            break
        pending.extend((item, depth + 1) for item in value)
    return deepest


class AppJSONProvider(DefaultJSONProvider):
    """Keys in the order the code writes them; a body nested too deeply is a ValueError, as
    malformed JSON is, so ``get_json`` treats both alike."""

    sort_keys = False

    @staticmethod
    def default(o: Any) -> Any:
        """Lazily translated text (a form's messages) is written as the text it reads as."""
        if isinstance(o, LazyString):
            return str(o)
        return DefaultJSONProvider.default(o)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise TooDeeplyNested(TOO_DEEP % {"depth": MAX_JSON_DEPTH}) from None
        if json_depth(value) > MAX_JSON_DEPTH:
            raise TooDeeplyNested(TOO_DEEP % {"depth": MAX_JSON_DEPTH})
        return value


class AppRequest(Request):
    """A request whose unreadable JSON body is a 400 that says why."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        if isinstance(e, TooDeeplyNested):
            raise BadRequest(gettext(TOO_DEEP, depth=MAX_JSON_DEPTH))
        raise BadRequest(gettext(NOT_JSON))
