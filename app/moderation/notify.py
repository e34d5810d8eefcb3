"""Telling a submitter what a moderator decided, by email."""

from __future__ import annotations

from flask import render_template

from app.i18n import lazy_text as _l
from app.initiatives.bilingual import shown_title
from app.languages import written_in
from app.mail.services import queue_mail
from app.moderation.services import Decision
from app.urls import site_url

# (action, is an edit) -> subject; the body is templates/moderation/mail/<action>.txt
SUBJECTS = {
    ("approved", False): _l("Your initiative is published: %(title)s"),
    ("approved", True): _l("Your changes are published: %(title)s"),
    ("changes_requested", False): _l("Changes needed before publishing: %(title)s"),
    ("changes_requested", True): _l("Changes needed to your edit: %(title)s"),
    ("rejected", False): _l("Your initiative was not published: %(title)s"),
    ("rejected", True): _l("Your changes were not published: %(title)s"),
    ("archived", False): _l("Your initiative has been archived: %(title)s"),
}


def queue_decision_mail(decision: Decision) -> None:
    """Email the submitter about a decision, once the decision is committed."""
    recipient = decision.recipient
    if recipient is None or not recipient.email:
        return
    initiative = decision.initiative
    with written_in(recipient.locale):  # their language, whatever the moderator's page
        title = " ".join(shown_title(initiative).split())  # a header holds one line
        subject = SUBJECTS[(decision.action, decision.is_edit)] % {"title": title}
        body = render_template(
            f"moderation/mail/{decision.action}.txt",
            decision=decision,
            name=recipient.display_name,
            title=title,
            initiative_url=site_url("initiatives.initiative_by_id", initiative_id=initiative.id),
            my_initiatives_url=site_url("submissions.my_initiatives"),
        )
    queue_mail(recipient.email, subject, body)
