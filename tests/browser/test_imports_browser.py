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
