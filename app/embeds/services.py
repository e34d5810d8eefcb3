"""What an embed shows and how it is addressed: options, URLs, map points, snippets.

An embed is a chrome-free page under ``/embed/`` (the only paths other sites may frame) showing
an example set: a published cluster's examples, a filtered list's newest examples, or one
initiative's card. Its options are ``layout`` (list, cards, map), ``limit`` and ``scheme``
(light, dark); they never collide with the shared filters. The control parameter ``lang=cy``
shows it in Welsh: every embed address built during a Welsh request carries it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import current_app, url_for
from flask_babel import gettext as _
from markupsafe import escape
from werkzeug.datastructures import MultiDict

from app.clusters.models import Cluster
from app.i18n import lazy_text as _l
from app.initiatives.models import Initiative
from app.languages import LANGUAGE_ARGUMENT, check_language, with_language
from app.shared_filters.canonical import canonical_query
from app.shared_filters.parse import InitiativeFilter

LAYOUTS = {"list": _l("List"), "cards": _l("Cards"), "map": _l("Map")}
SCHEMES = {"light": _l("Light"), "dark": _l("Dark")}
DEFAULT_LAYOUT = "list"
DEFAULT_SCHEME = "light"
DEFAULT_LIMIT = 10
OPTION_NAMES = ("layout", "limit", "scheme")
_WHOLE = re.compile(r"[0-9]{1,6}")
# A first guess at an embed's height (px) for snippets and oEmbed, before it measures itself.
FRAME_HEIGHTS = {"list": 140, "cards": 110, "map": 90}
FRAME_CHROME_HEIGHT = 90  # heading and attribution
MAP_HEIGHT = 330
SINGLE_HEIGHT = 260
INTRODUCTION_LENGTH = 240  # characters of a cluster's introduction an embed shows


@dataclass(frozen=True)
class EmbedOptions:
    """How an embed looks: its layout, how many examples, its colour scheme."""

    layout: str = DEFAULT_LAYOUT
    limit: int = DEFAULT_LIMIT
    scheme: str = DEFAULT_SCHEME

    def pairs(self) -> list[tuple[str, str]]:
        """The options as query parameters, defaults left out (short, stable addresses)."""
        pairs = []
        if self.layout != DEFAULT_LAYOUT:
            pairs.append(("layout", self.layout))
        if self.limit != DEFAULT_LIMIT:
            pairs.append(("limit", str(self.limit)))
        if self.scheme != DEFAULT_SCHEME:
            pairs.append(("scheme", self.scheme))
        return pairs


def max_limit() -> int:
    return current_app.config["EMBED_MAX_LIMIT"]


def read_options(args: MultiDict[str, str]) -> tuple[EmbedOptions, dict[str, str]]:
    """``layout``, ``limit`` and ``scheme`` from a query string, with a message per bad one."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name in OPTION_NAMES:
        given = {value.strip() for value in args.getlist(name) if value.strip()}
        if not given:
            continue
        if len(given) > 1:
            errors[name] = _("Give %(name)s only once.", name=name)
            continue
        text = given.pop()
        if name == "layout" and text not in LAYOUTS:
            errors[name] = _("layout must be one of: %(choices)s.", choices=", ".join(LAYOUTS))
        elif name == "scheme" and text not in SCHEMES:
            errors[name] = _("scheme must be one of: %(choices)s.", choices=", ".join(SCHEMES))
        elif name == "limit" and not (_WHOLE.fullmatch(text) and 1 <= int(text) <= max_limit()):
            errors[name] = _(
                "limit must be a whole number from 1 to %(limit)s.", limit=max_limit()
            )
        else:
            values[name] = text
    language_error = check_language(args)
    if language_error:
        errors[LANGUAGE_ARGUMENT] = language_error
    options = EmbedOptions(
        layout=values.get("layout", DEFAULT_LAYOUT),
        limit=int(values.get("limit", DEFAULT_LIMIT)),
        scheme=values.get("scheme", DEFAULT_SCHEME),
    )
    return options, errors


def without_options(args: MultiDict) -> MultiDict:
    """The query parameters other than the embed options (the filters, for one)."""
    return MultiDict([(k, v) for k, v in args.items(multi=True) if k not in OPTION_NAMES])


def _with_query(url: str, pairs: list[tuple[str, str]]) -> str:
    query = urlencode(pairs, safe=",")
    return url + ("?" + query if query else "")


def cluster_embed_url(cluster: Cluster, options: EmbedOptions | None = None) -> str:
    """The absolute address of a cluster's embed with these options."""
    url = url_for("embeds.embed_cluster", slug=cluster.slug, _external=True)
    return with_language(_with_query(url, (options or EmbedOptions()).pairs()))


def filter_embed_url(
    initiative_filter: InitiativeFilter, options: EmbedOptions | None = None
) -> str:
    """The absolute address of a filtered list's embed: canonical filters, then options."""
    url = url_for("embeds.embed_initiatives", _external=True)
    chosen = urlencode((options or EmbedOptions()).pairs())
    query = "&".join(filter(None, [canonical_query(initiative_filter), chosen]))
    return with_language(url + ("?" + query if query else ""))


def initiative_embed_url(initiative: Initiative, scheme: str = DEFAULT_SCHEME) -> str:
    """The absolute address of one initiative's embed (a single card)."""
    url = url_for("embeds.embed_initiative", initiative_id=initiative.id, _external=True)
    return with_language(
        _with_query(url, [("scheme", scheme)] if scheme != DEFAULT_SCHEME else [])
    )


def filter_page_url(initiative_filter: InitiativeFilter) -> str:
    """The list page of a filter, absolute, with its canonical query string."""
    url = url_for("browse.list_initiatives", _external=True)
    query = canonical_query(initiative_filter)
    return url + ("?" + query if query else "")


def estimated_height(options: EmbedOptions, count: int) -> int:
    """A first guess at an embed's height, before it can measure and report its own."""
    height = FRAME_CHROME_HEIGHT + FRAME_HEIGHTS[options.layout] * max(count, 1)
    if options.layout == "map":
        height += MAP_HEIGHT
    return height


def iframe_html(src: str, title: str, width: str | int, height: int) -> str:
    """An iframe element for other sites, every attribute value escaped."""
    return (
        f'<iframe src="{escape(src)}" title="{escape(title)}" width="{escape(str(width))}" '
        f'height="{int(height)}" style="border:0;max-width:100%" loading="lazy"></iframe>'
    )


def script_html(script_url: str, attributes: list[tuple[str, str]]) -> str:
    """The ``<script ... async>`` snippet that asks /embed.js for an auto-resizing embed."""
    data = "".join(f' data-{name}="{escape(value)}"' for name, value in attributes)
    return f'<script src="{escape(script_url)}"{data} async></script>'
