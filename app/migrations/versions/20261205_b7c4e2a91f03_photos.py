"""photos of initiatives; reports can name a photo and be urgent

Revision ID: b7c4e2a91f03
Revises: ca554f40a60b
Create Date: 2026-12-05 14:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "b7c4e2a91f03"
down_revision = "ca554f40a60b"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("alt", sa.String(length=300), nullable=False),
        sa.Column("caption", sa.String(length=300), nullable=False),
        sa.Column("credit", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("review", sa.String(length=16), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("raw_key", sa.String(length=200), nullable=True),
        sa.Column("source_format", sa.String(length=16), nullable=False),
        sa.Column("stem", sa.String(length=64), nullable=True),
        sa.Column("sizes", sa.JSON(), nullable=False),
        sa.Column("public_copies", sa.Boolean(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiative.id"],
            name=op.f("fk_photo_initiative_id_initiative"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["user.id"],
            name=op.f("fk_photo_uploaded_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo")),
        sa.UniqueConstraint("stem", name=op.f("uq_photo_stem")),
    )
    with op.batch_alter_table("photo", schema=None) as batch_op:
        batch_op.create_index("ix_photo_initiative", ["initiative_id", "position"], unique=False)
        batch_op.create_index(batch_op.f("ix_photo_uploaded_by_id"), ["uploaded_by_id"])

    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("photo_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("priority", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_report_photo_id_photo"),
            "photo",
            ["photo_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_report_photo_id_photo"), type_="foreignkey")
        batch_op.drop_column("priority")
        batch_op.drop_column("photo_id")
    with op.batch_alter_table("photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_photo_uploaded_by_id"))
        batch_op.drop_index("ix_photo_initiative")
    op.drop_table("photo")
