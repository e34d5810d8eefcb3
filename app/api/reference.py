"""Clusters, neighbourhoods and themes: what the initiatives' filters and pages refer to."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, literal, select, union_all

from app.api.public_data import licence, preload_credit_and_verifiers
from app.api.responses import api_json
from app.api.schemas.reference import (
    ClusterAnswerSchema,
    ClusterListSchema,
    NeighbourhoodListSchema,
    Shown,
    ThemeListSchema,
    list_answer,
)
from app.clusters.models import Cluster, ClusterItem
from app.clusters.services import (
    cluster_example_set,
    cluster_filter,
    find_published_cluster,
    published_clusters_query,
)
from app.errors import json_error
from app.extensions import db
from app.initiatives.models import Initiative, InitiativeTheme
from app.initiatives.public import published_only
from app.neighbourhoods.models import Neighbourhood
from app.shared_filters.canonical import canonical_query
from app.shared_filters.parse import is_slug
from app.shared_filters.query import apply_filters
from app.themes.services import list_themes


def cluster_counts(clusters: list[Cluster]) -> dict[int, int]:
    """How many published examples each cluster shows, in one query for all of them."""
    counts = []
    picked = [cluster.id for cluster in clusters if cluster.kind != "filter"]
    if picked:
        counts.append(
            published_only(
                select(ClusterItem.cluster_id, func.count(Initiative.id))
                .join(Initiative, Initiative.id == ClusterItem.initiative_id)
                .where(ClusterItem.cluster_id.in_(picked))
                .group_by(ClusterItem.cluster_id)
            )
        )
    for cluster in clusters:
        if cluster.kind != "filter":
            continue
        initiative_filter, errors = cluster_filter(cluster)
        if errors:
            continue  # a saved filter that no longer parses shows nothing
        counts.append(
            apply_filters(
                published_only(select(literal(cluster.id), func.count(Initiative.id))),
                initiative_filter,
            )
        )
    if not counts:
        return {}
    query = counts[0] if len(counts) == 1 else union_all(*counts)
    return {cluster_id: count for cluster_id, count in db.session.execute(query)}


def list_clusters():
    """Published clusters of examples, newest first.
    ---
    get:
      summary: Published clusters
      description: >
        Every published cluster, newest first, all in one page: `items` with `total`, and `next`
        always null (the envelope of every API list). The same list is also under
        `clusters`, deprecated: it goes in the next release.
      tags: [clusters]
      responses:
        200:
          description: Every published cluster with how many examples it shows.
          content:
            application/json:
              schema: ClusterList
    """
    clusters = list(db.session.scalars(published_clusters_query()))
    counts = cluster_counts(clusters)
    return api_json(
        ClusterListSchema().dump(
            list_answer(
                "clusters",
                [Shown(cluster, count=counts.get(cluster.id, 0)) for cluster in clusters],
                licence(),
            )
        )
    )


def show_cluster(slug: str):
    """One published cluster with its examples in order and the curator's notes.
    ---
    get:
      summary: One published cluster and its examples
      tags: [clusters]
      parameters:
        - name: slug
          in: path
          required: true
          schema: {type: string}
      responses:
        200:
          description: The cluster.
          content:
            application/json:
              schema: ClusterAnswer
        404: NotFound
    """
    cluster = find_published_cluster(slug) if is_slug(slug) else None
    if cluster is None:
        return json_error(404, _("There is no published cluster with this slug."))
    example_set = cluster_example_set(cluster)
    preload_credit_and_verifiers(example_set.initiatives)
    saved_filter = None
    if cluster.kind == "filter":
        initiative_filter, errors = cluster_filter(cluster)
        saved_filter = "" if errors else canonical_query(initiative_filter)
    shown = Shown(
        cluster,
        count=len(example_set.examples),
        introduction=cluster.introduction,
        filter=saved_filter,
        examples=example_set.examples,
    )
    return api_json(
        ClusterAnswerSchema().dump({"ok": True, "cluster": shown, "licence": licence()})
    )


def list_neighbourhoods():
    """Neighbourhoods with their local authority, centre and published initiatives.
    ---
    get:
      summary: Neighbourhoods
      description: >
        Every neighbourhood, by name, all in one page: `items` with `total`, and `next`
        always null (the envelope of every API list). The same list is also under
        `neighbourhoods`, deprecated: it goes in the next release.
      tags: [reference]
      responses:
        200:
          description: Every neighbourhood, by name.
          content:
            application/json:
              schema: NeighbourhoodList
    """
    counts = dict(
        db.session.execute(
            published_only(
                select(Initiative.neighbourhood_id, func.count(Initiative.id)).group_by(
                    Initiative.neighbourhood_id
                )
            )
        ).all()
    )
    neighbourhoods = db.session.scalars(select(Neighbourhood).order_by(Neighbourhood.name))
    return api_json(
        NeighbourhoodListSchema().dump(
            list_answer(
                "neighbourhoods",
                [
                    Shown(neighbourhood, count=counts.get(neighbourhood.id, 0))
                    for neighbourhood in neighbourhoods
                ],
                licence(),
            )
        )
    )


def list_theme_entries():
    """Themes in display order with how many published initiatives have each.
    ---
    get:
      summary: Themes
      description: >
        Every theme, in display order, all in one page: `items` with `total`, and `next`
        always null (the envelope of every API list). The same list is also under
        `themes`, deprecated: it goes in the next release.
      tags: [reference]
      responses:
        200:
          description: Every theme.
          content:
            application/json:
              schema: ThemeList
    """
    counts = dict(
        db.session.execute(
            published_only(
                select(InitiativeTheme.theme_id, func.count(Initiative.id))
                .join(Initiative, Initiative.id == InitiativeTheme.initiative_id)
                .group_by(InitiativeTheme.theme_id)
            )
        ).all()
    )
    return api_json(
        ThemeListSchema().dump(
            list_answer(
                "themes",
                [Shown(theme, count=counts.get(theme.id, 0)) for theme in list_themes()],
                licence(),
            )
        )
    )
