"""Streaming exports of published initiatives: GeoJSON (RFC 7946) and CSV.

Rows are read in batches by keyset (the API's newest-first order), each batch with its
participants and outcomes in a fixed number of queries, written out and dropped before the
next one is read: memory stays flat however many initiatives match.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from flask import Response, current_app, request, stream_with_context
from flask.typing import ResponseReturnValue

from app.api.paging import after, newest_first, position_of
from app.api.public_data import iso_day, licence, public_location
from app.api.responses import licence_link
from app.api.schemas.geojson import FeatureSchema, feature_collection_head
from app.csvcells import BYTE_ORDER_MARK, safe_row
from app.errors import json_error
from app.extensions import db
from app.initiatives.examples import example_text
from app.initiatives.models import Initiative
from app.initiatives.public import public_place_name, published_initiatives
from app.initiatives.services import initiative_url
from app.initiatives.vocabulary import CITIZEN_SECTORS, PUBLIC_SERVICE_SECTORS, SECTORS
from app.shared_filters.parse import InitiativeFilter, parse_filters
from app.shared_filters.query import apply_filters
from app.timeutil import iso_time, utcnow

BATCH_SIZE = 500
FEATURES = FeatureSchema(many=True)
GEOJSON = "application/geo+json"


def published_batches(initiative_filter: InitiativeFilter) -> Iterator[list[Initiative]]:
    """Matching published initiatives, newest first, ``BATCH_SIZE`` at a time (their themes,
    stages, participants and outcomes load with each batch: the models ask for selectin)."""
    matching = apply_filters(published_initiatives(), initiative_filter)
    position = None
    while True:
        query = newest_first(after(matching, position)).limit(BATCH_SIZE)
        batch = list(db.session.scalars(query))
        if not batch:
            return
        yield batch
        position = position_of(batch[-1])
        for initiative in batch:  # nothing is written here: let the batch go
            db.session.expunge(initiative)  # (with its rows; the signed-in user stays)
        if len(batch) < BATCH_SIZE:
            return


def _geojson_chunks(initiative_filter: InitiativeFilter) -> Iterator[str]:
    head = feature_collection_head(licence())
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "features": ['
    first = True
    for batch in published_batches(initiative_filter):
        features = (json.dumps(feature, ensure_ascii=False) for feature in FEATURES.dump(batch))
        text = ",\n".join(features)
        yield ("" if first else ",\n") + text
        first = False
    yield "]}\n"


def csv_header() -> list[str]:
    """The CSV's columns: one row per initiative, per-sector people and hours to pivot on."""
    return [
        "id", "url", "title", "summary", "example", "themes", "primary_theme", "stages",
        "status", "started_on", "ended_on", "neighbourhood", "neighbourhood_name",
        "local_authority", "place", "lat", "lon", "precision",
        *(f"people_{sector}" for sector in SECTORS),
        *(f"hours_{sector}" for sector in SECTORS),
        "people_total", "hours_total", "people_citizens", "people_public_services",
        "hours_citizens", "hours_public_services", "outcomes", "verified_outcomes",
        "published_at", "updated_at", "licence",
    ]  # fmt: skip


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 2)


def csv_values(initiative: Initiative, licence_name: str) -> list[Any]:
    """One initiative's row, in ``csv_header`` order (blank where the data says nothing)."""
    people: dict[str, int] = {}
    hours: dict[str, float] = {}
    for participant in initiative.participants:
        if participant.people is not None:
            people[participant.sector] = people.get(participant.sector, 0) + participant.people
        if participant.hours is not None:
            hours[participant.sector] = hours.get(participant.sector, 0) + participant.hours

    def total(values: dict, sectors) -> int | float | None:
        known = [values[sector] for sector in sectors if sector in values]
        return _number(sum(known)) if known else None

    location = public_location(initiative)
    neighbourhood = initiative.neighbourhood
    primary = initiative.primary_theme
    return [
        initiative.id,
        initiative_url(initiative, _external=True),
        initiative.title,
        initiative.summary,
        example_text(initiative),
        ";".join(theme.slug for theme in initiative.themes),
        primary.slug if primary else "",
        ";".join(initiative.stages),
        initiative.status,
        iso_day(initiative.started_on),
        iso_day(initiative.ended_on),
        neighbourhood.slug if neighbourhood else "",
        neighbourhood.name if neighbourhood else "",
        neighbourhood.local_authority if neighbourhood else "",
        public_place_name(initiative),
        location["lat"] if location else None,
        location["lon"] if location else None,
        location["precision"] if location else "",
        *(_number(people[s]) if s in people else None for s in SECTORS),
        *(_number(hours[s]) if s in hours else None for s in SECTORS),
        total(people, SECTORS),
        total(hours, SECTORS),
        total(people, CITIZEN_SECTORS),
        total(people, PUBLIC_SERVICE_SECTORS),
        total(hours, CITIZEN_SECTORS),
        total(hours, PUBLIC_SERVICE_SECTORS),
        len(initiative.outcomes),
        sum(1 for outcome in initiative.outcomes if outcome.verified_at is not None),
        iso_time(initiative.published_at),
        iso_time(initiative.updated_at),
        licence_name,
    ]


def _csv_chunks(initiative_filter: InitiativeFilter) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(csv_header())
    yield BYTE_ORDER_MARK + flush()
    licence_name = current_app.config["DATA_LICENCE"]
    for batch in published_batches(initiative_filter):
        for initiative in batch:
            writer.writerow(safe_row(csv_values(initiative, licence_name)))
        yield flush()


def _filename(extension: str) -> str:
    return f"initiatives-{utcnow():%Y-%m-%d}.{extension}"


def _export(extension: str, mimetype: str, chunks) -> ResponseReturnValue:
    initiative_filter, errors = parse_filters(request.args)
    if errors:
        return json_error(400, "A filter cannot be used.", errors)
    # A HEAD request gets the headers only: no rows are read for a body nobody receives. An
    # iterator, not (): a sequence would be measured and sent as "Content-Length: 0".
    body = iter(()) if request.method == "HEAD" else stream_with_context(chunks(initiative_filter))
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
      parameters: [q, theme, stage, sector, neighbourhood, status, verified, bbox, near,
                   radius_km]
      responses:
        200:
          description: A FeatureCollection (a download).
          content:
            application/geo+json:
              schema: FeatureCollection
        400: BadRequest
    """
    return _export("geojson", GEOJSON, _geojson_chunks)


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
      parameters: [q, theme, stage, sector, neighbourhood, status, verified, bbox, near,
                   radius_km]
      responses:
        200:
          description: A CSV file (a download).
          content:
            text/csv:
              schema: {type: string}
        400: BadRequest
    """
    return _export("csv", "text/csv", _csv_chunks)
