"""Project-level commands: ``new``, ``demo``, ``info`` and ``gui``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.geo.service_area import service_area_from_args
from blueprint_desktop.store import create_project, open_project
from blueprint_desktop.store.schema import LINES_OF_BUSINESS


def register(groups) -> None:
    top = groups.top
    p = top.add_parser("new", help="create a new project file")
    p.add_argument("project", type=Path, help="the project file to create (*.bpproj)")
    p.add_argument("--name", required=True, help="project name, e.g. 'Acme MA 2027 expansion'")
    p.add_argument("--states", required=True, help="comma-separated state abbreviations, e.g. TX,OK")
    p.add_argument("--counties", help="comma-separated county FIPS codes (default: every county of --states)")
    p.add_argument("--lob", default="ma", choices=LINES_OF_BUSINESS, help="line of business (default ma)")
    p.add_argument("--plan-year", type=int, default=None, help="plan year (default: next year)")
    p.set_defaults(func=cmd_new)

    p = top.add_parser("demo", help="write the bundled demo project (a Houston-area MA plan)")
    p.add_argument("project", type=Path, help="where to write it (*.bpproj)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=cmd_demo)

    p = top.add_parser("info", help="say what is inside a project file (never changes it)")
    p.add_argument("project", type=Path)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_info)

    p = top.add_parser("gui", help="open the desktop window (the demo project when none is named)")
    p.add_argument("project", type=Path, nargs="?", default=None)
    p.set_defaults(func=cmd_gui)


def cmd_new(args: argparse.Namespace) -> int:
    if args.project.suffix != ".bpproj":
        raise BlueprintError(f"{args.project}: project files end in .bpproj")
    area = service_area_from_args(args.states, args.counties)
    create_project(args.project, args.name, lob=args.lob, plan_year=args.plan_year, counties=area)
    print(f"created {args.project}: {args.name}, {args.lob.upper()}, {len(area)} counties")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from blueprint_desktop.demo import write_demo_project

    path = write_demo_project(args.project, overwrite=args.force)
    print(f"wrote the demo project to {path}")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    with open_project(args.project, read_only=True) as project:
        info = project.info()
    if args.json:
        json.dump(info.as_dict(), sys.stdout, indent=2)
        print()
        return 0
    print(f"{info.name}  ({info.path})")
    print(f"  line of business {info.lob.upper()}, plan year {info.plan_year}, schema v{info.schema_version}")
    print(f"  created {info.created_at} by Blueprint {info.app_version_created}")
    area = info.service_area
    print(
        f"  service area: {len(area)} counties"
        + (f" ({', '.join(area[:8])}{', ...' if len(area) > 8 else ''})" if area else "")
    )
    for table in ("providers", "locations", "import_batches", "scoring_runs", "audit_log"):
        print(f"  {table}: {info.counts.get(table, 0)}")
    for batch in info.imports[-5:]:
        print(f"  import {batch['kind']}: {batch['file']} ({batch['rows']} rows, {batch['imported_at']})")
    if info.last_run:
        run = info.last_run
        print(f"  last scoring run #{run['id']} {run['started_at']} ({run['method']}, {run['status']})")
    return 0


def cmd_gui(args: argparse.Namespace) -> int:
    from blueprint_desktop.gui.app import run

    return run(str(args.project) if args.project else None)
