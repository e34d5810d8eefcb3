"""A person's photos: in their data download, and gone with their account unless published."""

from __future__ import annotations

import base64
import io
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.photos.models import Photo
from tests.conftest import TEST_PASSWORD


def test_the_data_download_holds_the_persons_photos(
    app, client, auth, make_user, make_initiative, make_photo
):
    rosa = make_user()
    initiative_id = make_initiative(state="draft", submitter_id=rosa.id)
    photo_id = make_photo(initiative_id, review="pending", caption="Our table")
    auth.login(rosa.email)
    data = client.get("/account/data.json").json
    (photo,) = data["photos"]
    assert photo["id"] == photo_id and photo["caption"] == "Our table"
    picture = Image.open(io.BytesIO(base64.b64decode(photo["jpeg_base64"])))
    assert picture.format == "JPEG" and dict(picture.getexif()) == {}


def test_account_deletion_keeps_published_photos_without_the_name(
    app, client, auth, make_user, make_initiative, make_photo
):
    rosa = make_user(display_name="Rosa Parkes")
    published = make_initiative(submitter_id=rosa.id)
    draft = make_initiative(state="draft", submitter_id=rosa.id)
    kept = make_photo(published, credit="Photo: Rosa Parkes")
    unreviewed = make_photo(published, review="pending")
    never_public = make_photo(draft, review="pending")
    with app.app_context():
        stems = {p.id: p.stem for p in db.session.scalars(select(Photo))}
    auth.login(rosa.email)
    response = client.post(
        "/account/delete", data={"delete-current_password": TEST_PASSWORD, "delete-confirm": "y"}
    )
    assert response.status_code == 302
    with app.app_context():
        remaining = {p.id: p for p in db.session.scalars(select(Photo))}
    assert set(remaining) == {kept}
    assert remaining[kept].uploaded_by_id is None and remaining[kept].credit == ""
    media = Path(app.config["MEDIA_ROOT"])
    for gone in (unreviewed, never_public):
        assert not list(media.rglob(f"{stems[gone]}*"))
    assert list(media.rglob(f"{stems[kept]}*"))
    assert client.get(f"/media/{stems[kept]}-320.jpg").status_code == 200
