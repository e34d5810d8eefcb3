"""Migrations stand alone: an empty database walks up every revision one at a time, down to base
and up again, on SQLite and PostgreSQL, and ends where the models are; the data steps (map
points and cells, the search index) compute what the app's own rebuilds compute."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade

from app import create_app
from app.demo.seed import seed_demo
from app.extensions import db
from app.map_cells.cells import rebuild_map_cells
from app.search.services import reindex_all
from tests.conftest import IN_CI, POSTGRES_URL, TEST_PASSWORD
from tests.support.apps import app_config
from tests.support.schema import compared_with_models
from tests.support.search_index import search_index_rows

BEFORE_MAP = "5a1c0de0e001"  # the last revision before the first data step
THEMES_ON_MAP = "5a1c0de0e002"  # map points and cells for any theme and each theme
FACETS_ON_MAP = "5a1c0de0e004"  # ... and for status, stage, sector, neighbourhood, verified
FIRST_REINDEX = "5a1c0de0e005"  # the search index with the street rule of its day
VERIFIED = -400_001  # the map's key for initiatives with a verified outcome
KIRKSTALL_KEY = -1_000_001  # the map's key for neighbourhood 1


@pytest.fixture
def scratch_app(worker_id_safe, tmp_path, request):
    """An app on an empty database of its own (on PostgreSQL, beside the worker's)."""
    if POSTGRES_URL:
        from tests.postgres import create_worker_database, drop_worker_database

        name = f"coproduce_migrations_{worker_id_safe}_{os.getpid()}"
        url = create_worker_database(POSTGRES_URL, name, IN_CI)
        request.addfinalizer(lambda: drop_worker_database(POSTGRES_URL, name))
    else:
        url = f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    app = create_app(app_config(url, tmp_path))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def revisions_in_order(app: Flask) -> list[str]:
    config = app.extensions["migrate"].migrate.get_config()
    script = ScriptDirectory.from_config(config)
    assert len(script.get_heads()) == 1, "the revisions have more than one head"
    return [
        script_revision.revision for script_revision in reversed(list(script.walk_revisions()))
    ]


def current_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def schema_differences(app: Flask) -> list[Any]:
    """What autogenerate would still write, with the options app/setup.py gives Alembic."""
    options = {**app.extensions["migrate"].configure_args, "compare_type": True}
    with db.engine.connect() as connection:
        return compared_with_models(connection, options)


def test_an_empty_database_walks_every_revision_up_down_to_base_and_up_again(scratch_app):
    with scratch_app.app_context():
        revisions = revisions_in_order(scratch_app)
        assert revisions[:2] == ["efe4844ddded", "31f4ac81c3e0"]
        for revision in revisions:
            upgrade(revision=revision)
            assert current_revision() == revision
        assert schema_differences(scratch_app) == []

        downgrade(revision="base")
        assert current_revision() is None
        assert set(sa.inspect(db.engine).get_table_names()) == {"alembic_version"}

        upgrade()
        assert current_revision() == revisions[-1]
        assert schema_differences(scratch_app) == []
        assert set(db.metadata.tables) <= set(sa.inspect(db.engine).get_table_names())


# A few initiatives put in before the first data step, as rows of the tables of that revision:
# a street-precision place with a house number and a hyphenated postcode, an exact one, one at
# its neighbourhood's centre, one with no place at all and a draft (never on the map nor in the
# index).
MOMENT = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
KIRKSTALL = {"id": 1, "slug": "kirkstall", "name": "Kirkstall"}
PLACES = {
    1: ("published", "street", "Rear of 14 Kirkstall Lane, ls5-3bt", (53.81912, -1.60118)),
    2: ("published", "exact", "Kirkstall Abbey", (53.82031, -1.60912)),
    3: ("published", "neighbourhood", "", None),
    4: ("published", "street", "", None),
    5: ("draft", "exact", "Bridge Road", (53.8155, -1.6011)),
}
THEME_LINKS = {1: [1, 4], 2: [2], 3: [3], 5: [1]}  # safety, sustainability; health; education
STAGE_LINKS = {1: ["co-design", "co-delivery"], 2: ["co-assessment"], 3: ["co-design"]}
PARTICIPANTS = {1: ["residents", "residents", "police"], 2: ["council"], 5: ["school"]}
VERIFIED_OUTCOMES = {1: True, 2: False}
NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}  # no digits to index


def _public_point(precision: str, point: tuple[float, float] | None, neighbourhood_id):
    if precision != "neighbourhood" and point is not None:
        decimals = 3 if precision == "street" else 6
        return round(point[0], decimals), round(point[1], decimals)
    return (53.817, -1.603) if neighbourhood_id else None


def _insert(connection: sa.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    """Insert into the table as it is at the current revision (its columns read back)."""
    connection.execute(sa.insert(sa.Table(table, sa.MetaData(), autoload_with=connection)), rows)


def put_initiatives_in(connection: sa.Connection) -> None:
    """The rows above, as the app of that revision would have stored them."""
    centre = {"latitude": 53.817, "longitude": -1.603}
    _insert(connection, "neighbourhood", [{**KIRKSTALL, "local_authority": "Leeds", **centre}])
    initiatives = []
    for initiative_id, (state, precision, place_name, point) in PLACES.items():
        neighbourhood_id = None if initiative_id == 4 else 1
        public = _public_point(precision, point, neighbourhood_id) or (None, None)
        initiatives.append(
            {
                "id": initiative_id,
                "slug": f"initiative-{initiative_id}",
                "title": f"Initiative number {NUMBER_WORDS[initiative_id]}",
                "summary": "Neighbours and the council together.",
                "description": "",
                "status": "completed" if initiative_id == 2 else "active",
                "state": state,
                "neighbourhood_id": neighbourhood_id,
                "place_name": place_name,
                "latitude": point[0] if point else None,
                "longitude": point[1] if point else None,
                "location_precision": precision,
                "location_state": "set" if point else "none",
                "public_latitude": public[0],
                "public_longitude": public[1],
                "contact_url": "",
                "credit": "name",
                "credit_name": "",
                "moderation_note": "",
                "created_at": MOMENT,
                "updated_at": MOMENT,
            }
        )
    _insert(connection, "initiative", initiatives)
    _insert(
        connection,
        "initiative_theme",
        [
            {"initiative_id": i, "theme_id": theme_id, "position": position}
            for i, themes in THEME_LINKS.items()
            for position, theme_id in enumerate(themes)
        ],
    )
    _insert(
        connection,
        "initiative_stage",
        [
            {"initiative_id": i, "stage": stage}
            for i, stages in STAGE_LINKS.items()
            for stage in stages
        ],
    )
    _insert(
        connection,
        "participant",
        [
            {
                "initiative_id": i,
                "position": p,
                "sector": sector,
                "name": f"Group {p}",
                "roles": [],
            }
            for i, sectors in PARTICIPANTS.items()
            for p, sector in enumerate(sectors)
        ],
    )
    _insert(
        connection,
        "outcome",
        [
            {
                "initiative_id": i,
                "position": 0,
                "description": "Fewer break-ins",
                "indicator": "Burglaries",
                "unit": "",
                "evidence_url": "",
                "verification_note": "",
                "verified_at": MOMENT if verified else None,
            }
            for i, verified in VERIFIED_OUTCOMES.items()
        ],
    )


def map_keys() -> set[tuple[int, int]]:
    """(initiative, key) of every map point."""
    with db.engine.connect() as connection:
        return set(connection.execute(sa.text("SELECT initiative_id, theme_id FROM map_point")))


def words_indexed_for_the_street_place() -> set[str]:
    """The words the search index holds of initiative 1's place (PostgreSQL: of all of it)."""
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            place = connection.scalar(sa.text("SELECT place FROM initiative_fts WHERE rowid = 1"))
            return set(re.findall(r"\w+", place.lower()))
        vector = connection.scalar(
            sa.text("SELECT search_vector::text FROM initiative WHERE id = 1")
        )
        return set(re.findall(r"'([^']+)'", vector))  # its lexemes, not their positions


def map_and_search(connection: sa.Connection) -> dict[str, list[Any]]:
    """The map's points and cells and the search index; sums to nine places (their last bits
    follow the order the rows were added in)."""

    def rounded(row) -> tuple:
        return tuple(round(value, 9) if isinstance(value, float) else value for value in row)

    queries = {
        "map_point": "SELECT * FROM map_point ORDER BY theme_id, initiative_id",
        "map_cell": "SELECT * FROM map_cell ORDER BY zoom, theme_id, cell",
    }
    found: dict[str, list[Any]] = {
        name: [rounded(row) for row in connection.execute(sa.text(query))]
        for name, query in queries.items()
    }
    found["search_index"] = search_index_rows(connection)
    return found


def migrated_and_rebuilt(app: Flask) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """The map and search index as the migrations left them, then as the app rebuilds them."""
    with db.engine.connect() as connection:
        migrated = map_and_search(connection)
    with db.engine.begin() as connection:
        rebuild_map_cells(connection)
    reindex_all(db.session)
    db.session.commit()
    with db.engine.connect() as connection:
        return migrated, map_and_search(connection)


def test_rows_put_in_before_the_data_steps_come_out_as_the_apps_rebuilds_compute(scratch_app):
    with scratch_app.app_context():
        upgrade(revision=BEFORE_MAP)
        with db.engine.begin() as connection:
            put_initiatives_in(connection)

        upgrade(revision=THEMES_ON_MAP)
        on_map = {1, 2, 3}  # published with a public point
        expected = {(i, 0) for i in on_map} | {
            (i, theme) for i in on_map for theme in THEME_LINKS.get(i, [])
        }
        assert map_keys() == expected
        with db.engine.connect() as connection:
            counted = connection.scalar(
                sa.text("SELECT sum(count) FROM map_cell WHERE zoom = 0 AND theme_id = 0")
            )
        assert counted == len(on_map)

        upgrade(revision=FACETS_ON_MAP)
        keys = map_keys()
        assert {i for i, key in keys if key == VERIFIED} == {1}
        assert {i for i, key in keys if key == KIRKSTALL_KEY} == on_map
        assert expected < keys

        upgrade(revision=FIRST_REINDEX)
        assert "14" in words_indexed_for_the_street_place()  # the old rule kept it there

        upgrade()
        assert "14" not in words_indexed_for_the_street_place()
        assert "ls5" in words_indexed_for_the_street_place()
        assert not {"3bt", "ls5-3bt"} & words_indexed_for_the_street_place()
        migrated, rebuilt = migrated_and_rebuilt(scratch_app)
        assert migrated == rebuilt
        assert len(migrated["map_point"]) > len(expected)


def test_demo_data_migrated_again_comes_out_as_the_apps_rebuilds_compute(scratch_app):
    """The demo's 52 initiatives, taken back to before the map and brought up again."""
    with scratch_app.app_context():
        upgrade()
        seed_demo(password_for=lambda _role: TEST_PASSWORD)
        db.session.commit()
        db.session.remove()

        downgrade(revision=BEFORE_MAP)
        upgrade()
        migrated, rebuilt = migrated_and_rebuilt(scratch_app)
        assert len(migrated["map_point"]) > 100 and len(migrated["search_index"]) >= 40
        assert migrated == rebuilt


# Revisions written before ids were generated keep theirs: databases already carry them.
HAND_NUMBERED = re.compile(r"5a1c0de0e00\d")
VERSIONS = Path(__file__).parent.parent / "app" / "migrations" / "versions"


def _longest_run(digits: str) -> int:
    """The longest run of hex digits each one above (or each one below) the last, wrapping."""
    longest = 1
    for step in (1, 15):
        run = 1
        for before, after in zip(digits, digits[1:], strict=False):
            run = run + 1 if (int(after, 16) - int(before, 16)) % 16 == step else 1
            longest = max(longest, run)
    return longest


def test_new_revisions_have_generated_ids_and_whole_names():
    """Each file is named `<date>_<revision>_<the message's words>.py` with the id Alembic
    generates (twelve hex digits, no hand-typed pattern such as a8b9c0d1e2f3)."""
    for path in sorted(VERSIONS.glob("*.py")):
        name, source = path.name, path.read_text(encoding="utf-8")
        revision = re.search(r'^revision = "([^"]+)"', source, re.MULTILINE).group(1)
        assert re.fullmatch(r"\d{8}_" + revision + r"_[a-z0-9_]+\.py", name), name
        if HAND_NUMBERED.fullmatch(revision):
            continue
        assert re.fullmatch(r"[0-9a-f]{12}", revision), name
        # A typed pattern climbs or falls through every digit, or through every other one.
        assert _longest_run(revision) < 4, name
        assert max(_longest_run(revision[0::2]), _longest_run(revision[1::2])) < 4, name
