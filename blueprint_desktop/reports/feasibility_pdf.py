"""The feasibility report: the answer a business development lead hands to an executive (US Letter PDF).

Pages: the answer on one page (counts, the recruit set's size and how sure it is, a map of the service area
by outcome); the counties and specialties that pass with the market; the infeasible cells with their reason
and exception viability; the recruit list in priority order and by county and specialty; a map of the
recruits' offices; what the study rests on (data vintages, method, confidence). Built on ``ReportPDF``
(fonts, running title, footer) and the static county outlines of ``county_map``.

Reader-facing text cites only 42 CFR 422.116 and CMS guidance, never a file of this program. The footer
carries the SHA-256 of the study's content (its JSON), so two copies of the report can be told apart.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from blueprint_desktop.engine.feasibility import INFEASIBLE, PASSES_NOW, RECRUIT, FeasibilityStudy
from blueprint_desktop.progress import Progress
from blueprint_desktop.reports.atomic_file import atomic_output
from blueprint_desktop.reports.county_map import _rings, fit_projection
from blueprint_desktop.reports.pdf_document import ACCENT, FONT, INK, MUTED, ReportPDF
from blueprint_desktop.rules.citations import cite, framework, is_ma
from blueprint_desktop.rules.standard_words import people

TITLE = "Network feasibility study"
OUTCOME_FILL = {
    PASSES_NOW: (200, 230, 201),  # green tint: passes with today's network
    RECRUIT: (255, 236, 179),  # amber tint: passes once the recruit set signs
    INFEASIBLE: (244, 178, 160),  # red tint: no network from this market passes
}
OUTCOME_WORDS = {
    PASSES_NOW: "passes today",
    RECRUIT: "passes once the recruits sign",
    INFEASIBLE: "cannot pass with this market",
}
OUTCOME_SHORT = {PASSES_NOW: "passes today", RECRUIT: "recruit", INFEASIBLE: "cannot pass"}
RECRUIT_DOT = (31, 78, 121)
# Rows of a table before "... and N more": a state's study (10,000 cells, thousands of recruits) stays a
# report of a hundred-odd pages written in seconds; the full lists are in the study's data export.
CELL_ROWS = 400
LIST_ROWS = 1000
MORE = "the full list is in the study's data export"


def plural(n: int, noun: str, many: str | None = None) -> str:
    """'1 provider', '4,094 providers': a count with thousands separators and its noun in the right number."""
    return f"{n:,} {noun if n == 1 else (many or noun + 's')}"


@dataclass
class ReportResult:
    path: Path
    pages: int
    seconds: float
    digest: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "pages": self.pages,
            "seconds": round(self.seconds, 2),
            "digest": self.digest,
        }


def study_digest(study: FeasibilityStudy) -> str:
    """SHA-256 of the study's content (timings left out: they differ run to run for the same answer)."""
    data = study.as_dict()
    data.pop("timings", None)
    data.get("recruit_set", {}).pop("solve_s", None)
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def write_feasibility_report(
    project, study: FeasibilityStudy, path: str | os.PathLike[str], progress: Progress | None = None
) -> ReportResult:
    """Render ``study`` to ``path`` (written atomically). ``project`` may be None (benchmarks)."""
    started = time.perf_counter()
    progress = progress or Progress()
    from blueprint_desktop.reports.matrix_xlsx import county_names

    names = county_names(study.counties)
    digest = study_digest(study)
    generated = datetime.now(UTC).replace(microsecond=0)
    pdf = ReportPDF(
        TITLE,
        f"{TITLE}: {study.plan}",
        generated.strftime("%Y-%m-%d %H:%M UTC"),
        digest,
        draft=False,
        fingerprint_label="Study content SHA-256",
    )
    pdf.set_creation_date(generated)
    pdf.set_subject(f"{study.plan}: feasibility under {framework(study.lob)}")
    plan_year = getattr(project, "plan_year", None) if project is not None else None
    progress.update(0.05, "the answer")
    _summary_page(pdf, study, names, plan_year)
    progress.update(0.2, "counties and specialties")
    _pass_section(pdf, study, names)
    progress.update(0.35, "infeasible cells")
    _infeasible_section(pdf, study, names)
    progress.update(0.5, "the recruit list")
    _recruit_section(pdf, study, names)
    progress.update(0.75, "maps")
    _recruit_map(pdf, study)
    progress.update(0.85, "method and vintages")
    _method_section(pdf, study)
    with atomic_output(path) as tmp:
        pdf.output(str(tmp))
    progress.update(1.0, f"{pdf.page_no()} pages", force=True)
    return ReportResult(Path(path), pdf.page_no(), time.perf_counter() - started, digest)


# -- pages ------------------------------------------------------------------------------------------
def _county_outcomes(study: FeasibilityStudy) -> dict[str, str]:
    """Each county's worst outcome: infeasible, else recruit, else passes now."""
    rank = {INFEASIBLE: 0, RECRUIT: 1, PASSES_NOW: 2}
    out: dict[str, str] = {}
    for c in study.cells:
        cur = out.get(c.county_fips)
        if cur is None or rank[c.outcome] < rank[cur]:
            out[c.county_fips] = c.outcome
    return out


def _draw_outcome_map(pdf: ReportPDF, study: FeasibilityStudy, x, y, w, h, dots=None) -> float:
    """The service area, each county filled by its worst outcome, optional dots; returns the height used."""
    from blueprint_desktop.geo.counties import county_geometries

    outcomes = _county_outcomes(study)
    gdf = county_geometries(sorted(outcomes))
    if gdf.empty:
        pdf.note("No county outlines available for the map.")
        return 6.0
    project, _used_w, used_h = fit_projection(gdf.total_bounds, x, y, w, h)
    pdf.set_line_width(0.2)
    pdf.set_draw_color(90, 98, 110)
    for row in gdf.itertuples():
        pdf.set_fill_color(*OUTCOME_FILL[outcomes.get(row.fips, PASSES_NOW)])
        for ring in _rings(row.geometry):
            pdf.polygon([project(lon, lat) for lon, lat in ring], style="DF")
    if dots:
        pdf.set_fill_color(*RECRUIT_DOT)
        pdf.set_draw_color(255, 255, 255)
        for lat, lon in dots:
            px, py = project(lon, lat)
            pdf.circle(x=px, y=py, radius=0.9, style="DF")
    if len(gdf) <= 30:
        from blueprint_desktop.geo.counties import load_counties

        counties = load_counties()
        pdf.set_font(FONT, "B", 6.5 if len(gdf) > 12 else 7.5)
        pdf.set_text_color(*INK)
        for row in gdf.itertuples():
            pt = row.geometry.representative_point()
            px, py = project(pt.x, pt.y)
            label = str(counties.loc[row.fips, "name"]) if row.fips in counties.index else row.fips
            pdf.text(px - pdf.get_string_width(label) / 2, py + 1, label)
    # Legend, wrapping at the right margin.
    ly, lx = y + used_h + 4, x
    pdf.set_font(FONT, "", 7.5)
    pdf.set_text_color(*MUTED)
    pdf.set_draw_color(90, 98, 110)
    items = [
        ("rect", OUTCOME_FILL[k], f"worst cell {OUTCOME_WORDS[k]}") for k in (PASSES_NOW, RECRUIT, INFEASIBLE)
    ]
    if dots:
        items.append(("dot", RECRUIT_DOT, "office of a provider on the recruit list"))
    top = ly
    for kind, color, label in items:
        if lx + 8 + pdf.get_string_width(label) > pdf.w - pdf.r_margin:
            lx, ly = x, ly + 5
        pdf.set_fill_color(*color)
        if kind == "rect":
            pdf.rect(lx, ly - 2.5, 5, 3, style="DF")
        else:
            pdf.circle(x=lx + 2.5, y=ly - 1, radius=0.9, style="F")
        pdf.text(lx + 6.5, ly, label)
        lx += 10 + pdf.get_string_width(label)
    pdf.set_y(ly + 4)
    return used_h + 8 + (ly - top)


def _summary_page(pdf: ReportPDF, study: FeasibilityStudy, names: dict[str, str], plan_year) -> None:
    pdf.add_page()
    with pdf.local_context(font_family=FONT, font_style="B", font_size_pt=18, text_color=ACCENT):
        pdf.multi_cell(0, 9, TITLE, new_x="LMARGIN", new_y="NEXT")
    pdf.para(
        f"{study.plan}{f', plan year {plan_year}' if plan_year else ''}: {plural(len(study.counties), 'county', 'counties')}"
        f", {len(study.cells):,} county x specialty cells under {framework(study.lob)}."
        + (
            " The plan's roster is left out: the study assumes no network today." if study.market_only else ""
        ),
        size=10,
    )
    counts = study.counts()
    rs = study.recruit_set
    y = pdf.get_y() + 1
    box_w, box_h, gap = (pdf.epw - 8) / 3, 21.0, 4.0
    for i, (key, label) in enumerate(
        (
            (PASSES_NOW, "cells pass with today's network"),
            (RECRUIT, "more pass once the recruits sign"),
            (INFEASIBLE, "cannot pass with any network from this market"),
        )
    ):
        bx = pdf.l_margin + i * (box_w + gap)
        pdf.set_fill_color(*OUTCOME_FILL[key])
        pdf.rect(bx, y, box_w, box_h, style="F")
        pdf.set_xy(bx, y + 2)
        pdf.set_font(FONT, "B", 17)
        pdf.set_text_color(*INK)
        pdf.cell(box_w, 9, f"{counts[key]:,}", align="C")
        pdf.set_xy(bx + 2, y + 12)
        pdf.set_font(FONT, "", 7.5)
        pdf.multi_cell(box_w - 4, 3.5, label, align="C")
    pdf.set_y(y + box_h + 5)
    verdict = (
        f"Signing {rs.size:,} provider{'s' if rs.size != 1 else ''} from the market closes every one of the {len(rs.target_cells):,} "
        "cells that fail today but could pass"
        if rs.target_cells
        else "No cell that fails today could be closed by recruiting from the market"
    )
    if rs.target_cells:
        sure = (
            "no smaller set exists (proven)"
            if rs.proven_optimal
            else f"no set smaller than {rs.lower_bound:,} exists (the solver's bound after {rs.time_limit_s:g} s)"
        )
        verdict += f"; {sure}. A simple one-at-a-time choice would need {rs.greedy_size:,}."
    else:
        verdict += "."
    pdf.para(verdict, size=10.5, style="B")
    if rs.target_cells:
        pdf.para(
            f"Checked by re-scoring the network with these providers signed: {rs.verified_pass:,} of "
            f"{len(rs.target_cells):,} cells pass.",
            size=9.5,
        )
    infeasible = [c for c in study.cells if c.outcome == INFEASIBLE]
    if infeasible:
        share = sum(1 for c in infeasible if "share" in c.shortfall)
        count = sum(1 for c in infeasible if "count" in c.shortfall)
        strong = sum(1 for c in infeasible if c.exception and c.exception["verdict"] == "Strong")
        pdf.para(
            f"{plural(len(infeasible), 'cell')} fail even with every market provider signed ({share:,} short of the "
            f"share within time and distance, {count:,} short of the minimum number). These are the exception "
            f"requests{cite('exception', study.lob)} from day one; {strong:,} have no uncontracted provider within "
            "reach at all.",
            size=9.5,
        )
    pdf.ln(2)
    with pdf.local_context(font_family=FONT, font_style="B", font_size_pt=10.5, text_color=ACCENT):
        pdf.cell(0, 6, "The service area by its worst cell", new_x="LMARGIN", new_y="NEXT")
    room = pdf.h - pdf.b_margin - pdf.get_y() - 14
    _draw_outcome_map(pdf, study, pdf.l_margin, pdf.get_y() + 2, pdf.epw, max(60.0, room))


def _pass_section(pdf: ReportPDF, study: FeasibilityStudy, names: dict[str, str]) -> None:
    pdf.section("Counties and specialties that pass with the market")
    pdf.para(
        "Per county: the specialties that pass with today's network, those that pass once the recruit list "
        "signs, and those no network from this market can pass. A cell passes when the required share of "
        f"{people(study.lob)} lives within the county's maximum time and distance of a contracted provider"
        f"{cite('share', study.lob)} and the county has the minimum number of providers within reach"
        f"{cite('minimum', study.lob)}."
    )
    rows = []
    by_county: dict[str, list] = {}
    for c in study.cells:
        by_county.setdefault(c.county_fips, []).append(c)
    for fips in sorted(by_county, key=lambda f: names.get(f, f)):
        cs = by_county[fips]
        rec = sorted(c.line_code for c in cs if c.outcome == RECRUIT)
        inf = sorted(c.line_code for c in cs if c.outcome == INFEASIBLE)
        # A county entered with no network has every line in one column: say so rather than list 43 codes.
        rec = [f"all {len(rec)}"] if len(rec) == len(cs) and len(rec) > 3 else rec
        inf = [f"all {len(inf)}"] if len(inf) == len(cs) and len(inf) > 3 else inf
        rows.append(
            [
                names.get(fips, fips),
                cs[0].designation,
                f"{sum(c.outcome == PASSES_NOW for c in cs):,} of {len(cs):,}",
                ", ".join(rec) or "-",
                ", ".join(inf) or "-",
            ]
        )
    pdf.data_table(
        ["County", "Type", "Pass today", "Pass once recruited", "Cannot pass (market)"],
        rows,
        [30, 18, 18, 57, 57],
        align=["LEFT", "LEFT", "RIGHT", "LEFT", "LEFT"],
    )
    pdf.subheading("Market capacity of the cells that fail today")
    pdf.note(
        "Best share and count: what a network holding every provider of the market would reach."
        + (" For hospitals the count is of beds (CMS HSD Reference File Notes)." if is_ma(study.lob) else "")
    )
    cells = [c for c in study.cells if c.outcome != PASSES_NOW]
    cells.sort(key=lambda c: (c.outcome != RECRUIT, names.get(c.county_fips, ""), c.line_code))
    rows = [
        [
            names.get(c.county_fips, c.county_fips),
            f"{c.line_code} {c.line_name}",
            f"{c.network_pct:.1f}% / {c.network_count:,}",
            f"{c.market_pct:.1f}% / {c.market_count:,}",
            f"{c.required_pct:g}% / {c.min_count:,}{' beds' if c.counts_beds else ''}",
            f"{c.market_in_reach:,}",
            OUTCOME_SHORT[c.outcome],
        ]
        for c in cells[:CELL_ROWS]
    ]
    pdf.data_table(
        ["County", "Specialty", "Today", "Best with market", "Required", "Market in reach", "Outcome"],
        rows,
        [26, 42, 24, 24, 22, 16, 18],
        align=["LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "LEFT"],
    )
    if len(cells) > CELL_ROWS:
        pdf.note(f"... and {len(cells) - CELL_ROWS:,} more cells ({MORE}).")


def _infeasible_section(pdf: ReportPDF, study: FeasibilityStudy, names: dict[str, str]) -> None:
    pdf.section("Infeasible cells: the exception candidates")
    infeasible = [c for c in study.cells if c.outcome == INFEASIBLE]
    pdf.para(
        (
            "Cells that fail even with every provider of the market signed. CMS may grant an exception where "
            "providers of the type are not available to contract (42 CFR 422.116(f)). "
            if is_ma(study.lob)
            else "Cells that fail even with every provider of the market signed: the candidates for an exception "
            "where providers of the type are not available to contract, as the program's own process allows. "
        )
        + "Exception viability: Strong "
        f"when no uncontracted provider of the type is within reach of the county's {people(study.lob)}; Possible when "
        "every one within reach has documented outreach; Weak when some have none yet (approach them and record "
        "the answer before requesting)."
        + (" Rural and CEAC counties get CMS's expanded flexibility." if is_ma(study.lob) else "")
    )
    rows = []
    for c in sorted(infeasible, key=lambda c: (names.get(c.county_fips, ""), c.line_code))[:LIST_ROWS]:
        ex = c.exception or {}
        rows.append(
            [
                names.get(c.county_fips, c.county_fips),
                f"{c.line_code} {c.line_name}",
                c.designation,
                f"{c.market_pct:.1f}% ({c.required_pct:g}%)",
                f"{c.market_count:,} ({c.min_count:,}){' beds' if c.counts_beds else ''}",
                f"{c.shortfall} short",
                f"{ex.get('verdict', '-')}: {ex.get('candidates_in_reach', 0):,} in reach, "
                f"{ex.get('outreach_documented', 0):,} with outreach",
            ]
        )
    pdf.data_table(
        ["County", "Specialty", "Type", "Best share (req.)", "Best count (min.)", "Reason", "Exception"],
        rows,
        [24, 38, 15, 22, 22, 20, 38],
        align=["LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "LEFT", "LEFT"],
    )
    if len(infeasible) > LIST_ROWS:
        pdf.note(f"... and {len(infeasible) - LIST_ROWS:,} more cells ({MORE}).")


def _recruit_section(pdf: ReportPDF, study: FeasibilityStudy, names: dict[str, str]) -> None:
    rs = study.recruit_set
    pdf.section("The recruit list")
    if not rs.target_cells:
        pdf.para(
            "No cell that fails today can be closed from the market; there is nobody to recruit for adequacy."
        )
        return
    gap = "-" if rs.mip_gap is None else f"{rs.mip_gap * 100:.2f}%"
    pdf.para(
        f"The fewest providers whose signatures make every closable cell pass, chosen across the whole service "
        f"area at once: a provider counts in every county whose {people(study.lob)} it is within reach of"
        f"{cite('reach', study.lob)}, so one signature can close cells in several counties. "
        f"{plural(rs.size, 'provider')}; "
        f"{'proven to be the fewest' if rs.proven_optimal else f'at least {rs.lower_bound:,} are needed'} "
        f"(solver gap {gap}; one-at-a-time choice: {rs.greedy_size:,}). In priority order: each provider is the "
        "one that closes the most of what is still missing, given those above it."
    )
    pdf.note(
        f"'Alike': other market providers who reach exactly the same {people(study.lob)} and count in the same "
        "counties, any of whom could be signed instead."
    )
    names_short = {f: n.split(",")[0] for f, n in names.items()}
    n_target = len(rs.target_cells)
    rows = []
    for r in rs.recruits[:LIST_ROWS]:
        where = "; ".join(f"{names_short.get(f, f)} {line}" for f, line in r.cells)
        rows.append(
            [
                r.rank,
                f"{r.name}\n{r.npi}",
                ", ".join(r.lines),
                where,
                f"{r.cells_met_after:,} / {n_target:,}",
                r.alternatives or "-",
                r.address or "-",
            ]
        )
    pdf.data_table(
        ["#", "Provider (NPI)", "Specialty", "Counts in", "Cells met", "Alike", "Practice address"],
        rows,
        [7, 34, 15, 42, 15, 10, 40],
        align=["RIGHT", "LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "LEFT"],
        mono_cols=set(),
    )
    if len(rs.recruits) > LIST_ROWS:
        pdf.note(f"... and {len(rs.recruits) - LIST_ROWS:,} more providers ({MORE}).")
    pdf.subheading("By county and specialty")
    by_cell: dict[tuple[str, str], list] = {}
    for r in rs.recruits:
        for key in r.cells:
            by_cell.setdefault(tuple(key), []).append(r)
    rows = []
    for key in sorted(rs.target_cells, key=lambda k: (names.get(k[0], ""), k[1]))[:CELL_ROWS]:
        c = study.cell(*key)
        if c is None:
            continue
        who = by_cell.get(tuple(key), [])
        after = "-" if c.after_pct is None else f"{c.after_pct:.1f}% / {c.after_count:,}"
        rows.append(
            [
                names.get(c.county_fips, c.county_fips),
                f"{c.line_code} {c.line_name}",
                f"{c.network_pct:.1f}% / {c.network_count:,}",
                after,
                f"{c.required_pct:g}% / {c.min_count:,}",
                ", ".join(f"#{r.rank} {r.name}" for r in who[:8])
                + (f" +{len(who) - 8}" if len(who) > 8 else ""),
            ]
        )
    pdf.data_table(
        ["County", "Specialty", "Today", "After", "Required", "Recruits (priority #)"],
        rows,
        [24, 36, 21, 21, 18, 54],
        align=["LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT"],
    )
    if len(rs.target_cells) > CELL_ROWS:
        pdf.note(f"... and {len(rs.target_cells) - CELL_ROWS:,} more cells ({MORE}).")


def _recruit_map(pdf: ReportPDF, study: FeasibilityStudy) -> None:
    pdf.section("Where the recruits practise")
    dots = [loc for r in study.recruit_set.recruits for loc in r.locations]
    pdf.para(
        f"{plural(len(dots), 'office')} of the {plural(len(study.recruit_set.recruits), 'provider')} on the "
        "recruit list, over the service area coloured by each county's worst cell."
    )
    room = pdf.h - pdf.b_margin - pdf.get_y() - 12
    _draw_outcome_map(pdf, study, pdf.l_margin, pdf.get_y() + 2, pdf.epw, room, dots=dots)


def _method_section(pdf: ReportPDF, study: FeasibilityStudy) -> None:
    pdf.section("What this rests on")
    v = study.vintages
    pdf.subheading("Data and vintages")
    for label, key in (
        ("Criteria (time, distance, minimum numbers, county types)", "criteria"),
        ("Market of providers", "market"),
        (people(study.lob).capitalize(), "population"),
        ("Travel time", "travel"),
    ):
        pdf.para(f"{label}: {v.get(key, '-')}", size=9)
    m = study.market
    pdf.para(
        f"{m.get('candidate_providers', 0):,} providers not under contract ({m.get('candidate_locations', 0):,} "
        f"practice locations) and {m.get('network_providers', 0):,} providers of the plan's network credited today"
        + (" (left out: market-only study)." if study.market_only else "."),
        size=9,
    )
    pdf.subheading("Method")
    for text in (
        "Market capacity: every county x specialty is measured twice with the same rules: with the network "
        "as it is, and as if every provider of the market had signed. The second gives the best share of "
        f"{people(study.lob)} within the maximum time and distance{cite('share', study.lob)} and the best number "
        f"of providers, or hospital beds, within reach of the county's {people(study.lob)}"
        + (" (42 CFR 422.116(a)(2)(i), (e))" if is_ma(study.lob) else "")
        + " that any network here could reach. "
        + (
            "Providers the regulation does not count (42 CFR 422.116(a)(3): children's, long-term care and "
            "specialized hospitals, residential-only providers and the like) are not counted in the market either; "
            "deactivated"
            if is_ma(study.lob)
            else "Deactivated"
        )
        + " NPIs and telehealth-only providers are left out.",
        "Credits: the telehealth and Certificate of Need credits of 42 CFR 422.116(d) (10 points, never stacked) "
        "are applied as the plan earns them today; the study does not assume new telehealth contracts."
        if is_ma(study.lob)
        else "Credits: none (the telehealth and Certificate of Need credits are Medicare Advantage's).",
        "The recruit list: one integer programme over every cell that fails today but passes with the market. "
        f"One yes/no choice per provider; a point where {people(study.lob)} live counts as within standard once any chosen "
        "provider is within reach of it; each cell must reach its required share and its minimum number. The "
        "objective is the fewest providers; among equally small sets, the one whose members each close more "
        "on their own. Providers who reach exactly the same people and count in the same counties are "
        "interchangeable and solved as one group; population points reached by the same providers are solved "
        "as one. The solver (HiGHS) reports a bound no set can beat; when it stops at the time limit the "
        "report says so and gives the gap. The one-at-a-time choice (the provider closing the most of what is "
        "missing, repeatedly) is computed beside it as a check."
        + (
            " Where a standard asks for two distinct providers within it for each person, those cells are a "
            "second programme: a point counts once as many chosen providers reach it as it still lacks (two, or "
            "one where a network provider already does); the two programmes together give the list, and the "
            "bound stated is the larger of their two bounds."
            if any(k.startswith("two_provider") for k in study.recruit_set.model)
            else ""
        ),
        "The answer is re-measured: the network is scored again with the recruit list signed, with the same "
        "rules as the capacity run, and the report gives how many cells pass.",
    ):
        pdf.para(text, size=9)
    pdf.subheading("Confidence")
    rec = [c for c in study.cells if c.outcome == RECRUIT]
    thin = sum(1 for c in rec if c.after_near_line)
    inf = [c for c in study.cells if c.outcome == INFEASIBLE]
    near_inf = sum(1 for c in inf if c.market_near_line)
    bands: dict[str, int] = {}
    for c in study.cells:
        bands[c.market_band or "-"] = bands.get(c.market_band or "-", 0) + 1
    band_text = ", ".join(f"{k} {n:,}" for k, n in sorted(bands.items()))
    for text in (
        "Travel time is estimated from straight-line distance by county type; a drive-time study on a road "
        "network can move cells near the line either way.",
        f"Of the {len(rec):,} cells the recruit list closes, {thin:,} pass by a thin margin once it signs (less "
        "than 3 points above the required share, exactly at the minimum, or able to flip with travel 15% slower "
        "or faster): recruit one or two beyond the list there.",
        f"Of the {len(inf):,} infeasible cells, {near_inf:,} are near the line even with the whole market: "
        "travel 15% faster, or where one population point really lies, could make them pass.",
        "A market provider's listing is self-reported to NPPES: practice addresses may be out of date, and "
        "not every provider will sign or accept new patients. Treat the list as the fewest signatures needed, "
        "not the number of calls to make.",
        f"Confidence band of each cell's with-market result (high, medium, low: data completeness, population "
        f"resolution, how travel time was measured): {band_text}.",
    ):
        pdf.para(text, size=9)
