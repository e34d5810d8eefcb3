"""The demo data: a lived-in site for `make run`, covering everything a visitor can see."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.initiatives.examples import example_text
from app.initiatives.links import contact_link
from app.initiatives.models import Initiative
from app.initiatives.public import published_initiatives
from app.initiatives.vocabulary import CREDITS, PRECISIONS, STAGES, STATES, STATUSES
from app.markdown import render_markdown
from app.moderation.models import Report, Revision
from app.neighbourhoods.models import Neighbourhood
from app.search.services import search_condition
from app.themes.models import Theme
from tests.factories import TEST_PASSWORD

GREAT_BRITAIN = {"latitude": (49.9, 60.9), "longitude": (-8.2, 1.8)}


@pytest.fixture
def demo(app):
    """Seed the whole demo: organisations, accounts and initiatives."""
    from app.demo.seed import seed_demo

    with app.app_context():
        seed_demo(password_for=lambda _role: TEST_PASSWORD)
        db.session.commit()
    return app


def published(app) -> list[Initiative]:
    return list(db.session.scalars(published_initiatives().order_by(Initiative.id)))


def test_neighbourhoods_are_real_places_in_britain(demo):
    with demo.app_context():
        neighbourhoods = db.session.scalars(select(Neighbourhood)).all()
        assert len(neighbourhoods) >= 8
        assert len({n.local_authority for n in neighbourhoods}) >= 8
        for neighbourhood in neighbourhoods:
            low, high = GREAT_BRITAIN["latitude"]
            assert low < neighbourhood.latitude < high, neighbourhood.name
            low, high = GREAT_BRITAIN["longitude"]
            assert low < neighbourhood.longitude < high, neighbourhood.name


def test_published_initiatives_cover_every_vocabulary(demo):
    with demo.app_context():
        initiatives = published(demo)
        assert len(initiatives) >= 40
        assert len({i.neighbourhood_id for i in initiatives}) >= 8
        assert {theme.slug for i in initiatives for theme in i.themes} == set(
            db.session.scalars(select(Theme.slug))
        )
        assert {stage for i in initiatives for stage in i.stages} == set(STAGES)
        assert {i.status for i in initiatives} == set(STATUSES)
        assert {i.credit for i in initiatives} == set(CREDITS)
        assert {i.location_precision for i in initiatives} == set(PRECISIONS)
        sectors = {p.sector for i in initiatives for p in i.participants}
        assert len(sectors) >= 8
        assert all(p.hours for i in initiatives if i.status != "planned" for p in i.participants)
        outcomes = [o for i in initiatives for o in i.outcomes]
        assert any(o.has_numbers for o in outcomes)
        assert any(not o.has_numbers for o in outcomes)


def test_every_moderation_state_is_there_for_the_moderator_demo(demo):
    with demo.app_context():
        states = {i.state for i in db.session.scalars(select(Initiative))}
        assert states == set(STATES)
        pending = db.session.scalars(select(Initiative).where(Initiative.state == "pending"))
        for initiative in pending:
            revision = db.session.scalar(
                select(Revision).where(Revision.initiative_id == initiative.id)
            )
            assert (revision.kind, revision.state, revision.number) == (
                "submission",
                "pending",
                1,
            )
        edit = db.session.scalar(select(Revision).where(Revision.kind == "edit"))
        assert (edit.state, edit.number, edit.initiative.state) == ("pending", 2, "published")
        assert edit.content["summary"] != edit.initiative.summary
        reports = db.session.scalars(select(Report).where(Report.resolved_at.is_(None))).all()
        assert len(reports) == 1
        assert reports[0].initiative.state == "published"


def test_verified_outcomes_are_verified_by_the_leeds_council_in_its_area(demo):
    with demo.app_context():
        verified = [o for i in published(demo) for o in i.outcomes if o.verified_at]
        assert len(verified) >= 3
        for outcome in verified:
            assert outcome.verified_by_organisation.name == "Leeds City Council"
            initiative = db.session.get(Initiative, outcome.initiative_id)
            assert initiative.neighbourhood.local_authority == "Leeds City Council"


def test_published_demo_initiatives_are_searchable(demo):
    with demo.app_context():
        for initiative in published(demo):
            word = initiative.title.split()[-1]
            found = db.session.scalars(select(Initiative.id).where(search_condition(word)))
            assert initiative.id in set(found), initiative.title


def test_every_demo_page_renders(demo, client):
    with demo.app_context():
        pages = [
            (i.path_slug, i.state, example_text(i)) for i in db.session.scalars(select(Initiative))
        ]
    for path_slug, state, example in pages:
        response = client.get(f"/initiatives/{path_slug}")
        if state == "published":
            assert response.status_code == 200, path_slug
            assert example in response.get_data(as_text=True).replace("&#39;", "'")
        else:
            assert response.status_code == 404, path_slug


def test_most_published_demo_initiatives_tell_their_story_in_markdown(demo):
    with demo.app_context():
        descriptions = [i.description for i in published(demo) if i.description]
        assert len(descriptions) >= 0.75 * len(published(demo))
        rendered = [str(render_markdown(text)) for text in descriptions]
        assert sum("<li>" in html for html in rendered) >= 5
        assert sum('<a href="https://' in html for html in rendered) >= 3
        assert sum("<strong>" in html for html in rendered) >= 3


def test_demo_contact_links_are_stored_as_a_submission_stores_them(demo):
    with demo.app_context():
        contacts = [i.contact_url for i in db.session.scalars(select(Initiative))]
        contacts = [contact for contact in contacts if contact]
        assert any(contact.startswith("mailto:") for contact in contacts)
        for contact in contacts:
            assert contact_link(contact) == contact


def test_welsh_places_carry_their_welsh_names(demo, client):
    """Sblot, in Cyngor Caerdydd: the Welsh page names the place and its council in Welsh
    (what participants are called is their initiatives' own content, as written)."""
    html = client.get("/cy/neighbourhoods/splott").get_data(as_text=True)
    assert '<h1>Sblot <span class="subtitle">Cyngor Caerdydd</span></h1>' in html
    assert '<meta name="description" content="Mentrau' in html
    description = re.search(r'<meta name="description" content="([^"]*)"', html).group(1)
    assert "Sblot" in description and "Cyngor Caerdydd" in description
    assert "Cardiff" not in description
