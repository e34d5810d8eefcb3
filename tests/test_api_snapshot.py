"""Every API answer for the demo data, byte for byte against snapshots taken before a change.

The public JSON (and GeoJSON and CSV) is a contract: a refactoring of how answers are built
must not change one key, value or order. Each request below is answered for the seeded demo
and compared with ``tests/snapshots/api/<name>.json``. Values that depend on when the demo was
seeded are written relative to that moment (``<now-6d3h>``), and cursors (which hold such a
time, signed) as ``<cursor>``; everything else is as sent.

After a deliberate change to the public JSON, rewrite the snapshots with
``UPDATE_API_SNAPSHOTS=1 pytest tests/test_api_snapshot.py`` and review the diff.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.initiatives.models import Initiative
from app.timeutil import utcnow
from app.tokens.services import create_token
from tests.factories import TEST_PASSWORD

SNAPSHOTS = Path(__file__).parent / "snapshots" / "api"
UPDATE = os.environ.get("UPDATE_API_SNAPSHOTS") == "1"
HEADERS = ("Content-Type", "Link", "Location", "WWW-Authenticate", "Content-Disposition")

TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")
CURSOR = re.compile(r"cursor=[A-Za-z0-9_.\-]+")
DOWNLOAD_DAY = re.compile(r"initiatives-(\d{4}-\d\d-\d\d)\.")

# Demo initiatives shown in full: measured and verified outcomes, several participants, each
# credit and location precision, no location at all.
DETAILS = {
    "street-watch": "Kirkstall Lane street watch",
    "repair-cafe": "Kirkstall repair café",
    "safer-crossings": "Chapeltown Road safer crossings",
    "exercise-class": "Hawksworth Road over-60s exercise class",
    "food-growing": "Potternewton Park food growing",
}

READS = {
    "initiatives": "/api/v1/initiatives",
    "initiatives-theme": "/api/v1/initiatives?theme=safety",
    "initiatives-themes-status": "/api/v1/initiatives?theme=health&theme=education&status=active",
    "initiatives-stage-sector": "/api/v1/initiatives?stage=co-design&sector=police",
    "initiatives-neighbourhood-verified": "/api/v1/initiatives?neighbourhood=kirkstall&verified=1",
    "initiatives-near": "/api/v1/initiatives?near=53.8,-1.55&radius_km=3",
    "initiatives-bbox": "/api/v1/initiatives?bbox=-2.5,53.3,-1.3,53.9&status=completed",
    "initiatives-q": "/api/v1/initiatives?q=burglaries",
    "initiatives-none": "/api/v1/initiatives?q=xylophone",
    "initiatives-limit": "/api/v1/initiatives?limit=5",
    "initiatives-limit-filtered": "/api/v1/initiatives?theme=health&limit=5",
    "geojson": "/api/v1/initiatives.geojson",
    "geojson-filtered": "/api/v1/initiatives.geojson?neighbourhood=hulme&neighbourhood=moss-side",
    "csv": "/api/v1/initiatives.csv",
    "csv-filtered": "/api/v1/initiatives.csv?theme=sustainability",
    "map-clusters-country": "/api/v1/map/clusters?bbox=-8,49.9,1.8,60.9&zoom=5",
    "map-clusters-leeds": "/api/v1/map/clusters?bbox=-1.75,53.70,-1.35,53.90&zoom=12",
    "map-clusters-filtered": "/api/v1/map/clusters?bbox=-8,49.9,1.8,60.9&zoom=6&theme=health",
    "clusters": "/api/v1/clusters",
    "cluster-picked": "/api/v1/clusters/safer-streets-made-together",
    "cluster-theme-filter": "/api/v1/clusters/health-with-residents",
    "cluster-near-filter": "/api/v1/clusters/around-kirkstall",
    "neighbourhoods": "/api/v1/neighbourhoods",
    "themes": "/api/v1/themes",
    "error-400-limit-zero": "/api/v1/initiatives?limit=0",
    "error-400-filters": "/api/v1/initiatives?theme=nope&bbox=1,2&radius_km=-1&verified=yes",
    "error-400-cursor": "/api/v1/initiatives?cursor=not-a-cursor",
    "error-400-export": "/api/v1/initiatives.geojson?status=sleeping",
    "error-400-map": "/api/v1/map/clusters?zoom=99",
    "error-404-initiative": "/api/v1/initiatives/999999",
    "error-404-cluster": "/api/v1/clusters/no-such-cluster",
}

SUBMISSION = {
    "title": "Bramley Park litter pick",
    "summary": "Neighbours and the council's parks team clear the park once a month.",
    "description": "We meet at the **bandstand** at ten.\n\n* gloves from the council",
    "themes": ["sustainability", "health"],
    "stages": ["co-design", "co-delivery"],
    "status": "active",
    "started_on": "2024-04-06",
    "neighbourhood": "armley",
    "place_name": "Bramley Park",
    "latitude": 53.8012345,
    "longitude": -1.6312345,
    "location_precision": "street",
    "contact_url": "https://example.org/litter",
    "credit": "organisation",
    "credit_name": "Friends of Bramley Park",
    "participants": [
        {"sector": "residents", "name": "Friends of Bramley Park", "roles": ["co-delivery"],
         "people": 25, "hours": 75.5},
        {"sector": "council", "name": "Leeds parks team", "people": 2},
    ],
    "outcomes": [
        {"description": "Less litter.", "indicator": "Bags collected", "baseline": 40,
         "result": 12, "unit": "a month", "measured_on": "2025-03-31",
         "evidence_url": "https://example.org/bags"},
    ],
    "consent": True,
}  # fmt: skip

# name -> (headers beyond the token's, raw body or JSON body)
WRITES: dict[str, tuple[dict[str, str], Any]] = {
    "post-201": ({}, SUBMISSION),
    "post-400-not-json": ({}, b"{not json"),
    "post-400-not-an-object": ({}, []),
    "post-400-unknown-field": ({}, {**SUBMISSION, "state": "published"}),
    "post-400-wrong-type": ({}, {**SUBMISSION, "title": 42}),
    "post-400-too-many-rows": ({}, {**SUBMISSION, "participants": [{"sector": "council"}] * 31}),
    "post-400-verified-outcome": (
        {},
        {**SUBMISSION, "outcomes": [{"description": "x", "verified": True}]},
    ),
    "post-400-row-not-object": ({}, {**SUBMISSION, "outcomes": ["x"]}),
    "post-400-lone-surrogate": ({}, b'{"title": "Street \\ud800 watch"}'),
    "post-422-empty": ({}, {}),
    "post-422-invalid": (
        {},
        {
            **SUBMISSION,
            "title": "   ",
            "themes": ["safety", "nope"],
            "stages": ["co-nothing"],
            "status": "sleeping",
            "started_on": "2025-01-01",
            "ended_on": "2024-01-01",
            "latitude": 95,
            "contact_url": "javascript:alert(1)",
            "credit_name": "",
            "consent": False,
            "participants": [{"sector": "aliens", "people": 1.5, "hours": -1}],
            "outcomes": [{"baseline": 3, "result": 2, "evidence_url": "ftp://x"}],
        },
    ),
    "post-401-no-token": ({"Authorization": ""}, SUBMISSION),
    "post-401-malformed-header": ({"Authorization": "Token abc"}, SUBMISSION),
    "post-401-unknown-token": ({"Authorization": "Bearer not-a-real-token"}, SUBMISSION),
}


@pytest.fixture
def demo(app):
    """The seeded demo and the moment it was seeded (times are relative to it)."""
    from app.demo.seed import seed_demo

    seeded_at = utcnow()
    with app.app_context():
        seed_demo(password_for=lambda _role: TEST_PASSWORD)
        db.session.commit()
    return seeded_at


class Normaliser:
    """Writes times, days and cursors relative to the moment the demo was seeded."""

    def __init__(self, seeded_at: datetime):
        self.seeded_at = seeded_at

    def time(self, text: str) -> str:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
        minutes = round((moment - self.seeded_at).total_seconds() / 60)
        if 0 <= minutes <= 10:  # written while seeding or answering: "now"
            return "<now>"
        sign, minutes = ("-", -minutes) if minutes < 0 else ("+", minutes)
        days, rest = divmod(minutes, 24 * 60)
        hours, minutes = divmod(rest, 60)
        return f"<now{sign}{days}d{hours}h{minutes}m>"

    def day(self, text: str) -> str:
        offset = (date.fromisoformat(text) - self.seeded_at.date()).days
        return f"<today{offset:+d}d>"

    def text(self, text: str) -> str:
        text = TIME.sub(lambda match: self.time(match.group()), text)
        return CURSOR.sub("cursor=<cursor>", text)

    def json(self, value: Any) -> Any:
        if isinstance(value, dict):
            value = {key: self.json(item) for key, item in value.items()}
            # A verification's day follows the seeding day: the demo verifies "two days
            # after it was submitted".
            if set(value) == {"organisation", "date"} and value["date"]:
                value["date"] = self.day(value["date"])
            return value
        if isinstance(value, list):
            return [self.json(item) for item in value]
        return self.text(value) if isinstance(value, str) else value

    def answer(self, response) -> dict[str, Any]:
        headers = {name: response.headers[name] for name in HEADERS if name in response.headers}
        if "Content-Disposition" in headers:
            headers["Content-Disposition"] = DOWNLOAD_DAY.sub(
                lambda match: f"initiatives-{self.day(match.group(1))}.",
                headers["Content-Disposition"],
            )
        headers = {name: self.text(value) for name, value in headers.items()}
        body: Any
        if response.mimetype == "text/csv":
            body = [self.text(line) for line in response.get_data(as_text=True).split("\r\n")]
        else:
            body = self.json(json.loads(response.get_data(as_text=True)))
        return {"status": response.status_code, "headers": headers, "body": body}


def _initiative_id(app, title: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Initiative.id).where(Initiative.title == title))


def _token(app) -> str:
    with app.app_context():
        resident = db.session.scalar(select(User).where(User.email == "resident@example.org"))
        secret = create_token(resident).secret
        db.session.commit()
    return secret


def _answers(app, client, seeded_at: datetime) -> dict[str, dict[str, Any]]:
    normalise = Normaliser(seeded_at)
    requests = dict(READS)
    for name, title in DETAILS.items():
        requests[f"initiative-{name}"] = f"/api/v1/initiatives/{_initiative_id(app, title)}"
    answers = {}
    for name, url in requests.items():
        response = client.get(url)
        answers[name] = {"request": f"GET {url}", **normalise.answer(response)}
        # Follow each limited list's next pages: the second, and the third if there is one.
        if name.startswith("initiatives-limit"):
            for page in ("page-2", "page-3"):
                following = response.json["next"]
                if following is None:
                    break
                response = client.get(following)
                answers[f"{name}-{page}"] = {
                    "request": f"GET {normalise.text(following)}",
                    **normalise.answer(response),
                }
    secret = _token(app)
    for name, (headers, body) in WRITES.items():
        headers = {"Authorization": f"Bearer {secret}", **headers}
        if not headers["Authorization"]:
            del headers["Authorization"]
        if isinstance(body, bytes):
            response = client.post(
                "/api/v1/initiatives",
                data=body,
                headers={**headers, "Content-Type": "application/json"},
            )
        else:
            response = client.post("/api/v1/initiatives", json=body, headers=headers)
        answers[name] = {"request": "POST /api/v1/initiatives", **normalise.answer(response)}
    return answers


def _dump(answer: dict[str, Any]) -> str:
    return json.dumps(answer, indent=2, ensure_ascii=False) + "\n"


def test_every_api_answer_matches_its_snapshot(app, client, demo, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_API_WRITE", "1000 per minute")
    answers = _answers(app, client, demo)
    if UPDATE:
        SNAPSHOTS.mkdir(parents=True, exist_ok=True)
        for stale in SNAPSHOTS.glob("*.json"):
            stale.unlink()
        for name, answer in answers.items():
            (SNAPSHOTS / f"{name}.json").write_text(_dump(answer), encoding="utf-8")
    differences = []
    for name, answer in answers.items():
        path = SNAPSHOTS / f"{name}.json"
        expected = path.read_text(encoding="utf-8") if path.exists() else ""
        if _dump(answer) != expected:
            diff = difflib.unified_diff(
                expected.splitlines(), _dump(answer).splitlines(), path.name, "answer", lineterm=""
            )
            differences.append("\n".join(list(diff)[:40]))
    assert not differences, "\n\n".join(differences)
    # No snapshot is left without a request that makes it.
    assert {path.stem for path in SNAPSHOTS.glob("*.json")} == set(answers)


def test_snapshots_cover_every_api_route(app):
    """A new /api/v1/ route needs a snapshot of its answer here."""
    from app.api.openapi import api_rules

    covered = {re.sub(r"\?.*", "", url) for url in [*READS.values(), "/api/v1/initiatives/1"]}
    for rule in api_rules(app):
        if rule.rule == "/api/v1/openapi.json":
            continue  # its document changes with the code; tests/test_api_openapi.py reads it
        pattern = re.sub(r"<[^>]+>", "[^/]+", rule.rule)
        assert any(re.fullmatch(pattern, url) for url in covered), rule.rule
