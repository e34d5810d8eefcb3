"""What pages tell other sites about themselves: oEmbed discovery, Open Graph and Twitter meta,
schema.org JSON-LD, and the "Embed / subscribe" panel.

Each is built here as plain data (dicts, dataclasses) and written by templates through the
escaping the template engine does anyway (``|tojson`` for JSON-LD): never by string building.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from flask import current_app, g, request, url_for
from jinja2 import pass_context

from app.clusters.models import Cluster
from app.clusters.services import (
    ExampleSet,
    cluster_example_set,
    describe_filter,
    introduction_excerpt,
)
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
from app.filters import InitiativeFilter, canonical_query
from app.initiatives.examples import example_text
from app.initiatives.models import Initiative
from app.initiatives.public import is_public, public_place_name
from app.initiatives.services import initiative_url

DESCRIPTION_LENGTH = 300
CLUSTER_ITEMS_IN_JSON_LD = 100
PREVIEW_MAX_HEIGHT = 800


def public_author(initiative: Initiative) -> str | None:
    """Who an initiative is credited to in public, or None when its submitter chose not to be
    named (an anonymous credit is never turned into a name)."""
    credit_name = (initiative.credit_name or "").strip()
    if initiative.credit == "organisation" and credit_name:
        return credit_name
    if initiative.credit == "name" and initiative.submitter is not None:
        return initiative.submitter.display_name
    return None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _website() -> dict:
    return {
        "@type": "WebSite",
        "name": current_app.config["SITE_NAME"],
        "url": url_for("pages.home", _external=True),
    }


def _without_empty(data: dict) -> dict:
    return {key: value for key, value in data.items() if value not in (None, "", [], {})}


def initiative_json_ld(initiative: Initiative, example: str | None = None) -> dict:
    """schema.org data of an initiative's page: a WebPage about a Project, public place only."""
    neighbourhood = initiative.neighbourhood
    place = _without_empty(
        {
            "@type": "Place",
            "name": public_place_name(initiative) or (neighbourhood.name if neighbourhood else ""),
            "containedInPlace": {"@type": "Place", "name": neighbourhood.name}
            if neighbourhood
            else None,
        }
    )
    if initiative.public_latitude is not None and initiative.public_longitude is not None:
        place["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": initiative.public_latitude,
            "longitude": initiative.public_longitude,
        }
    url = initiative_url(initiative, _external=True)
    project = _without_empty(
        {
            "@type": "Project",
            "name": initiative.title,
            "description": initiative.summary,
            "url": url,
            "keywords": [theme.name for theme in initiative.themes],
            "location": place if len(place) > 1 else None,
            "member": [
                {"@type": "Organization", "name": participant.name}
                for participant in initiative.participants
                if (participant.name or "").strip()
            ],
            "foundingDate": initiative.started_on.isoformat() if initiative.started_on else None,
            "dissolutionDate": initiative.ended_on.isoformat() if initiative.ended_on else None,
        }
    )
    author = public_author(initiative)
    return _without_empty(
        {
            "@context": "https://schema.org",
            "@type": "WebPage",
            "url": url,
            "name": initiative.title,
            "description": example or example_text(initiative),
            "inLanguage": "en-GB",
            "license": current_app.config["DATA_LICENCE_URL"],
            "datePublished": _iso(initiative.published_at),
            "dateModified": _iso(initiative.updated_at),
            "isPartOf": _website(),
            "author": {
                "@type": "Organization" if initiative.credit == "organisation" else "Person",
                "name": author,
            }
            if author
            else None,
            "mainEntity": project,
        }
    )


def cluster_json_ld(cluster: Cluster, example_set: ExampleSet | None = None) -> dict:
    """schema.org data of a cluster's page: a CollectionPage holding an ItemList of examples."""
    if example_set is None:
        example_set = cluster_example_set(cluster, CLUSTER_ITEMS_IN_JSON_LD)
    items = [
        {
            "@type": "ListItem",
            "position": position,
            "url": initiative_url(example.initiative, _external=True),
            "name": example.initiative.title,
            "description": example_text(example.initiative),
        }
        for position, example in enumerate(example_set.examples, start=1)
    ]
    url = url_for("clusters.show_cluster", slug=cluster.slug, _external=True)
    return _without_empty(
        {
            "@context": "https://schema.org",
            "@type": "CollectionPage",
            "url": url,
            "name": cluster.title,
            "description": introduction_excerpt(cluster, DESCRIPTION_LENGTH),
            "inLanguage": "en-GB",
            "license": current_app.config["DATA_LICENCE_URL"],
            "datePublished": _iso(cluster.published_at),
            "dateModified": _iso(example_set.updated_at),
            "isPartOf": _website(),
            "mainEntity": {
                "@type": "ItemList",
                "name": cluster.title,
                "numberOfItems": len(items),
                "itemListElement": items,
            },
        }
    )


def _shorten(text: str, length: int = DESCRIPTION_LENGTH) -> str:
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    return text[: length - 1].rsplit(" ", 1)[0] + "…"


def _subject(context) -> tuple[str, object] | None:
    """What a page is about, from its template context: a public initiative, a published
    cluster, or a filtered list (when its filters are valid)."""
    initiative = context.get("initiative")
    if isinstance(initiative, Initiative):
        return ("initiative", initiative) if is_public(initiative) else None
    cluster = context.get("cluster")
    if isinstance(cluster, Cluster):
        return ("cluster", cluster) if cluster.is_published else None
    initiative_filter = context.get("initiative_filter")
    if isinstance(initiative_filter, InitiativeFilter) and not context.get("errors"):
        return "filter", initiative_filter
    return None


def list_page_url(initiative_filter: InitiativeFilter) -> str:
    """The page to share for a filtered view: the map on the map page, else the list."""
    if request.endpoint == "mappage.show_map":
        query = canonical_query(initiative_filter)
        return url_for("mappage.show_map", _external=True) + ("?" + query if query else "")
    return filter_page_url(initiative_filter)


def _page(kind: str, subject) -> tuple[str, str]:
    """(address, title) of the page about a subject."""
    if kind == "initiative":
        return initiative_url(subject, _external=True), subject.title
    if kind == "cluster":
        return url_for("clusters.show_cluster", slug=subject.slug, _external=True), subject.title
    return list_page_url(subject), _filter_title(subject)


def _filter_title(initiative_filter: InitiativeFilter) -> str:
    """describe_filter, asked once per request however many parts of a page need it."""
    titles = g.setdefault("embeds_filter_titles", {})
    if initiative_filter not in titles:
        titles[initiative_filter] = describe_filter(initiative_filter)
    return titles[initiative_filter]


@pass_context
def oembed_discovery(context) -> dict[str, str] | None:
    """The oEmbed discovery link of this page: its href and title (None when not public)."""
    subject = _subject(context)
    if subject is None:
        return None
    url, title = _page(*subject)
    href = url_for("embeds.oembed_answer", url=url, format="json", _external=True)
    return {"href": href, "title": title}


@pass_context
def share_meta(context) -> dict | None:
    """Open Graph / Twitter card values and the JSON-LD of an initiative or cluster page."""
    subject = _subject(context)
    if subject is None or subject[0] == "filter":
        return None
    kind, item = subject
    url, title = _page(kind, item)
    if kind == "initiative":
        description = context.get("example") or example_text(item)
        data = initiative_json_ld(item, description)
    else:
        example_set = context.get("example_set")
        data = cluster_json_ld(item, example_set if isinstance(example_set, ExampleSet) else None)
        fallback = f"Examples of neighbourhood co-production: {title}"
        description = data.get("description") or fallback
    return {
        "title": title,
        "description": _shorten(description),
        "url": url,
        "published": _iso(item.published_at),
        "modified": _iso(item.updated_at),
        "json_ld": data,
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
        return f"{self.title}: examples from {current_app.config['SITE_NAME']}"

    @property
    def max_limit(self) -> int:
        return max_limit()

    @property
    def iframe_snippet(self) -> str:
        return iframe_html(self.embed_url, self.frame_title, "100%", self.preview_height)

    @property
    def script_snippet(self) -> str:
        return script_html(self.script_url, [self.subject, *self.options.pairs()])


@pass_context
def embed_panel(context) -> EmbedPanel | None:
    """The panel's content for this page's cluster or filter (None when there is none)."""
    subject = _subject(context)
    if subject is None or subject[0] == "initiative":
        return None
    kind, item = subject
    options, errors = read_options(request.args)
    if errors:
        options = EmbedOptions()
    if request.endpoint == "mappage.show_map" and not request.args.get("layout"):
        options = replace(options, layout="map")  # what was shared from the map is a map
    if kind == "cluster":
        embed_base, embed_url = cluster_embed_url(item), cluster_embed_url(item, options)
        attribute = ("cluster", item.slug)
    else:
        embed_base, embed_url = filter_embed_url(item), filter_embed_url(item, options)
        attribute = ("filter", canonical_query(item))
    page_url, title = _page(kind, item)
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


TEMPLATE_GLOBALS = {
    "oembed_discovery": oembed_discovery,
    "share_meta": share_meta,
    "embed_panel": embed_panel,
    "initiative_json_ld": initiative_json_ld,
    "cluster_json_ld": cluster_json_ld,
}
