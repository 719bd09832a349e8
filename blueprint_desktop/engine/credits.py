"""The 10-percentage-point credits of 42 CFR 422.116(d): telehealth ((d)(5)) and Certificate of Need.

Each credit adds 10 points to the share of beneficiaries within the time and distance standard of one
county x specialty (the bar falls from 90 to 80, or 85 to 75). What the engine applies (docs/rules.md):

- **Telehealth credit.** The specialty must be on the (d)(5) list as we can source it
  (``LineStandard.telehealth_credit``: the 12 types of the 2020 rule, and Clinical Psychology and Clinical
  Social Work added by CMS-4201-F1, 88 FR 22120; Outpatient Behavioral Health 068 is not granted: no CMS
  text we hold lists it). The plan must contract with a telehealth provider of that specialty: a
  contracted, credentialed, not-excluded provider who is telehealth-only or offers telehealth
  (``providers.offers_telehealth``). The basis is a project setting, shown with every result:
  * ``county`` (the default): only in a county that provider serves: the counties its roster rows list
    (``provider_counties``, the HSD "SSA State/County Code"), else the counties of its locations. CMS
    evaluates and lists providers per county x specialty, so this is the reading we can best support;
  * ``plan``: in every county of the service area, from any such provider.
- **Certificate of Need credit** (422.116(d); CMS MA Network Adequacy Guidance, "Certificate of Need
  Credit"; its paragraph number is not verified here). Where the CMS HSD Reference File's CON tab lists the
  county x specialty with "T/D Customized" = N. Never where it says Y: there CMS has already customised the
  time and distance for the supply limit (``LineStandard.con_credit`` / ``con_customized``).
- **No stacking.** At most one 10-point credit per county x specialty: no CMS text we hold allows the two to
  add up, so when both apply (068 could be on both lists) the cell gets 10 points and says both applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from blueprint_desktop.engine.credited import contracted_mask
from blueprint_desktop.engine.exclusions import excluded_mask
from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.rules.standards import CREDIT_POINTS  # noqa: F401 - shown by `blueprint credits`

TELEHEALTH_BASES = {
    "county": "per county served (a telehealth provider earns the credit only in the counties it serves)",
    "plan": "plan-wide (a telehealth provider earns the credit in every county of the service area)",
}
DEFAULT_TELEHEALTH_BASIS = "county"
META_KEY = "telehealth_credit_basis"


def telehealth_basis(project) -> str:
    """The project's telehealth credit basis ('county' unless the user chose 'plan')."""
    value = (project.get_meta(META_KEY, DEFAULT_TELEHEALTH_BASIS) if project is not None else None) or ""
    return value if value in TELEHEALTH_BASES else DEFAULT_TELEHEALTH_BASIS


def set_telehealth_basis(project, basis: str) -> None:
    """Store the basis (audited); the next score applies it."""
    if basis not in TELEHEALTH_BASES:
        raise BlueprintError(
            f"telehealth credit basis {basis!r} is not one of: {', '.join(TELEHEALTH_BASES)}"
        )
    with project.transaction():
        before = telehealth_basis(project)
        project.set_meta(META_KEY, basis)
        project.audit("settings.telehealth_basis", "meta", META_KEY, {"from": before, "to": basis})


def served_counties(project) -> dict[int, set[str]]:
    """provider id -> counties its roster rows say it serves (empty when the roster did not say)."""
    if project is None or "provider_counties" not in project.db.table_names():
        return {}
    out: dict[int, set[str]] = {}
    for pid, fips in project.conn.execute("SELECT provider_id, county_fips FROM provider_counties"):
        out.setdefault(int(pid), set()).add(str(fips))
    return out


@dataclass(frozen=True)
class TelehealthCredit:
    """Where the telehealth credit applies: per line, every county (plan basis) or a set of counties."""

    basis: str
    everywhere: frozenset[str]  # lines credited in every county
    by_county: dict[str, frozenset[str]]  # line -> counties credited

    def applies(self, line: str, county_fips: str) -> bool:
        return line in self.everywhere or county_fips in self.by_county.get(line, frozenset())


def telehealth_credit(
    locations: pd.DataFrame,
    basis: str = DEFAULT_TELEHEALTH_BASIS,
    served: dict[int, set[str]] | None = None,
    today: date | None = None,
    excluded: np.ndarray | None = None,
) -> TelehealthCredit:
    """Which lines (and, on the county basis, which counties) have a contracted telehealth provider.
    ``excluded``: ``exclusions.excluded_mask`` of ``locations`` when the caller has it already."""
    if locations.empty:
        return TelehealthCredit(basis, frozenset(), {})
    offers = locations.offers_telehealth.to_numpy() if "offers_telehealth" in locations else 0
    tele = (locations.telehealth_only.to_numpy() == 1) | (np.asarray(offers) == 1)
    # Test the cheap flag first: only the telehealth rows need the contract and exclusion tests.
    idx = np.flatnonzero(tele)
    sub = locations.iloc[idx]
    keep = contracted_mask(sub, today) & ~(excluded[idx] if excluded is not None else excluded_mask(sub))
    rows = sub[keep]
    if basis == "plan":
        return TelehealthCredit(basis, frozenset(rows.line_code), {})
    served = served or {}
    by_line: dict[str, set[str]] = {}
    for pid, line, fips in zip(
        rows.provider_id.tolist(), rows.line_code.tolist(), rows.county_fips.tolist(), strict=True
    ):
        counties = served.get(int(pid))
        if counties:
            by_line.setdefault(line, set()).update(counties)
        elif isinstance(fips, str) and fips:
            by_line.setdefault(line, set()).add(fips)
    return TelehealthCredit(basis, frozenset(), {k: frozenset(v) for k, v in by_line.items()})
