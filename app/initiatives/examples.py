"""The example: a short, readable account of an initiative generated from its data.

"In Kirkstall, 40 residents and West Yorkshire Police ran “Street watch”; reported burglaries
fell from 31 to 22 by March 2025." — or, on the Welsh pages, "Yn ardal Kirkstall, roedd 40 o
breswylwyr a West Yorkshire Police yn rhedeg “Street watch”; reported burglaries: gostyngiad o
31 i 22 erbyn Mawrth 2025."

A pure function of the initiative and a language, so lists, feeds and embeds can all show it.
It never writes a number that is not in the data, and leaves out whatever the data does not
say. The words are templates with named placeholders, one set per language
(app/initiatives/example_phrases.py); numbers, dates and month names are Babel's for the
language; the title and place are the reader's language version when there is one.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache, lru_cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

from app.initiatives.bilingual import name_in, shown_text
from app.initiatives.example_phrases import PHRASES, welsh_and
from app.initiatives.models import Initiative, Outcome, Participant
from app.initiatives.vocabulary import CITIZEN_SECTORS
from app.languages import BABEL_LOCALES, ENGLISH, WELSH, current_language

MAX_NAMED_PARTICIPANTS = 4
MAX_OUTCOME_WORDS = 30
PREFIX_UNITS = {"£", "$", "€"}
SUFFIX_UNITS = {"%"}
PAST = ("completed", "ended")
_TITLE = "\x00"  # where the title goes while a language's contractions are made


def _language(language: str | None) -> str:
    chosen = language or current_language()
    return chosen if chosen in PHRASES else ENGLISH


def format_number(value: float | int, language: str | None = None) -> str:
    """A stored number as people read it: 1,200 not 1200.0; decimals exactly as stored."""
    number = int(value) if float(value).is_integer() else value
    return _formatted_number(number, _language(language))


@lru_cache(maxsize=8192)
def _formatted_number(number: float | int, language: str) -> str:
    # Babel's formatting costs more than the rest of an example: a CSV export of a million
    # rows writes the same few thousand numbers again and again.
    return format_decimal(number, locale=BABEL_LOCALES[language], decimal_quantization=False)


def format_quantity(value: float | int, unit: str, language: str | None = None) -> str:
    """A number with its unit: "58%", "£1,200", "40 µg/m³", or the bare number."""
    number = format_number(value, language)
    if unit in SUFFIX_UNITS:
        return f"{number}{unit}"
    if unit in PREFIX_UNITS:
        return f"{unit}{number}"
    return f"{number} {unit}" if unit else number


def outcome_figures(outcome: Outcome, language: str | None = None) -> str:
    """An outcome's measured change for display: "31 → 22 reported burglaries"."""
    figures = outcome.figures
    if figures is None:
        return ""
    before, after = _before_after(figures, outcome.unit, language)
    indicator = (outcome.indicator or "").strip()
    if not indicator:
        return f"{before} → {after}"
    if (outcome.unit or "").strip():
        return f"{indicator}: {before} → {after}"
    return f"{before} → {after} {lower_first(indicator)}"


def _before_after(
    figures: tuple[float, float], unit: str | None, language: str | None = None
) -> tuple[str, str]:
    """Baseline and result as text; a symbol unit goes on both, a word unit after the result."""
    baseline, result = figures
    unit = (unit or "").strip()
    if unit in PREFIX_UNITS or unit in SUFFIX_UNITS:
        return format_quantity(baseline, unit, language), format_quantity(result, unit, language)
    return format_number(baseline, language), format_quantity(result, unit, language)


def example_text(initiative: Initiative, language: str | None = None) -> str:
    """The initiative's example sentence in a language (by default the reader's)."""
    language = _language(language)
    phrases = PHRASES[language]
    who, singular = _participants_phrase(initiative.participants, language)
    verb = "past" if initiative.status in PAST else initiative.status
    action = _action(language, verb, singular, who).replace(
        _TITLE, shown_text(initiative, "title", language).text.strip()
    )
    if initiative.neighbourhood is not None:
        place = name_in(initiative.neighbourhood, language)
        clause = phrases.in_place % {"place": place, "action": action}
    else:
        clause = upper_first(action)
    outcome = _outcome_phrase(initiative.outcomes, language)
    if not outcome:
        return phrases.alone % {"clause": clause}
    template = phrases.with_open_outcome if outcome.endswith("…") else phrases.with_outcome
    return template % {"clause": clause, "outcome": outcome}


# The sentence is made of pieces that recur across initiatives (who took part, what they
# did, what changed): each piece is a pure function of a few values and a language, kept in
# a bounded cache, so an export of a million rows works each one out once per distinct value.
CACHED_PIECES = 8192


@lru_cache(maxsize=CACHED_PIECES)
def _action(language: str, verb: str, singular: bool, who: str) -> str:
    """ "40 residents ran <title>", the title still a placeholder, contractions made."""
    phrases = PHRASES[language]
    action = phrases.actions.get((verb, singular), phrases.actions[("active", singular)])
    action = action % {"who": who, "title": _TITLE}
    for pattern, replacement in phrases.contractions:
        action = re.sub(pattern, replacement, action)
    return action


def lower_first(text: str) -> str:
    """Lower-case a leading capital that only starts a sentence ("Reported" but not "NHS")."""
    first_word = text.split(" ", 1)[0]
    if len(first_word) > 1 and first_word[0].isupper() and first_word[1:].islower():
        return text[0].lower() + text[1:]
    return text


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def join_words(items: list[str], language: str | None = None) -> str:
    """["a", "b", "c"] -> "a, b and c" (Welsh: "a, b a c", "… ac eraill")."""
    language = _language(language)
    if len(items) <= 1:
        return "".join(items)
    last = welsh_and(items[-1]) if language == WELSH else items[-1]
    return PHRASES[language].and_last % {"items": ", ".join(items[:-1]), "last": last}


def people_phrase(sector: str, people: int, language: str | None = None) -> str:
    """A count of residents or volunteers in the plural form the number takes."""
    language = _language(language)
    forms = PHRASES[language].people[sector]
    category = _babel_locale(language).plural_form(people)
    template = forms.get(category, forms["other"])
    return template % {"num": format_number(people, language)}


@cache
def _babel_locale(language: str) -> Locale:
    return Locale.parse(BABEL_LOCALES[language])


def _participant_phrase(sector: str, name: str, people: int | None, language: str) -> str:
    phrases = PHRASES[language]
    name = (name or "").strip()
    if sector in CITIZEN_SECTORS and people:
        return people_phrase(sector, people, language)
    return name or phrases.unnamed.get(sector, phrases.unnamed["other"])


def _participants_phrase(participants: list[Participant], language: str) -> tuple[str, bool]:
    """Who took part, and whether that reads as one person ("1 resident runs")."""
    return _who(tuple([(p.sector, p.name, p.people) for p in participants]), language)


@lru_cache(maxsize=CACHED_PIECES)
def _who(participants: tuple[tuple[str, str, int | None], ...], language: str) -> tuple[str, bool]:
    phrases = PHRASES[language]
    phrases_seen = list(
        dict.fromkeys(_participant_phrase(*participant, language) for participant in participants)
    )
    if not phrases_seen:
        return phrases.nobody_named, False
    if len(phrases_seen) > MAX_NAMED_PARTICIPANTS:
        phrases_seen = [*phrases_seen[:MAX_NAMED_PARTICIPANTS], phrases.others]
    singular = (
        len(phrases_seen) == 1
        and len(participants) >= 1
        and all(sector in CITIZEN_SECTORS and people == 1 for sector, _, people in participants)
    )
    return join_words(phrases_seen, language), singular


def _outcome_phrase(outcomes: list[Outcome], language: str) -> str:
    for outcome in outcomes:
        figures = outcome.figures
        if figures is not None and (outcome.indicator or "").strip():
            latest = outcome.latest_measurement
            return _measured_phrase(
                language,
                outcome.indicator,
                outcome.unit or "",
                figures,
                outcome.measured_on,
                (latest.measured_on, latest.value) if latest is not None else None,
            )
    described = next((o for o in outcomes if (o.description or "").strip()), None)
    return _description_phrase(described.description) if described else ""


@lru_cache(maxsize=CACHED_PIECES)
def _measured_phrase(
    language: str,
    indicator: str,
    unit: str,
    figures: tuple[float, float],
    measured_on: date | None,
    latest: tuple[date, float] | None,
) -> str:
    phrases = PHRASES[language]
    indicator = lower_first(indicator.strip())
    before, after = _before_after(figures, unit, language)
    baseline, result = figures
    values = {"indicator": indicator, "before": before, "after": after}
    if result == baseline:
        return phrases.stayed % values + _latest_phrase(unit, measured_on, latest, language)
    fell = result < baseline
    if measured_on is None:
        phrase = (phrases.fell if fell else phrases.rose) % values
    else:
        values["date"] = _month(measured_on, language)
        phrase = (phrases.fell_by if fell else phrases.rose_by) % values
    return phrase + _latest_phrase(unit, measured_on, latest, language)


def _latest_phrase(
    unit: str, measured_on: date | None, latest: tuple[date, float] | None, language: str
) -> str:
    """ ", and to 18 by March 2026": the latest value a follow-up added, if any, and only when
    it is not older than the first result (which the sentence already gave as the latest)."""
    if latest is None:
        return ""
    latest_on, latest_value = latest
    if measured_on is not None and latest_on < measured_on:
        return ""
    phrases = PHRASES[language]
    value = format_quantity(latest_value, unit.strip(), language)
    if latest_on is None:
        return phrases.latest % {"value": value}
    return phrases.latest_by % {"value": value, "date": _month(latest_on, language)}


@lru_cache(maxsize=CACHED_PIECES)
def _month(day: date, language: str) -> str:
    """ "March 2025" / "Mawrth 2025": the month and year, named by Babel."""
    return format_date(day, PHRASES[language].date_format, locale=BABEL_LOCALES[language])


@lru_cache(maxsize=CACHED_PIECES)
def _description_phrase(description: str) -> str:
    """The first sentence of an outcome's description, shortened if it runs on."""
    text = " ".join(description.split())
    sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0].rstrip(".!?;: ")
    words = sentence.split(" ")
    if len(words) > MAX_OUTCOME_WORDS:
        sentence = " ".join(words[:MAX_OUTCOME_WORDS]).rstrip(",;:") + "…"
    return lower_first(sentence)
