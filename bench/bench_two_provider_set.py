"""The feasibility study's two-provider programme (``engine/two_provider_set.py``) at state size.

Run: ``.venv/bin/python bench/bench_two_provider_set.py [--candidates 20000] [--vs-rev REV]``

Inputs: every Georgia county with its built-in Georgia Families primary care standard (two PCPs within 8 miles
urban, 15 rural, no time), the census population points of the state (every age, as a Medicaid project
weights them), a thin contracted network (one PCP location in three counties of four) and ``--candidates``
market PCP locations drawn where people live with a few miles of jitter, one to three offices per NPI. Every
county is a cell the market may close (``CellCapacity`` as the study gives it). Timed: the whole
``solve_two_provider_cells`` call (wall and CPU seconds beside each other: the machine is shared), with a
60-second limit for HiGHS.

``--vs-rev REV`` also runs the same inputs with the package as it is at commit REV (``git archive`` into a
temporary folder, a fresh process each), so the two are compared in one run; their chosen set sizes and bounds
are printed beside each other. Results: docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(candidates: int) -> dict:
    import numpy as np
    import pandas as pd

    from blueprint_desktop.engine.feasibility import RECRUIT, CellCapacity
    from blueprint_desktop.engine.scoring import ScoringInputs
    from blueprint_desktop.engine.two_provider_set import solve_two_provider_cells
    from blueprint_desktop.geo.counties import counties_in_states
    from blueprint_desktop.geo.points import population_points
    from blueprint_desktop.rules.standards import standards_for_county
    from blueprint_desktop.store import create_project, open_project

    counties = counties_in_states(["GA"])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ga.bpproj"
        create_project(path, "GA", lob="medicaid", plan_year=2026, counties=[(f, "GA") for f in counties])
        with open_project(path) as project:
            standards = {f: standards_for_county(project, f) for f in counties}
    pts = population_points(counties, lob="medicaid")
    rng = np.random.default_rng(2026)
    w = pts.weight.to_numpy(float)

    def drawn(n: int, npi_base: int, offices) -> pd.DataFrame:
        at = rng.choice(len(pts), n, p=w / w.sum())
        npi = np.repeat(np.arange(n), rng.choice(offices, n))[:n] + npi_base
        return pd.DataFrame(
            {
                "npi": npi.astype(str),
                "line_code": "S03",
                "lat": pts.lat.to_numpy()[at] + rng.normal(0, 0.03, n),
                "lon": pts.lon.to_numpy()[at] + rng.normal(0, 0.03, n),
                "provider_id": np.arange(n) + npi_base,
                "name": "Dr",
                "source": "market",
                "contract_status": "none",
                "panel_status": "open",
            }
        )

    cred = drawn(len(counties) * 3 // 4, 1_000_000, [1])
    cand = drawn(candidates, 2_000_000, [1, 1, 2, 3])
    inputs = ScoringInputs(counties, standards, pts, pd.DataFrame())
    cells = []
    for f in counties:
        s = standards[f].lines["S03"]
        cells.append(
            CellCapacity(
                f,
                "S03",
                s.name,
                standards[f].designation,
                False,
                s.required_pct,
                s.min_count,
                0.0,
                0.0,
                0,
                "Failing",
                100.0,
                10,
                "Pass",
                10,
                RECRUIT,
            )  # fmt: skip
        )
    w0, c0 = time.perf_counter(), time.process_time()
    sol = solve_two_provider_cells(inputs, cells, cand, cred, 60.0)
    return {
        "wall_s": round(time.perf_counter() - w0, 2),
        "cpu_s": round(time.process_time() - c0, 2),
        "cells": len(cells),
        "candidate_locations": candidates,
        "chosen": len(sol.npis),
        "lower_bound": sol.lower_bound,
        "greedy": sol.greedy_size,
        "status": sol.status,
        "model": sol.model,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--candidates", type=int, default=20_000)
    ap.add_argument("--vs-rev", default="")
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.inner:
        print(json.dumps(timed(args.candidates)))
        return 0
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        sides = [("new", str(ROOT))]
        if args.vs_rev:
            old = Path(tmp) / "old"
            old.mkdir()
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", args.vs_rev, "blueprint_desktop"],
                capture_output=True,
                check=True,
            )
            subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
            (old / "resources").symlink_to(ROOT / "resources")  # built data (geography) is not in git
            sides.insert(0, (args.vs_rev, str(old)))
        for name, path in sides:
            env = {**os.environ, "PYTHONPATH": path}
            out = subprocess.run(
                [sys.executable, __file__, "--inner", "--candidates", str(args.candidates)],
                env=env, capture_output=True, text=True, check=True, cwd=path,
            )  # fmt: skip
            row = json.loads(out.stdout.strip().splitlines()[-1])
            runs.append({"code": name, **row})
            print(json.dumps(runs[-1]), flush=True)
    if len(runs) == 2:
        a, b = runs
        print(
            f"ratio {a['code']}/new: wall {a['wall_s'] / b['wall_s']:.1f}x, CPU {a['cpu_s'] / b['cpu_s']:.1f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
