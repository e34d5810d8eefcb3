"""welsh content and user locale: an initiative's language and Welsh version, Welsh names of
themes and neighbourhoods, the language a user's mail is written in

Revision ID: c7e1a5d0b3f2
Revises: b7c4e2a91f03
Create Date: 2026-12-05 14:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c7e1a5d0b3f2"
down_revision = "b7c4e2a91f03"
branch_labels = None
depends_on = None

# The default themes' Welsh names, given to those still without one.
DEFAULT_THEME_WELSH_NAMES = {
    "safety": "Diogelwch",
    "health": "Iechyd",
    "education": "Addysg",
    "sustainability": "Cynaliadwyedd",
}


def upgrade():
    with op.batch_alter_table("user", recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("locale", sa.String(length=8), server_default="en", nullable=False)
        )
    with op.batch_alter_table("initiative", recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=8), server_default="en", nullable=False)
        )
        batch_op.add_column(
            sa.Column("title_cy", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("summary_cy", sa.String(length=500), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("description_cy", sa.Text(), server_default="", nullable=False)
        )
    with op.batch_alter_table("theme", recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("name_cy", sa.String(length=80), server_default="", nullable=False)
        )
    with op.batch_alter_table("neighbourhood", recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("name_cy", sa.String(length=120), server_default="", nullable=False)
        )
    theme = sa.table("theme", sa.column("slug", sa.String), sa.column("name_cy", sa.String))
    for slug, name_cy in DEFAULT_THEME_WELSH_NAMES.items():
        op.execute(
            theme.update()
            .where(theme.c.slug == slug, theme.c.name_cy == "")
            .values(name_cy=name_cy)
        )


def downgrade():
    # Never recreate the tables (SQLite's batch default for dropping a column): dropping the
    # old initiative or user table would run its foreign keys' ON DELETE actions and take
    # participants, outcomes and map points with it. SQLite drops a plain column in place.
    with op.batch_alter_table("neighbourhood", recreate="never") as batch_op:
        batch_op.drop_column("name_cy")
    with op.batch_alter_table("theme", recreate="never") as batch_op:
        batch_op.drop_column("name_cy")
    with op.batch_alter_table("initiative", recreate="never") as batch_op:
        batch_op.drop_column("description_cy")
        batch_op.drop_column("summary_cy")
        batch_op.drop_column("title_cy")
        batch_op.drop_column("language")
    with op.batch_alter_table("user", recreate="never") as batch_op:
        batch_op.drop_column("locale")
