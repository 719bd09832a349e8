"""Drive time for a whole state: a Texas-size synthetic road grid, all 43 lines, today's code beside the old.

Run: ``.venv/bin/python bench/bench_drive_time.py [--grid 1892] [--old-counties 30] [--old-lines S03,040,007]``

1. **Graph** (built once, kept in bench/out/, which git ignores): the grid of bench/bench_scoring.py
   (``grid_graph``: every 10th row and column an arterial at OSRM's primary speed, the rest residential) over
   the bounding box of Texas's population points plus 0.2 degrees. ``--grid 1892`` gives 3,579,664 nodes
   and 14.3 M directed edges (7.2 M two-way road segments), the size of issue 16's synthetic Texas.
2. **Inputs**: bench/bench_scoring.py's national points and 1,000,000 synthetic credited locations (seed 7),
   cut to Texas's 254 counties and the locations in them, built-in standards, all 43 lines.
3. Each part runs ``engine.scoring.compute_results(..., "road")`` in a fresh subprocess that loads the graph
   from disk first (so building the grid does not count), and reports wall seconds, CPU seconds (user +
   system, all threads, plus the forked helper of the count searches) and peak RSS (``ru_maxrss``, whole
   process: graph, inputs and the run; the helper's separately, most of its pages shared with the parent):

   - ``new-all``: today's code, all 254 counties, all 43 lines (the aim: < 90 s, < 3 GB).
   - ``old`` / ``new``: the code before this change (bench/roads_baseline.py, a frozen copy) and today's
     on the same subset: ``--old-counties`` Texas counties (seeded pick, the old dense cache holds 3.58 M
     x 8 bytes per county, so all 254 would need 7.3 GB) and ``--old-lines``. Their results are compared
     cell by cell (every field of ``CountyLineResult.as_dict``).

Each child also times the measure's own calls (nearest, reach) so the split is visible.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[1] + "/bench")
import numpy as np
from bench_drive_time import load_inputs, load_graph, timed_measure
part, grid, n_old, old_lines, dump = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
shape = int(sys.argv[7])
from blueprint_desktop.engine import roads
from blueprint_desktop.engine.scoring import ScoringInputs, compute_results
inputs, all_tx = load_inputs()
if not part.endswith("-all"):
    rng = np.random.default_rng(16)
    pick = sorted(rng.choice(all_tx, n_old, replace=False).tolist())
    inputs = ScoringInputs(pick, {f: inputs.standards[f] for f in pick}, inputs.points, inputs.locations,
                           lines=None if old_lines == "all" else old_lines.split(","), today=None)
g = load_graph(grid, shape)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if part == "old":
    from roads_baseline import RoadMeasure as Old
    class Measure(Old):
        def expect_locations(self, *args):  # the old code had no such step
            pass
else:
    Measure = roads.RoadMeasure
calls = {"nearest": [0.0, 0.0, 0], "reach": [0.0, 0.0, 0], "init": [0.0, 0.0, 0]}
roads.RoadMeasure = timed_measure(Measure, calls)
sizes, contract_cpu = [], [0.0]
prep_init, contract_fn = roads._Prepared.__init__, roads.contract
def prepared(self, *a, **k):  # the size of the graph searched (contracted or not)
    prep_init(self, *a, **k)
    sizes.append(self.n)
roads._Prepared.__init__ = prepared
def contracting(*a, **k):
    c = time.process_time()
    try:
        return contract_fn(*a, **k)
    finally:
        contract_cpu[0] += time.process_time() - c
roads.contract = contracting
searches = {"n": 0}
plain = roads.dijkstra
def counted(*a, **k):
    searches["n"] += 1
    return plain(*a, **k)
roads.dijkstra = counted
r0 = resource.getrusage(resource.RUSAGE_SELF)
c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
t0 = time.perf_counter()
results = compute_results(inputs, "road", graph=g)
wall = time.perf_counter() - t0
r1 = resource.getrusage(resource.RUSAGE_SELF)
c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
helper_cpu = (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime)
with open(dump, "w") as f:
    json.dump([r.as_dict() for r in results], f, sort_keys=True, default=str)
print(json.dumps({"part": part, "wall_s": wall, "cpu_s": cpu + helper_cpu, "helper_cpu_s": helper_cpu,
                  "peak_rss_mb": r1.ru_maxrss / 1024, "helper_peak_rss_mb": c1.ru_maxrss / 1024,
                  "rss_before_run_mb": base / 1024, "cells": len(results), "counties": len(inputs.counties),
                  "lines": len(set(r.line_code for r in results)), "points": int(len(inputs.points)),
                  "calls": calls, "searches_in_this_process": searches["n"], "nodes": g.n, "edges": int(len(g.src)),
                  "search_nodes": sizes[-1] if sizes else g.n, "contract_cpu_s": contract_cpu[0]}))
"""


def texas_frames():
    """Texas points and locations from bench_scoring's national inputs (same seed and provider count),
    kept in bench/out/ after the first time so the measured processes do not carry the national frames."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import pickle

    import numpy as np

    cache = OUT / "texas_inputs.pkl"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    from bench_scoring import national_points, synthetic_locations

    from blueprint_desktop.rules.standards import all_lines

    rng = np.random.default_rng(7)
    pts = national_points()
    lines = [ld.code for ld in all_lines("ma")]
    locs = synthetic_locations(pts, 1_000_000, lines, rng)
    tx = sorted(f for f in pts.county_fips.unique() if f.startswith("48"))
    out = pts[pts.county_fips.isin(tx)], locs[locs.county_fips.isin(tx)].reset_index(drop=True), tx
    OUT.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(pickle.dumps(out))
    return out


def load_inputs():
    from blueprint_desktop.engine.scoring import ScoringInputs
    from blueprint_desktop.rules.standards import standards_for_county

    pts, locs, tx = texas_frames()
    return ScoringInputs(tx, {f: standards_for_county(None, f) for f in tx}, pts, locs, today=None), tx


def graph_path(grid: int, shape: int = 0) -> Path:
    return OUT / (f"texas_grid_{grid}.npz" if not shape else f"texas_grid_{grid}_shape{shape}.npz")


def with_shape_points(g, k: int, seed: int = 3):
    """``g`` (two-way grid) with every road segment drawn through ``k`` extra nodes, each moved off the
    straight line by ~1/10 of the segment (as OSM draws a curve): a graph of real extracts' shape, where
    72-79% of the nodes join exactly two neighbours (docs/performance.md)."""
    import numpy as np

    from blueprint_desktop.engine.roads import RoadGraph, dedupe
    from blueprint_desktop.geo.distance import haversine_miles

    rng = np.random.default_rng(seed)
    one = g.src < g.dst  # each two-way segment once
    u, v = g.src[one], g.dst[one]
    mph = g.miles[one] / g.minutes[one] * 60.0
    m, n = len(u), g.n
    f = (np.arange(1, k + 1) / (k + 1))[None, :]
    wobble = rng.normal(0, 0.1, (m, k))
    dlat, dlon = (g.node_lat[v] - g.node_lat[u])[:, None], (g.node_lon[v] - g.node_lon[u])[:, None]
    lat = g.node_lat[u][:, None] + f * dlat - wobble * dlon
    lon = g.node_lon[u][:, None] + f * dlon + wobble * dlat
    mid = n + np.arange(m * k).reshape(m, k)
    chain = np.column_stack([u, mid, v])  # m x (k + 2)
    a, b = chain[:, :-1].ravel(), chain[:, 1:].ravel()
    speed = np.repeat(mph, k + 1)
    node_lat = np.concatenate([g.node_lat, lat.ravel()])
    node_lon = np.concatenate([g.node_lon, lon.ravel()])
    src, dst = np.concatenate([a, b]), np.concatenate([b, a])
    speed = np.concatenate([speed, speed])
    miles = haversine_miles(node_lat[src], node_lon[src], node_lat[dst], node_lon[dst])
    return dedupe(RoadGraph(node_lat, node_lon, src, dst, miles / speed * 60.0, miles))


def build_graph(grid: int, shape: int = 0) -> Path:
    import numpy as np
    from bench_scoring import grid_graph

    path = graph_path(grid, shape)
    if path.exists():
        return path
    pts, _, _ = texas_frames()
    g = grid_graph(
        pts.lat.min() - 0.2, pts.lat.max() + 0.2, pts.lon.min() - 0.2, pts.lon.max() + 0.2, grid, grid
    )
    if shape:
        g = with_shape_points(g, shape)
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez(path, lat=g.node_lat, lon=g.node_lon, src=g.src, dst=g.dst, minutes=g.minutes, miles=g.miles)
    return path


def load_graph(grid: int, shape: int = 0):
    import numpy as np

    from blueprint_desktop.engine.roads import RoadGraph

    z = np.load(graph_path(grid, shape))
    return RoadGraph(z["lat"], z["lon"], z["src"], z["dst"], z["minutes"], z["miles"], name="texas-grid")


def rss_mb() -> float:
    """This process's resident memory now (not the peak), from /proc."""
    import os

    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def timed_measure(cls, calls: dict):
    """``cls`` with its constructor, ``nearest`` and ``reach`` timed (wall, CPU) into ``calls``; the
    constructor's resident-memory growth (the prepared graph: matrices both ways, KD-tree) as well."""

    def timer(name, fn):
        def run(*a, **k):
            w, c, m = time.perf_counter(), time.process_time(), rss_mb()
            try:
                return fn(*a, **k)
            finally:
                calls[name][0] += time.perf_counter() - w
                calls[name][1] += time.process_time() - c
                calls[name][2] += 1
                if name == "init":
                    calls["init_rss_growth_mb"] = [rss_mb() - m, 0.0, 1]

        return run

    return type(
        cls.__name__,
        (cls,),
        {
            "__init__": timer("init", cls.__init__),
            "nearest": timer("nearest", cls.nearest),
            "reach": timer("reach", cls.reach),
        },
    )


def run_part(part: str, args) -> dict:
    import os

    dump = OUT / f"drive_time_{part}.json"
    env = dict(os.environ)
    if part.startswith("plain"):
        env["BLUEPRINT_ROAD_CONTRACT"] = "0"  # today's code, its degree-2 chains left in the graph
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            str(ROOT),
            part,
            str(args.grid),
            str(args.old_counties),
            args.old_lines,
            str(dump),
            str(args.shape_points),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode:
        sys.exit(f"{part} failed:\n{proc.stderr[-4000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["dump"] = str(dump)
    return out


def compare(a_path: str, b_path: str) -> str:
    """Cell-by-cell comparison of two result dumps: identical cells, and the largest numeric difference."""
    a = {(r["county_fips"], r["line_code"]): r for r in json.loads(Path(a_path).read_text())}
    b = {(r["county_fips"], r["line_code"]): r for r in json.loads(Path(b_path).read_text())}
    if a.keys() != b.keys():
        return f"different cells: {len(a)} vs {len(b)}"
    same, worst, fields = 0, 0.0, set()

    def walk(x, y, path):
        nonlocal worst
        if isinstance(x, dict) and isinstance(y, dict):
            for k in set(x) | set(y):
                walk(x.get(k), y.get(k), f"{path}.{k}")
        elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
            for i, (u, v) in enumerate(zip(x, y, strict=True)):
                walk(u, v, f"{path}[{i}]")
        elif isinstance(x, float) and isinstance(y, float) and x != y:
            if not (x != x and y != y):
                worst = max(worst, abs(x - y))
                fields.add(path.split("[")[0])
        elif x != y:
            fields.add(path.split("[")[0])
            worst = float("inf")

    for key in a:
        if a[key] == b[key]:
            same += 1
        else:
            walk(a[key], b[key], "")
    return f"{same:,} of {len(a):,} cells identical" + (
        "" if same == len(a) else f"; differing fields {sorted(fields)}, largest numeric difference {worst:g}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--grid", type=int, default=1892, help="grid side in nodes (1892 -> 3.58 M nodes)")
    ap.add_argument("--old-counties", type=int, default=30)
    ap.add_argument("--old-lines", default="S03,040,007", help="line codes, or all")
    ap.add_argument(
        "--parts",
        default="old,new,new-all",
        help="old (frozen code before issue 16), new, plain (new without contraction); -all: every county",
    )
    ap.add_argument("--shape-points", type=int, default=0, help="extra nodes drawn into every segment")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    t0 = time.perf_counter()
    path = build_graph(args.grid, args.shape_points)
    print(
        f"graph: {path.name} ({path.stat().st_size / 1e6:,.0f} MB, ready in {time.perf_counter() - t0:.1f} s)"
    )
    done = {}
    for part in args.parts.split(","):
        r = run_part(part, args)
        done[part] = r
        grew = r["calls"].pop("init_rss_growth_mb", [0.0])[0]
        split = ", ".join(f"{k} {v[0]:.1f} s wall / {v[1]:.1f} s CPU x{v[2]}" for k, v in r["calls"].items())
        split += f"; {r['searches_in_this_process']} Dijkstra searches in the main process (new code)"
        split += f"; contracting {r['contract_cpu_s']:.1f} s CPU"
        split += f"; the prepared graph holds {grew:,.0f} MB ({grew * 2**20 / r['nodes']:.0f} bytes a node)"
        print(
            f"{part}: {r['counties']} counties, {r['lines']} lines, {r['cells']:,} cells on {r['nodes']:,} nodes "
            f"(searched: {r['search_nodes']:,}) / "
            f"{r['edges']:,} edges: {r['wall_s']:.1f} s wall, {r['cpu_s']:.1f} s CPU (of which the forked helper "
            f"{r['helper_cpu_s']:.1f} s), peak RSS {r['peak_rss_mb']:,.0f} MB (graph and inputs loaded: "
            f"{r['rss_before_run_mb']:,.0f} MB; helper {r['helper_peak_rss_mb']:,.0f} MB, sharing the graph's "
            f"pages)\n  {split}"
        )
    if "old" in done and "new" in done:
        o, n = done["old"], done["new"]
        print(
            f"old / new on the same subset: wall {o['wall_s'] / n['wall_s']:.1f}x, CPU {o['cpu_s'] / n['cpu_s']:.1f}x, "
            f"peak RSS {o['peak_rss_mb']:,.0f} vs {n['peak_rss_mb']:,.0f} MB"
        )
        print("results:", compare(o["dump"], n["dump"]))
    for plain, new in (("plain", "new"), ("plain-all", "new-all")):
        if plain in done and new in done:
            o, n = done[plain], done[new]
            print(
                f"{plain} / {new} (chains left in / contracted): wall {o['wall_s'] / n['wall_s']:.2f}x, "
                f"CPU {o['cpu_s'] / n['cpu_s']:.2f}x, peak RSS {o['peak_rss_mb']:,.0f} vs {n['peak_rss_mb']:,.0f} MB"
            )
            print("results:", compare(o["dump"], n["dump"]))


if __name__ == "__main__":
    main()
