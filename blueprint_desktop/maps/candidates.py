"""What each recruitable provider of a line would bring to the gap counties, for sizing map markers.

The same measure as ``engine.targeting.recruitment_targets`` (one county at a time there), vectorised
over every gap county of the line and every candidate at once, without the set-cover solve: for each
gap county, the population points *not* within standard today, and for each candidate the weight of
those points within its straight-line reach (``travel_time.reach_miles``: both the time and the
distance standard, 42 CFR 422.116(d)(2)). A candidate that reaches at least one point of a county
also counts toward that county's minimum number (42 CFR 422.116(b) and ``engine.nearest`` doc), so
``reaches`` lists those counties even where the new weight is zero.

Candidates are ``credited.candidate_mask`` rows (market NPPES providers and roster providers without
an executed contract). Providers assumed signed in a what-if (``targets``) count as credited, so the
other candidates are measured on top of them; the targets themselves are measured against the network
without any target, so their own contribution shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from blueprint_desktop.engine.credited import candidate_mask, load_locations
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


@dataclass
class LineCandidates:
    candidates: list[CandidateReach]  # ranked: most new weight first
    targets: list[CandidateReach]  # the what-if targets, measured without any target
    contracted: pd.DataFrame  # credited locations of the line (no targets): provider_id, npi, name, lat, lon
    weight_unit: str  # what the weights count ("people aged 65+" or "enrollees")


def _chord(std, designation: str) -> float:
    return float(miles_to_chord(reach_miles(std.max_minutes, std.max_miles, designation))) + 1e-12


def _measure(
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
        chord = _chord(std, county_std.designation)
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


def _entries(cand: pd.DataFrame) -> dict[int, CandidateReach]:
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
    contracted = credited_locations(ScoringInputs([], {}, pd.DataFrame(), line_locs, today=today))
    contracted = contracted[["provider_id", "npi", "name", "lat", "lon"]].reset_index(drop=True)

    pool = line_locs[candidate_mask(line_locs, today)] if len(line_locs) else line_locs
    is_target = pool.provider_id.isin(targets).to_numpy()
    # A target may be an already-credited provider (nothing to add) or an uncontracted one.
    target_locs = line_locs[
        line_locs.provider_id.isin(targets) & line_locs.lat.notna() & line_locs.lon.notna()
    ]
    cand_locs = pool[~is_target]
    cands, tgts = _entries(cand_locs), _entries(target_locs)
    weight_unit = "people aged 65+"
    if inputs is not None:
        sources = set(inputs.points.source)
        if sources == {"enrollees"}:
            weight_unit = "enrollees"
        _measure(inputs, line_code, cand_locs, targets, cands)
        _measure(inputs, line_code, target_locs, (), tgts)
    ranked = sorted(cands.values(), key=lambda c: (-c.new_weight, -len(c.reaches), c.name, c.npi))
    return LineCandidates(ranked, list(tgts.values()), contracted, weight_unit)
