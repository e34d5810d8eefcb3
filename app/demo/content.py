"""The demo content, read from the YAML files in ``app/demo/data/`` into typed records.

The files ship inside the package (pyproject's package data), so an installed copy finds them.
A field left out of a file takes the default given here; an unknown field is an error that
names the file and the entry.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from importlib.resources import files
from typing import Any, NamedTuple, TypeVar

import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when built with it
Record = TypeVar("Record")


class DemoDataError(ValueError):
    """A demo data file that does not match the records it should hold."""


class DemoOrganisation(NamedTuple):
    name: str
    kind: str
    local_authority: str | None


class DemoAccount(NamedTuple):
    role: str
    email: str
    display_name: str
    organisation: str | None  # an organisation's name


class DemoNeighbourhood(NamedTuple):
    slug: str
    name: str
    local_authority: str
    latitude: float  # its centre
    longitude: float
    name_cy: str = ""  # its Welsh name, only where it has a real one (Sblot)
    local_authority_cy: str = ""  # its council's Welsh name, where it has one (Cyngor Caerdydd)


class DemoResident(NamedTuple):
    email: str
    display_name: str


@dataclass(frozen=True)
class DemoParticipant:
    sector: str
    name: str = ""
    roles: tuple[str, ...] = ()  # stages
    people: int | None = None
    hours: float | None = None


@dataclass(frozen=True)
class DemoOutcome:
    description: str
    indicator: str = ""
    baseline: float | None = None
    result: float | None = None
    unit: str = ""
    measured_on: str | None = None
    evidence_url: str = ""
    verified: bool = False  # checked by the demo council, when the place is in its area


@dataclass(frozen=True)
class DemoReport:
    reason: str
    details: str


@dataclass(frozen=True)
class DemoInitiative:
    title: str
    neighbourhood: str  # a demo neighbourhood's slug
    themes: tuple[str, ...]
    stages: tuple[str, ...]
    status: str
    summary: str
    title_cy: str = ""  # the Welsh version, where the demo has one
    summary_cy: str = ""
    description_cy: str = ""
    participants: tuple[DemoParticipant, ...] = ()
    outcomes: tuple[DemoOutcome, ...] = ()
    description: str = ""
    started_on: str | None = None
    ended_on: str | None = None
    place_name: str = ""
    offset: tuple[float, float] | None = None  # from the neighbourhood's centre, in degrees
    precision: str = "street"
    contact_url: str = ""
    credit: str = "name"
    credit_name: str = ""
    state: str = "published"
    submitter: str = "resident"  # a role of a demo account, or a demo resident's email
    note: str = ""  # the moderator's note for changes requested or a rejection
    pending_edit: dict[str, Any] = field(default_factory=dict)
    report: DemoReport | None = None  # an open report

    def content(self) -> dict[str, Any]:
        """Its participants and outcomes as the rows an initiative's content holds."""
        return {
            "participants": [
                {**asdict(row), "roles": list(row.roles)} for row in self.participants
            ],
            "outcomes": [asdict(row) for row in self.outcomes],
        }


class DemoPick(NamedTuple):
    title: str  # a demo initiative's title
    note: str = ""  # the curator's note


@dataclass(frozen=True)
class DemoCluster:
    slug: str
    title: str
    introduction: str
    filter_query: str = ""  # a saved filter; else hand-picked:
    picks: tuple[DemoPick, ...] = ()


def read_demo_file(name: str) -> list[dict[str, Any]]:
    """The entries of one demo data file."""
    text = files("app.demo").joinpath("data", name).read_text(encoding="utf-8")
    entries = yaml.load(text, Loader=Loader)
    if not isinstance(entries, list) or not all(isinstance(row, dict) for row in entries):
        raise DemoDataError(f"{name}: expected a list of entries with named fields")
    return entries


def load_demo_records(name: str, record: type[Record]) -> list[Record]:
    """One record per entry of a demo data file, its nested records and dates converted."""
    loaded = []
    for index, entry in enumerate(read_demo_file(name), start=1):
        try:
            loaded.append(_record(record, entry))
        except (TypeError, ValueError) as error:
            raise DemoDataError(f"{name}, entry {index}: {error}") from None
    return loaded


# The fields that hold nested records (or tuples), by the record they belong to.
_NESTED: dict[type, dict[str, type | None]] = {
    DemoInitiative: {
        "participants": DemoParticipant,
        "outcomes": DemoOutcome,
        "report": DemoReport,
        "themes": None,
        "stages": None,
        "offset": None,
    },
    DemoParticipant: {"roles": None},
    DemoCluster: {"picks": DemoPick},
}


def _converted(record: type, key: str, value: Any) -> Any:
    """A YAML value as the record's field holds it: dates as ISO text, lists as tuples."""
    if isinstance(value, date):
        return value.isoformat()
    nested = _NESTED.get(record, {})
    if key not in nested or value is None:
        return value
    inner = nested[key]
    if inner is None:
        return tuple(value)
    if isinstance(value, dict):
        return _record(inner, value)
    return tuple(_record(inner, row) for row in value)


def _record(record: type[Record], entry: dict[str, Any]) -> Record:
    """A record from an entry's fields (an unknown or missing field is a TypeError)."""
    if not isinstance(entry, dict):
        raise ValueError(f"expected named fields for {record.__name__}, got {entry!r}")
    return record(**{key: _converted(record, key, value) for key, value in entry.items()})
