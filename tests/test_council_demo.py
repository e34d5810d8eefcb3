"""Demo verifications: a few more outcomes in the demo council's area, verified by the demo
officer through the audited service, once."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.demo.seed import seed_demo
from app.demo.verifications import DEMO_OFFICER, verify_demo_outcomes
from app.extensions import db
from app.initiatives.models import Initiative, Outcome


def test_seed_demo_has_the_demo_officer_verify_a_few_outcomes_in_their_area_once(app):
    with app.app_context():
        seed_demo(lambda role: f"{role}-password-123")
        db.session.commit()
        again = verify_demo_outcomes()
        db.session.commit()

        assert again == 0
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "verify_outcome")
        ).all()
        assert 1 <= len(entries) <= 3
        assert {entry.actor_label for entry in entries} == {DEMO_OFFICER}
        verified = db.session.scalars(
            select(Outcome).where(Outcome.id.in_([e.detail["outcome"] for e in entries]))
        ).all()
        assert len(verified) == len(entries)
        for outcome in verified:
            initiative = db.session.get(Initiative, outcome.initiative_id)
            assert outcome.verified_at is not None
            assert initiative.state == "published"
            assert initiative.neighbourhood.local_authority == "Leeds City Council"
            assert outcome.verified_by_organisation.name == "Leeds City Council"
            assert outcome.has_numbers


def test_without_the_demo_officer_nothing_happens(app):
    with app.app_context():
        assert verify_demo_outcomes() == 0
