"""Residents' submissions: new initiatives, drafts, edits, withdrawal, "My initiatives"."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required

from app.extensions import db
from app.forms import add_error
from app.initiatives.models import Initiative
from app.initiatives.public import is_public
from app.initiatives.vocabulary import STATES
from app.permissions import (
    can_on_initiative,
    initiative_or_abort,
    permission_required,
    signed_in_user,
)
from app.places import services as places
from app.ratelimits import limit_posts
from app.submissions import services
from app.submissions.fields import parsed, typed
from app.submissions.forms import (
    MAX_ROWS,
    InitiativeForm,
    chosen_point,
    form_data,
    initiative_form,
    typed_in,
)
from app.submissions.rows import OutcomeForm, ParticipantForm
from app.themes.services import list_themes
from app.urls import requested_page

bp = Blueprint("submissions", __name__)

# Row buttons: name="add_participant", name="remove_participant" value="<position>", ...
ROW_LISTS = {"participant": "participants", "outcome": "outcomes"}
# The place picker's buttons: name="find_place" (search), name="use_place" (take the match).
PLACE_BUTTONS = ("find_place", "use_place")
NOTHING_TO_FIND = "Type a place name to look up, or the latitude and longitude."
CHOOSE_A_MATCH = "Choose one of the places found, then press “Use this place”."
EDIT_SENT = (
    "Thank you: your changes are waiting for a moderator's review. "
    "The published version stays as it is until they approve them."
)
EDIT_UNCHANGED = "You have not changed anything, so there is nothing to review."
CHANGES_PUBLISHED = "Your changes are saved and published."
CHANGES_SAVED = "Your changes are saved."
PLACE_LATER = "“{place}” is not on the map yet: we will look it up and place it there later."
DRAFT_SAVED = "Your draft is saved. Come back to it any time from “My initiatives”."
DRAFT_SAVED_WAS_PENDING = (
    "Your draft is saved. It is no longer waiting for review: submit it again when it is ready."
)


@bp.route("/initiatives/new", methods=["GET", "POST"])
@permission_required("submit_initiative")
@limit_posts("RATELIMIT_SUBMIT")
def new_initiative():
    """The submission page: a new initiative, saved as a draft or submitted for review."""
    return _submission_page(None)


@bp.route("/initiatives/<int:initiative_id>/edit", methods=["GET", "POST"])
@login_required
@limit_posts("RATELIMIT_SUBMIT")
def edit_initiative(initiative_id: int):
    """Edit an initiative: a draft, a submission, or (through review) a published one."""
    return _submission_page(initiative_or_abort(initiative_id, "edit"))


@bp.get("/initiatives/<int:initiative_id>/withdraw")
@login_required
def confirm_withdrawal(initiative_id: int):
    """Ask before withdrawing (GET never changes anything)."""
    initiative = initiative_or_abort(initiative_id, "withdraw")
    return render_template("submissions/withdraw.html", initiative=initiative)


@bp.post("/initiatives/<int:initiative_id>/withdraw")
@login_required
def withdraw(initiative_id: int):
    """Withdraw (archive) one's own initiative."""
    initiative = initiative_or_abort(initiative_id, "withdraw")
    services.withdraw_initiative(signed_in_user(), initiative)
    db.session.commit()
    flash(f"“{initiative.title}” is withdrawn. It no longer appears on the site.", "success")
    return redirect(url_for("submissions.my_initiatives"))


@bp.get("/account/initiatives")
@login_required
def my_initiatives():
    """The signed-in person's initiatives with where each stands in review."""
    user = signed_in_user()
    pagination = services.user_initiatives(user, requested_page())
    return render_template(
        "submissions/my_initiatives.html",
        pagination=pagination,
        edits=services.noticed_edits(pagination.items, user),
        states=STATES,
    )


def _submission_page(initiative: Initiative | None):
    user = signed_in_user()
    mode = services.editing_mode(user, initiative)
    # "review" and "moderator" are modes of an existing initiative only.
    edit = services.open_edit(initiative, user) if initiative and mode == "review" else None
    form = initiative_form(
        list_themes(), services.list_neighbourhoods(), current_app.config["DATA_LICENCE"]
    )
    if request.method == "GET":
        form.process(data=form_data(services.editable_content(initiative, edit)))
        return _render(form, initiative, mode, edit)

    row_change = _row_change(request.form)
    if row_change:
        return _change_rows(form, initiative, mode, edit, *row_change)
    if any(button in request.form for button in PLACE_BUTTONS):
        return _find_place(form, initiative, mode, edit)

    submitting = mode != "draft" or "submit_for_review" in request.form
    valid = form.check(submitting, consent_needed=mode == "draft")
    content = form.content(_outcome_ids(initiative), _location_state(initiative))
    if not valid and mode != "draft":
        initiative, saved = _keep_draft(form, initiative, mode)  # unsent, until corrected
        return _render(form, initiative, mode, edit, 422, saved=saved)
    if initiative is not None and mode == "review":
        revision = services.propose_edit(user, initiative, content)
        db.session.commit()
        flash(EDIT_UNCHANGED if revision is None else EDIT_SENT, "success")
        return redirect(url_for("submissions.my_initiatives"))
    if initiative is not None and mode == "moderator":
        services.publish_edit(user, initiative, content)
        db.session.commit()
        flash(CHANGES_PUBLISHED if is_public(initiative) else CHANGES_SAVED, "success")
        return redirect(url_for("submissions.edit_initiative", initiative_id=initiative.id))
    if submitting and valid:
        return _submit(initiative, content)
    return _save_draft(form, initiative, content, valid, submitting)


def _submit(initiative: Initiative | None, content: dict):
    # A published initiative's edits go to review as a revision (the "edit" right, checked
    # when the page was opened); anything else needs the "submit" right.
    user = signed_in_user()
    if initiative is not None and not is_public(initiative):
        if not can_on_initiative(user, "submit", initiative):
            abort(403)
    initiative = services.submit_for_review(user, content, initiative)
    db.session.commit()
    message = (
        f"Thank you: “{initiative.title}” is waiting for a moderator's review. "
        "We will email you when they decide."
    )
    if initiative.location_state == "pending":
        message += f" {PLACE_LATER.format(place=initiative.place_name)}"
    flash(message, "success")
    return redirect(url_for("submissions.my_initiatives"))


def _save_draft(form, initiative: Initiative | None, content: dict, valid: bool, submitting: bool):
    # Saving a draft, or a submission with problems: keep everything that could be read.
    # (A submission already waiting for review becomes a draft again only when asked to.)
    was_pending = initiative is not None and initiative.state == "pending"
    saved = bool(form.title.data) and not (submitting and was_pending)
    if saved:
        initiative = services.save_draft(signed_in_user(), content, initiative)
        db.session.commit()
    if not valid or initiative is None:
        return _render(form, initiative, "draft", None, 422, saved=saved)
    flash(DRAFT_SAVED_WAS_PENDING if was_pending else DRAFT_SAVED, "success")
    return redirect(url_for("submissions.edit_initiative", initiative_id=initiative.id))


def _change_rows(
    form: InitiativeForm,
    initiative: Initiative | None,
    mode: str,
    edit,
    action: str,
    rows_name: str,
    position: int | None,
):
    """Add or remove a participant or outcome row without JavaScript, saving the draft."""
    rows = getattr(form, rows_name)
    focus = None
    if action == "add":
        if len(rows) < MAX_ROWS:
            focus = rows.append_entry()
        else:
            form.form_errors.append(f"You can list at most {MAX_ROWS} {rows_name}.")
    elif position is not None and 0 <= position < len(rows):
        rows.pop_entry(position)
        if not len(rows):
            rows.append_entry()
        focus = rows[min(position, len(rows) - 1)]
    valid = form.check(submitting=False, title_needed=False)
    if focus is not None:
        # Without JavaScript the page reloads: start at the row that changed.
        first = next(field for field in focus.form if field.type != "HiddenField")
        first.render_kw = {**(first.render_kw or {}), "autofocus": True}
    initiative, saved = _keep_draft(form, initiative, mode)
    return _render(form, initiative, mode, edit, 200 if valid else 422, saved=saved)


def _find_place(form: InitiativeForm, initiative: Initiative | None, mode: str, edit):
    """Look up the typed place, or use the match picked, without JavaScript; saving the draft.

    A place name is searched (the matches come back as choices); with no name, the typed
    coordinates are looked up. When the geocoder is unavailable the place name is kept and
    marked pending: the ``geocode`` command places it later.
    """
    form.check(submitting=False, title_needed=False)
    # The geocoder keeps its own short transactions: end ours first (SQLite has one writer).
    db.session.commit()
    lookup, suggested = None, None
    point = chosen_point(request.form.get("place_match")) if "use_place" in request.form else None
    if point is not None:
        form.use_point(*point)
        suggested = _suggest_neighbourhood(form, point)
        form.latitude.render_kw = {**(form.latitude.render_kw or {}), "autofocus": True}
    else:
        if "use_place" in request.form:
            form.form_errors.append(CHOOSE_A_MATCH)
        lookup, suggested = _look_up_place(form)
    initiative, saved = _keep_draft(form, initiative, mode)
    status = 422 if form.error_list() else 200
    return _render(
        form, initiative, mode, edit, status, saved=saved, lookup=lookup, suggested=suggested
    )


def _look_up_place(form: InitiativeForm):
    latitude, longitude = parsed(form.latitude), parsed(form.longitude)
    if typed(form.place_name) and not form.place_name.errors:
        lookup = places.look_up_place(form.place_name.data or "")
        typed_in(form.location_pending, "1" if lookup.failed else "")
        return lookup, None
    if latitude is not None and longitude is not None:
        lookup = places.look_up_point(latitude, longitude)
        if lookup.items and not typed(form.place_name):
            typed_in(form.place_name, lookup.items[0]["name"])
        return lookup, _suggest_neighbourhood(form, (latitude, longitude))
    if not form.place_name.errors:
        add_error(form.place_name, NOTHING_TO_FIND)
    return None, None


def _suggest_neighbourhood(form: InitiativeForm, point: tuple[float, float]):
    """Choose the neighbourhood nearest the point unless one is chosen; return it if chosen."""
    if typed(form.neighbourhood):
        return None
    neighbourhood = places.neighbourhood_near(*point)
    if neighbourhood is not None:
        typed_in(form.neighbourhood, str(neighbourhood.id))
    return neighbourhood


def _keep_draft(form: InitiativeForm, initiative: Initiative | None, mode: str):
    """Save what can be read, when this page edits a draft or a resident's unsent edit of a
    published initiative; returns (initiative, saved)."""
    content = form.content(_outcome_ids(initiative), _location_state(initiative))
    if initiative is not None and mode == "review":
        services.keep_edit_draft(signed_in_user(), initiative, content)
        db.session.commit()
        return initiative, True
    saved = (
        mode == "draft"
        and bool(form.title.data)
        and (initiative is None or initiative.state != "pending")
    )
    if saved:
        initiative = services.save_draft(signed_in_user(), content, initiative)
        db.session.commit()
    return initiative, saved


def _row_change(formdata) -> tuple[str, str, int | None] | None:
    for row, rows_name in ROW_LISTS.items():
        if f"add_{row}" in formdata:
            return "add", rows_name, None
        if f"remove_{row}" in formdata:
            return "remove", rows_name, formdata.get(f"remove_{row}", type=int)
    return None


def _outcome_ids(initiative: Initiative | None) -> set[int]:
    return {outcome.id for outcome in initiative.outcomes} if initiative else set()


def _location_state(initiative: Initiative | None) -> str:
    return initiative.location_state if initiative else "none"


def _render(
    form,
    initiative,
    mode,
    edit,
    status: int = 200,
    saved: bool = False,
    lookup: places.PlaceLookup | None = None,
    suggested=None,
):
    return render_template(
        "submissions/edit.html",
        form=form,
        initiative=initiative,
        mode=mode,
        edit=edit,
        saved=saved,
        lookup=lookup,
        suggested=suggested,
        row_templates={
            "participants": ParticipantForm(prefix="participants-__index__-"),
            "outcomes": OutcomeForm(prefix="outcomes-__index__-"),
        },
        max_rows=MAX_ROWS,
    ), status
