"""The CMS HSD Reference File criteria built into the app, and which criteria a project uses.

CMS publishes each year's MA criteria (42 CFR 422.116(a)(4)(i)) as the HSD Reference File. The newest one
we hold, criteria year 2026 (workbook saved 2025-08-12, posted 12-17-2025), is built in as three compact
tables under ``resources/rules/`` (derived by ``installers/derive_cms_criteria.py``; sources in
resources/README.md):

- ``cms_hsd_2026_counties.csv``: every SSA county with its FIPS, designation and beneficiaries;
- ``cms_hsd_2026_customized.csv``: every county x specialty whose time/distance CMS customised;
- ``cms_hsd_2026_con.csv``: the Certificate of Need tab.

With the base table (``ma_standards_2026.csv``) and the minimum-count formula they reproduce all 140,266
county x specialty criteria of the workbook (``tests/test_cms_criteria.py``).

Which criteria apply (``criteria_in_force``): the newest set whose criteria year is at or before the
project's plan year, among the built-in set and the files the user loaded; a user's file of the same year
replaces the built-in one. A project whose plan year precedes every set gets the computed designations
of ``standards._computed`` and says so.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.rules.standards import RULES_DIR, load_base_table, required_count

BUILTIN_YEAR = 2026
BUILTIN_LABEL = f"CMS HSD Reference File {BUILTIN_YEAR} (built in)"
BUILTIN_VINTAGE = (
    f"CMS HSD Reference File {BUILTIN_YEAR} (built in; workbook saved 2025-08-12, posted as "
    "ma_reference_file_12-17-2025.xlsx)"
)


@dataclass(frozen=True)
class CriteriaSource:
    """One set of CMS criteria a project can use: built in, or a file the user loaded."""

    kind: str  # "builtin" | "file"
    criteria_year: int
    label: str  # shown wherever the standards are shown
    vintage: str
    file_name: str | None = None
    reference_file_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class BuiltinCounty:
    ssa_code: str
    state: str
    county_name: str
    county_fips: tuple[str, ...]
    designation: str
    total_beneficiaries: float
    pct95_ratio: float
    beneficiaries_required: int


@dataclass(frozen=True)
class BuiltinCriteria:
    year: int
    counties: dict[str, BuiltinCounty]
    by_fips: dict[str, tuple[str, ...]]  # FIPS -> SSA codes (largest beneficiaries first)
    customized: dict[tuple[str, str], tuple[float | None, float | None, int | None]]
    con: dict[str, dict[str, bool]] = field(default_factory=dict)  # ssa -> line -> T/D customised


def _rows(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(line for line in fh if not line.startswith("#")))
    except FileNotFoundError:
        raise BlueprintError(f"{path}: a built-in CMS criteria table is missing; reinstall the app") from None


def _opt(text: str, cast=float):
    text = (text or "").strip()
    return cast(text) if text else None


@lru_cache(maxsize=2)
def load_builtin(year: int = BUILTIN_YEAR, folder: Path | str = RULES_DIR) -> BuiltinCriteria:
    """Read the built-in tables of a criteria year (cached; refuses damaged files)."""
    folder = Path(folder)
    counties: dict[str, BuiltinCounty] = {}
    by_fips: dict[str, list[str]] = {}
    for row in _rows(folder / f"cms_hsd_{year}_counties.csv"):
        fips = tuple(f for f in row["county_fips"].split(";") if f)
        c = BuiltinCounty(
            ssa_code=row["ssa_code"],
            state=row["state"],
            county_name=row["county"],
            county_fips=fips,
            designation=row["designation"],
            total_beneficiaries=float(row["total_beneficiaries"]),
            pct95_ratio=float(row["pct95_ratio"]),
            beneficiaries_required=int(row["beneficiaries_required"]),
        )
        counties[c.ssa_code] = c
        for f in fips:
            by_fips.setdefault(f, []).append(c.ssa_code)
    customized = {
        (row["ssa_code"], row["line_code"]): (
            _opt(row["max_minutes"]),
            _opt(row["max_miles"]),
            _opt(row["min_count"], int),
        )
        for row in _rows(folder / f"cms_hsd_{year}_customized.csv")
    }
    con: dict[str, dict[str, bool]] = {}
    for row in _rows(folder / f"cms_hsd_{year}_con.csv"):
        con.setdefault(row["ssa_code"], {})[row["line_code"]] = row["td_customized"] == "Y"
    order = {
        f: tuple(sorted(ssas, key=lambda s: (-counties[s].total_beneficiaries, s)))
        for f, ssas in by_fips.items()
    }
    return BuiltinCriteria(year, counties, order, customized, con)


def builtin_criteria_for(ssa_code: str, year: int = BUILTIN_YEAR) -> dict[str, tuple[float, float, int]]:
    """Every evaluated line's (max minutes, max miles, minimum count) for one SSA county of the built-in
    set: the customised cell where CMS customised it, else the base value of the designation; the minimum
    from ``required_count`` (HSD26 Master footnote) unless the table records CMS's own figure."""
    data = load_builtin(year)
    county = data.counties[ssa_code]
    base = load_base_table()
    ct = base.county_types[county.designation]
    out = {}
    for line in base.lines:
        cell = base.cells[line.code][county.designation]
        minutes, miles, minimum = data.customized.get((ssa_code, line.code), (None, None, None))
        if minimum is None:
            if cell.ratio_per_1000 is not None:
                minimum = required_count(
                    cell.ratio_per_1000, county.total_beneficiaries, county.pct95_ratio or ct.pct95_ratio
                )
            else:
                minimum = cell.min_count or 1
        out[line.code] = (
            float(minutes if minutes is not None else cell.max_minutes),
            float(miles if miles is not None else cell.max_miles),
            int(minimum),
        )
    return out


def builtin_ssa_map(year: int = BUILTIN_YEAR) -> dict[str, tuple[str, str | None]]:
    """SSA code -> (state, first FIPS) of the built-in set, for roster validation of 'county served'."""
    return {
        s: (c.state, c.county_fips[0] if c.county_fips else None)
        for s, c in load_builtin(year).counties.items()
    }


def builtin_source(year: int = BUILTIN_YEAR) -> CriteriaSource:
    return CriteriaSource("builtin", year, BUILTIN_LABEL, BUILTIN_VINTAGE)


def loaded_sources(project) -> list[CriteriaSource]:
    """The reference files loaded into a project, newest criteria year first (the newest load of a year)."""
    if project is None or "reference_files" not in project.db.table_names():
        return []
    out: list[CriteriaSource] = []
    seen: set[int] = set()
    for ref_id, year, vintage, name, imported in project.conn.execute(
        "SELECT id, plan_year, vintage, file_name, imported_at FROM reference_files ORDER BY plan_year DESC, id DESC"
    ):
        if year in seen:
            continue
        seen.add(year)
        label = f"CMS HSD Reference File {year} ({name}, loaded {str(imported)[:10]})"
        out.append(CriteriaSource("file", int(year), label, vintage, name, int(ref_id)))
    return out


def criteria_in_force(project, plan_year: int | None = None) -> CriteriaSource | None:
    """The newest criteria at or before the plan year; a loaded file beats the built-in set of its year.

    None when every set is newer than the plan year (the standards are then computed and say so)."""
    year = plan_year or (project.plan_year if project is not None else None) or BUILTIN_YEAR
    candidates = [s for s in loaded_sources(project) if s.criteria_year <= year]
    if year >= BUILTIN_YEAR:
        candidates.append(builtin_source())
    if not candidates:
        return None
    # Newest year first; at equal years the loaded file (kind "file") sorts before "builtin".
    return sorted(candidates, key=lambda s: (-s.criteria_year, s.kind != "file"))[0]
