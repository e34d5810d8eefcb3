"""The example sentence in Welsh: every theme and outcome shape, plural forms and mutations."""

from __future__ import annotations

from datetime import date

import pytest

from app.initiatives.example_phrases import ENGLISH_PHRASES, WELSH_PHRASES, welsh_and
from app.initiatives.examples import example_text, format_number, outcome_figures, people_phrase
from app.initiatives.models import Initiative, InitiativeTheme, Outcome, Participant
from app.neighbourhoods.models import Neighbourhood
from app.themes.models import DEFAULT_THEMES, Theme


def participant(sector="residents", name="", people=None):
    return Participant(sector=sector, name=name, people=people, roles=[])


def outcome(description="", indicator="", baseline=None, result=None, unit="", measured_on=None):
    return Outcome(
        description=description,
        indicator=indicator,
        baseline=baseline,
        result=result,
        unit=unit,
        measured_on=measured_on,
    )


def play_streets(**changes) -> Initiative:
    values = {
        "title": "Splott play streets",
        "title_cy": "Strydoedd chwarae Sblot",
        "status": "active",
        "neighbourhood": Neighbourhood(name="Splott", name_cy="Sblot"),
        "participants": [
            participant("residents", people=28),
            participant("council", "Cyngor Caerdydd"),
        ],
        "outcomes": [
            outcome("", "Strydoedd ar gau i chwarae bob mis", 1, 6, measured_on=date(2025, 5, 31))
        ],
    }
    values.update(changes)
    return Initiative(**values)


def test_complete_initiative_in_welsh_reads_as_one_sentence():
    assert example_text(play_streets(), "cy") == (
        "Yn ardal Sblot, mae 28 o breswylwyr a Chyngor Caerdydd yn rhedeg "
        "“Strydoedd chwarae Sblot”; strydoedd ar gau i chwarae bob mis: cynnydd o 1 i 6 "
        "erbyn Mai 2025."
    )


def test_english_reader_sees_the_original_title_and_name():
    assert example_text(play_streets(), "en").startswith(
        "In Splott, 28 residents and Cyngor Caerdydd run “Splott play streets”;"
    )


def test_without_a_welsh_title_or_name_the_original_is_used():
    initiative = play_streets(title_cy="", neighbourhood=Neighbourhood(name="Kirkstall"))
    assert example_text(initiative, "cy").startswith("Yn ardal Kirkstall, mae")
    assert "“Splott play streets”" in example_text(initiative, "cy")


@pytest.mark.parametrize(
    ("people", "residents", "volunteers"),
    [
        (0, "dim preswylwyr", "dim gwirfoddolwyr"),
        (1, "1 preswylydd", "1 gwirfoddolwr"),
        (2, "2 breswylydd", "2 wirfoddolwr"),
        (3, "3 phreswylydd", "3 gwirfoddolwr"),
        (6, "6 phreswylydd", "6 gwirfoddolwr"),
        (20, "20 o breswylwyr", "20 o wirfoddolwyr"),
    ],
)
def test_welsh_counts_take_the_six_plural_forms(people, residents, volunteers):
    assert people_phrase("residents", people, "cy") == residents
    assert people_phrase("volunteers", people, "cy") == volunteers


@pytest.mark.parametrize(("people", "phrase"), [(1, "1 resident"), (2, "2 residents")])
def test_english_counts_take_two_forms(people, phrase):
    assert people_phrase("residents", people, "en") == phrase


@pytest.mark.parametrize("people", [1, 2, 3, 6, 20])
def test_counted_people_appear_in_the_welsh_sentence(people):
    text = example_text(play_streets(participants=[participant(people=people)]), "cy")
    assert f"mae {people_phrase('residents', people, 'cy')} yn rhedeg" in text


def test_no_people_counted_names_the_group_instead():
    text = example_text(play_streets(participants=[participant(people=0)]), "cy")
    assert "mae preswylwyr yn rhedeg" in text


@pytest.mark.parametrize(
    ("status", "verb"),
    [
        ("planned", "mae 28 o breswylwyr a Chyngor Caerdydd yn cynllunio"),
        ("active", "mae 28 o breswylwyr a Chyngor Caerdydd yn rhedeg"),
        ("completed", "roedd 28 o breswylwyr a Chyngor Caerdydd yn rhedeg"),
        ("ended", "roedd 28 o breswylwyr a Chyngor Caerdydd yn rhedeg"),
    ],
)
def test_welsh_verb_follows_the_status(status, verb):
    assert verb in example_text(play_streets(status=status), "cy")


@pytest.mark.parametrize("slug", [slug for slug, *_ in DEFAULT_THEMES])
def test_every_theme_has_a_welsh_example(slug):
    theme = Theme(slug=slug, name=slug.title())
    initiative = play_streets(theme_links=[InitiativeTheme(theme=theme, position=0)])
    text = example_text(initiative, "cy")
    assert text.startswith("Yn ardal Sblot, mae ") and text.endswith(".")


@pytest.mark.parametrize(
    ("outcomes", "ending"),
    [
        ([outcome("", "Lladradau", 31, 22, measured_on=date(2025, 3, 31))],
         "lladradau: gostyngiad o 31 i 22 erbyn Mawrth 2025."),
        ([outcome("", "Lladradau", 22, 31)], "lladradau: cynnydd o 22 i 31."),
        ([outcome("", "Aelodau", 120, 120)], "aelodau: yn aros ar 120."),
        ([outcome("", "Costau", 1200, 950.5, "£")], "costau: gostyngiad o £1,200 i £950.5."),
        ([outcome("", "Ailgylchu", 40, 58, "%")], "ailgylchu: cynnydd o 40% i 58%."),
        ([outcome("", "Bwyd", 0, 4200, "kg")], "bwyd: cynnydd o 0 i 4,200 kg."),
        ([outcome("Mae cymdogion yn adnabod ei gilydd. Rydym yn cwrdd bob mis.")],
         "yn rhedeg “Strydoedd chwarae Sblot”; mae cymdogion yn adnabod ei gilydd."),
        ([], "yn rhedeg “Strydoedd chwarae Sblot”."),
        ([outcome(" ".join(["gair"] * 60))], "gair…"),
    ],
)  # fmt: skip
def test_every_outcome_shape_in_welsh(outcomes, ending):
    assert example_text(play_streets(outcomes=outcomes), "cy").endswith(ending)


def test_no_place_starts_the_welsh_sentence_with_its_verb():
    text = example_text(play_streets(neighbourhood=None), "cy")
    assert text.startswith("Mae 28 o breswylwyr a Chyngor Caerdydd yn rhedeg")


def test_no_participants_residents_run_it_in_welsh():
    text = example_text(play_streets(participants=[], neighbourhood=None), "cy")
    assert text.startswith("Mae preswylwyr yn rhedeg “Strydoedd chwarae Sblot”")


def test_many_participants_end_with_eraill():
    people = [participant("voluntary", f"Grŵp {letter}") for letter in "ABCDEF"]
    text = example_text(play_streets(participants=people), "cy")
    assert "mae Grŵp A, Grŵp B, Grŵp C, Grŵp D ac eraill yn rhedeg" in text


def test_unnamed_groups_never_start_with_the_article():
    for phrase in WELSH_PHRASES.unnamed.values():
        assert not phrase.lower().startswith(("y ", "yr "))


def test_a_name_with_the_article_contracts_after_mae():
    text = example_text(play_streets(participants=[participant("voluntary", "Y Ganolfan")]), "cy")
    assert "mae'r Ganolfan yn rhedeg" in text


def test_a_title_is_never_changed_by_the_grammar():
    text = example_text(play_streets(title_cy="Mae y plant yn chwarae"), "cy")
    assert "“Mae y plant yn chwarae”" in text


@pytest.mark.parametrize(
    ("last", "joined"),
    [
        ("Cyngor Caerdydd", "a Chyngor Caerdydd"),
        ("Partneriaeth Sblot", "a Phartneriaeth Sblot"),
        ("Tîm Ieuenctid", "a Thîm Ieuenctid"),
        ("partneriaid", "a phartneriaid"),
        ("Heddlu De Cymru", "a Heddlu De Cymru"),
        ("Tesco", "a Tesco"),  # an English name is left as written
        ("Chwarae Teg", "a Chwarae Teg"),  # ch never changes
        ("ysgol leol", "ac ysgol leol"),
        ("eraill", "ac eraill"),
        ("Age Cymru", "ac Age Cymru"),
        ("yr heddlu", "a'r heddlu"),
        ("8 o wirfoddolwyr", "ac 8 o wirfoddolwyr"),
        ("20 o wirfoddolwyr", "a 20 o wirfoddolwyr"),
    ],
)
def test_welsh_and_mutates_the_common_cases(last, joined):
    assert welsh_and(last) == joined


def test_numbers_and_months_are_babels_for_the_language():
    assert format_number(1234567.5, "cy") == "1,234,567.5"
    assert format_number(1200.0, "en") == "1,200"
    measured = outcome("", "Lladradau", 31, 22, measured_on=date(2025, 1, 31))
    assert "erbyn Ionawr 2025" in example_text(play_streets(outcomes=[measured]), "cy")
    assert "by January 2025" in example_text(play_streets(outcomes=[measured]), "en")
    assert outcome_figures(outcome("", "Costau", 1200, 950, "£"), "cy") == "Costau: £1,200 → £950"


def test_both_languages_have_every_template():
    for name in ("actions", "people", "unnamed"):
        english, welsh = getattr(ENGLISH_PHRASES, name), getattr(WELSH_PHRASES, name)
        assert set(english) <= set(welsh), name
    for forms in WELSH_PHRASES.people.values():
        assert set(forms) == {"zero", "one", "two", "few", "many", "other"}
