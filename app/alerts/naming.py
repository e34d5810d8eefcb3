"""What an alert is about, in words, and where its whole list lives."""

from __future__ import annotations

from flask_babel import gettext as _

from app.alerts.models import AlertSubscription
from app.clusters.services import describe_filter
from app.shared_filters.parse import parse_filter_query
from app.urls import site_url


def alert_title(subscription: AlertSubscription) -> str:
    """What the alert is about, in words: a cluster's title or the filter described."""
    if subscription.cluster is not None:
        return subscription.cluster.title
    initiative_filter, errors = parse_filter_query(subscription.filter_query)
    if errors:
        return _("Initiatives (filtered)")
    return describe_filter(initiative_filter)


def alert_list_url(subscription: AlertSubscription) -> str:
    """Where the whole list lives: the cluster's page, or the filtered list."""
    if subscription.cluster is not None:
        return site_url("clusters.show_cluster", slug=subscription.cluster.slug)
    url = site_url("browse.list_initiatives")
    query = subscription.filter_query
    return f"{url}?{query}&sort=newest" if query else f"{url}?sort=newest"
