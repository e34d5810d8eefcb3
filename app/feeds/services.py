"""Atom 1.0 and RSS 2.0 feeds of an example set, written by feedgen.

A feed shows exactly what the example set holds (published initiatives only, in its order:
newest first, or the curator's order for a hand-picked cluster). Every text goes in as plain
text, which feedgen escapes; ids are tag: URIs that survive renamed titles and slugs.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator
from flask import current_app, request, url_for

from app.clusters.services import ExampleSet
from app.initiatives.examples import example_text
from app.initiatives.models import Initiative
from app.initiatives.services import initiative_url

FEED_TYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml"}
# An empty feed still needs an "updated" time; a fixed one keeps its body (and ETag) stable.
NEVER = datetime(1970, 1, 1, tzinfo=UTC)
# Characters XML 1.0 cannot hold at all (lxml refuses them rather than escaping them).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class FeedAddresses:
    """Where a feed lives and what it is about (absolute URLs)."""

    feed_id: str  # the Atom id: stable for as long as the feed means the same thing
    self_url: str
    page_url: str  # the page the feed follows


def xml_text(text: str | None) -> str:
    """Text that any XML document can hold: characters XML forbids are dropped."""
    return _NOT_XML.sub("", text or "")


def tag_uri(moment: datetime, specific: str) -> str:
    """A tag: URI (RFC 4151) under this site's host name, dated by when the record began."""
    host = urlsplit(request.host_url).hostname or "localhost"
    return f"tag:{host},{moment.date().isoformat()}:{specific}"


def rights_text() -> str:
    """The data licence, as the feed's rights (Atom) and copyright (RSS)."""
    config = current_app.config
    return f"Open data under {config['DATA_LICENCE']}: {config['DATA_LICENCE_URL']}"


def feed_updated(example_set: ExampleSet) -> datetime:
    return example_set.updated_at or NEVER


def build_feed(
    example_set: ExampleSet, feed_format: str, addresses: FeedAddresses, description: str
) -> bytes:
    """The feed document of an example set in ``atom`` or ``rss``."""
    config = current_app.config
    site_name = config["SITE_NAME"]
    updated = feed_updated(example_set)
    feed = FeedGenerator()
    feed.id(addresses.feed_id)
    feed.title(xml_text(f"{example_set.title} · {site_name}"))
    description = xml_text(description)
    # RSS readers take a channel's description as HTML: escape the text once more for them.
    feed.subtitle(description if feed_format == "atom" else html.escape(description))
    feed.author({"name": site_name, "uri": url_for("pages.home", _external=True)})
    feed.generator(site_name, uri=url_for("pages.home", _external=True))
    # feedgen takes the last link as RSS's channel link: the page goes last.
    feed.link(href=addresses.self_url, rel="self", type=FEED_TYPES[feed_format])
    feed.link(href=config["DATA_LICENCE_URL"], rel="license")
    feed.link(href=addresses.page_url, rel="alternate", type="text/html")
    feed.rights(rights_text())
    feed.language("en-GB")
    feed.updated(updated)
    feed.lastBuildDate(updated)  # feedgen would write "now": the body must follow the ETag
    for example in example_set.examples:
        _add_entry(feed, feed_format, example.initiative, example.note)
    if feed_format == "atom":
        return feed.atom_str(pretty=True)
    return feed.rss_str(pretty=True)


def _add_entry(feed: FeedGenerator, feed_format: str, initiative: Initiative, note: str) -> None:
    published = initiative.published_at or initiative.updated_at
    entry = feed.add_entry(order="append")  # feedgen prepends by default
    entry_id = tag_uri(initiative.created_at, f"initiatives/{initiative.id}")
    entry.id(entry_id)
    entry.guid(entry_id, permalink=False)
    entry.title(xml_text(initiative.title))
    entry.link(href=initiative_url(initiative, _external=True), rel="alternate")
    summary = xml_text(example_text(initiative))
    note = xml_text(note.strip())
    if feed_format == "atom":
        entry.summary(summary)  # an Atom summary without a type is plain text
        if note:
            entry.content(f"{summary}\n\nCurator’s note: {note}", type="text")
    else:
        # RSS readers take a description as HTML: escape the text once more for them.
        paragraphs = [summary] + ([f"Curator’s note: {note}"] if note else [])
        entry.summary("".join(f"<p>{html.escape(text)}</p>" for text in paragraphs))
    entry.published(published)
    entry.updated(max(initiative.updated_at, published))
    for theme in initiative.themes:
        entry.category(term=theme.slug, label=xml_text(theme.name))
