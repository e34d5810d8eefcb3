"""Telling a submitter what a moderator decided, by email."""

from __future__ import annotations

from flask import render_template

from app.mail.services import queue_mail
from app.moderation.services import Decision
from app.urls import site_url

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


def queue_decision_mail(decision: Decision) -> None:
    """Email the submitter about a decision, once the decision is committed."""
    recipient = decision.recipient
    if recipient is None or not recipient.email:
        return
    initiative = decision.initiative
    title = " ".join(initiative.title.split())  # a header holds one line
    subject = SUBJECTS[(decision.action, decision.is_edit)].format(title=title)
    body = render_template(
        f"moderation/mail/{decision.action}.txt",
        decision=decision,
        name=recipient.display_name,
        title=title,
        initiative_url=site_url("initiatives.initiative_by_id", initiative_id=initiative.id),
        my_initiatives_url=site_url("submissions.my_initiatives"),
    )
    queue_mail(recipient.email, subject, body)
