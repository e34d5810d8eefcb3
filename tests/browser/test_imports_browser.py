"""The import page in a real browser: choose a file, check it, read the report, import it."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.test_imports import FIXTURES, make_officer, make_places


def test_a_council_officer_checks_and_imports_a_spreadsheet(
    app, page: Page, make_user, make_neighbourhood
):
    make_places(make_neighbourhood)
    officer = make_officer(app, make_user)
    page.goto("/login")
    page.get_by_label("Email address").fill(officer.email)
    page.get_by_label("Password", exact=True).fill(officer.password)
    page.get_by_role("button", name="Log in", exact=True).click()

    page.goto("/council/import")
    page.get_by_label("CSV file").set_input_files(FIXTURES / "initiatives.csv")
    page.get_by_label("Published: new initiatives are public at once").check()
    page.get_by_role("button", name="Check the file").click()

    report = page.get_by_role("table", name="Each row of the file")
    expect(report.get_by_role("row")).to_have_count(4)
    expect(report.get_by_role("rowheader", name="3")).to_be_visible()
    expect(report).to_contain_text("Repair café")

    page.get_by_role("button", name="Import these 3 rows").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Imported initiatives.csv: 3 created, 0 updated, 0 unchanged."
    )
    page.goto("/initiatives")
    expect(page.get_by_role("link", name="Kirkstall street watch")).to_be_visible()


def test_the_progress_page_follows_a_running_check_and_shows_its_report(
    app, page: Page, make_user, make_neighbourhood
):
    from app.extensions import db
    from app.tasks.models import Job

    officer = make_officer(app, make_user)
    with app.app_context():
        job = Job(
            kind="import_csv",
            state="running",
            owner_id=officer.id,
            payload={"upload_id": 0, "filename": "long.csv", "commit": False},
            progress={"step": "checked", "checked": 10, "checked_total": 40, "rejected": 0},
        )
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    page.goto("/login")
    page.get_by_label("Email address").fill(officer.email)
    page.get_by_label("Password", exact=True).fill(officer.password)
    page.get_by_role("button", name="Log in", exact=True).click()

    page.goto(f"/council/import/jobs/{job_id}")
    expect(page.get_by_role("status")).to_have_text("Checking rows…")
    with app.app_context():  # the worker gets on: the script shows it without a reload
        db.session.get(Job, job_id).progress = {"step": "checked", "checked": 30, "rejected": 2}
        db.session.commit()
    expect(page.locator('[data-counter="checked"]')).to_have_text("30")
    expect(page.locator('[data-counter="rejected"]')).to_have_text("2")
    with app.app_context():  # and finishes: the page shows the report
        job = db.session.get(Job, job_id)
        job.state = "done"
        job.result = {
            "filename": "long.csv",
            "state": "pending",
            "committed": False,
            "counts": {"create": 0, "update": 0, "unchanged": 38, "reject": 2},
            "rows": [{"line": 3, "action": "reject", "title": "Bad", "reasons": ["title: x"]}],
            "hidden": 39,
        }
        db.session.commit()
    expect(page.get_by_role("heading", name="2 rows have problems")).to_be_visible()
