"""The map cells of a view as GeoJSON: what ``/api/v1/map/clusters`` answers.

Each cell of the view (``app.map_cells.totals``) holding several matching published initiatives
becomes one feature at the mean of their public points, with their count and extent (the public
JSON marks it ``"cluster": true``); a cell holding one becomes that initiative. A view never has
more features than cells, and its answer stays within ``PAYLOAD_BUDGET``: when it would not,
cells are joined four to one (the counts stay exact) until it does.

The features are dicts built here by hand, for speed (the budget may build them several times
per request); ``app.api.schemas.map_cells`` documents the same shape for the OpenAPI document,
and a test holds the two to the same output.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

from flask import current_app
from flask_babel import gettext as _
from jinja2.utils import htmlsafe_json_dumps
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.initiatives.bilingual import shown_title
from app.initiatives.models import Initiative, InitiativeTheme
from app.initiatives.public import MAX_DECIMALS, is_public
from app.initiatives.services import initiative_url
from app.languages import WELSH, current_language
from app.map_cells.grid import MAX_ZOOM, CellWindow
from app.map_cells.totals import CellTotal, find_cell_totals
from app.shared_filters.parse import InitiativeFilter
from app.themes.models import Theme

MAX_CELLS = 4_096  # a 4096 × 4096-pixel screen; a 1280 × 800 map needs at most 294
PAYLOAD_BUDGET = 90_000  # bytes of features at most: the whole answer stays under 100 KB
_WHOLE = re.compile(r"\d{1,2}")


def read_view(
    args: MultiDict, initiative_filter: InitiativeFilter, errors: dict[str, str]
) -> int | None:
    """The zoom of a request for map cells; adds messages to ``errors`` for a bad zoom or box."""
    given = [value.strip() for value in args.getlist("zoom") if value.strip()]
    zoom = None
    if not given:
        errors["zoom"] = _(
            "zoom is required: a whole number from 0 to %(max_zoom)s.", max_zoom=MAX_ZOOM
        )
    elif len(set(given)) > 1:
        errors["zoom"] = _("Give zoom only once.")
    elif not _WHOLE.fullmatch(given[0]) or int(given[0]) > MAX_ZOOM:
        errors["zoom"] = _(
            "zoom must be a whole number from 0 to %(max_zoom)s.", max_zoom=MAX_ZOOM
        )
    else:
        zoom = int(given[0])
    if initiative_filter.bbox is None and "bbox" not in errors:
        errors["bbox"] = _("bbox is required: min_lon,min_lat,max_lon,max_lat of the map's view.")
    if zoom is not None and initiative_filter.bbox is not None:
        window = CellWindow.for_box(initiative_filter.bbox, zoom)
        if len(window.columns) * len(window.rows) > MAX_CELLS:
            errors["bbox"] = _(
                "bbox is too large for zoom %(zoom)s: ask for a smaller box or a lower zoom.",
                zoom=zoom,
            )
    return zoom


def cell_features(totals: list[CellTotal]) -> list[dict]:
    """GeoJSON features: one for each cell of several, the initiative for a cell of one."""
    singles = _load_singles([total.first_initiative_id for total in totals if total.count == 1])
    features = []
    for total in sorted(totals, key=lambda total: total.cell):
        if total.count == 1:
            single = singles.get(total.first_initiative_id)
            if single is not None:
                features.append(_feature(total.min_longitude, total.min_latitude, single))
            continue
        features.append(
            _feature(
                total.sum_longitude / total.count,
                total.sum_latitude / total.count,
                {
                    "cluster": True,
                    "count": total.count,
                    "bbox": [
                        _coordinate(total.min_longitude),
                        _coordinate(total.min_latitude),
                        _coordinate(total.max_longitude),
                        _coordinate(total.max_latitude),
                    ],
                },
            )
        )
    return features


def _load_singles(initiative_ids: list[int]) -> dict[int, dict]:
    """The properties of initiatives shown alone: title, primary theme and page."""
    if not initiative_ids:
        return {}
    # By id, then is_public() on each row: with the published rule in the query, SQLite
    # (without statistics) would scan every published initiative instead of looking up ids.
    query = select(
        Initiative.id,
        Initiative.slug,
        Initiative.title,
        Initiative.title_cy,
        Initiative.language,
        Initiative.state,
    ).where(Initiative.id.in_(initiative_ids))
    initiatives = {row.id: row for row in db.session.execute(query) if is_public(row)}
    primary: dict[int, tuple[str, str, str]] = {}
    welsh = current_language() == WELSH
    themes = db.session.execute(
        select(InitiativeTheme.initiative_id, Theme.slug, Theme.name, Theme.name_cy, Theme.colour)
        .join(Theme, Theme.id == InitiativeTheme.theme_id)
        .where(InitiativeTheme.initiative_id.in_(list(initiatives)))
        .order_by(InitiativeTheme.position.desc(), InitiativeTheme.theme_id.desc())
    )
    for initiative_id, slug, name, name_cy, colour in themes:
        name = name_cy if welsh and (name_cy or "").strip() else name
        primary[initiative_id] = (slug, name, colour)  # the lowest position comes last, stays
    return {
        row.id: {
            "cluster": False,
            "id": row.id,
            "title": shown_title(row),
            "theme": theme[0] if (theme := primary.get(row.id)) else None,
            "theme_name": theme[1] if theme else None,
            "colour": theme[2] if theme else None,
            "url": initiative_url(row, _external=True),
        }
        for row in initiatives.values()
    }


def _coordinate(value: float) -> float:
    return round(value, MAX_DECIMALS) + 0.0


def _feature(longitude: float, latitude: float, properties: dict) -> dict:
    return {
        "type": "Feature",
        "geometry": {
            "type": "Point",
            "coordinates": [_coordinate(longitude), _coordinate(latitude)],
        },
        "properties": properties,
    }


def budgeted_features(totals: list[CellTotal]) -> list[dict]:
    """The features of these cells, or of cells four times larger while they would take more
    than ``PAYLOAD_BUDGET`` bytes (long titles, or a large box at a deep zoom)."""
    while True:
        features = cell_features(totals)
        if len(totals) <= 1 or payload_size(features) <= PAYLOAD_BUDGET:
            return features
        totals = joined_cells(totals)


def payload_size(features: list[dict]) -> int:
    """The bytes these features take in the answer (as the view writes them)."""
    return len(str(htmlsafe_json_dumps(features, dumps=json.dumps, separators=(",", ":"))))


def joined_cells(totals: list[CellTotal]) -> list[CellTotal]:
    """The totals of the cells one zoom up: each the sum of its (up to) four children."""
    parents: dict[int, CellTotal] = {}
    for total in totals:
        parent = replace(total, cell=total.cell >> 2)
        seen = parents.get(parent.cell)
        parents[parent.cell] = parent if seen is None else seen.plus(parent)
    return list(parents.values())


def cells_collection(initiative_filter: InitiativeFilter, zoom: int) -> dict:
    """The map cells of the view as a GeoJSON FeatureCollection."""
    features = budgeted_features(find_cell_totals(initiative_filter, zoom))
    return {
        "type": "FeatureCollection",
        "licence": current_app.config["DATA_LICENCE"],
        "features": features,
    }
