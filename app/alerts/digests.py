"""Alert mails: what was first published (and measured) in a window, for each subscription.

Windows are half-open and in UTC: [start, end), start being where the subscription's last
mail ended (or its confirmation) and end the latest boundary: every quarter hour for instant
alerts, the weekly hour in TIMEZONE for digests. Subscriptions with the same filter (or
cluster) and the same start share one query; each mail is queued under a key of its own
subscription and window, so a window is mailed once however often the task runs.

A window is mailed only once ALERT_SETTLE_MINUTES have passed since its end. A publication is
stamped when its transaction writes it but seen only when that transaction commits: a
moderator's approval at 10:14:59 that commits at 10:15:01 would be invisible to a run at
10:15 and outside every later window. Waiting lets every transaction that stamped a time in the
window commit first (requests end well within it; an import that runs longer than a tenth
of it stamps its publications again at commit, ``app.imports.writing``), so each
publication is in exactly one mailed window.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import joinedload

from app.alerts.models import AlertSubscription
from app.alerts.naming import alert_list_url, alert_title
from app.alerts.services import unsubscribe_url
from app.clusters.models import Cluster, ClusterItem
from app.clusters.services import _with_example_data
from app.extensions import db
from app.i18n import recipient_locale
from app.initiatives.examples import example_text, format_quantity
from app.initiatives.models import Initiative, Measurement, Outcome
from app.initiatives.public import public_place_name, published_initiatives
from app.mail.services import queue_mail
from app.shared_filters.parse import parse_filter_query
from app.shared_filters.query import apply_filters
from app.timeutil import utcnow
from app.urls import site_url

log = logging.getLogger(__name__)

INSTANT_STEP = timedelta(minutes=15)


@dataclass(frozen=True)
class Digest:
    """What one window holds for one filter: new initiatives (at most the cap), how many
    more there were, and new measurements on the initiatives the alert covers (at most the
    cap too, and how many more)."""

    initiatives: list[Initiative] = field(default_factory=list)
    more: int = 0
    measurements: list[tuple[Measurement, Outcome, Initiative]] = field(default_factory=list)
    more_measurements: int = 0

    @property
    def is_empty(self) -> bool:
        return not self.initiatives and not self.measurements


def instant_boundary(now: datetime) -> datetime:
    """The latest quarter hour at or before ``now`` (UTC)."""
    now = now.astimezone(UTC)
    return now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)


def weekly_boundary(now: datetime) -> datetime:
    """The latest weekly hour (ALERT_WEEKLY_DAY at ALERT_WEEKLY_HOUR in TIMEZONE) at or before
    ``now``, in UTC: the hour stays local across summer time."""
    config = current_app.config
    zone = ZoneInfo(config["TIMEZONE"])
    local = now.astimezone(zone)
    day = local.date() - timedelta(days=(local.weekday() - config["ALERT_WEEKLY_DAY"]) % 7)
    hour = time(config["ALERT_WEEKLY_HOUR"])
    boundary = datetime.combine(day, hour, tzinfo=zone)
    if boundary > local:
        boundary = datetime.combine(day - timedelta(days=7), hour, tzinfo=zone)
    return boundary.astimezone(UTC)


def boundary_for(frequency: str, now: datetime) -> datetime:
    return instant_boundary(now) if frequency == "instant" else weekly_boundary(now)


def window_end(frequency: str, now: datetime) -> datetime:
    """The end of the latest window that may be mailed at ``now``: the latest boundary at
    least ALERT_SETTLE_MINUTES before it."""
    settle = timedelta(minutes=current_app.config["ALERT_SETTLE_MINUTES"])
    return boundary_for(frequency, now - settle)


def covered_initiatives(filter_query: str, cluster: Cluster | None) -> Select | None:
    """The published initiatives an alert covers (None when its saved filter no longer
    reads: a neighbourhood or theme it named was removed)."""
    query = published_initiatives()
    if cluster is not None:
        if cluster.kind != "filter":
            return query.where(
                Initiative.id.in_(
                    select(ClusterItem.initiative_id).where(ClusterItem.cluster_id == cluster.id)
                )
            )
        filter_query = cluster.filter_query
    initiative_filter, errors = parse_filter_query(filter_query)
    if errors:
        return None
    return apply_filters(query, initiative_filter)


def collect_digest(query: Select, start: datetime, end: datetime, cap: int) -> Digest:
    """What [start, end) holds: initiatives first published then, oldest first, and
    measurements published then; at most ``cap`` of each (and how many more)."""
    in_window = query.where(Initiative.published_at >= start, Initiative.published_at < end)
    listed = in_window.order_by(Initiative.published_at, Initiative.id).limit(cap + 1)
    initiatives = list(db.session.scalars(_with_example_data(listed)))
    more = 0
    if len(initiatives) > cap:
        total = db.session.scalar(select(func.count()).select_from(in_window.subquery()))
        initiatives, more = initiatives[:cap], (total or 0) - cap
    covered = query.with_only_columns(Initiative.id)
    measured = (
        select(Measurement, Outcome, Initiative)
        .join(Outcome, Outcome.id == Measurement.outcome_id)
        .join(Initiative, Initiative.id == Outcome.initiative_id)
        .where(
            Initiative.id.in_(covered),
            Measurement.created_at >= start,
            Measurement.created_at < end,
        )
    )
    listed_measured = measured.order_by(Measurement.created_at, Measurement.id).limit(cap + 1)
    measurements = [(m, o, i) for m, o, i in db.session.execute(listed_measured)]
    more_measurements = 0
    if len(measurements) > cap:
        counted = measured.with_only_columns(func.count(Measurement.id))
        total = db.session.scalar(counted)
        measurements, more_measurements = measurements[:cap], (total or 0) - cap
    return Digest(initiatives, more, measurements, more_measurements)


def due_subscriptions(frequency: str, end: datetime) -> list[AlertSubscription]:
    """Confirmed subscriptions of a frequency whose last window ended before ``end``,
    grouped by filter, cluster and start (the order ``groupby`` needs)."""
    query = (
        select(AlertSubscription)
        .where(
            AlertSubscription.frequency == frequency,
            AlertSubscription.confirmed_at.is_not(None),
            AlertSubscription.sent_until < end,
        )
        .order_by(
            AlertSubscription.filter_query,
            AlertSubscription.cluster_id,
            AlertSubscription.sent_until,
            AlertSubscription.id,
        )
        .options(joinedload(AlertSubscription.cluster))
    )
    subscriptions = list(db.session.scalars(query))
    # Kept as read: the run commits after each group, which would otherwise expire every
    # subscription and read each one again.
    for subscription in subscriptions:
        db.session.expunge(subscription)
        if subscription.cluster is not None and subscription.cluster in db.session:
            db.session.expunge(subscription.cluster)
    return subscriptions


def _groups(
    subscriptions: list[AlertSubscription],
) -> Iterator[tuple[tuple[str, int | None, datetime], list[AlertSubscription]]]:
    def key(subscription: AlertSubscription) -> tuple[str, int | None, datetime]:
        assert subscription.sent_until is not None
        return subscription.filter_query, subscription.cluster_id, subscription.sent_until

    for group_key, members in groupby(subscriptions, key=key):
        yield group_key, list(members)


def send_alerts(frequency: str, now: datetime | None = None) -> int:
    """Mail every confirmed subscription of a frequency its due window (the one that has
    settled by ``now``); returns the number of mails queued."""
    end = window_end(frequency, now or utcnow())
    cap = current_app.config["ALERT_MAIL_CAP"]
    sent = 0
    for (filter_query, _cluster_id, start), members in _groups(due_subscriptions(frequency, end)):
        query = covered_initiatives(filter_query, members[0].cluster)
        if query is None:
            log.warning("alert filter %r no longer reads: window skipped", filter_query)
            digest = Digest()
        else:
            digest = collect_digest(query, start, end, cap)
        if not digest.is_empty:
            rendered: dict[str | None, tuple[str, str]] = {}
            for subscription in members:
                queue_alert_mail(subscription, digest, start, end, rendered)
                sent += 1
        db.session.execute(
            update(AlertSubscription)
            .where(AlertSubscription.id.in_([member.id for member in members]))
            .values(sent_until=end)
        )
        db.session.commit()
    return sent


def initiative_link(initiative: Initiative) -> str:
    """An initiative's canonical page on SITE_URL."""
    slug = initiative.slug or "initiative"
    return site_url("initiatives.show_initiative", initiative_id=initiative.id, slug=slug)


def queue_alert_mail(
    subscription: AlertSubscription,
    digest: Digest,
    start: datetime,
    end: datetime,
    rendered: dict[str | None, tuple[str, str]],
) -> None:
    """Queue one subscription's mail for a window (its items rendered once per language)."""
    locale = subscription.locale
    with recipient_locale(locale):
        if locale not in rendered:
            title = alert_title(subscription)
            items = render_template(
                "alerts/mail/_items.txt",
                digest=digest,
                example_text=example_text,
                place=public_place_name,
                link=initiative_link,
                quantity=format_quantity,
                list_url=alert_list_url(subscription),
            )
            rendered[locale] = (title, items)
        title, items = rendered[locale]
        count = len(digest.initiatives) + digest.more
        if count:
            subject = ngettext(
                "%(num)s new initiative: %(title)s",
                "%(num)s new initiatives: %(title)s",
                count,
                title=title,
            )
        else:
            subject = _("New measurements: %(title)s", title=title)
        leave = unsubscribe_url(subscription)
        body = render_template(
            "alerts/mail/digest.txt",
            items=items,
            title=title,
            frequency=subscription.frequency,
            unsubscribe=leave,
            account_url=site_url("accounts.account"),
        )
    queue_mail(
        subscription.email,
        subject,
        body,
        key=f"alert:{subscription.id}:{end.strftime('%Y%m%dT%H%M')}",
        headers={
            "List-Unsubscribe": f"<{leave}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
