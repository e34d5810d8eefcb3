"""Adding a photo to an initiative: one photo per request, with or without JavaScript.

Without JavaScript, "Add a photo" on the submission form saves the draft and opens this page;
with it, the form posts here in the background and shows the photo as "processing". A photo
that is refused (too large, not a photo, no alt text) is answered beside its field and nothing
else is lost: the initiative was saved before.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.exceptions import RequestEntityTooLarge

from app.extensions import db
from app.initiatives.models import Initiative
from app.permissions import initiative_or_abort, signed_in_user
from app.photos import services as photos
from app.photos.forms import AddPhotoForm
from app.photos.processing import PhotoRefused
from app.ratelimits import limit_posts
from app.submissions.services import editing_mode

bp = Blueprint("photos", __name__)

UPLOAD_SLACK = 512 * 1024  # the form's other fields and the multipart framing


def refusal_message(reason: str) -> str:
    """What a person reads when their file is refused."""
    megabytes = current_app.config["PHOTO_MAX_BYTES"] // (1024 * 1024)
    pixels = current_app.config["PHOTO_MAX_PIXELS"] // 1_000_000
    messages = {
        "empty": _("Choose a photo to add."),
        "too_large": _(
            "The photo is larger than %(size)s MB: choose a smaller one.", size=megabytes
        ),
        "too_many_pixels": _(
            "The photo has more than %(pixels)s million pixels: choose a smaller one.",
            pixels=pixels,
        ),
        "not_a_photo": _("That file is not a JPEG, PNG, WebP or HEIC photo."),
        "unreadable": _("That photo could not be read: it may be damaged or cut short."),
        "too_many_photos": _(
            "An initiative can have at most %(count)s photos: remove one first.",
            count=photos.MAX_PHOTOS,
        ),
        "upload_missing": _("The upload was lost before it was processed: add it again."),
    }
    return messages.get(reason, messages["unreadable"])


@bp.url_value_preprocessor
def _limit_upload_size(_endpoint: str | None, _values: dict[str, Any] | None) -> None:
    # Runs before the CSRF check reads the body: this endpoint's own limit, not the site's.
    request.max_content_length = current_app.config["PHOTO_MAX_BYTES"] + UPLOAD_SLACK


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge) -> tuple[Response | str, int]:
    message = refusal_message("too_large")
    if _wants_json():
        return jsonify(ok=False, error=message, errors={"photo": message}), 413
    initiative_id = request.view_args.get("initiative_id") if request.view_args else None
    initiative = db.session.get(Initiative, initiative_id) if initiative_id else None
    if initiative is None:
        return message, 413
    form = AddPhotoForm(formdata=None)
    form.photo.errors = [message]
    return _render(initiative, form, 413)


@bp.route("/initiatives/<int:initiative_id>/photos/new", methods=["GET", "POST"])
@login_required
@limit_posts("RATELIMIT_PHOTO")
def add_photo(initiative_id: int) -> Any:
    """Add one photo to an initiative, with its alt text, caption, credit and consent."""
    initiative = initiative_or_abort(initiative_id, "edit")
    form = AddPhotoForm()
    if request.method == "GET":
        return _render(initiative, form)
    valid = form.check()
    upload = request.files.get(form.photo.name)
    data = upload.read(current_app.config["PHOTO_MAX_BYTES"] + 1) if upload else b""
    photo = None
    if valid or not form.photo.errors:
        try:
            if len(data) > current_app.config["PHOTO_MAX_BYTES"]:
                raise PhotoRefused("too_large")
            if not data:
                raise PhotoRefused("empty")
            if valid:
                user = signed_in_user()
                details = photos.PhotoDetails(
                    form.alt.data or "", form.caption.data or "", form.credit.data or ""
                )
                approved = editing_mode(user, initiative) == "moderator"
                photo = photos.add_photo(user, initiative, data, details, approved=approved)
        except PhotoRefused as refusal:
            form.photo.errors = [refusal_message(str(refusal))]
    if photo is None:
        if _wants_json():
            errors = {
                field.name: " ".join(map(str, field.errors)) for field in form if field.errors
            }
            return jsonify(ok=False, error=_("The photo was not added."), errors=errors), 422
        return _render(initiative, form, 422)
    db.session.commit()
    if _wants_json():
        return jsonify(ok=True, photo=_photo_row(photo)), 201
    flash(
        _("Your photo is added. It shows as “processing” for a moment, then as a preview."),
        "success",
    )
    return redirect(
        url_for("submissions.edit_initiative", initiative_id=initiative.id) + "#photos"
    )


def _photo_row(photo: Any) -> dict[str, Any]:
    return {
        "id": photo.id,
        "alt": photo.alt,
        "caption": photo.caption,
        "credit": photo.credit,
        "state": photo.state,
    }


def _render(initiative: Initiative, form: AddPhotoForm, status: int = 200) -> tuple[str, int]:
    return render_template(
        "submissions/add_photo.html",
        initiative=initiative,
        form=form,
        count=len(photos.live_photos(initiative)),
        max_photos=photos.MAX_PHOTOS,
    ), status
