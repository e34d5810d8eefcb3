"""The database: migrations from empty match the models, on SQLite and PostgreSQL."""

from __future__ import annotations

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
