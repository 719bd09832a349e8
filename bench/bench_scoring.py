"""Scoring benchmark: national straight line vs a brute-force baseline, and one state's drive time.

Run: ``.venv/bin/python bench/bench_scoring.py [--providers 1000000] [--baseline-sample 2000]``

1. National straight line: every county's census population points (ZCTA interior points, one centroid
   point for counties without one), the built-in standards of every county, and ``--providers``
   synthetic credited locations over all scored lines (30% primary care, the rest spread evenly), drawn
   where people live with a few miles of jitter. ``compute_results(..., "straight")`` does everything a run
   does except reading/writing the project file: nearest distances, shares, percentiles, counts, the
   provisional re-check and confidence.
2. Baseline: brute-force numpy nearest neighbour (haversine from each point to every location of the
   line, in chunks) for a random subsample of points, extrapolated linearly to all points. It computes only
   the nearest distances, so the comparison favours the baseline.
3. One state's drive time: a synthetic grid road network over Texas's bounding box (every 10th row and
   column an arterial at OSRM's primary speed, the rest residential) and all lines, Texas counties only.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from blueprint_desktop.engine.credited import LOCATION_COLUMNS  # noqa: E402
from blueprint_desktop.engine.roads import KMH_TO_MPH, SPEEDS_KMH, RoadGraph, _dedupe  # noqa: E402
from blueprint_desktop.engine.scoring import ScoringInputs, compute_results  # noqa: E402
from blueprint_desktop.geo.counties import load_counties  # noqa: E402
from blueprint_desktop.geo.distance import haversine_miles  # noqa: E402
from blueprint_desktop.geo.points import census_points  # noqa: E402
from blueprint_desktop.rules.standards import all_lines, standards_for_county  # noqa: E402


def national_points() -> pd.DataFrame:
    counties = load_counties()
    pts = census_points(list(counties.index))
    missing = counties.index.difference(pts.county_fips.unique())
    extra = pd.DataFrame(
        {
            "point_id": "centroid:" + missing,
            "county_fips": missing,
            "lat": counties.loc[missing, "lat"].to_numpy(),
            "lon": counties.loc[missing, "lon"].to_numpy(),
            "weight": np.maximum(counties.loc[missing, "pop_65"].fillna(1).to_numpy(float), 1.0),
            "source": "centroid",
        }
    )
    return pd.concat([pts, extra], ignore_index=True)


def synthetic_locations(pts: pd.DataFrame, n: int, lines: list[str], rng) -> pd.DataFrame:
    share = np.full(len(lines), 0.7 / max(1, len(lines) - 1))
    share[lines.index("S03")] = 0.3
    line_of = rng.choice(len(lines), size=n, p=share / share.sum())
    p = pts.weight.to_numpy() / pts.weight.sum()
    at = rng.choice(len(pts), size=n, p=p)
    jitter = rng.normal(0, 3.0 / 69.0, size=(n, 2))  # ~3 miles
    df = pd.DataFrame(
        {
            "location_id": np.arange(n),
            "provider_id": np.arange(n),
            "npi": (1_000_000_000 + np.arange(n)).astype(str),
            "name": "synthetic",
            "line_code": np.array(lines)[line_of],
            "lat": np.clip(pts.lat.to_numpy()[at] + jitter[:, 0], -89, 89),
            "lon": pts.lon.to_numpy()[at] + jitter[:, 1],
            "county_fips": pts.county_fips.to_numpy()[at],
            "beds": np.where(np.array(lines)[line_of] == "040", rng.integers(20, 400, n), 0).astype(float),
            "geocode_quality": "exact",
            "source": "roster",
            "contract_status": "executed",
            "credentialing_status": np.where(rng.random(n) < 0.03, "provisional", "active"),
            "panel_status": "open",
            "telehealth_only": 0,
            "telehealth_waived": 0,
            "attested_date": "2026-01-01",
            "activity_last_date": None,
            "deactivated_date": None,
            "updated_at": "2026-01-01",
            "batch_at": "2026-01-10",
            # Schema v7 credit-rule fields (engine/exclusions.py): a realistic sprinkle so the rules do work.
            "submitted_code": np.where(
                (np.array(lines)[line_of] == "S03") & (rng.random(n) < 0.15), "006", np.array(lines)[line_of]
            ),
            "exclusion": np.where(
                (np.array(lines)[line_of] == "040") & (rng.random(n) < 0.05), "children", None
            ),
            "ma_contracted": np.where(rng.random(n) < 0.01, 0, 1),
            "primary_care_source": np.where(rng.random(n) < 0.5, 1, 0),
            "offers_telehealth": (rng.random(n) < 0.05).astype(int),
        }
    )
    return df[LOCATION_COLUMNS]


def brute_force_seconds(pts: pd.DataFrame, locs: pd.DataFrame, sample: int, rng) -> tuple[float, int]:
    """Seconds for brute-force nearest distances of ``sample`` points over every line (chunked)."""
    idx = rng.choice(len(pts), size=min(sample, len(pts)), replace=False)
    lat, lon = pts.lat.to_numpy()[idx], pts.lon.to_numpy()[idx]
    t0 = time.perf_counter()
    for _, group in locs.groupby("line_code"):
        glat, glon = group.lat.to_numpy(), group.lon.to_numpy()
        for start in range(0, len(lat), 64):
            d = haversine_miles(lat[start : start + 64, None], lon[start : start + 64, None], glat, glon)
            d.min(axis=1)
    return time.perf_counter() - t0, len(idx)


def grid_graph(min_lat, max_lat, min_lon, max_lon, rows: int, cols: int) -> RoadGraph:
    lat = np.repeat(np.linspace(min_lat, max_lat, rows), cols)
    lon = np.tile(np.linspace(min_lon, max_lon, cols), rows)
    ids = np.arange(rows * cols).reshape(rows, cols)
    h = np.column_stack([ids[:, :-1].ravel(), ids[:, 1:].ravel()])
    v = np.column_stack([ids[:-1, :].ravel(), ids[1:, :].ravel()])
    h_fast = np.repeat(np.arange(rows) % 10 == 0, cols - 1)
    v_fast = np.tile(np.arange(cols) % 10 == 0, rows - 1)
    pairs = np.vstack([h, v])
    fast = np.concatenate([h_fast, v_fast])
    mph = np.where(fast, SPEEDS_KMH["primary"], SPEEDS_KMH["residential"]) * KMH_TO_MPH
    src = np.concatenate([pairs[:, 0], pairs[:, 1]])
    dst = np.concatenate([pairs[:, 1], pairs[:, 0]])
    mph = np.concatenate([mph, mph])
    miles = haversine_miles(lat[src], lon[src], lat[dst], lon[dst])
    return _dedupe(RoadGraph(lat, lon, src, dst, miles / mph * 60.0, miles))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--providers", type=int, default=1_000_000)
    ap.add_argument("--baseline-sample", type=int, default=2000)
    ap.add_argument("--grid", type=int, default=500, help="road grid side (nodes); 500 -> ~1M directed edges")
    ap.add_argument("--skip-road", action="store_true")
    args = ap.parse_args()
    rng = np.random.default_rng(7)

    t0 = time.perf_counter()
    pts = national_points()
    counties = sorted(pts.county_fips.unique())
    standards = {f: standards_for_county(None, f) for f in counties}
    lines = [ld.code for ld in all_lines("ma")]
    locs = synthetic_locations(pts, args.providers, lines, rng)
    t_setup = time.perf_counter() - t0
    print(
        f"setup: {len(pts):,} points in {len(counties):,} counties, {len(locs):,} locations, "
        f"{len(lines)} lines, standards+data {t_setup:.1f} s"
    )

    inputs = ScoringInputs(counties, standards, pts, locs, today=None)
    t0 = time.perf_counter()
    results = compute_results(inputs, "straight")
    t_engine = time.perf_counter() - t0
    print(f"engine straight line, national: {t_engine:.2f} s for {len(results):,} county x line cells")

    t_bf, n_bf = brute_force_seconds(pts, locs, args.baseline_sample, rng)
    t_bf_full = t_bf * len(pts) / n_bf
    print(
        f"baseline brute force: {t_bf:.2f} s for {n_bf:,} points -> {t_bf_full:.1f} s extrapolated to "
        f"{len(pts):,} points; speed-up {t_bf_full / t_engine:.0f}x"
    )

    if args.skip_road:
        return
    tx = [f for f in counties if f.startswith("48")]
    tx_pts = pts[pts.county_fips.isin(tx)]
    tx_locs = locs[locs.county_fips.isin(tx)]
    t0 = time.perf_counter()
    g = grid_graph(
        tx_pts.lat.min() - 0.2,
        tx_pts.lat.max() + 0.2,
        tx_pts.lon.min() - 0.2,
        tx_pts.lon.max() + 0.2,
        args.grid,
        args.grid,
    )
    t_graph = time.perf_counter() - t0
    inputs = ScoringInputs(tx, {f: standards[f] for f in tx}, tx_pts, tx_locs)
    t0 = time.perf_counter()
    results = compute_results(inputs, "road", graph=g)
    t_road = time.perf_counter() - t0
    print(f"road graph: {g.n:,} nodes, {len(g.src):,} directed edges (built in {t_graph:.1f} s)")
    print(
        f"engine drive time, Texas ({len(tx)} counties, {len(tx_pts):,} points, {len(tx_locs):,} locations, "
        f"all lines): {t_road:.2f} s for {len(results):,} cells"
    )


if __name__ == "__main__":
    main()
