"""Writing a planned import: new initiatives, updates and their revisions.

Runs inside the import's one transaction; the caller commits, or rolls everything back. New
initiatives are written in bulk (app.imports.creating), updates through the ORM, whose flush
hooks keep the map's points in step (app.map_cells); the search index is rebuilt after the commit,
by a job on the worker. Just before the commit, ``stamp_commit_time`` dates what a long
import published by the commit, not by the transaction's start (email alerts read
publications by their time).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from app.accounts.models import User
from app.extensions import db
from app.imports.creating import can_create_in_bulk, create_initiatives
from app.imports.matching import CHUNK
from app.imports.places import Progress
from app.imports.planning import Plan
from app.initiatives.content import apply_content, initiative_content
from app.initiatives.models import Initiative, Measurement, Outcome
from app.initiatives.public import PUBLISHED
from app.moderation.models import Revision
from app.moderation.services import add_revision
from app.themes.models import Theme
from app.timeutil import utcnow

# New initiatives are written in batches: fewer round trips than one by one, and flush hooks
# that look at every new object stay cheap.
FLUSH_EVERY = 100


def write_plans(plans: list[Plan], author: User, state: str, progress: Progress) -> datetime:
    """Create and update what the plans say, each with an "import" revision; returns the
    time they were stamped with."""
    now = utcnow()
    changing = [plan for plan in plans if plan.report.action in ("create", "update")]
    new = [plan for plan in changing if plan.existing is None]
    in_bulk = [plan for plan in new if can_create_in_bulk(plan)]
    by_orm = [plan for plan in new if not can_create_in_bulk(plan)]
    updated = [plan for plan in changing if plan.existing is not None]
    initiatives = _load([plan.existing.id for plan in updated if plan.existing is not None])
    themes = {theme.slug: theme for theme in db.session.scalars(select(Theme))}
    with progress("written", len(changing)) as bar:
        for count in create_initiatives(in_bulk, author, state, now, themes):
            bar.update(count)
        _create_all(by_orm, author, state, now, themes, bar)
        for plan in updated:
            if plan.existing is not None:
                _update(plan, initiatives[plan.existing.id], author, state, now, themes)
            bar.update(1)
    return now


def _create_all(
    plans: list[Plan],
    author: User,
    state: str,
    now: datetime,
    themes: dict[str, Theme],
    bar: Any,
) -> None:
    """New initiatives through the ORM (its flush hooks keep the derived data in step): those
    whose content the bulk path does not write."""
    created: list[tuple[Plan, Initiative]] = []
    for plan in plans:
        created.append((plan, _create(plan, author, state, now, themes)))
        if len(created) % FLUSH_EVERY == 0:
            db.session.flush()
        bar.update(1)
    db.session.flush()  # new initiatives and their outcomes get their ids
    approved = state == PUBLISHED
    with db.session.no_autoflush:  # one flush for them all, not one per row
        for plan, initiative in created:
            # A new initiative's first revision, exactly what was imported (add_revision
            # would ask the database for its number, one query per row).
            db.session.add(
                Revision(
                    initiative=initiative,
                    number=1,
                    author=author,
                    kind="import",
                    state="approved" if approved else "pending",
                    content=initiative_content(initiative),
                    note=plan.note,
                    **_decided(author, now, approved),
                )
            )
            plan.report.initiative_id = initiative.id
    db.session.flush()


def stamp_commit_time(plans: list[Plan], stamped: datetime, now: datetime) -> None:
    """Date the initiatives the import first published, and the measurements it added, at
    ``now`` (just before its commit) instead of ``stamped`` (its start), when it took long.

    Alerts mail a window once ALERT_SETTLE_MINUTES have passed (app.alerts.digests); an
    import that ran longer would otherwise publish into a window already mailed, and nobody
    would hear of it. One that reaches its commit within a tenth of that wait is like a
    request, which commits well within it: what it stamped is mailed in its own window, and
    its rows keep their time (rewriting 10,000 new initiatives' rows cost PostgreSQL about
    as much as writing them). Only this transaction's own rows change: other transactions
    cannot write these initiatives' rows while the import holds them.
    """
    settle = timedelta(minutes=current_app.config["ALERT_SETTLE_MINUTES"])
    if now - stamped < settle / 10:
        return
    ids = [
        plan.existing.id if plan.existing is not None else plan.report.initiative_id
        for plan in plans
        if plan.report.action in ("create", "update")
    ]
    written = [initiative_id for initiative_id in ids if initiative_id is not None]
    for start in range(0, len(written), CHUNK):
        chunk = written[start : start + CHUNK]
        db.session.execute(
            update(Initiative)
            .where(Initiative.id.in_(chunk), Initiative.published_at == stamped)
            .values(published_at=now),
            execution_options={"synchronize_session": False},
        )
        outcomes = select(Outcome.id).where(Outcome.initiative_id.in_(chunk))
        db.session.execute(
            update(Measurement)
            .where(Measurement.outcome_id.in_(outcomes), Measurement.created_at >= stamped)
            .values(created_at=now),
            execution_options={"synchronize_session": False},
        )


def _load(ids: list[int]) -> dict[int, Initiative]:
    """The initiatives to update, with their themes, stages, participants and outcomes."""
    found: dict[int, Initiative] = {}
    for start in range(0, len(ids), CHUNK):
        query = select(Initiative).where(Initiative.id.in_(ids[start : start + CHUNK]))
        found.update({initiative.id: initiative for initiative in db.session.scalars(query)})
    return found


def _decided(importer: User, now: datetime, approved: bool) -> dict[str, Any]:
    return {"decided_by": importer, "decided_at": now} if approved else {}


def _create(
    plan: Plan, importer: User, state: str, now: datetime, themes: dict[str, Theme]
) -> Initiative:
    """A new initiative; written with the others at the next flush."""
    initiative = Initiative(
        title=plan.written["title"],
        state=state,
        submitter=importer,
        external_id=plan.match.external_id or None,
        # Empty collections: a new initiative has nothing to load.
        theme_links=[],
        stage_links=[],
        participants=[],
        outcomes=[],
        photos=[],
    )
    with db.session.no_autoflush:
        apply_content(initiative, plan.written, themes)
    initiative.created_at = initiative.updated_at = now
    initiative.submitted_at = initiative.consented_at = now
    if state == PUBLISHED:
        initiative.published_at = now
    else:  # the moderation queue flags it, as it flags a form's submission
        initiative.possible_duplicate_ids = plan.possible_duplicate_ids or None
    db.session.add(initiative)
    return initiative


def _update(
    plan: Plan,
    initiative: Initiative,
    importer: User,
    state: str,
    now: datetime,
    themes: dict[str, Theme],
) -> None:
    """Apply a row to its initiative, or (a published one, imported as pending) keep it as a
    revision for a moderator."""
    if plan.match.external_id:
        initiative.external_id = plan.match.external_id
    if plan.content == initiative_content(initiative):
        db.session.flush()  # only the external_id was new
        return
    if plan.pending_edit:
        _withdraw_pending(initiative, kinds=("import",))
        add_revision(
            initiative, "import", importer, "pending", content=plan.content, note=plan.note
        )
        return
    was_pending = initiative.state == "pending"
    apply_content(initiative, plan.written, themes)
    initiative.updated_at = now
    if was_pending and state == PUBLISHED:
        initiative.state = PUBLISHED
        initiative.published_at = initiative.published_at or now
    db.session.flush()
    if was_pending:
        _withdraw_pending(initiative)
    approved = initiative.state == PUBLISHED
    add_revision(
        initiative,
        "import",
        importer,
        "approved" if approved else "pending",
        note=plan.note,
        **_decided(importer, now, approved),
    )


def _withdraw_pending(initiative: Initiative, kinds: tuple[str, ...] | None = None) -> None:
    """Revisions waiting for review are replaced by what the import brings."""
    query = select(Revision).where(
        Revision.initiative_id == initiative.id, Revision.state == "pending"
    )
    if kinds is not None:
        query = query.where(Revision.kind.in_(kinds))
    for revision in db.session.scalars(query):
        revision.state = "withdrawn"
        revision.note = "Replaced by an import."
