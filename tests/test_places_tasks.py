"""Pending places are looked up by the worker after the save, never in the request; a failed
look-up is retried; the periodic sweep looks up what is left."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.initiatives.models import Initiative
from app.places.tasks import FLUSH_LIMIT, sweep_pending_places
from tests.support.fake_nominatim import FakeNominatim, use_nominatim


@pytest.fixture
def pending_place(make_initiative, make_neighbourhood):
    """An initiative in east London whose place name waits to be looked up (offline)."""

    def make(place_name: str) -> int:
        east_london = make_neighbourhood(latitude=51.52, longitude=-0.04)
        return make_initiative(
            place_name=place_name, location_state="pending", neighbourhood_id=east_london
        )

    return make


def states(app, *initiative_ids: int) -> list[str]:
    with app.app_context():
        return [db.session.get(Initiative, i).location_state for i in initiative_ids]


def test_a_pending_place_is_queued_after_the_save_and_looked_up_by_the_worker(
    app, pending_place, paused_queue
):
    initiative_id = pending_place("Bethnal Green")
    assert states(app, initiative_id) == ["pending"]  # the request leaves it for the worker
    (task,) = paused_queue.pending()
    assert (task.name, task.args) == ("look_up_pending_place", (initiative_id,))
    assert paused_queue.run() == 1
    assert states(app, initiative_id) == ["set"]


def test_a_place_with_its_point_queues_nothing(make_initiative, paused_queue):
    make_initiative(place_name="Bethnal Green", latitude=51.52, longitude=-0.06)
    assert paused_queue.pending() == []


def test_a_lookup_during_an_outage_is_retried_later(app, pending_place, paused_queue, monkeypatch):
    with FakeNominatim() as fake:
        use_nominatim(app, monkeypatch, fake.domain)
        fake.mode = "unavailable"
        initiative_id = pending_place("Bethnal Green")
        paused_queue.run()
    assert states(app, initiative_id) == ["pending"]
    (retry,) = paused_queue.huey.scheduled()  # with backoff, not at once
    assert retry.args == (initiative_id,) and retry.retries == 5


def test_a_bulk_of_pending_places_is_left_to_the_sweep(app, paused_queue):
    from tests.factories import create_test_neighbourhood

    with app.app_context():
        neighbourhood_id = create_test_neighbourhood(latitude=51.52, longitude=-0.04)
        initiatives = [
            Initiative(
                title=f"Import row {number}",
                slug=f"import-row-{number}",
                state="published",
                neighbourhood_id=neighbourhood_id,
                place_name="Bethnal Green",
                location_state="pending",
            )
            for number in range(FLUSH_LIMIT + 1)
        ]
        db.session.add_all(initiatives)
        db.session.commit()  # one flush, as an import writes a batch
        ids = [initiative.id for initiative in initiatives]
    assert paused_queue.pending() == []  # not one task per row of an import
    with app.app_context():
        result = sweep_pending_places.call_local()
        assert result["located"] == FLUSH_LIMIT + 1
        assert set(db.session.scalars(select(Initiative.location_state))) == {"set"}
    assert len(ids) == FLUSH_LIMIT + 1
