"""A new initiative's page is posted once, whatever the browser does.

Most posts that save redirect (``page_state``), so a reload is a GET. A submission with
problems cannot: the page must come back with what was typed, including what could not be
saved (a number written "about twelve"), so it answers 422 after saving the draft, and a reload
of that page (F5, "Resend"), a double click or a retried request posts the same form to
``/initiatives/new`` again. Each new initiative's form therefore carries a key of its own; the
session remembers which draft a key saved, and the same key posted again edits that draft
instead of making a second one, as long as nothing else changed that draft since (its
``updated_at`` is remembered with it): a stale copy of the form, sent again after the draft was
edited on its own page, makes a new draft rather than overwrite the edits.
"""

from __future__ import annotations

import re
import secrets

from flask import request, session

from app.extensions import db
from app.initiatives.models import Initiative
from app.permissions import can_on_initiative, signed_in_user

FIELD = "draft_key"
SESSION_KEY = "new_drafts"
KEPT = 8  # the newest forms remembered (a session cookie holds a few kilobytes at most)
_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def draft_key() -> str:
    """The key the new initiative's form carries: the one it was posted with, else a new one."""
    return posted_key() or secrets.token_urlsafe(16)


def posted_key() -> str | None:
    key = request.form.get(FIELD, "") if request.method == "POST" else ""
    return key if _KEY.fullmatch(key) else None


def remember_draft(initiative: Initiative) -> None:
    """Note that the form posted now saved this draft, as it is now."""
    key = posted_key()
    if key is None or initiative.id is None:
        return
    drafts = session.get(SESSION_KEY)
    drafts = dict(drafts) if isinstance(drafts, dict) else {}
    drafts.pop(key, None)
    drafts[key] = [initiative.id, _version(initiative)]
    session[SESSION_KEY] = dict(list(drafts.items())[-KEPT:])


def _version(initiative: Initiative) -> str:
    return initiative.updated_at.isoformat()


def draft_saved_by_this_form() -> Initiative | None:
    """The draft an earlier post of this same form saved, when its author may still edit it
    as a draft (not once it was sent for review, withdrawn or deleted)."""
    key = posted_key()
    drafts = session.get(SESSION_KEY)
    if key is None or not isinstance(drafts, dict):
        return None
    remembered = drafts.get(key)
    if not (isinstance(remembered, list) and len(remembered) == 2):
        return None
    initiative_id, version = remembered
    if not isinstance(initiative_id, int):
        return None
    initiative = db.session.get(Initiative, initiative_id)
    user = signed_in_user()
    if (
        initiative is None
        or initiative.state != "draft"
        or initiative.submitter_id != user.id
        or _version(initiative) != version  # edited since, elsewhere: not this form's any more
        or not can_on_initiative(user, "edit", initiative)
    ):
        return None
    return initiative
