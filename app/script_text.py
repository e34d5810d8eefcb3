"""The sentences our scripts write into pages, translated for the page's language.

Scripts look text up by its English (``coproduceText("Searching…")``) in the JSON that
``templates/base.html`` puts in the page, and fill named placeholders themselves. A sentence a
script writes must be listed here, so that it is extracted and translated. A count goes through
``coproduceCount(key, n)``: the page carries each plural form for 0, 1, 2, 3 and 6 and one for
any other number, which is all English's and Welsh's plural rules tell apart.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import get_translations, gettext

from app.i18n import N_

COUNTS = (0, 1, 2, 3, 6)

SCRIPT_TEXTS = (
    # Maps (map.js, examples-map.js, place-map.js)
    N_("The background map could not be loaded. The initiatives are still shown."),
    N_("The background map could not be loaded. The examples are still shown."),
    N_("The background map could not be loaded. You can still click it to put the pin."),
    N_("The background map could not be loaded. The place is still shown."),
    N_("The initiatives here could not be loaded. Please try again."),
    N_("The list could not be brought up to date: %(problem)s"),
    N_("The initiatives could not be loaded for this view: %(problem)s"),
    N_("No place called “%(query)s” was found. Try a town or neighbourhood name."),
    N_("Showing initiatives near %(place)s."),
    N_("Several places match. Choose one:"),
    N_("Type a place name first."),
    N_("Searching…"),
    N_("Too many searches in a short time. Please wait a minute and try again."),
    N_(
        "The place search is not available at the moment. Try again later, or move the map "
        "to the place."
    ),
    N_("The place you chose"),
    N_("Drag to move"),
    N_("Pin placed: latitude %(latitude)s, longitude %(longitude)s."),
    # The place picker of the submission form (place-picker.js)
    N_("Latitude and longitude set for %(place)s."),
    N_(
        "No place called “%(query)s” was found. Check the spelling, try the nearest town or "
        "neighbourhood, or put a pin on the map."
    ),
    N_("Neighbourhood set to %(neighbourhood)s, the nearest. Change it above if it is wrong."),
    N_("No places found."),
    N_("Places found for “%(query)s”"),
    N_("Choosing one fills in the latitude and longitude."),
    N_("neighbourhood %(neighbourhood)s"),
    N_("%(distance)s km away"),
    # The embed panel (embed-panel.js)
    N_("The preview and the snippets are up to date."),
    N_("Copied."),
    N_("Copying was not allowed: the text is selected, press Ctrl+C (or ⌘+C) to copy it."),
    N_("The text is selected: press Ctrl+C (or ⌘+C) to copy it."),
    # Participant and outcome rows (rows.js): the row's label and number
    N_("Remove %(label)s %(number)s"),
)


def script_messages() -> dict[str, str]:
    """Each script sentence in the request's language, keyed by its English."""
    return {text: gettext(text) for text in SCRIPT_TEXTS}


def ngettext(singular: str, plural: str, n: int) -> str:
    """The plural form for ``n``, its placeholders left for the script to fill (Flask-Babel's
    ngettext would fill ``num`` itself); named so that extraction finds both forms."""
    return str(get_translations().ungettext(singular, plural, n))


def _forms(text: Callable[[int], str]) -> dict[str, str]:
    return {**{str(n): text(n) for n in COUNTS}, "other": text(7)}


def script_counts() -> dict[str, dict[str, str]]:
    """The counted sentences scripts write, each plural form keyed by the number it is for."""
    return {
        "initiatives here": _forms(
            lambda n: ngettext("%(num)s initiative here", "%(num)s initiatives here", n)
        ),
        "initiatives here, zoom in": _forms(
            lambda n: ngettext(
                "%(num)s initiative here. Zoom in",
                "%(num)s initiatives here. Zoom in",
                n,
            )
        ),
        "initiatives, select to zoom in": _forms(
            lambda n: ngettext(
                "%(num)s initiative: select to zoom in",
                "%(num)s initiatives: select to zoom in",
                n,
            )
        ),
        "zoomed in on initiatives": _forms(
            lambda n: ngettext(
                "Zoomed in on %(num)s initiative.",
                "Zoomed in on %(num)s initiatives.",
                n,
            )
        ),
        "initiatives in this view": _forms(
            lambda n: ngettext(
                "%(num)s initiative in this view.",
                "%(num)s initiatives in this view.",
                n,
            )
        ),
        "initiatives in this view, the first listed": _forms(
            lambda n: ngettext(
                "%(num)s initiative in this view. The first %(shown)s are listed here.",
                "%(num)s initiatives in this view. The first %(shown)s are listed here.",
                n,
            )
        ),
        "places found": _forms(
            lambda n: ngettext("%(num)s place found.", "%(num)s places found. Choose one.", n)
        ),
    }


def script_text() -> dict[str, object]:
    """What base.html puts in the page for the scripts."""
    return {"texts": script_messages(), "counts": script_counts()}
