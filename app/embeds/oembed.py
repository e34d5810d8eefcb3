"""oEmbed 1.0 (https://oembed.com/): a ``rich`` answer whose html frames our own /embed/ page.

The ``url`` is matched against the app's own URL map, so any address of an initiative
(canonical or short), a cluster, a filtered list, a theme or neighbourhood page or the map is
understood the way the site itself would understand it; anything else, anything on another
host, and anything not published answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import parse_qsl, unquote, urlsplit

from flask import Response, current_app, jsonify, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from app.caching import conditional_response, version_tag
from app.clusters.services import cluster_example_set, filtered_example_set, find_published_cluster
from app.embeds.linked_data import public_author
from app.embeds.services import (
    SINGLE_HEIGHT,
    EmbedOptions,
    cluster_embed_url,
    estimated_height,
    filter_embed_url,
    iframe_html,
    initiative_embed_url,
    read_options,
    without_options,
)
from app.errors import json_error
from app.extensions import db
from app.initiatives.models import Initiative
from app.initiatives.public import published_initiatives
from app.neighbourhoods.models import Neighbourhood
from app.shared_filters.parse import is_slug
from app.themes.models import Theme

DEFAULT_WIDTH = 600
DEFAULT_MAX_HEIGHT = 600
MAX_DIMENSION = 10_000
MAX_URL_LENGTH = 2000


class OEmbedError(Exception):
    """An answer other than 200: its status, a message and field-level errors."""

    def __init__(self, status: int, message: str, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors or {}


@dataclass
class Target:
    """What a page address stands for, as an embed."""

    title: str
    embed_url: str
    version: str
    updated_at: datetime | None
    height: int
    author_name: str = ""


def answer(args: MultiDict[str, str]) -> Response:
    """The oEmbed response for these query parameters (JSON; errors in the API's shape)."""
    try:
        response = _answer(args)
    except OEmbedError as error:
        body, status = json_error(error.status, error.message, error.errors)
        response = jsonify(body)
        response.status_code = status
    response.headers["Access-Control-Allow-Origin"] = "*"  # public data, no credentials
    return response


def _answer(args: MultiDict[str, str]) -> Response:
    page_format = args.get("format", "json").strip().lower() or "json"
    if page_format != "json":
        raise OEmbedError(501, "Only the json format is served.", {"format": "Use format=json."})
    url = args.get("url", "").strip()
    if not url:
        raise OEmbedError(400, "The url parameter is missing.", {"url": "Give a page address."})
    max_width, max_height = _dimension(args, "maxwidth"), _dimension(args, "maxheight")
    target = resolve(url)
    width = min(DEFAULT_WIDTH, max_width or DEFAULT_WIDTH)
    height = min(target.height, DEFAULT_MAX_HEIGHT, max_height or DEFAULT_MAX_HEIGHT)
    config = current_app.config
    body = {
        "type": "rich",
        "version": "1.0",
        "title": target.title,
        "provider_name": config["SITE_NAME"],
        "provider_url": url_for("pages.home", _external=True),
        "cache_age": config["PUBLIC_CACHE_SECONDS"],
        "html": iframe_html(target.embed_url, target.title, width, height),
        "width": width,
        "height": height,
    }
    if target.author_name:
        body["author_name"] = target.author_name
    etag = version_tag(target.version, url, width, height, config["SITE_NAME"])
    return conditional_response(etag, target.updated_at, lambda: jsonify(body))


def _dimension(args: MultiDict, name: str) -> int | None:
    text = args.get(name, "").strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_DIMENSION:
        message = f"{name} must be a whole number of pixels from 1 to {MAX_DIMENSION}."
        raise OEmbedError(400, f"{name} is not valid.", {name: message})
    return int(text)


def resolve(url: str) -> Target:
    """The embed for one of our page addresses (OEmbedError 400 or 404 when there is none)."""
    try:
        parts = urlsplit(url) if len(url) <= MAX_URL_LENGTH else None
    except ValueError:  # e.g. an unclosed IPv6 bracket
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        message = "url must be the full http(s) address of a page on this site."
        raise OEmbedError(400, "The url is not valid.", {"url": message})
    if parts.netloc.lower() not in _own_hosts():
        raise OEmbedError(404, "That address is not on this site.")
    path = unquote(parts.path) or "/"
    root = request.script_root
    if root and path.startswith(root + "/"):
        path = path[len(root) :]
    adapter = current_app.url_map.bind(parts.netloc, script_name=root or "/")
    try:
        endpoint, values = adapter.match(path, method="GET")
    except (HTTPException, RequestRedirect):
        raise OEmbedError(404, "There is nothing to embed at that address.") from None
    query = MultiDict(parse_qsl(parts.query, keep_blank_values=True))
    resolver = RESOLVERS.get(endpoint)
    target = resolver(query, **values) if resolver else None
    if target is None:
        raise OEmbedError(404, "There is nothing published to embed at that address.")
    return target


def _own_hosts() -> set[str]:
    hosts = {request.host.lower()}
    if current_app.config.get("SERVER_NAME"):
        hosts.add(current_app.config["SERVER_NAME"].lower())
    return hosts


def _options(query: MultiDict, layout: str | None = None) -> EmbedOptions:
    """The embed options a page address carries (the panel adds them), else the defaults."""
    options, errors = read_options(query)
    if errors:
        raise OEmbedError(400, "The url's embed options are not valid.", errors)
    if layout and not query.get("layout", "").strip():
        options = replace(options, layout=layout)
    return options


def _initiative(query: MultiDict, initiative_id: int, slug: str = "") -> Target | None:
    initiative = db.session.scalar(published_initiatives().where(Initiative.id == initiative_id))
    if initiative is None:
        return None
    options = _options(query)
    return Target(
        title=initiative.title,
        embed_url=initiative_embed_url(initiative, options.scheme),
        version=version_tag("initiative", initiative.id, initiative.updated_at),
        updated_at=initiative.updated_at,
        height=SINGLE_HEIGHT,
        author_name=public_author(initiative) or "",
    )


def _cluster(query: MultiDict, slug: str) -> Target | None:
    cluster = find_published_cluster(slug) if is_slug(slug) else None
    if cluster is None:
        return None
    options = _options(query)
    example_set = cluster_example_set(cluster, options.limit)
    return Target(
        title=cluster.title,
        embed_url=cluster_embed_url(cluster, options),
        version=example_set.version(options),
        updated_at=example_set.updated_at,
        height=estimated_height(options, len(example_set.examples)),
    )


def _filtered(
    query: MultiDict, fixed: tuple[str, str] | None = None, layout: str | None = None
) -> Target:
    options = _options(query, layout)
    filters = without_options(query)
    if fixed:  # a theme or neighbourhood page sets that filter by its address
        filters.setlist(fixed[0], [fixed[1]])
    example_set = filtered_example_set(filters, options.limit)
    if example_set.errors:
        raise OEmbedError(400, "The url's filters are not valid.", example_set.errors)
    return Target(
        title=example_set.title,
        embed_url=filter_embed_url(example_set.initiative_filter, options),
        version=example_set.version(options),
        updated_at=example_set.updated_at,
        height=estimated_height(options, len(example_set.examples)),
    )


def _fixed(
    model: type[Theme] | type[Neighbourhood], name: str
) -> Callable[[MultiDict[str, str], str], Target | None]:
    def resolve_page(query: MultiDict, slug: str) -> Target | None:
        if (
            not is_slug(slug)
            or db.session.scalar(db.select(model.id).where(model.slug == slug)) is None
        ):
            return None
        return _filtered(query, fixed=(name, slug))

    return resolve_page


# Endpoint -> what its page embeds, from its query string and URL values (None: nothing).
RESOLVERS: dict[str, Callable[..., Target | None]] = {
    "initiatives.show_initiative": _initiative,
    "initiatives.initiative_by_id": _initiative,
    "clusters.show_cluster": _cluster,
    "browse.list_initiatives": _filtered,
    "maps.show_map": lambda query: _filtered(query, layout="map"),
    "browse.show_theme": _fixed(Theme, "theme"),
    "browse.show_neighbourhood": _fixed(Neighbourhood, "neighbourhood"),
}
