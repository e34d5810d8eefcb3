"""Cached public outputs: ETags from the data version, a 304 in one query, a cache of whole
200 answers keyed by everything the answer depends on, invalidated exactly by public changes
(app/caching.py, app/data_version.py)."""

from __future__ import annotations

import gzip
import logging
import uuid
from datetime import date
from urllib.parse import quote

import pytest

from app import create_app
from app.caching import COMPRESS_FROM_BYTES, GZIP_TAG, MemoryCache, output_cache
from app.clusters.models import Cluster, ClusterItem
from app.data_version import current_data_version
from app.extensions import db
from app.initiatives.models import Initiative, Measurement, Outcome
from app.neighbourhoods.models import Neighbourhood
from app.photos.models import Photo
from app.themes.models import Theme
from app.timeutil import utcnow
from tests.support.queries import count_queries
from tests.test_clusters import create_cluster

OUTPUTS = [
    "/feeds/initiatives.atom",
    "/feeds/initiatives.rss?theme=safety",
    "/clusters/safer-streets.atom",
    "/embed/initiatives?limit=5",
    "/embed/clusters/safer-streets",
    "/embed/initiatives/{published}",
    "/oembed?url=" + quote("http://localhost/clusters/safer-streets", safe=""),
    "/api/v1/initiatives",
    "/api/v1/initiatives.geojson",
]


@pytest.fixture
def site(app, make_initiative, make_neighbourhood):
    """A published initiative with an outcome (in a published cluster), and a draft with one."""
    neighbourhood = make_neighbourhood(name="Kirkstall", slug="kirkstall")
    outcome = [{"indicator": "Reported burglaries", "baseline": 31, "result": 22}]
    published = make_initiative(
        title="Street watch", neighbourhood_id=neighbourhood, outcomes=outcome
    )
    draft = make_initiative(
        title="Draft garden", state="draft", neighbourhood_id=neighbourhood, outcomes=outcome
    )
    create_cluster(app, [published])
    return {"published": published, "draft": draft, "neighbourhood": neighbourhood}


def queries(statements: list[str]) -> list[str]:
    """The statements that read or write: not BEGIN, which SQLite's transactions send, nor
    the SET LOCAL that gives a web request's transaction its deadline on PostgreSQL."""
    control = ("BEGIN", "COMMIT", "ROLLBACK", "SET")
    return [s for s in statements if s.split()[0].upper() not in control]


def url_of(template: str, site: dict) -> str:
    return template.format(**site)


def fetch(client, url: str, **headers):
    response = client.get(url, headers=headers)
    body = response.get_data()  # a streamed body is read (and kept) here
    return response, body


@pytest.mark.parametrize("template", OUTPUTS)
def test_a_304_runs_one_query(app, client, site, template):
    url = url_of(template, site)
    first, _body = fetch(client, url)
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "public, max-age=300"
    with count_queries(app) as statements:
        again, body = fetch(client, url, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and body == b""
    assert len(queries(statements)) == 1, statements
    assert "data_version" in queries(statements)[0]


@pytest.mark.parametrize("template", OUTPUTS)
def test_a_repeated_200_comes_from_the_cache_in_one_query(app, client, site, template):
    url = url_of(template, site)
    first, body = fetch(client, url)
    with count_queries(app) as statements:
        again, again_body = fetch(client, url)
    assert again.status_code == 200
    assert again_body == body
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert len(queries(statements)) == 1, statements


@pytest.mark.parametrize("template", OUTPUTS)
def test_a_repeated_200_comes_gzipped_to_a_client_that_accepts_it(app, client, site, template):
    url = url_of(template, site)
    first, body = fetch(client, url)
    assert "Accept-Encoding" in first.headers["Vary"]
    with count_queries(app) as statements:
        packed, packed_body = fetch(client, url, **{"Accept-Encoding": "gzip, deflate, br"})
    assert len(queries(statements)) == 1, statements
    assert packed.status_code == 200
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert packed.headers["Content-Type"] == first.headers["Content-Type"]
    if len(body) < COMPRESS_FROM_BYTES:  # not worth it: sent as it is
        assert "Content-Encoding" not in packed.headers and packed_body == body
        return
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed_body) == body
    assert int(packed.headers["Content-Length"]) == len(packed_body) < len(body)
    assert packed.headers["ETag"] == first.headers["ETag"][:-1] + GZIP_TAG + '"'
    # Either representation's ETag is answered with 304; a client without gzip gets it plain.
    for etag in (packed.headers["ETag"], first.headers["ETag"]):
        held, _ = fetch(client, url, **{"If-None-Match": etag, "Accept-Encoding": "gzip"})
        assert held.status_code == 304 and held.headers["ETag"] == etag
    for refusal in ({}, {"Accept-Encoding": "identity"}, {"Accept-Encoding": "gzip;q=0"}):
        plain, plain_body = fetch(client, url, **refusal)
        assert "Content-Encoding" not in plain.headers and plain_body == body


def test_a_large_geojson_is_sent_compressed_from_the_cache(app, client, make_initiative):
    for number in range(60):
        make_initiative(title=f"Street watch {number}", summary="Neighbours walk the streets.")
    url = "/api/v1/initiatives.geojson?limit=60"
    first, body = fetch(client, url)
    assert "Content-Encoding" not in first.headers  # the first answer streams as it is made
    packed, packed_body = fetch(client, url, **{"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed_body) == body
    assert len(packed_body) * 5 < len(body)


def test_the_geojson_export_carries_an_etag_and_cache_control(client, site):
    response, _body = fetch(client, "/api/v1/initiatives.geojson?theme=safety")
    assert response.headers["ETag"]
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["Content-Type"] == "application/geo+json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


# What changes an output, and what does not


def _edit_published(initiative: Initiative, _site: dict) -> None:
    initiative.title = "Street watch, renamed"


def _unpublish(initiative: Initiative, _site: dict) -> None:
    initiative.state = "archived"


def _send_back_to_review(initiative: Initiative, _site: dict) -> None:
    initiative.state = "pending"


def _delete(initiative: Initiative, _site: dict) -> None:
    db.session.delete(initiative)


def _publish_the_draft(_initiative: Initiative, site: dict) -> None:
    draft = db.session.get(Initiative, site["draft"])
    draft.state, draft.published_at = "published", utcnow()


def _add_measurement(initiative: Initiative, _site: dict) -> None:
    initiative.outcomes[0].measurements.append(
        Measurement(measured_on=date(2026, 11, 1), value=18)
    )


def _edit_measurement_directly(initiative: Initiative, _site: dict) -> None:
    db.session.add(
        Measurement(outcome_id=initiative.outcomes[0].id, measured_on=date(2026, 10, 1), value=20)
    )


def _verify_outcome(initiative: Initiative, _site: dict) -> None:
    initiative.outcomes[0].verified_at = utcnow()


def _approve_photo(initiative: Initiative, _site: dict) -> None:
    photo = db.session.scalars(db.select(Photo).where(Photo.initiative_id == initiative.id)).one()
    photo.review = "approved"


def _remove_photo(initiative: Initiative, _site: dict) -> None:
    photo = db.session.scalars(db.select(Photo).where(Photo.initiative_id == initiative.id)).one()
    photo.review = "approved"
    db.session.commit()
    db.session.delete(db.session.get(Photo, photo.id))


def _rename_theme_in_welsh(_initiative: Initiative, _site: dict) -> None:
    db.session.scalars(db.select(Theme).where(Theme.slug == "safety")).one().name_cy = "Diogel"


def _rename_theme(_initiative: Initiative, _site: dict) -> None:
    db.session.scalars(db.select(Theme).where(Theme.slug == "safety")).one().name = "Safe"


def _rename_neighbourhood_in_welsh(_initiative: Initiative, site: dict) -> None:
    db.session.get(Neighbourhood, site["neighbourhood"]).name_cy = "Llanfair"


def _edit_cluster(_initiative: Initiative, _site: dict) -> None:
    db.session.scalars(db.select(Cluster)).one().title = "Safer streets, renamed"


def _note_cluster_item(_initiative: Initiative, _site: dict) -> None:
    db.session.scalars(db.select(ClusterItem)).one().note = "A curator's note"


def _bulk_update(_initiative: Initiative, _site: dict) -> None:
    db.session.execute(db.update(Initiative).values(status="completed"))


PUBLIC_CHANGES = [
    _edit_published,
    _unpublish,
    _send_back_to_review,
    _delete,
    _publish_the_draft,
    _add_measurement,
    _edit_measurement_directly,
    _verify_outcome,
    _approve_photo,
    _remove_photo,
    _rename_theme,
    _rename_theme_in_welsh,
    _rename_neighbourhood_in_welsh,
    _edit_cluster,
    _note_cluster_item,
    _bulk_update,
]


@pytest.mark.parametrize("change", PUBLIC_CHANGES, ids=lambda change: change.__name__[1:])
def test_a_public_change_changes_every_cached_output_at_once(
    app, client, site, make_photo, change
):
    if change in (_approve_photo, _remove_photo):
        make_photo(site["published"], review="pending")
    urls = [url_of(template, site) for template in OUTPUTS]
    before = {url: fetch(client, url) for url in urls}
    with app.app_context():
        change(db.session.get(Initiative, site["published"]), site)
        db.session.commit()
    for url in urls:
        old, _body = before[url]
        response, _ = fetch(client, url, **{"If-None-Match": old.headers["ETag"]})
        assert response.status_code in (200, 404), url  # 404: the initiative left
        assert response.headers.get("ETag") != old.headers["ETag"], url


def test_a_renamed_welsh_name_shows_in_the_welsh_feed_at_once(app, client, site):
    url = "/feeds/initiatives.atom?lang=cy&theme=safety"
    fetch(client, url)
    with app.app_context():
        _rename_theme_in_welsh(db.session.get(Initiative, site["published"]), site)
        db.session.commit()
    _response, body = fetch(client, url)
    assert "Diogel" in body.decode()


def test_an_edited_title_shows_in_the_cached_outputs_at_once(app, client, site):
    urls = ["/feeds/initiatives.atom", "/embed/initiatives", "/api/v1/initiatives"]
    for url in urls:
        fetch(client, url)
    with app.app_context():
        db.session.get(Initiative, site["published"]).title = "Night patrol"
        db.session.commit()
    for url in urls:
        _response, body = fetch(client, url)
        assert "Night patrol" in body.decode(), url


def _edit_draft(draft: Initiative) -> None:
    draft.title = "Draft garden, renamed"
    draft.summary = "Still nobody can see it."


def _measure_draft(draft: Initiative) -> None:
    draft.outcomes[0].measurements.append(Measurement(measured_on=date(2026, 11, 1), value=1))


def _add_outcome_to_draft(draft: Initiative) -> None:
    draft.outcomes.append(Outcome(description="More seedlings", position=1))


def _note_on_published(draft: Initiative) -> None:
    published = db.session.scalars(
        db.select(Initiative).where(Initiative.state == "published")
    ).one()
    published.moderation_note = "Checked the photo credits."


@pytest.mark.parametrize(
    "change", [_edit_draft, _measure_draft, _add_outcome_to_draft, _note_on_published]
)
def test_a_change_nobody_can_see_changes_no_cached_output(app, client, site, change):
    urls = [url_of(template, site) for template in OUTPUTS]
    before = {url: fetch(client, url) for url in urls}
    with app.app_context():
        version = current_data_version()
        change(db.session.get(Initiative, site["draft"]))
        db.session.commit()
        db.session.remove()
    with app.test_request_context():
        assert current_data_version() == version
    for url in urls:
        old, old_body = before[url]
        response, body = fetch(client, url, **{"If-None-Match": old.headers["ETag"]})
        assert response.status_code == 304, url
        _again, body = fetch(client, url)
        assert body == old_body, url


def test_a_draft_photo_changes_no_cached_output(app, client, site, make_photo):
    first, _body = fetch(client, "/api/v1/initiatives")
    make_photo(site["draft"], review="pending")
    again, _body = fetch(client, "/api/v1/initiatives", **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


# What the key holds


def test_the_key_differs_by_language_host_scheme_and_filters(client, site):
    def etag(url: str, **kwargs) -> str:
        return client.get(url, **kwargs).headers["ETag"]

    plain = etag("/feeds/initiatives.atom")
    others = [
        etag("/feeds/initiatives.atom?lang=cy"),
        etag("/feeds/initiatives.atom", base_url="https://localhost"),
        etag("/feeds/initiatives.atom", base_url="http://coproduce.example"),
        etag("/feeds/initiatives.atom?theme=safety"),
        etag("/feeds/initiatives.atom?theme=safety&stage=co-delivery"),
        etag("/api/v1/initiatives", headers={"Accept-Language": "cy"}),
        etag("/api/v1/initiatives?limit=1"),
    ]
    assert len({plain, *others}) == len(others) + 1
    assert etag("/feeds/initiatives.atom?stage=co-delivery&theme=safety") == others[4]


def test_each_host_gets_its_own_links(client, site):
    client.get("/feeds/initiatives.atom")
    body = client.get("/feeds/initiatives.atom", base_url="https://coproduce.example").data
    assert b"https://coproduce.example/" in body
    assert b"http://localhost/" not in body


# Private answers


def test_a_signed_in_persons_answers_are_not_kept(app, client, site, make_user, auth):
    auth.login(make_user().email)
    response, _body = fetch(client, "/api/v1/initiatives")
    assert response.status_code == 200
    assert "private" in response.headers["Cache-Control"]
    with app.test_request_context("/api/v1/initiatives"):
        app.preprocess_request()
        assert output_cache().memory.read  # the store exists
    auth.logout()
    with count_queries(app) as statements:
        fetch(client, "/api/v1/initiatives")
    assert len(queries(statements)) > 1  # nothing was kept for the anonymous request


def test_nothing_unpublished_is_served_from_the_cache(app, client, site):
    url = "/api/v1/initiatives"
    fetch(client, url)
    with app.app_context():
        db.session.get(Initiative, site["published"]).state = "archived"
        db.session.commit()
    _response, body = fetch(client, url)
    assert b"Street watch" not in body


# Redis, and several instances


@pytest.fixture
def redis_apps(app, tmp_path):
    """Two instances of the site on the test's database sharing the running Redis."""
    prefix = f"coproduce-test-output-{uuid.uuid4().hex[:8]}:"
    config = {
        key: app.config[key]
        for key in ("TESTING", "SECRET_KEY", "DATABASE_URL", "SQLALCHEMY_DATABASE_URI")
    }
    config.update(
        PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
        RATELIMIT_STORAGE_URI="memory://",
        OUTBOX_PATH=str(tmp_path / "outbox"),
        MAIL_SERVER=None,
        SERVER_NAME=None,
        TASKS_EAGER=True,
        REDIS_URL="redis://127.0.0.1:6379/0",
        OUTPUT_CACHE_KEY_PREFIX=prefix,
    )
    instances = [create_app(dict(config)), create_app(dict(config))]
    yield instances
    for instance in instances:
        with instance.app_context():
            output_cache().clear()
            db.engine.dispose()


def test_the_process_memory_hands_over_a_kept_answer_without_copying_it():
    """A hit is the kept entry itself: a city's GeoJSON is megabytes, and a pickled copy of
    it on every hit bounded how many a second could be sent."""
    memory = MemoryCache(threshold=2, default_timeout=300)
    entry = (b"x" * 3_000_000, (("Content-Type", "application/geo+json"),), None)
    memory.set("city", entry)
    assert memory.get("city") is entry
    memory.set("city", entry, timeout=-1)  # already expired: gone, as with any entry
    assert memory.get("city") is None


def test_redis_holds_the_cache_for_every_instance(redis_apps, site):
    first, second = redis_apps
    body = first.test_client().get("/embed/initiatives").get_data()
    with count_queries(second) as statements:
        shared = second.test_client().get("/embed/initiatives")
    assert shared.get_data() == body
    assert len(queries(statements)) == 1  # the other instance's answer, from Redis
    with first.app_context():
        assert output_cache().shared is not None


def test_redis_keeps_plain_bytes_and_a_hit_reads_only_the_body_it_sends(
    redis_apps, site, make_initiative, monkeypatch
):
    """An answer in Redis is a hash of its headers (JSON), its body and, once asked for, its
    gzipped body: nothing pickled, and a hit carries only the representation it sends."""
    import orjson

    for number in range(30):
        make_initiative(title=f"Street watch {number}", summary="Neighbours walk the streets.")
    first, second = redis_apps
    url = "/api/v1/initiatives.geojson?limit=30"
    body = first.test_client().get(url).get_data()
    packed = second.test_client().get(url, headers={"Accept-Encoding": "gzip"}).get_data()
    assert gzip.decompress(packed) == body
    with second.app_context():
        shared = output_cache().shared
        (name,) = shared.client.keys(shared.prefix + "*")
        kept = shared.client.hgetall(name)
        asked = []
        hmget = shared.client.hmget
        monkeypatch.setattr(
            shared.client, "hmget", lambda key, fields: asked.append(fields) or hmget(key, fields)
        )
    assert set(kept) == {b"headers", b"body", b"gzip"}
    assert kept[b"body"] == body and kept[b"gzip"] == packed
    assert ["Content-Type", "application/geo+json"] in orjson.loads(kept[b"headers"])
    assert 0 < shared.client.ttl(name) <= second.config["OUTPUT_CACHE_SECONDS"]
    client = second.test_client()
    assert client.get(url).get_data() == body
    assert client.get(url, headers={"Accept-Encoding": "gzip"}).get_data() == packed
    assert asked == [["headers", "body"], ["headers", "gzip"]]


def test_a_change_on_one_instance_shows_on_the_other_at_once(redis_apps, site):
    first, second = redis_apps
    second.test_client().get("/embed/initiatives")
    with first.app_context():
        db.session.get(Initiative, site["published"]).title = "Night patrol"
        db.session.commit()
    assert b"Night patrol" in second.test_client().get("/embed/initiatives").data


def test_in_process_caches_of_two_instances_agree_after_a_change(app, site):
    other = create_app(
        {
            **{key: app.config[key] for key in ("TESTING", "SECRET_KEY", "DATABASE_URL")},
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "RATELIMIT_STORAGE_URI": "memory://",
            "TASKS_EAGER": True,
        }
    )
    app.test_client().get("/feeds/initiatives.atom")
    other.test_client().get("/feeds/initiatives.atom")
    with other.app_context():
        db.session.get(Initiative, site["published"]).title = "Night patrol"
        db.session.commit()
    assert b"Night patrol" in app.test_client().get("/feeds/initiatives.atom").data
    with other.app_context():
        db.engine.dispose()


@pytest.mark.sqlite_only  # Redis is what is tested
def test_the_cache_fails_open_when_redis_is_down(app, site, redis_server, caplog, tmp_path):
    other = create_app(
        {
            **{key: app.config[key] for key in ("TESTING", "SECRET_KEY", "DATABASE_URL")},
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "RATELIMIT_STORAGE_URI": "memory://",
            "TASKS_EAGER": True,
            "REDIS_URL": redis_server.url,
        }
    )
    client = other.test_client()
    assert client.get("/embed/initiatives").status_code == 200
    redis_server.stop()
    caplog.set_level(logging.WARNING, logger="app.caching")
    for _ in range(3):
        response = client.get("/embed/initiatives")
        assert response.status_code == 200
        assert b"Street watch" in response.data
    warnings = [r for r in caplog.records if "output cache (Redis) is not answering" in r.message]
    assert len(warnings) == 1
    with other.app_context():
        db.engine.dispose()


# Writes outside the ORM's flushes


def test_a_restore_changes_the_data_version(app, runner, tmp_path, site):
    from tests.support.backup_targets import empty_database
    from tests.test_backup import dialect, export, import_file

    path = tmp_path / "site.json"
    export(runner, path)
    with empty_database(dialect(app), tmp_path) as target:
        with target.test_request_context():
            before = current_data_version()
        target.test_client().get("/feeds/initiatives.atom")  # cached before the restore
        result = import_file(target, path)
        assert result.exit_code == 0, result.output
        with target.test_request_context():
            assert current_data_version().stamp != before.stamp
        body = target.test_client().get("/feeds/initiatives.atom").data
        assert b"Street watch" in body


def test_a_published_initiative_added_as_imports_add_them_changes_the_data_version(app, site):
    from app.initiatives.content import apply_content

    with app.test_request_context():
        before = current_data_version()
        imported = Initiative(
            title="Imported", slug="imported", state="published", published_at=utcnow()
        )
        db.session.add(imported)
        apply_content(imported, {"themes": ["safety"], "neighbourhood_id": site["neighbourhood"]})
        db.session.commit()
        assert current_data_version().stamp != before.stamp


# The GeoJSON export's features, built from rows


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_geojson_features_from_rows_equal_the_schemas_dump(
    app, client, make_initiative, make_neighbourhood, make_photo, lang
):
    import json

    from app.api.schemas.geojson import FeatureSchema

    neighbourhood = make_neighbourhood(name="Hulme", slug="hulme", name_cy="Hulme Gymraeg")
    people = [
        {"sector": "residents", "name": "Hulme tenants", "people": 12, "hours": 40},
        {"sector": "council", "name": "Manchester City Council", "people": 2},
    ]
    outcomes = [{"indicator": "Reported burglaries", "baseline": 31, "result": 22}]
    ids = [
        make_initiative(
            title="Night patrol",
            title_cy="Patrôl nos",
            neighbourhood_id=neighbourhood,
            place_name="Flat 3, 14 Rolls Crescent, M15 5JX",
            latitude=53.4634561,
            longitude=-2.2512345,
            location_precision="street",
            participants=people,
            outcomes=outcomes,
            themes=["safety", "health"],
            stages=["co-delivery", "co-design"],
        ),
        make_initiative(title="No point", neighbourhood_id=neighbourhood, status="completed"),
        make_initiative(
            title="Exact",
            neighbourhood_id=neighbourhood,
            latitude=53.47,
            longitude=-2.25,
            location_precision="exact",
            place_name="Hulme Park",
        ),
    ]
    make_photo(ids[0])
    make_photo(ids[2], review="pending")
    make_initiative(title="Hidden draft", state="draft", neighbourhood_id=neighbourhood)
    document = json.loads(client.get(f"/api/v1/initiatives.geojson?lang={lang}").get_data())
    with app.test_request_context(f"/api/v1/initiatives.geojson?lang={lang}"):
        app.preprocess_request()
        initiatives = db.session.scalars(
            db.select(Initiative)
            .where(Initiative.state == "published")
            .order_by(Initiative.published_at.desc(), Initiative.id.desc())
        ).all()
        expected = json.loads(json.dumps(FeatureSchema(many=True).dump(initiatives)))
    assert document["features"] == expected
    assert document["type"] == "FeatureCollection"
    assert [feature["id"] for feature in document["features"]] == [ids[2], ids[1], ids[0]]
