"""The results matrix (service-area counties x lines) as an Excel workbook people can hand on.

One sheet per view of the matrix, each cell filled with its status tint from ``status_colors`` (the
palette of the map and the results table, so a cell that is red in the window is red here):

* "Share within standard": the share of beneficiaries within time and distance (credits included), as %;
* "Status": Pass / At Risk / Failing;
* "Credited vs minimum": credited providers (beds for acute inpatient hospitals) against the minimum;
* "p90 time / distance": the population-weighted 90th-percentile minutes and miles;
* "Confidence": the confidence score (0-100) and its band;

and a "Basis" sheet saying what the results rest on, read from each result's own detail (criteria,
population points, travel-time method, credits) and the scoring run. The newest result per cell is used
(``engine.runs.latest_results``).

The workbook is written in openpyxl's write-only mode (rows streamed, no per-row scans of the sheet) to
a temporary file in the destination folder, then moved into place with ``os.replace``, so a reader never
sees a half-written file and a failed export leaves any earlier file as it was.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.progress import Progress
from blueprint_desktop.reports.atomic_file import atomic_output
from blueprint_desktop.reports.safe_cells import safe_row, safe_text
from blueprint_desktop.rules.citations import framework, is_ma
from blueprint_desktop.status_colors import STATUS_ORDER, status_tint

VIEWS = (
    "Share within standard",
    "Status",
    "Credited vs minimum",
    "p90 time / distance",
    "Confidence",
)
BASIS_SHEET = "Basis"
CREDIT_WORDS = {"telehealth": "telehealth credit", "certificate_of_need": "Certificate of Need credit"}
METHOD_WORDS = {
    "straight": "drive time estimated from straight-line distance (no road network)",
    "road": "drive time measured on the imported OpenStreetMap road network",
}
_POINTS_SUFFIX = re.compile(r",\s*([\d,]+)\s+points?$")


# -- shared by the hand-on reports -----------------------------------------------------------------
def county_names(fips_list) -> dict[str, str]:
    """FIPS -> "Harris, TX" (the FIPS itself for a county the bundled geography does not know)."""
    from blueprint_desktop.geo.counties import load_counties

    counties = load_counties()
    out = {}
    for f in fips_list:
        if f in counties.index:
            row = counties.loc[f]
            out[f] = f"{row['name']}, {row['state']}"
        else:
            out[f] = str(f)
    return out


def run_row(project, run_id: int | None) -> dict[str, Any]:
    """id, started_at, method, summary, inputs and inputs fingerprint of a scoring run ({} when none)."""
    if run_id is None:
        return {}
    row = project.conn.execute(
        "SELECT id, started_at, method, summary_json, inputs_json, lines_json, inputs_fingerprint"
        " FROM scoring_runs WHERE id = ?",
        (run_id,),
    ).fetchone()
    if row is None:
        return {}
    return {
        "id": row[0],
        "started_at": row[1],
        "method": row[2],
        "summary": json.loads(row[3] or "{}"),
        "inputs": json.loads(row[4] or "{}"),
        "lines": json.loads(row[5] or "[]"),
        "inputs_fingerprint": row[6] or "",
    }


def population_summary(labels) -> list[str]:
    """Distinct population-point descriptions over counties, with the points summed per description."""
    totals: Counter[str] = Counter()
    for label in labels:
        for part in str(label or "").split("; "):
            part = part.strip()
            if not part:
                continue
            m = _POINTS_SUFFIX.search(part)
            words = part[: m.start()] if m else part
            totals[words] += int(m.group(1).replace(",", "")) if m else 0
    return [f"{words}: {n:,} points" if n else words for words, n in totals.most_common()]


def basis_facts(project, results: list[dict[str, Any]]) -> dict[str, Any]:
    """What the results rest on, from the results' own detail and the newest scoring run."""
    from blueprint_desktop.engine import runs

    run = run_row(project, runs.latest_run_id(project))
    criteria = Counter(str(r["detail"].get("criteria") or "") for r in results)
    methods = Counter(str(r["detail"].get("method") or "") for r in results)
    credits: Counter[str] = Counter()
    for r in results:
        for name in r["detail"].get("credits") or []:
            credits[name] += 1
    by_county: dict[str, str] = {}
    for r in results:
        by_county.setdefault(r["county_fips"], r["detail"].get("population") or "")
    tele_basis = {str(r["detail"].get("telehealth_basis") or "") for r in results} - {""}
    return {
        "plan": project.name,
        "plan_year": project.plan_year,
        "lob": project.lob,
        "run": run,
        "criteria": [c for c, _ in criteria.most_common() if c],
        "methods": [METHOD_WORDS.get(m, m) for m, _ in methods.most_common() if m],
        "population": population_summary(by_county.values()),
        "credits": {CREDIT_WORDS.get(k, k): v for k, v in credits.most_common()},
        "telehealth_basis": sorted(tele_basis),
        "counties": len(by_county),
        "cells": len(results),
        "counts": status_counts(results),
    }


def status_counts(results) -> dict[str, int]:
    counts = dict.fromkeys(STATUS_ORDER, 0)
    for r in results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return counts


# -- the workbook ----------------------------------------------------------------------------------
def _fmt(x: float | None, digits: int = 1) -> str:
    if x is None:
        return "-"
    return f"{x:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{x:.0f}"


def _view_value(view: str, r: dict[str, Any]) -> tuple[Any, str | None]:
    """(cell value, number format) of one result in one view."""
    if view == "Share within standard":
        return (None if r["pct_within"] is None else r["pct_within"] / 100.0), "0.0%"
    if view == "Status":
        return r["status"], None
    if view == "Credited vs minimum":
        return f"{r['credited_count']} / {r['min_count']}", None
    if view == "p90 time / distance":
        return f"{_fmt(r['p90_minutes'])} min / {_fmt(r['p90_miles'])} mi", None
    if view == "Confidence":
        if r["confidence"] is None:
            return "-", None
        return f"{r['confidence']:.0f} ({r['confidence_band'] or '-'})", None
    raise ValueError(view)


def write_matrix_xlsx(project, path: str | os.PathLike[str], progress: Progress | None = None) -> Path:
    """Write the results matrix workbook to ``path`` (replaced atomically); returns the path."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from blueprint_desktop.engine import runs

    progress = progress or Progress()
    progress.update(0.0, "reading the results")
    results = runs.latest_results(project)
    if not results:
        raise BlueprintError(f"{project.path}: no results to export; score the project first")
    cells = {(r["county_fips"], r["line_code"]): r for r in results}
    counties = sorted({r["county_fips"] for r in results})
    names = county_names(counties)
    line_names: dict[str, str] = {}
    for r in results:
        line_names.setdefault(r["line_code"], r["line_name"])
    lines = sorted(line_names)
    designation = {r["county_fips"]: r["detail"].get("designation", "") for r in results}
    facts = basis_facts(project, results)

    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    fills = {
        s: PatternFill(fill_type="solid", fgColor=status_tint(s).lstrip("#").upper()) for s in STATUS_ORDER
    }
    wb = Workbook(write_only=True)

    def head(ws, value):
        c = WriteOnlyCell(ws, value=safe_text(value))
        c.font, c.alignment = bold, wrap
        return c

    n_views = len(VIEWS)
    for v, view in enumerate(VIEWS):
        progress.check()
        progress.update(0.05 + 0.85 * v / n_views, f"writing {view}")
        ws = wb.create_sheet(view.replace("/", "-")[:31])
        ws.freeze_panes = "D2"
        ws.column_dimensions["A"].width = 8
        ws.column_dimensions["B"].width = 24
        ws.column_dimensions["C"].width = 12
        for j in range(len(lines)):
            ws.column_dimensions[get_column_letter(4 + j)].width = 16 if view != "p90 time / distance" else 20
        ws.append(
            [head(ws, "FIPS"), head(ws, "County"), head(ws, "Designation")]
            + [head(ws, f"{code} {line_names[code]}") for code in lines]
        )
        for f in counties:
            # Text from the project and the reference files passes through safe_text (safe_cells: no formula,
            # no XML-illegal character). The view values below are composed by _view_value from numbers and
            # fixed words ("- min / - mi", "12 / 3"), never from outside text, and are typed string cells.
            row: list[Any] = safe_row([f, names[f], designation.get(f, "")])
            for code in lines:
                r = cells.get((f, code))
                if r is None:
                    row.append(None)  # no standard for this line here (or not scored)
                    continue
                value, number_format = _view_value(view, r)
                c = WriteOnlyCell(ws, value=value)
                c.fill = fills.get(r["status"], fills["Failing"])
                if number_format:
                    c.number_format = number_format
                row.append(c)
            ws.append(row)
        ws.append([])
        ws.append(
            [None, "Fill: the cell's status (Pass / At Risk / Failing); blank: no result for that line."]
        )

    progress.update(0.92, "writing the basis")
    ws = wb.create_sheet(BASIS_SHEET)
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 100
    run = facts["run"]
    rows: list[tuple[str, Any]] = [
        ("Plan", facts["plan"]),
        ("Plan year", facts["plan_year"]),
        (
            "Standard",
            "42 CFR 422.116 (Medicare Advantage network adequacy)"
            if is_ma(facts["lob"])
            else framework(facts["lob"]),
        ),
        ("Scoring run", f"run {run.get('id', '-')}, {run.get('started_at', '-')}"),
        (
            "Results",
            f"{facts['cells']:,} county x line cells in {facts['counties']:,} counties; newest result per cell",
        ),
        ("Pass / At Risk / Failing", " / ".join(str(facts["counts"][s]) for s in STATUS_ORDER)),
        ("Criteria", "; ".join(facts["criteria"]) or "-"),
        ("Population points", "; ".join(facts["population"]) or "-"),
        ("Travel time", "; ".join(facts["methods"]) or "-"),
        (
            "Credits (10 percentage points, never stacked)",
            "; ".join(f"{k}: {v:,} cells" for k, v in facts["credits"].items()) or "none applied",
        ),
        ("Telehealth credit basis", ", ".join(facts["telehealth_basis"]) or "-"),
        (
            "Status rule",
            (
                "Failing: share within standard below the required share (42 CFR 422.116(d)(4)) or credited count "
                "below the minimum (42 CFR 422.116(e)). "
                if is_ma(facts["lob"])
                else "Failing: share within standard below the required share or credited count below the minimum "
                "of the rule set named under Criteria. "
            )
            + "At Risk: passing by less than 3 points, exactly at the minimum, or only through provisionally "
            "credentialed providers.",
        ),
        ("Colours", "Pass, At Risk and Failing fills are those of the results table and the map."),
    ]
    for label, value in rows:
        ws.append([head(ws, label), WriteOnlyCell(ws, value=safe_text(value))])
    ws.append([])
    ws.append([head(ws, "County"), head(ws, "Criteria and population points per county")])
    first: dict[str, dict[str, Any]] = {}
    for r in results:
        first.setdefault(r["county_fips"], r)
    for f in counties:
        d = first[f]["detail"]
        ws.append(safe_row([f"{f} {names[f]}", f"{d.get('criteria', '')}; {d.get('population', '')}"]))

    progress.update(0.97, "saving")
    with atomic_output(path) as tmp:
        wb.save(tmp)
    progress.update(1.0, f"{len(counties)} counties x {len(lines)} lines", force=True)
    return Path(path)
