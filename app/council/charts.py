"""Accessible charts drawn as SVG on the server: no JavaScript, nothing from another origin.

Each chart is an image with a name (``<title>``) and a description listing every value
(``<desc>``), and shows its values as text beside the bars, so colour is never the only cue;
the page puts the same numbers in a table beside it. Every piece of text is escaped here.

An SVG scales its text with its width, so each chart is drawn twice: at ``WIDTH`` for wide
screens and at ``NARROW`` (its labels above the bars, fewer month labels) for phones. The
page's CSS shows one of them by a container query on the chart's box, so the text is drawn at
13 px, never scaled below 12 px (issue 17: "labels at least 12 px").
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup

from app.initiatives.examples import format_number

INK = "#1b1f24"
MUTED = "#505a64"
WHITE = "#ffffff"
GROUP_COLOURS = {"citizens": "#0b6e4f", "public_services": "#1d4e89", "others": MUTED}
STARTED_COLOUR = "#0b6e4f"
PUBLISHED_COLOUR = "#1d4e89"
WIDTH = 640  # CSS px: shown only in a box at least this wide, so never scaled down
NARROW = 300  # shown in narrower boxes, stretched to the box (12.5 px text in 288 px)
GRID = "#c6ccd2"
TICK_SIZE = 13  # every piece of text: at least 12 px as drawn (see the module's docstring)
TICK_ROOM = 64  # units a "Sep 2025" label needs at TICK_SIZE
LABEL_CHARACTERS = 26  # beside the bars; above them (narrow) the label has the whole width
NARROW_LABEL_CHARACTERS = 40
_HEX = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    colour: str = MUTED
    value_text: str = ""  # defaults to the number


@dataclass(frozen=True)
class Segment:
    label: str
    value: float
    percent: int | None
    colour: str


def number_text(value: float) -> str:
    """A number as people read it: 1,240 or 12.5."""
    return format_number(round(value, 1))


def safe_colour(colour: str | None) -> str:
    """A colour to draw with: a theme's own when it is a plain hex colour, else grey."""
    return colour if colour and _HEX.fullmatch(colour) else MUTED


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two hex colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _outline(colour: str) -> Markup:
    """A dark outline for fills too pale to see against white (WCAG 1.4.11 asks 3:1)."""
    if contrast_ratio(colour, WHITE) >= 3:
        return Markup("")
    return Markup(' stroke="{}" stroke-width="1"').format(INK)


def _short(label: str, characters: int = LABEL_CHARACTERS) -> str:
    return label if len(label) <= characters else label[: characters - 1] + "…"


def _both(chart_id: str, draw: Callable[[str, int], Markup]) -> Markup:
    """The chart for wide screens, then the same for phones (the page's CSS shows one)."""
    return draw(chart_id, WIDTH) + draw(f"{chart_id}-narrow", NARROW)


def _open(chart_id: str, title: str, description: str, height: int, width: int) -> Markup:
    return Markup(
        '<svg class="chart chart--{variant}" id="{id}" role="img" viewBox="0 0 {w} {h}" '
        'width="{w}" height="{h}" aria-labelledby="{id}-title" aria-describedby="{id}-desc" '
        'font-family="system-ui, sans-serif" font-size="{size}">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
    ).format(
        variant="wide" if width >= WIDTH else "narrow",
        id=chart_id,
        w=width,
        h=height,
        size=TICK_SIZE,
        title=title,
        desc=description,
    )


def bar_chart(chart_id: str, title: str, bars: list[Bar]) -> Markup:
    """Horizontal bars, one per row: its label, the bar, and its value as text."""
    return _both(chart_id, lambda drawn_id, width: _bar_chart(drawn_id, title, bars, width))


def _bar_chart(chart_id: str, title: str, bars: list[Bar], width: int) -> Markup:
    """``bar_chart`` at one width: each label beside its bar, or above it when narrow."""
    stacked = width < WIDTH
    if stacked:
        row, bar_height, label_width, value_room, bar_offset = 44, 18, 0, 90, 19
    else:
        row, bar_height, label_width, value_room, bar_offset = 30, 20, 190, 90, 0
    room = width - label_width - value_room
    largest = max((bar.value for bar in bars), default=0) or 1
    description = "; ".join(
        f"{bar.label}: {bar.value_text or number_text(bar.value)}" for bar in bars
    )
    height = max(row * len(bars), row) + 8
    parts = [_open(chart_id, title, description or _("No data."), height, width)]
    for index, bar in enumerate(bars):
        top = 4 + index * row
        length = round(room * bar.value / largest, 1)
        colour = safe_colour(bar.colour)
        parts.append(
            Markup(
                "<g><title>{full}</title>"
                '<text x="{lx}" y="{ly}" text-anchor="{anchor}" fill="{ink}">{label}</text>'
                '<rect x="{bx}" y="{top}" width="{width}" height="{bh}" fill="{colour}"{outline}/>'
                '<text x="{vx}" y="{ty}" fill="{ink}">{value}</text></g>'
            ).format(
                full=f"{bar.label}: {bar.value_text or number_text(bar.value)}",
                lx=1 if stacked else label_width - 8,
                ly=top + 13 if stacked else top + 15,
                anchor="start" if stacked else "end",
                ty=top + bar_offset + bar_height - 4 if stacked else top + 15,
                ink=INK,
                label=_short(bar.label, NARROW_LABEL_CHARACTERS if stacked else LABEL_CHARACTERS),
                bx=label_width,
                top=top + bar_offset,
                width=length,
                bh=bar_height,
                colour=colour,
                outline=_outline(colour),
                vx=label_width + length + 6,
                value=bar.value_text or number_text(bar.value),
            )
        )
    if not bars:
        parts.append(Markup('<text x="8" y="22" fill="{}">{}</text>').format(INK, _("No data.")))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def balance_chart(chart_id: str, title: str, rows: list[tuple[str, str, list[Segment]]]) -> Markup:
    """Stacked bars that each add up to 100%, each share written out beneath its bar.

    ``rows`` holds (name, unit, segments), e.g. ("Hours", "hours", [...]).
    """
    return _both(chart_id, lambda drawn_id, width: _balance_chart(drawn_id, title, rows, width))


def _balance_chart(
    chart_id: str, title: str, rows: list[tuple[str, str, list[Segment]]], width: int
) -> Markup:
    """``balance_chart`` at one width: each row's name beside its bar, or above it when
    narrow (there each share's line gives its percentage; the table beside has the rest)."""
    stacked = width < WIDTH
    left, room, line = (0, width - 2, 18) if stacked else (80, width - 90, 18)
    bar_offset = 19 if stacked else 0
    row = bar_offset + 34 + line * max((len(segments) for _, _, segments in rows), default=0) + 8
    summaries = []
    for name, unit, segments in rows:
        shares = [
            f"{s.label}: {s.percent}% ({number_text(s.value)} {unit})"
            for s in segments
            if s.percent is not None
        ]
        summaries.append(f"{name}: " + ("; ".join(shares) if shares else _("none recorded")))
    parts = [_open(chart_id, title, ". ".join(summaries) + ".", row * len(rows) + 4, width)]
    for index, (name, unit, segments) in enumerate(rows):
        parts.append(
            Markup(
                '<text x="{x}" y="{y}" text-anchor="{anchor}" font-weight="600" '
                'fill="{ink}">{name}</text>'
            ).format(
                x=1 if stacked else left - 8,
                y=4 + index * row + (13 if stacked else 17),
                anchor="start" if stacked else "end",
                ink=INK,
                name=name,
            )
        )
        top = 4 + index * row + bar_offset
        x = float(left)
        total = sum(s.value for s in segments if s.percent is not None)
        if total <= 0:
            parts.append(
                Markup('<text x="{x}" y="{y}" fill="{ink}">{none}</text>').format(
                    none=_("None recorded"), x=left, y=top + 17, ink=INK
                )
            )
            continue
        for position, segment in enumerate(segments):
            if segment.value > 0:
                length = round(room * segment.value / total, 1)
                parts.append(
                    Markup('<rect x="{x}" y="{y}" width="{w}" height="24" fill="{c}"/>').format(
                        x=round(x, 1), y=top, w=length, c=segment.colour
                    )
                )
                if length >= 44:
                    parts.append(
                        Markup(
                            '<text x="{x}" y="{y}" fill="{w}" font-weight="600">{p}%</text>'
                        ).format(x=round(x + 6, 1), y=top + 17, w=WHITE, p=segment.percent)
                    )
                x += length
            baseline = top + 34 + line * (position + 1) - 5
            share = f"{segment.label}: {segment.percent}%"
            parts.append(
                Markup(
                    '<rect x="{x}" y="{sy}" width="10" height="10" fill="{c}"/>'
                    '<text x="{tx}" y="{ty}" fill="{ink}">{text}</text>'
                ).format(
                    x=left,
                    sy=baseline - 9,
                    c=segment.colour,
                    tx=left + 16,
                    ty=baseline,
                    ink=INK,
                    text=share if stacked else f"{share} ({number_text(segment.value)} {unit})",
                )
            )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def month_chart(chart_id: str, title: str, months: list[tuple[date, int, int]]) -> Markup:
    """Two series per month as columns: started (outlined) and published (filled).

    ``months`` holds (first day, started, published), oldest first. The axis names a month
    every few columns (as many as fit at TICK_SIZE), with its year at the first label and
    each January; every value is also in the chart's description and the table beside it.
    """
    return _both(chart_id, lambda drawn_id, width: _month_chart(drawn_id, title, months, width))


def _month_chart(
    chart_id: str, title: str, months: list[tuple[date, int, int]], width: int
) -> Markup:
    """``month_chart`` at one width (narrow: the key on two lines, fewer month labels)."""
    stacked = width < WIDTH
    left, top, plot = (40, 48, 150) if stacked else (44, 30, 150)
    slot = (width - left - 8) / max(len(months), 1)
    largest = max((max(started, published) for _day, started, published in months), default=0)
    description = "; ".join(
        _(
            "%(month)s: %(started)s started, %(published)s published",
            month=format_date(day, "MMMM y"),
            started=started,
            published=published,
        )
        for day, started, published in months
        if started or published
    )
    height = top + plot + 44
    parts = [_open(chart_id, title, description or _("None in these months."), height, width)]
    key_x, key_y = (8, 18) if stacked else (230, 0)  # the second key: below, or beside
    parts.append(
        Markup(
            '<rect x="8" y="6" width="12" height="12" fill="{w}" stroke="{s}" stroke-width="2"/>'
            '<text x="26" y="17" fill="{ink}">{started}</text>'
            '<rect x="{px}" y="{py}" width="12" height="12" fill="{p}"/>'
            '<text x="{tx}" y="{ty}" fill="{ink}">{published}</text>'
        ).format(
            w=WHITE,
            s=STARTED_COLOUR,
            p=PUBLISHED_COLOUR,
            px=key_x,
            py=6 + key_y,
            tx=key_x + 18,
            ty=17 + key_y,
            ink=INK,
            started=_("Started (outlined)"),
            published=_("Published (filled)"),
        )
    )
    base = top + plot
    scale = largest or 1
    # The scale: 0 and the largest value, with a faint line at the top.
    for value in sorted({0, largest}):
        y = round(base - plot * value / scale, 1)
        parts.append(
            Markup(
                '<text x="{x}" y="{ty}" text-anchor="end" font-size="{size}" fill="{ink}">'
                '{value}</text><line x1="{l}" y1="{y}" x2="{r}" y2="{y}" stroke="{line}" '
                'stroke-width="1"/>'
            ).format(
                x=left - 6,
                ty=round(y + 4, 1),
                size=TICK_SIZE,
                ink=INK,
                value=number_text(value),
                l=left,
                y=y + 0.5 if value == 0 else y,
                r=width - 8,
                line=INK if value == 0 else GRID,
            )
        )
    bar = max(min(slot / 2 - 2, 14), 3)
    step = max(1, math.ceil(TICK_ROOM / slot))  # months per label, so labels never overlap
    labelled_year = None
    for index, (day, started, published) in enumerate(months):
        x = left + index * slot + 1
        for offset, value, fill, stroke in (
            (0, started, WHITE, STARTED_COLOUR),
            (bar + 1, published, PUBLISHED_COLOUR, PUBLISHED_COLOUR),
        ):
            column = round(plot * value / scale, 1)
            if value:
                parts.append(
                    Markup(
                        '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{f}" '
                        'stroke="{s}" stroke-width="1.5"/>'
                    ).format(
                        x=round(x + offset, 1),
                        y=round(base - column, 1),
                        w=round(bar - 1, 1),
                        h=column,
                        f=fill,
                        s=stroke,
                    )
                )
        if index % step == 0:
            with_year = labelled_year != day.year
            labelled_year = day.year
            parts.append(
                Markup(
                    '<text class="chart-tick" x="{x}" y="{y}" font-size="{size}" '
                    'fill="{ink}">{label}</text>'
                ).format(
                    x=round(x, 1),
                    y=base + 18,
                    size=TICK_SIZE,
                    ink=INK,
                    label=format_date(day, "MMM" if not with_year else "MMM y"),
                )
            )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
