"""The shared filters: one parser with field-level errors, one canonical form, exact results."""

from __future__ import annotations

import random

import pytest
from geopy.distance import great_circle
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.initiatives.models import Initiative
from app.initiatives.public import published_initiatives
from app.shared_filters.canonical import canonical_query
from app.shared_filters.parse import FILTER_NAMES, InitiativeFilter, parse_filters
from app.shared_filters.query import apply_filters, facet_counts
from app.timeutil import utcnow

KIRKSTALL = (53.8162, -1.6037)  # lat, lon


def parse(query: str) -> tuple[InitiativeFilter, dict[str, str]]:
    return parse_filters(MultiDict(_pairs(query)))


def _pairs(query: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(query, keep_blank_values=True)


def matching_ids(initiative_filter: InitiativeFilter) -> set[int]:
    query = apply_filters(published_initiatives(), initiative_filter)
    return set(db.session.scalars(query.with_only_columns(Initiative.id)))


def verify_outcomes(app, initiative_id: int) -> None:
    with app.app_context():
        for outcome in db.session.get(Initiative, initiative_id).outcomes:
            outcome.verified_at = utcnow()
        db.session.commit()


@pytest.fixture
def places(app, make_neighbourhood):
    """Two neighbourhoods; returns their slugs."""
    from app.neighbourhoods.models import Neighbourhood

    ids = [
        make_neighbourhood(
            name="Kirkstall", slug="kirkstall", latitude=KIRKSTALL[0], longitude=KIRKSTALL[1]
        ),
        make_neighbourhood(name="Hulme", slug="hulme", latitude=53.4668, longitude=-2.2489),
    ]
    with app.app_context():
        return [db.session.get(Neighbourhood, id_).slug for id_ in ids]


# --- parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", InitiativeFilter()),
        ("q=+street++watch+", InitiativeFilter(q="street watch")),
        ("theme=safety", InitiativeFilter(themes=("safety",))),
        ("theme=safety&theme=health&theme=safety", InitiativeFilter(themes=("health", "safety"))),
        (
            "stage=co-design&stage=co-delivery",
            InitiativeFilter(stages=("co-delivery", "co-design")),
        ),
        ("sector=police", InitiativeFilter(sectors=("police",))),
        (
            "neighbourhood=hulme&neighbourhood=kirkstall",
            InitiativeFilter(neighbourhoods=("hulme", "kirkstall")),
        ),
        ("status=active&status=planned", InitiativeFilter(statuses=("active", "planned"))),
        ("verified=1", InitiativeFilter(verified=True)),
        ("verified=0", InitiativeFilter()),
        ("verified=", InitiativeFilter()),
        ("bbox=-1.7,53.7,-1.5,53.9", InitiativeFilter(bbox=(-1.7, 53.7, -1.5, 53.9))),
        ("bbox=-180,-90,180,90", InitiativeFilter(bbox=(-180.0, -90.0, 180.0, 90.0))),
        ("near=53.8162,-1.6037", InitiativeFilter(near=KIRKSTALL)),
        ("near=53.8162,-1.6037&radius_km=2.5", InitiativeFilter(near=KIRKSTALL, radius_km=2.5)),
        ("near=53.8162,-1.6037&radius_km=500", InitiativeFilter(near=KIRKSTALL, radius_km=500)),
        ("theme=&stage=&q=&bbox=&near=", InitiativeFilter()),
    ],
)
def test_every_filter_parses(app, places, query, expected):
    with app.app_context():
        assert parse(query) == (expected, {})


@pytest.mark.parametrize(
    "query",
    [
        "sort=title&page=3&per_page=50&limit=5&cursor=abc&zoom=12&layout=cards&scheme=dark",
        "unknown=thing&utm_source=newsletter",
    ],
)
def test_control_and_unknown_parameters_are_not_filters(app, query):
    with app.app_context():
        assert parse(query) == (InitiativeFilter(), {})
    assert not {"sort", "page", "per_page", "limit", "cursor", "zoom", "layout", "scheme"} & set(
        FILTER_NAMES
    )


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("theme=nonsense", "theme", "Unknown theme: nonsense"),
        ("theme=safety&theme=x&theme=y", "theme", "Unknown themes: x, y"),
        ("theme=Safety%00", "theme", "Unknown theme"),
        ("neighbourhood=atlantis", "neighbourhood", "Unknown neighbourhood: atlantis"),
        ("stage=co-funding", "stage", "Unknown stage: co-funding"),
        ("sector=aliens", "sector", "Unknown sector: aliens"),
        ("status=published", "status", "Unknown status: published"),
        ("verified=2", "verified", "verified must be 1"),
        ("verified=true", "verified", "verified must be 1"),
        ("verified=1&verified=0", "verified", "only once"),
        ("bbox=1,2,3", "bbox", "4 numbers"),
        ("bbox=1,2,3,4,5", "bbox", "4 numbers"),
        ("bbox=a,b,c,d", "bbox", "4 numbers"),
        ("bbox=1,,3,4", "bbox", "4 numbers"),
        ("bbox=1_0,2,30,40", "bbox", "4 numbers"),
        ("bbox=nan,53,-1,54", "bbox", "4 numbers"),
        ("bbox=-2,53,inf,54", "bbox", "4 numbers"),
        ("bbox=-2,53,1e999,54", "bbox", "finite"),
        ("bbox=-1.5,53.7,-1.7,53.9", "bbox", "south-west corner first"),
        ("bbox=-1.7,53.9,-1.5,53.7", "bbox", "south-west corner first"),
        ("bbox=-1.7,53.7,-1.7,53.9", "bbox", "south-west corner first"),
        ("bbox=-190,53,-1,54", "bbox", "longitude must be between -180 and 180"),
        ("bbox=-2,-91,-1,54", "bbox", "latitude must be between -90 and 90"),
        ("near=53.8", "near", "2 numbers"),
        ("near=53.8,-1.6,4", "near", "2 numbers"),
        ("near=here", "near", "2 numbers"),
        ("near=91,0", "near", "latitude must be between -90 and 90"),
        ("near=-1.6,181", "near", "longitude must be between -180 and 180"),
        ("near=nan,1", "near", "2 numbers"),
        ("radius_km=3", "radius_km", "only together with near"),
        ("near=53.8,-1.6&radius_km=0", "radius_km", "more than 0"),
        ("near=53.8,-1.6&radius_km=0.0000001", "radius_km", "more than 0"),
        ("near=53.8,-1.6&radius_km=-5", "radius_km", "more than 0"),
        ("near=53.8,-1.6&radius_km=500.1", "radius_km", "at most 500"),
        ("near=53.8,-1.6&radius_km=1e9", "radius_km", "at most 500"),
        ("near=53.8,-1.6&radius_km=far", "radius_km", "number of kilometres"),
        ("near=53.8,-1.6&radius_km=inf", "radius_km", "number of kilometres"),
        ("q=" + "a" * 201, "q", "at most 200 characters"),
        ("q=one&q=two", "q", "only once"),
    ],
)
def test_bad_values_give_field_errors(app, query, field, message):
    with app.app_context():
        _, errors = parse(query)
    assert list(errors) == [field]
    assert message in errors[field]


def test_errors_are_reported_for_every_bad_field_and_good_fields_kept(app):
    with app.app_context():
        initiative_filter, errors = parse("theme=safety&stage=nope&verified=2&bbox=1,2,3")
    assert set(errors) == {"stage", "verified", "bbox"}
    assert initiative_filter == InitiativeFilter(themes=("safety",))


def test_search_text_of_200_characters_is_fine_and_control_characters_become_spaces(app):
    with app.app_context():
        assert parse("q=" + "é" * 200)[1] == {}
        assert parse("q=street%00watch%09now")[0].q == "street watch now"


# --- canonical form ------------------------------------------------------------------------

FULL = [
    ("q", "repair café"),
    ("theme", "safety"),
    ("theme", "health"),
    ("stage", "co-design"),
    ("sector", "police"),
    ("sector", "council"),
    ("neighbourhood", "kirkstall"),
    ("status", "active"),
    ("verified", "1"),
    ("bbox", "-1.70,53.700000,-1.5,53.9"),
    ("near", "53.81620,-1.6037"),
    ("radius_km", "2.50"),
    ("sort", "title"),
    ("page", "2"),
]


def test_canonical_query_has_fixed_key_order_and_sorted_values(app, places):
    with app.app_context():
        initiative_filter, errors = parse_filters(MultiDict(FULL))
    assert errors == {}
    assert canonical_query(initiative_filter) == (
        "q=repair+caf%C3%A9&theme=health&theme=safety&stage=co-design&sector=council"
        "&sector=police&neighbourhood=kirkstall&status=active&verified=1"
        "&bbox=-1.7,53.7,-1.5,53.9&near=53.8162,-1.6037&radius_km=2.5"
    )


def test_canonical_query_is_stable_under_reordering(app, places):
    with app.app_context():
        forms = set()
        for seed in range(20):
            pairs = list(FULL)
            random.Random(seed).shuffle(pairs)
            forms.add(canonical_query(parse_filters(MultiDict(pairs))[0]))
        forms.add(canonical_query(parse_filters(MultiDict(list(reversed(FULL))))[0]))
    assert len(forms) == 1


@pytest.mark.parametrize(
    "query",
    [
        "",
        "q=%22NEAR(a+b)%22+OR+*&theme=education",
        "near=-0.0000001,179.9999999&radius_km=0.0000015",
        "near=53.123456789,-1.987654321&radius_km=5.0",
        "bbox=-1.0000004,53.12,-0.5,53.9999996",
        "verified=1&status=ended&status=completed&sector=other",
    ],
)
def test_canonical_query_round_trips(app, places, query):
    with app.app_context():
        initiative_filter, errors = parse(query)
        assert errors == {}
        again, errors = parse(canonical_query(initiative_filter))
    assert errors == {}
    assert again == initiative_filter
    assert canonical_query(again) == canonical_query(initiative_filter)


def test_canonical_query_leaves_out_defaults(app):
    with app.app_context():
        assert canonical_query(parse("near=53.8,-1.6&radius_km=5")[0]) == "near=53.8,-1.6"
        assert canonical_query(parse("verified=0&q=+")[0]) == ""


# --- applying filters ----------------------------------------------------------------------

FTS_SYNTAX = [
    '"',
    '""',
    "*",
    "street*",
    "NEAR(",
    "NEAR(a b, 2)",
    "AND",
    "OR",
    "NOT",
    "a OR",
    "-",
    "-street",
    ":",
    "title:street",
    "^",
    "^street",
    "(",
    ")",
    "'",
    "\\",
    "'; --",
    "{title}: x",
    "a & b | !c",
    "<->",
    "café ☕ 東京 مرحبا",
    "_",
    "﹏",
    "x" * 200,
]


@pytest.mark.parametrize("text", FTS_SYNTAX)
def test_search_syntax_characters_in_q_never_error(app, client, make_initiative, text):
    make_initiative(title="Street watch")
    with app.app_context():
        initiative_filter, errors = parse_filters(MultiDict({"q": text}))
        assert errors == {}
        matching_ids(initiative_filter)
        facet_counts(initiative_filter)
    assert client.get("/initiatives", query_string={"q": text}).status_code == 200


def test_each_filter_narrows_results(app, places, make_initiative):
    kirkstall, hulme = places
    everything = make_initiative(
        title="Walking group",
        themes=["health", "safety"],
        stages=["co-design", "co-delivery"],
        status="completed",
        participants=[{"sector": "health", "name": "Leeds GP surgery", "roles": ["co-design"]}],
        outcomes=[
            {
                "description": "More people walk",
                "indicator": "walkers",
                "baseline": 4,
                "result": 40,
            }
        ],
        neighbourhood_id=_neighbourhood_id(app, kirkstall),
        latitude=KIRKSTALL[0],
        longitude=KIRKSTALL[1],
        location_precision="exact",
    )
    plain = make_initiative(
        title="Reading club",
        summary="Children read with volunteers.",
        themes=["education"],
        stages=["co-commissioning"],
        status="planned",
        participants=[{"sector": "school", "name": "Hulme Primary"}],
        neighbourhood_id=_neighbourhood_id(app, hulme),
        latitude=53.4668,
        longitude=-2.2489,
        location_precision="exact",
    )
    verify_outcomes(app, everything)
    with app.app_context():
        assert matching_ids(InitiativeFilter()) == {everything, plain}
        for query in [
            "q=walking",
            "q=GP+surgery",
            "theme=health",
            "theme=safety&theme=sustainability",
            "stage=co-design",
            "sector=health",
            "neighbourhood=" + kirkstall,
            "status=completed",
            "verified=1",
            "bbox=-1.7,53.7,-1.5,53.9",
            "near=53.82,-1.60",
            "near=53.75,-1.7&radius_km=15",
            "theme=health&stage=co-delivery&status=completed&verified=1",
        ]:
            initiative_filter, errors = parse(query)
            assert errors == {}, query
            assert matching_ids(initiative_filter) == {everything}, query
        assert matching_ids(parse("theme=health&theme=education")[0]) == {everything, plain}
        assert matching_ids(parse("theme=health&status=planned")[0]) == set()


def _neighbourhood_id(app, slug: str) -> int:
    from app.neighbourhoods.models import Neighbourhood

    with app.app_context():
        return db.session.scalar(select(Neighbourhood.id).where(Neighbourhood.slug == slug))


def test_bbox_and_near_use_the_public_point_not_the_private_one(app, places, make_initiative):
    kirkstall = _neighbourhood_id(app, places[0])
    private_point = (53.9000, -1.4000)  # about 16 km from the neighbourhood centre
    hidden = make_initiative(
        neighbourhood_id=kirkstall,
        latitude=private_point[0],
        longitude=private_point[1],
        location_precision="neighbourhood",
    )
    with app.app_context():
        at_centre = parse("near=53.8162,-1.6037&radius_km=1")[0]
        at_private = parse("near=53.9,-1.4&radius_km=1")[0]
        box_at_centre = parse("bbox=-1.61,53.81,-1.60,53.82")[0]
        box_at_private = parse("bbox=-1.41,53.89,-1.39,53.91")[0]
        assert matching_ids(at_centre) == {hidden}
        assert matching_ids(box_at_centre) == {hidden}
        assert matching_ids(at_private) == set()
        assert matching_ids(box_at_private) == set()


def test_near_is_an_exact_great_circle_distance(app, make_initiative):
    centre = KIRKSTALL
    # Due north, so the bounding box alone would also hold points just outside the circle.
    inside = make_initiative(
        latitude=53.8162 + 0.0440, longitude=-1.6037, location_precision="exact"
    )
    outside = make_initiative(
        latitude=53.8162 + 0.0460, longitude=-1.6037, location_precision="exact"
    )
    corner = make_initiative(
        latitude=53.8162 + 0.0400, longitude=-1.6037 + 0.0600, location_precision="exact"
    )
    assert (
        great_circle(centre, (53.8602, -1.6037)).km
        < 5
        < great_circle(centre, (53.8622, -1.6037)).km
    )
    assert great_circle(centre, (53.8562, -1.5437)).km > 5  # inside the box, outside the circle
    with app.app_context():
        assert matching_ids(parse("near=53.8162,-1.6037")[0]) == {inside}
        assert matching_ids(parse("near=53.8162,-1.6037&radius_km=6")[0]) == {
            inside,
            outside,
            corner,
        }


def test_near_crosses_the_antimeridian(app, make_initiative):
    west = make_initiative(latitude=-16.5, longitude=179.99, location_precision="exact")
    east = make_initiative(latitude=-16.5, longitude=-179.99, location_precision="exact")
    with app.app_context():
        assert matching_ids(parse("near=-16.5,179.999&radius_km=10")[0]) == {west, east}


def test_initiatives_without_a_public_point_never_match_a_place_filter(app, make_initiative):
    from tests.factories import create_test_initiative

    with app.app_context():
        nowhere = create_test_initiative(neighbourhood_id=None)
        initiative = db.session.get(Initiative, nowhere)
        initiative.neighbourhood, initiative.neighbourhood_id = None, None
        db.session.commit()
        assert nowhere not in matching_ids(parse("bbox=-180,-90,180,90")[0])
        assert nowhere in matching_ids(InitiativeFilter())


# --- facet counts --------------------------------------------------------------------------


def test_facet_counts_equal_the_results_of_choosing_each_option(app, places, make_initiative):
    kirkstall, hulme = (_neighbourhood_id(app, slug) for slug in places)
    made = [
        make_initiative(
            themes=["health", "safety"],
            stages=["co-design"],
            status="active",
            neighbourhood_id=kirkstall,
            participants=[{"sector": "police"}, {"sector": "police"}],
            outcomes=[{"description": "Fewer burglaries"}],
        ),
        make_initiative(
            themes=["health"],
            stages=["co-design", "co-delivery"],
            status="completed",
            neighbourhood_id=hulme,
            participants=[{"sector": "residents"}, {"sector": "health"}],
        ),
        make_initiative(
            themes=["education"],
            stages=["co-assessment"],
            status="active",
            neighbourhood_id=kirkstall,
            participants=[{"sector": "school"}],
        ),
        make_initiative(
            state="pending",
            themes=["health"],
            neighbourhood_id=kirkstall,
            participants=[{"sector": "police"}],
        ),
    ]
    verify_outcomes(app, made[0])
    with app.app_context():
        for query in ["", "status=active", "theme=health&sector=police", "q=burglaries"]:
            current = parse(query)[0]
            counts = facet_counts(current)
            for facet in ("theme", "stage", "sector", "neighbourhood", "status"):
                for value, count in counts[facet].items():
                    chosen = parse(canonical_query(current.without(facet)) + f"&{facet}={value}")
                    assert count == len(matching_ids(chosen[0])), (query, facet, value)
            with_verified = parse(canonical_query(current) + "&verified=1")[0]
            assert counts["verified"]["1"] == len(matching_ids(with_verified))
        counts = facet_counts(InitiativeFilter())
    assert counts["theme"] == {"health": 2, "safety": 1, "education": 1}
    assert counts["sector"] == {"police": 1, "residents": 1, "health": 1, "school": 1}
    assert counts["status"] == {"active": 2, "completed": 1}
    assert counts["neighbourhood"] == {places[0]: 2, places[1]: 1}
    assert counts["verified"] == {"1": 1}


def test_facet_counts_take_one_query_per_facet(app, make_initiative):
    from tests.support.queries import count_queries

    for _ in range(3):
        make_initiative()
    with app.app_context(), count_queries(app) as queries:
        facet_counts(InitiativeFilter(statuses=("active",)))
    assert len([sql for sql in queries if sql.lstrip().upper().startswith("SELECT")]) == 6
