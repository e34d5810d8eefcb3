"""Accessible charts drawn as SVG on the server: no JavaScript, nothing from another origin.

Each chart is an image with a name (``<title>``) and a description listing every value
(``<desc>``), and shows its values as text beside the bars, so colour is never the only cue;
the page puts the same numbers in a table beside it. Every piece of text is escaped here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup

from app.initiatives.examples import format_number

INK = "#1b1f24"
MUTED = "#505a64"
WHITE = "#ffffff"
GROUP_COLOURS = {"citizens": "#0b6e4f", "public_services": "#1d4e89", "others": MUTED}
STARTED_COLOUR = "#0b6e4f"
PUBLISHED_COLOUR = "#1d4e89"
WIDTH = 640
LABEL_CHARACTERS = 26
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


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1] + "…"


def _open(chart_id: str, title: str, description: str, height: int) -> Markup:
    return Markup(
        '<svg class="chart" id="{id}" role="img" viewBox="0 0 {w} {h}" width="{w}" '
        'height="{h}" aria-labelledby="{id}-title" aria-describedby="{id}-desc" '
        'font-family="system-ui, sans-serif" font-size="13">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
    ).format(id=chart_id, w=WIDTH, h=height, title=title, desc=description)


def bar_chart(chart_id: str, title: str, bars: list[Bar]) -> Markup:
    """Horizontal bars, one per row: its label, the bar, and its value as text."""
    row, bar_height, label_width, value_room = 30, 20, 190, 90
    room = WIDTH - label_width - value_room
    largest = max((bar.value for bar in bars), default=0) or 1
    description = "; ".join(
        f"{bar.label}: {bar.value_text or number_text(bar.value)}" for bar in bars
    )
    parts = [_open(chart_id, title, description or "No data.", max(row * len(bars), row) + 8)]
    for index, bar in enumerate(bars):
        top = 4 + index * row
        width = round(room * bar.value / largest, 1)
        colour = safe_colour(bar.colour)
        parts.append(
            Markup(
                "<g><title>{full}</title>"
                '<text x="{lx}" y="{ty}" text-anchor="end" fill="{ink}">{label}</text>'
                '<rect x="{bx}" y="{top}" width="{width}" height="{bh}" fill="{colour}"{outline}/>'
                '<text x="{vx}" y="{ty}" fill="{ink}">{value}</text></g>'
            ).format(
                full=f"{bar.label}: {bar.value_text or number_text(bar.value)}",
                lx=label_width - 8,
                ty=top + 15,
                ink=INK,
                label=_short(bar.label),
                bx=label_width,
                top=top,
                width=width,
                bh=bar_height,
                colour=colour,
                outline=_outline(colour),
                vx=label_width + width + 6,
                value=bar.value_text or number_text(bar.value),
            )
        )
    if not bars:
        parts.append(Markup('<text x="8" y="22" fill="{}">No data.</text>').format(INK))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def balance_chart(chart_id: str, title: str, rows: list[tuple[str, str, list[Segment]]]) -> Markup:
    """Stacked bars that each add up to 100%, each share written out beneath its bar.

    ``rows`` holds (name, unit, segments), e.g. ("Hours", "hours", [...]).
    """
    left, room, line = 80, WIDTH - 90, 18
    row = 34 + line * max((len(segments) for _, _, segments in rows), default=0) + 8
    summaries = []
    for name, unit, segments in rows:
        shares = [
            f"{s.label}: {s.percent}% ({number_text(s.value)} {unit})"
            for s in segments
            if s.percent is not None
        ]
        summaries.append(f"{name}: " + ("; ".join(shares) if shares else "none recorded"))
    parts = [_open(chart_id, title, ". ".join(summaries) + ".", row * len(rows) + 4)]
    for index, (name, unit, segments) in enumerate(rows):
        top = 4 + index * row
        parts.append(
            Markup(
                '<text x="{x}" y="{y}" text-anchor="end" font-weight="600" '
                'fill="{ink}">{name}</text>'
            ).format(x=left - 8, y=top + 17, ink=INK, name=name)
        )
        x = float(left)
        total = sum(s.value for s in segments if s.percent is not None)
        if total <= 0:
            parts.append(
                Markup('<text x="{x}" y="{y}" fill="{ink}">None recorded</text>').format(
                    x=left, y=top + 17, ink=INK
                )
            )
            continue
        for position, segment in enumerate(segments):
            if segment.value > 0:
                width = round(room * segment.value / total, 1)
                parts.append(
                    Markup('<rect x="{x}" y="{y}" width="{w}" height="24" fill="{c}"/>').format(
                        x=round(x, 1), y=top, w=width, c=segment.colour
                    )
                )
                if width >= 44:
                    parts.append(
                        Markup(
                            '<text x="{x}" y="{y}" fill="{w}" font-weight="600">{p}%</text>'
                        ).format(x=round(x + 6, 1), y=top + 17, w=WHITE, p=segment.percent)
                    )
                x += width
            baseline = top + 34 + line * (position + 1) - 5
            parts.append(
                Markup(
                    '<rect x="{x}" y="{sy}" width="10" height="10" fill="{c}"/>'
                    '<text x="{tx}" y="{ty}" font-size="12" fill="{ink}">{text}</text>'
                ).format(
                    x=left,
                    sy=baseline - 9,
                    c=segment.colour,
                    tx=left + 16,
                    ty=baseline,
                    ink=INK,
                    text=f"{segment.label}: {segment.percent}% "
                    f"({number_text(segment.value)} {unit})",
                )
            )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def month_chart(chart_id: str, title: str, months: list[tuple[str, str, int, int]]) -> Markup:
    """Two series per month as columns: started (outlined) and published (filled).

    ``months`` holds (short label, full label, started, published), oldest first.
    """
    left, top, plot = 8, 30, 150
    slot = (WIDTH - left - 8) / max(len(months), 1)
    largest = max((max(m[2], m[3]) for m in months), default=0) or 1
    description = "; ".join(
        f"{m[1]}: {m[2]} started, {m[3]} published" for m in months if m[2] or m[3]
    )
    parts = [_open(chart_id, title, description or "None in these months.", top + plot + 40)]
    parts.append(
        Markup(
            '<rect x="8" y="6" width="12" height="12" fill="{w}" stroke="{s}" stroke-width="2"/>'
            '<text x="26" y="17" fill="{ink}">Started (outlined)</text>'
            '<rect x="170" y="6" width="12" height="12" fill="{p}"/>'
            '<text x="188" y="17" fill="{ink}">Published (filled)</text>'
        ).format(w=WHITE, s=STARTED_COLOUR, p=PUBLISHED_COLOUR, ink=INK)
    )
    base = top + plot
    bar = max(min(slot / 2 - 2, 14), 3)
    for index, (short, _full, started, published) in enumerate(months):
        x = left + index * slot + 1
        for offset, value, fill, stroke in (
            (0, started, WHITE, STARTED_COLOUR),
            (bar + 1, published, PUBLISHED_COLOUR, PUBLISHED_COLOUR),
        ):
            height = round(plot * value / largest, 1)
            if value:
                parts.append(
                    Markup(
                        '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{f}" stroke="{s}" '
                        'stroke-width="1.5"/><text x="{tx}" y="{ty}" text-anchor="middle" '
                        'font-size="10" fill="{ink}">{v}</text>'
                    ).format(
                        x=round(x + offset, 1),
                        y=round(base - height, 1),
                        w=round(bar - 1, 1),
                        h=height,
                        f=fill,
                        s=stroke,
                        tx=round(x + offset + bar / 2, 1),
                        ty=round(base - height - 3, 1),
                        ink=INK,
                        v=value,
                    )
                )
        if index % 3 == 0 or index == len(months) - 1:
            parts.append(
                Markup('<text x="{x}" y="{y}" font-size="11" fill="{ink}">{label}</text>').format(
                    x=round(x, 1), y=base + 16, ink=INK, label=short
                )
            )
    parts.append(
        Markup(
            '<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" stroke="{ink}" stroke-width="1"/>'
        ).format(l=left, b=base + 0.5, r=WIDTH - 8, ink=INK)
    )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
