"""What-if: assume some candidates signed and re-score what they touch.

``rescore_with`` re-scores one county x line (the deficiency cure asks it about one gap): it reads the
standards and points of one county and the locations of one line, so it answers in well under a second.
``portfolio_whatif`` is the whole job: a set of candidates assumed signed across the service area, every
county x line of the lines they practise scored before and after, nothing stored (the results pane draws
the after view over the stored run until the what-if is cleared).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from blueprint_desktop.engine.rollup import CountyLineResult
from blueprint_desktop.progress import Progress


def rescore_with(
    project,
    county_fips: str,
    line_code: str,
    extra_provider_ids: Iterable[int],
    method: str = "straight",
    save: bool = False,
    today=None,
) -> CountyLineResult:
    """The county x line result if ``extra_provider_ids`` had executed contracts (active credentialing)."""
    from blueprint_desktop.engine.scoring import compute_results, gather_inputs

    ids = frozenset(int(i) for i in extra_provider_ids)
    inputs = gather_inputs(project, [line_code], [county_fips])
    inputs.extra_credited = ids
    inputs.today = today
    graph = None
    if method == "road":
        from blueprint_desktop.engine.roads import load_graph

        graph = load_graph(project)
    [result] = compute_results(inputs, method, graph)
    result.detail["assumed_contracted"] = sorted(ids)
    if save and not project.read_only:
        from blueprint_desktop.store.project import utc_now

        with project.transaction():
            project.conn.execute(
                "INSERT INTO whatif_scenarios(created_at, county_fips, line_code, provider_ids_json, result_json)"
                " VALUES (?,?,?,?,?)",
                (
                    utc_now(),
                    county_fips,
                    line_code,
                    json.dumps(sorted(ids)),
                    json.dumps(result.as_dict(), default=str),
                ),
            )
    return result


# -- portfolio what-if: a set of candidates assumed signed across the whole service area -----------------
_COMPARED = ("status", "pct_within", "credited_count", "p90_minutes", "p90_miles")


@dataclass
class PortfolioWhatIf:
    """Every county x line a set of assumed signatures touches, scored before and after.

    ``before`` and ``after`` are scored from the same inputs in the same call, so a difference between them
    is the candidates' doing alone (never a roster change made since the last stored run). Only the lines
    the candidates practise are re-scored: no other cell can change.
    """

    provider_ids: list[int]
    method: str
    lines: list[str]  # the lines re-scored (the ones the assumed providers practise)
    before: dict[tuple[str, str], CountyLineResult] = field(default_factory=dict)
    after: dict[tuple[str, str], CountyLineResult] = field(default_factory=dict)
    provider_lines: dict[int, list[str]] = field(default_factory=dict)  # id -> lines it practises
    not_counted: list[int] = field(default_factory=list)  # ids with no placed location on a scored line

    def changed(self) -> list[tuple[str, str]]:
        """Cells whose status, share, count or 90th percentiles the signatures change."""
        out = []
        for key, a in self.after.items():
            b = self.before.get(key)
            if b is None or any(getattr(a, f) != getattr(b, f) for f in _COMPARED):
                out.append(key)
        return sorted(out)

    def flipped(self) -> list[tuple[str, str]]:
        """Cells whose status the signatures change (Failing -> Pass, ...)."""
        return sorted(
            k for k, a in self.after.items() if k in self.before and self.before[k].status != a.status
        )

    def counts(self, after: bool = True) -> dict[str, int]:
        out = {"Pass": 0, "At Risk": 0, "Failing": 0}
        for r in (self.after if after else self.before).values():
            out[r.status] = out.get(r.status, 0) + 1
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "provider_ids": self.provider_ids,
            "method": self.method,
            "lines": self.lines,
            "provider_lines": {str(k): v for k, v in self.provider_lines.items()},
            "not_counted": self.not_counted,
            "cells": [
                {
                    "county_fips": k[0],
                    "line_code": k[1],
                    "before": self.before[k].as_dict(),
                    "after": a.as_dict(),
                }
                for k, a in sorted(self.after.items())
                if k in self.before
            ],
        }


def portfolio_whatif(
    project,
    provider_ids: Iterable[int],
    method: str = "straight",
    today=None,
    progress: Progress | None = None,
) -> PortfolioWhatIf:
    """Score every county x line of the service area that ``provider_ids`` practise in, without them and
    with them assumed signed (executed contract, active credentialing: ``ScoringInputs.extra_credited``).

    Nothing is stored: the project's runs are left exactly as they were. A candidate still falls under the
    exclusion rules (a children's hospital never counts), and one with no placed location on a scored line
    is listed in ``not_counted``.
    """
    from blueprint_desktop.engine.scoring import compute_results, gather_inputs

    progress = progress or Progress()
    ids = sorted({int(i) for i in provider_ids})
    out = PortfolioWhatIf(ids, method, [])
    if not ids:
        progress.update(1.0, "no candidates assumed", force=True)
        return out
    inputs = gather_inputs(project, None, None, progress.scaled(0.0, 0.3))
    inputs.today = today
    locs = inputs.locations
    scored_lines = {code for f in inputs.counties for code in inputs.standards[f].lines}
    mine = locs[locs.provider_id.isin(ids)] if len(locs) else locs
    placed = mine[mine.lat.notna() & mine.lon.notna()] if len(mine) else mine
    for pid, code in zip(placed.provider_id.tolist(), placed.line_code.tolist(), strict=True):
        if code in scored_lines:
            out.provider_lines.setdefault(int(pid), [])
            if code not in out.provider_lines[int(pid)]:
                out.provider_lines[int(pid)].append(str(code))
    out.not_counted = [i for i in ids if i not in out.provider_lines]
    out.lines = sorted({c for codes in out.provider_lines.values() for c in codes})
    if not out.lines:
        progress.update(1.0, "the candidates practise no scored line", force=True)
        return out
    inputs.lines = out.lines
    graph = None
    if method == "road":
        from blueprint_desktop.engine.roads import load_graph

        graph = load_graph(project)
    before = compute_results(inputs, method, graph, progress.scaled(0.3, 0.65))
    after = compute_results(
        replace(inputs, extra_credited=frozenset(ids)), method, graph, progress.scaled(0.65, 1.0)
    )
    out.before = {(r.county_fips, r.line_code): r for r in before}
    for r in after:
        r.detail["assumed_contracted"] = [i for i in ids if r.line_code in out.provider_lines.get(i, [])]
        out.after[(r.county_fips, r.line_code)] = r
    progress.update(1.0, "what-if ready", force=True)
    return out
