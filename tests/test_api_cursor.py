"""The API's cursor walks every match once, ties and undated rows included, by keyset."""

from __future__ import annotations

from sqlalchemy import select, update

from app.extensions import db
from app.initiatives.models import Initiative
from app.timeutil import utcnow


def walk(client, url: str) -> list[int]:
    seen: list[int] = []
    while url:
        answer = client.get(url).json
        seen += [item["id"] for item in answer["items"]]
        url = answer["next"]
    return seen


def test_every_page_follows_the_last_with_ties_and_undated_rows(app, client, make_initiative):
    made = [make_initiative(title=f"Walk {number}") for number in range(7)]
    with app.app_context():
        moment = utcnow()
        db.session.execute(  # three share one moment: the id breaks the tie
            update(Initiative).where(Initiative.id.in_(made[:3])).values(published_at=moment)
        )
        db.session.execute(  # published before publication times were kept
            update(Initiative).where(Initiative.id == made[3]).values(published_at=None)
        )
        db.session.commit()
        expected = list(
            db.session.scalars(
                select(Initiative.id).order_by(
                    Initiative.published_at.desc().nulls_last(), Initiative.id.desc()
                )
            )
        )
    for limit in (1, 2, 3, 7, 8):
        assert walk(client, f"/api/v1/initiatives?limit={limit}") == expected, limit


def test_a_deep_cursor_reads_one_index_range(app):
    """No ``OR published_at IS NULL``: the page's query is a range over the index."""
    from app.api.paging import page_after
    from app.initiatives.public import published_initiatives

    with app.app_context():
        query = page_after(published_initiatives(), (utcnow(), 10), 21)
        sql = str(query.compile(db.engine)).upper()
    assert "IS NULL" not in sql


def test_the_first_page_reads_one_index_range_too(app):
    """No ``NULLS LAST`` on the first page: PostgreSQL's (state, published_at) index cannot
    give that order, so it read and sorted every match (155 ms at 100,000 against 29)."""
    from app.api.paging import page_after
    from app.initiatives.public import published_initiatives

    with app.app_context():
        sql = str(page_after(published_initiatives(), None, 21).compile(db.engine)).upper()
    assert "NULLS" not in sql and "IS NOT NULL" in sql
