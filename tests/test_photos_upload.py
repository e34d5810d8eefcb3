"""Adding photos: one per request, with or without JavaScript, nothing typed ever lost."""

from __future__ import annotations

import io
import os
import time

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.test import EnvironBuilder

from app.extensions import db
from app.photos.models import Photo
from tests.support import photos as files
from tests.test_submission import complete_form, form_values


@pytest.fixture
def draft(app, client, auth, make_user, make_neighbourhood, make_initiative):
    """A signed-in resident's saved draft; returns its id."""
    resident = make_user()
    auth.login(resident.email)
    return make_initiative(state="draft", submitter_id=resident.id, title="Abbey Road trees")


def upload(client, initiative_id, data, name="photo.jpg", json=False, **fields):
    values = {
        "alt": "Volunteers planting a cherry tree",
        "caption": "Planting day",
        "credit": "Abbey Road Residents",
        "consent": "y",
        **fields,
    }
    values = {key: value for key, value in values.items() if value is not None}
    if data is not None:
        values["photo"] = (io.BytesIO(data), name)
    values["csrf_token"] = client.csrf_token()
    headers = {"Accept": "application/json"} if json else {}
    builder = EnvironBuilder(
        path=f"/initiatives/{initiative_id}/photos/new",
        method="POST",
        data=values,
        content_type="multipart/form-data",
        headers=headers,
    )
    environ = builder.get_environ()
    try:
        return client.open(environ)
    finally:
        # The test client spools a large body to a temporary file that it never closes.
        environ["wsgi.input"].close()
        builder.close()


def photos_of(app, initiative_id):
    with app.app_context():
        return list(db.session.scalars(select(Photo).where(Photo.initiative_id == initiative_id)))


def test_add_a_photo_saves_the_draft_then_opens_the_upload_page(
    app, client, auth, make_user, make_neighbourhood
):
    auth.login(make_user().email)
    form = complete_form(make_neighbourhood(), submit_for_review=None, add_photo="1")
    response = client.post("/initiatives/new", data=form)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/photos/new")
    page = client.get(response.headers["Location"])
    assert "Add a photo to “Kirkstall street watch”" in page.get_data(as_text=True)
    assert "Alt text" in page.get_data(as_text=True)


def test_add_a_photo_without_a_title_keeps_everything_typed(
    app, client, auth, make_user, make_neighbourhood
):
    auth.login(make_user().email)
    form = complete_form(make_neighbourhood(), title="", submit_for_review=None, add_photo="1")
    response = client.post("/initiatives/new", data=form)
    assert response.status_code == 422
    assert "Hawksworth Road" in response.get_data(as_text=True)


def test_uploaded_photo_shows_as_processing_until_the_worker_runs(
    app, client, draft, paused_queue
):
    response = upload(client, draft, files.jpeg_with_gps())
    assert response.status_code == 302
    (photo,) = photos_of(app, draft)
    assert photo.state == "processing" and photo.raw_key and photo.review == "pending"
    page = client.get(f"/initiatives/{draft}/edit")
    html = page.get_data(as_text=True)
    assert "Processing" in html
    assert form_values(page)["photos-0-alt"] == ["Volunteers planting a cherry tree"]
    paused_queue.run()
    (photo,) = photos_of(app, draft)
    assert photo.state == "ready" and photo.raw_key is None
    html = client.get(f"/initiatives/{draft}/edit").get_data(as_text=True)
    assert f"/photos/{photo.id}/preview/320.jpg" in html


def test_upload_with_javascript_answers_json(app, client, draft):
    response = upload(client, draft, files.png_bytes(), json=True)
    assert response.status_code == 201
    assert response.json["photo"]["alt"] == "Volunteers planting a cherry tree"
    refused = upload(client, draft, files.HTML, json=True, alt="")
    assert refused.status_code == 422
    assert set(refused.json["errors"]) >= {"alt"}


def test_alt_text_and_consent_are_required(app, client, draft):
    response = upload(client, draft, files.jpeg_with_gps(), alt="", consent=None)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Describe the photo for people who cannot see it." in html
    assert "Tick the box" in html
    assert 'value="Planting day"' in html  # what was typed is kept
    assert photos_of(app, draft) == []


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (files.decompression_bomb(), "bomb.png", "million pixels"),
        (files.truncated_jpeg(), "cut.jpg", "could not be read"),
        (files.SVG, "drawing.svg", "not a JPEG, PNG, WebP or HEIC photo"),
        (files.HTML, "page.jpg", "not a JPEG, PNG, WebP or HEIC photo"),
        (b"", "empty.jpg", "Choose a photo"),
    ],
    ids=["bomb", "truncated", "svg", "html-named-jpg", "empty"],
)
def test_bad_files_are_refused_beside_the_field_and_the_rest_kept(
    app, client, draft, data, name, message
):
    response = upload(client, draft, data, name=name, caption="Our <b>planting</b> day")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert 'value="Our &lt;b&gt;planting&lt;/b&gt; day"' in html
    assert photos_of(app, draft) == []


def test_a_png_named_jpg_is_taken_as_the_png_it_is(app, client, draft):
    assert upload(client, draft, files.png_bytes(), name="holiday.jpg").status_code == 302
    (photo,) = photos_of(app, draft)
    assert photo.source_format == "PNG" and photo.state == "ready"


def test_a_polyglot_is_kept_only_as_rewritten_pixels(app, client, draft):
    assert upload(client, draft, files.polyglot_jpeg()).status_code == 302
    media = app.config["MEDIA_ROOT"]
    for folder, _dirs, names in os.walk(media):
        for name in names:
            with open(os.path.join(folder, name), "rb") as stored:
                assert b"<script" not in stored.read()


def test_an_upload_over_the_limit_gets_a_friendly_413(app, client, draft, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_MAX_BYTES", 200_000)
    big = os.urandom(900_000)
    response = upload(client, draft, big)
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "larger than" in html and "Back to the form" in html
    answer = upload(client, draft, big, json=True)
    assert answer.status_code == 413 and "photo" in answer.json["errors"]


def test_a_file_just_over_the_size_is_refused_with_the_words_kept(app, client, draft, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_MAX_BYTES", 200_000)
    response = upload(client, draft, os.urandom(250_000), caption="Kept caption")
    assert response.status_code == 422
    assert "larger than" in response.get_data(as_text=True)
    assert 'value="Kept caption"' in response.get_data(as_text=True)


def noisy_jpeg(target_bytes: int) -> bytes:
    """A camera-sized JPEG of noise: it compresses badly, like a real busy photo."""
    width, height = 4000, 3000
    image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    data = out.getvalue()
    assert data[:2] == b"\xff\xd8"
    return data[: max(target_bytes, 0)] if len(data) < target_bytes else data


def test_a_15_mb_photo_uploads_in_time_and_is_processed_on_the_worker(
    app, client, draft, paused_queue
):
    data = noisy_jpeg(0)
    while len(data) > app.config["PHOTO_MAX_BYTES"]:  # noise at 12 MP is about 15-20 MB
        image = Image.open(io.BytesIO(data))
        image = image.resize((image.width * 9 // 10, image.height * 9 // 10))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=92)
        data = out.getvalue()
    assert len(data) > 10 * 1024 * 1024
    started = time.monotonic()
    response = upload(client, draft, data)
    took = time.monotonic() - started
    assert response.status_code == 302
    assert took < 10, f"the upload took {took:.1f} s"  # gunicorn's timeout is 30 s
    (photo,) = photos_of(app, draft)
    assert photo.state == "processing"  # nothing heavy ran in the request
    assert paused_queue.run() >= 1
    (photo,) = photos_of(app, draft)
    assert photo.state == "ready"


def test_at_most_six_photos(app, client, draft, make_photo):
    for _ in range(6):
        make_photo(draft, data=files.png_bytes((200, 150)), review="pending")
    response = upload(client, draft, files.png_bytes())
    assert response.status_code == 200 or response.status_code == 422
    assert len(photos_of(app, draft)) == 6


def test_only_those_who_may_edit_add_photos(app, client, auth, make_user, make_initiative):
    owner = make_user()
    initiative_id = make_initiative(state="draft", submitter_id=owner.id)
    auth.login(make_user().email)
    assert upload(client, initiative_id, files.png_bytes()).status_code == 404
    assert photos_of(app, initiative_id) == []


def test_photos_are_reordered_and_removed_without_javascript(app, client, draft, make_photo):
    first = make_photo(draft, review="pending", alt="First photo")
    second = make_photo(draft, review="pending", alt="Second photo")
    values = form_values(client.get(f"/initiatives/{draft}/edit"))
    assert values["photos-0-photo_id"] == [str(first)]
    values["photos-1-caption"] = "Typed before moving"
    response = client.post(
        f"/initiatives/{draft}/edit",
        data={**values, "move_photo_down": "0"},
        follow_redirects=True,
    )
    assert response.history[0].status_code == 303  # saved: a reload never posts again
    moved = form_values(response)
    assert moved["photos-0-photo_id"] == [str(second)]
    assert moved["photos-0-caption"] == ["Typed before moving"]  # nothing typed is lost
    order = [photo.id for photo in sorted(photos_of(app, draft), key=lambda p: p.position)]
    assert order == [second, first]
    response = client.post(
        f"/initiatives/{draft}/edit", data={**moved, "remove_photo": "1"}, follow_redirects=True
    )
    assert [photo.id for photo in photos_of(app, draft)] == [second]
    assert form_values(response)["photos-0-photo_id"] == [str(second)]


def test_submitting_needs_alt_text_on_every_photo(app, client, draft, make_photo):
    make_photo(draft, review="pending")
    values = form_values(client.get(f"/initiatives/{draft}/edit"))
    values["photos-0-alt"] = ""
    values.update(submit_for_review="1", consent="y")
    response = client.post(f"/initiatives/{draft}/edit", data=values)
    assert response.status_code == 422
    assert (
        "Photo 1, alt text: describe the photo for people who cannot see it."
        in response.get_data(as_text=True)
    )
