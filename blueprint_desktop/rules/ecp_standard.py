"""The FFE QHP General ECP Standard: its categories and thresholds, read from the built-in requirements table.

45 CFR 156.235(a)(2) and CMS's "Essential Community Providers" page (General ECP Standard) ask a plan on the
federally facilitated exchanges to:

1. contract with at least 35 percent of the available ECPs in each plan's service area, and with 35 percent of
   the available Family Planning Providers and of the available FQHCs;
2. offer a contract in good faith to at least one ECP in each ECP category in each county of the service area,
   where an ECP of that category is available;
3. offer contracts in good faith to all available Indian health care providers in the service area.

"Multiple providers at a single location will count as a single ECP toward both the available ECPs in the
plan's service area and the issuer's satisfaction of the ECP participation standard" (156.235(a)(2)(i)).

The numbers and category names come from ``resources/rules/qhp_ffe_2026_requirements.csv`` (derived by
``installers/derive_lob_rules.py``, each row citing its source), so this module holds no number of its own.
A stand-alone dental plan is exempt from the Family Planning threshold and from the per-category offers
("not applicable to SADP applicants", CMS's page); the page states no such exemption for the FQHC threshold
or the Indian health care providers, so they apply to SADPs as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

REQUIREMENTS_KEY = "qhp-ffe-2026"
SADP_KEY = "qhp-ffe-sadp-2026"

# Category key -> (requirement item of its name, names an ECP list writes for it). The aliases are ours: CMS
# files and issuers' templates write the category names with and without "Providers", in the singular, or
# abbreviated; compared after ``category_key`` folds case, punctuation and '&'.
_CATEGORIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "fqhc": (
        "ecp-category-fqhc",
        (
            "fqhc",
            "fqhcs",
            "federally qualified health center",
            "fqhc look alike",
            "fqhc and fqhc look alikes",
        ),
    ),
    "ryan_white": (
        "ecp-category-ryan-white",
        (
            "ryan white",
            "ryan white providers",
            "ryan white program providers",
            "ryan white hiv aids providers",
        ),
    ),
    "family_planning": (
        "ecp-category-family-planning",
        ("family planning", "family planning provider", "title x family planning providers"),
    ),
    "indian": (
        "ecp-category-indian",
        (
            "indian health care provider",
            "indian health care providers ihcps",
            "ihcp",
            "ihcps",
            "indian health providers",
            "tribal and urban indian health providers",
        ),
    ),  # fmt: skip
    "hospitals": ("ecp-category-hospitals", ("inpatient hospital", "hospitals", "hospital")),
    "mental_health": (
        "ecp-category-mental-health",
        ("mental health facility", "community mental health centers", "community mental health center"),
    ),
    "sud": (
        "ecp-category-sud",
        (
            "sud treatment centers",
            "sud treatment center",
            "substance use disorder treatment center",
            "substance use disorder sud treatment centers",
        ),
    ),  # fmt: skip
    "other": ("ecp-category-other", ("other ecp providers", "other ecp provider", "other")),
}


@dataclass(frozen=True)
class Threshold:
    """One percentage the network must reach: of all ECPs, or of one category's."""

    item: str  # the requirement row: ecp-overall, ecp-fqhc, ecp-family-planning
    category: str | None  # None: every category
    percent: int
    label: str
    citation: str
    applies_to_sadp: bool

    def required(self, available: int) -> int:
        """The fewest contracted ECPs that reach the percentage of ``available``: 35% of 7 is 2.45, so 3."""
        return -(-self.percent * available // 100)


@dataclass(frozen=True)
class EcpStandard:
    categories: dict[str, str]  # key -> CMS's name, in the requirements table's order
    thresholds: tuple[Threshold, ...]
    each_category_citation: str
    indian_citation: str
    single_location_citation: str
    source: str  # title and vintage of the requirements table's ECP source

    def label(self, category: str) -> str:
        return self.categories.get(category, category)


def category_key(text: str) -> str:
    """Fold a written category name for comparison: 'SUD Treatment Centers' -> 'sud treatment centers'."""
    folded = re.sub(r"[^a-z0-9]+", " ", str(text or "").lower().replace("&", " and ")).strip()
    return " ".join(folded.split())


@lru_cache(maxsize=1)
def load_standard() -> EcpStandard:
    """The General ECP Standard as the built-in requirements table states it."""
    from blueprint_desktop.rules.lob_builtin import get_builtin

    rows = {r["item"]: r for r in get_builtin(REQUIREMENTS_KEY).rows}

    def cite(item: str) -> str:
        r = rows[item]
        return f"{r['source']}, {r['source_section']}"

    categories = {key: rows[item]["requirement"] for key, (item, _) in _CATEGORIES.items()}
    thresholds = (
        Threshold("ecp-overall", None, int(rows["ecp-overall"]["value"]), "All ECP categories",
                  cite("ecp-overall"), True),
        Threshold("ecp-fqhc", "fqhc", int(rows["ecp-fqhc"]["value"]), categories["fqhc"], cite("ecp-fqhc"), True),
        Threshold("ecp-family-planning", "family_planning", int(rows["ecp-family-planning"]["value"]),
                  categories["family_planning"], cite("ecp-family-planning"), False),
    )  # fmt: skip
    return EcpStandard(
        categories=categories,
        thresholds=thresholds,
        each_category_citation=cite("ecp-each-category"),
        indian_citation=cite("ecp-indian"),
        single_location_citation=cite("ecp-single-location"),
        source=f"{rows['ecp-overall']['source']} ({rows['ecp-overall']['source_vintage']})",
    )


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    standard = load_standard()
    out: dict[str, str] = {}
    for key, (_, aliases) in _CATEGORIES.items():
        for name in (standard.categories[key], key, *aliases):
            out[category_key(name)] = key
    return out


def parse_category(text: str) -> str | None:
    """The category key of a written name ('Federally Qualified Health Centers' -> 'fqhc'), None if unknown."""
    return _names().get(category_key(text))


def category_names() -> list[str]:
    """CMS's names of the eight categories, for a message saying what a column must hold."""
    return list(load_standard().categories.values())
