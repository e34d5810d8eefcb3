"""A person's records across the site: what the download holds, what deletion removes.

This package sits above the features it gathers (accounts, initiatives, moderation, clusters,
tokens, audit); none of them imports it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, delete, select

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.clusters.models import Cluster
from app.extensions import Model, db
from app.initiatives.content import initiative_content
from app.initiatives.models import Initiative
from app.initiatives.public import is_public
from app.mail.models import OutgoingMail
from app.mail.services import mail_to
from app.moderation.models import Report, Revision
from app.submissions.services import OPEN_REVISION_STATES
from app.timeutil import utcnow
from app.tokens.models import ApiToken


def collect_personal_data(user: User) -> dict[str, Any]:
    """Everything the site keeps about a person, for the download on the account page."""
    return {
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role,
            "organisation": user.organisation.name if user.organisation else None,
            "created_at": user.created_at.isoformat(),
            "email_confirmed_at": _iso(user.email_confirmed_at),
            "last_login_at": _iso(user.last_login_at),
        },
        "initiatives": [_initiative(initiative) for initiative in _initiatives_of(user)],
        "revisions": [
            {
                "initiative_id": revision.initiative_id,
                "number": revision.number,
                "kind": revision.kind,
                "state": revision.state,
                "note": revision.note,
                "created_at": revision.created_at.isoformat(),
                "decided_at": _iso(revision.decided_at),
                "content": revision.content,
            }
            for revision in _all(select(Revision).where(Revision.author_id == user.id))
        ],
        "reports": [
            {
                "initiative_id": report.initiative_id,
                "reason": report.reason,
                "details": report.details,
                "created_at": report.created_at.isoformat(),
                "resolved_at": _iso(report.resolved_at),
            }
            for report in _all(select(Report).where(Report.reporter_id == user.id))
        ],
        "api_tokens": [  # never the hash: it is a secret even from its owner
            {
                "name": token.name,
                "prefix": token.prefix,
                "created_at": token.created_at.isoformat(),
                "last_used_at": _iso(token.last_used_at),
                "revoked_at": _iso(token.revoked_at),
            }
            for token in _all(select(ApiToken).where(ApiToken.user_id == user.id))
        ],
        "clusters": [
            {
                "slug": cluster.slug,
                "title": cluster.title,
                "kind": cluster.kind,
                "state": cluster.state,
                "created_at": cluster.created_at.isoformat(),
                "published_at": _iso(cluster.published_at),
            }
            for cluster in _all(select(Cluster).where(Cluster.created_by_id == user.id))
        ],
        "actions": [
            {
                "action": entry.action,
                "subject": f"{entry.subject_type}:{entry.subject_id}",
                "at": entry.created_at.isoformat(),
            }
            for entry in _all(select(AuditEntry).where(AuditEntry.actor_id == user.id))
        ],
        "mail": [  # what was sent to the address, not the bodies (reset links are secrets)
            {
                "subject": mail.subject,
                "state": mail.state,
                "created_at": mail.created_at.isoformat(),
                "sent_at": _iso(mail.sent_at),
            }
            for mail in _all(select(OutgoingMail).where(mail_to(user.email)))
        ],
    }


def remove_personal_records(user: User) -> None:
    """Before an account goes: delete what was never public, detach the person from the rest.

    Unpublished initiatives go with their place and contact. Published ones (and archived
    ones that once were) stay on the record, credited "a resident of <neighbourhood>"
    instead of by name, without the person's email as contact. Edits still waiting for
    review go too; decided revisions, reports and clusters stay without their author.
    """
    db.session.execute(
        delete(Revision)
        .where(Revision.author_id == user.id, Revision.state.in_(OPEN_REVISION_STATES))
        .execution_options(synchronize_session=False)
    )
    kept = []
    for initiative in _initiatives_of(user):
        if initiative.published_at is None and not is_public(initiative):
            db.session.delete(initiative)  # never public: nothing of it outlives the account
            continue
        kept.append(initiative.id)
        initiative.submitter_id = None
        for field, value in _without_person(initiative_content(initiative), user.email).items():
            setattr(initiative, field, value)
        initiative.updated_at = utcnow()  # what embeds and feeds show changed
    # Older versions too, so restoring one never brings the name or the address back.
    for revision in _all(select(Revision).where(Revision.initiative_id.in_(kept))):
        revision.content = {**revision.content, **_without_person(revision.content, user.email)}
    db.session.execute(delete(OutgoingMail).where(mail_to(user.email)))
    label = f"deleted user #{user.id}"
    db.session.execute(
        AuditEntry.__table__.update()
        .where(AuditEntry.actor_id == user.id)
        .values(actor_label=label, actor_id=None)
    )
    db.session.flush()


def _without_person(content: dict[str, Any], email: str) -> dict[str, Any]:
    """The credit and contact fields of some content, with the person's name and email out."""
    changed = {}
    if content.get("credit") == "name":
        changed["credit"] = "anonymous"
    if email.lower() in (content.get("contact_url") or "").lower():
        changed["contact_url"] = ""
    return changed


def _initiatives_of(user: User) -> list[Initiative]:
    return _all(select(Initiative).where(Initiative.submitter_id == user.id))


def _initiative(initiative: Initiative) -> dict[str, Any]:
    return {
        "id": initiative.id,
        "state": initiative.state,
        "created_at": initiative.created_at.isoformat(),
        "submitted_at": _iso(initiative.submitted_at),
        "published_at": _iso(initiative.published_at),
        "consented_at": _iso(initiative.consented_at),
        "moderation_note": initiative.moderation_note,
        **initiative_content(initiative),
    }


ModelT = TypeVar("ModelT", bound=Model)


def _all(query: Select[ModelT]) -> list[ModelT]:
    model = query.column_descriptions[0]["entity"]
    return list(db.session.scalars(query.order_by(model.id)))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def delete_account(user: User) -> None:
    """Remove the account and its personal data; the audit log keeps only an anonymous label."""
    remove_personal_records(user)
    db.session.delete(user)
    db.session.flush()
