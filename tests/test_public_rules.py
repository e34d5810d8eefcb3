"""Only published initiatives are public: a hidden one is indistinguishable from a missing one."""

from __future__ import annotations

import difflib

import pytest

from app.accounts.models import User
from app.clusters.models import Cluster, ClusterItem
from app.extensions import db
from app.initiatives.content import initiative_content
from app.initiatives.models import Initiative
from app.languages import WELSH_TWIN
from app.moderation.models import Revision
from app.moderation.services import add_revision
from app.timeutil import utcnow
from tests.conftest import AuthActions
from tests.factories import create_test_organisation
from tests.support.pages import without_csrf_token
from tests.support.queries import count_queries

HIDDEN_STATES = ["draft", "pending", "changes_requested", "rejected", "archived"]


@pytest.fixture
def hidden(make_user, make_initiative):
    """Make an initiative in the given state, submitted by a resident; returns both."""

    def make(state: str):
        submitter = make_user(display_name="Rosa Resident")
        initiative_id = make_initiative(
            state=state, submitter_id=submitter.id, title="Street watch"
        )
        return initiative_id, submitter

    return make


@pytest.mark.parametrize("state", HIDDEN_STATES)
@pytest.mark.parametrize("viewer", [None, "resident", "council"])
def test_hidden_initiative_is_not_found_for_others(client, auth, make_user, hidden, state, viewer):
    initiative_id, _ = hidden(state)
    if viewer:
        auth.login(make_user(role=viewer).email)
    for path in (f"/initiatives/{initiative_id}-street-watch", f"/initiatives/{initiative_id}"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"Street watch" not in response.data


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_submitter_sees_their_hidden_initiative_with_its_state(client, auth, hidden, state):
    initiative_id, submitter = hidden(state)
    auth.login(submitter.email)
    response = client.get(f"/initiatives/{initiative_id}-street-watch")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Not public:" in body
    assert "Only you and the moderators can see this page." in body
    assert '<meta name="robots" content="noindex">' in body
    assert "Report this" not in body
    assert "no-store" in response.headers["Cache-Control"]
    assert client.get(f"/initiatives/{initiative_id}").status_code == 301


@pytest.mark.parametrize("state", HIDDEN_STATES)
@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_moderators_see_hidden_initiatives(client, auth, make_user, hidden, state, role):
    initiative_id, _ = hidden(state)
    auth.login(make_user(role=role).email)
    response = client.get(f"/initiatives/{initiative_id}-street-watch")
    assert response.status_code == 200
    assert "Only its submitter and the moderators can see this page." in response.get_data(
        as_text=True
    )


def test_moderators_note_is_shown_to_the_submitter(app, client, auth, hidden):
    initiative_id, submitter = hidden("changes_requested")
    with app.app_context():
        db.session.get(Initiative, initiative_id).moderation_note = "Please name the street."
        db.session.commit()
    auth.login(submitter.email)
    body = client.get(f"/initiatives/{initiative_id}-street-watch").get_data(as_text=True)
    assert "Not public: changes requested." in body
    assert "Please name the street." in body


def test_published_initiative_is_public_and_cacheable(client, make_initiative):
    initiative_id = make_initiative(title="Street watch")
    response = client.get(f"/initiatives/{initiative_id}-street-watch")
    assert response.status_code == 200
    assert "Not public" not in response.get_data(as_text=True)
    assert "no-store" not in response.headers.get("Cache-Control", "")


def rich_initiative(app, make_initiative, make_neighbourhood, size: int) -> int:
    """A published initiative with ``size`` participants and ``size`` verified outcomes."""
    participants = [
        {
            "sector": sector,
            "name": f"Group {number}",
            "roles": ["co-design"],
            "people": number,
            "hours": number * 10,
        }
        for number, sector in enumerate(
            [
                "residents",
                "police",
                "council",
                "health",
                "school",
                "housing",
                "volunteers",
                "business",
                "other",
                "voluntary",
            ][:size],
            start=1,
        )
    ]
    outcomes = [
        {
            "description": f"Outcome {number}",
            "indicator": "Burglaries",
            "baseline": 30,
            "result": 20 + number,
            "unit": "",
            "measured_on": "2025-01-31",
            "evidence_url": "https://example.org/",
        }
        for number in range(size)
    ]
    initiative_id = make_initiative(
        neighbourhood_id=make_neighbourhood(),
        participants=participants,
        outcomes=outcomes,
        themes=["safety", "health"],
        stages=["co-design", "co-delivery"],
    )
    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        for number, outcome in enumerate(initiative.outcomes):
            outcome.verified_at = utcnow()
            outcome.verified_by_organisation_id = create_test_organisation(f"Council {number}")
        db.session.commit()
        return initiative.id, initiative.path_slug


def test_page_queries_do_not_grow_with_participants_and_outcomes(
    app, client, make_initiative, make_neighbourhood
):
    _, small = rich_initiative(app, make_initiative, make_neighbourhood, 1)
    _, large = rich_initiative(app, make_initiative, make_neighbourhood, 10)
    client.get(f"/initiatives/{small}")  # warm up: templates compiled, caches filled
    with count_queries(app) as small_queries:
        assert client.get(f"/initiatives/{small}").status_code == 200
    with count_queries(app) as large_queries:
        response = client.get(f"/initiatives/{large}")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("Verified by Council") == 10
    assert len(large_queries) == len(small_queries)
    # The initiative, its themes, stages, participants, outcomes (with the verifying
    # organisation), the outcomes' later measurements and the photos.
    assert len(small_queries) <= 8, small_queries


def test_actions_follow_the_viewers_rights(client, auth, make_user, hidden):
    initiative_id, submitter = hidden("published")
    path = f"/initiatives/{initiative_id}-street-watch"
    anonymous = client.get(path).get_data(as_text=True)
    assert 'aria-label="This initiative"' not in anonymous
    auth.login(submitter.email)
    own = client.get(path).get_data(as_text=True)
    assert f'href="/initiatives/{initiative_id}/edit"' in own
    assert f'href="/initiatives/{initiative_id}/history"' in own
    assert ">Review<" not in own
    auth.logout()
    auth.login(make_user(role="moderator").email)
    moderated = client.get(path).get_data(as_text=True)
    assert f'href="/moderation/initiatives/{initiative_id}"' in moderated


# --- One rule across every public output ---------------------------------------------------
#
# A world with one published initiative and one hidden one (same theme, neighbourhood and map
# area, picked into a cluster and matched by a saved-filter cluster). Every public output is
# read with the hidden initiative there, then again after deleting it: the two readings must
# be byte for byte the same (so no title, count, total, facet, ETag-free body or share
# metadata gives it away), and its own addresses answer 404.

HIDDEN_TITLE = "Hidden garden"
PENDING_TITLE = "Renamed while pending"
BBOX = "-1.700000,53.750000,-1.500000,53.900000"

# Every GET route and how this test covers it. The walk below fails when a route is added
# without being placed here.
PUBLIC_LISTS = [
    "/",
    "/initiatives",
    "/initiatives?q=garden",
    "/initiatives?q=behind+library&theme=safety",
    "/initiatives?theme=safety&neighbourhood=kirkstall",
    "/initiatives?sort=title&per_page=50",
    "/themes/safety",
    "/neighbourhoods/kirkstall",
    "/map",
    f"/map?bbox={BBOX}",
    f"/map/initiatives.json?bbox={BBOX}",
    "/clusters",
    "/clusters/picked-examples",
    "/clusters/safety-filter",
    "/clusters/picked-examples.atom",
    "/clusters/picked-examples.rss",
    "/clusters/safety-filter.atom",
    "/clusters/safety-filter.rss",
    "/feeds/initiatives.atom",
    "/feeds/initiatives.rss",
    "/feeds/initiatives.atom?q=garden",
    "/feeds/initiatives.rss?theme=safety",
    "/embed/initiatives",
    "/embed/initiatives?q=garden",
    "/embed/initiatives?theme=safety&layout=map",
    "/embed/clusters/picked-examples",
    "/embed/clusters/picked-examples?layout=cards",
    "/embed/clusters/safety-filter",
    "/oembed?url=http%3A%2F%2Flocalhost%2Fclusters%2Fpicked-examples",
    "/oembed?url=http%3A%2F%2Flocalhost%2Finitiatives%3Ftheme%3Dsafety",
    "/api/v1/initiatives",
    "/api/v1/initiatives?q=garden",
    "/api/v1/initiatives?neighbourhood=kirkstall",
    "/api/v1/initiatives.csv",
    "/api/v1/initiatives.csv?q=garden",
    "/api/v1/initiatives.geojson",
    f"/api/v1/initiatives.geojson?bbox={BBOX}",
    "/api/v1/themes",
    "/api/v1/neighbourhoods",
    f"/api/v1/map/clusters?bbox={BBOX}&zoom=3",
    "/api/v1/map/clusters?bbox=-1.602,53.819,-1.598,53.821&zoom=16",
    "/api/v1/clusters",
    "/api/v1/clusters/picked-examples",
    "/api/v1/clusters/safety-filter",
]
# Read by a council officer of the area: the dashboard counts published initiatives.
COUNCIL_LISTS = ["/council", "/council?theme=safety", "/council/follow-up", *(
    f"/council/{c}.csv" for c in ("themes", "stages", "months", "sectors"))]  # fmt: skip
# The hidden initiative's own addresses ({id}, {slug} filled in): all 404 for the public.
OWN_ADDRESSES = [
    "/initiatives/{id}",
    "/initiatives/{id}-{slug}",
    "/initiatives/{id}/report",
    "/embed/initiatives/{id}",
    "/api/v1/initiatives/{id}",
    "/oembed?url=http%3A%2F%2Flocalhost%2Finitiatives%2F{id}-{slug}",
    "/oembed?url=http%3A%2F%2Flocalhost%2Finitiatives%2F{id}",
]
COVERED_RULES = {
    "/",
    "/initiatives",
    "/themes/<slug>",
    "/neighbourhoods/<slug>",
    "/map",
    "/map/initiatives.json",
    "/clusters",
    "/clusters/<slug>",
    "/clusters/<slug>.atom",
    "/clusters/<slug>.rss",
    "/feeds/initiatives.atom",
    "/feeds/initiatives.rss",
    "/embed/initiatives",
    "/embed/clusters/<slug>",
    "/embed/initiatives/<int:initiative_id>",
    "/oembed",
    "/api/v1/initiatives",
    "/api/v1/initiatives.csv",
    "/api/v1/initiatives.geojson",
    "/api/v1/initiatives/<int:initiative_id>",
    "/api/v1/themes",
    "/api/v1/neighbourhoods",
    "/api/v1/map/clusters",
    "/api/v1/clusters",
    "/api/v1/clusters/<slug>",
    "/council",
    "/council/<chart>.csv",
    "/council/follow-up",
    "/initiatives/<int:initiative_id>",
    "/initiatives/<int:initiative_id>-<slug>",
    "/initiatives/<int:initiative_id>/report",
}
# Routes with no initiative data for the public, and why each is left out.
SIGNED_IN_ACTION = "login required; the permission matrix in test_initiative_permissions"
NOT_PUBLIC_DATA = {
    "/accessibility": "fixed text",
    "/privacy": "fixed text",
    "/api": "API documentation, no data",
    "/api/v1/openapi.json": "the API's schema, no data",
    "/healthz": "answers only whether the database does",
    "/readyz": "answers only which helpers answer",
    "/embed.js": "a static script",
    "/embed/": "always 404",
    "/embed/<path:unknown>": "always 404",
    "/static/<path:filename>": "files",
    "/static/vendor/leaflet/<path:filename>": "files",
    "/places/search": "geocoder answers: place names, never initiatives",
    "/places/reverse": "geocoder answers: place names, never initiatives",
    "/places/neighbourhood": "neighbourhood names and centres, never initiatives",
    "/login": "a form",
    "/logout": "a form",
    "/register": "a form",
    "/register/check-email": "fixed text",
    "/forgot-password": "a form",
    "/reset-password/<token>": "a form behind a secret token",
    "/confirm/<token>": "a form behind a secret token",
    "/initiatives/new": "login required: the submission form",
    "/initiatives/<int:initiative_id>/edit": SIGNED_IN_ACTION,
    "/initiatives/<int:initiative_id>/history": SIGNED_IN_ACTION,
    "/initiatives/<int:initiative_id>/withdraw": SIGNED_IN_ACTION,
    "/initiatives/<int:initiative_id>/photos/new": SIGNED_IN_ACTION,
    "/initiatives/<int:initiative_id>/photos/<int:photo_id>/preview/<size>": SIGNED_IN_ACTION,
    "/media/<name>": "public photos' files only, 404 otherwise (tests/test_photos_moderation.py)",
    "/downloads/<name>": "published data only, the exports as files (tests/test_downloads.py)",
    "/initiatives/<int:initiative_id>/outcomes/<int:outcome_id>/verify": SIGNED_IN_ACTION,
    "/initiatives/<int:initiative_id>/outcomes/<int:outcome_id>/measurements": SIGNED_IN_ACTION,
    "/account": "login required: one's own account",
    "/account/initiatives": "login required: one's own initiatives",
    "/account/data.json": "login required: one's own data",
    "/admin/": "admins only",
    "/admin/audit": "admins only",
    "/admin/background-work": "admins only",
    "/admin/neighbourhoods": "admins only",
    "/admin/neighbourhoods/<int:neighbourhood_id>": "admins only",
    "/admin/neighbourhoods/new": "admins only",
    "/admin/organisations": "admins only",
    "/admin/organisations/<int:organisation_id>": "admins only",
    "/admin/organisations/new": "admins only",
    "/admin/themes": "admins only",
    "/admin/themes/<int:theme_id>": "admins only",
    "/admin/themes/new": "admins only",
    "/admin/users": "admins only",
    "/admin/users/<int:user_id>": "admins only",
    "/clusters/manage": "curators only",
    "/clusters/manage/<int:cluster_id>": "curators only",
    "/clusters/manage/<int:cluster_id>/delete": "curators only",
    "/clusters/manage/new": "curators only",
    "/council/import": "council officers' import form",
    "/council/import/template.csv": "an empty spreadsheet",
    "/council/import/jobs/<int:job_id>": "an import's progress, for its uploader only",
    "/council/import/jobs/<int:job_id>.json": "an import's progress, for its uploader only",
    "/moderation": "moderators only",
    "/moderation/followups": "moderators only",
    "/alerts/new": "a form (what its mails hold: published only, tests/test_alerts.py)",
    "/alerts/confirm/<token>": "a form behind a signed token",
    "/alerts/unsubscribe/<token>": "a form behind a signed token",
    "/followups/<token>": "a form behind a signed token, for the submitter's own initiative",
    "/moderation/initiatives/<int:initiative_id>": "moderators only",
    "/print-origin.css": "the site's own address, for the print stylesheet",
}  # fmt: skip


def test_every_get_route_is_covered_or_explained(app):
    rules = {  # a Welsh page (/cy/…) runs the same view as its English twin
        rule.rule.removeprefix(WELSH_TWIN)
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
    }
    assert rules - COVERED_RULES - set(NOT_PUBLIC_DATA) == set()
    assert (COVERED_RULES | set(NOT_PUBLIC_DATA)) - rules == set()


@pytest.fixture
def world(app, make_user, make_neighbourhood, make_initiative):
    """The published initiative, the neighbourhood, two clusters and a council officer."""
    kirkstall = make_neighbourhood(name="Kirkstall", slug="kirkstall", local_authority="Leeds")
    point = {"latitude": 53.82, "longitude": -1.6, "location_precision": "exact"}
    published = make_initiative(
        title="Tool library", neighbourhood_id=kirkstall, themes=["safety"], **point
    )
    with app.app_context():
        now = utcnow()
        picked = Cluster(slug="picked-examples", title="Picked", kind="picked", state="published")
        saved = Cluster(
            slug="safety-filter",
            title="Safety",
            kind="filter",
            filter_query="theme=safety",
            state="published",
        )
        for cluster in (picked, saved):
            cluster.published_at = cluster.created_at = cluster.updated_at = now
            db.session.add(cluster)
        db.session.add(ClusterItem(cluster=picked, initiative_id=published, position=0))
        db.session.commit()
        picked_id = picked.id
        leeds = create_test_organisation("Leeds", local_authority="Leeds")
    return {
        "neighbourhood": kirkstall,
        "published": published,
        "picked": picked_id,
        "point": point,
        "officer": make_user(role="council", organisation_id=leeds),
    }


def read_everything(app, officer) -> dict[str, tuple[int, bytes]]:
    """Every public list, anonymously, and the dashboard as the area's council officer
    (each reading from a new client, so no cookie or message carries over)."""
    anonymous, council = app.test_client(), app.test_client()
    readings = {}
    for url in PUBLIC_LISTS:
        response = anonymous.get(url)
        readings[url] = (response.status_code, response.data)
    AuthActions(council).login(officer.email)
    for url in COUNCIL_LISTS:
        response = council.get(url)
        # The signed-in page carries a fresh CSRF token in its log-out form.
        readings[url] = (response.status_code, without_csrf_token(response.data))
    return readings


def assert_same_readings(with_it: dict, without_it: dict, secret: str) -> None:
    for url, (status, body) in with_it.items():
        assert status == 200, (url, status)
        assert secret.encode() not in body, url
        assert secret.lower().encode() not in body.lower(), url
        if (status, body) != without_it[url]:
            changed = difflib.unified_diff(
                without_it[url][1].decode().splitlines(), body.decode().splitlines(), lineterm=""
            )
            pytest.fail(f"{url} differs when the hidden one exists:\n" + "\n".join(changed))


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_hidden_initiative_leaves_no_trace_in_any_public_output(
    app, client, auth, make_user, make_initiative, world, state
):
    submitter = make_user()
    hidden_id = make_initiative(
        state=state,
        title=HIDDEN_TITLE,
        summary="A hidden garden behind the library.",
        submitter_id=submitter.id,
        neighbourhood_id=world["neighbourhood"],
        themes=["safety"],
        **world["point"],
    )
    with app.app_context():
        db.session.add(
            ClusterItem(cluster_id=world["picked"], initiative_id=hidden_id, position=1)
        )
        db.session.commit()
        slug = db.session.get(Initiative, hidden_id).slug

    for template in OWN_ADDRESSES:
        url = template.format(id=hidden_id, slug=slug)
        response = client.get(url)
        assert response.status_code == 404, url
        assert HIDDEN_TITLE.encode() not in response.data, url

    with_it = read_everything(app, world["officer"])
    with app.app_context():
        db.session.delete(db.session.get(Initiative, hidden_id))
        db.session.commit()
    assert_same_readings(with_it, read_everything(app, world["officer"]), HIDDEN_TITLE)


def test_pending_edit_of_a_published_initiative_never_shows_in_public(
    app, client, auth, make_user, world
):
    resident = make_user()
    with app.app_context():
        initiative = db.session.get(Initiative, world["published"])
        initiative.submitter_id = resident.id
        content = {**initiative_content(initiative), "title": PENDING_TITLE, "summary": "Edited."}
        add_revision(
            initiative, "edit", db.session.get(User, resident.id), "pending", content=content
        )
        db.session.commit()
        slug = initiative.slug
    own = [template.format(id=world["published"], slug=slug) for template in OWN_ADDRESSES]
    for url in own:
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        assert PENDING_TITLE.encode() not in response.data, url
        assert b"Tool library" in response.data, url

    with_it = read_everything(app, world["officer"])
    with app.app_context():
        db.session.execute(db.delete(Revision))
        db.session.commit()
    assert_same_readings(with_it, read_everything(app, world["officer"]), PENDING_TITLE)
