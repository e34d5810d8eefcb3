"""Importing a council's CSV from the command line: ``flask --app app import-csv FILE``.

A dry run (the default) reports row by row and writes nothing; ``--commit`` writes the whole
file or, when any row is rejected or anything fails, nothing at all. Re-importing the same
file changes nothing.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.extensions import db
from app.imports.services import import_initiatives
from app.initiatives.content import initiative_content
from app.initiatives.models import (
    Initiative,
    InitiativeStage,
    InitiativeTheme,
    Outcome,
    Participant,
)
from app.moderation.models import Revision
from app.places.geocoding import geocode_place
from app.tasks.models import Job
from app.timeutil import utcnow
from tests.factories import create_test_organisation
from tests.support.fake_nominatim import FakeNominatim, search_result, use_nominatim
from tests.support.queries import count_queries

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
HEADER = "external_id,title,summary,themes,stages,neighbourhood"


def make_places(make_neighbourhood) -> dict[str, int]:
    """The neighbourhoods the fixture files name."""
    return {
        "kirkstall": make_neighbourhood(
            name="Kirkstall", slug="kirkstall", latitude=53.8162, longitude=-1.6037
        ),
        "llanisien": make_neighbourhood(
            name="Llanisien",
            slug="llanisien",
            local_authority="Cardiff Council",
            latitude=51.5236,
            longitude=-3.1875,
        ),
    }


def make_officer(app, make_user, council: str = "Leeds City Council"):
    """A council officer of a council (Leeds unless told); their area is its neighbourhoods."""
    with app.app_context():
        organisation_id = create_test_organisation(council, local_authority=council)
    return make_user(role="council", organisation_id=organisation_id)


@pytest.fixture
def places(make_neighbourhood):
    return make_places(make_neighbourhood)


@pytest.fixture
def officer(app, make_user):
    return make_officer(app, make_user)


@pytest.fixture
def write_csv(tmp_path):
    """Write CSV text to a file; returns its path."""

    def write(text: str, name: str = "sheet.csv") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def run(runner, path, officer, *options):
    return runner.invoke(args=["import-csv", str(path), "--as", officer.email, *options])


def report_lines(result) -> list[str]:
    """The command's report (standard output: the progress bars are on standard error)."""
    return result.stdout.splitlines()


def snapshot(app) -> dict:
    """Row counts of everything an import touches, and every initiative's content and times."""
    with app.app_context():
        tables = (
            Initiative,
            InitiativeTheme,
            InitiativeStage,
            Participant,
            Outcome,
            Revision,
            AuditEntry,
        )
        counts = {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in tables
        }
        initiatives = {
            initiative.id: (
                initiative_content(initiative),
                initiative.updated_at,
                initiative.state,
            )
            for initiative in db.session.scalars(select(Initiative))
        }
        return {"counts": counts, "initiatives": initiatives}


def by_external_id(external_id: str) -> Initiative:
    return db.session.scalar(select(Initiative).where(Initiative.external_id == external_id))


def test_dry_run_reports_each_row_and_writes_nothing(app, runner, places, officer):
    before = snapshot(app)

    result = run(runner, FIXTURES / "initiatives.csv", officer)

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "line 2\tcreate\tKirkstall street watch",
        "\t\tNew: waits for review.",
        "line 3\tcreate\tRepair café",
        "\t\tNew: waits for review.",
        "line 4\tcreate\tWalking group",
        "\t\tNew: waits for review.",
        "Dry run, nothing written: 3 to create, 0 to update, 0 unchanged, 0 rejected. "
        "Add --commit to import.",
    ]
    assert snapshot(app) == before


def test_commit_creates_initiatives_with_everything_the_rows_hold(app, runner, places, officer):
    result = run(runner, FIXTURES / "initiatives.csv", officer, "--commit")

    assert result.exit_code == 0, result.output
    assert "Checking rows" in result.output and "Importing" in result.output  # progress bars
    assert result.stdout.splitlines()[-1] == (
        "Imported initiatives.csv: 3 created, 0 updated, 0 unchanged (new initiatives pending)."
    )
    with app.app_context():
        watch = by_external_id("LCC-1")
        content = initiative_content(watch)
        assert (watch.state, watch.submitter_id, watch.neighbourhood_id) == (
            "pending",
            officer.id,
            places["kirkstall"],
        )
        assert watch.consented_at is not None and watch.published_at is None
        assert content["themes"] == ["safety"]
        assert content["stages"] == ["co-design", "co-delivery"]
        assert (content["started_on"], content["status"]) == ("2024-03-01", "active")
        assert (content["latitude"], content["longitude"], content["location_state"]) == (
            53.8206,
            -1.604,
            "set",
        )
        assert (content["credit"], content["credit_name"]) == (
            "organisation",
            "Kirkstall Residents' Association",
        )
        assert content["contact_url"] == "https://example.org/watch"
        assert content["participants"] == [
            {
                "sector": "residents",
                "name": "Kirkstall Residents' Association",
                "roles": [],
                "people": 40,
                "hours": 320.0,
            },
            {
                "sector": "police",
                "name": "West Yorkshire Police",
                "roles": [],
                "people": 4,
                "hours": None,
            },
        ]
        [outcome] = content["outcomes"]
        assert {key: outcome[key] for key in ("description", "baseline", "result", "unit")} == {
            "description": "Fewer burglaries",
            "baseline": 31.0,
            "result": 22.0,
            "unit": "a year",
        }
        assert outcome["measured_on"] == "2025-03-31"

        cafe = by_external_id("LCC-2")
        assert [theme.slug for theme in cafe.themes] == ["sustainability", "health"]
        assert (cafe.status, cafe.location_precision, cafe.location_state) == (
            "completed",
            "neighbourhood",
            "none",
        )
        # No credit_name: credited to the importing officer's organisation.
        assert (cafe.credit, cafe.credit_name) == ("organisation", "Leeds City Council")

        walk = db.session.scalar(select(Initiative).where(Initiative.title == "Walking group"))
        assert walk.external_id is None and walk.status == "active"

        revisions = db.session.scalars(select(Revision).order_by(Revision.id)).all()
        assert [(r.kind, r.state, r.author_id, r.number) for r in revisions] == [
            ("import", "pending", officer.id, 1)
        ] * 3
        [entry] = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "import_initiatives")
        ).all()
        assert (entry.action, entry.actor_id) == ("import_initiatives", officer.id)
        assert {k: entry.detail[k] for k in ("file", "state", "rows", "created", "updated")} == {
            "file": "initiatives.csv",
            "state": "pending",
            "rows": 3,
            "created": 3,
            "updated": 0,
        }


def test_reimporting_the_same_file_changes_nothing(app, runner, places, officer):
    assert run(runner, FIXTURES / "initiatives.csv", officer, "--commit").exit_code == 0
    before = snapshot(app)

    again = run(runner, FIXTURES / "initiatives.csv", officer, "--commit")
    dry = run(runner, FIXTURES / "initiatives.csv", officer)

    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines()[-1] == (
        "Imported initiatives.csv: 0 created, 0 updated, 3 unchanged (new initiatives pending)."
    )
    assert [
        line.split("\t")[1] for line in dry.stdout.splitlines() if line.startswith("line")
    ] == ["unchanged"] * 3
    assert snapshot(app) == before  # no new revision, no audit entry, no updated_at bumped


def test_published_state_publishes_new_initiatives(app, runner, places, officer, client):
    result = run(runner, FIXTURES / "initiatives.csv", officer, "--commit", "--state", "published")

    assert result.exit_code == 0, result.output
    with app.app_context():
        watch = by_external_id("LCC-1")
        assert watch.state == "published" and watch.published_at is not None
        revision = db.session.scalar(select(Revision).where(Revision.initiative_id == watch.id))
        assert (revision.kind, revision.state, revision.decided_by_id) == (
            "import",
            "approved",
            officer.id,
        )
    listing = client.get("/initiatives?q=street+watch").get_data(as_text=True)
    assert "Kirkstall street watch" in listing  # indexed for search, public


def test_a_changed_row_updates_its_initiative_by_external_id(
    app, runner, places, officer, write_csv
):
    original = (FIXTURES / "initiatives.csv").read_text()
    run(runner, FIXTURES / "initiatives.csv", officer, "--commit", "--state", "published")
    with app.app_context():
        before = by_external_id("LCC-1").updated_at
    changed = write_csv(
        original.replace(
            "Kirkstall street watch,", "Kirkstall Street Watch (Friday nights),"
        ).replace(",40,320,", ",45,320,")
    )

    dry = run(runner, changed, officer, "--state", "published")
    result = run(runner, changed, officer, "--commit", "--state", "published")

    assert dry.stdout.splitlines()[:2] == [
        "line 2\tupdate\tKirkstall Street Watch (Friday nights)",
        "\t\tChanges: participants, title.",
    ]
    assert result.exit_code == 0, result.output
    assert "0 created, 1 updated, 2 unchanged" in result.output
    with app.app_context():
        watch = by_external_id("LCC-1")
        assert watch.title == "Kirkstall Street Watch (Friday nights)"
        assert watch.participants[0].people == 45
        assert watch.updated_at > before
        revisions = db.session.scalars(
            select(Revision).where(Revision.initiative_id == watch.id).order_by(Revision.number)
        ).all()
        assert [(r.number, r.kind, r.state) for r in revisions] == [
            (1, "import", "approved"),
            (2, "import", "approved"),
        ]
        assert revisions[1].content["title"] == watch.title
    history = run(runner, changed, officer, "--commit", "--state", "published")
    assert "0 created, 0 updated, 3 unchanged" in history.output


def test_a_row_without_external_id_updates_by_title_and_neighbourhood(
    app, runner, places, officer, make_initiative, make_user, write_csv
):
    resident = make_user()
    existing = make_initiative(
        title="Walking  GROUP",
        neighbourhood_id=places["kirkstall"],
        submitter_id=resident.id,
        themes=["health"],
        stages=["co-delivery"],
        summary="Old summary.",
    )
    sheet = write_csv(
        f"{HEADER},people_health\n"
        ",walking group,Weekly walks with the GP surgery.,health,co-delivery,KIRKSTALL,3\n"
    )

    result = run(runner, sheet, officer, "--commit", "--state", "published")

    assert result.exit_code == 0, result.output
    assert "0 created, 1 updated, 0 unchanged" in result.output
    with app.app_context():
        initiative = db.session.get(Initiative, existing)
        assert initiative.summary == "Weekly walks with the GP surgery."
        assert initiative.title == "walking group"
        assert [(p.sector, p.people) for p in initiative.participants] == [("health", 3)]
        # The resident stays its submitter and keeps their credit.
        assert initiative.submitter_id == resident.id
        assert initiative.credit == "name"
        assert db.session.scalar(select(func.count()).select_from(Initiative)) == 1


def test_an_external_id_added_to_the_sheet_adopts_the_initiative_it_names(
    app, runner, places, officer, write_csv
):
    run(runner, FIXTURES / "initiatives.csv", officer, "--commit")
    sheet = write_csv(
        f"{HEADER}\nWG-9,Walking group,Weekly walks with the GP surgery.,health,co-delivery,"
        "Kirkstall\n"
    )

    dry = run(runner, sheet, officer)
    result = run(runner, sheet, officer, "--commit")

    assert dry.stdout.splitlines()[:2] == [
        "line 2\tupdate\tWalking group",
        "\t\tGets the external_id “WG-9”.",
    ]
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert by_external_id("WG-9").title == "Walking group"
        assert db.session.scalar(select(func.count()).select_from(Initiative)) == 3
    assert "unchanged" in run(runner, sheet, officer).output


def test_bad_rows_are_reported_by_line_and_column_and_nothing_is_written(
    app, runner, places, officer
):
    before = snapshot(app)

    result = run(runner, FIXTURES / "bad_rows.csv", officer, "--commit")

    assert result.exit_code == 1
    assert report_lines(result) == [
        "line 3\treject\tWrong types",
        "\t\tstarted_on: last spring is not a real date: write it like 2024-03-31 or 31/03/2024.",
        "\t\tpeople_residents: “many”: Enter a whole number, like 12.",
        "line 4\treject\tUnknown theme",
        "\t\tthemes: Unknown theme “gardening”: use safety, health, education or sustainability.",
        "line 5\treject\tBad coordinates",
        "\t\tlatitude: “123.4”: Enter a latitude between -90 and 90, like 53.8206.",
        "line 6\treject\t(no title)",
        "\t\ttitle: Enter a title.",
        "line 7\treject\tDuplicate id",
        "\t\texternal_id: “BAD-1” is also on line 3.",
        "\t\tneighbourhood: Unknown neighbourhood “Nowhere”: use the name or slug of one of "
        "the site's neighbourhoods (an admin adds new ones).",
        "5 of 6 rows rejected: nothing was imported. Fix them and run again.",
    ]
    assert snapshot(app) == before  # not even the good row on line 2


def test_form_rules_apply_to_every_row(app, runner, places, officer, write_csv):
    sheet = write_csv(
        "title,summary,themes,stages,neighbourhood,latitude,longitude,contact_url,"
        "started_on,ended_on,outcome_baseline,status\n"
        f"{'x' * 201},,safety,co-dreaming,Kirkstall,53.8,,javascript:alert(1),"
        "2024-05-01,2024-01-01,12,finished\n"
        '"Two\nline cell",Fine.,safety,co-delivery,Kirkstall,,,,,,,\n'
        "Third,Fine.,safety,co-delivery,Kirkstall,,,,,,,\n"
    )

    result = run(runner, sheet, officer)

    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"line 2\treject\t{'x' * 201}"
    assert set(lines[1:10]) == {
        "\t\tstages: Unknown stage “co-dreaming”: use co-commissioning, co-design, "
        "co-delivery or co-assessment.",
        "\t\tstatus: Unknown status “finished”: use planned, active, completed or ended.",
        "\t\ttitle: Use at most 200 characters.",
        "\t\tsummary: Enter a short summary.",
        "\t\tlongitude: Enter the longitude too, or leave both empty.",
        "\t\tended_on: “2024-01-01”: The end date must be on or after the start date.",
        "\t\tcontact_url: “javascript:alert(1)”: Enter a website address starting with "
        "https:// or an email address like name@example.org.",
        "\t\toutcome_description: Describe what changed.",
        "\t\toutcome_indicator: Say what was counted, like “reported burglaries”.",
    }
    # A quoted cell over two lines: the row after it starts on line 5 and is numbered so.
    assert [line for line in lines[10:] if line.startswith("line")] == [
        "line 3\tcreate\tTwo line cell",
        "line 5\tcreate\tThird",
    ]


def test_each_row_is_read_on_its_own(app, runner, places, officer, write_csv):
    """One form checks every row of an import (read again for each): nothing a row typed,
    and no problem it had, carries over to the next."""
    sheet = write_csv(
        "external_id,title,summary,themes,stages,neighbourhood,started_on,people_residents,"
        "people_council,outcome_description,outcome_indicator,outcome_baseline,outcome_result\n"
        "R-1,First,Fine.,safety;health,co-design,Kirkstall,2024-05-01,12,3,"
        "Fewer burglaries,reported burglaries,31,22\n"
        "R-2,Second,,education,,Kirkstall,31/09/2024,many,,,,,\n"
        "R-3,Third,Fine.,education,,Kirkstall,,,,,,,\n"
    )

    result = run(runner, sheet, officer)
    assert report_lines(result) == [
        "line 2\tcreate\tFirst",
        "\t\tNew: waits for review.",
        "line 3\treject\tSecond",
        "\t\tsummary: Enter a short summary.",
        "\t\tstarted_on: 31/09/2024 is not a real date: write it like 2024-03-31 or 31/03/2024.",
        "\t\tpeople_residents: “many”: Enter a whole number, like 12.",
        "line 4\tcreate\tThird",
        "\t\tNew: waits for review.",
        "1 of 3 rows rejected: nothing would be imported. Fix them and run again.",
    ]

    result = run(
        runner,
        write_csv(
            sheet.read_text()
            .replace(",31/09/2024,many,", ",,,")
            .replace("Second,,", "Second,Fine.,")
        ),
        officer,
        "--commit",
    )
    assert result.exit_code == 0, result.stdout
    with app.app_context():
        by_id = {
            initiative.external_id: initiative_content(initiative)
            for initiative in db.session.scalars(select(Initiative))
        }
    first, second, third = by_id["R-1"], by_id["R-2"], by_id["R-3"]
    assert first["themes"] == ["safety", "health"] and first["started_on"] == "2024-05-01"
    assert [(p["sector"], p["people"]) for p in first["participants"]] == [
        ("residents", 12),
        ("council", 3),
    ]
    assert [o["indicator"] for o in first["outcomes"]] == ["reported burglaries"]
    for later in (second, third):
        assert later["themes"] == ["education"] and later["stages"] == []
        assert later["started_on"] is None
        assert later["participants"] == [] and later["outcomes"] == []


def test_csv_with_byte_order_mark_and_welsh_text(app, runner, places, make_user):
    cardiff = make_officer(app, make_user, "Cardiff Council")
    result = run(runner, FIXTURES / "welsh_bom.csv", cardiff, "--commit")

    assert result.exit_code == 0, result.output
    with app.app_context():
        initiative = by_external_id("CDD-1")  # the BOM is not part of the first column's name
        assert initiative.title == "Clwb darllen Ysgol Gymraeg Llanisien"
        assert initiative.summary == "Darllen gyda'r plant bob dydd Iau — ŵyr ac wyresau'n helpu."
        assert initiative.participants[0].name == "Cymdeithas Trigolion Llanisien"
        assert initiative.neighbourhood_id == places["llanisien"]


def test_a_place_name_without_coordinates_is_geocoded(
    app, runner, officer, make_neighbourhood, write_csv
):
    make_neighbourhood(name="Ealing", slug="ealing", latitude=51.5130, longitude=-0.3089)
    sheet = write_csv(
        f"{HEADER},place_name\nE-1,Acton repair café,Fixing things together.,sustainability,"
        "co-delivery,Ealing,Acton\n"
    )

    result = run(runner, sheet, officer, "--commit")

    assert result.exit_code == 0, result.output
    with app.app_context():
        acton = geocode_place("Acton")[0]
        initiative = by_external_id("E-1")
        assert (initiative.latitude, initiative.longitude) == (acton.latitude, acton.longitude)
        assert initiative.location_state == "set"
    assert "unchanged" in run(runner, sheet, officer).output  # its point is kept, not re-asked


def test_an_unavailable_geocoder_leaves_the_place_pending(
    app, runner, officer, places, write_csv, monkeypatch
):
    sheet = write_csv(
        f"{HEADER},place_name\nK-1,Hawksworth Road watch,Walking together.,safety,"
        "co-delivery,Kirkstall,Hawksworth Road\n"
    )
    with FakeNominatim() as nominatim:
        use_nominatim(app, monkeypatch, nominatim.domain)
        nominatim.mode = "unavailable"
        dry = run(runner, sheet, officer)
        result = run(runner, sheet, officer, "--commit")

    assert dry.stdout.splitlines()[:3] == [
        "line 2\tcreate\tHawksworth Road watch",
        "\t\tNew: waits for review.",
        "\t\tThe geocoder is unavailable: “Hawksworth Road” waits to be looked up "
        "(flask --app app geocode).",
    ]
    assert result.exit_code == 0, result.output
    with app.app_context():
        initiative = by_external_id("K-1")
        assert (initiative.place_name, initiative.location_state) == ("Hawksworth Road", "pending")
        assert initiative.latitude is None


def test_a_pending_update_of_a_published_initiative_waits_for_review(
    app, runner, places, officer, write_csv
):
    run(runner, FIXTURES / "initiatives.csv", officer, "--commit", "--state", "published")
    original = (FIXTURES / "initiatives.csv").read_text()
    changed = write_csv(original.replace("walk the streets together", "patrol on foot"))

    result = run(runner, changed, officer, "--commit")
    again = run(runner, changed, officer)

    assert result.exit_code == 0, result.output
    with app.app_context():
        watch = by_external_id("LCC-1")
        assert "walk the streets together" in watch.summary  # the published version stays
        revision = db.session.scalar(
            select(Revision).where(Revision.initiative_id == watch.id, Revision.number == 2)
        )
        assert (revision.kind, revision.state) == ("import", "pending")
        assert "patrol on foot" in revision.content["summary"]
    assert again.stdout.splitlines()[:2] == [
        "line 2\tunchanged\tKirkstall street watch",
        "\t\tThe same changes already wait for review.",
    ]


def test_an_archived_initiative_is_not_changed_by_an_import(
    app, runner, places, officer, make_initiative, write_csv
):
    archived = make_initiative(
        state="archived", title="Walking group", neighbourhood_id=places["kirkstall"]
    )
    sheet = write_csv(f"{HEADER}\n,Walking group,Something new.,health,co-delivery,Kirkstall\n")

    result = run(runner, sheet, officer, "--commit")

    assert result.exit_code == 1
    assert report_lines(result)[1] == (
        f"\t\tIt would change initiative #{archived}, which is archived: only pending and "
        "published initiatives can be updated by an import."
    )


def test_a_verified_outcome_keeps_its_verification_when_its_numbers_stay(
    app, runner, places, officer, write_csv
):
    run(runner, FIXTURES / "initiatives.csv", officer, "--commit", "--state", "published")
    with app.app_context():
        outcome = by_external_id("LCC-1").outcomes[0]
        outcome.verified_at = utcnow()
        db.session.commit()
    original = (FIXTURES / "initiatives.csv").read_text()
    worded = write_csv(original.replace("Fewer burglaries", "Far fewer burglaries"))
    renumbered = write_csv(original.replace(",31,22,", ",31,20,"), "renumbered.csv")

    run(runner, worded, officer, "--commit", "--state", "published")
    with app.app_context():
        assert by_external_id("LCC-1").outcomes[0].verified_at is not None
    run(runner, renumbered, officer, "--commit", "--state", "published")
    with app.app_context():
        assert by_external_id("LCC-1").outcomes[0].verified_at is None


def test_a_failure_midway_rolls_back_everything(app, runner, places, officer, monkeypatch):
    from app.imports import creating

    calls = []

    def failing_log(*args):
        # The new initiatives are written in the transaction by now.
        calls.append(db.session.scalar(select(func.count()).select_from(Initiative)))
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(creating, "log_changes", failing_log)
    before = snapshot(app)

    result = run(runner, FIXTURES / "initiatives.csv", officer, "--commit")

    assert result.exit_code != 0
    assert isinstance(result.exception, RuntimeError)
    assert calls == [3]
    assert snapshot(app) == before
    with app.app_context():  # no rebuild was queued for an import that did not happen
        assert db.session.scalar(select(func.count()).select_from(Job)) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (HEADER.encode() + b"\n", "The file has a header but no rows to import."),
        (
            b"title,colour,neighbourhood\nA,red,Kirkstall\n",
            "Unknown column in the header: colour.",
        ),
        (b"title;summary;neighbourhood\nA;B;C\n", "the file seems to use semicolons or tabs"),
        (b"title,summary\nA,B\n", "needs an external_id column, or both title and neighbourhood"),
        (b"title,title,neighbourhood\nA,B,C\n", "Columns named more than once: title."),
        ("title,neighbourhood\nCaf\xe9,K\n".encode("latin-1"), "is not UTF-8 text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "is not a CSV text file"),
        (b'title,neighbourhood\n"unclosed,K\n', "is not valid CSV"),
        (b"title,neighbourhood\nA,K,extra\n", "Line 2 has 3 cells but the header names 2"),
    ],
)
def test_a_bad_file_is_refused_with_a_clear_message(
    app, runner, places, officer, tmp_path, content, message
):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)

    result = run(runner, path, officer, "--commit")

    assert result.exit_code == 1
    assert result.output.startswith("Error: bad.csv: ")
    assert message in result.output


def test_too_many_rows_are_refused(app, runner, places, officer, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 2)
    result = run(runner, FIXTURES / "initiatives.csv", officer)
    assert result.exit_code == 1
    assert "The file has more than 2 rows: split it into smaller files." in result.output


@pytest.mark.parametrize("role", ["resident", "moderator"])
def test_only_council_officers_and_admins_import(runner, places, make_user, role):
    user = make_user(role=role)
    result = run(runner, FIXTURES / "initiatives.csv", user)
    assert result.exit_code == 2
    assert "may not import initiatives" in result.output


def test_admins_import(runner, places, make_user):
    assert run(runner, FIXTURES / "initiatives.csv", make_user(role="admin")).exit_code == 0


def test_command_line_mistakes_exit_with_usage_errors(runner, officer, tmp_path):
    sheet = FIXTURES / "initiatives.csv"
    unknown = runner.invoke(args=["import-csv", str(sheet), "--as", "nobody@example.org"])
    missing_as = runner.invoke(args=["import-csv", str(sheet), "--commit"])
    missing_file = runner.invoke(args=["import-csv", str(tmp_path / "no.csv"), "--as", "x"])
    bad_state = run(runner, sheet, officer, "--state", "draft")

    assert [r.exit_code for r in (unknown, missing_as, missing_file, bad_state)] == [2] * 4
    assert "No user has the email nobody@example.org." in unknown.output
    assert "--commit needs --as EMAIL" in missing_as.output


def test_a_dry_run_needs_no_importer_and_writes_nothing(app, runner, places):
    from sqlalchemy import func, select

    from app.extensions import db
    from app.initiatives.models import Initiative

    result = runner.invoke(args=["import-csv", str(FIXTURES / "initiatives.csv")])

    assert result.exit_code == 0, result.output
    assert "line 2\tcreate\tKirkstall street watch" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Initiative.id))) == 0


def test_places_are_asked_once_and_the_answers_cached(
    app, runner, officer, places, write_csv, monkeypatch
):
    sheet = write_csv(
        f"{HEADER},place_name\nK-1,Hawksworth Road watch,Walking together.,safety,"
        "co-delivery,Kirkstall,Hawksworth Road\n"
        "K-2,Hawksworth Road litter pick,Picking litter.,sustainability,co-delivery,"
        "Kirkstall,Hawksworth Road\n"
    )
    with FakeNominatim() as nominatim:
        use_nominatim(app, monkeypatch, nominatim.domain)
        nominatim.answers["hawksworth road, kirkstall"] = [
            search_result("Hawksworth Road", 53.8206, -1.6040, "Hawksworth Road, Leeds")
        ]
        dry = run(runner, sheet, officer)
        asked_by_dry_run = len(nominatim.paths())
        result = run(runner, sheet, officer, "--commit")
        asked_by_commit = len(nominatim.paths()) - asked_by_dry_run
        again = run(runner, sheet, officer)

    assert "\t\tPlace located by the geocoder: Hawksworth Road, Leeds." in dry.output
    assert asked_by_dry_run == 1  # one question for the two rows
    assert asked_by_commit == 0  # answered from the cache the dry run filled
    assert result.exit_code == 0, result.output
    with app.app_context():
        initiative = by_external_id("K-2")
        assert (initiative.latitude, initiative.longitude) == (53.8206, -1.604)
    assert report_lines(again)[-1].startswith("Dry run, nothing written: 0 to create, 0 to")


@pytest.mark.usefixtures("paused_queue")
def test_places_not_looked_up_in_time_wait_for_the_geocode_command(
    app, officer, places, write_csv
):
    data = (
        f"{HEADER},place_name\nK-1,Acton watch,Walking together.,safety,co-delivery,"
        "Kirkstall,Hawksworth Road\n"
    ).encode()
    with app.app_context():
        user = db.session.get(User, officer.id)
        report = import_initiatives(data, "s.csv", user, "pending", True, geocode_budget=0)
        assert report.rows[0].notes[-1] == (
            "“Hawksworth Road” waits to be looked up (flask --app app geocode)."
        )
        assert by_external_id("K-1").location_state == "pending"


def test_imported_submissions_wait_in_the_moderation_queue_and_can_be_approved(
    app, runner, places, officer, make_user, client, auth
):
    run(runner, FIXTURES / "initiatives.csv", officer, "--commit")
    moderator = make_user(role="moderator")
    auth.login(moderator.email)
    with app.app_context():
        watch = by_external_id("LCC-1")
        watch_id = watch.id

    queue = client.get("/moderation").get_data(as_text=True)
    assert "Kirkstall street watch" in queue
    history = client.get(f"/initiatives/{watch_id}/history").get_data(as_text=True)
    assert "Revision 1: Import" in history
    assert "Imported from initiatives.csv, line 2." in history
    with app.app_context():
        from app.accounts.models import User
        from app.moderation.services import approve_initiative

        approve_initiative(
            db.session.get(User, moderator.id), db.session.get(Initiative, watch_id)
        )
        db.session.commit()
        assert by_external_id("LCC-1").state == "published"


def test_a_pending_initiative_is_updated_and_still_waits_for_review(
    app, runner, places, officer, write_csv
):
    run(runner, FIXTURES / "initiatives.csv", officer, "--commit")
    original = (FIXTURES / "initiatives.csv").read_text()
    changed = write_csv(original.replace("walk the streets together", "patrol on foot"))

    result = run(runner, changed, officer, "--commit")

    assert "0 created, 1 updated, 2 unchanged" in result.output
    with app.app_context():
        watch = by_external_id("LCC-1")
        assert watch.state == "pending" and "patrol on foot" in watch.summary
        revisions = db.session.scalars(
            select(Revision).where(Revision.initiative_id == watch.id).order_by(Revision.number)
        ).all()
        assert [(r.number, r.kind, r.state) for r in revisions] == [
            (1, "import", "withdrawn"),
            (2, "import", "pending"),
        ]


def test_published_state_publishes_a_pending_initiative_it_changes(
    app, runner, places, officer, write_csv
):
    run(runner, FIXTURES / "initiatives.csv", officer, "--commit")
    original = (FIXTURES / "initiatives.csv").read_text()
    changed = write_csv(original.replace("walk the streets together", "patrol on foot"))

    dry = run(runner, changed, officer, "--state", "published")
    run(runner, changed, officer, "--commit", "--state", "published")

    assert dry.stdout.splitlines()[:3] == [
        "line 2\tupdate\tKirkstall street watch",
        "\t\tChanges: summary.",
        "\t\tPublished.",
    ]
    with app.app_context():
        watch = by_external_id("LCC-1")
        assert watch.state == "published" and watch.published_at is not None
        # Unchanged rows stay as they are, even in another state.
        assert by_external_id("LCC-2").state == "pending"


def test_a_change_on_the_site_while_the_rows_are_checked_is_caught_before_writing(
    app, runner, places, officer, monkeypatch
):
    from app.imports import services

    plan = services.plan_rows
    calls = []

    def someone_else_writes_meanwhile(*args):
        calls.append(args)
        plans = plan(*args)
        if len(calls) == 1:  # while the rows are checked, a resident saves a draft
            db.session.add(
                Initiative(title="Repair café", slug="repair-cafe", external_id="LCC-2")
            )
            db.session.commit()
        return plans

    monkeypatch.setattr(services, "plan_rows", someone_else_writes_meanwhile)

    result = run(runner, FIXTURES / "initiatives.csv", officer, "--commit")

    assert len(calls) == 2  # checked again in the write transaction
    assert result.exit_code == 1
    assert "line 3\treject\tRepair café" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Initiative)) == 1


def test_a_conflicting_write_at_the_same_moment_imports_nothing(
    app, runner, places, officer, monkeypatch
):
    from app.imports import services

    write = services.write_plans

    def someone_else_writes_first(*args):
        # Another import gave an initiative the file's external_id at the same moment.
        db.session.add(Initiative(title="Elsewhere", slug="elsewhere", external_id="LCC-2"))
        return write(*args)

    monkeypatch.setattr(services, "write_plans", someone_else_writes_first)
    before = snapshot(app)

    result = run(runner, FIXTURES / "initiatives.csv", officer, "--commit")

    assert result.exit_code == 1
    assert "changed on the site while importing: nothing was imported" in result.output
    assert snapshot(app) == before


def _numbered_sheet(count: int) -> str:
    rows = [f"{HEADER},people_residents,outcome_description"]
    rows += [
        f"N-{n},Initiative {n},Done together.,safety;health,co-delivery,Kirkstall,{n},Better"
        for n in range(count)
    ]
    return "\n".join(rows) + "\n"


def test_checking_a_file_takes_the_same_queries_for_5_rows_as_for_50(
    app, runner, places, officer, write_csv
):
    few, many = write_csv(_numbered_sheet(5), "few.csv"), write_csv(_numbered_sheet(50))
    counted = []
    for _ in ("rows that create", "rows that match"):
        for sheet in (few, many):
            with count_queries(app) as queries:
                assert run(runner, sheet, officer).exit_code == 0
            counted.append(len(queries))
        run(runner, many, officer, "--commit")

    assert counted[0] == counted[1] and counted[2] == counted[3]


def test_an_update_keeps_what_the_file_does_not_say(
    app, runner, places, officer, make_initiative, write_csv
):
    existing = make_initiative(
        title="Repair café",
        neighbourhood_id=places["kirkstall"],
        description="How it started.",
        contact_url="https://example.org/cafe",
        participants=[
            {"sector": "police", "name": "WYP", "roles": ["co-design"], "people": 4, "hours": 9},
            {"sector": "school", "name": "Kirkstall Primary", "roles": [], "people": 30},
        ],
        outcomes=[
            {"description": "Less waste", "indicator": "kg", "baseline": 10, "result": 5},
            {"description": "Neighbours met", "indicator": "", "baseline": None},
        ],
    )
    sheet = write_csv(
        "title,neighbourhood,contact_url,people_police,hours_police,people_school,name_school,"
        "outcome_description\n"
        "Repair café,Kirkstall,,6,,,,Much less waste\n"
    )

    result = run(runner, sheet, officer, "--commit", "--state", "published")

    assert result.exit_code == 0, result.output
    with app.app_context():
        initiative = db.session.get(Initiative, existing)
        assert initiative.description == "How it started."  # no column: kept
        assert initiative.contact_url == ""  # an empty cell empties it
        assert [
            (p.sector, p.name, p.roles, p.people, p.hours) for p in initiative.participants
        ] == [
            ("police", "WYP", ["co-design"], 6, None),  # roles kept; hours emptied
            ("school", "Kirkstall Primary", [], 30, None),  # empty cells: left as it is
        ]
        assert [(o.description, o.indicator, o.result) for o in initiative.outcomes] == [
            ("Much less waste", "kg", 5.0),  # the first outcome, its other fields kept
            ("Neighbours met", "", None),
        ]


def test_a_council_officer_imports_only_into_their_area(
    app, runner, places, officer, make_user, make_initiative, write_csv
):
    in_cardiff = make_initiative(title="Repair café", neighbourhood_id=places["llanisien"])
    sheet = write_csv(
        f"{HEADER}\n"
        "W-1,Clwb darllen,Reading together.,education,co-delivery,Llanisien\n"
        "W-2,Walking group,Weekly walks.,health,co-delivery,Kirkstall\n"
        ",Repair café,Fixing things.,sustainability,co-delivery,Llanisien\n"
    )
    with app.app_context():
        no_area = create_test_organisation("Friends of Kirkstall", kind="charity")
    unplaced = make_user(role="council", organisation_id=no_area)

    leeds = run(runner, sheet, officer)
    nowhere = run(runner, sheet, unplaced)
    admin = run(runner, sheet, make_user(role="admin"))

    assert report_lines(leeds) == [
        "line 2\treject\tClwb darllen",
        "\t\tneighbourhood: Llanisien is in Cardiff Council, outside your council's area "
        "(Leeds City Council): ask an admin to import it.",
        "line 3\tcreate\tWalking group",
        "\t\tNew: waits for review.",
        "line 4\treject\tRepair café",
        "\t\tneighbourhood: Llanisien is in Cardiff Council, outside your council's area "
        "(Leeds City Council): ask an admin to import it.",
        "2 of 3 rows rejected: nothing would be imported. Fix them and run again.",
    ]
    assert (
        "\t\tneighbourhood: Your organisation has no local authority, so you have no council "
        "area to import into: ask an admin." in report_lines(nowhere)
    )
    assert admin.exit_code == 0, admin.output
    assert "line 4\tupdate\tRepair café" in admin.output
    # Moving an initiative from another area into one's own is not allowed either.
    with app.app_context():
        db.session.get(Initiative, in_cardiff).external_id = "CAR-7"
        db.session.commit()
    moved = write_csv(f"{HEADER}\nCAR-7,Repair café,Fixing.,health,co-delivery,Kirkstall\n")
    assert report_lines(run(runner, moved, officer))[1] == (
        "\t\tneighbourhood: Llanisien is in Cardiff Council, outside your council's area "
        "(Leeds City Council): ask an admin to import it."
    )


def test_rows_are_checked_with_no_transaction_open(app, runner, places, officer, monkeypatch):
    from app.imports import services

    plan = services.plan_rows
    open_while_checking = []

    def watched(*args):
        open_while_checking.append(db.session().in_transaction())
        return plan(*args)

    monkeypatch.setattr(services, "plan_rows", watched)
    run(runner, FIXTURES / "initiatives.csv", officer)  # on SQLite: no write lock held
    assert open_while_checking == [False]


def test_british_dates_from_uk_spreadsheets_are_read_day_first(
    app, runner, places, officer, write_csv
):
    sheet = write_csv(
        f"{HEADER},started_on,outcome_description,outcome_measured_on\n"
        "UK-1,Hawksworth Road watch,Walking together.,safety,co-delivery,Kirkstall,"
        "1/3/2024,Fewer burglaries.,31/12/2024\n"
        "UK-2,Impossible date,Walking together.,safety,co-delivery,Kirkstall,31/02/2024,,\n"
    )

    result = run(runner, sheet, officer)

    assert "line 2\tcreate\tHawksworth Road watch" in result.output
    assert "line 3\treject\tImpossible date" in result.output
    assert "started_on: 31/02/2024 is not a real date" in result.output
    header, good_row, _ = sheet.read_text().splitlines()
    result = run(runner, write_csv(f"{header}\n{good_row}\n", "one.csv"), officer, "--commit")
    assert result.exit_code == 0, result.output
    with app.app_context():
        initiative = db.session.scalar(select(Initiative).where(Initiative.external_id == "UK-1"))
        assert initiative.started_on == date(2024, 3, 1)
        assert initiative.outcomes[0].measured_on == date(2024, 12, 31)


def test_the_command_shows_a_progress_bar_on_standard_error(app, runner, places, officer):
    result = run(runner, FIXTURES / "initiatives.csv", officer, "--commit")

    assert result.exit_code == 0, result.output
    assert "Checking rows" in result.stderr  # the label: a terminal also draws the bar
    assert "Importing" in result.stderr
    assert "The search index holds 0 published initiatives, the map 0." in result.stderr
    assert "Checking rows" not in result.stdout  # the report alone, for pipes
    assert result.stdout.splitlines()[-1].startswith("Imported initiatives.csv: 3 created")
