"""Follow-ups: asking a resident submitter for new values of their outcomes, and their answer.

Prompts fall due on the days ``app.followups.schedule`` gives; the worker makes one
FollowUpPrompt per initiative and due day (a unique row, so a day's prompt is made once) and
mails it under a key of its own (so it is sent once). The mail carries a signed link bound to
that prompt and initiative; the answer becomes a revision that moderators review like any
other edit, and publishing it adds the measurements.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app, render_template
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.extensions import db
from app.followups.models import FollowUpPrompt
from app.followups.schedule import due_on, read_months
from app.initiatives.content import initiative_content
from app.initiatives.models import Initiative, Outcome
from app.initiatives.public import PUBLISHED, published_initiatives
from app.languages import written_in
from app.mail.services import queue_mail
from app.moderation.services import add_revision, pending_revision
from app.timeutil import to_local, utcnow
from app.urls import site_url

log = logging.getLogger(__name__)

TOKEN_SALT = "followup"
ASKED_STATUSES = ("planned", "active")


class FollowUpLinkError(Exception):
    """A follow-up link that cannot be used; the message says why, for people."""


@dataclass(frozen=True)
class FollowUpAnswer:
    """What a submitter answered: new values by outcome id, the status, who they are."""

    values: dict[int, float]
    measured_on: date
    status: str
    reported_by_role: str
    note: str = ""
    evidence_url: str = ""
    stop: bool = False


def local_today(now: datetime | None = None) -> date:
    """Today's date in TIMEZONE."""
    return to_local(now or utcnow()).date()


def followup_months() -> tuple[int, ...]:
    return read_months(current_app.config["FOLLOWUP_MONTHS"])


def prompted_initiatives(today: date) -> list[Initiative]:
    """Published initiatives whose resident submitter should be asked now: planned or active,
    not ended, follow-ups not stopped, and a prompt due today (or missed within its grace)."""
    query = (
        published_initiatives()
        .with_only_columns(Initiative.id, Initiative.published_at)
        .join(User, User.id == Initiative.submitter_id)
        .where(
            User.role == "resident",
            User.is_suspended.is_(False),
            Initiative.status.in_(ASKED_STATUSES),
            Initiative.followups_stopped_at.is_(None),
            Initiative.published_at.is_not(None),
            (Initiative.ended_on.is_(None)) | (Initiative.ended_on > today),
        )
        .order_by(Initiative.id)
    )
    months = followup_months()
    due_ids = [
        initiative_id
        for initiative_id, published_at in db.session.execute(query)
        if published_at is not None
        and due_on(to_local(published_at).date(), today, months) is not None
    ]
    if not due_ids:
        return []
    chosen = select(Initiative).where(Initiative.id.in_(due_ids)).order_by(Initiative.id)
    return list(db.session.scalars(chosen))


def send_followup_prompts(now: datetime | None = None) -> int:
    """Make and mail each prompt due today, once; returns how many were made."""
    today = local_today(now)
    months = followup_months()
    made = 0
    for initiative in prompted_initiatives(today):
        assert initiative.published_at is not None
        due = due_on(to_local(initiative.published_at).date(), today, months)
        assert due is not None
        prompt = FollowUpPrompt(initiative=initiative, due_on=due)
        db.session.add(prompt)
        try:
            db.session.flush()
        except IntegrityError:  # this day's prompt was made already
            db.session.rollback()
            continue
        queue_prompt_mail(prompt)
        db.session.commit()
        made += 1
    return made


def queue_prompt_mail(prompt: FollowUpPrompt) -> None:
    """Mail the submitter the follow-up form's link (under the prompt's own key)."""
    initiative = prompt.initiative
    submitter = initiative.submitter
    if submitter is None:
        return
    title = " ".join(initiative.title.split())
    with written_in(submitter.locale):
        link = site_url("followups.answer", token=make_followup_token(prompt))  # /cy/ in Welsh
        subject = _("How is it going? %(title)s", title=title)
        body = render_template(
            "followups/mail/prompt.txt",
            name=submitter.display_name,
            title=title,
            initiative=initiative,
            link=link,
            days=current_app.config["FOLLOWUP_LINK_MAX_AGE"] // 86400,
        )
    queue_mail(submitter.email, subject, body, key=f"followup:{initiative.id}:{prompt.due_on}")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def make_followup_token(prompt: FollowUpPrompt) -> str:
    """A link token for one prompt of one initiative (and nothing else: its own salt)."""
    return _serializer().dumps({"prompt": prompt.id, "initiative": prompt.initiative_id})


def prompt_for_token(token: str) -> FollowUpPrompt:
    """The prompt a token was made for, if it may still be answered; else FollowUpLinkError."""
    try:
        payload = _serializer().loads(token, max_age=current_app.config["FOLLOWUP_LINK_MAX_AGE"])
    except SignatureExpired as error:
        raise FollowUpLinkError(_("This follow-up link has expired.")) from error
    except BadSignature as error:
        raise FollowUpLinkError(_("This follow-up link is not valid.")) from error
    prompt_id = payload.get("prompt") if isinstance(payload, dict) else None
    prompt = db.session.get(FollowUpPrompt, prompt_id) if isinstance(prompt_id, int) else None
    if prompt is None or prompt.initiative_id != payload.get("initiative"):
        raise FollowUpLinkError(_("This follow-up link is not valid."))
    if prompt.answered_at is not None:
        raise FollowUpLinkError(_("This follow-up has already been answered. Thank you!"))
    initiative = prompt.initiative
    if initiative.state != PUBLISHED or initiative.submitter is None:
        raise FollowUpLinkError(_("This initiative is no longer asking for follow-ups."))
    return prompt


def measured_outcomes(initiative: Initiative) -> list[Outcome]:
    """The outcomes a follow-up asks about: those with an indicator or numbers."""
    return [
        outcome
        for outcome in initiative.outcomes
        if outcome.indicator or outcome.baseline is not None or outcome.result is not None
    ]


def last_value(outcome: Outcome) -> tuple[float | None, date | None]:
    """The outcome's latest value and the day it was measured."""
    latest = outcome.latest_measurement
    if latest is not None:
        return latest.value, latest.measured_on
    if outcome.result is not None:
        return outcome.result, outcome.measured_on
    return outcome.baseline, None


def answer_followup(prompt: FollowUpPrompt, answer: FollowUpAnswer) -> FollowUpPrompt:
    """Record an answer: new values and status go to moderation as a revision; "stop asking
    me" takes effect at once. The prompt is answered either way."""
    initiative = prompt.initiative
    now = utcnow()
    pending = pending_revision(initiative)
    base: dict[str, Any] = (
        pending.content if pending is not None else initiative_content(initiative)
    )
    content = {**base, "outcomes": [dict(row) for row in base.get("outcomes") or ()]}
    for row in content["outcomes"]:
        value = answer.values.get(row.get("id") or 0)
        if value is None:
            continue
        row["measurements"] = [
            *row.get("measurements", []),
            {
                "measured_on": answer.measured_on.isoformat(),
                "value": value,
                "note": answer.note,
                "evidence_url": answer.evidence_url,
                "reported_by_role": answer.reported_by_role,
            },
        ]
    content["status"] = answer.status
    if answer.status in ("completed", "ended") and not content.get("ended_on"):
        content["ended_on"] = answer.measured_on.isoformat()
    if content != base:
        prompt.revision_id = add_revision(
            initiative, "followup", initiative.submitter, "pending", content=content
        ).id
    if answer.stop:
        initiative.followups_stopped_at = now
    prompt.answered_at = now
    db.session.flush()
    return prompt


def unanswered_prompts(now: datetime | None = None, limit: int = 200) -> list[FollowUpPrompt]:
    """Each published initiative's latest prompt, unanswered for FOLLOWUP_UNANSWERED_DAYS."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["FOLLOWUP_UNANSWERED_DAYS"])
    latest = (
        select(func.max(FollowUpPrompt.id))
        .group_by(FollowUpPrompt.initiative_id)
        .scalar_subquery()
    )
    query = (
        select(FollowUpPrompt)
        .join(Initiative, Initiative.id == FollowUpPrompt.initiative_id)
        .where(
            FollowUpPrompt.id.in_(latest),
            FollowUpPrompt.answered_at.is_(None),
            FollowUpPrompt.created_at < cutoff,
            Initiative.state == PUBLISHED,
        )
        .order_by(FollowUpPrompt.created_at)
        .limit(limit)
    )
    return list(db.session.scalars(query))
