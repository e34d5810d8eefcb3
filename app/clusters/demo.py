"""Demo clusters for ``seed-demo``: one hand-picked, two saved filters, all published.

Idempotent: a cluster whose address already exists is left alone, and a hand-picked example
that is missing (or not published) is skipped. Run after the demo initiatives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.clusters.curation import normalise_filter_query
from app.clusters.models import Cluster, ClusterItem
from app.extensions import db
from app.initiatives.models import Initiative
from app.initiatives.public import published_initiatives
from app.timeutil import utcnow


@dataclass(frozen=True)
class DemoCluster:
    slug: str
    title: str
    introduction: str
    filter_query: str = ""  # a saved filter; else hand-picked:
    picks: tuple[tuple[str, str], ...] = ()  # (initiative title, curator's note)


DEMO_CLUSTERS = [
    DemoCluster(
        "safer-streets-made-together",
        "Safer streets, made together",
        "Residents know which corners feel unsafe long before any statistic does. These are "
        "places where neighbours and their **local policing teams** walked, mapped and fixed "
        "things side by side, and counted what changed.\n\n"
        "Each one started small: a walk, a meeting, a map of the dark alleys.",
        picks=(
            (
                "Kirkstall Lane street watch",
                "The one that started it all: weekly walks, and burglaries down by almost a "
                "third in a year.",
            ),
            (
                "Harehills community safety walkabouts",
                "Walkabouts with interpreters, so that every neighbour could say what worried "
                "them.",
            ),
            ("Chapeltown Road safer crossings", ""),
            (
                "Weavers Fields community safety forum",
                "A forum in a park, with the council and the police answering to residents.",
            ),
            ("Sneinton Market safer evenings", ""),
        ),
    ),
    DemoCluster(
        "health-with-residents",
        "Health, with residents taking part",
        "Walking groups, men's sheds and swimming sessions run together with GP surgeries and "
        "NHS trusts. This collection follows the **health** theme, so new examples appear here "
        "as soon as they are published.",
        filter_query="theme=health",
    ),
    DemoCluster(
        "around-kirkstall",
        "Around Kirkstall",
        "Everything co-produced within three kilometres of Kirkstall Abbey, in Leeds: a street "
        "watch, a repair café, reading buddies and more, all within a short walk of each "
        "other.",
        filter_query="near=53.817,-1.603&radius_km=3",
    ),
]


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


def _published_picks(picks: tuple[tuple[str, str], ...]) -> list[tuple[Initiative, str]]:
    """The picked initiatives that exist and are published, in order, with their notes."""
    titles = [title for title, _ in picks]
    found = {
        initiative.title: initiative
        for initiative in db.session.scalars(
            published_initiatives().where(Initiative.title.in_(titles))
        )
    }
    return [(found[title], note) for title, note in picks if title in found]
