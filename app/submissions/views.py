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
from flask_babel import gettext as _
from flask_login import login_required

from app.extensions import db
from app.forms import add_error
from app.i18n import lazy_text as _l
from app.initiatives.models import Initiative
from app.initiatives.public import is_public
from app.initiatives.vocabulary import STATES
from app.permissions import (
    can_on_initiative,
    initiative_or_abort,
    permission_required,
    signed_in_user,
)
from app.photos import services as photo_services
from app.photos.forms import ALT_GUIDANCE, PhotoRowForm
from app.places import services as places
from app.places.agreement import point_warning
from app.ratelimits import limit_posts
from app.submissions import draft_keys, services
from app.submissions.fields import parsed, typed
from app.submissions.forms import (
    MAX_ROWS,
    InitiativeForm,
    chosen_point,
    form_data,
    initiative_form,
    refuse_extra_rows,
    typed_in,
)
from app.submissions.page_state import redirect_after_save, restore_page
from app.submissions.rows import OutcomeForm, ParticipantForm
from app.themes.services import list_themes
from app.urls import requested_page

bp = Blueprint("submissions", __name__)

# Row buttons: name="add_participant", name="remove_participant" value="<position>", ...
ROW_LISTS = {"participant": "participants", "outcome": "outcomes"}
# The place picker's buttons: name="find_place" (search), name="use_place" (take the match).
PLACE_BUTTONS = ("find_place", "use_place")
NOTHING_TO_FIND = _l("Type a place name or a postcode to look up, or put a pin on the map.")
# Sent by the page that showed possible duplicates: the person has seen them and goes on.
DUPLICATES_SEEN = "possible_duplicates_seen"
DUPLICATES_PANEL = "possible-duplicates"
CHOOSE_A_MATCH = _l("Choose one of the places found, then press “Use this place”.")
EDIT_SENT = _l(
    "Thank you: your changes are waiting for a moderator's review. "
    "The published version stays as it is until they approve them."
)
EDIT_UNCHANGED = _l("You have not changed anything, so there is nothing to review.")
CHANGES_PUBLISHED = _l("Your changes are saved and published.")
CHANGES_SAVED = _l("Your changes are saved.")
PLACE_LATER = _l("“%(place)s” is not on the map yet: we will look it up and place it there later.")
DRAFT_SAVED = _l("Your draft is saved. Come back to it any time from “My initiatives”.")
DRAFT_SAVED_WAS_PENDING = _l(
    "Your draft is saved. It is no longer waiting for review: submit it again when it is ready."
)


@bp.route("/initiatives/new", methods=["GET", "POST"])
@permission_required("submit_initiative")
@limit_posts("RATELIMIT_SUBMIT")
def new_initiative():
    """The submission page: a new initiative, saved as a draft or submitted for review.

    The same form posted again (a reload of a page that answered 422 after saving) edits the
    draft its first post saved (``draft_keys``)."""
    if request.method == "POST":
        return _submission_page(draft_keys.draft_saved_by_this_form())
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
    flash(
        _(
            "“%(initiative_title)s” is withdrawn. It no longer appears on the site.",
            initiative_title=initiative.title,
        ),
        "success",
    )
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
        data = form_data(services.editable_content(initiative, edit))
        form.process(data={**data, "consent": services.consent_given(initiative)})
        return _render(form, initiative, mode, edit, **restore_page(form, initiative))

    if refuse_extra_rows(form, request.form):
        # Nothing is saved from a form with too many rows: every row typed comes back to edit.
        form.check(submitting=False, title_needed=False)
        return _render(form, initiative, mode, edit, 422)
    row_change = _row_change(request.form)
    if row_change:
        return _change_rows(form, initiative, mode, edit, *row_change)
    photo_change = _photo_change(request.form)
    if photo_change:
        return _change_photos(form, initiative, mode, edit, *photo_change)
    if any(button in request.form for button in PLACE_BUTTONS):
        return _find_place(form, initiative, mode, edit)

    submitting = mode != "draft" or "submit_for_review" in request.form
    valid = form.check(submitting, consent_needed=mode == "draft")
    content = form.content(
        _outcome_ids(initiative), _location_state(initiative), _photo_ids(initiative)
    )
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
        if _check_duplicates(mode, initiative):
            duplicates = services.possible_duplicates_of(content, initiative)
            if duplicates:
                return _show_possible_duplicates(form, initiative, content, duplicates)
        return _submit(initiative, content)
    return _save_draft(form, initiative, content, valid, submitting)


def _check_duplicates(mode: str, initiative: Initiative | None) -> bool:
    """Whether to look for possible duplicates before submitting: a resident's own new
    submission, once (the page they were shown on says so)."""
    if mode != "draft" or DUPLICATES_SEEN in request.form:
        return False
    return initiative is None or initiative.state != "pending"


def _show_possible_duplicates(
    form: InitiativeForm, initiative: Initiative | None, content: dict, duplicates: list
):
    """Ask "Is it one of these?": keep the draft and show the similar initiatives; the
    person may still go on and submit."""
    initiative = _save_new_or_draft(form, content, initiative)
    return redirect_after_save(form, initiative, focus=DUPLICATES_PANEL, duplicates=duplicates)


def _submit(initiative: Initiative | None, content: dict):
    # A published initiative's edits go to review as a revision (the "edit" right, checked
    # when the page was opened); anything else needs the "submit" right.
    user = signed_in_user()
    if initiative is not None and not is_public(initiative):
        if not can_on_initiative(user, "submit", initiative):
            abort(403)
    initiative = services.submit_for_review(user, content, initiative)
    db.session.commit()
    message = _(
        "Thank you: “%(initiative_title)s” is waiting for a moderator's review. We will email "
        "you when they decide.",
        initiative_title=initiative.title,
    )
    if initiative.location_state == "pending":
        message += f" {PLACE_LATER % {'place': initiative.place_name}}"
    flash(message, "success")
    warning = point_warning(initiative.latitude, initiative.longitude, initiative.neighbourhood)
    if warning is not None:
        flash(warning.message, "warning")
    return redirect(url_for("submissions.my_initiatives"))


def _save_draft(form, initiative: Initiative | None, content: dict, valid: bool, submitting: bool):
    # Saving a draft, or a submission with problems: keep everything that could be read.
    # (A submission already waiting for review becomes a draft again only when asked to.)
    was_pending = initiative is not None and initiative.state == "pending"
    saved = bool(form.title.data) and not (submitting and was_pending)
    if saved:
        initiative = _save_new_or_draft(form, content, initiative)
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
            limit = (
                _("You can list at most %(limit)s participants.")
                if rows_name == "participants"
                else _("You can list at most %(limit)s outcomes.")
            )
            form.form_errors.append(limit % {"limit": MAX_ROWS})
    elif position is not None and 0 <= position < len(rows):
        rows.pop_entry(position)
        if not len(rows):
            rows.append_entry()
        focus = rows[min(position, len(rows) - 1)]
    valid = form.check(submitting=False, title_needed=False)
    first = None
    if focus is not None:
        # Without JavaScript the page reloads: start at the row that changed.
        first = next(field for field in focus.form if field.type != "HiddenField")
        first.render_kw = {**(first.render_kw or {}), "autofocus": True}
    initiative, saved = _keep_draft(form, initiative, mode)
    if saved and valid and initiative is not None:
        return redirect_after_save(form, initiative, focus=first.id if first else None)
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
    if saved and status == 200 and initiative is not None:
        return redirect_after_save(
            form,
            initiative,
            focus="latitude" if point else None,
            lookup=lookup,
            suggested=suggested,
        )
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
    """Choose the neighbourhood nearest the place just chosen, even over one chosen before
    (whatever the order the fields were filled in); return it if it changed."""
    neighbourhood = places.neighbourhood_near(*point)
    if neighbourhood is None or parsed(form.neighbourhood) == str(neighbourhood.id):
        return None
    typed_in(form.neighbourhood, str(neighbourhood.id))
    return neighbourhood


def _keep_draft(form: InitiativeForm, initiative: Initiative | None, mode: str):
    """Save what can be read, when this page edits a draft or a resident's unsent edit of a
    published initiative; returns (initiative, saved)."""
    content = form.content(
        _outcome_ids(initiative), _location_state(initiative), _photo_ids(initiative)
    )
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
        initiative = _save_new_or_draft(form, content, initiative)
    return initiative, saved


def _save_new_or_draft(form: InitiativeForm, content: dict, initiative: Initiative | None):
    """Save the draft (a new one for a new initiative, remembered under its form's key)."""
    draft = services.save_draft(
        signed_in_user(), content, initiative, consent=bool(form.consent.data)
    )
    db.session.commit()
    if initiative is None or draft_keys.posted_key() is not None:
        draft_keys.remember_draft(draft)
    return draft


def _row_change(formdata) -> tuple[str, str, int | None] | None:
    for row, rows_name in ROW_LISTS.items():
        if f"add_{row}" in formdata:
            return "add", rows_name, None
        if f"remove_{row}" in formdata:
            return "remove", rows_name, formdata.get(f"remove_{row}", type=int)
    return None


def _photo_change(formdata) -> tuple[str, int | None, int] | None:
    """The photo button pressed: ("add", None, 0), ("remove", index, 0) or ("move", index,
    -1 or +1)."""
    if "add_photo" in formdata:
        return "add", None, 0
    if "remove_photo" in formdata:
        return "remove", formdata.get("remove_photo", type=int), 0
    for direction, step in (("up", -1), ("down", 1)):
        if f"move_photo_{direction}" in formdata:
            return "move", formdata.get(f"move_photo_{direction}", type=int), step
    return None


def _change_photos(
    form: InitiativeForm,
    initiative: Initiative | None,
    mode: str,
    edit,
    action: str,
    index: int | None,
    step: int,
):
    """Add (after saving the draft), remove or move a photo without JavaScript."""
    rows = form.photos
    if action == "add":
        valid = form.check(submitting=False)
        initiative, saved = _keep_draft(form, initiative, mode)
        if initiative is not None and (saved or mode == "moderator"):
            if mode == "moderator":
                db.session.commit()
            return redirect(url_for("photos.add_photo", initiative_id=initiative.id))
        if valid:
            form.form_errors.append(_("Give it a title first: photos are added to a saved draft."))
        return _render(form, initiative, mode, edit, 422, saved=saved)
    if index is not None and 0 <= index < len(rows):
        entries = [entry.data for entry in rows]
        if action == "remove":
            removed = entries.pop(index)
            photo_services.forget_pending_photo(initiative, removed.get("photo_id"))
        elif 0 <= index + step < len(entries):
            entries[index], entries[index + step] = entries[index + step], entries[index]
        while len(rows):
            rows.pop_entry()
        for data in entries:
            rows.append_entry(data)
    valid = form.check(submitting=False, title_needed=False)
    initiative, saved = _keep_draft(form, initiative, mode)
    if saved and valid and initiative is not None:
        return redirect_after_save(form, initiative)
    if mode == "moderator" and initiative is not None:
        services.publish_edit(
            signed_in_user(),
            initiative,
            form.content(
                _outcome_ids(initiative), _location_state(initiative), _photo_ids(initiative)
            ),
        )
        db.session.commit()
    return _render(form, initiative, mode, edit, 200 if valid else 422, saved=saved)


def _photo_ids(initiative: Initiative | None) -> set[int]:
    if initiative is None:
        return set()
    return {photo.id for photo in initiative.photos if photo.shown_in_content}


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
    duplicates=(),
):
    form.name_errors()
    return render_template(
        "submissions/edit.html",
        form=form,
        initiative=initiative,
        mode=mode,
        edit=edit,
        saved=saved,
        lookup=lookup,
        suggested=suggested,
        place_warning=places.neighbourhood_point_warning(
            parsed(form.latitude), parsed(form.longitude), parsed(form.neighbourhood)
        ),
        duplicates=duplicates,
        duplicates_seen=DUPLICATES_SEEN,
        row_templates={
            "participants": ParticipantForm(prefix="participants-__index__-"),
            "outcomes": OutcomeForm(prefix="outcomes-__index__-"),
        },
        max_rows=MAX_ROWS,
        photos={photo.id: photo for photo in initiative.photos} if initiative else {},
        max_photos=photo_services.MAX_PHOTOS,
        photo_template=PhotoRowForm(prefix="photos-__index__-"),
        alt_guidance=ALT_GUIDANCE,
        draft_key=draft_keys.draft_key() if initiative is None else None,
        draft_key_field=draft_keys.FIELD,
    ), status
