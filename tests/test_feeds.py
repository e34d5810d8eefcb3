"""Atom and RSS feeds of filtered lists and clusters: valid, ordered, public only, cacheable."""

from __future__ import annotations

import html
import re
import time
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import feedparser
import pytest
import time_machine
from lxml import etree

from app.extensions import db
from app.initiatives.models import Initiative
from app.timeutil import utcnow
from tests.support.queries import count_queries
from tests.test_clusters import XSS_PAYLOADS, create_cluster, set_times

ATOM = "{http://www.w3.org/2005/Atom}"
RIGHTS = "Open data under CC BY 4.0: https://creativecommons.org/licenses/by/4.0/"
FEEDS = ["/feeds/initiatives.atom", "/feeds/initiatives.rss"]


def parsed(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def titles(feed) -> list[str]:
    return [entry.title for entry in feed.entries]


def shown_text(detail) -> str:
    """What a reader shows for a feed text: plain text as it is, HTML as its text (and HTML that
    holds any tag at all is not text)."""
    if detail.type == "text/plain":
        return detail.value
    assert detail.type == "text/html"
    assert not re.search(r"<[a-z/!?]", detail.value, re.IGNORECASE), detail.value
    return html.unescape(detail.value)


def touch(app, initiative_id: int) -> None:
    with app.app_context():
        db.session.get(Initiative, initiative_id).updated_at = utcnow() + timedelta(seconds=1)
        db.session.commit()


@pytest.fixture
def three(app, make_initiative):
    """Three published initiatives published 3, 2 and 1 days ago, and a pending one."""
    ids = []
    for days, title in ((3, "Oldest"), (2, "Middle"), (1, "Newest")):
        initiative = make_initiative(title=title, themes=["health"])
        set_times(app, initiative, days)
        ids.append(initiative)
    make_initiative(title="Pending", themes=["health"], state="pending")
    return ids


# Filtered feeds


@pytest.mark.parametrize("url", FEEDS)
def test_filtered_feed_is_valid_newest_first_and_public_only(client, three, url):
    feed = parsed(client, url)
    assert titles(feed) == ["Newest", "Middle", "Oldest"]
    assert feed.feed.rights == RIGHTS
    assert feed.feed.language == "en-GB"


def test_feeds_have_their_content_types(client, three):
    atom = client.get("/feeds/initiatives.atom")
    rss = client.get("/feeds/initiatives.rss")
    assert atom.mimetype == "application/atom+xml"
    assert rss.mimetype == "application/rss+xml"
    assert atom.headers["Cache-Control"] == "public, max-age=300"


def test_filters_narrow_the_feed_and_are_kept_canonical(client, three, make_initiative):
    make_initiative(title="Safety walk", themes=["safety"])
    feed = parsed(client, "/feeds/initiatives.atom?theme=safety&sort=title&theme=safety")
    assert titles(feed) == ["Safety walk"]
    self_link = next(link for link in feed.feed.links if link.rel == "self")
    assert self_link.href == "http://localhost/feeds/initiatives.atom?theme=safety"
    page = next(link for link in feed.feed.links if link.rel == "alternate")
    assert page.href == "http://localhost/initiatives?theme=safety"
    assert feed.feed.id == "http://localhost/feeds/initiatives.atom?theme=safety"


@pytest.mark.parametrize(
    "query", ["theme=nope", "near=north,west", "bbox=1,2,3", "radius_km=2", "verified=yes"]
)
@pytest.mark.parametrize("url", FEEDS)
def test_bad_filters_get_400_with_a_plain_message(client, url, query):
    response = client.get(f"{url}?{query}")
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True).startswith("The filters are not valid.")


def test_feed_entries_are_complete_with_aware_dates(app, client, make_initiative):
    initiative = make_initiative(title="Street watch", themes=["safety", "health"])
    atom = parsed(client, "/feeds/initiatives.atom")
    [entry] = atom.entries
    assert entry.link == f"http://localhost/initiatives/{initiative}-street-watch"
    assert entry.id.startswith("tag:localhost,") and entry.id.endswith(
        f":initiatives/{initiative}"
    )
    assert entry.summary.endswith("residents run “Street watch”.")
    assert entry.summary_detail.type == "text/plain"
    assert [tag.term for tag in entry.tags] == ["safety", "health"]
    raw = etree.fromstring(client.get("/feeds/initiatives.atom").data)
    for element in raw.iter(f"{ATOM}updated", f"{ATOM}published"):
        assert datetime.fromisoformat(element.text).tzinfo is not None
    rss_raw = etree.fromstring(client.get("/feeds/initiatives.rss").data)
    for element in rss_raw.iter("pubDate", "lastBuildDate"):
        assert parsedate_to_datetime(element.text).tzinfo is not None
    [rss_entry] = parsed(client, "/feeds/initiatives.rss").entries
    assert rss_entry.id == entry.id
    assert rss_entry.guidislink is False


def test_entry_ids_survive_a_new_title(app, client, make_initiative):
    initiative = make_initiative(title="Street watch")
    before = parsed(client, "/feeds/initiatives.atom").entries[0].id
    with app.app_context():
        db.session.get(Initiative, initiative).title = "Street watch, renamed"
        db.session.commit()
    assert parsed(client, "/feeds/initiatives.atom").entries[0].id == before


def test_feed_holds_at_most_feed_limit_entries(app, client, make_initiative, monkeypatch):
    monkeypatch.setitem(app.config, "FEED_LIMIT", 2)
    for title in ("A", "B", "C"):
        make_initiative(title=title)
    assert len(parsed(client, "/feeds/initiatives.rss").entries) == 2


def test_empty_feed_is_still_valid(client):
    for url in FEEDS:
        assert parsed(client, f"{url}?theme=health").entries == []


# Cluster feeds


@pytest.mark.parametrize("suffix", ["atom", "rss"])
def test_hand_picked_cluster_feed_keeps_the_curators_order(
    app, client, three, suffix, make_initiative
):
    oldest, middle, newest = three
    hidden = make_initiative(title="Withdrawn", state="archived")
    create_cluster(app, [middle, hidden, oldest, newest], notes={oldest: "A classic."})
    feed = parsed(client, f"/clusters/safer-streets.{suffix}")
    assert titles(feed) == ["Middle", "Oldest", "Newest"]
    assert feed.feed.rights == RIGHTS
    assert feed.feed.title == "Safer streets · Coproduce"
    noted = feed.entries[1]
    shown = noted.content[0].value if suffix == "atom" else noted.summary
    assert "Curator’s note: A classic." in shown
    assert "Curator’s note" not in feed.entries[0].get("content", [{"value": ""}])[0]["value"]


@pytest.mark.parametrize("suffix", ["atom", "rss"])
def test_saved_filter_cluster_feed_is_newest_first_and_current(app, client, three, suffix):
    create_cluster(app, title="Health", filter_query="theme=health")
    assert titles(parsed(client, f"/clusters/health.{suffix}")) == ["Newest", "Middle", "Oldest"]


def test_cluster_feed_id_is_stable_across_a_new_address(app, client):
    cluster_id = create_cluster(app, title="Safer streets")
    before = parsed(client, "/clusters/safer-streets.atom").feed.id
    from app.clusters.models import Cluster

    with app.app_context():
        db.session.get(Cluster, cluster_id).slug = "renamed"
        db.session.commit()
    assert parsed(client, "/clusters/renamed.atom").feed.id == before
    assert before.endswith(f":clusters/{cluster_id}")


def test_unknown_or_draft_cluster_feeds_are_not_found(app, client):
    create_cluster(app, title="Draft", state="draft")
    for url in ["/clusters/draft.atom", "/clusters/draft.rss", "/clusters/nope.atom"]:
        assert client.get(url).status_code == 404


# Conditional GET


@pytest.mark.parametrize("url", ["/feeds/initiatives.atom", "/clusters/safer-streets.rss"])
def test_conditional_get_answers_304_until_an_initiative_changes(app, client, three, url):
    create_cluster(app, three)
    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    since = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    touch(app, three[0])
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def test_feed_etag_changes_with_a_curators_note_and_order(app, client, three, make_user, auth):
    cluster_id = create_cluster(app, three)
    etag = client.get("/clusters/safer-streets.atom").headers["ETag"]
    auth.login(make_user(role="moderator").email)
    from app.clusters.models import ClusterItem

    with app.app_context():
        item = db.session.query(ClusterItem).filter_by(initiative_id=three[0]).one().id
    time.sleep(0.002)
    client.post(
        f"/clusters/manage/{cluster_id}/items/{item}/note", data={f"item-{item}-note": "New"}
    )
    noted = client.get("/clusters/safer-streets.atom", headers={"If-None-Match": etag})
    assert noted.status_code == 200
    client.post(f"/clusters/manage/{cluster_id}/items/{item}/move", data={"direction": "down"})
    moved = client.get(
        "/clusters/safer-streets.atom", headers={"If-None-Match": noted.headers["ETag"]}
    )
    assert moved.status_code == 200
    assert titles(feedparser.parse(moved.data))[:2] == ["Middle", "Oldest"]


def test_unpublishing_an_initiative_removes_it_and_changes_the_etag(app, client, three):
    first = client.get("/feeds/initiatives.atom")
    with app.app_context():
        db.session.get(Initiative, three[2]).state = "archived"
        db.session.commit()
    response = client.get(
        "/feeds/initiatives.atom", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert response.status_code == 200
    assert titles(feedparser.parse(response.data)) == ["Middle", "Oldest"]


# User text


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
@pytest.mark.parametrize("suffix", ["atom", "rss"])
def test_user_text_is_inert_in_feeds(app, client, make_initiative, payload, suffix):
    initiative = make_initiative(title=f"Walk {payload}", summary=payload)
    create_cluster(
        app,
        [initiative],
        notes={initiative: payload},
        title=f"Cluster {payload}",
        slug="evil",
        introduction=payload,
    )
    for url in [f"/clusters/evil.{suffix}", f"/feeds/initiatives.{suffix}"]:
        response = client.get(url)
        raw = response.data
        assert b"<script" not in raw and b"<img" not in raw, url
        document = etree.fromstring(raw)
        assert not [e for e in document.iter() if etree.QName(e).localname in ("script", "img")]
        feed = feedparser.parse(raw)
        assert not feed.bozo
        [entry] = feed.entries
        assert shown_text(entry.title_detail) == f"Walk {payload}"  # the text, not markup
        details = [entry.title_detail, entry.summary_detail]
        if url.startswith("/clusters/"):
            details += [feed.feed.title_detail, feed.feed.subtitle_detail]
        for detail in details:
            if detail.type == "text/plain":
                assert payload in detail.value  # shown as the text it is
            else:  # HTML (RSS descriptions): the payload arrives as escaped text only
                assert detail.type == "text/html"
                assert "<script" not in detail.value and "<img" not in detail.value


@pytest.mark.parametrize(
    "title",
    [
        'XF04 <a href="javascript:alert(1)">click</a>',
        "<b>Bold</b> & co",
        "Tom &amp; Jerry &lt;3",
        "&copy; the residents",
        "<!-- hidden --> walk",
    ],
)
@pytest.mark.parametrize("suffix", ["atom", "rss"])
def test_titles_with_markup_reach_readers_as_literal_text(
    app, client, make_initiative, title, suffix
):
    initiative = make_initiative(title=title)
    create_cluster(app, [initiative], title=title, slug="marked")
    for url in [f"/feeds/initiatives.{suffix}", f"/clusters/marked.{suffix}"]:
        feed = parsed(client, url)
        [entry] = feed.entries
        assert shown_text(entry.title_detail) == title, url
    assert shown_text(feed.feed.title_detail) == f"{title} · Coproduce"


@pytest.mark.parametrize("title", ["Fish & chips", "x < y > z", "Repair café"])
def test_rss_titles_without_markup_stay_plain_text(client, make_initiative, title):
    make_initiative(title=title)
    [entry] = parsed(client, "/feeds/initiatives.rss").entries
    assert (entry.title_detail.type, entry.title) == ("text/plain", title)


def test_rss_descriptions_are_escaped_html(app, client, make_initiative):
    make_initiative(title="<b>Bold</b> & co")
    raw = client.get("/feeds/initiatives.rss").get_data(as_text=True)
    assert "&lt;p&gt;" in raw
    assert "&amp;lt;b&amp;gt;Bold&amp;lt;/b&amp;gt; &amp;amp; co" in raw
    [entry] = parsed(client, "/feeds/initiatives.rss").entries
    assert "<b>" not in entry.summary


def test_text_xml_cannot_hold_is_dropped_not_fatal(app, client, make_initiative):
    initiative = make_initiative(title="Plain title")
    with app.app_context():
        db.session.get(Initiative, initiative).title = "Odd \x0b\ufffe title"
        db.session.commit()
    for url in FEEDS:
        assert titles(parsed(client, url)) == ["Odd  title"]


# Discovery and cost


@pytest.mark.parametrize(
    ("url", "feed_query"),
    [
        ("/initiatives?theme=health&sort=title", "?theme=health"),
        ("/initiatives", ""),
        ("/themes/health", "?theme=health"),
        ("/map?theme=health", "?theme=health"),
    ],
)
def test_list_pages_advertise_their_filtered_feeds(client, url, feed_query):
    page = client.get(url).get_data(as_text=True)
    for kind, path in [("atom", "initiatives.atom"), ("rss", "initiatives.rss")]:
        href = f"http://localhost/feeds/{path}{feed_query.replace('&', '&amp;')}"
        assert f'<link rel="alternate" type="application/{kind}+xml" href="{href}"' in page, url


def test_neighbourhood_page_advertises_its_feed(client, make_neighbourhood):
    make_neighbourhood(name="Kirkstall", slug="kirkstall")
    page = client.get("/neighbourhoods/kirkstall").get_data(as_text=True)
    assert 'href="http://localhost/feeds/initiatives.atom?neighbourhood=kirkstall"' in page
    assert 'title="Initiatives: in Kirkstall (Atom)"' in page


def test_pages_with_bad_filters_advertise_no_feed(client):
    page = client.get("/initiatives?theme=nope").get_data(as_text=True)
    assert "application/atom+xml" not in page


@pytest.mark.parametrize("url", ["/feeds/initiatives.atom", "/clusters/many.rss"])
def test_feed_queries_do_not_grow_with_entries(app, client, make_initiative, url):
    def measure(count: int) -> int:
        ids = [
            make_initiative(
                participants=[
                    {"sector": "residents", "name": "", "roles": [], "people": 3, "hours": 1}
                ],
                outcomes=[{"description": "Better."}],
            )
            for _ in range(count)
        ]
        with app.app_context():
            from app.clusters.models import Cluster

            db.session.query(Cluster).delete()
            db.session.commit()
        create_cluster(app, ids, title="Many")
        with count_queries(app) as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    assert measure(2) == measure(8)


def test_if_modified_since_alone_is_not_fooled_by_an_initiative_leaving_the_list(
    app, client, three
):
    first = client.get("/feeds/initiatives.atom")
    # A later second: HTTP dates are whole seconds (within one, the ETag tells versions apart).
    with app.app_context(), time_machine.travel(utcnow() + timedelta(seconds=1)):
        newest = db.session.get(Initiative, three[2])
        newest.state = "archived"
        db.session.commit()
    since = client.get(
        "/feeds/initiatives.atom", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert since.status_code == 200
    assert b"Newest" not in since.data


def test_an_empty_feed_is_revalidated_by_its_etag(client):
    first = client.get("/feeds/initiatives.atom?q=nothing-matches-this")
    assert first.status_code == 200
    assert (
        client.get(
            "/feeds/initiatives.atom?q=nothing-matches-this",
            headers={"If-None-Match": first.headers["ETag"]},
        ).status_code
        == 304
    )


def test_a_filtered_feed_is_titled_by_every_filter_it_has(client):
    parsed = feedparser.parse(
        client.get("/feeds/initiatives.atom?stage=co-design&status=completed&verified=1").data
    )
    title = parsed.feed.title
    assert "co-design" in title and "completed" in title and "verified" in title
