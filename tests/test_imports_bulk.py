"""New initiatives written in bulk (app.imports.creating) leave the database exactly as the
ORM, with its flush hooks, would: the same file imported both ways, every table compared.

Runs on SQLite, and on PostgreSQL with TEST_DATABASE_URL set (make test-postgres).
"""

from __future__ import annotations

import csv
import io
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from sqlalchemy import insert, select

from app.accounts.models import User
from app.data_version import DataVersion
from app.extensions import db
from app.imports import creating, writing
from app.imports.services import import_initiatives
from app.map_cells import cells
from app.map_cells.cells import RECOMPUTE_LEAVES, rebuild_map_cells
from app.shared_filters.changes import FacetChange
from app.shared_filters.facet_version import FacetVersion
from tests.conftest import empty_database
from tests.factories import create_test_initiative, create_test_neighbourhood, create_test_user

# Made anew at random each time the database is seeded.
RANDOM_COLUMNS = {
    "user": ("password_hash", "session_token"),
    DataVersion.__tablename__: ("stamp",),
}
MOMENT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
HEADER = (
    "external_id,title,summary,themes,stages,status,started_on,neighbourhood,place_name,"
    "latitude,longitude,location_precision,contact_url,credit_name,people_residents,"
    "name_residents,people_police,outcome_description,outcome_indicator,outcome_baseline,"
    "outcome_result,outcome_unit,outcome_measured_on,participant_1_sector,participant_1_name"
)


def _line(*cells: str) -> str:
    """One row of a CSV file, its cells quoted as a spreadsheet would."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(cells)
    return buffer.getvalue().removesuffix("\r\n")


ROWS = [
    # exact, street and neighbourhood precision; a point, no point, a place waiting
    "K-1,Kirkstall street watch,Walking together.,safety;health,co-design;co-delivery,active,"
    "2024-03-01,kirkstall,14 Hawksworth Road,53.82061,-1.60404,street,https://example.org,"
    "Kirkstall Residents,40,Kirkstall Residents,4,Fewer burglaries,burglaries,31,22,a year,"
    "31/03/2025,,",
    "K-2,Repair café,Mending things.,sustainability,co-delivery,completed,,kirkstall,,,,"
    "neighbourhood,,,,,,,,,,,,,",
    "K-3,Walking group,Weekly walks.,health;health;safety,,,,llanisien,Roath Park,,,exact,"
    ",,12,,,Friendlier streets,,,,,,,",
    "K-4,Litter pick,Picking litter.,sustainability,co-assessment,ended,2020-01-01,kirkstall,"
    "Abbey Road,53.81,-1.61,exact,,,,,,Cleaner park,bags,,9,,,council,Leeds City Council",
    ",Book swap,Swapping books.,education,co-commissioning,,,llanisien,Library,,,street,,,,,,"
    ",,,,,,,",
    # text as COPY must keep it: a tab, line ends, backslashes, quotes, COPY's own NULL
    # marker and end-of-data line as plain text, letters and symbols beyond ASCII
    _line(
        "K-6",
        "Tab\there, back\\slash \\N",
        "Line one\nline two \"quoted\" 'single' \\.\n\\. ünïcødé — 🚲",
        "education",
        *("",) * 3,
        "llanisien",
        *("",) * 5,
        "Caerdydd\\Cardiff \\N\t",
        *("",) * 3,
        "Llai o sbwriel\r\nâ \\N",
        *("",) * 5,
        "council",
        'Cyngor "Caerdydd"',
    ),
    # very like the published K-1: flagged to moderators when imported as pending
    "K-5,Kirkstall street watchers,Walking too.,safety,,,,kirkstall,,,,,,,,,,,,,,,,,",
]


def seed() -> int:
    """Neighbourhoods, a published initiative the first row updates, and the importer."""
    kirkstall = create_test_neighbourhood(
        name="Kirkstall", slug="kirkstall", latitude=53.8162, longitude=-1.6037
    )
    create_test_neighbourhood(
        name="Llanisien",
        slug="llanisien",
        local_authority="Cardiff Council",
        latitude=51.5236,
        longitude=-3.1875,
    )
    create_test_initiative(title="Kirkstall street watch", neighbourhood_id=kirkstall)
    return create_test_user(role="admin", email="importer@example.org").id


def import_file(app, state: str, paused_queue) -> dict[str, Any]:
    """Seed an empty database, import the file, and read back every table."""
    empty_database(app)
    with time_machine.travel(MOMENT, tick=False), app.app_context():
        user_id = seed()
        before = _facet_version()
        data = "\n".join([HEADER, *ROWS]).encode()
        report = import_initiatives(
            data, "s.csv", db.session.get(User, user_id), state, True, geocode_budget=0
        )
        assert report.committed, [row.reasons for row in report.rows]
        tables = _every_table()
        tables["facet version moved on"] = _facet_version() > before
        tables["queued"] = sorted((task.name, task.args) for task in paused_queue.pending())
        paused_queue.huey.flush()
        return tables


def _facet_version() -> int:
    return db.session.scalar(select(FacetVersion.version)) or 0


def _every_table() -> dict[str, Any]:
    """Every row of every table, but for what differs by design: the facet log's own ids
    (a row per flush, many flushes or one), the facet version's count of them, and the
    data version's random stamp, and the importer's salted password and session token."""
    tables: dict[str, Any] = {}
    connection = db.session.connection()
    for table in db.metadata.sorted_tables:
        if table.name in (FacetVersion.__tablename__, FacetChange.__tablename__):
            continue
        random = RANDOM_COLUMNS.get(table.name, ())
        columns = [column for column in table.columns if column.name not in random]
        order = list(table.primary_key.columns) or columns
        tables[table.name] = [
            dict(row._mapping) for row in connection.execute(select(*columns).order_by(*order))
        ]
    logged = connection.scalars(select(FacetChange.initiative_id))
    tables["facet log"] = sorted(logged, key=lambda initiative_id: initiative_id or 0)
    return tables


@pytest.mark.parametrize(
    ("state", "recomputed"), [("published", False), ("published", True), ("pending", False)]
)
def test_bulk_creation_writes_what_the_orm_writes(
    app, paused_queue, monkeypatch, state, recomputed
):
    if recomputed:  # the update's flush recomputes its keys' totals, as for thousands of cells
        monkeypatch.setattr(cells, "RECOMPUTE_LEAVES", 0)
    in_bulk = import_file(app, state, paused_queue)
    monkeypatch.setattr(cells, "RECOMPUTE_LEAVES", RECOMPUTE_LEAVES)
    monkeypatch.setattr(writing, "can_create_in_bulk", lambda plan: False)
    by_orm = import_file(app, state, paused_queue)

    # K-1 updates the initiative already there; the other rows create five.
    assert len(in_bulk["initiative"]) == len(ROWS)
    assert len(in_bulk["revision"]) == len(ROWS)
    if state == "published":
        assert in_bulk["map_point"] and in_bulk["map_cell"]
        assert in_bulk["data_version"][0]["version"] >= 1
    assert [name for name, _args in in_bulk["queued"]].count("look_up_pending_place") == 2
    assert in_bulk["facet version moved on"]
    flagged = [row["possible_duplicate_ids"] for row in in_bulk["initiative"]]
    assert flagged[-1] == ([1] if state == "pending" else None)
    for name in by_orm:
        assert in_bulk[name] == by_orm[name], name


STORED_TABLES = (
    "initiative",
    "initiative_theme",
    "initiative_stage",
    "participant",
    "outcome",
    "revision",
    "map_point",
)


def _stored() -> dict[str, list[tuple]]:
    """Every value of the tables an import writes as the database holds it: SQLite's text
    and type (JSON null and SQL NULL, a date's text, 1 and 1.0 told apart), PostgreSQL's
    text (a float's every digit, a time's offset, JSON's own spacing and null)."""
    connection = db.session.connection()
    sqlite = connection.dialect.name == "sqlite"
    stored = {}
    for name in STORED_TABLES:
        table = db.metadata.tables[name]
        if sqlite:
            values = (f"quote({c.name}), typeof({c.name})" for c in table.columns)
            order = "rowid"
        else:
            values = (f"{c.name}::text" for c in table.columns)
            order = ", ".join(c.name for c in table.primary_key.columns)
        stored[name] = connection.exec_driver_sql(
            f"SELECT {', '.join(values)} FROM {name} ORDER BY {order}"
        ).all()
    return stored


def _through_core(connection, table, columns, rows) -> None:
    connection.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


@pytest.mark.parametrize("state", ["published", "pending"])
def test_rows_handed_to_the_driver_are_stored_as_core_stores_them(
    app, paused_queue, monkeypatch, state
):
    """insert_rows (app.database, as the import calls it) gives SQLite its rows and
    PostgreSQL its COPY without Core's work per row: the same values, converted by the same
    column types; the map's points by COPY too."""
    import_file(app, state, paused_queue)
    with app.app_context():
        direct = _stored()
    monkeypatch.setattr(
        creating,
        "insert_rows",
        lambda connection, table, rows: connection.execute(insert(table), rows),
    )
    monkeypatch.setattr(cells, "copy_rows", _through_core)
    import_file(app, state, paused_queue)
    with app.app_context():
        through_core = _stored()
    assert direct["initiative"] and direct["revision"]
    assert direct == through_core


def test_text_is_stored_as_written(app, paused_queue):
    """What COPY could mistake for its own syntax (tabs, line ends, backslashes, its NULL
    marker) is kept as text, in the initiative, its participant, outcome and revision."""
    tables = import_file(app, "published", paused_queue)
    [initiative] = [row for row in tables["initiative"] if row["external_id"] == "K-6"]
    assert initiative["title"] == "Tab\there, back\\slash \\N"
    assert initiative["summary"] == "Line one\nline two \"quoted\" 'single' \\.\n\\. ünïcødé — 🚲"
    assert initiative["credit_name"] == "Caerdydd\\Cardiff \\N"
    [participant] = [p for p in tables["participant"] if p["initiative_id"] == initiative["id"]]
    assert participant["name"] == 'Cyngor "Caerdydd"'
    [outcome] = [o for o in tables["outcome"] if o["initiative_id"] == initiative["id"]]
    assert outcome["description"] == "Llai o sbwriel\r\nâ \\N"
    [revision] = [r for r in tables["revision"] if r["initiative_id"] == initiative["id"]]
    assert revision["content"]["title"] == initiative["title"]
    assert revision["content"]["outcomes"][0]["description"] == outcome["description"]


def _map_tables() -> dict[str, list[tuple]]:
    """The map's points and cell totals; sums of coordinates to 9 decimals (added up in
    another order, the same points' sum can differ in its last bit)."""
    connection = db.session.connection()
    return {
        name: [
            tuple(round(value, 9) if isinstance(value, float) else value for value in row)
            for row in connection.exec_driver_sql(f"SELECT * FROM {name} ORDER BY 1, 2, 3")
        ]
        for name in ("map_point", "map_cell")
    }


def _waiting_for_the_map() -> bool:
    """Whether another transaction waits for an advisory lock (the map's)."""
    with db.engine.connect() as connection:
        waiting = connection.exec_driver_sql(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        )
        return bool(waiting.scalar())


def _walk_files() -> list[bytes]:
    """Two files of five new published walks each, in the same few cells of the map."""
    header = "external_id,title,summary,themes,stages,neighbourhood,latitude,longitude"
    return [
        "\n".join(
            [header]
            + [
                f"{prefix}-{n},Walk {prefix}{n},Walking.,safety,co-delivery,kirkstall,"
                f"53.8{n},-1.6{n}"
                for n in range(5)
            ]
        ).encode()
        for prefix in ("A", "B")
    ]


def test_a_second_import_adds_to_the_totals_of_the_first(app, paused_queue):
    """Each import adds its new points to the cells the seed's and the other's are in: the
    map ends as a rebuild from scratch makes it."""
    empty_database(app)
    with app.app_context():
        user = db.session.get(User, seed())
        for data in _walk_files():
            report = import_initiatives(data, "s.csv", user, "published", True, geocode_budget=0)
            assert report.committed
        kept = _map_tables()
        assert len({row[0] for row in kept["map_point"]}) == 11
        rebuild_map_cells(db.session.connection())
        db.session.commit()
        assert _map_tables() == kept
    paused_queue.huey.flush()


@pytest.mark.postgres_only
def test_two_imports_at_once_both_reach_the_map(app, paused_queue):
    """Two workers importing at once: the second writes and counts its new points while the
    first holds the map's lock, waits for it only to add them to the totals, and the map ends
    as a rebuild from scratch makes it."""
    empty_database(app)
    with app.app_context():
        user_id = seed()
    files = _walk_files()
    holding, release, reports, errors = threading.Event(), threading.Event(), [], []

    def hold(_report) -> None:
        holding.set()
        release.wait(10)

    def run(data: bytes, before_commit) -> None:
        try:
            with app.app_context():
                user = db.session.get(User, user_id)
                report = import_initiatives(
                    data,
                    "s.csv",
                    user,
                    "published",
                    commit=True,
                    geocode_budget=0,
                    before_commit=before_commit,
                )
                reports.append(report)
        except Exception as error:  # reported below, from the test's own thread
            errors.append(error)

    first = threading.Thread(target=run, args=(files[0], hold))
    first.start()
    assert holding.wait(10), errors  # holds the map's lock, and the facet version's
    second = threading.Thread(target=run, args=(files[1], None))
    second.start()
    with app.app_context():
        for _ in range(100):  # up to ten seconds to reach the map's lock
            second.join(0.1)
            if _waiting_for_the_map():
                break
        else:
            pytest.fail("the second import never waited for the map")
    release.set()
    first.join(10)
    second.join(10)
    assert errors == []
    assert [report.committed for report in reports] == [True, True]
    with app.app_context():
        kept = _map_tables()
        assert len({row[0] for row in kept["map_point"]}) == 11  # both files' and the seed's
        rebuild_map_cells(db.session.connection())
        db.session.commit()
        assert _map_tables() == kept
    paused_queue.huey.flush()
