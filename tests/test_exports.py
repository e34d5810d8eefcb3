"""Streaming exports: GeoJSON per RFC 7946 and CSV a spreadsheet opens correctly."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from app.initiatives.vocabulary import SECTORS
from tests.test_api import OUTCOMES, verify_first_outcome

WELSH = "Llanfair Caereinion – Ŵyl"


def read_csv(response) -> list[dict[str, str]]:
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())  # a byte-order mark, so spreadsheets read UTF-8
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_csv_has_a_bom_headers_and_one_row_per_initiative(client, make_initiative):
    make_initiative(title=WELSH)
    make_initiative(title="Second")
    make_initiative(title="Hidden", state="pending")
    response = client.get("/api/v1/initiatives.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="initiatives-')
    assert response.headers["Link"].endswith('rel="license"')
    assert response.is_streamed
    rows = read_csv(response)
    assert [row["title"] for row in rows] == ["Second", WELSH]  # newest first; pending absent
    assert rows[0]["licence"] == "CC BY 4.0"


def test_csv_per_sector_people_and_hours(client, make_initiative, app):
    initiative_id = make_initiative(
        themes=["health", "safety"],
        stages=["co-design", "co-delivery"],
        participants=[
            {"sector": "residents", "name": "A", "people": 40, "hours": 120.5},
            {"sector": "residents", "name": "B", "people": 10, "hours": 10},
            {"sector": "police", "name": "West Yorkshire Police", "people": 2, "hours": 30},
            {"sector": "council", "name": "Leeds City Council"},
        ],
        outcomes=[*OUTCOMES, {"description": "Neighbours know each other."}],
    )
    verify_first_outcome(app, initiative_id)
    row = read_csv(client.get("/api/v1/initiatives.csv"))[0]
    for sector in SECTORS:
        assert f"people_{sector}" in row and f"hours_{sector}" in row
    assert (row["people_residents"], row["hours_residents"]) == ("50", "130.5")
    assert (row["people_police"], row["hours_police"]) == ("2", "30")
    assert (row["people_council"], row["people_health"]) == ("", "")  # unknown, not zero
    assert (row["people_total"], row["hours_total"]) == ("52", "160.5")
    assert (row["people_citizens"], row["people_public_services"]) == ("50", "2")
    assert (row["themes"], row["primary_theme"]) == ("health;safety", "health")
    assert row["stages"] == "co-design;co-delivery"
    assert (row["outcomes"], row["verified_outcomes"]) == ("2", "1")
    assert row["url"].startswith(f"http://localhost/initiatives/{initiative_id}-street-watch-")


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cells_cannot_run_as_formulas(client, make_initiative, start):
    make_initiative(
        title=f'{start}HYPERLINK("https://evil.example")',
        summary=f"{start}1+1",
        participants=[{"sector": "residents", "name": f"{start}cmd|' /C calc'!A0"}],
    )
    row = read_csv(client.get("/api/v1/initiatives.csv"))[0]
    for column in ("title", "summary"):
        assert row[column].startswith("'" + start), row[column]


def test_csv_keeps_welsh_and_accents(client, make_initiative, make_neighbourhood):
    neighbourhood = make_neighbourhood(name="Llanfair Caereinion", local_authority="Cyngor Powys")
    make_initiative(title=WELSH, summary="Café, naïve, Ŷ ŵ", neighbourhood_id=neighbourhood)
    raw = client.get("/api/v1/initiatives.csv").get_data()
    text = raw.decode("utf-8")
    assert WELSH in text and "Café, naïve, Ŷ ŵ" in text and "Cyngor Powys" in text
    assert WELSH.encode("utf-8") in raw


def test_csv_public_points_only(client, make_initiative):
    make_initiative(latitude=53.8212345, longitude=-1.6012345, location_precision="street")
    response = client.get("/api/v1/initiatives.csv")
    row = read_csv(response)[0]
    assert (row["lat"], row["lon"], row["precision"]) == ("53.821", "-1.601", "street")
    assert "53.8212" not in response.get_data(as_text=True)


def test_exports_apply_the_shared_filters(client, make_initiative):
    make_initiative(title="Health walk", themes=["health"])
    make_initiative(title="Street watch", themes=["safety"])
    rows = read_csv(client.get("/api/v1/initiatives.csv?theme=health"))
    assert [row["title"] for row in rows] == ["Health walk"]
    document = client.get("/api/v1/initiatives.geojson?theme=safety").json
    assert [f["properties"]["title"] for f in document["features"]] == ["Street watch"]


@pytest.mark.parametrize("extension", ["csv", "geojson"])
def test_export_with_a_bad_filter_is_400(client, extension):
    response = client.get(f"/api/v1/initiatives.{extension}?theme=nope&bbox=1")
    assert response.status_code == 400
    assert set(response.json["errors"]) == {"theme", "bbox"}


def test_empty_exports_are_still_valid(client):
    assert read_csv(client.get("/api/v1/initiatives.csv")) == []
    document = json.loads(client.get("/api/v1/initiatives.geojson").get_data())
    assert document["type"] == "FeatureCollection" and document["features"] == []


def test_geojson_follows_rfc_7946(client, make_initiative, make_neighbourhood):
    exact = make_initiative(
        title="Exact", latitude=53.8212345, longitude=-1.6012345, location_precision="exact"
    )
    response = client.get("/api/v1/initiatives.geojson")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert response.headers["Content-Disposition"].endswith('.geojson"')
    assert response.is_streamed
    document = json.loads(response.get_data(as_text=True))
    assert document["type"] == "FeatureCollection"
    assert "crs" not in document
    assert document["licence"]["url"] == "https://creativecommons.org/licenses/by/4.0/"
    feature = document["features"][0]
    assert feature["type"] == "Feature" and feature["id"] == exact
    assert feature["geometry"] == {"type": "Point", "coordinates": [-1.601234, 53.821235]}
    assert feature["properties"]["precision"] == "exact"
    assert feature["properties"]["url"].startswith("http://localhost/initiatives/")
    for number in re.findall(r"-?\d+\.\d+", json.dumps(feature["geometry"])):
        assert len(number.split(".")[1]) <= 6


def test_geojson_feature_without_a_public_point_has_null_geometry(app, client, make_initiative):
    from app.extensions import db
    from app.initiatives.models import Initiative

    initiative_id = make_initiative(title="Nowhere")
    with app.app_context():
        # A neighbourhood-less initiative has no public point (its neighbourhood was deleted).
        initiative = db.session.get(Initiative, initiative_id)
        db.session.execute(
            Initiative.__table__.update()
            .where(Initiative.id == initiative.id)
            .values(public_latitude=None, public_longitude=None, neighbourhood_id=None)
        )
        db.session.commit()
    feature = client.get("/api/v1/initiatives.geojson").json["features"][0]
    assert feature["geometry"] is None and feature["properties"]["title"] == "Nowhere"
    row = read_csv(client.get("/api/v1/initiatives.csv"))[0]
    assert (row["lat"], row["lon"], row["neighbourhood"]) == ("", "", "")


def test_geojson_hides_exact_points_at_street_precision(client, make_initiative):
    make_initiative(latitude=53.8212345, longitude=-1.6012345, location_precision="street")
    response = client.get("/api/v1/initiatives.geojson")
    text = response.get_data(as_text=True)
    assert json.loads(text)["features"][0]["geometry"]["coordinates"] == [-1.601, 53.821]
    assert "53.8212" not in text


def test_exports_stream_past_a_batch(app, client, make_initiative, monkeypatch):
    from app.api import exports

    monkeypatch.setattr(exports, "BATCH_SIZE", 2)
    ids = [make_initiative(title=f"Row {number}") for number in range(5)]
    rows = read_csv(client.get("/api/v1/initiatives.csv"))
    assert sorted(int(row["id"]) for row in rows) == sorted(ids) and len(rows) == 5
    features = client.get("/api/v1/initiatives.geojson").json["features"]
    assert sorted(feature["id"] for feature in features) == sorted(ids)


def test_a_signed_in_person_downloads_the_same_export(client, auth, make_user, make_initiative):
    make_initiative(title="Public one")
    make_initiative(title="Not yet", state="pending")
    auth.login(make_user(role="moderator").email)
    rows = read_csv(client.get("/api/v1/initiatives.csv"))
    assert [row["title"] for row in rows] == ["Public one"]  # moderators too: public data only
    assert client.get("/account").status_code == 200


@pytest.mark.parametrize("extension", ["csv", "geojson"])
def test_head_of_an_export_reads_no_rows(app, client, make_initiative, extension):
    from tests.support.queries import count_queries

    make_initiative()
    with count_queries(app) as statements:
        response = client.head(f"/api/v1/initiatives.{extension}")
    assert response.status_code == 200 and response.get_data() == b""
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "Content-Length" not in response.headers  # not "0": the download is not empty
    assert not any("FROM initiative" in statement for statement in statements)


def test_batches_keep_the_newest_first_order_through_equal_times_and_missing_ones(
    app, client, make_initiative, monkeypatch
):
    """The keyset walks (published_at, id) downwards: rows that share a time are split
    across batches without one lost or repeated, and those without a time come last."""
    from sqlalchemy import update

    from app.api import exports
    from app.extensions import db
    from app.initiatives.models import Initiative
    from app.timeutil import utcnow

    monkeypatch.setattr(exports, "BATCH_SIZE", 2)
    ids = [make_initiative(title=f"Row {number}") for number in range(7)]
    with app.app_context():
        same = utcnow()
        db.session.execute(
            update(Initiative).where(Initiative.id.in_(ids[:5])).values(published_at=same)
        )
        db.session.execute(
            update(Initiative).where(Initiative.id.in_(ids[5:])).values(published_at=None)
        )
        db.session.commit()
    rows = read_csv(client.get("/api/v1/initiatives.csv"))
    assert [int(row["id"]) for row in rows] == sorted(ids[:5], reverse=True) + sorted(
        ids[5:], reverse=True
    )
