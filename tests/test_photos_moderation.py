"""Photos are reviewed with the revision that brings them; public copies exist only while
a photo is public; one photo can be taken down, reported or asked to be removed."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db
from app.initiatives.models import Initiative
from app.moderation.models import Report
from app.photos.models import Photo
from app.photos.services import ALL_FILE_NAMES, public_key
from app.photos.storage import media_storage
from tests.support import photos as files
from tests.test_photos_upload import upload
from tests.test_submission import complete_form, form_values


@pytest.fixture
def moderator(make_user):
    return make_user(role="moderator")


def photo(app, photo_id) -> Photo:
    with app.app_context():
        found = db.session.get(Photo, photo_id)
        db.session.expunge(found)
        return found


def public_files(app, photo_id) -> list[str]:
    with app.app_context():
        stem = db.session.get(Photo, photo_id).stem
        storage = media_storage()
        return [name for name in ALL_FILE_NAMES if storage.read(public_key(stem, name))]


def media_path(app, photo_id, size="1280.jpg") -> str:
    return f"/media/{photo(app, photo_id).stem}-{size}"


def submit_with_photo(app, client, auth, make_user, make_neighbourhood):
    """A resident submits an initiative with one photo; returns (initiative id, photo id)."""
    resident = make_user()
    auth.login(resident.email)
    form = complete_form(make_neighbourhood(), submit_for_review=None, add_photo="1")
    location = client.post("/initiatives/new", data=form).headers["Location"]
    initiative_id = int(re.search(r"/initiatives/(\d+)/", location)[1])
    assert upload(client, initiative_id, files.jpeg_with_gps()).status_code == 302
    page = client.get(f"/initiatives/{initiative_id}/edit")
    values = form_values(page)
    values["submit_for_review"] = "1"
    values["consent"] = "y"
    assert client.post(f"/initiatives/{initiative_id}/edit", data=values).status_code == 302
    auth.logout()
    with app.app_context():
        (photo_id,) = db.session.scalars(select(Photo.id))
    return initiative_id, photo_id


def test_a_submissions_photo_is_public_only_once_approved(
    app, client, auth, make_user, make_neighbourhood, moderator
):
    initiative_id, photo_id = submit_with_photo(app, client, auth, make_user, make_neighbourhood)
    assert photo(app, photo_id).review == "pending"
    assert public_files(app, photo_id) == []
    assert client.get(media_path(app, photo_id)).status_code == 404
    auth.login(moderator.email)
    review = client.get(f"/moderation/initiatives/{initiative_id}").get_data(as_text=True)
    assert "Volunteers planting a cherry tree" in review
    assert f"/photos/{photo_id}/preview/640.jpg" in review
    queue = client.get("/moderation").get_data(as_text=True)
    assert "1 new photo" in queue
    client.post(f"/moderation/initiatives/{initiative_id}/approve", data={})
    auth.logout()
    assert photo(app, photo_id).review == "approved"
    assert set(public_files(app, photo_id)) == set(ALL_FILE_NAMES)
    served = client.get(media_path(app, photo_id))
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in served.headers["Cache-Control"]
    webp = client.get(media_path(app, photo_id, "320.webp"))
    assert webp.headers["Content-Type"] == "image/webp"
    assert webp.data[8:12] == b"WEBP"


def test_a_new_photo_of_a_published_initiative_goes_through_review(
    app, client, auth, make_user, make_initiative, moderator
):
    resident = make_user()
    initiative_id = make_initiative(submitter_id=resident.id)
    auth.login(resident.email)
    assert upload(client, initiative_id, files.png_bytes()).status_code == 302
    with app.app_context():
        (photo_id,) = db.session.scalars(select(Photo.id))
    page = client.get(f"/initiatives/{initiative_id}/edit")
    values = form_values(page)
    assert values["photos-0-photo_id"] == [str(photo_id)]  # shown on the edit form
    values["submit_for_review"] = "1"
    client.post(f"/initiatives/{initiative_id}/edit", data=values)
    assert client.get(media_path(app, photo_id)).status_code == 404
    auth.logout()
    auth.login(moderator.email)
    review = client.get(f"/moderation/initiatives/{initiative_id}").get_data(as_text=True)
    assert "Photos" in review and "Volunteers planting a cherry tree" in review  # the diff
    client.post(f"/moderation/initiatives/{initiative_id}/approve", data={})
    assert client.get(media_path(app, photo_id)).status_code == 200


def test_a_rejected_edit_takes_its_new_photos_with_it(
    app, client, auth, make_user, make_initiative, moderator
):
    resident = make_user()
    initiative_id = make_initiative(submitter_id=resident.id)
    auth.login(resident.email)
    upload(client, initiative_id, files.png_bytes())
    values = form_values(client.get(f"/initiatives/{initiative_id}/edit"))
    values["submit_for_review"] = "1"
    client.post(f"/initiatives/{initiative_id}/edit", data=values)
    auth.logout()
    with app.app_context():
        (photo_id,) = db.session.scalars(select(Photo.id))
        stem = db.session.get(Photo, photo_id).stem
    auth.login(moderator.email)
    client.post(
        f"/moderation/initiatives/{initiative_id}/reject",
        data={"reject-reason": "Please use a photo without faces."},
    )
    assert photo(app, photo_id).review == "rejected"
    assert client.get(f"/media/{stem}-1280.jpg").status_code == 404
    with app.app_context():
        storage = media_storage()
        assert all(storage.read(f"private/photos/{stem}-{n}") is None for n in ALL_FILE_NAMES)


def test_archiving_deletes_the_public_copies(
    app, client, auth, make_initiative, make_photo, moderator
):
    initiative_id = make_initiative()
    photo_id = make_photo(initiative_id)
    path = media_path(app, photo_id)
    assert client.get(path).status_code == 200
    auth.login(moderator.email)
    client.post(f"/moderation/initiatives/{initiative_id}/archive", data={"archive-reason": ""})
    assert client.get(path).status_code == 404
    assert public_files(app, photo_id) == []


def test_hidden_photos_answer_404_and_their_names_are_not_guessable(
    app, client, make_initiative, make_photo
):
    draft_photo = make_photo(make_initiative(state="draft"), review="pending")
    pending_photo = make_photo(make_initiative(), review="pending")
    for photo_id in (draft_photo, pending_photo):
        assert client.get(media_path(app, photo_id)).status_code == 404
    stem = photo(app, draft_photo).stem
    assert re.fullmatch(r"[0-9a-f]{40}", stem)
    # Not a content hash (it could be worked out from a copy of the picture): the same bytes
    # under two photos get two names.
    assert stem != hashlib.sha256(files.jpeg_with_gps()).hexdigest()[:40]
    assert stem != photo(app, pending_photo).stem
    for guess in (f"{draft_photo}-1280.jpg", "0" * 40 + "-1280.jpg", f"{stem}-original.jpg"):
        assert client.get(f"/media/{guess}").status_code == 404
    assert client.get(f"/media/{stem}-1280.jpg/../../private").status_code == 404


def test_a_moderator_removes_one_photo_and_it_is_audited(
    app, client, auth, make_initiative, make_photo, moderator
):
    initiative_id = make_initiative()
    kept, removed = make_photo(initiative_id), make_photo(initiative_id)
    path = media_path(app, removed)
    auth.login(moderator.email)
    response = client.post(
        f"/moderation/photos/{removed}/remove", data={f"photo-{removed}-reason": "A child"}
    )
    assert response.status_code == 302
    assert client.get(path).status_code == 404
    assert client.get(media_path(app, kept)).status_code == 200
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "remove_photo"))
        assert entry.subject_id == removed and entry.detail["reason"] == "A child"
        assert db.session.get(Initiative, initiative_id).state == "published"


def test_residents_cannot_remove_photos(app, client, auth, make_user, make_initiative, make_photo):
    photo_id = make_photo(make_initiative())
    auth.login(make_user().email)
    assert client.post(f"/moderation/photos/{photo_id}/remove", data={}).status_code == 403


def test_someone_shown_asks_for_removal_without_an_account_and_comes_first(
    app, client, make_initiative, make_photo, moderator, auth
):
    older = make_initiative()
    client.post(f"/initiatives/{older}/report", data={"reason": "spam"})
    initiative_id = make_initiative()
    photo_id = make_photo(initiative_id)
    form = client.get(
        f"/initiatives/{initiative_id}/report?photo={photo_id}&reason=shown_in_photo"
    )
    html = form.get_data(as_text=True)
    assert (
        f'<option selected value="{photo_id}">' in html or f'value="{photo_id}" selected' in html
    )
    response = client.post(
        f"/initiatives/{initiative_id}/report",
        data={"reason": "shown_in_photo", "photo": str(photo_id), "details": "That is me"},
    )
    assert response.status_code == 302
    with app.app_context():
        report = db.session.scalar(select(Report).where(Report.photo_id == photo_id))
        assert report.priority and report.reporter_id is None
    auth.login(moderator.email)
    queue = client.get("/moderation").get_data(as_text=True)
    assert queue.index("Urgent:") < queue.index("It is spam")


def test_a_report_cannot_name_a_photo_that_is_not_public(app, client, make_initiative, make_photo):
    initiative_id = make_initiative()
    hidden = make_photo(initiative_id, review="pending")
    response = client.post(
        f"/initiatives/{initiative_id}/report", data={"reason": "offensive", "photo": str(hidden)}
    )
    assert response.status_code == 422
