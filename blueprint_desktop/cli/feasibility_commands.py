"""``blueprint feasibility PROJECT``: could a network here pass at all, and with whom?

Market capacity per county x line (every market provider assumed signed), the cells that fail even so
with their reason and exception viability (42 CFR 422.116(f)), and the smallest recruit set for the whole
service area (``engine/feasibility.py``). Nothing is stored; ``--pdf`` writes the feasibility report.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from blueprint_desktop.engine.feasibility import DEFAULT_TIME_LIMIT_S, INFEASIBLE, RECRUIT
from blueprint_desktop.progress import terminal_progress
from blueprint_desktop.rules.citations import is_ma

SHOWN = 25  # rows of each list printed (all of them with --json or in the PDF)


def register(groups) -> None:
    p = groups.top.add_parser(
        "feasibility",
        help="feasibility study: market capacity, infeasible cells and the smallest recruit set",
        description=(
            "Market capacity per county x specialty with every market (NPPES) provider assumed signed, the "
            "cells that fail even so (with the reason and exception viability, 42 CFR 422.116(f)), and the "
            "fewest providers to sign so every other cell passes, solved across the whole service area."
        ),
    )
    p.add_argument("project", type=Path)
    p.add_argument("--counties", help="FIPS codes to study, e.g. 48201,48157 (default: the service area)")
    p.add_argument("--lines", help="HSD specialty codes, e.g. S03,007,040 (default: every line)")
    p.add_argument(
        "--time-limit",
        type=_seconds,
        default=DEFAULT_TIME_LIMIT_S,
        metavar="S",
        help=f"seconds the integer programme may take (default {DEFAULT_TIME_LIMIT_S:g})",
    )
    p.add_argument(
        "--market-only",
        action="store_true",
        help="leave the roster out: a plan entering counties where it has no network yet",
    )
    p.add_argument("--json", action="store_true", help="print the whole study as JSON")
    p.add_argument("--pdf", type=Path, metavar="OUT.pdf", help="write the feasibility report PDF")
    p.set_defaults(func=cmd_feasibility)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError("the time limit must be between 0 and 3600 seconds")
    return value


def _codes(text: str | None) -> list[str] | None:
    if not text:
        return None
    return [c.strip() for c in text.split(",") if c.strip()]


@contextlib.contextmanager
def _stdout_kept_for_json(json_out: bool) -> Iterator[None]:
    """With ``--json``, point file descriptor 1 at stderr while the study runs: scipy's HiGHS prints lines
    such as "HighsMipSolverData::transformNewIntegerFeasibleSolution ..." from C++ straight to the process's
    stdout on some solves, which would corrupt the JSON. Only here, in the command's own process before
    any thread starts; the engine and the window leave the descriptors alone."""
    if not json_out:
        yield
        return
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError, AttributeError):  # no real descriptor (embedded, some test runners)
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def cmd_feasibility(args: argparse.Namespace) -> int:
    from blueprint_desktop.engine.feasibility import feasibility_study
    from blueprint_desktop.store import open_project

    with open_project(args.project, read_only=True) as project:
        progress = terminal_progress() if not args.json else None
        with _stdout_kept_for_json(args.json):
            study = feasibility_study(
                project,
                counties=_codes(args.counties),
                lines=_codes(args.lines),
                time_limit=args.time_limit,
                market_only=args.market_only,
                progress=progress,
            )
        report = None
        if args.pdf:
            from blueprint_desktop.reports.feasibility_pdf import write_feasibility_report

            report = write_feasibility_report(project, study, args.pdf)
    if args.json:
        data = study.as_dict()
        if report is not None:
            data["report"] = report.as_dict()
        json.dump(data, sys.stdout, indent=2, default=str)
        print()
        return 0
    _print_text(study)
    if report is not None:
        print(f"\nreport: {report.path} ({report.pages} pages, {report.seconds:.1f} s)")
    return 0


def _print_text(study) -> None:
    from blueprint_desktop.reports.matrix_xlsx import county_names

    names = county_names(study.counties)
    counts = study.counts()
    rs = study.recruit_set
    print(
        f"{study.plan}: {len(study.cells):,} county x specialty cells in {len(study.counties):,} counties"
        f"{' (market only, roster left out)' if study.market_only else ''}"
    )
    print(
        f"  market: {study.market.get('candidate_providers', 0):,} providers not under contract; "
        f"network: {study.market.get('network_providers', 0):,} credited providers"
    )
    print(
        f"  pass now: {counts['passes now']:,}   pass once recruited: {counts[RECRUIT]:,}   "
        f"infeasible even with the whole market: {counts[INFEASIBLE]:,}"
    )
    infeasible = [c for c in study.cells if c.outcome == INFEASIBLE]
    if infeasible:
        # The exception rule cited is MA's; another line of business's program has its own process.
        where = ", 42 CFR 422.116(f)" if is_ma(study.lob) else ""
        print(f"\nInfeasible cells (exception candidates{where}):")
        for c in infeasible[:SHOWN]:
            unit = " beds" if c.counts_beds else ""
            print(
                f"  {names.get(c.county_fips, c.county_fips)[:22]:22} {c.line_code} {c.line_name[:28]:28} "
                f"best {c.market_pct:5.1f}% ({c.required_pct:g}%), {c.market_count:,}{unit} ({c.min_count:,})  "
                f"{c.shortfall} short; exception {c.exception['verdict'] if c.exception else '-'}"
            )
        if len(infeasible) > SHOWN:
            print(f"  ... and {len(infeasible) - SHOWN:,} more (--json or --pdf lists them all)")
    print(
        f"\nRecruit set for the {len(rs.target_cells):,} cells the market can close: {rs.size:,} providers "
        f"({rs.status}; no set smaller than {rs.lower_bound:,} exists; HiGHS gap "
        f"{'-' if rs.mip_gap is None else f'{rs.mip_gap * 100:.2f}%'}; greedy {rs.greedy_size:,})"
    )
    print(
        f"  checked by re-scoring with them signed: {rs.verified_pass:,} of {len(rs.target_cells):,} cells pass"
    )
    for r in rs.recruits[:SHOWN]:
        where = ", ".join(f"{names.get(f, f).split(',')[0]} {line}" for f, line in r.cells[:4])
        more = f" +{len(r.cells) - 4}" if len(r.cells) > 4 else ""
        alt = f" (or {r.alternatives} alike)" if r.alternatives else ""
        print(
            f"  {r.rank:3}. {r.npi} {r.name[:30]:30} {where}{more}{alt}  -> {r.cells_met_after:,}/"
            f"{len(rs.target_cells):,} cells met"
        )
    if len(rs.recruits) > SHOWN:
        print(f"  ... and {len(rs.recruits) - SHOWN:,} more")
