"""Place text at its precision: street precision shows the street, never the door or postcode."""

from __future__ import annotations

import html

import pytest

from app.initiatives.models import Initiative
from app.initiatives.public import public_place_name, street_place_text

ADDRESS = "Flat 3, 14 Hidden Lane, Leeds LS5 3AB"
DOOR_AND_POSTCODE = ["Flat 3", "14 Hidden", "3AB", "LS5 3"]


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


@pytest.fixture
def street_address(make_initiative, make_neighbourhood):
    """A published initiative typed with a full address, shown at street precision."""
    neighbourhood = make_neighbourhood(name="Kirkstall", slug="kirkstall")
    return make_initiative(
        title="Hedgehog street",
        neighbourhood_id=neighbourhood,
        place_name=ADDRESS,
        latitude=53.812345,
        longitude=-1.598765,
        location_precision="street",
    )


@pytest.mark.parametrize(
    ("url", "shows_place"),
    [
        ("/initiatives/{id}-hedgehog-street", True),
        ("/api/v1/initiatives", True),
        ("/api/v1/initiatives/{id}", True),
        ("/api/v1/initiatives.csv", True),
        ("/api/v1/initiatives.geojson", True),
        ("/initiatives", False),
        ("/feeds/initiatives.atom", False),
        ("/embed/initiatives", False),
    ],
)
def test_every_public_output_shows_the_street_without_the_door(
    client, street_address, url, shows_place
):
    response = client.get(url.format(id=street_address))
    assert response.status_code == 200
    text = html.unescape(response.get_data(as_text=True))
    for secret in DOOR_AND_POSTCODE:
        assert secret not in text, (url, secret)
    if shows_place:
        assert "Hidden Lane, Leeds LS5" in text, url


def test_search_finds_the_street_but_not_the_door(client, street_address):
    def titles(query: str) -> bool:
        return "Hedgehog street" in client.get(f"/initiatives?q={query}").get_data(as_text=True)

    assert titles("Hidden Lane")
    assert not titles("3AB")
    assert not titles("Flat 3")
