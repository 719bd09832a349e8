"""Whom the census population points stand for: the people a line of business enrolls.

Adequacy is the share of a plan's enrollees within the standard, measured from where they live. Without the
plan's own enrollee counts (``blueprint import enrollees``, which always wins) the census stands in, and the
census group must be the people the line of business serves:

- **MA** (``65+``): residents aged 65 and over, as CMS measures MA networks against Medicare beneficiaries
  (42 CFR 422.116(d)); ``rules/standards.py`` relates the two (beneficiaries per resident 65+).
- **QHP** (``under-65``): residents under 65. The exchanges enroll people not yet eligible for Medicare;
  CMS measures QHP networks against a population sample "based on U.S. Census data for marketplace-eligible
  enrollees" (as Michigan DIFS describes CMS's QHP Population Sample File; the file itself was not read).
- **Medicaid** (``all``): residents of every age. Medicaid enrolls children, adults, and aged and disabled
  people, and states' standards speak of all members.

Each is the ACS 2018-22 count of every ZCTA (``population`` and ``pop_65`` of ``population_points.parquet``):
under 65 is the total less the 65+. As for 65+, a ZCTA whose count is 0 still counts 1 (it has residents).
These are proxies for enrollees: a plan's enrollee counts by ZIP are better, and scoring says which it used.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from blueprint_desktop.geo.paths import geography_file


@dataclass(frozen=True)
class PopulationGroup:
    key: str  # "65+" | "under-65" | "all"
    words: str  # as shown with every result: "65+ residents"
    short: str  # for axis labels and table headings: "65+ population"


GROUPS = {
    "ma": PopulationGroup("65+", "65+ residents", "65+ population"),
    "qhp": PopulationGroup("under-65", "residents under 65", "under-65 population"),
    "medicaid": PopulationGroup("all", "residents of all ages", "population"),
}


def group_for(lob: str | None) -> PopulationGroup:
    """The census group of a line of business (MA's when none is given)."""
    return GROUPS.get((lob or "ma").lower(), GROUPS["ma"])


def counts(zcta_rows: pd.DataFrame, group: PopulationGroup) -> np.ndarray:
    """The group's count per row of a frame with ``population`` and ``pop_65`` columns (ZCTAs or counties),
    floored at 1 as the 65+ count is."""
    total = zcta_rows.population.fillna(0).to_numpy(float)
    old = zcta_rows.pop_65.fillna(0).to_numpy(float)
    if group.key == "65+":
        n = old
    elif group.key == "under-65":
        n = np.maximum(total - old, 0.0)
    else:
        n = total
    return np.maximum(n, 1.0)


@lru_cache(maxsize=4)
def zcta_factor(group: PopulationGroup) -> pd.Series:
    """Per ZCTA, the group's count over its 65+ count (both floored at 1): the beneficiary sample spreads each
    ZCTA's 65+ count over its points, so this factor turns a point's weight into the group's, with the same
    spread and the ZCTA's exact total."""
    zctas = pd.read_parquet(
        geography_file("population_points.parquet"), columns=["point_id", "population", "pop_65"]
    )
    factor = counts(zctas, group) / np.maximum(zctas.pop_65.fillna(0).to_numpy(float), 1.0)
    return pd.Series(factor, index=zctas.point_id.astype(str))
