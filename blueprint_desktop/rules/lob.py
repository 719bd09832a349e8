"""Rule sets for other lines of business: Medicaid managed care (42 CFR 438.68) and ACA QHPs (45 CFR
156.230 and the plan year's Letter to Issuers).

There is no federal number table for Medicaid (states set their own standards) and the QHP table changes
each plan year, so these rule sets come from a CSV the user supplies: ``blueprint import ruleset PROJECT
FILE --lob medicaid|qhp``. They are never mixed with MA's: a project's line of business decides which
set applies, and a project of another line of business refuses the import.

CSV columns (one row per line x county type; ``county_type`` may be ``All``):
``line_code, line_name, kind (provider|facility), county_type (Large Metro|Metro|Micro|Rural|CEAC|All),
max_minutes, max_miles, required_pct``, optional ``min_count, ratio_per_1000, plan_year``. Every line must
have a standard for all five county types. ``ratio_per_1000`` applies to the county's imported enrollees.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from blueprint_desktop.errors import BlueprintError, InputFileError
from blueprint_desktop.rules.designation import DESIGNATIONS, designate, normalize_designation, tier
from blueprint_desktop.store.project import sha256_file, utc_now

OTHER_LOBS = ("medicaid", "qhp")
REQUIRED = ("line_code", "line_name", "kind", "county_type", "max_minutes", "max_miles", "required_pct")


@dataclass(frozen=True)
class RuleSet:
    id: int
    lob: str
    name: str
    plan_year: int | None
    file_name: str
    lines: dict[str, dict[str, Any]]  # code -> {"name", "kind", "by_designation": {designation: row}}


def _num(value: str, path: Path, row: int, column: str, whole: bool = False) -> float | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        num = float(text)
    except ValueError:
        raise InputFileError(f"{path.name}: row {row}, column '{column}': {text!r} is not a number") from None
    if num < 0 or (whole and not num.is_integer()):
        raise InputFileError(f"{path.name}: row {row}, column '{column}': {text!r} is not a valid {column}")
    return num


def import_ruleset(project, path: str | Path, lob: str, name: str | None = None) -> RuleSet:
    path = Path(path)
    lob = lob.lower()
    if lob not in OTHER_LOBS:
        raise BlueprintError(
            f"--lob {lob!r}: rule sets are loaded for {', '.join(OTHER_LOBS)} (MA rules are built in)"
        )
    if project.lob != lob:
        raise BlueprintError(
            f"{project.path}: is a {project.lob.upper()} project; a {lob.upper()} rule set cannot be loaded into it"
        )
    if not path.is_file():
        raise InputFileError(f"{path}: no such file")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        headers = [h.strip().lower() for h in reader.fieldnames or []]
        missing = [c for c in REQUIRED if c not in headers]
        if missing:
            raise InputFileError(
                f"{path.name}: missing column(s) {', '.join(missing)} (expected {', '.join(REQUIRED)})"
            )
        reader.fieldnames = headers
        rows = list(reader)
    out: list[tuple] = []
    lines: dict[str, set[str]] = {}
    years = set()
    for i, row in enumerate(rows, start=2):
        code = (row["line_code"] or "").strip()
        if not code:
            raise InputFileError(f"{path.name}: row {i}, column 'line_code': is empty")
        kind = (row["kind"] or "").strip().lower()
        if kind not in ("provider", "facility"):
            raise InputFileError(
                f"{path.name}: row {i}, column 'kind': {row['kind']!r} is not provider or facility"
            )
        ctype = (row["county_type"] or "").strip()
        targets = DESIGNATIONS if ctype.lower() == "all" else (normalize_designation(ctype),)
        if targets == (None,):
            raise InputFileError(
                f"{path.name}: row {i}, column 'county_type': {ctype!r} is not {', '.join(DESIGNATIONS)} or All"
            )
        pct = _num(row["required_pct"], path, i, "required_pct")
        if pct is None or not 0 < pct <= 100:
            raise InputFileError(
                f"{path.name}: row {i}, column 'required_pct': {row['required_pct']!r} must be 0-100"
            )
        if row.get("plan_year"):
            years.add(int(_num(row["plan_year"], path, i, "plan_year", whole=True)))
        for d in targets:
            if d in lines.setdefault(code, set()):
                raise InputFileError(f"{path.name}: row {i}: line {code} has two standards for {d}")
            lines[code].add(d)
            out.append((
                code, (row["line_name"] or code).strip(), kind, d,
                _num(row["max_minutes"], path, i, "max_minutes"), _num(row["max_miles"], path, i, "max_miles"),
                pct, _num(row.get("min_count", ""), path, i, "min_count", whole=True),
                _num(row.get("ratio_per_1000", ""), path, i, "ratio_per_1000"),
            ))  # fmt: skip
    if not out:
        raise InputFileError(f"{path.name}: has a header but no rules")
    for code, have in lines.items():
        if set(DESIGNATIONS) - have:
            raise InputFileError(
                f"{path.name}: line {code} has no standard for {', '.join(sorted(set(DESIGNATIONS) - have))}"
            )
    with project.transaction():
        project.conn.execute("DELETE FROM rule_sets WHERE lob = ?", (lob,))
        batch_id = project.record_batch(
            f"ruleset-{lob}", path.name, sha256_file(path), len(rows), len(rows), 0, {"lines": sorted(lines)}
        )
        cur = project.conn.execute(
            "INSERT INTO rule_sets(lob, name, plan_year, file_name, batch_id, imported_at) VALUES (?,?,?,?,?,?)",
            (
                lob,
                name or path.stem,
                years.pop() if len(years) == 1 else None,
                path.name,
                batch_id,
                utc_now(),
            ),
        )
        rs_id = int(cur.lastrowid)
        project.conn.executemany(
            "INSERT INTO rule_set_lines(rule_set_id, line_code, line_name, kind, designation, max_minutes, max_miles,"
            " required_pct, min_count, ratio_per_1000) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [(rs_id, *r) for r in out],
        )
        project.audit(f"import.ruleset.{lob}", "rule_sets", rs_id, {"file": path.name, "lines": len(lines)})
    return active_ruleset(project, lob)


def active_ruleset(project, lob: str) -> RuleSet:
    """The loaded rule set for a line of business; refuses clearly when none is loaded."""
    row = None
    if project is not None and "rule_sets" in project.db.table_names():
        row = project.conn.execute(
            "SELECT id, lob, name, plan_year, file_name FROM rule_sets WHERE lob = ? ORDER BY id DESC LIMIT 1",
            (lob,),
        ).fetchone()
    if row is None:
        raise BlueprintError(
            f"no {lob.upper()} rule set is loaded: {lob.upper()} standards vary by state and year; load yours with "
            f"`blueprint import ruleset PROJECT FILE --lob {lob}`"
        )
    lines: dict[str, dict[str, Any]] = {}
    for code, lname, kind, d, minutes, miles, pct, minimum, ratio in project.conn.execute(
        "SELECT line_code, line_name, kind, designation, max_minutes, max_miles, required_pct, min_count, ratio_per_1000"
        " FROM rule_set_lines WHERE rule_set_id = ? ORDER BY rowid",
        (row[0],),
    ):
        entry = lines.setdefault(code, {"name": lname, "kind": kind, "by_designation": {}})
        entry["by_designation"][d] = {
            "max_minutes": minutes, "max_miles": miles, "required_pct": pct, "min_count": minimum, "ratio_per_1000": ratio,
        }  # fmt: skip
    return RuleSet(row[0], row[1], row[2], row[3], row[4], lines)


def standards_for_county(project, fips: str, lob: str, plan_year: int):
    from blueprint_desktop.geo import counties as geo
    from blueprint_desktop.rules.standards import CountyStandards, LineStandard

    ruleset = active_ruleset(project, lob)
    row = geo.county_row(fips)
    designation = designate(float(row.population or 0), float(row.land_sq_mi or 0))
    enrollees = None
    if "enrollee_points" in project.db.table_names():
        enrollees = project.conn.execute(
            "SELECT sum(weight) FROM enrollee_points WHERE county_fips = ?", (fips,)
        ).fetchone()[0]
    estimated = False
    lines = {}
    for code, entry in ruleset.lines.items():
        cell = entry["by_designation"][designation]
        if cell["min_count"] is not None:
            minimum = int(cell["min_count"])
        elif cell["ratio_per_1000"] is not None and enrollees:
            minimum = max(1, math.ceil(round(cell["ratio_per_1000"] * enrollees / 1000, 9)))
        else:
            minimum, estimated = 1, estimated or cell["ratio_per_1000"] is not None
        lines[code] = LineStandard(
            code=code, name=entry["name"], kind=entry["kind"], max_minutes=cell["max_minutes"],
            max_miles=cell["max_miles"], min_count=minimum, required_pct=cell["required_pct"],
            telehealth_credit=False, credit_points=0.0, counts_beds=False, source="ruleset",
            ratio_per_1000=cell["ratio_per_1000"],
        )  # fmt: skip
    return CountyStandards(
        county_fips=fips, ssa_code=None, designation=designation, designation_source="computed",
        tier=tier(designation), beneficiaries_required=None, estimated=estimated, lob=lob, plan_year=plan_year,
        source=f"{lob.upper()} rule set {ruleset.name!r} ({ruleset.file_name})", lines=lines,
    )  # fmt: skip
