"""Reports people hand on: ``export matrix`` (results matrix, .xlsx), ``export providers`` (servicing
providers, .xlsx or .csv) and ``export summary`` (one-page executive summary, PDF), added to the
``export`` group that export_commands creates."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from blueprint_desktop.cli.data_commands import _export_group
from blueprint_desktop.progress import terminal_progress
from blueprint_desktop.store import open_project

REPORTS = {
    "matrix": (
        "the results matrix (counties x lines) to Excel: one sheet per view, statuses coloured, and its basis",
        "OUT.xlsx",
    ),
    "providers": (
        "the servicing-provider report: one row per contracted provider x county served (.xlsx or .csv)",
        "OUT.xlsx or OUT.csv",
    ),
    "summary": ("the one-page executive summary of the newest results (PDF, US Letter)", "OUT.pdf"),
}


def register(groups) -> None:
    sub = _export_group(groups)
    for kind, (help_text, out_help) in REPORTS.items():
        p = sub.add_parser(kind, help=help_text, description=help_text)
        p.add_argument("project", type=Path)
        p.add_argument("out", type=Path, help=out_help)
        p.add_argument("--json", action="store_true")
        p.set_defaults(func=cmd_report, report_kind=kind)


def _writer(kind: str):
    if kind == "matrix":
        from blueprint_desktop.reports.matrix_xlsx import write_matrix_xlsx

        return write_matrix_xlsx
    if kind == "providers":
        from blueprint_desktop.reports.servicing_providers import write_servicing_providers

        return write_servicing_providers
    from blueprint_desktop.reports.executive_summary import write_executive_summary

    return write_executive_summary


def cmd_report(args: argparse.Namespace) -> int:
    writer = _writer(args.report_kind)
    # The summary's footer fingerprints the project file, so it opens writable (the WAL is folded in first),
    # as ``export package`` does; the workbooks only read.
    with open_project(args.project, read_only=args.report_kind != "summary") as project:
        path = writer(project, args.out, terminal_progress())
    if args.json:
        json.dump({"report": args.report_kind, "written": str(path)}, sys.stdout)
        print()
    else:
        print(f"wrote {path}")
    return 0
