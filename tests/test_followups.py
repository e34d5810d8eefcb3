"""Follow-up prompts over time: on the right days, once each, and never to someone who said
stop, for an initiative that ended, or after the submitter's account was deleted."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.followups.models import FollowUpPrompt
from app.followups.schedule import due_on, read_months
from app.followups.services import send_followup_prompts
from app.initiatives.models import Initiative
from app.privacy.services import delete_account
from app.timeutil import add_months

PUBLISHED = datetime(2026, 1, 10, 10, 0, tzinfo=UTC)
OUTCOME = {
    "description": "Fewer burglaries",
    "indicator": "Reported burglaries",
    "baseline": 31,
    "result": 22,
    "unit": "",
    "measured_on": "2025-12-01",
}


@pytest.fixture
def published(app, make_user, make_initiative):
    """A resident's initiative published on 10 January 2026 at 10:00 UTC."""
    resident = make_user(role="resident")
    with time_machine.travel(PUBLISHED, tick=False):
        initiative_id = make_initiative(submitter_id=resident.id, outcomes=[OUTCOME])
    return initiative_id, resident


def walk_days(app, first: date, last: date) -> list[date]:
    """Run the daily prompt task on every day from first to last (09:05 UTC), twice a day
    (as two workers might); the days on which a prompt was made."""
    made_on = []
    day = first
    with app.app_context():
        while day <= last:
            moment = datetime(day.year, day.month, day.day, 9, 5, tzinfo=UTC)
            with time_machine.travel(moment, tick=False):
                made = send_followup_prompts() + send_followup_prompts()
            if made:
                made_on.extend([day] * made)
            day += timedelta(days=1)
    return made_on


def test_prompts_fall_at_3_6_and_12_months_then_yearly_once_each(app, published, outbox):
    initiative_id, resident = published
    made_on = walk_days(app, date(2026, 1, 10), date(2028, 2, 1))
    assert made_on == [date(2026, 4, 10), date(2026, 7, 10), date(2027, 1, 10), date(2028, 1, 10)]
    mails = [mail for mail in outbox() if "How is it going?" in mail["Subject"]]
    assert len(mails) == 4
    assert {mail["To"] for mail in mails} == {resident.email}
    assert "/followups/" in mails[0].get_content()
    with app.app_context():
        prompts = db.session.scalars(select(FollowUpPrompt)).all()
        assert [prompt.due_on for prompt in prompts] == made_on
        assert {prompt.initiative_id for prompt in prompts} == {initiative_id}


def test_a_missed_day_is_made_up_within_the_grace_but_never_twice(app, published, outbox):
    # The worker was down on 10 April; it runs again on the 12th.
    assert walk_days(app, date(2026, 4, 12), date(2026, 4, 30)) == [date(2026, 4, 12)]
    # Long after (the worker was away for a month): that prompt is not sent late.
    assert walk_days(app, date(2026, 8, 1), date(2026, 8, 3)) == []


def test_no_prompts_after_stop_asking_me(app, published):
    initiative_id, _resident = published
    with app.app_context():
        db.session.get(Initiative, initiative_id).followups_stopped_at = PUBLISHED
        db.session.commit()
    assert walk_days(app, date(2026, 4, 9), date(2026, 4, 11)) == []


@pytest.mark.parametrize(
    "change",
    [{"status": "ended"}, {"status": "completed"}, {"ended_on": date(2026, 3, 1)}],
    ids=["ended", "completed", "end date passed"],
)
def test_no_prompts_once_the_initiative_ended(app, published, change):
    initiative_id, _resident = published
    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        for field, value in change.items():
            setattr(initiative, field, value)
        db.session.commit()
    assert walk_days(app, date(2026, 4, 9), date(2026, 4, 11)) == []


def test_an_end_date_still_ahead_does_not_stop_prompts(app, published):
    initiative_id, _resident = published
    with app.app_context():
        db.session.get(Initiative, initiative_id).ended_on = date(2026, 12, 31)
        db.session.commit()
    assert walk_days(app, date(2026, 4, 9), date(2026, 4, 11)) == [date(2026, 4, 10)]


def test_no_prompts_after_the_account_was_deleted(app, published, outbox):
    _initiative_id, resident = published
    with app.app_context():
        delete_account(db.session.get(User, resident.id))
        db.session.commit()
    assert walk_days(app, date(2026, 4, 9), date(2026, 4, 11)) == []
    assert outbox() == []


def test_initiatives_imported_by_a_council_officer_are_not_prompted(
    app, make_user, make_initiative
):
    officer = make_user(role="council")
    with time_machine.travel(PUBLISHED, tick=False):
        make_initiative(submitter_id=officer.id)
    assert walk_days(app, date(2026, 4, 9), date(2026, 4, 11)) == []


def test_unpublished_initiatives_are_not_prompted(app, make_user, make_initiative):
    resident = make_user(role="resident")
    with time_machine.travel(PUBLISHED, tick=False):
        initiative_id = make_initiative(submitter_id=resident.id)
    with app.app_context():
        db.session.get(Initiative, initiative_id).state = "archived"
        db.session.commit()
    assert walk_days(app, date(2026, 4, 9), date(2026, 4, 11)) == []


def test_the_schedule_is_configurable(app, published, monkeypatch):
    monkeypatch.setitem(app.config, "FOLLOWUP_MONTHS", "1,2")
    made_on = walk_days(app, date(2026, 2, 1), date(2027, 3, 15))
    assert made_on == [date(2026, 2, 10), date(2026, 3, 10), date(2027, 3, 10)]


def test_schedule_arithmetic():
    assert read_months("12, 3,6") == (3, 6, 12)
    with pytest.raises(ValueError):
        read_months("0")
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert due_on(date(2026, 1, 10), date(2026, 4, 10), (3,)) == date(2026, 4, 10)
    assert due_on(date(2026, 1, 10), date(2026, 4, 9), (3,)) is None
    assert due_on(date(2026, 1, 10), date(2027, 4, 10), (3,)) == date(2027, 4, 10)


def test_a_welsh_speaking_submitter_is_asked_in_welsh(app, published, outbox):
    _, resident = published
    with app.app_context():
        db.session.get(User, resident.id).locale = "cy"
        db.session.commit()
    walk_days(app, date(2026, 4, 10), date(2026, 4, 10))
    (mail,) = outbox()
    assert mail["Subject"].startswith("Sut mae pethau'n mynd?")
    assert "/cy/followups/" in mail.get_content()
