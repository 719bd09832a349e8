"""Cure progress per cited gap: cured, pending credentialing, needs exception, or open.

The state of a gap, decided in this order:

1. **cured**: the newest score of its county x line is Pass;
2. **needs exception**: the pathway chosen is an exception request, or even with every cure provider and
   every remaining target assumed contracted (engine what-if) the cell still fails;
3. **pending credentialing**: providers with executed contracts whose credentialing is not yet active or
   provisional would, once credentialed, make the cell pass (engine what-if; without the engine their
   existence alone is taken as pending);
4. **open**: anything else (still recruiting).

Re-scoring runs the engine on that county x line only (``engine.scoring.score_project(counties=[fips],
lines=[code])``), so it is quick enough to run whenever contracts are signed. Each evaluation can be kept
as a snapshot (``cure_snapshots``) and ``progress_series`` turns the snapshots into a day-by-day series
over the response window for the timeline chart.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from blueprint_desktop.deficiency import gaps as gapmod
from blueprint_desktop.deficiency import outreach, plan
from blueprint_desktop.deficiency.pathways import latest_cell_result
from blueprint_desktop.progress import Progress
from blueprint_desktop.store.project import utc_now
from blueprint_desktop.store.schema_deficiency import CURE_STATES

COUNTED_CREDENTIALING = ("active", "provisional")


def _provider_ids(project, npis: list[str]) -> list[int]:
    ids = []
    for npi in npis:
        status = gapmod.provider_status(project, npi)
        if status:
            ids.append(int(status["provider_id"]))
    return ids


def _whatif(project, gap: dict[str, Any], npis: list[str], method: str):
    """The engine's what-if result for the gap's cell with ``npis`` assumed contracted, or None without it."""
    if not npis:
        return None
    try:
        from blueprint_desktop.engine.whatif import rescore_with
    except ImportError:  # the engine is optional for the deficiency workflow's bookkeeping
        return None
    return rescore_with(
        project, gap["county_fips"], gap["line_code"], _provider_ids(project, npis), method=method
    )


def rescore_cell(
    project, county_fips: str, line_code: str, method: str = "straight", progress: Progress | None = None
):
    """Re-run the engine on one county x line only; returns the stored run (or None without the engine)."""
    try:
        from blueprint_desktop.engine.scoring import score_project
    except ImportError:
        return None
    return score_project(project, method=method, lines=[line_code], counties=[county_fips], progress=progress)


_SCORE_KEYS = ("run_id", "status", "pct_within", "required_pct", "credited_count", "min_count")


def newest_score(project, county_fips: str, line_code: str) -> dict[str, Any] | None:
    """The newest score of a county x line from any run (a one-cell re-score overlays the full run),
    through ``engine.runs.newest_cell``, the one source the matrix and the package read too."""
    try:
        from blueprint_desktop.engine.runs import newest_cell
    except ImportError:  # the engine is optional for the deficiency workflow's bookkeeping
        return latest_cell_result(project, county_fips, line_code)
    result = newest_cell(project, county_fips, line_code)
    if result is None:
        return None
    return {k: result[k] for k in _SCORE_KEYS} | {"started_at": result["run_started_at"]}


def gap_status(project, gap_id: int, method: str = "straight", use_whatif: bool = True) -> dict[str, Any]:
    """The cure state of one gap with the reason and the numbers behind it (no snapshot is written)."""
    gap = gapmod.get_gap(project, gap_id)
    providers = gapmod.gap_providers(project, gap_id)
    cure = [p for p in providers if p["role"] == "cure"]
    pending = [
        p
        for p in cure
        if p["contract_status"] == "executed" and p["credentialing_status"] not in COUNTED_CREDENTIALING
    ]
    counts = outreach.attempt_counts(project, [p["npi"] for p in providers if p["role"] == "target"])
    open_targets = [n for n, c in counts.items() if c.latest_outcome != "declined" and not c.meets_standard]
    result = newest_score(project, gap["county_fips"], gap["line_code"])
    out: dict[str, Any] = {
        "gap_id": gap_id,
        "label": gapmod.gap_label(gap),
        "county_fips": gap["county_fips"],
        "line_code": gap["line_code"],
        "pathway": gap["pathway"],
        "score": result,
        "pending_npis": [p["npi"] for p in pending],
        "whatif": None,
    }
    if result and result["status"] == "Pass":
        return out | {"state": "cured", "reason": f"the cell passes ({result['pct_within']:.1f}% within)"}
    if gap["pathway"] == "exception":
        return out | {"state": "needs exception", "reason": "an exception request is the chosen pathway"}
    if pending:
        wi = _whatif(project, gap, [p["npi"] for p in pending], method) if use_whatif else None
        if wi is not None:
            out["whatif"] = {
                "status": wi.status,
                "pct_within": wi.pct_within,
                "credited_count": wi.credited_count,
            }
        if wi is None or wi.status == "Pass":
            names = ", ".join(p["npi"] for p in pending)
            return out | {
                "state": "pending credentialing",
                "reason": f"passes once {names} complete credentialing",
            }
    if counts and not open_targets and result is not None:
        # Every target has declined or had its four attempts: only willing providers can still cure it.
        willing = [p["npi"] for p in cure] + [n for n, c in counts.items() if c.latest_outcome != "declined"]
        wi = _whatif(project, gap, willing, method) if (willing and use_whatif) else None
        if wi is not None:
            out["whatif"] = {
                "status": wi.status,
                "pct_within": wi.pct_within,
                "credited_count": wi.credited_count,
            }
        if not willing or (wi is not None and wi.status != "Pass"):
            return out | {
                "state": "needs exception",
                "reason": "every target declined or went unanswered and the cell would still fail",
            }
    return out | {"state": "open", "reason": "recruiting" if result else "not scored yet"}


def current_state(project, gap_id: int) -> dict[str, Any]:
    """The gap's state as of its last evaluation with the engine (``rescore_gaps``) when it has one,
    else evaluated now from the data alone (no what-if). ``as_of`` says which."""
    row = project.conn.execute(
        "SELECT at, state, detail_json FROM cure_snapshots WHERE gap_id = ? ORDER BY at DESC, id DESC LIMIT 1",
        (gap_id,),
    ).fetchone()
    status = gap_status(project, gap_id, use_whatif=False)
    # A pass or an exception pathway seen now outranks an older evaluation.
    if row is None or status["state"] in ("cured", "needs exception"):
        return status | {"as_of": None}
    reason = json.loads(row[2] or "{}").get("reason") or status["reason"]
    return status | {"state": row[1], "reason": reason, "as_of": row[0]}


def snapshot(project, status: dict[str, Any], run_id: int | None = None, at: str | None = None) -> int:
    """Keep one evaluation of a gap for the progress chart; returns the snapshot id."""
    score = status.get("score") or {}
    with project.transaction():
        cur = project.conn.execute(
            "INSERT INTO cure_snapshots(gap_id, at, state, score_status, pct_within, required_pct, credited_count,"
            " min_count, run_id, detail_json) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                status["gap_id"],
                at or utc_now(),
                status["state"],
                score.get("status"),
                score.get("pct_within"),
                score.get("required_pct"),
                score.get("credited_count"),
                score.get("min_count"),
                run_id or score.get("run_id"),
                json.dumps({"reason": status.get("reason"), "whatif": status.get("whatif")}),
            ),
        )
        return int(cur.lastrowid)


def rescore_gaps(
    project,
    gap_ids: list[int] | None = None,
    method: str = "straight",
    progress: Progress | None = None,
    use_engine: bool = True,
) -> list[dict[str, Any]]:
    """Re-score each gap's county x line (each cell once), evaluate and snapshot every gap."""
    progress = progress or Progress()
    gapmod.refresh_gap_providers(project)
    gaps = [gapmod.get_gap(project, g) for g in gap_ids] if gap_ids else gapmod.list_gaps(project)
    cells = sorted({(g["county_fips"], g["line_code"]) for g in gaps})
    runs: dict[tuple[str, str], int | None] = {}
    for i, (fips, line) in enumerate(cells):
        progress.update(i / max(len(cells), 1) * 0.9, f"re-scoring {fips} x {line}")
        run = rescore_cell(project, fips, line, method) if use_engine else None
        runs[(fips, line)] = getattr(run, "run_id", None)
    out = []
    for g in gaps:
        status = gap_status(project, g["id"], method=method, use_whatif=use_engine)
        snapshot(project, status, runs.get((g["county_fips"], g["line_code"])))
        out.append(status)
    progress.update(1.0, f"{len(out)} cited gaps evaluated")
    return out


def progress_series(project, notice_id: int, today: date | None = None) -> dict[str, Any]:
    """Day-by-day cure progress over a notice's window, from its snapshots (the last of each day counts).

    ``dates`` runs from the notice date to the due date; per state a count of gaps per day (a gap with no
    snapshot yet is 'open'); ``pct_within`` per gap id; days after ``today`` are None (not yet known).
    """
    from blueprint_desktop.deficiency.notice import get_notice

    today = today or date.today()
    notice = get_notice(project, notice_id)
    start = plan.parse_date(notice["notice_date"])
    end = plan.parse_date(notice["due_date"])
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    gaps = gapmod.list_gaps(project, notice_id)
    snaps: dict[int, list[tuple[str, str, float | None]]] = {g["id"]: [] for g in gaps}
    for gid, at, state, pct in project.conn.execute(
        "SELECT s.gap_id, s.at, s.state, s.pct_within FROM cure_snapshots s JOIN cited_gaps g ON g.id = s.gap_id"
        " WHERE g.notice_id = ? ORDER BY s.at, s.id",
        (notice_id,),
    ):
        snaps[gid].append((at[:10], state, pct))
    series: dict[str, list[int | None]] = {s: [] for s in CURE_STATES}
    pct_series: dict[int, list[float | None]] = {g["id"]: [] for g in gaps}
    for day in days:
        iso = day.isoformat()
        future = day > today
        tally = dict.fromkeys(CURE_STATES, 0)
        for g in gaps:
            known = [s for s in snaps[g["id"]] if s[0] <= iso]
            state = known[-1][1] if known else "open"
            tally[state] += 1
            pct_series[g["id"]].append(None if future or not known else known[-1][2])
        for s in CURE_STATES:
            series[s].append(None if future else tally[s])
    return {
        "notice_id": notice_id,
        "dates": [d.isoformat() for d in days],
        "states": series,
        "pct_within": pct_series,
        "gaps": len(gaps),
    }
