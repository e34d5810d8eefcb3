"""Clusters of examples: the public pages and the moderators' editor."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for
from sqlalchemy import select

from app.clusters.curation_views import bp as manage_bp
from app.clusters.models import CLUSTER_KINDS, Cluster
from app.clusters.services import (
    cluster_example_set,
    cluster_filter,
    describe_filter,
    example_points,
    introduction_excerpt,
    published_clusters_query,
)
from app.extensions import db
from app.initiatives.services import initiative_url
from app.permissions import can, current_visitor
from app.shared_filters.canonical import canonical_query
from app.shared_filters.parse import is_slug
from app.urls import requested_page

bp = Blueprint("clusters", __name__)
bp.register_blueprint(manage_bp)  # /clusters/manage/...: endpoints clusters.manage.*

CLUSTERS_PER_PAGE = 20
EXAMPLES_SHOWN = 100  # a saved filter may match many more: the list shows them all


@bp.route("/clusters")
def list_clusters():
    """Published clusters, newest first."""
    pagination = db.paginate(
        published_clusters_query(),
        page=requested_page(),
        per_page=CLUSTERS_PER_PAGE,
        error_out=False,
    )
    return render_template(
        "clusters/list.html",
        pagination=pagination,
        excerpt=introduction_excerpt,
        kinds=CLUSTER_KINDS,
    )


@bp.route("/clusters/<slug>")
def show_cluster(slug: str):
    """A cluster as a readable page: introduction, examples, map, feeds and embed options.

    A draft answers 404 to everyone but curators, who see it with a banner.
    """
    cluster = _find_cluster(slug)
    if cluster is None or not (cluster.is_published or can(current_visitor(), "curate_clusters")):
        abort(404)
    example_set = cluster_example_set(cluster, limit=EXAMPLES_SHOWN)
    list_query = filter_title = None
    if cluster.kind == "filter":
        initiative_filter, errors = cluster_filter(cluster)
        if not errors:
            list_query = canonical_query(initiative_filter)
            filter_title = describe_filter(initiative_filter)
    return render_template(
        "clusters/show.html",
        cluster=cluster,
        example_set=example_set,
        examples=example_set.examples,
        points=example_points(example_set),
        list_query=list_query,
        filter_title=filter_title,
        shown_limit=EXAMPLES_SHOWN,
        description=introduction_excerpt(cluster, 160),
        canonical_url=url_for("clusters.show_cluster", slug=cluster.slug, _external=True),
        initiative_url=initiative_url,
    )


def _find_cluster(slug: str) -> Cluster | None:
    if not is_slug(slug):
        return None
    return db.session.scalar(select(Cluster).where(Cluster.slug == slug))
