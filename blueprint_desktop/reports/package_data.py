"""Everything the corrective action package shows, gathered once from the project (no drawing here).

Sources: the deficiency area's public functions (notice, cited gaps, pathways and checklists, gap
providers, outreach log and attachments, plan milestones), the engine's stored scoring runs, and the
narratives (``narrative.py``). "Before" is the latest scoring run started before the notice was
imported into the project (the network as it stood when the notice arrived; else the first run, flagged),
"after" is the latest run (the state after the actions).

``content_digest`` is the SHA-256 of the gathered data in canonical JSON: what the package prints, not the
PDF's bytes (which carry a generation time) nor the project file's (which change on every writable open).
Gathering the same notice for the same day from an unchanged project gives the same digest.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from blueprint_desktop.deficiency import gaps as gapmod
from blueprint_desktop.deficiency import notice as noticemod
from blueprint_desktop.deficiency import outreach, pathways, plan
from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.reports import narrative as narrmod
from blueprint_desktop.reports.pdf_document import plural


@dataclass
class PackageData:
    project_name: str
    project_path: str
    plan_year: int
    notice: dict[str, Any]
    gaps: list[dict[str, Any]]
    checklists: dict[int, dict[str, Any]]
    before_run: dict[str, Any] | None
    after_run: dict[str, Any] | None
    before_is_fallback: bool
    cells: dict[int, dict[str, dict[str, Any] | None]]  # gap id -> {"before": result, "after": result}
    providers: list[dict[str, Any]]  # newly added (cure) providers
    outreach: list[dict[str, Any]]
    narratives: dict[int, narrmod.Narrative]
    milestones: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    service_area: list[str]
    locations: list[dict[str, Any]] = field(default_factory=list)  # cure and network offices of gap lines
    today: date | None = None  # the day the package was gathered for (the checks' and the plan's "today")


# Fields of PackageData left out of the digest: where the project file happens to be is not content.
_NOT_CONTENT = ("project_path",)
# Keys left out at any depth: bookkeeping the package never prints that changes without the evidence
# changing (each refresh of the gap providers re-stamps ``flagged_at``).
_VOLATILE_KEYS = frozenset({"flagged_at"})


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in _VOLATILE_KEYS}
    if isinstance(value, (list, tuple)):
        return [_strip(v) for v in value]
    return value


def canonical_json(data: PackageData) -> bytes:
    """The package data as canonical JSON (sorted keys, no spaces, dates as ISO text)."""
    content = dataclasses.asdict(data)
    for key in _NOT_CONTENT:
        content.pop(key, None)
    text = json.dumps(_strip(content), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return text.encode("utf-8")


def content_digest(data: PackageData) -> str:
    """SHA-256 over what the package renders (``canonical_json``), the package's content digest."""
    return hashlib.sha256(canonical_json(data)).hexdigest()


def pick_notice(project, notice_id: int | None) -> dict[str, Any]:
    if notice_id is not None:
        return noticemod.get_notice(project, notice_id)
    notices = noticemod.list_notices(project)
    if not notices:
        raise BlueprintError(
            f"{project.path.name}: no deficiency notice imported; import one first (blueprint import notice)"
        )
    return notices[-1]


def _runs(project) -> list[dict[str, Any]]:
    cur = project.conn.execute("SELECT id, started_at, method FROM scoring_runs ORDER BY id")
    return [{"id": r[0], "started_at": r[1], "method": r[2]} for r in cur.fetchall()]


def _cell(project, run_id: int | None, fips: str, line: str) -> dict[str, Any] | None:
    """The newest score of one cell from any run up to ``run_id`` (a one-cell re-score overlays the full
    run it follows: engine.runs.newest_cell), with what the result rests on."""
    from blueprint_desktop.engine.runs import newest_cell

    if run_id is None:
        return None
    res = newest_cell(project, fips, line, up_to_run=run_id)
    if res is None:
        return None
    keys = ("status", "pct_within", "required_pct", "p90_minutes", "p90_miles", "credited_count", "min_count")
    out = {k: res[k] for k in keys}
    detail = res.get("detail") or {}
    # What the result rests on, for the package: the credits applied and the criteria year.
    out["credits"] = detail.get("credits") or []
    out["pct_measured"] = detail.get("pct_measured")
    out["criteria"] = detail.get("criteria") or ""
    out["population"] = detail.get("population") or ""
    out["method"] = detail.get("method") or ""
    out["counts_beds"] = bool(detail.get("counts_beds"))
    out["run_id"] = res.get("run_id")
    return out


def _provider_rows(project, gaps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out, seen = [], set()
    for g in gaps:
        for r in gapmod.gap_providers(project, g["id"], "cure"):
            if r["npi"] in seen:
                continue
            seen.add(r["npi"])
            extra = project.conn.execute(
                "SELECT panel_status, credentialing_date FROM providers WHERE npi = ?"
                " ORDER BY CASE source WHEN 'roster' THEN 0 WHEN 'manual' THEN 1 ELSE 2 END LIMIT 1",
                (r["npi"],),
            ).fetchone()
            out.append(
                r
                | {
                    "gap": gapmod.gap_label(g),
                    "panel_status": extra[0] if extra else None,
                    "credentialing_date": extra[1] if extra else None,
                }
            )
    return sorted(out, key=lambda r: (r.get("contract_executed_date") or "9999", r["npi"]))


def _outreach(project, gaps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries about providers of this notice's gaps, plus entries about providers tied to no gap."""
    mine = {p["npi"] for g in gaps for p in gapmod.gap_providers(project, g["id"])}
    tied = {r[0] for r in project.conn.execute("SELECT DISTINCT npi FROM gap_providers")}
    rows = [e for e in outreach.list_entries(project) if e["npi"] in mine or e["npi"] not in tied]
    return sorted(rows, key=lambda e: (e["at"] is None, e["at"] or "", e["id"]))


_AS_OF_TABLES = ("outreach_log", "outreach_attachments", "outreach_redactions")


@contextlib.contextmanager
def _evidence_as_of(project, seq: int) -> Iterator[None]:
    """Show this connection the outreach log as it stood at evidence-chain link ``seq``.

    Temporary views named like the tables shadow them (SQLite resolves an unqualified name in ``temp``
    first), so every query of the deficiency code (entries, attempt counts in the checklists and the
    narrative facts, attachments) sees only rows linked at or before ``seq``. Nothing is written to the
    project file. Text redacted since cannot come back: the digest then differs, as it should.
    """
    conn = project.conn
    made = []
    try:
        for table in _AS_OF_TABLES:
            conn.execute(
                f"CREATE TEMP VIEW {table} AS SELECT * FROM main.{table} WHERE id IN (SELECT entry_id FROM"
                f" main.evidence_chain WHERE entry_table = '{table}' AND seq <= {int(seq)})"
            )
            made.append(table)
        yield
    finally:
        for table in made:
            conn.execute(f"DROP VIEW temp.{table}")


def _timeline(notice, gaps, providers, entries, milestones) -> list[dict[str, Any]]:
    events = [
        {"date": notice["notice_date"], "event": "Deficiency notice received", "who": "CMS"},
        {"date": notice["due_date"], "event": "Response due (per the notice)", "who": ""},
    ]
    for g in gaps:
        if g.get("pathway_chosen_at"):
            events.append(
                {
                    "date": g["pathway_chosen_at"][:10],
                    "event": f"Pathway chosen for {gapmod.gap_label(g)}: {pathways.PATHWAY_NAMES.get(g['pathway'], '')}",
                    "who": "",
                }
            )
    for p in providers:
        name = f"{p['name'] or p['npi']}"
        for key, what in (
            ("contract_executed_date", "contract executed"),
            ("credentialing_date", "credentialing decision"),
            ("hpms_entered_date", "entered in HPMS"),
        ):
            if p.get(key):
                events.append({"date": p[key][:10], "event": f"{name}: {what}", "who": ""})
    days: dict[str, int] = {}
    for e in entries:
        if e["at"] and e["in_force"]:
            days[e["at"][:10]] = days.get(e["at"][:10], 0) + 1
    for day, n in days.items():
        events.append({"date": day, "event": f"{plural(n, 'outreach attempt')} logged", "who": ""})
    for m in milestones:
        if m["done_date"]:
            events.append(
                {
                    "date": m["done_date"],
                    "event": f"Gap #{m['gap_id']}: phase '{m['phase']}' done",
                    "who": m["owner"],
                }
            )
    if notice.get("submitted_date"):
        events.append({"date": notice["submitted_date"], "event": "Response submitted to CMS", "who": ""})
    start, due = notice["notice_date"][:10], notice["due_date"][:10]
    for e in events:
        e["inside"] = start <= e["date"][:10] <= due
    first = {"Deficiency notice received": 0}  # the notice opens its day
    return sorted(events, key=lambda e: (e["date"][:10], first.get(e["event"], 1), e["event"]))


def _documents(notice, entries) -> list[dict[str, Any]]:
    docs = []
    if notice.get("file_sha256"):
        docs.append(
            {
                "name": notice.get("file_name") or "deficiency notice",
                "what": "Deficiency notice as imported",
                "sha256": notice["file_sha256"],
                "size": None,
            }
        )
    for e in entries:
        for a in e["attachments"]:
            docs.append(
                {
                    "name": a["file_name"],
                    "what": f"Outreach entry #{e['id']} ({e['provider_name'] or e['npi']}, {(e['at'] or '')[:10]})",
                    "sha256": a["sha256"],
                    "size": a["size"],
                }
            )
    return docs


def _locations(project, gaps) -> list[dict[str, Any]]:
    out = []
    for g in gaps:
        for role in ("cure", "network"):
            for r in gapmod.gap_providers(project, g["id"], role):
                for lat, lon in project.conn.execute(
                    "SELECT l.latitude, l.longitude FROM locations l JOIN providers p ON p.id = l.provider_id"
                    " WHERE p.npi = ? AND p.source != 'market' AND l.latitude IS NOT NULL",
                    (r["npi"],),
                ):
                    out.append({"lat": lat, "lon": lon, "role": role, "npi": r["npi"]})
    return out


def gather(
    project, notice_id: int | None = None, today: date | None = None, as_of_seq: int | None = None
) -> PackageData:
    """Collect the package's data for a notice (the latest one when ``notice_id`` is None).

    ``as_of_seq`` shows the outreach log as it stood at that evidence-chain link (``_evidence_as_of``), to
    recompute an earlier package's content digest; it never refreshes (writes) anything. Everything not in
    the chain (scores, plan, narratives, checklist items) is as the project holds it now.
    """
    if as_of_seq is not None:
        with _evidence_as_of(project, as_of_seq):
            return _gather(project, notice_id, today, refresh=False)
    return _gather(project, notice_id, today, refresh=not project.read_only)


def _gather(project, notice_id: int | None, today: date | None, refresh: bool) -> PackageData:
    today = today or date.today()
    notice = pick_notice(project, notice_id)
    if refresh:
        gapmod.refresh_gap_providers(project)
    gaps = gapmod.list_gaps(project, notice["id"])
    runs = _runs(project)
    # The state at the notice: runs made before the notice was imported (the plan's view when it arrived).
    before = [r for r in runs if r["started_at"] <= notice["imported_at"]]
    before_run = before[-1] if before else (runs[0] if runs else None)
    after_run = runs[-1] if runs else None
    cells = {
        g["id"]: {
            "before": _cell(project, before_run and before_run["id"], g["county_fips"], g["line_code"]),
            "after": _cell(project, after_run and after_run["id"], g["county_fips"], g["line_code"]),
        }
        for g in gaps
    }
    providers = _provider_rows(project, gaps)
    entries = _outreach(project, gaps)
    ms = plan.milestones(project, notice_id=notice["id"], today=today)
    return PackageData(
        project_name=project.name,
        project_path=str(project.path),
        plan_year=project.plan_year,
        notice=notice,
        gaps=gaps,
        checklists={g["id"]: pathways.checklist(project, g["id"], today=today) for g in gaps},
        before_run=before_run,
        after_run=after_run,
        before_is_fallback=bool(runs) and not before,
        cells=cells,
        providers=providers,
        outreach=entries,
        narratives={g["id"]: narrmod.current(project, g["id"]) for g in gaps if g["pathway"] == "exception"},
        milestones=ms,
        timeline=_timeline(notice, gaps, providers, entries, ms),
        documents=_documents(notice, entries),
        service_area=project.service_area(),
        locations=_locations(project, gaps),
        today=today,
    )
