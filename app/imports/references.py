"""What rows refer to by name: themes, stages, statuses, precisions, neighbourhoods.

Loaded once per import. People type slugs or names with any case, spaces or accents; a value
that matches nothing gets a message listing what would.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from app.initiatives.vocabulary import PRECISIONS, STAGES, STATUSES
from app.places.nearby import match_key
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


class UnknownValue(ValueError):
    """A value that names nothing known; the message says what would be accepted."""


def _lookup(vocabulary: dict[str, str]) -> dict[str, str]:
    """Key -> stored value, from both the values and their labels."""
    found: dict[str, str] = {}
    for value, label in vocabulary.items():
        found[match_key(label)] = value
        found[match_key(value)] = value
    return found


def _choose(text: str, lookup: dict[str, str], what: str, allowed: str) -> str:
    value = lookup.get(match_key(text))
    if value is None:
        raise UnknownValue(f"Unknown {what} “{text.strip()}”: use {allowed}.")
    return value


def _allowed(values: Iterable[str]) -> str:
    values = list(values)
    return ", ".join(values[:-1]) + f" or {values[-1]}" if len(values) > 1 else values[0]


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

    def __post_init__(self) -> None:
        for theme in self.themes:
            self._themes[match_key(theme.name)] = theme.slug
            self._themes[match_key(theme.slug)] = theme.slug
        for neighbourhood in self.neighbourhoods:
            for key in {match_key(neighbourhood.slug), match_key(neighbourhood.name)}:
                self._neighbourhoods.setdefault(key, []).append(neighbourhood)
        self.by_id = {neighbourhood.id: neighbourhood for neighbourhood in self.neighbourhoods}

    def theme_slugs(self, text: str) -> tuple[list[str], list[str]]:
        """The themes a cell names (slugs, in order) and a message for each unknown one."""
        slugs, problems = [], []
        allowed = _allowed(theme.slug for theme in self.themes)
        for part in split_list(text):
            try:
                slug = _choose(part, self._themes, "theme", allowed)
            except UnknownValue as error:
                problems.append(str(error))
                continue
            if slug not in slugs:
                slugs.append(slug)
        return slugs, problems

    def neighbourhood(self, text: str) -> NeighbourhoodChoice:
        """The neighbourhood a cell names by slug or name."""
        exact = [n for n in self.neighbourhoods if n.slug == text.strip().lower()]
        found = exact or self._neighbourhoods.get(match_key(text), [])
        if not found:
            raise UnknownValue(
                f"Unknown neighbourhood “{text.strip()}”: use the name or slug of one of the "
                "site's neighbourhoods (an admin adds new ones)."
            )
        if len(found) > 1:
            slugs = ", ".join(neighbourhood.slug for neighbourhood in found)
            raise UnknownValue(
                f"Several neighbourhoods are called “{text.strip()}”: use a slug ({slugs})."
            )
        return found[0]


STAGE_LOOKUP = _lookup(STAGES)
STATUS_LOOKUP = _lookup(STATUSES)
PRECISION_LOOKUP = _lookup(PRECISIONS)


def stage_slugs(text: str) -> tuple[list[str], list[str]]:
    """The stages a cell names and a message for each unknown one."""
    slugs, problems = [], []
    for part in split_list(text):
        try:
            slugs.append(_choose(part, STAGE_LOOKUP, "stage", _allowed(STAGES)))
        except UnknownValue as error:
            problems.append(str(error))
    return list(dict.fromkeys(slugs)), problems


def status_value(text: str) -> str:
    """The status a cell names; empty means active."""
    return _choose(text, STATUS_LOOKUP, "status", _allowed(STATUSES)) if text.strip() else "active"


def precision_value(text: str) -> str:
    """The location precision a cell names; empty means street."""
    if not text.strip():
        return "street"
    return _choose(text, PRECISION_LOOKUP, "location precision", _allowed(PRECISIONS))


def load_references() -> References:
    """Today's themes and neighbourhoods."""
    return References(
        [ThemeChoice(theme.slug, theme.name) for theme in list_themes()],
        [
            NeighbourhoodChoice(n.id, n.slug, n.name, n.local_authority, n.latitude, n.longitude)
            for n in list_neighbourhoods()
        ],
    )
