"""Photos are decoded, turned upright and rewritten without metadata, on local storage and S3."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from app.extensions import db
from app.photos.models import Photo
from app.photos.processing import PhotoRefused, inspect_upload, render_sizes
from app.photos.services import ALL_FILE_NAMES, private_key, public_key
from app.photos.storage import media_storage
from tests.support import photos as files

LIMIT = 50_000_000


def stored_files(app, photo_id: int, public: bool = False) -> dict[str, bytes]:
    """Every kept size of a photo, read back from the storage."""
    with app.app_context():
        photo = db.session.get(Photo, photo_id)
        assert photo.stem, photo.problem
        storage = media_storage()
        key = public_key if public else private_key
        found = {name: storage.read(key(photo.stem, name)) for name in ALL_FILE_NAMES}
    return {name: data for name, data in found.items() if data is not None}


def assert_no_metadata(data: bytes) -> None:
    image = Image.open(io.BytesIO(data))
    assert dict(image.getexif()) == {}
    assert image.getexif().get_ifd(0x8825) == {}
    assert "exif" not in image.info and "icc_profile" not in image.info
    assert b"PhoneMaker" not in data and b"Exif" not in data


def check_gps_photo_is_clean(app, make_initiative, make_photo) -> None:
    initiative_id = make_initiative()
    photo_id = make_photo(initiative_id, data=files.jpeg_with_gps())
    for public in (False, True):
        kept = stored_files(app, photo_id, public=public)
        assert set(kept) == set(ALL_FILE_NAMES)
        for data in kept.values():
            assert_no_metadata(data)


def test_gps_exif_is_in_no_kept_size_on_local_storage(app, make_initiative, make_photo):
    check_gps_photo_is_clean(app, make_initiative, make_photo)
    media = Path(app.config["MEDIA_ROOT"])
    for path in media.rglob("*"):
        if path.is_file():
            assert b"PhoneMaker" not in path.read_bytes()


def test_gps_exif_is_in_no_kept_size_on_s3(app, s3_media, make_initiative, make_photo):
    check_gps_photo_is_clean(app, make_initiative, make_photo)
    listing = s3_media.client.list_objects_v2(Bucket=s3_media.bucket)
    keys = [item["Key"] for item in listing["Contents"]]
    assert not any(key.startswith("private/raw/") for key in keys)  # the upload is gone
    for key in keys:
        data = s3_media.client.get_object(Bucket=s3_media.bucket, Key=key)["Body"].read()
        assert_no_metadata(data)
    public = [key for key in keys if key.startswith("public/")]
    head = s3_media.client.head_object(Bucket=s3_media.bucket, Key=public[0])
    assert "immutable" in head["CacheControl"]


def test_raw_upload_is_deleted_once_processed(app, make_initiative, make_photo):
    photo_id = make_photo(make_initiative())
    with app.app_context():
        photo = db.session.get(Photo, photo_id)
        assert photo.state == "ready" and photo.raw_key is None
    raw = Path(app.config["MEDIA_ROOT"]) / "private" / "raw"
    assert not raw.exists() or not any(raw.iterdir())


def test_exif_orientation_is_applied_before_it_is_dropped():
    rendered, sizes = render_sizes(files.jpeg_with_gps((1600, 1200), orientation=6), LIMIT)
    assert sizes["1280"] == {"width": 1200, "height": 1600}  # turned a quarter round
    picture = Image.open(io.BytesIO(next(f.data for f in rendered if f.name == "320.jpg")))
    # The red marker was top-left; after a 90° clockwise turn it is top-right.
    assert picture.getpixel((picture.width - 5, 5))[0] > 150
    assert picture.getpixel((5, 5))[0] < 100


def test_sizes_are_webp_and_jpeg_at_three_widths_and_a_social_card():
    rendered, sizes = render_sizes(files.png_bytes((2000, 1000), transparent=True), LIMIT)
    kinds = {f.name: Image.open(io.BytesIO(f.data)).format for f in rendered}
    assert kinds == {
        **{f"{w}.webp": "WEBP" for w in (320, 640, 1280)},
        **{f"{w}.jpg": "JPEG" for w in (320, 640, 1280)},
        "social.jpg": "JPEG",
    }
    assert sizes["320"]["width"] == 320 and sizes["social"] == {"width": 1200, "height": 630}


def test_small_photos_are_never_enlarged():
    _rendered, sizes = render_sizes(files.webp_bytes((500, 400)), LIMIT)
    assert sizes["1280"] == {"width": 500, "height": 400}


def test_an_embedded_colour_profile_is_converted_to_srgb_and_dropped():
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    adobe_like = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    assert profile  # a profile Pillow can write
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 10, 10)).save(out, "JPEG", icc_profile=adobe_like)
    rendered, _sizes = render_sizes(out.getvalue(), LIMIT)
    for kept in rendered:
        assert "icc_profile" not in Image.open(io.BytesIO(kept.data)).info


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (files.decompression_bomb(), "too_many_pixels"),
        (files.truncated_jpeg(), "unreadable"),
        (files.SVG, "not_a_photo"),
        (files.HTML, "not_a_photo"),
        (b"", "empty"),
    ],
    ids=["bomb", "truncated", "svg", "html", "empty"],
)
def test_bad_files_are_refused_when_uploaded(data, reason):
    with pytest.raises(PhotoRefused) as refused:
        inspect_upload(data, LIMIT)
    assert str(refused.value) == reason


def test_the_type_comes_from_decoding_not_the_name():
    assert inspect_upload(files.png_bytes(), LIMIT).format == "PNG"  # whatever it is called


def test_a_polyglot_is_neutralised_by_rewriting():
    assert inspect_upload(files.polyglot_jpeg(), LIMIT).format == "JPEG"
    rendered, _sizes = render_sizes(files.polyglot_jpeg(), LIMIT)
    for kept in rendered:
        assert b"<script" not in kept.data and b"<html" not in kept.data


def test_the_pixel_limit_holds_on_the_worker_too():
    with pytest.raises(PhotoRefused):
        render_sizes(files.png_bytes((1000, 1000)), 999_999)


def test_heic_photos_from_phones_are_taken_when_the_decoder_is_installed():
    pytest.importorskip("pillow_heif")  # an optional decoder; pyproject installs it
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (10, 200, 30)).save(out, "HEIF")
    assert inspect_upload(out.getvalue(), LIMIT).format == "HEIF"
    rendered, sizes = render_sizes(out.getvalue(), LIMIT)
    assert sizes["1280"] == {"width": 640, "height": 480}
    assert {Image.open(io.BytesIO(f.data)).format for f in rendered} == {"WEBP", "JPEG"}
