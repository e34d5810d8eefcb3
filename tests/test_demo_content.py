"""The demo content's data files: read into typed records, consistent, and shipped in the wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from app.demo import content
from app.demo.clusters import DEMO_CLUSTERS
from app.demo.content import DemoDataError, DemoOutcome, DemoParticipant, load_demo_records
from app.demo.initiatives import DEMO_INITIATIVES, DEMO_NEIGHBOURHOODS, DEMO_RESIDENTS
from app.demo.seed import DEMO_ACCOUNTS, DEMO_ORGANISATIONS

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "app" / "demo" / "data"
NOT_SOURCE = (".git", ".venv", "node_modules", "instance", "build", "dist", "*.egg-info")


def test_demo_initiatives_are_typed_records_with_their_dates_as_text():
    assert len(DEMO_INITIATIVES) == 52
    for demo in DEMO_INITIATIVES:
        assert all(isinstance(row, DemoParticipant) for row in demo.participants), demo.title
        assert all(isinstance(row, DemoOutcome) for row in demo.outcomes), demo.title
        for day in (demo.started_on, demo.ended_on, *(row.measured_on for row in demo.outcomes)):
            assert day is None or isinstance(day, str), demo.title


def test_demo_records_refer_to_each_other():
    neighbourhoods = {row.slug for row in DEMO_NEIGHBOURHOODS}
    submitters = {row.role for row in DEMO_ACCOUNTS} | {row.email for row in DEMO_RESIDENTS}
    organisations = {row.name for row in DEMO_ORGANISATIONS}
    titles = {demo.title for demo in DEMO_INITIATIVES}
    for demo in DEMO_INITIATIVES:
        assert demo.neighbourhood in neighbourhoods, demo.title
        assert demo.submitter in submitters, demo.title
    assert {row.organisation for row in DEMO_ACCOUNTS} - {None} <= organisations
    picks = {pick.title for cluster in DEMO_CLUSTERS for pick in cluster.picks}
    assert picks and picks <= titles


def test_a_demo_file_with_an_unknown_field_is_named_in_the_error(monkeypatch):
    entries = [{"sector": "residents"}, {"sector": "police", "colour": "blue"}]
    monkeypatch.setattr(content, "read_demo_file", lambda _name: entries)
    with pytest.raises(DemoDataError, match=r"people\.yaml, entry 2: .*colour"):
        load_demo_records("people.yaml", DemoParticipant)


@pytest.mark.sqlite_only  # the database plays no part: build it once per CI run
def test_demo_data_files_ship_in_the_wheel(tmp_path):
    """An installed (non-editable) copy reads its demo data from the package."""
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE, "__pycache__"))
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(source)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("coproduce-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"app/demo/data/{path.name}" for path in DATA.glob("*.yaml")}
    assert len(expected) >= 6
    assert expected <= shipped
