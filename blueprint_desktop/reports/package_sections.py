"""The sections of the corrective action package, in the order CMS reads them (one function each).

Order: cover and attestation, summary of cited gaps with their pathways, gap analysis before and after
the actions, map of the gap counties, provider evidence, outreach log, exception narratives, timeline of
actions inside the response window, appendix of attached documents.

Everything printed here is read by CMS: it cites only the CFR and CMS's own publications (``CITATIONS``),
never the project's working notes, and counts carry their noun in the right number (``plural``).
"""

from __future__ import annotations

import re
from typing import Any

from blueprint_desktop.deficiency import gaps as gapmod
from blueprint_desktop.deficiency import outreach as outreachmod
from blueprint_desktop.deficiency import pathways
from blueprint_desktop.reports.completeness import SECTIONS, Lack
from blueprint_desktop.reports.county_map import draw_county_map
from blueprint_desktop.reports.package_data import PackageData
from blueprint_desktop.reports.pdf_document import ACCENT, FONT, INK, MUTED, ReportPDF, plural

TITLES = {
    "summary": "1. Summary of cited gaps",
    "analysis": "2. Gap analysis: before and after the actions",
    "map": "3. Map of the gap counties",
    "providers": "4. Provider evidence",
    "outreach": "5. Outreach log",
    "narratives": "6. Exception narratives",
    "timeline": "7. Timeline of actions",
    "appendix": "8. Appendix: attached documents",
}
ATTESTATION = (
    "I attest that, to the best of my knowledge, information and belief, the information in this corrective "
    "action package is accurate, complete and truthful; that every provider listed as added to the network holds "
    "a fully executed contract with the organization; and that the outreach log records every attempt made to "
    "contract with the providers named in it."
)
SIGNERS = ("Authorized plan officer", "Compliance officer")
SIGNATURE_HEIGHT = 50.0  # mm: the cover (facts, contents, attestation, both blocks) fits one Letter page
# The regulator-facing basis of each exception type (the deficiency checklist keeps its own working notes).
GUIDANCE = "CMS Medicare Advantage Network Adequacy Guidance"
CITATIONS = {
    "no-supply": "42 CFR 422.116(f)(1)(i); CMS HSD Provider Supply File",
    "pattern-of-care": f"42 CFR 422.116(f)(1)(ii); {GUIDANCE}, Pattern of Care Rationales",
    "not-contracting": f"42 CFR 422.116(f); {GUIDANCE}, Rationales for Not Contracting",
}
EXCEPTION_SHORT = {
    "no-supply": "no providers available",
    "pattern-of-care": "pattern of care",
    "not-contracting": "providers will not contract",
}
METHODS = {"straight": "travel time estimated from straight-line distance", "road": "road network"}


def _d(value: Any) -> str:
    return str(value)[:10] if value else "-"


def _pct(value: Any) -> str:
    return "-" if value is None else f"{float(value):.1f}%"


def _num(value: Any, unit: str = "") -> str:
    return "-" if value is None else f"{float(value):.1f}{unit}"


def cover(pdf: ReportPDF, data: PackageData) -> None:
    pdf.add_page()
    pdf.start_section("Cover and attestation", level=0)
    n = data.notice
    pdf.set_y(28)
    with pdf.local_context(font_family=FONT, font_style="B", font_size_pt=9, text_color=ACCENT):
        pdf.cell(
            0, 5, "MEDICARE ADVANTAGE NETWORK ADEQUACY  |  42 CFR 422.116", new_x="LMARGIN", new_y="NEXT"
        )
    pdf.ln(2)
    with pdf.local_context(font_family=FONT, font_style="B", font_size_pt=22, text_color=INK):
        pdf.multi_cell(0, 10, "Corrective Action Package", new_x="LMARGIN", new_y="NEXT")
    with pdf.local_context(font_family=FONT, font_style="", font_size_pt=12, text_color=MUTED):
        pdf.multi_cell(
            0,
            6,
            f"Response to the network adequacy deficiency notice of {_d(n['notice_date'])}",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(5)
    pathways_used = sorted({pathways.PATHWAY_NAMES.get(g["pathway"], "not chosen") for g in data.gaps})
    facts = [
        ("Organization / project", data.project_name or "-"),
        ("Contract", n.get("contract_id") or "-"),
        ("Plan year", str(data.plan_year or "-")),
        ("Notice date", _d(n["notice_date"])),
        ("Response due", f"{_d(n['due_date'])} ({n['window_days']} {n['window_unit']} days, per the notice)"),
        ("Cited gaps", plural(len(data.gaps), "county x specialty cell")),
        ("Pathways", ", ".join(pathways_used) or "-"),
        ("Submitted", _d(n.get("submitted_date")) if n.get("submitted_date") else "not yet"),
    ]
    pdf.set_font(FONT, "", 10)
    for label, value in facts:
        with pdf.local_context(text_color=MUTED):
            pdf.cell(50, 6, label)
        pdf.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.subheading("Contents")
    pdf.set_font(FONT, "", 9.5)
    for key in TITLES:
        pdf.cell(0, 4.6, TITLES[key], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.subheading("Attestation")
    pdf.para(ATTESTATION, size=9.5)
    pdf.ln(2)
    _signature_blocks(pdf)


def _signature_blocks(pdf: ReportPDF) -> None:
    with pdf.keep_together(SIGNATURE_HEIGHT + 4):
        gap = 8
        w = (pdf.epw - gap) / 2
        top = pdf.get_y()
        for i, role in enumerate(SIGNERS):
            x = pdf.l_margin + i * (w + gap)
            pdf.set_draw_color(*ACCENT)
            pdf.set_line_width(0.3)
            pdf.rect(x, top, w, SIGNATURE_HEIGHT)
            pdf.set_xy(x + 3, top + 2.5)
            with pdf.local_context(font_family=FONT, font_style="B", font_size_pt=10, text_color=ACCENT):
                pdf.cell(w - 6, 6, role)
            pdf.set_line_width(0.2)
            pdf.set_draw_color(*MUTED)
            for j, label in enumerate(("Signature", "Printed name", "Title", "Date")):
                ly = top + 15 + j * 9.5
                pdf.line(x + 3, ly, x + w - 3, ly)
                with pdf.local_context(font_family=FONT, font_size_pt=7, text_color=MUTED):
                    pdf.text(x + 3, ly + 3, label)
        pdf.set_y(top + SIGNATURE_HEIGHT + 4)


def summary(pdf: ReportPDF, data: PackageData) -> None:
    pdf.section(TITLES["summary"])
    pdf.para(
        f"The notice of {_d(data.notice['notice_date'])} cites {plural(len(data.gaps), 'county x specialty cell')}. "
        "Each is answered by one pathway: a cure (contracting providers until the standard is met), an exception "
        "request (42 CFR 422.116(f)), or a service area reduction."
    )
    rows, bold = [], set()
    for i, g in enumerate(data.gaps):
        after = data.cells[g["id"]]["after"] or {}
        kind = pathways.PATHWAY_NAMES.get(g["pathway"], "NOT CHOSEN")
        if g["pathway"] == "exception" and g.get("exception_type"):
            kind += f" ({EXCEPTION_SHORT.get(g['exception_type'], g['exception_type'])})"
        cl = data.checklists[g["id"]]
        done = sum(1 for it in cl["items"] if it["done"])
        rows.append(
            [
                f"#{g['id']}",
                f"{gapmod.county_label(g['county_fips'])}\nFIPS {g['county_fips']}"
                + (f", SSA {g['ssa_code']}" if g.get("ssa_code") else ""),
                f"{g['line_code']} {gapmod.line_name(g['line_code'])}",
                kind,
                after.get("status", "not scored"),
                f"{done} of {len(cl['items'])}",
            ]
        )
        if not g["pathway"]:
            bold.add(i)
    pdf.data_table(
        ["Gap", "County", "Specialty (HSD)", "Pathway", "Status now", "Checklist"],
        rows,
        [12, 42, 44, 38, 22, 22],
        emphasis_rows=bold,
    )
    pdf.note(
        "Status now: the latest scoring run. Checklist: items of the pathway's evidence checklist that are met."
    )


def analysis(pdf: ReportPDF, data: PackageData) -> None:
    pdf.section(TITLES["analysis"])
    b, a = data.before_run, data.after_run
    if a is None:
        pdf.para("The project has not been scored; no analysis is available.")
        return
    pdf.para(
        f"Before: scoring run {b['id']} of {_d(b['started_at'])} ({METHODS.get(b['method'], b['method'])})"
        + (
            " - no run predates the notice, so the first run is shown"
            if data.before_is_fallback
            else ", the state at the notice"
        )
        + f". After: scoring run {a['id']} of {_d(a['started_at'])} ({METHODS.get(a['method'], a['method'])}), "
        "the latest."
    )
    rows, bold = [], set()
    for g in data.gaps:
        for when, run in (("Before", b), ("After", a)):
            c = data.cells[g["id"]][when.lower()] or {}
            if when == "After":
                bold.add(len(rows))
            rows.append(
                [
                    f"#{g['id']} {gapmod.county_label(g['county_fips'])}\n{g['line_code']} {gapmod.line_name(g['line_code'])}"
                    if when == "Before"
                    else "",
                    f"{when} (run {run['id']})",
                    c.get("status", "not scored"),
                    f"{_pct(c.get('pct_within'))} (needs {_pct(c.get('required_pct'))})"
                    + _credit_text(c.get("credits"))
                    if c
                    else "-",
                    _num(c.get("p90_minutes"), " min"),
                    _num(c.get("p90_miles"), " mi"),
                    _counted(c) if c else "-",
                ]
            )
    pdf.data_table(
        ["Gap", "Run", "Status", "Share within", "p90 time", "p90 distance", "Credited (required)"],
        rows,
        [38, 24, 18, 38, 20, 22, 20],
        align=["LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"],
        emphasis_rows=bold,
    )
    years = sorted({y for y in (_criteria_year(c) for cs in data.cells.values() for c in cs.values()) if y})
    criteria = (
        f"the CMS HSD Reference File criteria for {', '.join(years)} (42 CFR 422.116(a)(4)(i))"
        if years
        else "the standards of 42 CFR 422.116(d)-(e)"
    )
    after = [cs.get("after") or {} for cs in data.cells.values()]
    populations = sorted({c.get("population") for c in after if c.get("population")})
    methods = sorted({c.get("method") for c in after if c.get("method")})
    basis = ""
    if populations:
        basis += f" Beneficiaries are represented by {'; '.join(populations)}."
    if methods:
        how = {"straight": "estimated from straight-line distance", "road": "measured on a road network"}
        basis += f" Travel time is {' and '.join(how.get(m, m) for m in methods)}."
    pdf.note(
        f"Standards applied: {criteria}, plan year {data.plan_year}.{basis} Share within: beneficiaries within the "
        "county's time and distance standard, credits included (42 CFR 422.116(d)): a telehealth or "
        "Certificate of Need credit adds 10 percentage points, at most one per county and specialty. p90: 90% "
        "of beneficiaries live within this time and distance of a contracted provider. Credited (required): "
        "credited providers (Medicare-certified beds for acute inpatient hospitals) against the county minimum "
        "(42 CFR 422.116(e)). Providers that 42 CFR 422.116(a)(3) excludes are not counted."
    )


def _counted(cell: dict[str, Any]) -> str:
    """'5 providers; 4 required' (beds for hospitals: HSD Reference File, acute inpatient hospitals)."""
    have, need = cell.get("credited_count"), cell.get("min_count")
    if have is None:
        return "-"
    noun = "bed" if cell.get("counts_beds") else "provider"
    return plural(have, noun) + ("" if need is None else f"\n{need} required")


def _credit_text(credits: list[str] | None) -> str:
    names = {"telehealth": "telehealth", "certificate_of_need": "CON"}
    return f"\n+10 {' / '.join(names.get(c, c) for c in credits)} credit" if credits else ""


def _criteria_year(cell: dict[str, Any] | None) -> str | None:
    m = re.search(r"Reference File (\d{4})", (cell or {}).get("criteria") or "")
    return m.group(1) if m else None


def county_map(pdf: ReportPDF, data: PackageData) -> None:
    pdf.section(TITLES["map"])
    gap_fips = sorted({g["county_fips"] for g in data.gaps})
    names = ", ".join(gapmod.county_label(f) for f in gap_fips)
    pdf.para(f"Cited counties: {names or 'none'}. The rest of the service area is shown for context.")
    top = pdf.get_y() + 2
    height = min(150.0, pdf.h - pdf.b_margin - top - 16)
    _, used_h = draw_county_map(
        pdf, gap_fips, data.service_area, pdf.l_margin, top, pdf.epw, height, data.locations
    )
    pdf.set_y(top + used_h + 4)
    pdf.note(
        "County outlines: US Census cartographic boundaries (simplified), drawn without any map service."
    )


def providers(pdf: ReportPDF, data: PackageData) -> None:
    pdf.section(TITLES["providers"])
    pdf.para(
        "Each provider added to cure a gap: only fully executed contracts may be listed in the HSD tables "
        f"({GUIDANCE}), and a provider counts once credentialed and entered in HPMS."
    )
    rows = [
        [
            f"{p['name'] or '-'}\nNPI {p['npi']}",
            p["gap"],
            _d(p.get("contract_executed_date"))
            if p.get("contract_status") == "executed"
            else f"{p.get('contract_status') or '-'} (not executed)",
            f"{p.get('credentialing_status') or '-'}"
            + (f"\n{_d(p['credentialing_date'])}" if p.get("credentialing_date") else ""),
            p.get("panel_status") or "-",
            _d(p.get("hpms_entered_date")) if p.get("hpms_entered_date") else "not entered",
        ]
        for p in data.providers
    ]
    pdf.data_table(
        ["Provider", "Gap", "Contract executed", "Credentialing", "Panel", "Entered in HPMS"],
        rows,
        [42, 48, 26, 24, 18, 22],
    )


def outreach(pdf: ReportPDF, data: PackageData) -> None:
    pdf.section(TITLES["outreach"])
    pdf.para(
        f"Every attempt to contract, oldest first. Entries are append-only; a correction supersedes an entry and "
        f"both are shown. The plan's standard is {plural(outreachmod.ATTEMPT_STANDARD, 'documented attempt')} "
        "per targeted provider."
    )
    rows, bold = [], set()
    for e in data.outreach:
        when = (e["at"] or "date missing").replace("T", " ")[:16]
        detail = e["reason"] or ""
        if e["note"]:
            detail = (detail + "\n" if detail else "") + e["note"]
        if not e["in_force"]:
            detail = (detail + "\n" if detail else "") + f"superseded by entry #{e['superseded_by']}"
        if e.get("supersedes"):
            detail = (detail + "\n" if detail else "") + f"corrects entry #{e['supersedes']}"
        if e["outcome"] == "declined":
            bold.add(len(rows))
        rows.append(
            [
                f"#{e['id']}",
                when,
                f"{e['provider_name'] or '-'}\nNPI {e['npi']}",
                e["channel"] or "-",
                e["staff"] or "-",
                e["outcome"] or "-",
                detail or "-",
            ]
        )
    pdf.data_table(
        ["Entry", "Date", "Provider", "Channel", "Staff", "Outcome", "Declination reason / note"],
        rows,
        [11, 22, 36, 17, 22, 22, 50],
        emphasis_rows=bold,
    )
    pdf.note("Bold rows are declinations; the reason is as the provider gave it.")


def narratives(pdf: ReportPDF, data: PackageData) -> None:
    pdf.section(TITLES["narratives"])
    excepted = [g for g in data.gaps if g["pathway"] == "exception"]
    if not excepted:
        pdf.para("No gap is answered by an exception request.")
        return
    for g in excepted:
        n = data.narratives[g["id"]]
        etype = pathways.EXCEPTION_TYPES.get(g.get("exception_type") or "", ("", ""))[0]
        citation = CITATIONS.get(g.get("exception_type") or "", "42 CFR 422.116(f)")
        pdf.subheading(
            f"Gap #{g['id']}: {gapmod.county_label(g['county_fips'])} - {g['line_code']} {gapmod.line_name(g['line_code'])}"
        )
        if etype:
            pdf.note(f"Exception type: {etype} ({citation})")
        for paragraph in n.text.split("\n\n"):
            pdf.para(paragraph.strip())
        if n.saved:
            how = (
                "edited from the generated draft" if n.edited else "generated from project data and reviewed"
            )
            pdf.note(f"Narrative {how}; saved by {n.saved_by} on {_d(n.saved_at)}.")
        elif n.edited:
            pdf.note("Narrative written in the deficiency response pane.")
        else:
            pdf.note("Narrative generated from project data; not yet reviewed.")
        pdf.ln(3)


def timeline(pdf: ReportPDF, data: PackageData) -> None:
    pdf.section(TITLES["timeline"])
    n = data.notice
    pdf.para(
        f"Response window: {_d(n['notice_date'])} to {_d(n['due_date'])} "
        f"({n['window_days']} {n['window_unit']} days per the notice)."
    )
    rows, bold = [], set()
    for e in data.timeline:
        if not e["inside"]:
            bold.add(len(rows))
        rows.append([_d(e["date"]), e["event"], e["who"] or "", "yes" if e["inside"] else "NO"])
    pdf.data_table(["Date", "Action", "Owner", "In window"], rows, [22, 112, 28, 18])
    pdf.subheading("Plan milestones")
    ms_rows = [
        [
            f"#{m['gap_id']}",
            m["phase"],
            _d(m["start_date"]),
            _d(m["due_date"]),
            m["owner"],
            _d(m["done_date"]) if m["done_date"] else ("OVERDUE" if m["overdue"] else "open"),
        ]
        for m in data.milestones
    ]
    pdf.data_table(["Gap", "Phase", "Start", "Due", "Owner", "Done"], ms_rows, [12, 52, 22, 22, 40, 32])


def appendix(pdf: ReportPDF, data: PackageData) -> None:
    pdf.section(TITLES["appendix"])
    pdf.para(
        "Documents attached to the outreach log and the notice file as imported. The SHA-256 digest identifies "
        "each file exactly: recomputing it on the file sent proves it is the one listed."
    )
    rows = [
        [d["name"], d["what"], "-" if d["size"] is None else f"{d['size']:,} B", d["sha256"]]
        for d in data.documents
    ]
    # The digest column is wide enough for the 64 hex digits on one line (Letter, 6.5 pt mono).
    pdf.data_table(["Document", "Description", "Size", "SHA-256"], rows, [34, 38, 14, 92], mono_cols={3})


def lacks_page(pdf: ReportPDF, lacks: list[Lack]) -> None:
    pdf.section("Draft review: what the package still lacks")
    pdf.para("This draft is not ready to send. Each section below still lacks:")
    current = None
    for lack in lacks:
        if lack.section != current:
            current = lack.section
            pdf.subheading(SECTIONS[lack.section])
        pdf.para(f"-  {lack.message}", size=9, height=4.4)


SECTION_ORDER = [summary, analysis, county_map, providers, outreach, narratives, timeline, appendix]
