"""Market and evidence commands: ``import nppes|activity|attestations`` and ``ghosts``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.progress import terminal_progress

MAX_PROBLEMS_SHOWN = 50


def register(groups) -> None:
    p = groups.imports.add_parser(
        "nppes", help="load the NPPES market (npidata_pfile_*.csv) as uncontracted candidates"
    )
    p.add_argument("project", type=Path)
    p.add_argument("file", type=Path, help="the NPPES data file, npidata_pfile_YYYYMMDD-YYYYMMDD.csv")
    p.add_argument("--locations", type=Path, help="its practice location file, pl_pfile_*.csv")
    p.add_argument("--states", help="states to keep, e.g. TX,OK (default: the service area's)")
    p.add_argument("--force", action="store_true", help="re-import even when the file is the current market")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_import_nppes)

    p = groups.imports.add_parser(
        "activity", help="load de-identified activity by NPI (last service date, encounters)"
    )
    p.add_argument("project", type=Path)
    p.add_argument("file", type=Path, help="CSV or XLSX: npi, last_service_date, encounters")
    p.add_argument("--months", type=_months, default=12, help="ghost window in months (default 12)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_import_activity)

    p = groups.imports.add_parser(
        "attestations", help="load provider attestations and panel-status confirmations"
    )
    p.add_argument("project", type=Path)
    p.add_argument(
        "file", type=Path, help="CSV or XLSX: npi, attestation_date, panel_status, panel_confirmed_date"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_import_attestations)

    p = groups.top.add_parser("ghosts", help="contracted providers with no activity in the last N months")
    p.add_argument("project", type=Path)
    p.add_argument("--months", type=_months, default=12)
    p.add_argument("--today", type=_day, default=None, help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_ghosts)


def _months(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of months") from None
    if not 1 <= value <= 120:
        raise argparse.ArgumentTypeError("months must be between 1 and 120")
    return value


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def _print_json(data) -> None:
    json.dump(data, sys.stdout, indent=2, default=str)
    print()


def _print_problems(exc: BlueprintError) -> None:
    """Every bad row of a refused evidence file, before the one-line error the CLI prints."""
    problems = getattr(exc, "problems", None) or []
    for problem in problems[:MAX_PROBLEMS_SHOWN]:
        print(f"  {problem}", file=sys.stderr)
    if len(problems) > MAX_PROBLEMS_SHOWN:
        print(f"  ... and {len(problems) - MAX_PROBLEMS_SHOWN} more", file=sys.stderr)


def cmd_import_nppes(args: argparse.Namespace) -> int:
    from blueprint_desktop.data.nppes_import import import_nppes
    from blueprint_desktop.store import open_project

    with open_project(args.project) as project:
        try:
            result = import_nppes(
                project, args.file, args.locations, args.states, terminal_progress(), force=args.force
            )
        except BlueprintError as exc:
            _print_problems(exc)  # every value a re-saved file holds that cannot be put back
            raise
    if args.json:
        _print_json(result.as_dict())
        return 0
    if result.already_imported:
        print(f"{args.file.name}: already the current market (batch {result.batch_id}); nothing changed")
        return 0
    print(
        f"NPPES market for {', '.join(result.states)}: {result.providers:,} providers "
        f"({result.candidates:,} candidates, {result.deactivated:,} deactivated), {result.locations:,} locations "
        f"({result.secondary_locations:,} secondary, {result.unplaced_locations:,} unplaced ZIPs)"
    )
    print(
        f"  roster NPIs found: {result.roster_matched:,} (linked, not duplicated); "
        f"deactivated by NPPES: {result.roster_deactivated:,}; reactivated: {result.roster_reactivated:,}"
    )
    for name, changed in (
        (args.file.name, result.normalised),
        (getattr(args.locations, "name", ""), result.locations_normalised),
    ):
        if changed:
            # The file is not as CMS published it (pandas or a spreadsheet re-saved it): say what was undone.
            detail = ", ".join(f"{column} {n:,}" for column, n in sorted(changed.items()))
            total = sum(changed.values())
            print(
                f"  {name} was re-saved by a spreadsheet or pandas: put {total:,} value{'s' if total != 1 else ''} back "
                f"in the published form ({detail})"
            )
    if result.removed:
        print(f"  {result.removed:,} providers of the previous market are no longer in it")
    print(
        f"  read {result.rows_read:,} rows, {result.bytes_read / 1e6:,.0f} MB in {result.seconds:.1f} s "
        f"({result.mb_per_s:,.0f} MB/s)"
    )
    return 0


def cmd_import_activity(args: argparse.Namespace) -> int:
    from blueprint_desktop.data.activity import import_activity
    from blueprint_desktop.store import open_project

    with open_project(args.project) as project:
        try:
            result = import_activity(project, args.file, months=args.months)
        except BlueprintError as exc:
            _print_problems(exc)
            raise
    if args.json:
        _print_json(result.as_dict())
        return 0
    if result.already_imported:
        print(f"{args.file.name}: already imported (batch {result.batch_id}); nothing changed")
    else:
        print(
            f"activity for {result.npis:,} NPIs ({result.matched:,} on the network, "
            f"{len(result.unmatched):,} not), latest service {result.latest_date}"
        )
    print(
        f"  contracted providers active in the last {result.months} months: {result.verified:,}; "
        f"ghosts: {result.ghosts:,}"
    )
    return 0


def cmd_import_attestations(args: argparse.Namespace) -> int:
    from blueprint_desktop.data.attestations import import_attestations
    from blueprint_desktop.store import open_project

    with open_project(args.project) as project:
        try:
            result = import_attestations(project, args.file)
        except BlueprintError as exc:
            _print_problems(exc)
            raise
    if args.json:
        _print_json(result.as_dict())
        return 0
    if result.already_imported:
        print(f"{args.file.name}: already imported (batch {result.batch_id}); nothing changed")
        return 0
    print(
        f"{result.attestations:,} attestations and {result.panel_confirmations:,} panel confirmations "
        f"({result.matched:,} network NPIs, {len(result.unmatched):,} not on the network)"
    )
    return 0


def cmd_ghosts(args: argparse.Namespace) -> int:
    from blueprint_desktop.data.activity import ghost_providers
    from blueprint_desktop.store import open_project

    with open_project(args.project, read_only=True) as project:
        ghosts = ghost_providers(project, args.months, args.today)
    if args.json:
        _print_json({"months": args.months, "ghosts": [g.as_dict() for g in ghosts]})
        return 0
    print(f"{len(ghosts):,} contracted providers with no activity in the last {args.months} months")
    for g in ghosts:
        last = g.activity_last_date or "never"
        extra = f", attested {g.attested_date}" if g.attested_date else ""
        extra += f", NPI deactivated {g.deactivated_date}" if g.deactivated_date else ""
        print(f"  {g.npi}  {g.name[:40]:40}  last activity {last}{extra}")
    return 0
