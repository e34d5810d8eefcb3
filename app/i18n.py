"""Languages: Flask-Babel for every string a person reads.

Mark strings where they are written: ``_("…")`` (``flask_babel.gettext``) in views and
services, ``_l("…")`` (``lazy_gettext``) for module-level text such as form labels, and
``{{ _("…") }}`` / ``{% trans %}`` in templates. The URL decides the locale (app/languages.py,
DESIGN.md "Languages"); mail is written in its recipient's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from flask import Flask
from flask_babel import Babel, force_locale, gettext
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape

DEFAULT_LOCALE = "en"

# The message catalogues: app/translations/<locale>/LC_MESSAGES/messages.po, compiled to .mo
# by `make install` (see babel.cfg and the translations-* targets in the Makefile).
TRANSLATIONS_DIRECTORY = Path(__file__).parent / "translations"

babel = Babel()


class LazyText(LazyString):
    """Text translated when it is read. Flask-Babel's LazyString calls itself safe HTML;
    this one is escaped in templates like any other text (a hint may hold ``&`` or ``<``)."""

    def __html__(self) -> Markup:
        return escape(str(self))


def N_(text: str) -> str:
    """Mark text for extraction where it must stay plain text until it is shown (a constant
    that marshmallow or a test reads); translate it there with ``_(TEXT)``."""
    return text


def lazy_text(text: str, **variables: Any) -> str:
    """``lazy_gettext``, typed as the text it stands for: import it as ``_l`` for form labels,
    hints and messages written at import time and translated when they are shown."""
    return cast(str, LazyText(gettext, text, **variables))


def select_locale() -> str:
    """The request's language, as its URL (or, for the API, Accept-Language) asks."""
    from app.languages import requested_language

    return requested_language()


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/London")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIRECTORY))
    # {% trans %} blocks collapse their white space, as `pybabel extract` (babel.cfg) reads them.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    babel.init_app(app, locale_selector=select_locale)


@contextmanager
def recipient_locale(locale: str | None) -> Iterator[None]:
    """Render mail in its recipient's language (the default until people can choose one)."""
    with force_locale(locale or DEFAULT_LOCALE):
        yield


_l = lazy_text
