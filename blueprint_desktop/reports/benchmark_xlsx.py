"""Ours vs a benchmark (competitor) network as an Excel workbook: the side by side and the recruits.

Sheets:

* "Side by side": one row per county x line: criteria (required %, minimum), ours (status, % within,
  credited count), theirs (the same), the difference and the verdict; each status cell tinted with the
  palette of the window and the map (``status_colors``);
* "Providers we lack": their NPIs not credited in our network on a line, nearest our gap first, with
  location, county and miles to the gap (proven MA-willing recruits);
* "Basis": the benchmark network (file, format, SHA-256, counts) and how both sides were scored.

Every text cell goes through ``safe_cells`` (formula-leading text neutralised: names and addresses come from
other plans' files), and the file is written to a temporary file and moved into place (``atomic_file``).
"""

from __future__ import annotations

from pathlib import Path

from blueprint_desktop.progress import Progress
from blueprint_desktop.reports.atomic_file import atomic_output
from blueprint_desktop.reports.safe_cells import safe_text
from blueprint_desktop.rules.citations import is_ma
from blueprint_desktop.status_colors import STATUS_ORDER, status_tint

SIDE_HEADERS = [
    "County FIPS",
    "County",
    "Line",
    "Specialty",
    "Required %",
    "Minimum",
    "Our status",
    "Our % within",
    "Our credited",
    "Their status",
    "Their % within",
    "Their credited",
    "Their % minus ours",
    "Verdict",
]
LACK_HEADERS = [
    "NPI",
    "Name",
    "Line",
    "Address",
    "County FIPS",
    "County",
    "Miles to our gap",
    "Gap county",
    "In our NPPES market",
    "Latitude",
    "Longitude",
]
BASIS_NOTE = (
    "Both networks scored with the same engine on the same inputs: the service area, the CMS criteria in "
    "force for each county and the same population points, drive time estimated from straight-line distance. "
    "Their providers count as listed in their directory (contract executed, credentialing active); the "
    "42 CFR 422.116(a)(3) exclusions apply from their taxonomies; they get no telehealth credit (their files "
    "do not say who offers it)."
)
# The same for a Medicaid or QHP project: its own rule set, no MA exclusions or credits (rules/citations.py).
BASIS_NOTE_OTHER = (
    "Both networks scored with the same engine on the same inputs: the service area, the project's rule set "
    "and the same population points, drive time estimated from straight-line distance. Their providers count as "
    "listed in their directory (contract executed, credentialing active)."
)


def write_benchmark_xlsx(project, network_id: int, out: Path | str, progress: Progress | None = None) -> Path:
    """Write the side-by-side workbook for one benchmark network; returns the path written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    from blueprint_desktop.engine.benchmark import compare, providers_we_lack, resolve_network

    progress = progress or Progress()
    out = Path(out)
    net = resolve_network(project, network_id)
    cells = compare(project, net.id, progress=progress.scaled(0.0, 0.7))
    lack = providers_we_lack(project, net.id)
    progress.update(0.85, "writing the workbook")
    fills = {
        s: PatternFill(fill_type="solid", fgColor=status_tint(s).lstrip("#").upper()) for s in STATUS_ORDER
    }
    bold = Font(bold=True)
    wb = Workbook(write_only=True)

    def header(ws, names):
        row = []
        for n in names:
            c = WriteOnlyCell(ws, value=n)
            c.font = bold
            row.append(c)
        ws.append(row)

    ws = wb.create_sheet("Side by side")
    ws.freeze_panes = "E2"
    header(ws, SIDE_HEADERS)
    for r in cells:
        row = []
        for k, v in enumerate(
            [
                r.county_fips,
                r.county_name,
                r.line_code,
                r.line_name,
                r.required_pct,
                r.min_count,
                r.ours_status,
                r.ours_pct,
                r.ours_count,
                r.theirs_status,
                r.theirs_pct,
                r.theirs_count,
                r.delta_pct,
                r.verdict,
            ]
        ):
            c = WriteOnlyCell(ws, value=safe_text(v))
            if k in (6, 9) and v in fills:
                c.fill = fills[v]
            row.append(c)
        ws.append(row)

    ws = wb.create_sheet("Providers we lack")
    ws.freeze_panes = "C2"
    header(ws, LACK_HEADERS)
    for x in lack:
        ws.append(
            [
                WriteOnlyCell(ws, value=safe_text(v))
                for v in (
                    x.npi,
                    x.name,
                    x.line_code,
                    x.address,
                    x.county_fips,
                    x.county_name,
                    x.miles_to_gap,
                    x.gap_county,
                    "yes" if x.in_market else "no",
                    x.lat,
                    x.lon,
                )
            ]
        )

    ws = wb.create_sheet("Basis")
    for label, value in (
        ("Benchmark network", net.name),
        ("Format", net.format),
        ("File", net.file_name),
        ("File SHA-256", net.file_sha256),
        ("Network selected", net.network_filter or "(all of the file)"),
        ("Imported at (UTC)", net.imported_at),
        ("Providers", net.providers),
        ("Locations", net.locations),
        ("Unlocated providers", net.unlocated),
        ("How scored", BASIS_NOTE if is_ma(project.lob) else BASIS_NOTE_OTHER),
    ):
        c = WriteOnlyCell(ws, value=label)
        c.font = bold
        ws.append([c, WriteOnlyCell(ws, value=safe_text(value))])
    with atomic_output(out) as tmp:
        wb.save(tmp)
    progress.update(1.0, "written")
    return out
