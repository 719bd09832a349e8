"""The exception narrative of a cited gap: generated from project data, edited by a person, kept.

CMS's Exception Request Template asks for the selected justification and the plan for ensuring access
to services, with the non-contracted providers near the deficient area and why each is not contracted.
The draft states, from the project's own data: the county type (42 CFR 422.116(c)) and its standards
(time, distance, share and minimum count: 42 CFR 422.116(d)-(e)); which standard the county fails and by
how much (the share short of the requirement, and the 90th-percentile time and distance each compared
with its own standard, so the narrative never argues a standard the county meets); the market supply of
the specialty in and around the county; the outreach attempts and declinations (the attempt standard is
the plan's, not CMS text); and shortage designations (no HRSA shortage-area data is loaded offline, so
the draft says so and asks the author to add it). The text is regulator-facing: it cites only the CFR
and CMS's publications, and counts carry their noun in the right number.

Saving appends a version to ``package_narratives`` (schema v6) and writes the text to
``cited_gaps.narrative`` through ``deficiency.pathways.set_narrative`` so the pathway checklist sees it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from blueprint_desktop.deficiency import gaps as gapmod
from blueprint_desktop.deficiency import outreach, pathways
from blueprint_desktop.reports.pdf_document import plural
from blueprint_desktop.store.project import utc_now

SHORTAGE_PLACEHOLDER = (
    "[shortage designation: add the HRSA HPSA status of the county, or delete this sentence]"
)


@dataclass(frozen=True)
class Narrative:
    gap_id: int
    text: str
    generated_text: str
    edited: bool
    saved_at: str | None
    saved_by: str | None
    facts: dict[str, Any]

    @property
    def saved(self) -> bool:
        return self.saved_at is not None


def _count(project, sql: str, args: tuple) -> int:
    return int(project.conn.execute(sql, args).fetchone()[0])


def facts(project, gap: dict[str, Any]) -> dict[str, Any]:
    """The data a narrative is built from (also stored with each saved version)."""
    from blueprint_desktop.rules.standards import standards_for_county

    fips, line = gap["county_fips"], gap["line_code"]
    std = standards_for_county(project, fips)
    ls = std.lines.get(line)
    market = _count(
        project,
        "SELECT count(DISTINCT p.npi) FROM providers p JOIN provider_lines pl ON pl.provider_id = p.id"
        " JOIN locations l ON l.provider_id = p.id WHERE p.source = 'market' AND pl.line_code = ?"
        " AND l.county_fips = ? AND p.npi NOT IN (SELECT npi FROM providers WHERE source != 'market'"
        " AND contract_status = 'executed')",
        (line, fips),
    )
    network_in = _count(
        project,
        "SELECT count(DISTINCT p.npi) FROM providers p JOIN provider_lines pl ON pl.provider_id = p.id"
        " JOIN locations l ON l.provider_id = p.id WHERE p.source != 'market' AND p.contract_status = 'executed'"
        " AND pl.line_code = ? AND l.county_fips = ?",
        (line, fips),
    )
    network_out = _count(
        project,
        "SELECT count(DISTINCT p.npi) FROM providers p JOIN provider_lines pl ON pl.provider_id = p.id"
        " JOIN locations l ON l.provider_id = p.id WHERE p.source != 'market' AND p.contract_status = 'executed'"
        " AND pl.line_code = ? AND (l.county_fips IS NULL OR l.county_fips != ?)",
        (line, fips),
    )
    targets = gapmod.gap_providers(project, gap["id"], "target")
    counts = outreach.attempt_counts(project, [t["npi"] for t in targets])
    declines: dict[str, str] = {}
    for e in outreach.list_entries(project):
        if e["in_force"] and e["outcome"] == "declined" and e["npi"] in counts:
            declines[e["npi"]] = e["reason"] or ""
    result = pathways.latest_cell_result(project, fips, line)
    detail = None
    if result:
        row = project.conn.execute(
            "SELECT p90_minutes, p90_miles FROM run_results WHERE run_id = ? AND county_fips = ? AND line_code = ?",
            (result["run_id"], fips, line),
        ).fetchone()
        detail = {"p90_minutes": row[0], "p90_miles": row[1]} if row else None
    return {
        "county": gapmod.county_label(fips),
        "county_fips": fips,
        "line_code": line,
        "line_name": gapmod.line_name(line),
        "designation": std.designation,
        "designation_source": std.designation_source,
        "max_minutes": ls.max_minutes if ls else None,
        "max_miles": ls.max_miles if ls else None,
        "min_count": ls.min_count if ls else None,
        "counts_beds": bool(getattr(ls, "counts_beds", False)),
        "required_pct": ls.required_pct if ls else None,
        "exception_type": gap.get("exception_type"),
        "market_in_county": market,
        "network_in_county": network_in,
        "network_outside_county": network_out,
        "targets": [
            {
                "npi": t["npi"],
                "name": t["name"],
                "attempts": counts[t["npi"]].documented,
                "latest_outcome": counts[t["npi"]].latest_outcome,
                "declined_reason": declines.get(t["npi"]),
            }
            for t in targets
        ],
        "attempt_standard": outreach.ATTEMPT_STANDARD,
        "score": (result or {}) | (detail or {}),
    }


def _num(x: Any, unit: str) -> str:
    return "unknown" if x is None else f"{float(x):.1f} {unit}".replace(".0 ", " ")


def _whole(x: float) -> str:
    """A number as the package prints it: one decimal, or none when it is whole."""
    return f"{x:.1f}".removesuffix(".0")


def _beyond(p90: float | None, limit: float | None, unit: str, what: str) -> tuple[bool, str]:
    """(fails, words) for one of the two standards: the 90th percentile against its maximum."""
    if p90 is None or limit is None:
        return False, ""
    p90, limit = float(p90), float(limit)
    if p90 > limit + 1e-9:
        return (
            True,
            f"{_whole(p90)} {unit}, {_whole(p90 - limit)} beyond the {_whole(limit)}-{unit[:-1]} {what} standard",
        )
    return False, f"{_whole(p90)} {unit}, within the {_whole(limit)}-{unit[:-1]} {what} standard"


def distances(f: dict[str, Any]) -> str:
    """The 'Distances' paragraph: the standard that fails and by how much (time and distance both stated)."""
    s = f.get("score") or {}
    if s.get("pct_within") is None:
        return "Distances. The county has not been scored yet; run a scoring run before export."
    when = str(s.get("started_at", ""))[:10]
    pct = float(s["pct_within"])
    need = float(s.get("required_pct") or f.get("required_pct") or 90)
    standard = f"{_num(f['max_minutes'], 'minutes')} and {_num(f['max_miles'], 'miles')}"
    provider = f"a contracted provider of {f['line_code']} {f['line_name']}"
    short = need - pct
    if pct <= 0:
        share = f"no beneficiary lives within {standard} of {provider} ({need:.0f}% required)"
    elif short > 1e-9:
        share = (
            f"only {pct:.1f}% of beneficiaries live within {standard} of {provider} ({need:.0f}% required): "
            f"{short:.1f} percentage points short"
        )
    else:
        share = f"{pct:.1f}% of beneficiaries live within {standard} of {provider} ({need:.0f}% required)"
    parts = [f"Distances. Latest scoring run ({when}): {share}."]
    if s.get("p90_minutes") is not None or s.get("p90_miles") is not None:
        t_fails, t_text = _beyond(s.get("p90_minutes"), f.get("max_minutes"), "minutes", "time")
        d_fails, d_text = _beyond(s.get("p90_miles"), f.get("max_miles"), "miles", "distance")
        if t_fails and d_fails:
            parts.append(f"The 90th percentile fails both standards: {t_text}, and {d_text}.")
        elif t_fails or d_fails:
            failing, met = (t_text, d_text) if t_fails else (d_text, t_text)
            which = "time" if t_fails else "distance"
            parts.append(
                f"The {which} standard is the one that fails: the 90th percentile is {failing}"
                + (f" (its {'distance' if t_fails else 'time'} is {met})" if met else "")
                + "."
            )
        elif short > 1e-9:
            parts.append(
                f"The 90th percentile is {t_text} and {d_text}, but fewer than {need:.0f}% of beneficiaries "
                "meet both at once."
            )
    have, need_n = s.get("credited_count"), s.get("min_count")
    if have is not None and need_n is not None:
        noun = "Medicare-certified bed" if f.get("counts_beds") else "provider"
        count = f"The plan credits {plural(have, noun)}; {need_n} required"
        parts.append(count + (f": {plural(need_n - have, noun)} short." if have < need_n else "."))
    return " ".join(parts)


def generate(f: dict[str, Any]) -> str:
    """The draft narrative text for a set of facts (plain sentences, one paragraph per topic)."""
    etype = f.get("exception_type")
    justification = pathways.EXCEPTION_TYPES.get(etype, ("No exception type chosen yet", ""))[0]
    source = (
        "the CMS HSD Reference File"
        if f["designation_source"] == "reference"
        else "its population and land area under 42 CFR 422.116(c), no CMS reference file being loaded"
    )
    noun = "Medicare-certified bed" if f.get("counts_beds") else "provider"
    minimum = plural(f["min_count"], noun) if f.get("min_count") else f"the required number of {noun}s"
    paras = [
        f"Justification: {justification}.",
        f"County type. {f['county']} is a {f['designation']} county (from {source}). For {f['line_code']} "
        f"{f['line_name']} the standard is {_num(f['max_minutes'], 'minutes')} and {_num(f['max_miles'], 'miles')} "
        f"for {f['required_pct'] or 90:.0f}% of beneficiaries, with at least {minimum} "
        "(42 CFR 422.116(d)-(e)).",
        distances(f),
        f"Market supply. The market file lists {plural(f['market_in_county'], 'uncontracted provider')} of the "
        f"specialty located in the county. The plan contracts with {plural(f['network_in_county'], 'provider')} "
        f"of the specialty in the county and {f['network_outside_county']} outside it.",
    ]
    targets = f.get("targets") or []
    if targets:
        parts = []
        for t in targets:
            text = f"{t['name'] or t['npi']} (NPI {t['npi']}): {plural(t['attempts'], 'documented attempt')}"
            if t.get("declined_reason"):
                text += f", declined: {t['declined_reason']}"
            elif t.get("latest_outcome"):
                text += f", latest outcome: {t['latest_outcome']}"
            parts.append(text)
        paras.append(
            f"Outreach. The plan approached {plural(len(targets), 'provider')} "
            f"(the plan's standard is {plural(f['attempt_standard'], 'documented attempt')} each): "
            + "; ".join(parts)
            + "."
        )
    else:
        paras.append("Outreach. No provider of the specialty in the county has been approached yet.")
    paras.append(f"Shortage designation. {SHORTAGE_PLACEHOLDER}")
    paras.append(
        "Plan for ensuring access: [describe transport, telehealth and out-of-network care at in-network cost "
        "sharing for members of the county]."
    )
    return "\n\n".join(paras)


def _latest_row(project, gap_id: int):
    return project.conn.execute(
        "SELECT text, generated_text, edited, saved_at, saved_by FROM package_narratives WHERE gap_id = ?"
        " ORDER BY id DESC LIMIT 1",
        (gap_id,),
    ).fetchone()


def current(project, gap_id: int) -> Narrative:
    """The narrative in force: the last saved version, else the one typed in the deficiency pane
    (``cited_gaps.narrative``), else a fresh draft from the data."""
    gap = gapmod.get_gap(project, gap_id)
    f = facts(project, gap)
    draft = generate(f)
    row = _latest_row(project, gap_id)
    stored = (gap.get("narrative") or "").strip()
    if row and (not stored or stored == row[0].strip()):
        return Narrative(gap_id, row[0], row[1], bool(row[2]), row[3], row[4], f)
    if stored:
        # Typed in elsewhere (the deficiency pane or CLI): in force, and an edit of whatever draft existed.
        return Narrative(gap_id, stored, row[1] if row else draft, True, None, None, f)
    return Narrative(gap_id, draft, draft, False, None, None, f)


def save(project, gap_id: int, text: str | None = None) -> Narrative:
    """Save a narrative version (the generated draft when ``text`` is None) and put it in force."""
    gap = gapmod.get_gap(project, gap_id)
    f = facts(project, gap)
    draft = generate(f)
    body = (text if text is not None else draft).strip()
    edited = body != draft.strip()
    now = utc_now()
    with project.transaction():
        project.conn.execute(
            "INSERT INTO package_narratives(gap_id, text, generated_text, facts_json, edited, saved_at, saved_by)"
            " VALUES (?,?,?,?,?,?,?)",
            (
                gap_id,
                body,
                draft,
                json.dumps(f, sort_keys=True, default=str),
                int(edited),
                now,
                project.actor,
            ),
        )
        pathways.set_narrative(project, gap_id, body)
    return Narrative(gap_id, body, draft, edited, now, project.actor, f)


def history(project, gap_id: int) -> list[dict[str, Any]]:
    cur = project.conn.execute(
        "SELECT id, text, edited, saved_at, saved_by FROM package_narratives WHERE gap_id = ? ORDER BY id",
        (gap_id,),
    )
    return [dict(zip([d[0] for d in cur.description], r, strict=True)) for r in cur.fetchall()]
