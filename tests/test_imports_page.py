"""The import page, /council/import: council officers and admins check a CSV file, see what
each row would do, and import it; the file imported is the one checked, kept on the server."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.imports import uploads, views
from app.imports.layout import BYTE_ORDER_MARK, COLUMN_NAMES, documented_columns
from app.initiatives.models import Initiative
from tests.test_imports import FIXTURES, make_officer, make_places, snapshot
from tests.test_pages import assert_valid_html

PAGE = "/council/import"


@pytest.fixture
def places(make_neighbourhood):
    return make_places(make_neighbourhood)


@pytest.fixture
def officer(app, make_user):
    return make_officer(app, make_user)


@pytest.fixture(autouse=True)
def upload_folder(app, tmp_path, monkeypatch):
    """Checked files are kept in a temporary instance folder."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path / "imports"


def check(client, content: bytes, state: str = "pending", name: str = "initiatives.csv"):
    return client.post(
        PAGE,
        data={"file": (io.BytesIO(content), name), "state": state},
        content_type="multipart/form-data",
    )


def token_of(response) -> str | None:
    found = re.search(r'name="token" type="hidden" value="([^"]*)"', response.get_data(True))
    return found.group(1) if found else None


def report_rows(response) -> list[tuple[str, str, str]]:
    """(line, action, title) of each row of the report table."""
    html = response.get_data(as_text=True)
    return re.findall(
        r'<th scope="row" class="numeric">(\d+)</th>\s*<td>(?:<span[^>]*>)?(\w+)(?:</span>)?'
        r"</td>\s*<td>([^<]*)</td>",
        html,
    )


def initiative_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Initiative))


@pytest.mark.parametrize(
    ("role", "status"),
    [(None, 302), ("resident", 403), ("moderator", 403), ("council", 200), ("admin", 200)],
)
@pytest.mark.parametrize("url", [PAGE, f"{PAGE}/template.csv"])
def test_only_council_officers_and_admins_see_the_import_page(
    client, auth, make_user, role, status, url
):
    if role:
        auth.login(make_user(role=role).email)
    response = client.get(url)
    assert response.status_code == status
    if role is None:
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(("role", "status"), [(None, 302), ("resident", 403), ("moderator", 403)])
def test_others_cannot_post_a_file_or_an_import(
    app, client, auth, make_user, places, role, status
):
    if role:
        auth.login(make_user(role=role).email)
    assert check(client, (FIXTURES / "initiatives.csv").read_bytes()).status_code == status
    assert client.post(f"{PAGE}/confirm", data={"token": "x" * 32}).status_code == status
    assert initiative_count(app) == 0


def test_the_page_documents_the_layout_and_is_valid(client, auth, officer, places):
    auth.login(officer.email)
    response = client.get(PAGE)
    html = response.get_data(as_text=True)
    assert_valid_html(response.data, PAGE)
    assert (
        '<input accept=".csv,text/csv" aria-describedby="file-hint" id="file" name="file" '
        'required type="file">' in html
    )
    assert '<label for="file">CSV file</label>' in html
    assert f'href="{PAGE}/template.csv"' in html
    for column in documented_columns():
        assert f"<code>{column.name.replace('<', '&lt;').replace('>', '&gt;')}</code>" in html
    # The neighbourhoods a row may name: the officer's area only.
    assert "You import into your council's area: the neighbourhoods of Leeds City Council." in html
    assert "Kirkstall (<code>kirkstall</code>)" in html
    assert "Llanisien" not in html
    assert '<input checked id="state-0" name="state" type="radio" value="pending">' in html


def test_the_template_is_the_header_and_an_example_row(client, auth, officer):
    auth.login(officer.email)
    response = client.get(f"{PAGE}/template.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8")
    assert text.startswith(BYTE_ORDER_MARK)
    header, example = list(csv.reader(io.StringIO(text.removeprefix(BYTE_ORDER_MARK))))
    assert tuple(header) == COLUMN_NAMES
    assert dict(zip(header, example, strict=True))["title"] == "Kirkstall street watch"


def test_the_template_imports_once_its_neighbourhood_exists(app, client, auth, officer, places):
    auth.login(officer.email)
    template = client.get(f"{PAGE}/template.csv").data
    response = check(client, template)
    assert response.status_code == 200
    assert report_rows(response) == [("2", "create", "Kirkstall street watch")]


def test_check_then_import(app, client, auth, officer, places, upload_folder):
    auth.login(officer.email)
    before = snapshot(app)

    checked = check(client, (FIXTURES / "initiatives.csv").read_bytes(), state="published")

    assert checked.status_code == 200
    assert_valid_html(checked.data, PAGE)
    assert report_rows(checked) == [
        ("2", "create", "Kirkstall street watch"),
        ("3", "create", "Repair café"),
        ("4", "create", "Walking group"),
    ]
    html = checked.get_data(as_text=True)
    assert "<caption>Each row of the file: the line, what it would do, and why</caption>" in html
    assert "Import these 3 rows" in html
    assert snapshot(app) == before  # checking writes nothing
    token = token_of(checked)
    assert (upload_folder / f"{token}.csv").read_bytes() == (
        FIXTURES / "initiatives.csv"
    ).read_bytes()

    imported = client.post(f"{PAGE}/confirm", data={"token": token})

    assert imported.status_code == 302 and imported.headers["Location"] == PAGE
    page = client.get(PAGE).get_data(as_text=True)
    assert (
        "Imported initiatives.csv: 3 created, 0 updated, 0 unchanged. New initiatives are "
        "published." in page
    )
    with app.app_context():
        states = db.session.scalars(select(Initiative.state)).all()
        assert states == ["published"] * 3
    assert not list(upload_folder.iterdir())  # the kept file is gone
    assert client.post(f"{PAGE}/confirm", data={"token": token}).status_code == 400

    again = check(client, (FIXTURES / "initiatives.csv").read_bytes(), state="published")
    assert [action for _, action, _ in report_rows(again)] == ["unchanged"] * 3
    assert token_of(again) is None
    assert "Nothing to import" in again.get_data(as_text=True)


def test_rejected_rows_are_listed_and_nothing_can_be_imported(app, client, auth, officer, places):
    auth.login(officer.email)

    response = check(client, (FIXTURES / "bad_rows.csv").read_bytes())

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "5 rows have problems" in html
    assert token_of(response) is None
    assert [(line, action) for line, action, _ in report_rows(response)] == [
        ("2", "create"),
        ("3", "reject"),
        ("4", "reject"),
        ("5", "reject"),
        ("6", "reject"),
        ("7", "reject"),
    ]
    assert "<li>themes: Unknown theme “gardening”: use safety, health, education or " in html
    assert initiative_count(app) == 0


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", "The file is empty."),
        (b"title,neighbourhood\nCaf\xe9,K\n", "latin.csv", "is not UTF-8 text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "picture.csv", "is not a CSV text file"),
        (b"title,neighbourhood\n", "header.csv", "has a header but no rows"),
        (b"title,neighbourhood\nA,B\n", "sheet.xlsx", "Choose a .csv file"),
        (b"name,place\nA,B\n", "sheet.csv", "Unknown columns in the header: name, place."),
    ],
)
def test_a_bad_file_gets_a_clear_message(app, client, auth, officer, content, name, message):
    auth.login(officer.email)
    response = check(client, content, name=name)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'class="error-summary"' in html
    assert initiative_count(app) == 0


def test_no_file_is_asked_for(client, auth, officer):
    auth.login(officer.email)
    response = client.post(PAGE, data={"state": "pending"}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose the CSV file to check." in response.get_data(as_text=True)


def test_only_pending_or_published_may_be_chosen(app, client, auth, officer, places):
    auth.login(officer.email)
    response = check(client, (FIXTURES / "initiatives.csv").read_bytes(), state="draft")
    assert response.status_code == 422
    assert "Choose pending or published." in response.get_data(as_text=True)
    assert token_of(response) is None


def test_a_file_too_large_or_too_long_is_refused(app, client, auth, officer, places, monkeypatch):
    auth.login(officer.email)
    monkeypatch.setattr(views, "MAX_UPLOAD_BYTES", 100)
    large = check(client, (FIXTURES / "initiatives.csv").read_bytes())
    monkeypatch.setattr(views, "MAX_UPLOAD_BYTES", 12 * 2**20)
    monkeypatch.setattr(views, "PAGE_MAX_ROWS", 2)
    long = check(client, (FIXTURES / "initiatives.csv").read_bytes())
    monkeypatch.setattr(views, "PAGE_MAX_ROWS", 2000)
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 1)
    longer = check(client, (FIXTURES / "initiatives.csv").read_bytes())

    assert [r.status_code for r in (large, long, longer)] == [422, 422, 422]
    assert "The file is larger than 0 MB" in large.get_data(as_text=True)
    assert "The file has more than 2 rows" in long.get_data(as_text=True)
    assert "The file has more than 1 row:" in longer.get_data(as_text=True)


def test_a_token_works_only_for_its_owner_and_only_for_an_hour(
    app, client, auth, officer, places, make_user, monkeypatch
):
    auth.login(officer.email)
    token = token_of(check(client, (FIXTURES / "initiatives.csv").read_bytes()))
    auth.logout()
    auth.login(make_user(role="admin").email)

    stolen = client.post(f"{PAGE}/confirm", data={"token": token})
    forged = client.post(f"{PAGE}/confirm", data={"token": "../../etc/passwd"})
    auth.logout()
    auth.login(officer.email)
    monkeypatch.setattr(uploads, "EXPIRY_SECONDS", -1)
    expired = client.post(f"{PAGE}/confirm", data={"token": token})

    assert [r.status_code for r in (stolen, forged, expired)] == [400, 400, 400]
    assert views.EXPIRED in expired.get_data(as_text=True)
    assert initiative_count(app) == 0


def test_the_import_needs_a_csrf_token(app, client, auth, officer, places):
    auth.login(officer.email)
    token = token_of(check(client, (FIXTURES / "initiatives.csv").read_bytes()))
    response = client.post(f"{PAGE}/confirm", data={"token": token}, csrf=False)
    assert response.status_code == 400
    assert initiative_count(app) == 0


def test_a_change_on_the_site_after_the_check_is_caught_at_import(
    app, client, auth, officer, places, make_initiative
):
    auth.login(officer.email)
    token = token_of(check(client, (FIXTURES / "initiatives.csv").read_bytes()))
    make_initiative(state="draft", title="Walking group", neighbourhood_id=places["kirkstall"])

    response = client.post(f"{PAGE}/confirm", data={"token": token})

    assert response.status_code == 422
    assert "which is draft: only pending and published" in response.get_data(as_text=True)
    assert initiative_count(app) == 1  # only the draft made above


def test_checks_are_rate_limited(app, client, auth, officer, places, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_IMPORT", "2 per hour")
    auth.login(officer.email)
    content = (FIXTURES / "initiatives.csv").read_bytes()
    statuses = [check(client, content).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_a_spreadsheet_csv_with_a_byte_order_mark_and_welsh_text(
    app, client, auth, make_user, places
):
    auth.login(make_officer(app, make_user, "Cardiff Council").email)
    checked = check(client, (FIXTURES / "welsh_bom.csv").read_bytes(), name="ysgolion.csv")
    assert report_rows(checked) == [("2", "create", "Clwb darllen Ysgol Gymraeg Llanisien")]

    client.post(f"{PAGE}/confirm", data={"token": token_of(checked)})

    with app.app_context():
        summary = db.session.scalar(select(Initiative.summary))
        assert summary == "Darllen gyda'r plant bob dydd Iau — ŵyr ac wyresau'n helpu."


def test_a_long_report_lists_the_first_rows_and_says_how_many_more(
    app, client, auth, officer, places, monkeypatch
):
    monkeypatch.setattr(views, "MAX_ROWS_SHOWN", 1)
    monkeypatch.setattr(views, "MAX_REJECTED_SHOWN", 2)
    auth.login(officer.email)

    response = check(client, (FIXTURES / "bad_rows.csv").read_bytes())

    assert [(line, action) for line, action, _ in report_rows(response)] == [
        ("2", "create"),
        ("3", "reject"),
        ("4", "reject"),
    ]
    assert "3 more rows are not listed here" in response.get_data(as_text=True)
