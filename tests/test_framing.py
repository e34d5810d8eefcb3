"""Only /embed/ pages may be framed by other sites: every route in the URL map, checked."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.alerts.services import CONFIRM_SALT, UNSUBSCRIBE_SALT, make_token, subscribe
from app.extensions import db
from app.followups.models import FollowUpPrompt
from app.followups.services import make_followup_token
from app.initiatives.models import Outcome
from app.photos.models import Photo
from app.themes.models import Theme
from tests.factories import create_test_organisation
from tests.test_clusters import create_cluster


@pytest.fixture
def values(app, make_initiative, make_neighbourhood, make_user, make_photo):
    """A value for every argument a route takes, pointing at data that exists."""
    neighbourhood = make_neighbourhood(name="Kirkstall", slug="kirkstall")
    initiative = make_initiative(
        title="Street watch",
        neighbourhood_id=neighbourhood,
        outcomes=[{"description": "Fewer burglaries"}],
    )
    cluster = create_cluster(app, [initiative], slug="safer-streets")
    user = make_user()
    submitter = make_user()
    followed_up = make_initiative(submitter_id=submitter.id)
    photo_id = make_photo(initiative)
    with app.app_context():
        organisation = create_test_organisation(local_authority="Leeds City Council")
        # Real links for the pages behind signed tokens, so they render rather than refuse.
        subscription = subscribe("reader@example.org", "", None, "weekly")
        prompt = FollowUpPrompt(initiative_id=followed_up, due_on=date.today())
        db.session.add(prompt)
        db.session.commit()
        tokens = {
            "alerts.confirm": make_token(subscription, CONFIRM_SALT),
            "alerts.unsubscribe": make_token(subscription, UNSUBSCRIBE_SALT),
            "followups.answer": make_followup_token(prompt),
        }
        outcome = db.session.scalar(select(Outcome.id).where(Outcome.initiative_id == initiative))
        theme = db.session.scalar(select(Theme.id).where(Theme.slug == "safety"))
        stem = db.session.get(Photo, photo_id).stem
    common = {
        "initiative_id": initiative,
        "outcome_id": outcome,
        "cluster_id": cluster,
        "neighbourhood_id": neighbourhood,
        "organisation_id": organisation,
        "theme_id": theme,
        "user_id": user.id,
        "photo_id": photo_id,
        "size": "320.jpg",
        "name": f"{stem}-320.jpg",
        "token": "not-a-token",
        "chart": "themes",
        "unknown": "nothing-here",
        "lang": "cy",
    }
    slugs = {
        "browse.show_theme": "safety",
        "browse.show_neighbourhood": "kirkstall",
        "initiatives.show_initiative": "street-watch",
    }
    files = {"static": "css/site.css", "vendor.leaflet": "leaflet.js"}

    def for_rule(rule) -> dict:
        chosen = {name: value for name, value in common.items() if name in rule.arguments}
        if "slug" in rule.arguments:
            chosen["slug"] = slugs.get(rule.endpoint, "safer-streets")
        if "filename" in rule.arguments:
            chosen["filename"] = files[rule.endpoint]
        if rule.endpoint in tokens:
            chosen["token"] = tokens[rule.endpoint]
        chosen.update(rule.defaults or {})
        # A route added later with an argument not known here still gets checked.
        chosen.update({name: "1" for name in rule.arguments if name not in chosen})
        return chosen

    return for_rule


def get_rules(app):
    return [rule for rule in app.url_map.iter_rules() if "GET" in rule.methods]


def test_only_embed_pages_may_be_framed_on_every_route(app, client, auth, make_user, values):
    auth.login(make_user(role="admin").email)
    statuses = {}
    embeds = []
    for rule in get_rules(app):
        _domain, path = rule.build(values(rule), append_unknown=False)
        response = client.get(path)
        response.close()
        statuses[path] = response.status_code
        csp = response.headers["Content-Security-Policy"]
        if path.startswith("/embed/"):
            if rule.endpoint != "embeds.embed_not_found":
                embeds.append(path)
            assert "frame-ancestors *" in csp, path
            assert "frame-ancestors 'self'" not in csp, path
            assert "X-Frame-Options" not in response.headers, path
            assert response.headers.get("Set-Cookie") is None, path
        else:
            assert "frame-ancestors 'self'" in csp, path
            assert "frame-ancestors *" not in csp, path
            assert response.headers["X-Frame-Options"] == "SAMEORIGIN", path
    assert {"/embed/clusters/safer-streets", "/embed/initiatives"} <= set(embeds)
    assert all(statuses[path] == 200 for path in embeds), embeds
    answered = [path for path, status in statuses.items() if status == 200]
    # Most routes really render (the rest are redirects, bad tokens and the like).
    assert len(answered) >= 0.8 * len(statuses), {p: s for p, s in statuses.items() if s != 200}


def test_embed_loader_oembed_and_errors_outside_embed_refuse_framing(client):
    for path in ["/embed.js", "/oembed?url=http://localhost/", "/embedded", "/no-such-page"]:
        response = client.get(path)
        response.close()
        assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"], path
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN", path


def test_embed_errors_stay_frameable(client):
    for path in ["/embed/clusters/nothing", "/embed/initiatives?limit=0", "/embed/x/y", "/embed/"]:
        response = client.get(path)
        assert response.status_code in (400, 404), path
        assert "frame-ancestors *" in response.headers["Content-Security-Policy"], path
        assert "X-Frame-Options" not in response.headers, path
