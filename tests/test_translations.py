"""The Welsh catalogue is complete, and the pages render in Welsh with no English left."""

from __future__ import annotations

import functools
import re

import pytest
from flask import render_template
from flask_babel import force_locale, gettext, ngettext

from tests.support.translations import (
    TRANSLATIONS,
    catalogue_paths,
    extract_messages,
    read_catalogue,
)

WELSH = TRANSLATIONS / "cy" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
# Texts that are the same in Welsh: names, units, formats and technical words.
SAME_IN_WELSH = {"Map", "Sector", "%(distance)s km"}
SAME_IN_WELSH_PATTERN = re.compile(r"^[\W\d_]*(%\(\w+\)s[\W\d_]*)*$")
WELSH_PLURAL_FORMS = (
    "nplurals=6; plural=(n == 0 ? 0 : n == 1 ? 1 : n == 2 ? 2 : n == 3 ? 3 : n == 6 ? 4 : 5);"
)


def messages_missing_from(catalogue, extracted) -> list[str]:
    """The extracted msgids that the catalogue does not hold."""
    return sorted(
        str(message.id) for message in extracted if message.id and message.id not in catalogue
    )


def untranslated_or_fuzzy(catalogue) -> list[str]:
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(str(message.id))
    return problems


def same_as_english(catalogue) -> list[str]:
    """Entries "translated" by copying the English, outside the short allow-list."""
    copied = []
    for message in catalogue:
        if not message.id or isinstance(message.id, tuple):
            continue
        if message.string == message.id and message.id not in SAME_IN_WELSH:
            if not SAME_IN_WELSH_PATTERN.match(message.id):
                copied.append(message.id)
    return copied


def placeholder_mismatches(catalogue) -> list[str]:
    """Translations whose named placeholders differ from the English ones."""
    wrong = []
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set().union(*(PLACEHOLDER.findall(text) for text in ids))
        for text in strings:
            # A plural form may leave the number out ("un fenter"), never add a name.
            if not set(PLACEHOLDER.findall(text)) <= wanted or (
                len(ids) == 1 and set(PLACEHOLDER.findall(text)) != wanted
            ):
                wrong.append(str(message.id))
    return wrong


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    return extract_messages(tmp_path_factory.mktemp("pot") / "messages.pot")


@pytest.fixture(scope="module")
def welsh():
    return read_catalogue(WELSH)


def test_welsh_is_the_catalogue_we_ship():
    assert [path.parent.parent.name for path in catalogue_paths()] == ["cy"]


def test_every_extracted_string_is_in_the_welsh_catalogue(extracted, welsh):
    assert len(extracted) > 1000
    assert messages_missing_from(welsh, extracted) == []


def test_the_welsh_catalogue_has_no_untranslated_or_fuzzy_entries(welsh):
    assert untranslated_or_fuzzy(welsh) == []


def test_no_translation_is_just_the_english(welsh):
    assert same_as_english(welsh) == []


def test_translations_keep_their_placeholders(welsh):
    assert placeholder_mismatches(welsh) == []


def test_the_welsh_catalogue_has_six_plural_forms(welsh):
    assert welsh.num_plurals == 6
    assert welsh.plural_forms == WELSH_PLURAL_FORMS


def test_an_english_string_without_a_translation_is_caught(extracted, welsh):
    """What the checks above report when someone adds a string and no translation."""
    from babel.messages.catalog import Catalog

    added = Catalog(locale="cy")
    for message in extracted:
        added.add(message.id, message.string)
    added.add("A brand new sentence nobody translated.")
    assert messages_missing_from(welsh, added) == ["A brand new sentence nobody translated."]

    welsh_copy = Catalog(locale="cy")
    welsh_copy.add("A brand new sentence nobody translated.", "")
    welsh_copy.add("Check the file", "Check the file")
    welsh_copy.add("Save", "Cadw", flags=["fuzzy"])
    assert untranslated_or_fuzzy(welsh_copy) == ["A brand new sentence nobody translated.", "Save"]
    assert same_as_english(welsh_copy) == ["Check the file"]
    welsh_copy.add("Saved %(name)s.", "Cadwyd %(enw)s.")
    assert placeholder_mismatches(welsh_copy) == ["Saved %(name)s."]


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (0, "0 menter"),
        (1, "1 fenter"),
        (2, "2 fenter"),
        (3, "3 menter"),
        (6, "6 menter"),
        (20, "20 menter"),
    ],
)
def test_welsh_plurals_pick_the_form_for_each_number(app, count, expected):
    with app.test_request_context("/"), force_locale("cy"):
        text = ngettext("%(count)s initiative", "%(count)s initiatives", count, count=count)
    assert text == expected


def test_python_strings_and_wtforms_messages_come_in_welsh(app):
    from app.accounts.forms import LoginForm

    with app.test_request_context("/"), force_locale("cy"):
        form = LoginForm(formdata=None)
        assert gettext("Log in") == "Mewngofnodi"
        assert str(form.password.label.text) == "Cyfrinair"
        assert form.meta.get_translations(form).gettext("Not a valid choice.") != (
            "Not a valid choice."
        )


def test_labels_hints_and_vocabularies_once_left_unmarked_come_in_welsh(app):
    from app.initiatives.vocabulary import PRECISIONS, STAGES
    from app.moderation.forms import ArchiveForm, ReportForm
    from app.moderation.models import REVISION_KINDS
    from app.submissions.forms import InitiativeForm
    from app.submissions.rows import OutcomeForm

    with app.test_request_context("/"), force_locale("cy"):
        shown = {
            "stages": [str(label) for label in STAGES.values()],
            "street": str(PRECISIONS["street"]),
            "moderator_edit": str(REVISION_KINDS["moderator_edit"]),
            "reason": str(ArchiveForm.reason.args[0]),
            "details": str(ReportForm.details.args[0]),
            "longitude": str(InitiativeForm.longitude.kwargs["description"]),
            "unit": str(OutcomeForm.unit.kwargs["description"]),
        }
    assert shown == {
        "stages": ["Cydgomisiynu", "Cyd-ddylunio", "Cyd-ddarparu", "Cydasesu"],
        "street": "Stryd (tua 100 m)",
        "moderator_edit": "Golygiad cymedrolwr",
        "reason": "Rheswm (dewisol)",
        "details": "Manylion (dewisol)",
        "longitude": "Dewisol, fel -1.6040.",
        "unit": "Dewisol, fel “blwyddyn” neu “%”.",
    }


MODERATED_CONTENT = {
    "neighbourhood_id": 404,
    "participants": [
        {
            "sector": "residents",
            "name": "Splott Growers",
            "roles": ["co-design"],
            "people": 1,
            "hours": 2.5,
        },
        {"sector": "council", "people": 12, "hours": 1},
    ],
    "outcomes": [
        {
            "description": "Trees planted",
            "indicator": "Trees",
            "baseline": 0,
            "result": 40,
            "measured_on": "2026-03-01",
            "evidence_url": "https://example.org/trees",
            "measurements": [
                {"value": 55, "measured_on": "2026-09-01", "reported_by_role": "group_member"}
            ],
        },
    ],
    "photos": [{"id": 7, "alt": "", "caption": "Planting day", "credit": "Ana"}],
}


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "en",
            {
                "neighbourhood": ["Neighbourhood 404"],
                "participants": [
                    "Residents: Splott Growers (roles: Co-design; 1 person; 2.5 hours)",
                    "Council (12 people; 1 hour)",
                ],
                "outcomes": [
                    "Trees planted — Trees: 0 → 40 — measured 2026-03-01 — evidence https://example.org/trees"
                    " — then 55 on 2026-09-01 (reported by a group member)"
                ],
                "photos": ["Photo 7: (no alt text) — caption: Planting day — credit: Ana"],
            },
        ),
        (
            "cy",
            {
                "neighbourhood": ["Cymdogaeth 404"],
                "participants": [
                    "Trigolion: Splott Growers (rolau: Cyd-ddylunio; 1 person; 2.5 awr)",
                    "Cyngor (12 o bobl; 1 awr)",
                ],
                "outcomes": [
                    "Trees planted — Trees: 0 → 40 — mesurwyd 2026-03-01 — tystiolaeth https://example.org/trees"
                    " — yna 55 ar 2026-09-01 (adroddwyd gan aelod o'r grŵp)"
                ],
                "photos": [
                    "Llun 7: (dim testun amgen) — capsiwn: Planting day — cydnabyddiaeth: Ana"
                ],
            },
        ),
    ],
)
def test_what_moderators_compare_is_written_in_their_language(app, locale, expected):
    from app.moderation.diffs import ContentLabels, content_lines

    with app.test_request_context("/"), force_locale(locale):
        lines = content_lines(MODERATED_CONTENT, ContentLabels({}, {}))
    assert {field: lines[field] for field in expected} == expected


# English text that the Welsh pages must not show (the site name and data may stay).
KNOWN_ENGLISH = [
    "Skip to main content",
    "My initiatives",
    "Log in",
    "Register",
    "Privacy",
    "Accessibility",
    "API for developers",
    "Open data under",
    "is free software",
    "What neighbourhoods achieve",
    "co-production",
    "Create an account",
    "Who it is for",
    "Search and filter",
    "Clear all filters",
    "Show initiatives",
    "Email address",
    "Password",
    "Forgotten your password?",
    "Accessibility statement",
    "What we keep about you",
    "Your rights",
    "There is a problem",
    # Vocabularies, hints and labels once left unmarked (issue 14's audit).
    "Co-commissioning",
    "Co-design",
    "Co-delivery",
    "Co-assessment",
    "Street (about 100 m)",
    "Moderator's edit",
    "Reason (optional)",
    "Details (optional)",
    "Optional, like -1.6040.",
    "Optional, like “a year”",
]


@functools.cache
def untranslated_texts() -> frozenset[str]:
    """The catalogue's English messages as a Welsh page would show them untranslated: whole
    messages with no placeholders or markup whose Welsh is not the same text."""
    texts = set()
    for message in read_catalogue(WELSH):
        if not message.id or not isinstance(message.id, str) or message.string == message.id:
            continue
        if "%" in message.id or "<" in message.id or "{" in message.id:
            continue
        texts.add(message.id)
    return frozenset(texts)


def text_pieces(text: str) -> list[str]:
    """A page's text as the pieces a message could fill: lines, and their parts between
    commas and middle dots (lists of labels are joined with them)."""
    return [
        piece.strip()
        for line in text.splitlines()
        for piece in re.split(r"\s*[,·]\s*|\s{2,}", line)
        if piece.strip()
    ]


def english_left_in(html: str) -> list[str]:
    """Known English UI text on a page, outside scripts and styles and outside elements that
    say they are English (``lang="en"``: an initiative's original text, the OpenAPI document's
    own sentences), which screen readers then pronounce as English."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<(\w+)\b[^>]*\slang="en[^"]*"[^>]*>.*?</\1>', " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", "\n", html)
    known = [phrase for phrase in KNOWN_ENGLISH if phrase in text]
    messages = untranslated_texts()
    shown = [piece for piece in text_pieces(text) if piece in messages]
    return known + [piece for piece in dict.fromkeys(shown) if piece not in known]


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/", "pages/home.html"),
        ("/privacy", "pages/privacy.html"),
        ("/accessibility", "pages/accessibility.html"),
    ],
)
def test_key_pages_render_in_welsh_with_no_english_ui_left(app, path, template):
    with app.test_request_context(path), force_locale("cy"):
        html = render_template(template)
    assert english_left_in(html) == []
    assert "cydgynhyrchu" in html


def test_the_login_and_register_forms_render_in_welsh(app):
    from app.accounts.forms import LoginForm, RegisterForm

    with app.test_request_context("/login"), force_locale("cy"):
        login = render_template("accounts/login.html", form=LoginForm(formdata=None))
        register = render_template("accounts/register.html", form=RegisterForm(formdata=None))
    assert english_left_in(login) == []
    assert english_left_in(register) == []
    assert "Cyfeiriad e-bost" in login


def test_the_english_pages_are_unchanged(client):
    html = client.get("/").get_data(as_text=True)
    assert "What neighbourhoods achieve together with public services" in html
    assert "Skip to main content" in html


def test_the_checker_finds_english_on_a_page():
    assert english_left_in("<p>Log in</p><script>'Privacy'</script>") == ["Log in"]
    assert english_left_in('<p lang="en">Log in</p><td>Privacy</td>') == ["Privacy"]


def test_the_checker_finds_any_untranslated_message_of_the_catalogue():
    """Not only the known list: any message of the catalogue shown as its English."""
    assert english_left_in("<dd>Cydgomisiynu, Co-delivery</dd>") == ["Co-delivery"]
    assert english_left_in("<td>Withdrawn</td>") == ["Withdrawn"]
    assert english_left_in("<td>Wedi'i gwrthod</td><p>Splott</p>") == []


def test_scripts_get_their_sentences_and_counts_in_welsh(app):
    from app.script_text import script_text

    with app.test_request_context("/"), force_locale("cy"):
        given = script_text()
    assert given["texts"]["Searching…"] == "Yn chwilio…"
    places = given["counts"]["initiatives here"]
    assert places["1"] == "%(num)s fenter yma"
    assert places["other"] == "%(num)s menter yma"
    assert all(text != english for english, text in given["texts"].items())


def test_pages_carry_the_script_sentences_for_their_language(client):
    html = client.get("/").get_data(as_text=True)
    assert '<script type="application/json" id="script-text">' in html
    assert "Searching" in html


def test_welsh_pages_name_months_in_welsh_and_english_pages_keep_theirs(app):
    from datetime import UTC, date, datetime

    from app.templating import local_time, long_date

    moment = datetime(2026, 12, 5, 14, 30, tzinfo=UTC)
    with app.test_request_context("/"):
        assert long_date(date(2026, 3, 31)) == "31 March 2026"
        assert local_time(moment, "%-d %B %Y") == "5 December 2026"
        with force_locale("cy"):
            assert long_date(date(2026, 3, 31)) == "31 Mawrth 2026"
            assert local_time(moment, "%-d %B %Y") == "5 Rhagfyr 2026"
            assert local_time(moment, "%Y-%m-%d") == "2026-12-05"
