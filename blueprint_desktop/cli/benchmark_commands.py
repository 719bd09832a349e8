"""Benchmark (competitor) networks: ``import benchmark``, ``benchmark list|compare|lack|delete`` and
``export benchmark`` (the side-by-side workbook). Core: ``data.benchmark_store``, ``engine.benchmark``."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from blueprint_desktop.cli.data_commands import _export_group
from blueprint_desktop.data.benchmark_store import FORMAT_NAMES, FORMATS
from blueprint_desktop.progress import terminal_progress
from blueprint_desktop.store import open_project


def register(groups) -> None:
    p = groups.imports.add_parser(
        "benchmark",
        help="load a competitor's network (Plan-Net FHIR, QHP providers.json, TiC in-network) as a benchmark",
        description="Load another plan's network as a benchmark, kept apart from ours: "
        + "; ".join(f"{k} = {v}" for k, v in FORMAT_NAMES.items()),
    )
    p.add_argument("project", type=Path)
    p.add_argument("file", type=Path, help="the file (Plan-Net: a Bundle, NDJSON, or a folder of them)")
    p.add_argument("--format", required=True, choices=FORMATS, dest="fmt")
    p.add_argument("--name", help="a name for the network (default: from the file)")
    p.add_argument(
        "--network",
        help="one network of the file: Plan-Net network id or name, QHP plan_id, TiC network_name",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_import_benchmark)

    bench = groups.top.add_parser("benchmark", help="benchmark (competitor) networks: list, compare, lack")
    sub = bench.add_subparsers(dest="benchmark_cmd", metavar="CMD")
    sub.required = True
    q = sub.add_parser("list", help="the benchmark networks of a project")
    q.add_argument("project", type=Path)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_list)
    q = sub.add_parser("compare", help="ours vs theirs per county x line (same engine, same inputs)")
    q.add_argument("project", type=Path)
    q.add_argument("network", help="benchmark network id or name")
    q.add_argument("--line", action="append", help="only this HSD line (repeatable)")
    q.add_argument("--county", action="append", help="only this county FIPS (repeatable)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_compare)
    q = sub.add_parser(
        "lack", help="their providers we lack (proven MA-willing recruits), nearest the gap first"
    )
    q.add_argument("project", type=Path)
    q.add_argument("network", help="benchmark network id or name")
    q.add_argument("--line", help="one HSD line, e.g. 008")
    q.add_argument("--county", help="one county FIPS")
    q.add_argument("--top", type=int, default=50, help="rows to print (default 50; --json gives all)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_lack)
    q = sub.add_parser("delete", help="remove a benchmark network (audited)")
    q.add_argument("project", type=Path)
    q.add_argument("network", help="benchmark network id or name")
    q.set_defaults(func=cmd_delete)

    exp = _export_group(groups)
    q = exp.add_parser(
        "benchmark",
        help="ours vs a benchmark network per county x line, and their providers we lack (.xlsx)",
    )
    q.add_argument("project", type=Path)
    q.add_argument("network", help="benchmark network id or name")
    q.add_argument("out", type=Path, help="OUT.xlsx")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_export)


def cmd_import_benchmark(args: argparse.Namespace) -> int:
    from blueprint_desktop.data.benchmark_store import import_benchmark

    with open_project(args.project) as project:
        result = import_benchmark(project, args.file, args.fmt, args.name, args.network, terminal_progress())
    if args.json:
        json.dump(result.as_dict(), sys.stdout, default=str)
        print()
    else:
        print("\n".join(result.lines()))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from blueprint_desktop.engine.benchmark import list_networks

    with open_project(args.project, read_only=True) as project:
        nets = list_networks(project)
    if args.json:
        json.dump([n.as_dict() for n in nets], sys.stdout, default=str)
        print()
        return 0
    if not nets:
        print("no benchmark networks (blueprint import benchmark PROJECT FILE --format ...)")
    for n in nets:
        print(
            f"{n.id}  {n.name}  [{n.format}] {n.file_name}  {n.providers} providers, {n.locations} locations, "
            f"{n.unlocated} unlocated  (imported {n.imported_at})"
        )
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from blueprint_desktop.engine.benchmark import compare, resolve_network

    with open_project(args.project, read_only=True) as project:
        net = resolve_network(project, args.network)
        rows = compare(project, net.id, args.line, args.county, progress=terminal_progress())
    if args.json:
        json.dump({"network": net.as_dict(), "cells": [r.as_dict() for r in rows]}, sys.stdout, default=str)
        print()
        return 0
    counts = Counter(r.verdict for r in rows)
    print(f"ours vs {net.name}: " + ", ".join(f"{v}: {n}" for v, n in sorted(counts.items())))
    print(f"{'county':<22} {'line':<5} {'ours':<9} {'%':>6} {'n':>5}   {'theirs':<9} {'%':>6} {'n':>5}")
    for r in rows:
        if r.ours_status == "Pass" and r.theirs_status == "Pass":
            continue  # both pass: nothing to act on (all of them in --json)
        print(
            f"{r.county_name[:22]:<22} {r.line_code:<5} {r.ours_status:<9} {r.ours_pct:>6.1f} {r.ours_count:>5}   "
            f"{r.theirs_status:<9} {r.theirs_pct:>6.1f} {r.theirs_count:>5}"
        )
    return 0


def cmd_lack(args: argparse.Namespace) -> int:
    from blueprint_desktop.engine.benchmark import providers_we_lack, resolve_network

    with open_project(args.project, read_only=True) as project:
        net = resolve_network(project, args.network)
        rows = providers_we_lack(project, net.id, args.line, args.county)
    if args.json:
        json.dump([r.as_dict() for r in rows], sys.stdout, default=str)
        print()
        return 0
    print(f"{len(rows)} provider x line of {net.name} not credited in our network (nearest the gap first)")
    for r in rows[: args.top]:
        miles = "-" if r.miles_to_gap is None else f"{r.miles_to_gap:.1f} mi"
        print(f"{r.npi}  {r.line_code}  {r.name[:30]:<30} {r.county_name[:18]:<18} {miles:>9}  {r.address}")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    from blueprint_desktop.engine.benchmark import delete_network

    with open_project(args.project) as project:
        net = delete_network(project, args.network)
    print(f"removed benchmark network {net.id} ({net.name})")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from blueprint_desktop.engine.benchmark import resolve_network
    from blueprint_desktop.reports.benchmark_xlsx import write_benchmark_xlsx

    with open_project(args.project, read_only=True) as project:
        net = resolve_network(project, args.network)
        path = write_benchmark_xlsx(project, net.id, args.out, terminal_progress())
    if args.json:
        json.dump({"report": "benchmark", "written": str(path)}, sys.stdout)
        print()
    else:
        print(f"wrote {path}")
    return 0
