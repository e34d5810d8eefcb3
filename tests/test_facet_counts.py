"""Facet counts and totals from the bitmaps equal a plain GROUP BY, whatever the data and filter.

Random (seeded) initiatives and random filter combinations; checked again after edits, hides,
deletes, an import and a restore. ``app.shared_filters.query.facet_counts`` (one GROUP BY per
facet over the published initiatives) is the reference.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.extensions import db
from app.imports.services import import_initiatives
from app.initiatives.content import apply_content
from app.initiatives.models import Initiative
from app.initiatives.public import published_only
from app.initiatives.vocabulary import SECTORS, STAGES, STATUSES
from app.shared_filters.facet_index import forget_facet_index, summarise
from app.shared_filters.facet_version import read_facet_version
from app.shared_filters.parse import FACETS, InitiativeFilter
from app.shared_filters.query import apply_filters, facet_counts
from app.themes.models import Theme
from app.timeutil import utcnow
from tests.factories import create_test_initiative, create_test_neighbourhood, create_test_user
from tests.support.backup_targets import empty_database

pytestmark = pytest.mark.timeout(600)  # many writes, each followed by a full comparison
WORDS = ("garden", "repair", "walk", "library")
BOXES = ((-1.7, 53.7, -1.5, 53.9), (-1.6, 53.75, -1.55, 53.85))
PERIOD_ENDS = (date(2024, 6, 1), date(2025, 3, 1), date(2026, 1, 1), date(2030, 1, 1))


def dialect(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


def random_content(rng: random.Random, themes: list[str]) -> dict:
    content = {
        "title": f"{rng.choice(WORDS).title()} group {rng.randrange(1000)}",
        "themes": rng.sample(themes, k=rng.choice((1, 1, 2))),
        "stages": rng.sample(list(STAGES), k=rng.choice((1, 2))),
        "status": rng.choice(list(STATUSES)),
        "participants": [
            {"sector": sector, "name": f"{sector} partner"}
            for sector in rng.sample(list(SECTORS), k=rng.choice((0, 1, 2)))
        ],
    }
    if rng.random() < 0.6:
        started = date(2024, 1, 1) + timedelta(days=rng.randrange(700))
        content["started_on"] = started.isoformat()
        if rng.random() < 0.5:
            content["ended_on"] = (started + timedelta(days=rng.randrange(400))).isoformat()
    if rng.random() < 0.7:
        content["latitude"] = round(53.7 + rng.random() * 0.2, 5)
        content["longitude"] = round(-1.7 + rng.random() * 0.2, 5)
        content["location_precision"] = "exact"
    return content


def random_filter(rng: random.Random, themes: list[str], places: list[str]) -> InitiativeFilter:
    def some(values: list[str]) -> tuple[str, ...]:
        if rng.random() < 0.55:
            return ()
        return tuple(sorted(rng.sample(values, k=rng.choice((1, 1, 2)))))

    return InitiativeFilter(
        q=rng.choice(WORDS) if rng.random() < 0.2 else "",
        themes=some(themes),
        stages=some(list(STAGES)),
        sectors=some(list(SECTORS)),
        neighbourhoods=some(places),
        statuses=some(list(STATUSES)),
        verified=rng.random() < 0.2,
        bbox=rng.choice(BOXES) if rng.random() < 0.2 else None,
        active_from=rng.choice(PERIOD_ENDS) if rng.random() < 0.2 else None,
        active_to=rng.choice(PERIOD_ENDS) if rng.random() < 0.2 else None,
    )


def plain_total(initiative_filter: InitiativeFilter) -> int:
    query = apply_filters(published_only(select(func.count(Initiative.id))), initiative_filter)
    return db.session.scalar(query) or 0


def assert_same_as_group_by(app, seed: int, rounds: int = 40) -> None:
    rng = random.Random(seed)
    with app.app_context():
        themes = list(db.session.scalars(select(Theme.slug)))
        places = [f"place-{number}" for number in range(4)] + ["nowhere"]
        for _ in range(rounds):
            initiative_filter = random_filter(rng, themes, places)
            summary = summarise(initiative_filter)
            expected = facet_counts(initiative_filter)
            for facet in FACETS:
                want = {value: count for value, count in expected[facet].items() if count}
                got = {value: count for value, count in summary.counts[facet].items() if count}
                assert got == want, (initiative_filter, facet)
            assert summary.total == plain_total(initiative_filter), initiative_filter


@pytest.fixture
def random_site(app):
    """About 50 initiatives, some unpublished, some verified, in four neighbourhoods."""
    rng = random.Random(18)
    with app.app_context():
        forget_facet_index()
        themes = list(db.session.scalars(select(Theme.slug)))
        places = [
            create_test_neighbourhood(name=f"Place {number}", slug=f"place-{number}")
            for number in range(4)
        ]
        for _ in range(50):
            content = random_content(rng, themes)
            if rng.random() < 0.15:
                content["outcomes"] = [{"description": "Walks", "indicator": "walks"}]
            state = rng.choice(("published",) * 5 + ("pending", "draft"))
            initiative_id = create_test_initiative(
                state=state, neighbourhood_id=rng.choice(places), **content
            )
            if content.get("outcomes") and rng.random() < 0.6:
                initiative = db.session.get(Initiative, initiative_id)
                initiative.outcomes[0].verified_at = utcnow()
                db.session.commit()
    return rng


def test_counts_and_totals_equal_a_group_by(app, random_site):
    assert_same_as_group_by(app, seed=1)


def test_counts_follow_edits_hides_and_deletes(app, random_site):
    rng = random_site
    assert_same_as_group_by(app, seed=2, rounds=5)
    with app.app_context():
        themes = list(db.session.scalars(select(Theme.slug)))
        ids = list(db.session.scalars(select(Initiative.id).order_by(Initiative.id)))
        for initiative_id in rng.sample(ids, k=10):  # edits
            initiative = db.session.get(Initiative, initiative_id)
            apply_content(initiative, random_content(rng, themes))
        db.session.commit()
    assert_same_as_group_by(app, seed=3, rounds=15)
    with app.app_context():
        for initiative_id in rng.sample(ids, k=8):  # hides
            db.session.get(Initiative, initiative_id).state = "hidden"
        db.session.commit()
    assert_same_as_group_by(app, seed=4, rounds=15)
    with app.app_context():
        for initiative_id in rng.sample(ids, k=8):  # deletes
            initiative = db.session.get(Initiative, initiative_id)
            if initiative is not None:
                db.session.delete(initiative)
        db.session.commit()
    assert_same_as_group_by(app, seed=5, rounds=15)
    with app.app_context():
        theme = db.session.scalars(select(Theme)).first()
        theme.slug = "renamed-theme"  # a renamed facet value
        db.session.commit()
    assert_same_as_group_by(app, seed=6, rounds=15)


def test_counts_follow_an_import(app, random_site):
    assert_same_as_group_by(app, seed=7, rounds=5)
    csv = (
        b"external_id,title,summary,themes,stages,neighbourhood,status\n"
        b"F-1,Garden share,Growing together.,health,co-design,Place 1,ended\n"
        b"F-2,Repair walk,Fixing together.,safety;health,co-delivery,Place 2,active\n"
    )
    with app.app_context():
        officer = db.session.get(User, create_test_user(role="admin").id)
        report = import_initiatives(csv, "f.csv", officer, "published", True, geocode_budget=0)
        assert not report.rejected
    assert_same_as_group_by(app, seed=8)


def test_counts_follow_a_restore(app, random_site, tmp_path):
    assert_same_as_group_by(app, seed=9, rounds=5)
    path = tmp_path / "site.json"
    assert app.test_cli_runner().invoke(args=["export", str(path)]).exit_code == 0
    with empty_database(dialect(app), tmp_path / "target") as target:
        with target.app_context():
            before = read_facet_version(db.session.connection())
            summarise(InitiativeFilter())  # bitmaps of the empty site, kept
            db.session.remove()
        result = target.test_cli_runner().invoke(args=["import", str(path)])
        assert result.exit_code == 0, result.output
        with target.app_context():
            assert read_facet_version(db.session.connection()) > before
            assert summarise(InitiativeFilter()).total > 0
            db.session.remove()
        assert_same_as_group_by(target, seed=10)


def test_a_flushed_change_is_counted_in_its_transaction_only(app, random_site):
    with app.app_context():
        total = summarise(InitiativeFilter()).total
        initiative = db.session.scalars(
            published_only(select(Initiative)).order_by(Initiative.id)
        ).first()
        initiative.state = "hidden"
        db.session.flush()
        assert summarise(InitiativeFilter()).total == total - 1
        db.session.rollback()
        assert summarise(InitiativeFilter()).total == total


def test_an_edit_is_read_into_the_bitmaps_without_reading_everything(
    app, random_site, monkeypatch
):
    assert_same_as_group_by(app, seed=11, rounds=3)

    def refused(*_args, **_kwargs):
        raise AssertionError("read everything again for one edit")

    monkeypatch.setattr("app.shared_filters.facet_index.build_facet_index", refused)
    with app.app_context():
        themes = list(db.session.scalars(select(Theme.slug)))
        ids = list(db.session.scalars(select(Initiative.id).order_by(Initiative.id)))
        for initiative_id in ids[:3]:
            initiative = db.session.get(Initiative, initiative_id)
            apply_content(initiative, random_content(random_site, themes))
            initiative.state = "published"
        db.session.delete(db.session.get(Initiative, ids[3]))
        db.session.commit()
    assert_same_as_group_by(app, seed=12, rounds=20)
