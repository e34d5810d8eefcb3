"""Council officers' tools: the dashboard and outcome verification."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.council.area import Selection, area_choices, parse_selection
from app.council.charts import number_text
from app.council.dashboard import count_initiatives
from app.council.downloads import export_urls, export_urls_for_query
from app.council.followups import DASHBOARD_ROWS, PAGE_ROWS, due_initiatives
from app.council.forms import MeasurementForm, VerifyOutcomeForm
from app.council.measurements import add_council_measurement
from app.council.periods import Period, calendar_years, describe_period, financial_years
from app.council.services import (
    VerificationError,
    find_outcome,
    local_today,
    unverify_outcome,
    verify_outcome,
)
from app.council.tables import SECTIONS, table_csv
from app.extensions import db, login_manager
from app.initiatives.bilingual import local_name
from app.initiatives.examples import outcome_figures
from app.initiatives.measurements import latest_measured_on
from app.initiatives.models import Outcome
from app.initiatives.services import initiative_url
from app.permissions import (
    current_visitor,
    initiative_or_abort,
    permission_required,
    signed_in_user,
)
from app.themes.models import Theme
from app.urls import slugify

bp = Blueprint("council", __name__)
# Links to the list and the map name every neighbourhood of the area; past this length (a very
# large area) a server in front may refuse the address, so the page says so instead.
MAX_LINK_QUERY = 3000


bp.add_app_template_global(export_urls)


@bp.app_template_global()
def verification_form(outcome: Outcome) -> VerifyOutcomeForm:
    """An empty verification form for one outcome (its field ids carry the outcome's id)."""
    return VerifyOutcomeForm(formdata=None, prefix=_prefix(outcome.id))


@bp.app_template_filter("council_cell")
def council_cell(value: object, heading: str) -> str:
    """A dashboard table cell as people read it: 1,240; 62%; nothing for no value."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = number_text(value)
        return f"{text}%" if heading.startswith("%") else text
    return str(value)


def _outcome_to_verify(initiative_id: int, outcome_id: int):
    """The initiative and outcome the officer may verify (404 / 403 as the rules say)."""
    initiative = initiative_or_abort(initiative_id, "verify")
    outcome = find_outcome(initiative, outcome_id)
    if outcome is None:
        abort(404)
    return initiative, outcome


@bp.route(
    "/initiatives/<int:initiative_id>/outcomes/<int:outcome_id>/verify", methods=["GET", "POST"]
)
def verify(initiative_id: int, outcome_id: int):
    """A council officer verifies an outcome of a published initiative in their area."""
    if not current_visitor().is_authenticated:
        return login_manager.unauthorized()
    initiative, outcome = _outcome_to_verify(initiative_id, outcome_id)
    form = VerifyOutcomeForm(prefix=_prefix(outcome.id))
    if request.method == "POST" and form.validate():
        try:
            verify_outcome(
                signed_in_user(), initiative, outcome, form.verified_on.data, form.note.data or ""
            )
        except VerificationError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Outcome verified: the badge now shows on the initiative's page."), "success")
            return redirect(_outcome_url(initiative, outcome))
    status = 422 if form.errors else 200
    page = render_template(
        "council/verify.html",
        initiative=initiative,
        outcome=outcome,
        form=form,
        outcome_figures=outcome_figures,
    )
    return page, status


@bp.route(
    "/initiatives/<int:initiative_id>/outcomes/<int:outcome_id>/measurements",
    methods=["GET", "POST"],
)
def add_measurement(initiative_id: int, outcome_id: int):
    """A council officer of the area adds a new value of an outcome's indicator."""
    if not current_visitor().is_authenticated:
        return login_manager.unauthorized()
    initiative, outcome = _outcome_to_verify(initiative_id, outcome_id)
    form = MeasurementForm(prefix=f"measurement-{outcome.id}")
    form.last_measured = latest_measured_on([outcome])
    if request.method == "POST" and form.validate():
        measured_on, value = form.measured_on.data, form.value.data
        assert measured_on is not None and value is not None  # both required
        add_council_measurement(
            signed_in_user(),
            initiative,
            outcome,
            measured_on,
            value,
            form.note.data or "",
            form.evidence_url.data or "",
        )
        db.session.commit()
        flash(_("The measurement is published on the initiative's page."), "success")
        return redirect(_outcome_url(initiative, outcome))
    status = 422 if form.errors else 200
    page = render_template(
        "council/measurement.html", initiative=initiative, outcome=outcome, form=form
    )
    return page, status


@bp.post("/initiatives/<int:initiative_id>/outcomes/<int:outcome_id>/unverify")
def unverify(initiative_id: int, outcome_id: int):
    """A council officer of the area removes an outcome's verification."""
    if not current_visitor().is_authenticated:
        return login_manager.unauthorized()
    initiative, outcome = _outcome_to_verify(initiative_id, outcome_id)
    if unverify_outcome(signed_in_user(), initiative, outcome):
        db.session.commit()
        flash(_("The verification is removed."), "success")
    else:
        flash(_("That outcome was not verified."), "error")
    return redirect(_outcome_url(initiative, outcome))


@bp.get("/council")
@permission_required("view_dashboard")
def dashboard():
    """Charts and tables of the published initiatives in an area (the officer's, by default)."""
    choices = area_choices()
    themes = db.session.scalars(select(Theme).order_by(Theme.position, Theme.name)).all()
    selection, errors = parse_selection(request.args, choices, _own_authority())
    context = {
        "choices": choices,
        "themes": themes,
        "errors": errors,
        "selection": selection,
        "chosen": _chosen(selection),
        "area_pairs": _area_pairs(selection),
    }
    if selection is None:
        return render_template("council/dashboard.html", **context), 400
    sections = []
    for name, section in SECTIONS.items():
        table, chart = section.build(selection)
        sections.append((name, section, table, chart))
    due, due_total = due_initiatives(selection, local_today(), per_page=DASHBOARD_ROWS)
    context.update(
        total=count_initiatives(selection),
        sections=sections,
        due=due,
        due_total=due_total,
        dashboard_query=urlencode(selection.query_pairs()),
        due_url=url_for("council.due") + "?" + urlencode(selection.query_pairs()),
        theme_names=[local_name(theme) for theme in themes if theme.slug in selection.themes],
        period_name=describe_period(selection.active_from, selection.active_to),
        presets=_presets(selection),
        **_links(selection),
    )
    return render_template("council/dashboard.html", **context)


@bp.get("/council/follow-up")
@permission_required("view_dashboard")
def due():
    """Every initiative of the dashboard's selection with no value measured in 12 months."""
    selection, _errors = parse_selection(request.args, area_choices(), _own_authority())
    if selection is None:  # the dashboard shows what is wrong with the area or period
        return redirect(
            url_for("council.dashboard") + "?" + urlencode(list(request.args.items(multi=True)))
        )
    page = request.args.get("page", "1")
    number = int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1
    due, total = due_initiatives(selection, local_today(), page=number)
    pages = max(1, -(-total // PAGE_ROWS))
    pairs = selection.query_pairs()

    def page_url(n: int) -> str:
        return url_for("council.due") + "?" + urlencode([*pairs, ("page", str(n))])

    return render_template(
        "council/due.html",
        due=due,
        total=total,
        page=number,
        pages=pages,
        page_url=page_url,
        selection=selection,
        dashboard_url=url_for("council.dashboard") + "?" + urlencode(pairs),
    )


@bp.get("/council/<chart>.csv")
@permission_required("view_dashboard")
def chart_csv(chart: str):
    """One dashboard section's figures as CSV (UTF-8 with a byte-order mark)."""
    section = SECTIONS.get(chart)
    if section is None:
        abort(404)
    selection, errors = parse_selection(request.args, area_choices(), _own_authority())
    if selection is None:
        message = "\n".join(f"{name}: {text}" for name, text in errors.items())
        return Response(message + "\n", 400, mimetype="text/plain")
    table, _chart = section.build(selection)
    filename = f"coproduce-{chart}-{slugify(_file_label(selection), max_length=60)}.csv"
    return Response(
        table_csv(table),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _chosen(selection: Selection | None) -> dict:
    """What the forms show as chosen: the selection, or what was typed when it was bad."""
    typed = request.args
    if selection is None:
        return {
            "local_authority": typed.get("local_authority"),
            "neighbourhoods": set(typed.getlist("neighbourhood")),
            "themes": set(typed.getlist("theme")),
            "active_from": typed.get("active_from", ""),
            "active_to": typed.get("active_to", ""),
        }
    area = selection.area
    return {
        "local_authority": area.local_authority if area.kind != "neighbourhoods" else None,
        "neighbourhoods": set(area.neighbourhoods) if area.kind == "neighbourhoods" else set(),
        "themes": set(selection.themes),
        "active_from": selection.active_from.isoformat() if selection.active_from else "",
        "active_to": selection.active_to.isoformat() if selection.active_to else "",
    }


def _area_pairs(selection: Selection | None) -> list[tuple[str, str]]:
    """The area and themes, for the period form to send again (as typed when they were bad)."""
    if selection is not None:
        return selection.area_pairs()
    return [
        (name, value)
        for name, value in request.args.items(multi=True)
        if name in ("local_authority", "neighbourhood", "theme")
    ]


def _presets(selection: Selection) -> dict[str, list[tuple[str, str, bool]]]:
    """Links that set the period: (label, address, chosen) for financial and calendar years."""
    base = url_for("council.dashboard")
    today = local_today()

    def link(period: Period | None) -> tuple[str, str, bool]:
        pairs = selection.area_pairs()
        if period is not None:
            pairs += [("active_from", period.start.isoformat())]
            pairs += [("active_to", period.end.isoformat())]
        chosen = (selection.active_from, selection.active_to) == (
            (period.start, period.end) if period else (None, None)
        )
        label = period.label if period else _("All time")
        return label, f"{base}?{urlencode(pairs)}", chosen

    return {
        "financial": [link(period) for period in financial_years(today)],
        "calendar": [link(period) for period in calendar_years(today)],
        "all": [link(None)],
    }


def _prefix(outcome_id: int) -> str:
    return f"verify-{outcome_id}"


def _own_authority() -> str | None:
    organisation = signed_in_user().organisation
    return organisation.local_authority if organisation is not None else None


def _outcome_url(initiative, outcome) -> str:
    return f"{initiative_url(initiative)}#outcome-{outcome.id}"


def _links(selection: Selection) -> dict[str, object]:
    """The list, the map, the verified list and the exports of the same initiatives (None when
    the address would be too long to open)."""
    query = urlencode(selection.filter_pairs(), safe=",")
    if len(query) > MAX_LINK_QUERY:
        return {"list_url": None, "map_url": None, "verified_url": None, "download_urls": None}
    verified = "&".join(filter(None, [query, "verified=1"]))
    list_url = url_for("browse.list_initiatives")
    return {
        "list_url": f"{list_url}?{query}" if query else list_url,
        "map_url": url_for("maps.show_map") + (f"?{query}" if query else ""),
        "verified_url": f"{list_url}?{verified}",
        "download_urls": export_urls_for_query(query),
    }


def _file_label(selection: Selection) -> str:
    return selection.area.label if selection.area.kind != "neighbourhoods" else "neighbourhoods"
