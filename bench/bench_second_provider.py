"""What "two providers within the standard" costs: the second-nearest distinct provider against the nearest.

Run: ``.venv/bin/python bench/bench_second_provider.py [--locations 16000 300000] [--repeat 3]``

Inputs: the national census population points (``geo.points.population_points`` of every county, the points a
national straight-line run scores) and, for each size in ``--locations``, synthetic locations drawn where
people live with a few miles of jitter, grouped into NPIs of one to five practice locations (a realistic mix:
most providers have one office, a few have many). Sizes: 16,000 is a national specialty line, 300,000 national
primary care.

Timed, each as the engine calls it (best of ``--repeat``; CPU seconds of every thread beside wall seconds,
since the machine is shared):

1. the nearest location (``nearest.nearest_miles``, k = 1, the KD-tree query every line makes);
2. the second-nearest distinct NPI, straight line (``second_provider.second_straight``: k nearest, escalating);
3. the same by NPI classes (``second_provider.second_by_classes`` over the straight-line nearest: the method
   drive time uses, 2 x ceil(log2 NPIs) nearest searches), to show what the road method costs per search.

The answers of 2 and 3 must agree exactly (the bench fails otherwise). Results: docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from scipy.spatial import cKDTree

from blueprint_desktop.engine.nearest import nearest_miles
from blueprint_desktop.engine.nearest_tree import NearestTree
from blueprint_desktop.engine.second_provider import second_by_classes, second_straight
from blueprint_desktop.geo.counties import load_counties
from blueprint_desktop.geo.distance import to_unit_vectors
from blueprint_desktop.geo.points import population_points


def _timed(fn, repeat: int):
    best = None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        if best is None or wall < best[0]:
            best = (wall, cpu)
    return out, {"wall_s": round(best[0], 3), "cpu_s": round(best[1], 3)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--locations", type=int, nargs="+", default=[16_000, 300_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--classes", action="store_true", help="also time the drive-time method (slow at 300k)")
    args = ap.parse_args()
    pts = population_points(list(load_counties().index))
    plat, plon, w = pts.lat.to_numpy(float), pts.lon.to_numpy(float), pts.weight.to_numpy(float)
    p_xyz = to_unit_vectors(plat, plon)
    rng = np.random.default_rng(2026)
    out = {"points": len(pts), "sizes": []}
    for m in args.locations:
        at = rng.choice(len(pts), m, p=w / w.sum())
        llat = plat[at] + rng.normal(0, 0.03, m)
        llon = plon[at] + rng.normal(0, 0.03, m)
        offices = rng.choice([1, 1, 1, 1, 2, 2, 3, 5], m)  # practice locations per NPI
        npi = np.repeat(np.arange(m), offices)[:m]
        tree = cKDTree(to_unit_vectors(llat, llon))
        row = {"locations": m, "npis": int(len(np.unique(npi)))}
        near_tree = NearestTree(
            to_unit_vectors(llat, llon)
        )  # the run's k = 1 kernel (engine/nearest_tree.py)
        (near, _), row["nearest"] = _timed(
            lambda near_tree=near_tree, llat=llat, llon=llon: nearest_miles(
                plat, plon, llat, llon, tree=near_tree, point_xyz=p_xyz
            ),
            args.repeat,
        )
        second, row["second_straight"] = _timed(
            lambda tree=tree, npi=npi: second_straight(p_xyz, tree, npi), args.repeat
        )
        assert (second >= near - 1e-9).all()
        row["ratio_cpu"] = round(row["second_straight"]["cpu_s"] / max(row["nearest"]["cpu_s"], 1e-9), 2)
        if args.classes:

            def nearest(rows, llat=llat, llon=llon):
                miles, _ = nearest_miles(plat, plon, llat[rows], llon[rows], point_xyz=p_xyz)
                return miles, miles

            (_, by_classes), row["second_by_classes"] = _timed(
                lambda npi=npi, nearest=nearest: second_by_classes(nearest, npi, len(pts)), 1
            )
            fin = np.isfinite(second)
            assert np.array_equal(fin, np.isfinite(by_classes)) and np.allclose(second[fin], by_classes[fin])
            row["classes_ratio_cpu"] = round(
                row["second_by_classes"]["cpu_s"] / max(row["nearest"]["cpu_s"], 1e-9), 1
            )
        out["sizes"].append(row)
        print(json.dumps(row), flush=True)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
