"""The small map of one initiative's point, on its page and on the moderators' review page.

It shows the public point only (``public_latitude``, ``public_longitude``, which the location
precision rule in app.initiatives.public computes): at street precision the rounded point, at
neighbourhood precision the neighbourhood's centre, never the exact point when the precision
forbids it. static/js/examples-map.js draws it, as it draws a cluster's map.
"""

from __future__ import annotations

from typing import Any

from app.initiatives.bilingual import local_name, shown_title
from app.initiatives.models import Initiative
from app.initiatives.public import public_point_note, public_precision
from app.initiatives.services import initiative_url

# How close the map comes: a neighbourhood's centre stands for an area, a point for a street.
MAX_ZOOM = {"neighbourhood": 13, "street": 16, "exact": 17}


def point_map(initiative: Initiative) -> dict[str, Any] | None:
    """What the small map shows: the public point with its title, theme and neighbourhood,
    what the point stands for, and how close to zoom; None without a public point."""
    if initiative.public_latitude is None or initiative.public_longitude is None:
        return None
    theme = initiative.primary_theme
    neighbourhood = initiative.neighbourhood
    precision = public_precision(initiative)
    return {
        "points": [
            {
                "title": shown_title(initiative),
                "url": initiative_url(initiative),
                "lat": initiative.public_latitude,
                "lon": initiative.public_longitude,
                "theme": local_name(theme) if theme else "",
                "colour": theme.colour if theme else "",
                "neighbourhood": local_name(neighbourhood) if neighbourhood else "",
            }
        ],
        "precision": precision,
        "note": public_point_note(initiative),
        "max_zoom": MAX_ZOOM[precision],
    }
