"""Import the annual CMS MA HSD Reference File (42 CFR 422.116(a)(4)(i)) into a project.

The file lists, per county (by SSA code), CMS's designation, total beneficiaries, the 95th-percentile
ratio, the beneficiaries required to cover, and per specialty the minimum number and the maximum time
and distance (customised per county in 5.4% of cells). Loaded for a plan year, it overrides the
built-in table for that year (``standards.standards_for_county``).

Two forms are read:

* the CMS workbook (``.xlsx``) as published: sheets ``Minimum Provider #s``, ``Minimum Facility #s``,
  ``Provider Time & Distance``, ``Facility Time & Distance`` (required), ``Certificate of Need`` and
  ``Criteria Changes`` (optional). Layout per ../shared/research/regulation.md section 3.3: a disclaimer
  row, a header row (found by its ``SSACD`` cell), a row of specialty codes, on T&D sheets a
  ``Time``/``Distance`` row, then data. Codes are '001' on provider sheets but 40 on facility sheets
  and '21' in Criteria Changes (all normalised with zfill(3)); headers carry newlines and trailing
  spaces and 'COUNTY DESIGNA-TION' (matched on letters and digits only); Criteria Changes puts
  Distance before Time (columns are found by name, never by position).
* a CSV we define, one row per county x line (see ``CSV_COLUMNS`` and resources/rules/README.md).

Counties are matched to FIPS by state + name (``county_match``); unmatched rows are stored with no
FIPS and listed in the result. The import is one transaction; a malformed file is refused with one line
naming the sheet, row and column, and the project is left unchanged.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blueprint_desktop.errors import BlueprintError, InputFileError
from blueprint_desktop.progress import Progress
from blueprint_desktop.rules.cms_criteria import (
    CriteriaSource,
    builtin_criteria_for,
    criteria_in_force,
    load_builtin,
)
from blueprint_desktop.rules.county_match import match_county_all
from blueprint_desktop.rules.designation import normalize_designation
from blueprint_desktop.store.project import sha256_file, utc_now

BATCH_KIND = "reference"

SHEET_MIN_PROVIDER = "Minimum Provider #s"
SHEET_MIN_FACILITY = "Minimum Facility #s"
SHEET_TD_PROVIDER = "Provider Time & Distance"
SHEET_TD_FACILITY = "Facility Time & Distance"
SHEET_CON = "Certificate of Need"
SHEET_CHANGES = "Criteria Changes"
REQUIRED_SHEETS = (SHEET_MIN_PROVIDER, SHEET_MIN_FACILITY, SHEET_TD_PROVIDER, SHEET_TD_FACILITY)

# Identifying columns of the minimum-number sheets (HSD26), by their normalised header text.
MIN_ID_COLUMNS = {
    "COUNTY": "county",
    "ST": "state",
    "SSACD": "ssa_code",
    "TOTALBENEFICIARIES": "total_beneficiaries",
    "COUNTYDESIGNATION": "designation",
    "95THPERCENTILEBASEPOPULATIONRATIO": "pct95_ratio",
    "BENEFICIARIESREQUIREDTOCOVER": "beneficiaries_required",
}
TD_ID_COLUMNS = {"COUNTY": "county", "ST": "state", "SSACD": "ssa_code", "COUNTYDESIGNATION": "designation"}

# Our CSV form: one row per county x line. plan_year and the beneficiary columns are optional.
CSV_COLUMNS = (
    "ssa_code",
    "state",
    "county",
    "county_designation",
    "line_code",
    "max_minutes",
    "max_miles",
    "min_count",
)
CSV_OPTIONAL = ("plan_year", "total_beneficiaries", "pct95_ratio", "beneficiaries_required")

# Submitted codes CMS does not evaluate separately (pooled into S03): their criteria cells are empty.
_POOLED = {"001", "002", "003", "004", "005", "006"}


def _key(text: Any) -> str:
    return re.sub(r"[^A-Z0-9]", "", str(text or "").upper())


def _code(value: Any) -> str | None:
    """Specialty code as '001'/'040'/'S03'; None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip().upper()
    if not text:
        return None
    return text.zfill(3) if text.isdigit() else text


@dataclass
class _County:
    ssa_code: str
    state: str
    county_name: str
    designation: str
    total_beneficiaries: float | None = None
    pct95_ratio: float | None = None
    beneficiaries_required: int | None = None
    criteria: dict[str, dict[str, float | None]] = field(default_factory=dict)


@dataclass
class _Parsed:
    plan_year: int | None
    vintage: str
    file_format: str
    counties: dict[str, _County]
    con: list[tuple[str, str, int]]
    checks: dict[str, Any]


@dataclass
class ReferenceImportResult:
    reference_file_id: int
    plan_year: int
    vintage: str
    file_name: str
    counties: int
    matched: int
    unmatched: list[dict[str, str]]
    criteria_rows: int
    con_rows: int
    checks: dict[str, Any]
    already_imported: bool = False

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class ReferenceCriterion:
    max_minutes: float | None
    max_miles: float | None
    min_count: int | None


@dataclass(frozen=True)
class ReferenceCounty:
    ssa_code: str
    state: str
    county_name: str
    county_fips: str
    designation: str
    total_beneficiaries: float | None
    pct95_ratio: float | None
    beneficiaries_required: int | None
    criteria: dict[str, ReferenceCriterion]
    con_lines: frozenset[str]
    vintage: str
    file_name: str
    notes: tuple[str, ...] = ()
    con_customized_lines: frozenset[str] = frozenset()  # on the CON tab, but T/D customised: no CON credit
    source: CriteriaSource | None = None


# -- number parsing ---------------------------------------------------------------------------------
class _Where:
    def __init__(self, path: Path, sheet: str | None) -> None:
        self.path, self.sheet = path, sheet

    def error(self, row: int, column: str, message: str) -> InputFileError:
        place = f"sheet '{self.sheet}', row {row}" if self.sheet else f"row {row}"
        return InputFileError(f"{self.path.name}: {place}, column '{column}': {message}")

    def number(self, value: Any, row: int, column: str, expected: str = "a number") -> float | None:
        if value is None:
            return None
        if isinstance(value, bool):
            raise self.error(row, column, f"{value!r} is not {expected}")
        if isinstance(value, int | float):
            if isinstance(value, float) and math.isnan(value):
                return None
            return float(value)
        text = str(value).strip().replace(",", "")
        if text == "" or text.upper() in {"NA", "N/A"}:
            return None
        try:
            out = float(text)
        except ValueError:
            raise self.error(row, column, f"{str(value).strip()!r} is not {expected}") from None
        if math.isnan(out) or math.isinf(out):
            raise self.error(row, column, f"{str(value).strip()!r} is not {expected}")
        return out

    def whole(self, value: Any, row: int, column: str, expected: str) -> int | None:
        num = self.number(value, row, column, expected)
        if num is None:
            return None
        if num < 0 or abs(num - round(num)) > 1e-6:
            raise self.error(row, column, f"{value!r} is not {expected}")
        return int(round(num))

    def ssa(self, value: Any, row: int, column: str) -> str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        if not text.isdigit() or len(text) > 5:
            raise self.error(row, column, f"{text!r} is not a 5-digit SSA state/county code")
        return text.zfill(5)

    def designation(self, value: Any, row: int, column: str) -> str:
        name = normalize_designation(value)
        if name is None:
            raise self.error(
                row, column, f"{value!r} is not a county designation (Large Metro, Metro, Micro, Rural, CEAC)"
            )
        return name


# -- the workbook -----------------------------------------------------------------------------------
def _header_row(rows: list[tuple], where: _Where) -> int:
    for i, row in enumerate(rows[:15]):
        if any(_key(c) == "SSACD" for c in row):
            return i
    raise InputFileError(f"{where.path.name}: sheet '{where.sheet}' has no header row with an 'SSACD' column")


def _id_columns(header: tuple, wanted: dict[str, str], where: _Where) -> dict[str, int]:
    found = {}
    for i, cell in enumerate(header):
        k = _key(cell)
        if k in wanted and wanted[k] not in found:
            found[wanted[k]] = i
    missing = [name for name, field_name in wanted.items() if field_name not in found]
    if missing:
        raise InputFileError(
            f"{where.path.name}: sheet '{where.sheet}' is missing column(s) {', '.join(missing)} in its header row"
        )
    return found


def _data_rows(rows: list[tuple], start: int, ssa_col: int) -> Iterator[tuple[int, tuple]]:
    """(1-based sheet row, row) for rows carrying an SSA code; footnotes and blank rows are skipped."""
    for i in range(start, len(rows)):
        row = rows[i]
        if ssa_col < len(row) and row[ssa_col] is not None and str(row[ssa_col]).strip():
            yield i + 1, row


def _read_min_sheet(rows: list[tuple], where: _Where, counties: dict[str, _County], master: bool) -> int:
    h = _header_row(rows, where)
    ids = _id_columns(rows[h], MIN_ID_COLUMNS, where)
    if h + 1 >= len(rows):
        raise InputFileError(f"{where.path.name}: sheet '{where.sheet}' has no specialty code row")
    codes = {i: _code(c) for i, c in enumerate(rows[h + 1]) if _code(c) and i not in ids.values()}
    if not codes:
        raise InputFileError(
            f"{where.path.name}: sheet '{where.sheet}' has no specialty codes in row {h + 2}"
        )
    n = 0
    for rownum, row in _data_rows(rows, h + 2, ids["ssa_code"]):
        ssa = where.ssa(row[ids["ssa_code"]], rownum, "SSACD")
        designation = where.designation(row[ids["designation"]], rownum, "COUNTY DESIGNATION")
        county = counties.get(ssa)
        if county is None:
            if not master:
                raise where.error(rownum, "SSACD", f"{ssa} is not on sheet '{SHEET_MIN_PROVIDER}'")
            county = counties[ssa] = _County(
                ssa_code=ssa,
                state=str(row[ids["state"]] or "").strip().upper(),
                county_name=str(row[ids["county"]] or "").strip(),
                designation=designation,
                total_beneficiaries=where.number(
                    row[ids["total_beneficiaries"]], rownum, "TOTAL BENEFICIARIES"
                ),
                pct95_ratio=where.number(
                    row[ids["pct95_ratio"]], rownum, "95th PERCENTILE BASE POPULATION RATIO"
                ),
                beneficiaries_required=where.whole(
                    row[ids["beneficiaries_required"]],
                    rownum,
                    "BENEFICIARIES REQUIRED TO COVER",
                    "a whole number",
                ),
            )
        elif county.designation != designation:
            raise where.error(
                rownum,
                "COUNTY DESIGNATION",
                f"{designation!r} differs from {county.designation!r} on another sheet",
            )
        for col, code in codes.items():
            value = row[col] if col < len(row) else None
            minimum = where.whole(value, rownum, code, "a whole number of providers")
            if minimum is None:
                continue
            county.criteria.setdefault(code, {})["min_count"] = minimum
        n += 1
    return n


def _read_td_sheet(rows: list[tuple], where: _Where, counties: dict[str, _County]) -> int:
    h = _header_row(rows, where)
    ids = _id_columns(rows[h], TD_ID_COLUMNS, where)
    if h + 2 >= len(rows):
        raise InputFileError(f"{where.path.name}: sheet '{where.sheet}' has no code and Time/Distance rows")
    code_row, td_row = rows[h + 1], rows[h + 2]
    # Each code spans two columns; which is Time and which Distance is read from the label row.
    pairs: dict[str, dict[str, int]] = {}
    current = None
    for i in range(len(td_row)):
        code = _code(code_row[i]) if i < len(code_row) else None
        if code and i not in ids.values():
            current = code
        label = _key(td_row[i])
        if current and label in {"TIME", "DISTANCE"}:
            pairs.setdefault(current, {})[label] = i
    bad = [c for c, p in pairs.items() if set(p) != {"TIME", "DISTANCE"}]
    if not pairs or bad:
        raise InputFileError(
            f"{where.path.name}: sheet '{where.sheet}' row {h + 3}: every specialty needs a Time and a Distance"
            f" column{' (' + ', '.join(bad) + ')' if bad else ''}"
        )
    n = 0
    for rownum, row in _data_rows(rows, h + 3, ids["ssa_code"]):
        ssa = where.ssa(row[ids["ssa_code"]], rownum, "SSACD")
        county = counties.get(ssa)
        if county is None:
            raise where.error(rownum, "SSACD", f"{ssa} is not on sheet '{SHEET_MIN_PROVIDER}'")
        designation = where.designation(row[ids["designation"]], rownum, "COUNTY DESIGNATION")
        if designation != county.designation:
            raise where.error(
                rownum,
                "COUNTY DESIGNATION",
                f"{designation!r} differs from {county.designation!r} on another sheet",
            )
        for code, cols in pairs.items():
            minutes = where.number(row[cols["TIME"]], rownum, f"{code} Time", "a number of minutes")
            miles = where.number(row[cols["DISTANCE"]], rownum, f"{code} Distance", "a number of miles")
            if minutes is None and miles is None:
                continue
            if minutes is None or miles is None:
                raise where.error(rownum, code, "has a Time without a Distance (or the reverse)")
            crit = county.criteria.setdefault(code, {})
            crit["max_minutes"], crit["max_miles"] = minutes, miles
        n += 1
    return n


def _read_con(rows: list[tuple], where: _Where, counties: dict[str, _County]) -> list[tuple[str, str, int]]:
    if not rows:
        return []
    header = {_key(c): i for i, c in enumerate(rows[0])}
    need = {"SSA": "SSA", "SPECIALTYCODE": "Specialty_Code", "TDCUSTOMIZEDYN": "T/D Customized (Y/N)"}
    missing = [label for k, label in need.items() if k not in header]
    if missing:
        raise InputFileError(
            f"{where.path.name}: sheet '{where.sheet}' is missing column(s) {', '.join(missing)}"
        )
    out = []
    for i, row in enumerate(rows[1:], start=2):
        if row[header["SSA"]] is None:
            continue
        ssa = where.ssa(row[header["SSA"]], i, "SSA")
        code = _code(row[header["SPECIALTYCODE"]])
        if code is None:
            raise where.error(i, "Specialty_Code", "is empty")
        flag = str(row[header["TDCUSTOMIZEDYN"]] or "").strip().upper()
        if flag not in {"Y", "N"}:
            raise where.error(i, "T/D Customized (Y/N)", f"{flag!r} is not Y or N")
        if ssa in counties:
            out.append((ssa, code, int(flag == "Y")))
    return out


def _check_changes(rows: list[tuple], where: _Where, counties: dict[str, _County]) -> dict[str, Any]:
    """Cross-check the Criteria Changes tab (Distance BEFORE Time there) against the T&D sheets, and
    read the plan year from its '2026 County Designation' header."""
    h = None
    for i, row in enumerate(rows[:10]):
        if any(_key(c) == "SSACODE" for c in row):
            h = i
            break
    if h is None:
        return {}
    header = {_key(c): i for i, c in enumerate(rows[h]) if c is not None}
    years = sorted(
        {int(m.group(1)) for k in header if (m := re.fullmatch(r"(\d{4})COUNTYDESIGNATION", k))}, reverse=True
    )
    if not years:
        return {}
    year = years[0]
    dist_col, time_col = header.get(f"{year}DISTANCEMILES"), header.get(f"{year}TIMEMINUTES")
    code_col = header.get("SPECIALTYCODE")
    checked = mismatched = 0
    if None not in (dist_col, time_col, code_col):
        for i in range(h + 1, len(rows)):
            row = rows[i]
            if row[header["SSACODE"]] is None:
                continue
            ssa = str(row[header["SSACODE"]]).strip().zfill(5)
            code = _code(row[code_col])
            crit = counties.get(ssa, _County("", "", "", "")).criteria.get(code or "")
            if not crit or row[time_col] is None:
                continue
            checked += 1
            if (crit.get("max_minutes"), crit.get("max_miles")) != (
                float(row[time_col]),
                float(row[dist_col]),
            ):
                mismatched += 1
    return {"plan_year": year, "criteria_changes_checked": checked, "criteria_changes_mismatched": mismatched}


def _parse_xlsx(path: Path, progress: Progress) -> _Parsed:
    import zipfile

    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputFileError(f"{path.name}: not a readable Excel workbook ({exc})") from None
    try:
        names = {_key(n): n for n in wb.sheetnames}
        missing = [s for s in REQUIRED_SHEETS if _key(s) not in names]
        if missing:
            raise InputFileError(
                f"{path.name}: not a CMS HSD Reference File: missing sheet(s) {', '.join(repr(s) for s in missing)}"
            )

        def sheet_rows(title: str) -> list[tuple]:
            return list(wb[names[_key(title)]].iter_rows(values_only=True))

        counties: dict[str, _County] = {}
        steps = [
            (SHEET_MIN_PROVIDER, lambda r, w: _read_min_sheet(r, w, counties, True)),
            (SHEET_MIN_FACILITY, lambda r, w: _read_min_sheet(r, w, counties, False)),
            (SHEET_TD_PROVIDER, lambda r, w: _read_td_sheet(r, w, counties)),
            (SHEET_TD_FACILITY, lambda r, w: _read_td_sheet(r, w, counties)),
        ]
        for k, (title, reader) in enumerate(steps):
            progress.update(0.05 + 0.13 * k, f"reading {title}")
            reader(sheet_rows(title), _Where(path, title))
        if not counties:
            raise InputFileError(f"{path.name}: sheet '{SHEET_MIN_PROVIDER}' has no county rows")
        con: list[tuple[str, str, int]] = []
        if _key(SHEET_CON) in names:
            progress.update(0.6, f"reading {SHEET_CON}")
            con = _read_con(sheet_rows(SHEET_CON), _Where(path, SHEET_CON), counties)
        checks: dict[str, Any] = {}
        if _key(SHEET_CHANGES) in names:
            progress.update(0.65, f"reading {SHEET_CHANGES}")
            checks = _check_changes(sheet_rows(SHEET_CHANGES), _Where(path, SHEET_CHANGES), counties)
        modified = getattr(wb.properties, "modified", None)
    finally:
        wb.close()
    plan_year = checks.pop("plan_year", None)
    saved = f", saved {modified.date().isoformat()}" if modified else ""
    vintage = f"CMS HSD Reference File{' ' + str(plan_year) if plan_year else ''}{saved} ({path.name})"
    return _Parsed(plan_year, vintage, "xlsx", counties, con, checks)


# -- the CSV form -----------------------------------------------------------------------------------
def _parse_csv(path: Path, progress: Progress) -> _Parsed:
    where = _Where(path, None)
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip().lower() for h in reader.fieldnames or []]
            missing = [c for c in CSV_COLUMNS if c not in header]
            if missing:
                raise InputFileError(
                    f"{path.name}: missing column(s) {', '.join(missing)} (expected {', '.join(CSV_COLUMNS)})"
                )
            reader.fieldnames = header
            rows = list(reader)
    except UnicodeDecodeError:
        raise InputFileError(f"{path.name}: not a UTF-8 text CSV file") from None
    counties: dict[str, _County] = {}
    years: set[int] = set()
    for i, row in enumerate(rows, start=2):
        ssa = where.ssa(row["ssa_code"], i, "ssa_code")
        designation = where.designation(row["county_designation"], i, "county_designation")
        county = counties.get(ssa)
        if county is None:
            county = counties[ssa] = _County(
                ssa_code=ssa,
                state=(row["state"] or "").strip().upper(),
                county_name=(row["county"] or "").strip(),
                designation=designation,
                total_beneficiaries=where.number(row.get("total_beneficiaries"), i, "total_beneficiaries"),
                pct95_ratio=where.number(row.get("pct95_ratio"), i, "pct95_ratio"),
                beneficiaries_required=where.whole(
                    row.get("beneficiaries_required"), i, "beneficiaries_required", "a whole number"
                ),
            )
        elif county.designation != designation:
            raise where.error(
                i, "county_designation", f"{designation!r} differs from {county.designation!r} above"
            )
        code = _code(row["line_code"])
        if code is None:
            raise where.error(i, "line_code", "is empty")
        if row.get("plan_year"):
            years.add(where.whole(row["plan_year"], i, "plan_year", "a year"))
        county.criteria[code] = {
            "max_minutes": where.number(row["max_minutes"], i, "max_minutes", "a number of minutes"),
            "max_miles": where.number(row["max_miles"], i, "max_miles", "a number of miles"),
            "min_count": where.whole(row["min_count"], i, "min_count", "a whole number"),
        }
    if not counties:
        raise InputFileError(f"{path.name}: has a header but no rows")
    if len(years) > 1:
        raise InputFileError(
            f"{path.name}: column 'plan_year' holds several years ({sorted(years)}); one file is one plan year"
        )
    plan_year = years.pop() if years else None
    progress.update(0.6, "read CSV")
    return _Parsed(plan_year, f"HSD reference CSV ({path.name})", "csv", counties, [], {})


# -- which year a file can serve ----------------------------------------------------------------------
def _check_applies(project, path: Path, year: int) -> None:
    """Refuse a file that could never be used for this project: criteria for a later plan year, or older
    than criteria already in force (the newest criteria at or before the plan year apply; cms_criteria)."""
    project_year = project.plan_year or year
    if year > project_year:
        raise InputFileError(
            f"{path.name}: holds CMS criteria for {year}, after this project's plan year {project_year}; "
            f"it cannot apply (a project uses the newest criteria at or before its plan year). Change the "
            f"project's plan year to {year} or later to use it"
        )
    current = criteria_in_force(project, project_year)
    if current is not None and current.criteria_year > year:
        raise InputFileError(
            f"{path.name}: holds CMS criteria for {year}, older than the {current.label} already in force "
            f"for plan year {project_year}; it would never be used, so it was not loaded"
        )


# -- import ---------------------------------------------------------------------------------------
def import_reference_file(
    project, path: str | Path, progress: Progress | None = None, plan_year: int | None = None
) -> ReferenceImportResult:
    """Load a CMS HSD Reference File (xlsx or our CSV) into the project for its plan year."""
    path = Path(path)
    progress = progress or Progress()
    if not path.is_file():
        raise InputFileError(f"{path}: no such file")
    from blueprint_desktop.data.tabular import refuse_zip_archive

    # An .xlsx is itself a ZIP container; anything else that is a ZIP archive gets "unzip it first".
    refuse_zip_archive(
        path, None if path.suffix.lower() in {".xlsx", ".xlsm"} else "save it as CSV or give the .xlsx"
    )
    sha = sha256_file(path)
    previous = project.find_batch(BATCH_KIND, sha)
    if previous:
        row = project.conn.execute(
            "SELECT id, plan_year, vintage, counties, unmatched_json FROM reference_files WHERE batch_id = ?",
            (previous["id"],),
        ).fetchone()
        if row:
            return ReferenceImportResult(
                row[0],
                row[1],
                row[2],
                path.name,
                row[3],
                row[3] - len(json.loads(row[4] or "[]")),
                json.loads(row[4] or "[]"),
                0,
                0,
                {},
                already_imported=True,
            )
    progress.update(0.02, f"reading {path.name}")
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        parsed = _parse_xlsx(path, progress)
    elif suffix in {".csv", ".txt"}:
        parsed = _parse_csv(path, progress)
    else:
        raise InputFileError(f"{path.name}: expected the CMS workbook (.xlsx) or a reference CSV (.csv)")
    year = plan_year or parsed.plan_year or project.plan_year
    if plan_year and parsed.plan_year and plan_year != parsed.plan_year:
        raise InputFileError(f"{path.name}: is for plan year {parsed.plan_year}, not {plan_year}")
    if not year:
        raise BlueprintError(f"{path.name}: cannot tell its plan year; pass one")
    _check_applies(project, path, int(year))

    progress.update(0.7, "matching counties to FIPS")
    unmatched: list[dict[str, str]] = []
    fips_all: dict[str, list[str]] = {}
    for ssa, county in parsed.counties.items():
        fips_list, how = match_county_all(county.state, county.county_name)
        fips_all[ssa] = fips_list
        if not fips_list:
            unmatched.append(
                {"ssa_code": ssa, "state": county.state, "county": county.county_name, "reason": how}
            )
    fips_of = {ssa: (f[0] if f else None) for ssa, f in fips_all.items()}

    criteria_rows = [
        (ssa, code, c.get("max_minutes"), c.get("max_miles"), c.get("min_count"))
        for ssa, county in parsed.counties.items()
        for code, c in county.criteria.items()
        if code not in _POOLED
    ]
    progress.update(0.8, "saving")
    with project.transaction():
        old = [
            r[0] for r in project.conn.execute("SELECT id FROM reference_files WHERE plan_year = ?", (year,))
        ]
        summary = {
            "plan_year": year,
            "vintage": parsed.vintage,
            "counties": len(parsed.counties),
            "unmatched": len(unmatched),
            "replaces_reference_files": old,
            **parsed.checks,
        }
        batch_id = project.record_batch(
            BATCH_KIND,
            path.name,
            sha,
            len(parsed.counties),
            len(parsed.counties) - len(unmatched),
            len(unmatched),
            summary,
        )
        if old:
            project.conn.execute(
                f"UPDATE import_batches SET superseded_by = ? WHERE id IN "
                f"(SELECT batch_id FROM reference_files WHERE id IN ({','.join('?' * len(old))}))",
                [batch_id, *old],
            )
            project.conn.execute(f"DELETE FROM reference_files WHERE id IN ({','.join('?' * len(old))})", old)
        cur = project.conn.execute(
            "INSERT INTO reference_files(plan_year, vintage, file_name, file_sha256, file_format, batch_id,"
            " imported_at, counties, unmatched_json) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                year,
                parsed.vintage,
                path.name,
                sha,
                parsed.file_format,
                batch_id,
                utc_now(),
                len(parsed.counties),
                json.dumps(unmatched),
            ),
        )
        ref_id = int(cur.lastrowid)
        project.conn.executemany(
            "INSERT INTO reference_counties(reference_file_id, ssa_code, state, county_name, county_fips,"
            " designation, total_beneficiaries, pct95_ratio, beneficiaries_required) VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (
                    ref_id,
                    c.ssa_code,
                    c.state,
                    c.county_name,
                    fips_of[c.ssa_code],
                    c.designation,
                    c.total_beneficiaries,
                    c.pct95_ratio,
                    c.beneficiaries_required,
                )
                for c in parsed.counties.values()
            ],
        )
        project.conn.executemany(
            "INSERT INTO reference_county_fips(reference_file_id, ssa_code, county_fips) VALUES (?,?,?)",
            [(ref_id, ssa, f) for ssa, fips_list in fips_all.items() for f in fips_list],
        )
        project.conn.executemany(
            "INSERT INTO reference_criteria(reference_file_id, ssa_code, line_code, max_minutes, max_miles,"
            " min_count) VALUES (?,?,?,?,?,?)",
            [(ref_id, *r) for r in criteria_rows],
        )
        project.conn.executemany(
            "INSERT OR REPLACE INTO reference_con(reference_file_id, ssa_code, line_code, td_customized)"
            " VALUES (?,?,?,?)",
            [(ref_id, *r) for r in parsed.con],
        )
        project.audit("import.reference", "reference_files", ref_id, summary)
        progress.update(1.0, "reference file loaded")
    return ReferenceImportResult(
        reference_file_id=ref_id,
        plan_year=year,
        vintage=parsed.vintage,
        file_name=path.name,
        counties=len(parsed.counties),
        matched=len(parsed.counties) - len(unmatched),
        unmatched=unmatched,
        criteria_rows=len(criteria_rows),
        con_rows=len(parsed.con),
        checks=parsed.checks,
    )


# -- reading back -----------------------------------------------------------------------------------
def active_reference(project, plan_year: int | None = None) -> dict[str, Any] | None:
    """The CMS criteria in force for a plan year (default: the project's), built in or loaded; None when
    every set is newer than the plan year. Keys: kind, plan_year (the criteria year), label, vintage,
    file_name, id (the reference file's id, None for the built-in set)."""
    source = criteria_in_force(project, plan_year)
    if source is None:
        return None
    out = source.as_dict()
    out["plan_year"] = source.criteria_year
    out["id"] = source.reference_file_id
    return out


def reference_county(project, county_fips: str, plan_year: int | None = None) -> ReferenceCounty | None:
    """CMS's criteria for a county (by FIPS) from the set in force, or None when no set lists it.

    A county that the loaded file in force does not list falls back to the built-in set (when it applies
    to the plan year) and says so; only a county no CMS set lists gets computed standards."""
    source = criteria_in_force(project, plan_year)
    if source is None:
        return None
    if source.kind == "file":
        found = _file_county(project, source, county_fips)
        if found is not None:
            return found
        builtin = criteria_in_force(None, plan_year or (project.plan_year if project is not None else None))
        if builtin is None:
            return None
        found = _builtin_county(county_fips, builtin)
        if found is None:
            return None
        note = f"{source.file_name} does not list this county: {builtin.label} applies to it"
        return ReferenceCounty(**{**found.__dict__, "notes": (note, *found.notes)})
    return _builtin_county(county_fips, source)


def _several_note(name: str, state: str, ssas: list[str]) -> tuple[str, ...]:
    if len(ssas) < 2:
        return ()
    # Los Angeles CA has two SSA codes (05200, 05210) for one county, and Guam's 22 SSA villages share one
    # Census county-equivalent: the criteria of the SSA county with the most beneficiaries apply.
    return (
        f"{name}, {state} covers SSA codes {', '.join(ssas)}; the criteria of {ssas[0]} (most beneficiaries) apply",
    )


def _builtin_county(county_fips: str, source: CriteriaSource) -> ReferenceCounty | None:
    data = load_builtin(source.criteria_year)
    ssas = list(data.by_fips.get(county_fips, ()))
    if not ssas:
        return None
    main = data.counties[ssas[0]]
    con = data.con.get(main.ssa_code, {})
    criteria = {
        code: ReferenceCriterion(minutes, miles, minimum)
        for code, (minutes, miles, minimum) in builtin_criteria_for(
            main.ssa_code, source.criteria_year
        ).items()
    }
    return ReferenceCounty(
        ssa_code=main.ssa_code,
        state=main.state,
        county_name=main.county_name,
        county_fips=county_fips,
        designation=main.designation,
        total_beneficiaries=main.total_beneficiaries,
        pct95_ratio=main.pct95_ratio,
        beneficiaries_required=main.beneficiaries_required,
        criteria=criteria,
        con_lines=frozenset(code for code, customized in con.items() if not customized),
        vintage=source.vintage,
        file_name=source.label,
        notes=_several_note(main.county_name, main.state, ssas),
        con_customized_lines=frozenset(code for code, customized in con.items() if customized),
        source=source,
    )


def _file_county(project, source: CriteriaSource, county_fips: str) -> ReferenceCounty | None:
    ref_id = source.reference_file_id
    rows = project.conn.execute(
        "SELECT c.ssa_code, c.state, c.county_name, c.designation, c.total_beneficiaries, c.pct95_ratio,"
        " c.beneficiaries_required FROM reference_counties c"
        " JOIN reference_county_fips f ON f.reference_file_id = c.reference_file_id AND f.ssa_code = c.ssa_code"
        " WHERE c.reference_file_id = ? AND f.county_fips = ?"
        " ORDER BY c.total_beneficiaries DESC, c.ssa_code",
        (ref_id, county_fips),
    ).fetchall()
    if not rows:
        return None
    main = rows[0]
    criteria = {
        code: ReferenceCriterion(minutes, miles, minimum)
        for code, minutes, miles, minimum in project.conn.execute(
            "SELECT line_code, max_minutes, max_miles, min_count FROM reference_criteria"
            " WHERE reference_file_id = ? AND ssa_code = ?",
            (ref_id, main[0]),
        )
    }
    con = dict(
        project.conn.execute(
            "SELECT line_code, td_customized FROM reference_con WHERE reference_file_id = ? AND ssa_code = ?",
            (ref_id, main[0]),
        ).fetchall()
    )
    return ReferenceCounty(
        ssa_code=main[0],
        state=main[1],
        county_name=main[2],
        county_fips=county_fips,
        designation=main[3],
        total_beneficiaries=main[4],
        pct95_ratio=main[5],
        beneficiaries_required=main[6],
        criteria=criteria,
        con_lines=frozenset(code for code, customized in con.items() if not customized),
        vintage=source.vintage,
        file_name=source.file_name or "",
        notes=_several_note(main[2], main[1], [r[0] for r in rows]),
        con_customized_lines=frozenset(code for code, customized in con.items() if customized),
        source=source,
    )
