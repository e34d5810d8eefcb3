"""Browsing published initiatives: the list, theme pages and neighbourhood pages."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.browse import services
from app.browse.canonical import redirect_without_empty_parameters
from app.browse.nearplace import (
    filtered_address,
    find_near_place,
    limit_near_place,
)
from app.extensions import db
from app.initiatives.examples import format_number
from app.initiatives.services import initiative_url
from app.initiatives.vocabulary import STATUSES
from app.neighbourhoods.models import Neighbourhood
from app.shared_filters.canonical import filter_pairs
from app.shared_filters.facet_index import summarise
from app.shared_filters.parse import FACETS, InitiativeFilter, is_slug, parse_filters
from app.themes.models import Theme
from app.urls import current_endpoint

bp = Blueprint("browse", __name__)
bp.before_app_request(redirect_without_empty_parameters)


@bp.route("/initiatives")
@limit_near_place
def list_initiatives():
    """Every published initiative, filtered, sorted and paged as the query string says."""
    return _render_listing("browse/list.html")


@bp.route("/themes/<slug>")
@limit_near_place
def show_theme(slug: str):
    """A theme's published initiatives, with every other filter."""
    theme = _find_or_404(Theme, slug)
    return _render_listing("browse/theme.html", fixed=("theme", theme.slug), theme=theme)


@bp.route("/neighbourhoods/<slug>")
@limit_near_place
def show_neighbourhood(slug: str):
    """A neighbourhood's published initiatives, with every other filter."""
    neighbourhood = _find_or_404(Neighbourhood, slug)
    return _render_listing(
        "browse/neighbourhood.html",
        fixed=("neighbourhood", neighbourhood.slug),
        neighbourhood=neighbourhood,
    )


@bp.app_template_global()
def active_filter_count(initiative_filter: InitiativeFilter, fixed: str | None = None) -> int:
    """How many filters a person has chosen (what "Filter (n active)" counts); the facet a
    page's address sets is not one of them."""
    return services.count_active_filters(initiative_filter, fixed)


def _find_or_404(model, slug: str):
    if not is_slug(slug):  # not worth asking the database (which may refuse some bytes)
        abort(404)
    return db.first_or_404(select(model).where(model.slug == slug))


def _render_listing(template: str, fixed: tuple[str, str] | None = None, **context):
    """Parse the filters, list a page of results with facet counts, and render the template.

    ``fixed`` is the facet a theme or neighbourhood page sets by its address: any value for it
    in the query string is ignored there.
    """
    args = request.args
    if fixed:
        args = MultiDict(
            [(key, value) for key, value in args.items(multi=True) if key != fixed[0]]
        )
    here = url_for(current_endpoint(), **(request.view_args or {}))
    near_place = find_near_place(args)
    if near_place and near_place.args is not None:
        return redirect(filtered_address(here, near_place.args, ("sort", "per_page")))
    initiative_filter, errors = parse_filters(args)
    scope = initiative_filter
    if fixed:
        scope = initiative_filter.with_values(fixed[0], (fixed[1],))
    page, per_page = services.read_paging(args)
    listing = counts = total = summary = None
    if not errors:
        summary = summarise(scope, tuple(f for f in FACETS if not fixed or f != fixed[0]))
        total, counts = summary.total, summary.counts
    sort = services.resolve_sort(args.get("sort"), scope, total)
    if summary is not None:
        listing = services.list_initiatives(scope, sort, page, per_page, total, summary.matches)
    default_sort = services.resolve_sort(None, scope, total)
    chosen_sort = sort if sort != default_sort else None

    def page_url(number: int) -> str:
        """This view's address (canonical filters, then controls) at another page."""
        controls = [("sort", chosen_sort)] if chosen_sort else []
        if per_page != services.DEFAULT_PER_PAGE:
            controls.append(("per_page", str(per_page)))
        if number > 1:
            controls.append(("page", str(number)))
        query = urlencode(filter_pairs(initiative_filter) + controls, safe=",")
        return here + ("?" + query if query else "")

    status = 400 if errors else 200
    if near_place:  # not found, or no geocoder: said beside the field, the rest still listed
        errors, status = near_place.with_problem(errors, status)
    return (
        render_template(
            template,
            listing=listing,
            errors=errors,
            typed=args,
            fixed=fixed[0] if fixed else None,
            options=services.filter_options(args, counts),
            initiative_filter=scope,
            sort=sort,
            chosen_sort=chosen_sort,
            default_sort=default_sort,
            too_many_to_rank=services.is_ranked(scope, None)
            and not services.is_ranked(scope, total),
            rank_limit=format_number(services.RANK_LIMIT),
            sorts=services.SORTS,
            per_page=per_page,
            page_url=page_url,
            clear_url=here,
            initiative_url=initiative_url,
            statuses=STATUSES,
            **context,
        ),
        status,
        near_place.headers if near_place else {},
    )
