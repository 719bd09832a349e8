"""A pathway per cited gap (cure, exception request, service area reduction) and its evidence checklist.

Each checklist item is either proven by project data (``source='data'``: recomputed on every read, never
stored, so it cannot drift from the roster or the outreach log) or confirmed by a person (``'manual'``:
stored in ``gap_checklist`` with who and when). Items that answer a template question carry an
``answer`` as well. Every item names its basis; "the plan's practice" marks rules recalled but not found in a public copy
(regulation.md tags) and "best practice" marks the seed's and vendors' advice (regulation.md 5).

The three pathways are the seed's (regulation.md 5 marks them [3P]); exception types follow the
criteria of 42 CFR 422.116(f) [R] (regulation.md 1.7) and the CY2017/CY2018 HSD Exception Request
Templates [G] (regulation.md 5).

Service area reduction: CMS freezes enrollment where a deficiency is not resolved in the response window
(seed 000). We define the **enrollment-freeze trigger date as the notice's due date**: once it has passed
(the day after the due date), a reduction is refused as a pathway, because it could no longer be filed
before the freeze. Move the due date (``plan.set_window``) when CMS grants more time.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from blueprint_desktop.deficiency import gaps as gapmod
from blueprint_desktop.deficiency import outreach, plan
from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.store.project import utc_now
from blueprint_desktop.store.schema_deficiency import PATHWAYS

PATHWAY_NAMES = {"cure": "Cure", "exception": "Exception request", "sar": "Service area reduction"}

# Exception types: the justification selected in the CY2017 template [G], framed by 422.116(f) [R].
EXCEPTION_TYPES = {
    "no-supply": (
        "Providers of the type are not available to contract in the county (Provider Supply file)",
        "42 CFR 422.116(f)(1)(i)",
    ),
    "pattern-of-care": (
        "The plan contracts with providers beyond the standard that are consistent with the local pattern of care",
        "42 CFR 422.116(f)(1)(ii); CMS MA Network Adequacy Guidance, Pattern of Care Rationales",
    ),
    "not-contracting": (
        "Providers within the standard exist but will not contract (a rationale for not contracting)",
        "CMS MA Network Adequacy Guidance, Rationales for Not Contracting: 'not willing to contract' alone is not a valid rationale",
    ),
}

MANUAL_ITEMS = {
    "cure": {"officer_attestation"},
    "exception": {
        "criterion_supply",
        "criterion_pattern",
        "template_q4",
        "sources",
        "access_plan",
        "supply_file_validated",
        "pattern_of_care_data",
        "rationale_valid",
    },
    "sar": {"cms_prior_approval", "member_notice", "state_coordination", "pbp_update"},
}


@dataclass
class ChecklistItem:
    key: str
    label: str
    source: str  # "data" | "manual"
    basis: str
    done: bool
    evidence: list[str] = field(default_factory=list)
    answer: str | None = None
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def freeze_trigger_date(gap: dict[str, Any]) -> date:
    """The enrollment-freeze trigger date of a gap: its notice's due date (see the module docstring)."""
    return plan.parse_date(gap["due_date"], "due date")


def choose_pathway(
    project,
    gap_id: int,
    pathway: str,
    exception_type: str | None = None,
    cure_npis: list[str] = (),
    target_npis: list[str] = (),
    today: date | None = None,
) -> dict[str, Any]:
    """Set a gap's pathway (and exception type); designate providers; marks triage done. Returns the checklist."""
    today = today or date.today()
    if pathway not in PATHWAYS:
        raise BlueprintError(f"pathway {pathway!r} is not one of {', '.join(PATHWAYS)}")
    gap = gapmod.get_gap(project, gap_id)
    if pathway == "exception":
        exception_type = exception_type or gap.get("exception_type")
        if exception_type not in EXCEPTION_TYPES:
            raise BlueprintError(
                f"an exception request needs --exception-type, one of: {', '.join(EXCEPTION_TYPES)}"
            )
    elif exception_type:
        raise BlueprintError("--exception-type applies only to the exception pathway")
    if pathway == "sar":
        trigger = freeze_trigger_date(gap)
        if today > trigger:
            raise BlueprintError(
                f"gap {gap_id}: a service area reduction is refused: the enrollment-freeze trigger date "
                f"{trigger} (the notice's due date) has passed"
            )
    with project.transaction():
        project.conn.execute(
            "UPDATE cited_gaps SET pathway = ?, exception_type = ?, pathway_chosen_at = ? WHERE id = ?",
            (pathway, exception_type if pathway == "exception" else None, utc_now(), gap_id),
        )
        project.conn.execute(
            "UPDATE plan_milestones SET done_date = coalesce(done_date, ?) WHERE gap_id = ? AND phase = 'triage'",
            (today.isoformat(), gap_id),
        )
        for npi in cure_npis:
            gapmod.designate(project, gap_id, npi, "cure", "designated for the cure")
        for npi in target_npis:
            gapmod.designate(project, gap_id, npi, "target", "designated as an outreach target")
        project.audit(
            "deficiency.pathway",
            "cited_gap",
            gap_id,
            {
                "pathway": pathway,
                "exception_type": exception_type,
                "cure": list(cure_npis),
                "targets": list(target_npis),
            },
        )
    return checklist(project, gap_id, today=today)


def set_item(
    project, gap_id: int, item: str, done: bool = True, value: str | None = None, note: str | None = None
) -> None:
    """Confirm (or withdraw) a manual checklist item of the gap's pathway."""
    gap = gapmod.get_gap(project, gap_id)
    pathway = gap["pathway"]
    if pathway is None:
        raise BlueprintError(f"gap {gap_id} has no pathway yet; choose cure, exception or sar first")
    if item not in MANUAL_ITEMS[pathway]:
        raise BlueprintError(
            f"{item!r} is not a manual item of the {pathway} checklist (manual items: {', '.join(sorted(MANUAL_ITEMS[pathway]))})"
        )
    with project.transaction():
        project.conn.execute(
            "INSERT INTO gap_checklist(gap_id, item, done, value, note, by, at) VALUES (?,?,?,?,?,?,?)"
            " ON CONFLICT(gap_id, item) DO UPDATE SET done = excluded.done, value = excluded.value,"
            " note = excluded.note, by = excluded.by, at = excluded.at",
            (gap_id, item, int(done), value, note, project.actor, utc_now()),
        )
        project.audit(
            "deficiency.checklist", "cited_gap", gap_id, {"item": item, "done": done, "value": value}
        )


def set_narrative(project, gap_id: int, text: str) -> None:
    gapmod.get_gap(project, gap_id)
    with project.transaction():
        project.conn.execute(
            "UPDATE cited_gaps SET narrative = ? WHERE id = ?", ((text or "").strip() or None, gap_id)
        )
        project.audit("deficiency.narrative", "cited_gap", gap_id, {"chars": len(text or "")})


def _manual(project, gap_id: int) -> dict[str, dict[str, Any]]:
    cur = project.conn.execute(
        "SELECT item, done, value, note, by, at FROM gap_checklist WHERE gap_id = ?", (gap_id,)
    )
    return {
        r[0]: {"done": bool(r[1]), "value": r[2], "note": r[3], "by": r[4], "at": r[5]}
        for r in cur.fetchall()
    }


def _manual_item(stored, key: str, label: str, basis: str) -> ChecklistItem:
    s = stored.get(key)
    evidence = [f"confirmed by {s['by']} on {s['at'][:10]}"] if s and s["done"] else []
    return ChecklistItem(
        key,
        label,
        "manual",
        basis,
        bool(s and s["done"]),
        evidence,
        answer=(s or {}).get("value"),
        note=(s or {}).get("note"),
    )


def _all_providers(rows: list[dict[str, Any]], test, describe) -> tuple[bool, list[str]]:
    bad = [r for r in rows if not test(r)]
    evidence = [describe(r) for r in (bad or rows)]
    return bool(rows) and not bad, evidence


def _who(r: dict[str, Any]) -> str:
    return f"{r['npi']} {r.get('name') or ''}".strip()


def latest_cell_result(project, county_fips: str, line_code: str) -> dict[str, Any] | None:
    """The newest stored scoring result for one county x line (any run that scored it)."""
    cur = project.conn.execute(
        "SELECT r.run_id, s.started_at, r.status, r.pct_within, r.required_pct, r.credited_count, r.min_count"
        " FROM run_results r JOIN scoring_runs s ON s.id = r.run_id"
        " WHERE r.county_fips = ? AND r.line_code = ? ORDER BY r.run_id DESC LIMIT 1",
        (county_fips, line_code),
    )
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None


def _result_text(result: dict[str, Any] | None) -> str:
    if not result:
        return "not scored yet"
    pct = "?" if result["pct_within"] is None else f"{result['pct_within']:.1f}%"
    need = "?" if result["required_pct"] is None else f"{result['required_pct']:.0f}%"
    return (
        f"run {result['run_id']} ({result['started_at'][:10]}): {result['status']}, {pct} within (needs {need}),"
        f" {result['credited_count']} of {result['min_count']} required"
    )


def _cure_items(project, gap, stored) -> list[ChecklistItem]:
    cure = gapmod.gap_providers(project, gap["id"], "cure")
    items = [
        ChecklistItem(
            "cure_providers",
            "Providers the cure rests on are identified",
            "data",
            "the plan's cure pathway",
            bool(cure),
            [_who(r) for r in cure] or ["none designated or contracted yet"],
        ),
    ]
    ok, ev = _all_providers(
        cure,
        lambda r: r["contract_status"] == "executed",
        lambda r: (
            f"{_who(r)}: contract {r['contract_status'] or 'unknown'}"
            + (f" on {r['contract_executed_date']}" if r["contract_executed_date"] else "")
        ),
    )
    items.append(
        ChecklistItem(
            "executed_contracts",
            "Fully executed contracts (an LOI does not count)",
            "data",
            "only fully executed contracts may be listed in the HSD tables (CMS MA Network Adequacy Guidance)",
            ok,
            ev,
        )
    )
    ok, ev = _all_providers(
        cure,
        lambda r: r["credentialing_status"] in ("active", "provisional"),
        lambda r: f"{_who(r)}: credentialing {r['credentialing_status'] or 'unknown'}",
    )
    items.append(
        ChecklistItem(
            "credentialing",
            "Active or provisional credentialing",
            "data",
            "a contracted provider counts once credentialed (42 CFR 422.204)",
            ok,
            ev,
        )
    )
    ok, ev = _all_providers(
        cure,
        lambda r: bool(r["hpms_entered_date"]),
        lambda r: (
            f"{_who(r)}: "
            + (
                f"entered in HPMS {r['hpms_entered_date']}"
                if r["hpms_entered_date"]
                else "not entered in HPMS"
            )
        ),
    )
    items.append(
        ChecklistItem(
            "hpms_roster",
            "HPMS roster (HSD tables) updated",
            "data",
            "results flow through HPMS (CMS MA Network Adequacy Guidance)",
            ok,
            ev,
        )
    )
    result = latest_cell_result(project, gap["county_fips"], gap["line_code"])
    items.append(
        ChecklistItem(
            "rescore_passes",
            "The county x line passes when re-scored",
            "data",
            "42 CFR 422.116(d)-(e)",
            bool(result and result["status"] == "Pass"),
            [_result_text(result)],
        )
    )
    items.append(
        _manual_item(stored, "officer_attestation", "Officer attestation signed", "the plan's cure evidence")
    )
    return items


def _exception_items(project, gap, stored) -> list[ChecklistItem]:
    fips, line = gap["county_fips"], gap["line_code"]
    etype = gap["exception_type"]
    targets = gapmod.gap_providers(project, gap["id"], "target")
    counts = outreach.attempt_counts(project, [t["npi"] for t in targets])
    active = [t for t in targets if counts[t["npi"]].latest_outcome not in gapmod.CONTRACTING_OUTCOMES]
    market_in_county = project.conn.execute(
        "SELECT count(DISTINCT p.npi) FROM providers p JOIN provider_lines pl ON pl.provider_id = p.id"
        " JOIN locations l ON l.provider_id = p.id WHERE p.source = 'market' AND pl.line_code = ? AND l.county_fips = ?"
        " AND p.npi NOT IN (SELECT npi FROM providers WHERE source = 'roster' AND contract_status = 'executed')",
        (line, fips),
    ).fetchone()[0]
    contracted_outside = project.conn.execute(
        "SELECT count(DISTINCT p.npi) FROM providers p JOIN provider_lines pl ON pl.provider_id = p.id"
        " JOIN locations l ON l.provider_id = p.id WHERE p.source = 'roster' AND p.contract_status = 'executed'"
        " AND pl.line_code = ? AND l.county_fips IS NOT NULL AND l.county_fips != ?",
        (line, fips),
    ).fetchone()[0]
    market_batches = [
        r[0]
        for r in project.conn.execute(
            "SELECT DISTINCT b.file_name FROM import_batches b JOIN providers p ON p.batch_id = b.id WHERE p.source = 'market'"
        )
    ]
    items = [
        ChecklistItem(
            "type",
            f"Exception type: {EXCEPTION_TYPES[etype][0]}",
            "data",
            EXCEPTION_TYPES[etype][1],
            True,
            [etype],
        ),
        _manual_item(
            stored,
            "criterion_supply",
            "CMS criterion 1: providers of the type are not available to contract (Provider Supply file)",
            "42 CFR 422.116(f)(1)(i)",
        ),
        _manual_item(
            stored,
            "criterion_pattern",
            "CMS criterion 2: contracted providers beyond the standard are available and accessible to most "
            "enrollees, consistent with the local pattern of care",
            "42 CFR 422.116(f)(1)(ii)",
        ),
        ChecklistItem(
            "template_q1",
            "Template Part II Q1: reviewed public databases and other sources for available providers",
            "data",
            "CMS Exception Request Template, Part II",
            bool(market_batches),
            market_batches or ["no market (NPPES) file imported"],
            answer="Yes" if market_batches else "No",
        ),
        ChecklistItem(
            "template_q2",
            "Template Part II Q2: found providers within CMS criteria that are not contracted",
            "data",
            "CMS Exception Request Template, Part II",
            True,
            [f"{market_in_county} uncontracted provider(s) of the line located in the county"],
            answer="Yes" if market_in_county else "No",
        ),
        ChecklistItem(
            "template_q3",
            "Template Part II Q3: contracted providers outside the criteria",
            "data",
            "CMS Exception Request Template, Part II",
            True,
            [f"{contracted_outside} contracted provider(s) of the line located outside the county"],
            answer="Yes" if contracted_outside else "No",
        ),
        _manual_item(
            stored,
            "template_q4",
            "Template Part II Q4: other non-contracted providers outside the criteria but closer to enrollees",
            "CMS Exception Request Template, Part II",
        ),
        _manual_item(
            stored,
            "sources",
            "Template Part III: sources searched (up to five)",
            "CMS Exception Request Template, Part III",
        ),
    ]
    short = [t for t in active if not counts[t["npi"]].meets_standard]
    items.append(
        ChecklistItem(
            "four_attempts",
            f"{outreach.ATTEMPT_STANDARD} documented outreach attempts per targeted provider (best practice)",
            "data",
            "the plan's standard of documented attempts per targeted provider",
            bool(active) and not short,
            [
                f"{t['npi']} {t['name']}: {counts[t['npi']].documented} of {outreach.ATTEMPT_STANDARD}"
                for t in (short or active)
            ]
            or ["no targeted providers"],
        )
    )
    declined = [t for t in active if counts[t["npi"]].latest_outcome == "declined"]
    undisposed = [
        t
        for t in active
        if counts[t["npi"]].latest_outcome != "declined" and not counts[t["npi"]].meets_standard
    ]
    items.append(
        ChecklistItem(
            "declinations",
            "Each targeted provider declined with a recorded reason, or did not respond to every attempt",
            "data",
            "CMS Exception Request Template: why each nearby provider is not contracted",
            bool(active) and not undisposed,
            [f"{t['npi']} {t['name']}: declined" for t in declined]
            + [
                f"{t['npi']} {t['name']}: no declination and fewer than {outreach.ATTEMPT_STANDARD} attempts"
                for t in undisposed
            ],
        )
    )
    narrative = (gap.get("narrative") or "").strip()
    items.append(
        ChecklistItem(
            "narrative",
            "Narrative: the justification and the plan for ensuring access",
            "data",
            "CMS Exception Request Template: justification and plan for ensuring access",
            bool(narrative),
            [narrative[:120] + ("..." if len(narrative) > 120 else "")]
            if narrative
            else ["no narrative yet"],
        )
    )
    result = latest_cell_result(project, fips, line)
    items.append(
        ChecklistItem(
            "supporting_data",
            "Supporting data: the county x line score (share within, counts)",
            "data",
            "CMS Automated Criteria Check deficiency geography and travel times",
            result is not None,
            [_result_text(result)],
        )
    )
    items.append(
        _manual_item(
            stored,
            "access_plan",
            "Access plan: transport, telehealth, out-of-network care at in-network cost sharing",
            "CMS Exception Request Template 'plan for ensuring access'; 42 CFR 422.112(a)(10)(v) other factors",
        )
    )
    if etype == "no-supply":
        items.append(
            _manual_item(
                stored,
                "supply_file_validated",
                "The Provider Supply file rows for the county were checked (stale rows removed from the argument)",
                "CMS Provider Supply file for the county and type",
            )
        )
    elif etype == "pattern-of-care":
        items.append(
            _manual_item(
                stored,
                "pattern_of_care_data",
                "Pattern-of-care data: where members of the county get this care today",
                "CMS MA Network Adequacy Guidance, Pattern of Care Rationales",
            )
        )
    else:
        items.append(
            _manual_item(
                stored,
                "rationale_valid",
                "The rationale for not contracting is a valid one (not 'unwilling to contract' alone)",
                "CMS MA Network Adequacy Guidance, Invalid and Valid Rationales for Not Contracting",
            )
        )
    return items


def _sar_items(project, gap, stored, today: date) -> list[ChecklistItem]:
    trigger = freeze_trigger_date(gap)
    return [
        ChecklistItem(
            "freeze_trigger",
            f"Filed before the enrollment-freeze trigger date {trigger} (the notice's due date)",
            "data",
            "the plan's trigger date: the notice's due date",
            today <= trigger,
            [
                f"{plan.days_left(trigger, today)} day(s) left"
                if today <= trigger
                else "the trigger date has passed"
            ],
        ),
        _manual_item(
            stored,
            "cms_prior_approval",
            "CMS prior approval of the reduction",
            "CMS service area reduction process",
        ),
        _manual_item(
            stored,
            "member_notice",
            "Members of the county notified at least 60 days ahead",
            "member notice per CMS instructions",
        ),
        _manual_item(
            stored,
            "state_coordination",
            "Coordinated with the state (licensure, D-SNP contract)",
            "the plan's practice",
        ),
        _manual_item(
            stored, "pbp_update", "Plan benefit package (PBP) service area updated", "the plan's practice"
        ),
    ]


def checklist(project, gap_id: int, today: date | None = None) -> dict[str, Any]:
    """The gap's pathway checklist, filled from project data; ``complete`` when every item is done."""
    today = today or date.today()
    gap = gapmod.get_gap(project, gap_id)
    stored = _manual(project, gap_id)
    pathway = gap["pathway"]
    if pathway == "cure":
        items = _cure_items(project, gap, stored)
    elif pathway == "exception":
        items = _exception_items(project, gap, stored)
    elif pathway == "sar":
        items = _sar_items(project, gap, stored, today)
    else:
        items = []
    return {
        "gap_id": gap_id,
        "label": gapmod.gap_label(gap),
        "county_fips": gap["county_fips"],
        "line_code": gap["line_code"],
        "pathway": pathway,
        "pathway_name": PATHWAY_NAMES.get(pathway or "", "not chosen"),
        "exception_type": gap["exception_type"],
        "narrative": gap["narrative"],
        "freeze_trigger_date": freeze_trigger_date(gap).isoformat(),
        "items": [i.as_dict() for i in items],
        "complete": bool(items) and all(i.done for i in items),
    }
