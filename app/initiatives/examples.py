"""The example: a short, readable account of an initiative generated from its data.

"In Kirkstall, 40 residents and West Yorkshire Police ran “Street watch”; reported burglaries
fell from 31 to 22 by March 2025."

A pure function of the initiative, so lists, feeds and embeds can all show it. It never writes a
number that is not in the data, and leaves out whatever the data does not say.
"""

from __future__ import annotations

import re
from datetime import date

from app.initiatives.models import Initiative, Outcome, Participant
from app.initiatives.vocabulary import CITIZEN_SECTORS

MAX_NAMED_PARTICIPANTS = 4
MAX_OUTCOME_WORDS = 30
CITIZEN_NOUNS = {"residents": ("resident", "residents"), "volunteers": ("volunteer", "volunteers")}
# What to call a participant whose group has no name.
UNNAMED_PARTICIPANTS = {
    "residents": "residents",
    "volunteers": "volunteers",
    "voluntary": "a voluntary organisation",
    "council": "the council",
    "police": "the police",
    "health": "health services",
    "school": "a local school",
    "housing": "a housing provider",
    "business": "local businesses",
    "other": "partners",
}
VERBS = {  # status -> (plural, singular)
    "planned": ("are planning", "is planning"),
    "active": ("run", "runs"),
    "completed": ("ran", "ran"),
    "ended": ("ran", "ran"),
}
PREFIX_UNITS = {"£", "$", "€"}
SUFFIX_UNITS = {"%"}


def format_number(value: float | int) -> str:
    """A stored number as people read it: 1,200 not 1200.0; decimals exactly as stored."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,}"


def format_quantity(value: float | int, unit: str) -> str:
    """A number with its unit: "58%", "£1,200", "40 µg/m³", or the bare number."""
    number = format_number(value)
    if unit in SUFFIX_UNITS:
        return f"{number}{unit}"
    if unit in PREFIX_UNITS:
        return f"{unit}{number}"
    return f"{number} {unit}" if unit else number


def outcome_figures(outcome: Outcome) -> str:
    """An outcome's measured change for display: "31 → 22 reported burglaries"."""
    figures = outcome.figures
    if figures is None:
        return ""
    before, after = _before_after(figures, outcome.unit)
    indicator = (outcome.indicator or "").strip()
    if not indicator:
        return f"{before} → {after}"
    if (outcome.unit or "").strip():
        return f"{indicator}: {before} → {after}"
    return f"{before} → {after} {lower_first(indicator)}"


def _before_after(figures: tuple[float, float], unit: str | None) -> tuple[str, str]:
    """Baseline and result as text; a symbol unit goes on both, a word unit after the result."""
    baseline, result = figures
    unit = (unit or "").strip()
    if unit in PREFIX_UNITS or unit in SUFFIX_UNITS:
        return format_quantity(baseline, unit), format_quantity(result, unit)
    return format_number(baseline), format_quantity(result, unit)


def example_text(initiative: Initiative) -> str:
    """The initiative's example sentence (deterministic; only numbers from the data)."""
    subject, singular = _participants_phrase(initiative.participants)
    plural_verb, singular_verb = VERBS.get(initiative.status, VERBS["active"])
    clause = f"{subject} {singular_verb if singular else plural_verb} “{initiative.title.strip()}”"
    if initiative.neighbourhood is not None:
        clause = f"In {initiative.neighbourhood.name}, {clause}"
    else:
        clause = upper_first(clause)
    outcome = _outcome_phrase(initiative.outcomes)
    if not outcome:
        return f"{clause}."
    return f"{clause}; {outcome}" + ("" if outcome.endswith("…") else ".")


def lower_first(text: str) -> str:
    """Lower-case a leading capital that only starts a sentence ("Reported" but not "NHS")."""
    first_word = text.split(" ", 1)[0]
    if len(first_word) > 1 and first_word[0].isupper() and first_word[1:].islower():
        return text[0].lower() + text[1:]
    return text


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def join_words(items: list[str]) -> str:
    """["a", "b", "c"] -> "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _participant_phrase(participant: Participant) -> str:
    name = (participant.name or "").strip()
    if participant.sector in CITIZEN_SECTORS and participant.people:
        one, many = CITIZEN_NOUNS[participant.sector]
        noun = one if participant.people == 1 else many
        return f"{format_number(participant.people)} {noun}"
    return name or UNNAMED_PARTICIPANTS.get(participant.sector, "partners")


def _participants_phrase(participants: list[Participant]) -> tuple[str, bool]:
    """Who took part, and whether that reads as one person ("1 resident runs")."""
    phrases = list(dict.fromkeys(_participant_phrase(p) for p in participants))
    if not phrases:
        return "residents", False
    if len(phrases) > MAX_NAMED_PARTICIPANTS:
        phrases = [*phrases[:MAX_NAMED_PARTICIPANTS], "others"]
    singular = len(phrases) == 1 and re.fullmatch(r"1 \w+", phrases[0]) is not None
    return join_words(phrases), singular


def _outcome_phrase(outcomes: list[Outcome]) -> str:
    for outcome in outcomes:
        figures = outcome.figures
        if figures is not None and (outcome.indicator or "").strip():
            return _measured_phrase(outcome, figures)
    described = next((o for o in outcomes if (o.description or "").strip()), None)
    return _description_phrase(described.description) if described else ""


def _measured_phrase(outcome: Outcome, figures: tuple[float, float]) -> str:
    indicator = lower_first((outcome.indicator or "").strip())
    before, after = _before_after(figures, outcome.unit)
    baseline, result = figures
    if result == baseline:
        return f"{indicator} stayed at {after}"
    direction = "fell" if result < baseline else "rose"
    return f"{indicator} {direction} from {before} to {after}{_by_date(outcome.measured_on)}"


def _by_date(measured_on: date | None) -> str:
    return f" by {measured_on.strftime('%B %Y')}" if measured_on else ""


def _description_phrase(description: str) -> str:
    """The first sentence of an outcome's description, shortened if it runs on."""
    text = " ".join(description.split())
    sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0].rstrip(".!?;: ")
    words = sentence.split(" ")
    if len(words) > MAX_OUTCOME_WORDS:
        sentence = " ".join(words[:MAX_OUTCOME_WORDS]).rstrip(",;:") + "…"
    return lower_first(sentence)
