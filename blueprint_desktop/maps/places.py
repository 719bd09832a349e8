"""Towns for the map's labels, from the bundled places table (``geo/build.py``: ``places.parquet``).

A place is a USPS city over the populated ZIP areas that carry its name: population summed (ACS
2018-22), placed at their population-weighted mean point, in the county holding most of its people.
The map labels the larger places of each county it shows, more of them as the user zooms in
(``min_zoom``); the page hides a label that would overlap one drawn before it (county names first,
then towns by size), so a crowded view stays readable. No place table (a geography built before
format 6) means no town labels, not an error.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from functools import lru_cache

import pandas as pd

from blueprint_desktop.geo.paths import geography_file

PLACES_FILE = "places.parquet"
# Per county, the n-th largest place shows from this zoom on (the whole service area is ~zoom 8-9).
ZOOM_TIERS = ((1, 0.0), (2, 8.25), (4, 9.25), (8, 10.25), (14, 11.25))
MIN_POPULATION = 1_000  # smaller places are labelled only when they are their county's largest
BIG_TOWN = 250_000  # label classes by population: a big city, a town, a small town
TOWN = 25_000


@lru_cache(maxsize=1)
def load_places() -> pd.DataFrame:
    """state, city, county_fips, lat, lon, population, zips; empty when the table is not built."""
    try:
        return pd.read_parquet(geography_file(PLACES_FILE))
    except (FileNotFoundError, OSError, ValueError):
        return pd.DataFrame(columns=["state", "city", "county_fips", "lat", "lon", "population", "zips"])


def _min_zoom(rank: int) -> float | None:
    for upto, zoom in ZOOM_TIERS:
        if rank < upto:
            return zoom
    return None


def town_labels(fips_list: Sequence[str], places: pd.DataFrame | None = None) -> list[dict]:
    """Labels of the larger places of ``fips_list``, largest first: lat, lon, text, min_zoom, size."""
    places = load_places() if places is None else places
    if places.empty:
        return []
    rows = places[places.county_fips.isin(list(fips_list))]
    rows = rows.sort_values(["county_fips", "population", "city"], ascending=[True, False, True])
    out: list[dict] = []
    for _fips, group in rows.groupby("county_fips", sort=True):
        for rank, r in enumerate(group.itertuples()):
            zoom = _min_zoom(rank)
            if zoom is None:
                break
            if rank > 0 and int(r.population) < MIN_POPULATION:
                break
            pop = int(r.population)
            out.append(
                {
                    "lat": round(float(r.lat), 4),
                    "lon": round(float(r.lon), 4),
                    "text": html.escape(str(r.city)),
                    "pop": pop,
                    "minZoom": zoom,
                    "size": "big" if pop >= BIG_TOWN else ("town" if pop >= TOWN else "small"),
                }
            )
    out.sort(key=lambda t: (t["minZoom"], -t["pop"], t["text"]))
    return out
