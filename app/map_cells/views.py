"""The map's data: map cells of published initiatives as GeoJSON, computed on the server."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, request
from flask_babel import gettext as _
from flask_cors import cross_origin
from jinja2.utils import htmlsafe_json_dumps

from app.errors import json_error
from app.map_cells import services
from app.shared_filters.parse import parse_filters

bp = Blueprint("map_cells", __name__)

GEOJSON = "application/geo+json"


@bp.route("/api/v1/map/clusters")
@cross_origin(origins="*", send_wildcard=True, methods=["GET"], supports_credentials=False)
def cells_in_view():
    """The map cells of a view for the shared filters (the URL keeps its public name).
    ---
    get:
      summary: The map cells of published initiatives in a view (GeoJSON)
      description: >
        The view (``bbox`` at ``zoom``) is cut into square map cells of 64 pixels of a
        web-Mercator map. Each cell holding several matching published initiatives becomes one
        feature (``"cluster": true``) at the mean of their points, with their count and the box
        around them (zoom there to see them apart); a cell holding one becomes that
        initiative's feature (``"cluster": false``). The counts add up exactly to the matching
        published initiatives whose public point lies in ``bbox``. Points are public points:
        rounded or moved to the neighbourhood's centre as each initiative's location precision
        asks. The other parameters are the shared filters of the list page; repeating one
        (``theme=a&theme=b``) means either.
      tags: [map]
      parameters: [map_bbox, zoom, q, theme, stage, sector, neighbourhood, status, verified,
                   updated_since, active_from, active_to, near, radius_km]
      responses:
        200:
          description: An RFC 7946 FeatureCollection ([longitude, latitude], 6 decimals).
          content:
            application/geo+json:
              schema: MapCellCollection
        400:
          description: A missing or malformed bbox or zoom, or a filter that cannot be used.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Error"}
    """
    initiative_filter, errors = parse_filters(request.args)
    zoom = services.read_view(request.args, initiative_filter, errors)
    if errors or zoom is None:  # no zoom only with its error
        return json_error(400, _("The map view or a filter is not valid."), errors)
    return _geojson(services.cells_collection(initiative_filter, zoom))


def _geojson(document: dict):
    """A GeoJSON response; <, > and & are escaped inside strings, so no text reads as HTML."""
    body = htmlsafe_json_dumps(document, dumps=json.dumps, separators=(",", ":"))
    return current_app.response_class(str(body), mimetype=GEOJSON)
