"""Facet counts and totals from the bitmaps equal a plain GROUP BY, whatever the data and filter.

Random (seeded) initiatives and random filter combinations; checked again after edits, hides,
deletes, an import and a restore. Periods are drawn with ends mid-month, on a month's first and
last days, open at either end and at the ends of the calendar, over initiatives with and
without start and end dates, some first published just after a local midnight.
``app.shared_filters.query.facet_counts`` (one GROUP BY per facet over the published
initiatives) is the reference.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

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
PERIOD_DAYS = (
    date(2024, 6, 15),  # mid-month
    date(2025, 3, 17),
    date(2024, 6, 30),  # a month's last and first days
    date(2024, 7, 1),
    date(2025, 2, 28),
    date(2025, 3, 1),
    date(2025, 12, 31),
    date(2026, 1, 1),
    date(2030, 1, 1),
    date(1, 1, 1),  # the ends of the calendar
    date(9999, 12, 31),
)
# First publications of initiatives with no start date: in summer time (BST), 23:30 UTC is
# already the next day in London; in winter it is not.
PUBLISHED_AT = (
    datetime(2024, 6, 30, 23, 30, tzinfo=UTC),  # 1 July in London
    datetime(2024, 6, 30, 22, 59, 59, 999999, tzinfo=UTC),  # 30 June, a moment before midnight
    datetime(2024, 6, 30, 23, 0, tzinfo=UTC),  # 1 July, at midnight
    datetime(2025, 2, 28, 23, 30, tzinfo=UTC),  # 28 February (GMT)
    datetime(2025, 12, 31, 23, 59, tzinfo=UTC),
    datetime(2026, 1, 1, 0, 0, tzinfo=UTC),
)


def dialect(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


def random_day(rng: random.Random, first: date, days: int) -> date:
    """A day from ``first`` on, or now and then one of the periods' ends (PERIOD_DAYS)."""
    if rng.random() < 0.3:
        return rng.choice(PERIOD_DAYS[:-2])
    return first + timedelta(days=rng.randrange(days))


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
        started = random_day(rng, date(2024, 1, 1), 700)
        content["started_on"] = started.isoformat()
        if rng.random() < 0.5:
            ended = max(started, random_day(rng, started, 400))
            content["ended_on"] = ended.isoformat()
    elif rng.random() < 0.25:  # an end date with no start date
        content["ended_on"] = random_day(rng, date(2024, 1, 1), 900).isoformat()
    if rng.random() < 0.7:
        content["latitude"] = round(53.7 + rng.random() * 0.2, 5)
        content["longitude"] = round(-1.7 + rng.random() * 0.2, 5)
        content["location_precision"] = "exact"
    return content


def random_period(rng: random.Random) -> tuple[date | None, date | None]:
    """No period (mostly), one open at either end, or both ends: a day of PERIOD_DAYS or any."""

    def day() -> date:
        if rng.random() < 0.5:
            return rng.choice(PERIOD_DAYS)
        return date(2023, 10, 1) + timedelta(days=rng.randrange(1200))

    shape = rng.random()
    if shape < 0.55:
        return None, None
    if shape < 0.7:
        return day(), None
    if shape < 0.85:
        return None, day()
    start, end = sorted((day(), day()))
    return start, end


def random_filter(rng: random.Random, themes: list[str], places: list[str]) -> InitiativeFilter:
    def some(values: list[str]) -> tuple[str, ...]:
        if rng.random() < 0.55:
            return ()
        return tuple(sorted(rng.sample(values, k=rng.choice((1, 1, 2)))))

    active_from, active_to = random_period(rng)
    return InitiativeFilter(
        q=rng.choice(WORDS) if rng.random() < 0.2 else "",
        themes=some(themes),
        stages=some(list(STAGES)),
        sectors=some(list(SECTORS)),
        neighbourhoods=some(places),
        statuses=some(list(STATUSES)),
        verified=rng.random() < 0.2,
        bbox=rng.choice(BOXES) if rng.random() < 0.2 else None,
        active_from=active_from,
        active_to=active_to,
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
    """About 50 initiatives, some unpublished, some verified, in four neighbourhoods, with
    and without start and end dates, some published on the days of PUBLISHED_AT."""
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
            initiative = db.session.get(Initiative, initiative_id)
            if content.get("outcomes") and rng.random() < 0.6:
                initiative.outcomes[0].verified_at = utcnow()
            if state == "published" and rng.random() < 0.5:  # published on another day
                initiative.published_at = rng.choice(PUBLISHED_AT)
            db.session.commit()
        for moment in PUBLISHED_AT:  # with no dates: the day of publication counts
            undated_id = create_test_initiative(neighbourhood_id=places[0])
            db.session.get(Initiative, undated_id).published_at = moment
            db.session.commit()
    return rng


def test_counts_and_totals_equal_a_group_by(app, random_site):
    assert_same_as_group_by(app, seed=1)


def test_period_totals_equal_a_plain_count_for_every_pair_of_ends(app, random_site):
    """Every period between the days of PERIOD_DAYS, or open at either end: mid-month, on a
    month's edges, on the days of first publication just before and after a local midnight."""
    ends = (None, *PERIOD_DAYS)
    with app.app_context():
        for start in ends:
            for end in ends:
                if start and end and end < start:
                    continue
                period = InitiativeFilter(active_from=start, active_to=end)
                assert summarise(period).total == plain_total(period), period


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


def test_a_patch_changes_no_bitmap_in_place_and_shares_the_untouched(app, random_site):
    """Requests still reading the bitmaps from before a change see them whole: a patch makes
    new bitmaps where the change is, and shares the rest with the bitmaps before."""
    from pyroaring import BitMap

    from app.shared_filters.facet_index import current_facet_index

    with app.app_context():
        before = current_facet_index()
        copies = {
            name: {v: BitMap(b) for v, b in found.items()} for name, found in before.values.items()
        }
        published, verified = BitMap(before.published), BitMap(before.verified)
        themes = list(db.session.scalars(select(Theme.slug)))
        initiative = db.session.scalars(
            published_only(select(Initiative)).order_by(Initiative.id)
        ).first()
        apply_content(initiative, random_content(random_site, themes))
        db.session.commit()
        after = current_facet_index()
        assert after is not before
        assert before.published == published and before.verified == verified
        assert {
            n: {v: BitMap(b) for v, b in f.items()} for n, f in before.values.items()
        } == copies
        shared = [
            found
            for name, values in after.values.items()
            for value, found in values.items()
            if found is before.values[name].get(value)
        ]
        assert shared and all(initiative.id not in found for found in shared)
    assert_same_as_group_by(app, seed=13, rounds=10)


def test_a_changed_period_is_counted_once_the_facet_version_moves(app, random_site, monkeypatch):
    """Editing the start or end date, hiding, publishing again and deleting move an initiative
    in and out of a period: read into the bitmaps by day from the change log alone."""
    march = InitiativeFilter(active_from=date(2025, 3, 1), active_to=date(2025, 3, 31))
    with app.app_context():
        place = create_test_neighbourhood(name="Period place", slug="period-place")
        initiative_id = create_test_initiative(
            neighbourhood_id=place, started_on="2020-01-01", ended_on="2020-12-31"
        )
        summarise(march)  # the bitmaps, kept
    monkeypatch.setattr(
        "app.shared_filters.facet_index.build_facet_index",
        lambda *_args, **_kwargs: pytest.fail("read everything again for one change"),
    )
    steps = (
        ({"started_on": date(2025, 3, 31), "ended_on": None}, True),  # starts on the last day
        ({"ended_on": date(2025, 2, 28)}, False),  # ended the day before
        ({"ended_on": date(2025, 3, 1)}, True),  # ended on the first day
        ({"started_on": date(2025, 4, 1)}, False),  # started the day after
        # No start date: the day of first publication in London (BST from 30 March).
        ({"started_on": None, "published_at": datetime(2025, 3, 31, 23, 0, tzinfo=UTC)}, False),
        ({"published_at": datetime(2025, 3, 31, 22, 59, 59, tzinfo=UTC)}, True),
        ({"published_at": None}, False),  # neither: it never started, as the SQL has it
        ({"published_at": datetime(2025, 3, 1, tzinfo=UTC)}, True),
        ({"state": "hidden"}, False),
        ({"state": "published"}, True),
        (None, False),  # deleted
    )
    for change, counted in steps:
        with app.app_context():
            before = read_facet_version(db.session.connection())
            initiative = db.session.get(Initiative, initiative_id)
            if change is None:
                db.session.delete(initiative)
            for name, value in (change or {}).items():
                setattr(initiative, name, value)
            db.session.commit()
            assert read_facet_version(db.session.connection()) > before
            summary = summarise(march)
            assert (initiative_id in summary.matches) is counted, change
            assert summary.total == plain_total(march), change
    assert_same_as_group_by(app, seed=13, rounds=20)
