"""A QHP project's essential community providers as an Excel workbook, for the contracting team.

Sheets, each the same rows as the window's tabs (``engine/ecp_compliance.ecp_report``):

* "Thresholds": all ECPs, FQHCs and Family Planning Providers: contracted, available, share, what 35% needs,
  how many short, status (tinted with the palette of the window and the map);
* "By county and category": every county x category with an available ECP, its status and the locations to
  offer a contract to;
* "Indian health care providers": each one in the service area, with its status;
* "Fewest contracts": the locations to contract, in order, with what each closes;
* "Offers recorded": the contract offers the plan recorded (``data/ecp_offers.py``) and not retracted;
* "Basis": the list (file, when loaded), the service area, what the counting rests on and the sources.

Names and addresses come from the ECP list file, so every text cell goes through ``safe_cells`` (formula-leading
text neutralised), and the file is written to a temporary file and moved into place (``atomic_file``).
"""

from __future__ import annotations

from pathlib import Path

from blueprint_desktop.progress import Progress
from blueprint_desktop.reports.atomic_file import atomic_output
from blueprint_desktop.reports.safe_cells import safe_text
from blueprint_desktop.status_colors import status_tint

THRESHOLD_HEADERS = [
    "Standard",
    "Contracted",
    "Available",
    "Share %",
    "35% needs",
    "Short",
    "Status",
    "Source",
]
CELL_HEADERS = ["County FIPS", "County", "ECP category", "Available", "Contracted", "Offer recorded", "Status",
                "Locations to offer a contract"]  # fmt: skip
SITE_HEADERS = ["Name", "NPI", "Street address", "City", "State", "ZIP", "County FIPS", "County", "ECP categories",
                "Provider types", "Status"]  # fmt: skip
RECRUIT_HEADERS = ["#", *SITE_HEADERS, "What it closes"]
# The window's tints: met green, an offer on record amber, short red.
_TINT = {"met": "Pass", "contracted": "Pass", "offer recorded": "At Risk", "no offer recorded": "Failing",
         "short": "Failing", "no contract": "Failing"}  # fmt: skip


def write_ecp_xlsx(project, out: Path | str, progress: Progress | None = None) -> Path:
    """Write the ECP workbook of the list in force; returns the path written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    from blueprint_desktop.engine.ecp_compliance import ecp_report
    from blueprint_desktop.geo.counties import county_name
    from blueprint_desktop.rules.ecp_standard import load_standard

    progress = progress or Progress()
    out = Path(out)
    report = ecp_report(project)
    standard = load_standard()
    progress.update(0.5, "writing the workbook")
    fills = {
        k: PatternFill(fill_type="solid", fgColor=status_tint(v).lstrip("#").upper())
        for k, v in _TINT.items()
    }
    bold = Font(bold=True)
    wb = Workbook(write_only=True)

    def sheet(title: str, headers: list[str], rows: list[list], status_col: int | None, freeze: str = "B2"):
        ws = wb.create_sheet(title)
        ws.freeze_panes = freeze
        head = []
        for name in headers:
            c = WriteOnlyCell(ws, value=name)
            c.font = bold
            head.append(c)
        ws.append(head)
        for values in rows:
            row = []
            for k, v in enumerate(values):
                c = WriteOnlyCell(ws, value=safe_text(v))
                if k == status_col and isinstance(v, str) and v.split(":")[0] in fills:
                    c.fill = fills[v.split(":")[0]]
                row.append(c)
            ws.append(row)

    def site_values(s) -> list:
        return [s.name, ", ".join(s.npis), s.address, s.city, s.state, s.zip, s.county_fips,
                county_name(s.county_fips), ", ".join(standard.label(c) for c in s.categories),
                ", ".join(s.provider_types), s.status]  # fmt: skip

    threshold_rows = []
    for t in report.thresholds:
        if not t.applies:
            threshold_rows.append([t.label, None, t.available, None, None, None, "does not apply to an SADP",
                                   t.citation])  # fmt: skip
            continue
        share = round(100 * t.share, 1) if t.share is not None else None
        status = "met" if t.met else f"short: {t.short} more needed"
        threshold_rows.append(
            [t.label, t.contracted, t.available, share, t.required, t.short, status, t.citation]
        )
    sheet("Thresholds", THRESHOLD_HEADERS, threshold_rows, 6)
    sheet(
        "By county and category",
        CELL_HEADERS,
        [[c.county_fips, c.county, c.category_label, c.available, c.contracted, c.offered, c.status,
          "; ".join(c.candidates)] for c in report.cells],
        6,
        "D2",
    )  # fmt: skip
    sheet("Indian health care providers", SITE_HEADERS, [site_values(s) for s in report.indian], 10)
    sheet(
        "Fewest contracts",
        RECRUIT_HEADERS,
        [[i, *site_values(r.site), "; ".join(r.closes)] for i, r in enumerate(report.recruits, 1)],
        None,
        "C2",
    )
    sheet(
        "Offers recorded",
        ["No.", "NPI", "Name", "Offered on", "Note", "Recorded at (UTC)"],
        [[o.id, o.npi, o.name, o.offered_on, o.note, o.recorded_at] for o in report.offers],
        None,
    )
    basis = [
        ("Standard", "General ECP Standard, 45 CFR 156.235(a)(2)"),
        ("Plan type", "stand-alone dental plan" if report.sadp else "QHP"),
        ("Met", "yes" if report.met else "no"),
        ("ECP list", report.list_file),
        ("Loaded (UTC)", report.list_loaded),
        ("Service area counties", ", ".join(report.counties)),
        ("ECP locations in the service area", report.sites_available),
        ("List rows outside the service area", report.rows_outside_area),
        *((f"Note {i}", n) for i, n in enumerate(report.notes, 1)),
        ("Each category per county", standard.each_category_citation),
        ("Indian health care providers", standard.indian_citation),
        ("One ECP per location", standard.single_location_citation),
    ]
    ws = wb.create_sheet("Basis")
    for label, value in basis:
        c = WriteOnlyCell(ws, value=label)
        c.font = bold
        ws.append([c, WriteOnlyCell(ws, value=safe_text(value))])
    with atomic_output(out) as tmp:
        wb.save(tmp)
    progress.update(1.0, "written")
    return out
