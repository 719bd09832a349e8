"""What the beneficiary sample changes: the demo's results, the national run's cost, and the build.

Run: ``.venv/bin/python bench/bench_population_sample.py [--providers 1000000] [--repeat 2] [--skip-national]``

1. **Demo.** ``blueprint demo`` into a temporary folder, then the demo's inputs (``gather_inputs``) scored
   straight line with each population model (``population_points(area, project, model=...)``): Pass / At
   Risk / Failing counts, the cells whose status flips, and the mean absolute change of the share within
   standard. A fine spread (the same discs and clipping, one point per ``--fine-sq-mi`` of land, at most
   ``--fine-cap`` per ZCTA: ~15x the sample's points) is scored too, as the limit the sample approximates:
   how far each model is from it says how much of the way from one point per ZIP to a fine spread the
   sample gets.
2. **National straight line.** ``bench_scoring.py``'s scenario (every county's built-in standards,
   ``--providers`` synthetic credited locations drawn where people live) scored by ``compute_results``
   with the ZCTA points and with the sample (both with a centroid for counties without points, as in
   ``bench_scoring.py``; the locations are the same). Wall and CPU seconds of each, best of ``--repeat``
   runs alternating, and the ratio.
3. **Build.** ``geo.build.build`` into a temporary folder: wall and CPU seconds, and the sample step alone.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scoring import national_points, synthetic_locations  # noqa: E402

from blueprint_desktop.engine.scoring import ScoringInputs, compute_results, gather_inputs  # noqa: E402
from blueprint_desktop.geo import sample as geo_sample  # noqa: E402
from blueprint_desktop.geo.counties import county_geometries, county_name, load_counties  # noqa: E402
from blueprint_desktop.geo.points import census_points, population_points  # noqa: E402
from blueprint_desktop.rules.standards import all_lines, standards_for_county  # noqa: E402

STATUSES = ("Pass", "At Risk", "Failing")


def timed(fn):
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def fine_spread(fips: list[str], sq_mi: float, cap: int) -> pd.DataFrame:
    """The sample's discs and clipping with one point per ``sq_mi`` of land (at most ``cap`` per ZCTA)."""
    from blueprint_desktop.geo.paths import geography_file

    zp = pd.read_parquet(geography_file("population_points.parquet"))
    zp = zp[zp.county_fips.isin(fips)]
    zctas = pd.DataFrame(
        {
            "zcta": zp.point_id,
            "county_fips": zp.county_fips,
            "lat": zp.lat,
            "lon": zp.lon,
            "weight": np.maximum(zp.pop_65.to_numpy(), 1).astype(float),
            "land_sq_mi": zp.land_sq_mi,
        }
    )
    outlines = county_geometries(fips, display=False).set_index("fips").geometry
    k = np.clip(np.ceil(zctas.land_sq_mi.fillna(0).to_numpy() / sq_mi), 1, cap)
    pts, _ = geo_sample.build_sample(zctas, outlines, k)
    return pts.assign(source="fine")[["point_id", "county_fips", "lat", "lon", "weight", "source"]]


def _cells(results) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "county_fips": r.county_fips,
                "line_code": r.line_code,
                "status": r.status,
                "pct": r.pct_within,
                "count": r.credited_count,
            }
            for r in results
        ]
    ).set_index(["county_fips", "line_code"])


def compare(base: pd.DataFrame, other: pd.DataFrame, label: str) -> None:
    both = base.add_suffix("_a").join(other.add_suffix("_b"))
    diff = (both.pct_b - both.pct_a).abs()
    uncapped = (both.pct_a < 100) | (both.pct_b < 100)
    flips = both[both.status_a != both.status_b]
    print(
        f"  {label}: mean |share change| {diff.mean():.2f} points over {len(both)} cells "
        f"({diff[uncapped].mean():.2f} over the {int(uncapped.sum())} cells below 100% in either); "
        f"max {diff.max():.1f}; counts changed in {int((both.count_a != both.count_b).sum())} cells; "
        f"{len(flips)} status flips"
    )
    for (fips, line), r in flips.sort_index().iterrows():
        print(
            f"    {fips} {county_name(fips):<16} {line}: {r.status_a} -> {r.status_b} "
            f"({r.pct_a:.1f}% -> {r.pct_b:.1f}%, count {r.count_a:g} -> {r.count_b:g})"
        )


def demo_section(fine_sq_mi: float, fine_cap: int) -> None:
    from blueprint_desktop.demo import write_demo_project
    from blueprint_desktop.store import open_project

    with tempfile.TemporaryDirectory() as tmp:
        path = write_demo_project(Path(tmp) / "demo.bpproj")
        with open_project(path, read_only=True) as project:
            inputs = gather_inputs(project)
            area = inputs.counties
            runs = {}
            point_sets = {
                "zcta-points": population_points(area, project, model="zcta-points"),
                "sample": population_points(area, project, model="sample"),
                "fine spread": fine_spread(area, fine_sq_mi, fine_cap),
            }
            print(f"demo: {len(area)} counties")
            for name, pts in point_sets.items():
                inputs.points = pts
                results, wall, cpu = timed(lambda: compute_results(inputs, "straight"))
                cells = _cells(results)
                runs[name] = cells
                counts = cells.status.value_counts().reindex(STATUSES, fill_value=0)
                per_county = pts.groupby("county_fips").size()
                print(
                    f"  {name:<26} {len(pts):>6,} points (per county {per_county.min()}-{per_county.max()}, "
                    f"median {per_county.median():g}): "
                    + ", ".join(f"{s} {counts[s]}" for s in STATUSES)
                    + f"  [{wall:.2f} s wall, {cpu:.2f} s CPU]"
                )
            names = list(runs)
            compare(runs[names[0]], runs[names[1]], f"{names[0]} -> {names[1]}")
            compare(runs[names[1]], runs[names[2]], f"{names[1]} -> {names[2]}")
            compare(runs[names[0]], runs[names[2]], f"{names[0]} -> {names[2]}")
            sample_pts = point_sets["sample"]
            print("  sample points per demo county:")
            for fips, n in sample_pts.groupby("county_fips").size().items():
                z = (point_sets["zcta-points"].county_fips == fips).sum()
                print(f"    {fips} {county_name(fips):<16} {n:>5} (ZCTA points {z})")


def national_section(providers: int, repeat: int) -> None:
    rng = np.random.default_rng(7)
    counties = load_counties()
    # bench_scoring.py's points: census points + a centroid where a county has none, for each model.
    extra = national_points()
    extra = extra[extra.source == "centroid"]
    zcta = pd.concat([census_points(list(counties.index), model="zcta-points"), extra], ignore_index=True)
    smp = pd.concat([census_points(list(counties.index), model="sample"), extra], ignore_index=True)
    fips = sorted(zcta.county_fips.unique())
    standards = {f: standards_for_county(None, f) for f in fips}
    lines = [ld.code for ld in all_lines("ma")]
    locs = synthetic_locations(zcta, providers, lines, rng)
    print(f"national straight line: {len(fips):,} counties, {len(locs):,} locations, {len(lines)} lines")
    best: dict[str, tuple[float, float]] = {}
    sets = {"zcta-points": zcta, "sample": smp}
    for _ in range(repeat):
        for name, pts in sets.items():
            inputs = ScoringInputs(fips, standards, pts, locs, today=None)
            results, wall, cpu = timed(lambda inputs=inputs: compute_results(inputs, "straight"))
            print(
                f"  {name:<12} {len(pts):>8,} points: {wall:6.2f} s wall, {cpu:6.2f} s CPU ({len(results):,} cells)"
            )
            if name not in best or wall < best[name][0]:
                best[name] = (wall, cpu)
    (wz, cz), (ws, cs) = best["zcta-points"], best["sample"]
    print(
        f"  best of {repeat}: zcta-points {wz:.2f} s wall / {cz:.2f} s CPU; sample {ws:.2f} s wall / "
        f"{cs:.2f} s CPU; ratio {ws / wz:.2f}x wall, {cs / cz:.2f}x CPU; points {len(smp) / len(zcta):.2f}x"
    )


def build_section() -> None:
    from blueprint_desktop.geo.build import build

    with tempfile.TemporaryDirectory() as tmp:
        info, wall, cpu = timed(lambda: build(Path(tmp), verbose=False))
    s = info["population_sample"]
    print(
        f"build: {wall:.1f} s wall, {cpu:.1f} s CPU; the sample step {s['seconds']:.2f} s: "
        f"{s['points']:,} points ({s['points_spread']:,} spread, {s['points_dropped_outside_county']:,} outside "
        f"their county dropped, {s['zctas_moved_into_county']} ZCTAs moved into their county) for "
        f"{s['zctas']:,} ZCTAs ({s['zctas_one_point']:,} of them one point) in {s['counties']:,} counties"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--providers", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--fine-sq-mi", type=float, default=0.5, help="fine spread: land per point (sq mi)")
    ap.add_argument("--fine-cap", type=int, default=400, help="fine spread: most points per ZCTA")
    ap.add_argument("--skip-demo", action="store_true")
    ap.add_argument("--skip-national", action="store_true")
    ap.add_argument("--skip-build", action="store_true")
    args = ap.parse_args()
    if not args.skip_build:
        build_section()
    if not args.skip_demo:
        demo_section(args.fine_sq_mi, args.fine_cap)
    if not args.skip_national:
        national_section(args.providers, args.repeat)


if __name__ == "__main__":
    main()
