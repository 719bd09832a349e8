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

Today's code against the working tree (issue 16): ``--vs-today`` runs the same timed call twice, each in a
fresh process: once with the package as it is at ``--today-rev`` (``git archive`` into a temporary folder,
so "today" is the code before this work, not an approximation of it) and once with the working tree. Each
process reports wall and CPU seconds (``time.process_time``: every thread of the process) of the timed call
only, and writes its results as JSON; the two JSON texts must be identical. Each also reports its peak RSS
(``ru_maxrss``: inputs, the run and the results as JSON text) and, for ``compute``, the CPU seconds per
phase (``compute_results(info=...)``).

- ``--vs-today compute``: ``compute_results(..., "straight")`` on the national inputs above
  (``--points N`` replaces the census points by N synthetic points drawn where people live).
- ``--floor`` (with ``compute``): the new process also times the exact nearest queries alone (every point
  against every line's credited locations, k = 1, one thread), the least CPU any exact run can take: today's
  CPU over it is the largest ratio exact code could reach.
- ``--vs-today product``: the product path, ``score_project(project, "straight")`` (gather + compute +
  store) on a project file holding every county as its service area and ``--providers`` locations (built
  once with SQL and kept in ``--cache``; each process scores its own copy). Results are read back from the
  file (``runs.run_results``) for the comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
# A child process of --vs-today imports the package from the root it is given (today's code or this tree).
sys.path.insert(0, os.environ.get("BENCH_CODE_ROOT", str(REPO)))

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


TODAY_REV = "e9683ca"  # the commit before issue 16's scoring work: "today's code" for the ratios
TODAY = "2026-12-01"  # a fixed "today" so both processes credit and score the same rows


def synthetic_points(pts: pd.DataFrame, n: int, rng) -> pd.DataFrame:
    """``n`` population points drawn where people live (by census weight), ~2 miles of jitter, each
    weighing its share of its county's weight."""
    at = rng.choice(len(pts), size=n, p=pts.weight.to_numpy() / pts.weight.sum())
    jitter = rng.normal(0, 2.0 / 69.0, size=(n, 2))
    out = pd.DataFrame(
        {
            "point_id": [f"s{i}" for i in range(n)],
            "county_fips": pts.county_fips.to_numpy()[at],
            "lat": np.clip(pts.lat.to_numpy()[at] + jitter[:, 0], -89, 89),
            "lon": pts.lon.to_numpy()[at] + jitter[:, 1],
            "weight": 1.0,
            "source": "census-sample",
        }
    )
    # Every county keeps at least one point (a county without points would score differently).
    missing = pts[~pts.county_fips.isin(out.county_fips.unique())]
    return pd.concat([out, missing[out.columns]], ignore_index=True)


def national_inputs(cache: Path, providers: int, points: int):
    """(points, locations, counties) of the national bench, generated once per size into ``cache``."""
    path = cache / f"national_{providers}_{points}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    from blueprint_desktop.rules.standards import all_lines

    rng = np.random.default_rng(7)
    pts = national_points()
    lines = [ld.code for ld in all_lines("ma")]
    locs = synthetic_locations(pts, providers, lines, rng)
    if points:
        pts = synthetic_points(pts, points, np.random.default_rng(11))
    counties = sorted(pts.county_fips.unique())
    path.write_bytes(pickle.dumps((pts, locs, counties)))
    return pts, locs, counties


def build_project(path: Path, locs: pd.DataFrame) -> Path:
    """A project file with every county as its service area and ``locs`` as its network (SQL inserts)."""
    from blueprint_desktop.geo.counties import load_counties
    from blueprint_desktop.store.project import create_project, utc_now

    counties = load_counties()
    state_col = "state" if "state" in counties.columns else counties.columns[0]
    area = [(str(f), str(counties.loc[f, state_col])[:2]) for f in counties.index]
    now = utc_now()

    def populate(project) -> None:
        with project.transaction() as conn:
            _insert_network(conn, locs, now)

    return create_project(path, "bench national", counties=area, populate=populate)


def _insert_network(conn, locs: pd.DataFrame, now: str) -> None:
    # One transaction (the caller's): 3,000,000 rows autocommitted one by one would take an hour.
    conn.execute(
        "INSERT INTO import_batches(id, kind, file_name, file_sha256, imported_at) VALUES (1, 'roster',"
        " 'bench.csv', 'bench', '2026-11-20T00:00:00Z')"
    )
    n = len(locs)
    ids = np.arange(1, n + 1)
    conn.executemany(
        "INSERT INTO providers(id, npi, name, source, contract_status, credentialing_status, panel_status,"
        " telehealth_only, telehealth_waived, attested_date, batch_id, updated_at, exclusion, ma_contracted,"
        " primary_care_source, offers_telehealth) VALUES (?,?,?,?,?,?,?,?,?,?,1,?,?,?,?,?)",
        zip(
            ids.tolist(), locs.npi.tolist(), locs.name.tolist(), locs.source.tolist(),
            locs.contract_status.tolist(), locs.credentialing_status.tolist(), locs.panel_status.tolist(),
            locs.telehealth_only.tolist(), locs.telehealth_waived.tolist(), locs.attested_date.tolist(),
            [now] * n, locs.exclusion.tolist(), locs.ma_contracted.tolist(),
            locs.primary_care_source.tolist(), locs.offers_telehealth.tolist(), strict=True,
        ),
    )  # fmt: skip
    conn.executemany(
        "INSERT INTO provider_lines(provider_id, line_code) VALUES (?, ?)",
        zip(ids.tolist(), locs.submitted_code.tolist(), strict=True),
    )
    conn.executemany(
        "INSERT INTO locations(id, provider_id, county_fips, latitude, longitude, geocode_quality, beds,"
        " batch_id) VALUES (?,?,?,?,?,?,?,1)",
        zip(
            ids.tolist(), ids.tolist(), locs.county_fips.tolist(), locs.lat.tolist(),
            np.clip(locs.lon.to_numpy(), -180, 180).tolist(), locs.geocode_quality.tolist(),
            locs.beds.astype(int).tolist(), strict=True,
        ),
    )  # fmt: skip


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (forked helpers: engine/line_split.py)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _child(args) -> None:
    """One timed call in this process (today's code or the tree, by BENCH_CODE_ROOT); one JSON line out."""
    from datetime import date

    today = date.fromisoformat(TODAY)
    cache = Path(args.cache)
    out: dict = {"root": os.environ.get("BENCH_CODE_ROOT", str(REPO))}
    if args.vs_today == "compute":
        from blueprint_desktop.engine.scoring import ScoringInputs, compute_results
        from blueprint_desktop.rules.standards import standards_for_county

        pts, locs, counties = national_inputs(cache, args.providers, args.points)
        standards = {f: standards_for_county(None, f) for f in counties}
        inputs = ScoringInputs(counties, standards, pts, locs, today=today)
        t0, c0 = time.perf_counter(), _cpu()
        info: dict = {}
        results = compute_results(inputs, "straight", info=info)
        out.update(wall_s=time.perf_counter() - t0, cpu_s=_cpu() - c0, cells=len(results))
        out["phases_cpu_s"] = info.get("phases_cpu_s", {})
        rows = [r.as_dict() for r in results]
        if args.floor:
            out["floor"] = _nearest_floor(inputs)
    else:
        from blueprint_desktop.engine import runs
        from blueprint_desktop.engine.scoring import score_project
        from blueprint_desktop.store.project import open_project

        project = open_project(args.project)
        try:
            t0, c0 = time.perf_counter(), _cpu()
            run = score_project(project, "straight", today=today)
            out.update(wall_s=time.perf_counter() - t0, cpu_s=_cpu() - c0, cells=len(run.results))
            out["timings"] = run.timings
            rows = runs.run_results(project, run.run_id)
            # A second score of the unchanged project (what a user does after a what-if or a re-check):
            # the new code reads the locations frame it kept (engine/locations_cache.py).
            t0, c0 = time.perf_counter(), _cpu()
            again = score_project(project, "straight", today=today)
            out.update(rescore_wall_s=time.perf_counter() - t0, rescore_cpu_s=_cpu() - c0)
            out["rescore_timings"] = again.timings
            same = runs.run_results(project, again.run_id)
            for a, b in zip(rows, same, strict=True):
                a2, b2 = dict(a), dict(b)
                for r in (a2, b2):
                    r.pop("run_id", None)
                    r.pop("run_started_at", None)
                assert a2 == b2, "the second score differs from the first"
        finally:
            project.close()
        for r in rows:
            r.pop("run_id", None)
            r.pop("run_started_at", None)
    Path(args.child_out).write_text(json.dumps(rows, sort_keys=True, default=str))
    # Peak resident memory of the whole child (inputs, the timed call, the results read back).
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(out))


def _nearest_floor(inputs) -> dict:
    """CPU seconds of the exact nearest-location queries alone: every point of the run against every
    line's credited locations, k = 1, in Z-order, with the working tree's kernel (engine/nearest_tree.py)
    on one thread. No exact run can take less CPU than this, so today's CPU over it bounds the ratio any
    exact code could reach (the 90th percentiles and shares need every point's exact distance)."""
    from blueprint_desktop.engine.nearest import SpatialOrder
    from blueprint_desktop.engine.nearest_tree import NearestTree
    from blueprint_desktop.engine.scoring import credited_locations
    from blueprint_desktop.geo.distance import to_unit_vectors

    pts = inputs.points[inputs.points.weight > 0]
    order = SpatialOrder(to_unit_vectors(pts.lat.to_numpy(float), pts.lon.to_numpy(float)))
    cred = credited_locations(inputs)
    groups = [g for _, g in cred.groupby("line_code")]
    c0 = _cpu()
    trees = [NearestTree(to_unit_vectors(g.lat.to_numpy(float), g.lon.to_numpy(float))) for g in groups]
    c1 = _cpu()
    for tree in trees:
        tree.query(order.xyz)
    c2 = _cpu()
    return {"queries": len(order.xyz) * len(trees), "trees_cpu_s": c1 - c0, "queries_cpu_s": c2 - c1}


def _today_root(rev: str, folder: Path) -> Path:
    """The package as it was at ``rev`` (git archive: reads the repository, changes nothing in it)."""
    root = folder / f"today-{rev}"
    if not (root / "blueprint_desktop").exists():
        root.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", rev, "blueprint_desktop"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
        (root / "resources").symlink_to(REPO / "resources")
    return root


def vs_today(args) -> None:
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    roots = {"today": _today_root(args.today_rev, cache), "new": REPO}
    if args.vs_today == "compute":
        t0 = time.perf_counter()
        pts, locs, counties = national_inputs(cache, args.providers, args.points)
        print(
            f"inputs: {len(pts):,} points in {len(counties):,} counties, {len(locs):,} locations "
            f"({time.perf_counter() - t0:.1f} s, cached in {cache})"
        )
    else:
        master = cache / f"national_{args.providers}-{args.today_rev}.bpproj"
        if not master.exists():
            # Written by today's code (its schema), so both processes can open it; this tree migrates its
            # copy on open, before the timed call.
            t0 = time.perf_counter()
            national_inputs(cache, args.providers, 0)
            cmd = [sys.executable, __file__, "--child-build", str(master), "--cache", str(cache)]
            cmd += ["--providers", str(args.providers)]
            env = dict(os.environ, BENCH_CODE_ROOT=str(roots["today"]))
            subprocess.run(cmd, env=env, check=True)
            print(
                f"built {master} ({master.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.0f} s"
            )
    report = {}
    for name in args.order.split(","):
        out_json = cache / f"{args.vs_today}-{name}.json"
        cmd = [sys.executable, __file__, "--child", "--vs-today", args.vs_today, "--cache", str(cache)]
        cmd += [
            "--providers",
            str(args.providers),
            "--points",
            str(args.points),
            "--child-out",
            str(out_json),
        ]
        if args.floor and name == "new":
            cmd.append("--floor")
        if args.vs_today == "product":
            copy = cache / f"score-{name}.bpproj"
            shutil.copy(master, copy)
            for suffix in ("-wal", "-shm"):
                Path(str(copy) + suffix).unlink(missing_ok=True)
            cmd += ["--project", str(copy)]
        env = dict(os.environ, BENCH_CODE_ROOT=str(roots[name]))
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"{name} failed:\n{done.stderr[-4000:]}")
        report[name] = json.loads(done.stdout.strip().splitlines()[-1])
        report[name]["json"] = out_json
        r = report[name]
        print(
            f"{name:5s}: wall {r['wall_s']:.2f} s, CPU {r['cpu_s']:.2f} s, {r['cells']:,} cells, "
            f"peak RSS {r['peak_rss_mb']:,} MB {r.get('timings', '')} {r.get('phases_cpu_s', '')}"
        )
        if "rescore_wall_s" in r:
            print(
                f"       second score of the unchanged file: wall {r['rescore_wall_s']:.2f} s, CPU "
                f"{r['rescore_cpu_s']:.2f} s {r.get('rescore_timings', '')}"
            )
    a, b = report["today"], report["new"]
    if "floor" in b:
        f = b["floor"]
        least = f["trees_cpu_s"] + f["queries_cpu_s"]
        print(
            f"floor: {f['queries']:,} exact nearest queries alone (one thread): CPU {f['queries_cpu_s']:.2f} s "
            f"+ trees {f['trees_cpu_s']:.2f} s; today's CPU / floor = {a['cpu_s'] / least:.1f}x, the most any "
            f"exact code could reach; new / floor = {b['cpu_s'] / least:.1f}x"
        )
    same = a["json"].read_bytes() == b["json"].read_bytes()
    print(
        f"ratio today/new: wall {a['wall_s'] / b['wall_s']:.1f}x, CPU {a['cpu_s'] / b['cpu_s']:.1f}x; "
        f"results JSON ({a['json'].stat().st_size / 1e6:.1f} MB) {'IDENTICAL' if same else 'DIFFERENT'}"
    )
    if "rescore_wall_s" in a:
        print(
            f"ratio today/new, second score: wall {a['rescore_wall_s'] / b['rescore_wall_s']:.1f}x, "
            f"CPU {a['rescore_cpu_s'] / b['rescore_cpu_s']:.1f}x"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vs-today", choices=("compute", "product"), help="today's code against this tree")
    ap.add_argument("--points", type=int, default=0, help="synthetic population points (0: census points)")
    ap.add_argument("--floor", action="store_true", help="compute: also time the exact nearest queries alone")
    ap.add_argument("--today-rev", default=TODAY_REV)
    ap.add_argument("--order", default="today,new", help="which process runs first")
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "bench_scoring"))
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--child-build", help=argparse.SUPPRESS)
    ap.add_argument("--child-out", help=argparse.SUPPRESS)
    ap.add_argument("--project", help=argparse.SUPPRESS)
    ap.add_argument("--providers", type=int, default=1_000_000)
    ap.add_argument("--baseline-sample", type=int, default=2000)
    ap.add_argument("--grid", type=int, default=500, help="road grid side (nodes); 500 -> ~1M directed edges")
    ap.add_argument("--skip-road", action="store_true")
    args = ap.parse_args()
    if args.child:
        return _child(args)
    if args.child_build:
        _, locs, _ = national_inputs(Path(args.cache), args.providers, 0)
        build_project(Path(args.child_build), locs)
        return None
    if args.vs_today:
        return vs_today(args)
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
