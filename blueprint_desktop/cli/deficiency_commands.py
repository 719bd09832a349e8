"""Deficiency response commands: ``notice``, ``gaps``, ``plan``, ``pathway``, ``outreach``, ``checks``, ``cure``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.progress import terminal_progress
from blueprint_desktop.store import open_project
from blueprint_desktop.store.schema_deficiency import (
    OUTREACH_CHANNELS,
    OUTREACH_OUTCOMES,
    PATHWAYS,
    PHASES,
)


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, default=str)
    print()


def register(groups) -> None:
    top = groups.top

    # -- notice ------------------------------------------------------------------------------------
    notice = top.add_parser(
        "notice", help="CMS deficiency notices: import one, list them, set the response window"
    )
    sub = notice.add_subparsers(dest="notice_command", metavar="ACTION")
    sub.required = True
    p = sub.add_parser(
        "import", help="import a notice (CSV/XLSX state,county,specialty,notice_date, or --text)"
    )
    p.add_argument("project", type=Path)
    p.add_argument("file", type=Path)
    p.add_argument("--text", action="store_true", help="the file is text pasted from the HPMS notice")
    p.add_argument("--date", help="the notice date (YYYY-MM-DD), overriding the file's")
    p.add_argument(
        "--window-days",
        type=int,
        default=None,
        help="response window in days (default 30; 10 for --kind application)",
    )
    p.add_argument("--kind", choices=("deficiency", "application", "other"), default="deficiency")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_notice_import)

    p = sub.add_parser("list", help="list the notices with their due dates")
    p.add_argument("project", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_notice_list)

    p = sub.add_parser("window", help="change a notice's response window or due date (per your notice)")
    p.add_argument("project", type=Path)
    p.add_argument("notice_id", type=int)
    p.add_argument("--days", type=int, default=None)
    p.add_argument("--unit", choices=("calendar", "business"), default=None)
    p.add_argument("--due", help="set the due date outright (YYYY-MM-DD)")
    p.add_argument("--kind", choices=("deficiency", "application", "other"), default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_notice_window)

    p = sub.add_parser("submitted", help="record that the response to a notice was submitted to CMS")
    p.add_argument("project", type=Path)
    p.add_argument("notice_id", type=int)
    p.add_argument("--date", default=None, help="submission date (default today)")
    p.set_defaults(func=cmd_notice_submitted)

    # -- gaps / plan / pathway ---------------------------------------------------------------------
    p = top.add_parser("gaps", help="list the cited gaps of the project's deficiency notices")
    p.add_argument("project", type=Path)
    p.add_argument("--notice", type=int, default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_gaps)

    p = top.add_parser("plan", help="the response plan: four phases per cited gap (show or edit)")
    p.add_argument("project", type=Path)
    p.add_argument("--notice", type=int, default=None)
    p.add_argument("--gap", type=int, default=None, help="the gap whose milestone to edit")
    p.add_argument(
        "--phase",
        choices=PHASES,
        action="append",
        default=None,
        help="the phase to edit (repeat to mark several done at once)",
    )
    p.add_argument("--start", default=None)
    p.add_argument("--due", default=None)
    p.add_argument("--owner", default=None)
    p.add_argument("--done", default=None, help="mark the phase done on this date (YYYY-MM-DD)")
    p.add_argument("--undone", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_plan)

    p = top.add_parser("pathway", help="choose a gap's pathway (cure, exception, sar) and show its checklist")
    p.add_argument("project", type=Path)
    p.add_argument("gap_id", type=int)
    p.add_argument("pathway", nargs="?", choices=PATHWAYS, default=None)
    p.add_argument("--exception-type", default=None, help="no-supply, pattern-of-care or not-contracting")
    p.add_argument("--cure-npi", action="append", default=[], help="designate a provider the cure rests on")
    p.add_argument(
        "--target-npi", action="append", default=[], help="designate a provider targeted by outreach"
    )
    p.add_argument(
        "--remove-npi", action="append", default=[], help="withdraw a provider's designation for the gap"
    )
    p.add_argument(
        "--done", action="append", default=[], metavar="ITEM", help="confirm a manual checklist item"
    )
    p.add_argument(
        "--undo", action="append", default=[], metavar="ITEM", help="withdraw a manual checklist item"
    )
    p.add_argument(
        "--value", default=None, help="value for --done (e.g. the sources, the date the notice went out)"
    )
    p.add_argument("--narrative", type=Path, default=None, help="a text file holding the exception narrative")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_pathway)

    # -- outreach ----------------------------------------------------------------------------------
    outreach = top.add_parser("outreach", help="the append-only outreach log")
    sub = outreach.add_subparsers(dest="outreach_command", metavar="ACTION")
    sub.required = True
    p = sub.add_parser("add", help="append an outreach entry (a correction supersedes an earlier one)")
    p.add_argument("project", type=Path)
    p.add_argument("--npi", required=True)
    p.add_argument("--channel", required=True, choices=OUTREACH_CHANNELS)
    p.add_argument("--outcome", required=True, choices=OUTREACH_OUTCOMES)
    p.add_argument("--staff", required=True)
    p.add_argument("--at", default=None, help="when (ISO date-time; default now)")
    p.add_argument("--reason", default=None, help="declination reason (required when declined)")
    p.add_argument("--note", default=None)
    p.add_argument("--supersedes", type=int, default=None, help="the id of the entry this one corrects")
    p.add_argument(
        "--gap", type=int, default=None, help="the cited gap the attempt is for (designates a new target)"
    )
    p.add_argument("--attach", action="append", type=Path, default=[], help="a file to keep with the entry")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_outreach_add)

    p = sub.add_parser("list", help="list outreach entries (superseded ones included and marked)")
    p.add_argument("project", type=Path)
    p.add_argument("--npi", default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_outreach_list)

    p = sub.add_parser("import", help="import an existing log (CSV at,npi,channel,outcome,staff,reason,note)")
    p.add_argument("project", type=Path)
    p.add_argument("file", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_outreach_import)

    # -- checks / cure -----------------------------------------------------------------------------
    p = top.add_parser(
        "checks",
        help="the deficiency-response checks and the providers that do not count, one line per finding",
    )
    p.add_argument("project", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_checks)

    p = top.add_parser(
        "cure", help="cure progress per cited gap (--rescore re-runs each cited county x line)"
    )
    p.add_argument("project", type=Path)
    p.add_argument("--rescore", action="store_true")
    p.add_argument("--method", choices=("straight", "road"), default="straight")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_cure)


# -- handlers ---------------------------------------------------------------------------------------
def cmd_notice_import(args: argparse.Namespace) -> int:
    from blueprint_desktop.deficiency.notice import import_notice

    with open_project(args.project) as project:
        result = import_notice(
            project,
            args.file,
            text=True if args.text else None,
            notice_date=args.date,
            window_days=args.window_days,
            window_kind=args.kind,
            progress=None if args.json else terminal_progress(),
        )
    if args.json:
        _print_json(result.as_dict())
        return 0
    for n in result.notices:
        print(
            f"notice #{n['id']}: dated {n['notice_date']}, due {n['due_date']} (per your notice), {n['gaps']} cited gaps"
        )
    for g in result.gaps:
        print(f"  gap #{g['id']}: {g['county_fips']} x {g['line_code']}")
    if result.duplicates:
        print(f"  {result.duplicates} duplicate row(s) named the same county x line")
    for u in result.unmatched:
        print(f"  unmatched row {u['row']}: {u['state']} {u['county']!s} / {u['specialty']}: {u['reason']}")
    return 0


def cmd_notice_list(args: argparse.Namespace) -> int:
    from blueprint_desktop.deficiency.notice import list_notices
    from blueprint_desktop.deficiency.plan import days_left

    with open_project(args.project, read_only=True) as project:
        notices = list_notices(project)
    if args.json:
        _print_json(notices)
        return 0
    for n in notices:
        state = (
            f"submitted {n['submitted_date']}"
            if n["submitted_date"]
            else f"{days_left(n['due_date'])} day(s) left"
        )
        print(
            f"#{n['id']} {n['file_name']}: notice {n['notice_date']}, window {n['window_days']} {n['window_unit']} days,"
            f" due {n['due_date']} ({state})"
        )
    return 0


def cmd_notice_window(args: argparse.Namespace) -> int:
    from blueprint_desktop.deficiency.plan import set_window

    with open_project(args.project) as project:
        notice = set_window(
            project, args.notice_id, days=args.days, unit=args.unit, due=args.due, kind=args.kind
        )
    if args.json:
        _print_json(notice)
    else:
        print(
            f"notice #{notice['id']}: due {notice['due_date']} ({notice['window_days']} {notice['window_unit']} days"
            f"{', set by hand' if notice['due_overridden'] else ''})"
        )
    return 0


def cmd_notice_submitted(args: argparse.Namespace) -> int:
    from blueprint_desktop.deficiency.notice import mark_submitted

    with open_project(args.project) as project:
        notice = mark_submitted(project, args.notice_id, args.date)
    print(f"notice #{notice['id']}: submitted {notice['submitted_date']}")
    return 0


def gap_rows(project, notice_id: int | None = None) -> list[dict[str, Any]]:
    """The ``blueprint gaps --json`` rows: id, county_fips, line_code, pathway, state (cure state), status (score)."""
    from blueprint_desktop.deficiency import cure, plan
    from blueprint_desktop.deficiency import gaps as gapmod

    rows = []
    for g in gapmod.list_gaps(project, notice_id):
        st = cure.current_state(project, g["id"])
        rows.append(
            {
                "id": g["id"],
                "notice_id": g["notice_id"],
                "county_fips": g["county_fips"],
                "county": gapmod.county_label(g["county_fips"]),
                "ssa_code": g["ssa_code"],
                "line_code": g["line_code"],
                "line_name": gapmod.line_name(g["line_code"]),
                "pathway": g["pathway"],
                "exception_type": g["exception_type"],
                "state": st["state"],
                "state_reason": st["reason"],
                "state_as_of": st.get("as_of"),
                "status": (st["score"] or {}).get("status"),
                "notice_date": g["notice_date"],
                "due_date": g["due_date"],
                "days_left": plan.days_left(g["due_date"]),
                "providers": {
                    role: [p["npi"] for p in gapmod.gap_providers(project, g["id"], role)]
                    for role in ("cure", "target", "network")
                },
            }
        )
    return rows


def cmd_gaps(args: argparse.Namespace) -> int:
    with open_project(args.project, read_only=True) as project:
        rows = gap_rows(project, args.notice)
    if args.json:
        _print_json(rows)
        return 0
    if not rows:
        print("no cited gaps (import a notice with: blueprint notice import PROJECT FILE)")
    for r in rows:
        print(
            f"#{r['id']} {r['county']} ({r['county_fips']}) x {r['line_code']} {r['line_name']}: "
            f"{r['state']}; pathway {r['pathway'] or 'not chosen'}; score {r['status'] or 'not scored'}; due {r['due_date']}"
        )
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    from blueprint_desktop.deficiency import plan

    editing = any(v is not None for v in (args.start, args.due, args.owner, args.done)) or args.undone
    if editing:
        if args.gap is None or not args.phase:
            raise BlueprintError("editing a milestone needs --gap ID and --phase PHASE")
        with open_project(args.project) as project:
            if args.start is None and args.due is None and (args.done or args.undone):
                plan.mark_done(
                    project,
                    [(args.gap, phase) for phase in args.phase],
                    done=args.done,
                    owner=args.owner,
                    undone=args.undone,
                )
            else:
                with project.transaction():
                    for phase in args.phase:
                        plan.update_milestone(
                            project,
                            args.gap,
                            phase,
                            start=args.start,
                            due=args.due,
                            owner=args.owner,
                            done=args.done,
                            undone=args.undone,
                        )
    with open_project(args.project, read_only=True) as project:
        rows = plan.milestones(project, notice_id=args.notice, gap_id=args.gap)
    if args.json:
        _print_json(rows)
        return 0
    today = date.today()
    for m in rows:
        flag = (
            "done " + m["done_date"]
            if m["done_date"]
            else ("OVERDUE" if m["overdue"] else f"{(date.fromisoformat(m['due_date']) - today).days} d left")
        )
        print(
            f"gap #{m['gap_id']} {m['phase']:<22} {m['start_date']} -> {m['due_date']}  {m['owner']:<20} {flag}"
        )
    return 0


def cmd_pathway(args: argparse.Namespace) -> int:
    from blueprint_desktop.deficiency import gaps as gapmod
    from blueprint_desktop.deficiency import pathways

    with open_project(
        args.project,
        read_only=not (
            args.pathway
            or args.done
            or args.undo
            or args.narrative
            or args.cure_npi
            or args.target_npi
            or args.remove_npi
        ),
    ) as project:
        if args.pathway:
            pathways.choose_pathway(
                project,
                args.gap_id,
                args.pathway,
                args.exception_type,
                cure_npis=args.cure_npi,
                target_npis=args.target_npi,
            )
        else:
            for npi in args.cure_npi:
                gapmod.designate(project, args.gap_id, npi, "cure")
            for npi in args.target_npi:
                gapmod.designate(project, args.gap_id, npi, "target")
        for npi in args.remove_npi:
            gapmod.undesignate(project, args.gap_id, npi)
        if args.narrative:
            try:
                text = args.narrative.read_text(encoding="utf-8")
            except OSError as exc:
                raise BlueprintError(f"{args.narrative}: cannot be read ({exc.strerror})") from None
            pathways.set_narrative(project, args.gap_id, text)
        for item in args.done:
            pathways.set_item(project, args.gap_id, item, True, value=args.value)
        for item in args.undo:
            pathways.set_item(project, args.gap_id, item, False)
        result = pathways.checklist(project, args.gap_id)
    if args.json:
        _print_json(result)
        return 0
    print(
        f"{result['label']}: {result['pathway_name']}"
        + (f" ({result['exception_type']})" if result["exception_type"] else "")
    )
    for item in result["items"]:
        mark = "[x]" if item["done"] else "[ ]"
        answer = f" -> {item['answer']}" if item["answer"] else ""
        print(f"  {mark} {item['label']}{answer}  ({item['source']}: {item['basis']})")
        for ev in item["evidence"][:6]:
            print(f"        {ev}")
    if result["pathway"] is None:
        print("  choose a pathway: blueprint pathway PROJECT GAP_ID cure|exception|sar")
    else:
        print("  complete" if result["complete"] else "  not complete yet")
    return 0


def cmd_outreach_add(args: argparse.Namespace) -> int:
    from blueprint_desktop.deficiency import outreach

    with open_project(args.project) as project:
        entry = outreach.add_entry(
            project,
            args.npi,
            args.channel,
            args.outcome,
            args.staff,
            at=args.at,
            reason=args.reason,
            note=args.note,
            supersedes=args.supersedes,
            attachments=args.attach,
            gap_id=args.gap,
        )
        count = outreach.attempt_counts(project, [entry["npi"]])[entry["npi"]]
    if args.json:
        _print_json(entry | {"attempts": count.as_dict()})
        return 0
    print(
        f"outreach entry #{entry['id']} recorded for {entry['npi']} ({entry['outcome']})"
        + (f", correcting #{entry['supersedes']}" if entry["supersedes"] else "")
    )
    print(f"  {count.documented} of {outreach.ATTEMPT_STANDARD} documented attempts (best practice)")
    return 0


def cmd_outreach_list(args: argparse.Namespace) -> int:
    from blueprint_desktop.deficiency import outreach

    with open_project(args.project, read_only=True) as project:
        rows = outreach.list_entries(project, args.npi)
        counts = outreach.attempt_counts(project, [args.npi] if args.npi else None)
    if args.json:
        _print_json({"entries": rows, "attempts": [c.as_dict() for c in counts.values()]})
        return 0
    for r in rows:
        status = "" if r["in_force"] else f"  [superseded by #{r['superseded_by']}]"
        fix = f"  (corrects #{r['supersedes']})" if r["supersedes"] else ""
        missing = f"  MISSING {', '.join(r['missing'])}" if r["missing"] else ""
        print(
            f"#{r['id']} {r['at'] or '?'} {r['npi']} {r['provider_name']}: {r['channel'] or '?'} / {r['outcome'] or '?'}"
            f" by {r['staff'] or '?'}"
            + (f"; reason: {r['reason']}" if r["reason"] else "")
            + fix
            + status
            + missing
        )
    for c in counts.values():
        print(
            f"{c.npi} {c.name}: {c.documented} of {outreach.ATTEMPT_STANDARD} documented attempts"
            + (" (meets the best-practice standard)" if c.meets_standard else "")
        )
    return 0


def cmd_outreach_import(args: argparse.Namespace) -> int:
    from blueprint_desktop.deficiency import outreach

    with open_project(args.project) as project:
        result = outreach.import_log(project, args.file)
    if args.json:
        _print_json(result)
    else:
        print(f"imported {result['rows']} outreach entries from {result['file']}")
    return 0


def cmd_checks(args: argparse.Namespace) -> int:
    from blueprint_desktop.deficiency.checks import run_checks

    with open_project(args.project) as project:
        findings = run_checks(project, refresh=not project.read_only)
    if args.json:
        _print_json([f.as_dict() for f in findings])
        return 0
    if not findings:
        print("no findings")
    for f in findings:
        print(f"{f.check}: {f.message}")
    return 0


def cmd_cure(args: argparse.Namespace) -> int:
    from blueprint_desktop.deficiency import cure

    if args.rescore:
        with open_project(args.project) as project:
            rows = cure.rescore_gaps(
                project, method=args.method, progress=None if args.json else terminal_progress()
            )
    else:
        with open_project(args.project, read_only=True) as project:
            from blueprint_desktop.deficiency import gaps as gapmod

            rows = [cure.gap_status(project, g["id"], method=args.method) for g in gapmod.list_gaps(project)]
    if args.json:
        _print_json(rows)
        return 0
    for r in rows:
        print(f"{r['label']}: {r['state']} ({r['reason']})")
    return 0
