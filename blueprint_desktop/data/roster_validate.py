"""Check every row of a roster and turn the good ones into typed values.

Every problem of the file is collected (never just the first), each as (row number as in the spreadsheet,
the column as the USER named it, the value as written, what was expected), so the user fixes the whole
file in one pass. The rules (docs/data-in.md lists them with examples):

* NPI: 10 digits with the NPI check digit (45 CFR 162.406; ``data.npi``);
* specialty: an HSD specialty code (HSD26 codes 001-006, 007-037, 040-068; S03 accepted) or a NUCC taxonomy
  the crosswalk knows (``rules.crosswalk.known_taxonomy``); in an HSD table the code must be of that table's
  kind (provider codes in the Provider table, facility codes in the Facility table); a code given with a
  taxonomy the crosswalk never credits (physical therapists are never 026: 42 CFR 422.116(a)(3), HSD26
  Notes) is refused;
* state: a USPS code (or the state's name); ZIP: 5 digits, ZIP+4 accepted and stored as 5, 4 digits taken
  as a ZIP whose leading zero a spreadsheet dropped, and the ZIP must belong to the row's state when the
  ZIP table knows it; county: FIPS, SSA code (resolved through the loaded CMS reference file) or name
  (``rules.county_match``), in the row's state; coordinates in range, both or neither, and not inside
  another state's county;
* dates: ISO (2025-03-01), M/D/YYYY, YYYYMMDD or an Excel serial day number;
* statuses: the values of schema V1 (store/schema.py), common spellings mapped explicitly (tables below);
  anything else is a problem, never a guess;
* a row exactly repeating an earlier one is a problem, and so are rows of one NPI that disagree on a
  provider-level status (one NPI is one provider);
* the credit facts of schema 7 (store/schema_credit_rules.py): ``exclusion`` (42 CFR 422.116(a)(3)(i)(A)-(B);
  explicit spellings below, else the taxonomy's ``crosswalk.EXCLUSION_BY_TAXONOMY``), ``ma_contracted``
  ((a)(3)(i)(C); Y/N or product names, else read from the HSD "Contract Type" through ``MA_PRODUCT_SPELLINGS``),
  ``primary_care_source`` and ``offers_telehealth`` (Y/N); ``county_served`` resolved to a county FIPS.

A taxonomy may be any code of the NUCC code set (``crosswalk.is_nucc_code``): one our crosswalk does not map
takes the line of the row's HSD code, and without one it imports crediting no line. That, and a facility
whose name says children's or pediatric with no exclusion, are *warnings* (``Validation.warnings``): the row
imports and the user is told, never refused and never silently excluded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from blueprint_desktop.data.npi import is_valid_npi, npi_check_digit
from blueprint_desktop.data.roster_layouts import DATE_FIELDS, RosterLayout
from blueprint_desktop.data.tabular import Table
from blueprint_desktop.progress import Progress
from blueprint_desktop.rules import crosswalk, other_lines
from blueprint_desktop.rules.county_match import match_county
from blueprint_desktop.rules.qhp_template_codes import qhp_hint
from blueprint_desktop.store.schema import GEOCODE_QUALITIES

WHOLE_ROW = "(whole row)"


@dataclass(frozen=True)
class Problem:
    """One bad value: spreadsheet row (header = row 1), the user's column name, the value, what was expected.

    A warning (``severity`` 'warning') is a row that imports but the user should know about; its ``expected``
    says what it means (e.g. "credits no line"); ``kind`` names the warning for counts."""

    row_number: int | None
    column: str
    value: str
    expected: str
    severity: str = "error"  # "error" (the row is refused) | "warning" (the row imports)
    kind: str = (
        ""  # warnings: 'no_line', 'name_suggests_children', 'exclusion_overridden', 'ma_conflict', ...
    )

    def __str__(self) -> str:
        where = f"row {self.row_number}, " if self.row_number is not None else ""
        if self.severity == "warning":
            return f"{where}column {self.column}: {self.value or '(empty)'}: {self.expected}"
        return f"{where}column {self.column}: got {self.value or '(empty)'}, expected {self.expected}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "row_number": self.row_number,
            "column": self.column,
            "value": self.value,
            "expected": self.expected,
            "severity": self.severity,
            "kind": self.kind,
        }


@dataclass(slots=True)
class RosterRow:
    """A good row, typed: the provider values it gives, its HSD codes, its location. Slots: a national
    roster holds a million of these until they are grouped by NPI."""

    row_number: int
    npi: str
    provider: dict[str, Any]
    codes: list[str]
    taxonomy: str | None
    address: str | None
    city: str | None
    state: str | None
    zip: str | None
    county_fips: str | None
    latitude: float | None
    longitude: float | None
    geocode_quality: str | None
    beds: int | None
    counties_served: list[str] = field(default_factory=list)  # county FIPS of the row's county served

    @property
    def kinds(self) -> set[str]:
        if self.codes:
            return {code_kind(c) for c in self.codes}
        return {"facility" if self.provider.get("entity_type") == "organization" else "provider"}


@dataclass
class Validation:
    rows: list[RosterRow] = field(default_factory=list)  # the good rows
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # of good rows: they import, the user is told
    bad_rows: set[int] = field(default_factory=set)
    bad_npis: set[str] = field(default_factory=set)  # valid NPIs found on rejected rows
    rows_read: int = 0


class _Bad(Exception):
    """A value that is not acceptable; the message is what was expected."""


# -- value vocabularies (explicit: anything not listed is a problem) ---------------------------------
def _key(text: str) -> str:
    """'Fully-Executed' -> 'fully executed', 'L.O.I.' -> 'loi'."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower().replace(".", "")).split())


CONTRACT_SPELLINGS = {
    "executed": (
        "executed",
        "fully executed",
        "signed",
        "contracted",
        "active",
        "in network",
        "par",
        "participating",
    ),
    "loi": ("loi", "letter of intent", "intent"),
    "pending": ("pending", "in negotiation", "negotiating", "pending signature", "in progress", "sent"),
    "terminated": ("terminated", "termed", "term", "expired", "cancelled", "canceled", "inactive"),
    "none": ("none", "no contract", "not contracted", "uncontracted", "non par", "non participating"),
}
CREDENTIALING_SPELLINGS = {
    "active": (
        "active",
        "credentialed",
        "fully credentialed",
        "approved",
        "complete",
        "completed",
        "current",
    ),
    "provisional": ("provisional", "provisionally credentialed", "temporary", "temp"),
    "pending": ("pending", "in process", "in progress", "submitted", "applied", "in review", "under review"),
    "none": ("none", "not credentialed", "not started", "denied", "expired"),
}
PANEL_SPELLINGS = {
    "open": ("open", "y", "yes", "accepting", "accepting new patients", "open panel", "accepts new patients"),
    "closed": ("closed", "n", "no", "not accepting", "closed panel", "not accepting new patients"),
    "unknown": ("unknown", "u", "unk"),
}
BOOLEAN_SPELLINGS = {1: ("y", "yes", "true", "t", "1", "x"), 0: ("n", "no", "false", "f", "0")}
ENTITY_SPELLINGS = {
    "individual": ("individual", "i", "1", "person", "practitioner", "ind"),
    "organization": ("organization", "organisation", "o", "2", "org", "facility", "group"),
}
QUALITY_SPELLINGS = {
    "exact": ("exact", "rooftop", "point", "parcel", "address point"),
    "interpolated": ("interpolated", "street", "range", "address range", "street segment", "non exact"),
    "zip-centroid": ("zip centroid", "zip", "zip code", "postal", "zip5"),
    "county-centroid": ("county centroid", "county"),
}
assert set(QUALITY_SPELLINGS) == set(GEOCODE_QUALITIES) - {"none"}


def _vocabulary(spellings: dict[Any, tuple[str, ...]]) -> dict[str, Any]:
    return {_key(s): value for value, names in spellings.items() for s in names}


def _from(spellings: dict[Any, tuple[str, ...]], expected: str) -> Callable[[str], Any]:
    vocab = _vocabulary(spellings)

    def parse(text: str) -> Any:
        try:
            return vocab[_key(text)]
        except KeyError:
            raise _Bad(expected) from None

    return parse


# The exclusion field (schema 7: store/schema_credit_rules.EXCLUSIONS; 42 CFR 422.116(a)(3)(i)(A)-(B)). "none"
# says the row is none of them, even when its taxonomy would say otherwise (e.g. a rehabilitation hospital's
# outpatient therapy listed as 049).
EXCLUSION_NONE = "none"
EXCLUSION_SPELLINGS = {
    "children": (
        "children",
        "childrens",
        "children s",
        "children s hospital",
        "childrens hospital",
        "children hospital",
        "pediatric",
        "pediatric hospital",
        "paediatric",
    ),
    "long_term_care": ("long term care", "long term care hospital", "ltch", "ltach", "ltc", "ltc hospital"),
    "specialized": (
        "specialized",
        "specialized hospital",
        "specialised",
        "specialty hospital",
        "speciality hospital",
        "special hospital",
    ),
    "residential_only": (
        "residential only",
        "residential",
        "residential facility",
        "residential facility only",
        "only in a residential facility",
    ),
    EXCLUSION_NONE: ("none", "no", "n", "not excluded"),
}

# Which products a contract covers, for 42 CFR 422.116(a)(3)(i)(C): "providers and facilities contracted with
# the organization only for its commercial, Medicaid, or other products" do not count. One table read both for
# the roster's ma_contracted column and for the HSD "Contract Type" value (spellings compared with case and
# punctuation ignored: "MA/Medicaid" is "ma medicaid"):
# 1 = the contract covers the Medicare Advantage product; 0 = it names only non-MA products; None = a
# contracting relationship word (how, not for what: the HSD column is often filled this way) that says
# nothing about the product. A Contract Type not in the table is kept as text and says nothing (None).
MA_PRODUCT_SPELLINGS: dict[int | None, tuple[str, ...]] = {
    1: (
        "ma",
        "medicare advantage",
        "medicare",
        "ma medicaid",
        "medicare advantage medicaid",
        "all products",
        "ma only",
        "medicare advantage only",
        "mapd",
        "ma pd",
        "d snp",
        "dsnp",
    ),
    0: (
        "medicaid only",
        "medicaid",
        "commercial",
        "commercial only",
        "exchange qhp",
        "exchange",
        "qhp",
        "marketplace",
        "commercial medicaid",
        "medicaid commercial",
        "other products",
        "other products only",
    ),
    # "Other" alone is ambiguous (another product, or another contracting arrangement): it says nothing,
    # so it never takes a provider's credit away.
    None: ("direct", "downstream", "subcontract", "subcontracted", "sub contract", "group", "other"),
}

parse_contract = _from(CONTRACT_SPELLINGS, "one of executed, loi, pending, terminated, none")
parse_credentialing = _from(CREDENTIALING_SPELLINGS, "one of active, provisional, pending, none")
parse_panel = _from(PANEL_SPELLINGS, "one of open, closed, unknown (or Y / N)")
parse_flag = _from(BOOLEAN_SPELLINGS, "Y or N")
parse_entity = _from(ENTITY_SPELLINGS, "individual or organization")
parse_quality = _from(QUALITY_SPELLINGS, "one of exact, interpolated, zip-centroid, county-centroid")
parse_exclusion = _from(
    EXCLUSION_SPELLINGS,
    "one of children, long_term_care, specialized, residential_only, none "
    "(42 CFR 422.116(a)(3)(i): children's, long-term care or specialized hospital, residential only)",
)
_MA_PRODUCTS = _vocabulary(MA_PRODUCT_SPELLINGS)
_MA_EXPECTED = (
    "Y or N, or the contract's products (e.g. Medicare Advantage, MA/Medicaid, Medicaid only, Commercial)"
)


def ma_from_contract_type(text: str) -> int | None:
    """What an HSD "Contract Type" says about the MA product: 1, 0, or None (says nothing; never a problem)."""
    return _MA_PRODUCTS.get(_key(text or ""))


def parse_ma_contracted(text: str) -> int:
    """The ma_contracted column: Y/N, or product names that say whether MA is covered."""
    key = _key(text)
    flags = _vocabulary(BOOLEAN_SPELLINGS)
    if key in flags:
        return flags[key]
    value = _MA_PRODUCTS.get(key)
    if value is None:
        raise _Bad(_MA_EXPECTED)
    return value


# -- single values -------------------------------------------------------------------------------------
DATE_EXPECTED = "a date (YYYY-MM-DD, M/D/YYYY, YYYYMMDD or an Excel date)"
# Excel's day 0 is 1899-12-30 once its 1900 leap-year bug is allowed for (ECMA-376 Part 1, 18.17.4.1).
_EXCEL_EPOCH = date(1899, 12, 30)
# Serial numbers 20000..80000 are 1954-10-03..2119-01-08: any roster date; a bare year like 2024 is not one.
_EXCEL_SERIALS = (20000, 80000)


def parse_date(text: str) -> str:
    t = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}([ T].*)?", t):
            return date.fromisoformat(_iso_date_part(t)).isoformat()
        m = re.fullmatch(r"(\d{1,2})[/-](\d{1,2})[/-](\d{4})( .*)?", t)
        if m:
            return date(int(m.group(3)), int(m.group(1)), int(m.group(2))).isoformat()
        if re.fullmatch(r"\d{8}", t):
            return datetime.strptime(t, "%Y%m%d").date().isoformat()
        if re.fullmatch(r"\d+(\.0+)?", t) and _EXCEL_SERIALS[0] <= float(t) <= _EXCEL_SERIALS[1]:
            return (_EXCEL_EPOCH + timedelta(days=int(float(t)))).isoformat()
    except ValueError:
        pass
    raise _Bad(DATE_EXPECTED)


def _iso_date_part(text: str) -> str:
    y, m, d = re.split(r"[ T]", text, maxsplit=1)[0].split("-")
    return f"{int(y):04d}-{int(m):02d}-{int(d):02d}"


def parse_npi(text: str) -> str:
    t = text.strip()
    if not (len(t) == 10 and t.isdigit()):
        raise _Bad("a 10-digit NPI")
    if not is_valid_npi(t):
        raise _Bad(
            f"a valid NPI check digit (45 CFR 162.406; for {t[:9]} the 10th digit is {npi_check_digit(t[:9])})"
        )
    return t


def parse_zip(text: str) -> str:
    t = text.strip()
    m = re.fullmatch(r"(\d{4,5})(-?\d{4})?", t)
    if not m or (len(m.group(1)) == 4 and m.group(2)):
        raise _Bad("a 5-digit ZIP code (ZIP+4 accepted)")
    return m.group(1).zfill(5)


def parse_beds(text: str) -> int:
    t = text.strip()
    if re.fullmatch(r"\d+(\.0+)?", t):
        return int(float(t))
    raise _Bad("a whole number of beds (0 or more)")


def parse_coordinate(text: str, low: float, high: float, what: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise _Bad(f"a {what} in decimal degrees ({low:g} to {high:g})") from None
    if not low <= value <= high or value != value:
        raise _Bad(f"a {what} in decimal degrees ({low:g} to {high:g})")
    return value


@lru_cache(maxsize=1)
def _specialty_codes() -> dict[str, str]:
    """Every HSD specialty code a roster may carry -> 'provider' | 'facility' (HSD26 code list)."""
    from blueprint_desktop.rules.standards import load_base_table

    base = load_base_table()
    out = {line.code: line.kind for line in base.lines}
    out.update({code: "provider" for code in base.pooled})  # 001-006, evaluated as S03
    out.update({code: "facility" for code in base.unscored})  # 044 (attestation only)
    return out


def code_kind(code: str) -> str:
    kind = _specialty_codes().get(code)
    if kind is None:  # a Medicaid/QHP line with no HSD code (URG and PHA are facilities)
        other = other_lines.load_other_lines().get(code)
        kind = other.kind if other else "provider"
    return kind


def _ranges(codes: list[str]) -> str:
    """'001-006, 007-008, ...' compressed runs of consecutive numeric codes, for messages."""
    nums = sorted(int(c) for c in codes if c.isdigit())
    runs: list[str] = []
    i = 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        runs.append(f"{nums[i]:03d}" if i == j else f"{nums[i]:03d}-{nums[j]:03d}")
        i = j + 1
    return ", ".join(runs + sorted(c for c in codes if not c.isdigit()))


@lru_cache(maxsize=4)
def _codes_of_kind(kind: str) -> tuple[frozenset[str], str]:
    """The codes of one table kind and the message naming them (built once, not once per row)."""
    allowed = [c for c, k in _specialty_codes().items() if k == kind]
    return frozenset(allowed), f"a {kind} specialty code of the HSD {kind} table ({_ranges(allowed)})"


def parse_specialty(text: str, kind: str | None) -> str:
    t = text.strip().upper()
    if t.endswith(".0") and t[:-2].isdigit():
        t = t[:-2]
    code = t.zfill(3) if t.isdigit() else t
    codes = _specialty_codes()
    if kind:
        allowed, expected = _codes_of_kind(kind)
        if code not in allowed:
            raise _Bad(expected + qhp_hint(code))
    elif code not in codes:
        raise _Bad(f"a CMS HSD specialty code ({_ranges(list(codes))}){qhp_hint(code)}")
    return code


def parse_taxonomy(text: str) -> str:
    """A code of the NUCC code set (v25.1) or of our crosswalk; whether it credits a line is decided later."""
    code = crosswalk.normalize_taxonomy(text)
    if not (crosswalk.known_taxonomy(code) or crosswalk.is_nucc_code(code)):
        if not re.fullmatch(r"[0-9A-Z]{9}X", code):
            raise _Bad("a 10-character NUCC taxonomy code ending in X")
        raise _Bad(
            f"a code of the NUCC taxonomy code set v{crosswalk.NUCC_VERSION} (resources/rules/nucc_taxonomy_codes.csv)"
        )
    return code


def _no_line_reason(taxonomy: str) -> str:
    """The warning for a taxonomy-only row whose taxonomy credits no line."""
    nucc = crosswalk.nucc_code(taxonomy)
    name = f"{taxonomy} ({nucc.name})" if nucc else taxonomy
    entry = crosswalk.entry_for(taxonomy)
    if entry is None:
        why = "Blueprint's NUCC->HSD crosswalk does not map it"
    elif entry.conditional_hsd_codes:
        why = f"it counts for {', '.join(entry.conditional_hsd_codes)} only when the row's HSD code says so"
    else:
        why = entry.note or "it is never credited"
    return (
        f"credits no line: taxonomy {name} gives no HSD line ({why}); imported, counting toward no line "
        "(give the row an HSD specialty code to count it)"
    )


def _not_scored_reason(taxonomy: str, codes: list[str]) -> str:
    """The warning for a row whose lines the project's standards do not score (yet)."""
    names = other_lines.load_other_lines()
    lines = ", ".join(f"{c} ({names[c].name})" if c in names else c for c in codes)
    return (
        f"credits {lines}, which this project's standards do not score: imported, counting once standards "
        "that score it are chosen (Scoring > Standards)"
    )


# -- geography -----------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _states() -> tuple[dict[str, str], dict[str, str]]:
    from blueprint_desktop.geo.counties import load_states

    states = load_states()
    by_abbr = {str(a): str(f) for a, f in zip(states.state, states.state_fips, strict=True)}
    by_name = {_key(str(n)): str(a) for n, a in zip(states.state_name, states.state, strict=True)}
    return by_abbr, by_name


def parse_state(text: str) -> str:
    by_abbr, by_name = _states()
    t = text.strip().upper()
    if t in by_abbr:
        return t
    if _key(text) in by_name:
        return by_name[_key(text)]
    raise _Bad("a USPS state code such as TX")


@lru_cache(maxsize=1)
def _county_states() -> dict[str, str]:
    from blueprint_desktop.geo.counties import load_counties

    counties = load_counties()
    return {str(f): str(s) for f, s in zip(counties.index, counties.state, strict=True)}


@dataclass
class Context:
    """What validation needs from the project: the SSA county codes of the CMS criteria it can use (the
    built-in CMS HSD Reference File, and any file the user loaded, which wins for its codes)."""

    ssa: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # ssa -> (state, fips)
    # The project's line of business: the warnings about MA's exclusions (42 CFR 422.116(a)(3)) are for MA
    # projects only, as the exclusions themselves are (engine/exclusions.py).
    lob: str = "ma"
    # Medicaid/QHP: the lines the project's standards score now (pooled lines included), so that a row whose
    # only lines are none of them is imported with a warning, not silently; None for MA or when no set applies.
    scored: frozenset[str] | None = None

    @classmethod
    def for_project(cls, project) -> Context:
        from blueprint_desktop.rules.cms_criteria import builtin_ssa_map

        ssa = dict(builtin_ssa_map())
        if project is None:
            return cls(ssa)
        try:
            rows = project.conn.execute(
                "SELECT ssa_code, state, county_fips FROM reference_counties ORDER BY reference_file_id"
            ).fetchall()
        except Exception:  # noqa: BLE001 - no reference tables in this project
            rows = []
        ssa.update({str(s): (str(st), f) for s, st, f in rows})
        return cls(ssa, project.lob, _scored_lines(project))


def _scored_lines(project) -> frozenset[str] | None:
    """The lines a Medicaid/QHP project's standards score, with the lines pooled into them (None for MA, or
    when no rule set applies yet)."""
    if project.lob == "ma":
        return None
    from blueprint_desktop.errors import BlueprintError
    from blueprint_desktop.rules.lob import active_ruleset
    from blueprint_desktop.rules.other_lines import pooled_lines

    try:
        lines = set(active_ruleset(project, project.lob).lines)
    except BlueprintError:
        return None
    pooled = {s for sources in pooled_lines(project.lob, lines).values() for s in sources}
    return frozenset(lines | pooled)


def parse_county(text: str, state: str, ctx: Context) -> str:
    t = text.strip()
    if t.endswith(".0") and t[:-2].isdigit():
        t = t[:-2]
    county_states = _county_states()
    if t.isdigit():
        if len(t) == 3:
            t = _states()[0][state] + t
        if len(t) in (4, 5):
            code = t.zfill(5)
            if county_states.get(code) == state:
                return code
            hit = ctx.ssa.get(code)
            if hit and hit[0] == state and hit[1]:
                return hit[1]
        with_ssa = " or CMS SSA county code" if ctx.ssa else ""
        raise _Bad(f"a county FIPS code{with_ssa} in {state}")
    fips, how = match_county(state, t)
    if fips is None:
        raise _Bad(f"a county of {state} ({how})")
    return fips


def parse_ssa(text: str, ctx: Context) -> str:
    t = text.strip()
    if t.endswith(".0") and t[:-2].isdigit():
        t = t[:-2]
    if not (t.isdigit() and len(t) in (4, 5)):
        raise _Bad("a 5-digit SSA state/county code")
    code = t.zfill(5)
    if ctx.ssa and code not in ctx.ssa:
        raise _Bad("an SSA state/county code of the CMS HSD Reference File")
    return code


def parse_county_served(text: str, state: str | None, ctx: Context) -> list[str]:
    """The county FIPS of a row's county served (the HSD 'SSA State/County Code'), [] when it cannot be known.

    An SSA code resolves through ``ctx.ssa`` (the CMS county list: SSA -> state, FIPS); a county FIPS or a
    county name (in the row's state) is accepted too. SSA and FIPS codes are both 5 digits: when a code is
    both, the one in the row's state wins, else the SSA reading (the column is SSA in the HSD tables). With
    no SSA list at hand a code that is not a FIPS of the row's state is checked for form only and gives [].
    """
    t = text.strip()
    if t.endswith(".0") and t[:-2].isdigit():
        t = t[:-2]
    if not t.isdigit():
        if not state:
            raise _Bad("a 5-digit SSA state/county code (a county name needs the row's state)")
        fips, how = match_county(state, t)
        if fips is None:
            raise _Bad(f"an SSA state/county code, county FIPS or a county of {state} ({how})")
        return [fips]
    if len(t) not in (4, 5):
        raise _Bad("a 5-digit SSA state/county code")
    code = t.zfill(5)
    county_states = _county_states()
    ssa = ctx.ssa.get(code)
    ssa_fips = [f for f in str(ssa[1] or "").split(";") if f] if ssa else []
    as_fips = [code] if code in county_states else []
    if ssa and as_fips and county_states.get(code) == state and ssa[0] != state:
        return as_fips
    if ssa:
        return ssa_fips
    if as_fips and (ctx.ssa or county_states.get(code) == state):
        return as_fips
    if ctx.ssa:
        raise _Bad("an SSA state/county code of the CMS HSD Reference File (or a county FIPS)")
    return []


# -- the table -----------------------------------------------------------------------------------------
_PROVIDER_PARSERS: dict[str, Callable[[str], Any]] = {
    "entity_type": parse_entity,
    "contract_status": parse_contract,
    "credentialing_status": parse_credentialing,
    "panel_status": parse_panel,
    "telehealth_only": parse_flag,
    "telehealth_waived": parse_flag,
    "offers_telehealth": parse_flag,
    "primary_care_source": parse_flag,
    **{name: parse_date for name in DATE_FIELDS},
}
_REQUIRED_EXPECTED = {
    "contract_status": "one of executed, loi, pending, terminated, none",
    "credentialing_status": "one of active, provisional, pending, none",
}
_FREE_TEXT = ("contract_type", "medical_group_affiliation")
# Provider-level values that rows of one NPI must agree on (one NPI = one provider row).
_ONE_PER_NPI = (
    "entity_type",
    "contract_status",
    "credentialing_status",
    "panel_status",
    "telehealth_only",
    "exclusion",
    "ma_contracted",
    "primary_care_source",
    "offers_telehealth",
)
# A facility name that says it serves children: never excluded on the name alone (a guess), only warned.
_CHILDREN_NAME = re.compile(r"\b(child|children|childrens|pediatric|pediatrics|paediatric|paediatrics)\b")


class _RowChecker:
    def __init__(self, table: Table, mapping: dict[str, str], layout: RosterLayout | None, ctx: Context):
        self.mapping = mapping
        self.layout = layout
        self.implied = dict(layout.implied) if layout else {}
        self.kind = layout.table_kind if layout else None
        self.ctx = ctx
        self.col = {h: i for i, h in enumerate(table.headers)}
        # Every parser is a function of its text (and the row's state for counties): a national roster
        # repeats its codes, states, ZIPs, statuses and dates across a million rows, so each distinct
        # value is parsed once and its outcome (value, or the _Bad message) reused, same as parsing again.
        self.memo: dict[Any, dict[str, tuple[bool, Any]]] = {}
        self.provider_dicts: dict[tuple[Any, ...], dict[str, Any]] = {}
        self.code_lists: dict[str, list[str]] = {}
        self.fields = [(f, self.col[h]) for f, h in mapping.items()]
        # The provider fields in _PROVIDER_PARSERS order: parsed when the file has the column (else the
        # layout's implied value, if any, is a constant), so a file without them does no work for them.
        self.provider_plan: list[tuple[str, Callable[[str], Any] | None, str | None, Any]] = []
        for f, parse in _PROVIDER_PARSERS.items():
            if f in mapping:
                required = None if f in self.implied else _REQUIRED_EXPECTED.get(f)
                self.provider_plan.append((f, parse, required, self.implied.get(f)))
            elif self.implied.get(f) is not None:
                self.provider_plan.append((f, None, None, self.implied[f]))

    def _specialty(self, text: str) -> str:
        """An HSD specialty code, or in a QHP project the QHP template's code of a line with no HSD code
        ('101' Primary Care - Pediatric), read as that line (rules/other_lines.py)."""
        t = text.strip().upper()
        other = other_lines.qhp_template_line(t.zfill(3) if t.isdigit() else t, self.ctx.lob)
        return other or parse_specialty(text, self.kind)

    def other_lines(self, taxonomy: str) -> list[str]:
        """The Medicaid/QHP lines with no HSD code this taxonomy credits ([] in an MA project)."""
        return other_lines.other_lines_for_taxonomy(taxonomy, self.ctx.lob)

    def parsed(self, key: Any, parse: Callable[[str], Any], text: str) -> tuple[bool, Any]:
        """(True, value) or (False, what was expected), remembered per ``key`` and text."""
        memo = self.memo.get(key)
        if memo is None:
            memo = self.memo[key] = {}
        hit = memo.get(text)
        if hit is None:
            try:
                hit = (True, parse(text))
            except _Bad as exc:
                hit = (False, str(exc))
            memo[text] = hit
        return hit

    def run(
        self, number: int, values: list[str]
    ) -> tuple[RosterRow | None, list[Problem], dict[str, str], list[Problem]]:
        problems: list[Problem] = []
        warnings: list[Problem] = []
        raw: dict[str, str] = {f: values[i] for f, i in self.fields}
        mapping = self.mapping
        memos = self.memo

        def bad(field_name: str, expected: str) -> None:
            problems.append(Problem(number, self.mapping[field_name], raw.get(field_name, ""), expected))

        def warn(field_name: str, message: str, kind: str) -> None:
            column = self.mapping.get(field_name, field_name)
            warnings.append(Problem(number, column, raw.get(field_name, ""), message, "warning", kind))

        def get(
            field_name: str, parse: Callable[[str], Any], required: str | None = None, key: Any = None
        ) -> Any:
            text = raw.get(field_name, "")
            if not text:
                if required and field_name in mapping:
                    bad(field_name, required)
                return None
            # self.parsed, inlined: this runs ~20 times a row.
            memo = memos.get(key or field_name)
            hit = memo.get(text) if memo is not None else None
            if hit is None:
                hit = self.parsed(key or field_name, parse, text)
            if not hit[0]:
                bad(field_name, hit[1])
                return None
            return hit[1]

        npi = get("npi", parse_npi, "a 10-digit NPI")
        name = get("name", str.strip, "the provider or facility name")
        provider: dict[str, Any] = {"name": name}
        for f, parse, required, implied in self.provider_plan:
            value = implied if parse is None else get(f, parse, required)
            if value is None:
                value = implied
            if value is not None:
                provider[f] = value
        for f in _FREE_TEXT:
            if raw.get(f):
                provider[f] = raw[f]

        # Specialty: an HSD code, else the taxonomy's lines through the crosswalk.
        code = get("specialty_code", self._specialty)
        taxonomy = get("taxonomy", parse_taxonomy)
        # Medicaid and QHP lines with no HSD code this taxonomy credits (rules/other_lines.py; [] in MA).
        extra = self.other_lines(taxonomy) if taxonomy else []
        codes: list[str] = []
        if code:
            # One list per code, shared by the rows holding it (nothing changes a row's codes).
            codes = self.code_lists.get(code) or self.code_lists.setdefault(code, [code])
            entry = crosswalk.entry_for(taxonomy) if taxonomy else None
            # A taxonomy of an excluded hospital or residential facility keeps its HSD code: the exclusion
            # (below) is what stops it counting, and the import says so. Any other never-credited taxonomy
            # contradicts the code (physical therapists are never 026: HSD26 Notes). A QHP template code of a
            # line with no HSD code (101 -> PPC) is not an HSD code, so the HSD crosswalk's "never" is not its.
            if (
                entry is not None
                and not code.isalpha()
                and not entry.hsd_codes
                and not entry.conditional_hsd_codes
                and crosswalk.exclusion_for_taxonomy(taxonomy) is None
            ):
                bad("specialty_code", f"no HSD code: taxonomy {taxonomy} is never credited ({entry.note})")
        elif taxonomy:
            codes = crosswalk.hsd_codes_for_taxonomy(taxonomy)
            if not codes and not raw.get("specialty_code") and not extra:
                warn("taxonomy", _no_line_reason(taxonomy), "no_line")
        elif not raw.get("specialty_code") and not raw.get("taxonomy"):
            target = "specialty_code" if "specialty_code" in self.mapping else "taxonomy"
            if target in self.mapping:
                bad(target, "an HSD specialty code or a NUCC taxonomy code")

        if extra:  # added to the row's HSD lines
            codes = list(dict.fromkeys([*codes, *extra]))
            scored = self.ctx.scored
            if scored is not None and not any(crosswalk.hsd_code_to_line(c) in scored for c in codes):
                warn("taxonomy", _not_scored_reason(taxonomy, codes), "not_scored")
        state = get("state", parse_state, "a USPS state code such as TX")
        zip5 = get("zip", parse_zip)
        lat = get("latitude", lambda t: parse_coordinate(t, -90, 90, "latitude"))
        lon = get("longitude", lambda t: parse_coordinate(t, -180, 180, "longitude"))
        for present, missing, what in (
            (raw.get("latitude"), "longitude", "longitude"),
            (raw.get("longitude"), "latitude", "latitude"),
        ):
            if present and not raw.get(missing) and missing in self.mapping:
                bad(missing, f"a {what} too (latitude and longitude go together)")
        if (
            not raw.get("zip")
            and not (raw.get("latitude") and raw.get("longitude"))
            and "zip" in self.mapping
        ):
            bad("zip", "a 5-digit ZIP code (or latitude and longitude)")
        quality = get("geocode_quality", parse_quality)
        if quality and not (raw.get("latitude") and raw.get("longitude")):
            bad("geocode_quality", "coordinates in latitude and longitude for this quality (or no quality)")
        county = None
        if raw.get("county") and state:
            county = get("county", lambda t: parse_county(t, state, self.ctx), key=("county", state))
        served = (
            get(
                "county_served",
                lambda t: parse_county_served(t, state, self.ctx),
                key=("county_served", state),
            )
            or []
        )
        beds = get("beds", parse_beds)

        if "entity_type" not in provider:
            provider["entity_type"] = (
                "organization" if codes and all(code_kind(c) == "facility" for c in codes) else "individual"
            )
        self._credit_facts(raw, provider, taxonomy, get, warn)
        # Rows of one NPI (an HSD table repeats a provider once per county served) give equal provider
        # values: they share one dict, which nothing changes after this point (_group copies it).
        provider = self.provider_dicts.setdefault(tuple(provider.items()), provider)
        row = RosterRow(
            row_number=number,
            npi=npi or "",
            provider=provider,
            codes=codes,
            taxonomy=taxonomy,
            address=raw.get("address") or None,
            city=raw.get("city") or None,
            state=state,
            zip=zip5,
            county_fips=county,
            latitude=lat if lat is not None and lon is not None else None,
            longitude=lon if lat is not None and lon is not None else None,
            geocode_quality=quality,
            beds=beds,
            # The parsed list itself (remembered per value and state, never changed): a copy per row was
            # ~70 MB of a national roster.
            counties_served=served,
        )
        return (None if problems else row), problems, raw, ([] if problems else warnings)

    def _credit_facts(
        self,
        raw: dict[str, str],
        provider: dict[str, Any],
        taxonomy: str | None,
        get: Callable[[str, Callable[[str], Any]], Any],
        warn: Callable[[str, str, str], None],
    ) -> None:
        """exclusion and ma_contracted (explicit, else derived), with their warnings (module doc). A fact whose
        column is in the file is always set, None included, so a newer roster can clear it."""
        if "primary_care_source" in self.mapping:
            provider.setdefault("primary_care_source", None)
        # Exclusion: the row's own value, else what its taxonomy stands for (crosswalk.EXCLUSION_BY_TAXONOMY).
        given = get("exclusion", parse_exclusion)
        derived = crosswalk.exclusion_for_taxonomy(taxonomy) if taxonomy else None
        if "exclusion" in self.mapping or "taxonomy" in self.mapping:
            provider["exclusion"] = None if given == EXCLUSION_NONE else (given or derived)
        ma = self.ctx.lob == "ma"
        if ma and given == EXCLUSION_NONE and derived:
            warn(
                "exclusion",
                f"counted: the row says none, although taxonomy {taxonomy} is a {derived.replace('_', ' ')} "
                "facility that 42 CFR 422.116(a)(3)(i) does not count",
                "exclusion_overridden",
            )
        name = provider.get("name") or ""
        if (
            ma
            and provider.get("entity_type") == "organization"
            and not given
            and not derived
            and _CHILDREN_NAME.search(_key(name))
        ):
            warn(
                "name",
                "counted: the name suggests a children's hospital or pediatric facility, which does not count "
                "(42 CFR 422.116(a)(3)(i)(A)); if it is one, give the row exclusion = children",
                "name_suggests_children",
            )
        # MA product: the ma_contracted column, else the HSD Contract Type (MA_PRODUCT_SPELLINGS).
        explicit = get("ma_contracted", parse_ma_contracted)
        ok, from_type = self.parsed("(contract type)", ma_from_contract_type, raw.get("contract_type", ""))
        if "ma_contracted" in self.mapping or "contract_type" in self.mapping:
            provider["ma_contracted"] = explicit if explicit is not None else from_type
        if ma and explicit is not None and from_type is not None and explicit != from_type:
            warn(
                "ma_contracted",
                f"ma_contracted {'Y' if explicit else 'N'} is used, although Contract Type "
                f"{raw.get('contract_type')!r} says {'MA' if from_type else 'no MA product'}",
                "ma_conflict",
            )


def validate_table(
    table: Table,
    mapping: dict[str, str],
    layout: RosterLayout | None,
    ctx: Context | None = None,
    progress: Progress | None = None,
) -> Validation:
    """Check every row; returns the good rows and every problem (rows in file order)."""
    progress = progress or Progress()
    ctx = ctx or Context()
    checker = _RowChecker(table, mapping, layout, ctx)
    out = Validation(rows_read=len(table.rows))
    by_row: dict[int, list[Problem]] = {}
    seen_rows: dict[Any, int] = {}
    first_of_npi: dict[str, tuple[int, dict[str, Any], dict[str, str]]] = {}
    candidates: list[RosterRow] = []
    warnings: dict[int, list[Problem]] = {}
    one_per_npi = [f for f in _ONE_PER_NPI if f in mapping]
    n = max(1, len(table.rows))
    for i, (number, values) in enumerate(zip(table.row_numbers, table.rows, strict=True)):
        if i % 500 == 0:
            progress.update(i / n, f"checking row {number:,}")
        row, problems, raw, row_warnings = checker.run(number, values)
        if row_warnings:
            warnings[number] = row_warnings
        # One string per row ("\x1f" between values, which no value holds), not a tuple of ten strings;
        # a row whose values do hold it falls back to the tuple (such keys never equal a string key).
        key: Any = "\x1f".join(map(str.strip, values)).lower()
        if key.count("\x1f") != len(values) - 1:
            key = tuple(v.strip().lower() for v in values)
        if key in seen_rows:
            problems.append(Problem(number, WHOLE_ROW, f"same as row {seen_rows[key]}", "each row once"))
        else:
            seen_rows[key] = number
        if row is not None and row.npi:
            first = first_of_npi.get(row.npi)
            if first is None:
                # Only the values the one-per-NPI check quotes are kept, not the whole raw row.
                first_of_npi[row.npi] = (number, row.provider, {f: raw[f] for f in _ONE_PER_NPI if f in raw})
            else:
                for f in one_per_npi:
                    # Only values both rows give: a blank credit fact on a repeated row (an HSD table
                    # repeats a provider once per county served) is not a disagreement.
                    if (
                        row.provider.get(f) is not None
                        and first[1].get(f) is not None
                        and row.provider[f] != first[1][f]
                    ):
                        problems.append(
                            Problem(
                                number,
                                mapping[f],
                                raw.get(f, ""),
                                f"{first[2].get(f) or first[1][f]} as on row {first[0]} (one NPI is one provider)",
                            )
                        )
        if problems:
            by_row[number] = problems
            if is_valid_npi(raw.get("npi", "")):
                out.bad_npis.add(raw["npi"].strip())
        elif row is not None:
            candidates.append(row)
    _check_places(candidates, mapping, by_row)
    out.bad_npis.update(r.npi for r in candidates if r.row_number in by_row)
    for number in table.row_numbers:
        if number in by_row:
            out.problems.extend(by_row[number])
            out.bad_rows.add(number)
    out.rows = [r for r in candidates if r.row_number not in out.bad_rows]
    out.warnings = [w for r in out.rows for w in warnings.get(r.row_number, [])]
    progress.update(1.0, f"{len(out.rows):,} good rows, {len(out.bad_rows):,} with problems")
    return out


@lru_cache(maxsize=1)
def _zip_states() -> dict[str, str]:
    from blueprint_desktop.geo.zips import load_zip_centroids

    t = load_zip_centroids()
    return {str(z): s for z, s in zip(t.index, t.state, strict=True) if isinstance(s, str) and s}


def _check_places(rows: list[RosterRow], mapping: dict[str, str], by_row: dict[int, list[Problem]]) -> None:
    """Cross-checks against the geography tables: the ZIP's state, the coordinates' state."""
    from blueprint_desktop.geo.counties import counties_of_points, county_name

    if "zip" in mapping:
        zip_states = _zip_states()
        for r in rows:
            if r.zip and r.state:
                zstate = zip_states.get(r.zip)
                if zstate and zstate != r.state:
                    by_row.setdefault(r.row_number, []).append(
                        Problem(
                            r.row_number,
                            mapping["zip"],
                            r.zip,
                            f"a ZIP code in {r.state} ({r.zip} is in {zstate})",
                        )
                    )
    placed = [r for r in rows if r.latitude is not None and r.state]
    if placed and "latitude" in mapping:
        fips = counties_of_points([r.latitude for r in placed], [r.longitude for r in placed])
        county_states = _county_states()
        for r, f in zip(placed, fips, strict=True):
            if f is not None and county_states.get(f) not in (None, r.state):
                by_row.setdefault(r.row_number, []).append(
                    Problem(
                        r.row_number,
                        mapping["latitude"],
                        f"{r.latitude}, {r.longitude}",
                        f"coordinates in {r.state} (this point is in {county_name(f)})",
                    )
                )
