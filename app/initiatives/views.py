"""The public page of one initiative."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template

from app.initiatives.examples import example_text, format_number, outcome_figures
from app.initiatives.links import contact_anchor, web_link
from app.initiatives.measurements import CHART_HEIGHT, CHART_WIDTH, chart_points, outcome_series
from app.initiatives.point_map import point_map
from app.initiatives.profile import coproduction_profile
from app.initiatives.public import is_public, public_place_name, public_point_note
from app.initiatives.services import (
    credit_line,
    find_viewable_initiative,
    initiative_url,
)
from app.initiatives.vocabulary import SECTORS, STAGES, STATES, STATUSES
from app.permissions import current_visitor

bp = Blueprint("initiatives", __name__)


@bp.route("/initiatives/<int:initiative_id>")
def initiative_by_id(initiative_id: int):
    """The short address of an initiative: a permanent redirect to its canonical page."""
    initiative = find_viewable_initiative(initiative_id, current_visitor())
    if initiative is None:
        abort(404)
    return redirect(initiative_url(initiative), 301)


@bp.route("/initiatives/<int:initiative_id>-<slug>")
def show_initiative(initiative_id: int, slug: str):
    """An initiative's page: its example, participants, outcomes and co-production profile."""
    initiative = find_viewable_initiative(initiative_id, current_visitor())
    if initiative is None:
        abort(404)
    if slug != (initiative.slug or "initiative"):
        return redirect(initiative_url(initiative), 301)
    public = is_public(initiative)
    response = render_template(
        "initiatives/show.html",
        initiative=initiative,
        public=public,
        canonical_url=initiative_url(initiative, _external=True),
        example=example_text(initiative),
        credit=credit_line(initiative),
        contact=contact_anchor(initiative.contact_url),
        profile=coproduction_profile(initiative),
        public_point_note=public_point_note(initiative),
        point_map=point_map(initiative),
        public_place_name=public_place_name(initiative),
        outcome_figures=outcome_figures,
        outcome_series=outcome_series,
        chart_points=chart_points,
        chart_size=(CHART_WIDTH, CHART_HEIGHT),
        web_link=web_link,
        format_number=format_number,
        sectors=SECTORS,
        stages=STAGES,
        states=STATES,
        statuses=STATUSES,
    )
    if public:
        return response
    # Only its submitter and moderators see this version: keep it out of shared caches.
    return response, 200, {"Cache-Control": "private, no-store"}
