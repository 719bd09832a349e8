"""The HSD provider and facility tables a plan uploads to the HPMS Network Management Module.

Column headers follow the CMS HSD table templates (2017 guidance, Appendices H-J [G: omb.report ICR
201708-0938-011]) as third-party loaders spell them (regulation.md 3.1 and 3.2; the same ten provider and
ten facility headers appear in a public HSD-file loader's README found through the code search, repository
not named by the index, so the exact spelling stays [3P]).

Grain (regulation.md 3.1): one row per provider x specialty x service location x **county served**. Our
rule for "county served": a location serves a service-area county when it lies within that county's
maximum *distance* for the line (``rules.standards``; the county's own criteria when a CMS reference file
is loaded) of at least one population point of the county (``geo.points``), which is the same reach test
the engine uses to count providers toward a county's minimum. A location always serves its own county
when that county is in the service area. Locations with no geocode serve only the county recorded for
them (and are flagged by ``hsd_checks``).

Only CREDITED providers are listed (2017 guidance 4.1.1 [G]: fully executed contracts only): the
engine's rule (``engine.credited``: executed contract, active or provisional credentialing, not
deactivated, not a market row, not telehealth-only unless waived) minus its geocode condition, so that a
contracted provider with no geocode shows up as a row CMS would reject instead of silently vanishing.

Specialty codes are the SUBMITTED HSD codes: primary care is listed as 001-006 individually (HSD26 Notes,
S03: S03 is an evaluation group, never submitted), taken from the provider's own taxonomy through the
NUCC->HSD crosswalk (``rules.crosswalk``). A primary-care line whose taxonomy gives no 001-006 code keeps
"S03", which the checks reject as an unknown specialty code.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from blueprint_desktop.engine.credited import contracted_mask
from blueprint_desktop.geo.distance import chord_to_miles, to_unit_vectors
from blueprint_desktop.progress import Progress
from blueprint_desktop.rules import crosswalk
from blueprint_desktop.rules.standards import (
    PRIMARY_CARE_LINE,
    all_lines,
    load_base_table,
    standards_for_county,
)

# HSD provider table (regulation.md 3.1; 2017 guidance Appendix H [G]).
PROVIDER_COLUMNS = [
    "SSA State/County Code",
    "Name of Physician or Mid-Level Practitioner",
    "National Provider Identifier (NPI) Number",
    "Provider Specialty Code",
    "Contract Type",
    "Provider Street Address",
    "Provider City",
    "Provider State Code",
    "Provider Zip Code",
    "Medical Group Affiliation",
]
# HSD facility table (regulation.md 3.2; 2017 guidance Appendix J [G]).
FACILITY_COLUMNS = [
    "SSA State/County Code",
    "Facility or Service Type",
    "Facility Specialty Code",
    "National Provider Identifier (NPI) Number",
    "# of Staffed, Medicare-Certified Beds",
    "Facility Name",
    "Provider Street Address",
    "Provider City",
    "Provider State Code",
    "Provider Zip Code",
]
# Columns whose values are codes with leading zeros: always written as text.
TEXT_COLUMNS = {
    "SSA State/County Code",
    "National Provider Identifier (NPI) Number",
    "Provider Specialty Code",
    "Facility Specialty Code",
    "Provider Zip Code",
}
# Provider attributes the roster may carry in columns added by later schema versions; read when present.
_OPTIONAL_PROVIDER_COLUMNS = {
    "contract_type": ("contract_type",),
    "group_affiliation": ("medical_group_affiliation", "medical_group", "group_affiliation", "group_name"),
}
# Counties whose standards are used to decide which counties a location serves; HSD26 Notes, 040: beds.
BEDS_LINE = "040"

FILE_NAMES = {"provider": "hsd_providers", "facility": "hsd_facilities"}


@dataclass
class HsdRow:
    """One row of an HSD table plus where it came from (for the checks and the package)."""

    kind: str  # "provider" | "facility"
    values: dict[str, Any]
    provider_id: int
    location_id: int
    county_fips: str | None
    line_code: str  # evaluated line (S03 for 001-006)
    taxonomy_code: str | None
    geocode_quality: str
    geocoded: bool
    own_county: bool


@dataclass
class HsdTables:
    provider: list[HsdRow] = field(default_factory=list)
    facility: list[HsdRow] = field(default_factory=list)
    service_area: list[str] = field(default_factory=list)
    ssa_source: str = ""

    def rows(self, kind: str) -> list[HsdRow]:
        return self.provider if kind == "provider" else self.facility

    def frame(self, kind: str) -> pd.DataFrame:
        columns = PROVIDER_COLUMNS if kind == "provider" else FACILITY_COLUMNS
        return pd.DataFrame([r.values for r in self.rows(kind)], columns=columns)


def _line_kinds() -> dict[str, tuple[str, str]]:
    """Submitted code -> (kind, name) for every code CMS accepts in an HSD table."""
    base = load_base_table()
    out = {line.code: (line.kind, line.name) for line in all_lines("ma") if line.code != PRIMARY_CARE_LINE}
    for code in base.pooled:  # 001-006
        out[code] = ("provider", "Primary Care")
    for code, name in base.unscored.items():  # 044: attestation only, still a facility type
        out[code] = ("facility", name)
    return out


def submittable_codes() -> dict[str, tuple[str, str]]:
    """Codes an HSD table may carry (kind, name); S03 is not one of them (HSD26 Notes, S03)."""
    return _line_kinds()


def submitted_code(stored_line: str, taxonomy: str | None) -> str:
    """The HSD code to submit for a provider line: 001-006 from the taxonomy for primary care."""
    raw = str(stored_line or "").strip().upper()
    raw = raw.zfill(3) if raw.isdigit() else raw
    if raw != PRIMARY_CARE_LINE:
        return raw
    for candidate in crosswalk.hsd_codes_for_taxonomy(taxonomy or "", include_conditional=True):
        if candidate in crosswalk.PRIMARY_CARE_CODES:
            return candidate
    return PRIMARY_CARE_LINE


def _columns(project, table: str) -> set[str]:
    return {r[1] for r in project.conn.execute(f"PRAGMA table_info([{table}])")}


def _load(project) -> pd.DataFrame:
    have = _columns(project, "providers")
    extra = []
    for key, names in _OPTIONAL_PROVIDER_COLUMNS.items():
        name = next((n for n in names if n in have), None)
        extra.append(f"p.[{name}] AS [{key}]" if name else f"NULL AS [{key}]")
    sql = (
        "SELECT l.id AS location_id, p.id AS provider_id, p.npi, p.name, pl.line_code AS stored_line,"
        " pl.taxonomy_code, l.address, l.city, l.state, l.zip, l.county_fips, l.latitude AS lat,"
        " l.longitude AS lon, l.geocode_quality, l.beds, p.source, p.contract_status, p.credentialing_status,"
        " p.telehealth_only, p.telehealth_waived, p.deactivated_date, "
        + ", ".join(extra)
        + " FROM locations l"
        " JOIN providers p ON p.id = l.provider_id JOIN provider_lines pl ON pl.provider_id = p.id"
        " ORDER BY p.name, p.npi, l.id, pl.line_code"
    )
    cur = project.conn.execute(sql)
    df = pd.DataFrame(cur.fetchall(), columns=[d[0] for d in cur.description])
    if df.empty:
        return df
    df["telehealth_only"] = df.telehealth_only.fillna(0).astype(int)
    df["telehealth_waived"] = df.telehealth_waived.fillna(0).astype(int)
    df["lat"] = pd.to_numeric(df.lat, errors="coerce")
    df["lon"] = pd.to_numeric(df.lon, errors="coerce")
    return df


def listed_mask(df: pd.DataFrame) -> np.ndarray:
    """Rows listed in the HSD tables: the engine's credited rule without its geocode condition."""
    if df.empty:
        return np.zeros(0, dtype=bool)
    physical = (df.telehealth_only.to_numpy() == 0) | (df.telehealth_waived.to_numpy() == 1)
    return contracted_mask(df) & physical


def _served_counties(
    project, df: pd.DataFrame, area: list[str], standards: dict[str, Any], progress: Progress
) -> list[set[str]]:
    """Per row of ``df``: the service-area counties its location serves (see the module doc)."""
    from blueprint_desktop.geo.points import population_points

    area_set = set(area)
    served: list[set[str]] = [{c} if c in area_set else set() for c in df.county_fips.fillna("")]
    placed = df.lat.notna().to_numpy() & df.lon.notna().to_numpy()
    if not placed.any() or not area:
        return served
    points = population_points(area, project)
    xyz = np.zeros((len(df), 3))
    xyz[placed] = to_unit_vectors(df.lat.to_numpy()[placed], df.lon.to_numpy()[placed])
    lines = df.line_code.to_numpy()
    for i, fips in enumerate(area):
        progress.update(0.2 + 0.6 * i / len(area), f"counties served: {fips}")
        pts = points[points.county_fips == fips]
        std = standards.get(fips)
        if pts.empty or std is None:
            continue
        tree = cKDTree(to_unit_vectors(pts.lat.to_numpy(), pts.lon.to_numpy()))
        for line in set(lines[placed]):
            limit = std.lines.get(line)
            if limit is None or not limit.max_miles:
                continue
            idx = np.flatnonzero(placed & (lines == line))
            chord, _ = tree.query(xyz[idx], k=1)
            within = chord_to_miles(chord) <= float(limit.max_miles) + 1e-9
            for j in idx[within]:
                served[j].add(fips)
    return served


def build_tables(project, progress: Progress | None = None) -> HsdTables:
    """The provider and facility HSD tables of the project's credited network, sorted for reading."""
    progress = progress or Progress()
    progress.update(0.0, "reading the roster")
    area = project.service_area()
    tables = HsdTables(service_area=area)
    df = _load(project)
    if df.empty:
        return tables
    df = df[listed_mask(df)].reset_index(drop=True)
    if df.empty:
        return tables
    df["code"] = [submitted_code(s, t) for s, t in zip(df.stored_line, df.taxonomy_code, strict=True)]
    df["line_code"] = [crosswalk.hsd_code_to_line(c) for c in df.code]
    # A provider listed under S03 and 002 with a family-medicine taxonomy is one line: keep one row.
    df = df.drop_duplicates(["location_id", "code"]).reset_index(drop=True)
    standards = {}
    for fips in area:
        progress.check()
        standards[fips] = standards_for_county(project, fips)
    ssa = {fips: std.ssa_code for fips, std in standards.items()}
    labels = sorted({std.criteria_label for std in standards.values() if std.ssa_code and std.criteria_label})
    tables.ssa_source = (
        "; ".join(labels) if labels else "none (no CMS criteria list these counties: no SSA codes)"
    )
    served = _served_counties(project, df, area, standards, progress)
    kinds = _line_kinds()
    progress.update(0.85, "writing rows")
    for rec, counties in zip(df.itertuples(index=False), served, strict=True):
        # An unknown code goes to the provider table, where the checks reject it.
        kind = kinds.get(rec.code, ("provider", ""))[0]
        geocoded = not (pd.isna(rec.lat) or pd.isna(rec.lon)) and rec.geocode_quality != "none"
        # A location with no known county still gets one row so the checks can name it.
        for fips in sorted(counties) or [None]:
            common = {
                "SSA State/County Code": (ssa.get(fips) or "") if fips else "",
                "National Provider Identifier (NPI) Number": rec.npi,
                "Provider Street Address": rec.address or "",
                "Provider City": rec.city or "",
                "Provider State Code": rec.state or "",
                "Provider Zip Code": str(rec.zip or "")[:5],
            }
            if kind == "facility":
                values = common | {
                    "Facility or Service Type": kinds.get(rec.code, ("", rec.code))[1],
                    "Facility Specialty Code": rec.code,
                    "# of Staffed, Medicare-Certified Beds": (
                        int(rec.beds) if rec.code == BEDS_LINE and not pd.isna(rec.beds) else ""
                    ),
                    "Facility Name": rec.name,
                }
            else:
                values = common | {
                    "Name of Physician or Mid-Level Practitioner": rec.name,
                    "Provider Specialty Code": rec.code,
                    "Contract Type": rec.contract_type or "",
                    "Medical Group Affiliation": rec.group_affiliation or "",
                }
            row = HsdRow(
                kind=kind,
                values=values,
                provider_id=int(rec.provider_id),
                location_id=int(rec.location_id),
                county_fips=fips,
                line_code=rec.line_code,
                taxonomy_code=rec.taxonomy_code,
                geocode_quality=rec.geocode_quality or "none",
                geocoded=geocoded,
                own_county=fips is not None and fips == rec.county_fips,
            )
            tables.rows(kind).append(row)
    for kind in ("provider", "facility"):
        code_col = "Provider Specialty Code" if kind == "provider" else "Facility Specialty Code"
        tables.rows(kind).sort(
            key=lambda r, c=code_col: (
                r.values["SSA State/County Code"],
                r.county_fips or "",
                r.values[c],
                r.values["National Provider Identifier (NPI) Number"],
                r.location_id,
            )
        )
    progress.update(1.0, f"{len(tables.provider)} provider rows, {len(tables.facility)} facility rows")
    return tables


def write_csv(path: Path, columns: list[str], rows: Iterable[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for r in rows:
            writer.writerow({c: r.get(c, "") for c in columns})


def write_xlsx(path: Path, columns: list[str], rows: Iterable[dict[str, Any]], title: str) -> None:
    """One sheet, header row bold and frozen; code columns stored as text so leading zeros survive."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    text_idx = [i for i, c in enumerate(columns) if c in TEXT_COLUMNS]
    # Count rows here: openpyxl's ws.max_row scans every cell on each call, which made this loop quadratic
    # (about 9 minutes for the 27,000-row demo tables).
    row_number = 1
    for r in rows:
        ws.append([r.get(c, "") for c in columns])
        row_number += 1
        for i in text_idx:
            cell = ws.cell(row=row_number, column=i + 1)
            cell.value = "" if cell.value is None else str(cell.value)
            cell.number_format = "@"
    for i, c in enumerate(columns, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = max(12, min(45, len(c) + 2))
    ws.freeze_panes = "A2"
    wb.save(path)


def write_tables(tables: HsdTables, out_dir: Path) -> list[Path]:
    """Write both tables as XLSX and CSV into ``out_dir``; returns the files written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, columns, title in (
        ("provider", PROVIDER_COLUMNS, "Provider HSD Table"),
        ("facility", FACILITY_COLUMNS, "Facility HSD Table"),
    ):
        values = [r.values for r in tables.rows(kind)]
        base = out_dir / FILE_NAMES[kind]
        write_xlsx(base.with_suffix(".xlsx"), columns, values, title)
        write_csv(base.with_suffix(".csv"), columns, values)
        written += [base.with_suffix(".xlsx"), base.with_suffix(".csv")]
    return written
