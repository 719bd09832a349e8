"""The network adequacy standards in force for a county and line of business.

Medicare Advantage (42 CFR 422.116) standards come from CMS's criteria, best first:

1. the CMS HSD Reference File in force for the project's plan year (``cms_criteria.criteria_in_force``):
   the newest criteria year at or before the plan year, among the set built into the app (CMS HSD
   Reference File 2026, ``resources/rules/cms_hsd_2026_*.csv``) and the files the user loaded (a loaded
   file beats the built-in set of its year). It gives the county's designation, its per-county time and
   distance (CMS customises 5.4% of county x type cells), its minimum counts and its Certificate of Need
   rows, exactly as CMS published them;
2. only for a county no CMS set lists (or a plan year before every set): the base table
   ``resources/rules/ma_standards_2026.csv`` (42 CFR 422.116(d)-(e); HSD26 Master Tables 1-3) with the
   county's designation computed from its population and land area (422.116(c), ``designation.py``) and
   minimum counts *estimated* (``estimated=True``): total Medicare beneficiaries ~= county 65+ population
   x ``BENEFICIARIES_PER_65_PLUS`` and ``required = ceil(ratio x total x pct95 / 1000)``. Such standards
   are marked "computed" everywhere they are shown.

Medicaid and QHP standards come from a rule set the user loaded, else a built-in one (``lob.py``,
``lob_builtin.py``); they are never mixed with MA's: the project's line of business decides which set
applies.
"""

from __future__ import annotations

import csv
import math
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.rules.designation import DESIGNATIONS, designate, tier

RULES_DIR = Path(__file__).resolve().parents[2] / "resources" / "rules"
BASE_TABLE = RULES_DIR / "ma_standards_2026.csv"
BASE_PLAN_YEAR = 2026

# Total Medicare beneficiaries per resident aged 65+: HSD26's TOTAL BENEFICIARIES summed over the 50
# states and DC (67,705,038) over the ACS 2018-22 65+ population of the same counties (54,737,611) =
# 1.237. Beneficiaries include the under-65 disabled and the population has grown since 2020, hence > 1.
BENEFICIARIES_PER_65_PLUS = 1.237

# 42 CFR 422.116(d): the telehealth and Certificate of Need credits are each 10 percentage points toward the
# share within standard; one credit at most per cell (docs/rules.md, engine/credits.py).
CREDIT_POINTS = 10.0

PRIMARY_CARE_LINE = "S03"


@dataclass(frozen=True)
class LineDef:
    code: str
    name: str
    kind: str  # "provider" | "facility"


@dataclass(frozen=True)
class BaseCell:
    """One line x designation of the built-in table."""

    max_minutes: int
    max_miles: int
    ratio_per_1000: float | None
    min_count: int | None
    counts_beds: bool
    telehealth_credit: bool
    telehealth_certain: bool


@dataclass(frozen=True)
class CountyType:
    designation: str
    required_pct: float  # 42 CFR 422.116(d)(4)
    pct95_ratio: float  # HSD26 "95th PERCENTILE BASE POPULATION RATIO"


@dataclass(frozen=True)
class BaseTable:
    plan_year: int
    lines: tuple[LineDef, ...]
    cells: dict[str, dict[str, BaseCell]]
    county_types: dict[str, CountyType]
    pooled: dict[str, str]  # submitted code -> evaluated line (001-006 -> S03)
    unscored: dict[str, str]  # code -> name (044, attestation only)
    source: str


@dataclass(frozen=True)
class LineStandard:
    code: str
    name: str
    kind: str
    max_minutes: float
    max_miles: float
    min_count: int
    required_pct: float
    telehealth_credit: bool
    credit_points: float
    counts_beds: bool
    source: str  # "reference" | "base" | "ruleset"
    ratio_per_1000: float | None = None
    customized: bool = False  # CMS relaxed this county's T&D above the base (reference file only)
    con_credit: bool = False  # on the Certificate of Need tab with T/D customised "N": +10 (422.116(d)(5))
    con_customized: bool = False  # on the CON tab but T/D customised "Y": CMS gives no CON credit there
    telehealth_certain: bool = True
    # Distinct providers (NPIs) each member needs within the standard: 1 for MA and most states; 2 where a
    # state asks for two (Georgia Families Figure 1: PCPs, obstetric providers). Engine: second_provider.py.
    providers_within: int = 1

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if self.providers_within == 1:  # the usual case is left out, so older runs' fingerprints still match
            del out["providers_within"]
        return out


@dataclass(frozen=True)
class CountyStandards:
    county_fips: str
    ssa_code: str | None
    designation: str
    designation_source: str  # "reference" | "computed"
    tier: str
    beneficiaries_required: int | None
    estimated: bool
    lob: str
    plan_year: int
    source: str
    total_beneficiaries: float | None = None
    pct95_ratio: float | None = None
    reference_vintage: str | None = None
    notes: tuple[str, ...] = ()
    lines: dict[str, LineStandard] = field(default_factory=dict)
    criteria_label: str = ""  # e.g. "CMS HSD Reference File 2026 (built in)": shown wherever standards are
    criteria_year: int | None = None

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k != "lines"}
        out["notes"] = list(self.notes)
        out["lines"] = [line.as_dict() for line in self.lines.values()]
        return out


# -- the built-in table ----------------------------------------------------------------------------
def _num(text: str, cast=float):
    text = (text or "").strip()
    return cast(text) if text else None


@lru_cache(maxsize=4)
def load_base_table(path: Path | str = BASE_TABLE) -> BaseTable:
    """Read and check the built-in MA standards table (refuses a damaged resource file)."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    except FileNotFoundError:
        raise BlueprintError(f"{path}: the built-in standards table is missing; reinstall the app") from None
    lines: list[LineDef] = []
    cells: dict[str, dict[str, BaseCell]] = {}
    county_types: dict[str, CountyType] = {}
    pooled: dict[str, str] = {}
    unscored: dict[str, str] = {}
    for row in rows:
        code = row["code"].strip()
        if row["scored"].strip() == "0":
            if row["evaluated_as"].strip():
                pooled[code] = row["evaluated_as"].strip()
            else:
                unscored[code] = row["name"]
            continue
        designation = row["designation"].strip()
        if designation not in DESIGNATIONS:
            raise BlueprintError(f"{path}: line {code}: unknown designation {designation!r}")
        if code not in cells:
            lines.append(LineDef(code, row["name"], row["kind"]))
            cells[code] = {}
        cells[code][designation] = BaseCell(
            max_minutes=int(row["max_minutes"]),
            max_miles=int(row["max_miles"]),
            ratio_per_1000=_num(row["ratio_per_1000"]),
            min_count=_num(row["min_count"], int),
            counts_beds=row["counts_beds"].strip() == "1",
            telehealth_credit=row["telehealth_credit"].strip() == "1",
            telehealth_certain=row["telehealth_certain"].strip() == "1",
        )
        ct = CountyType(designation, float(row["required_pct"]), float(row["pct95_ratio"]))
        if county_types.setdefault(designation, ct) != ct:
            raise BlueprintError(
                f"{path}: line {code}: {designation} required share or ratio differs from other lines"
            )
    for code, by_designation in cells.items():
        missing = set(DESIGNATIONS) - set(by_designation)
        if missing:
            raise BlueprintError(f"{path}: line {code} has no row for {', '.join(sorted(missing))}")
    return BaseTable(
        plan_year=BASE_PLAN_YEAR,
        lines=tuple(lines),
        cells=cells,
        county_types=county_types,
        pooled=pooled,
        unscored=unscored,
        source=f"{path.name} (42 CFR 422.116; CMS HSD Reference File {BASE_PLAN_YEAR} Master Tables 1-3)",
    )


def all_lines(lob: str = "ma", project=None) -> list[LineDef]:
    """The lines evaluated for a line of business, in HSD order (primary care as S03)."""
    if lob == "ma":
        return list(load_base_table().lines)
    from blueprint_desktop.rules import lob as lob_rules

    ruleset = lob_rules.active_ruleset(project, lob)
    return [LineDef(code, d["name"], d["kind"]) for code, d in ruleset.lines.items()]


# -- MA: minimum counts ----------------------------------------------------------------------------
def required_count(ratio_per_1000: float, total_beneficiaries: float, pct95_ratio: float) -> int:
    """HSD26: ceil(ratio x TOTAL_BENEFICIARIES x PCT95 / 1000), on the UNROUNDED product (regulation.md
    rule 4: rounding the beneficiaries first gets 26 bed cells wrong, e.g. Etowah AL). At least 1."""
    # round() strips float noise such as 35.000000000000004 before the ceiling.
    value = round(ratio_per_1000 * total_beneficiaries * pct95_ratio / 1000.0, 9)
    return max(1, math.ceil(value))


def beneficiaries_required(total_beneficiaries: float, pct95_ratio: float) -> int:
    """HSD26 BENEFICIARIES REQUIRED TO COVER = ceil(TOTAL x PCT95)."""
    return max(1, math.ceil(round(total_beneficiaries * pct95_ratio, 9)))


def estimate_total_beneficiaries(pop_65: float) -> float:
    return max(1.0, round(float(pop_65 or 0) * BENEFICIARIES_PER_65_PLUS))


# -- the standards in force --------------------------------------------------------------------------
def standards_for_county(
    project, county_fips: str, lob: str | None = None, plan_year: int | None = None
) -> CountyStandards:
    """The standards that apply to one county (see the module doc for where they come from)."""
    fips = str(county_fips).strip().zfill(5)
    project_lob = project.lob if project is not None else None
    lob = (lob or project_lob or "ma").lower()
    if project_lob is not None and lob != project_lob:
        raise BlueprintError(
            f"{project.path}: is a {project_lob.upper()} project; {lob.upper()} standards do not apply to it "
            "(rule sets of different lines of business are never mixed)"
        )
    if plan_year is None:
        plan_year = project.plan_year if project is not None and project.plan_year else BASE_PLAN_YEAR
    if lob != "ma":
        from blueprint_desktop.rules import lob as lob_rules

        return lob_rules.standards_for_county(project, fips, lob, plan_year)
    from blueprint_desktop.rules import reference_file

    # With no project (``blueprint standards --county``) the built-in CMS criteria still apply.
    ref = reference_file.reference_county(project, fips, plan_year)
    if ref is not None:
        return _from_reference(fips, plan_year, ref)
    return _computed(fips, plan_year)


def _county_geo(fips: str):
    from blueprint_desktop.geo import counties as geo

    return geo.county_row(fips)


def _computed(fips: str, plan_year: int) -> CountyStandards:
    base = load_base_table()
    row = _county_geo(fips)
    designation = designate(float(row.population or 0), float(row.land_sq_mi or 0))
    ct = base.county_types[designation]
    total = estimate_total_beneficiaries(row.pop_65)
    lines = {}
    for line in base.lines:
        cell = base.cells[line.code][designation]
        if cell.ratio_per_1000 is not None:
            minimum = required_count(cell.ratio_per_1000, total, ct.pct95_ratio)
        else:
            minimum = cell.min_count or 1
        lines[line.code] = LineStandard(
            code=line.code,
            name=line.name,
            kind=line.kind,
            max_minutes=cell.max_minutes,
            max_miles=cell.max_miles,
            min_count=minimum,
            required_pct=ct.required_pct,
            telehealth_credit=cell.telehealth_credit and cell.telehealth_certain,
            credit_points=CREDIT_POINTS,
            counts_beds=cell.counts_beds,
            source="base",
            ratio_per_1000=cell.ratio_per_1000,
            telehealth_certain=cell.telehealth_certain,
        )
    from blueprint_desktop.rules.cms_criteria import BUILTIN_YEAR

    why = (
        f"no CMS HSD Reference File at or before plan year {plan_year} (the built-in criteria are for "
        f"{BUILTIN_YEAR}; load the file CMS published for your year)"
        if plan_year < BUILTIN_YEAR
        else "CMS's HSD Reference File does not list this county"
    )
    notes = [
        f"designation computed from county population and land area (42 CFR 422.116(c)): {why}",
        f"minimum counts are estimates: beneficiaries = 65+ population x {BENEFICIARIES_PER_65_PLUS}",
    ]
    return CountyStandards(
        county_fips=fips,
        ssa_code=None,
        designation=designation,
        designation_source="computed",
        tier=tier(designation),
        beneficiaries_required=beneficiaries_required(total, ct.pct95_ratio),
        estimated=True,
        lob="ma",
        plan_year=plan_year,
        source=base.source,
        total_beneficiaries=total,
        pct95_ratio=ct.pct95_ratio,
        notes=tuple(dict.fromkeys(notes)),
        lines=lines,
        criteria_label=f"computed designation and base criteria ({base.source})",
        criteria_year=None,
    )


def _from_reference(fips: str, plan_year: int, ref) -> CountyStandards:
    """Standards from a loaded reference file: its designation, T&D and minimums win over the table."""
    base = load_base_table()
    designation = ref.designation
    ct = base.county_types[designation]
    notes = list(ref.notes)
    total, pct95 = ref.total_beneficiaries, ref.pct95_ratio or ct.pct95_ratio
    if total is None:
        # A reference CSV without beneficiary columns: minimums it omits are estimated from geography.
        total = estimate_total_beneficiaries(_county_geo(fips).pop_65)

    def fallback_min(cell: BaseCell) -> int:
        if cell.ratio_per_1000 is None:
            return cell.min_count or 1
        if ref.total_beneficiaries is None:
            notes.append(
                f"minimums the file omits are estimated (65+ population x {BENEFICIARIES_PER_65_PLUS})"
            )
        return required_count(cell.ratio_per_1000, total, pct95)

    lines = {}
    for line in base.lines:
        cell = base.cells[line.code][designation]
        crit = ref.criteria.get(line.code)
        if crit is None:
            # A line the file does not carry (e.g. a newer type): fall back to the base cell, say so.
            minimum = fallback_min(cell)
            minutes, miles, source, customized = cell.max_minutes, cell.max_miles, "base", False
        else:
            minutes = crit.max_minutes if crit.max_minutes is not None else cell.max_minutes
            miles = crit.max_miles if crit.max_miles is not None else cell.max_miles
            minimum = crit.min_count if crit.min_count is not None else fallback_min(cell)
            source = "reference"
            customized = (minutes, miles) != (cell.max_minutes, cell.max_miles)
        lines[line.code] = LineStandard(
            code=line.code,
            name=line.name,
            kind=line.kind,
            max_minutes=minutes,
            max_miles=miles,
            min_count=int(minimum),
            required_pct=ct.required_pct,
            telehealth_credit=cell.telehealth_credit and cell.telehealth_certain,
            credit_points=CREDIT_POINTS,
            counts_beds=cell.counts_beds,
            source=source,
            ratio_per_1000=cell.ratio_per_1000,
            customized=customized,
            # 42 CFR 422.116(d)(5) CON credit: only where the CON tab says T/D customised "N" (a "Y" cell
            # already has customised criteria; docs/rules.md, "Certificate of Need credit").
            con_credit=line.code in ref.con_lines,
            con_customized=line.code in ref.con_customized_lines,
            telehealth_certain=cell.telehealth_certain,
        )
    source_info = ref.source
    year = source_info.criteria_year if source_info is not None else plan_year
    label = source_info.label if source_info is not None else f"CMS HSD Reference File {ref.file_name}"
    if year != plan_year:
        notes.append(
            f"criteria year {year} applied to plan year {plan_year} (the newest CMS criteria at or before it)"
        )
    return CountyStandards(
        county_fips=fips,
        ssa_code=ref.ssa_code,
        designation=designation,
        designation_source="reference",
        tier=tier(designation),
        beneficiaries_required=ref.beneficiaries_required,
        estimated=False,
        lob="ma",
        plan_year=plan_year,
        source=label,
        total_beneficiaries=ref.total_beneficiaries,
        pct95_ratio=ref.pct95_ratio,
        reference_vintage=ref.vintage,
        notes=tuple(dict.fromkeys(notes)),
        lines=lines,
        criteria_label=label,
        criteria_year=year,
    )
