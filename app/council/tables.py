"""The dashboard's sections as tables: the same rows feed the page, its charts and the CSVs."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup

from app.council import charts, dashboard
from app.council.area import Selection
from app.csvcells import BYTE_ORDER_MARK, safe_row
from app.i18n import lazy_text as _l
from app.initiatives.profile import EFFORT_GROUPS

Cell = str | int | float | None


@dataclass(frozen=True)
class Table:
    """One section's numbers: column headings and rows (first cell is the row's heading)."""

    header: list[str]
    rows: Sequence[Sequence[Cell]]
    footer: Sequence[Sequence[Cell]]  # totals, shown under the rows and written to the CSV too

    @property
    def numeric(self) -> list[bool]:
        """Per column: whether it holds numbers (right-aligned on the page)."""
        cells = [*self.rows, *self.footer]
        return [
            index > 0
            and all(row[index] is None or isinstance(row[index], int | float) for row in cells)
            for index in range(len(self.header))
        ]


def _hours(value: float) -> int | float:
    """Hours as a spreadsheet should hold them: 1200, or 150.5 (to one decimal)."""
    rounded = round(value, 1)
    return int(rounded) if rounded.is_integer() else rounded


def theme_table(counts: list[dashboard.ThemeCount]) -> Table:
    rows: list[list[Cell]] = [[c.name, c.initiatives, c.primary] for c in counts]
    return Table([_("Theme"), _("Initiatives with this theme"), _("As primary theme")], rows, [])


def stage_table(counts: list[dashboard.StageCount]) -> Table:
    return Table([_("Stage"), _("Initiatives")], [[c.label, c.initiatives] for c in counts], [])


def month_table(over_time: dashboard.OverTime) -> Table:
    counts = over_time.months
    rows: list[list[Cell]] = [[c.month.strftime("%Y-%m"), c.started, c.published] for c in counts]
    earlier, later = over_time.earlier, over_time.later
    if earlier.started or earlier.published:
        before = _("Before %(month)s", month=f"{earlier.month:%Y-%m}")
        rows.insert(0, [before, earlier.started, earlier.published])
        counts = [earlier, *counts]
    if later.started or later.published:
        after = _("From %(month)s", month=f"{later.month:%Y-%m}")
        rows.append([after, later.started, later.published])
        counts = [*counts, later]
    totals: list[list[Cell]] = [
        [_("Total"), sum(c.started for c in counts), sum(c.published for c in counts)]
    ]
    return Table([_("Month"), _("Started"), _("Published")], rows, totals)


def sector_table(
    sectors: list[dashboard.SectorEffort], balance: list[dashboard.GroupEffort]
) -> Table:
    header = [
        _("Sector"),
        _("Side"),
        _("Initiatives"),
        _("People"),
        _("Hours"),
        _("%(sign)s of people", sign="%"),
        _("%(sign)s of hours", sign="%"),
    ]
    rows = [
        [s.label, EFFORT_GROUPS[s.group], s.initiatives, s.people, _hours(s.hours), None, None]
        for s in sectors
    ]
    footer = [
        [
            _("All %(group)s", group=g.label.lower()),
            "",
            None,
            g.people,
            _hours(g.hours),
            g.people_percent,
            g.hours_percent,
        ]
        for g in balance
    ]
    return Table(header, rows, footer)


def share(part: int, counts: dashboard.OutcomeCounts) -> int | None:
    """A part of the outcomes as a whole percentage (None when there are none)."""
    return round(100 * part / counts.total) if counts.total else None


def outcome_table(counts: dashboard.OutcomeCounts, in_period: bool = False) -> Table:
    rows: list[list[Cell]] = [
        [_("Verified"), counts.verified, share(counts.verified, counts)],
        [_("Not verified"), counts.unverified, share(counts.unverified, counts)],
    ]
    footer: list[list[Cell]] = [
        [_("All outcomes"), counts.total, 100 if counts.total else None],
        [_("Initiatives with a verified outcome"), counts.initiatives_verified, None],
        [
            _("Initiatives with outcomes measured in the period")
            if in_period
            else _("Initiatives with outcomes measured in the last 12 months"),
            counts.initiatives_measured,
            None,
        ],
    ]
    return Table([_("Outcomes"), _("Number"), "%"], rows, footer)


def theme_section(selection: Selection) -> tuple[Table, Markup]:
    counts = dashboard.count_by_theme(selection)
    bars = [charts.Bar(c.name, c.initiatives, c.colour) for c in counts]
    return theme_table(counts), charts.bar_chart("chart-themes", _("Initiatives by theme"), bars)


def stage_section(selection: Selection) -> tuple[Table, Markup]:
    counts = dashboard.count_by_stage(selection)
    bars = [charts.Bar(c.label, c.initiatives, charts.PUBLISHED_COLOUR) for c in counts]
    return stage_table(counts), charts.bar_chart("chart-stages", _("Initiatives by stage"), bars)


def month_section(selection: Selection) -> tuple[Table, Markup]:
    over_time = dashboard.count_over_time(selection)
    months = [(c.month, c.started, c.published) for c in over_time.months]
    chart = charts.month_chart(
        "chart-months", _("Initiatives started and published per month"), months
    )
    return month_table(over_time), chart


def sector_section(selection: Selection) -> tuple[Table, Markup]:
    sectors = dashboard.effort_by_sector(selection)
    balance = dashboard.effort_balance(sectors)
    rows = [
        (
            label,
            measure,
            [
                charts.Segment(
                    g.label,
                    getattr(g, measure),
                    getattr(g, f"{measure}_percent"),
                    charts.GROUP_COLOURS[g.group],
                )
                for g in balance
            ],
        )
        for measure, label in (("hours", _("Hours")), ("people", _("People")))
    ]
    chart = charts.balance_chart("chart-sectors", _("The co-production balance"), rows)
    return sector_table(sectors, balance), chart


def outcome_section(selection: Selection) -> tuple[Table, Markup]:
    counts = dashboard.count_outcomes(selection)
    table = outcome_table(counts, bool(selection.active_from or selection.active_to))
    shown = (
        (_("Verified"), counts.verified, charts.GROUP_COLOURS["citizens"]),
        (_("Not verified"), counts.unverified, charts.MUTED),
    )
    bars = [
        charts.Bar(
            label,
            number,
            colour,
            f"{number:,}"
            + (f" ({percent}%)" if (percent := share(number, counts)) is not None else ""),
        )
        for label, number, colour in shown
    ]
    return table, charts.bar_chart("chart-outcomes", _("Outcomes verified"), bars)


@dataclass(frozen=True)
class Section:
    """A dashboard section: its heading, what its numbers mean, and how to compute them."""

    heading: str
    note: str
    build: Callable[[Selection], tuple[Table, Markup]]


SECTIONS = {
    "themes": Section(
        _l("Initiatives by theme"),
        _l(
            "An initiative with several themes counts under each of them, so these can add up to "
            "more than the total; “as primary theme” counts each initiative once, under its first "
            "theme."
        ),
        theme_section,
    ),
    "stages": Section(
        _l("Initiatives by stage"),
        _l(
            "The parts of the service cycle that residents and services did together. An "
            "initiative counts under each stage it co-produced."
        ),
        stage_section,
    ),
    "months": Section(
        _l("Over time"),
        _l(
            "Initiatives whose work started, and initiatives first published on this site, in "
            "each month of the period, or from the first of them (at most 24 months). Rows "
            "before and after the chart's months keep the totals whole."
        ),
        month_section,
    ),
    "sectors": Section(
        _l("The co-production balance"),
        _l(
            "People and hours that participants gave, by sector: residents and volunteers against "
            "public services (council, police, health, schools, housing) and other organisations. "
            "Shares are of the people and hours recorded; not every initiative records them."
        ),
        sector_section,
    ),
    "outcomes": Section(
        _l("Outcomes verified"),
        _l(
            "Outcomes that a council officer has checked and verified, against those not verified."
        ),
        outcome_section,
    ),
}


def table_csv(table: Table) -> str:
    """The table as CSV text, byte-order mark first, cells guarded against formulas."""
    buffer = io.StringIO()
    buffer.write(BYTE_ORDER_MARK)
    writer = csv.writer(buffer)
    writer.writerow(safe_row(table.header))
    for row in [*table.rows, *table.footer]:
        writer.writerow(safe_row(row))
    return buffer.getvalue()
