"""Streaming exports of published initiatives: GeoJSON (RFC 7946) and CSV.

Rows are read in batches by keyset (the API's newest-first order) as plain records, each
batch with its participants, outcomes and the rest in one query per kind
(``export_records``), written out and dropped before the next one is read: memory stays flat
and the rate stays constant however many initiatives match.

A failure midway (the database goes away) is raised out of the response's body, so the
server aborts the chunked transfer and the client sees a broken download, never a file that
ends cleanly but short.

An unfiltered export is the open-data file of the same name while that file is current
(``app.api.open_data_files``): the same bytes, sent as a file with its length and an ETag.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, current_app, request, send_file, stream_with_context
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app.api.export_csv import CsvLines, RowContext
from app.api.export_records import published_records
from app.api.geojson import geojson_chunks
from app.api.open_data_files import CSV_FILE, GEOJSON_FILE, current_open_data_file
from app.api.responses import licence_link
from app.csvcells import BYTE_ORDER_MARK
from app.database import lift_statement_timeout
from app.errors import json_error
from app.shared_filters.parse import InitiativeFilter, parse_filters
from app.timeutil import utcnow

BATCH_SIZE = 1000
GEOJSON = "application/geo+json"


def csv_chunks(initiative_filter: InitiativeFilter) -> Iterator[str]:
    """The CSV as text (byte-order mark and header first), a batch of rows at a time."""
    written = CsvLines()
    written.write_header()
    yield BYTE_ORDER_MARK + written.take()
    context = RowContext(current_app.config["DATA_LICENCE"])
    write_row = written.write_row
    for batch in published_records(initiative_filter, BATCH_SIZE):
        for record in batch:
            write_row(record, context)
        yield written.take()


def _filename(extension: str) -> str:
    return f"initiatives-{utcnow():%Y-%m-%d}.{extension}"


def _export(extension: str, mimetype: str, chunks, file_name: str) -> ResponseReturnValue:
    initiative_filter, errors = parse_filters(request.args)
    if errors:
        return json_error(400, _("A filter cannot be used."), errors)
    built = current_open_data_file(file_name) if initiative_filter.is_empty else None
    if built is not None:
        response = send_file(built, mimetype=mimetype, conditional=True, etag=True)
    else:
        # The whole dataset may take longer than a page's statement deadline; the client
        # reading it keeps the request alive, and each batch is one short keyset query.
        lift_statement_timeout()
        # A HEAD request gets the headers only: no rows are read for a body nobody receives.
        # An iterator, not (): a sequence would be measured and sent as "Content-Length: 0".
        body = (
            iter(())
            if request.method == "HEAD"
            else stream_with_context(chunks(initiative_filter))
        )
        response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(extension)}"'
    response.headers["Link"] = licence_link()
    return response


def export_geojson():
    """Matching published initiatives as an RFC 7946 GeoJSON FeatureCollection, streamed.
    ---
    get:
      summary: Published initiatives as GeoJSON (streamed)
      description: >
        One Feature per initiative at its public point, `[longitude, latitude]` with at most
        6 decimals; an initiative without a public point has `geometry: null`. The shared
        filters apply; all matches come in one response, newest first. The licence is in the
        `licence` member and the `Link` header.
      tags: [exports]
      parameters: [q, theme, stage, sector, neighbourhood, status, verified, updated_since,
                   active_from, active_to,
                   bbox, near, radius_km]
      responses:
        200:
          description: A FeatureCollection (a download).
          content:
            application/geo+json:
              schema: FeatureCollection
        400: BadRequest
    """
    return _export("geojson", GEOJSON, geojson_chunks, GEOJSON_FILE)


def export_csv():
    """Matching published initiatives as CSV, one row per initiative, streamed.
    ---
    get:
      summary: Published initiatives as CSV (streamed)
      description: >
        UTF-8 with a byte-order mark (spreadsheets show accents correctly), one row per
        initiative with people and hours per sector (`people_council`, `hours_residents`,
        ...), totals, the co-production balance (citizens against public services) and
        outcome counts. Cells that a spreadsheet would run as a formula start with an
        apostrophe. The licence is in the `Link` header and the `licence` column.
      tags: [exports]
      parameters: [q, theme, stage, sector, neighbourhood, status, verified, updated_since,
                   active_from, active_to,
                   bbox, near, radius_km]
      responses:
        200:
          description: A CSV file (a download).
          content:
            text/csv:
              schema: {type: string}
        400: BadRequest
    """
    return _export("csv", "text/csv", csv_chunks, CSV_FILE)
