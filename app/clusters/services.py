"""Clusters and the examples they hold: the unit that pages, embeds, feeds and the API show.

An *example set* is what every public output of a cluster or a filtered list is made from:
published initiatives only (whatever the cluster's kind), in the curator's order for a
hand-picked cluster and newest first otherwise, with each item's curator's note, and the time
of the newest change to anything shown (their ETags come from the data version:
``app/caching.py``).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

import nh3
from flask import g
from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from app.caching import latest
from app.clusters.models import Cluster, ClusterItem
from app.extensions import db
from app.initiatives.bilingual import local_name, shown_title
from app.initiatives.models import Initiative, InitiativeTheme
from app.initiatives.public import published_initiatives, published_only
from app.markdown import render_markdown
from app.shared_filters.canonical import canonical_query
from app.shared_filters.parse import InitiativeFilter, parse_filter_query, parse_filters
from app.shared_filters.query import apply_filters

SelectT = TypeVar("SelectT", bound=Select)


@dataclass
class Example:
    """One initiative as an example in a set, with the curator's note (hand-picked clusters)."""

    initiative: Initiative
    note: str = ""


@dataclass
class ExampleSet:
    """The examples of a cluster or of a filtered list, ready for any output."""

    title: str
    examples: list[Example]
    cluster: Cluster | None = None
    initiative_filter: InitiativeFilter | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def initiatives(self) -> list[Initiative]:
        return [example.initiative for example in self.examples]

    @property
    def updated_at(self) -> datetime | None:
        """The newest change to anything shown (the cluster itself or one of its examples)."""
        moments = [example.initiative.updated_at for example in self.examples]
        if self.cluster is not None:
            moments.append(self.cluster.updated_at)
        return latest(moments)


@dataclass
class FilteredExampleSet(ExampleSet):
    """The examples of a filtered list: always with its filter."""

    initiative_filter: InitiativeFilter = field(default_factory=InitiativeFilter)


def _with_example_data(query: SelectT) -> SelectT:
    """What the example text, theme and neighbourhood of each example read, loaded at once."""
    return query.options(
        selectinload(Initiative.theme_links).joinedload(InitiativeTheme.theme),
        selectinload(Initiative.participants),
        selectinload(Initiative.outcomes),
    )


def find_published_cluster(slug: str) -> Cluster | None:
    """A published cluster by its slug (None for drafts and unknown slugs)."""
    return db.session.scalar(published_clusters_query().where(Cluster.slug == slug))


def cluster_filter(cluster: Cluster) -> tuple[InitiativeFilter, dict[str, str]]:
    """The saved filter of a filter cluster, parsed by the one parser."""
    return parse_filter_query(cluster.filter_query)


def filtered_examples(initiative_filter: InitiativeFilter, limit: int) -> list[Example]:
    """Published initiatives matching a filter, newest first, at most ``limit``."""
    query = apply_filters(published_initiatives(), initiative_filter)
    query = query.order_by(Initiative.published_at.desc(), Initiative.id.desc()).limit(limit)
    return [Example(initiative) for initiative in db.session.scalars(_with_example_data(query))]


def cluster_examples(cluster: Cluster, limit: int | None = None) -> list[Example]:
    """A cluster's published examples: the curator's order, or newest first for a filter."""
    if cluster.kind == "filter":
        initiative_filter, errors = cluster_filter(cluster)
        return [] if errors else filtered_examples(initiative_filter, limit or 1000)
    query = published_only(
        select(Initiative, ClusterItem.note)
        .join(ClusterItem, ClusterItem.initiative_id == Initiative.id)
        .where(ClusterItem.cluster_id == cluster.id)
        .order_by(ClusterItem.position, ClusterItem.id)
    )
    if limit is not None:
        query = query.limit(limit)
    rows = db.session.execute(_with_example_data(query)).all()
    return [Example(initiative, note) for initiative, note in rows]


def cluster_example_set(cluster: Cluster, limit: int | None = None) -> ExampleSet:
    return ExampleSet(cluster.title, cluster_examples(cluster, limit), cluster=cluster)


def filtered_example_set(
    args: MultiDict[str, str], limit: int, title: str = ""
) -> FilteredExampleSet:
    """The examples of a filtered list from query parameters (errors reported, nothing shown)."""
    initiative_filter, errors = parse_filters(args)
    examples = [] if errors else filtered_examples(initiative_filter, limit)
    return FilteredExampleSet(
        title or describe_filter(initiative_filter),
        examples,
        initiative_filter=initiative_filter,
        errors=errors,
    )


def describe_filter(initiative_filter: InitiativeFilter) -> str:
    """A short title for a filtered list, e.g. "Initiatives: health in Kirkstall".

    Asked once per request (the page title, its feeds, its embed panel all want it).
    """
    titles = g.setdefault("filter_titles", {})
    if initiative_filter not in titles:
        titles[initiative_filter] = _describe_filter(initiative_filter)
    return titles[initiative_filter]


def _describe_filter(initiative_filter: InitiativeFilter) -> str:
    from app.initiatives.vocabulary import SECTORS, STAGES, STATUSES
    from app.neighbourhoods.models import Neighbourhood
    from app.themes.models import Theme

    either = _(" or ")
    parts = []
    if initiative_filter.themes:
        themes = db.session.scalars(
            select(Theme).where(Theme.slug.in_(initiative_filter.themes)).order_by(Theme.name)
        )
        parts.append(either.join(local_name(theme).lower() for theme in themes))
    if initiative_filter.neighbourhoods:
        neighbourhoods = db.session.scalars(
            select(Neighbourhood)
            .where(Neighbourhood.slug.in_(initiative_filter.neighbourhoods))
            .order_by(Neighbourhood.name)
        )
        names = either.join(local_name(neighbourhood) for neighbourhood in neighbourhoods)
        parts.append(_("in %(neighbourhoods)s", neighbourhoods=names))
    f = initiative_filter
    for values, vocabulary, phrase in (
        (f.stages, STAGES, _("by %(stages)s")),
        (f.sectors, SECTORS, _("with %(sectors)s")),
        (f.statuses, STATUSES, _("that are %(statuses)s")),
    ):
        if values:
            words = either.join(vocabulary[v].lower() for v in values)
            parts.append(phrase % {"stages": words, "sectors": words, "statuses": words})
    if f.verified:
        parts.append(_("with a verified outcome"))
    if f.near:
        parts.append(
            _(
                "within %(radius)s km of %(latitude)s, %(longitude)s",
                radius=format(f.radius_km, "g"),
                latitude=format(f.near[0], "g"),
                longitude=format(f.near[1], "g"),
            )
        )
    elif f.bbox:
        parts.append(_("in the area shown"))
    if f.q:
        parts.append(_("matching “%(words)s”", words=f.q))
    if not parts and canonical_query(initiative_filter):
        return _("Initiatives (filtered)")
    if not parts:
        return _("Initiatives")
    return _("Initiatives: %(description)s", description=" ".join(parts))


def published_clusters_query() -> Select[Cluster]:
    """Published clusters, newest first (what ``/clusters`` pages through)."""
    return (
        select(Cluster)
        .where(Cluster.state == "published")
        .order_by(Cluster.published_at.desc(), Cluster.id.desc())
    )


def introduction_excerpt(cluster: Cluster, max_length: int = 300) -> str:
    """The introduction as plain text, shortened at a word: for lists, feeds and previews."""
    text = html.unescape(nh3.clean(str(render_markdown(cluster.introduction)), tags=set()))
    text = " ".join(text.split())
    if len(text) <= max_length:
        return text
    return text[: max_length - 1].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def example_points(example_set: ExampleSet, external: bool = False) -> list[dict]:
    """The examples' public points (never the private ones) for a small map of them."""
    from app.initiatives.services import initiative_url

    points = []
    for initiative in example_set.initiatives:
        if initiative.public_latitude is None or initiative.public_longitude is None:
            continue
        theme = initiative.primary_theme
        neighbourhood = initiative.neighbourhood
        points.append(
            {
                "title": shown_title(initiative),
                "url": initiative_url(initiative, _external=external),
                "lat": initiative.public_latitude,
                "lon": initiative.public_longitude,
                "theme": local_name(theme) if theme else "",
                "colour": theme.colour if theme else "",
                "neighbourhood": local_name(neighbourhood) if neighbourhood else "",
            }
        )
    return points
