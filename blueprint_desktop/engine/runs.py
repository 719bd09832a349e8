"""Scoring runs: stored with the fingerprints of their inputs, listed, and compared.

Every run records a SHA-256 per input (providers and their lines, locations, standards, population
points, road network, method) and one over all of them. Comparing two runs lists the county x line
cells whose status changed, with the numbers on both sides and which inputs differed, so "why did Harris
cardiology flip?" has an answer ("providers changed; count 14 -> 12, below the minimum of 14").
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

import numpy as np
import orjson
import pandas as pd

from blueprint_desktop.engine.rollup import CountyLineResult
from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.progress import Progress
from blueprint_desktop.store.project import utc_now


def _hash_frame(df: pd.DataFrame) -> str:
    digest = hashlib.sha256()
    digest.update(pd.util.hash_pandas_object(df.reset_index(drop=True), index=False).to_numpy().tobytes())
    return digest.hexdigest()


# The columns of ``credited.load_locations`` that come from each table: what a run reads of them.
PROVIDER_COLUMNS = (
    "provider_id", "npi", "name", "line_code", "submitted_code", "source", "contract_status",
    "credentialing_status", "panel_status", "telehealth_only", "telehealth_waived", "attested_date",
    "activity_last_date", "deactivated_date", "updated_at", "batch_at", "exclusion", "ma_contracted",
    "primary_care_source", "offers_telehealth",
)  # fmt: skip
LOCATION_COLUMNS = ("location_id", "provider_id", "lat", "lon", "county_fips", "beds", "geocode_quality")


def _hash_rows_set(df: pd.DataFrame, columns: tuple[str, ...]) -> str:
    """SHA-256 of the set of rows of ``df`` (its ``columns`` present): a 64-bit hash per row (pandas,
    vectorised), sorted, so the row order of the query never matters.

    What the run read, from the frame it read (``inputs.locations``), instead of a Python ``repr()`` of
    every provider and location row of the file: that pass took ~28 s with the store on a 1,000,000-location
    project and held the GIL long enough to stall the window (docs/performance.md). A column the engine
    never reads (an address, a phone number) no longer counts as a change of the run's inputs."""
    cols = [c for c in columns if c in df.columns]
    digest = hashlib.sha256(",".join(cols).encode())
    if len(df) and cols:
        rows = pd.util.hash_pandas_object(df[cols], index=False).to_numpy()
        digest.update(np.sort(rows).tobytes())
    return digest.hexdigest()


_SCALARS = frozenset((str, int, float, bool, type(None), tuple))
_FIELD_COUNT: dict[type, int] = {}


def _field_count(obj) -> int:
    """``len(dataclasses.fields(obj))``, once per class (it was 1 s of a national store: 142,000 calls)."""
    kind = type(obj)
    if kind not in _FIELD_COUNT:
        _FIELD_COUNT[kind] = len(dataclasses.fields(obj))
    return _FIELD_COUNT[kind]


def _flat(obj) -> dict[str, Any] | None:
    """A flat dataclass's fields as a dict (what ``dataclasses.asdict`` returns for it), or None when a
    field holds anything but a scalar or a tuple of scalars (or ``obj`` has no ``__dict__``)."""
    out = dict(getattr(obj, "__dict__", None) or {})
    if len(out) != _field_count(obj) or not {type(v) for v in out.values()} <= _SCALARS:
        return None
    if any(type(v) is tuple and not {type(x) for x in v} <= _SCALARS - {tuple} for v in out.values()):
        return None
    return out


def _standards_dict(standards) -> dict[str, Any]:
    """``CountyStandards.as_dict()``, the same dict, without ``dataclasses.asdict``'s deep copies: for a
    national run (3,234 counties x 43 lines) those took most of the store (cProfile: 39 s of 53)."""
    if not dataclasses.is_dataclass(standards):
        return standards.as_dict()
    lines = [_flat(line) for line in standards.lines.values()]
    for line in lines:  # as LineStandard.as_dict: one provider within the standard is left out
        if line is not None and line.get("providers_within") == 1:
            del line["providers_within"]
    out = dict(getattr(standards, "__dict__", None) or {})
    if len(out) != _field_count(standards):
        return standards.as_dict()
    lines_field = out.pop("lines", None)
    if (
        lines_field is None
        or any(line is None for line in lines)
        or not {type(v) for v in out.values()} <= _SCALARS
    ):
        return standards.as_dict()
    out["notes"] = list(standards.notes)
    out["lines"] = lines
    return out


def fingerprints(project, method: str, inputs, graph=None) -> dict[str, str]:
    """SHA-256 per input of a run; ``all`` covers every other entry."""
    parts = {
        "providers": _hash_rows_set(inputs.locations, PROVIDER_COLUMNS),
        "locations": _hash_rows_set(inputs.locations, LOCATION_COLUMNS),
        "standards": hashlib.sha256(
            json.dumps(
                {f: _standards_dict(inputs.standards[f]) for f in sorted(inputs.standards)},
                sort_keys=True,
                default=str,
            ).encode()
        ).hexdigest(),
        "points": _hash_frame(inputs.points[["county_fips", "lat", "lon", "weight"]]),
        "method": hashlib.sha256(method.encode()).hexdigest(),
        "roads": getattr(graph, "sha256", "") or "",
        "counties": hashlib.sha256(",".join(inputs.counties).encode()).hexdigest(),
        "telehealth_basis": hashlib.sha256(str(getattr(inputs, "telehealth_basis", "")).encode()).hexdigest(),
    }
    parts["all"] = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
    return parts


# orjson for the results' details: a national run's 139,062 took 0.25-0.33 s against 0.9-1.06 s with json.
# Options and ``_like_json`` so the text parses to what ``json.dumps(..., default=str)`` gave: dict keys that
# are not text become text, a float subclass (numpy's float64) is a number and any other value orjson does
# not know (other numpy scalars, sets) its ``str``; dates and datetimes go through ``str`` too. One
# difference, named: NaN and infinity (in no measured run's details) are written as JSON null, which other
# tools can read, not as NaN / Infinity, which are not JSON.
_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def _like_json(value: Any) -> Any:
    return float(value) if isinstance(value, float) else str(value)


def detail_json(obj: dict[str, Any]) -> str:
    """A result's details as JSON text (orjson; ``json`` for anything orjson refuses, e.g. an integer
    beyond 64 bits)."""
    try:
        return orjson.dumps(obj, default=_like_json, option=_ORJSON_OPTIONS).decode()
    except TypeError:
        return json.dumps(obj, default=str)


FORK_FP_ROWS = 200_000  # below this the fingerprints take well under half a second: not worth a fork


def _enrollees_outside(project, counties) -> dict | None:
    try:
        from blueprint_desktop.rules.enrollees import outside_service_area

        return outside_service_area(project, counties)
    except Exception:  # noqa: BLE001 - a project without enrollee tables: nothing outside
        return None


def store_run(project, method: str, inputs, results: list[CountyLineResult], graph=None, progress=None):
    """Write one scoring_runs row and its run_results in one transaction."""
    from blueprint_desktop.engine.credited import gc_paused
    from blueprint_desktop.engine.scoring import ScoreRun

    progress = progress or Progress()
    with gc_paused():  # 139,000 JSON texts and row tuples: see credited.gc_paused
        return _store_run(project, method, inputs, results, graph, progress, ScoreRun)


def _store_run(project, method: str, inputs, results, graph, progress, ScoreRun):
    from blueprint_desktop.engine.forking import in_background

    # The fingerprints (~1.4 s at 1,000,000 locations: row hashes and the standards as JSON) are made in a
    # forked helper while this process writes the results (~2.5 s), and the run's row gets them last, in the
    # same transaction. The helper only computes; it never touches the project file.
    pending = in_background(
        lambda: fingerprints(project, method, inputs, graph), worth_it=len(inputs.locations) >= FORK_FP_ROWS
    )
    try:
        return _write_run(project, method, inputs, results, progress, ScoreRun, pending)
    finally:
        pending.cancel()


def _write_run(project, method: str, inputs, results, progress, ScoreRun, pending):
    summary: dict[str, int] = {"Pass": 0, "At Risk": 0, "Failing": 0}
    for r in results:
        summary[r.status] += 1
    lines = sorted({r.line_code for r in results})
    progress.update(0.5, "saving results")
    with project.transaction():
        cur = project.conn.execute(
            "INSERT INTO scoring_runs(started_at, finished_at, method, lob, plan_year, lines_json,"
            " inputs_fingerprint, inputs_json, status, summary_json) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                utc_now(),
                utc_now(),
                method,
                project.lob,
                project.plan_year,
                json.dumps(lines),
                "",  # the fingerprints: below, once the helper has made them
                "{}",
                "complete",
                json.dumps(summary),
            ),
        )
        run_id = int(cur.lastrowid)
        project.conn.executemany(
            "INSERT INTO run_results(run_id, county_fips, line_code, status, pct_within, required_pct,"
            " p90_minutes, p90_miles, credited_count, min_count, confidence, confidence_band, estimated_time,"
            " detail_json) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                (
                    run_id,
                    r.county_fips,
                    r.line_code,
                    r.status,
                    r.pct_within,
                    r.required_pct,
                    r.p90_minutes,
                    r.p90_miles,
                    r.credited_count,
                    r.min_count,
                    r.confidence,
                    r.confidence_band,
                    int(r.estimated_time),
                    detail_json(
                        {
                            "line_name": r.line_name,
                            "reasons": r.reasons,
                            "confidence_parts": r.confidence_parts,
                            "detail": r.detail,
                        }
                    ),
                )
                for r in results
            ),
        )
        fp = pending.result()
        project.conn.execute(
            "UPDATE scoring_runs SET inputs_fingerprint = ?, inputs_json = ? WHERE id = ?",
            (
                fp["all"],
                json.dumps(
                    {
                        "fingerprints": fp,
                        "counties": inputs.counties,
                        # Enrollees the run did not see (outside the service area), so it says so.
                        "enrollees_outside": _enrollees_outside(project, inputs.counties),
                        "telehealth_basis": getattr(inputs, "telehealth_basis", None),
                    },
                    default=str,
                ),
                run_id,
            ),
        )
        project.audit("score.run", "scoring_runs", run_id, {"method": method, "summary": summary})
    progress.update(1.0, "saved", force=True)
    return ScoreRun(run_id, method, results, fp["all"], {"fingerprints": fp})


def list_runs(project) -> list[dict[str, Any]]:
    out = []
    for row in project.conn.execute(
        "SELECT id, started_at, method, inputs_fingerprint, summary_json FROM scoring_runs ORDER BY id"
    ):
        out.append(
            {
                "id": row[0],
                "started_at": row[1],
                "method": row[2],
                "fingerprint": row[3],
                "summary": json.loads(row[4] or "{}"),
            }
        )
    return out


_RESULT_COLUMNS = (
    "r.county_fips, r.line_code, r.status, r.pct_within, r.required_pct, r.p90_minutes, r.p90_miles,"
    " r.credited_count, r.min_count, r.confidence, r.confidence_band, r.estimated_time, r.detail_json,"
    " r.run_id, s.started_at"
)


def _result_dict(row) -> dict[str, Any]:
    detail = json.loads(row[12] or "{}")
    return {
        "county_fips": row[0],
        "line_code": row[1],
        "line_name": detail.get("line_name", ""),
        "status": row[2],
        "pct_within": row[3],
        "required_pct": row[4],
        "p90_minutes": row[5],
        "p90_miles": row[6],
        "credited_count": row[7],
        "min_count": row[8],
        "confidence": row[9],
        "confidence_band": row[10],
        "estimated_time": bool(row[11]),
        "reasons": detail.get("reasons", []),
        "confidence_parts": detail.get("confidence_parts", {}),
        "detail": detail.get("detail", {}),
        "run_id": row[13],
        "run_started_at": row[14],
    }


def run_results(project, run_id: int) -> list[dict[str, Any]]:
    """Every result of one run (with its ``run_id`` and ``run_started_at``)."""
    cur = project.conn.execute(
        f"SELECT {_RESULT_COLUMNS} FROM run_results r JOIN scoring_runs s ON s.id = r.run_id"
        " WHERE r.run_id = ? ORDER BY r.county_fips, r.line_code",
        (run_id,),
    )
    return [_result_dict(row) for row in cur.fetchall()]


def latest_run_id(project) -> int | None:
    row = project.conn.execute("SELECT max(id) FROM scoring_runs").fetchone()
    return row[0] if row and row[0] is not None else None


def newest_per_cell(
    project,
    up_to_run: int | None = None,
    cells: list[tuple[str, str]] | None = None,
) -> list[dict[str, Any]]:
    """Per county x line, the newest result from any run that scored it (with its ``run_id`` and
    ``run_started_at``), ordered by county and line.

    This is the one answer to "what is the score of this cell now": a partial re-score (``cure
    --rescore`` stores one-cell runs, a what-if re-score) overlays the latest full run instead of hiding
    it. ``up_to_run`` gives the view as of that run (runs after it ignored); ``cells`` limits it to
    those (county_fips, line_code) pairs. The matrix, the map, cure progress and the package all read
    scores through here (or ``newest_cell``).
    """
    where, params = [], []
    if up_to_run is not None:
        where.append("run_id <= ?")
        params.append(int(up_to_run))
    newest = (
        "SELECT county_fips, line_code, max(run_id) AS run_id FROM run_results"
        + (f" WHERE {' AND '.join(where)}" if where else "")
        + " GROUP BY county_fips, line_code"
    )
    cur = project.conn.execute(
        f"SELECT {_RESULT_COLUMNS} FROM ({newest}) n"
        " JOIN run_results r ON r.run_id = n.run_id AND r.county_fips = n.county_fips"
        " AND r.line_code = n.line_code JOIN scoring_runs s ON s.id = r.run_id"
        " ORDER BY r.county_fips, r.line_code",
        params,
    )
    out = [_result_dict(row) for row in cur.fetchall()]
    if cells is not None:
        wanted = set(cells)
        out = [r for r in out if (r["county_fips"], r["line_code"]) in wanted]
    return out


def newest_cell(
    project, county_fips: str, line_code: str, up_to_run: int | None = None
) -> dict[str, Any] | None:
    """The newest result for one county x line (any run that scored it), or None when never scored."""
    cur = project.conn.execute(
        f"SELECT {_RESULT_COLUMNS} FROM run_results r JOIN scoring_runs s ON s.id = r.run_id"
        " WHERE r.county_fips = ? AND r.line_code = ? AND r.run_id <= ? ORDER BY r.run_id DESC LIMIT 1",
        (county_fips, line_code, up_to_run if up_to_run is not None else 2**62),
    )
    row = cur.fetchone()
    return _result_dict(row) if row else None


def latest_results(project) -> list[dict[str, Any]]:
    """The current score of every cell: the newest result per county x line from any run (empty when
    the project was never scored). See ``newest_per_cell``."""
    return newest_per_cell(project)


def _run_inputs(project, run_id: int) -> dict[str, Any]:
    row = project.conn.execute(
        "SELECT inputs_json, method FROM scoring_runs WHERE id = ?", (run_id,)
    ).fetchone()
    if row is None:
        raise BlueprintError(f"{project.path}: no scoring run {run_id}")
    data = json.loads(row[0] or "{}")
    data["method"] = row[1]
    return data


def compare_runs(project, a: int, b: int) -> dict[str, Any]:
    """What changed from run ``a`` to run ``b``: inputs that differ and cells that flipped, with why."""
    ia, ib = _run_inputs(project, a), _run_inputs(project, b)
    fa, fb = ia.get("fingerprints", {}), ib.get("fingerprints", {})
    changed_inputs = sorted(k for k in set(fa) | set(fb) if k != "all" and fa.get(k) != fb.get(k))
    ra = {(r["county_fips"], r["line_code"]): r for r in run_results(project, a)}
    rb = {(r["county_fips"], r["line_code"]): r for r in run_results(project, b)}
    flipped, added, removed = [], [], []
    for key in sorted(set(ra) | set(rb)):
        x, y = ra.get(key), rb.get(key)
        if x is None:
            added.append({"county_fips": key[0], "line_code": key[1], "status": y["status"]})
            continue
        if y is None:
            removed.append({"county_fips": key[0], "line_code": key[1], "status": x["status"]})
            continue
        if x["status"] != y["status"]:
            flipped.append(
                {
                    "county_fips": key[0],
                    "line_code": key[1],
                    "line_name": y["line_name"],
                    "from": x["status"],
                    "to": y["status"],
                    "why": _why(x, y, changed_inputs),
                }
            )
    return {
        "run_a": a,
        "run_b": b,
        "changed_inputs": changed_inputs,
        "flipped": flipped,
        "added": added,
        "removed": removed,
        "unchanged": len(set(ra) & set(rb)) - len(flipped),
    }


def _why(x: dict, y: dict, changed_inputs: list[str]) -> list[str]:
    why = []
    if changed_inputs:
        why.append("inputs changed: " + ", ".join(changed_inputs))
    if x["pct_within"] != y["pct_within"]:
        why.append(
            f"share within standard {x['pct_within']:.1f}% -> {y['pct_within']:.1f}% "
            f"(required {y['required_pct']:g}%)"
        )
    if x["credited_count"] != y["credited_count"]:
        why.append(
            f"credited count {x['credited_count']} -> {y['credited_count']} (minimum {y['min_count']})"
        )
    if x["min_count"] != y["min_count"]:
        why.append(f"minimum {x['min_count']} -> {y['min_count']}")
    if x["required_pct"] != y["required_pct"]:
        why.append(f"required share {x['required_pct']:g}% -> {y['required_pct']:g}%")
    if not why:
        why.append("thin-buffer rule (At Risk) changed: " + "; ".join(y["reasons"][:2]))
    return why
