"""A lived-in site for the export and import tests, and every table read back row by row."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from app.accounts.models import User
from app.audit.services import record_action
from app.backup.document import WORKING_TABLES, ordered_by_key
from app.clusters.models import Cluster, ClusterItem
from app.council.services import verify_outcome
from app.demo.seed import seed_demo
from app.extensions import db
from app.initiatives.models import Initiative
from app.moderation.reports import report_initiative, resolve_report
from app.places.models import GeocodeAnswer, Throttle
from app.tokens.models import ApiToken
from tests.factories import (
    TEST_PASSWORD,
    create_test_initiative,
    create_test_neighbourhood,
    create_test_organisation,
    create_test_user,
)

WELSH_TITLE = "Gardd Gymunedol Llanrhymni: tŷ gwydr ŵyn 🌱"
SEARCH_WORD = "Llanrhymni"
MOMENT = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def build_site(app: Flask) -> dict[str, Any]:
    """The demo site plus the awkward cases; returns what the tests look up afterwards."""
    with app.app_context():
        seed_demo(password_for=lambda _role: TEST_PASSWORD)
        db.session.commit()
        council_id = create_test_organisation("Cyngor Caerdydd — ŵ", "council", "Cardiff Council")
        officer = create_test_user(
            role="council", organisation_id=council_id, display_name="Siân Ŵyn"
        )
        create_test_user(confirmed=False, display_name="Heb gadarnhau")
        create_test_user(suspended=True)
        splott = create_test_neighbourhood(
            "Splott ŵ", "Cardiff Council", latitude=51.481827, longitude=-3.15601234567
        )
        garden_id = create_test_initiative(
            title=WELSH_TITLE,
            summary="Trigolion a’r cyngor — « ensemble » — 共同",
            description="**Markdown** with <b>tags</b> & ampersands\nand a second line",
            themes=["sustainability", "health"],
            stages=["co-design", "co-delivery"],
            neighbourhood_id=splott,
            place_name="Heol Splott",
            latitude=51.48123456789,
            longitude=-3.1560123456789,
            participants=[
                {"sector": "residents", "name": "Ffrindiau’r Ardd", "people": 12, "hours": 2.5},
                {"sector": "council", "name": "Cyngor", "roles": ["co-design"], "hours": 0.1},
                {"sector": "volunteers", "name": "", "people": None, "hours": None},
            ],
            outcomes=[
                {
                    "description": "Beds planted",
                    "indicator": "Raised beds",
                    "baseline": 0.1 + 0.2,
                    "result": 1e-7,
                    "unit": "m²",
                    "measured_on": "2026-02-28",
                },
                {"description": "Neighbours met", "baseline": None, "measured_on": None},
            ],
            started_on=None,
            ended_on="2026-12-31",
        )
        draft_id = create_test_initiative(state="draft", title="Drafft heb le")
        initiative = db.session.get(Initiative, garden_id)
        officer_user = db.session.get(User, officer.id)
        verify_outcome(officer_user, initiative, initiative.outcomes[0], None, "Gwiriwyd ✓")
        report = report_initiative(initiative, "inaccurate", "Mae’r dyddiad yn anghywir", None)
        resolve_report(officer_user, report, "Wedi’i gywiro")
        record_action(
            officer_user,
            "test_action",
            "initiative",
            garden_id,
            nested={"list": [1, 2.5, None, "ŵ"], "flag": True},
        )
        cluster = Cluster(
            slug="gerddi",
            title="Gerddi cymunedol",
            introduction="Cyflwyniad *byr*",
            kind="picked",
            state="published",
            published_at=MOMENT,
            created_by_id=officer.id,
        )
        cluster.items = [
            ClusterItem(initiative_id=garden_id, position=0, note="Y gorau"),
            ClusterItem(initiative_id=draft_id, position=1, note=""),
        ]
        db.session.add(cluster)
        db.session.add_all(
            [
                ApiToken(
                    user_id=officer.id,
                    name="Dangosfwrdd",
                    token_hash=hashlib.sha256(b"live-token").hexdigest(),
                    prefix="cp_live",
                    last_used_at=MOMENT,
                ),
                ApiToken(
                    user_id=officer.id,
                    name="Old",
                    token_hash=hashlib.sha256(b"old-token").hexdigest(),
                    prefix="cp_old",
                    revoked_at=MOMENT + timedelta(days=1),
                ),
                GeocodeAnswer(
                    backend="nominatim",
                    kind="search",
                    query="heol splott caerdydd",
                    places=[{"name": "Heol Splott", "latitude": 51.4812345, "longitude": -3.15}],
                ),
                GeocodeAnswer(backend="offline", kind="reverse", query="51.48,-3.16", places=[]),
                Throttle(name="nominatim", next_at=MOMENT),
            ]
        )
        db.session.get(User, officer.id).last_login_at = MOMENT
        db.session.commit()
        return {"garden_id": garden_id, "officer_email": officer.email}


def table_rows(app: Flask) -> dict[str, list[tuple]]:
    """Every row of every table but the machine's working state (jobs, ticks, heartbeats, the
    mail queue: never exported), in primary-key order.

    Floats are rounded to nine places: the map's cell sums are kept up to date step by step
    on the site and rebuilt in one sum after a restore, and the order of additions may change
    the last bits (well under a millimetre).
    """
    with app.app_context():
        with db.engine.connect() as connection:
            return {
                table.name: [
                    tuple(round(value, 9) if isinstance(value, float) else value for value in row)
                    for row in connection.execute(select(table).order_by(*ordered_by_key(table)))
                ]
                for table in db.metadata.sorted_tables
                if table.name not in WORKING_TABLES
            }


def secrets_of(app: Flask) -> list[str]:
    """The password hashes, session keys and API token hashes stored in the database."""
    with app.app_context():
        users = db.session.execute(select(User.password_hash, User.session_token)).all()
        tokens = db.session.scalars(select(ApiToken.token_hash)).all()
        return [value for row in users for value in row] + list(tokens)
