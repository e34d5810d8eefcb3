"""Photos: adding one, processing it on the worker, its public copies, taking one down.

A photo is public only while its initiative is published, it is approved (with the revision
that brought it) and processed (``Initiative.public_photos``). Its public copies exist only
then: ``sync_public_copies`` writes or deletes them whenever that may have changed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select

from app.accounts.models import User
from app.audit.services import record_action
from app.extensions import db
from app.initiatives.models import Initiative
from app.initiatives.public import public_photos
from app.photos.models import Photo
from app.photos.processing import PhotoRefused, inspect_upload, render_sizes
from app.photos.storage import PRIVATE, PUBLIC, media_storage, media_url
from app.timeutil import utcnow
from app.urls import site_url

MAX_PHOTOS = 6  # per initiative
FILE_NAMES = tuple(f"{width}.{kind}" for width in (320, 640, 1280) for kind in ("webp", "jpg"))
ALL_FILE_NAMES = (*FILE_NAMES, "social.jpg")
SRCSET_WIDTHS = ("320", "640", "1280")


@dataclass(frozen=True)
class PhotoDetails:
    """What a person says about a photo."""

    alt: str
    caption: str = ""
    credit: str = ""


def live_photos(initiative: Initiative) -> list[Photo]:
    """The initiative's photos that are still part of it (not refused or taken down)."""
    return [photo for photo in initiative.photos if photo.shown_in_content]


def add_photo(
    uploader: User,
    initiative: Initiative,
    data: bytes,
    details: PhotoDetails,
    approved: bool = False,
) -> Photo:
    """Keep an uploaded photo (private) and queue its processing; raise PhotoRefused when it
    is not a photo we take or the initiative has as many as it may."""
    if len(live_photos(initiative)) >= MAX_PHOTOS:
        raise PhotoRefused("too_many_photos")
    check = inspect_upload(data, current_app.config["PHOTO_MAX_PIXELS"])
    raw_key = f"{PRIVATE}raw/{secrets.token_hex(16)}"
    media_storage().put(raw_key, data, "application/octet-stream")
    now = utcnow()
    photo = Photo(
        initiative_id=initiative.id,
        position=max((photo.position for photo in initiative.photos), default=-1) + 1,
        alt=details.alt,
        caption=details.caption,
        credit=details.credit,
        raw_key=raw_key,
        source_format=check.format,
        review="approved" if approved else "pending",
        uploaded_by_id=uploader.id,
        consented_at=now,
        decided_at=now if approved else None,
    )
    initiative.photos.append(photo)
    db.session.flush()
    return photo


def forget_pending_photo(initiative: Initiative | None, raw_id: object) -> None:
    """Delete a photo its submitter removed before it was ever approved (it was never
    public, so no version keeps it); an approved one leaves with the edit that drops it."""
    if initiative is None or not str(raw_id or "").isdigit():
        return
    for photo in initiative.photos:
        if photo.id == int(str(raw_id)) and photo.review == "pending":
            initiative.photos.remove(photo)
            db.session.flush()
            return


def pending_photos_to_show(initiative: Initiative, content: dict[str, Any]) -> dict[str, Any]:
    """An edit's content with the new photos (still pending, not listed yet) added at the end,
    so the edit form shows what was uploaded since."""
    listed = {row.get("id") for row in content.get("photos") or ()}
    new = [
        {"id": photo.id, "alt": photo.alt, "caption": photo.caption, "credit": photo.credit}
        for photo in initiative.photos
        if photo.review == "pending" and photo.id not in listed
    ]
    if not new:
        return content
    return {**content, "photos": [*(content.get("photos") or ()), *new]}


def photo_stem(photo_id: int, data: bytes) -> str:
    """The secret part of a photo's file names: an HMAC of the site's secret, the photo's id
    and its bytes (a plain content hash could be worked out from a known picture)."""
    key = current_app.config["SECRET_KEY"].encode()
    message = f"photo:{photo_id}:".encode() + data
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:40]


def private_key(stem: str, name: str) -> str:
    return f"{PRIVATE}photos/{stem}-{name}"


def public_key(stem: str, name: str) -> str:
    return f"{PUBLIC}{stem}-{name}"


def process_photo(photo_id: int) -> str:
    """Write every size of an uploaded photo, without metadata, and delete the upload."""
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.raw_key is None:
        return "nothing to do"
    storage = media_storage()
    data = storage.read(photo.raw_key)
    if data is None:
        photo.state, photo.problem = "failed", "upload_missing"
        db.session.commit()
        return "upload missing"
    result = render_photo(photo, data)
    raw_key, photo.raw_key = photo.raw_key, None
    db.session.commit()
    storage.delete(raw_key)
    return result


def render_photo(photo: Photo, data: bytes) -> str:
    """Write a photo's sizes (private) from its uploaded bytes; "ready" or "failed"."""
    try:
        files, sizes = render_sizes(data, current_app.config["PHOTO_MAX_PIXELS"])
    except PhotoRefused as refusal:
        photo.state, photo.problem = "failed", str(refusal)
        return "failed"
    stem = photo_stem(photo.id, data)
    storage = media_storage()
    for rendered in files:
        storage.put(private_key(stem, rendered.name), rendered.data, rendered.content_type)
    photo.stem, photo.sizes, photo.state = stem, sizes, "ready"
    photo.processed_at = utcnow()
    initiative = db.session.get(Initiative, photo.initiative_id)
    if photo.review == "approved" and initiative is not None:
        initiative.updated_at = photo.processed_at  # public now: caches of its pages renew
    return "ready"


def add_demo_photo(initiative: Initiative, data: bytes, details: PhotoDetails) -> Photo:
    """An approved photo processed at once, for the demo data (no upload, no worker)."""
    photo = Photo(
        position=len(initiative.photos),
        alt=details.alt,
        caption=details.caption,
        credit=details.credit,
        source_format="JPEG",
        review="approved",
        uploaded_by_id=initiative.submitter_id,
        consented_at=initiative.consented_at,
        decided_at=initiative.published_at,
    )
    initiative.photos.append(photo)
    db.session.flush()
    updated_at = initiative.updated_at
    render_photo(photo, data)
    initiative.updated_at = updated_at  # part of the demo's history, not a change made today
    photo.created_at = initiative.published_at or photo.created_at
    photo.processed_at = photo.created_at
    return photo


def should_be_public(photo: Photo, initiative: Initiative) -> bool:
    return photo in public_photos(initiative)


def sync_public_copies(initiative_id: int) -> dict[str, int]:
    """Make the public copies of an initiative's photos exist exactly while each is public."""
    initiative = db.session.get(Initiative, initiative_id)
    if initiative is None:
        return {"written": 0, "deleted": 0}
    storage = media_storage()
    written = deleted = 0
    for photo in initiative.photos:
        wanted = should_be_public(photo, initiative)
        if wanted and photo.stem:
            for name in ALL_FILE_NAMES:
                data = storage.read(private_key(photo.stem, name))
                if data is not None:
                    storage.put(public_key(photo.stem, name), data, content_type(name))
            photo.public_copies, written = True, written + 1
        elif not wanted and photo.public_copies:
            delete_public_copies(photo.stem)
            photo.public_copies, deleted = False, deleted + 1
    db.session.commit()
    return {"written": written, "deleted": deleted}


def content_type(name: str) -> str:
    return "image/webp" if name.endswith(".webp") else "image/jpeg"


def delete_public_copies(stem: str | None) -> None:
    if not stem:
        return
    storage = media_storage()
    for name in ALL_FILE_NAMES:
        storage.delete(public_key(stem, name))


def delete_photo_files(stem: str | None, raw_key: str | None) -> None:
    """Delete every file of a photo: the upload, the private sizes and any public copies."""
    storage = media_storage()
    if raw_key:
        storage.delete(raw_key)
    if stem:
        delete_public_copies(stem)
        for name in ALL_FILE_NAMES:
            storage.delete(private_key(stem, name))


def remove_photo(moderator: User, photo: Photo, reason: str) -> None:
    """Take one photo down (a moderator's decision, audited); its files are deleted."""
    photo.review = "removed"
    initiative = db.session.get(Initiative, photo.initiative_id)
    photo.decided_at = utcnow()
    if initiative is not None:
        initiative.updated_at = photo.decided_at  # caches of its pages renew
    db.session.flush()
    record_action(
        moderator,
        "remove_photo",
        "photo",
        photo.id,
        initiative=photo.initiative_id,
        reason=reason,
    )


def decide_photos(initiative: Initiative, review: str, photo_ids: set[int] | None = None) -> None:
    """Approve or reject, with the revision that carries them, the photos still pending
    (those in ``photo_ids`` only, when given)."""
    now = utcnow()
    for photo in initiative.photos:
        if photo.review != "pending" or (photo_ids is not None and photo.id not in photo_ids):
            continue
        photo.review, photo.decided_at = review, now


def photo_by_stem(stem: str) -> Photo | None:
    return db.session.scalar(select(Photo).where(Photo.stem == stem))


def size_url(photo: Photo, name: str) -> str:
    """The public, absolute address of one size (``"1280.jpg"``, ``"social.jpg"``, ...):
    under ``MEDIA_URL`` when set, else the site's own ``/media/``."""
    file_name = f"{photo.stem}-{name}"
    if current_app.config.get("MEDIA_URL"):
        return media_url() + file_name
    return site_url("media.media", name=file_name)


def photo_data(photo: Photo) -> dict[str, Any]:
    """A public photo as the API and the pages describe it (DESIGN.md's ``photos`` shape)."""
    large = photo.sizes.get("1280") or {}
    return {
        "url": size_url(photo, "1280.jpg"),
        "width": large.get("width"),
        "height": large.get("height"),
        "alt": photo.alt,
        "caption": photo.caption,
        "credit": photo.credit,
        "sizes": {
            width: {
                "webp": size_url(photo, f"{width}.webp"),
                "jpeg": size_url(photo, f"{width}.jpg"),
            }
            for width in SRCSET_WIDTHS
        },
    }


def srcset(photo: Photo, kind: str) -> str:
    """``srcset`` of one format: each width with its real pixel width."""
    return ", ".join(
        f"{size_url(photo, f'{width}.{kind}')} {photo.sizes.get(width, {}).get('width', width)}w"
        for width in SRCSET_WIDTHS
    )
