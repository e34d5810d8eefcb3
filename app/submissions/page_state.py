"""POST/redirect/GET for the submission page: a post that saves redirects to the saved
initiative's page, so reloading it never posts again.

What that page showed beyond the saved content (an empty row just added, the field to start
at, the places a look-up found, the neighbourhood suggested) is carried across the redirect
in the session, once, for that initiative only; so are the possible duplicates shown before
submitting.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import redirect, session, url_for
from werkzeug.wrappers import Response
from wtforms import FieldList

from app.duplicates.services import PossibleDuplicate
from app.extensions import db
from app.initiatives.models import Initiative
from app.neighbourhoods.models import Neighbourhood
from app.places.services import PlaceLookup
from app.submissions.forms import MAX_ROWS, ROW_LIST_NAMES, InitiativeForm

SESSION_KEY = "submission_page"
# The matches a look-up shows (a session cookie holds a few kilobytes at most).
MAX_PLACES_CARRIED = 10


def redirect_after_save(
    form: InitiativeForm,
    initiative: Initiative,
    focus: str | None = None,
    lookup: PlaceLookup | None = None,
    suggested: Neighbourhood | None = None,
    duplicates: list[PossibleDuplicate] | None = None,
) -> Response:
    """Redirect to the saved initiative's page, which shows what this post's page would."""
    carried = asdict(lookup) if lookup is not None else None
    if carried is not None:
        carried["items"] = carried["items"][:MAX_PLACES_CARRIED]
    session[SESSION_KEY] = {
        "initiative_id": initiative.id,
        "rows": {name: len(_rows(form, name)) for name in ROW_LIST_NAMES},
        "focus": focus,
        "lookup": carried,
        "suggested": suggested.id if suggested is not None else None,
        "duplicates": [asdict(duplicate) for duplicate in duplicates or ()],
    }
    url = url_for("submissions.edit_initiative", initiative_id=initiative.id)
    return redirect(f"{url}#{focus}" if focus else url, 303)


def restore_page(form: InitiativeForm, initiative: Initiative | None) -> dict[str, Any]:
    """Show again what the page showed before the redirect (the form holds the saved
    content); returns the page's other arguments. Nothing when there was no redirect."""
    state = session.pop(SESSION_KEY, None)
    if not isinstance(state, dict) or initiative is None:
        return {}
    if state.get("initiative_id") != initiative.id:
        return {}
    for name, count in (state.get("rows") or {}).items():
        if name in ROW_LIST_NAMES and isinstance(count, int):
            rows = _rows(form, name)
            while len(rows) < min(count, MAX_ROWS):
                rows.append_entry()
    _autofocus(form, state.get("focus"))
    lookup = state.get("lookup")
    suggested = state.get("suggested")
    duplicates = state.get("duplicates") or []
    return {
        "duplicates": [PossibleDuplicate(**duplicate) for duplicate in duplicates],
        "saved": True,
        "lookup": PlaceLookup(**lookup) if isinstance(lookup, dict) else None,
        "suggested": db.session.get(Neighbourhood, suggested)
        if isinstance(suggested, int)
        else None,
    }


def _rows(form: InitiativeForm, name: str) -> FieldList:
    rows = form[name]
    assert isinstance(rows, FieldList)
    return rows


def _autofocus(form: InitiativeForm, field_id: Any) -> None:
    if not isinstance(field_id, str):
        return
    for field in form:
        subfields = (
            [sub for entry in _rows(form, field.name) for sub in entry.form]
            if field.name in ROW_LIST_NAMES
            else [field]
        )
        for subfield in subfields:
            if subfield.id == field_id:
                subfield.render_kw = {**(subfield.render_kw or {}), "autofocus": True}
                return
