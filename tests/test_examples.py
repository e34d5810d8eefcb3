"""The example: the short account of an initiative that lists, feeds and embeds show."""

from __future__ import annotations

import re
from datetime import date

import pytest

from app.initiatives.examples import example_text, format_number, outcome_figures
from app.initiatives.models import Initiative, Measurement, Outcome, Participant
from app.neighbourhoods.models import Neighbourhood


def participant(sector="residents", name="", people=None, hours=None, roles=()):
    return Participant(sector=sector, name=name, people=people, hours=hours, roles=list(roles))


def outcome(description="", indicator="", baseline=None, result=None, unit="", measured_on=None):
    return Outcome(
        description=description,
        indicator=indicator,
        baseline=baseline,
        result=result,
        unit=unit,
        measured_on=measured_on,
    )


def street_watch(**changes) -> Initiative:
    """A complete initiative: every field the example uses is filled in."""
    values = {
        "title": "Street watch",
        "status": "completed",
        "neighbourhood": Neighbourhood(name="Kirkstall"),
        "participants": [
            participant("residents", people=40, hours=1200),
            participant("police", "West Yorkshire Police", people=3, hours=160),
        ],
        "outcomes": [
            outcome(
                "Fewer homes were broken into.",
                "Reported burglaries",
                31,
                22,
                measured_on=date(2025, 3, 31),
            )
        ],
    }
    values.update(changes)
    return Initiative(**values)


def test_complete_initiative_reads_as_one_sentence():
    assert example_text(street_watch()) == (
        "In Kirkstall, 40 residents and West Yorkshire Police ran “Street watch”; "
        "reported burglaries fell from 31 to 22 by March 2025."
    )


def test_without_neighbourhood_the_sentence_starts_with_who():
    assert example_text(street_watch(neighbourhood=None)).startswith(
        "40 residents and West Yorkshire Police ran “Street watch”;"
    )


def test_without_participants_residents_run_it():
    text = example_text(street_watch(participants=[], neighbourhood=None, status="active"))
    assert text.startswith("Residents run “Street watch”;")


def test_without_outcomes_the_sentence_ends_after_the_title():
    assert example_text(street_watch(outcomes=[])) == (
        "In Kirkstall, 40 residents and West Yorkshire Police ran “Street watch”."
    )


def test_outcome_without_numbers_uses_its_first_sentence():
    described = outcome("Neighbours now know each other. We meet monthly.")
    assert example_text(street_watch(outcomes=[described])).endswith(
        "ran “Street watch”; neighbours now know each other."
    )


def test_a_measured_outcome_is_preferred_to_a_described_one():
    outcomes = [outcome("People feel safer."), outcome("", "Reported burglaries", 31, 22)]
    assert example_text(street_watch(outcomes=outcomes)).endswith(
        "reported burglaries fell from 31 to 22."
    )


def test_a_long_description_is_shortened():
    long_outcome = outcome(" ".join(["word"] * 60))
    text = example_text(street_watch(outcomes=[long_outcome]))
    assert text.endswith("word…")
    assert len(text) < 300


@pytest.mark.parametrize(
    ("status", "verb"),
    [("planned", "are planning"), ("active", "run"), ("completed", "ran"), ("ended", "ran")],
)
def test_verb_follows_the_status(status, verb):
    assert f"West Yorkshire Police {verb} “Street watch”" in example_text(
        street_watch(status=status)
    )


def test_one_resident_takes_a_singular_verb():
    text = example_text(street_watch(participants=[participant(people=1)], status="active"))
    assert "1 resident runs" in text


def test_participants_are_joined_with_commas_and_and():
    people = [
        participant("volunteers", people=12),
        participant("council", "Leeds City Council"),
        participant("school", ""),
    ]
    assert "12 volunteers, Leeds City Council and a local school ran" in example_text(
        street_watch(participants=people)
    )


def test_many_participants_end_with_others():
    people = [participant("voluntary", f"Group {letter}") for letter in "ABCDEF"]
    text = example_text(street_watch(participants=people))
    assert "Group A, Group B, Group C, Group D and others ran" in text
    assert "Group E" not in text


@pytest.mark.parametrize(
    ("baseline", "result", "phrase"),
    [
        (31, 22, "fell from 31 to 22"),
        (22, 31, "rose from 22 to 31"),
        (120, 120, "stayed at 120"),
    ],
)
def test_direction_of_change(baseline, result, phrase):
    measured = outcome("", "Reported burglaries", baseline, result)
    assert f"reported burglaries {phrase}" in example_text(street_watch(outcomes=[measured]))


@pytest.mark.parametrize(
    ("unit", "phrase", "figures"),
    [
        ("%", "rose from 58% to 71.5%", "Pupils reading well: 58% → 71.5%"),
        ("£", "rose from £1,850 to £2,400", "Pupils reading well: £1,850 → £2,400"),
        ("tonnes", "rose from 3 to 11 tonnes", "Pupils reading well: 3 → 11 tonnes"),
    ],
)
def test_units(unit, phrase, figures):
    numbers = {"%": (58, 71.5), "£": (1850, 2400), "tonnes": (3, 11)}[unit]
    measured = outcome("", "Pupils reading well", *numbers, unit=unit)
    assert phrase in example_text(street_watch(outcomes=[measured]))
    assert outcome_figures(measured) == figures


def test_figures_without_unit_put_the_indicator_after_the_numbers():
    assert outcome_figures(outcome("", "Reported burglaries", 31, 22)) == (
        "31 → 22 reported burglaries"
    )
    assert outcome_figures(outcome("", "NHS referrals", 3, 9)) == "3 → 9 NHS referrals"
    assert outcome_figures(outcome("Fewer burglaries.")) == ""


@pytest.mark.parametrize(
    ("value", "text"),
    [(22.0, "22"), (1200, "1,200"), (3.5, "3.5"), (1234567.25, "1,234,567.25"), (0, "0")],
)
def test_numbers_are_formatted_without_point_zero_and_with_separators(value, text):
    assert format_number(value) == text


def test_the_example_is_deterministic():
    assert example_text(street_watch()) == example_text(street_watch())


NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def numbers_in(text: str) -> set[float]:
    return {float(match.replace(",", "")) for match in NUMBER.findall(text)}


@pytest.mark.parametrize(
    "initiative",
    [
        street_watch(),
        street_watch(participants=[participant(people=7), participant("volunteers", people=1)]),
        street_watch(outcomes=[outcome("", "Items repaired", 0, 412, "items")]),
        street_watch(outcomes=[outcome("", "Energy bill", 1850, 1620.5, "£")]),
        street_watch(participants=[participant("police", "Police", people=12, hours=300)]),
        street_watch(outcomes=[outcome("More than 300 items were mended.")]),
        street_watch(title="Reading club 2024", outcomes=[]),
    ],
    ids=["complete", "people", "unit", "money", "organisation", "described", "title"],
)
def test_every_number_in_the_example_comes_from_the_data(initiative):
    data_text = " ".join(
        [initiative.title]
        + [p.name for p in initiative.participants]
        + [o.description for o in initiative.outcomes]
    )
    allowed = numbers_in(data_text)
    for item in initiative.participants:
        allowed |= {float(n) for n in (item.people, item.hours) if n is not None}
    for item in initiative.outcomes:
        allowed |= {float(n) for n in (item.baseline, item.result) if n is not None}
        if item.measured_on:
            allowed.add(float(item.measured_on.year))
    assert numbers_in(example_text(initiative)) <= allowed


def test_example_of_a_stored_initiative(app, make_initiative, make_neighbourhood):
    neighbourhood_id = make_neighbourhood(name="Chapeltown")
    initiative_id = make_initiative(
        neighbourhood_id=neighbourhood_id,
        title="Safer crossings",
        status="planned",
        participants=[
            {"sector": "residents", "name": "", "roles": [], "people": 25, "hours": None}
        ],
    )
    from app.extensions import db

    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        assert example_text(initiative) == (
            "In Chapeltown, 25 residents are planning “Safer crossings”."
        )


def test_the_example_follows_changed_data_though_its_pieces_are_remembered():
    """The pieces an export reuses row after row are remembered by value: the same initiative
    changed (people, a result, a follow-up, the language) never reads as it did before."""
    initiative = street_watch()
    before = example_text(initiative, "en")
    initiative.participants[0].people = 41
    initiative.outcomes[0].result = 20
    assert example_text(initiative, "en") == (
        "In Kirkstall, 41 residents and West Yorkshire Police ran “Street watch”; "
        "reported burglaries fell from 31 to 20 by March 2025."
    )
    initiative.outcomes[0].measurements.append(
        Measurement(measured_on=date(2026, 1, 31), value=18)
    )
    assert example_text(initiative, "en").endswith("by March 2025, and to 18 by January 2026.")
    assert example_text(initiative, "cy").startswith("Yn ardal Kirkstall, roedd 41 o breswylwyr")
    assert example_text(street_watch(), "en") == before
