"""The area a dashboard shows: a local authority, chosen neighbourhoods, or everywhere."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import ColumnElement, select, true
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.initiatives.bilingual import local_name, shown_field
from app.initiatives.models import Initiative
from app.neighbourhoods.models import Neighbourhood
from app.shared_filters.canonical import filter_pairs
from app.shared_filters.parse import InitiativeFilter, parse_filters


@dataclass(frozen=True)
class Area:
    """Where the numbers come from. ``neighbourhoods`` are the slugs inside the area."""

    kind: str  # "local_authority", "neighbourhoods" or "all"
    label: str
    local_authority: str | None
    neighbourhoods: tuple[str, ...]

    def condition(self) -> ColumnElement[bool]:
        """Initiatives in the area (an area with no neighbourhoods holds none)."""
        if self.kind == "all":
            return true()
        return Initiative.neighbourhood_id.in_(
            select(Neighbourhood.id).where(Neighbourhood.slug.in_(self.neighbourhoods))
        )


@dataclass(frozen=True)
class Selection:
    """What the dashboard was asked for: the area, the optional themes and period."""

    area: Area
    themes: tuple[str, ...]
    active_from: date | None = None
    active_to: date | None = None

    @property
    def shared_filter(self) -> InitiativeFilter:
        """The themes and the period as shared filters (the area is added apart)."""
        return InitiativeFilter(
            themes=self.themes, active_from=self.active_from, active_to=self.active_to
        )

    def period_pairs(self) -> list[tuple[str, str]]:
        """The period as query parameters (none for all time)."""
        pairs = [("active_from", self.active_from), ("active_to", self.active_to)]
        return [(name, day.isoformat()) for name, day in pairs if day]

    def area_pairs(self) -> list[tuple[str, str]]:
        """The area and themes as the dashboard's query parameters."""
        pairs: list[tuple[str, str]] = []
        if self.area.kind == "local_authority":
            pairs.append(("local_authority", self.area.local_authority or ""))
        elif self.area.kind == "neighbourhoods":
            pairs += [("neighbourhood", slug) for slug in self.area.neighbourhoods]
        else:
            pairs.append(("local_authority", ""))
        return pairs + [("theme", slug) for slug in self.themes]

    def query_pairs(self) -> list[tuple[str, str]]:
        """The dashboard's own query string for this selection (for its CSV links)."""
        return self.area_pairs() + self.period_pairs()

    def filter_pairs(self) -> list[tuple[str, str]]:
        """The shared filters that list the same initiatives (for the list and map links)."""
        neighbourhoods = () if self.area.kind == "all" else self.area.neighbourhoods
        return filter_pairs(replace(self.shared_filter, neighbourhoods=neighbourhoods))


@dataclass(frozen=True)
class AreaChoices:
    """Every neighbourhood, by local authority, for the dashboard's area form."""

    by_authority: dict[str, list[Neighbourhood]]

    @property
    def local_authorities(self) -> list[str]:
        return list(self.by_authority)

    def authority_name(self, local_authority: str) -> str:
        """A local authority's name in the reader's language (its Welsh name on the Welsh
        pages when its neighbourhoods have one); the English name stays its key."""
        neighbourhoods = self.by_authority.get(local_authority)
        if not neighbourhoods:
            return local_authority
        return str(shown_field(neighbourhoods[0], "local_authority")) or local_authority

    def slugs_of(self, local_authority: str) -> tuple[str, ...]:
        return tuple(sorted(n.slug for n in self.by_authority.get(local_authority, [])))

    def names(self, slugs: tuple[str, ...]) -> list[str]:
        wanted = set(slugs)
        return sorted(
            local_name(n)
            for group in self.by_authority.values()
            for n in group
            if n.slug in wanted
        )


def area_choices() -> AreaChoices:
    """Neighbourhoods grouped by local authority, both sorted by name (one query)."""
    neighbourhoods = db.session.scalars(
        select(Neighbourhood).order_by(Neighbourhood.local_authority, Neighbourhood.name)
    )
    grouped: dict[str, list[Neighbourhood]] = {}
    for neighbourhood in neighbourhoods:
        grouped.setdefault(neighbourhood.local_authority, []).append(neighbourhood)
    return AreaChoices(grouped)


def parse_selection(
    args: MultiDict, choices: AreaChoices, default_authority: str | None
) -> tuple[Selection | None, dict[str, str]]:
    """Read the area, themes and period from the query string: the selection, or field
    errors.

    No area parameter at all means the officer's own local authority (everywhere for those
    without one); ``local_authority=`` left empty means everywhere.
    """
    errors: dict[str, str] = {}
    shared = MultiDict(
        [
            (name, value)
            for name, value in args.items(multi=True)
            if name in ("theme", "neighbourhood", "active_from", "active_to")
        ]
    )
    parsed, filter_errors = parse_filters(shared)
    errors.update(filter_errors)
    given_authority = [value.strip() for value in args.getlist("local_authority")]
    if given_authority and (parsed.neighbourhoods or "neighbourhood" in filter_errors):
        errors["local_authority"] = _("Choose a local authority or neighbourhoods, not both.")
    elif len(set(given_authority)) > 1:
        errors["local_authority"] = _("Give local_authority only once.")
    if errors:
        return None, errors
    area: Area | None
    if parsed.neighbourhoods:
        names = choices.names(parsed.neighbourhoods)
        label = (
            ", ".join(names)
            if len(names) <= 3
            else ngettext("%(num)s neighbourhood", "%(num)s neighbourhoods", len(names))
        )
        area = Area("neighbourhoods", label, None, parsed.neighbourhoods)
    elif given_authority:
        area = _authority_area(given_authority[0], choices, errors)
    elif default_authority:
        area = Area(
            "local_authority",
            choices.authority_name(default_authority),
            default_authority,
            choices.slugs_of(default_authority),
        )
    else:
        area = Area("all", _("All areas"), None, ())
    if errors or area is None:  # no area only with its error
        return None, errors
    return Selection(area, parsed.themes, parsed.active_from, parsed.active_to), {}


def _authority_area(name: str, choices: AreaChoices, errors: dict[str, str]) -> Area | None:
    if not name:
        return Area("all", _("All areas"), None, ())
    if name not in choices.by_authority:
        printable = "".join(char if char.isprintable() else " " for char in name)
        shown = printable if len(printable) <= 60 else printable[:59] + "…"
        errors["local_authority"] = _("Unknown local authority: %(shown)s", shown=shown)
        return None
    return Area("local_authority", choices.authority_name(name), name, choices.slugs_of(name))
