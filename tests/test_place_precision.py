"""Place text at its precision: street precision shows the street, never the door or postcode."""

from __future__ import annotations

import html

import pytest

from app.initiatives.models import Initiative
from app.initiatives.public import public_place_name, street_place_text

ADDRESS = "Flat 3, 14 Hidden Lane, Leeds LS5 3AB"
DOOR_AND_POSTCODE = ["Flat 3", "14 Hidden", "3AB", "LS5 3"]
# However the halves of a postcode are set apart, only its district is public.
POSTCODE_FORMS = [
    "Hawksworth Road, Leeds LS5-3PT",
    "Hawksworth Road, Leeds LS5 - 3PT",
    "Hawksworth Road, Leeds LS5   3PT",
    "Hawksworth Road, Leeds ls5-3pt",
    "Hawksworth Road, Leeds LS5\u20133PT",
    "Hawksworth Road, Leeds LS5\u00a03PT",
]


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("14 Hidden Lane", "Hidden Lane"),
        ("14a Hidden Lane", "Hidden Lane"),
        ("221B Baker Street", "Baker Street"),
        ("No. 7 Town Street", "Town Street"),
        ("14-16 Bridge Road", "Bridge Road"),
        ("3/14 Hidden Lane", "Hidden Lane"),
        ("Flat 3, 14 Hidden Lane", "Hidden Lane"),
        ("Flat 3 14 Hidden Lane", "Hidden Lane"),
        ("Flat3, 14 Hidden Lane", "Hidden Lane"),
        ("Apartment C, 5 Moss Lane", "Moss Lane"),
        ("Apt. B, Moss Lane", "Moss Lane"),
        ("Unit 2b Kirkstall Forge", "Kirkstall Forge"),
        ("Hidden Lane 14", "Hidden Lane"),
        ("14 Hidden Lane, Leeds LS5 3AB", "Hidden Lane, Leeds LS5"),
        ("Leeds LS53AB", "Leeds LS5"),
        ("10 Downing Street, sw1a 2aa", "Downing Street, SW1A"),
        ("M1 1AE", "M1"),
        *((form, "Hawksworth Road, Leeds LS5") for form in POSTCODE_FORMS),
        ("EC1A-1BB", "EC1A"),
        # A door anywhere in a part, however it is written.
        ("Rear of 14 Hidden Lane", "Rear of Hidden Lane"),
        ("corner of 14 Hidden Lane", "corner of Hidden Lane"),
        ("The Grange 14 Hidden Lane", "The Grange Hidden Lane"),
        ("#14 Hidden Lane", "Hidden Lane"),
        ("12 & 14 Hidden Lane", "Hidden Lane"),
        ("Flat 1.2, 14 Hidden Lane", "Hidden Lane"),
        ("Flat 3-4 Hidden Lane", "Hidden Lane"),
        ("A65 near 14 Otley Road, Leeds LS6 2AB", "A65 near Otley Road, Leeds LS6"),
        ("14", ""),
        ("Flat 3,", ""),
        ("", ""),
        # Names that only look like a door keep every word.
        ("Unity Road", "Unity Road"),
        ("Flatts Lane", "Flatts Lane"),
        ("Studio Lane", "Studio Lane"),
        ("1st Avenue", "1st Avenue"),
        ("A65, Kirkstall Road", "A65, Kirkstall Road"),
        ("Kirkstall Abbey, Abbey Road", "Kirkstall Abbey, Abbey Road"),
        ("St Mark's Road", "St Mark's Road"),
        ("Leeds LS5", "Leeds LS5"),
    ],
)
def test_street_place_text_drops_house_flat_and_postcode_unit(typed, shown):
    assert street_place_text(typed) == shown


@pytest.mark.parametrize(
    ("precision", "shown"),
    [
        ("exact", ADDRESS),
        ("street", "Hidden Lane, Leeds LS5"),
        ("neighbourhood", ""),
        ("anything else", ""),
    ],
)
def test_public_place_name_follows_the_chosen_precision(precision, shown):
    initiative = Initiative(place_name=ADDRESS, location_precision=precision)
    assert public_place_name(initiative) == shown


# What is typed, what street precision shows, what never shows, and what search never finds.
PLACES = [
    (ADDRESS, "Hidden Lane, Leeds LS5", DOOR_AND_POSTCODE, ["3AB", "Flat 3"]),
    *(
        (form, "Hawksworth Road, Leeds LS5", ["3PT", "3pt", "LS5-", "ls5"], ["3PT"])
        for form in POSTCODE_FORMS
    ),
]


@pytest.fixture(params=PLACES, ids=lambda place: place[0])
def street_place(request, make_initiative, make_neighbourhood):
    """A published initiative typed with a full address, shown at street precision; returns
    its id, the place text shown, the parts never shown and the words search never finds."""
    typed, shown, secrets, unsearchable = request.param
    neighbourhood = make_neighbourhood(name="Kirkstall", slug="kirkstall")
    initiative_id = make_initiative(
        title="Hedgehog street",
        neighbourhood_id=neighbourhood,
        place_name=typed,
        latitude=53.812345,
        longitude=-1.598765,
        location_precision="street",
    )
    return initiative_id, shown, secrets, unsearchable


@pytest.mark.parametrize(
    ("url", "shows_place"),
    [
        ("/initiatives/{id}-hedgehog-street", True),
        ("/api/v1/initiatives", True),
        ("/api/v1/initiatives/{id}", True),
        ("/api/v1/initiatives.csv", True),
        ("/api/v1/initiatives.geojson", True),
        ("/oembed?url=http://localhost/initiatives/{id}-hedgehog-street", False),
        ("/initiatives", False),
        ("/feeds/initiatives.atom", False),
        ("/feeds/initiatives.rss", False),
        ("/embed/initiatives", False),
    ],
)
def test_every_public_output_shows_the_street_without_the_door(
    client, street_place, url, shows_place
):
    initiative_id, shown, secrets, _unsearchable = street_place
    response = client.get(url.format(id=initiative_id))
    assert response.status_code == 200
    text = html.unescape(response.get_data(as_text=True))
    for secret in secrets:
        assert secret not in text, (url, secret)
    if shows_place:
        assert shown in text, url


def test_search_finds_the_street_but_not_the_door(client, street_place):
    _initiative_id, shown, _secrets, unsearchable = street_place

    def titles(query: str) -> bool:
        return "Hedgehog street" in client.get(f"/initiatives?q={query}").get_data(as_text=True)

    assert titles(shown.split(",")[0])
    for secret in unsearchable:
        assert not titles(secret), secret
