"""Feasibility study at state size: how its cost grows with the market (``engine/feasibility.py``).

Run: ``.venv/bin/python bench/bench_feasibility.py [--state 48] [--sizes 50000,150000,300000]
[--roster 0] [--time-limit 60] [--pdf-dir bench/out] [--json bench/out/feasibility.json]``
(``--pdf-dir ""`` skips the report PDF)

The scenario: every county of one state (Texas, 254 counties, by default) as the service area, its
census population points (the beneficiary sample, ``geo.points.census_points``), the built-in CMS
criteria of every county, and an NPPES-like market of N providers: 30% primary care, the rest spread
evenly over the other lines, drawn where people live. As in the NPPES file, providers share practice
addresses: individuals sit at sites of 1-12 providers (geometric, mean ~3), organisations (facility lines)
one per site; a site lies within a few miles of a population point. ``--roster F`` adds a credited
network of F x N locations drawn the same way (a partial roster); the default studies a plan with no
network there (every cell fails today, the largest recruit model).

For each size the script runs ``compute_feasibility`` once (the phases inside report wall and CPU seconds,
``time.process_time``: every thread of the process) and renders the report PDF
(``write_feasibility_report``) with its wall and CPU seconds, and prints the cost growth: each phase's
ratio to the smallest size beside the size ratio.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from blueprint_desktop.engine.credited import LOCATION_COLUMNS  # noqa: E402
from blueprint_desktop.engine.feasibility import compute_feasibility  # noqa: E402
from blueprint_desktop.engine.scoring import ScoringInputs  # noqa: E402
from blueprint_desktop.geo.counties import load_counties  # noqa: E402
from blueprint_desktop.geo.points import census_points  # noqa: E402
from blueprint_desktop.rules.standards import standards_for_county  # noqa: E402

FACILITY_PREFIX = ("04", "05", "06")  # HSD facility codes 040-068


def synthetic_market(
    pts: pd.DataFrame, n: int, lines: list[str], rng, source: str = "market"
) -> pd.DataFrame:
    """``n`` NPPES-like providers (one location each) at shared sites where people live (module doc)."""
    share = np.full(len(lines), 0.7 / max(1, len(lines) - 1))
    share[lines.index("S03")] = 0.3
    line_of = rng.choice(len(lines), size=n, p=share / share.sum())
    codes = np.array(lines)[line_of]
    facility = np.array([c.startswith(FACILITY_PREFIX) for c in codes])
    # Sites: individuals share (geometric sizes), organisations stand alone.
    site_size = rng.geometric(1 / 3.0, size=n).clip(1, 12)
    site_of = np.zeros(n, dtype=np.int64)
    ind = np.flatnonzero(~facility)
    starts = np.cumsum(site_size[: len(ind)])
    site_of[ind] = np.searchsorted(starts, np.arange(len(ind)), side="right")
    n_sites_ind = int(site_of[ind].max()) + 1 if len(ind) else 0
    site_of[facility] = n_sites_ind + np.arange(int(facility.sum()))
    n_sites = n_sites_ind + int(facility.sum())
    p = pts.weight.to_numpy() / pts.weight.sum()
    at = rng.choice(len(pts), size=n_sites, p=p)
    jitter = rng.normal(0, 3.0 / 69.0, size=(n_sites, 2))  # ~3 miles
    site_lat = pts.lat.to_numpy()[at] + jitter[:, 0]
    site_lon = pts.lon.to_numpy()[at] + jitter[:, 1]
    market = source == "market"
    df = pd.DataFrame(
        {
            "location_id": np.arange(n),
            "provider_id": np.arange(n) + (0 if market else 10_000_000),
            "npi": (1_000_000_000 + np.arange(n) + (0 if market else 500_000_000)).astype(str),
            "name": np.where(facility, "Synthetic facility", "Synthetic provider"),
            "line_code": codes,
            "lat": site_lat[site_of],
            "lon": site_lon[site_of],
            "county_fips": pts.county_fips.to_numpy()[at][site_of],
            "beds": np.where(codes == "040", rng.integers(20, 400, n), 0).astype(float),
            "geocode_quality": "exact",
            "source": source,
            "contract_status": "none" if market else "executed",
            "credentialing_status": "none" if market else "active",
            "panel_status": "unknown" if market else "open",
            "telehealth_only": 0,
            "telehealth_waived": 0,
            "attested_date": None,
            "activity_last_date": None,
            "deactivated_date": None,
            "updated_at": "2026-11-01",
            "batch_at": "2026-11-01",
            "submitted_code": codes,
            "exclusion": None,
            "ma_contracted": None if market else 1,
            "primary_care_source": 1,
            "offers_telehealth": 0,
        }
    )
    return df[LOCATION_COLUMNS]


def run_size(n: int, args, pts, standards, counties, lines) -> dict:
    rng = np.random.default_rng(args.seed + n)
    locs = synthetic_market(pts, n, lines, rng)
    if args.roster > 0:
        roster = synthetic_market(pts, int(args.roster * n), lines, rng, source="roster")
        locs = pd.concat([locs, roster], ignore_index=True)
        locs["location_id"] = np.arange(len(locs))
    inputs = ScoringInputs(counties, standards, pts, locs)
    wall, cpu = time.perf_counter(), time.process_time()
    study = compute_feasibility(
        inputs, time_limit=args.time_limit, plan=f"Synthetic state {args.state} market"
    )
    study_wall, study_cpu = time.perf_counter() - wall, time.process_time() - cpu
    study.vintages = {
        "criteria": "CMS HSD Reference File 2026 (built in)",
        "market": f"synthetic NPPES-like market, {n:,} providers",
        "population": f"65+ residents (ACS 2018-22) spread over their ZIP areas ({len(pts):,} points)",
        "travel": "straight-line distance; drive time estimated from it by county type",
    }
    pdf = {}
    if args.pdf_dir:
        from blueprint_desktop.reports.feasibility_pdf import write_feasibility_report

        out = Path(args.pdf_dir) / f"feasibility-{args.state}-{n}.pdf"
        out.parent.mkdir(parents=True, exist_ok=True)
        wall, cpu = time.perf_counter(), time.process_time()
        rep = write_feasibility_report(None, study, out)
        pdf = {
            "wall_s": round(time.perf_counter() - wall, 2),
            "cpu_s": round(time.process_time() - cpu, 2),
            "pages": rep.pages,
            "path": str(out),
        }
    rs = study.recruit_set
    return {
        "providers": n,
        "locations": len(locs),
        "cells": len(study.cells),
        "counts": study.counts(),
        "study_wall_s": round(study_wall, 2),
        "study_cpu_s": round(study_cpu, 2),
        "phases": study.timings,
        "recruit_set": {
            "size": rs.size,
            "lower_bound": rs.lower_bound,
            "mip_gap": rs.mip_gap,
            "greedy_size": rs.greedy_size,
            "status": rs.status,
            "verified_pass": rs.verified_pass,
            "targets": len(rs.target_cells),
            "model": rs.model,
            "solve_s": rs.solve_s,
        },
        "pdf": pdf,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state", default="48", help="state FIPS prefix (default 48, Texas)")
    parser.add_argument("--sizes", default="50000,150000,300000")
    parser.add_argument("--roster", type=float, default=0.0, help="credited roster as a fraction of N")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--pdf-dir", default=str(REPO / "bench" / "out"))
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    counties = [f for f in load_counties().index if f.startswith(args.state)]
    pts = census_points(counties)
    standards = {f: standards_for_county(None, f) for f in counties}
    lines = sorted({code for f in counties for code in standards[f].lines})
    print(
        f"state {args.state}: {len(counties)} counties, {len(pts):,} population points, {len(lines)} lines, "
        f"roster {args.roster:g} x N, time limit {args.time_limit:g} s"
    )
    out = []
    for n in [int(s) for s in args.sizes.split(",")]:
        r = run_size(n, args, pts, standards, counties, lines)
        out.append(r)
        rs = r["recruit_set"]
        print(
            f"\nN = {n:,}: study {r['study_wall_s']:.1f} s wall / {r['study_cpu_s']:.1f} s CPU; "
            f"cells {r['counts']}; peak RSS {r['peak_rss_mb']:,.0f} MB"
        )
        for name, t in r["phases"].items():
            rss = f" {t['peak_rss_mb']:7,.0f} MB peak RSS so far" if "peak_rss_mb" in t else ""
            print(f"  {name:28} {t['wall_s']:8.2f} s wall {t['cpu_s']:8.2f} s CPU{rss}")
        gap = "-" if rs["mip_gap"] is None else f"{rs['mip_gap'] * 100:.3f}%"
        print(
            f"  recruit set {rs['size']:,} ({rs['status']}; bound {rs['lower_bound']:,}; gap {gap}; greedy "
            f"{rs['greedy_size']:,}); re-score passes {rs['verified_pass']:,}/{rs['targets']:,}; model {rs['model']}"
        )
        if r["pdf"]:
            print(
                f"  report PDF {r['pdf']['pages']} pages in {r['pdf']['wall_s']:.1f} s wall / {r['pdf']['cpu_s']:.1f} s CPU"
            )
    if len(out) > 1:
        base = out[0]
        print("\nCost growth against the smallest market (ratio; size ratio first):")
        for r in out[1:]:
            ratio = r["providers"] / base["providers"]
            parts = [
                f"size x{ratio:.1f}",
                f"study wall x{r['study_wall_s'] / max(base['study_wall_s'], 1e-9):.2f}",
            ]
            parts.append(f"CPU x{r['study_cpu_s'] / max(base['study_cpu_s'], 1e-9):.2f}")
            for name in ("reach model", "recruit set (ILP + greedy)"):
                a, b = base["phases"][name]["wall_s"], r["phases"][name]["wall_s"]
                parts.append(f"{name} x{b / max(a, 1e-9):.2f}")
            print("  " + "; ".join(parts))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
