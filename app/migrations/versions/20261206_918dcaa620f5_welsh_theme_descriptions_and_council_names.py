"""welsh theme descriptions and council names: a theme's description and a neighbourhood's
local authority in Welsh, shown on the Welsh pages; the default themes get theirs

Revision ID: 918dcaa620f5
Revises: 849c27f4eadf
Create Date: 2026-12-07 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "918dcaa620f5"
down_revision = "849c27f4eadf"
branch_labels = None
depends_on = None

# The default themes' descriptions in Welsh, given to those whose English description is
# still the default one (an admin's own description is theirs to translate).
DEFAULT_THEME_WELSH_DESCRIPTIONS = {
    "safety": (
        "Residents and the police making streets safer.",
        "Trigolion a'r heddlu yn gwneud strydoedd yn fwy diogel.",
    ),
    "health": (
        "Residents and the NHS looking after each other's health.",
        "Trigolion a'r GIG yn gofalu am iechyd ei gilydd.",
    ),
    "education": (
        "Residents and schools helping children learn.",
        "Trigolion ac ysgolion yn helpu plant i ddysgu.",
    ),
    "sustainability": (
        "Residents and the council caring for places.",
        "Trigolion a'r cyngor yn gofalu am leoedd.",
    ),
}


def upgrade():
    with op.batch_alter_table("theme", recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("description_cy", sa.String(length=500), server_default="", nullable=False)
        )
    with op.batch_alter_table("neighbourhood", recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column(
                "local_authority_cy", sa.String(length=200), server_default="", nullable=False
            )
        )
    theme = sa.table(
        "theme",
        sa.column("slug", sa.String),
        sa.column("description", sa.String),
        sa.column("description_cy", sa.String),
    )
    for slug, (english, welsh) in DEFAULT_THEME_WELSH_DESCRIPTIONS.items():
        op.execute(
            theme.update()
            .where(
                theme.c.slug == slug,
                theme.c.description == english,
                theme.c.description_cy == "",
            )
            .values(description_cy=welsh)
        )


def downgrade():
    # Never recreate the tables: SQLite drops a plain column in place (see c7e1a5d0b3f2).
    with op.batch_alter_table("neighbourhood", recreate="never") as batch_op:
        batch_op.drop_column("local_authority_cy")
    with op.batch_alter_table("theme", recreate="never") as batch_op:
        batch_op.drop_column("description_cy")
