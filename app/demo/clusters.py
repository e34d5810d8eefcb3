"""Demo clusters for ``seed-demo``: one hand-picked, two saved filters, all published.

Idempotent: a cluster whose address already exists is left alone, and a hand-picked example
that is missing (or not published) is skipped. Run after the demo initiatives.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.clusters.curation import normalise_filter_query
from app.clusters.models import Cluster, ClusterItem
from app.demo.content import DemoCluster, DemoPick, load_demo_records
from app.extensions import db
from app.initiatives.models import Initiative
from app.initiatives.public import published_initiatives
from app.timeutil import utcnow

DEMO_CLUSTERS = load_demo_records("clusters.yaml", DemoCluster)


def add_demo_clusters(curator: User | None = None) -> None:
    """Add the demo clusters that do not exist yet, published. Flushes; the caller commits."""
    now = utcnow()
    for index, demo in enumerate(DEMO_CLUSTERS):
        if db.session.scalar(select(Cluster.id).where(Cluster.slug == demo.slug)) is not None:
            continue
        query, problems = normalise_filter_query(demo.filter_query)
        if problems:
            raise ValueError(f"Demo cluster {demo.slug}: {' '.join(problems)}")
        published_at = now - timedelta(days=3 * (len(DEMO_CLUSTERS) - index))
        cluster = Cluster(
            slug=demo.slug,
            title=demo.title,
            introduction=demo.introduction,
            kind="picked" if demo.picks else "filter",
            filter_query=query,
            state="published",
            created_by_id=curator.id if curator else None,
            created_at=published_at - timedelta(days=1),
            updated_at=published_at,
            published_at=published_at,
        )
        db.session.add(cluster)
        for position, (initiative, note) in enumerate(_published_picks(demo.picks)):
            db.session.add(
                ClusterItem(cluster=cluster, initiative=initiative, position=position, note=note)
            )
    db.session.flush()


def _published_picks(picks: tuple[DemoPick, ...]) -> list[tuple[Initiative, str]]:
    """The picked initiatives that exist and are published, in order, with their notes."""
    titles = [title for title, _ in picks]
    found = {
        initiative.title: initiative
        for initiative in db.session.scalars(
            published_initiatives().where(Initiative.title.in_(titles))
        )
    }
    return [(found[title], note) for title, note in picks if title in found]
