"""The demo clusters that seed-demo adds: three, published, each showing examples."""

from __future__ import annotations

import feedparser
from sqlalchemy import select

from app.clusters.models import Cluster
from app.clusters.services import cluster_example_set
from app.demo.clusters import DEMO_CLUSTERS, add_demo_clusters
from app.extensions import db
from tests.factories import TEST_PASSWORD


def test_seed_demo_adds_three_published_clusters_with_examples(app, runner, client):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        clusters = db.session.scalars(select(Cluster).order_by(Cluster.id)).all()
        assert len(clusters) == 3
        assert {cluster.kind for cluster in clusters} == {"picked", "filter"}
        for cluster in clusters:
            assert cluster.state == "published" and cluster.published_at is not None
            assert len(cluster_example_set(cluster).examples) >= 3, cluster.slug
        slugs = [cluster.slug for cluster in clusters]
    assert "near=" in next(demo.filter_query for demo in DEMO_CLUSTERS if demo.slug == slugs[2])
    for slug in slugs:
        assert client.get(f"/clusters/{slug}").status_code == 200
        feed = feedparser.parse(client.get(f"/clusters/{slug}.atom").data)
        assert not feed.bozo and feed.entries


def test_demo_clusters_are_added_once(app):
    from app.demo.seed import seed_demo

    with app.app_context():
        seed_demo(password_for=lambda _role: TEST_PASSWORD)
        add_demo_clusters()
        add_demo_clusters()
        db.session.commit()
        clusters = db.session.scalars(select(Cluster)).all()
        assert sorted(c.slug for c in clusters) == sorted(d.slug for d in DEMO_CLUSTERS)
        for cluster in clusters:
            assert cluster.is_published and len(cluster_example_set(cluster).examples) >= 3
        picked = next(c for c in clusters if c.kind == "picked")
        assert [item.position for item in picked.items] == list(range(len(picked.items)))
        assert any(item.note for item in picked.items)
