"""The admin area: users, organisations and the audit log."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.accounts.models import ROLE_LABELS, User
from app.admin import services
from app.admin.forms import OrganisationForm, SuspendForm, UserForm
from app.audit.services import recent_audit_entries
from app.extensions import db
from app.forms import add_error, required_text
from app.organisations.models import Organisation
from app.organisations.services import list_organisations, save_organisation
from app.permissions import can, permission_required, signed_in_user
from app.urls import requested_page, safe_next_url

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
            flash(_("Saved %(email)s.", email=user.email), "success")
            return redirect(url_for("admin.users"))
    status = 422 if form.errors else 200
    return render_template(
        "admin/user.html", user=user, form=form, suspend_form=SuspendForm(formdata=None)
    ), status


@bp.post("/users/<int:user_id>/suspension")
@permission_required("suspend_user")
def suspend_user(user_id: int):
    """Suspend a user, or lift a suspension (``action=lift``); then back to the page the form
    was on (``next``), or to a page the actor may open."""
    user = db.get_or_404(User, user_id)
    actor = signed_in_user()
    back = safe_next_url(request.form.get("next"), _suspension_default(actor, user))
    form = SuspendForm()
    if not form.validate_on_submit():
        page = render_template("admin/suspension.html", user=user, form=form, next_url=back)
        return page, 422
    suspended = request.form.get("action") != "lift"
    try:
        services.suspend_user(actor, user, suspended, form.reason.data or "")
    except services.NotAllowed as error:
        db.session.commit()  # the refusal's audit entry, when it has one
        flash(str(error), "error")
    else:
        db.session.commit()
        if suspended:
            flash(_("%(email)s is suspended.", email=user.email), "success")
        else:
            flash(_("%(email)s is no longer suspended.", email=user.email), "success")
    return redirect(back)


def _suspension_default(actor: User, user: User) -> str:
    if can(actor, "manage_users"):
        return url_for("admin.edit_user", user_id=user.id)
    return url_for("moderation.queue")


def _user_form(user: User, formdata=None) -> UserForm:
    """The role and organisation form, showing the user's own values unless a post is given."""
    form = UserForm(formdata=formdata, obj=user if formdata is None else None)
    form.set_organisations(list_organisations())
    if formdata is None:
        form.organisation_id.data = user.organisation_id or 0
    return form


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
        flash(_("Saved %(name)s.", name=form.name.data), "success")
        return redirect(url_for("admin.organisations"))
    status = 422 if form.errors else 200
    return render_template("admin/organisation.html", form=form, organisation=organisation), status


@bp.route("/audit")
@permission_required("read_audit_log")
def audit_log():
    """The audit log, newest first."""
    return render_template("admin/audit.html", pagination=recent_audit_entries(requested_page()))
