"""The CSV export byte for byte, for a small dataset that touches every branch of a row.

The export is rewritten for speed from time to time; its output for the same data must not
change by one byte. Each download below is compared with ``tests/snapshots/exports/<name>.csv``:
every theme, each location precision (and none), each status, participants with roles,
numbers and more of them than the example names, measured, verified, followed-up and
described outcomes, a photo, a Welsh original, cells a spreadsheet would run, text that needs
quoting, unpublished initiatives (absent), in English and in Welsh, whole and filtered.
Initiative ids and photo stems differ from run to run and are written as ``<initiative N>``
and ``<stem>``.

After a deliberate change to the CSV, rewrite the files with
``UPDATE_EXPORT_SNAPSHOTS=1 pytest tests/test_exports_csv_bytes.py`` and review the diff.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from tests.test_api import verify_first_outcome

SNAPSHOTS = Path(__file__).parent / "snapshots" / "exports"
UPDATE = os.environ.get("UPDATE_EXPORT_SNAPSHOTS") == "1"
START = datetime(2026, 3, 2, 9, 15, 30, 123456, tzinfo=UTC)
STEM = re.compile(r"/media/[0-9a-f]{16,}-")

DOWNLOADS = {
    "english": ("/api/v1/initiatives.csv", {}),
    "welsh": ("/api/v1/initiatives.csv", {"Accept-Language": "cy"}),
    "theme-health": ("/api/v1/initiatives.csv?theme=health", {}),
    "status-and-neighbourhood": (
        "/api/v1/initiatives.csv?status=active&status=completed&neighbourhood=kirkstall",
        {},
    ),
    "verified-welsh": ("/api/v1/initiatives.csv?verified=1", {"Accept-Language": "cy"}),
    "sector-police": ("/api/v1/initiatives.csv?sector=police&stage=co-design", {}),
}

INITIATIVES = [
    {
        "title": "Kirkstall Lane street watch",
        "summary": "Residents and the police walk the lane together, twice a week.",
        "description": "We meet at the **library** at seven.\n\n* torches from the council",
        "title_cy": "Gwylio stryd Kirkstall Lane",
        "summary_cy": "Mae trigolion a'r heddlu yn cerdded y lôn gyda'i gilydd.",
        "description_cy": "Rydym yn cwrdd wrth y llyfrgell.",
        "themes": ["safety", "health", "education", "sustainability"],
        "stages": ["co-assessment", "co-design", "co-delivery", "co-commissioning"],
        "status": "completed",
        "started_on": "2024-01-15",
        "ended_on": "2025-06-30",
        "place_name": "12 Kirkstall Lane, Leeds LS5 3AB",
        "latitude": 53.8212345,
        "longitude": -1.6012345,
        "location_precision": "exact",
        "participants": [
            {"sector": "residents", "name": "Kirkstall Residents", "roles": ["co-design",
             "co-delivery"], "people": 40, "hours": 120.5},
            {"sector": "police", "name": "West Yorkshire Police", "roles": ["co-design"],
             "people": 2, "hours": 30},
            {"sector": "council", "name": "Leeds City Council", "roles": []},
        ],
        "outcomes": [
            {"description": "Fewer burglaries.", "indicator": "Reported burglaries",
             "baseline": 31, "result": 22, "unit": "", "measured_on": "2025-03-31",
             "evidence_url": "https://example.org/burglaries",
             "measurements": [{"measured_on": "2026-01-31", "value": 18}]},
            {"description": "Neighbours know each other. They wave.", "indicator": "",
             "baseline": None, "result": None, "unit": ""},
        ],
    },
    {
        "title": "Caffi trwsio Llanfair",
        "summary": "=HYPERLINK(\"https://evil.example\")",
        "description": "Trwsio, nid taflu.",
        "language": "cy",
        "title_cy": "Caffi trwsio Llanfair",
        "summary_cy": "Pobl yn trwsio pethau, gyda'i gilydd.",
        "themes": ["sustainability"],
        "stages": ["co-delivery"],
        "status": "active",
        "started_on": "2025-02-01",
        "place_name": "Flat 3, 7 Heol y Bont, Llanfair SY21 0AA",
        "latitude": 52.6512345,
        "longitude": -3.3312345,
        "location_precision": "street",
        "participants": [
            {"sector": "volunteers", "name": "Trwswyr", "roles": ["co-delivery"], "people": 1,
             "hours": 3.25},
        ],
        "outcomes": [
            {"description": "Money saved on new kettles.", "indicator": "Money saved",
             "baseline": 0, "result": 1250.5, "unit": "£", "measured_on": "2025-12-01"},
        ],
        "neighbourhood": "llanfair",
    },
    {
        "title": "Chapeltown Road \"safer\" crossings, phase 2",
        "summary": "-2 accidents; the council and the school, together.\nA second line.",
        "themes": ["safety", "education"],
        "stages": ["co-design"],
        "status": "planned",
        "place_name": "Outside 40 Chapeltown Road, Leeds LS7 3AW",
        "latitude": 53.8212399,
        "longitude": -1.5312345,
        "location_precision": "neighbourhood",
        "participants": [],
        "outcomes": [
            {"description": "", "indicator": "Children walking to school", "baseline": 58,
             "result": 58, "unit": "%"},
        ],
    },
    {
        "title": "Potternewton Park food growing",
        "summary": "@Growers: beds for everyone.",
        "themes": ["health"],
        "stages": ["co-commissioning", "co-delivery"],
        "status": "ended",
        "started_on": "2022-04-01",
        "ended_on": "2023-10-31",
        "place_name": "",
        "location_precision": "exact",
        "participants": [
            {"sector": sector, "name": name, "roles": ["co-delivery"], "people": people,
             "hours": hours}
            for sector, name, people, hours in [
                ("residents", "Potternewton growers", 12, 300),
                ("voluntary", "Feed Leeds, \"the network\"", None, 40.75),
                ("health", "NHS Leeds", 1, None),
                ("school", "Potternewton Primary", 30, 60),
                ("business", "Café Ŵyl", None, None),
                ("housing", "Leeds Homes", 2, 8),
                ("other", "", 3, 9),
            ]
        ],
        "outcomes": [
            {"description": " ".join(["The beds fed many families through the winter"] * 5)
             + ". A second sentence.", "indicator": "", "unit": ""},
            {"description": "+ more beds next year", "indicator": "Beds", "baseline": 4,
             "result": 20, "unit": "beds"},
        ],
    },
    {
        "title": "Hawksworth Road over-60s exercise class",
        "summary": "\tA class in the church hall.",
        "themes": ["health"],
        "stages": ["co-delivery"],
        "status": "active",
        "place_name": "St Mary's church hall",
        "location_precision": "street",
        "participants": [
            {"sector": "residents", "name": "", "roles": ["co-delivery"], "people": 1,
             "hours": 2},
            {"sector": "residents", "name": "", "roles": [], "people": 1, "hours": 1.5},
        ],
        "outcomes": [],
    },
]  # fmt: skip

UNPUBLISHED = ["pending", "draft", "rejected", "archived", "changes_requested"]


@pytest.fixture
def varied(app, make_initiative, make_neighbourhood, make_photo):
    """The dataset; returns initiative ids, oldest first."""
    kirkstall = make_neighbourhood(
        name="Kirkstall", slug="kirkstall", name_cy="Cirkstal", local_authority_cy="Cyngor Leeds"
    )
    llanfair = make_neighbourhood(
        name="Llanfair Caereinion",
        slug="llanfair",
        local_authority="Powys County Council",
        name_cy="Llanfair Caereinion",
        local_authority_cy="Cyngor Sir Powys",
        latitude=52.65,
        longitude=-3.33,
    )
    ids = []
    for number, content in enumerate(INITIATIVES):
        content = dict(content)
        neighbourhood = llanfair if content.pop("neighbourhood", "") else kirkstall
        with time_machine.travel(START + timedelta(days=number, minutes=number), tick=False):
            ids.append(make_initiative(neighbourhood_id=neighbourhood, **content))
    with time_machine.travel(START + timedelta(days=10), tick=False):
        verify_first_outcome(app, ids[0])
        verify_first_outcome(app, ids[1], "Cyngor Sir Powys")
        for state in UNPUBLISHED:
            make_initiative(
                title=f"Hidden {state}", state=state, neighbourhood_id=kirkstall, themes=["health"]
            )
        make_photo(ids[3])
    return ids


def _normalised(text: str, ids: list[int]) -> str:
    for number, initiative_id in enumerate(ids, start=1):
        text = re.sub(rf"(?m)^{initiative_id},", f"<initiative {number}>,", text)
        text = text.replace(
            f"/initiatives/{initiative_id}-", f"/initiatives/<initiative {number}>-"
        )
    return STEM.sub("/media/<stem>-", text)


@pytest.mark.parametrize("name", DOWNLOADS)
def test_csv_export_is_byte_identical_for_the_same_data(client, varied, name):
    url, headers = DOWNLOADS[name]
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    text = _normalised(raw.decode("utf-8"), varied)
    path = SNAPSHOTS / f"{name}.csv"
    if UPDATE:
        SNAPSHOTS.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert text == path.read_bytes().decode("utf-8")
    assert "Hidden" not in text  # nothing unpublished
    assert "53.8212345" not in text and "-1.5312345" not in text and "52.6512345" not in text


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/initiatives.csv?theme=health",
        "/api/v1/initiatives.geojson?theme=health",
        "/api/v1/initiatives.csv?bbox=-1.7,53.7,-1.5,53.9",
        "/api/v1/initiatives.geojson?status=active&status=completed",
    ],
)
def test_few_matches_read_by_id_come_as_the_walk_brings_them(
    app, client, varied, make_initiative, monkeypatch, url
):
    """A filter's few matches are read by id from the facet bitmaps; the file is the one that
    walking the newest-first order gives: the same rows, ties and undated ones in place."""
    from sqlalchemy import update

    from app.api import export_records
    from app.caching import clear_output_cache
    from app.extensions import db
    from app.initiatives.models import Initiative

    with time_machine.travel(START + timedelta(days=3, minutes=3), tick=False):  # a tie
        tied = [make_initiative(themes=["health"], status="active") for _ in range(2)]
    undated = make_initiative(themes=["health"], status="completed")
    with app.app_context():
        db.session.execute(
            update(Initiative).where(Initiative.id == undated).values(published_at=None)
        )
        db.session.commit()
    read_by_id = []
    # A small first batch, handed over before the rest: the order is the whole matches'.
    monkeypatch.setattr(export_records, "FIRST_BATCH", 3)
    by_id_batches = export_records._batches_by_id

    def batches_by_id(*args):
        read_by_id.append([])
        for batch in by_id_batches(*args):
            read_by_id[-1].append(len(batch))
            yield batch

    monkeypatch.setattr(export_records, "_batches_by_id", batches_by_id)
    by_id = client.get(url).get_data()
    assert read_by_id and read_by_id[0][0] == 3 and len(read_by_id[0]) == 2, read_by_id
    monkeypatch.setattr(export_records, "FEW_MATCHES", -1)
    with app.app_context():
        clear_output_cache()
    walked = client.get(url).get_data()
    assert len(read_by_id) == 1  # the walk, this time
    assert by_id == walked
    assert str(tied[0]).encode() in by_id
