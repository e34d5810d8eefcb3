"""What rows refer to by name: themes, stages, statuses, precisions, neighbourhoods.

Loaded once per import. People type slugs or names with any case, spaces or accents; a value
that matches nothing gets a message listing what would.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from flask_babel import gettext as _

from app.i18n import lazy_text as _l
from app.initiatives.vocabulary import PRECISIONS, STAGES, STATUSES
from app.places.nearby import match_key
from app.submissions.forms import ChoiceLists, InitiativeForm, initiative_choices
from app.submissions.services import list_neighbourhoods
from app.themes.services import list_themes


class ThemeChoice(NamedTuple):
    slug: str
    name: str


class NeighbourhoodChoice(NamedTuple):
    id: int
    slug: str
    name: str
    local_authority: str
    latitude: float
    longitude: float


UNKNOWN_THEME = _l("Unknown theme “%(text)s”: use %(allowed)s.")
UNKNOWN_STAGE = _l("Unknown stage “%(text)s”: use %(allowed)s.")
UNKNOWN_STATUS = _l("Unknown status “%(text)s”: use %(allowed)s.")
UNKNOWN_PRECISION = _l("Unknown location precision “%(text)s”: use %(allowed)s.")


class UnknownValue(ValueError):
    """A value that names nothing known; the message says what would be accepted."""


def _lookup(vocabulary: dict[str, str]) -> dict[str, str]:
    """Key -> stored value, from both the values and their labels."""
    found: dict[str, str] = {}
    for value, label in vocabulary.items():
        found[match_key(label)] = value
        found[match_key(value)] = value
    return found


def _choose(text: str, lookup: dict[str, str], unknown: Any, allowed: Iterable[str]) -> str:
    """The value a cell names; ``unknown`` says so when it names none (%(text)s, %(allowed)s).
    The message is only put together for a cell that names nothing: most cells name something,
    and an import reads hundreds of thousands of them."""
    value = lookup.get(match_key(text))
    if value is None:
        raise UnknownValue(str(unknown) % {"text": text.strip(), "allowed": _allowed(allowed)})
    return value


def _allowed(values: Iterable[str]) -> str:
    values = list(values)
    if len(values) == 1:
        return values[0]
    return _("%(values)s or %(last)s", values=", ".join(values[:-1]), last=values[-1])


def split_list(text: str) -> list[str]:
    """A “;”-separated cell as its non-empty parts."""
    return [part.strip() for part in text.split(";") if part.strip()]


@dataclass
class References:
    """Plain values (no database objects), so they outlive the transactions of an import."""

    themes: list[ThemeChoice]
    neighbourhoods: list[NeighbourhoodChoice]
    _themes: dict[str, str] = field(default_factory=dict)
    _neighbourhoods: dict[str, list[NeighbourhoodChoice]] = field(default_factory=dict)
    by_id: dict[int, NeighbourhoodChoice] = field(default_factory=dict)
    _by_slug: dict[str, list[NeighbourhoodChoice]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _named: dict[str, NeighbourhoodChoice] = field(default_factory=dict, compare=False, repr=False)
    # The submission form's options for these themes and neighbourhoods, built once.
    form_choices: ChoiceLists = field(init=False, compare=False, repr=False)
    # The submission form the rows are checked with, made for the first and read again for
    # each next one (app.imports.rows).
    row_form: InitiativeForm | None = field(default=None, init=False, compare=False, repr=False)
    # The values the form's theme and neighbourhood fields accept (app.imports.checking).
    theme_values: frozenset[str] = field(init=False, compare=False, repr=False)
    neighbourhood_values: frozenset[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.form_choices = initiative_choices(self.themes, self.neighbourhoods)
        self.theme_values = frozenset(theme.slug for theme in self.themes)
        self.neighbourhood_values = frozenset(str(place.id) for place in self.neighbourhoods)
        for theme in self.themes:
            self._themes[match_key(theme.name)] = theme.slug
            self._themes[match_key(theme.slug)] = theme.slug
        for neighbourhood in self.neighbourhoods:
            for key in {match_key(neighbourhood.slug), match_key(neighbourhood.name)}:
                self._neighbourhoods.setdefault(key, []).append(neighbourhood)
        self.by_id = {neighbourhood.id: neighbourhood for neighbourhood in self.neighbourhoods}
        for neighbourhood in self.neighbourhoods:
            self._by_slug.setdefault(neighbourhood.slug, []).append(neighbourhood)

    def theme_slugs(self, text: str) -> tuple[list[str], list[str]]:
        """The themes a cell names (slugs, in order) and a message for each unknown one."""
        slugs, problems = [], []
        allowed = [theme.slug for theme in self.themes]
        for part in split_list(text):
            try:
                slug = _choose(part, self._themes, UNKNOWN_THEME, allowed)
            except UnknownValue as error:
                problems.append(str(error))
                continue
            if slug not in slugs:
                slugs.append(slug)
        return slugs, problems

    def neighbourhood(self, text: str) -> NeighbourhoodChoice:
        """The neighbourhood a cell names by slug or name."""
        known = self._named.get(text)
        if known is not None:  # asked several times per row: the first answer is kept
            return known
        exact = self._by_slug.get(text.strip().lower(), [])
        found = exact or self._neighbourhoods.get(match_key(text), [])
        if not found:
            raise UnknownValue(
                _(
                    "Unknown neighbourhood “%(name)s”: use the name or slug of one of the "
                    "site's neighbourhoods (an admin adds new ones).",
                    name=text.strip(),
                )
            )
        if len(found) > 1:
            slugs = ", ".join(neighbourhood.slug for neighbourhood in found)
            raise UnknownValue(
                _(
                    "Several neighbourhoods are called “%(name)s”: use a slug (%(slugs)s).",
                    name=text.strip(),
                    slugs=slugs,
                )
            )
        self._named[text] = found[0]
        return found[0]


STAGE_LOOKUP = _lookup(STAGES)
STATUS_LOOKUP = _lookup(STATUSES)
PRECISION_LOOKUP = _lookup(PRECISIONS)


def stage_slugs(text: str) -> tuple[list[str], list[str]]:
    """The stages a cell names and a message for each unknown one."""
    slugs, problems = [], []
    for part in split_list(text):
        try:
            slugs.append(_choose(part, STAGE_LOOKUP, UNKNOWN_STAGE, STAGES))
        except UnknownValue as error:
            problems.append(str(error))
    return list(dict.fromkeys(slugs)), problems


def status_value(text: str) -> str:
    """The status a cell names; empty means active."""
    return _choose(text, STATUS_LOOKUP, UNKNOWN_STATUS, STATUSES) if text.strip() else "active"


def precision_value(text: str) -> str:
    """The location precision a cell names; empty means street."""
    if not text.strip():
        return "street"
    return _choose(text, PRECISION_LOOKUP, UNKNOWN_PRECISION, PRECISIONS)


def load_references() -> References:
    """Today's themes and neighbourhoods."""
    return References(
        [ThemeChoice(theme.slug, theme.name) for theme in list_themes()],
        [
            NeighbourhoodChoice(n.id, n.slug, n.name, n.local_authority, n.latitude, n.longitude)
            for n in list_neighbourhoods()
        ],
    )
