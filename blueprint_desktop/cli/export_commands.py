"""Export commands: ``export hsd`` (HPMS HSD tables), ``export package`` (corrective action PDF),
``export check`` (what the package lacks) and ``export narrative`` (show, regenerate or save a gap's
exception narrative before export)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.progress import terminal_progress
from blueprint_desktop.store import open_project

EXIT_PROBLEMS = 1
REJECTIONS_FILE = "hsd_rejections.csv"


def register(groups) -> None:
    exp = groups.top.add_parser("export", help="write the HSD tables or the corrective action package")
    sub = exp.add_subparsers(dest="export_kind", metavar="KIND")
    sub.required = True

    p = sub.add_parser("hsd", help="the provider and facility HSD tables for HPMS (XLSX and CSV)")
    p.add_argument("project", type=Path)
    p.add_argument("dir", type=Path, help="folder to write the tables into (created if missing)")
    p.add_argument("--strict", action="store_true", help="write nothing when any row would be rejected")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_hsd)

    p = sub.add_parser("package", help="the corrective action package for a deficiency notice (PDF)")
    p.add_argument("project", type=Path)
    p.add_argument("out", type=Path, help="the PDF to write")
    p.add_argument("--notice", type=int, help="notice id (default: the latest notice)")
    p.add_argument("--draft", action="store_true", help="export even when incomplete, watermarked DRAFT")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_package)

    p = sub.add_parser("check", help="what each section of the corrective action package still lacks")
    p.add_argument("project", type=Path)
    p.add_argument("--notice", type=int)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("narrative", help="show, save or regenerate a gap's exception narrative")
    p.add_argument("project", type=Path)
    p.add_argument("gap", type=int, help="cited gap id")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--save", type=Path, metavar="TEXT_FILE", help="save this text as the narrative")
    group.add_argument("--generate", action="store_true", help="save the draft generated from the data")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_narrative)


def cmd_hsd(args: argparse.Namespace) -> int:
    from blueprint_desktop.reports import hsd_checks, hsd_tables

    with open_project(args.project) as project:
        tables = hsd_tables.build_tables(project, terminal_progress())
    problems = hsd_checks.check_tables(tables)
    rejected = hsd_checks.rejections(problems)
    args.dir.mkdir(parents=True, exist_ok=True)
    report = hsd_checks.write_problems(args.dir / REJECTIONS_FILE, problems)
    written: list[Path] = []
    if not (args.strict and rejected):
        written = hsd_tables.write_tables(tables, args.dir)
    if args.json:
        json.dump(
            {
                "provider_rows": len(tables.provider),
                "facility_rows": len(tables.facility),
                "ssa_source": tables.ssa_source,
                "written": [str(p) for p in written],
                "problems_file": str(report),
                "problems": [p.as_dict() for p in problems],
            },
            sys.stdout,
            indent=2,
        )
        print()
    else:
        for p in problems:
            print(f"{p.severity}: {p.line()}", file=sys.stderr)
        print(
            f"{len(tables.provider)} provider row(s), {len(tables.facility)} facility row(s); "
            f"{len(rejected)} row problem(s) CMS would reject, listed in {report}"
        )
        print(f"SSA county codes and criteria: {tables.ssa_source}")
        if written:
            print("wrote " + ", ".join(str(p) for p in written))
        else:
            print("wrote no tables (--strict and rows would be rejected)")
    return EXIT_PROBLEMS if rejected and args.strict else 0


def cmd_package(args: argparse.Namespace) -> int:
    from blueprint_desktop.reports.package_pdf import export_package

    # Writable open: gathering refreshes the gap providers (derived rows), as every deficiency view does.
    with open_project(args.project) as project:
        result = export_package(project, args.out, args.notice, args.draft, progress=terminal_progress())
    if args.json:
        json.dump(result.as_dict(), sys.stdout, indent=2)
        print()
    else:
        kind = "DRAFT " if result.draft else ""
        print(f"wrote {kind}package {result.path} ({result.pages} pages, notice {result.notice_id})")
        for lack in result.lacks:
            print(f"  lacks: {lack.as_dict()['section_title']}: {lack.message}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from blueprint_desktop.reports.completeness import SECTIONS
    from blueprint_desktop.reports.package_pdf import check_package

    with open_project(args.project) as project:
        lacks = check_package(project, args.notice)
    if args.json:
        json.dump([lack.as_dict() for lack in lacks], sys.stdout, indent=2)
        print()
    elif not lacks:
        print("the package is complete")
    else:
        for lack in lacks:
            print(f"{SECTIONS[lack.section]}: {lack.message}")
    return EXIT_PROBLEMS if lacks else 0


def cmd_narrative(args: argparse.Namespace) -> int:
    from blueprint_desktop.reports import narrative

    with open_project(args.project) as project:
        if args.save:
            try:
                text = args.save.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise BlueprintError(f"{args.save}: cannot be read as UTF-8 text ({exc})") from None
            n = narrative.save(project, args.gap, text)
        elif args.generate:
            n = narrative.save(project, args.gap)
        else:
            n = narrative.current(project, args.gap)
    if args.json:
        json.dump(
            {
                "gap_id": n.gap_id,
                "text": n.text,
                "generated_text": n.generated_text,
                "edited": n.edited,
                "saved_at": n.saved_at,
                "saved_by": n.saved_by,
                "facts": n.facts,
            },
            sys.stdout,
            indent=2,
            default=str,
        )
        print()
    else:
        print(n.text)
    return 0
