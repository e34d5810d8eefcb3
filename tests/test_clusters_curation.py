"""Curating clusters: details, saved filters, hand-picked examples, publishing, the audit log."""

from __future__ import annotations

import html
import re
import time

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.clusters.models import Cluster, ClusterItem
from app.extensions import db
from tests.test_clusters import create_cluster
from tests.test_pages import assert_valid_html


@pytest.fixture
def moderator(make_user, auth):
    user = make_user(role="moderator")
    auth.login(user.email)
    return user


def details(**overrides) -> dict[str, str]:
    values = {
        "title": "Safer streets",
        "slug": "",
        "introduction": "Working **together**.",
        "kind": "picked",
        "filter_query": "",
        "action": "save",
    }
    return {**values, **overrides}


def cluster_row(app, cluster_id: int) -> Cluster:
    with app.app_context():
        cluster = db.session.get(Cluster, cluster_id)
        db.session.expunge(cluster)
        return cluster


def item_titles(app, cluster_id: int) -> list[tuple[str, str]]:
    with app.app_context():
        items = db.session.scalars(
            select(ClusterItem)
            .where(ClusterItem.cluster_id == cluster_id)
            .order_by(ClusterItem.position)
        )
        return [(item.initiative.title, item.note) for item in items]


def item_ids(app, cluster_id: int) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(ClusterItem.id)
                .where(ClusterItem.cluster_id == cluster_id)
                .order_by(ClusterItem.position)
            )
        )


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def error_for(page: str, field: str) -> str:
    match = re.search(rf'<p class="error-message" id="{field}-error">(.*?)</p>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip() if match else ""


# Creating and editing


def test_moderator_creates_a_draft_cluster_with_an_address_from_its_title(app, client, moderator):
    response = client.post("/clusters/manage/new", data=details(title="Safer Streets in Leeds!"))
    assert response.status_code == 302
    with app.app_context():
        cluster = db.session.scalars(select(Cluster)).one()
        assert (cluster.slug, cluster.state, cluster.kind) == (
            "safer-streets-in-leeds",
            "draft",
            "picked",
        )
        assert cluster.created_by_id == moderator.id
        assert response.headers["Location"] == f"/clusters/manage/{cluster.id}"
    assert audit_actions(app) == ["create_cluster"]


def test_the_same_title_twice_gets_a_numbered_address(app, client, moderator):
    client.post("/clusters/manage/new", data=details())
    client.post("/clusters/manage/new", data=details())
    with app.app_context():
        slugs = sorted(db.session.scalars(select(Cluster.slug)))
    assert slugs == ["safer-streets", "safer-streets-2"]


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("Not A Slug!", "Use only lower-case letters"),
        ("double--hyphen", "Use only lower-case letters"),
        ("-leading", "Use only lower-case letters"),
        ("with.dot", "Use only lower-case letters"),
        ("x" * 121, "at most 120 characters"),
        ("manage", "is the address of another page"),
        ("taken", "Another cluster already has the address “taken”"),
    ],
)
def test_bad_address_is_refused_and_what_was_typed_is_kept(app, client, moderator, slug, message):
    create_cluster(app, title="Taken")
    response = client.post(
        "/clusters/manage/new", data=details(slug=slug, introduction="Kept *text*")
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in error_for(page, "slug")
    assert "Kept *text*" in page
    assert f'value="{html.escape(slug.lower())}"' in page
    with app.app_context():
        assert db.session.scalars(select(Cluster.slug)).all() == ["taken"]


def test_title_is_required(client, moderator):
    response = client.post("/clusters/manage/new", data=details(title="  "))
    assert response.status_code == 422
    assert error_for(response.get_data(as_text=True), "title") == "Error: Enter a title."


def test_editing_keeps_its_own_address_and_bumps_updated_at(app, client, moderator):
    cluster_id = create_cluster(app, title="Safer streets")
    before = cluster_row(app, cluster_id).updated_at
    response = client.post(
        f"/clusters/manage/{cluster_id}",
        data=details(title="Safer streets, renewed", slug="safer-streets"),
    )
    assert response.status_code == 302
    cluster = cluster_row(app, cluster_id)
    assert (cluster.title, cluster.slug) == ("Safer streets, renewed", "safer-streets")
    assert cluster.updated_at > before
    assert audit_actions(app) == ["update_cluster"]


def test_edit_page_shows_the_form_filled_in(app, client, moderator):
    cluster_id = create_cluster(app, title="Safer streets", introduction="Hello *there*")
    response = client.get(f"/clusters/manage/{cluster_id}")
    assert response.status_code == 200
    assert_valid_html(response.data, "edit")
    page = response.get_data(as_text=True)
    assert 'value="Safer streets"' in page and "Hello *there*" in page
    assert re.search(
        r'<input checked id="kind-0" name="kind" required type="radio" value="picked">', page
    )


def test_preview_shows_sanitised_markdown_and_saves_nothing(app, client, moderator):
    typed = "**Bold** [bad](javascript:alert(1)) <script>alert(1)</script> [ok](https://a.org)"
    response = client.post(
        "/clusters/manage/new", data=details(introduction=typed, action="preview")
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Preview of the introduction" in page
    preview = page.split('id="preview-heading"', 1)[1].split("</section>", 1)[0]
    assert "<strong>Bold</strong>" in preview
    assert '<a href="https://a.org" rel="nofollow noopener ugc">ok</a>' in preview
    assert "<script>" not in preview and 'href="javascript:' not in preview
    assert html.escape(typed, quote=False) in page  # the textarea keeps what was typed
    with app.app_context():
        assert db.session.scalars(select(Cluster)).all() == []


# The saved filter


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("theme=safety&neighbourhood=kirkstall&theme=health", "theme=health&theme=safety"),
        ("http://localhost/initiatives?status=active&theme=health&sort=title&page=2", None),
        ("http://localhost/map?theme=health&zoom=12&lat=53.8&lon=-1.6", "theme=health"),
        ("near=53.81620000,-1.6037&radius_km=2.50", "near=53.8162,-1.6037&radius_km=2.5"),
        ("", ""),
    ],
)
def test_saved_filter_is_stored_in_canonical_form(
    app, client, moderator, make_neighbourhood, typed, stored
):
    if "kirkstall" in typed:
        make_neighbourhood(name="Kirkstall", slug="kirkstall")
        stored = "theme=health&theme=safety&neighbourhood=kirkstall"
    stored = "theme=health&status=active" if stored is None else stored
    response = client.post("/clusters/manage/new", data=details(kind="filter", filter_query=typed))
    assert response.status_code == 302, error_for(response.get_data(as_text=True), "filter_query")
    with app.app_context():
        cluster = db.session.scalars(select(Cluster)).one()
        assert (cluster.kind, cluster.filter_query) == ("filter", stored)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("near=north,west", "near needs 2 numbers"),
        ("near=95,1", "latitude must be between -90 and 90"),
        ("radius_km=3", "radius_km works only together with near"),
        ("theme=nope", "Unknown theme: nope"),
        ("colour=red", "Not a filter: colour"),
        ("health", "Not a filter: health"),
        ("bbox=1,2,3", "bbox needs 4 numbers"),
    ],
)
def test_invalid_saved_filter_shows_the_problem_and_keeps_what_was_typed(
    app, client, moderator, typed, message
):
    response = client.post("/clusters/manage/new", data=details(kind="filter", filter_query=typed))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in error_for(page, "filter_query")
    assert html.escape(typed, quote=False) in page
    with app.app_context():
        assert db.session.scalars(select(Cluster)).all() == []


def test_a_bad_filter_does_not_matter_for_a_hand_picked_cluster(app, client, moderator):
    response = client.post("/clusters/manage/new", data=details(filter_query="near=x"))
    assert response.status_code == 302


def test_filter_cluster_editor_shows_what_the_filter_matches(
    app, client, moderator, make_initiative
):
    make_initiative(title="Health walk", themes=["health"])
    make_initiative(title="Hidden walk", themes=["health"], state="pending")
    cluster_id = create_cluster(app, title="Health", filter_query="theme=health")
    response = client.get(f"/clusters/manage/{cluster_id}")
    assert_valid_html(response.data, "filter editor")
    page = response.get_data(as_text=True)
    assert "matches 1 published initiative now" in page
    assert "Health walk" in page and "Hidden walk" not in page
    assert "Add an initiative" not in page


# "Save as cluster"


@pytest.mark.parametrize(
    "url",
    ["/initiatives?theme=health", "/themes/health", "/map?theme=health", "/neighbourhoods/x"],
)
def test_save_as_cluster_is_offered_to_curators_with_the_canonical_filter(
    client, moderator, make_neighbourhood, url
):
    make_neighbourhood(name="X", slug="x")
    page = client.get(url).get_data(as_text=True)
    expected = "theme%3Dhealth" if "health" in url else "neighbourhood%3Dx"
    assert re.search(
        rf'href="/clusters/manage/new\?kind=filter&amp;filter_query={expected}"', page
    ), url


@pytest.mark.parametrize("role", [None, "resident", "council"])
def test_save_as_cluster_is_not_offered_to_others(client, auth, make_user, role):
    if role:
        auth.login(make_user(role=role).email)
    page = client.get("/initiatives?theme=health").get_data(as_text=True)
    assert "Save as cluster" not in page


def test_save_as_cluster_opens_a_prefilled_new_cluster(client, moderator):
    response = client.get("/clusters/manage/new?kind=filter&filter_query=theme%3Dhealth")
    assert response.status_code == 200
    assert_valid_html(response.data, "new")
    page = response.get_data(as_text=True)
    assert re.search(
        r'<input checked id="kind-1" name="kind" required type="radio" value="filter">', page
    )
    assert re.search(r">\s*theme=health</textarea>", page)
    assert 'value="Initiatives: health"' in page


# Hand-picked examples


@pytest.fixture
def picked(app, moderator):
    return create_cluster(app, title="Safer streets", state="draft")


def add(client, cluster_id, text):
    return client.post(f"/clusters/manage/{cluster_id}/items", data={"initiative": text})


def test_add_initiatives_by_number_address_or_title(app, client, picked, make_initiative):
    by_number = make_initiative(title="Street watch")
    by_address = make_initiative(title="Walking group")
    make_initiative(title="Reading buddies")
    assert add(client, picked, str(by_number)).status_code == 302
    assert (
        add(client, picked, f"https://example.org/initiatives/{by_address}-old-slug").status_code
        == 302
    )
    response = add(client, picked, "buddies")
    assert response.status_code == 302
    assert item_titles(app, picked) == [
        ("Street watch", ""),
        ("Walking group", ""),
        ("Reading buddies", ""),
    ]
    assert audit_actions(app) == ["add_cluster_item"] * 3
    assert cluster_row(app, picked).updated_at is not None


def test_several_title_matches_are_offered_to_choose_from(app, client, picked, make_initiative):
    make_initiative(title="Street watch north")
    south = make_initiative(title="Street watch south")
    make_initiative(title="Hidden street watch", state="pending")
    response = add(client, picked, "street WATCH")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "2 published initiatives match" in page
    assert "Hidden street watch" not in page
    assert item_titles(app, picked) == []
    assert add(client, picked, str(south)).status_code == 302
    assert item_titles(app, picked) == [("Street watch south", "")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter an initiative’s number"),
        ("999999", "There is no initiative number 999999."),
        ("{pending}", "is not published"),
        ("{present}", "is already in this cluster"),
        ("no such title", "No published initiative"),
        ("100%_", "No published initiative"),
    ],
)
def test_adding_what_cannot_be_added_explains_why(
    app, client, picked, make_initiative, text, message
):
    pending = make_initiative(title="Pending one", state="pending")
    present = make_initiative(title="Present one")
    add(client, picked, str(present))
    typed = text.format(pending=pending, present=present)
    response = add(client, picked, typed)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in error_for(page, "initiative")
    assert f'value="{typed}"' in page or not typed
    assert item_titles(app, picked) == [("Present one", "")]


def test_reorder_with_move_buttons(app, client, picked, make_initiative):
    for title in ("One", "Two", "Three"):
        add(client, picked, str(make_initiative(title=title)))
    one, two, three = item_ids(app, picked)
    response = client.post(
        f"/clusters/manage/{picked}/items/{three}/move", data={"direction": "up"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#item-{three}")
    client.post(f"/clusters/manage/{picked}/items/{one}/move", data={"direction": "down"})
    assert [title for title, _ in item_titles(app, picked)] == ["Three", "One", "Two"]
    # Already at an end: nothing changes.
    client.post(f"/clusters/manage/{picked}/items/{three}/move", data={"direction": "up"})
    assert [title for title, _ in item_titles(app, picked)] == ["Three", "One", "Two"]
    bad = client.post(f"/clusters/manage/{picked}/items/{one}/move", data={"direction": "x"})
    assert bad.status_code == 400
    assert audit_actions(app).count("move_cluster_item") == 2
    page = client.get("/clusters/safer-streets").get_data(as_text=True)
    assert page.index(">Three<") < page.index(">One<") < page.index(">Two<")


def test_editor_offers_only_the_moves_that_make_sense(app, client, picked, make_initiative):
    for title in ("One", "Two"):
        add(client, picked, str(make_initiative(title=title)))
    page = client.get(f"/clusters/manage/{picked}").get_data(as_text=True)
    assert page.count("Move up") == 1 and page.count("Move down") == 1
    assert_valid_html(page.encode(), "editor")


def test_notes_are_saved_and_shown(app, client, picked, make_initiative):
    add(client, picked, str(make_initiative(title="One")))
    [item] = item_ids(app, picked)
    response = client.post(
        f"/clusters/manage/{picked}/items/{item}/note", data={f"item-{item}-note": " Lovely. "}
    )
    assert response.status_code == 302
    assert item_titles(app, picked) == [("One", "Lovely.")]
    client.post(f"/clusters/manage/{picked}/publish", data={})
    assert "Curator’s note:</strong> Lovely." in client.get("/clusters/safer-streets").get_data(
        as_text=True
    )
    assert "note_cluster_item" in audit_actions(app)


def test_a_note_too_long_is_refused_and_kept(app, client, picked, make_initiative):
    add(client, picked, str(make_initiative(title="One")))
    [item] = item_ids(app, picked)
    typed = "word " * 300
    response = client.post(
        f"/clusters/manage/{picked}/items/{item}/note", data={f"item-{item}-note": typed}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Keep the note to 1,000 characters." in page
    assert typed.strip() in page
    assert item_titles(app, picked) == [("One", "")]


def test_remove_an_example(app, client, picked, make_initiative):
    for title in ("One", "Two", "Three"):
        add(client, picked, str(make_initiative(title=title)))
    _, two, _ = item_ids(app, picked)
    assert client.post(f"/clusters/manage/{picked}/items/{two}/remove", data={}).status_code == 302
    assert [title for title, _ in item_titles(app, picked)] == ["One", "Three"]
    with app.app_context():
        positions = db.session.scalars(
            select(ClusterItem.position).where(ClusterItem.cluster_id == picked)
        ).all()
    assert sorted(positions) == [0, 1]
    assert "remove_cluster_item" in audit_actions(app)


def test_items_of_another_cluster_are_not_found(app, client, picked, make_initiative):
    other = create_cluster(app, [make_initiative()], title="Other")
    [item] = item_ids(app, other)
    for action in ("remove", "move", "note"):
        response = client.post(f"/clusters/manage/{picked}/items/{item}/{action}", data={})
        assert response.status_code == 404, action
    assert len(item_ids(app, other)) == 1


def test_editor_marks_examples_that_are_no_longer_public(app, client, picked, make_initiative):
    initiative = make_initiative(title="Was public")
    add(client, picked, str(initiative))
    from app.initiatives.models import Initiative

    with app.app_context():
        db.session.get(Initiative, initiative).state = "archived"
        db.session.commit()
    page = client.get(f"/clusters/manage/{picked}").get_data(as_text=True)
    assert "Not public: archived" in page


# Publishing and deleting


def test_publish_and_unpublish(app, client, picked, make_initiative):
    add(client, picked, str(make_initiative(title="One")))
    assert client.get("/clusters/safer-streets.atom").status_code == 404
    before = cluster_row(app, picked).updated_at
    assert client.post(f"/clusters/manage/{picked}/publish", data={}).status_code == 302
    cluster = cluster_row(app, picked)
    assert cluster.state == "published" and cluster.published_at is not None
    assert cluster.updated_at > before
    client.post("/logout", data={})
    assert client.get("/clusters/safer-streets").status_code == 200
    assert client.get("/clusters/safer-streets.atom").status_code == 200
    assert "Safer streets" in client.get("/clusters").get_data(as_text=True)


def test_unpublish_takes_the_page_and_feeds_away(app, client, auth, make_user, make_initiative):
    cluster_id = create_cluster(app, [make_initiative()], title="Safer streets")
    auth.login(make_user(role="admin").email)
    first_published = cluster_row(app, cluster_id).published_at
    client.post(f"/clusters/manage/{cluster_id}/unpublish", data={})
    assert cluster_row(app, cluster_id).state == "draft"
    auth.logout()
    assert client.get("/clusters/safer-streets").status_code == 404
    assert client.get("/clusters/safer-streets.rss").status_code == 404
    auth.login(make_user(role="admin").email)
    client.post(f"/clusters/manage/{cluster_id}/publish", data={})
    assert cluster_row(app, cluster_id).published_at == first_published
    assert audit_actions(app) == ["unpublish_cluster", "publish_cluster"]


def test_delete_asks_first_then_deletes(app, client, picked, make_initiative):
    initiative = make_initiative(title="Stays")
    add(client, picked, str(initiative))
    confirm = client.get(f"/clusters/manage/{picked}/delete")
    assert confirm.status_code == 200
    assert "Delete “Safer streets”?" in confirm.get_data(as_text=True)
    assert_valid_html(confirm.data, "delete")
    response = client.post(f"/clusters/manage/{picked}/delete", data={})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Cluster, picked) is None
        assert db.session.scalars(select(ClusterItem)).all() == []
        from app.initiatives.models import Initiative

        assert db.session.get(Initiative, initiative) is not None
    assert audit_actions(app)[-1] == "delete_cluster"


def test_every_form_needs_its_csrf_token(app, client, picked, make_initiative):
    add(client, picked, str(make_initiative()))
    [item] = item_ids(app, picked)
    for url, data in [
        ("/clusters/manage/new", details()),
        (f"/clusters/manage/{picked}", details()),
        (f"/clusters/manage/{picked}/items", {"initiative": "1"}),
        (f"/clusters/manage/{picked}/items/{item}/note", {f"item-{item}-note": "x"}),
        (f"/clusters/manage/{picked}/items/{item}/move", {"direction": "up"}),
        (f"/clusters/manage/{picked}/items/{item}/remove", {}),
        (f"/clusters/manage/{picked}/publish", {}),
        (f"/clusters/manage/{picked}/unpublish", {}),
        (f"/clusters/manage/{picked}/delete", {}),
    ]:
        assert client.post(url, data=data, csrf=False).status_code == 400, url
    assert cluster_row(app, picked).state == "draft"
    assert len(item_ids(app, picked)) == 1


def test_manage_page_lists_every_cluster_with_its_state(app, client, moderator, make_initiative):
    create_cluster(app, [make_initiative(), make_initiative(state="pending")], title="Picked")
    create_cluster(app, title="Filtered", filter_query="theme=health", state="draft")
    response = client.get("/clusters/manage")
    assert response.status_code == 200
    assert_valid_html(response.data, "/clusters/manage")
    page = response.get_data(as_text=True)
    assert "1 published example" in page
    assert "Saved filter: <code>theme=health</code>" in page
    assert ">Draft<" in page and ">Published<" in page


def test_changes_arrive_in_order_of_time(app, client, picked, make_initiative):
    """Each change bumps updated_at, so feeds and embeds see a new version."""
    add(client, picked, str(make_initiative(title="One")))
    moments = [cluster_row(app, picked).updated_at]
    [item] = item_ids(app, picked)
    for url, data in [
        (f"/clusters/manage/{picked}/items/{item}/note", {f"item-{item}-note": "New"}),
        (f"/clusters/manage/{picked}/publish", {}),
        (f"/clusters/manage/{picked}", details(title="Renamed", slug="safer-streets")),
    ]:
        time.sleep(0.002)
        client.post(url, data=data)
        moments.append(cluster_row(app, picked).updated_at)
    assert moments == sorted(set(moments))


@pytest.mark.parametrize(
    "query",
    [
        "kind=filter&filter_query=near%3Dx",
        "kind=odd",
        "kind=filter&filter_query=%00theme",
        "page=x",
    ],
)
def test_odd_prefills_never_fail(client, moderator, query):
    response = client.get(f"/clusters/manage/new?{query}")
    assert response.status_code == 200
    assert "\x00" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "nonsense"),
        ("title", "x" * 201),
        ("introduction", "x" * 20_001),
        ("filter_query", "q=" + "x" * 2_000),
    ],
)
def test_bad_details_are_refused_with_a_message_beside_the_field(client, moderator, field, value):
    data = details(**{field: value})
    if field == "filter_query":
        data["kind"] = "filter"
    response = client.post("/clusters/manage/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'href="#{field}"' in page  # the error summary points at the field
