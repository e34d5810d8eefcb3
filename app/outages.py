"""A database that cannot be reached: a friendly 503 with Retry-After, logged once per burst.

When the database stops answering (a restart, a failover, a full pool), every request fails the
same way; a statement that runs past ``DATABASE_STATEMENT_TIMEOUT`` is cancelled by PostgreSQL
and its request fails the same way too. People get the site's error page and API clients the
JSON error shape, both 503 with ``Retry-After``, instead of a 500; the log gets the first
failure with its traceback and then stays quiet until the burst is over (a minute without
failures), instead of a traceback per request.
"""

from __future__ import annotations

import logging
import math
import threading
import time

from flask import Flask, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin
from sqlalchemy.exc import OperationalError, ProgrammingError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.errors import json_error, wants_json
from app.extensions import db

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10
UNDEFINED_TABLE = "42P01"  # PostgreSQL's code for a relation that does not exist
QUERY_CANCELED = "57014"  # PostgreSQL's code for a statement cancelled (statement_timeout)
BURST_QUIET_SECONDS = 60.0  # a failure this long after the last one starts a new burst


class BurstLog:
    """Logs the first failure of a burst with its traceback, and counts the rest."""

    def __init__(self, quiet_seconds: float = BURST_QUIET_SECONDS):
        self.quiet_seconds = quiet_seconds
        self.last_failure = -math.inf
        self.unlogged = 0
        self._lock = threading.Lock()

    def record(self, error: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            starts_burst = now - self.last_failure > self.quiet_seconds
            self.last_failure = now
            before, self.unlogged = self.unlogged, 0 if starts_burst else self.unlogged + 1
        if starts_burst:
            log.error(
                "The database is not answering (%s): requests get 503 with Retry-After until it "
                "does; %s. Further failures are not logged until a minute passes without one%s.",
                type(getattr(error, "orig", None) or error).__name__,
                _advice(error),
                f" ({before} went unlogged in the last burst)" if before else "",
                exc_info=error,
            )


def _advice(error: BaseException) -> str:
    cause = getattr(error, "orig", None)
    if getattr(cause, "sqlstate", None) == QUERY_CANCELED or str(cause) == "interrupted":
        return (
            "a statement ran past DATABASE_STATEMENT_TIMEOUT (a slow query, or a lock held "
            "elsewhere)"
        )
    return "check DATABASE_URL and the database server"


DATABASE_OUTAGES = BurstLog()


def handle_database_unavailable(error: Exception) -> ResponseReturnValue:
    """503 with Retry-After, on the site's page or in the API's JSON shape."""
    DATABASE_OUTAGES.record(error)
    try:
        db.session.rollback()
    except SQLAlchemyError:  # the connection is gone; the pool replaces it
        pass
    # The page's header shows who is logged in, which would ask the database again: render
    # it as for a visitor.
    g._login_user = AnonymousUserMixin()
    message = _(
        "The site cannot reach its database just now. Please try again in a few moments; "
        "what you sent was not saved."
    )
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    if wants_json():
        body, status = json_error(503, message)
        if request.method in ("GET", "HEAD"):
            headers["Access-Control-Allow-Origin"] = "*"
        return body, status, headers
    page = render_template("errors/error.html", status=503, message=message)
    return page, 503, headers


def handle_missing_schema(error: ProgrammingError) -> ResponseReturnValue:
    """A table that is not there (PostgreSQL not migrated yet) is a 503 too; any other
    programming error is a bug, raised on to the 500 handler and the log."""
    if getattr(error.orig, "sqlstate", None) == UNDEFINED_TABLE:
        return handle_database_unavailable(error)
    raise error


def register_outage_handlers(app: Flask) -> None:
    """A connection that fails, a pool with no free connection and a database without its
    tables are all 503s."""
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(PoolTimeout, handle_database_unavailable)
    app.register_error_handler(ProgrammingError, handle_missing_schema)
