"""Picking the examples of a hand-picked cluster: find, add, order, annotate, remove.

Every change bumps the cluster's ``updated_at`` and is written to the audit log; functions
flush, the request commits once.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.audit.services import record_action
from app.clusters.curation import CurationError, touch
from app.clusters.models import Cluster, ClusterItem
from app.extensions import db
from app.initiatives.models import Initiative
from app.initiatives.public import is_public, published_initiatives
from app.urls import MAX_ID

MAX_MATCHES = 20
_INITIATIVE_PATH = re.compile(r"/initiatives/(\d+)(?:-[^/]*)?/?$")


def load_items(cluster: Cluster) -> list[ClusterItem]:
    """A cluster's items in order, with their initiatives loaded at once."""
    return list(
        db.session.scalars(
            select(ClusterItem)
            .where(ClusterItem.cluster_id == cluster.id)
            .options(selectinload(ClusterItem.initiative))
            .order_by(ClusterItem.position, ClusterItem.id)
        )
    )


def initiative_reference(text: str) -> int | None:
    """The initiative number in what a curator typed: a number, or one of its addresses."""
    text = text.strip()
    number: int | None
    if text.isdigit():
        number = int(text)
    else:
        match = _INITIATIVE_PATH.search(urlsplit(text).path) if "/initiatives/" in text else None
        number = int(match.group(1)) if match else None
    return number if number is not None and 1 <= number <= MAX_ID else None


def find_initiatives_to_add(cluster: Cluster, text: str) -> list[Initiative]:
    """The published initiatives a curator means: one by number or address, or title matches.

    Raises CurationError when nothing can be added.
    """
    text = text.strip()
    if not text:
        raise CurationError(
            _("Enter an initiative’s number, its address or words from its title.")
        )
    present = set(
        db.session.scalars(
            select(ClusterItem.initiative_id).where(ClusterItem.cluster_id == cluster.id)
        )
    )
    number = initiative_reference(text)
    if number is not None:
        initiative = db.session.get(Initiative, number)
        if initiative is None:
            raise CurationError(_("There is no initiative number %(number)s.", number=number))
        if not is_public(initiative):
            raise CurationError(
                _(
                    "“%(initiative_title)s” is not published: only published initiatives can "
                    "be added.",
                    initiative_title=initiative.title,
                )
            )
        if initiative.id in present:
            raise CurationError(
                _(
                    "“%(initiative_title)s” is already in this cluster.",
                    initiative_title=initiative.title,
                )
            )
        return [initiative]
    pattern = "%" + re.sub(r"([\\%_])", r"\\\1", text.lower()) + "%"
    query = published_initiatives().where(func.lower(Initiative.title).like(pattern, escape="\\"))
    if present:
        query = query.where(Initiative.id.not_in(present))
    matches = list(db.session.scalars(query.order_by(Initiative.title).limit(MAX_MATCHES)))
    if not matches:
        raise CurationError(
            _(
                "No published initiative that is not already here has “%(text)s” in its title.",
                text=text,
            )
        )
    return matches


def add_initiative(actor: User, cluster: Cluster, initiative: Initiative) -> ClusterItem:
    """Add a published initiative at the end of a hand-picked cluster."""
    if not is_public(initiative):
        raise CurationError(_("Only published initiatives can be added."))
    items = load_items(cluster)
    if any(item.initiative_id == initiative.id for item in items):
        raise CurationError(
            _(
                "“%(initiative_title)s” is already in this cluster.",
                initiative_title=initiative.title,
            )
        )
    item = ClusterItem(cluster=cluster, initiative=initiative, position=len(items), note="")
    db.session.add(item)
    _renumber([*items, item])
    touch(cluster)
    db.session.flush()
    record_action(actor, "add_cluster_item", "cluster", cluster.id, initiative_id=initiative.id)
    return item


def remove_item(actor: User, item: ClusterItem) -> None:
    """Take an initiative out of a cluster."""
    cluster = item.cluster
    db.session.delete(item)
    db.session.flush()
    _renumber(load_items(cluster))
    touch(cluster)
    record_action(
        actor, "remove_cluster_item", "cluster", cluster.id, initiative_id=item.initiative_id
    )


def move_item(actor: User, item: ClusterItem, direction: str) -> bool:
    """Move an item one place up or down; False when it is already at that end."""
    if direction not in ("up", "down"):
        raise CurationError(_("Move an example up or down."))
    items = load_items(item.cluster)
    index = next(i for i, other in enumerate(items) if other.id == item.id)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(items):
        return False
    items[index], items[target] = items[target], items[index]
    _renumber(items)
    touch(item.cluster)
    record_action(
        actor,
        "move_cluster_item",
        "cluster",
        item.cluster_id,
        initiative_id=item.initiative_id,
        direction=direction,
        position=target + 1,
    )
    return True


def _renumber(items: list[ClusterItem]) -> None:
    for position, item in enumerate(items):
        item.position = position


def set_note(actor: User, item: ClusterItem, note: str) -> bool:
    """Change an item's curator's note; False when it is unchanged."""
    note = note.strip()
    if note == item.note:
        return False
    item.note = note
    touch(item.cluster)
    record_action(
        actor, "note_cluster_item", "cluster", item.cluster_id, initiative_id=item.initiative_id
    )
    return True
