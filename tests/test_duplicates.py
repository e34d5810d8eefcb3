"""Possible duplicates (issue 17): before submitting, a published initiative with a very
similar title near the same place is shown ("Is it one of these?"); the resident may still
go on, and the moderators see the submission flagged. The API flags too; imports warn."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.duplicates.services import candidates_query, find_possible_duplicates, title_similarity
from app.extensions import db
from app.initiatives.models import Initiative
from tests.support.queries import count_queries
from tests.test_api_writes import post
from tests.test_submission_minimal import api_token, minimal_body, minimal_form  # noqa: F401

TITLE = "Kirkstall street watch"


def lookalike_sheet(tmp_path):
    """A council's sheet: one row very like the published street watch, one unlike it."""
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        "external_id,title,summary,themes,neighbourhood\n"
        "K-1,Kirkstall Street Watch group,Walking together.,safety,Kirkstall\n"
        "K-2,Kirkstall repair café,Fixing together.,safety,Kirkstall\n",
        encoding="utf-8",
    )
    return sheet


@pytest.fixture
def kirkstall(make_neighbourhood):
    return make_neighbourhood(name="Kirkstall", slug="kirkstall", latitude=53.82, longitude=-1.60)


@pytest.fixture
def published(make_initiative, kirkstall):
    return make_initiative(title=TITLE, neighbourhood_id=kirkstall)


@pytest.mark.parametrize(
    ("title", "similar"),
    [
        ("Kirkstall Street Watch group", True),
        ("kirkstall street-watch", True),
        ("Street watch, Kirkstall", True),
        ("Kirkstal street watch", True),  # a typo
        ("Street watch", False),  # a title inside a longer one
        ("Kirkstall repair café", False),
    ],
)
def test_very_similar_titles(title, similar):
    assert (title_similarity(TITLE, title) >= 85) is similar


def test_the_resident_is_asked_is_it_one_of_these_and_may_go_on(
    app, client, auth, make_user, kirkstall, published
):
    auth.login(make_user().email)
    data = minimal_form(kirkstall, title="Kirkstall Street Watch group")

    shown = client.post("/initiatives/new", data=data)

    assert shown.status_code == 303  # kept as a draft, then shown: a reload posts nothing
    assert shown.headers["Location"].endswith("#possible-duplicates")
    page = client.get(shown.headers["Location"]).get_data(as_text=True)
    assert "Is it one of these?" in page
    assert f'href="/initiatives/{published}-kirkstall-street-watch">{TITLE}</a>' in page
    with app.app_context():
        initiative = db.session.scalar(select(Initiative).where(Initiative.id != published))
        assert initiative.state == "draft"
        draft_id = initiative.id

    went_on = client.post(
        f"/initiatives/{draft_id}/edit", data={**data, "possible_duplicates_seen": "1"}
    )

    assert went_on.status_code == 302
    with app.app_context():
        initiative = db.session.get(Initiative, draft_id)
        assert initiative.state == "pending"
        assert initiative.possible_duplicate_ids == [published]


def test_moderators_see_the_flag_in_the_queue(app, client, auth, make_user, kirkstall, published):
    auth.login(make_user().email)
    data = {**minimal_form(kirkstall, title=TITLE), "possible_duplicates_seen": "1"}
    assert client.post("/initiatives/new", data=data).status_code == 302
    auth.logout()
    auth.login(make_user(role="moderator").email)
    queue = client.get("/moderation").get_data(as_text=True)
    assert "Possible duplicate of" in queue
    assert f'<a href="/initiatives/{published}">#{published}</a>' in queue


def test_a_different_title_goes_straight_to_review(
    app, client, auth, make_user, kirkstall, published
):
    auth.login(make_user().email)
    response = client.post("/initiatives/new", data=minimal_form(kirkstall, title="Repair café"))
    assert response.status_code == 302
    with app.app_context():
        submitted = db.session.scalar(select(Initiative).where(Initiative.id != published))
        assert (submitted.state, submitted.possible_duplicate_ids) == ("pending", None)


def test_near_means_the_same_neighbourhood_or_a_few_km(
    app, make_initiative, make_neighbourhood, kirkstall
):
    far = make_neighbourhood(name="Hackney", latitude=51.545, longitude=-0.055)
    near = make_neighbourhood(name="Bramley", latitude=53.81, longitude=-1.63)
    in_kirkstall = make_initiative(title=TITLE, neighbourhood_id=kirkstall)
    next_door = make_initiative(
        title=TITLE, neighbourhood_id=near, latitude=53.815, longitude=-1.61
    )
    make_initiative(title=TITLE, neighbourhood_id=far, latitude=51.545, longitude=-0.055)
    make_initiative(title=TITLE, neighbourhood_id=kirkstall, state="pending")  # not public
    with app.app_context():
        found = find_possible_duplicates(TITLE, kirkstall, (53.8206, -1.604))
        assert sorted(duplicate.id for duplicate in found) == sorted([in_kirkstall, next_door])
        assert find_possible_duplicates(TITLE, far) != []  # its own neighbourhood
        assert find_possible_duplicates("Kirkstall", kirkstall) == []


def test_only_candidates_from_an_indexed_query_are_compared(app, make_initiative, kirkstall):
    for number in range(30):
        make_initiative(title=f"Walking group {number}", neighbourhood_id=kirkstall)
    make_initiative(title=TITLE, neighbourhood_id=kirkstall)
    with app.app_context(), count_queries(app) as queries:
        found = find_possible_duplicates("Kirkstall street watchers", kirkstall)
    assert [duplicate.title for duplicate in found] == [TITLE]
    assert len([query for query in queries if query.startswith("SELECT")]) == 1


def test_the_api_flags_a_possible_duplicate(app, client, api_token, published):  # noqa: F811
    response = post(client, api_token, minimal_body(title="Kirkstall Street Watch group"))
    assert response.status_code == 201, response.json
    with app.app_context():
        initiative = db.session.get(Initiative, response.json["initiative"]["id"])
        assert initiative.possible_duplicate_ids == [published]


def test_an_import_warns_of_a_possible_duplicate_per_row(
    app, runner, make_user, make_neighbourhood, tmp_path
):
    kirkstall = make_neighbourhood(name="Kirkstall", slug="kirkstall")
    with app.app_context():
        from tests.factories import create_test_initiative

        published = create_test_initiative(title=TITLE, neighbourhood_id=kirkstall)
    admin = make_user(role="admin")
    sheet = lookalike_sheet(tmp_path)

    result = runner.invoke(args=["import-csv", str(sheet), "--as", admin.email])

    assert result.exit_code == 0, result.output
    warning = (
        f"Possibly the same as #{published} “{TITLE}”, a very similar title nearby: check it is "
        "not already on the site."
    )
    assert result.output.count(warning) == 1
    line_2 = result.output[result.output.index("Kirkstall Street Watch group") :]
    assert warning in line_2[: line_2.index("Kirkstall repair café")]


def test_imported_possible_duplicates_are_flagged_in_the_queue_as_submissions_are(
    app, client, auth, runner, make_user, kirkstall, published, tmp_path
):
    admin = make_user(role="admin")
    sheet = lookalike_sheet(tmp_path)

    result = runner.invoke(args=["import-csv", str(sheet), "--as", admin.email, "--commit"])

    assert result.exit_code == 0, result.output
    with app.app_context():
        flags = dict(
            db.session.execute(
                select(Initiative.external_id, Initiative.possible_duplicate_ids).where(
                    Initiative.state == "pending"
                )
            ).all()
        )
    assert flags == {"K-1": [published], "K-2": None}
    auth.login(make_user(role="moderator").email)
    rows = client.get("/moderation").get_data(as_text=True).split("<tr>")
    (flagged,) = [row for row in rows if "Kirkstall Street Watch group" in row]
    (other,) = [row for row in rows if "Kirkstall repair café" in row]
    assert "Possible duplicate of" in flagged
    assert f'<a href="/initiatives/{published}">#{published}</a>' in flagged
    assert "Possible duplicate of" not in other


@pytest.mark.sqlite_only
def test_the_candidates_query_starts_from_the_search_index(app, kirkstall):
    """No scan of the initiatives: the full-text index finds the titles, by rowid. The
    planner is given the statistics of a loaded database (what ANALYZE after an import or a
    restore leaves), so the plan does not follow what earlier tests left in sqlite_stat1:
    scanning the few initiatives of a test database first would be right for it."""
    with app.app_context():
        query = candidates_query("Kirkstall street watch group", kirkstall, (53.82, -1.6))
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        connection = db.session.connection()
        connection.exec_driver_sql("ANALYZE initiative")
        connection.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE tbl = 'initiative'")
        connection.exec_driver_sql(
            "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('initiative', NULL, '1000000')"
        )
        connection.exec_driver_sql("ANALYZE sqlite_schema")  # read the statistics again
        plan = db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
        db.session.rollback()
    steps = [row[-1] for row in plan]
    assert steps[0].startswith("SCAN initiative_fts VIRTUAL TABLE"), steps
    assert "SEARCH initiative USING INTEGER PRIMARY KEY (rowid=?)" in steps, steps
