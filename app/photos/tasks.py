"""Photo work on the worker: processing uploads, keeping public copies in step, deleting.

Whenever a flush may change whether a photo is public (its initiative's state, its review, its
processing) the initiative's public copies are synchronised once the transaction commits; a
photo deleted, refused or taken down has its files deleted. A periodic sweep finds uploads a
lost task left unprocessed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from huey import crontab
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.initiatives.models import Initiative
from app.photos.models import Photo
from app.photos.services import delete_photo_files, process_photo, sync_public_copies
from app.tasks.queue import background_task, enqueue_after_commit, enqueue_now, periodic_task
from app.timeutil import utcnow

_SYNC = "photos_to_sync"
_DELETE = "photo_files_to_delete"
GONE = ("rejected", "removed")


@background_task(retries=3, retry_delay=30, retry_backoff=2)
def process_uploaded_photo(photo_id: int) -> dict[str, Any]:
    """Process one uploaded photo, then publish its copies if it is already public."""
    result = process_photo(photo_id)
    photo = db.session.get(Photo, photo_id)
    if photo is not None:
        sync_public_copies(photo.initiative_id)
    return {"photo": photo_id, "result": result}


@background_task(retries=5, retry_delay=30, retry_backoff=2)
def sync_photo_copies(initiative_id: int) -> dict[str, int]:
    """Write or delete an initiative's public photo copies to match who may see them."""
    return sync_public_copies(initiative_id)


@background_task(retries=5, retry_delay=30, retry_backoff=2)
def delete_photo(stem: str | None, raw_key: str | None) -> None:
    """Delete every file of a photo that is gone."""
    delete_photo_files(stem, raw_key)


@periodic_task(crontab(minute="*/15"))
def sweep_unprocessed_photos() -> dict[str, int]:
    """Queue again the uploads still waiting after a quarter of an hour (a lost task)."""
    waiting = db.session.scalars(
        select(Photo.id).where(
            Photo.state == "processing", Photo.created_at < utcnow() - timedelta(minutes=15)
        )
    ).all()
    for photo_id in waiting:
        enqueue_now(process_uploaded_photo, photo_id)
    return {"queued": len(waiting)}


def _changed(instance: Any, *names: str) -> bool:
    attributes = inspect(instance).attrs
    return any(getattr(attributes, name).history.has_changes() for name in names)


def _may_have_photos(initiative: Initiative) -> bool:
    loaded = inspect(initiative).attrs.photos.loaded_value
    return not isinstance(loaded, list) or bool(loaded)


@event.listens_for(Session, "before_flush")
def _note_photo_changes(session: Session, _context: Any, _instances: Any) -> None:
    to_sync: set[int] = session.info.setdefault(_SYNC, set())
    to_delete: list[tuple[str | None, str | None]] = session.info.setdefault(_DELETE, [])
    for instance in session.dirty:
        if isinstance(instance, Initiative) and _changed(instance, "state"):
            if _may_have_photos(instance):
                to_sync.add(instance.id)
        elif isinstance(instance, Photo) and _changed(instance, "review", "state"):
            to_sync.add(instance.initiative_id)
            if instance.review in GONE:
                to_delete.append((instance.stem, instance.raw_key))
    for instance in session.deleted:
        if isinstance(instance, Photo):
            to_delete.append((instance.stem, instance.raw_key))


@event.listens_for(Session, "after_flush")
def _queue_photo_work(session: Session, _context: Any) -> None:
    for photo in [item for item in session.new if isinstance(item, Photo)]:
        if photo.raw_key:
            enqueue_after_commit(process_uploaded_photo, photo.id, session=session)
        else:  # made whole at once (the demo's): its public copies follow
            session.info.setdefault(_SYNC, set()).add(photo.initiative_id)
    for initiative_id in session.info.pop(_SYNC, set()):
        if initiative_id is not None:
            enqueue_after_commit(sync_photo_copies, initiative_id, session=session)
    for stem, raw_key in session.info.pop(_DELETE, []):
        enqueue_after_commit(delete_photo, stem, raw_key, session=session)
