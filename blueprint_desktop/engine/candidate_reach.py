"""What signing each uncontracted provider of a line would bring, county by county.

For each county, the population points *not* within standard today and, for each candidate, the
weight of those points within its straight-line reach (``travel_time.reach_miles``: both the time and
the distance standard, 42 CFR 422.116(d)(2)). A candidate that reaches at least one point of a county
also counts toward that county's minimum number (42 CFR 422.116(b)), so ``reaches`` lists those counties
even where the new weight is zero. One vectorised pass serves the map's marker sizes
(``maps/candidates.py``) and the counties each candidate would flip (``targeting.counties_flipped``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from blueprint_desktop.engine.travel_time import reach_miles
from blueprint_desktop.geo.distance import miles_to_chord, to_unit_vectors


@dataclass
class CandidateReach:
    """One recruitable provider of a line and what signing it would add in the gap counties."""

    provider_id: int
    npi: str
    name: str
    source: str
    contract_status: str
    locations: list[tuple[float, float]]
    new_weight: float = 0.0  # people newly within standard, summed over the gap counties
    by_county: dict[str, float] = field(default_factory=dict)  # fips -> new weight there
    share_by_county: dict[str, float] = field(default_factory=dict)  # fips -> percentage points gained
    reaches: list[str] = field(default_factory=list)  # gap counties where it would count (>= 1 point)


def chord_for(std, designation: str) -> float:
    return float(miles_to_chord(reach_miles(std.max_minutes, std.max_miles, designation))) + 1e-12


def measure_reach(
    inputs, line_code: str, cand: pd.DataFrame, extra: Iterable[int], out: dict[int, CandidateReach]
) -> None:
    """Fill new_weight / by_county / reaches of ``out`` for the candidate locations ``cand``."""
    from blueprint_desktop.engine.scoring import credited_locations

    if cand.empty:
        return
    inputs.extra_credited = frozenset(int(i) for i in extra)
    cred = credited_locations(inputs)
    cred = cred[cred.line_code == line_code]
    cred_tree = cKDTree(to_unit_vectors(cred.lat, cred.lon)) if len(cred) else None
    pid_codes, pids = pd.factorize(cand.provider_id)
    cand_tree = cKDTree(to_unit_vectors(cand.lat, cand.lon))
    for fips in inputs.counties:
        county_std = inputs.standards[fips]
        std = county_std.lines.get(line_code)
        pts = inputs.points[(inputs.points.county_fips == fips) & (inputs.points.weight > 0)]
        if std is None or pts.empty:
            continue
        chord = chord_for(std, county_std.designation)
        xyz = to_unit_vectors(pts.lat, pts.lon)
        w = pts.weight.to_numpy(float)
        covered = np.zeros(len(w), dtype=bool)
        if cred_tree is not None:
            covered = cred_tree.query(xyz, k=1)[0] <= chord
        hits = cand_tree.query_ball_point(xyz, chord)
        sizes = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
        if not sizes.sum():
            continue
        point_idx = np.repeat(np.arange(len(hits)), sizes)
        loc_idx = np.fromiter((i for h in hits for i in h), dtype=np.int64, count=int(sizes.sum()))
        # One provider with two offices near the same point brings that point once.
        pairs = np.unique(np.stack([point_idx, pid_codes[loc_idx]], axis=1), axis=0)
        reached = np.unique(pairs[:, 1])
        gain = np.zeros(len(pids))
        open_pairs = pairs[~covered[pairs[:, 0]]]
        np.add.at(gain, open_pairs[:, 1], w[open_pairs[:, 0]])
        total = w.sum()
        for k in reached:
            c = out[int(pids[k])]
            c.reaches.append(fips)
            if gain[k] > 0:
                c.by_county[fips] = float(gain[k])
                c.share_by_county[fips] = round(float(gain[k] / total * 100), 2)
                c.new_weight += float(gain[k])


def group_by_provider(cand: pd.DataFrame) -> dict[int, CandidateReach]:
    out: dict[int, CandidateReach] = {}
    for row in cand.itertuples(index=False):
        pid = int(row.provider_id)
        entry = out.get(pid)
        if entry is None:
            entry = out[pid] = CandidateReach(
                pid, str(row.npi), str(row.name), str(row.source), str(row.contract_status), []
            )
        entry.locations.append((float(row.lat), float(row.lon)))
    return out
