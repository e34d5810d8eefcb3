"""The curators' pages: every cluster, its details, its hand-picked examples, publishing."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.clusters import curation, picking
from app.clusters.forms import FILTER_LENGTH, AddInitiativeForm, ClusterForm, NoteForm
from app.clusters.models import CLUSTER_KINDS, CLUSTER_STATES, Cluster, ClusterItem
from app.clusters.services import cluster_example_set, describe_filter
from app.extensions import db
from app.forms import add_error, remove_control_characters
from app.initiatives.models import Initiative
from app.initiatives.public import published_only
from app.initiatives.services import initiative_url
from app.markdown import render_markdown
from app.permissions import can, current_visitor, permission_required, signed_in_user
from app.shared_filters.canonical import canonical_query
from app.shared_filters.parse import InitiativeFilter, parse_filter_query
from app.urls import requested_page

bp = Blueprint("manage", __name__, url_prefix="/clusters/manage")
FILTER_PREVIEW = 10
DETAILS = ("title", "slug", "introduction", "kind", "filter_query")


@bp.app_template_global()
def save_as_cluster_url(initiative_filter: InitiativeFilter) -> str | None:
    """The new-cluster page prefilled with a filter (None for those who may not curate)."""
    if not can(current_visitor(), "curate_clusters"):
        return None
    query = canonical_query(initiative_filter)
    return url_for("clusters.manage.new_cluster", kind="filter", filter_query=query)


@bp.route("")
@permission_required("curate_clusters")
def manage_clusters():
    """Every cluster, drafts included, most recently changed first."""
    query = select(Cluster).order_by(Cluster.updated_at.desc(), Cluster.id.desc())
    pagination = db.paginate(query, page=requested_page(), per_page=50, error_out=False)
    counted = published_only(
        select(ClusterItem.cluster_id, func.count(ClusterItem.id))
        .join(Initiative, Initiative.id == ClusterItem.initiative_id)
        .where(ClusterItem.cluster_id.in_([cluster.id for cluster in pagination.items]))
        .group_by(ClusterItem.cluster_id)
    )
    return render_template(
        "clusters/manage.html",
        pagination=pagination,
        counts=dict(db.session.execute(counted).all()),
        kinds=CLUSTER_KINDS,
        states=CLUSTER_STATES,
    )


@bp.route("/new", methods=["GET", "POST"])
@permission_required("curate_clusters")
def new_cluster():
    """Start a draft cluster, possibly from a filtered list ("Save as cluster")."""
    form = ClusterForm() if request.method == "POST" else _prefilled_form()
    preview = _preview(form)
    if preview is None and form.validate_on_submit():
        try:
            cluster = curation.create_cluster(signed_in_user(), **_details(form))
            db.session.commit()
        except (curation.CurationError, IntegrityError) as error:
            db.session.rollback()
            add_error(form.slug, _save_problem(error))
        else:
            flash(
                _(
                    "Created the draft “%(cluster_title)s”. It is not public until you "
                    "publish it.",
                    cluster_title=cluster.title,
                )
            )
            return redirect(url_for(".edit_cluster", cluster_id=cluster.id))
    status = 422 if form.errors else 200
    return render_template("clusters/edit.html", cluster=None, form=form, preview=preview), status


def _prefilled_form() -> ClusterForm:
    """The new-cluster form, with the filter and a title when "Save as cluster" sent them."""
    kind = request.args.get("kind") if request.args.get("kind") in CLUSTER_KINDS else "picked"
    typed = remove_control_characters(request.args.get("filter_query", "")[:FILTER_LENGTH])
    data = {"kind": kind, "filter_query": typed}
    if kind == "filter":
        canonical, problems = curation.normalise_filter_query(typed)
        if not problems:
            initiative_filter, _errors = parse_filter_query(canonical)
            data.update(filter_query=canonical, title=describe_filter(initiative_filter))
    return ClusterForm(formdata=None, data=data)


def _preview(form: ClusterForm):
    """The introduction rendered as readers will see it, when Preview was pressed."""
    if request.method == "POST" and request.form.get("action") == "preview":
        return render_markdown(form.introduction.data or "")
    return None


def _details(form: ClusterForm) -> dict[str, str]:
    return {name: getattr(form, name).data or "" for name in DETAILS}


def _save_problem(error: Exception) -> str:
    if isinstance(error, curation.CurationError):
        return str(error)
    return _("Another cluster took this address while you were editing: choose another.")


@bp.route("/<int:cluster_id>", methods=["GET", "POST"])
@permission_required("curate_clusters")
def edit_cluster(cluster_id: int):
    """A cluster's details and, for a hand-picked one, its examples in order."""
    cluster = db.get_or_404(Cluster, cluster_id)
    if request.method == "POST":
        form = ClusterForm(cluster_id=cluster.id)
    else:
        form = ClusterForm(obj=cluster, cluster_id=cluster.id)
    preview = _preview(form)
    if preview is None and form.validate_on_submit():
        try:
            changed = curation.update_cluster(signed_in_user(), cluster, **_details(form))
            db.session.commit()
        except (curation.CurationError, IntegrityError) as error:
            db.session.rollback()
            cluster = db.get_or_404(Cluster, cluster_id)
            add_error(form.slug, _save_problem(error))
        else:
            flash(_("Saved.") if changed else _("Nothing had changed."), "success")
            return redirect(url_for(".edit_cluster", cluster_id=cluster.id))
    return _render_editor(cluster, form=form, preview=preview)


def _render_editor(
    cluster: Cluster,
    form: ClusterForm | None = None,
    preview=None,
    add_form: AddInitiativeForm | None = None,
    candidates: list[Initiative] | None = None,
    note_errors: dict[int, tuple[str, Sequence[str]]] | None = None,
):
    """The editor page; a form with errors is shown again with what was typed (422)."""
    form = form or ClusterForm(obj=cluster, cluster_id=cluster.id, formdata=None)
    add_form = add_form or AddInitiativeForm(formdata=None)
    note_errors = note_errors or {}
    items = picking.load_items(cluster) if cluster.kind == "picked" else []
    note_forms = {}
    for item in items:
        typed, errors = note_errors.get(item.id, (item.note, []))
        note_form = NoteForm(formdata=None, prefix=f"item-{item.id}", data={"note": typed})
        note_form.note.errors = list(errors)
        note_forms[item.id] = note_form
    matches = total = None
    if cluster.kind == "filter":
        matches = cluster_example_set(cluster, limit=FILTER_PREVIEW).examples
        total = curation.count_filter_matches(cluster)
    has_errors = bool(form.errors or add_form.errors or note_errors)
    return render_template(
        "clusters/edit.html",
        cluster=cluster,
        form=form,
        preview=preview,
        items=items,
        note_forms=note_forms,
        add_form=add_form,
        candidates=candidates,
        matches=matches,
        total=total,
        states=CLUSTER_STATES,
        initiative_url=initiative_url,
    ), (422 if has_errors else 200)


def _item_or_404(cluster_id: int, item_id: int) -> ClusterItem:
    item = db.get_or_404(ClusterItem, item_id)
    if item.cluster_id != cluster_id:
        abort(404)
    return item


def _back_to(cluster: Cluster, anchor: str = ""):
    return redirect(url_for(".edit_cluster", cluster_id=cluster.id, _anchor=anchor or None))


@bp.post("/<int:cluster_id>/items")
@permission_required("curate_clusters")
def add_item(cluster_id: int):
    """Add a published initiative by number, address or title (several matches: choose)."""
    cluster = db.get_or_404(Cluster, cluster_id)
    if cluster.kind != "picked":
        abort(409, _("Only a hand-picked cluster has examples to add."))
    form = AddInitiativeForm()
    if not form.validate():
        return _render_editor(cluster, add_form=form)
    try:
        candidates = picking.find_initiatives_to_add(cluster, form.initiative.data or "")
        if len(candidates) > 1:
            return _render_editor(cluster, add_form=form, candidates=candidates)
        item = picking.add_initiative(signed_in_user(), cluster, candidates[0])
        db.session.commit()
    except (curation.CurationError, IntegrityError) as error:
        db.session.rollback()
        add_error(
            form.initiative,
            str(error)
            if isinstance(error, curation.CurationError)
            else _("That is already here."),
        )
        return _render_editor(db.get_or_404(Cluster, cluster_id), add_form=form)
    flash(_("Added “%(title)s”.", title=item.initiative.title), "success")
    return _back_to(cluster, f"item-{item.id}")


@bp.post("/<int:cluster_id>/items/<int:item_id>/note")
@permission_required("curate_clusters")
def save_note(cluster_id: int, item_id: int):
    """Save the curator's note of one hand-picked example."""
    item = _item_or_404(cluster_id, item_id)
    form = NoteForm(prefix=f"item-{item.id}")
    if not form.validate():
        errors = {item.id: (form.note.data or "", form.note.errors)}
        return _render_editor(item.cluster, note_errors=errors)
    if picking.set_note(signed_in_user(), item, form.note.data or ""):
        db.session.commit()
        flash(
            _("Saved the note on “%(initiative_title)s”.", initiative_title=item.initiative.title),
            "success",
        )
    return _back_to(item.cluster, f"item-{item.id}")


@bp.post("/<int:cluster_id>/items/<int:item_id>/move")
@permission_required("curate_clusters")
def move_item(cluster_id: int, item_id: int):
    """Move one example up or down the curator's order."""
    item = _item_or_404(cluster_id, item_id)
    try:
        moved = picking.move_item(signed_in_user(), item, request.form.get("direction", ""))
    except curation.CurationError as error:
        abort(400, str(error))
    if moved:
        db.session.commit()
        message = _("Moved “%(title)s” up.")
        if request.form["direction"] != "up":
            message = _("Moved “%(title)s” down.")
        flash(message % {"title": item.initiative.title}, "success")
    return _back_to(item.cluster, f"item-{item.id}")


@bp.post("/<int:cluster_id>/items/<int:item_id>/remove")
@permission_required("curate_clusters")
def remove_item(cluster_id: int, item_id: int):
    """Take one example out of the cluster (the initiative itself stays)."""
    item = _item_or_404(cluster_id, item_id)
    cluster, title = item.cluster, item.initiative.title
    picking.remove_item(signed_in_user(), item)
    db.session.commit()
    flash(_("Removed “%(title)s” from this cluster.", title=title), "success")
    return _back_to(cluster, "examples-heading")


@bp.post("/<int:cluster_id>/publish")
@permission_required("curate_clusters")
def publish_cluster(cluster_id: int):
    """Make the cluster public at /clusters/<slug>, with its feeds and embeds."""
    cluster = db.get_or_404(Cluster, cluster_id)
    curation.publish_cluster(signed_in_user(), cluster)
    db.session.commit()
    if not cluster_example_set(cluster, limit=1).examples:
        flash(_("Published, but it shows no examples yet: no published initiative is in it."))
    else:
        flash(_("Published “%(title)s”.", title=cluster.title), "success")
    return _back_to(cluster)


@bp.post("/<int:cluster_id>/unpublish")
@permission_required("curate_clusters")
def unpublish_cluster(cluster_id: int):
    """Take the cluster back to draft."""
    cluster = db.get_or_404(Cluster, cluster_id)
    curation.unpublish_cluster(signed_in_user(), cluster)
    db.session.commit()
    flash(
        _(
            "“%(cluster_title)s” is a draft again: its page, feeds and embeds are gone.",
            cluster_title=cluster.title,
        ),
        "success",
    )
    return _back_to(cluster)


@bp.route("/<int:cluster_id>/delete", methods=["GET", "POST"])
@permission_required("curate_clusters")
def delete_cluster(cluster_id: int):
    """Ask, then delete the cluster for good."""
    cluster = db.get_or_404(Cluster, cluster_id)
    if request.method == "GET":
        return render_template("clusters/delete.html", cluster=cluster)
    title = cluster.title
    curation.delete_cluster(signed_in_user(), cluster)
    db.session.commit()
    flash(_("Deleted the cluster “%(title)s”.", title=title), "success")
    return redirect(url_for(".manage_clusters"))
