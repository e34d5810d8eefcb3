"""Template filters and globals shared by every page."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from app.initiatives.examples import example_text
from app.markdown import render_markdown
from app.permissions import can, can_on_initiative, current_visitor
from app.timeutil import format_local, to_local, utcnow


def navigation() -> list[tuple[str, str]]:
    """The main navigation: (endpoint, label), only for features that exist."""
    items = [("pages.home", "Home"), ("browse.list_initiatives", "Initiatives")]
    items.append(("maps.show_map", "Map"))
    items.append(("clusters.list_clusters", "Clusters"))
    visitor = current_visitor()
    if visitor.is_authenticated:
        items.append(("submissions.new_initiative", "Submit an initiative"))
    if can(visitor, "view_dashboard"):
        items.append(("council.dashboard", "Council"))
    if can(visitor, "moderate"):
        items.append(("moderation.queue", "Moderation"))
    if can(visitor, "manage_users"):
        items.append(("admin.users", "Admin"))
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


def init_templating(app: Flask) -> None:
    app.jinja_env.filters["local_time"] = format_local
    app.jinja_env.filters["local_iso"] = lambda moment: to_local(moment).isoformat()
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.globals.update(
        can=can,
        can_on_initiative=can_on_initiative,
        example_text=example_text,
        navigation=navigation,
        csrf_field=csrf_field,
        form_problems=form_problems,
        filter_problems=filter_problems,
    )

    @app.context_processor
    def site_context() -> dict[str, object]:
        return {
            "site_name": current_app.config["SITE_NAME"],
            "data_licence": current_app.config["DATA_LICENCE"],
            "data_licence_url": current_app.config["DATA_LICENCE_URL"],
            "current_year": utcnow().year,
        }
