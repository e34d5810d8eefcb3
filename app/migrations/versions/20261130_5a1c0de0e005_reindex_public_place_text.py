"""reindex search: street precision no longer indexes house numbers or full postcodes

Revision ID: 5a1c0de0e005
Revises: 5a1c0de0e004
Create Date: 2026-11-30 12:00:00.000000

"""

from alembic import op
from sqlalchemy.orm import Session

# revision identifiers, used by Alembic.
revision = "5a1c0de0e005"
down_revision = "5a1c0de0e004"
branch_labels = None
depends_on = None


def upgrade():
    # The search index held the place as typed; the public place text now drops house
    # numbers, flats and a postcode's inward half at street precision. Index it again.
    from app.search.services import reindex_all

    session = Session(bind=op.get_bind())
    reindex_all(session)
    session.flush()
    session.close()


def downgrade():
    # The older index text was less private; keep the new one.
    pass
