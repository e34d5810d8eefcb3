"""Keyset paging for the API: ``limit`` and an opaque, signed ``cursor``.

Initiatives come newest first by (published_at, id). A cursor holds the last row of a page
and is signed, so a cursor that was altered or made up is refused (400), never trusted.
Pages stay correct while initiatives are published between requests: nothing is skipped or
repeated, unlike page numbers.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import Select, and_, or_
from werkzeug.datastructures import MultiDict

from app.initiatives.models import Initiative

Position = tuple[datetime | None, int]


class PagingError(ValueError):
    """A limit or cursor that cannot be used; ``field`` names the parameter."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _serializer() -> URLSafeSerializer:
    secret_key = current_app.secret_key
    if not secret_key:
        raise RuntimeError("Cursors are signed with SECRET_KEY, and it is not set.")
    return URLSafeSerializer(secret_key, salt="api-cursor")


def encode_cursor(position: Position) -> str:
    published_at, initiative_id = position
    return _serializer().dumps([published_at.isoformat() if published_at else None, initiative_id])


def decode_cursor(cursor: str) -> Position:
    """The position a cursor stands for; PagingError when it is not one of ours."""
    try:
        published_at, initiative_id = _serializer().loads(cursor)
        moment = datetime.fromisoformat(published_at) if published_at is not None else None
        if not isinstance(initiative_id, int) or isinstance(initiative_id, bool):
            raise ValueError("id")
        if moment is not None and moment.tzinfo is None:
            raise ValueError("naive")
    except (BadData, TypeError, ValueError) as error:
        raise PagingError(
            "cursor", _("This cursor is not valid: use the next URL of a previous page.")
        ) from error
    return moment, initiative_id


def read_limit(args: MultiDict) -> int:
    """``limit``: a whole number from 1 to API_MAX_LIMIT (default API_DEFAULT_LIMIT)."""
    config = current_app.config
    values = args.getlist("limit")
    if not values:
        return config["API_DEFAULT_LIMIT"]
    maximum = config["API_MAX_LIMIT"]
    text = values[0].strip()
    if len(values) > 1 or not text.isascii() or not text.isdigit() or len(text) > 6:
        raise PagingError(
            "limit", _("limit must be a whole number from 1 to %(maximum)s.", maximum=maximum)
        )
    if not 1 <= int(text) <= maximum:
        raise PagingError(
            "limit", _("limit must be a whole number from 1 to %(maximum)s.", maximum=maximum)
        )
    return int(text)


def read_cursor(args: MultiDict) -> Position | None:
    values = [value for value in args.getlist("cursor") if value.strip()]
    if not values:
        return None
    if len(values) > 1:
        raise PagingError("cursor", _("Give cursor only once."))
    return decode_cursor(values[0])


def newest_first(query: Select) -> Select:
    """Order initiatives newest first, the order cursors walk."""
    return query.order_by(Initiative.published_at.desc().nulls_last(), Initiative.id.desc())


def after(query: Select, position: Position | None) -> Select:
    """The rows that come after a position in ``newest_first`` order."""
    if position is None:
        return query
    published_at, initiative_id = position
    if published_at is None:
        return query.where(Initiative.published_at.is_(None), Initiative.id < initiative_id)
    return query.where(
        or_(
            Initiative.published_at < published_at,
            and_(Initiative.published_at == published_at, Initiative.id < initiative_id),
            Initiative.published_at.is_(None),
        )
    )


def position_of(initiative: Initiative) -> Position:
    return initiative.published_at, initiative.id


def page_after(query: Select, position: Position | None, size: int | None) -> Select:
    """At most ``size`` rows (None: all) after a position, newest first, read as one index
    range.

    Unlike ``after`` there is no ``OR published_at IS NULL`` branch, and the first page has
    no ``NULLS LAST`` (which PostgreSQL's (state, published_at) index cannot give: it read and
    sorted every match), so any page costs what an index range does. Published initiatives
    always have a publication time; any without one come last and are read as a second range
    (``null_tail``) once the timed ones run out.
    """
    if position is None:
        timed = query.where(Initiative.published_at.is_not(None))
    else:
        published_at, initiative_id = position
        if published_at is None:
            return null_tail(query, initiative_id, size)
        timed = query.where(
            Initiative.published_at <= published_at,
            or_(Initiative.published_at < published_at, Initiative.id < initiative_id),
        )
    return timed.order_by(Initiative.published_at.desc(), Initiative.id.desc()).limit(size)


def null_tail(query: Select, before_id: int | None, size: int | None) -> Select:
    """The rows without a publication time (after ``before_id`` if given), last in the order."""
    query = query.where(Initiative.published_at.is_(None))
    if before_id is not None:
        query = query.where(Initiative.id < before_id)
    return query.order_by(Initiative.id.desc()).limit(size)
