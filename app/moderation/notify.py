"""Telling a submitter what a moderator decided, by email."""

from __future__ import annotations

from flask import render_template, request

from app.mail import SEND_ERRORS, send_mail
from app.moderation.services import Decision

MY_INITIATIVES_PATH = "/account/initiatives"

# (action, is an edit) -> subject; the body is templates/moderation/mail/<action>.txt
SUBJECTS = {
    ("approved", False): "Your initiative is published: {title}",
    ("approved", True): "Your changes are published: {title}",
    ("changes_requested", False): "Changes needed before publishing: {title}",
    ("changes_requested", True): "Changes needed to your edit: {title}",
    ("rejected", False): "Your initiative was not published: {title}",
    ("rejected", True): "Your changes were not published: {title}",
    ("archived", False): "Your initiative has been archived: {title}",
}


def mail_decision(decision: Decision) -> bool:
    """Email the submitter about a decision (call after the commit); False when sending
    failed, which is logged and leaves the decision standing."""
    recipient = decision.recipient
    if recipient is None or not recipient.email:
        return True
    initiative = decision.initiative
    title = " ".join(initiative.title.split())  # a header holds one line
    subject = SUBJECTS[(decision.action, decision.is_edit)].format(title=title)
    body = render_template(
        f"moderation/mail/{decision.action}.txt",
        decision=decision,
        name=recipient.display_name,
        title=title,
        initiative_url=_external(f"/initiatives/{initiative.id}"),
        my_initiatives_url=_external(MY_INITIATIVES_PATH),
    )
    try:
        send_mail(recipient.email, subject, body)
    except SEND_ERRORS:  # send_mail has kept the message in the outbox and logged why
        return False
    return True


def _external(path: str) -> str:
    return request.host_url.rstrip("/") + path
