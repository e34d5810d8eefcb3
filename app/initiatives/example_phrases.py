"""The words of the example sentence in each language: templates with named placeholders.

app/initiatives/examples.py chooses which template says what the data says and fills it in;
this module holds only language. Each language has the same keys. Counts of people take the
plural category Babel gives for the number in that language (CLDR: Welsh has six, ``zero``,
``one``, ``two``, ``few`` (3), ``many`` (6) and ``other``; English two).

They live here rather than in the message catalogue because they are grammar, not labels:
the Welsh forms carry the mutations their context needs (``2 breswylydd``, ``3 phreswylydd``,
``o wirfoddolwyr``), and the sentences are phrased so that no user-written name follows a
word that would mutate it: ``Yn ardal Sblot, mae …`` rather than ``Yng Nghaerdydd``, an
indicator before a colon. The one mutation that depends on a name, after ``a`` ("and"), is
made by ``welsh_and`` for the common cases. A native speaker should review these (see
docs/using/languages.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.languages import ENGLISH, WELSH


@dataclass(frozen=True)
class ExamplePhrases:
    """One language's example templates (``%(name)s`` placeholders)."""

    # "In Kirkstall, <action>" (the action starts lower-case) and the action alone, by the
    # initiative's status and whether its subject is one person.
    in_place: str
    actions: dict[tuple[str, bool], str]
    # <clause>; <outcome>.
    with_outcome: str
    with_open_outcome: str  # the outcome ends with "…": no full stop after it
    alone: str
    fell: str
    fell_by: str
    rose: str
    rose_by: str
    stayed: str
    # The latest value a follow-up added, after the first result's phrase.
    latest: str
    latest_by: str
    # Counts of people by sector, by plural category.
    people: dict[str, dict[str, str]]
    # What to call a participant whose group has no name, by sector.
    unnamed: dict[str, str]
    nobody_named: str  # the subject when no participant is listed
    others: str
    and_last: str  # "<a, b> and <c>"
    date_format: str = "MMMM y"  # Babel's pattern for "by March 2025"
    contractions: tuple[tuple[str, str], ...] = field(default=())


ENGLISH_PHRASES = ExamplePhrases(
    in_place="In %(place)s, %(action)s",
    actions={
        ("planned", False): "%(who)s are planning “%(title)s”",
        ("planned", True): "%(who)s is planning “%(title)s”",
        ("active", False): "%(who)s run “%(title)s”",
        ("active", True): "%(who)s runs “%(title)s”",
        ("past", False): "%(who)s ran “%(title)s”",
        ("past", True): "%(who)s ran “%(title)s”",
    },
    with_outcome="%(clause)s; %(outcome)s.",
    with_open_outcome="%(clause)s; %(outcome)s",
    alone="%(clause)s.",
    fell="%(indicator)s fell from %(before)s to %(after)s",
    fell_by="%(indicator)s fell from %(before)s to %(after)s by %(date)s",
    rose="%(indicator)s rose from %(before)s to %(after)s",
    rose_by="%(indicator)s rose from %(before)s to %(after)s by %(date)s",
    stayed="%(indicator)s stayed at %(after)s",
    latest=", and to %(value)s",
    latest_by=", and to %(value)s by %(date)s",
    people={
        "residents": {"one": "%(num)s resident", "other": "%(num)s residents"},
        "volunteers": {"one": "%(num)s volunteer", "other": "%(num)s volunteers"},
    },
    unnamed={
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
    },
    nobody_named="residents",
    others="others",
    and_last="%(items)s and %(last)s",
)

# Welsh: "mae … yn rhedeg" (runs), "roedd … yn rhedeg" (ran: the subject after "roedd" keeps its
# form, as it would not after "rhedodd"), "mae … yn cynllunio" (is planning). The verb does not
# change with the number of its subject. Counted people: after 2 the soft mutation, after 3 and
# 6 the aspirate one (of p, t, c only), otherwise "o" and the plural, soft-mutated.
WELSH_PHRASES = ExamplePhrases(
    in_place="Yn ardal %(place)s, %(action)s",
    actions={
        ("planned", False): "mae %(who)s yn cynllunio “%(title)s”",
        ("planned", True): "mae %(who)s yn cynllunio “%(title)s”",
        ("active", False): "mae %(who)s yn rhedeg “%(title)s”",
        ("active", True): "mae %(who)s yn rhedeg “%(title)s”",
        ("past", False): "roedd %(who)s yn rhedeg “%(title)s”",
        ("past", True): "roedd %(who)s yn rhedeg “%(title)s”",
    },
    with_outcome="%(clause)s; %(outcome)s.",
    with_open_outcome="%(clause)s; %(outcome)s",
    alone="%(clause)s.",
    fell="%(indicator)s: gostyngiad o %(before)s i %(after)s",
    fell_by="%(indicator)s: gostyngiad o %(before)s i %(after)s erbyn %(date)s",
    rose="%(indicator)s: cynnydd o %(before)s i %(after)s",
    rose_by="%(indicator)s: cynnydd o %(before)s i %(after)s erbyn %(date)s",
    stayed="%(indicator)s: yn aros ar %(after)s",
    latest=", ac i %(value)s",
    latest_by=", ac i %(value)s erbyn %(date)s",
    people={
        "residents": {
            "zero": "dim preswylwyr",
            "one": "%(num)s preswylydd",
            "two": "%(num)s breswylydd",
            "few": "%(num)s phreswylydd",
            "many": "%(num)s phreswylydd",
            "other": "%(num)s o breswylwyr",
        },
        "volunteers": {
            "zero": "dim gwirfoddolwyr",
            "one": "%(num)s gwirfoddolwr",
            "two": "%(num)s wirfoddolwr",
            "few": "%(num)s gwirfoddolwr",
            "many": "%(num)s gwirfoddolwr",
            "other": "%(num)s o wirfoddolwyr",
        },
    },
    # No phrase starts with the article, so "mae" never needs its "mae'r" form for them.
    unnamed={
        "residents": "preswylwyr",
        "volunteers": "gwirfoddolwyr",
        "voluntary": "mudiad gwirfoddol",
        "council": "staff y cyngor",
        "police": "swyddogion yr heddlu",
        "health": "gwasanaethau iechyd",
        "school": "ysgol leol",
        "housing": "darparwr tai",
        "business": "busnesau lleol",
        "other": "partneriaid",
    },
    nobody_named="preswylwyr",
    others="eraill",
    and_last="%(items)s %(last)s",  # welsh_and puts "a", "ac" or "a'r" on the last item
    # A name the submitter wrote may start with the article: "mae Y Ganolfan" -> "mae'r Ganolfan".
    contractions=((r"\b([Mm]ae) [Yy]r? ", r"\1'r "),),
)

PHRASES = {ENGLISH: ENGLISH_PHRASES, WELSH: WELSH_PHRASES}

# Words that begin many Welsh organisations' names and take the aspirate mutation after "a":
# "a Chyngor Caerdydd", "a Phartneriaeth …", "a Thîm …". Other names (often English: "a
# Tesco") are left as written, as Welsh usage leaves them.
ASPIRATED = {"c": "ch", "p": "ph", "t": "th"}
WELSH_NAME_WORDS = {
    "cyngor", "canolfan", "cymdeithas", "cymuned", "cymunedau", "clwb", "cartref", "capel",
    "partneriaeth", "prifysgol", "pwyllgor", "pobl", "plant", "prosiect", "partneriaid",
    "tîm", "tai", "tref", "trigolion",
}  # fmt: skip
WELSH_VOWELS = "aeiouwyâêîôûŵŷáéíóúẃýàèìòùẁỳäëïöüẅÿ"


def _said_with_a_vowel(word: str) -> bool:
    """A number said with a vowel first in Welsh: 1 (un), 11 (un ar ddeg), 8… (wyth…)."""
    digits = word.replace(",", "")
    return digits.isdigit() and (digits in ("1", "11") or digits.startswith("8"))


def welsh_and(phrase: str) -> str:
    """The last item of a Welsh list with its "and": "a", "ac" before a vowel, "a'r" for
    "y"/"yr", and the aspirate mutation of a common Welsh word ("a Chyngor Caerdydd")."""
    first_word = phrase.split(" ", 1)[0]
    lower = first_word.lower()
    if lower in ("y", "yr") and " " in phrase:
        return "a'r " + phrase.split(" ", 1)[1]
    if lower[:1] in WELSH_VOWELS or _said_with_a_vowel(lower):
        return "ac " + phrase
    if lower in WELSH_NAME_WORDS:  # each begins with a plain c, p or t
        mutated = ASPIRATED[lower[0]]
        if first_word[0].isupper():
            mutated = mutated.capitalize()
        return "a " + mutated + phrase[1:]
    return "a " + phrase
