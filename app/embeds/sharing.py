"""What pages tell other sites about themselves: oEmbed discovery, Open Graph and Twitter meta
with JSON-LD (app/embeds/linked_data.py), and the "Embed / subscribe" panel.

Each is a template global reading the page's own context (an initiative, a cluster or a
filter), built as plain data and written by templates with their usual escaping.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from flask import current_app, request, url_for
from flask_babel import gettext as _
from jinja2 import pass_context
from jinja2.runtime import Context

from app.clusters.models import Cluster
from app.clusters.services import (
    ExampleSet,
    describe_filter,
)
from app.embeds.linked_data import cluster_json_ld, initiative_json_ld
from app.embeds.services import (
    LAYOUTS,
    OPTION_NAMES,
    SCHEMES,
    EmbedOptions,
    cluster_embed_url,
    estimated_height,
    filter_embed_url,
    filter_page_url,
    iframe_html,
    max_limit,
    read_options,
    script_html,
)
from app.initiatives.bilingual import shown_title
from app.initiatives.examples import example_text
from app.initiatives.models import Initiative
from app.initiatives.public import is_public, public_photos
from app.initiatives.services import initiative_url
from app.languages import LANGUAGE_ARGUMENT, WELSH, is_welsh
from app.photos.services import size_url
from app.shared_filters.canonical import canonical_query
from app.shared_filters.parse import InitiativeFilter
from app.timeutil import iso_time

DESCRIPTION_LENGTH = 300
PREVIEW_MAX_HEIGHT = 800


def _shorten(text: str, length: int = DESCRIPTION_LENGTH) -> str:
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    return text[: length - 1].rsplit(" ", 1)[0] + "…"


Subject = Initiative | Cluster | InitiativeFilter


def _subject(context: Context) -> Subject | None:
    """What a page is about, from its template context: a public initiative, a published
    cluster, or a filtered list (when its filters are valid)."""
    initiative = context.get("initiative")
    if isinstance(initiative, Initiative):
        return initiative if is_public(initiative) else None
    cluster = context.get("cluster")
    if isinstance(cluster, Cluster):
        return cluster if cluster.is_published else None
    initiative_filter = context.get("initiative_filter")
    if isinstance(initiative_filter, InitiativeFilter) and not context.get("errors"):
        return initiative_filter
    return None


def list_page_url(initiative_filter: InitiativeFilter) -> str:
    """The page to share for a filtered view: the map on the map page, else the list."""
    if request.endpoint == "maps.show_map":
        query = canonical_query(initiative_filter)
        return url_for("maps.show_map", _external=True) + ("?" + query if query else "")
    return filter_page_url(initiative_filter)


def _page(subject: Subject) -> tuple[str, str]:
    """(address, title) of the page about a subject."""
    if isinstance(subject, Initiative):
        return initiative_url(subject, _external=True), shown_title(subject)
    if isinstance(subject, Cluster):
        return url_for("clusters.show_cluster", slug=subject.slug, _external=True), subject.title
    return list_page_url(subject), describe_filter(subject)


@pass_context
def oembed_discovery(context: Context) -> dict[str, str] | None:
    """The oEmbed discovery link of this page: its href and title (None when not public)."""
    subject = _subject(context)
    if subject is None:
        return None
    url, title = _page(subject)
    href = url_for("embeds.oembed_answer", url=url, format="json", _external=True)
    return {"href": href, "title": title}


@pass_context
def share_meta(context: Context) -> dict[str, Any] | None:
    """Open Graph / Twitter card values and the JSON-LD of an initiative or cluster page."""
    item = _subject(context)
    if not isinstance(item, Initiative | Cluster):
        return None
    url, title = _page(item)
    if isinstance(item, Initiative):
        description = context.get("example") or example_text(item)
        data = initiative_json_ld(item, description)
        image = social_image(item)
    else:
        example_set = context.get("example_set")
        data = cluster_json_ld(item, example_set if isinstance(example_set, ExampleSet) else None)
        fallback = _("Examples of neighbourhood co-production: %(title)s", title=title)
        description = data.get("description") or fallback
        examples = example_set.examples if isinstance(example_set, ExampleSet) else []
        image = next(
            (found for example in examples if (found := social_image(example.initiative))), None
        )
    return {
        "title": title,
        "description": _shorten(description),
        "url": url,
        "published": iso_time(item.published_at, zulu=False),
        "modified": iso_time(item.updated_at, zulu=False),
        "json_ld": data,
        "image": image,
    }


def social_image(initiative: Initiative) -> dict[str, Any] | None:
    """The card picture of an initiative: its first public photo's 1200×630 crop."""
    photos = public_photos(initiative)
    if not photos:
        return None
    photo = photos[0]
    size = photo.sizes.get("social") or {}
    return {
        "url": size_url(photo, "social.jpg"),
        "width": size.get("width"),
        "height": size.get("height"),
        "alt": photo.alt,
    }


@dataclass
class EmbedPanel:
    """Everything the "Embed / subscribe" panel shows for a cluster or a filtered list."""

    title: str
    options: EmbedOptions
    embed_base: str  # the embed's address without options
    embed_url: str
    script_url: str
    subject: tuple[str, str]  # ("cluster", slug) or ("filter", canonical query)
    page_url: str
    preview_height: int
    is_open: bool
    keep: list[tuple[str, str]] = field(default_factory=list)  # the page's other parameters
    layouts: dict[str, str] = field(default_factory=lambda: LAYOUTS)
    schemes: dict[str, str] = field(default_factory=lambda: SCHEMES)

    @property
    def frame_title(self) -> str:
        return _(
            "%(title)s: examples from %(site_name)s",
            title=self.title,
            site_name=current_app.config["SITE_NAME"],
        )

    @property
    def defaults(self) -> dict[str, str]:
        """The options an address leaves out (the panel's script mirrors EmbedOptions.pairs)."""
        default = EmbedOptions()
        return {"layout": default.layout, "limit": str(default.limit), "scheme": default.scheme}

    @property
    def max_limit(self) -> int:
        return max_limit()

    @property
    def iframe_snippet(self) -> str:
        return iframe_html(self.embed_url, self.frame_title, "100%", self.preview_height)

    @property
    def script_snippet(self) -> str:
        language = [(LANGUAGE_ARGUMENT, WELSH)] if is_welsh() else []
        return script_html(self.script_url, [self.subject, *self.options.pairs(), *language])


@pass_context
def embed_panel(context: Context) -> EmbedPanel | None:
    """The panel's content for this page's cluster or filter (None when there is none)."""
    item = _subject(context)
    if item is None or isinstance(item, Initiative):
        return None
    options, errors = read_options(request.args)
    if errors:
        options = EmbedOptions()
    if request.endpoint == "maps.show_map" and not request.args.get("layout"):
        options = replace(options, layout="map")  # what was shared from the map is a map
    if isinstance(item, Cluster):
        embed_base, embed_url = cluster_embed_url(item), cluster_embed_url(item, options)
        attribute = ("cluster", item.slug)
    else:
        embed_base, embed_url = filter_embed_url(item), filter_embed_url(item, options)
        attribute = ("filter", canonical_query(item))
    page_url, title = _page(item)
    return EmbedPanel(
        title=title,
        options=options,
        embed_base=embed_base,
        embed_url=embed_url,
        script_url=url_for("embeds.embed_script", _external=True),
        subject=attribute,
        page_url=page_url,
        preview_height=min(estimated_height(options, options.limit), PREVIEW_MAX_HEIGHT),
        is_open=any(name in request.args for name in OPTION_NAMES),
        keep=[(k, v) for k, v in request.args.items(multi=True) if k not in OPTION_NAMES],
    )


TEMPLATE_GLOBALS: dict[str, Callable[..., Any]] = {
    "oembed_discovery": oembed_discovery,
    "share_meta": share_meta,
    "embed_panel": embed_panel,
    "initiative_json_ld": initiative_json_ld,
    "cluster_json_ld": cluster_json_ld,
}
