"""Rule sets for other lines of business: Medicaid managed care (42 CFR 438.68) and ACA QHPs (45 CFR
156.230 and the plan year's Letter to Issuers).

A project's line of business decides which rule set applies, best first:

1. a rule set the user loaded: ``blueprint import ruleset PROJECT FILE --lob medicaid|qhp``;
2. a built-in set (``lob_builtin.py``): the one chosen for the project (``blueprint ruleset PROJECT --use
   KEY``) or, automatically, the newest of its line of business and (Medicaid) its state. Built in today:
   Medicaid for California, Pennsylvania, Michigan, Arizona, Minnesota and Georgia, and the FFE QHP time/distance
   table as Michigan DIFS reproduces it (sources in docs/rules.md section 14).

They are never mixed with MA's or with each other: a project of another line of business refuses the import
or the built-in set, and a Medicaid set of one state is refused for a service area reaching into another.

CSV columns (one row per line x county type; ``county_type`` may be ``All``):
``line_code, line_name, kind (provider|facility), county_type (Large Metro|Metro|Micro|Rural|CEAC|All),
max_minutes, max_miles, required_pct``, optional ``min_count, ratio_per_1000, plan_year``, ``providers_within``
(1 or 2: the distinct providers each member needs within the standard, as Georgia's "Two (2) within ...";
default 1) and ``source`` (the citation shown with the line's standard). Lines starting with ``#`` are skipped. Every line must have a
standard for all five county types. ``ratio_per_1000`` applies to the county's imported enrollees. Built-in
sets may also restrict a row to named counties (``counties``: ``;``-separated FIPS): in a named county its
row wins over the line's row for all counties (Arizona: Maricopa and Pima), and a line with only
named-county rows applies only there (California's specialist tiers). County type is CMS's designation of the county in the built-in HSD Reference File (as for MA), else
the 42 CFR 422.116(c) table.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from blueprint_desktop.errors import BlueprintError, InputFileError
from blueprint_desktop.rules.designation import DESIGNATIONS, designate, normalize_designation, tier
from blueprint_desktop.store.project import sha256_file, utc_now

if TYPE_CHECKING:
    from blueprint_desktop.rules.standards import CountyStandards

OTHER_LOBS = ("medicaid", "qhp")
REQUIRED = ("line_code", "line_name", "kind", "county_type", "max_minutes", "max_miles", "required_pct")


@dataclass(frozen=True)
class RuleSet:
    id: int  # 0 for a built-in set
    lob: str
    name: str
    plan_year: int | None
    file_name: str
    lines: dict[str, dict[str, Any]]  # code -> {"name", "kind", "by_designation", "by_county", "source"}
    builtin_key: str | None = None
    vintage: str = ""
    state: str | None = None
    notes: tuple[str, ...] = ()
    chosen_because: str = ""
    sources: list[dict[str, str]] = field(default_factory=list)

    @property
    def label(self) -> str:
        """How the set is named wherever its standards are shown."""
        if self.builtin_key:
            return f"{self.name} (built in: {self.builtin_key})"
        return f"{self.name} (loaded from {self.file_name})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "lob": self.lob, "name": self.name, "plan_year": self.plan_year, "file": self.file_name,
            "builtin_key": self.builtin_key, "vintage": self.vintage, "state": self.state, "label": self.label,
            "notes": list(self.notes), "chosen_because": self.chosen_because, "sources": self.sources,
            "lines": self.lines,
        }  # fmt: skip


def known_line_codes() -> set[str]:
    """The line codes a Medicaid or QHP rule set may use: the HSD lines (primary care as S03, 044 too) and
    the lines with no HSD code (``other_lines.py``)."""
    from blueprint_desktop.rules.other_lines import load_other_lines
    from blueprint_desktop.rules.standards import load_base_table

    base = load_base_table()
    return {line.code for line in base.lines} | set(base.unscored) | set(load_other_lines())


def _num(value: str, name: str, row: int, column: str, whole: bool = False) -> float | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        num = float(text)
    except ValueError:
        raise InputFileError(f"{name}: row {row}, column '{column}': {text!r} is not a number") from None
    if num < 0 or (whole and not num.is_integer()):
        raise InputFileError(f"{name}: row {row}, column '{column}': {text!r} is not a valid {column}")
    return num


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]], int]:
    """Header, rows and the file line number of the first data row (``#`` lines skipped)."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        text = fh.read().splitlines(keepends=True)
    skipped = 0
    while skipped < len(text) and text[skipped].startswith("#"):
        skipped += 1
    reader = csv.DictReader(line for line in text[skipped:] if not line.startswith("#"))
    headers = [h.strip().lower() for h in reader.fieldnames or []]
    reader.fieldnames = headers
    return headers, list(reader), skipped + 2


def parse_rules(
    rows: list[dict[str, str]], name: str, first_row: int = 2, allow_counties: bool = False
) -> tuple[dict[str, dict[str, Any]], set[int]]:
    """Validate rule rows (as ``import_ruleset`` documents them) into lines by county type and county."""
    lines: dict[str, dict[str, Any]] = {}
    years: set[int] = set()
    known = known_line_codes()
    for i, row in enumerate(rows, start=first_row):
        code = (row.get("line_code") or "").strip().upper()
        if not code:
            raise InputFileError(f"{name}: row {i}, column 'line_code': is empty")
        code = code.zfill(3) if code.isdigit() else code
        if code not in known:
            # A line no provider can ever be credited to would be scored as failing everywhere, or be
            # silently empty: refuse it with the codes that work.
            pooled = (
                " (001-006 are scored together as S03)"
                if code in ("001", "002", "003", "004", "005", "006")
                else ""
            )
            raise InputFileError(
                f"{name}: row {i}, column 'line_code': {code!r} is not a line Blueprint can credit providers to"
                f"{pooled}; expected an HSD line ({', '.join(sorted(c for c in known if not c.isalpha()))}) or "
                f"one with no HSD code ({', '.join(sorted(c for c in known if c.isalpha()))}: "
                "resources/rules/other_lines.csv)"
            )
        kind = (row.get("kind") or "").strip().lower()
        if kind not in ("provider", "facility"):
            raise InputFileError(
                f"{name}: row {i}, column 'kind': {row.get('kind')!r} is not provider or facility"
            )
        ctype = (row.get("county_type") or "").strip()
        targets = DESIGNATIONS if ctype.lower() == "all" else (normalize_designation(ctype),)
        if targets == (None,):
            raise InputFileError(
                f"{name}: row {i}, column 'county_type': {ctype!r} is not {', '.join(DESIGNATIONS)} or All"
            )
        pct = _num(row.get("required_pct", ""), name, i, "required_pct")
        if pct is None or not 0 < pct <= 100:
            raise InputFileError(
                f"{name}: row {i}, column 'required_pct': {row.get('required_pct')!r} must be 0-100"
            )
        # "none": the source sets a distance and no time (Georgia PCPs, "Two (2) within eight (8) miles").
        # An empty cell stays an error: a time left out by mistake must not become "no limit".
        no_time = (row.get("max_minutes") or "").strip().lower() == "none"
        minutes = math.inf if no_time else _num(row.get("max_minutes", ""), name, i, "max_minutes")
        miles = _num(row.get("max_miles", ""), name, i, "max_miles")
        if row.get("plan_year"):
            years.add(int(_num(row["plan_year"], name, i, "plan_year", whole=True)))
        counties = [c.strip() for c in (row.get("counties") or "").split(";") if c.strip()]
        if counties and not allow_counties:
            raise InputFileError(
                f"{name}: row {i}, column 'counties': rows for named counties are supported in built-in rule sets "
                "only; give the row a county_type instead"
            )
        bad = [c for c in counties if not (c.isdigit() and len(c) == 5)]
        if bad:
            raise InputFileError(
                f"{name}: row {i}, column 'counties': {bad[0]!r} is not a 5-digit county FIPS"
            )
        within = _num(row.get("providers_within", ""), name, i, "providers_within", whole=True)
        if within is not None and within not in (1, 2):
            raise InputFileError(
                f"{name}: row {i}, column 'providers_within': {row.get('providers_within')!r} must be 1 or 2 (the "
                "distinct providers each member needs within the standard; the engine measures up to the second)"
            )
        cell = {
            "max_minutes": minutes, "max_miles": miles, "required_pct": pct,
            "providers_within": int(within or 1),
            "min_count": _num(row.get("min_count", ""), name, i, "min_count", whole=True),
            "ratio_per_1000": _num(row.get("ratio_per_1000", ""), name, i, "ratio_per_1000"),
            "combine": (row.get("combine") or "and").strip().lower() or "and",
            "source": (row.get("source") or "").strip(), "source_url": (row.get("source_url") or "").strip(),
            "source_section": (row.get("source_section") or "").strip(), "note": (row.get("note") or "").strip(),
        }  # fmt: skip
        if minutes is None or miles is None:
            raise InputFileError(
                f"{name}: row {i}: line {code} needs both max_minutes and max_miles (max_minutes 'none' where "
                "the source sets a distance only)"
            )
        entry = lines.setdefault(
            code,
            {
                "name": (row.get("line_name") or code).strip(),
                "kind": kind,
                "by_designation": {},
                "by_county": {},
            },
        )
        if counties:
            for c in counties:
                if c in entry["by_county"]:
                    raise InputFileError(f"{name}: row {i}: line {code} has two standards for county {c}")
                entry["by_county"][c] = cell
            continue
        for d in targets:
            if d in entry["by_designation"]:
                raise InputFileError(f"{name}: row {i}: line {code} has two standards for {d}")
            entry["by_designation"][d] = cell
    if not lines:
        raise InputFileError(f"{name}: has a header but no rules")
    for code, entry in lines.items():
        have = set(entry["by_designation"])
        if (have or not entry["by_county"]) and set(DESIGNATIONS) - have:
            raise InputFileError(
                f"{name}: line {code} has no standard for {', '.join(sorted(set(DESIGNATIONS) - have))}"
            )
    return lines, years


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
    headers, rows, first = _read_csv(path)
    missing = [c for c in REQUIRED if c not in headers]
    if missing:
        raise InputFileError(
            f"{path.name}: missing column(s) {', '.join(missing)} (expected {', '.join(REQUIRED)})"
        )
    lines, years = parse_rules(rows, path.name, first)
    out = [
        (code, entry["name"], entry["kind"], d, c["max_minutes"], c["max_miles"], c["required_pct"], c["min_count"],
         c["ratio_per_1000"], c["providers_within"])
        for code, entry in lines.items() for d, c in entry["by_designation"].items()
    ]  # fmt: skip
    sources = {
        code: "; ".join(dict.fromkeys(c["source"] for c in e["by_designation"].values() if c["source"]))
        for code, e in lines.items()
    }
    with project.transaction():
        # The newest loaded set wins; the earlier ones stay, so that removing this one (the undo,
        # ruleset_choice.remove_loaded_ruleset) puts the previous one back in force.
        batch_id = project.record_batch(
            f"ruleset-{lob}", path.name, sha256_file(path), len(rows), len(rows), 0,
            {"lines": sorted(lines), "sources": {k: v for k, v in sources.items() if v}},
        )  # fmt: skip
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
            " required_pct, min_count, ratio_per_1000, providers_within) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [(rs_id, *r) for r in out],
        )
        project.audit(f"import.ruleset.{lob}", "rule_sets", rs_id, {"file": path.name, "lines": len(lines)})
    return active_ruleset(project, lob)


def loaded_ruleset(project, lob: str) -> RuleSet | None:
    """The rule set the user loaded for a line of business, or None."""
    if project is None or "rule_sets" not in project.db.table_names():
        return None
    row = project.conn.execute(
        "SELECT id, lob, name, plan_year, file_name, batch_id FROM rule_sets WHERE lob = ? ORDER BY id DESC LIMIT 1",
        (lob,),
    ).fetchone()
    if row is None:
        return None
    sources: dict[str, str] = {}
    if row[5] is not None:
        summary = project.conn.execute(
            "SELECT summary_json FROM import_batches WHERE id = ?", (row[5],)
        ).fetchone()
        if summary and summary[0]:
            sources = json.loads(summary[0]).get("sources", {}) or {}
    lines: dict[str, dict[str, Any]] = {}
    for code, lname, kind, d, minutes, miles, pct, minimum, ratio, within in project.conn.execute(
        "SELECT line_code, line_name, kind, designation, max_minutes, max_miles, required_pct, min_count, ratio_per_1000,"
        " providers_within FROM rule_set_lines WHERE rule_set_id = ? ORDER BY rowid",
        (row[0],),
    ):
        entry = lines.setdefault(code, {"name": lname, "kind": kind, "by_designation": {}, "by_county": {}})
        entry["by_designation"][d] = {
            "max_minutes": minutes, "max_miles": miles, "required_pct": pct, "min_count": minimum,
            "ratio_per_1000": ratio, "providers_within": int(within or 1), "combine": "and", "source": sources.get(code, ""), "source_url": "",
            "source_section": "", "note": "",
        }  # fmt: skip
    return RuleSet(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        lines,
        chosen_because="loaded by the user (wins over built-in sets)",
    )


def builtin_ruleset(project, lob: str) -> tuple[RuleSet | None, str]:
    """The built-in rule set a project uses (``lob_builtin.choose_builtin``) and why, or None and why not."""
    from blueprint_desktop.rules import lob_builtin

    chosen, why = lob_builtin.choose_builtin(project, lob)
    if chosen is None:
        return None, why
    lines, years = parse_rules(list(chosen.rows), chosen.file_name, allow_counties=True)
    return (
        RuleSet(
            0, chosen.lob, chosen.name, chosen.plan_year, chosen.file_name, lines, builtin_key=chosen.key,
            vintage=chosen.vintage, state=chosen.state, notes=chosen.notes, chosen_because=why,
            sources=chosen.sources(),
        ),
        why,
    )  # fmt: skip


def active_ruleset(project, lob: str) -> RuleSet:
    """The rule set in force for a line of business (loaded, else built in); refuses clearly when none."""
    loaded = loaded_ruleset(project, lob)
    if loaded is not None:
        return loaded
    builtin, why = builtin_ruleset(project, lob)
    if builtin is not None:
        return builtin
    raise BlueprintError(
        f"no {lob.upper()} rule set is loaded and none is built in for this project ({why}); load yours with "
        f"`blueprint import ruleset PROJECT FILE --lob {lob}` (built-in sets: `blueprint ruleset --list`)"
    )


def _designation(fips: str) -> tuple[str, str]:
    """CMS's designation of the county in the built-in HSD Reference File, else the 422.116(c) table."""
    from blueprint_desktop.geo import counties as geo
    from blueprint_desktop.rules import cms_criteria

    data = cms_criteria.load_builtin()
    ssas = data.by_fips.get(fips)
    if ssas:
        return data.counties[ssas[0]].designation, "reference"
    row = geo.county_row(fips)
    return designate(float(row.population or 0), float(row.land_sq_mi or 0)), "computed"


def standards_for_county(project, fips: str, lob: str, plan_year: int) -> CountyStandards:
    from blueprint_desktop.geo import counties as geo
    from blueprint_desktop.rules.standards import CountyStandards, LineStandard

    ruleset = active_ruleset(project, lob)
    if ruleset.state and geo.state_of(fips) != ruleset.state:
        raise BlueprintError(
            f"county {fips} is in {geo.state_of(fips)}; the rule set {ruleset.label} holds {ruleset.state} "
            "standards only"
        )
    designation, designation_source = _designation(fips)
    enrollees = None
    if project is not None and "enrollee_points" in project.db.table_names():
        enrollees = project.conn.execute(
            "SELECT sum(weight) FROM enrollee_points WHERE county_fips = ?", (fips,)
        ).fetchone()[0]
    estimated = False
    lines = {}
    notes: list[str] = list(ruleset.notes)
    cited: dict[str, list[str]] = {}
    either: list[str] = []
    absent: list[str] = []
    for code, entry in ruleset.lines.items():
        cell = entry["by_county"].get(fips) or entry["by_designation"].get(designation)
        if cell is None:
            absent.append(code)
            continue
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
            ratio_per_1000=cell["ratio_per_1000"], providers_within=int(cell.get("providers_within", 1)),
        )  # fmt: skip
        if cell["source"]:
            where = f" {cell['source_section']}" if cell["source_section"] else ""
            url = f" <{cell['source_url']}>" if cell["source_url"] else ""
            cited.setdefault(f"{cell['source']}{url}", []).append(f"{code}{where}")
        if cell.get("combine") == "or":
            either.append(code)
    for source, codes in cited.items():
        notes.append(f"source of {', '.join(codes)}: {source}")
    if either:
        notes.append(
            f"{', '.join(either)}: the source sets a distance OR a time; the engine requires both, so a pass is "
            "safe and a failure may be stricter than the source"
        )
    if absent:
        notes.append(
            f"no standard in this county for {', '.join(absent)} (the rule set names other counties)"
        )
    from blueprint_desktop.rules.other_lines import pooling_notes

    notes += pooling_notes(lob, ruleset.lines)
    return CountyStandards(
        county_fips=fips, ssa_code=None, designation=designation, designation_source=designation_source,
        tier=tier(designation), beneficiaries_required=None, estimated=estimated, lob=lob, plan_year=plan_year,
        source=f"{lob.upper()} rule set {ruleset.label}{'; ' + ruleset.vintage if ruleset.vintage else ''}",
        notes=tuple(notes), lines=lines,
        criteria_label=ruleset.label, criteria_year=ruleset.plan_year,
    )  # fmt: skip
