"""Email alerts: double opt-in, digests holding exactly what their window published, the
public rules in mail, one-click unsubscribe, and the caps and limits against mail bombs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app.alerts.digests import send_alerts, weekly_boundary
from app.alerts.models import AlertSubscription
from app.alerts.services import forget_unconfirmed_alerts, subscribe
from app.extensions import db
from app.initiatives.models import Initiative
from app.neighbourhoods.models import Neighbourhood
from tests.factories import create_test_initiative, create_test_neighbourhood
from tests.support.queries import count_queries
from tests.test_place_precision import POSTCODE_FORMS

# Monday 2 March 2026, 08:00 in London is 08:00 UTC (winter time).
MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
SUBSCRIBED = MONDAY - timedelta(days=6)  # Tuesday of the week before
SETTLE = timedelta(minutes=10)  # ALERT_SETTLE_MINUTES
# The run that mails the first quarter hour after SUBSCRIBED, once that has settled.
FIRST_RUN = SUBSCRIBED + timedelta(minutes=15) + SETTLE


def confirm_link(mail) -> str:
    return re.search(r"http://\S+/alerts/confirm/\S+", mail.get_content()).group(0)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def ask(client, email="ann@example.org", query="", frequency="weekly"):
    return client.post(f"/alerts/new{query}", data={"email": email, "frequency": frequency})


@pytest.fixture
def kirkstall(app):
    with app.app_context():
        return create_test_neighbourhood(
            name="Kirkstall", slug="kirkstall", latitude=53.82, longitude=-1.60
        )


def subscribed(app, filter_query="", frequency="weekly", email="ann@example.org", at=SUBSCRIBED):
    """A confirmed subscription (made and confirmed at ``at``); returns its id."""
    with app.app_context():
        subscription = subscribe(email, filter_query, None, frequency, now=at)
        subscription.confirmed_at = subscription.sent_until = at
        db.session.commit()
        return subscription.id


def published_at(moment, **content) -> int:
    with time_machine.travel(moment, tick=False):
        return create_test_initiative(**content)


def measured_at(moment, initiative_id: int, measurements: list[dict]) -> None:
    """New measurements of an initiative's first outcome, recorded at ``moment``."""
    from app.initiatives.content import apply_content, initiative_content

    with time_machine.travel(moment, tick=False):
        initiative = db.session.get(Initiative, initiative_id)
        content = initiative_content(initiative)
        content["outcomes"][0]["measurements"] = measurements
        apply_content(initiative, content)
        db.session.commit()


def digest_mails(outbox):
    return [mail for mail in outbox() if "List-Unsubscribe" in mail]


def test_double_opt_in(app, client, kirkstall, outbox):
    response = ask(client, query="?neighbourhood=kirkstall")
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    [mail] = outbox()
    assert mail["To"] == "ann@example.org"
    link = path_of(confirm_link(mail))
    with app.app_context():
        subscription = db.session.scalar(select(AlertSubscription))
        assert subscription.filter_query == "neighbourhood=kirkstall"
        assert subscription.confirmed_at is None
        # Nothing is mailed to an address that has not confirmed.
        create_test_initiative(neighbourhood_id=kirkstall)
        assert send_alerts("instant", datetime.now(UTC) + timedelta(minutes=30)) == 0
    page = client.get(link)
    assert page.status_code == 200 and "Start the alert" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(AlertSubscription)).confirmed_at is None  # GET is safe
    assert client.post(link).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(AlertSubscription)).confirmed_at is not None
    assert client.get("/alerts/confirm/not-a-token").status_code == 410


def test_the_confirmation_link_expires(app, client, kirkstall, outbox):
    ask(client, query="?neighbourhood=kirkstall")
    link = path_of(confirm_link(outbox()[0]))
    with time_machine.travel(datetime.now(UTC) + timedelta(days=8)):
        response = client.post(link)
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)


def test_bad_filters_are_a_clear_400(client):
    response = client.get("/alerts/new?neighbourhood=nowhere&near=91,0")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Unknown neighbourhood: nowhere" in page
    assert client.get("/alerts/new?cluster=no-such-cluster").status_code == 404


def test_a_weekly_digest_holds_exactly_its_window(app, kirkstall, outbox):
    subscribed(app, "neighbourhood=kirkstall")
    with app.app_context():
        elsewhere = create_test_neighbourhood(name="Headingley")
        before = published_at(
            SUBSCRIBED - timedelta(seconds=1), title="Before the alert", neighbourhood_id=kirkstall
        )
        first = published_at(SUBSCRIBED, title="At the very start", neighbourhood_id=kirkstall)
        inside = published_at(
            MONDAY - timedelta(days=2), title="Saturday's walk", neighbourhood_id=kirkstall
        )
        at_end = published_at(MONDAY, title="At the very end", neighbourhood_id=kirkstall)
        other = published_at(
            MONDAY - timedelta(days=1), title="Somewhere else", neighbourhood_id=elsewhere
        )
        hidden = published_at(
            MONDAY - timedelta(days=1), title="Hidden later", neighbourhood_id=kirkstall
        )
        db.session.get(Initiative, hidden).state = "archived"
        pending = published_at(
            MONDAY - timedelta(days=1),
            state="pending",
            title="Still pending",
            neighbourhood_id=kirkstall,
        )
        db.session.commit()
        # Before the weekly hour nothing goes; at 08:30 on Monday the week's digest does.
        assert send_alerts("weekly", MONDAY - timedelta(minutes=1)) == 0
        assert send_alerts("weekly", MONDAY + timedelta(minutes=30)) == 1
        assert send_alerts("weekly", MONDAY + timedelta(hours=5)) == 0  # once per window
    [mail] = digest_mails(outbox)
    text = mail.get_content()
    assert "At the very start" in text and "Saturday's walk" in text
    for absent in (
        "Before the alert",
        "At the very end",
        "Somewhere else",
        "Hidden later",
        "Still pending",
    ):
        assert absent not in text
    assert f"/initiatives/{first}-" in text and f"/initiatives/{inside}-" in text
    assert {before, at_end, other, pending}  # made, and left out above
    # The next week's digest starts where this one ended: the initiative at the boundary.
    with app.app_context():
        assert send_alerts("weekly", MONDAY + timedelta(days=7, minutes=30)) == 1
    assert "At the very end" in digest_mails(outbox)[-1].get_content()


def test_weekly_digests_keep_their_local_hour_in_summer(app):
    with app.app_context():
        summer = datetime(2026, 6, 8, 7, 30, tzinfo=UTC)  # Monday 08:30 in London (BST)
        assert weekly_boundary(summer) == datetime(2026, 6, 8, 7, 0, tzinfo=UTC)
        assert weekly_boundary(summer - timedelta(hours=1)) == datetime(
            2026, 6, 1, 7, 0, tzinfo=UTC
        )


def test_near_and_radius_match_public_points(app, kirkstall, outbox):
    subscribed(app, "near=53.82,-1.6&radius_km=1", frequency="instant")
    moment = SUBSCRIBED + timedelta(minutes=1)
    with app.app_context():
        published_at(
            moment,
            title="Close by",
            neighbourhood_id=kirkstall,
            latitude=53.824,
            longitude=-1.601,
            location_precision="exact",
        )
        published_at(
            moment,
            title="Three km away",
            neighbourhood_id=kirkstall,
            latitude=53.847,
            longitude=-1.60,
            location_precision="exact",
        )
        assert send_alerts("instant", FIRST_RUN) == 1
    text = digest_mails(outbox)[0].get_content()
    assert "Close by" in text and "Three km away" not in text


# A door number and, however its halves are set apart, a postcode's inward half never reach
# a mail at street precision.
STREET_PLACES = [
    ("14 Abbey Road, Leeds", "Abbey Road, Leeds", ["14 Abbey"]),
    *((form, "Hawksworth Road, Leeds LS5", ["3PT", "3pt", "LS5-"]) for form in POSTCODE_FORMS),
]


@pytest.mark.parametrize(("typed", "shown", "hidden"), STREET_PLACES)
def test_location_precision_is_respected_in_mail(app, kirkstall, outbox, typed, shown, hidden):
    subscribed(app, "neighbourhood=kirkstall", frequency="instant")
    moment = SUBSCRIBED + timedelta(minutes=1)
    with app.app_context():
        published_at(
            moment,
            title="Street level",
            neighbourhood_id=kirkstall,
            place_name=typed,
            latitude=53.8241234,
            longitude=-1.6012345,
            location_precision="street",
        )
        published_at(
            moment,
            title="Area only",
            neighbourhood_id=kirkstall,
            place_name="7 Secret Close, Leeds",
            latitude=53.83,
            longitude=-1.61,
            location_precision="neighbourhood",
        )
        send_alerts("instant", FIRST_RUN)
    text = digest_mails(outbox)[0].get_content()
    assert shown in text
    assert not [part for part in hidden if part in text]
    assert "Secret Close" not in text
    assert "53.824" not in text and "-1.601" not in text


def test_instant_alerts_are_batched_into_one_mail_per_quarter_hour(app, kirkstall, outbox):
    subscribed(app, "neighbourhood=kirkstall", frequency="instant")
    with app.app_context():
        for minute in (1, 5, 14):
            published_at(SUBSCRIBED + timedelta(minutes=minute), neighbourhood_id=kirkstall)
        assert send_alerts("instant", FIRST_RUN - timedelta(minutes=1)) == 0  # not settled
        assert send_alerts("instant", FIRST_RUN) == 1
        assert send_alerts("instant", FIRST_RUN + timedelta(minutes=1)) == 0
        assert send_alerts("instant", FIRST_RUN + timedelta(minutes=15)) == 0  # nothing new
    [mail] = digest_mails(outbox)
    assert mail["Subject"].startswith("3 new initiatives")


def test_a_mail_is_capped_with_and_n_more(app, kirkstall, outbox, monkeypatch):
    monkeypatch.setitem(app.config, "ALERT_MAIL_CAP", 2)
    subscribed(app, "neighbourhood=kirkstall", frequency="instant")
    with app.app_context():
        for minute in range(1, 6):
            published_at(
                SUBSCRIBED + timedelta(minutes=minute),
                title=f"Bulk {minute}",
                neighbourhood_id=kirkstall,
            )
        send_alerts("instant", FIRST_RUN)
    [mail] = digest_mails(outbox)
    text = mail.get_content()
    assert "Bulk 1" in text and "Bulk 2" in text and "Bulk 3" not in text
    assert "…and 3 more:" in text
    assert "/initiatives?neighbourhood=kirkstall&sort=newest" in text
    assert mail["Subject"].startswith("5 new initiatives")


def test_new_measurements_on_covered_initiatives_are_listed(app, kirkstall, outbox):
    subscribed(app, "neighbourhood=kirkstall", frequency="instant")
    with app.app_context():
        initiative_id = published_at(
            SUBSCRIBED - timedelta(days=30),
            title="Older watch",
            neighbourhood_id=kirkstall,
            outcomes=[{"indicator": "Reported burglaries", "baseline": 31, "result": 22}],
        )
        measured_at(
            SUBSCRIBED + timedelta(minutes=3),
            initiative_id,
            [{"measured_on": "2026-02-01", "value": 18, "reported_by_role": "submitter"}],
        )
        assert send_alerts("instant", FIRST_RUN) == 1
    text = digest_mails(outbox)[0].get_content()
    assert "New measurements:" in text
    assert "Older watch: Reported burglaries was 18 on 1 February 2026" in text


def test_measurements_in_a_mail_are_capped_with_and_n_more(app, kirkstall, outbox, monkeypatch):
    monkeypatch.setitem(app.config, "ALERT_MAIL_CAP", 2)
    subscribed(app, "neighbourhood=kirkstall", frequency="instant")
    with app.app_context():
        initiative_id = published_at(
            SUBSCRIBED - timedelta(days=30),
            title="Older watch",
            neighbourhood_id=kirkstall,
            outcomes=[{"indicator": "Reported burglaries", "baseline": 31, "result": 22}],
        )
        measured_at(
            SUBSCRIBED + timedelta(minutes=3),
            initiative_id,
            [{"measured_on": f"2026-02-0{day}", "value": 20 - day} for day in (1, 2, 3, 4)],
        )
        send_alerts("instant", FIRST_RUN)
    text = digest_mails(outbox)[0].get_content()
    assert text.count("Older watch: Reported burglaries was") == 2
    assert "…and 2 more measurements: http://" in text


def test_what_commits_after_a_run_into_its_quarter_hour_is_mailed_next_time_once(
    app, kirkstall, outbox
):
    subscribed(app, "neighbourhood=kirkstall", frequency="instant")
    with app.app_context():
        watched = published_at(
            SUBSCRIBED - timedelta(days=30),
            title="Older watch",
            neighbourhood_id=kirkstall,
            outcomes=[{"indicator": "Reported burglaries", "baseline": 31, "result": 22}],
        )
        # The run just after the quarter hour: the quarter hour has not settled yet.
        assert send_alerts("instant", SUBSCRIBED + timedelta(minutes=16)) == 0
        # Then a moderator's approval, and a measurement, stamped 08:14 but committed later.
        published_at(
            SUBSCRIBED + timedelta(minutes=14), title="Late approval", neighbourhood_id=kirkstall
        )
        measured_at(
            SUBSCRIBED + timedelta(minutes=14),
            watched,
            [{"measured_on": "2026-02-20", "value": 18, "reported_by_role": "submitter"}],
        )
        runs = [send_alerts("instant", FIRST_RUN + timedelta(minutes=m)) for m in (0, 15, 30)]
    assert runs == [1, 0, 0]
    [mail] = digest_mails(outbox)
    assert "Late approval" in mail.get_content()
    assert "Reported burglaries was 18" in mail.get_content()


def imported_walk_published_at(app, make_user, start, committed_at):
    """A council officer's one-row file for Kirkstall imported from ``start``, reaching its
    commit at ``committed_at``: the walk's ``published_at``."""
    from app.accounts.models import User
    from app.imports.services import import_initiatives
    from tests.factories import create_test_organisation

    with app.app_context():
        organisation = create_test_organisation("Leeds", local_authority="Leeds City Council")
    officer = make_user(role="council", organisation_id=organisation)
    data = (
        b"external_id,title,summary,themes,stages,neighbourhood\n"
        b"K-1,Imported walk,Walking together.,safety,co-delivery,Kirkstall\n"
    )
    with app.app_context(), time_machine.travel(start, tick=False) as clock:
        report = import_initiatives(
            data,
            "walks.csv",
            db.session.get(User, officer.id),
            "published",
            commit=True,
            geocode_budget=0,
            before_commit=lambda _report: clock.move_to(committed_at),
        )
        assert report.committed
        return db.session.get(Initiative, report.rows[0].initiative_id).published_at


def test_a_long_import_is_mailed_in_the_window_of_its_commit_once(
    app, kirkstall, outbox, make_user
):
    subscribed(app, "neighbourhood=kirkstall", frequency="instant")
    start = SUBSCRIBED + timedelta(minutes=14)
    with app.app_context():
        # The run at 08:31 mails up to 08:15 while the import (08:14 to 08:40) is running.
        assert send_alerts("instant", start + timedelta(minutes=17)) == 0
    published_at = imported_walk_published_at(app, make_user, start, start + timedelta(minutes=26))
    assert published_at == start + timedelta(minutes=26)
    with app.app_context():
        runs = [send_alerts("instant", start + timedelta(minutes=m)) for m in (32, 47, 62)]
    assert runs == [0, 1, 0]
    [mail] = digest_mails(outbox)
    assert "Imported walk" in mail.get_content()


def test_a_quick_import_keeps_its_start_and_is_mailed_in_that_window_once(
    app, kirkstall, outbox, make_user
):
    """An import that commits within a tenth of ALERT_SETTLE_MINUTES is like a request: its
    publications keep the time it started (no rewrite of every row) and, committed long
    before that window settles, are mailed with it, once."""
    subscribed(app, "neighbourhood=kirkstall", frequency="instant")
    start = SUBSCRIBED + timedelta(minutes=14, seconds=50)  # ten seconds before 08:15
    published_at = imported_walk_published_at(app, make_user, start, start + SETTLE / 10 * 0.9)
    assert published_at == start
    with app.app_context():
        runs = [send_alerts("instant", FIRST_RUN + timedelta(minutes=m)) for m in (0, 15, 30)]
    assert runs == [1, 0, 0]
    [mail] = digest_mails(outbox)
    assert "Imported walk" in mail.get_content()


def test_unsubscribe_in_one_click_by_post_without_cookies(app, kirkstall, outbox):
    subscribed(app, "neighbourhood=kirkstall", frequency="instant")
    with app.app_context():
        published_at(SUBSCRIBED + timedelta(minutes=1), neighbourhood_id=kirkstall)
        send_alerts("instant", FIRST_RUN)
    [mail] = digest_mails(outbox)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = mail["List-Unsubscribe"].strip("<>")
    assert url in mail.get_content()  # the same link in the body
    fresh = app.test_client()  # no cookies, no CSRF token: as a mail provider posts
    assert fresh.get(path_of(url)).status_code == 200  # a button, nothing done
    with app.app_context():
        assert db.session.scalar(select(func.count(AlertSubscription.id))) == 1
    response = fresh.post(path_of(url), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count(AlertSubscription.id))) == 0
    assert fresh.post(path_of(url)).status_code == 410  # used: a clear page, not a 500


def test_one_confirmation_mail_per_address_per_day(app, client, kirkstall, outbox):
    ask(client, query="?neighbourhood=kirkstall")
    ask(client, query="?theme=safety")
    ask(client, email="ANN@example.org ", query="?theme=health")
    assert len(outbox()) == 1
    with time_machine.travel(datetime.now(UTC) + timedelta(days=1, minutes=1)):
        ask(client, query="?theme=education")
    assert len(outbox()) == 2


def test_alerts_per_address_are_capped(app, monkeypatch):
    monkeypatch.setitem(app.config, "ALERTS_PER_ADDRESS", 3)
    with app.app_context():
        made = [subscribe("bob@example.org", f"q=word{n}", None, "weekly") for n in range(5)]
        db.session.commit()
        assert [subscription is not None for subscription in made] == [True] * 3 + [False] * 2
        assert db.session.scalar(select(func.count(AlertSubscription.id))) == 3


def test_the_form_is_rate_limited(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_ALERTS", "3 per hour")
    codes = [ask(client, email=f"p{n}@example.org").status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]


def test_unconfirmed_alerts_are_deleted_after_a_week(app):
    with app.app_context():
        subscribe("old@example.org", "", None, "weekly", now=SUBSCRIBED - timedelta(days=8))
        subscribe("new@example.org", "", None, "weekly", now=SUBSCRIBED - timedelta(days=2))
        db.session.commit()
        assert forget_unconfirmed_alerts(SUBSCRIBED) == 1
        assert [a.email for a in db.session.scalars(select(AlertSubscription))] == [
            "new@example.org"
        ]


XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>"&'


def test_xss_payloads_in_titles_are_inert_in_mail(app, client, kirkstall, outbox):
    subscribed(app, "neighbourhood=kirkstall", frequency="instant")
    with app.app_context():
        published_at(SUBSCRIBED + timedelta(minutes=1), title=XSS, neighbourhood_id=kirkstall)
        send_alerts("instant", FIRST_RUN)
    [mail] = digest_mails(outbox)
    assert mail.get_content_type() == "text/plain"  # no HTML part for a payload to run in
    assert not any(part.get_content_type() == "text/html" for part in mail.walk())
    assert XSS in mail.get_content()  # shown as the text it is
    page = client.get("/alerts/new?q=" + "%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert "<script>alert(1)" not in page.get_data(as_text=True)


def test_subscriptions_with_the_same_filter_share_one_query(app, kirkstall, outbox):
    def statements_for(count: int) -> int:
        with app.app_context():
            for n in range(count):
                subscribed(
                    app,
                    "neighbourhood=kirkstall",
                    frequency="instant",
                    email=f"reader{count}-{n}@example.org",
                )
            published_at(SUBSCRIBED + timedelta(minutes=1), neighbourhood_id=kirkstall)
        with count_queries(app) as statements, app.app_context():
            send_alerts("instant", FIRST_RUN)
        db_reads = [s for s in statements if "FROM initiative" in s and "outgoing" not in s]
        with app.app_context():
            db.session.execute(AlertSubscription.__table__.delete())
            db.session.commit()
        return len(db_reads)

    assert statements_for(1) == statements_for(10)


def test_signed_in_people_see_and_stop_their_alerts_on_the_account_page(
    app, client, auth, make_user
):
    user = make_user(role="resident")
    subscribed(app, "theme=safety", email=user.email)
    auth.login(user.email)
    page = client.get("/account").get_data(as_text=True)
    assert "Email alerts" in page and "Initiatives: safety" in page
    action = re.search(r'action="(http://[^"]+/alerts/unsubscribe/[^"]+)"', page).group(1)
    assert client.post(path_of(action)).status_code == 200
    assert "You have no email alerts." in client.get("/account").get_data(as_text=True)


def test_alerts_are_personal_data(app, client, auth, make_user):
    user = make_user(role="resident")
    subscribed(app, "theme=safety", email=user.email)
    auth.login(user.email)
    data = client.get("/account/data.json").get_json()
    assert [alert["filter"] for alert in data["alerts"]] == ["theme=safety"]
    with app.app_context():
        from app.accounts.models import User
        from app.privacy.services import delete_account

        delete_account(db.session.get(User, user.id))
        db.session.commit()
        assert db.session.scalar(select(func.count(AlertSubscription.id))) == 0


def test_asking_again_cannot_change_a_confirmed_alert(app):
    subscribed(app, "theme=safety", frequency="weekly")
    with app.app_context():
        subscribe("ann@example.org", "theme=safety", None, "instant")
        db.session.commit()
        [alert] = db.session.scalars(select(AlertSubscription)).all()
        assert alert.frequency == "weekly"


def test_a_cluster_alert_covers_its_examples(app, kirkstall, outbox):
    from tests.test_clusters import create_cluster

    with app.app_context():
        inside = published_at(
            SUBSCRIBED + timedelta(minutes=2), title="Picked example", neighbourhood_id=kirkstall
        )
        published_at(
            SUBSCRIBED + timedelta(minutes=2), title="Not picked", neighbourhood_id=kirkstall
        )
    create_cluster(app, [inside], slug="safer-streets")
    with app.app_context():
        from app.clusters.models import Cluster

        cluster = db.session.scalar(select(Cluster).where(Cluster.slug == "safer-streets"))
        subscription = subscribe("ann@example.org", "", cluster, "instant", now=SUBSCRIBED)
        subscription.confirmed_at = subscription.sent_until = SUBSCRIBED
        db.session.commit()
        assert send_alerts("instant", FIRST_RUN) == 1
    text = digest_mails(outbox)[0].get_content()
    assert "Picked example" in text and "Not picked" not in text


def test_list_map_neighbourhood_and_cluster_pages_offer_alerts(app, client, kirkstall):
    from tests.test_clusters import create_cluster

    with app.app_context():
        initiative = create_test_initiative(neighbourhood_id=kirkstall)
    create_cluster(app, [initiative], slug="safer-streets")
    expected = {
        "/initiatives?theme=safety": "/alerts/new?theme=safety",
        "/map?theme=safety": "/alerts/new?theme=safety",
        "/neighbourhoods/kirkstall": "/alerts/new?neighbourhood=kirkstall",
        "/clusters/safer-streets": "/alerts/new?cluster=safer-streets",
    }
    for page, link in expected.items():
        html = client.get(page).get_data(as_text=True)
        assert f'href="{link}"' in html, page


def test_an_alert_asked_for_in_welsh_is_mailed_in_welsh_with_welsh_links(app, kirkstall, outbox):
    with app.app_context():
        db.session.get(Neighbourhood, kirkstall).name_cy = "Cirkstall"
        subscription = subscribe("ann@example.org", "neighbourhood=kirkstall", None, "instant",
                                 locale="cy", now=SUBSCRIBED)  # fmt: skip
        subscription.confirmed_at = subscription.sent_until = SUBSCRIBED
        db.session.commit()
        published_at(SUBSCRIBED + timedelta(minutes=1), title="Welsh reader's news",
                     title_cy="Newyddion y darllenydd", neighbourhood_id=kirkstall)  # fmt: skip
        send_alerts("instant", FIRST_RUN)
    (mail,) = digest_mails(outbox)
    assert mail["Subject"].startswith("1 fenter newydd: ")
    text = mail.get_content()
    assert "/cy/initiatives/" in text
    assert "Newyddion y darllenydd" in text and "Cirkstall" in text  # names in Welsh too
    assert "Kirkstall" not in text


def test_measurement_dates_in_a_welsh_mail_name_their_month_in_welsh(app, kirkstall, outbox):
    with app.app_context():
        subscription = subscribe("ann@example.org", "neighbourhood=kirkstall", None, "instant",
                                 locale="cy", now=SUBSCRIBED)  # fmt: skip
        subscription.confirmed_at = subscription.sent_until = SUBSCRIBED
        db.session.commit()
        initiative_id = published_at(
            SUBSCRIBED - timedelta(days=30),
            neighbourhood_id=kirkstall,
            outcomes=[{"indicator": "Reported burglaries", "baseline": 31, "result": 22}],
        )
        measured_at(
            SUBSCRIBED + timedelta(minutes=3),
            initiative_id,
            [{"measured_on": "2026-02-01", "value": 18}],
        )
        send_alerts("instant", FIRST_RUN)
    text = digest_mails(outbox)[0].get_content()
    assert "ar 1 Chwefror 2026" in text and "February" not in text
