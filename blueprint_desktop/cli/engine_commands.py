"""Engine commands: ``score``, ``targets``, ``runs`` and ``import roads``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.progress import terminal_progress
from blueprint_desktop.store import open_project


def register(groups) -> None:
    p = groups.top.add_parser(
        "score", help="score network adequacy for every county x line of the service area"
    )
    p.add_argument("project", type=Path)
    p.add_argument("--method", choices=("straight", "road"), default="straight")
    p.add_argument("--lines", help="comma-separated HSD line codes (default: all)")
    p.add_argument("--counties", help="comma-separated county FIPS (default: the whole service area)")
    p.add_argument("--json", metavar="OUT", help="write the results as JSON to OUT ('-' for stdout)")
    p.set_defaults(func=cmd_score)

    p = groups.top.add_parser("targets", help="recruitment targets for a failing county x line")
    p.add_argument("project", type=Path)
    p.add_argument("--county", required=True)
    p.add_argument("--line", required=True)
    p.add_argument("--top", type=int, default=20)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_targets)

    p = groups.top.add_parser("runs", help="list scoring runs, or compare two")
    p.add_argument("project", type=Path)
    p.add_argument("--compare", nargs=2, type=int, metavar=("A", "B"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_runs)

    p = groups.imports.add_parser(
        "roads",
        help="load an OpenStreetMap extract (.osm.pbf, .osm, .osm.bz2 or .osm.gz) for drive times",
        description="Load an OpenStreetMap extract as the project's road network. Only roads cars may use "
        "are kept, cut to the largest part in which every node reaches every other; an extract far from the "
        "service area, or with no drivable roads, is refused. Prints nodes, segments, what was dropped, the "
        "bounding box and how much of the service area's population lies off the roads.",
    )
    p.add_argument("project", type=Path)
    p.add_argument("file", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_import_roads)


def _codes(text: str | None) -> list[str] | None:
    return [c.strip() for c in text.split(",") if c.strip()] if text else None


def _dump(data, out: str | None = None) -> None:
    if out in (None, "-"):
        json.dump(data, sys.stdout, indent=2, default=str)
        print()
    else:
        Path(out).write_text(json.dumps(data, indent=2, default=str))


def cmd_score(args: argparse.Namespace) -> int:
    from blueprint_desktop.engine.scoring import score_project

    counties = _codes(args.counties)
    if counties:
        for c in counties:
            if not (c.isdigit() and len(c) == 5):
                raise BlueprintError(f"--counties: {c!r} is not a 5-digit county FIPS code")
    with open_project(args.project) as project:
        run = score_project(
            project,
            method=args.method,
            lines=_codes(args.lines),
            progress=terminal_progress(),
            counties=counties,
        )
    if args.json:
        _dump(run.as_dicts(), args.json)
        if args.json != "-":
            print(f"run {run.run_id}: {len(run.results)} county x line results written to {args.json}")
        return 0
    counts = {"Pass": 0, "At Risk": 0, "Failing": 0}
    for r in run.results:
        counts[r.status] += 1
    print(f"run {run.run_id} ({run.method}): " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    if run.coverage:
        cov = run.coverage
        print(
            f"roads: {cov.get('file') or 'imported network'} ({cov.get('nodes', 0):,} nodes); {cov['summary']}"
        )
    print(
        f"{'county':6} {'line':4} {'status':8} {'within':>7} {'req':>4} {'p90 min':>8} {'p90 mi':>7} "
        f"{'count':>9} {'conf':>5}  line name"
    )
    order = {"Failing": 0, "At Risk": 1, "Pass": 2}
    for r in sorted(run.results, key=lambda r: (order[r.status], r.county_fips, r.line_code)):
        p90t = "-" if r.p90_minutes is None else f"{r.p90_minutes:.1f}"
        p90d = "-" if r.p90_miles is None else f"{r.p90_miles:.1f}"
        print(
            f"{r.county_fips:6} {r.line_code:4} {r.status:8} {r.pct_within:6.1f}% {r.required_pct:4.0f} "
            f"{p90t:>8} {p90d:>7} {r.credited_count:>4}/{r.min_count:<4} {r.confidence:5.0f}  {r.line_name}"
        )
    return 0


def cmd_targets(args: argparse.Namespace) -> int:
    from blueprint_desktop.engine.targeting import recruitment_targets

    with open_project(args.project) as project:
        plan = recruitment_targets(project, args.county.strip().zfill(5), args.line.strip(), top=args.top)
    if args.json:
        _dump(plan.as_dict())
        return 0
    print(
        f"{plan.county_fips} {plan.line_code}: {plan.current_pct:.1f}% within standard ({plan.required_pct:g}% "
        f"required), {plan.current_count}/{plan.min_count} credited; solver: {plan.solver}"
    )
    print(
        "Smallest set that makes the county pass:"
        if plan.reaches_pass
        else "Best set (does not reach a pass):"
    )
    for c, share in zip(plan.chosen, plan.share_after_each, strict=True):
        print(f"  + {c.npi} {c.name} ({c.source}, {c.contract_status}) -> {share:.1f}%")
    print("Ranked candidates:")
    useful = [c for c in plan.candidates if c.share_gain > 0 or c.counties_flipped]
    for c in useful:
        flips = f"  flips alone: {', '.join(c.counties_flipped)}" if c.counties_flipped else ""
        print(f"  {c.npi} {c.name:30.30} +{c.share_gain:5.1f} points{flips}")
    if len(useful) < len(plan.candidates):
        print(f"  ({len(plan.candidates) - len(useful)} more bring nobody new within standard here)")
    for n in plan.notes:
        print(f"note: {n}")
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    from blueprint_desktop.engine import runs

    with open_project(args.project, read_only=True) as project:
        data = runs.compare_runs(project, *args.compare) if args.compare else runs.list_runs(project)
    if args.json:
        _dump(data)
        return 0
    if args.compare:
        print(
            f"run {data['run_a']} -> {data['run_b']}: inputs changed: {', '.join(data['changed_inputs']) or 'none'}"
        )
        for f in data["flipped"]:
            print(f"  {f['county_fips']} {f['line_code']} {f['from']} -> {f['to']}: {'; '.join(f['why'])}")
        print(f"  {data['unchanged']} cells unchanged")
    else:
        for r in data:
            s = r["summary"]
            print(
                f"{r['id']:4} {r['started_at']} {r['method']:8} Pass {s.get('Pass', 0)} At Risk "
                f"{s.get('At Risk', 0)} Failing {s.get('Failing', 0)}"
            )
    return 0


def cmd_import_roads(args: argparse.Namespace) -> int:
    from blueprint_desktop.engine.roads import describe_import, import_roads

    with open_project(args.project) as project:
        info = import_roads(project, args.file, terminal_progress())
    if args.json:
        _dump(info)
    else:
        for line in describe_import(info):
            print(line)
    return 0
