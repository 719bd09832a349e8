"""What each section of the corrective action package still lacks before it can go to CMS.

CMS rejects incomplete packages. Every lack names its section and what to do; a package with any lack
exports only as a draft (watermarked DRAFT on every page). The rules follow the evidence the package must
carry and the deficiency checklists (``deficiency.pathways``), whose unfinished items are repeated here
under the gap summary, except the officer attestation, which is signed on this package's own cover
sheet. Gaps with no pathway come from ``deficiency.checks.unanswered_gaps``, the function behind the
``no-pathway-near-due`` check, so ``export check`` and ``blueprint checks`` name the same gaps.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from blueprint_desktop.deficiency import gaps as gapmod
from blueprint_desktop.deficiency.checks import unanswered_gaps
from blueprint_desktop.reports.narrative import SHORTAGE_PLACEHOLDER
from blueprint_desktop.reports.package_data import PackageData

SECTIONS = {
    "cover": "Cover and attestation",
    "summary": "Summary of cited gaps",
    "analysis": "Gap analysis",
    "map": "Map of the gap counties",
    "providers": "Provider evidence",
    "outreach": "Outreach log",
    "narratives": "Exception narratives",
    "timeline": "Timeline of actions",
    "appendix": "Appendix: attached documents",
}
SIGNED_ON_COVER = {"officer_attestation"}
CREDITED = ("active", "provisional")


@dataclass(frozen=True)
class Lack:
    section: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"section_title": SECTIONS[self.section]}


def check(data: PackageData) -> list[Lack]:
    """Every lack, in section order."""
    out: list[Lack] = []
    if not data.notice.get("contract_id"):
        out.append(Lack("cover", "the notice has no contract ID (H/R/S number) to print on the cover"))
    if not data.gaps:
        out.append(Lack("summary", "the notice has no cited gaps"))
    # The same gaps the checks' "no-pathway-near-due" watches (one function), each with its days left.
    unanswered = {u.gap["id"]: u for u in unanswered_gaps(data.gaps, data.today)}
    for g in data.gaps:
        label = gapmod.gap_label(g)
        if g["id"] in unanswered:
            out.append(Lack("summary", unanswered[g["id"]].message()))
            continue
        for item in data.checklists[g["id"]]["items"]:
            if not item["done"] and item["key"] not in SIGNED_ON_COVER:
                out.append(Lack("summary", f"{label}: checklist item not met: {item['label']}"))
    if data.after_run is None:
        out.append(Lack("analysis", "the project was never scored; run a scoring run (blueprint score)"))
    else:
        if data.before_is_fallback:
            out.append(
                Lack("analysis", "no scoring run predates the notice's import: 'before' is the first run")
            )
        if data.before_run and data.after_run["id"] == data.before_run["id"]:
            out.append(
                Lack(
                    "analysis",
                    "no scoring run after the notice: re-score to show the state after the actions",
                )
            )
        for g in data.gaps:
            if data.cells[g["id"]]["after"] is None:
                out.append(
                    Lack(
                        "analysis", f"{gapmod.gap_label(g)}: the latest run did not score this county x line"
                    )
                )
    cure_gaps = [g for g in data.gaps if g["pathway"] == "cure"]
    if cure_gaps and not data.providers:
        out.append(Lack("providers", "cure pathway chosen but no provider was added to cure a gap"))
    for p in data.providers:
        who = f"{p['name'] or ''} (NPI {p['npi']})".strip()
        if p.get("contract_status") != "executed" or not p.get("contract_executed_date"):
            out.append(Lack("providers", f"{who}: no executed contract date"))
        if p.get("credentialing_status") not in CREDITED:
            out.append(
                Lack("providers", f"{who}: credentialing {p.get('credentialing_status') or 'unknown'}")
            )
        if not p.get("hpms_entered_date"):
            out.append(Lack("providers", f"{who}: not entered in HPMS"))
        if (p.get("panel_status") or "unknown") == "unknown":
            out.append(Lack("providers", f"{who}: panel status unknown"))
    excepted = [g for g in data.gaps if g["pathway"] == "exception"]
    if excepted and not data.outreach:
        out.append(Lack("outreach", "exception requested but the outreach log is empty"))
    for e in data.outreach:
        if e["in_force"] and e["missing"]:
            out.append(Lack("outreach", f"entry #{e['id']} ({e['npi']}) lacks its {', '.join(e['missing'])}"))
    for g in excepted:
        n = data.narratives.get(g["id"])
        label = gapmod.gap_label(g)
        if n is None or not n.text.strip():
            out.append(Lack("narratives", f"{label}: no narrative"))
            continue
        if not n.saved and not n.edited:
            out.append(Lack("narratives", f"{label}: the generated narrative was never reviewed and saved"))
        if SHORTAGE_PLACEHOLDER in n.text or "[describe" in n.text:
            out.append(Lack("narratives", f"{label}: the narrative still has bracketed text to fill in"))
    for m in data.milestones:
        if m["overdue"]:
            out.append(
                Lack("timeline", f"gap #{m['gap_id']}: phase '{m['phase']}' is overdue (due {m['due_date']})")
            )
    late = [e for e in data.timeline if not e["inside"] and e["date"][:10] > data.notice["due_date"][:10]]
    for e in late:
        out.append(Lack("timeline", f"{e['date'][:10]}: '{e['event']}' falls after the due date"))
    if excepted and not any(d["what"].startswith("Outreach") for d in data.documents):
        out.append(Lack("appendix", "no outreach document (letter, e-mail, declination) is attached"))
    return out


def by_section(lacks: list[Lack]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {k: [] for k in SECTIONS}
    for lack in lacks:
        out[lack.section].append(lack.message)
    return out
