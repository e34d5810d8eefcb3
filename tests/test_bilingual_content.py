"""Bilingual content: an initiative's Welsh version on pages, in the API, CSV and search, a
submission made in Welsh, Welsh names of themes and neighbourhoods, XSS in Welsh fields."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.initiatives.models import Initiative
from app.themes.models import Theme
from app.tokens.services import create_token
from tests.test_clusters import XSS_PAYLOADS, create_cluster
from tests.test_submission import complete_form, form_values, only_initiative
from tests.test_translations import english_left_in


@pytest.fixture
def play_streets(make_initiative, make_neighbourhood):
    splott = make_neighbourhood(
        name="Splott", name_cy="Sblot", slug="splott", latitude=51.4818, longitude=-3.156
    )
    return make_initiative(
        latitude=51.4826,
        longitude=-3.1552,
        location_precision="exact",
        title="Splott play streets",
        summary="Streets closed so children can play out.",
        description="Parent **stewards** at each end.",
        title_cy="Strydoedd chwarae Sblot",
        summary_cy="Strydoedd ar gau er mwyn i blant chwarae allan.",
        description_cy="Rhieni'n **stiwardio** ar bob pen.",
        neighbourhood_id=splott,
    )


def page(client, path) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_welsh_reader_sees_the_welsh_version(client, play_streets):
    html = page(client, f"/cy/initiatives/{play_streets}-splott-play-streets")
    assert '<h1 id="initiative-title">Strydoedd chwarae Sblot</h1>' in html
    assert '<p class="summary">Strydoedd ar gau er mwyn i blant chwarae allan.</p>' in html
    assert "<strong>stiwardio</strong>" in html
    assert "Sblot" in html


def test_english_reader_sees_the_original(client, play_streets):
    html = page(client, f"/initiatives/{play_streets}-splott-play-streets")
    assert '<h1 id="initiative-title">Splott play streets</h1>' in html
    assert "Strydoedd" not in html.split("<main", 1)[1].split('rel="alternate"')[0]


def test_without_a_welsh_version_the_original_is_marked_with_its_language(client, make_initiative):
    initiative = make_initiative(title="Tool library", summary="Borrow a drill.")
    html = page(client, f"/cy/initiatives/{initiative}-tool-library")
    assert '<h1 id="initiative-title" lang="en-GB">Tool library</h1>' in html
    assert '<p class="summary" lang="en-GB">Borrow a drill.</p>' in html
    listing = page(client, "/cy/initiatives")
    assert 'lang="en-GB">Tool library</a>' in listing


def test_an_original_in_welsh_is_marked_on_english_pages(client, make_initiative):
    initiative = make_initiative(title="Clwb garddio", language="cy")
    html = page(client, f"/initiatives/{initiative}-clwb-garddio")
    assert '<h1 id="initiative-title" lang="cy">Clwb garddio</h1>' in html
    welsh = page(client, f"/cy/initiatives/{initiative}-clwb-garddio")
    assert '<h1 id="initiative-title">Clwb garddio</h1>' in welsh


def test_lists_embeds_and_clusters_show_the_welsh_title(app, client, play_streets):
    create_cluster(app, [play_streets], slug="play-out")
    for path in ("/cy/initiatives", "/cy/map", "/cy/clusters/play-out",
                 "/embed/clusters/play-out?lang=cy", "/cy/neighbourhoods/splott"):  # fmt: skip
        assert "Strydoedd chwarae Sblot" in page(client, path), path


def test_slugs_are_never_translated(client, play_streets):
    html = page(client, "/cy/initiatives")
    assert f"/cy/initiatives/{play_streets}-splott-play-streets" in html
    assert "/cy/neighbourhoods/splott" in page(
        client, f"/cy/initiatives/{play_streets}-splott-play-streets"
    )


def test_api_carries_the_welsh_version_under_translations(client, play_streets):
    (item,) = client.get("/api/v1/initiatives").json["items"]
    assert item["title"] == "Splott play streets" and item["language"] == "en"
    assert item["translations"] == {
        "cy": {
            "title": "Strydoedd chwarae Sblot",
            "summary": "Strydoedd ar gau er mwyn i blant chwarae allan.",
        }
    }
    assert item["neighbourhood"]["translations"] == {"cy": {"name": "Sblot"}}
    detail = client.get(f"/api/v1/initiatives/{play_streets}").json["item"]
    welsh = detail["translations"]["cy"]
    assert welsh["description"]["markdown"] == "Rhieni'n **stiwardio** ar bob pen."
    assert "<strong>stiwardio</strong>" in welsh["description"]["html"]
    themes = {theme["slug"]: theme for theme in client.get("/api/v1/themes").json["items"]}
    assert themes["safety"]["translations"] == {
        "cy": {
            "name": "Diogelwch",
            "description": "Trigolion a'r heddlu yn gwneud strydoedd yn fwy diogel.",
        }
    }


def test_the_api_accepts_a_welsh_version(app, client, make_user, make_neighbourhood):
    make_neighbourhood(name="Splott", slug="splott")
    user = make_user()
    with app.app_context():
        token = create_token(db.session.get(User, user.id)).secret
        db.session.commit()
    body = {
        "title": "Play streets", "summary": "Streets closed for play.", "themes": ["safety"],
        "stages": ["co-delivery"], "status": "active", "neighbourhood": "splott",
        "consent": True, "language": "en", "participants": [{"sector": "residents"}],
        "translations": {"cy": {"title": "Strydoedd chwarae", "summary": "Strydoedd ar gau."}},
    }  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post("/api/v1/initiatives", json=body, headers=headers)
    assert response.status_code == 201, response.json
    assert response.json["initiative"]["translations"]["cy"]["title"] == "Strydoedd chwarae"
    too_long = {**body, "translations": {"cy": {"title": "x" * 201}}}
    response = client.post("/api/v1/initiatives", json=too_long, headers=headers)
    assert response.status_code == 422
    assert "translations-cy-title" in response.json["errors"]
    unknown = {**body, "translations": {"fr": {"title": "Rues"}}}
    assert client.post("/api/v1/initiatives", json=unknown, headers=headers).status_code == 400


def test_csv_export_has_welsh_columns_after_the_licence(client, play_streets):
    text = client.get("/api/v1/initiatives.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    header = next(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    after_licence = header[header.index("licence") + 1 :]
    assert after_licence[:3] == ["language", "title_cy", "summary_cy"]
    assert rows[0]["title_cy"] == "Strydoedd chwarae Sblot"
    assert rows[0]["language"] == "en"


def test_csv_import_reads_welsh_columns(app, runner, tmp_path, make_neighbourhood, make_user):
    make_neighbourhood(name="Splott", slug="splott")
    admin = make_user(role="admin")
    path = tmp_path / "welsh.csv"
    path.write_text(
        "title,summary,themes,stages,status,neighbourhood,title_cy,summary_cy,language\n"
        "Play streets,Streets closed for play.,safety,co-delivery,active,splott,"
        "Strydoedd chwarae,Strydoedd ar gau.,en\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["import-csv", str(path), "--commit", "--as", admin.email])
    assert result.exit_code == 0, result.output
    with app.app_context():
        initiative = db.session.scalar(
            select(Initiative).where(Initiative.title == "Play streets")
        )
        assert (initiative.title_cy, initiative.summary_cy) == (
            "Strydoedd chwarae",
            "Strydoedd ar gau.",
        )


def test_search_finds_the_welsh_words_too(client, play_streets):
    for query in ("stiwardio", "Strydoedd", "Sblot", "stewards"):
        html = page(client, f"/initiatives?q={query}")
        assert "1 initiative" in html, query


def test_a_submission_made_in_welsh_keeps_everything_typed(
    app, client, auth, make_user, make_neighbourhood
):
    splott = make_neighbourhood(name="Splott", name_cy="Sblot")
    auth.login(make_user().email)
    form = complete_form(
        splott,
        title="Strydoedd chwarae",
        summary="",  # missing: the page answers with an error
        language="cy",
        title_cy="",
        description="Rhieni'n stiwardio.",
    )
    response = client.post("/cy/initiatives/new", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert '<html lang="cy">' in html
    assert "Crynodeb: rhowch grynodeb byr." in html  # the error, in Welsh
    assert "enter a short summary" not in html.lower()
    assert "Mae problem" in html
    assert english_left_in(html) == []  # labels, hints, stages and precisions included
    assert "Cyd-ddarparu" in html and "Stryd (tua 100 m)" in html
    kept = form_values(response)
    assert kept["title"] == ["Strydoedd chwarae"]
    assert kept["description"] == ["Rhieni'n stiwardio."]
    assert kept["participants-0-name"] == ["Kirkstall Residents' Association"]
    saved_as_draft = re.search(r'action="(/cy/initiatives/\d+/edit)"', html)
    assert saved_as_draft is not None  # the draft is kept, and its form stays Welsh
    form["summary"] = "Strydoedd ar gau i draffig."
    response = client.post(saved_as_draft.group(1), data=form)
    assert response.status_code == 302
    assert response.headers["Location"] == "/cy/account/initiatives"
    with app.app_context():
        initiative = only_initiative(app)
        assert (initiative.language, initiative.title) == ("cy", "Strydoedd chwarae")
        assert initiative.state == "pending"


def test_a_new_submission_on_a_welsh_page_is_taken_as_written_in_welsh(client, auth, make_user):
    auth.login(make_user().email)
    welsh = form_values(client.get("/cy/initiatives/new"))
    english = form_values(client.get("/initiatives/new"))
    assert welsh["language"] == ["cy"] and english["language"] == ["en"]


def test_the_welsh_version_is_saved_with_the_submission(
    app, client, auth, make_user, make_neighbourhood
):
    auth.login(make_user().email)
    form = complete_form(
        make_neighbourhood(), title_cy="Gwylio'r stryd", summary_cy="Preswylwyr a'r heddlu."
    )
    assert client.post("/initiatives/new", data=form).status_code == 302
    with app.app_context():
        initiative = only_initiative(app)
        assert (initiative.title_cy, initiative.summary_cy, initiative.language) == (
            "Gwylio'r stryd",
            "Preswylwyr a'r heddlu.",
            "en",
        )
        assert initiative.slug == "kirkstall-street-watch"


def test_admins_give_themes_and_neighbourhoods_welsh_names(app, client, auth, make_user):
    auth.login(make_user(role="admin").email)
    with app.app_context():
        theme = db.session.scalar(select(Theme).where(Theme.slug == "safety"))
        values = {"name": theme.name, "colour": theme.colour, "description": "", "position": "0"}
    response = client.post(
        f"/admin/themes/{theme.id}", data={**values, "name_cy": "Diogelwch cymunedol"}
    )
    assert response.status_code == 302
    assert "Diogelwch cymunedol" in page(client, "/cy/themes/safety")
    assert "Diogelwch cymunedol" not in page(client, "/themes/safety")


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payloads_in_welsh_content_are_inert(
    app, client, make_initiative, make_neighbourhood, payload
):
    place = make_neighbourhood(name="Splott", name_cy=payload, slug="splott")
    initiative = make_initiative(
        title="Play streets",
        title_cy=payload,
        summary_cy=payload,
        description_cy=payload,
        neighbourhood_id=place,
    )
    create_cluster(app, [initiative], slug="play-out")
    for path in (f"/cy/initiatives/{initiative}-play-streets", "/cy/initiatives",
                 "/cy/clusters/play-out", "/embed/clusters/play-out?lang=cy",
                 f"/embed/initiatives/{initiative}?lang=cy", "/cy/neighbourhoods/splott",
                 "/cy/map"):  # fmt: skip
        html = page(client, path)
        assert "<script>alert(1)</script>" not in html, path
        assert "<img src=x onerror" not in html, path
        assert 'href="javascript:' not in html, path
    feed = client.get("/feeds/initiatives.atom?lang=cy").get_data(as_text=True)
    assert "<script>" not in feed and "<img" not in feed
    oembed = client.get(
        "/oembed", query_string={"url": f"http://localhost/cy/initiatives/{initiative}"}
    ).json
    assert "<script>" not in oembed["html"] and "<img" not in oembed["html"]


def test_the_maps_json_follows_the_language_its_page_sends(client, play_streets):
    welsh = {"Accept-Language": "cy"}
    listed = client.get("/map/initiatives.json", headers=welsh)
    assert listed.json["items"][0]["title"] == "Strydoedd chwarae Sblot"
    assert listed.json["items"][0]["neighbourhood"] == "Sblot"
    assert "Accept-Language" in listed.headers["Vary"]
    view = "/api/v1/map/clusters?bbox=-3.16,51.48,-3.15,51.49&zoom=17"
    answer = client.get(view, headers=welsh)
    assert answer.status_code == 200, answer.json
    (feature,) = answer.json["features"]
    assert feature["properties"]["title"] == "Strydoedd chwarae Sblot"
    assert feature["properties"]["theme_name"] == "Diogelwch"
    (feature,) = client.get(view).json["features"]
    assert feature["properties"]["title"] == "Splott play streets"
    assert client.get("/map/initiatives.json").json["items"][0]["neighbourhood"] == "Splott"
