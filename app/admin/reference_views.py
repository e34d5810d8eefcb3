"""Admin pages for the reference data: themes and neighbourhoods."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.admin import reference_services as services
from app.admin.reference_forms import NeighbourhoodForm, ThemeForm
from app.extensions import db
from app.forms import add_error
from app.neighbourhoods.models import Neighbourhood
from app.permissions import permission_required, signed_in_user
from app.themes.models import Theme
from app.themes.services import list_themes
from app.urls import slugify

bp = Blueprint("reference", __name__, url_prefix="/admin")


def slug_taken_message(slug: str) -> str:
    return _("The address “%(slug)s” is already in use: choose another.", slug=slug)


@bp.route("/themes")
@permission_required("manage_themes")
def themes():
    """List the themes with how many published initiatives each has."""
    return render_template(
        "admin/themes.html", themes=list_themes(), counts=services.count_published_by_theme()
    )


@bp.route("/themes/new", methods=["GET", "POST"])
@bp.route("/themes/<int:theme_id>", methods=["GET", "POST"])
@permission_required("manage_themes")
def edit_theme(theme_id: int | None = None):
    """Add a theme, or rename, recolour or reorder one."""
    theme = db.get_or_404(Theme, theme_id) if theme_id else None
    form = ThemeForm(obj=theme)
    if theme is not None:
        del form.slug
    if form.validate_on_submit():
        values = {
            "name": form.name.data,
            "name_cy": form.name_cy.data or "",
            "colour": form.colour.data,
            "description": form.description.data,
            "description_cy": form.description_cy.data or "",
            "position": int(form.position.data or 0),
        }
        saved = _save(form, theme, values, services.theme_slug_taken, services.save_theme)
        if saved is not None:
            flash(_("Saved the theme %(saved_name)s.", saved_name=saved.name), "success")
            return redirect(url_for("reference.themes"))
    status = 422 if form.errors else 200
    return render_template("admin/themes_edit.html", form=form, theme=theme), status


@bp.route("/neighbourhoods")
@permission_required("manage_neighbourhoods")
def neighbourhoods():
    """List the neighbourhoods by local authority."""
    return render_template(
        "admin/neighbourhoods.html",
        neighbourhoods=services.list_neighbourhoods(),
        counts=services.count_published_by_neighbourhood(),
    )


@bp.route("/neighbourhoods/new", methods=["GET", "POST"])
@bp.route("/neighbourhoods/<int:neighbourhood_id>", methods=["GET", "POST"])
@permission_required("manage_neighbourhoods")
def edit_neighbourhood(neighbourhood_id: int | None = None):
    """Add a neighbourhood, or change its name, local authority or centre."""
    neighbourhood = db.get_or_404(Neighbourhood, neighbourhood_id) if neighbourhood_id else None
    form = NeighbourhoodForm(obj=neighbourhood)
    if neighbourhood is not None:
        del form.slug
    if form.validate_on_submit():
        values = {
            "name": form.name.data,
            "name_cy": form.name_cy.data or "",
            "local_authority": form.local_authority.data,
            "local_authority_cy": form.local_authority_cy.data or "",
            "latitude": form.latitude.data,
            "longitude": form.longitude.data,
        }
        saved = _save(
            form,
            neighbourhood,
            values,
            services.neighbourhood_slug_taken,
            services.save_neighbourhood,
        )
        if saved is not None:
            flash(_("Saved the neighbourhood %(saved_name)s.", saved_name=saved.name), "success")
            return redirect(url_for("reference.neighbourhoods"))
    status = 422 if form.errors else 200
    return render_template(
        "admin/neighbourhoods_edit.html", form=form, neighbourhood=neighbourhood
    ), status


def _save(form, record, values, slug_taken, save):
    """Save a new or existing record and commit; on a taken slug, mark the field and
    return None so the page comes back with everything as typed."""
    if record is None:
        values["slug"] = form.slug.data or slugify(values["name"])
        if slug_taken(values["slug"]):
            add_error(form.slug, slug_taken_message(values["slug"]))
            return None
    try:
        saved = save(signed_in_user(), values, record)
        db.session.commit()
    except IntegrityError:  # only a new record's slug is unique: someone took it just now
        db.session.rollback()
        add_error(form.slug, slug_taken_message(values["slug"]))
        return None
    return saved
