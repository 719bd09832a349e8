"""US counties: FIPS, names, land area, population, boundaries, and point-in-county lookups.

County population is the ACS 2018-22 total of the ZCTA points inside each county (see build.py); it
feeds the 42 CFR 422.116(c) designation only when no CMS reference file is loaded, and is labelled an
estimate there. Boundaries are the Census 2016 cartographic file's, except Chugach (02063) and Copper
River (02066), built by splitting the retired Valdez-Cordova (02261). CMS keys counties by SSA code;
the SSA code of a county comes from the loaded HSD Reference File (no registry package carries a
current SSA-FIPS crosswalk).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.geo.paths import geography_file

# Codes retired since the bundled 2016 boundary file, and what replaced them. Valdez-Cordova (02261) was
# split on 2019-01-02 into Chugach (02063) and Copper River (02066), which CMS uses; geo/build.py builds
# those two as counties of their own (an approximate boundary, see resources/README.md), so 02261 is no
# longer a county here and asking for it says why.
RETIRED_FIPS = {
    "02261": "Valdez-Cordova, AK was split in 2019 into 02063 (Chugach) and 02066 (Copper River); use one of those"
}
# FIPS -> the FIPS whose geography stands in for it. Empty since the Alaska split is built (format 4);
# kept, with canonical_fips, so callers written for the old aliasing keep working.
FIPS_ALIASES: dict[str, str] = {}


@lru_cache(maxsize=1)
def _counties_gdf() -> gpd.GeoDataFrame:
    return gpd.read_parquet(geography_file("counties.parquet"))


@lru_cache(maxsize=1)
def load_counties() -> pd.DataFrame:
    """All counties indexed by 5-digit FIPS (no geometry): state_fips, state, name, land_sq_mi,
    population, pop_65, population_source, lat, lon."""
    df = pd.DataFrame(_counties_gdf().drop(columns=["geometry", "geometry_display"]))
    return df.set_index("fips")


@lru_cache(maxsize=1)
def load_states() -> pd.DataFrame:
    """States and territories: state_fips, state (USPS), state_name."""
    return pd.read_parquet(geography_file("states.parquet"))


def canonical_fips(fips: str) -> str:
    """The FIPS whose geography stands in for ``fips`` (itself unless aliased; no alias remains)."""
    return FIPS_ALIASES.get(fips, fips)


def county_row(fips: str) -> pd.Series:
    counties = load_counties()
    key = canonical_fips(str(fips).zfill(5))
    if key not in counties.index:
        if key in RETIRED_FIPS:
            raise BlueprintError(f"county {fips!r} is no longer a county: {RETIRED_FIPS[key]}")
        raise BlueprintError(f"county {fips!r} is not a US county FIPS code")
    return counties.loc[key]


def is_county(fips: str) -> bool:
    """True for a current county FIPS (a retired one such as 02261 is not)."""
    return canonical_fips(str(fips)) in load_counties().index


def state_of(fips: str) -> str:
    """USPS abbreviation of the county's state."""
    return str(county_row(fips).state)


def county_name(fips: str) -> str:
    row = county_row(fips)
    return f"{row['name']}, {row.state}"


def state_fips_of(abbr: str) -> str:
    states = load_states()
    hit = states[states.state == abbr.strip().upper()]
    if hit.empty:
        raise BlueprintError(f"{abbr!r} is not a US state or territory abbreviation")
    return str(hit.state_fips.iloc[0])


def counties_in_states(states: Iterable[str]) -> list[str]:
    """Every county FIPS of the given states (USPS abbreviations), sorted."""
    counties = load_counties()
    wanted = {s.strip().upper() for s in states if s.strip()}
    known = set(load_states().state)
    unknown = sorted(wanted - known)
    if unknown:
        raise BlueprintError(f"not US state abbreviations: {', '.join(unknown)}")
    return sorted(counties.index[counties.state.isin(wanted)])


def county_geometries(fips: Sequence[str], display: bool = True) -> gpd.GeoDataFrame:
    """Outlines of the given counties (display = ~1 km simplification, else ~100 m), in lon/lat."""
    gdf = _counties_gdf()
    keys = [canonical_fips(f) for f in fips]
    sub = gdf[gdf.fips.isin(keys)].copy()
    if display:
        sub = sub.set_geometry(
            gpd.GeoSeries.from_wkb(sub.geometry_display.to_numpy(), index=sub.index, crs=sub.crs)
        )
    return sub.drop(columns=["geometry_display"])


@lru_cache(maxsize=1)
def _tree() -> tuple[shapely.STRtree, np.ndarray]:
    gdf = _counties_gdf()
    return shapely.STRtree(gdf.geometry.to_numpy()), gdf.fips.to_numpy()


def counties_of_points(lats: Sequence[float], lons: Sequence[float]) -> np.ndarray:
    """FIPS of the county containing each point (None where no county does), vectorised."""
    tree, fips = _tree()
    points = shapely.points(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
    out = np.full(len(points), None, dtype=object)
    point_idx, poly_idx = tree.query(points, predicate="within")
    out[point_idx] = fips[poly_idx]
    return out


def county_of_point(lat: float, lon: float) -> str | None:
    return counties_of_points([lat], [lon])[0]
