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

import numpy as np
import pandas as pd

from blueprint_desktop.data.npi import is_valid_npi
from blueprint_desktop.reports.atomic_file import atomic_output
from blueprint_desktop.reports.hsd_tables import SSA_COLUMN as SSA
from blueprint_desktop.reports.hsd_tables import HsdTable, HsdTables, submittable_codes
from blueprint_desktop.reports.safe_cells import safe_text

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


# Not frozen: a frozen dataclass sets each field through object.__setattr__, which made building the
# ~5 million warnings of a national roster without contract types take ~4x as long. Slots: ~half the memory.
@dataclass(slots=True)
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


_ORDER = ("missing-ssa", "bad-npi", "unknown-specialty", "no-geocode", "missing-contract-type", "duplicate")


_NPI_PREFIX = np.array([8, 0, 8, 4, 0])  # data.npi.PREFIX "80840"
_LUHN_DOUBLE = np.array([0 if i % 2 == 0 else 1 for i in range(15)][::-1], dtype=bool)  # from the right


def _valid_npis(values: np.ndarray) -> np.ndarray:
    """``data.npi.is_valid_npi`` over many NPIs: the Luhn test of "80840" + the 10 digits as one array
    operation for plain ASCII 10-digit strings (all real NPIs), ``is_valid_npi`` itself for the rest."""
    texts = [str(v or "").strip() for v in values]
    plain = np.array([len(t) == 10 and t.isascii() and t.isdigit() for t in texts], dtype=bool)
    out = np.zeros(len(texts), dtype=bool)
    if plain.any():
        joined = "".join(t for t, ok in zip(texts, plain, strict=True) if ok).encode("ascii")
        digits = (np.frombuffer(joined, dtype=np.uint8).reshape(-1, 10) - 48).astype(np.int64)
        full = np.hstack([np.broadcast_to(_NPI_PREFIX, (len(digits), 5)), digits])
        doubled = np.where(_LUHN_DOUBLE, full * 2, full)
        doubled = np.where(doubled > 9, doubled - 9, doubled)
        out[plain] = doubled.sum(axis=1) % 10 == 0
    for i in np.flatnonzero(~plain):
        out[i] = is_valid_npi(texts[i])
    return out


def _table_problems(table: HsdTable, codes: dict[str, tuple[str, str]]) -> list[Problem]:
    """The problems of one table, row by row, in the order the reasons are listed in the module doc.

    Columnar: each test runs once per distinct value (NPIs, codes) or as one array operation, and a
    ``Problem`` is made only for a row that has one, so a national table of millions of rows is checked
    in seconds."""
    kind = table.kind
    n = len(table)
    if n == 0:
        return []
    code_col = "Provider Specialty Code" if kind == "provider" else "Facility Specialty Code"
    npi_col = "National Provider Identifier (NPI) Number"
    src, slot = table.src, table.county + 1
    base_npi = np.array([str(v) for v in table.base_column(npi_col)], dtype=object)
    base_code = np.array([str(v) for v in table.base_column(code_col)], dtype=object)
    npi = base_npi[src]
    ssa = table.ssa_by_slot[slot]
    fips = table.fips_by_slot[slot]
    valid_npi = _valid_npis(base_npi)
    code_ok = {c: codes.get(c, ("",))[0] == kind for c in set(base_code)}
    flagged: dict[str, np.ndarray] = {
        "missing-ssa": np.flatnonzero(ssa == ""),
        "bad-npi": np.flatnonzero(~valid_npi[src]),
        "unknown-specialty": np.flatnonzero(~np.array([code_ok[c] for c in base_code], dtype=bool)[src]),
        "no-geocode": np.flatnonzero(~table.base.geocoded.to_numpy(dtype=bool)[src]),
    }
    if kind == "provider":
        blank = np.array([not v for v in table.base_column("Contract Type")], dtype=bool)
        flagged["missing-contract-type"] = np.flatnonzero(blank[src])
    # Duplicates: same county (slot: SSA code and FIPS together), NPI, code, address, city and ZIP.
    address = table.base_column("Provider Street Address")
    city = table.base_column("Provider City")
    zip_ = table.base_column("Provider Zip Code")
    base_key = (
        pd.DataFrame(
            {
                "npi": table.base_column(npi_col),
                "code": table.base_column(code_col),
                "address": [" ".join(str(a).upper().split()) for a in address],
                "city": [str(c).upper().strip() for c in city],
                "zip": zip_,
            }
        )
        .groupby(["npi", "code", "address", "city", "zip"], sort=False, dropna=False)
        .ngroup()
        .to_numpy(dtype=np.int64)
    )
    row_key = base_key[src] * (len(table.ssa_by_slot) + 1) + slot
    # First row of each key: sort stably by key, then each run of equal keys points at its first member.
    order = np.argsort(row_key, kind="stable")
    sorted_key = row_key[order]
    starts = np.concatenate([[True], sorted_key[1:] != sorted_key[:-1]])
    first_of_row = np.empty(n, dtype=np.int64)
    first_of_row[order] = order[np.flatnonzero(starts)[np.cumsum(starts) - 1]]
    dup = np.flatnonzero(first_of_row != np.arange(n))
    flagged["duplicate"] = dup
    # One list of Problems per reason (a comprehension each), then merged into row order.
    made: dict[str, list[Problem]] = {}
    npi_at = npi.tolist()
    idx = flagged["missing-ssa"].tolist()
    no_fips = "a county: the location has no county and no geocode"
    need_file = "a 5-digit SSA county code: load the CMS HSD Reference File (blueprint import reference)"
    made["missing-ssa"] = [
        Problem(kind, i + 2, npi_at[i], SSA, "", "missing-ssa", need_file if fips[i] else no_fips, REJECT)
        for i in idx
    ]
    digits = "10 digits with a correct check digit"
    made["bad-npi"] = [
        Problem(kind, i + 2, npi_at[i], npi_col, npi_at[i], "bad-npi", digits, REJECT)
        for i in flagged["bad-npi"].tolist()
    ]
    s03 = "001-006 for primary care (S03 is not submitted; the taxonomy gave no 001-006 code)"
    other = f"a CMS HSD {kind} specialty code"
    made["unknown-specialty"] = [
        Problem(
            kind, i + 2, npi_at[i], code_col, c, "unknown-specialty", s03 if c == "S03" else other, REJECT
        )
        for i, c in zip(
            flagged["unknown-specialty"].tolist(),
            base_code[src[flagged["unknown-specialty"]]].tolist(),
            strict=True,
        )
    ]
    geo = "an address that geocodes (re-import with coordinates or a valid ZIP)"
    made["no-geocode"] = [
        Problem(
            kind,
            i + 2,
            npi_at[i],
            "Provider Street Address",
            ", ".join(str(v) for v in (address[b], city[b], zip_[b])),
            "no-geocode",
            geo,
            REJECT,
        )
        for i, b in zip(flagged["no-geocode"].tolist(), src[flagged["no-geocode"]].tolist(), strict=True)
    ]
    recorded = "the contract type recorded in the roster"
    made["missing-contract-type"] = [
        Problem(kind, i + 2, npi_at[i], "Contract Type", "", "missing-contract-type", recorded, WARNING)
        for i in flagged.get("missing-contract-type", np.zeros(0, np.int64)).tolist()
    ]
    raw_npi = table.base_column(npi_col)
    one_row = "one row per provider, specialty, address and county"
    made["duplicate"] = [
        Problem(kind, i + 2, raw_npi[b], "(whole row)", f"same as row {f + 2}", "duplicate", one_row, REJECT)
        for i, b, f in zip(dup.tolist(), src[dup].tolist(), first_of_row[dup].tolist(), strict=True)
    ]
    rows = np.concatenate([np.array([p.row for p in made[r]], dtype=np.int64) for r in _ORDER])
    reasons = np.concatenate([np.full(len(made[r]), k) for k, r in enumerate(_ORDER)])
    everything = [p for r in _ORDER for p in made[r]]
    return [everything[j] for j in np.lexsort((reasons, rows)).tolist()]


def check_tables(tables: HsdTables) -> list[Problem]:
    """Every problem of both tables, in table then row order."""
    codes = submittable_codes()
    problems: list[Problem] = []
    for kind in ("provider", "facility"):
        problems += _table_problems(tables.rows(kind), codes)
    return problems


def rejections(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == REJECT]


def write_problems(path: Path, problems: list[Problem]) -> Path:
    """The problem list as CSV, replaced atomically (``write_problems_to`` inside ``atomic_output``)."""
    with atomic_output(path) as tmp:
        write_problems_to(tmp, problems)
    return Path(path)


def write_problems_to(path: Path, problems: list[Problem]) -> None:
    """The problem list as CSV at ``path`` as it stands (a caller's temporary file); values pass through
    ``safe_text`` (they are the roster's own text: a name or address may begin with ``=``)."""
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=PROBLEM_COLUMNS)
        writer.writeheader()
        for p in problems:
            row = p.as_dict() | {"reason": REASONS[p.reason]}
            writer.writerow({k: safe_text(v) for k, v in row.items()})
