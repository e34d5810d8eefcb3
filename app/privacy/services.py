"""A person's records across the site: what the download holds, what deletion removes.

This package sits above the features it gathers (accounts, initiatives, moderation, clusters,
tokens, audit); none of them imports it.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, delete, select

from app.accounts.models import User
from app.alerts.services import alerts_of, forget_alerts_of
from app.audit.models import AuditEntry
from app.clusters.models import Cluster
from app.extensions import Model, db
from app.followups.models import FollowUpPrompt
from app.initiatives.content import initiative_content
from app.initiatives.models import Initiative
from app.initiatives.public import is_public
from app.mail.models import OutgoingMail
from app.mail.services import mail_to
from app.moderation.models import Report, Revision
from app.photos.models import Photo
from app.photos.services import private_key
from app.photos.storage import media_storage
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
        "photos": [
            _photo(photo) for photo in _all(select(Photo).where(Photo.uploaded_by_id == user.id))
        ],
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
        "alerts": [
            {
                "email": alert.email,
                "filter": alert.filter_query,
                "cluster": alert.cluster.slug if alert.cluster else None,
                "frequency": alert.frequency,
                "created_at": alert.created_at.isoformat(),
                "confirmed_at": _iso(alert.confirmed_at),
                "sent_until": _iso(alert.sent_until),
            }
            for alert in alerts_of(user.email)
        ],
        "follow_ups": [  # the answers themselves are revisions, above
            {
                "initiative_id": prompt.initiative_id,
                "due_on": prompt.due_on.isoformat(),
                "asked_at": prompt.created_at.isoformat(),
                "answered_at": _iso(prompt.answered_at),
            }
            for prompt in _all(
                select(FollowUpPrompt)
                .join(Initiative, Initiative.id == FollowUpPrompt.initiative_id)
                .where(Initiative.submitter_id == user.id)
            )
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
    _detach_photos(user)
    db.session.execute(delete(OutgoingMail).where(mail_to(user.email)))
    forget_alerts_of(user.email)
    label = f"deleted user #{user.id}"
    db.session.execute(
        AuditEntry.__table__.update()
        .where(AuditEntry.actor_id == user.id)
        .values(actor_label=label, actor_id=None)
    )
    db.session.flush()


def _detach_photos(user: User) -> None:
    """Photos the person added that were never approved go (with their files); approved ones
    stay with their initiative, without an uploader and without the person's name as credit."""
    name = (user.display_name or "").strip().lower()
    for photo in _photos_of(user):
        if photo.review != "approved":
            db.session.delete(photo)
            continue
        photo.uploaded_by_id = None
        if name and name in photo.credit.lower():
            photo.credit = ""


def _photos_of(user: User) -> list[Photo]:
    return _all(select(Photo).where(Photo.uploaded_by_id == user.id))


def _photo(photo: Photo) -> dict[str, Any]:
    """A photo the person added: what they wrote, where it stands, and the picture itself
    (its 1280 px JPEG, without metadata, as everyone else would see it)."""
    picture = media_storage().read(private_key(photo.stem, "1280.jpg")) if photo.stem else None
    return {
        "id": photo.id,
        "initiative_id": photo.initiative_id,
        "alt": photo.alt,
        "caption": photo.caption,
        "credit": photo.credit,
        "state": photo.state,
        "review": photo.review,
        "consented_at": _iso(photo.consented_at),
        "created_at": photo.created_at.isoformat(),
        "jpeg_base64": base64.b64encode(picture).decode("ascii") if picture else None,
    }


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
