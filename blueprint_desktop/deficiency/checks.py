"""The checks of a deficiency response, one finding per gap x provider concerned.

1. ``uncredentialed-cure``: a cure rests on a provider whose credentialing is not active or provisional.
2. ``incomplete-outreach``: an outreach entry in force lacks its date, channel, staff member or outcome.
3. ``window``: the response window is at risk (``plan.WARN_DAYS`` or fewer days left, or a phase overdue)
   or missed (past the due date without submission).
4. ``loi-cure``: a cure rests on a letter of intent (or a pending contract) without an executed contract
   (only fully executed contracts may be listed: CMS Medicare Advantage Network Adequacy Guidance).
5. ``exception-attempts``: an exception request lacks four documented attempts for a targeted provider
   (best practice, not CMS text).
6. ``hpms-not-entered``: a provider contracted during the response (executed on or after the notice date)
   is not yet marked as entered in HPMS (``providers.hpms_entered_date``).
7. ``credit-exclusions`` (warning): a network provider x line that does not count whatever its contract, by
   the rules the engine applies (``engine.exclusions``): children's, long-term care and specialized
   hospitals and residential-only providers (42 CFR 422.116(a)(3)(i)(A)-(B)), contracts only for non-MA
   products ((a)(3)(i)(C)), 068 of a provider listed as 029/036/037 and PAs/NPs not recorded as the primary
   care source (HSD Reference File Notes). Not tied to a gap (``gap_id`` None), so listing them before a
   notice arrives lets the plan fix the roster or recruit in time.
8. ``declined-cure``: a cure rests on a provider whose latest outreach entry in force (corrections
   supersede: ``outreach.attempt_counts``) is "declined", the log's only refusal outcome.
9. ``exception-curable``: an exception is requested for a county x line that one uncontracted candidate
   (market or roster, ``engine.credited.candidate_mask``) would make pass alone
   (``engine.targeting.counties_flipped``: it closes the share gap and, with one more NPI or its beds,
   the count gap). Candidates whose latest outreach entry in force is "declined" are not offered: a
   refusal is what an exception rests on. The finding names the candidates.
10. ``no-pathway-near-due``: a gap of a notice not yet submitted has no pathway chosen and the due date is
    ``plan.WARN_DAYS`` or fewer days away, or past (``unanswered_gaps``, which the package's completeness
    check also uses for its "no pathway chosen" lack).

Checks are recomputed from the data on every call (after refreshing the providers each gap concerns),
so a finding clears as soon as the data that caused it is fixed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from blueprint_desktop.deficiency import gaps as gapmod
from blueprint_desktop.deficiency import outreach, plan

CHECKS = {
    "uncredentialed-cure": "Uncredentialed provider used for a cure",
    "incomplete-outreach": "Outreach entry missing date, channel, staff or outcome",
    "window": "Response window at risk or missed",
    "loi-cure": "Cure resting on an LOI without an executed contract",
    "exception-attempts": f"Exception without {outreach.ATTEMPT_STANDARD} documented attempts per targeted provider",
    "hpms-not-entered": "Provider added mid-cycle not yet entered in HPMS",
    "credit-exclusions": "Contracted provider that does not count",
    "declined-cure": "Cure resting on a provider who declined",
    "exception-curable": "Exception requested where one recruit would make the county pass",
    "no-pathway-near-due": "No pathway chosen close to the due date",
}
# How many candidates a finding names before "and N more".
NAMED_CANDIDATES = 3


@dataclass(frozen=True)
class Unanswered:
    """A cited gap with no pathway chosen, and how far its due date is."""

    gap: dict[str, Any]
    days_left: int

    @property
    def near_due(self) -> bool:
        """Within ``plan.WARN_DAYS`` of the due date, or past it, and not yet submitted."""
        return not self.gap["submitted_date"] and self.days_left <= plan.WARN_DAYS

    def message(self) -> str:
        when = (
            f"the response was due {self.gap['due_date']} ({-self.days_left} day(s) ago)"
            if self.days_left < 0
            else f"{self.days_left} day(s) left until the due date {self.gap['due_date']}"
        )
        return (
            f"{gapmod.gap_label(self.gap)}: no pathway chosen (cure, exception or service area "
            f"reduction); {when}"
        )


def unanswered_gaps(gaps: list[dict[str, Any]], today: date | None = None) -> list[Unanswered]:
    """The gaps (as ``gaps.list_gaps`` gives them) with no pathway chosen, in the order given.

    One function for both the checks (``no-pathway-near-due``: those ``near_due``) and the package's
    completeness check (every one of them is a lack)."""
    today = today or date.today()
    return [Unanswered(g, plan.days_left(g["due_date"], today)) for g in gaps if not g["pathway"]]


@dataclass(frozen=True)
class Finding:
    check: str
    gap_id: int | None
    npi: str | None
    message: str
    severity: str  # "error" | "warning"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _credit_exclusion_findings(project) -> list[Finding]:
    """Check 7: each network (non-market) provider x evaluated line that engine.exclusions drops, once per
    line however many locations it has, with the reason."""
    from blueprint_desktop.engine.credited import load_locations
    from blueprint_desktop.engine.exclusions import excluded_rows

    df = load_locations(project)
    if df.empty:
        return []
    rows = excluded_rows(df[df.source != "market"], project.lob)
    out: dict[tuple[str, str], Finding] = {}
    for r in rows.itertuples(index=False):
        key = (str(r.npi), str(r.line_code))
        if key in out:
            continue
        line = (
            r.line_code
            if r.submitted_code in (None, "", r.line_code)
            else f"{r.line_code} ({r.submitted_code})"
        )
        who = f"{r.npi} {r.name or ''}".strip()
        out[key] = Finding("credit-exclusions", None, key[0], f"{who}, line {line}: {r.reason}", "warning")
    return [out[k] for k in sorted(out)]


def _exception_curable_findings(
    project, gaps: list[dict[str, Any]], declined: set[str], today: date
) -> list[Finding]:
    """Check 9: per exception gap, the candidates that alone would make its county x line pass."""
    excepted = [g for g in gaps if g["pathway"] == "exception"]
    if not excepted:
        return []
    from blueprint_desktop.engine.credited import candidate_mask, load_locations
    from blueprint_desktop.engine.targeting import counties_flipped

    df = load_locations(project)
    if df.empty:
        return []
    candidates = df[candidate_mask(df, today)]
    candidates = candidates[~candidates.npi.isin(declined)]
    out: list[Finding] = []
    for line in sorted({g["line_code"] for g in excepted}):
        cand = candidates[candidates.line_code == line]
        if cand.empty:
            continue
        flips = counties_flipped(project, line, cand, today=today)
        who = cand.drop_duplicates("provider_id").set_index("provider_id")
        for g in (g for g in excepted if g["line_code"] == line):
            pids = [pid for pid, counties in flips.items() if g["county_fips"] in counties]
            if not pids:
                continue
            named = sorted(
                (
                    str(who.loc[pid, "npi"]),
                    str(who.loc[pid, "name"] or "").strip(),
                    str(who.loc[pid, "source"]),
                )
                for pid in pids
            )
            text = "; ".join(
                f"{npi} {name}".strip() + (" (market)" if source == "market" else " (roster, not executed)")
                for npi, name, source in named[:NAMED_CANDIDATES]
            )
            more = len(named) - NAMED_CANDIDATES
            one = len(named) == 1
            out.append(
                Finding(
                    "exception-curable",
                    g["id"],
                    named[0][0],
                    f"{gapmod.gap_label(g)}: an exception is requested, but signing "
                    + ("this candidate" if one else "any one of these candidates")
                    + f" alone would make the county pass: {text}"
                    + (f" and {more} more (blueprint targets)" if more > 0 else "")
                    + "; cure the gap, or record the refusal in the outreach log",
                    "error",
                )
            )
    return out


def run_checks(project, today: date | None = None, refresh: bool = True) -> list[Finding]:
    """Every finding of the checks, in check order then gap then NPI."""
    today = today or date.today()
    if refresh and not project.read_only:
        gapmod.refresh_gap_providers(project)
    gaps = gapmod.list_gaps(project)
    findings: list[Finding] = []
    providers = {g["id"]: gapmod.gap_providers(project, g["id"]) for g in gaps}
    labels = {g["id"]: gapmod.gap_label(g) for g in gaps}

    latest = outreach.attempt_counts(project)  # per NPI: the latest outcome of the entries in force

    # 1, 4 and 8: the cure's providers.
    for g in gaps:
        if g["pathway"] != "cure":
            continue
        for p in providers[g["id"]]:
            if p["role"] != "cure":
                continue
            who = f"{p['npi']} {p['name']}".strip()
            if p["credentialing_status"] not in ("active", "provisional"):
                findings.append(
                    Finding(
                        "uncredentialed-cure",
                        g["id"],
                        p["npi"],
                        f"{labels[g['id']]}: the cure counts {who}, whose credentialing is "
                        f"{p['credentialing_status'] or 'unknown'} (needs active or provisional)",
                        "error",
                    )
                )
            if p["contract_status"] != "executed":
                status = {"loi": "a letter of intent only"}.get(
                    p["contract_status"], f"contract {p['contract_status'] or 'unknown'}"
                )
                findings.append(
                    Finding(
                        "loi-cure",
                        g["id"],
                        p["npi"],
                        f"{labels[g['id']]}: the cure rests on {who} with {status}, not an executed contract",
                        "error",
                    )
                )
            said = latest.get(p["npi"])
            if said is not None and said.latest_outcome == "declined":
                findings.append(
                    Finding(
                        "declined-cure",
                        g["id"],
                        p["npi"],
                        f"{labels[g['id']]}: the cure rests on {who}, whose latest outreach entry in force "
                        "says declined; record the contract or a superseding entry, or change the pathway",
                        "error",
                    )
                )

    # 2: outreach entries in force missing a required field, named under every gap that concerns the NPI.
    gaps_of_npi: dict[str, list[int]] = {}
    for gid, rows in providers.items():
        for p in rows:
            gaps_of_npi.setdefault(p["npi"], []).append(gid)
    for e in outreach.list_entries(project):
        if not e["in_force"] or not e["missing"]:
            continue
        message = f"outreach entry #{e['id']} for {e['npi']} has no {', '.join(e['missing'])}; record a correction that supersedes it"
        for gid in gaps_of_npi.get(e["npi"], [None]):
            findings.append(Finding("incomplete-outreach", gid, e["npi"], message, "error"))

    # 3: the window, per gap of a notice not yet submitted.
    overdue: dict[int, list[dict[str, Any]]] = {}
    for m in plan.milestones(project, today=today):
        if m["overdue"]:
            overdue.setdefault(m["gap_id"], []).append(m)
    for g in gaps:
        state = plan.window_state(g["due_date"], today, submitted=bool(g["submitted_date"]))
        if state == "missed":
            findings.append(
                Finding(
                    "window",
                    g["id"],
                    None,
                    f"{labels[g['id']]}: the response was due {g['due_date']} "
                    f"({-plan.days_left(g['due_date'], today)} day(s) ago) and is not submitted",
                    "error",
                )
            )
        elif state == "at risk":
            findings.append(
                Finding(
                    "window",
                    g["id"],
                    None,
                    f"{labels[g['id']]}: {plan.days_left(g['due_date'], today)} day(s) left until the due date "
                    f"{g['due_date']}",
                    "warning",
                )
            )
        elif state == "on track" and overdue.get(g["id"]):
            late = ", ".join(f"{m['phase']} (due {m['due_date']})" for m in overdue[g["id"]])
            findings.append(
                Finding("window", g["id"], None, f"{labels[g['id']]}: at risk: overdue {late}", "warning")
            )

    # 5: exception requests and their targeted providers.
    for g in gaps:
        if g["pathway"] != "exception":
            continue
        targets = [p for p in providers[g["id"]] if p["role"] == "target"]
        counts = outreach.attempt_counts(project, [t["npi"] for t in targets])
        if not targets:
            findings.append(
                Finding(
                    "exception-attempts",
                    g["id"],
                    None,
                    f"{labels[g['id']]}: the exception names no targeted provider and no outreach",
                    "error",
                )
            )
        for t in targets:
            c = counts[t["npi"]]
            if c.latest_outcome in gapmod.CONTRACTING_OUTCOMES or c.meets_standard:
                continue
            findings.append(
                Finding(
                    "exception-attempts",
                    g["id"],
                    t["npi"],
                    f"{labels[g['id']]}: {t['npi']} {t['name']}".rstrip()
                    + f" has {c.documented} of {outreach.ATTEMPT_STANDARD} documented attempts (best practice)",
                    "error",
                )
            )

    # 6: providers contracted during the cycle and not yet in HPMS.
    for g in gaps:
        for p in providers[g["id"]]:
            executed = p["contract_executed_date"]
            if p["source"] not in ("roster", "manual") or p["contract_status"] != "executed" or not executed:
                continue
            if executed >= g["notice_date"] and not p["hpms_entered_date"]:
                findings.append(
                    Finding(
                        "hpms-not-entered",
                        g["id"],
                        p["npi"],
                        f"{labels[g['id']]}: {p['npi']} {p['name']} (contract executed {executed}) "
                        "is not marked as entered in HPMS",
                        "error",
                    )
                )

    # 7: network providers x lines that do not count (42 CFR 422.116(a)(3); HSD Notes).
    findings.extend(_credit_exclusion_findings(project))

    # 9: exceptions that one recruit would make unnecessary.
    declined = {npi for npi, c in latest.items() if c.latest_outcome == "declined"}
    findings.extend(_exception_curable_findings(project, gaps, declined, today))

    # 10: gaps still without a pathway close to (or past) the due date.
    for u in unanswered_gaps(gaps, today):
        if u.near_due:
            findings.append(Finding("no-pathway-near-due", u.gap["id"], None, u.message(), "error"))

    order = {c: i for i, c in enumerate(CHECKS)}
    findings.sort(key=lambda f: (order[f.check], f.gap_id or 0, f.npi or ""))
    return findings
