"""Cited gaps and the providers each one concerns.

A cited gap is one county x HSD line a notice cites. The providers it concerns are kept by NPI in
``gap_providers`` with a role:

* ``network``: already contracted (executed before the notice) with a location in the county for the line;
* ``cure``: contracted during the response (executed on or after the notice date) or in progress (LOI,
  pending), or a targeted provider whose outreach reached "LOI signed" / "contract executed": the
  providers a cure rests on;
* ``target``: a candidate being recruited: an uncontracted (market) provider of the line in the county
  with at least one outreach entry, or anyone a person designates.

``refresh_gap_providers`` recomputes the automatic rows (a person's designations are never changed by
it), so the checks and the cure status follow the roster and the outreach log as they change. Only
providers located in the county are found automatically: a provider across the county line who serves
it (42 CFR 422.116(a)(2)) is designated by hand.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from blueprint_desktop.data.npi import is_valid_npi
from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.store.project import utc_now
from blueprint_desktop.store.schema_deficiency import GAP_PROVIDER_ROLES

# Outcomes that make a targeted provider one a cure rests on (seed 000 outreach outcomes).
CONTRACTING_OUTCOMES = ("LOI signed", "contract executed")


def _rows(cur) -> list[dict[str, Any]]:
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def check_npi(npi: str, what: str = "--npi") -> str:
    text = str(npi or "").strip()
    if not is_valid_npi(text):
        raise BlueprintError(f"{what} {npi!r} is not a valid NPI (10 digits with a correct check digit)")
    return text


def provider_status(project, npi: str) -> dict[str, Any] | None:
    """What the project knows of an NPI: the roster row first, then a manual one, then the market one."""
    cur = project.conn.execute(
        "SELECT id AS provider_id, npi, name, source, contract_status, contract_executed_date,"
        " credentialing_status, credentialing_date, hpms_entered_date FROM providers WHERE npi = ?"
        " ORDER BY CASE source WHEN 'roster' THEN 0 WHEN 'manual' THEN 1 ELSE 2 END LIMIT 1",
        (npi,),
    )
    rows = _rows(cur)
    return rows[0] if rows else None


def provider_names(project, npis: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for npi in npis:
        status = provider_status(project, npi)
        out[npi] = status["name"] if status else ""
    return out


def get_gap(project, gap_id: int) -> dict[str, Any]:
    cur = project.conn.execute(
        "SELECT g.*, n.notice_date, n.due_date, n.submitted_date FROM cited_gaps g"
        " JOIN deficiency_notices n ON n.id = g.notice_id WHERE g.id = ?",
        (int(gap_id),),
    )
    rows = _rows(cur)
    if not rows:
        raise BlueprintError(f"no cited gap with id {gap_id} in {project.path.name}")
    return rows[0]


def list_gaps(project, notice_id: int | None = None) -> list[dict[str, Any]]:
    """Every cited gap (with its notice's dates and the line name), oldest notice first."""
    cur = project.conn.execute(
        "SELECT g.*, n.notice_date, n.due_date, n.submitted_date FROM cited_gaps g"
        " JOIN deficiency_notices n ON n.id = g.notice_id"
        + (" WHERE g.notice_id = ?" if notice_id is not None else "")
        + " ORDER BY g.notice_id, g.id",
        (() if notice_id is None else (notice_id,)),
    )
    return _rows(cur)


def line_name(code: str) -> str:
    from blueprint_desktop.rules.standards import all_lines

    for line in all_lines("ma"):
        if line.code == code:
            return line.name
    return code


def county_label(fips: str) -> str:
    from blueprint_desktop.geo.counties import county_name

    try:
        return county_name(fips)
    except BlueprintError:
        return fips


def gap_label(gap: dict[str, Any]) -> str:
    """'#3 Walker, TX - 008 Cardiology' for lists and charts."""
    return (
        f"#{gap['id']} {county_label(gap['county_fips'])} - {gap['line_code']} {line_name(gap['line_code'])}"
    )


def gap_providers(project, gap_id: int, role: str | None = None) -> list[dict[str, Any]]:
    cur = project.conn.execute(
        "SELECT gap_id, npi, role, manual, reason, flagged_at FROM gap_providers WHERE gap_id = ?"
        + (" AND role = ?" if role else "")
        + " ORDER BY role, npi",
        (gap_id, role) if role else (gap_id,),
    )
    rows = _rows(cur)
    for r in rows:
        r["manual"] = bool(r["manual"])
        status = provider_status(project, r["npi"]) or {}
        r["name"] = status.get("name", "")
        r["source"] = status.get("source")
        r["contract_status"] = status.get("contract_status")
        r["contract_executed_date"] = status.get("contract_executed_date")
        r["credentialing_status"] = status.get("credentialing_status")
        r["hpms_entered_date"] = status.get("hpms_entered_date")
    return rows


def designate(project, gap_id: int, npi: str, role: str, reason: str | None = None) -> None:
    """A person's designation of a provider's role for a gap (kept through automatic refreshes)."""
    if role not in GAP_PROVIDER_ROLES:
        raise BlueprintError(f"role {role!r} is not one of {', '.join(GAP_PROVIDER_ROLES)}")
    npi = check_npi(npi, "NPI")
    get_gap(project, gap_id)
    with project.transaction():
        project.conn.execute(
            "INSERT INTO gap_providers(gap_id, npi, role, manual, reason, flagged_at) VALUES (?,?,?,1,?,?)"
            " ON CONFLICT(gap_id, npi) DO UPDATE SET role = excluded.role, manual = 1, reason = excluded.reason,"
            " flagged_at = excluded.flagged_at",
            (gap_id, npi, role, reason or "designated", utc_now()),
        )
        project.audit(
            "deficiency.designate", "cited_gap", gap_id, {"npi": npi, "role": role, "reason": reason}
        )


def undesignate(project, gap_id: int, npi: str) -> None:
    """Withdraw a person's designation of a provider for a gap.

    Only a designation can be withdrawn: a row found automatically (from the roster or the outreach log)
    stays while its reason holds. After the withdrawal the automatic role, if any, applies again.
    """
    npi = check_npi(npi, "NPI")
    get_gap(project, gap_id)
    row = project.conn.execute(
        "SELECT manual, role, reason FROM gap_providers WHERE gap_id = ? AND npi = ?", (gap_id, npi)
    ).fetchone()
    if row is None:
        raise BlueprintError(f"{npi} is not a provider of cited gap {gap_id}")
    if not row[0]:
        raise BlueprintError(
            f"{npi} is a {row[1]} provider of gap {gap_id} found automatically ({row[2]}); it stays while "
            "the roster or the outreach log says so"
        )
    with project.transaction():
        project.conn.execute("DELETE FROM gap_providers WHERE gap_id = ? AND npi = ?", (gap_id, npi))
        project.audit("deficiency.undesignate", "cited_gap", gap_id, {"npi": npi, "role": row[1]})
        refresh_gap_providers(project, gap_id)


def provider_choices(project, gap_id: int, search: str = "", limit: int = 200) -> list[dict[str, Any]]:
    """Providers a person may designate for a gap: roster and market providers of the gap's line (in
    the county first), and the candidates of the newest recruitment plan stored for the county x line.

    ``search`` keeps those whose name or NPI contains it (case-insensitive). Each row: npi, name, source,
    contract_status, county_fips, in_county, gain (share gain in points from the recruitment plan, or
    None), role (its current role for the gap, or None).
    """
    import json

    gap = get_gap(project, gap_id)
    fips, line = gap["county_fips"], gap["line_code"]
    found: dict[str, dict[str, Any]] = {}
    cur = project.conn.execute(
        "SELECT p.npi, p.name, p.source, p.contract_status, l.county_fips FROM providers p"
        " JOIN provider_lines pl ON pl.provider_id = p.id LEFT JOIN locations l ON l.provider_id = p.id"
        " WHERE pl.line_code = ? ORDER BY CASE WHEN l.county_fips = ? THEN 0 ELSE 1 END,"
        " CASE p.source WHEN 'roster' THEN 0 WHEN 'manual' THEN 1 ELSE 2 END, p.name, p.npi",
        (line, fips),
    )
    for npi, name, source, contract, county in cur.fetchall():
        if npi not in found:
            found[npi] = {
                "npi": npi,
                "name": name or "",
                "source": source,
                "contract_status": contract,
                "county_fips": county,
                "in_county": county == fips,
                "gain": None,
            }
    row = project.conn.execute(
        "SELECT plan_json FROM target_plans WHERE county_fips = ? AND line_code = ? ORDER BY id DESC LIMIT 1",
        (fips, line),
    ).fetchone()
    if row is not None:
        for c in json.loads(row[0] or "{}").get("candidates", []):
            entry = found.setdefault(
                str(c["npi"]),
                {
                    "npi": str(c["npi"]),
                    "name": c.get("name") or "",
                    "source": c.get("source"),
                    "contract_status": c.get("contract_status"),
                    "county_fips": None,
                    "in_county": False,
                },
            )
            entry["gain"] = c.get("share_gain")
    roles = {
        r[0]: r[1]
        for r in project.conn.execute("SELECT npi, role FROM gap_providers WHERE gap_id = ?", (gap_id,))
    }
    text = (search or "").strip().lower()
    rows = []
    for r in found.values():
        if text and text not in r["name"].lower() and text not in r["npi"]:
            continue
        r["role"] = roles.get(r["npi"])
        rows.append(r)
    # Ranked candidates first (by gain), then the county's own providers, then the rest.
    rows.sort(key=lambda r: (r["gain"] is None, -(r["gain"] or 0.0), not r["in_county"]))
    return rows[:limit]


def _effective_latest_outcomes(project) -> dict[str, str]:
    """NPI -> the outcome of its latest documented, not superseded outreach entry."""
    out: dict[str, str] = {}
    for npi, outcome in project.conn.execute(
        "SELECT npi, outcome FROM outreach_log o WHERE outcome IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM outreach_log c WHERE c.supersedes = o.id)"
        " ORDER BY coalesce(at, recorded_at), id"
    ):
        out[npi] = outcome
    return out


def auto_roles(project, gap: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """NPI -> (role, reason) for a gap, from the roster, the market and the outreach log."""
    notice_date = gap["notice_date"]
    found: dict[str, tuple[str, str]] = {}
    cur = project.conn.execute(
        "SELECT DISTINCT p.npi, p.source, p.contract_status, p.contract_executed_date"
        " FROM providers p JOIN provider_lines pl ON pl.provider_id = p.id"
        " JOIN locations l ON l.provider_id = p.id"
        " WHERE pl.line_code = ? AND l.county_fips = ? ORDER BY p.npi,"
        " CASE p.source WHEN 'roster' THEN 0 WHEN 'manual' THEN 1 ELSE 2 END",
        (gap["line_code"], gap["county_fips"]),
    )
    outreach_npis = {r[0] for r in project.conn.execute("SELECT DISTINCT npi FROM outreach_log")}
    latest = _effective_latest_outcomes(project)
    for npi, source, contract, executed in cur.fetchall():
        if npi in found:
            continue  # the roster row (sorted first) decides
        if source in ("roster", "manual"):
            if contract == "executed" and executed and executed >= notice_date:
                found[npi] = ("cure", f"contract executed {executed}, after the notice of {notice_date}")
            elif contract in ("loi", "pending"):
                found[npi] = ("cure", f"contract status {contract}")
            elif contract == "executed":
                found[npi] = ("network", "contracted before the notice")
        elif npi in outreach_npis:
            if latest.get(npi) in CONTRACTING_OUTCOMES:
                found[npi] = ("cure", f"outreach outcome {latest[npi]}")
            else:
                found[npi] = (
                    "target",
                    "uncontracted provider of the line in the county, in the outreach log",
                )
    return found


def refresh_gap_providers(project, gap_id: int | None = None) -> int:
    """Recompute the automatic provider roles of one gap (or all); returns the rows written."""
    gaps = [get_gap(project, gap_id)] if gap_id is not None else list_gaps(project)
    written = 0
    now = utc_now()
    with project.transaction():
        for gap in gaps:
            manual = {
                r[0]
                for r in project.conn.execute(
                    "SELECT npi FROM gap_providers WHERE gap_id = ? AND manual = 1", (gap["id"],)
                )
            }
            roles = auto_roles(project, gap)
            # An automatic row whose reason has gone (e.g. a contract terminated) is removed; manual rows stay.
            project.conn.execute("DELETE FROM gap_providers WHERE gap_id = ? AND manual = 0", (gap["id"],))
            rows = [
                {"gap_id": gap["id"], "npi": npi, "role": role, "manual": 0, "reason": why, "flagged_at": now}
                for npi, (role, why) in roles.items()
                if npi not in manual
            ]
            written += project.insert_rows("gap_providers", rows)
    return written


def notice_date_of(gap: dict[str, Any]) -> date:
    return date.fromisoformat(gap["notice_date"][:10])
