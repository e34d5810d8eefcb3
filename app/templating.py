"""Template filters and globals shared by every page."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from babel.dates import format_date, format_datetime
from flask import Flask, current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from app.initiatives.bilingual import lang_attribute, local_name, shown_field, shown_text
from app.initiatives.examples import example_text
from app.initiatives.public import public_photos
from app.initiatives.vocabulary import REPORTERS
from app.languages import language_context
from app.markdown import render_markdown
from app.permissions import can, can_on_initiative, can_suspend, current_visitor
from app.photos.services import photo_data, size_url, srcset
from app.script_text import script_text
from app.timeutil import format_local, to_local, utcnow


def navigation() -> list[tuple[str, str]]:
    """The main navigation: (endpoint, label), only for features that exist."""
    items = [("pages.home", _("Home")), ("browse.list_initiatives", _("Initiatives"))]
    items.append(("maps.show_map", _("Map")))
    items.append(("clusters.list_clusters", _("Clusters")))
    visitor = current_visitor()
    if visitor.is_authenticated:
        items.append(("submissions.new_initiative", _("Submit an initiative")))
    if can(visitor, "view_dashboard"):
        items.append(("council.dashboard", _("Council")))
    if can(visitor, "moderate"):
        items.append(("moderation.queue", _("Moderation")))
    if can(visitor, "manage_users"):
        items.append(("admin.users", _("Admin")))
    return items


def form_problems(*forms: Any) -> list[tuple[str, str]]:
    """Every problem of the forms as (id of the field, message), in page order."""
    problems: list[tuple[str, str]] = []
    for form in forms:
        if not form:  # None, or a form the page does not have (undefined in the template)
            continue
        problems += [("", message) for message in getattr(form, "form_errors", ())]
        problems += [(field.id, message) for field in form for message in field.errors]
    return problems


def filter_problems(errors: dict[str, str], anchors: dict[str, str]) -> list[tuple[str, str]]:
    """The shared filters' problems as (id of the field, message)."""
    return [(anchors.get(name, name), message) for name, message in errors.items()]


def csrf_field() -> Markup:
    """The hidden CSRF token input that every form posting with the session cookie carries."""
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(generate_csrf())


# strftime patterns the templates use, and Babel's for the same, so that a Welsh page names its
# months in Welsh ("5 Rhagfyr 2026"); an English page keeps Python's text exactly.
BABEL_PATTERNS = {"%-d %B %Y, %H:%M": "d MMMM y, HH:mm", "%-d %B %Y": "d MMMM y"}


def local_time(moment: datetime | None, pattern: str = "%-d %B %Y, %H:%M") -> str:
    """A stored time in ``TIMEZONE``, its month named in the page's language."""
    babel_pattern = BABEL_PATTERNS.get(pattern)
    locale = get_locale()
    if moment is None or babel_pattern is None or locale is None or locale.language == "en":
        return format_local(moment, pattern)
    return format_datetime(to_local(moment), babel_pattern, locale=locale)


def long_date(day: date) -> str:
    """A calendar date ("5 December 2026"), its month named in the page's language."""
    locale = get_locale()
    if locale is None or locale.language == "en":
        return day.strftime("%-d %B %Y")
    return format_date(day, "d MMMM y", locale=locale)


def init_templating(app: Flask) -> None:
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["local_iso"] = lambda moment: to_local(moment).isoformat()
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["lang_attribute"] = lang_attribute
    app.jinja_env.globals.update(
        can=can,
        can_on_initiative=can_on_initiative,
        can_suspend=can_suspend,
        example_text=example_text,
        shown=shown_text,
        local_name=local_name,
        shown_field=shown_field,
        navigation=navigation,
        csrf_field=csrf_field,
        form_problems=form_problems,
        filter_problems=filter_problems,
        public_photos=public_photos,
        photo_data=photo_data,
        photo_url=size_url,
        photo_srcset=srcset,
        script_text=script_text,
        reporters=REPORTERS,
    )

    @app.context_processor
    def site_context() -> dict[str, object]:
        return {
            "site_name": current_app.config["SITE_NAME"],
            "data_licence": current_app.config["DATA_LICENCE"],
            "data_licence_url": current_app.config["DATA_LICENCE_URL"],
            "current_year": utcnow().year,
            **language_context(),
        }
