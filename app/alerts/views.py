"""Email alerts: the subscribe form, and the confirm and unsubscribe links (GET shows a
button, POST acts; the unsubscribe POST is also RFC 8058's one-click, without cookies)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from app.accounts.models import User
from app.alerts.forms import AlertForm
from app.alerts.models import AlertSubscription
from app.alerts.naming import alert_list_url, alert_title
from app.alerts.services import (
    CONFIRM_SALT,
    UNSUBSCRIBE_SALT,
    AlertLinkError,
    alerts_of,
    confirm_subscription,
    subscribe,
    subscription_for_token,
    unsubscribe,
    unsubscribe_url,
)
from app.clusters.models import Cluster
from app.clusters.services import describe_filter, find_published_cluster
from app.extensions import csrf, db
from app.forms import required_text
from app.permissions import current_visitor, permission_required, signed_in_user
from app.ratelimits import limit_posts
from app.shared_filters.canonical import canonical_query
from app.shared_filters.parse import InitiativeFilter, is_slug, parse_filters

bp = Blueprint("alerts", __name__)


@bp.route("/alerts/new", methods=["GET", "POST"])
@limit_posts("RATELIMIT_ALERTS")
def new():
    """Subscribe to new initiatives matching the filters (or in a cluster), no account needed."""
    cluster: Cluster | None = None
    errors: dict[str, str]
    slug = request.args.get("cluster", "").strip()
    if slug:
        cluster = find_published_cluster(slug) if is_slug(slug) else None
        if cluster is None:
            abort(404)
        title, filter_query, errors = cluster.title, "", {}
    else:
        initiative_filter, errors = parse_filters(request.args)
        title = describe_filter(initiative_filter)
        filter_query = canonical_query(initiative_filter)
    if errors:
        return render_template("alerts/new.html", errors=errors, title=title, form=None), 400
    visitor = current_visitor()
    user = visitor if isinstance(visitor, User) else None
    form = AlertForm()
    if request.method == "GET" and user is not None:
        form.email.data = user.email
    if form.validate_on_submit():
        subscribe(
            required_text(form.email),
            filter_query,
            cluster,
            form.frequency.data if form.frequency.data in ("instant", "weekly") else "weekly",
            user=user,
            locale=str(get_locale() or "") or None,
        )
        db.session.commit()
        # The same answer whatever happened (sent, already sent today, over the cap), so the
        # form tells nobody what an address has asked for.
        return render_template("alerts/check_email.html", title=title)
    status = 422 if form.errors else 200
    return render_template(
        "alerts/new.html", form=form, title=title, errors={}, cluster=cluster
    ), status


@bp.route("/alerts/confirm/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed link is the proof; no session is involved
def confirm(token: str):
    """GET shows a button; POST starts the alert."""
    try:
        subscription = subscription_for_token(token, CONFIRM_SALT)
    except AlertLinkError as error:
        return render_template("alerts/invalid_link.html", message=str(error)), 410
    if request.method == "POST":
        confirm_subscription(subscription)
        db.session.commit()
        list_url = alert_list_url(subscription)
        return render_template(
            "alerts/confirmed.html", subscription=subscription, list_url=list_url
        )
    return render_template("alerts/confirm.html", subscription=subscription)


@bp.route("/alerts/unsubscribe/<token>", methods=["GET", "POST"], endpoint="unsubscribe")
@csrf.exempt  # RFC 8058 one-click: mail providers post here without cookies
def unsubscribe_view(token: str):
    """GET shows a button; POST cancels the alert (also the one-click unsubscribe)."""
    try:
        subscription = subscription_for_token(token, UNSUBSCRIBE_SALT)
    except AlertLinkError as error:
        return render_template("alerts/invalid_link.html", message=str(error)), 410
    if request.method == "POST":
        unsubscribe(subscription)
        db.session.commit()
        return render_template("alerts/unsubscribed.html")
    return render_template("alerts/unsubscribe.html", subscription=subscription)


@bp.app_template_global()
def alerts_for_account(user: User) -> list[tuple[AlertSubscription, str, str]]:
    """A signed-in person's alerts (by their address) with what each is about and its
    unsubscribe link, for the account page."""
    return [
        (subscription, alert_title(subscription), unsubscribe_url(subscription))
        for subscription in alerts_of(user.email)
    ]


@bp.post("/account/queue-digest")
@permission_required("moderate")
def queue_digest():
    """Turn a moderator's daily digest of the queue on or off."""
    user = signed_in_user()
    user.queue_digest = request.form.get("queue_digest") == "on"
    db.session.commit()
    if user.queue_digest:
        flash(_("You will get a daily digest of the moderation queue."), "success")
    else:
        flash(_("You will no longer get the daily digest of the moderation queue."), "success")
    return redirect(url_for("accounts.account"))


@bp.app_template_global()
def alerts_url(
    initiative_filter: InitiativeFilter | None = None, cluster: Cluster | None = None
) -> str:
    """The subscribe form's address for a filtered list (its canonical filter) or a cluster."""
    if cluster is not None:
        return url_for("alerts.new", cluster=cluster.slug)
    query = canonical_query(initiative_filter) if initiative_filter is not None else ""
    return url_for("alerts.new") + (f"?{query}" if query else "")
