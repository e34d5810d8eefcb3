""" "Download CSV / GeoJSON" links: the API's exports of the initiatives a page shows.

The links carry the page's shared filters in their canonical form, so the files hold exactly
the published initiatives the list, map, neighbourhood page or dashboard counts.
"""

from __future__ import annotations

from flask import url_for

from app.shared_filters.canonical import canonical_query
from app.shared_filters.parse import InitiativeFilter

EXPORT_FORMATS = ("csv", "geojson")


def export_urls(initiative_filter: InitiativeFilter) -> dict[str, str]:
    """The CSV and GeoJSON exports' addresses for a filter: ``{"csv": ..., "geojson": ...}``."""
    return export_urls_for_query(canonical_query(initiative_filter))


def export_urls_for_query(query: str) -> dict[str, str]:
    """The exports' addresses for a canonical query string."""
    return {
        kind: url_for(f"api.export_{kind}") + (f"?{query}" if query else "")
        for kind in EXPORT_FORMATS
    }
