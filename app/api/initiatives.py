"""The initiatives API: a filtered, paged list and one initiative in full."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import request, url_for
from flask_babel import gettext as _
from pyroaring import BitMap
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from app.api.paging import (
    PagingError,
    Position,
    encode_cursor,
    newest_first,
    null_tail,
    page_after,
    position_of,
    read_cursor,
    read_limit,
)
from app.api.public_data import licence, with_public_data
from app.api.responses import api_json
from app.api.schemas.initiatives import InitiativeAnswerSchema, InitiativePageSchema
from app.database import in_ids
from app.errors import json_error
from app.extensions import db
from app.initiatives.models import Initiative, Outcome
from app.initiatives.public import published_initiatives, published_only
from app.search.services import MANY_MATCHES
from app.shared_filters.canonical import filter_pairs
from app.shared_filters.facet_index import WALK, choose_page_read, summarise, walk_matches
from app.shared_filters.parse import InitiativeFilter, parse_filters
from app.shared_filters.query import apply_filters

PAGE = InitiativePageSchema()
ANSWER = InitiativeAnswerSchema()


def _paging_value(read, errors: dict[str, str]):
    """A paging parameter's value; on a bad one, its message goes into ``errors``."""
    try:
        return read(request.args)
    except PagingError as error:
        errors[error.field] = str(error)
        return None


def read_list_request():
    """The filter, limit and cursor of a list request, or the 400 answer when one is bad."""
    initiative_filter, errors = parse_filters(request.args)
    limit = _paging_value(read_limit, errors)
    cursor = _paging_value(read_cursor, errors)
    if errors:
        return None, json_error(400, _("A parameter cannot be used."), errors)
    return (initiative_filter, limit, cursor), None


def next_url(initiative_filter: InitiativeFilter, limit: int, cursor: str) -> str:
    """The next page's full URL: the canonical filter, then limit and cursor."""
    pairs = [*filter_pairs(initiative_filter), ("limit", str(limit)), ("cursor", cursor)]
    return url_for("api.list_initiatives", _external=True) + "?" + urlencode(pairs, safe=",")


def list_initiatives():
    """Published initiatives matching the shared filters, newest first, a page at a time.
    ---
    get:
      summary: Published initiatives, filtered and paged
      description: >
        Newest first. Follow `next` (a full URL, null on the last page) to walk every match
        exactly once, even while new initiatives are published. `total` counts all matches.
        Repeating a filter (`theme=a&theme=b`) means either; different filters all apply.
      tags: [initiatives]
      parameters: [q, theme, stage, sector, neighbourhood, status, verified, updated_since,
                   active_from, active_to,
                   bbox, near, radius_km, limit, cursor]
      responses:
        200:
          description: A page of initiatives.
          content:
            application/json:
              schema: InitiativePage
        400: BadRequest
    """
    parsed, problem = read_list_request()
    if problem:
        return problem
    initiative_filter, limit, cursor = parsed
    summary = summarise(initiative_filter, ())
    total = summary.total
    many = total > MANY_MATCHES  # a common word: walk the newest-first index, not the matches
    matching = apply_filters(published_initiatives(), initiative_filter, many_matches=many)
    page = _page(matching, initiative_filter, summary.matches, cursor, limit + 1)
    initiatives = list(db.session.scalars(with_public_data(page)))
    if len(initiatives) <= limit and (cursor is None or cursor[0] is not None):
        # The timed rows ran out: any without a publication time follow them.
        tail = null_tail(matching, None, limit + 1 - len(initiatives))
        initiatives += db.session.scalars(with_public_data(tail))
    more = len(initiatives) > limit
    initiatives = initiatives[:limit]
    following = (
        next_url(initiative_filter, limit, encode_cursor(position_of(initiatives[-1])))
        if more
        else None
    )
    return api_json(
        PAGE.dump(
            {
                "ok": True,
                "items": initiatives,
                "total": total or 0,
                "next": following,
                "licence": licence(),
            }
        )
    )


def _page(
    matching: Select,
    initiative_filter: InitiativeFilter,
    matches: BitMap,
    cursor: Position | None,
    size: int,
) -> Select:
    """The next ``size`` matches after the cursor: found by walking the newest-first index's
    ids among them when ``choose_page_read`` says so, else one range of that index read by
    the database, the filter in its query (which also stands for reading the matches by id:
    the database reads them by the filter's own indexes)."""
    read = choose_page_read(initiative_filter, matches, size, "newest")
    if read.way != WALK:
        return page_after(matching, cursor, size)
    order = page_after(published_only(select(Initiative.id)), cursor, None)
    ids = walk_matches(order, matches, 0, size, read.first_read, read.gives_way)
    if ids is None:  # the matches lie further on than their share suggested
        return page_after(matching, cursor, size)
    dialect = db.session.get_bind().dialect
    return newest_first(published_initiatives().where(in_ids(Initiative.id, ids, dialect)))


def show_initiative(initiative_id: int):
    """One published initiative with its description, participants and outcomes.
    ---
    get:
      summary: One published initiative in full
      tags: [initiatives]
      parameters:
        - name: initiative_id
          in: path
          required: true
          schema: {type: integer, minimum: 1, maximum: 2147483647}
      responses:
        200:
          description: The initiative.
          content:
            application/json:
              schema: InitiativeAnswer
        404: NotFound
    """
    query = with_public_data(
        published_initiatives()
        .where(Initiative.id == initiative_id)
        .options(selectinload(Initiative.outcomes).joinedload(Outcome.verified_by_organisation))
    )
    initiative = db.session.scalar(query)
    if initiative is None:
        return json_error(404, _("There is no published initiative with this id."))
    return api_json(ANSWER.dump({"ok": True, "item": initiative, "licence": licence()}))
