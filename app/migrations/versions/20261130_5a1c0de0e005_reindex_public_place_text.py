"""reindex search: street precision no longer indexes house numbers or full postcodes

Revision ID: 5a1c0de0e005
Revises: 5a1c0de0e004
Create Date: 2026-11-30 12:00:00.000000

The search index held the place as typed; the public place text now drops house numbers, flats
and a postcode's inward half at street precision. Each published initiative is indexed again
with the search text of app/search/services.py and the street rule of
app/initiatives/public.py as they were then, copied here: a migration must not change when the
app's code does.
"""

import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5a1c0de0e005"
down_revision = "5a1c0de0e004"
branch_labels = None
depends_on = None

BATCH = 500
SECTORS = {
    "residents": "Residents",
    "volunteers": "Volunteers",
    "voluntary": "Voluntary organisation",
    "council": "Council",
    "police": "Police",
    "health": "Health",
    "school": "School",
    "housing": "Housing",
    "business": "Business",
    "other": "Other",
}
# Which door, not which street: "Flat 3", "Unit 2b", "Apartment C", "14", "14a", "No. 14",
# "14-16", "3/14", in any order before the street's name.
DOOR = re.compile(
    r"^(?:(?:flat|apartment|apt|unit|suite|room|studio|maisonette)"
    r"(?:\.?\s*\d+[a-z]?|(?:\.\s*|\s+)[a-z])\b"
    r"|(?:no\.?\s*)?\d+[a-z]?(?:\s*[-–/]\s*\d+[a-z]?)?\b)[\s,]*",
    re.IGNORECASE,
)
# A house number after the street's name, as some write it: "Hidden Lane 14".
TRAILING_NUMBER = re.compile(r"\s+(?:no\.?\s*)?\d+[a-z]?$", re.IGNORECASE)
# A full UK postcode ("LS6 2AB", "EC1A1BB"): its outward half names a district, the rest a street.
POSTCODE = re.compile(r"\b([a-z]{1,2}\d[a-z\d]?)\s*\d[a-z]{2}\b", re.IGNORECASE)


def street_place_text(text):
    """Place text without the door: house and flat numbers go, a postcode keeps its district."""
    parts = []
    for part in text.split(","):
        part = POSTCODE.sub(lambda match: match.group(1).upper(), part.strip())
        while DOOR.match(part):
            part = DOOR.sub("", part, count=1)
        part = TRAILING_NUMBER.sub("", part)
        if part.strip():
            parts.append(part.strip())
    return ", ".join(parts)


def public_place_name(precision, place_name):
    """The place text people may read at its precision."""
    if precision == "exact":
        return place_name
    if precision == "street":
        return street_place_text(place_name)
    return ""


def columns(*names):
    return [sa.column(name) for name in names]


initiative = sa.table(
    "initiative",
    *columns("id", "state", "title", "summary", "description"),
    *columns("place_name", "location_precision", "neighbourhood_id"),
)
neighbourhood = sa.table("neighbourhood", *columns("id", "name"))
participant = sa.table(
    "participant", *columns("id", "initiative_id", "position", "name", "sector")
)
outcome = sa.table(
    "outcome", *columns("id", "initiative_id", "position", "description", "indicator", "unit")
)
WRITE = {
    "sqlite": "INSERT INTO initiative_fts "
    "(rowid, title, summary, description, place, participants, outcomes) "
    "VALUES (:id, :title, :summary, :description, :place, :participants, :outcomes)",
    "postgresql": "UPDATE initiative SET search_vector = "
    "setweight(to_tsvector('english', :title), 'A') || "
    "setweight(to_tsvector('english', :summary), 'B') || "
    "to_tsvector('english', :description || ' ' || :place || ' ' || :participants "
    "|| ' ' || :outcomes) WHERE id = :id",
}
EMPTY = {
    "sqlite": "DELETE FROM initiative_fts",
    "postgresql": "UPDATE initiative SET search_vector = NULL",
}


def upgrade():
    connection = op.get_bind()
    dialect = connection.dialect.name
    connection.execute(sa.text(EMPTY[dialect]))
    last_id = 0
    while True:
        published = connection.execute(
            sa.select(initiative, neighbourhood.c.name.label("neighbourhood_name"))
            .outerjoin(neighbourhood, neighbourhood.c.id == initiative.c.neighbourhood_id)
            .where(initiative.c.state == "published", initiative.c.id > last_id)
            .order_by(initiative.c.id)
            .limit(BATCH)
        ).all()
        if not published:
            return
        last_id = published[-1].id
        texts = related_texts(connection, [row.id for row in published])
        for row in published:
            place = public_place_name(row.location_precision, row.place_name)
            connection.execute(
                sa.text(WRITE[dialect]),
                {
                    "id": row.id,
                    "title": row.title,
                    "summary": row.summary,
                    "description": row.description,
                    "place": " ".join(filter(None, [place, row.neighbourhood_name])),
                    "participants": " ".join(texts["participants"].get(row.id, [])),
                    "outcomes": " ".join(texts["outcomes"].get(row.id, [])),
                },
            )


def related_texts(connection, initiative_ids):
    """The searchable text of these initiatives' participants and outcomes, in their order."""
    texts: dict[str, dict[int, list[str]]] = {"participants": {}, "outcomes": {}}
    for kind, table, words in (
        ("participants", participant, lambda row: f"{row.name} {SECTORS.get(row.sector, '')}"),
        ("outcomes", outcome, lambda row: f"{row.description} {row.indicator} {row.unit}"),
    ):
        rows = connection.execute(
            sa.select(table)
            .where(table.c.initiative_id.in_(initiative_ids))
            .order_by(table.c.initiative_id, table.c.position, table.c.id)
        )
        for row in rows:
            texts[kind].setdefault(row.initiative_id, []).append(words(row))
    return texts


def downgrade():
    # The older index text was less private; keep the new one.
    pass
