"""The database: migrations from empty match the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from app.extensions import db
from app.search.services import include_in_schema_comparison
from tests.support.schema import compared_with_models


def test_migrations_from_empty_match_the_models(app):
    """The test database was built by `db upgrade`; autogenerate finds nothing left to do."""
    with app.app_context(), db.engine.connect() as connection:
        options = {
            "compare_type": True,
            "render_as_batch": True,
            "include_object": include_in_schema_comparison,
        }
        assert compared_with_models(connection, options) == []


def test_every_table_of_the_models_exists(app):
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_constraints_are_named(app):
    """Named constraints let later migrations alter them (SQLite batch mode needs names)."""
    for table in db.metadata.sorted_tables:
        for constraint in table.constraints:
            assert constraint.name, f"unnamed constraint on {table.name}"
        for index in table.indexes:
            assert index.name


def test_stored_times_come_back_in_utc(app, make_user):
    from app.accounts.models import User

    user = make_user()
    with app.app_context():
        created = db.session.get(User, user.id).created_at
    assert created.utcoffset().total_seconds() == 0


def test_in_ids_matches_in_with_one_parameter_on_each_database(app, make_initiative):
    """``in_ids`` picks the same rows as ``IN``, however many ids and with none, and sends them
    as one bound parameter (no placeholder per id)."""
    from sqlalchemy import select

    from app.database import in_ids
    from app.initiatives.models import Initiative

    ids = [make_initiative(title=f"Walk {number}") for number in range(3)]
    wanted = [ids[0], ids[2], 10**9, *range(10**9 + 1, 10**9 + 2000)]
    with app.app_context():
        connection = db.session.connection()
        query = select(Initiative.id).order_by(Initiative.id)
        picked = query.where(in_ids(Initiative.id, wanted, connection.dialect))
        assert list(connection.scalars(picked)) == [ids[0], ids[2]]
        assert (
            list(connection.scalars(query.where(in_ids(Initiative.id, [], connection.dialect))))
            == []
        )
        compiled = picked.compile(connection, compile_kwargs={"render_postcompile": True})
        assert len(compiled.params) == 1


def test_in_ids_looks_up_text_keys_too(app, make_initiative):
    """``in_ids`` on a text column (an import's external ids): the same rows as ``IN``, the
    keys as written (case, spaces, quotes and commas kept), in one bound parameter."""
    from sqlalchemy import select, update

    from app.database import in_ids
    from app.initiatives.models import Initiative

    keys = ["K-1", "k-1", "K 2", 'K"3,4']
    ids = [make_initiative(title=f"Walk {number}") for number in range(len(keys))]
    with app.app_context():
        for initiative_id, key in zip(ids, keys, strict=True):
            db.session.execute(
                update(Initiative).where(Initiative.id == initiative_id).values(external_id=key)
            )
        connection = db.session.connection()
        query = select(Initiative.external_id).order_by(Initiative.id)
        wanted = ["K-1", 'K"3,4', "K-9", *(f"B-{number}" for number in range(2000))]
        picked = query.where(in_ids(Initiative.external_id, wanted, connection.dialect))
        assert list(connection.scalars(picked)) == ["K-1", 'K"3,4']
        assert list(connection.scalars(picked)) == list(
            connection.scalars(query.where(Initiative.external_id.in_(wanted)))
        )
        compiled = picked.compile(connection, compile_kwargs={"render_postcompile": True})
        assert len(compiled.params) == 1
        db.session.rollback()


def test_a_driver_query_gives_the_rows_sqlalchemy_gives_for_each_run_s_ids(app, make_initiative):
    """``DriverQuery`` runs one compiled select again and again with new ids: its rows are
    SQLAlchemy's rows (dates and UTC times converted, blanks left blank, the statement's own
    literals sent as SQLAlchemy sends them), on each database."""
    from datetime import date

    from sqlalchemy import select

    from app.database import DriverQuery, in_bound_ids, in_ids, read_batches
    from app.initiatives.models import Initiative

    ids = [
        make_initiative(title="Dated", started_on="2024-04-01"),
        make_initiative(title="Undated"),
        make_initiative(title="Draft", state="draft"),
        make_initiative(title="Also dated", started_on="2025-12-31"),
    ]
    with app.app_context():
        connection = db.session.connection()
        dialect = connection.dialect
        columns = select(
            Initiative.id, Initiative.title, Initiative.started_on, Initiative.published_at
        ).order_by(Initiative.id)
        # A literal goes to the driver as its type sends it: an aware time compared as
        # SQLite's stored text would leave out the very initiative it was read from.
        since = db.session.get(Initiative, ids[1]).published_at
        published = (Initiative.state == "published") & (Initiative.published_at >= since)
        query = DriverQuery(
            connection,
            columns.where(published, in_bound_ids(Initiative.id, dialect, "ids")),
        )
        try:
            for wanted in ([ids[0], ids[2], ids[3]], [ids[1]], [], ids):
                expected = connection.execute(
                    columns.where(published, in_ids(Initiative.id, wanted, dialect))
                ).all()
                rows = query.rows(ids=wanted)
                assert [tuple(row) for row in rows] == [tuple(row) for row in expected]
            assert query.rows(ids=[ids[0]]) == []  # published before
            dated = query.rows(ids=[ids[3]])[0]
            assert dated[2] == date(2025, 12, 31)
            assert dated[3].utcoffset().total_seconds() == 0
        finally:
            query.close()
        # An expanding parameter's values, rendered one by one, go through its type too
        # (read_batches: the driver's rows, times as SQLite stores them).
        exactly = select(Initiative.id).where(Initiative.published_at.in_([since]))
        assert [row[0] for batch in read_batches(connection, exactly) for row in batch] == list(
            connection.scalars(exactly)
        )


def test_driver_queries_of_one_shape_share_their_preparation_each_with_its_own_values(
    app, make_initiative
):
    """A statement is compiled once per process for its shape (``_prepared``): one of the
    same shape with other values (a pattern, a compared id, a limit) sends its own; one whose
    SQL holds its values (a list given to ``in_``, a parameter per value) is never shared."""
    from sqlalchemy import select

    from app.database import DriverQuery
    from app.initiatives.models import Initiative

    ids = [make_initiative(title=f"Walk {number}") for number in range(5)]

    def run(query):
        driver_query = DriverQuery(db.session.connection(), query)
        try:
            return driver_query.prepared, [row[0] for row in driver_query.rows()]
        finally:
            driver_query.close()

    def walks(pattern, first, limit):
        return run(
            select(Initiative.id)
            .where(Initiative.title.like(pattern), Initiative.id >= first)
            .order_by(Initiative.id)
            .limit(limit)
        )

    def listed(wanted):
        return run(select(Initiative.id).where(Initiative.id.in_(wanted)).order_by(Initiative.id))

    with app.app_context():
        prepared, found = walks("Walk%", ids[1], 2)
        assert found == ids[1:3]
        assert walks("Walk%", ids[0], 10) == (prepared, ids)
        assert walks("Nothing%", ids[0], 10) == (prepared, [])
        assert walks("Walk 4", ids[0], 1) == (prepared, [ids[4]])
        first, found = listed([ids[0], ids[2]])
        assert found == [ids[0], ids[2]]
        second, found = listed([ids[1], ids[3]])
        assert found == [ids[1], ids[3]] and second is not first


def test_a_driver_query_keeps_every_value_and_the_order_it_reads(app):
    """On SQLite the rows come as one JSON array (one step of SQLite's, see ``DriverQuery``):
    text of any kind, whole numbers past 2**53, real numbers to their last digit (JSON's own
    rendering would give 0.3 for 0.1 + 0.2), blanks and the query's order come through as
    the driver itself gives them."""
    from sqlalchemy import (
        BigInteger,
        Column,
        Float,
        Integer,
        MetaData,
        String,
        Table,
        insert,
        select,
    )

    from app.database import DriverQuery

    texts = ['Caf\u00e9 "quoted", with \\ and \u2019', "two\nlines\r\n", "\U0001f333", "", None]
    numbers = [53.800755, -1.549077, 0.1 + 0.2, 1 / 3, 1e-07, 1234567.8949999999, 12345.25, None]
    table = Table(
        "driver_query_values",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("words", String),
        Column("number", Float),
        Column("count", BigInteger),
    )
    rows = [
        (index, texts[index % len(texts)], numbers[index % len(numbers)], 2**53 + index)
        for index in range(1, 61)
    ]
    with app.app_context():
        connection = db.session.connection()
        try:  # the table and its rows go with the transaction
            table.create(connection)
            names = ("id", "words", "number", "count")
            connection.execute(insert(table), [dict(zip(names, row, strict=True)) for row in rows])
            query = DriverQuery(connection, select(table).order_by(table.c.id.desc()))
            try:
                assert [tuple(row) for row in query.rows()] == rows[::-1]
            finally:
                query.close()
        finally:
            db.session.rollback()


def test_a_driver_query_is_seen_by_the_engine_s_listeners_and_fails_as_sqlalchemy_does(
    app, make_initiative
):
    """What goes to the driver itself is no blind spot: the listeners of every statement (a
    web request's deadline, the statement counts of tests) see each run, and a failure at
    the database comes as SQLAlchemy's error, as any other statement's would."""
    from sqlalchemy import Column, Integer, MetaData, Table, select, text
    from sqlalchemy.exc import DBAPIError

    from app.database import DriverQuery
    from app.initiatives.models import Initiative
    from tests.support.queries import count_queries

    make_initiative()
    with app.app_context():
        connection = db.session.connection()
        query = DriverQuery(connection, select(Initiative.id).where(Initiative.id > 0))
        with count_queries(app) as statements:
            assert len(query.rows()) == 1
            query.rows()
        query.close()
        sent = query.in_one_step[0] if query.in_one_step else query.sql
        assert statements == [sent, sent]

        gone = Table("driver_query_gone", MetaData(), Column("id", Integer))
        gone.create(connection)
        query = DriverQuery(connection, select(gone.c.id))
        connection.execute(text("DROP TABLE driver_query_gone"))
        try:
            with pytest.raises(DBAPIError) as failure:
                query.rows()
            assert "driver_query_gone" in str(failure.value)
        finally:
            query.close()
        db.session.rollback()
