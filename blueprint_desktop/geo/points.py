"""Population points: where the beneficiaries of each county live, as weighted points.

Adequacy is measured from where people live (42 CFR 422.116(d): the share of beneficiaries within the
time and distance standard). Three sources, per county, best first:

1. ``enrollees``: the plan's own enrollee counts by ZIP or point (``blueprint import enrollees``),
   which replace the census points of the counties they cover;
2. ``census-zcta``: ZCTA interior points weighted by their ACS 2018-22 population aged 65+ (the
   closest public proxy for Medicare beneficiaries at sub-county level);
3. ``grid``: for a county with no ZCTA point inside (small independent cities), a regular grid inside
   its boundary sharing the county's population equally.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd
import shapely

from blueprint_desktop.geo.counties import county_geometries, load_counties
from blueprint_desktop.geo.paths import geography_file

COLUMNS = ["point_id", "county_fips", "lat", "lon", "weight", "source"]
GRID_POINTS = 25  # enough to resolve a small county's extent; its whole population shares them


@lru_cache(maxsize=1)
def _census_points() -> pd.DataFrame:
    return pd.read_parquet(geography_file("population_points.parquet"))


def census_points(fips: Sequence[str]) -> pd.DataFrame:
    pts = _census_points()
    sub = pts[pts.county_fips.isin(set(fips))]
    out = pd.DataFrame(
        {
            "point_id": "zcta:" + sub.point_id,
            "county_fips": sub.county_fips,
            "lat": sub.lat,
            "lon": sub.lon,
            # 65+ population; a ZCTA whose 65+ share rounds to 0 still has residents, so keep a floor of 1.
            "weight": np.maximum(sub.pop_65.to_numpy(), 1).astype(float),
            "source": "census-zcta",
        }
    )
    return out.reset_index(drop=True)


def grid_points(fips: str, n: int = GRID_POINTS) -> pd.DataFrame:
    """A population-weighted grid inside a county's boundary (its population spread evenly)."""
    geo = county_geometries([fips], display=False)
    if geo.empty:
        return pd.DataFrame(columns=COLUMNS)
    poly = geo.geometry.iloc[0]
    minx, miny, maxx, maxy = poly.bounds
    side = int(np.ceil(np.sqrt(n * 2)))
    for _ in range(6):  # refine until enough grid nodes fall inside irregular shapes
        xs, ys = np.meshgrid(np.linspace(minx, maxx, side + 2)[1:-1], np.linspace(miny, maxy, side + 2)[1:-1])
        cand = shapely.points(xs.ravel(), ys.ravel())
        inside = cand[shapely.contains(poly, cand)]
        if len(inside) >= n // 2:
            break
        side *= 2
    if len(inside) == 0:
        rp = poly.representative_point()
        inside = np.array([rp])
    row = load_counties().loc[fips]
    total = float(row.pop_65 or row.population or 1)
    return pd.DataFrame(
        {
            "point_id": [f"grid:{fips}:{i}" for i in range(len(inside))],
            "county_fips": fips,
            "lat": shapely.get_y(inside),
            "lon": shapely.get_x(inside),
            "weight": total / len(inside),
            "source": "grid",
        }
    )


def enrollee_points(project, fips: Sequence[str]) -> pd.DataFrame:
    """The project's imported enrollee points for these counties (empty when none were imported)."""
    if project is None or "enrollee_points" not in project.db.table_names():
        return pd.DataFrame(columns=COLUMNS)
    marks = ",".join("?" * len(fips))
    rows = project.conn.execute(
        f"SELECT rowid, county_fips, latitude, longitude, weight FROM enrollee_points WHERE county_fips IN ({marks})",
        list(fips),
    ).fetchall()
    df = pd.DataFrame(rows, columns=["rowid", "county_fips", "lat", "lon", "weight"])
    df["point_id"] = "enr:" + df.rowid.astype(str)
    df["source"] = "enrollees"
    return df[COLUMNS]


def population_points(fips: Sequence[str], project=None) -> pd.DataFrame:
    """Weighted population points for the given counties (see the module doc for the sources)."""
    fips = sorted(set(fips))
    enrolled = enrollee_points(project, fips)
    covered = set(enrolled.county_fips)
    census = census_points([f for f in fips if f not in covered])
    frames = [enrolled, census]
    for f in fips:
        if f not in covered and not (census.county_fips == f).any():
            frames.append(grid_points(f))
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    out = pd.concat(frames, ignore_index=True)[COLUMNS]
    out["lat"] = out.lat.astype(float)
    out["lon"] = out.lon.astype(float)
    out["weight"] = out.weight.astype(float)
    return out.sort_values(["county_fips", "point_id"]).reset_index(drop=True)
