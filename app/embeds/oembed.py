"""oEmbed 1.0 (https://oembed.com/): a ``rich`` answer whose html frames our own /embed/ page.

The ``url`` is matched against the app's own URL map, so any address of an initiative
(canonical or short), a cluster, a filtered list, a theme or neighbourhood page or the map is
understood the way the site itself would understand it; anything else, anything on another
host, and anything not published answers 404. A Welsh page's address (``/cy/…``), like
``lang=cy`` on the request, gets a Welsh answer framing the Welsh embed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from flask import Response, current_app, jsonify, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from app.clusters.services import (
    ExampleSet,
    cluster_example_set,
    filtered_example_set,
    find_published_cluster,
    introduction_excerpt,
)
from app.embeds.fitting import fitted_count, single_height
from app.embeds.linked_data import public_author
from app.embeds.services import (
    INTRODUCTION_LENGTH,
    EmbedOptions,
    cluster_embed_url,
    filter_embed_url,
    iframe_html,
    initiative_embed_url,
    read_options,
    without_options,
)
from app.errors import json_error
from app.extensions import db
from app.initiatives.bilingual import shown_title
from app.initiatives.models import Initiative
from app.initiatives.public import public_photos, published_initiatives
from app.languages import (
    ENGLISH,
    LANGUAGE_ARGUMENT,
    WELSH,
    check_language,
    current_language,
    path_in_language,
)
from app.neighbourhoods.models import Neighbourhood
from app.photos.models import Photo
from app.photos.services import size_url
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


@dataclass(frozen=True)
class Frame:
    """The room a consumer offers: our width within maxwidth, at most maxheight tall."""

    width: int
    max_height: int


@dataclass
class Target:
    """What a page address stands for, as an embed."""

    title: str
    embed_url: str
    height: int  # what its content needs at the frame's width, within the frame's height
    author_name: str = ""
    thumbnail: Photo | None = None


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
        raise OEmbedError(
            501, _("Only the json format is served."), {"format": _("Use format=json.")}
        )
    url = args.get("url", "").strip()
    if not url:
        raise OEmbedError(
            400, _("The url parameter is missing."), {"url": _("Give a page address.")}
        )
    max_width, max_height = _dimension(args, "maxwidth"), _dimension(args, "maxheight")
    if language_error := check_language(args):
        raise OEmbedError(400, _("lang is not valid."), {LANGUAGE_ARGUMENT: language_error})
    with force_locale(_language_of(url)):
        return _rich_answer(url, max_width, max_height)


def _language_of(url: str) -> str:
    """Welsh for a /cy/ page address, else the language the request asks for."""
    try:
        path = unquote(urlsplit(url).path)
    except ValueError:
        return current_language()
    root = request.script_root
    if root and path.startswith(root + "/"):
        path = path[len(root) :]
    return WELSH if path_in_language(path, ENGLISH) != path else current_language()


def _rich_answer(url: str, max_width: int | None, max_height: int | None) -> Response:
    frame = Frame(min(DEFAULT_WIDTH, max_width or DEFAULT_WIDTH), max_height or DEFAULT_MAX_HEIGHT)
    target = resolve(url, frame)
    width, height = frame.width, min(target.height, frame.max_height)
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
    if target.thumbnail is not None:
        body.update(_thumbnail(target.thumbnail, max_width, max_height))
    return jsonify(body)


def _thumbnail(photo: Photo, max_width: int | None, max_height: int | None) -> dict[str, Any]:
    """oEmbed's thumbnail: the largest JPEG size within maxwidth and maxheight (the smallest
    when none fits)."""
    chosen = "320"
    for width in ("1280", "640", "320"):
        size = photo.sizes.get(width) or {}
        if (max_width is None or size.get("width", 0) <= max_width) and (
            max_height is None or size.get("height", 0) <= max_height
        ):
            chosen = width
            break
    size = photo.sizes.get(chosen) or {}
    return {
        "thumbnail_url": size_url(photo, f"{chosen}.jpg"),
        "thumbnail_width": size.get("width"),
        "thumbnail_height": size.get("height"),
    }


def _first_photo(initiatives: Iterable[Initiative]) -> Photo | None:
    return next((photos[0] for item in initiatives if (photos := public_photos(item))), None)


def _dimension(args: MultiDict, name: str) -> int | None:
    text = args.get(name, "").strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_DIMENSION:
        message = _(
            "%(name)s must be a whole number of pixels from 1 to %(max_dimension)s.",
            name=name,
            max_dimension=MAX_DIMENSION,
        )
        raise OEmbedError(400, _("%(name)s is not valid.", name=name), {name: message})
    return int(text)


def resolve(url: str, frame: Frame) -> Target:
    """The embed for one of our page addresses, fitted to the frame (OEmbedError 400 or 404
    when there is none)."""
    try:
        parts = urlsplit(url) if len(url) <= MAX_URL_LENGTH else None
    except ValueError:  # e.g. an unclosed IPv6 bracket
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        message = _("url must be the full http(s) address of a page on this site.")
        raise OEmbedError(400, _("The url is not valid."), {"url": message})
    if parts.netloc.lower() not in _own_hosts():
        raise OEmbedError(404, _("That address is not on this site."))
    path = unquote(parts.path) or "/"
    root = request.script_root
    if root and path.startswith(root + "/"):
        path = path[len(root) :]
    adapter = current_app.url_map.bind(parts.netloc, script_name=root or "/")
    try:
        endpoint, values = adapter.match(path, method="GET")
    except (HTTPException, RequestRedirect):
        raise OEmbedError(404, _("There is nothing to embed at that address.")) from None
    # The language is already chosen (_language_of): views never see it.
    arguments = {name: value for name, value in values.items() if name != LANGUAGE_ARGUMENT}
    query = MultiDict(parse_qsl(parts.query, keep_blank_values=True))
    resolver = RESOLVERS.get(endpoint)
    target = resolver(query, frame, **arguments) if resolver else None
    if target is None:
        raise OEmbedError(404, _("There is nothing published to embed at that address."))
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
        raise OEmbedError(400, _("The url's embed options are not valid."), errors)
    if layout and not query.get("layout", "").strip():
        options = replace(options, layout=layout)
    return options


def _initiative(
    query: MultiDict, frame: Frame, initiative_id: int, slug: str = ""
) -> Target | None:
    initiative = db.session.scalar(published_initiatives().where(Initiative.id == initiative_id))
    if initiative is None:
        return None
    options = _options(query)
    return Target(
        title=shown_title(initiative),
        embed_url=initiative_embed_url(initiative, options.scheme),
        height=single_height(initiative, frame.width),
        author_name=public_author(initiative) or "",
        thumbnail=_first_photo([initiative]),
    )


def _cluster(query: MultiDict, frame: Frame, slug: str) -> Target | None:
    cluster = find_published_cluster(slug) if is_slug(slug) else None
    if cluster is None:
        return None
    options = _options(query)
    introduction = introduction_excerpt(cluster, INTRODUCTION_LENGTH)
    example_set = cluster_example_set(cluster, options.limit)
    options, height = _fitted(example_set, options, frame, introduction)
    return Target(
        title=cluster.title,
        embed_url=cluster_embed_url(cluster, options),
        height=height,
        thumbnail=_first_photo(example.initiative for example in example_set.examples),
    )


def _filtered(
    query: MultiDict,
    frame: Frame,
    fixed: tuple[str, str] | None = None,
    layout: str | None = None,
) -> Target:
    options = _options(query, layout)
    filters = without_options(query)
    if fixed:  # a theme or neighbourhood page sets that filter by its address
        filters.setlist(fixed[0], [fixed[1]])
    example_set = filtered_example_set(filters, options.limit)
    if example_set.errors:
        raise OEmbedError(400, _("The url's filters are not valid."), example_set.errors)
    options, height = _fitted(example_set, options, frame)
    return Target(
        title=example_set.title,
        embed_url=filter_embed_url(example_set.initiative_filter, options),
        height=height,
        thumbnail=_first_photo(example.initiative for example in example_set.examples),
    )


def _fitted(
    example_set: ExampleSet, options: EmbedOptions, frame: Frame, introduction: str = ""
) -> tuple[EmbedOptions, int]:
    """The options with a limit whose examples fit the frame's height, and their height; the
    examples left out are kept out of the set too (its version and thumbnail)."""
    count, height = fitted_count(
        example_set, options.layout, frame.width, frame.max_height, introduction
    )
    if count < len(example_set.examples):
        del example_set.examples[count:]
        options = replace(options, limit=max(count, 1))
    return options, height


def _fixed(
    model: type[Theme] | type[Neighbourhood], name: str
) -> Callable[[MultiDict[str, str], Frame, str], Target | None]:
    def resolve_page(query: MultiDict, frame: Frame, slug: str) -> Target | None:
        if (
            not is_slug(slug)
            or db.session.scalar(db.select(model.id).where(model.slug == slug)) is None
        ):
            return None
        return _filtered(query, frame, fixed=(name, slug))

    return resolve_page


# Endpoint -> what its page embeds, from its query string and URL values (None: nothing).
RESOLVERS: dict[str, Callable[..., Target | None]] = {
    "initiatives.show_initiative": _initiative,
    "initiatives.initiative_by_id": _initiative,
    "clusters.show_cluster": _cluster,
    "browse.list_initiatives": _filtered,
    "maps.show_map": lambda query, frame: _filtered(query, frame, layout="map"),
    "browse.show_theme": _fixed(Theme, "theme"),
    "browse.show_neighbourhood": _fixed(Neighbourhood, "neighbourhood"),
}
