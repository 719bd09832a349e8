"""NUCC taxonomy code -> CMS HSD line(s).

CMS publishes no NUCC->HSD crosswalk, so ``resources/rules/nucc_hsd_crosswalk.csv`` is our own curated
mapping (sources and rules in its header and in resources/rules/README.md). Each taxonomy row names:

* ``hsd_codes``: HSD specialty codes it is credited to by default (several where CMS allows, e.g.
  surgical oncology -> 015 General Surgery and 021 Oncology);
* ``conditional_hsd_codes``: codes possible only when the roster's own HSD specialty code says so
  (a hospital's cardiac surgery program 041; an NP's 068 behavioural health work, HSD26 Notes 068);
* an empty row is a negative rule (physical therapists are never 026, audiologists never 051,
  children's hospitals never 040: 42 CFR 422.116(a)(3); HSD26 Notes tab).

Submitted primary care codes 001-006 are evaluated as one line, S03 (HSD26 Notes, S03).

Which codes exist is the NUCC's, not ours: ``resources/rules/nucc_taxonomy_codes.csv`` holds the NUCC code
set v25.1 (derived by installers/derive_nucc_codes.py). A roster may carry any code of that set; one the
crosswalk does not map credits the line of the roster's HSD code, or no line without one.

``EXCLUSION_BY_TAXONOMY`` names the hospital and residential taxonomies that 42 CFR 422.116(a)(3)(i)(A)-(B)
never counts, with the ``providers.exclusion`` value a roster row of that taxonomy gets when the roster
itself gives none (store/schema_credit_rules.py; engine/exclusions.py drops their credit).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.rules.standards import PRIMARY_CARE_LINE, RULES_DIR, load_base_table

CROSSWALK_FILE = RULES_DIR / "nucc_hsd_crosswalk.csv"
NUCC_CODES_FILE = RULES_DIR / "nucc_taxonomy_codes.csv"
NUCC_VERSION = "25.1"
PRIMARY_CARE_CODES = ("001", "002", "003", "004", "005", "006")

# Taxonomy -> the exclusion of 42 CFR 422.116(a)(3)(i) it stands for, when the roster gives no exclusion value.
# Decided code by code over the NUCC v25.1 groupings "Hospitals", "Hospital Units" and "Residential Treatment
# Facilities" (names and definitions from the NUCC code set):
EXCLUSION_BY_TAXONOMY: dict[str, str] = {
    # (a)(3)(i)(A) pediatric/children's hospitals: every NUCC hospital code specialised "Children".
    "282NC2000X": "children",  # General Acute Care Hospital, Children
    "281PC2000X": "children",  # Chronic Disease Hospital, Children
    "283XC2000X": "children",  # Rehabilitation Hospital, Children
    # (a)(3)(i)(A) long-term care hospitals.
    "282E00000X": "long_term_care",  # Long Term Care Hospital (NUCC: "extended medical and rehabilitative care")
    # Chronic Disease Hospital: NUCC defines it by diseases needing "a long period of supervision or care";
    # it is a long-term care setting, not an acute hospital.
    "281P00000X": "long_term_care",
    # (a)(3)(i)(A) specialized hospitals.
    "284300000X": "specialized",  # Special Hospital (NUCC: AHA designation, "patients who have specified
    # medical conditions")
    # Rehabilitation Hospital: an inpatient rehabilitation facility, a hospital excluded from the acute
    # inpatient prospective payment system for one kind of care (42 CFR 412.23(b)); treated as specialized. Its
    # outpatient therapy counts for 049-051 only when the roster says so: exclusion "none" on the row.
    "283X00000X": "specialized",
    # General Acute Care Hospital, Women: serves one population group, not the "wide population group" of
    # NUCC's general acute care hospital; our crosswalk never credited it 040.
    "282NW0100X": "specialized",
    # (a)(3)(i)(B) providers only available in a residential facility: NUCC "Residential Treatment
    # Facilities" are 24-hour living settings (NUCC definitions).
    "320600000X": "residential_only",  # Residential Treatment Facility, Intellectual and/or Developmental Disabilities
    "320700000X": "residential_only",  # Residential Treatment Facility, Physical Disabilities
    "320800000X": "residential_only",  # Community Based Residential Treatment Facility, Mental Illness
    "320900000X": "residential_only",  # Community Based Residential Treatment Facility, Intellectual and/or DD
    "322D00000X": "residential_only",  # Residential Treatment Facility, Emotionally Disturbed Children
    "323P00000X": "residential_only",  # Psychiatric Residential Treatment Facility
    "324500000X": "residential_only",  # Substance Abuse Rehabilitation Facility
    "3245S0500X": "residential_only",  # Substance Abuse Rehabilitation Facility, Substance Abuse Treatment, Children
}
# Hospital codes deliberately NOT in the table, each counted (or not) by its HSD line alone:
# - 283Q00000X Psychiatric Hospital and 273R00000X Psychiatric Unit: they are what HSD 052 Inpatient Psychiatric
#   Facility Services lists (HSD26 facility codes), so they are not "specialized hospitals" for 052;
# - 282N00000X General Acute Care Hospital, 282NC0060X Critical Access, 282NR1301X Rural: the 040 hospitals;
# - 273100000X Epilepsy Unit, 273Y00000X Rehabilitation Unit, 276400000X Rehabilitation, Substance Use Disorder
#   Unit, 275N00000X Medicare Defined Swing Bed Unit: distinct units of a hospital, not hospitals;
# - 286500000X Military Hospital and its 2865* specialisations, 282J00000X Religious Nonmedical Health Care
#   Institution, 287300000X Christian Science Sanitorium (inactive): none of the three kinds (a)(3)(i)(A) names;
#   the crosswalk credits them no line anyway.


@dataclass(frozen=True)
class CrosswalkEntry:
    taxonomy_code: str
    description: str
    hsd_codes: tuple[str, ...]
    conditional_hsd_codes: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class NuccCode:
    """One code of the NUCC taxonomy code set: the facts, not the NUCC's definition text."""

    code: str
    grouping: str
    classification: str
    specialization: str
    section: str  # "Individual" | "Non-Individual"

    @property
    def name(self) -> str:
        """'Radiology, Therapeutic Radiology' (classification, specialization), as the crosswalk names codes."""
        return ", ".join(x for x in (self.classification, self.specialization) if x)


def normalize_taxonomy(code: str) -> str:
    return str(code or "").strip().upper()


@lru_cache(maxsize=2)
def load_nucc_codes(path: Path | str = NUCC_CODES_FILE) -> dict[str, NuccCode]:
    """The NUCC code set (v25.1), code -> NuccCode."""
    out: dict[str, NuccCode] = {}
    with Path(path).open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            code = normalize_taxonomy(row["code"])
            out[code] = NuccCode(
                code, row["grouping"], row["classification"], row["specialization"], row["section"]
            )
    return out


def is_nucc_code(code: str) -> bool:
    """True for a code of the NUCC taxonomy code set (whether or not the crosswalk maps it)."""
    return normalize_taxonomy(code) in load_nucc_codes()


def nucc_code(code: str) -> NuccCode | None:
    return load_nucc_codes().get(normalize_taxonomy(code))


def exclusion_for_taxonomy(code: str) -> str | None:
    """The 42 CFR 422.116(a)(3)(i) exclusion a taxonomy stands for ('children' for 282NC2000X), else None."""
    return EXCLUSION_BY_TAXONOMY.get(normalize_taxonomy(code))


def hsd_code_to_line(code: str) -> str:
    """The line an HSD specialty code is evaluated as: 001-006 -> 'S03', otherwise itself ('8' -> '008')."""
    text = str(code or "").strip().upper()
    if text.isdigit():
        text = text.zfill(3)
    return PRIMARY_CARE_LINE if text in PRIMARY_CARE_CODES else text


def _codes(text: str) -> tuple[str, ...]:
    return tuple(
        c.strip().zfill(3) if c.strip().isdigit() else c.strip() for c in (text or "").split(";") if c.strip()
    )


@lru_cache(maxsize=2)
def load_crosswalk(path: Path | str = CROSSWALK_FILE) -> dict[str, CrosswalkEntry]:
    path = Path(path)
    known = (
        set(PRIMARY_CARE_CODES)
        | {line.code for line in load_base_table().lines}
        | set(load_base_table().unscored)
    )
    out: dict[str, CrosswalkEntry] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            code = normalize_taxonomy(row["taxonomy_code"])
            entry = CrosswalkEntry(
                code,
                row["nucc_description"],
                _codes(row["hsd_codes"]),
                _codes(row["conditional_hsd_codes"]),
                row["note"],
            )
            unknown = set(entry.hsd_codes + entry.conditional_hsd_codes) - known
            if unknown or code in out:
                raise BlueprintError(
                    f"{path.name}: taxonomy {code}: unknown HSD code(s) {sorted(unknown)} or duplicate row"
                )
            out[code] = entry
    return out


def known_taxonomy(code: str) -> bool:
    """True when the crosswalk has a row (mapped or an explicit no-line rule) for this taxonomy."""
    return normalize_taxonomy(code) in load_crosswalk()


def entry_for(code: str) -> CrosswalkEntry | None:
    return load_crosswalk().get(normalize_taxonomy(code))


def hsd_codes_for_taxonomy(code: str, include_conditional: bool = False) -> list[str]:
    """Submitted HSD codes (001-006 kept apart) a taxonomy is credited to."""
    entry = entry_for(code)
    if entry is None:
        return []
    codes = entry.hsd_codes + (entry.conditional_hsd_codes if include_conditional else ())
    return list(dict.fromkeys(codes))


def lines_for_taxonomy(
    code: str, include_conditional: bool = False, include_unscored: bool = False
) -> list[str]:
    """Evaluated lines for a taxonomy: ['S03'] for family medicine 207Q00000X, ['008'] for cardiology
    207RC0000X, ['015', '021'] for surgical oncology; [] for an unmapped or excluded taxonomy."""
    unscored = set(load_base_table().unscored)
    lines = [hsd_code_to_line(c) for c in hsd_codes_for_taxonomy(code, include_conditional)]
    return [c for c in dict.fromkeys(lines) if include_unscored or c not in unscored]


def taxonomies_for_line(line_code: str, include_conditional: bool = False) -> list[str]:
    """Every taxonomy credited to an evaluated line (for market searches of candidates)."""
    line_code = hsd_code_to_line(line_code)
    return sorted(
        code
        for code, entry in load_crosswalk().items()
        if line_code
        in {
            hsd_code_to_line(c)
            for c in entry.hsd_codes + (entry.conditional_hsd_codes if include_conditional else ())
        }
    )
