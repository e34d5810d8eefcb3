"""The CSV that round-trips (issue 17): an export read back by ``import-csv`` gives the same
initiatives, participants with their roles by stage and outcomes with their figures."""

from __future__ import annotations

import csv
import io

from sqlalchemy import delete

from app.extensions import db
from app.imports.layout import MAX_OUTCOME_GROUPS, MAX_PARTICIPANT_GROUPS
from app.initiatives.models import Initiative
from tests.test_imports import make_places

# What the site gives each initiative itself: its number, address and times.
SITE_COLUMNS = {"id", "url", "published_at", "updated_at"}

POLICE = {
    "sector": "police",
    "name": "West Yorkshire Police",
    "roles": ["co-delivery"],
    "people": 4,
    "hours": 96,
}
RESIDENTS = {
    "sector": "residents",
    "name": "Kirkstall Residents' Association",
    "roles": ["co-design", "co-delivery"],
    "people": 40,
    "hours": 120.5,
}


def exported_rows(client) -> dict[str, dict[str, str]]:
    raw = client.get("/api/v1/initiatives.csv").get_data()
    rows = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
    return {row["title"]: row for row in rows}


def without_site_columns(row: dict[str, str]) -> dict[str, str]:
    return {column: value for column, value in row.items() if column not in SITE_COLUMNS}


def test_an_export_imports_back_as_the_same_initiatives(
    app, client, runner, make_neighbourhood, make_user, make_initiative, tmp_path
):
    places = make_places(make_neighbourhood)
    make_initiative(
        title="Kirkstall street watch",
        summary="Residents and the police walk the streets together.",
        description="Started after a run of burglaries on **Hawksworth Road**.",
        title_cy="Gwylio stryd Kirkstall",
        summary_cy="Trigolion a'r heddlu yn cerdded gyda'i gilydd.",
        themes=["safety", "health"],
        stages=["co-design", "co-delivery"],
        status="completed",
        started_on="2024-03-01",
        ended_on="2025-01-31",
        neighbourhood_id=places["kirkstall"],
        place_name="Hawksworth Road",
        latitude=53.820612,
        longitude=-1.604034,
        location_precision="exact",
        participants=[RESIDENTS, POLICE],
        outcomes=[
            {
                "description": "Fewer burglaries, and neighbours know each other.",
                "indicator": "reported burglaries",
                "baseline": 31,
                "result": 22,
                "unit": "a year",
                "measured_on": "2025-03-31",
                "evidence_url": "https://example.org/figures",
            },
            {"description": "People say the streets feel safer."},
        ],
    )
    make_initiative(
        title="Clwb darllen Llanisien",
        summary="Darllen gyda'r ysgol.",
        language="cy",
        themes=["education"],
        stages=["co-delivery", "co-assessment"],
        neighbourhood_id=places["llanisien"],
        place_name="Heol Llanisien",
        latitude=51.5240,
        longitude=-3.1880,
        location_precision="street",
        participants=[
            {"sector": "school", "name": "Ysgol Llanisien", "roles": ["co-delivery"]},
            {"sector": "volunteers", "people": 6, "hours": 30, "roles": ["co-assessment"]},
        ],
    )
    make_initiative(
        title="Park clean-up",
        summary="A litter pick with the council.",
        themes=["sustainability"],
        stages=["co-commissioning"],
        status="planned",
        neighbourhood_id=places["kirkstall"],
        location_precision="neighbourhood",
        participants=[{"sector": "council", "name": "Leeds City Council", "roles": []}],
    )
    before = exported_rows(client)
    sheet = tmp_path / "export.csv"
    sheet.write_bytes(client.get("/api/v1/initiatives.csv").get_data())
    with app.app_context():
        db.session.execute(delete(Initiative))
        db.session.commit()
    admin = make_user(role="admin")

    result = runner.invoke(
        args=["import-csv", str(sheet), "--as", admin.email, "--state", "published", "--commit"]
    )

    assert result.exit_code == 0, result.output
    after = exported_rows(client)
    assert after.keys() == before.keys()
    for title, row in before.items():
        assert without_site_columns(after[title]) == without_site_columns(row), title
    street_watch = after["Kirkstall street watch"]
    assert street_watch["participant_1_roles"] == "co-design;co-delivery"
    assert street_watch["participant_2_name"] == "West Yorkshire Police"
    assert (street_watch["outcome_1_baseline"], street_watch["outcome_1_result"]) == ("31", "22")
    assert street_watch["outcome_2_description"] == "People say the streets feel safer."


def test_the_groups_come_after_every_earlier_column(client):
    from app.api.export_csv import csv_header

    header = csv_header()
    assert header.index("photo_url") < header.index("participant_1_name")
    assert header[-1] == f"outcome_{MAX_OUTCOME_GROUPS}_verified_by"
    assert f"participant_{MAX_PARTICIPANT_GROUPS}_hours" in header
    assert f"participant_{MAX_PARTICIPANT_GROUPS + 1}_hours" not in header


def test_the_per_sector_layout_takes_roles_by_stage(
    app, runner, make_neighbourhood, make_user, tmp_path
):
    from sqlalchemy import select

    from app.initiatives.models import Participant

    make_places(make_neighbourhood)
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        "external_id,title,summary,themes,stages,neighbourhood,people_residents,"
        "roles_residents,name_police,roles_police\n"
        "R-1,Street watch,Walking together.,safety,co-design;co-delivery,Kirkstall,40,"
        "Co-design; co-delivery,West Yorkshire Police,co-delivery\n",
        encoding="utf-8",
    )
    admin = make_user(role="admin")
    result = runner.invoke(args=["import-csv", str(sheet), "--as", admin.email, "--commit"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        roles = dict(db.session.execute(select(Participant.sector, Participant.roles)).all())
    assert roles == {"residents": ["co-design", "co-delivery"], "police": ["co-delivery"]}


def test_an_unknown_role_is_named_with_its_column(app, runner, make_neighbourhood, tmp_path):
    make_places(make_neighbourhood)
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        "external_id,title,summary,themes,stages,neighbourhood,participant_1_sector,"
        "participant_1_roles,participant_1_people\n"
        "R-2,Street watch,Walking together.,safety,co-delivery,Kirkstall,residents,"
        "co-dreaming,lots\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["import-csv", str(sheet)])
    assert result.exit_code == 1
    assert "participant_1_roles: Unknown stage “co-dreaming”" in result.output
    assert "participant_1_people: “lots”: Enter a whole number, like 12." in result.output
