"""Email alerts: subscribing (double opt-in), confirming, unsubscribing, and the rules that
stop the form being used to mail someone who did not ask: one confirmation mail per address
a day, and at most ALERTS_PER_ADDRESS alerts per address.

Links carry tokens signed with SECRET_KEY and the subscription's nonce: a confirmation link expires
(ALERT_CONFIRM_MAX_AGE), an unsubscribe link works for as long as the subscription exists.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select

from app.accounts.models import User
from app.alerts.models import AlertSubscription
from app.alerts.naming import alert_title
from app.clusters.models import Cluster
from app.database import rows_changed
from app.extensions import db
from app.i18n import recipient_locale
from app.mail.services import normalise_address, queue_mail
from app.timeutil import utcnow
from app.urls import site_url

CONFIRM_SALT = "alert-confirm"
UNSUBSCRIBE_SALT = "alert-unsubscribe"
CONFIRMATION_INTERVAL = timedelta(days=1)  # one confirmation mail per address per day
UNCONFIRMED_KEPT = timedelta(days=7)


class AlertLinkError(Exception):
    """An alert link that cannot be used; the message says why, for people."""


def subscribe(
    email: str,
    filter_query: str,
    cluster: Cluster | None,
    frequency: str,
    user: User | None = None,
    locale: str | None = None,
    now: datetime | None = None,
) -> AlertSubscription | None:
    """Ask for an alert: a pending subscription, and a confirmation mail unless one went to
    the address in the last day. None when the address already holds its share of alerts.

    The same alert asked for again is the same subscription: its frequency changes only
    while it is unconfirmed (a stranger cannot turn someone's weekly digest into instant mail).
    """
    now = now or utcnow()
    email = normalise_address(email)
    cluster_id = cluster.id if cluster is not None else None
    existing = db.session.scalar(
        select(AlertSubscription).where(
            AlertSubscription.email == email,
            AlertSubscription.filter_query == filter_query,
            AlertSubscription.cluster_id.is_(None)
            if cluster_id is None
            else AlertSubscription.cluster_id == cluster_id,
        )
    )
    if existing is not None:
        if existing.confirmed_at is None:
            existing.frequency = frequency
        subscription = existing
    else:
        held = db.session.scalar(
            select(func.count(AlertSubscription.id)).where(AlertSubscription.email == email)
        )
        if (held or 0) >= current_app.config["ALERTS_PER_ADDRESS"]:
            return None
        subscription = AlertSubscription(
            email=email,
            filter_query=filter_query,
            cluster=cluster,
            frequency=frequency,
            user_id=user.id if user is not None and user.email == email else None,
            locale=locale,
            nonce=secrets.token_hex(16),
            created_at=now,
        )
        db.session.add(subscription)
        db.session.flush()
    if subscription.confirmed_at is None and may_send_confirmation(email, now):
        subscription.confirmation_sent_at = now
        queue_confirmation_mail(subscription)
    db.session.flush()
    return subscription


def may_send_confirmation(email: str, now: datetime) -> bool:
    """Whether no confirmation mail went to this address in the last day."""
    recent = db.session.scalar(
        select(func.count(AlertSubscription.id)).where(
            AlertSubscription.email == email,
            AlertSubscription.confirmation_sent_at > now - CONFIRMATION_INTERVAL,
        )
    )
    return not recent


def queue_confirmation_mail(subscription: AlertSubscription) -> None:
    link = site_url("alerts.confirm", token=make_token(subscription, CONFIRM_SALT))
    with recipient_locale(subscription.locale):
        title = alert_title(subscription)
        subject = _("Confirm your email alert: %(title)s", title=title)
        body = render_template(
            "alerts/mail/confirm.txt",
            title=title,
            link=link,
            days=current_app.config["ALERT_CONFIRM_MAX_AGE"] // 86400,
        )
    stamp = (subscription.confirmation_sent_at or utcnow()).isoformat()
    queue_mail(subscription.email, subject, body, key=f"alert-confirm:{subscription.id}:{stamp}")


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def make_token(subscription: AlertSubscription, salt: str) -> str:
    return _serializer(salt).dumps({"alert": subscription.id, "nonce": subscription.nonce})


def unsubscribe_url(subscription: AlertSubscription) -> str:
    """The one-click unsubscribe address (works without login, for as long as the alert)."""
    return site_url("alerts.unsubscribe", token=make_token(subscription, UNSUBSCRIBE_SALT))


def subscription_for_token(token: str, salt: str) -> AlertSubscription:
    """The subscription a link was made for; AlertLinkError when it cannot be used."""
    max_age = current_app.config["ALERT_CONFIRM_MAX_AGE"] if salt == CONFIRM_SALT else None
    try:
        payload = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired as error:
        message = _("This link has expired. You can ask for the alert again.")
        raise AlertLinkError(message) from error
    except BadSignature as error:
        raise AlertLinkError(_("This link is not valid.")) from error
    alert_id = payload.get("alert") if isinstance(payload, dict) else None
    subscription = (
        db.session.get(AlertSubscription, alert_id) if isinstance(alert_id, int) else None
    )
    if subscription is None or not secrets.compare_digest(
        subscription.nonce, str(payload.get("nonce"))
    ):
        raise AlertLinkError(_("This alert no longer exists: it may have been cancelled."))
    return subscription


def confirm_subscription(subscription: AlertSubscription, now: datetime | None = None) -> None:
    """Start the alert: it covers what is published from now on."""
    if subscription.confirmed_at is not None:
        return
    now = now or utcnow()
    subscription.confirmed_at = now
    subscription.sent_until = now
    db.session.flush()


def unsubscribe(subscription: AlertSubscription) -> None:
    """Cancel the alert (its address goes with it)."""
    db.session.delete(subscription)
    db.session.flush()


def alerts_of(email: str) -> list[AlertSubscription]:
    """An address's alerts, oldest first (the account page, the data download)."""
    query = (
        select(AlertSubscription)
        .where(AlertSubscription.email == normalise_address(email))
        .order_by(AlertSubscription.id)
    )
    return list(db.session.scalars(query))


def forget_alerts_of(email: str) -> int:
    """Delete every alert of an address (the account is deleted)."""
    deleted = db.session.execute(
        delete(AlertSubscription).where(AlertSubscription.email == normalise_address(email))
    )
    return rows_changed(deleted) or 0


def forget_unconfirmed_alerts(now: datetime | None = None) -> int:
    """Delete alerts never confirmed within a week: their address was never shown to be
    willing."""
    cutoff = (now or utcnow()) - UNCONFIRMED_KEPT
    deleted = db.session.execute(
        delete(AlertSubscription).where(
            AlertSubscription.confirmed_at.is_(None), AlertSubscription.created_at < cutoff
        )
    )
    db.session.commit()
    return rows_changed(deleted) or 0
