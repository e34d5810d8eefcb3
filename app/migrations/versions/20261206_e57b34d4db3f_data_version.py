"""data version: one row bumped with every public change, what cached outputs are keyed by

Revision ID: e57b34d4db3f
Revises: c7e1a5d0b3f2
Create Date: 2026-12-06 02:50:00.000000

"""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e57b34d4db3f"
down_revision = "c7e1a5d0b3f2"
branch_labels = None
depends_on = None


def upgrade():
    data_version = op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("stamp", sa.String(length=32), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    now = datetime.now(UTC)
    if op.get_bind().dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # stored as UTC without an offset, as the app does
    op.bulk_insert(
        data_version, [{"id": 1, "version": 1, "stamp": uuid.uuid4().hex, "changed_at": now}]
    )


def downgrade():
    op.drop_table("data_version")
