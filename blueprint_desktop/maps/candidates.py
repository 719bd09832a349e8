"""What each recruitable provider of a line would bring to the gap counties, for sizing map markers.

The measure itself is the engine's (``engine/candidate_reach.py``: people newly within standard per
county, and the counties where a candidate would count toward the minimum), taken over every gap county
of the line and every candidate at once, without the set-cover solve of ``engine.targeting``.

Candidates are ``credited.candidate_mask`` rows (market NPPES providers and roster providers without
an executed contract). Providers assumed signed in a what-if (``targets``) count as credited, so the
other candidates are measured on top of them; the targets themselves are measured against the network
without any target, so their own contribution shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from blueprint_desktop.engine.candidate_reach import CandidateReach, group_by_provider, measure_reach
from blueprint_desktop.engine.credited import candidate_mask, load_locations


@dataclass
class LineCandidates:
    candidates: list[CandidateReach]  # ranked: most new weight first
    targets: list[CandidateReach]  # the what-if targets, measured without any target
    contracted: pd.DataFrame  # credited locations of the line (no targets): provider_id, npi, name, lat, lon
    weight_unit: str  # what the weights count ("people aged 65+" or "enrollees")


def line_candidates(
    project,
    line_code: str,
    gap_counties: Sequence[str],
    targets: Iterable[int] = (),
    today=None,
) -> LineCandidates:
    """Contracted locations, ranked candidates and what-if targets of one line (see the module doc)."""
    from blueprint_desktop.engine.scoring import ScoringInputs, credited_locations, gather_inputs

    targets = [int(t) for t in targets or ()]
    area = set(project.service_area())
    gaps = [f for f in dict.fromkeys(gap_counties) if f in area]
    if gaps:
        inputs = gather_inputs(project, [line_code], gaps)
        locs = inputs.locations
    else:
        inputs, locs = None, load_locations(project)
    if locs.empty:
        empty = pd.DataFrame(columns=["provider_id", "npi", "name", "lat", "lon"])
        return LineCandidates([], [], empty, "people aged 65+")
    line_locs = locs[locs.line_code == line_code].reset_index(drop=True)
    if inputs is not None:
        inputs.today = today
    lob = project.lob
    contracted = credited_locations(ScoringInputs([], {}, pd.DataFrame(), line_locs, today=today, lob=lob))
    contracted = contracted[["provider_id", "npi", "name", "lat", "lon"]].reset_index(drop=True)

    pool = line_locs[candidate_mask(line_locs, today, lob)] if len(line_locs) else line_locs
    is_target = pool.provider_id.isin(targets).to_numpy()
    # A target may be an already-credited provider (nothing to add) or an uncontracted one.
    target_locs = line_locs[
        line_locs.provider_id.isin(targets) & line_locs.lat.notna() & line_locs.lon.notna()
    ]
    cand_locs = pool[~is_target]
    cands, tgts = group_by_provider(cand_locs), group_by_provider(target_locs)
    weight_unit = "people aged 65+"
    if inputs is not None:
        sources = set(inputs.points.source)
        if sources == {"enrollees"}:
            weight_unit = "enrollees"
        measure_reach(inputs, line_code, cand_locs, targets, cands)
        measure_reach(inputs, line_code, target_locs, (), tgts)
    ranked = sorted(cands.values(), key=lambda c: (-c.new_weight, -len(c.reaches), c.name, c.npi))
    return LineCandidates(ranked, list(tgts.values()), contracted, weight_unit)
