"""Lines that Medicaid and QHP standards score and the CMS HSD specialty list has no code for.

Pediatric primary care, general dentistry and the dental specialties, emergency medicine, urgent care, retail
pharmacy, vision care and anesthesiology have time and distance standards in the FFE Letter to Issuers and in
state Medicaid contracts, but no CMS HSD code, so a roster read through the NUCC->HSD crosswalk alone could never
credit them. ``resources/rules/other_lines.csv`` (our curated table) gives each one a Blueprint code of letters
only (``PPC``, ``DEN``, ``EMD``, ``URG``, ``PHA``, ...), the NUCC taxonomies it credits and, where the FFE QHP
network adequacy template has one, that template's specialty code. ``POOLED_INTO`` says where one line's
providers also count for another (``engine/line_pooling.py`` applies it).

Only projects of another line of business than MA read these lines: a roster, NPPES market or benchmark
taxonomy credits them in a Medicaid or QHP project, never in an MA one, so MA imports, results and HSD exports
are exactly as without this table (42 CFR 422.116 has no such lines).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.rules.crosswalk import load_nucc_codes, normalize_taxonomy
from blueprint_desktop.rules.standards import RULES_DIR

OTHER_LINES_FILE = RULES_DIR / "other_lines.csv"


@dataclass(frozen=True)
class OtherLine:
    code: str
    name: str
    kind: str  # "provider" | "facility"
    qhp_template_code: str  # "" when the QHP template has none we can accept
    taxonomies: tuple[str, ...]
    note: str


@lru_cache(maxsize=2)
def load_other_lines(path: Path | str = OTHER_LINES_FILE) -> dict[str, OtherLine]:
    """Line code -> OtherLine; every taxonomy must be a NUCC code and credit one line only."""
    path = Path(path)
    nucc = load_nucc_codes()
    out: dict[str, OtherLine] = {}
    seen: dict[str, str] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            code = row["line_code"].strip()
            taxonomies = tuple(normalize_taxonomy(t) for t in row["taxonomy_codes"].split(";") if t.strip())
            if not code.isalpha() or code in out or row["kind"] not in ("provider", "facility"):
                raise BlueprintError(f"{path.name}: line {code!r}: not letters only, repeated, or a bad kind")
            for t in taxonomies:
                if t not in nucc or t in seen:
                    raise BlueprintError(
                        f"{path.name}: line {code}: {t} is not a NUCC code or is in two lines"
                    )
                seen[t] = code
            out[code] = OtherLine(
                code,
                row["line_name"].strip(),
                row["kind"],
                row["qhp_template_code"].strip(),
                taxonomies,
                row["note"],
            )
    return out


@lru_cache(maxsize=1)
def _by_taxonomy() -> dict[str, str]:
    return {t: line.code for line in load_other_lines().values() for t in line.taxonomies}


def other_lines_for_taxonomy(code: str, lob: str) -> list[str]:
    """The other line a taxonomy credits in a project of this line of business (``[]`` in MA)."""
    if lob == "ma":
        return []
    hit = _by_taxonomy().get(normalize_taxonomy(code))
    return [hit] if hit else []


def taxonomy_lines(lob: str) -> dict[str, list[str]]:
    """Taxonomy -> other lines, for the market import of a project of this line of business."""
    if lob == "ma":
        return {}
    return {t: [code] for t, code in _by_taxonomy().items()}


def qhp_template_line(code: str, lob: str) -> str | None:
    """The other line a QHP template specialty code ('101') stands for in a QHP project, else None."""
    if lob != "qhp":
        return None
    for line in load_other_lines().values():
        if line.qhp_template_code and line.qhp_template_code == code:
            return line.code
    return None


# Lines whose providers also count for another line of a line of business's rule set. Medicaid primary care is
# "adult and pediatric" (42 CFR 438.68(b)(1)(i)), so a pediatrician is a primary care provider in a Medicaid
# set with one primary care line (California, Michigan, Arizona: "Primary care, adult and pediatric"). A set
# that scores pediatricians on their own line (Georgia: PCPs "not including" pediatricians) keeps them apart,
# and QHP's Letter has its own Primary Care - Pediatric type.
#
# Georgia's "Dental Subspecialty Providers" is one standard for every dental specialty: the six specialist lines
# count for DSS, which has no taxonomy of its own, in a set that scores DSS and not the specialists apart.
DENTAL_SPECIALISTS = ("END", "OMS", "PER", "PRS", "PDN", "ORT")
#
# Georgia's "Vision Providers" are optometrists (VIS) and ophthalmologists (HSD 023): an ophthalmologist counts
# for VIS even where the set also scores ophthalmology as a specialty (one provider, two lines, as surgical
# oncology counts for 015 and 021): ``always``.
POOLED_INTO: dict[str, dict[str, tuple[tuple[str, ...], bool]]] = {
    # line of business -> target line -> (source lines, pooled even where the set scores a source itself)
    "medicaid": {"S03": (("PPC",), False), "DSS": (DENTAL_SPECIALISTS, False), "VIS": (("023",), True)},
    "qhp": {"DSS": (DENTAL_SPECIALISTS, False), "VIS": (("023",), True)},
}
# Why each pooling holds, as the standards' notes say it.
POOLED_BECAUSE = {
    "S03": "Medicaid primary care is adult and pediatric (42 CFR 438.68(b)(1)(i)), and this rule set has no line "
    "of its own for pediatricians",
    "DSS": "the rule set has one standard for dental subspecialty providers, and no line for each specialty",
    "VIS": "vision providers are optometrists and ophthalmologists",
}


def pooled_lines(lob: str, line_codes: set[str] | dict) -> dict[str, tuple[str, ...]]:
    """Line -> the lines whose providers also count for it, in a rule set with these lines (``{}`` when none):
    a source line the set scores on its own is never pooled."""
    out = {}
    for target, (sources, always) in POOLED_INTO.get(lob, {}).items():
        kept = sources if always else tuple(s for s in sources if s not in line_codes)
        if target in line_codes and kept:
            out[target] = kept
    return out


def pooling_notes(lob: str, line_codes: set[str] | dict) -> list[str]:
    """What a rule set's pooling means, in words shown with its standards."""
    from blueprint_desktop.rules.standards import load_base_table

    names = {line.code: line.name for line in load_base_table().lines}
    names.update({code: line.name for code, line in load_other_lines().items()})
    return [
        f"{target} also counts the providers of "
        f"{', '.join(f'{s} ({names.get(s, s)})' for s in sources)}: {POOLED_BECAUSE[target]}"
        for target, sources in pooled_lines(lob, line_codes).items()
    ]
