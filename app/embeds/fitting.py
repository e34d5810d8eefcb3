"""Embeds that fit a declared size without our script: how tall an example set will be at a
given width, how many examples fit a height, and how many there are in all.

WordPress and most platforms paste oEmbed's ``html`` (an iframe of a fixed height) and never
run /embed.js, so the height we declare is the height readers get. The estimate is measured
from the examples' own text at the frame's width, erring tall; a list cut by its limit ends
with "See all N examples" (templates/embeds/examples.html), kept in view at the frame's foot.
The numbers follow static/css/embed.css (16 px text, line height 1.45); the browser test
tests/browser/test_embeds_browser.py checks them at 375 and 720 px.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from sqlalchemy import func, select

from app.clusters.models import ClusterItem
from app.clusters.services import Example, ExampleSet, cluster_filter
from app.embeds.services import SINGLE_HEIGHT
from app.extensions import db
from app.initiatives.bilingual import shown_title
from app.initiatives.examples import example_text
from app.initiatives.models import Initiative
from app.initiatives.public import public_photos, published_initiatives, published_only
from app.shared_filters.query import apply_filters

LINE = 23.2  # 16 px at line height 1.45
CHARACTER = 7.6  # a generous average width of a character of 16 px text
PADDING = 32  # .embed's padding, left and right
CHROME = 24 + 8 + 12 + 9 + 2 * 21  # .embed's padding, title margin, attribution (two lines)
TITLE_LINE, TITLE_CHARACTER = 25.0, 10.0  # .embed__title: 1.25rem bold
ITEM_LINE, ITEM_CHARACTER = 24.4, 8.8  # .embed-example__title: 1.05rem bold
ITEM_SPACING = 8 + 12 + 1 + 4 + 6 + 6  # padding, border, margins under title, text and note
META = 21.0  # one line of theme and neighbourhood
SEE_ALL = 12 + LINE + 4  # "See all N examples"
CARD_WIDTH, CARD_GAP, CARD_EXTRA = 240, 12, 6 + 24  # cards: min width, gap, border + padding
THUMBNAIL, THUMBNAIL_SHARE, THUMBNAIL_MARGIN = 112, 0.35, 12
MAP = 320 + 2 + 12
NOTE_LABEL = "Curator’s note: "


def _lines(text: str, width: float, character: float = CHARACTER) -> int:
    """Lines a text wraps to in a column (a word-wrapped line holds about 90% of its room)."""
    if not text:
        return 0
    per_line = max(1, int(width * 0.9 / character))
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))


def example_height(example: Example, width: float) -> float:
    """An example's height (px) in a column ``width`` px wide: title, text, note, meta, and a
    photo floated beside the first lines (which each hold less while they pass it)."""
    initiative = example.initiative
    height = ITEM_SPACING + META * (1 if width > 400 else 2)  # theme and place may wrap
    height += ITEM_LINE * _lines(shown_title(initiative), width, ITEM_CHARACTER)
    height += LINE * _lines(example_text(initiative), width)
    if example.note:
        height += LINE * _lines(NOTE_LABEL + example.note, width - 16)
    photos = public_photos(initiative)
    if not photos:
        return height
    size = photos[0].sizes.get("320") or {}
    thumbnail = min(THUMBNAIL, width * THUMBNAIL_SHARE)
    photo = thumbnail * size.get("height", 240) / max(size.get("width", 320), 1) + 8
    narrowed = (thumbnail + THUMBNAIL_MARGIN) / width
    return max(photo + ITEM_SPACING, height + photo * narrowed + 8)


def single_height(initiative: Initiative, width: float) -> int:
    """The one-initiative card's height (px) in a frame ``width`` px wide: SINGLE_HEIGHT, and
    room for its photo, floated beside the text (counted whole: the text may be shorter)."""
    photos = public_photos(initiative)
    if not photos:
        return SINGLE_HEIGHT
    size = photos[0].sizes.get("320") or {}
    thumbnail = min(THUMBNAIL, (width - PADDING) * THUMBNAIL_SHARE)
    photo = thumbnail * size.get("height", 240) / max(size.get("width", 320), 1) + 8
    return SINGLE_HEIGHT + math.ceil(photo)


def _card_columns(width: float) -> int:
    """How many cards stand side by side (embed.css: auto-fill, at least 15rem each)."""
    return max(1, int((width + CARD_GAP) // (CARD_WIDTH + CARD_GAP)))


def _rows(heights: Sequence[float], width: float, layout: str) -> list[float]:
    """The heights of the rows the examples make: one each, or cards side by side."""
    if layout != "cards":
        return list(heights)
    columns = _card_columns(width)
    return [
        max(heights[start : start + columns]) + CARD_EXTRA + CARD_GAP
        for start in range(0, len(heights), columns)
    ]


def chrome_height(title: str, introduction: str, layout: str, width: float) -> float:
    """What surrounds the examples: title, introduction, map, attribution."""
    height = CHROME + TITLE_LINE * _lines(title, width, TITLE_CHARACTER)
    if introduction:
        height += 12 + LINE * _lines(introduction, width)
    if layout == "map":
        height += MAP
    return height


def fitted_count(
    example_set: ExampleSet, layout: str, frame_width: int, max_height: int, introduction: str
) -> tuple[int, int]:
    """How many of the set's examples fit ``max_height`` in a frame ``frame_width`` px wide
    (at least one, with room for "See all" when not all fit), and the height they need."""
    width = float(max(frame_width - PADDING, 120))
    column = width
    if layout == "cards":
        columns = _card_columns(width)
        column = (width - (columns - 1) * CARD_GAP) / columns - CARD_EXTRA
    heights = [example_height(example, column) for example in example_set.examples]
    chrome = chrome_height(example_set.title, introduction, layout, width)
    for count in range(len(heights), 0, -1):
        cut = count < len(heights)
        needed = chrome + sum(_rows(heights[:count], width, layout)) + (SEE_ALL if cut else 0)
        if needed <= max_height or count == 1:
            return count, math.ceil(needed)
    return 0, math.ceil(chrome)


def count_examples(example_set: ExampleSet) -> int:
    """How many published examples the whole set has (what "See all N examples" counts)."""
    cluster = example_set.cluster
    if cluster is not None and cluster.kind != "filter":
        query = published_only(
            select(func.count())
            .select_from(Initiative)
            .join(ClusterItem, ClusterItem.initiative_id == Initiative.id)
            .where(ClusterItem.cluster_id == cluster.id)
        )
        return db.session.scalar(query) or 0
    if cluster is not None:
        initiative_filter, errors = cluster_filter(cluster)
        if errors:
            return 0
    elif example_set.initiative_filter is not None:
        initiative_filter = example_set.initiative_filter
    else:
        return len(example_set.examples)
    matching = apply_filters(published_initiatives(), initiative_filter)
    return db.session.scalar(select(func.count()).select_from(matching.subquery())) or 0


def total_examples(example_set: ExampleSet, limit: int) -> int:
    """The whole set's size, counted only when the limit may have cut it."""
    shown = len(example_set.examples)
    return shown if shown < limit else max(count_examples(example_set), shown)
