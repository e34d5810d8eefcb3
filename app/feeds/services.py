"""Atom 1.0 and RSS 2.0 feeds of an example set, written by feedgen.

A feed shows exactly what the example set holds (published initiatives only, in its order:
newest first, or the curator's order for a hand-picked cluster). Every text goes in as plain
text, which feedgen escapes; RSS readers take descriptions (and titles that look like markup)
as HTML, so those are escaped once more. Ids are tag: URIs that survive renamed titles and
slugs.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator
from flask import current_app, request, url_for
from flask_babel import gettext as _

from app.clusters.services import ExampleSet
from app.initiatives.bilingual import local_name, shown_title
from app.initiatives.examples import example_text
from app.initiatives.models import Initiative
from app.initiatives.public import public_photos
from app.initiatives.services import initiative_url
from app.languages import HTML_LANG, current_language
from app.photos.services import size_url

FEED_TYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml"}
# An empty feed still needs an "updated" time; a fixed one keeps its body (and ETag) stable.
NEVER = datetime(1970, 1, 1, tzinfo=UTC)
# Characters XML 1.0 cannot hold at all (lxml refuses them rather than escaping them).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# What an HTML reader would take as a tag, comment or character reference rather than text.
_MARKUP = re.compile(r"<[a-z/!?]|&#?\w+;", re.IGNORECASE)


@dataclass(frozen=True)
class FeedAddresses:
    """Where a feed lives and what it is about (absolute URLs)."""

    feed_id: str  # the Atom id: stable for as long as the feed means the same thing
    self_url: str
    page_url: str  # the page the feed follows


def xml_text(text: str | None) -> str:
    """Text that any XML document can hold: characters XML forbids are dropped."""
    return _NOT_XML.sub("", text or "")


def rss_title(text: str) -> str:
    """A title for RSS, read as the text it is: many RSS readers take a title that looks like
    markup as HTML, so such a title is escaped once more for them; any other stays plain text
    (which every reader shows as it is)."""
    text = xml_text(text)
    return html.escape(text, quote=False) if _MARKUP.search(text) else text


def tag_uri(moment: datetime, specific: str) -> str:
    """A tag: URI (RFC 4151) under this site's host name, dated by when the record began."""
    host = urlsplit(request.host_url).hostname or "localhost"
    return f"tag:{host},{moment.date().isoformat()}:{specific}"


def rights_text() -> str:
    """The data licence, as the feed's rights (Atom) and copyright (RSS)."""
    config = current_app.config
    return _(
        "Open data under %(data_licence)s: %(data_licence_url)s",
        data_licence=config["DATA_LICENCE"],
        data_licence_url=config["DATA_LICENCE_URL"],
    )


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
    title = f"{example_set.title} · {site_name}"
    feed.title(xml_text(title) if feed_format == "atom" else rss_title(title))
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
    feed.language(HTML_LANG[current_language()])
    feed.updated(updated)
    feed.lastBuildDate(updated)  # feedgen would write "now": the body must follow the ETag
    if any(public_photos(example.initiative) for example in example_set.examples):
        feed.load_extension("media")  # Media RSS: a photo's thumbnail and its large size
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
    title = shown_title(initiative)
    entry.title(xml_text(title) if feed_format == "atom" else rss_title(title))
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
        entry.category(term=theme.slug, label=xml_text(local_name(theme)))
    photos = public_photos(initiative)
    if photos:
        photo, small = photos[0], photos[0].sizes.get("320") or {}
        large = photo.sizes.get("1280") or {}
        entry.media.content(
            {
                "url": size_url(photo, "1280.jpg"),
                "type": "image/jpeg",
                "medium": "image",
                "width": str(large.get("width", "")),
                "height": str(large.get("height", "")),
            }
        )
        entry.media.thumbnail(
            {
                "url": size_url(photo, "320.jpg"),
                "width": str(small.get("width", "")),
                "height": str(small.get("height", "")),
            }
        )
