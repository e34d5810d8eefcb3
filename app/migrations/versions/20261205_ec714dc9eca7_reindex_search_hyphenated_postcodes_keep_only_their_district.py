"""reindex search: street precision drops a postcode's unit however its halves are set apart

Revision ID: ec714dc9eca7
Revises: 5c85177735a2
Create Date: 2026-12-05 14:30:00.000000

The street rule of app/initiatives/public.py changed after 7e33e1366f38 reindexed with it: a
full postcode whose halves are set apart by a hyphen or a dash ("LS5-3PT", "LS5 – 3PT") now
keeps only its district, as one written with spaces always did. Each published initiative is
indexed again with the search text of app/search/services.py and that street rule, copied
here: a migration must not change when the app's code does.
"""

import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "ec714dc9eca7"
down_revision = "5c85177735a2"
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
# Which door, not which street. A flat or unit ("Flat 3", "Unit 2b", "Apt. C", "Flat 1.2") and
# any number standing on its own ("14", "14a", "No. 14", "#14", "14-16", "3/14", "12 & 14"),
# wherever they stand. Numbers inside words stay: road numbers (A65), ordinals (1st), districts.
FLAT = re.compile(
    r"\b(?:flat|apartment|apt|unit|suite|room|studio|maisonette)"
    r"(?:\.?\s*\d+[a-z]?(?:\s*[-–/.]\s*\d+[a-z]?)*|(?:\.\s*|\s+)[a-z])(?!\w)",
    re.IGNORECASE,
)
NUMBER = re.compile(
    r"(?<!\w)(?:no\.?\s*|#\s*)?\d+[a-z]?(?:\s*[-–/&.]\s*\d+[a-z]?)*(?!\w)", re.IGNORECASE
)
# A full UK postcode ("LS6 2AB", "EC1A1BB", "ls5-3pt", "LS5 – 3PT"): its outward half names a
# district, the rest a street. Any spaces, hyphens or dashes may stand between the halves.
POSTCODE = re.compile(
    r"\b([a-z]{1,2}\d[a-z\d]?)[\s\-\u2010-\u2015\u2212]*\d[a-z]{2}\b", re.IGNORECASE
)
LEFTOVER = " \t,.;:&/#-–"
PLACEHOLDER = 0xE000  # Unicode's private use area: never typed, never a word character


def street_place_text(text):
    """Place text without the door: house and flat numbers go, a postcode keeps its district."""
    return ", ".join(filter(None, (without_door(part) for part in text.split(","))))


def without_door(part):
    districts = [match.group(1).upper() for match in POSTCODE.finditer(part)]
    # Each postcode waits as one private character (no digit for NUMBER to take).
    marks = iter(range(PLACEHOLDER, PLACEHOLDER + len(districts)))
    part = POSTCODE.sub(lambda _match: chr(next(marks)), part)
    part = NUMBER.sub(" ", FLAT.sub(" ", part))
    for index, district in enumerate(districts):
        part = part.replace(chr(PLACEHOLDER + index), district)
    return " ".join(part.split()).strip(LEFTOVER)


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
    # The older index text kept a hyphenated postcode's unit; keep the new one.
    pass
