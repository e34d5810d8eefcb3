"""The map page: map cells of published initiatives on a map, with the same list beneath it."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.browse import services as browse
from app.browse.nearplace import (
    filtered_address,
    find_near_place,
    limit_near_place,
)
from app.browse.views import initiative_url
from app.errors import json_error
from app.initiatives.bilingual import local_name, shown_title
from app.initiatives.models import Initiative
from app.initiatives.public import public_photos
from app.initiatives.vocabulary import STATUSES
from app.maps import services
from app.photos.services import size_url
from app.shared_filters.canonical import canonical_query, filter_pairs
from app.shared_filters.facet_index import summarise
from app.shared_filters.parse import InitiativeFilter, parse_filters


def thumbnail(initiative: Initiative) -> dict[str, object]:
    """The list item's small photo: its address and alt text (None without one)."""
    photos = public_photos(initiative)
    if not photos:
        return {"thumbnail_url": None, "thumbnail_alt": None}
    return {"thumbnail_url": size_url(photos[0], "320.jpg"), "thumbnail_alt": photos[0].alt}


bp = Blueprint("maps", __name__)
RADIUS_CHOICES = (1.0, 2.0, 5.0, 10.0, 25.0)


@bp.route("/map")
@limit_near_place
def show_map():
    """The map of published initiatives for the filters and view in the address."""
    near_place = find_near_place(request.args)
    if near_place and near_place.args is not None:
        # A new place is a new view: the map fits the circle around it.
        address = filtered_address(
            url_for("maps.show_map"), near_place.args, label=near_place.text
        )
        return redirect(address)
    initiative_filter, errors = parse_filters(request.args)
    view, view_errors = services.read_view(request.args)
    errors.update(view_errors)
    # On the map a bbox is where to look first; the view itself then bounds what is shown.
    map_filter = replace(initiative_filter, bbox=None)
    map_view = listing = options = None
    if not errors:
        map_view = services.map_view(initiative_filter, view)
        listing = services.list_in_view(map_filter, map_view.bounds)
        options = browse.filter_options(request.args, summarise(map_filter).counts)
    else:
        options = browse.filter_options(request.args, None)
    status = 400 if errors else 200
    if near_place:  # not found, or no geocoder: said beside the field, the rest still shown
        errors, status = near_place.with_problem(errors, status)
    return (
        render_template(
            "maps/map.html",
            errors=errors,
            typed=request.args,
            options=options,
            view=view,
            map_view=map_view,
            listing=listing,
            initiative_filter=map_filter,
            filter_query=canonical_query(map_filter),
            list_url=list_url(
                replace(map_filter, bbox=map_view.bounds) if map_view else map_filter
            ),
            radius_choices=radius_choices(initiative_filter),
            initiative_url=initiative_url,
            statuses=STATUSES,
            tile_url=current_app.config["TILE_URL"],
            tile_attribution=current_app.config["TILE_ATTRIBUTION"],
        ),
        status,
        near_place.headers if near_place else {},
    )


@bp.route("/map/initiatives.json")
def initiatives_in_view():
    """The first published initiatives in a map view (``bbox``) for the list beneath the map."""
    initiative_filter, errors = parse_filters(request.args)
    if errors:
        return json_error(400, _("Some filters are not valid."), errors)
    listing = services.list_in_view(initiative_filter, None)
    return {
        "ok": True,
        "total": listing.total,
        "items": [
            {
                "id": result.initiative.id,
                "title": shown_title(result.initiative),
                "url": initiative_url(result.initiative),
                "theme_name": (
                    local_name(theme) if (theme := result.initiative.primary_theme) else None
                ),
                "colour": theme.colour if theme else None,
                "neighbourhood": (
                    local_name(result.initiative.neighbourhood)
                    if result.initiative.neighbourhood
                    else None
                ),
                "status": STATUSES.get(result.initiative.status, result.initiative.status),
                **thumbnail(result.initiative),
                "distance_km": (
                    None if result.distance_km is None else round(result.distance_km, 1)
                ),
            }
            for result in listing.results
        ],
        "list_url": list_url(initiative_filter),
    }


def list_url(initiative_filter: InitiativeFilter) -> str:
    """The list page of the same initiatives: canonical filters, nearest first when near."""
    pairs = filter_pairs(initiative_filter)
    if initiative_filter.near:
        pairs.append(("sort", "distance"))
    query = urlencode(pairs, safe=",")
    return url_for("browse.list_initiatives") + ("?" + query if query else "")


def radius_choices(initiative_filter: InitiativeFilter) -> list[tuple[str, str, bool]]:
    """(value, label, selected) for the radius select; the default radius is sent as no value.

    Sending nothing for the default keeps ``radius_km`` out of the address when no place is
    chosen (``radius_km`` alone is an error).
    """
    chosen = initiative_filter.radius_km
    default = InitiativeFilter().radius_km
    return [
        ("" if radius == default else f"{radius:g}", f"{radius:g} km", radius == chosen)
        for radius in sorted(set(RADIUS_CHOICES) | {chosen})
    ]
