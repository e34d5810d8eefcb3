"""Who may curate clusters: every role against every curation route, and draft previews."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.clusters.models import Cluster, ClusterItem
from app.extensions import db
from tests.test_clusters import create_cluster

ROLES = [None, "resident", "council", "moderator", "admin"]
CURATORS = {"moderator", "admin"}
DETAILS = {"title": "Renamed", "slug": "draft-one", "kind": "picked", "action": "save"}

# (method, url, form data); {cluster}, {item}, {initiative} and {spare} are filled in.
CURATION_ROUTES = [
    ("GET", "/clusters/manage", {}),
    ("GET", "/clusters/manage/new", {}),
    ("POST", "/clusters/manage/new", {**DETAILS, "slug": "another"}),
    ("GET", "/clusters/manage/{cluster}", {}),
    ("POST", "/clusters/manage/{cluster}", DETAILS),
    ("POST", "/clusters/manage/{cluster}/items", {"initiative": "{spare}"}),
    ("POST", "/clusters/manage/{cluster}/items/{item}/note", {"item-{item}-note": "Hm."}),
    ("POST", "/clusters/manage/{cluster}/items/{item}/move", {"direction": "down"}),
    ("POST", "/clusters/manage/{cluster}/items/{item}/remove", {}),
    ("POST", "/clusters/manage/{cluster}/publish", {}),
    ("POST", "/clusters/manage/{cluster}/unpublish", {}),
    ("GET", "/clusters/manage/{cluster}/delete", {}),
    ("POST", "/clusters/manage/{cluster}/delete", {}),
]


@pytest.fixture
def records(app, make_initiative):
    """A draft hand-picked cluster with two examples, and a published initiative to add."""
    first, second = make_initiative(), make_initiative()
    cluster = create_cluster(app, [first, second], title="Draft one", state="draft")
    with app.app_context():
        item = db.session.scalar(select(ClusterItem.id).where(ClusterItem.initiative_id == first))
    return {"cluster": cluster, "item": item, "spare": make_initiative()}


def fill(template: str, records: dict[str, int]) -> str:
    return template.format(**records)


def snapshot(app):
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Cluster)),
            db.session.scalar(select(func.count()).select_from(ClusterItem)),
            db.session.scalar(select(func.count()).select_from(AuditEntry)),
            tuple(db.session.execute(select(Cluster.title, Cluster.state)).all()),
        )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "data"), CURATION_ROUTES)
def test_curation_permission_matrix(
    app, client, auth, make_user, records, role, method, url, data
):
    if role:
        auth.login(make_user(role=role).email)
    url = fill(url, records)
    form = {fill(key, records): fill(value, records) for key, value in data.items()}
    before = snapshot(app)
    response = client.get(url) if method == "GET" else client.post(url, data=form)
    if role is None:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    elif role not in CURATORS:
        assert response.status_code == 403
    else:
        assert response.status_code in (200, 302), response.get_data(as_text=True)[:500]
        if method == "POST":
            assert snapshot(app) != before, "a curator's action changes something"
        return
    assert snapshot(app) == before


@pytest.mark.parametrize("role", ROLES)
def test_draft_preview_is_for_curators_only(app, client, auth, make_user, role):
    create_cluster(app, title="Draft one", state="draft")
    if role:
        auth.login(make_user(role=role).email)
    expected = 200 if role in CURATORS else 404
    assert client.get("/clusters/draft-one").status_code == expected
    for feed in ("/clusters/draft-one.atom", "/clusters/draft-one.rss"):
        assert client.get(feed).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_published_pages_are_for_everyone(app, client, auth, make_user, role):
    create_cluster(app, title="Open one")
    if role:
        auth.login(make_user(role=role).email)
    for url in ["/clusters", "/clusters/open-one", "/clusters/open-one.atom"]:
        assert client.get(url).status_code == 200, url
    page = client.get("/clusters/open-one").get_data(as_text=True)
    assert ("Edit this cluster" in page) == (role in CURATORS)
