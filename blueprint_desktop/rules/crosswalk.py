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
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.rules.standards import PRIMARY_CARE_LINE, RULES_DIR, load_base_table

CROSSWALK_FILE = RULES_DIR / "nucc_hsd_crosswalk.csv"
PRIMARY_CARE_CODES = ("001", "002", "003", "004", "005", "006")


@dataclass(frozen=True)
class CrosswalkEntry:
    taxonomy_code: str
    description: str
    hsd_codes: tuple[str, ...]
    conditional_hsd_codes: tuple[str, ...]
    note: str


def normalize_taxonomy(code: str) -> str:
    return str(code or "").strip().upper()


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
