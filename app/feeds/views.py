"""Atom and RSS feeds of clusters and filtered lists (feedgen)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request, url_for
from flask_babel import gettext as _

from app.caching import public_output
from app.clusters.models import Cluster
from app.clusters.services import (
    ExampleSet,
    cluster_example_set,
    describe_filter,
    filtered_example_set,
    find_published_cluster,
    introduction_excerpt,
)
from app.feeds.services import FEED_TYPES, FeedAddresses, build_feed, tag_uri
from app.languages import LANGUAGE_ARGUMENT, WELSH, check_language, is_welsh, with_language
from app.shared_filters.canonical import canonical_query
from app.shared_filters.parse import InitiativeFilter, is_slug

bp = Blueprint("feeds", __name__)
FEED_NAMES = {"atom": "Atom", "rss": "RSS"}


@bp.route("/feeds/initiatives.atom", defaults={"feed_format": "atom"}, endpoint="initiatives_atom")
@bp.route("/feeds/initiatives.rss", defaults={"feed_format": "rss"}, endpoint="initiatives_rss")
@public_output
def initiatives_feed(feed_format: str):
    """The newest published initiatives matching the shared filters, as Atom or RSS."""
    example_set = filtered_example_set(request.args, current_app.config["FEED_LIMIT"])
    errors = dict(example_set.errors)
    if language_error := check_language(request.args):
        errors[LANGUAGE_ARGUMENT] = language_error
    if errors:
        problems = "\n".join(f"{name}: {message}" for name, message in errors.items())
        heading = _("The filters are not valid.")
        return Response(f"{heading}\n{problems}\n", 400, mimetype="text/plain")
    query = canonical_query(example_set.initiative_filter)
    suffix = "?" + query if query else ""
    addresses = FeedAddresses(
        feed_id=with_language(url_for("feeds.initiatives_atom", _external=True) + suffix),
        self_url=with_language(
            url_for(f"feeds.initiatives_{feed_format}", _external=True) + suffix
        ),
        page_url=url_for("browse.list_initiatives", _external=True) + suffix,
    )
    site_name = current_app.config["SITE_NAME"]
    description = _(
        "%(example_set_title)s: the newest published examples on %(site_name)s.",
        example_set_title=example_set.title,
        site_name=site_name,
    )
    return _feed_response(example_set, feed_format, addresses, description)


@bp.route("/clusters/<slug>.atom", defaults={"feed_format": "atom"}, endpoint="cluster_atom")
@bp.route("/clusters/<slug>.rss", defaults={"feed_format": "rss"}, endpoint="cluster_rss")
@public_output
def cluster_feed(slug: str, feed_format: str):
    """A published cluster's examples, in its order, as Atom or RSS."""
    cluster = find_published_cluster(slug) if is_slug(slug) else None
    if cluster is None or check_language(request.args):
        abort(404)
    example_set = cluster_example_set(cluster, limit=current_app.config["FEED_LIMIT"])
    in_welsh = "/" + WELSH if is_welsh() else ""
    addresses = FeedAddresses(
        feed_id=tag_uri(cluster.created_at, f"clusters/{cluster.id}{in_welsh}"),
        self_url=with_language(
            url_for(f"feeds.cluster_{feed_format}", slug=cluster.slug, _external=True)
        ),
        page_url=url_for("clusters.show_cluster", slug=cluster.slug, _external=True),
    )
    description = introduction_excerpt(cluster) or (
        _(
            "Examples of neighbourhood co-production chosen by %(site_name)s.",
            site_name=current_app.config["SITE_NAME"],
        )
    )
    return _feed_response(example_set, feed_format, addresses, description)


def _feed_response(
    example_set: ExampleSet, feed_format: str, addresses: FeedAddresses, description: str
) -> Response:
    return Response(
        build_feed(example_set, feed_format, addresses, description),
        mimetype=FEED_TYPES[feed_format],
    )


@bp.app_template_global()
def feed_links(
    initiative_filter: InitiativeFilter | None = None, cluster: Cluster | None = None
) -> list[dict[str, str]]:
    """The Atom and RSS feeds of a cluster or a filtered list: name, type, URL and title.

    A draft cluster has no feeds (they answer 404 until it is published).
    """
    if cluster is not None:
        if not cluster.is_published:
            return []
        title = cluster.title
        urls = {
            "atom": with_language(
                url_for("feeds.cluster_atom", slug=cluster.slug, _external=True)
            ),
            "rss": with_language(url_for("feeds.cluster_rss", slug=cluster.slug, _external=True)),
        }
    else:
        initiative_filter = initiative_filter or InitiativeFilter()
        title = describe_filter(initiative_filter)
        query = canonical_query(initiative_filter)
        suffix = "?" + query if query else ""
        urls = {
            "atom": with_language(url_for("feeds.initiatives_atom", _external=True) + suffix),
            "rss": with_language(url_for("feeds.initiatives_rss", _external=True) + suffix),
        }
    return [
        {
            "name": FEED_NAMES[feed_format],
            "type": FEED_TYPES[feed_format],
            "url": url,
            "title": f"{title} ({FEED_NAMES[feed_format]})",
        }
        for feed_format, url in urls.items()
    ]
