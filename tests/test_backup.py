"""``export`` and ``import``: a full round trip on SQLite and PostgreSQL, secrets, refusals."""

from __future__ import annotations

import email
import email.policy
import json
import math
import re
from pathlib import Path

import pytest
from sqlalchemy import select, text

from app.backup.document import (
    DERIVED_TABLES,
    SECRET_COLUMNS,
    UNUSABLE_PASSWORD,
    UNUSABLE_TOKEN_PREFIX,
    WORKING_TABLES,
    decoder_for,
    encoder_for,
    exported_tables,
)
from app.extensions import db
from app.tokens.models import ApiToken
from tests.conftest import CsrfClient
from tests.factories import (
    TEST_PASSWORD,
    create_test_initiative,
    create_test_organisation,
    create_test_user,
)
from tests.support.backup_data import (
    SEARCH_WORD,
    WELSH_TITLE,
    build_site,
    secrets_of,
    table_rows,
)
from tests.support.backup_targets import empty_database

CARDIFF = "-3.30,51.40,-3.00,51.60"


def dialect(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


@pytest.fixture
def target(app, tmp_path):
    """An app on a second, empty database of the same kind as the suite's."""
    with empty_database(dialect(app), tmp_path) as target_app:
        target_app.test_client_class = CsrfClient
        yield target_app


def export(runner, path: Path, *options: str) -> dict:
    result = runner.invoke(args=["export", str(path), *options])
    assert result.exit_code == 0, result.output
    return json.loads(path.read_text(encoding="utf-8"))


def import_file(target, path: Path):
    return target.test_cli_runner().invoke(args=["import", str(path)])


def search_index(app) -> list[tuple]:
    """What the search engine holds, row by row."""
    with app.app_context(), db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            query = "SELECT rowid, * FROM initiative_fts ORDER BY rowid"
        else:
            query = "SELECT id, search_vector::text FROM initiative ORDER BY id"
        return [tuple(row) for row in connection.execute(text(query))]


def map_count(client, **filters) -> int:
    response = client.get(
        "/api/v1/map/clusters", query_string={"bbox": CARDIFF, "zoom": 8, **filters}
    )
    assert response.status_code == 200
    return sum(
        feature["properties"]["count"] if feature["properties"]["cluster"] else 1
        for feature in response.get_json()["features"]
    )


def test_export_holds_every_table_in_foreign_key_order(app, runner, tmp_path):
    document = export(runner, tmp_path / "site.json")
    with app.app_context():
        every_table = [table.name for table in db.metadata.sorted_tables]
    assert document["format"] == "coproduce-export"
    assert document["version"] == 1
    assert re.fullmatch(r"[0-9a-f]{12}", document["schema_revision"])
    assert document["exported_at"].endswith("+00:00")
    left_out = DERIVED_TABLES | WORKING_TABLES
    assert list(document["tables"]) == [name for name in every_table if name not in left_out]
    assert DERIVED_TABLES < set(every_table)
    assert WORKING_TABLES < set(every_table)
    assert document["tables"]["theme"]["rows"], "the seeded themes are exported"


def test_every_column_can_be_written_and_read_and_secrets_are_named(app):
    with app.app_context():
        exported = {table.name for table in exported_tables()}
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                encoder_for(column), decoder_for(column)
                # (Working tables are never exported: idempotency_key.token_id is no secret.)
                secret_name = re.search(r"password|token|hash|secret", column.name)
                if table.name in exported and secret_name:
                    assert column.name in SECRET_COLUMNS.get(table.name, ()), column


def test_round_trip_with_secrets_loses_nothing(app, runner, target, tmp_path):
    site = build_site(app)
    path = tmp_path / "site.json"
    document = export(runner, path, "--with-secrets")
    assert document["with_secrets"] is True
    assert WELSH_TITLE in path.read_text(encoding="utf-8")  # UTF-8, not escapes

    result = import_file(target, path)

    assert result.exit_code == 0, result.output
    assert "Imported" in result.output
    source, copy = table_rows(app), table_rows(target)
    assert set(copy) == set(source)
    for table, rows in source.items():
        assert copy[table] == rows, f"{table} differs"
    assert search_index(target) == search_index(app)
    client = target.test_client()
    page = client.get("/initiatives", query_string={"q": SEARCH_WORD}).get_data(as_text=True)
    assert WELSH_TITLE in page
    assert map_count(client, q=SEARCH_WORD) == 1
    assert map_count(client) == map_count(app.test_client()) > 0
    login = client.post("/login", data={"email": site["officer_email"], "password": TEST_PASSWORD})
    assert login.status_code == 302, "the password survives a round trip with secrets"


def test_new_rows_after_an_import_get_fresh_ids(app, runner, target, tmp_path):
    build_site(app)
    path = tmp_path / "site.json"
    export(runner, path, "--with-secrets")
    assert import_file(target, path).exit_code == 0
    rows = table_rows(target)
    with target.app_context():
        organisation_id = create_test_organisation("After the import")
        initiative_id = create_test_initiative(title="Made after the import")
        user_id = create_test_user().id
    assert organisation_id == max(row[0] for row in rows["organisation"]) + 1
    assert initiative_id == max(row[0] for row in rows["initiative"]) + 1
    assert user_id == max(row[0] for row in rows["user"]) + 1


def test_export_without_secrets_leaves_out_every_hash(app, runner, target, tmp_path):
    build_site(app)
    secrets = secrets_of(app)
    path = tmp_path / "site.json"
    document = export(runner, path)
    content = path.read_text(encoding="utf-8")
    assert document["with_secrets"] is False
    assert len(secrets) > 10 and all(len(secret) >= 16 for secret in secrets)
    assert not [secret for secret in secrets if secret in content]
    assert "pbkdf2" not in content

    result = import_file(target, path)

    assert result.exit_code == 0, result.output
    assert "Forgotten your password" in result.output
    source, copy = table_rows(app), table_rows(target)
    with app.app_context():
        tables = {table.name: table for table in db.metadata.sorted_tables}
    for name, rows in source.items():
        names = [column.name for column in tables[name].columns]
        kept = [
            index
            for index, column in enumerate(names)
            if column not in SECRET_COLUMNS.get(name, ())
            and (name, column) != ("api_token", "revoked_at")
        ]
        assert [[row[i] for i in kept] for row in copy[name]] == [
            [row[i] for i in kept] for row in rows
        ], f"{name} differs"
    with target.app_context():
        hashes = db.session.scalars(text('SELECT password_hash FROM "user"')).all()
        tokens = db.session.scalars(select(ApiToken)).all()
        assert set(hashes) == {UNUSABLE_PASSWORD}
        assert tokens and all(
            token.token_hash.startswith(UNUSABLE_TOKEN_PREFIX) for token in tokens
        )
        assert all(token.revoked_at is not None for token in tokens)


def test_people_imported_without_secrets_reset_their_password(app, runner, target, tmp_path):
    site = build_site(app)
    path = tmp_path / "site.json"
    export(runner, path)
    assert import_file(target, path).exit_code == 0
    client = target.test_client()
    address = site["officer_email"]

    login = client.post("/login", data={"email": address, "password": TEST_PASSWORD})
    assert login.status_code == 401
    assert "do not match an account" in login.get_data(as_text=True)

    assert client.post("/forgot-password", data={"email": address}).status_code == 200
    outbox = Path(target.config["OUTBOX_PATH"])
    message = email.message_from_bytes(
        next(outbox.glob("*.eml")).read_bytes(), policy=email.policy.default
    )
    mail = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"/reset-password/[\w.\-]+", mail).group(0)
    new_password = "a new long password for Siân"
    reset = client.post(link, data={"password": new_password})
    assert reset.status_code == 302, reset.get_data(as_text=True)
    client.post("/logout", data={})
    assert (
        client.post("/login", data={"email": address, "password": new_password}).status_code == 302
    )


def test_import_into_a_database_with_data_refuses_and_writes_nothing(
    app, runner, target, tmp_path
):
    build_site(app)
    path = tmp_path / "site.json"
    export(runner, path, "--with-secrets")
    with target.app_context():
        create_test_user(email="already@example.org")
    before = table_rows(target)

    result = import_file(target, path)

    assert result.exit_code == 1
    assert "not empty: user (1 row)" in result.output
    assert "Nothing was imported" in result.output
    assert table_rows(target) == before


def test_import_refuses_themes_changed_since_the_migration(app, runner, target, tmp_path):
    path = tmp_path / "site.json"
    export(runner, path)
    with target.app_context():
        db.session.execute(text("UPDATE theme SET name = 'Diogelwch' WHERE slug = 'safety'"))
        db.session.commit()
    before = table_rows(target)

    result = import_file(target, path)

    assert result.exit_code == 1
    assert "not empty: theme (4 rows)" in result.output
    assert table_rows(target) == before


def _replace(old: str, new: str):
    def change(content: str) -> str:
        assert old in content
        return content.replace(old, new, 1)

    return change


DAMAGE = {
    "cut in half": (lambda c: c[: len(c) // 2], "damaged or cut short"),
    "last brace missing": (lambda c: c.rstrip()[:-1], "damaged or cut short"),
    "a broken row": (lambda c: c.replace("\n[1,", "\n[1;", 1), "not valid JSON"),
    "empty": (lambda c: "", "The file is empty"),
    "a CSV file": (lambda c: "title,neighbourhood\nGarden,Splott\n", "not a Coproduce export"),
    "another format": (
        _replace('"coproduce-export"', '"something-else"'),
        "not a Coproduce export",
    ),
    "a later version": (_replace('"version": 1', '"version": 2'), "format version 2"),
    "another migration": (
        lambda c: re.sub(r'"schema_revision": "\w+"', '"schema_revision": "0123abcd4567"', c),
        "migration '0123abcd4567'",
    ),
    "a table missing": (
        lambda c: re.sub(r',\n"throttle": \{.*?\]\}', "", c, count=1, flags=re.S),
        "lacks the tables throttle",
    ),
    "a table unknown": (
        _replace('\n"throttle":', '\n"gossip": {"columns": [], "rows": []},\n"throttle":'),
        "'gossip' which this site does not have",
    ),
    "text for a number": (
        lambda c: re.sub(r'\n\[1,("kirkstall")', r'\n["one",\1', c, count=1),
        "'neighbourhood', row 1, column 'id': expected a whole number",
    ),
    "a row twice": (
        lambda c: re.sub(r'(\n\[1,"kirkstall"[^\n]*?\])', r"\1,\1", c, count=1),
        "The database refused table 'neighbourhood', rows 1 to ",
    ),
    "text longer than its column": (
        _replace('[1,"kirkstall"', f'[1,"{"k" * 121}"'),
        "'neighbourhood', row 1, column 'slug': longer than the column's 120 characters",
    ),
    "a date without its offset": (
        lambda c: re.sub(r'(\n\[[^\n]*?\d{2}:\d{2}:\d{2}\.\d+)\+00:00"', r'\1"', c, count=1),
        "needs its UTC offset",
    ),
}


def test_damaged_files_are_refused_and_nothing_is_written(app, runner, target, tmp_path):
    build_site(app)
    path = tmp_path / "site.json"
    export(runner, path, "--with-secrets")
    content = path.read_text(encoding="utf-8")
    before = table_rows(target)
    for name, (damage, message) in DAMAGE.items():
        damaged = tmp_path / f"{name}.json"
        damaged.write_text(damage(content), encoding="utf-8")
        assert damaged.read_text(encoding="utf-8") != content, name

        result = import_file(target, damaged)

        assert result.exit_code == 1, name
        assert message in result.output, (name, result.output)
        assert "Nothing was imported" in result.output, name
        assert "Traceback" not in result.output, name
        assert table_rows(target) == before, name
    binary = tmp_path / "site.json.gz"
    binary.write_bytes(b"\x1f\x8b\x08\x00\xff\xfe\xfa")
    result = import_file(target, binary)
    assert result.exit_code == 1 and "not UTF-8" in result.output
    assert table_rows(target) == before


def test_export_to_standard_output_and_no_overwrite_without_force(app, runner, tmp_path):
    result = runner.invoke(args=["export", "-"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["format"] == "coproduce-export"
    assert "Exported" in result.stderr

    path = tmp_path / "site.json"
    path.write_text("keep me")
    refused = runner.invoke(args=["export", str(path)])
    assert refused.exit_code == 1 and "already exists" in refused.output
    assert path.read_text() == "keep me"
    assert runner.invoke(args=["export", str(path), "--force"]).exit_code == 0
    assert json.loads(path.read_text())["version"] == 1
    assert path.stat().st_mode & 0o077 == 0, "exports hold personal data: owner only"


def test_import_reads_standard_input(app, runner, target, tmp_path):
    build_site(app)
    content = runner.invoke(args=["export", "-", "--with-secrets"]).stdout
    result = target.test_cli_runner().invoke(args=["import", "-"], input=content)
    assert result.exit_code == 0, result.output
    assert table_rows(target)["initiative"] == table_rows(app)["initiative"]


@pytest.mark.postgres_only
def test_round_trip_from_postgresql_to_sqlite(app, runner, tmp_path):
    build_site(app)
    path = tmp_path / "site.json"
    export(runner, path, "--with-secrets")
    with empty_database("sqlite", tmp_path) as sqlite_app:
        result = import_file(sqlite_app, path)
        assert result.exit_code == 0, result.output
        assert table_rows(sqlite_app) == table_rows(app)


def test_export_and_import_ask_for_a_migrated_database(runner, tmp_path):
    from app import create_app
    from tests.support.apps import app_config

    path = tmp_path / "site.json"
    export(runner, path)
    bare = create_app(app_config(f"sqlite:///{tmp_path / 'bare.sqlite3'}", tmp_path / "bare"))
    bare_runner = bare.test_cli_runner()

    for args in (["export", str(tmp_path / "bare.json")], ["import", str(path)]):
        result = bare_runner.invoke(args=args)
        assert result.exit_code == 1, args
        assert "at migration none" in result.output
        assert "flask --app app db upgrade" in result.output
    assert not (tmp_path / "bare.json").exists()
    with bare.app_context():
        db.engine.dispose()


@pytest.mark.postgres_only
def test_round_trip_from_sqlite_to_postgresql(target, tmp_path):
    with empty_database("sqlite", tmp_path / "sqlite") as sqlite_app:
        build_site(sqlite_app)
        path = tmp_path / "site.json"
        export(sqlite_app.test_cli_runner(), path, "--with-secrets")
        source = table_rows(sqlite_app)
    result = import_file(target, path)
    assert result.exit_code == 0, result.output
    assert table_rows(target) == source
    client = target.test_client()
    assert WELSH_TITLE in client.get("/initiatives", query_string={"q": SEARCH_WORD}).get_data(
        as_text=True
    )


def test_values_are_written_exactly_and_read_back(app):
    from datetime import UTC, date, datetime, timedelta, timezone

    from app.initiatives.models import Outcome, Participant

    hours, measured = Participant.__table__.c.hours, Outcome.__table__.c.measured_on
    verified = Outcome.__table__.c.verified_at
    for value in (0.1 + 0.2, 1e-300, -0.0, 123456789.123456789, math.inf, -math.inf):
        written = json.loads(json.dumps(encoder_for(hours)(value), allow_nan=False))
        assert decoder_for(hours)(written) == value
    assert math.isnan(decoder_for(hours)(encoder_for(hours)(math.nan)))
    moment = datetime(2026, 7, 1, 23, 30, 0, 1, tzinfo=timezone(timedelta(hours=1)))
    assert encoder_for(verified)(moment) == "2026-07-01T22:30:00.000001+00:00"
    assert decoder_for(verified)("2026-07-01T22:30:00.000001+00:00") == moment
    assert decoder_for(verified)(encoder_for(verified)(moment)).tzinfo == UTC
    assert decoder_for(measured)(encoder_for(measured)(date(2026, 2, 28))) == date(2026, 2, 28)
    for column, bad in ((hours, "12"), (hours, True), (measured, "2026-02-28T10:00")):
        with pytest.raises(ValueError):
            decoder_for(column)(bad)


@pytest.mark.sqlite_only
def test_export_refuses_a_value_json_cannot_hold(app, runner, tmp_path):
    from app.audit.models import AuditEntry

    with app.app_context():
        db.session.add(
            AuditEntry(actor_label="system", action="x", subject_type="y", detail={"n": math.nan})
        )
        db.session.commit()
    path = tmp_path / "site.json"

    result = runner.invoke(args=["export", str(path)])

    assert result.exit_code == 1
    assert "cannot be written as JSON" in result.output
    assert not path.exists() and not list(tmp_path.glob(".*partial"))
