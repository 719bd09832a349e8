"""County type designation, 42 CFR 422.116(c), as code.

CMS designates each county Large Metro, Metro, Micro, Rural or CEAC (Counties with Extreme Access
Considerations) from its population and its population density (people per square mile of land). The
table below is 422.116(c)'s; it was checked empirically against the designations in the CMS 2026 HSD
Reference File (97.3% of counties agree using 2018 populations; every disagreement lies near a
threshold; ../shared/research/regulation.md section 1.3). Density uses LAND area: with total area the
agreement drops (water-heavy counties flip). A loaded reference file's designation always wins; this is
the fallback when none is loaded.
"""

from __future__ import annotations

import math

from blueprint_desktop.errors import BlueprintError

DESIGNATIONS = ("Large Metro", "Metro", "Micro", "Rural", "CEAC")

# The seeds' three tiers (not a CMS category): Urban = Large Metro/Metro, Suburban = Micro,
# Rural = Rural/CEAC.
TIERS = {
    "Large Metro": "Urban",
    "Metro": "Urban",
    "Micro": "Suburban",
    "Rural": "Rural",
    "CEAC": "Rural",
}

# 42 CFR 422.116(c): (minimum population, maximum population or None, minimum density, maximum density
# or None, designation). Bounds are inclusive below and exclusive above, so "10-999.9" is [10, 1000).
# Rows are checked in order; CEAC (density < 10, any population) is the first test.
_TABLE: tuple[tuple[int, int | None, float, float | None, str], ...] = (
    (0, None, 5000, None, "Large Metro"),  # any population, density >= 5,000
    (1_000_000, None, 1000, None, "Large Metro"),
    (500_000, 1_000_000, 1500, None, "Large Metro"),
    (1_000_000, None, 10, 1000, "Metro"),
    (500_000, 1_000_000, 10, 1500, "Metro"),
    (200_000, 500_000, 10, 5000, "Metro"),
    (50_000, 200_000, 100, 5000, "Metro"),
    (10_000, 50_000, 1000, 5000, "Metro"),
    (50_000, 200_000, 10, 100, "Micro"),
    (10_000, 50_000, 50, 1000, "Micro"),
    (10_000, 50_000, 10, 50, "Rural"),
    (0, 10_000, 10, 5000, "Rural"),
)


def density(population: float, land_sq_mi: float) -> float:
    """People per square mile of land (infinite for a county with no recorded land area)."""
    if land_sq_mi is None or not land_sq_mi > 0:
        return math.inf if population and population > 0 else 0.0
    return float(population) / float(land_sq_mi)


def designate(population: float, land_sq_mi: float) -> str:
    """The 42 CFR 422.116(c) county type for a county of this population and land area."""
    if population is None or population < 0 or (isinstance(population, float) and math.isnan(population)):
        raise BlueprintError(f"cannot designate a county with population {population!r}")
    dens = density(population, land_sq_mi)
    if dens < 10:
        return "CEAC"  # any population, density < 10
    for pop_lo, pop_hi, dens_lo, dens_hi, name in _TABLE:
        in_pop = population >= pop_lo and (pop_hi is None or population < pop_hi)
        if in_pop and dens >= dens_lo and (dens_hi is None or dens < dens_hi):
            return name
    # The table covers every (population, density >= 10) cell; reaching here is a bug in _TABLE.
    raise AssertionError(f"no 422.116(c) row for population {population}, density {dens}")


def tier(designation: str) -> str:
    """Urban / Suburban / Rural for a CMS designation."""
    try:
        return TIERS[designation]
    except KeyError:
        raise BlueprintError(
            f"{designation!r} is not a county designation ({', '.join(DESIGNATIONS)})"
        ) from None


def normalize_designation(text: str) -> str | None:
    """Map the spellings found in files ('LARGE METRO', 'large_metro', 'Ceac') to ours; None if unknown."""
    key = " ".join(str(text or "").replace("_", " ").replace("-", " ").split()).lower()
    for name in DESIGNATIONS:
        if key == name.lower():
            return name
    return None
