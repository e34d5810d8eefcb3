"""The co-production profile: which sectors took part at which stage, and who gave the hours."""

from __future__ import annotations

from dataclasses import dataclass

from app.i18n import lazy_text as _l
from app.initiatives.models import Initiative
from app.initiatives.vocabulary import CITIZEN_SECTORS, PUBLIC_SERVICE_SECTORS, SECTORS, STAGES

# The balance of effort: residents and volunteers, public services, and everyone else.
EFFORT_GROUPS = {
    "citizens": _l("Residents and volunteers"),
    "public_services": _l("Public services"),
    "others": _l("Other organisations"),
}


@dataclass(frozen=True)
class SectorRow:
    sector: str
    label: str
    stages: dict[str, bool]  # stage slug -> took part at that stage


@dataclass(frozen=True)
class EffortShare:
    group: str
    label: str
    hours: float
    people: int
    percent: int  # of all hours, rounded; the shares add up to 100


@dataclass(frozen=True)
class Profile:
    stages: dict[str, str]  # the matrix's columns: slug -> label
    rows: list[SectorRow]
    shares: list[EffortShare]  # empty when no hours were recorded
    total_hours: float

    @property
    def is_empty(self) -> bool:
        return not self.rows


def effort_group(sector: str) -> str:
    """Which side of the co-production balance a sector is on."""
    if sector in CITIZEN_SECTORS:
        return "citizens"
    if sector in PUBLIC_SERVICE_SECTORS:
        return "public_services"
    return "others"


def coproduction_profile(initiative: Initiative) -> Profile:
    """The initiative's profile, from its participants alone."""
    roles: dict[str, set[str]] = {}
    hours = dict.fromkeys(EFFORT_GROUPS, 0.0)
    people = dict.fromkeys(EFFORT_GROUPS, 0)
    for participant in initiative.participants:
        roles.setdefault(participant.sector, set()).update(participant.roles or [])
        group = effort_group(participant.sector)
        hours[group] += participant.hours or 0
        people[group] += participant.people or 0
    rows = [
        SectorRow(sector, label, {stage: stage in roles[sector] for stage in STAGES})
        for sector, label in SECTORS.items()
        if sector in roles
    ]
    total = sum(hours.values())
    shares = []
    if total > 0:
        percents = whole_percentages([hours[group] for group in EFFORT_GROUPS], total)
        shares = [
            EffortShare(group, label, hours[group], people[group], percent)
            for (group, label), percent in zip(EFFORT_GROUPS.items(), percents, strict=True)
            if hours[group] > 0
        ]
    return Profile(dict(STAGES), rows, shares, total)


def whole_percentages(values: list[float], total: float) -> list[int]:
    """Percentages rounded so that they still add up to 100 (largest remainder first)."""
    exact = [value * 100 / total for value in values]
    whole = [int(share) for share in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: (whole[i] - exact[i], i))
    for index in by_remainder[: 100 - sum(whole)]:
        whole[index] += 1
    return whole
