"""The import page, /council/import: council officers and admins upload a CSV file, whose check
runs as a job on the worker (eager in tests); its page shows the progress, then what each row
would do; "Import" runs the import of that same file, kept in the database, as a job too."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.imports import jobs
from app.imports.layout import BYTE_ORDER_MARK, COLUMN_NAMES, documented_columns
from app.imports.models import ImportUpload
from app.initiatives.models import Initiative
from app.tasks.models import Job
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
def instance_folder(app, tmp_path, monkeypatch):
    """A fresh instance folder: nothing an import does may land in it."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path


def check(client, content: bytes, state: str = "pending", name: str = "initiatives.csv"):
    """Upload a file; its check runs at once (eager tasks): the check's page, followed."""
    return client.post(
        PAGE,
        data={"file": (io.BytesIO(content), name), "state": state},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def confirm_url(response) -> str | None:
    """Where the check's "Import" button posts, if it has one."""
    found = re.search(r'action="(/council/import/jobs/\d+/import)"', response.get_data(True))
    return found.group(1) if found else None


def import_checked(client, response, **kwargs):
    return client.post(confirm_url(response), data={}, **kwargs)


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
    content = (FIXTURES / "initiatives.csv").read_bytes()
    posted = client.post(
        PAGE,
        data={"file": (io.BytesIO(content), "initiatives.csv"), "state": "pending"},
        content_type="multipart/form-data",
    )
    assert posted.status_code == status
    assert client.post(f"{PAGE}/jobs/1/import", data={}).status_code == status
    assert client.get(f"{PAGE}/jobs/1").status_code == status
    assert client.get(f"{PAGE}/jobs/1.json").status_code == status
    assert initiative_count(app) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ImportUpload)) == 0


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


def test_check_then_import(app, client, auth, officer, places, instance_folder):
    auth.login(officer.email)
    before = snapshot(app)
    content = (FIXTURES / "initiatives.csv").read_bytes()

    checked = check(client, content, state="published")

    assert checked.status_code == 200
    assert checked.request.path.startswith(f"{PAGE}/jobs/")
    assert_valid_html(checked.data, checked.request.path)
    assert report_rows(checked) == [
        ("2", "create", "Kirkstall street watch"),
        ("3", "create", "Repair café"),
        ("4", "create", "Walking group"),
    ]
    html = checked.get_data(as_text=True)
    assert "<h1>Checking initiatives.csv</h1>" in html
    assert "<caption>Each row of the file: the line, what it would do, and why</caption>" in html
    assert "Import these 3 rows" in html
    assert 'http-equiv="refresh"' not in html  # finished: nothing to wait for
    assert snapshot(app) == before  # checking writes nothing
    with app.app_context():  # the file is kept in the database, byte for byte
        upload = db.session.scalar(select(ImportUpload))
        assert upload.data == content and upload.owner_id == officer.id
        assert upload.filename == "initiatives.csv" and upload.state == "published"
    assert not list(instance_folder.iterdir())  # and nothing on this machine's disk

    imported = import_checked(client, checked)

    assert imported.status_code == 303
    page = client.get(imported.headers["Location"])
    html = page.get_data(as_text=True)
    assert_valid_html(page.data, imported.headers["Location"])
    assert (
        "Imported initiatives.csv: 3 created, 0 updated, 0 unchanged. New initiatives are "
        "published." in html
    )
    assert "<h1>Importing initiatives.csv</h1>" in html
    assert "The search index and the map are up to date." in html
    with app.app_context():
        states = db.session.scalars(select(Initiative.state)).all()
        assert states == ["published"] * 3
        assert db.session.scalar(select(func.count()).select_from(ImportUpload)) == 0
        kinds = db.session.execute(select(Job.kind, Job.state).order_by(Job.id)).all()
        assert kinds == [
            ("import_csv", "done"),
            ("import_csv", "done"),
            ("rebuild_derived", "done"),
        ]
    found = client.get("/initiatives?q=street+watch").get_data(as_text=True)
    assert "Kirkstall street watch" in found  # the search index was rebuilt after the import
    assert import_checked(client, checked).status_code == 400  # the file is gone

    again = check(client, content, state="published")
    assert [action for _, action, _ in report_rows(again)] == ["unchanged"] * 3
    assert confirm_url(again) is None
    assert "Nothing to import" in again.get_data(as_text=True)


def test_rejected_rows_are_listed_and_nothing_can_be_imported(app, client, auth, officer, places):
    auth.login(officer.email)

    response = check(client, (FIXTURES / "bad_rows.csv").read_bytes())

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "5 rows have problems" in html
    assert confirm_url(response) is None
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
        (b"name,town\nA,B\n", "sheet.csv", "Unknown columns in the header: name, town."),
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


def test_a_file_too_large_gets_a_friendly_413_page(
    app, client, auth, officer, places, monkeypatch
):
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 2000)
    auth.login(officer.email)

    large = check(client, b"title,neighbourhood\n" + b"A,Kirkstall\n" * 400)

    assert large.status_code == 413
    html = large.get_data(as_text=True)
    assert "The file is larger than 0.00190735 MB: split it into smaller files" in html
    assert 'class="error-summary"' in html and '<label for="file">CSV file</label>' in html
    assert initiative_count(app) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ImportUpload)) == 0


def test_the_upload_alone_takes_files_larger_than_the_site_wide_limit(
    app, client, auth, officer, places, monkeypatch
):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)  # the site-wide limit
    auth.login(officer.email)
    content = (FIXTURES / "initiatives.csv").read_bytes() + b"\n" * 2000

    checked = check(client, content)
    elsewhere = client.post(f"{PAGE}/jobs/1/import", data={"x": "y" * 2000})

    assert checked.status_code == 200
    assert [action for _, action, _ in report_rows(checked)] == ["create"] * 3
    assert elsewhere.status_code == 413


def test_a_file_too_long_is_refused(app, client, auth, officer, places, monkeypatch):
    auth.login(officer.email)
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 1)
    longer = check(client, (FIXTURES / "initiatives.csv").read_bytes())
    assert longer.status_code == 422  # the job's page, saying what is wrong with the file
    html = longer.get_data(as_text=True)
    assert "The file cannot be imported" in html
    assert "The file has more than 1 row:" in html
    assert confirm_url(longer) is None


def test_a_check_is_only_its_owners_and_its_file_expires(
    app, client, auth, officer, places, make_user
):
    auth.login(officer.email)
    checked = check(client, (FIXTURES / "initiatives.csv").read_bytes())
    job_page, url = checked.request.path, confirm_url(checked)
    auth.logout()
    auth.login(make_user(role="admin").email)

    stolen = client.post(url, data={})
    peeked = client.get(job_page)
    peeked_json = client.get(f"{job_page}.json")
    auth.logout()
    auth.login(officer.email)
    with app.app_context():
        upload = db.session.scalar(select(ImportUpload))
        upload.created_at = upload.created_at - timedelta(hours=25)
        db.session.commit()
    expired = client.post(url, data={})

    assert [r.status_code for r in (stolen, peeked, peeked_json)] == [404, 404, 404]
    assert expired.status_code == 400
    assert "That check has expired" in expired.get_data(as_text=True)
    assert initiative_count(app) == 0


def test_expired_uploads_are_deleted_by_the_daily_task(app, client, auth, officer, places):
    from app.imports.tasks import tidy_import_uploads

    auth.login(officer.email)
    check(client, (FIXTURES / "initiatives.csv").read_bytes())
    check(client, (FIXTURES / "bad_rows.csv").read_bytes())
    with app.app_context():
        first = db.session.scalar(select(ImportUpload).order_by(ImportUpload.id))
        first.created_at = first.created_at - timedelta(hours=25)
        db.session.commit()
        assert tidy_import_uploads.call_local() == 1
        assert db.session.scalar(select(func.count()).select_from(ImportUpload)) == 1


def test_the_import_needs_a_csrf_token(app, client, auth, officer, places):
    auth.login(officer.email)
    checked = check(client, (FIXTURES / "initiatives.csv").read_bytes())
    response = import_checked(client, checked, csrf=False)
    assert response.status_code == 400
    assert initiative_count(app) == 0


def test_a_change_on_the_site_after_the_check_is_caught_at_import(
    app, client, auth, officer, places, make_initiative
):
    auth.login(officer.email)
    checked = check(client, (FIXTURES / "initiatives.csv").read_bytes())
    make_initiative(state="draft", title="Walking group", neighbourhood_id=places["kirkstall"])

    response = import_checked(client, checked, follow_redirects=True)

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

    import_checked(client, checked)

    with app.app_context():
        summary = db.session.scalar(select(Initiative.summary))
        assert summary == "Darllen gyda'r plant bob dydd Iau — ŵyr ac wyresau'n helpu."


def test_a_long_report_lists_the_first_rows_and_says_how_many_more(
    app, client, auth, officer, places, monkeypatch
):
    monkeypatch.setattr(jobs, "MAX_ROWS_SHOWN", 1)
    monkeypatch.setattr(jobs, "MAX_REJECTED_SHOWN", 2)
    auth.login(officer.email)

    response = check(client, (FIXTURES / "bad_rows.csv").read_bytes())

    assert [(line, action) for line, action, _ in report_rows(response)] == [
        ("2", "create"),
        ("3", "reject"),
        ("4", "reject"),
    ]
    assert "3 more rows are not listed here" in response.get_data(as_text=True)


def running_check(app, owner_id: int, **progress) -> int:
    """A check a worker has started and not finished: its job, as the worker leaves it."""
    with app.app_context():
        job = Job(
            kind="import_csv",
            state="running",
            owner_id=owner_id,
            payload={"upload_id": 0, "filename": "long.csv", "commit": False},
            progress=progress,
        )
        db.session.add(job)
        db.session.commit()
        return job.id


def test_a_running_check_shows_its_progress_and_refreshes_without_javascript(
    app, client, auth, officer
):
    job_id = running_check(
        app, officer.id, step="checked", checked=1200, checked_total=5000, rejected=3
    )
    auth.login(officer.email)

    response = client.get(f"{PAGE}/jobs/{job_id}")

    assert response.status_code == 200
    assert_valid_html(response.data, f"{PAGE}/jobs/{job_id}")
    html = response.get_data(as_text=True)
    assert "<h1>Checking long.csv</h1>" in html
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html
    assert '<p id="import-step" role="status">Checking rows…</p>' in html
    assert (
        '<span data-counter="checked">1200</span> / <span data-counter="checked_total">5000'
        in html
    )
    assert '<span data-counter="rejected">3</span>' in html
    assert f'data-status-url="{PAGE}/jobs/{job_id}.json"' in html
    assert "js/import-progress.js" in html
    assert "Rows written" not in html  # a check writes nothing


def test_the_status_of_a_job_as_json(app, client, auth, officer, places):
    job_id = running_check(app, officer.id, step="places", places=2, places_total=9)
    auth.login(officer.email)

    running = client.get(f"{PAGE}/jobs/{job_id}.json")
    finished_page = check(client, (FIXTURES / "initiatives.csv").read_bytes())
    finished = client.get(f"{finished_page.request.path}.json")

    assert running.status_code == 200 and running.mimetype == "application/json"
    assert running.json == {
        "id": job_id,
        "state": "running",
        "finished": False,
        "commit": False,
        "progress": {"step": "places", "places": 2, "places_total": 9},
        "url": f"{PAGE}/jobs/{job_id}",
    }
    assert finished.json["state"] == "done" and finished.json["finished"] is True
    assert finished.json["progress"]["checked"] == 3
    assert finished.json["progress"]["checked_total"] == 3
    assert finished.json["progress"]["rejected"] == 0


def test_counters_written_while_the_import_holds_the_database_are_seen(app, officer):
    from app.tasks.jobs import JobProgress, job_progress

    job_id = running_check(app, officer.id, step="checked", checked=3)
    with app.app_context():
        progress = JobProgress(job_id)
        progress.values = {"step": "checked", "checked": 3}
        with progress.while_writing():
            progress.update(force=True, step="written", written=2, written_total=3)
            job = db.session.get(Job, job_id)
            assert job_progress(job) == {
                "step": "written",
                "checked": 3,
                "written": 2,
                "written_total": 3,
            }
            db.session.rollback()
        job = db.session.get(Job, job_id)
        assert job_progress(job)["checked"] == 3  # the kept counters are forgotten after


def test_the_progress_of_a_check_that_found_problems(app, client, auth, officer, places):
    auth.login(officer.email)
    response = check(client, (FIXTURES / "bad_rows.csv").read_bytes())
    status = client.get(f"{response.request.path}.json").json
    assert status["progress"]["rejected"] == 5
    assert status["progress"]["checked"] == 6


@pytest.mark.timeout(300)  # 40,000 rows read (check, then import): about 95 s alone on 2 cores
def test_a_long_file_is_checked_and_imported(app, client, auth, make_user, places):
    rows = ["external_id,title,summary,themes,stages,neighbourhood,latitude,longitude"]
    rows += [
        f"L-{n},Initiative {n},Done together.,safety,co-delivery,Kirkstall,53.8,-1.6"
        for n in range(20_000)
    ]
    auth.login(make_user(role="admin").email)

    checked = check(client, ("\n".join(rows) + "\n").encode(), state="published")

    assert checked.status_code == 200
    assert "Import these 20000 rows" in checked.get_data(as_text=True)
    assert "19500 more rows are not listed here" in checked.get_data(as_text=True)
    imported = client.get(import_checked(client, checked).headers["Location"])
    assert "Imported initiatives.csv: 20000 created, 0 updated, 0 unchanged." in imported.text
    assert initiative_count(app) == 20_000


def test_a_welsh_officers_check_is_reported_in_welsh_and_counts_its_progress(
    app, client, auth, officer, places
):
    """The worker has no request: the job runs in its owner's language, and its progress is
    counted by step, whatever language the step's label is in."""
    from app.accounts.models import User

    auth.login(officer.email)
    with app.app_context():  # chosen on the account page; the upload page is the English one
        db.session.get(User, officer.id).locale = "cy"
        db.session.commit()

    response = check(client, (FIXTURES / "bad_rows.csv").read_bytes())

    html = response.get_data(as_text=True)
    assert "Thema anhysbys “gardening”: defnyddiwch safety, health, education neu " in html
    assert "Unknown theme “gardening”" not in html
    status = client.get(f"{response.request.path}.json").json
    assert status["progress"]["checked"] == 6
    assert status["progress"]["rejected"] == 5
    assert status["progress"]["step"] == "checked"
