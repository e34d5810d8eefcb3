"""What a reader sees of bilingual content: the version in their language, else the original.

An initiative's title, summary and description are written in its ``language`` (the
original) and may carry a Welsh version (``title_cy``, ``summary_cy``, ``description_cy``).
A Welsh reader sees each Welsh field that is filled in; everyone else, and a Welsh reader of a
field with no Welsh, sees the original, marked with its language so screen readers pronounce
it correctly. Themes and neighbourhoods have an optional Welsh name (``name_cy``) the same way,
and so do a theme's description (``description_cy``) and a neighbourhood's local authority
(``local_authority_cy``), which admins write in English first. Slugs are never translated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from markupsafe import Markup

from app.initiatives.models import Initiative
from app.languages import ENGLISH, HTML_LANG, LANGUAGES, WELSH, current_language

TRANSLATED_FIELDS = ("title", "summary", "description")


class Named(Protocol):
    name: str
    name_cy: str


class Titled(Protocol):
    """An initiative, or a row of its title columns."""

    title: str
    title_cy: str
    language: str


@dataclass(frozen=True)
class ShownText:
    """A piece of user-written text and the language it is written in."""

    text: str
    language: str

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text.strip())


def original_language(initiative: Initiative | Titled) -> str:
    return initiative.language if initiative.language in LANGUAGES else ENGLISH


def shown_text(
    initiative: Initiative | Titled, field: str, language: str | None = None
) -> ShownText:
    """One of an initiative's translated fields, in the reader's language when it has one."""
    language = language or current_language()
    original = original_language(initiative)
    if language == WELSH and original != WELSH:
        welsh = (getattr(initiative, f"{field}_cy") or "").strip()
        if welsh:
            return ShownText(welsh, WELSH)
    return ShownText(getattr(initiative, field) or "", original)


def shown_title(initiative: Initiative | Titled) -> str:
    return shown_text(initiative, "title").text


def welsh_version(initiative: Initiative) -> dict[str, str]:
    """The Welsh title, summary and description as written (empty strings when not given)."""
    return {field: getattr(initiative, f"{field}_cy") or "" for field in TRANSLATED_FIELDS}


def has_welsh_version(initiative: Initiative) -> bool:
    return any(value.strip() for value in welsh_version(initiative).values())


def name_in(record: Named, language: str) -> str:
    """A theme's or neighbourhood's name in a language (the name itself when no Welsh)."""
    welsh = getattr(record, "name_cy", None)  # choices read for imports carry no Welsh name
    if language == WELSH and (welsh or "").strip():
        return str(welsh)
    return record.name


def local_name(record: Named) -> str:
    """A theme's or neighbourhood's name in the reader's language."""
    return name_in(record, current_language())


def shown_field(record: object, field: str) -> ShownText:
    """A theme's or neighbourhood's text written by admins (``description``,
    ``local_authority``): its Welsh version for a Welsh reader when there is one, else the
    English as written, marked as English (``lang_attribute``)."""
    if current_language() == WELSH:
        welsh = (getattr(record, f"{field}_cy", None) or "").strip()
        if welsh:
            return ShownText(welsh, WELSH)
    return ShownText(getattr(record, field) or "", ENGLISH)


def lang_attribute(shown: ShownText) -> Markup:
    """``lang="…"`` for text in another language than the page's (nothing when the same)."""
    if not isinstance(shown, ShownText) or shown.language == current_language():
        return Markup("")
    return Markup(' lang="{}"').format(HTML_LANG[shown.language])
