"""A published photo shows wherever an example is shown; what people wrote about it is inert."""

from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import quote

import feedparser
import pytest

from app.extensions import db
from app.photos.models import Photo
from tests.test_clusters import create_cluster

PAYLOAD = "\"'><script>alert(1)</script><img src=x onerror=alert(2)>"
RAW = ("<script>alert(1)", "<img src=x onerror")


@pytest.fixture
def published(app, make_initiative, make_photo):
    """A published initiative with an approved photo whose words are an XSS payload."""
    initiative_id = make_initiative(title="Abbey Road trees")
    photo_id = make_photo(
        initiative_id, alt=f"Alt {PAYLOAD}", caption=f"Cap {PAYLOAD}", credit=f"By {PAYLOAD}"
    )
    with app.app_context():
        stem = db.session.get(Photo, photo_id).stem
    return initiative_id, photo_id, stem


def assert_inert(text: str) -> None:
    for raw in RAW:
        assert raw not in text


def test_initiative_page_has_an_accessible_gallery_and_card_meta(client, published):
    initiative_id, photo_id, stem = published
    page = client.get(f"/initiatives/{initiative_id}", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert_inert(html)
    assert f"{stem}-640.jpg" in html and f"{stem}-320.webp 320w" in html
    assert 'alt="Alt &#34;&#39;&gt;&lt;script&gt;' in html or "Alt &#34;" in html
    assert f'<meta property="og:image" content="http://localhost/media/{stem}-social.jpg">' in html
    assert '<meta property="og:image:width" content="1200">' in html
    assert '<meta property="og:image:height" content="630">' in html
    assert '<meta property="og:image:alt" content="Alt' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    ld = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1]
    )
    assert ld["image"][0]["contentUrl"].endswith(f"{stem}-1280.jpg")
    assert ld["image"][0]["description"] == f"Alt {PAYLOAD}"
    assert f"photo={photo_id}" in html and "reason=shown_in_photo" in html  # removal request


def test_lists_maps_clusters_and_embeds_show_a_lazy_thumbnail(app, client, published):
    initiative_id, _photo_id, stem = published
    create_cluster(app, [initiative_id], slug="trees")
    for path in (
        "/initiatives",
        "/map",
        "/clusters/trees",
        "/embed/clusters/trees",
        "/embed/initiatives",
        f"/embed/initiatives/{initiative_id}",
    ):
        html = client.get(path).get_data(as_text=True)
        assert f"{stem}-320.jpg" in html, path
        assert 'loading="lazy"' in html, path
        assert_inert(html)
    for layout in ("list", "cards", "map"):
        html = client.get(f"/embed/initiatives?layout={layout}").get_data(as_text=True)
        assert f"{stem}-320.jpg" in html, layout
    items = client.get("/map/initiatives.json").json["items"]
    assert items[0]["thumbnail_url"].endswith(f"{stem}-320.jpg")
    assert items[0]["thumbnail_alt"] == f"Alt {PAYLOAD}"  # JSON; map.js writes it as a property


def test_oembed_carries_a_thumbnail_within_maxwidth(client, published):
    initiative_id, _photo_id, stem = published
    url = quote(f"http://localhost/initiatives/{initiative_id}", safe="")
    answer = client.get(f"/oembed?url={url}&format=json").json
    assert answer["thumbnail_url"].endswith(f"{stem}-1280.jpg")
    assert answer["thumbnail_width"] == 1280 and answer["thumbnail_height"] == 960
    small = client.get(f"/oembed?url={url}&format=json&maxwidth=500").json
    assert small["thumbnail_url"].endswith(f"{stem}-320.jpg") and small["thumbnail_width"] == 320


def test_oembed_makes_room_for_the_initiative_cards_photo(client, make_initiative, published):
    initiative_id, _photo_id, _stem = published
    without_id = make_initiative(title="No photo here")

    def height(initiative: int) -> int:
        url = quote(f"http://localhost/initiatives/{initiative}", safe="")
        return client.get(f"/oembed?url={url}&format=json&maxheight=1000").json["height"]

    # A 4:3 photo 112 px wide (7rem) floats beside the text: 84 px and its margin.
    assert height(initiative_id) == height(without_id) + 92


def test_feeds_carry_media_thumbnails(client, published):
    _initiative_id, _photo_id, stem = published
    for kind in ("atom", "rss"):
        body = client.get(f"/feeds/initiatives.{kind}").get_data(as_text=True)
        assert_inert(body)
        entry = feedparser.parse(body).entries[0]
        assert entry.media_thumbnail[0]["url"].endswith(f"{stem}-320.jpg")
        assert entry.media_content[0]["url"].endswith(f"{stem}-1280.jpg")


def test_api_photos_follow_the_documented_shape(client, published):
    initiative_id, _photo_id, stem = published
    item = client.get(f"/api/v1/initiatives/{initiative_id}").json["item"]
    (photo,) = item["photos"]
    assert photo == {
        "url": f"http://localhost/media/{stem}-1280.jpg",
        "width": 1280,
        "height": 960,
        "alt": f"Alt {PAYLOAD}",
        "caption": f"Cap {PAYLOAD}",
        "credit": f"By {PAYLOAD}",
        "sizes": {
            width: {
                "webp": f"http://localhost/media/{stem}-{width}.webp",
                "jpeg": f"http://localhost/media/{stem}-{width}.jpg",
            }
            for width in ("320", "640", "1280")
        },
    }
    listed = client.get("/api/v1/initiatives").json["items"][0]
    assert listed["photos"][0]["url"] == photo["url"]


def test_geojson_and_csv_carry_the_photo(client, published):
    _initiative_id, _photo_id, stem = published
    feature = client.get("/api/v1/initiatives.geojson").json["features"][0]
    assert feature["properties"]["thumbnail_url"].endswith(f"{stem}-320.jpg")
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get("/api/v1/initiatives.csv").get_data(as_text=True).lstrip("\ufeff")
            )
        )
    )
    assert rows[0]["photo_url"].endswith(f"{stem}-1280.jpg")
    columns = list(rows[0])
    # appended: earlier columns keep their places (later groups come after it)
    assert columns[columns.index("photo_url") - 1] == "summary_cy"


def test_unapproved_photos_are_in_no_output(app, client, make_initiative, make_photo):
    initiative_id = make_initiative()
    make_photo(initiative_id, review="pending")
    with app.app_context():
        stem = db.session.scalar(db.select(Photo.stem))
    for path in (
        f"/initiatives/{initiative_id}",
        "/initiatives",
        "/api/v1/initiatives",
        "/api/v1/initiatives.geojson",
        "/api/v1/initiatives.csv",
        "/feeds/initiatives.atom",
        "/embed/initiatives",
    ):
        assert stem not in client.get(path, follow_redirects=True).get_data(as_text=True), path


def test_csp_img_src_follows_media_url(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_URL", "https://media.example.org/public/")
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://tile.openstreetmap.org https://media.example.org" in csp
