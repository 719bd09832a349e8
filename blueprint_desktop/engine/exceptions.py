"""Exception viability for a failing county x line (42 CFR 422.116(f); regulation.md 1.7).

An exception is plausible when providers of the type are not available to contract and the plan's
network follows the local pattern of care. We cannot see CMS's Provider Supply file, so we use what
the project holds:

- county type: Rural and CEAC counties get CMS's expanded flexibility (2018 guidance 5.3.3);
- uncontracted providers of the line within reach of the county's points (from the NPPES market
  import): if some exist, CMS will expect them to have been approached;
- outreach evidence so far: providers with an outreach-log entry in force.

Verdict: "Strong" (no uncontracted provider within reach), "Possible" (candidates exist but every one
has documented outreach that was declined or unanswered), "Weak" (candidates within reach without
documented outreach: recruit or document first).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from blueprint_desktop.engine.targeting import recruitment_targets
from blueprint_desktop.rules.citations import is_ma

FLEXIBLE_TYPES = ("Rural", "CEAC")


@dataclass
class ExceptionViability:
    county_fips: str
    line_code: str
    designation: str
    candidates_in_reach: int
    outreach_documented: int
    verdict: str
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _outreach_npis(project) -> set[str]:
    """NPIs with at least one outreach entry in force (a superseded entry is replaced by its correction).

    The outreach log is append-only (schema_deficiency): an entry is in force when no later entry
    names it in ``supersedes``. The log is per provider, not per line, because one call recruits a
    provider for every line they serve.
    """
    if "outreach_log" not in project.db.table_names():  # a file from before the deficiency schema
        return set()
    rows = project.conn.execute(
        "SELECT DISTINCT o.npi FROM outreach_log o "
        "WHERE NOT EXISTS (SELECT 1 FROM outreach_log c WHERE c.supersedes = o.id)"
    )
    return {r[0] for r in rows}


def outreach_npis(project) -> set[str]:
    """NPIs with at least one outreach entry in force (``_outreach_npis``), for callers outside this module."""
    return _outreach_npis(project)


def viability(
    county_fips: str,
    line_code: str,
    designation: str,
    in_reach: set[str],
    contacted: set[str],
    would_pass: bool,
    chosen: int = 0,
    lob: str = "ma",
) -> ExceptionViability:
    """The verdict from what is known: the uncontracted NPIs within reach, those with outreach on record,
    and whether signing some of them (``chosen``) would make the county pass (see the module doc). CMS's
    rural flexibility and expectations are MA's: another line of business (``lob``) is not told of them."""
    ma = is_ma(lob)
    documented = in_reach & contacted
    reasons = [f"County type {designation}."]
    if ma and designation in FLEXIBLE_TYPES:
        reasons.append("Rural/CEAC county: CMS allows expanded flexibility for rural areas (guidance 5.3.3).")
    if not in_reach:
        verdict = "Strong"
        reasons.append("No uncontracted provider of this type is within reach of the county's beneficiaries.")
    elif len(documented) == len(in_reach):
        verdict = "Possible"
        reasons.append(f"All {len(in_reach)} uncontracted providers within reach have documented outreach.")
    else:
        verdict = "Weak"
        reasons.append(
            f"{len(in_reach) - len(documented)} of {len(in_reach)} uncontracted providers within reach have no "
            "documented outreach: recruit them or record why they cannot be contracted."
        )
    if would_pass and in_reach:
        who = "CMS" if ma else "the reviewer"
        reasons.append(f"Signing {chosen} of them would make the county pass; {who} will expect that first.")
    return ExceptionViability(
        county_fips, line_code, designation, len(in_reach), len(documented), verdict, reasons
    )


def exception_viability(project, county_fips: str, line_code: str, today=None) -> ExceptionViability:
    from blueprint_desktop.rules.standards import standards_for_county

    designation = standards_for_county(project, county_fips).designation
    plan = recruitment_targets(project, county_fips, line_code, top=10_000, save=False, today=today)
    in_reach = {c.npi for c in plan.candidates if c.new_weight > 0}
    return viability(
        county_fips, line_code, designation, in_reach, _outreach_npis(project), plan.reaches_pass,
        len(plan.chosen), project.lob,
    )  # fmt: skip
