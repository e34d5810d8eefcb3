"""A row checked by the form's rules without the form (app.imports.checking) gets the same
answer as through the submission form itself: the same content when valid, nothing when not
(the form then gives the messages)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from app.extensions import db
from app.imports.checking import checked_content
from app.imports.rows import _formdata, new_content
from app.neighbourhoods.models import Neighbourhood
from app.submissions.field_rules import field_rules
from app.submissions.forms import InitiativeForm, form_data, initiative_form
from app.submissions.rows import OutcomeForm, ParticipantForm
from app.themes.models import Theme
from app.themes.services import ensure_default_themes

OUTCOME_IDS = [7, 8]
CELLS = [
    "",
    "   ",
    "x",
    " padded ",
    "x" * 61,
    "x" * 201,
    "x" * 501,
    "12",
    "1,200",
    "3.5",
    "-5",
    "1e13",
    "nan",
    "abc",
    "0",
    "53.82",
    "-1.6",
    "91",
    "2024-03-31",
    "2024-3-1",
    "2024-02-30",
    "1899-12-31",
    "2101-01-01",
    "31/03/2024",
    "https://example.org/a",
    "http://example.org",
    "example.org",
    "name@example.org",
    "ftp://example.org",
    "javascript:alert(1)",
    "tab\there",
    "nul\x00here",
    "7",
    "8",
    "1",
]


def base_values(neighbourhood_id: int) -> dict[str, Any]:
    """A complete new initiative's values, as a row would set them."""
    values = form_data(new_content("organisation", "Kirkstall Residents"))
    values.update(
        title="Street watch",
        summary="Walking together.",
        main_theme="safety",
        other_themes=["health"],
        stages=["co-design"],
        neighbourhood=str(neighbourhood_id),
        participants=[{"sector": "residents", "name": "Residents", "roles": [], "people": "4"}],
        outcomes=[{"outcome_id": "", "description": "Fewer burglaries", "baseline": "31"}],
    )
    values["outcomes"][0]["indicator"] = "burglaries"
    return values


def choice_cells(rule_choices) -> list[Any]:
    known = sorted(rule_choices or ())
    return [*known[:3], "unknown", ""] if known else []


def variants(values: dict[str, Any], chance: random.Random) -> dict[str, Any]:
    """The values with a few fields (of the form, a participant or an outcome) changed."""
    changed = {
        **values,
        "participants": [dict(row) for row in values["participants"]],
        "outcomes": [dict(row) for row in values["outcomes"]],
    }
    for _ in range(chance.randint(1, 4)):
        where = chance.choice(["form", "form", "participants", "outcomes"])
        form_class = {
            "form": InitiativeForm,
            "participants": ParticipantForm,
            "outcomes": OutcomeForm,
        }[where]
        name, rule = chance.choice(sorted(field_rules(form_class).items()))
        extra = {
            "main_theme": ["safety", "health", "nowhere"],
            "other_themes": ["safety", "health", "nowhere"],
            "neighbourhood": ["1", "99999", "x"],
        }.get(name, choice_cells(rule.choices))
        cell: Any = chance.choice(CELLS + extra)
        if rule.kind == "choices":
            cell = chance.sample(CELLS[:3] + extra, k=chance.randint(0, 2))
        if where == "form":
            changed[name] = cell
        else:
            rows = changed[where]
            if not rows or chance.random() < 0.3:
                rows.append({})
            rows[-1][name] = cell
    return changed


def through_the_form(values: dict[str, Any], references) -> dict[str, Any] | None:
    themes, neighbourhoods = references
    form = initiative_form(themes, neighbourhoods, "CC BY 4.0", formdata=_formdata(values))
    if not form.check(submitting=True):
        return None
    location_state = "pending" if values["location_pending"] == "1" else "none"
    return form.content(OUTCOME_IDS, location_state)


@pytest.mark.parametrize("seed", range(4))
def test_rules_without_the_form_answer_as_the_form(app, make_neighbourhood, seed):
    neighbourhood_id = make_neighbourhood(name="Kirkstall")
    chance = random.Random(seed)
    with app.test_request_context():
        ensure_default_themes()
        themes = list(db.session.scalars(db.select(Theme)))
        neighbourhoods = list(db.session.scalars(db.select(Neighbourhood)))
        theme_values = frozenset(theme.slug for theme in themes)
        neighbourhood_values = frozenset(str(place.id) for place in neighbourhoods)
        values = base_values(neighbourhood_id)
        assert checked_content(values, theme_values, neighbourhood_values, OUTCOME_IDS)
        answers = {"valid": 0, "invalid": 0}
        for _ in range(400):
            changed = variants(values, chance)
            expected = through_the_form(changed, (themes, neighbourhoods))
            got = checked_content(changed, theme_values, neighbourhood_values, OUTCOME_IDS)
            assert got == expected, changed
            answers["valid" if expected else "invalid"] += 1
        assert min(answers.values()) > 50  # both kinds of row were tried
