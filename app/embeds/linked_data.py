"""schema.org JSON-LD for initiative and cluster pages, built as plain dicts.

Templates write these with ``|tojson`` (a JSON encoder that also escapes ``<``, ``>`` and ``&``),
never by string building. Only public data goes in: published examples, public points and place
names, and an author only where the submitter chose to be credited.
"""

from __future__ import annotations

from flask import current_app, url_for

from app.clusters.models import Cluster
from app.clusters.services import ExampleSet, cluster_example_set, introduction_excerpt
from app.initiatives.bilingual import shown_title
from app.initiatives.examples import example_text
from app.initiatives.models import Initiative
from app.initiatives.public import public_photos, public_place_name
from app.initiatives.services import initiative_url
from app.languages import HTML_LANG, current_language
from app.photos.services import size_url
from app.timeutil import iso_time

DESCRIPTION_LENGTH = 300
CLUSTER_ITEMS_IN_JSON_LD = 100


def public_author(initiative: Initiative) -> str | None:
    """Who an initiative is credited to in public, or None when its submitter chose not to be
    named (an anonymous credit is never turned into a name)."""
    credit_name = (initiative.credit_name or "").strip()
    if initiative.credit == "organisation" and credit_name:
        return credit_name
    if initiative.credit == "name" and initiative.submitter is not None:
        return initiative.submitter.display_name
    return None


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
            "name": shown_title(initiative),
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
    images = [
        _without_empty(
            {
                "@type": "ImageObject",
                "contentUrl": size_url(photo, "1280.jpg"),
                "url": size_url(photo, "1280.jpg"),
                "width": (photo.sizes.get("1280") or {}).get("width"),
                "height": (photo.sizes.get("1280") or {}).get("height"),
                "description": photo.alt,
                "caption": photo.caption,
                "creditText": photo.credit,
                "license": current_app.config["DATA_LICENCE_URL"],
                "thumbnailUrl": size_url(photo, "320.jpg"),
            }
        )
        for photo in public_photos(initiative)
    ]
    return _without_empty(
        {
            "@context": "https://schema.org",
            "@type": "WebPage",
            "url": url,
            "name": shown_title(initiative),
            "description": example or example_text(initiative),
            "inLanguage": HTML_LANG[current_language()],
            "license": current_app.config["DATA_LICENCE_URL"],
            "datePublished": iso_time(initiative.published_at, zulu=False),
            "dateModified": iso_time(initiative.updated_at, zulu=False),
            "isPartOf": _website(),
            "image": images,
            "primaryImageOfPage": images[0] if images else None,
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
            "name": shown_title(example.initiative),
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
            "inLanguage": HTML_LANG[current_language()],
            "license": current_app.config["DATA_LICENCE_URL"],
            "datePublished": iso_time(cluster.published_at, zulu=False),
            "dateModified": iso_time(example_set.updated_at, zulu=False),
            "isPartOf": _website(),
            "mainEntity": {
                "@type": "ItemList",
                "name": cluster.title,
                "numberOfItems": len(items),
                "itemListElement": items,
            },
        }
    )
