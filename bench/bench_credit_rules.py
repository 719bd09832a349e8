"""What the CMS-exact rules cost a national run: exclusions, per-county telehealth credit, CON credit.

Run: ``.venv/bin/python bench/bench_credit_rules.py [--providers 1000000] [--repeats 2]``

Same national straight-line scenario as ``bench_scoring.py`` (every county's census points, the built-in
CMS 2026 criteria of every county, ``--providers`` synthetic credited locations with a realistic sprinkle
of excluded rows, PAs/NPs and telehealth providers). In one process, alternately:

- **rules on**: ``compute_results`` as shipped;
- **rules off**: the same call with the exclusion mask, the per-cell "not counted" lists and the
  telehealth credit replaced by no-ops (what the engine did before the rules existed).

Prints wall and CPU seconds of each (best of ``--repeats``) and the ratio, plus the cost of reading the
built-in criteria for every county. Results go in docs/performance.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_scoring import national_points, synthetic_locations  # noqa: E402

from blueprint_desktop.engine import credits, scoring  # noqa: E402
from blueprint_desktop.engine.scoring import ScoringInputs, compute_results  # noqa: E402
from blueprint_desktop.rules import cms_criteria  # noqa: E402
from blueprint_desktop.rules.standards import all_lines, standards_for_county  # noqa: E402


def timed(fn):
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w0, time.process_time() - c0


def rules_off():
    """Context: the engine as it was before the credit rules (no exclusions, plan-wide telehealth)."""
    saved = (scoring.exclusion_rules, scoring._excluded_by_cell, scoring.telehealth_credit)
    scoring.exclusion_rules = lambda df: np.full(len(df), None, dtype=object)
    scoring._excluded_by_cell = lambda inputs, rules: {}
    scoring.telehealth_credit = lambda *a, **k: credits.TelehealthCredit("plan", frozenset(), {})

    def restore():
        scoring.exclusion_rules, scoring._excluded_by_cell, scoring.telehealth_credit = saved

    return restore


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--providers", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    rng = np.random.default_rng(7)
    pts = national_points()
    counties = sorted(pts.county_fips.unique())
    cms_criteria.load_builtin.cache_clear()
    standards, w, c = timed(lambda: {f: standards_for_county(None, f) for f in counties})
    builtin = sum(1 for s in standards.values() if s.designation_source == "reference")
    print(
        f"standards for {len(counties):,} counties from the built-in CMS criteria ({builtin:,} listed by CMS): "
        f"{w:.2f} s wall, {c:.2f} s CPU"
    )
    lines = [ld.code for ld in all_lines("ma")]
    locs = synthetic_locations(pts, args.providers, lines, rng)
    inputs = ScoringInputs(counties, standards, pts, locs, today=None)
    best = {"on": (np.inf, np.inf), "off": (np.inf, np.inf)}
    for _ in range(args.repeats):
        for mode in ("off", "on"):
            restore = rules_off() if mode == "off" else (lambda: None)
            try:
                results, w, c = timed(lambda: compute_results(inputs, "straight"))
            finally:
                restore()
            best[mode] = (min(best[mode][0], w), min(best[mode][1], c))
            if mode == "on":
                excluded = sum(1 for r in results if r.detail.get("excluded"))
                credited_cells = sum(1 for r in results if r.detail.get("credits"))
    (won, con), (woff, coff) = best["on"], best["off"]
    print(f"{len(locs):,} locations, {len(results):,} cells")
    print(f"rules off: {woff:.2f} s wall, {coff:.2f} s CPU")
    print(f"rules on:  {won:.2f} s wall, {con:.2f} s CPU  ({won / woff:.2f}x wall, {con / coff:.2f}x CPU)")
    print(f"cells naming excluded providers: {excluded:,}; cells with a credit: {credited_cells:,}")


if __name__ == "__main__":
    main()
