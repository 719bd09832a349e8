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
SCREEN_PROBLEMS = 10  # problems printed to the terminal; the rejection file has all of them
JSON_PROBLEMS = 1000  # problems carried in --json output (the totals are always there)


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
    p.add_argument(
        "--allow-broken-chain", action="store_true", help="export from a broken evidence chain, stating it"
    )
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
    """Build, check and write the HSD tables; one screen of summary, the row detail in the rejection file.

    A national roster can have millions of row problems (a roster without contract types warns on every
    provider row), so the terminal gets the counts and the first few problems, never the whole list; the
    rejection file has every one. ``--json`` likewise carries the first ``JSON_PROBLEMS`` problems and the
    totals."""
    from blueprint_desktop.reports import hsd_checks, hsd_tables

    with open_project(args.project) as project:
        tables = hsd_tables.build_tables(project, terminal_progress())
    problems = hsd_checks.check_tables(tables)
    rejected = hsd_checks.rejections(problems)
    args.dir.mkdir(parents=True, exist_ok=True)
    report = args.dir / REJECTIONS_FILE
    written: list[Path] = []
    if args.strict and rejected:
        hsd_checks.write_problems(report, problems)
    else:
        # The rejection list is part of the export: replaced together with the tables.
        also = {REJECTIONS_FILE: lambda tmp: hsd_checks.write_problems_to(tmp, problems)}
        written = hsd_tables.write_tables(tables, args.dir, also=also)
        written = [p for p in written if p != report]
    xlsx = {
        kind: [p for p in written if p.suffix == ".xlsx" and p.name.startswith(hsd_tables.FILE_NAMES[kind])]
        for kind in ("provider", "facility")
    }
    if args.json:
        json.dump(
            {
                "provider_rows": len(tables.provider),
                "facility_rows": len(tables.facility),
                "xlsx_files": {kind: len(files) for kind, files in xlsx.items()},
                "ssa_source": tables.ssa_source,
                "written": [str(p) for p in written],
                "problems_file": str(report),
                "rejected": len(rejected),
                "problems_total": len(problems),
                "problems": [p.as_dict() for p in problems[:JSON_PROBLEMS]],
            },
            sys.stdout,
            indent=2,
        )
        print()
        return EXIT_PROBLEMS if rejected and args.strict else 0
    # Rejections first: they are what stops an upload; warnings fill the rest of the screen.
    shown = rejected[:SCREEN_PROBLEMS]
    shown += [p for p in problems[: SCREEN_PROBLEMS * 4] if p.severity != hsd_checks.REJECT][
        : SCREEN_PROBLEMS - len(shown)
    ]
    for p in shown:
        print(f"{p.severity}: {p.line()}", file=sys.stderr)
    if len(problems) > SCREEN_PROBLEMS:
        print(f"... and {len(problems) - SCREEN_PROBLEMS:,} more, every one in {report}", file=sys.stderr)
    for kind in ("provider", "facility"):
        rows = len(tables.rows(kind))
        files = xlsx[kind]
        split = (
            f" (over Excel's {hsd_tables.XLSX_MAX_ROWS:,}-row sheet limit: split into {len(files)} XLSX files,"
            " header on each; the CSV is one file)"
            if len(files) > 1
            else ""
        )
        print(f"{kind} table: {rows:,} row(s){split}")
    warnings = len(problems) - len(rejected)
    print(
        f"{len(rejected):,} row problem(s) CMS would reject and {warnings:,} warning(s), listed in {report}"
    )
    print(f"SSA county codes and criteria: {tables.ssa_source}")
    if written:
        print("wrote " + ", ".join(p.name for p in written) + f" in {args.dir}")
    else:
        print("wrote no tables (--strict and rows would be rejected)")
    return EXIT_PROBLEMS if rejected and args.strict else 0


def cmd_package(args: argparse.Namespace) -> int:
    from blueprint_desktop.reports.package_pdf import export_package

    # Writable open: gathering refreshes the gap providers (derived rows), as every deficiency view does.
    with open_project(args.project) as project:
        result = export_package(
            project,
            args.out,
            args.notice,
            args.draft,
            progress=terminal_progress(),
            allow_broken_chain=args.allow_broken_chain,
        )
    if args.json:
        json.dump(result.as_dict(), sys.stdout, indent=2)
        print()
    else:
        kind = "DRAFT " if result.draft else ""
        print(f"wrote {kind}package {result.path} ({result.pages} pages, notice {result.notice_id})")
        for lack in result.lacks:
            print(f"  lacks: {lack.as_dict()['section_title']}: {lack.message}")
        if result.stamp and not result.stamp.chain_ok:
            print(f"  the package states the evidence chain is BROKEN: {result.stamp.chain_break}")
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
