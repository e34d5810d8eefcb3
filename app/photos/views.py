"""Serving photos: public copies under /media/, and private previews for those who may see
a photo before it is public (its submitter, moderators)."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort
from flask_login import login_required

from app.extensions import db
from app.initiatives.models import Initiative
from app.initiatives.public import public_photos
from app.permissions import can, can_on_initiative, initiative_or_abort, signed_in_user
from app.photos.models import Photo
from app.photos.services import ALL_FILE_NAMES, content_type, photo_by_stem, private_key
from app.photos.storage import PUBLIC_CACHE_CONTROL, media_storage

bp = Blueprint("media", __name__)

MEDIA_NAME = re.compile(
    r"^(?P<stem>[0-9a-f]{40})-(?P<size>320|640|1280|social)\.(?P<kind>jpg|webp)$"
)


def _file(data: bytes, name: str, cache: str) -> Response:
    response = Response(data, mimetype=content_type(name))
    response.headers["Cache-Control"] = cache
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.get("/media/<name>")
def media(name: str) -> Response:
    """A public photo's file; 404 for anything not public at this moment."""
    match = MEDIA_NAME.match(name)
    if match is None or f"{match['size']}.{match['kind']}" not in ALL_FILE_NAMES:
        abort(404)
    photo = photo_by_stem(match["stem"])
    if photo is None:
        abort(404)
    initiative = db.session.get(Initiative, photo.initiative_id)
    if initiative is None or photo not in public_photos(initiative):
        abort(404)
    size = f"{match['size']}.{match['kind']}"
    storage = media_storage()
    # The public copy, or (until the worker has written it) the private one it is made from.
    data = storage.read(f"public/{name}") or storage.read(private_key(photo.stem or "", size))
    if data is None:
        abort(404)
    response = _file(data, size, PUBLIC_CACHE_CONTROL)
    response.set_etag(name)
    return response


@bp.get("/initiatives/<int:initiative_id>/photos/<int:photo_id>/preview/<size>")
@login_required
def preview(initiative_id: int, photo_id: int, size: str) -> Response:
    """A photo as its submitter and moderators see it before (and after) it is public."""
    initiative = initiative_or_abort(initiative_id, "view")
    user = signed_in_user()
    if not (can_on_initiative(user, "edit", initiative) or can(user, "moderate")):
        abort(404)
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.initiative_id != initiative.id or not photo.stem:
        abort(404)
    if size not in ALL_FILE_NAMES:
        abort(404)
    data = media_storage().read(private_key(photo.stem, size))
    if data is None:
        abort(404)
    return _file(data, size, "private, no-store")
