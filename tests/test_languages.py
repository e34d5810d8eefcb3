"""Choosing the language by URL (DESIGN.md, "Languages"): every page under /cy/, the switch,
hreflang alternates, machine outputs with lang=cy, the API's Accept-Language, mail."""

from __future__ import annotations

import re

import feedparser
import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.clusters.curation import normalise_filter_query
from app.extensions import db
from app.initiatives.models import Initiative, Outcome
from app.languages import WELSH_TWIN, is_page_rule
from app.themes.models import Theme
from tests.factories import TEST_PASSWORD, create_test_organisation
from tests.test_clusters import create_cluster
from tests.test_translations import english_left_in

SWITCH = re.compile(r'<a href="([^"]*)" lang="([^"]*)" hreflang="[^"]*" class="language-switch">')


def alternates(html: str) -> dict[str, str]:
    return dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))


@pytest.fixture
def world(app, make_initiative, make_neighbourhood, make_user):
    """A published initiative in Splott (Sblot) with a Welsh version, and a cluster."""
    splott = make_neighbourhood(name="Splott", name_cy="Sblot", slug="splott",
                                local_authority="Cardiff Council",
                                local_authority_cy="Cyngor Caerdydd")  # fmt: skip
    initiative = make_initiative(
        title="Splott play streets",
        title_cy="Strydoedd chwarae Sblot",
        summary="Streets closed so children can play out.",
        summary_cy="Strydoedd ar gau er mwyn i blant chwarae allan.",
        neighbourhood_id=splott,
        participants=[{"sector": "residents", "people": 28}],
        outcomes=[{"description": "More play", "indicator": "Streets", "baseline": 1,
                   "result": 6, "measured_on": "2025-05-31"}],
    )  # fmt: skip
    cluster = create_cluster(app, [initiative], slug="play-out")
    user = make_user()
    with app.app_context():
        organisation = create_test_organisation(local_authority="Cardiff Council")
        outcome = db.session.scalar(select(Outcome.id).where(Outcome.initiative_id == initiative))
        theme = db.session.scalar(select(Theme.id).where(Theme.slug == "safety"))
    return {
        "initiative_id": initiative,
        "outcome_id": outcome,
        "cluster_id": cluster,
        "neighbourhood_id": splott,
        "organisation_id": organisation,
        "theme_id": theme,
        "user_id": user.id,
        "token": "not-a-token",
        "chart": "themes",
        "number": 1,
        "item_id": 1,
        "report_id": 1,
        "task_id": "nothing",
        "job_id": 999,
    }


def welsh_page_rules(app):
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.rule.startswith(WELSH_TWIN)),
        key=lambda rule: rule.rule,
    )


def welsh_path(rule, values) -> str:
    slugs = {
        "browse.show_theme": "safety",
        "browse.show_neighbourhood": "splott",
        "initiatives.show_initiative": "splott-play-streets",
    }
    chosen = {name: values[name] for name in rule.arguments if name in values}
    chosen["lang"] = "cy"
    if "slug" in rule.arguments:
        chosen["slug"] = slugs.get(rule.endpoint, "play-out")
    chosen.update(rule.defaults or {})
    return rule.build(chosen, append_unknown=False)[1]


def test_every_html_page_has_a_welsh_twin_and_no_machine_output_has_one(app):
    english = {rule.rule for rule in app.url_map.iter_rules() if WELSH_TWIN not in rule.rule}
    welsh = {rule.rule.removeprefix(WELSH_TWIN) for rule in welsh_page_rules(app)}
    assert welsh == {rule for rule in english if is_page_rule(rule)}
    for machine in (
        "/api/v1/initiatives",
        "/embed.js",
        "/oembed",
        "/healthz",
        "/readyz",
        "/feeds/initiatives.atom",
        "/clusters/<slug>.rss",
        "/static/<path:filename>",
    ):
        assert machine in english and machine not in welsh  # fmt: skip
    for page in ("/", "/initiatives", "/map", "/api", "/clusters/<slug>", "/login", "/privacy"):
        assert page in welsh


def test_every_public_page_under_cy_is_welsh_with_a_switch_and_alternates(app, client, world):
    """Walk the URL map: each Welsh page an anonymous visitor may see answers 200 in Welsh."""
    answered = []
    for rule in welsh_page_rules(app):
        if "GET" not in rule.methods:
            continue
        path = welsh_path(rule, world)
        response = client.get(path)
        html = response.get_data(as_text=True)
        if response.status_code in (301, 302, 303, 308):
            location = response.headers["Location"]
            assert location.startswith("/cy/") or "/cy/" in location, (path, location)
            continue
        if response.status_code in (400, 401, 403, 404, 410):
            continue  # not public, or a made-up token or value (410: a link that cannot work)
        assert response.status_code == 200, (path, response.status_code)
        answered.append(path)
        assert '<html lang="cy">' in html, path
        assert english_left_in(html) == [], path
        switch = SWITCH.search(html)
        assert switch is not None, path
        english = path.removeprefix("/cy") or "/"
        assert switch.group(1) == english and switch.group(2) == "en-GB", path
        links = alternates(html)
        assert links["cy"] == "http://localhost" + path, path
        assert links["en-GB"] == links["x-default"] == "http://localhost" + english, path
    needed = {"/cy/", "/cy/initiatives", "/cy/map", "/cy/api", "/cy/clusters", "/cy/login",
              "/cy/register", "/cy/privacy", "/cy/accessibility", "/cy/themes/safety",
              "/cy/neighbourhoods/splott", "/cy/clusters/play-out",
              f"/cy/initiatives/{world['initiative_id']}-splott-play-streets"}  # fmt: skip
    assert needed <= set(answered)


def test_signed_in_pages_under_cy_are_welsh_too(client, auth, make_user, world):
    auth.login(make_user(role="admin").email)
    for path in ("/cy/account", "/cy/initiatives/new", "/cy/moderation", "/cy/council",
                 "/cy/admin/users", "/cy/account/initiatives"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert '<html lang="cy">' in html
        assert english_left_in(html) == [], path


def test_english_pages_say_en_gb_and_switch_to_welsh(client, world):
    html = client.get("/initiatives?theme=safety&sort=title").get_data(as_text=True)
    assert '<html lang="en-GB">' in html
    switch = SWITCH.search(html)
    assert switch.group(1) == "/cy/initiatives?theme=safety&amp;sort=title"
    assert switch.group(2) == "cy"
    links = alternates(html)
    assert links["cy"] == "http://localhost/cy/initiatives?theme=safety&amp;sort=title"
    assert links["x-default"] == "http://localhost/initiatives?theme=safety&amp;sort=title"


def test_links_on_a_welsh_page_stay_welsh(client, world):
    html = client.get("/cy/initiatives").get_data(as_text=True)
    assert 'href="/cy/map"' in html and 'href="/cy/privacy"' in html
    assert f'href="/cy/initiatives/{world["initiative_id"]}-splott-play-streets"' in html
    assert 'href="/map"' not in html


def test_the_canonical_link_points_to_the_page_itself(client, world):
    path = f"/cy/initiatives/{world['initiative_id']}-splott-play-streets"
    html = client.get(path).get_data(as_text=True)
    assert f'<link rel="canonical" href="http://localhost{path}">' in html
    english = client.get(path.removeprefix("/cy")).get_data(as_text=True)
    assert f'<link rel="canonical" href="http://localhost{path.removeprefix("/cy")}">' in english


def test_short_address_redirects_within_its_language(client, world):
    response = client.get(f"/cy/initiatives/{world['initiative_id']}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(
        f"/cy/initiatives/{world['initiative_id']}-splott-play-streets"
    )


def test_no_redirect_by_cookie_or_accept_language(client, world):
    response = client.get("/", headers={"Accept-Language": "cy"})
    assert response.status_code == 200
    assert '<html lang="en-GB">' in response.get_data(as_text=True)
    client.get("/cy/")
    response = client.get("/initiatives")
    assert response.status_code == 200
    assert '<html lang="en-GB">' in response.get_data(as_text=True)


def test_a_welsh_page_that_does_not_exist_is_a_welsh_404(client):
    response = client.get("/cy/no-such-page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert '<html lang="cy">' in html
    assert SWITCH.search(html).group(1) == "/no-such-page"


def test_lang_is_a_control_parameter_not_a_filter(app, client, world):
    assert client.get("/initiatives?lang=cy").status_code == 200
    assert client.get("/api/v1/initiatives?lang=cy").status_code == 200
    with app.app_context():  # saved cluster filters accept it (and do not keep it)
        assert normalise_filter_query("theme=safety&lang=cy") == ("theme=safety", [])
        assert normalise_filter_query("https://site.example/cy/initiatives?theme=safety")[1] == []


# Machine outputs


def test_embeds_with_lang_cy_are_welsh_and_link_to_welsh_pages(client, world):
    for path in ("/embed/clusters/play-out", "/embed/initiatives?theme=safety",
                 f"/embed/initiatives/{world['initiative_id']}"):  # fmt: skip
        english = client.get(path)
        welsh = client.get(path + ("&" if "?" in path else "?") + "lang=cy")
        assert english.status_code == welsh.status_code == 200, path
        html = welsh.get_data(as_text=True)
        assert '<html lang="cy"' in html, path
        assert "Strydoedd chwarae Sblot" in html, path
        assert f"/cy/initiatives/{world['initiative_id']}-splott-play-streets" in html, path
        assert english.headers["ETag"] != welsh.headers["ETag"], path
        assert "Splott play streets" in english.get_data(as_text=True)


def test_an_embed_with_an_unknown_language_is_a_400(client, world):
    response = client.get("/embed/clusters/play-out?lang=fr")
    assert response.status_code == 400
    assert "lang" in response.get_data(as_text=True)


def test_embed_script_passes_data_lang_on():
    from pathlib import Path

    script = (Path(__file__).parent.parent / "static" / "js" / "embed.js").read_text()
    assert re.search(r'OPTIONS = \[[^\]]*"lang"', script)


def test_welsh_cluster_page_offers_a_welsh_embed_snippet_and_feeds(client, world):
    html = client.get("/cy/clusters/play-out").get_data(as_text=True)
    assert 'data-lang="cy"' in html
    assert "/embed/clusters/play-out?lang=cy" in html
    assert 'href="http://localhost/clusters/play-out.atom?lang=cy"' in html


@pytest.mark.parametrize(
    "path", ["/feeds/initiatives.atom", "/feeds/initiatives.rss", "/clusters/play-out.atom",
             "/clusters/play-out.rss"],
)  # fmt: skip
def test_feeds_with_lang_cy_are_valid_and_say_their_language(client, world, path):
    english = feedparser.parse(client.get(path).data)
    response = client.get(path + "?lang=cy")
    assert response.status_code == 200
    welsh = feedparser.parse(response.data)
    assert not welsh.bozo, welsh.get("bozo_exception")
    assert english.feed.language == "en-GB"
    assert welsh.feed.language == "cy"
    (entry,) = welsh.entries
    assert entry.title == "Strydoedd chwarae Sblot"
    assert "/cy/initiatives/" in entry.link
    assert english.entries[0].title == "Splott play streets"


def test_a_feed_with_an_unknown_language_is_refused(client, world):
    assert client.get("/feeds/initiatives.atom?lang=xx").status_code == 400
    assert client.get("/clusters/play-out.atom?lang=xx").status_code == 404


def test_oembed_reads_a_welsh_page_address_as_welsh(client, world):
    page = f"http://localhost/cy/initiatives/{world['initiative_id']}-splott-play-streets"
    welsh = client.get("/oembed", query_string={"url": page}).json
    english = client.get("/oembed", query_string={"url": page.replace("/cy/", "/")}).json
    assert welsh["title"] == "Strydoedd chwarae Sblot"
    assert english["title"] == "Splott play streets"
    assert "lang=cy" in welsh["html"] and "lang=cy" not in english["html"]
    cluster = client.get("/oembed", query_string={"url": "http://localhost/cy/clusters/play-out"})
    assert cluster.status_code == 200 and "lang=cy" in cluster.json["html"]
    listed = client.get(
        "/oembed", query_string={"url": "http://localhost/initiatives", "lang": "cy"}
    )
    assert "lang=cy" in listed.json["html"]


def test_api_data_keys_never_change_and_messages_follow_accept_language(client, world):
    english = client.get("/api/v1/initiatives").json
    welsh = client.get("/api/v1/initiatives", headers={"Accept-Language": "cy"}).json
    assert english["items"][0].keys() == welsh["items"][0].keys()
    response = client.get("/api/v1/initiatives?limit=0", headers={"Accept-Language": "cy"})
    assert response.status_code == 400 and set(response.json) >= {"ok", "error", "errors"}
    assert "Accept-Language" in response.headers["Vary"]


# Welsh names of what admins write in English first, and the fixed vocabularies


def test_welsh_pages_name_stages_and_precisions_in_welsh(client, world):
    html = client.get(f"/cy/initiatives/{world['initiative_id']}-splott-play-streets").text
    assert "Cyd-ddarparu" in html and "Co-delivery" not in html
    listing = client.get("/cy/initiatives").text
    for welsh in ("Cydgomisiynu", "Cyd-ddylunio", "Cyd-ddarparu", "Cydasesu"):
        assert welsh in listing
    english = client.get(f"/initiatives/{world['initiative_id']}-splott-play-streets").text
    assert "Co-delivery" in english


def test_a_neighbourhood_page_names_its_council_in_welsh(client, world):
    welsh = client.get("/cy/neighbourhoods/splott").text
    assert '<span class="subtitle">Cyngor Caerdydd</span>' in welsh
    assert "Cardiff Council" not in welsh
    initiative = client.get(f"/cy/initiatives/{world['initiative_id']}-splott-play-streets").text
    assert "(<span>Cyngor Caerdydd</span>)" in initiative
    assert "Cardiff Council" in client.get("/neighbourhoods/splott").text


def test_a_theme_page_shows_its_welsh_description_or_marks_the_english(app, client, world):
    welsh = client.get("/cy/themes/safety").text
    assert "Trigolion a&#39;r heddlu yn gwneud strydoedd yn fwy diogel." in welsh
    assert "making streets safer" not in welsh
    with app.app_context():
        db.session.get(Theme, world["theme_id"]).description_cy = ""
        db.session.commit()
    welsh = client.get("/cy/themes/safety").text
    english = "Residents and the police making streets safer."
    assert f'<p class="lead" lang="en-GB">{english}</p>' in welsh
    assert "Residents and the police making streets safer." in client.get("/themes/safety").text


def test_the_council_dashboard_in_welsh_names_themes_stages_and_places_in_welsh(
    client, auth, make_user, world
):
    auth.login(make_user(role="admin").email)
    html = client.get("/cy/council").text
    assert english_left_in(html) == []
    assert '<option value="safety">Diogelwch</option>' in html
    assert ">Sblot</label>" in html and "<legend>Cyngor Caerdydd</legend>" in html
    charts = " ".join(re.findall(r"<svg.*?</svg>", html, flags=re.S))
    assert "Diogelwch" in charts and "Cyd-ddarparu" in charts
    assert "Safety" not in charts and "Co-delivery" not in charts


# A person's language and their mail


def test_logging_in_on_a_welsh_page_remembers_welsh(app, client, make_user):
    user = make_user()
    client.post("/cy/login", data={"email": user.email, "password": TEST_PASSWORD})
    with app.app_context():
        assert db.session.get(User, user.id).locale == "cy"


def test_registering_in_welsh_sends_a_welsh_confirmation_link(app, client, outbox):
    response = client.post(
        "/cy/register",
        data={"email": "ceri@example.org", "display_name": "Ceri", "password": "cofiwch dryweryn"},
    )
    assert response.status_code == 302 and response.headers["Location"].startswith("/cy/")
    (message,) = outbox()
    assert re.search(r"http://localhost/cy/confirm/\S+", message.get_content())
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "ceri@example.org"))
        assert user.locale == "cy"


def test_the_account_page_chooses_the_language_of_mail(app, client, auth, make_user):
    user = make_user()
    auth.login(user.email)
    response = client.post("/account/language", data={"language": "cy"})
    assert response.status_code == 302 and response.headers["Location"] == "/cy/account"
    with app.app_context():
        assert db.session.get(User, user.id).locale == "cy"
    assert client.post("/account/language", data={"language": "fr"}).status_code == 302
    with app.app_context():
        assert db.session.get(User, user.id).locale == "cy"


def test_a_moderation_decision_reaches_a_welsh_reader_in_welsh(
    app, client, auth, make_user, make_initiative, outbox
):
    resident = make_user()
    with app.app_context():
        db.session.get(User, resident.id).locale = "cy"
        db.session.commit()
    initiative_id = make_initiative(
        state="pending",
        submitter_id=resident.id,
        title="Play streets",
        title_cy="Strydoedd chwarae",
    )
    auth.login(make_user(role="moderator").email)  # an English page
    response = client.post(f"/moderation/initiatives/{initiative_id}/approve", data={})
    assert response.status_code == 302
    (message,) = outbox()
    assert "Strydoedd chwarae" in message["Subject"]
    assert f"http://localhost/cy/initiatives/{initiative_id}" in message.get_content()


def test_a_password_reset_follows_the_remembered_language(app, client, make_user, outbox):
    user = make_user()
    with app.app_context():
        db.session.get(User, user.id).locale = "cy"
        db.session.commit()
    client.post("/forgot-password", data={"email": user.email})  # asked on an English page
    (message,) = outbox()
    assert "http://localhost/cy/reset-password/" in message.get_content()


def test_mail_to_an_english_reader_stays_english(app, client, make_user, outbox):
    user = make_user()
    client.post("/cy/forgot-password", data={"email": user.email})
    (message,) = outbox()
    assert "http://localhost/reset-password/" in message.get_content()
    with app.app_context():
        assert db.session.scalar(select(Initiative.id)) is None


def test_dates_on_welsh_pages_name_the_month_in_welsh(app):
    from datetime import UTC, datetime

    from flask_babel import force_locale

    from app.timeutil import format_local

    moment = datetime(2025, 3, 31, 9, 30, tzinfo=UTC)
    with app.test_request_context("/cy/"):
        assert format_local(moment, "%-d %B %Y") == "31 Mawrth 2025"
        with force_locale("en"):
            assert format_local(moment, "%-d %B %Y") == "31 March 2025"


def test_shared_links_say_which_language_the_page_is_in(client, world):
    path = f"/initiatives/{world['initiative_id']}-splott-play-streets"
    welsh = client.get("/cy" + path).get_data(as_text=True)
    assert '<meta property="og:locale" content="cy_GB">' in welsh
    assert '<meta property="og:title" content="Strydoedd chwarae Sblot">' in welsh
    english = client.get(path).get_data(as_text=True)
    assert '<meta property="og:locale" content="en_GB">' in english
    assert '<meta property="og:locale:alternate" content="cy_GB">' in english


def test_the_dashboard_names_the_council_in_welsh_and_keeps_its_key(
    app, client, auth, world, make_user
):
    from tests.factories import create_test_organisation

    with app.app_context():
        council = create_test_organisation("Cardiff Council", local_authority="Cardiff Council")
    officer = make_user(role="council", organisation_id=council)
    auth.login(officer.email)

    welsh = client.get("/cy/council").text
    assert '<span class="subtitle">Cyngor Caerdydd' in welsh  # the officer's own council
    assert '<option value="Cardiff Council" selected>Cyngor Caerdydd</option>' in welsh
    chosen = client.get("/cy/council?local_authority=Cardiff+Council").text
    assert '<span class="subtitle">Cyngor Caerdydd' in chosen
    english = client.get("/council?local_authority=Cardiff+Council").text
    assert '<span class="subtitle">Cardiff Council' in english
    assert '<option value="Cardiff Council" selected>Cardiff Council</option>' in english
