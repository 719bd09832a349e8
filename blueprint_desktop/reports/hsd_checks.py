"""Rows of the HSD tables that HPMS would reject, found before the tables are written.

Each problem names the table, the spreadsheet row (header = row 1), the NPI, the column, the bad value
and what was expected, so a person can fix the roster and export again. Reasons:

- ``missing-ssa``: no SSA State/County Code. CMS keys counties by SSA code (regulation.md 3.3), which
  only the CMS HSD Reference File supplies (no registry package carries an SSA-FIPS crosswalk; geo docs).
- ``bad-npi``: the NPI fails its check digit (Luhn over "80840" + 9 digits; 45 CFR 162.406).
- ``unknown-specialty``: a code HPMS does not accept in that table: not one of HSD26's codes, S03 (an
  evaluation group, never submitted: HSD26 Notes, S03), or a provider code in the facility table.
- ``duplicate``: the same county, NPI, specialty and address as an earlier row.
- ``no-geocode``: the address has no geocode, so CMS's own geocoding cannot be checked against ours and
  the row cannot be measured (regulation.md 1.1: every practice location is its own point).

``missing-contract-type`` is a warning: the roster does not record the contract type the template asks
for (2017 guidance 4.1.1 [G]).
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from blueprint_desktop.data.npi import is_valid_npi
from blueprint_desktop.reports.hsd_tables import HsdRow, HsdTables, submittable_codes

REASONS = {
    "missing-ssa": "missing SSA State/County Code",
    "bad-npi": "NPI fails its check digit",
    "unknown-specialty": "unknown specialty code",
    "duplicate": "duplicate row",
    "no-geocode": "address with no geocode",
    "missing-contract-type": "contract type not recorded",
}
REJECT = "reject"
WARNING = "warning"
PROBLEM_COLUMNS = ["table", "row", "npi", "column", "value", "reason", "expected", "severity"]


@dataclass(frozen=True)
class Problem:
    table: str
    row: int  # spreadsheet row: header is 1, first data row 2
    npi: str
    column: str
    value: str
    reason: str
    expected: str
    severity: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        return (
            f"{self.table} table row {self.row}: NPI {self.npi}: {self.column} {self.value!r}: "
            f"{REASONS[self.reason]} (expected {self.expected})"
        )


def _row_problems(kind: str, number: int, row: HsdRow, codes: dict[str, tuple[str, str]]) -> list[Problem]:
    v = row.values
    npi = str(v["National Provider Identifier (NPI) Number"])
    code_col = "Provider Specialty Code" if kind == "provider" else "Facility Specialty Code"
    code = str(v[code_col])
    out = []
    if not v["SSA State/County Code"]:
        why = (
            "a 5-digit SSA county code: load the CMS HSD Reference File (blueprint import reference)"
            if row.county_fips
            else "a county: the location has no county and no geocode"
        )
        out.append(Problem(kind, number, npi, "SSA State/County Code", "", "missing-ssa", why, REJECT))
    if not is_valid_npi(npi):
        out.append(
            Problem(
                kind,
                number,
                npi,
                "National Provider Identifier (NPI) Number",
                npi,
                "bad-npi",
                "10 digits with a correct check digit",
                REJECT,
            )
        )
    if codes.get(code, ("",))[0] != kind:
        expected = (
            "001-006 for primary care (S03 is not submitted; the taxonomy gave no 001-006 code)"
            if code == "S03"
            else f"a CMS HSD {kind} specialty code"
        )
        out.append(Problem(kind, number, npi, code_col, code, "unknown-specialty", expected, REJECT))
    if not row.geocoded:
        out.append(
            Problem(
                kind,
                number,
                npi,
                "Provider Street Address",
                ", ".join(
                    str(v[c]) for c in ("Provider Street Address", "Provider City", "Provider Zip Code")
                ),
                "no-geocode",
                "an address that geocodes (re-import with coordinates or a valid ZIP)",
                REJECT,
            )
        )
    if kind == "provider" and not v["Contract Type"]:
        out.append(
            Problem(
                kind,
                number,
                npi,
                "Contract Type",
                "",
                "missing-contract-type",
                "the contract type recorded in the roster",
                WARNING,
            )
        )
    return out


def check_tables(tables: HsdTables) -> list[Problem]:
    """Every problem of both tables, in table then row order."""
    codes = submittable_codes()
    problems: list[Problem] = []
    for kind in ("provider", "facility"):
        code_col = "Provider Specialty Code" if kind == "provider" else "Facility Specialty Code"
        seen: dict[tuple, int] = {}
        for i, row in enumerate(tables.rows(kind)):
            number = i + 2
            problems += _row_problems(kind, number, row, codes)
            v = row.values
            key = (
                v["SSA State/County Code"],
                row.county_fips,
                v["National Provider Identifier (NPI) Number"],
                v[code_col],
                " ".join(str(v["Provider Street Address"]).upper().split()),
                str(v["Provider City"]).upper().strip(),
                v["Provider Zip Code"],
            )
            if key in seen:
                problems.append(
                    Problem(
                        kind,
                        number,
                        key[2],
                        "(whole row)",
                        f"same as row {seen[key]}",
                        "duplicate",
                        "one row per provider, specialty, address and county",
                        REJECT,
                    )
                )
            else:
                seen[key] = number
    return problems


def rejections(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == REJECT]


def write_problems(path: Path, problems: list[Problem]) -> Path:
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=PROBLEM_COLUMNS)
        writer.writeheader()
        for p in problems:
            writer.writerow(p.as_dict() | {"reason": REASONS[p.reason]})
    return Path(path)
