"""The admin area: users, organisations and the audit log."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from app.accounts.models import ROLE_LABELS, User
from app.admin import services
from app.admin.forms import OrganisationForm, SuspendForm, UserForm
from app.audit.services import recent_audit_entries
from app.extensions import db
from app.forms import add_error, required_text
from app.organisations.models import Organisation
from app.organisations.services import list_organisations, save_organisation
from app.permissions import permission_required, signed_in_user
from app.urls import requested_page

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@permission_required("manage_users")
def index():
    """The admin area's front page."""
    return redirect(url_for("admin.users"))


@bp.route("/users")
@permission_required("manage_users")
def users():
    """List and search users."""
    text = request.args.get("q", "")[:200]
    role = request.args.get("role", "")
    if role not in ROLE_LABELS:
        role = ""
    pagination = services.search_users(text, role, page=requested_page())
    return render_template(
        "admin/users.html", pagination=pagination, q=text, role=role, roles=ROLE_LABELS
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@permission_required("manage_users")
def edit_user(user_id: int):
    """Change a user's role and organisation."""
    user = db.get_or_404(User, user_id)
    form = _user_form(user, formdata=None if request.method == "GET" else request.form)
    if form.validate_on_submit():
        try:
            services.update_user(
                signed_in_user(), user, form.role.data, form.organisation_id.data or None
            )
        except services.NotAllowed as error:
            add_error(form.role, str(error))
        else:
            db.session.commit()
            flash(f"Saved {user.email}.", "success")
            return redirect(url_for("admin.users"))
    status = 422 if form.errors else 200
    return render_template(
        "admin/user.html", user=user, form=form, suspend_form=SuspendForm(formdata=None)
    ), status


@bp.post("/users/<int:user_id>/suspension")
@permission_required("suspend_user")
def suspend_user(user_id: int):
    """Suspend a user, or lift a suspension (``action=lift``)."""
    user = db.get_or_404(User, user_id)
    form = SuspendForm()
    if not form.validate_on_submit():
        return render_template(
            "admin/user.html", user=user, form=_user_form(user), suspend_form=form
        ), 422
    suspended = request.form.get("action") != "lift"
    try:
        services.suspend_user(signed_in_user(), user, suspended, form.reason.data or "")
    except services.NotAllowed as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"{user.email} is {'suspended' if suspended else 'no longer suspended'}.", "success")
    return redirect(request.referrer if _is_local_referrer() else url_for("admin.users"))


def _user_form(user: User, formdata=None) -> UserForm:
    """The role and organisation form, showing the user's own values unless a post is given."""
    form = UserForm(formdata=formdata, obj=user if formdata is None else None)
    form.set_organisations(list_organisations())
    if formdata is None:
        form.organisation_id.data = user.organisation_id or 0
    return form


def _is_local_referrer() -> bool:
    return bool(request.referrer) and request.referrer.startswith(request.host_url)


@bp.route("/organisations")
@permission_required("manage_organisations")
def organisations():
    """List organisations."""
    return render_template("admin/organisations.html", organisations=list_organisations())


@bp.route("/organisations/new", methods=["GET", "POST"])
@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@permission_required("manage_organisations")
def edit_organisation(organisation_id: int | None = None):
    """Create or edit an organisation."""
    organisation = db.get_or_404(Organisation, organisation_id) if organisation_id else None
    form = OrganisationForm(obj=organisation)
    if form.validate_on_submit():
        save_organisation(
            signed_in_user(),
            required_text(form.name),
            form.kind.data,
            form.local_authority.data,
            organisation,
        )
        db.session.commit()
        flash(f"Saved {form.name.data}.", "success")
        return redirect(url_for("admin.organisations"))
    status = 422 if form.errors else 200
    return render_template("admin/organisation.html", form=form, organisation=organisation), status


@bp.route("/audit")
@permission_required("read_audit_log")
def audit_log():
    """The audit log, newest first."""
    return render_template("admin/audit.html", pagination=recent_audit_entries(requested_page()))
