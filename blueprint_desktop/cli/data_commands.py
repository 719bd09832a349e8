"""Roster, geocoding and population commands: ``import roster``, ``import geocodes``, ``import population``,
``template roster`` and ``export geocode-request`` (added to the ``export`` group that export_commands
creates)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from blueprint_desktop.cli import EXIT_ERROR
from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.progress import terminal_progress

PROBLEMS_SUFFIX = ".problems.csv"
MAX_WARNING_LINES = 20  # warnings printed by ``import roster``; all of them are in the problem report
MAX_PROBLEM_LINES = 50  # problems printed by ``import population``; all of them are in the problem report
# Short names of the import warnings (data.roster_validate and engine.exclusions.RULES) for the count line.
WARNING_LABELS = {
    "excluded": "excluded facility or setting",
    "not_ma": "not contracted for Medicare Advantage",
    "obh_listed_elsewhere": "068 of a provider listed as 029/036/037",
    "np_pa_not_primary_source": "PA/NP not recorded as the primary care source",
    "no_line": "credits no line",
    "name_suggests_children": "named like a children's facility",
    "exclusion_overridden": "exclusion set to none against the taxonomy",
    "ma_conflict": "ma_contracted disagrees with Contract Type",
}


def register(groups) -> None:
    p = groups.imports.add_parser(
        "roster",
        help="import the network roster (CMS HSD provider/facility table, the template, or any file with --mapping)",
    )
    p.add_argument("project", type=Path)
    p.add_argument("file", type=Path, help="CSV or XLSX roster")
    p.add_argument(
        "--mapping", type=Path, metavar="M.json", help='column mapping {"npi": "Your NPI column", ...}'
    )
    p.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="import the good rows; record the rejected ones in the project",
    )
    p.add_argument(
        "--errors",
        type=Path,
        metavar="OUT.csv",
        help=f"where to write the problem report (default: FILE{PROBLEMS_SUFFIX} next to the file, else here)",
    )
    p.add_argument(
        "--replace",
        action="store_true",
        help="replace this table: drop the providers of the file's table kind that it no longer lists "
        "(without it the import adds and updates only, and nobody is dropped)",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="only say what the import would add, update and drop; change nothing",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_import_roster)

    p = groups.imports.add_parser(
        "undo",
        help="undo a roster import: restore the roster as it was before it (a new, audited batch)",
        description="Restores every provider the import (and any later roster import) added, dropped or "
        "changed as it was before, with its statuses, lines and locations. Nothing is deleted from the "
        "history: the restore is a new batch, and can itself be undone. See docs/data-in.md.",
    )
    p.add_argument("project", type=Path)
    p.add_argument(
        "--batch",
        type=int,
        metavar="N",
        help="the roster batch to undo (default: the last import not undone)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_import_undo)

    p = groups.imports.add_parser(
        "geocodes", help="load a Census Bureau batch geocoder result file (upgrades locations to exact)"
    )
    p.add_argument("project", type=Path)
    p.add_argument("file", type=Path, help="GeocodeResults.csv from geocoding.geo.census.gov")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_import_geocodes)

    p = groups.imports.add_parser(
        "population",
        help="load a finer population (Census blocks or block groups with counts of the project's population: "
        "65+ for MA, under 65 for QHP, every age for Medicaid); replaces the census "
        "points of the counties it covers",
        description="CSV or XLSX, one row per point: geoid (12-digit block group or 15-digit block) or "
        "county_fips, latitude, longitude, pop_65 (or count). Every bad row is reported and nothing is "
        "changed; points outside the service area are kept and reported. See docs/data-in.md.",
    )
    p.add_argument("project", type=Path)
    p.add_argument("file", type=Path, help="CSV or XLSX population file")
    p.add_argument(
        "--errors",
        type=Path,
        metavar="OUT.csv",
        help=f"where to write the problem report (default: FILE{PROBLEMS_SUFFIX} next to the file, else here)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_import_population)

    p = groups.templates.add_parser(
        "roster", help="the roster template (CSV, or XLSX with a sheet explaining columns)"
    )
    p.add_argument("file", type=Path, help="FILE.csv or FILE.xlsx")
    p.set_defaults(func=cmd_template_roster)

    p = _export_group(groups).add_parser(
        "geocode-request",
        help="the Census Bureau batch geocoder input for locations not yet placed by address",
    )
    p.add_argument("project", type=Path)
    p.add_argument("out", type=Path, help="OUT.csv (10,000 locations per file: OUT_001.csv... when more)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_geocode_request)


def _export_group(groups) -> argparse._SubParsersAction:
    """The ``export KIND`` subparsers (created by export_commands; created here if it is not loaded)."""
    parser = groups.top.choices.get("export")
    if parser is None:
        parser = groups.top.add_parser("export", help="write files out of a project")
        sub = parser.add_subparsers(dest="export_kind", metavar="KIND")
        sub.required = True
        return sub
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def _report_path(args: argparse.Namespace) -> Path:
    if args.errors:
        return args.errors
    beside = args.file.with_name(args.file.name + PROBLEMS_SUFFIX)
    folder = beside.parent if str(beside.parent) else Path(".")
    return beside if os.access(folder, os.W_OK) else Path.cwd() / beside.name


def _refused(args, exc) -> int:
    """A file refused for its rows: the problem report written, JSON if asked, one error line, exit 2."""
    from blueprint_desktop.data.roster_import import write_problem_report

    report = write_problem_report(exc.problems, _report_path(args))
    if args.json:
        json.dump(
            {
                "refused": True,
                "message": str(exc),
                "problems_file": str(report),
                "problems": [p.as_dict() for p in exc.problems],
            },
            sys.stdout,
            indent=2,
        )
        print()
    print(f"blueprint: error: {exc}", file=sys.stderr)
    print(f"blueprint: problem report written to {report}", file=sys.stderr)
    return EXIT_ERROR


def _print_problem_lines(file: Path, problems) -> None:
    for p in problems:
        row = "" if p.row_number is None else p.row_number
        print(f"{file}:{row}: {p.column}: got {p.value or '(empty)'}, expected {p.expected}", file=sys.stderr)


def _warning_line(file: Path, w) -> str:
    from blueprint_desktop.data.roster_import import CREDIT_COLUMN

    row = "" if w.row_number is None else w.row_number
    what = w.value if w.column == CREDIT_COLUMN else f"{w.column}: {w.value or '(empty)'}"
    return f"{file}:{row}: warning: {what}: {w.expected}"


def _print_warnings(file: Path, result, report: Path | None) -> None:
    """The count of warnings by kind and the first MAX_WARNING_LINES of them (all are in the report)."""
    counts = ", ".join(
        f"{WARNING_LABELS.get(kind, kind)} {n:,}" for kind, n in sorted(result.warning_counts.items())
    )
    print(f"  warnings: {len(result.warnings):,} ({counts}); the rows imported")
    for w in result.warnings[:MAX_WARNING_LINES]:
        print("    " + _warning_line(file, w))
    rest = len(result.warnings) - MAX_WARNING_LINES
    if rest > 0:
        print(f"    ... and {rest:,} more in {report}")
    elif report:
        print(f"  warnings written to {report}")


def cmd_import_roster(args: argparse.Namespace) -> int:
    from blueprint_desktop.data.roster_import import (
        MODE_ADD_UPDATE,
        MODE_REPLACE,
        RosterRejected,
        import_roster,
        plan_roster_import,
        write_problem_report,
    )
    from blueprint_desktop.data.roster_layouts import load_mapping_file
    from blueprint_desktop.store import open_project

    mapping = load_mapping_file(args.mapping) if args.mapping else None
    mode = MODE_REPLACE if args.replace else MODE_ADD_UPDATE
    with open_project(args.project, read_only=args.dry_run) as project:
        try:
            if args.dry_run:
                plan = plan_roster_import(project, args.file, mapping, args.skip_bad_rows, mode)
            else:
                result = import_roster(
                    project, args.file, mapping, args.skip_bad_rows, terminal_progress(), mode=mode
                )
        except RosterRejected as exc:
            _print_problem_lines(args.file, exc.problems)
            return _refused(args, exc)
    if args.dry_run:
        if args.json:
            json.dump(plan.as_dict(), sys.stdout, indent=2, default=str)
            print()
        else:
            print("dry run, nothing changed: " + "\n".join(plan.summary_lines()))
        return 0
    report = None
    if result.problems:
        _print_problem_lines(args.file, result.problems)
    if result.problems or result.warnings:  # rejected rows (--skip-bad-rows) and warnings, one report
        report = write_problem_report([*result.problems, *result.warnings], _report_path(args))
    if args.json:
        out = result.as_dict()
        out["problems_file"] = str(report) if report else None
        json.dump(out, sys.stdout, indent=2, default=str)
        print()
        return 0
    if result.already_imported:
        print(f"{args.file.name}: already imported as batch {result.batch_id}; nothing changed")
        return 0
    counts = result.changes["counts"]
    print(
        f"imported {result.rows_imported:,} of {result.rows_read:,} rows ({', '.join(result.table_kinds)} roster, "
        f"layout {result.layout}) as batch {result.batch_id}: {result.providers:,} providers, "
        f"{result.locations:,} locations"
    )
    print(
        f"  changes: {counts['added']:,} added, {counts['dropped']:,} dropped, {counts['changed']:,} changed"
    )
    print("  geocodes: " + ", ".join(f"{q} {n:,}" for q, n in sorted(result.geocodes.items())))
    for line in result.summary_lines():
        print(line)
    print(f"  undo with: blueprint import undo {args.project} --batch {result.batch_id}")
    if result.rows_rejected:
        print(f"  {result.rows_rejected:,} rows skipped; problem report written to {report}")
    if result.warnings:
        _print_warnings(args.file, result, report)
    return 0


def cmd_import_undo(args: argparse.Namespace) -> int:
    from blueprint_desktop.data.roster_undo import undo_roster_import
    from blueprint_desktop.store import open_project

    with open_project(args.project) as project:
        result = undo_roster_import(project, args.batch)
    if args.json:
        json.dump(result.as_dict(), sys.stdout, indent=2)
        print()
        return 0
    print(result.describe())
    return 0


def cmd_import_population(args: argparse.Namespace) -> int:
    from blueprint_desktop.data.population_import import PopulationFileRejected, import_population
    from blueprint_desktop.store import open_project

    with open_project(args.project) as project:
        try:
            result = import_population(project, args.file, terminal_progress())
        except PopulationFileRejected as exc:
            _print_problem_lines(args.file, exc.problems[:MAX_PROBLEM_LINES])
            if len(exc.problems) > MAX_PROBLEM_LINES:
                print(f"... and {len(exc.problems) - MAX_PROBLEM_LINES:,} more problems", file=sys.stderr)
            return _refused(args, exc)
    if args.json:
        json.dump(result.as_dict(), sys.stdout, indent=2, default=str)
        print()
        return 0
    for line in result.report_lines():
        print(line)
    return 0


def cmd_import_geocodes(args: argparse.Namespace) -> int:
    from blueprint_desktop.data.geocode import import_census_geocodes
    from blueprint_desktop.store import open_project

    with open_project(args.project) as project:
        try:
            result = import_census_geocodes(project, args.file, terminal_progress())
        except BlueprintError as exc:
            _print_problem_lines(args.file, getattr(exc, "problems", None) or [])
            raise
    if args.json:
        json.dump(result.as_dict(), sys.stdout, indent=2)
        print()
        return 0
    if result.already_imported:
        print(f"{args.file.name}: already imported as batch {result.batch_id}; nothing changed")
        return 0
    upgraded = ", ".join(f"{n:,} {q}" for q, n in sorted(result.upgraded.items())) or "none"
    print(f"{result.records:,} Census records: locations upgraded: {upgraded}")
    print(f"  not matched: {result.no_match:,}; tied: {result.tie:,}")
    if result.unknown_ids or result.changed_address:
        print(
            f"  left alone: {len(result.unknown_ids):,} ids no longer in the project, "
            f"{len(result.changed_address):,} whose address changed since the request"
        )
    return 0


def cmd_template_roster(args: argparse.Namespace) -> int:
    from blueprint_desktop.data.roster_layouts import write_template

    path = write_template(args.file)
    print(f"wrote the roster template {path}")
    return 0


def cmd_geocode_request(args: argparse.Namespace) -> int:
    from blueprint_desktop.data.geocode import write_geocode_request
    from blueprint_desktop.store import open_project

    with open_project(args.project, read_only=True) as project:
        request = write_geocode_request(project, args.out)
    if args.json:
        json.dump(
            {
                "files": [str(f) for f in request.files],
                "rows": request.rows,
                "without_street": request.without_street,
            },
            sys.stdout,
            indent=2,
        )
        print()
        return 0
    print(f"wrote {request.rows:,} locations to {', '.join(str(f) for f in request.files)}")
    if request.without_street:
        print(f"  {request.without_street:,} locations have no street address and were left out")
    print(
        "  upload at geocoding.geo.census.gov (batch), then: blueprint import geocodes PROJECT GeocodeResults.csv"
    )
    return 0
