"""What-if: assume some candidates signed, and re-score only the county x line they touch.

Re-scoring one cell reads the standards and points of one county and the locations of one line, so it
answers in well under a second even on a large project ("feels instant" in the GUI).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from blueprint_desktop.engine.rollup import CountyLineResult


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
