"""A one-page executive summary of the newest results (US Letter PDF, fpdf2 through ``ReportPDF``).

The page: title, plan and plan year, the criteria applied, the Pass / At Risk / Failing counts, the trend
since the previous full scoring run (counts then and now), the ten worst gaps (county, line, share within
standard against the required share, credited count against the minimum), a map of the service area
with each county filled by its worst status, and what the results rest on (criteria, population points,
travel-time method, credits), read from the results' own detail.

"Worst" gaps: Failing before At Risk; then the largest shortfall of the share against the required share,
then the largest shortfall of the count against the minimum. A "full" run is one that scored the whole
current service area and at least as many lines as any other such run (``blueprint score --county`` or
``--lines`` make partial runs). The page is always one page: the gap table is capped at ten rows and
every cell is cut to its column width.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.progress import Progress
from blueprint_desktop.reports.atomic_file import atomic_output
from blueprint_desktop.reports.matrix_xlsx import (
    basis_facts,
    county_names,
    run_row,
    status_counts,
)
from blueprint_desktop.rules.citations import framework
from blueprint_desktop.status_colors import STATUS_ORDER, status_color, status_text_color

WORST = 10
LETTER = "letter"
STATUS_RANK = {"Failing": 0, "At Risk": 1, "Pass": 2}
TITLE = "Network adequacy: executive summary"


def _rgb(hex_color: str, lighten: float = 0.0) -> tuple[int, int, int]:
    h = hex_color.lstrip("#")
    rgb = [int(h[i : i + 2], 16) for i in (0, 2, 4)]
    return tuple(int(round(c + (255 - c) * lighten)) for c in rgb)  # type: ignore[return-value]


def worst_gaps(results: list[dict[str, Any]], n: int = WORST) -> list[dict[str, Any]]:
    """The ``n`` worst At Risk / Failing cells (see the module doc for the order)."""
    gaps = [r for r in results if r["status"] in ("Failing", "At Risk")]

    def key(r):
        share_gap = (r["required_pct"] or 0) - (r["pct_within"] or 0)
        count_gap = (r["min_count"] or 0) - (r["credited_count"] or 0)
        return (STATUS_RANK[r["status"]], -share_gap, -count_gap, r["county_fips"], r["line_code"])

    return sorted(gaps, key=key)[:n]


def full_runs(project) -> list[dict[str, Any]]:
    """Runs that scored the whole current service area and the widest set of lines, oldest first."""
    import json

    area = set(project.service_area())
    rows = project.conn.execute("SELECT id, inputs_json, lines_json FROM scoring_runs ORDER BY id").fetchall()
    covering = []
    for run_id, inputs_json, lines_json in rows:
        counties = set(json.loads(inputs_json or "{}").get("counties") or [])
        if area and area <= counties:
            covering.append((run_id, len(json.loads(lines_json or "[]"))))
    if not covering:
        return []
    widest = max(n for _, n in covering)
    return [run_row(project, run_id) for run_id, n in covering if n == widest]


def trend(project, now: dict[str, int]) -> dict[str, Any] | None:
    """Counts of the previous full run (the newest full run older than the newest run) against ``now``."""
    from blueprint_desktop.engine import runs

    latest = runs.latest_run_id(project)
    earlier = [r for r in full_runs(project) if latest is not None and r["id"] < latest]
    if not earlier:
        return None
    prev = earlier[-1]
    then = {s: int(prev["summary"].get(s, 0)) for s in STATUS_ORDER}
    return {"run": prev, "then": then, "now": now}


def _fit(pdf, text: str, width: float) -> str:
    """``text`` cut (with an ellipsis) to fit ``width`` mm in the current font."""
    text = str(text)
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _draw_map(pdf, worst_by_county: dict[str, str], x: float, y: float, w: float, h: float) -> float:
    """The service area, each county filled by its worst status; returns the height used (0: no shapes)."""
    from blueprint_desktop.geo.counties import county_geometries

    gdf = county_geometries(sorted(worst_by_county))
    if gdf.empty:
        return 0.0
    from blueprint_desktop.reports.county_map import fit_projection

    project, used_w, used_h = fit_projection(gdf.total_bounds, x, y, w, h)

    pdf.set_line_width(0.2)
    pdf.set_draw_color(90, 98, 110)
    for row in gdf.itertuples():
        status = worst_by_county.get(row.fips)
        pdf.set_fill_color(*_rgb(status_color(status), 0.35))
        for poly in getattr(row.geometry, "geoms", [row.geometry]):
            pdf.polygon([project(lon, lat) for lon, lat in poly.exterior.coords], style="DF")
    if len(gdf) <= 16:
        names = county_names(list(gdf.fips))
        pdf.set_font("DejaVu", "", 5.5)
        pdf.set_text_color(20, 20, 20)
        for row in gdf.itertuples():
            pt = row.geometry.representative_point()
            px, py = project(pt.x, pt.y)
            label = names.get(row.fips, row.fips).split(",")[0]
            pdf.text(px - pdf.get_string_width(label) / 2, py + 1, label)
    # Legend.
    ly = y + used_h + 3.5
    lx = x
    pdf.set_font("DejaVu", "", 7)
    pdf.set_text_color(108, 117, 125)
    for status in ("Failing", "At Risk", "Pass"):
        pdf.set_fill_color(*_rgb(status_color(status), 0.35))
        pdf.rect(lx, ly - 2.4, 4, 2.8, style="DF")
        label = f"worst cell {status}"
        pdf.text(lx + 5, ly, label)
        lx += 8 + pdf.get_string_width(label)
    return used_h + 5


def write_executive_summary(project, path: str | os.PathLike[str], progress: Progress | None = None) -> Path:
    """Write the one-page summary PDF to ``path`` (replaced atomically); returns the path."""
    from blueprint_desktop.engine import runs
    from blueprint_desktop.reports.pdf_document import ACCENT, FONT, HEAD_FILL, INK, MUTED, ZEBRA, ReportPDF

    progress = progress or Progress()
    progress.update(0.0, "reading the results")
    results = runs.latest_results(project)
    if not results:
        raise BlueprintError(f"{project.path}: no results to summarise; score the project first")
    facts = basis_facts(project, results)
    counts = status_counts(results)
    change = trend(project, counts)
    gaps = worst_gaps(results)
    names = county_names(sorted({r["county_fips"] for r in results}))
    worst_by_county: dict[str, str] = {}
    for r in results:
        cur = worst_by_county.get(r["county_fips"])
        if cur is None or STATUS_RANK[r["status"]] < STATUS_RANK[cur]:
            worst_by_county[r["county_fips"]] = r["status"]

    generated = datetime.now(UTC).replace(microsecond=0)
    run = facts["run"]
    # The footer names the scoring run's inputs fingerprint (stored with the run, so it can be checked
    # against the project later), not the project file's SHA-256, which changes on every open.
    fingerprint = run.get("inputs_fingerprint") or "-"
    pdf = ReportPDF(
        TITLE,
        TITLE,
        generated.strftime("%Y-%m-%d %H:%M UTC"),
        fingerprint,
        draft=False,
        fingerprint_label=f"Scoring run {run.get('id', '-')} inputs fingerprint",
    )
    pdf.set_creation_date(generated)
    pdf.set_subject(f"{facts['plan']}, plan year {facts['plan_year']}")
    pdf.set_auto_page_break(False)  # one page by construction; every block below has a fixed height
    pdf.add_page(format=LETTER)
    left, width = pdf.l_margin, pdf.epw
    pdf.set_y(14)

    # -- title block ---------------------------------------------------------------------------------
    with pdf.local_context(font_family=FONT, font_style="B", font_size_pt=16, text_color=ACCENT):
        pdf.cell(width, 8, TITLE, new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.4)
    pdf.line(left, pdf.get_y() + 0.5, left + width, pdf.get_y() + 0.5)
    pdf.set_line_width(0.2)
    pdf.ln(2.5)
    pdf.set_font(FONT, "B", 10.5)
    pdf.set_text_color(*INK)
    pdf.cell(
        width,
        5.5,
        _fit(pdf, f"{facts['plan']}  ·  plan year {facts['plan_year']}", width),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font(FONT, "", 8.5)
    ma = facts["lob"] == "ma"
    standard = "Medicare Advantage network adequacy, 42 CFR 422.116" if ma else framework(facts["lob"])
    pdf.cell(
        width,
        4.5,
        _fit(
            pdf,
            f"{standard}  ·  results of {str(run.get('started_at', ''))[:10]} (scoring run {run.get('id', '-')})",
            width,
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.cell(
        width,
        4.5,
        _fit(pdf, "Criteria: " + ("; ".join(facts["criteria"]) or "-"), width),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.cell(
        width,
        4.5,
        f"{facts['cells']:,} county x specialty cells in {facts['counties']:,} service-area counties",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)

    # -- counts -------------------------------------------------------------------------------------
    progress.update(0.4, "drawing the counts")
    y = pdf.get_y()
    box_w, box_h, gap = 40.0, 20.0, 4.0
    for i, status in enumerate(("Pass", "At Risk", "Failing")):
        bx = left + i * (box_w + gap)
        pdf.set_fill_color(*_rgb(status_color(status)))
        pdf.rect(bx, y, box_w, box_h, style="F")
        pdf.set_text_color(*_rgb(status_text_color(status)))
        pdf.set_xy(bx, y + 2)
        pdf.set_font(FONT, "B", 18)
        pdf.cell(box_w, 9, f"{counts.get(status, 0):,}", align="C")
        pdf.set_xy(bx, y + 12)
        pdf.set_font(FONT, "", 8.5)
        pdf.cell(box_w, 5, status, align="C")
    # The trend, to the right of the boxes.
    tx = left + 3 * (box_w + gap)
    tw = left + width - tx
    pdf.set_text_color(*INK)
    pdf.set_xy(tx, y)
    pdf.set_font(FONT, "B", 8.5)
    pdf.cell(tw, 4.5, "Since the previous full scoring run", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "", 8)
    if change is None:
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(
            tw,
            4,
            "No earlier full run of this service area to compare with.",
            align="L",
            new_x="LEFT",
            new_y="NEXT",
        )
    else:
        prev = change["run"]
        pdf.set_text_color(*MUTED)
        pdf.cell(
            tw,
            4,
            _fit(pdf, f"run {prev['id']} of {str(prev['started_at'])[:10]} → now", tw),
            new_x="LEFT",
            new_y="NEXT",
        )
        pdf.set_text_color(*INK)
        for status in ("Pass", "At Risk", "Failing"):
            a, b = change["then"][status], change["now"][status]
            pdf.cell(tw, 4, f"{status}: {a:,} → {b:,} ({b - a:+,})", new_x="LEFT", new_y="NEXT")
    pdf.set_y(y + box_h + 5)

    # -- worst gaps ---------------------------------------------------------------------------------
    progress.update(0.55, "drawing the worst gaps")
    with pdf.local_context(font_family=FONT, font_style="B", font_size_pt=10.5, text_color=ACCENT):
        pdf.cell(
            width,
            6,
            f"The {WORST} worst gaps" if len(gaps) >= WORST else "The gaps",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    cols = [
        ("County", 34),
        ("Specialty", 62),
        ("Share (required)", 36),
        ("Count (minimum)", 30),
        ("Status", 20),
    ]
    scale = width / sum(w for _, w in cols)
    cols = [(h, w * scale) for h, w in cols]
    row_h = 5.0
    pdf.set_draw_color(200, 205, 212)
    pdf.set_font(FONT, "B", 7.5)
    pdf.set_fill_color(*HEAD_FILL)
    pdf.set_text_color(*INK)
    for h, w in cols:
        pdf.cell(w, row_h, _fit(pdf, h, w - 2), border=1, fill=True)
    pdf.ln(row_h)
    if not gaps:
        pdf.set_font(FONT, "", 8)
        pdf.cell(width, row_h, "No cell is At Risk or Failing.", border=1, new_x="LMARGIN", new_y="NEXT")
    for i, r in enumerate(gaps):
        unit = "beds" if r["detail"].get("counts_beds") else ""
        values = [
            f"{names.get(r['county_fips'], r['county_fips'])}",
            f"{r['line_code']} {r['line_name']}",
            f"{r['pct_within']:.1f}% ({r['required_pct']:g}%)",
            f"{r['credited_count']:,}{' ' + unit if unit else ''} ({r['min_count']:,})",
            r["status"],
        ]
        for j, ((_, w), v) in enumerate(zip(cols, values, strict=True)):
            if j == len(cols) - 1:
                pdf.set_fill_color(*_rgb(status_color(v), 0.75))
                fill = True
            else:
                pdf.set_fill_color(*ZEBRA)
                fill = i % 2 == 1
            pdf.set_font(FONT, "", 7.5)
            pdf.cell(w, row_h, _fit(pdf, v, w - 2), border=1, fill=fill)
        pdf.ln(row_h)
    more = sum(1 for r in results if r["status"] != "Pass") - len(gaps)
    pdf.set_font(FONT, "I", 7)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(
        width,
        3.6,
        (f"And {more:,} more At Risk or Failing cells. " if more > 0 else "")
        + (
            "Share: beneficiaries within the county's maximum time and distance, credits included. Failing: below "
            "the required share (42 CFR 422.116(d)) or below the minimum count (42 CFR 422.116(e))."
            if ma
            else "Share: people within the county's maximum time and distance. Failing: below the required share "
            "or the minimum count of the rule set named under Criteria."
        ),
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)

    # -- map + basis --------------------------------------------------------------------------------
    progress.update(0.7, "drawing the map")
    y = pdf.get_y()
    map_w = 92.0
    bottom = pdf.h - 24  # above the footer rule
    map_h = min(95.0, bottom - y - 12)
    with pdf.local_context(font_family=FONT, font_style="B", font_size_pt=10.5, text_color=ACCENT):
        pdf.set_xy(left, y)
        pdf.cell(map_w, 6, "Service area by worst status", new_x="LMARGIN", new_y="NEXT")
    used = _draw_map(pdf, worst_by_county, left, y + 8, map_w, map_h)
    if not used:
        pdf.set_xy(left, y + 8)
        pdf.set_font(FONT, "I", 8)
        pdf.set_text_color(*MUTED)
        pdf.cell(map_w, 5, "No county outlines available for the map.")

    bx = left + map_w + 6
    bw = left + width - bx
    pdf.set_xy(bx, y)
    with pdf.local_context(font_family=FONT, font_style="B", font_size_pt=10.5, text_color=ACCENT):
        pdf.cell(bw, 6, "What these results rest on", new_x="LEFT", new_y="NEXT")
    pdf.ln(1)
    credits = "; ".join(f"{k} in {v:,} cells" for k, v in facts["credits"].items()) or "none applied"
    basis = [
        ("Criteria", "; ".join(facts["criteria"]) or "-"),
        ("Population", "; ".join(facts["population"]) or "-"),
        ("Travel time", "; ".join(facts["methods"]) or "-"),
        (
            "Credits",
            f"{credits}. Each credit adds 10 percentage points (telehealth: 42 CFR 422.116(d)(5); Certificate of "
            "Need: CMS MA Network Adequacy Guidance); never stacked."
            if ma
            else "none: the telehealth and Certificate of Need credits are Medicare Advantage's.",
        ),
        (
            "Telehealth basis",
            ", ".join(f"per {b} served" if b == "county" else b for b in facts["telehealth_basis"]) or "-",
        ),
        (
            "Counting",
            "A provider counts toward a county's minimum only within that county's time and distance of at "
            "least one beneficiary point (42 CFR 422.116(a)(2)(i)); the providers of 42 CFR 422.116(a)(3) do not count."
            if ma
            else "A provider counts toward a county's minimum only within that county's time and distance of at "
            "least one population point; every contracted, credentialed provider counts.",
        ),
        (
            "At Risk",
            "passes by less than 3 points, exactly at the minimum, or only through provisionally credentialed "
            "providers; CMS's own result is pass or fail.",
        ),
    ]
    if not ma:  # no credits, so no basis for them
        basis = [(label, text) for label, text in basis if label != "Telehealth basis"]
    limit_y = bottom
    for label, text in basis:
        if pdf.get_y() > limit_y - 8:
            break
        pdf.set_x(bx)
        pdf.set_font(FONT, "B", 7.5)
        pdf.set_text_color(*INK)
        pdf.cell(bw, 3.8, label, new_x="LEFT", new_y="NEXT")
        pdf.set_font(FONT, "", 7.5)
        pdf.set_text_color(*MUTED)
        lines = pdf.multi_cell(bw, 3.6, text, align="L", dry_run=True, output="LINES")
        room = max(1, int((limit_y - pdf.get_y()) // 3.6))
        shown = lines[:room]
        if len(lines) > room:
            shown[-1] = _fit(pdf, shown[-1] + "…", bw - 1)
        pdf.multi_cell(bw, 3.6, "\n".join(shown), align="L", new_x="LEFT", new_y="NEXT")
        pdf.ln(1.2)

    progress.update(0.9, "writing the PDF")
    if pdf.page_no() != 1:  # pragma: no cover - a layout bug, never a user's problem
        raise BlueprintError("the executive summary did not fit on one page")
    with atomic_output(path) as tmp:
        pdf.output(str(tmp))
    progress.update(1.0, "1 page", force=True)
    return Path(path)
