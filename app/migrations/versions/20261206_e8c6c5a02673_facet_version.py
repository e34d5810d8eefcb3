"""facet version: one counter bumped with every change the lists count, so that the facet
bitmaps each process keeps in memory are read again when it changes, and the log of changed
initiatives that lets it catch up without reading everything again

Revision ID: e8c6c5a02673
Revises: e52d779dde5e
Create Date: 2026-12-06 02:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e8c6c5a02673"
down_revision = "e52d779dde5e"
branch_labels = None
depends_on = None


def upgrade():
    facet_version = op.create_table(
        "facet_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facet_version")),
    )
    op.bulk_insert(facet_version, [{"id": 1, "version": 0}])
    op.create_table(
        "facet_change",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("initiative_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facet_change")),
    )


def downgrade():
    op.drop_table("facet_change")
    op.drop_table("facet_version")
