"""Import files kept in the database (app.imports.models) for the checks and the import.

The confirmation names the upload by its id, and only its owner can use it: the file imported
is the one that was checked, never one the browser sends again. Uploads are deleted once
imported, and after IMPORT_KEEP_HOURS by a daily task.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from app.database import rows_changed
from app.extensions import db
from app.imports.models import ImportUpload
from app.timeutil import utcnow


def store_upload(user_id: int, filename: str, state: str, data: bytes) -> ImportUpload:
    """Keep an uploaded file for its owner (flushed with the caller's transaction)."""
    upload = ImportUpload(
        owner_id=user_id,
        filename=filename,
        state=state,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        data=data,
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def load_upload(upload_id: int | None, user_id: int) -> ImportUpload | None:
    """The upload, if it is this user's and has not expired (its bytes as they were kept)."""
    if upload_id is None:
        return None
    upload = db.session.scalar(
        select(ImportUpload).where(ImportUpload.id == upload_id, ImportUpload.owner_id == user_id)
    )
    if upload is None or upload.created_at < _expiry():
        return None
    if hashlib.sha256(upload.data).hexdigest() != upload.sha256:
        return None
    return upload


def discard_upload(upload_id: int) -> None:
    """Delete an upload (imported), in the caller's transaction."""
    db.session.execute(delete(ImportUpload).where(ImportUpload.id == upload_id))


def remove_expired_uploads(now: datetime | None = None) -> int:
    """Delete uploads older than IMPORT_KEEP_HOURS; returns how many."""
    removed = db.session.execute(
        delete(ImportUpload).where(ImportUpload.created_at < _expiry(now))
    )
    db.session.commit()
    return rows_changed(removed)


def _expiry(now: datetime | None = None) -> datetime:
    hours = current_app.config["IMPORT_KEEP_HOURS"]
    return (now or utcnow()) - timedelta(hours=hours)
