"""``/healthz`` (liveness) and ``/readyz`` (readiness), for load balancers and operators."""

from __future__ import annotations

from flask import Blueprint

from app.health.checks import database_answers, readiness

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    """200 when the app and its database answer, 503 when the database does not."""
    if not database_answers():
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}


@bp.route("/readyz")
def readyz():
    """Ready to serve: 503 only without a database at the migrations' head; helpers that are
    away (Redis, the worker) make it 200 "degraded"."""
    body, status = readiness()
    return body, status, {"Cache-Control": "no-store"}
