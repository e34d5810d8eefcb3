"""Curating clusters: create and edit them, publish them, delete them.

Every change bumps ``cluster.updated_at`` (feeds and embeds build their ETags from it) and is
written to the audit log. Functions flush; the request commits once.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app.accounts.models import User
from app.audit.services import record_action
from app.clusters.models import Cluster
from app.clusters.services import cluster_filter
from app.extensions import db
from app.initiatives.models import Initiative
from app.initiatives.public import published_only
from app.shared_filters.canonical import canonical_query
from app.shared_filters.parse import CONTROL_NAMES, FILTER_NAMES, parse_filters
from app.shared_filters.query import apply_filters
from app.timeutil import utcnow
from app.urls import slugify

SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_LENGTH = 120
# Addresses under /clusters/ that are pages of their own, never a cluster's.
RESERVED_SLUGS = frozenset({"manage", "new"})
# Parameters a pasted list or map address may carry that are not filters: dropped quietly.
NOT_SAVED = CONTROL_NAMES | {"lat", "lon", "place"}


class CurationError(ValueError):
    """A curator's request that cannot be carried out; the message says why."""


def slug_problem(slug: str, cluster_id: int | None = None) -> str | None:
    """Why a typed address cannot be used (None when it can)."""
    if len(slug) > SLUG_LENGTH or not SLUG_PATTERN.fullmatch(slug):
        return _(
            "Use only lower-case letters, digits and single hyphens between them, at most "
            "%(slug_length)s characters: for example “safer-streets-in-leeds”.",
            slug_length=SLUG_LENGTH,
        )
    if slug in RESERVED_SLUGS:
        return _("“%(slug)s” is the address of another page: choose another.", slug=slug)
    if _slug_taken(slug, cluster_id):
        return _("Another cluster already has the address “%(slug)s”: choose another.", slug=slug)
    return None


def _slug_taken(slug: str, cluster_id: int | None) -> bool:
    query = select(Cluster.id).where(Cluster.slug == slug)
    if cluster_id is not None:
        query = query.where(Cluster.id != cluster_id)
    return db.session.scalar(query) is not None


def unique_slug(title: str, cluster_id: int | None = None) -> str:
    """An address made from the title, numbered when that is taken or reserved."""
    base = slugify(title, max_length=SLUG_LENGTH - 4)
    candidate, number = base, 1
    while candidate in RESERVED_SLUGS or _slug_taken(candidate, cluster_id):
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def normalise_filter_query(text: str) -> tuple[str, list[str]]:
    """A typed filter, or a pasted list or map address, as its canonical query string.

    Returns the canonical query and the problems found (names the one parser does not know,
    and its own field messages, ``near`` included).
    """
    text = text.strip()
    if "?" in text:  # a whole address: keep its query
        text = text.split("?", 1)[1]
    text = text.split("#", 1)[0]
    pairs = [(name.strip(), value) for name, value in parse_qsl(text, keep_blank_values=True)]
    known = set(FILTER_NAMES) | NOT_SAVED
    unknown = list(dict.fromkeys(name for name, _ in pairs if name not in known))
    problems = []
    if unknown:
        names = ", ".join(name[:40] for name in unknown)
        problems.append(
            _(
                "Not a filter: %(names)s. Filters look like "
                "theme=health&neighbourhood=kirkstall; the names are %(known)s.",
                names=names,
                known=", ".join(FILTER_NAMES),
            )
        )
    initiative_filter, errors = parse_filters(MultiDict(p for p in pairs if p[0] in FILTER_NAMES))
    problems.extend(errors.values())
    return canonical_query(initiative_filter), problems


def create_cluster(actor: User, **values: str) -> Cluster:
    """A new draft cluster (title, slug, introduction, kind, filter_query)."""
    cluster = Cluster(state="draft", created_by_id=actor.id, filter_query="")
    _apply(cluster, values)
    db.session.add(cluster)
    db.session.flush()
    record_action(actor, "create_cluster", "cluster", cluster.id, slug=cluster.slug)
    return cluster


def update_cluster(actor: User, cluster: Cluster, **values: str) -> list[str]:
    """Change a cluster's details; returns the names of the fields that changed."""
    before = _details(cluster)
    _apply(cluster, values)
    after = _details(cluster)
    changed = [name for name in after if after[name] != before[name]]
    if changed:
        touch(cluster)
        record_action(
            actor,
            "update_cluster",
            "cluster",
            cluster.id,
            # The introduction can be long: the log says it changed, not how.
            changes={n: [before[n], after[n]] for n in changed if n != "introduction"},
            fields=changed,
        )
    return changed


def _details(cluster: Cluster) -> dict[str, str]:
    return {
        name: getattr(cluster, name) or ""
        for name in ("title", "slug", "introduction", "kind", "filter_query")
    }


def _apply(cluster: Cluster, values: dict[str, str]) -> None:
    cluster.title = values["title"].strip()
    cluster.slug = values.get("slug") or unique_slug(cluster.title, cluster.id)
    cluster.introduction = values.get("introduction", "").strip()
    cluster.kind = values["kind"]
    if cluster.kind == "filter":  # a hand-picked cluster keeps any filter it once had
        cluster.filter_query, problems = normalise_filter_query(values.get("filter_query", ""))
        if problems:
            raise CurationError(" ".join(problems))


def touch(cluster: Cluster) -> None:
    """Mark the cluster changed, so every cached feed and embed of it is renewed."""
    cluster.updated_at = utcnow()


def publish_cluster(actor: User, cluster: Cluster) -> None:
    """Make a cluster public (its first publication date is kept when published again)."""
    cluster.state = "published"
    cluster.published_at = cluster.published_at or utcnow()
    touch(cluster)
    record_action(actor, "publish_cluster", "cluster", cluster.id, slug=cluster.slug)


def unpublish_cluster(actor: User, cluster: Cluster) -> None:
    """Take a cluster back to draft: its page, feeds and embeds stop answering."""
    cluster.state = "draft"
    touch(cluster)
    record_action(actor, "unpublish_cluster", "cluster", cluster.id, slug=cluster.slug)


def delete_cluster(actor: User, cluster: Cluster) -> None:
    """Delete a cluster and its items (the initiatives stay)."""
    record_action(
        actor, "delete_cluster", "cluster", cluster.id, slug=cluster.slug, title=cluster.title
    )
    db.session.delete(cluster)
    db.session.flush()


def count_filter_matches(cluster: Cluster) -> int | None:
    """How many published initiatives a saved filter matches now (None if it no longer parses)."""
    initiative_filter, errors = cluster_filter(cluster)
    if errors:
        return None
    query = apply_filters(published_only(select(func.count(Initiative.id))), initiative_filter)
    return db.session.scalar(query) or 0
