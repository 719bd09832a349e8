"""Recruitment targets for a failing county x line: who to sign, and the smallest set that passes.

Candidates are uncontracted providers of the line (``credited.candidate_mask``: NPPES market rows and
roster rows without an executed contract). For each, we find the population points of the county that
are *not* within standard today and that the candidate would bring within standard (straight-line
reach of ``travel_time.reach_miles``: both time and distance), and the weight they carry.

The smallest set is a weighted set cover: choose the fewest candidates x_j in {0,1} so that the covered
weight reaches the gap, ``sum_i w_i y_i >= gap`` with ``y_i <= sum_{j covers i} x_j``. It is solved
exactly with ``scipy.optimize.milp`` (HiGHS) under a time limit; if HiGHS gives no proven optimum in
time we fall back to greedy (largest new weight first), and say which solver answered. Candidates also
close a count gap: ``sum_j q_j x_j >= min_count - credited_count``, where q_j is 1 (one more NPI) or, for
hospitals (040, counted in beds: HSD Reference File Notes, 040), the candidate's beds; a candidate within
reach of none of the county's points adds nothing to the count (42 CFR 422.116(a)(2)(i)).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix
from scipy.spatial import cKDTree

from blueprint_desktop.engine.credited import candidate_mask
from blueprint_desktop.engine.second_provider import second_straight
from blueprint_desktop.engine.travel_time import reach_miles
from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.geo.distance import chord_to_miles, miles_to_chord, to_unit_vectors
from blueprint_desktop.rules.standard_words import limits_text

MILP_TIME_LIMIT_S = 10.0


def greedy_cover(
    cover: csr_matrix,
    weights: np.ndarray,
    needed: float,
    min_picks: float = 0,
    count_weights: np.ndarray | None = None,
    need: np.ndarray | None = None,
) -> list[int]:
    """Largest new weight first until ``needed`` weight is covered, then the largest count contribution
    until ``min_picks`` (providers, or beds with ``count_weights``) is reached.

    ``need[i]``: how many more distinct providers point i needs (1, or 2 where a standard asks for two
    within it and the point has none today). A point counts once it has them all; until then a candidate
    is credited with its share of the way, weight / need (for need 1, the plain new weight)."""
    left = np.ones(cover.shape[1]) if need is None else np.asarray(need, float).copy()
    chosen: list[int] = []
    got = 0.0
    counted = 0.0
    cov = cover.tocsr()
    q = np.ones(cov.shape[0]) if count_weights is None else np.asarray(count_weights, float)
    sets = [cov.indices[cov.indptr[j] : cov.indptr[j + 1]] for j in range(cov.shape[0])]
    while got + 1e-9 < needed or counted + 1e-9 < min_picks:
        if got + 1e-9 < needed:
            gains = np.array([(weights[s] / np.maximum(left[s], 1.0))[left[s] > 0].sum() for s in sets])
        else:
            gains = q.copy()  # the share is met: close the count gap with the fewest candidates
        if chosen:
            gains[chosen] = -1
        j = int(np.argmax(gains)) if len(gains) else -1
        if j < 0 or gains[j] <= 0:
            break  # nothing left adds to the share (or, once it is met, to the count)
        chosen.append(j)
        idx = cov.indices[cov.indptr[j] : cov.indptr[j + 1]]
        done = idx[left[idx] == 1]
        got += weights[done].sum()
        left[idx] = np.maximum(left[idx] - 1, 0)
        counted += q[j]
    return chosen


def milp_cover(
    cover: csr_matrix,
    weights: np.ndarray,
    needed: float,
    min_picks: float = 0,
    time_limit: float = MILP_TIME_LIMIT_S,
    count_weights: np.ndarray | None = None,
    need: np.ndarray | None = None,
) -> tuple[list[int] | None, str]:
    """Exact minimum-cardinality weighted cover; (None, reason) when HiGHS proves nothing in time.
    ``need[i]``: the distinct providers point i still needs (default 1; ``greedy_cover``)."""
    n_c, n_p = cover.shape
    if n_c == 0:
        return None, "no candidates"
    # Variables: x_j (candidates) then y_i (points). Minimise sum x.
    c = np.concatenate([np.ones(n_c), np.zeros(n_p)])
    # need_i y_i - sum_j cover[j, i] x_j <= 0: a point counts once need_i chosen candidates reach it.
    need_v = np.ones(n_p) if need is None else np.asarray(need, float)
    a_link = csr_matrix(np.hstack([-cover.T.toarray(), np.diag(need_v)])) if n_p else None
    cons = []
    if n_p:
        cons.append(LinearConstraint(a_link, -np.inf, 0.0))
        cons.append(
            LinearConstraint(np.concatenate([np.zeros(n_c), weights])[None, :], needed - 1e-9, np.inf)
        )
    q = np.ones(n_c) if count_weights is None else np.asarray(count_weights, float)
    if min_picks > 0 and q.sum() + 1e-9 < min_picks:
        return None, "the candidates together cannot close the count gap"
    cons.append(LinearConstraint(np.concatenate([q, np.zeros(n_p)])[None, :], min_picks, np.inf))
    res = milp(
        c,
        constraints=cons,
        integrality=np.ones(n_c + n_p),
        bounds=Bounds(0, 1),
        options={"time_limit": time_limit},
    )
    if res.status != 0 or res.x is None:
        return None, res.message
    return [int(j) for j in np.flatnonzero(res.x[:n_c] > 0.5)], "optimal"


@dataclass
class Candidate:
    provider_id: int
    npi: str
    name: str
    source: str
    contract_status: str
    new_weight: float
    share_gain: float
    counties_flipped: list[str] = field(default_factory=list)
    # Whom to call and where: the practice location nearest the county's people outside the standard.
    address: str = ""  # street, city, state ZIP of that location as stored ("" when the file has none)
    phone: str | None = None  # None: the project stores no phone for it (see ``contact_details``)
    panel_status: str = "unknown"  # accepting new patients: open (yes), closed (no), unknown
    # Straight-line miles from that location to the nearest population point of the county outside the
    # standard today (the people it would serve); every point of the county when none is outside.
    miles_to_gap: float | None = None
    # The benchmark (competitor) networks that list this NPI (engine/benchmark.py): a provider already in
    # another plan's MA network is a proven MA-willing recruit, ranked first among those who add people.
    competitor_networks: list[str] = field(default_factory=list)


@dataclass
class TargetPlan:
    county_fips: str
    line_code: str
    current_pct: float
    required_pct: float
    current_count: int
    min_count: int
    candidates: list[Candidate]
    chosen: list[Candidate]
    share_after_each: list[float]
    reaches_pass: bool
    solver: str
    notes: list[str]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def plan_from_arrays(
    weights: np.ndarray,
    covered_now: np.ndarray,
    cover: csr_matrix,
    required_pct: float,
    credit_points: float,
    count_gap: float,
    time_limit: float = MILP_TIME_LIMIT_S,
    count_weights: np.ndarray | None = None,
    need: np.ndarray | None = None,
) -> tuple[list[int], list[float], bool, str]:
    """Chosen candidate rows, the share after each addition, whether it passes, and the solver used.
    ``need[i]``: distinct providers point i still needs (0 where ``covered_now``; default 1 elsewhere)."""
    need_all = (~covered_now).astype(float) if need is None else np.asarray(need, float)
    covered_now = need_all <= 0
    total = weights.sum()
    now = weights[covered_now].sum()
    needed = max(0.0, (required_pct - credit_points) / 100.0 * total - now)
    open_pts = np.flatnonzero(~covered_now)
    sub = cover[:, open_pts] if cover.shape[0] else cover
    w_open = weights[open_pts]
    need_open = need_all[open_pts]
    q = np.ones(cover.shape[0]) if count_weights is None else np.asarray(count_weights, float)
    chosen, solver = milp_cover(sub, w_open, needed, count_gap, time_limit, q, need_open)
    if chosen is None:
        chosen = greedy_cover(sub, w_open, needed, count_gap, q, need_open)
        solver = f"greedy ({solver})"
    else:
        solver = "milp (HiGHS, optimal)"
        # Order the exact set greedily so "share after each addition" climbs as fast as possible.
        order = greedy_cover(sub[chosen], w_open, np.inf, 0, need=need_open)
        first = [chosen[k] for k in order]
        chosen = first + [j for j in chosen if j not in first]
    left = need_all.copy()
    shares = []
    for j in chosen:
        idx = cover[j].indices
        left[idx] = np.maximum(left[idx] - 1, 0)
        shares.append(round(min(100.0, weights[left <= 0].sum() / total * 100 + credit_points), 2))
    covered = left <= 0
    got = weights[covered].sum() / total * 100 + credit_points if total else 0.0
    passes = got + 1e-9 >= required_pct and float(q[chosen].sum() if chosen else 0.0) + 1e-9 >= count_gap
    return chosen, shares, bool(passes), solver


def recruitment_targets(
    project, county_fips: str, line_code: str, top: int = 50, save: bool = True, today=None
) -> TargetPlan:
    """Rank candidates for one county x line and find the smallest set that makes it pass."""
    from blueprint_desktop.engine.scoring import compute_results, gather_inputs

    inputs = gather_inputs(project, [line_code], [county_fips])
    inputs.today = today
    std = inputs.standards[county_fips].lines[line_code]
    designation = inputs.standards[county_fips].designation
    [result] = compute_results(inputs, "straight")
    locs = inputs.locations
    pts = inputs.points[inputs.points.county_fips == county_fips]
    weights = pts.weight.to_numpy(float)
    if len(weights) == 0:
        raise BlueprintError(f"county {county_fips}: no population points to plan for")
    radius = reach_miles(std.max_minutes, std.max_miles, designation)
    p_xyz = to_unit_vectors(pts.lat, pts.lon)
    from blueprint_desktop.engine.scoring import credited_locations

    cred = credited_locations(inputs)
    cred = cred[cred.line_code == line_code]
    within = int(getattr(std, "providers_within", 1) or 1)
    chord_r = miles_to_chord(radius) + 1e-12
    # Distinct providers each point still needs within reach: 1 - (nearest within) for the usual standard;
    # 2 - (nearest within) - (second-nearest distinct NPI within) where the standard asks for two.
    need = np.full(len(weights), float(within))
    if len(cred):
        tree = cKDTree(to_unit_vectors(cred.lat, cred.lon))
        d, _ = tree.query(p_xyz, k=1)
        need -= d <= chord_r
        if within == 2:
            second = second_straight(p_xyz, tree, pd.factorize(cred.npi)[0])
            need -= second <= chord_to_miles(chord_r)  # the same reach as the chord test above
    covered_now = need <= 0
    cand = locs[candidate_mask(locs, today, inputs.lob) & (locs.line_code == line_code).to_numpy()]
    if within == 2 and len(cand):
        # Two rows of one NPI (a roster row and its NPPES row) are one provider, not two.
        first_id = cand.groupby("npi").provider_id.transform("first")
        cand = cand.assign(provider_id=first_id.to_numpy())
    prov_ids = list(dict.fromkeys(cand.provider_id))
    rows, cols = [], []
    if len(cand):
        ptree = cKDTree(p_xyz)
        hits = ptree.query_ball_point(to_unit_vectors(cand.lat, cand.lon), chord_r)
        pos = {pid: k for k, pid in enumerate(prov_ids)}
        # A candidate already credited at another location is not a new distinct provider where that
        # location already reaches (two-provider standards only: for one, any location within reach will do).
        same_npi: dict[str, set[int]] = {}
        if within == 2 and len(cred):
            cand_npis = set(cand.npi)
            for npi, lat, lon in zip(cred.npi, cred.lat, cred.lon, strict=True):
                if npi in cand_npis:
                    hit = ptree.query_ball_point(to_unit_vectors([lat], [lon])[0], chord_r)
                    same_npi.setdefault(npi, set()).update(hit)
        for pid, npi, h in zip(cand.provider_id, cand.npi, hits, strict=True):
            taken = same_npi.get(npi, ())
            for i in h:
                if i not in taken:
                    rows.append(pos[pid])
                    cols.append(i)
    cover = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(prov_ids), len(weights)))
    cover.data[:] = 1.0
    cover = (cover > 0).astype(float).tocsr()
    credit = result.detail.get("credit_points", result.detail.get("telehealth_credit_points", 0.0)) or 0.0
    # The people a candidate alone brings within standard: the points it reaches that need one more.
    new_w = np.array(
        [weights[cover[j].indices][need[cover[j].indices] == 1].sum() for j in range(len(prov_ids))]
    )
    total = weights.sum()
    info = cand.drop_duplicates("provider_id").set_index("provider_id")
    candidates = [
        Candidate(
            int(pid),
            str(info.loc[pid, "npi"]),
            str(info.loc[pid, "name"]),
            str(info.loc[pid, "source"]),
            str(info.loc[pid, "contract_status"]),
            float(new_w[j]),
            round(float(new_w[j] / total * 100), 2),
        )
        for j, pid in enumerate(prov_ids)
    ]
    _add_contact_and_distance(
        project, candidates, cand, p_xyz[~covered_now] if (~covered_now).any() else p_xyz
    )
    from blueprint_desktop.engine.benchmark import competitor_networks

    competitors = competitor_networks(project)
    for c in candidates:
        c.competitor_networks = competitors.get(c.npi, [])
    # What each candidate adds to the count: one NPI, or its beds for hospitals; nothing when it reaches
    # none of the county's points (42 CFR 422.116(a)(2)(i)).
    reaches = np.diff(cover.indptr) > 0
    # In a competitor's MA network and adding people or count: first; then by the people it brings.
    order = sorted(
        range(len(candidates)),
        key=lambda j: (
            not (candidates[j].competitor_networks and (new_w[j] > 0 or reaches[j])),
            -candidates[j].new_weight,
            candidates[j].npi,
        ),
    )
    count_gap = max(0, result.min_count - result.credited_count)
    if std.counts_beds:
        beds = cand.groupby("provider_id").beds.sum()
        q = np.array([float(beds.get(pid, 0.0)) for pid in prov_ids]) * reaches
    else:
        q = reaches.astype(float)
    chosen_rows, shares, passes, solver = plan_from_arrays(
        weights,
        covered_now,
        cover[order] if order else cover,
        std.required_pct,
        credit,
        count_gap,
        count_weights=q[order] if order else q,
        need=np.maximum(need, 0.0),
    )
    ranked = [candidates[j] for j in order]
    flips = counties_flipped(
        project, line_code, cand[cand.provider_id.isin([c.provider_id for c in ranked[:top]])]
    )
    for c in ranked[:top]:
        c.counties_flipped = flips.get(c.provider_id, [])
    notes = [f"reach {radius:.1f} straight-line miles ({limits_text(std.max_minutes, std.max_miles, ' / ')})"]
    if within == 2:
        notes.append(
            "the standard asks for two distinct providers within it: a point counts once two credited NPIs "
            "reach it; the smallest set is solved with that requirement (each point's need: 2, 1 or 0)"
        )
    if not passes:
        notes.append("even every candidate together does not make this county pass; consider an exception")
    plan = TargetPlan(
        county_fips,
        line_code,
        result.pct_within,
        std.required_pct,
        result.credited_count,
        result.min_count,
        ranked[:top],
        [ranked[j] for j in chosen_rows],
        shares,
        passes,
        solver,
        notes,
    )
    if save and not project.read_only and "target_plans" in project.db.table_names():
        from blueprint_desktop.store.project import utc_now

        with project.transaction():
            project.conn.execute(
                "INSERT INTO target_plans(created_at, run_id, county_fips, line_code, method, solver, reaches_pass,"
                " plan_json) VALUES (?, (SELECT max(id) FROM scoring_runs), ?, ?, 'straight', ?, ?, ?)",
                (
                    utc_now(),
                    county_fips,
                    line_code,
                    solver,
                    int(passes),
                    json.dumps(plan.as_dict(), default=str),
                ),
            )
    return plan


PANEL_WORDS = {"open": "Yes", "closed": "No"}  # panel_status -> accepting new patients ("Unknown" else)
DISTANCE_BASIS = (
    "straight-line miles from the provider's practice location nearest the gap to the nearest population "
    "point of this county outside the time and distance standard today (the people it would serve)"
)


def accepting_text(panel_status: str | None) -> str:
    """Accepting new patients, in words, from the provider's panel status."""
    return PANEL_WORDS.get(str(panel_status or "").lower(), "Unknown")


def _location_columns(project) -> set[str]:
    return {str(r[1]) for r in project.conn.execute("PRAGMA table_info(locations)").fetchall()}


def stores_phone(project) -> bool:
    """Whether the project has practice phones to show: a ``phone`` column (schema 9) with any value in it."""
    if "phone" not in _location_columns(project):
        return False
    return (
        project.conn.execute("SELECT 1 FROM locations WHERE phone IS NOT NULL LIMIT 1").fetchone() is not None
    )


def _add_contact_and_distance(project, candidates: list[Candidate], cand, gap_xyz: np.ndarray) -> None:
    """Fill each candidate's ``miles_to_gap`` and, from its location nearest the gap, address and phone."""
    if not candidates or len(cand) == 0:
        return
    placed = cand[cand.lat.notna() & cand.lon.notna()]
    best: dict[int, tuple[float, int]] = {}
    if len(placed) and len(gap_xyz):
        d, _ = cKDTree(gap_xyz).query(to_unit_vectors(placed.lat, placed.lon), k=1)
        miles = np.atleast_1d(chord_to_miles(d))
        for pid, loc, m in zip(
            placed.provider_id.tolist(), placed.location_id.tolist(), miles.tolist(), strict=True
        ):
            if int(pid) not in best or m < best[int(pid)][0]:
                best[int(pid)] = (float(m), int(loc))
    # Providers with no placed location: their first stored location still gives an address.
    for pid, loc in zip(cand.provider_id.tolist(), cand.location_id.tolist(), strict=True):
        best.setdefault(int(pid), (float("nan"), int(loc)))
    cols = _location_columns(project)
    phone = ", phone" if "phone" in cols else ", NULL"
    loc_ids = sorted({loc for _m, loc in best.values()})
    rows: dict[int, tuple] = {}
    for start in range(0, len(loc_ids), 500):
        chunk = loc_ids[start : start + 500]
        for r in project.conn.execute(
            f"SELECT id, address, city, state, zip{phone} FROM locations WHERE id IN ({','.join('?' * len(chunk))})",
            chunk,
        ).fetchall():
            rows[int(r[0])] = r
    panel = cand.drop_duplicates("provider_id").set_index("provider_id").panel_status.to_dict()
    for c in candidates:
        m, loc = best.get(c.provider_id, (float("nan"), -1))
        c.miles_to_gap = None if not np.isfinite(m) else round(m, 1)
        r = rows.get(loc)
        if r is not None:
            street, city, state, zip_ = (str(v).strip() if v is not None else "" for v in r[1:5])
            place = " ".join(p for p in (state, zip_[:5]) if p)
            c.address = ", ".join(p for p in (street, city, place) if p)
            c.phone = str(r[5]).strip() or None if r[5] is not None else None
        c.panel_status = str(panel.get(c.provider_id) or "unknown")


def counties_flipped(project, line_code: str, cand_locs, today=None) -> dict[int, list[str]]:
    """For each candidate provider, the Failing counties of the service area it would make pass ALONE.

    ``cand_locs`` holds the candidates' practice locations (as ``credited.load_locations`` gives them).
    A county flips when the people the candidate newly brings within reach (``candidate_reach``) close
    the share gap and, if the county also lacks providers, one more NPI closes the count gap (a candidate
    counts toward a county's minimum when it is within standard of at least one of its points: 42 CFR
    422.116(b)).
    """
    from dataclasses import replace

    from blueprint_desktop.engine.candidate_reach import group_by_provider, measure_reach
    from blueprint_desktop.engine.scoring import compute_results, gather_inputs

    if len(cand_locs) == 0:
        return {}
    inputs = gather_inputs(project, [line_code], None)
    inputs.today = today
    failing = {r.county_fips: r for r in compute_results(inputs, "straight") if r.status == "Failing"}
    if not failing:
        return {}
    reach = group_by_provider(cand_locs)
    bed_sum = (
        cand_locs.groupby("provider_id").beds.sum().to_dict()
        if "beds" in getattr(cand_locs, "columns", [])
        else {}
    )
    measure_reach(replace(inputs, counties=list(failing)), line_code, cand_locs, (), reach)
    flips: dict[int, list[str]] = {}
    for pid, cand in reach.items():
        # Where the standard asks for two providers, the people a candidate brings depend on who else
        # reaches them: score the counties it reaches with it signed (a few cells, as a run measures them).
        two = [f for f in cand.reaches if inputs.standards[f].lines[line_code].providers_within == 2]
        if two:
            signed = replace(inputs, counties=two, extra_credited=frozenset({int(pid)}))
            for r in compute_results(signed, "straight"):
                if r.status != "Failing":
                    flips.setdefault(int(pid), []).append(r.county_fips)
        for fips in cand.reaches:
            if fips in two:
                continue
            r = failing[fips]
            gap = r.min_count - r.credited_count
            if r.detail.get("counts_beds"):
                if gap > 0 and bed_sum.get(int(pid), 0.0) + 1e-9 < gap:
                    continue  # its beds cannot close the bed gap (HSD Notes, 040)
            elif gap > 1:
                continue  # one signature cannot close a gap of two or more providers
            total = r.detail["total_weight"]
            gain = cand.by_county.get(fips, 0.0) / total * 100 if total else 0.0
            credit = r.detail.get("credit_points", r.detail.get("telehealth_credit_points", 0.0)) or 0.0
            share = r.detail["pct_measured"] + credit + gain
            if share + 1e-6 >= r.required_pct:
                flips.setdefault(int(pid), []).append(fips)
    return flips
