"""Which language a request is in, and the Welsh twin of every page (DESIGN.md, "Languages").

English lives at the unprefixed URLs and Welsh under ``/cy/``. After the blueprints are
registered, every rule that is an HTML page gets a twin rule ``/<lang:lang>/…`` with the same
endpoint (the ``lang`` converter only matches ``cy``). That is Flask's URL-processor pattern:
a URL value preprocessor takes ``lang`` out of the view's arguments, so views never see it,
and a URL defaults function puts it back when a link is built during a Welsh request, so
``url_for("browse.list_initiatives")`` gives ``/cy/initiatives`` on a Welsh page and
``/initiatives`` on an English one. Werkzeug tries the rule with more arguments first and only
uses it when ``lang`` is given, so English links never change.

Machine outputs are never prefixed (``NEVER_PREFIXED``, and any path ending in a file suffix
such as ``.atom`` or ``.json``): embeds, feeds and oEmbed take ``lang=cy``; the API's
human-facing messages follow ``Accept-Language``. The URL alone decides: no cookie or
``Accept-Language`` redirect ever moves a reader between the two.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, current_app, has_request_context, request
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.routing import BaseConverter, Rule

ENGLISH = "en"
WELSH = "cy"
LANGUAGES = (ENGLISH, WELSH)
# The value of <html lang> and hreflang for each language.
HTML_LANG = {ENGLISH: "en-GB", WELSH: "cy"}
# Babel's locale for each language: numbers, dates and plural rules.
BABEL_LOCALES = {ENGLISH: "en_GB", WELSH: "cy"}
# Open Graph's locale for each language.
OG_LOCALES = {ENGLISH: "en_GB", WELSH: "cy_GB"}
# Each language named in itself, for the switch.
OWN_NAMES = {ENGLISH: "English", WELSH: "Cymraeg"}
WELSH_PREFIX = "/" + WELSH
LANGUAGE_ARGUMENT = "lang"
WELSH_TWIN = f"/<{LANGUAGE_ARGUMENT}:{LANGUAGE_ARGUMENT}>"  # how a Welsh twin's rule begins
# Paths that are never prefixed (their own language comes from ``lang=cy``).
NEVER_PREFIXED = (
    "/api/v1",
    "/embed",
    "/feeds",
    "/oembed",
    "/media",
    "/downloads",
    "/healthz",
    "/readyz",
    "/static",
    "/places",  # the pickers' JSON, read by scripts
)
# Rule endings that are machine outputs although they have no file suffix.
NEVER_PREFIXED_ENDINGS = ("/preview/<size>",)  # a photo's private preview is an image
# Blueprints whose outputs take the ``lang`` control parameter.
LANG_PARAMETER_BLUEPRINTS = ("embeds", "feeds")
_FILE_SUFFIX = re.compile(r"\.[A-Za-z0-9]+$")


class LanguageConverter(BaseConverter):
    """``<lang:lang>``: the one prefixed language, Welsh."""

    regex = WELSH


def is_page_rule(path: str) -> bool:
    """Whether a rule's path is an HTML page (and so has a Welsh twin under /cy/)."""
    if any(
        path == prefix or path.startswith((prefix + "/", prefix + "."))
        for prefix in NEVER_PREFIXED
    ):
        return False
    if path.endswith(NEVER_PREFIXED_ENDINGS):
        return False
    return _FILE_SUFFIX.search(path) is None


def add_welsh_rules(app: Flask) -> None:
    """Give every HTML page rule a ``/cy/`` twin with the same endpoint and methods."""
    app.url_map.converters[LANGUAGE_ARGUMENT] = LanguageConverter
    twins = []
    for rule in app.url_map.iter_rules():
        if is_page_rule(rule.rule) and LANGUAGE_ARGUMENT not in rule.arguments:
            twins.append(Rule(WELSH_TWIN + rule.rule, **rule.get_empty_kwargs()))
    for twin in twins:
        app.url_map.add(twin)
    app.extensions["welsh_endpoints"] = frozenset(twin.endpoint for twin in twins)
    app.url_value_preprocessor(_take_language)
    app.url_defaults(_give_language)
    app.after_request(_vary_by_accept_language)


def has_welsh_twin(endpoint: str) -> bool:
    return endpoint in current_app.extensions.get("welsh_endpoints", ())


def _take_language(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Views never see ``lang``: the locale selector reads the path instead."""
    if values:
        values.pop(LANGUAGE_ARGUMENT, None)


def _give_language(endpoint: str, values: dict[str, Any]) -> None:
    """Links built during a Welsh request lead to the Welsh pages (unless ``lang`` says else)."""
    language = values.pop(LANGUAGE_ARGUMENT, None) or current_language()
    if language == WELSH and has_welsh_twin(endpoint):
        values[LANGUAGE_ARGUMENT] = WELSH


def _vary_by_accept_language(response: Response) -> Response:
    """The API's messages follow Accept-Language, so caches must keep each language apart."""
    if _follows_accept_language():
        response.vary.add("Accept-Language")
    return response


def _follows_accept_language() -> bool:
    """The API and the JSON the site's scripts read (which send their page's language)."""
    path = request.path
    if request.blueprint in LANG_PARAMETER_BLUEPRINTS or path.startswith("/static/"):
        return False
    return not is_page_rule(path)


def requested_language() -> str:
    """The language the request asks for: its path (pages), its ``lang`` (embeds, feeds), or
    Accept-Language (the API and the JSON the site's scripts read, which send the page's)."""
    if not has_request_context():
        return ENGLISH
    path = request.path
    if path == WELSH_PREFIX or path.startswith(WELSH_PREFIX + "/"):
        return WELSH
    if request.blueprint in LANG_PARAMETER_BLUEPRINTS:
        return WELSH if request.args.get(LANGUAGE_ARGUMENT, "").strip() == WELSH else ENGLISH
    if _follows_accept_language():
        return request.accept_languages.best_match(LANGUAGES) or ENGLISH
    return ENGLISH


def current_language() -> str:
    """The language being written now: the request's, or the one a mail is forced into."""
    locale = get_locale()
    language = locale.language if locale is not None else ENGLISH
    return language if language in LANGUAGES else ENGLISH


def is_welsh() -> bool:
    return current_language() == WELSH


def path_in_language(path: str, language: str) -> str:
    """The same page's path in the other language: ``/map`` <-> ``/cy/map``."""
    english = path
    if path == WELSH_PREFIX or path.startswith(WELSH_PREFIX + "/"):
        english = path[len(WELSH_PREFIX) :] or "/"
    if language == WELSH:
        return WELSH_PREFIX + english
    return english


def page_url_in(language: str, external: bool = False) -> str:
    """This page's address in a language, its query string kept."""
    path = request.script_root + path_in_language(request.path, language)
    query = request.query_string.decode("latin-1")
    url = path + ("?" + query if query else "")
    return request.host_url.rstrip("/") + url if external else url


@contextmanager
def written_in(language: str | None) -> Iterator[None]:
    """Write a mail in its recipient's language: its words, dates and links (/cy/… for Welsh).

    A recipient without a known language gets the language of the request that sends it.
    """
    chosen = language if language in LANGUAGES else current_language()
    with force_locale(chosen):
        yield


def check_language(args: MultiDict[str, str]) -> str:
    """The problem with a ``lang`` parameter, or "" (absent, ``en`` and ``cy`` are fine)."""
    given = {value.strip() for value in args.getlist(LANGUAGE_ARGUMENT)}
    if given <= set(LANGUAGES) and len(given) <= 1:
        return ""
    return _("lang must be one of: %(languages)s.", languages=", ".join(LANGUAGES))


def with_language(url: str, language: str | None = None) -> str:
    """A machine output's address with ``lang=cy`` added when the language is Welsh."""
    if (language or current_language()) != WELSH:
        return url
    separator = "&" if "?" in url else "?"
    return url + separator + urlencode({LANGUAGE_ARGUMENT: WELSH})


def language_context() -> dict[str, object]:
    """What base.html needs: <html lang>, the switch and the hreflang alternates."""
    language = current_language()
    other = ENGLISH if language == WELSH else WELSH
    if not has_request_context():
        return {"html_lang": HTML_LANG[language]}
    return {
        "html_lang": HTML_LANG[language],
        "og_locale": OG_LOCALES[language],
        "og_locale_alternate": OG_LOCALES[other],
        "language_switch": {
            "url": page_url_in(other),
            "label": OWN_NAMES[other],
            "lang": HTML_LANG[other],
        },
        "language_alternates": [
            (HTML_LANG[ENGLISH], page_url_in(ENGLISH, external=True)),
            (HTML_LANG[WELSH], page_url_in(WELSH, external=True)),
            ("x-default", page_url_in(ENGLISH, external=True)),
        ],
        "self_url": page_url_in(language, external=True),
    }
