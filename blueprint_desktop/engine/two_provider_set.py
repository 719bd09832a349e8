"""The feasibility study's recruit set for cells whose standard asks for two providers per person.

Georgia Families Figure 1 asks for "Two (2) within ..." PCPs and obstetric providers: a person counts once two
distinct providers (NPIs) are within the standard (``second_provider.py``). The study's joint model
(``feasibility.py``) counts one provider per person, so these cells get their own integer programme, over all
such cells of the service area at once (a provider counts in every county it reaches):

    minimise   sum_u x_u                                 (x_u: sign candidate NPI u)
    subject to need_i y_i <= sum_{u reaches i} x_u       (point i counts once need_i of them sign)
               sum_i w_i y_i >= need_k                   (every cell: the share still missing)
               sum_{u reaches cell k} x_u >= gap_k       (every cell: the count still missing)

``need_i`` is 2 minus the distinct credited providers already within reach of point i (0, 1 or 2); points
no candidate set could bring to their need are left out (y_i = 0). HiGHS (``scipy.optimize.milp``) under the
study's time limit, with sparse constraints; when it proves nothing in time, the greedy answer (fractional
progress: weight / need per reach, as ``targeting.greedy_cover``). A candidate NPI that is already credited
in the line is not a new provider and is left out. The set is re-scored by the engine with the joint set.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix, hstack, vstack
from scipy.spatial import cKDTree

from blueprint_desktop.engine.candidate_reach import chord_for
from blueprint_desktop.engine.second_provider import second_straight
from blueprint_desktop.geo.distance import chord_to_miles, to_unit_vectors

SHARE_SLACK = 2e-6  # as feasibility.SHARE_SLACK: HiGHS's tolerance never accepts a set the re-score fails


@dataclass
class TwoProviderSolution:
    cells: list[tuple[str, str]]
    npis: list[str]  # chosen candidate NPIs, in priority order (largest progress first)
    status: str  # "optimal", "time limit (best found)", "greedy (...)", "nothing needed"
    lower_bound: int
    mip_gap: float | None
    greedy_size: int
    seconds: float
    # per chosen NPI (same order): cell -> (weight brought to its need so far, count so far), cumulative
    progress: list[dict[tuple[str, str], tuple[float, float]]] = field(default_factory=list)
    need_w: dict[tuple[str, str], float] = field(default_factory=dict)
    gap: dict[tuple[str, str], float] = field(default_factory=dict)
    now_w: dict[tuple[str, str], float] = field(default_factory=dict)
    total_w: dict[tuple[str, str], float] = field(default_factory=dict)
    model: dict[str, int] = field(default_factory=dict)


def solve_two_provider_cells(
    inputs, cells, cand: pd.DataFrame, cred: pd.DataFrame, time_limit: float
) -> TwoProviderSolution:
    """The fewest candidate NPIs that bring every cell of ``cells`` (``feasibility.CellCapacity`` whose
    standard asks for two providers, and that the whole market makes pass) to its share and count."""
    started = time.perf_counter()
    keys = [(c.county_fips, c.line_code) for c in cells]
    cand_line = cand.line_code.to_numpy() if len(cand) else np.zeros(0, object)
    cred_line = cred.line_code.to_numpy() if len(cred) else np.zeros(0, object)
    credited_npis = {line: set(cred.npi[cred_line == line]) for line in {k[1] for k in keys}}
    units: list[str] = []  # candidate NPIs
    unit_of: dict[str, int] = {}
    pairs_u, pairs_p = [], []  # candidate unit -> open point (global index)
    count_u, count_k = [], []
    point_cell, point_w, point_need = [], [], []
    need_w, gap, now_w, total_w = {}, {}, {}, {}
    for k, (fips, line) in enumerate(keys):
        std = inputs.standards[fips].lines[line]
        pts = inputs.points[(inputs.points.county_fips == fips) & (inputs.points.weight > 0)]
        w = pts.weight.to_numpy(float)
        xyz = to_unit_vectors(pts.lat.to_numpy(float), pts.lon.to_numpy(float))
        chord = chord_for(std, inputs.standards[fips].designation)
        need = np.full(len(w), 2.0)
        rows = np.flatnonzero(cred_line == line)
        if len(rows) and len(w):
            tree = cKDTree(to_unit_vectors(cred.lat.to_numpy(float)[rows], cred.lon.to_numpy(float)[rows]))
            near, _ = tree.query(xyz, k=1)
            need -= near <= chord
            need -= second_straight(xyz, tree, pd.factorize(cred.npi.to_numpy()[rows])[0]) <= chord_to_miles(
                chord
            )
        total = float(w.sum())
        covered = float(w[need <= 0].sum())
        total_w[keys[k]], now_w[keys[k]] = total, covered
        required = cells[k].required_pct - cells[k].credit_points  # credits stay what the network earns
        need_w[keys[k]] = max(0.0, required / 100.0 * total - covered) * (1 + SHARE_SLACK)
        gap[keys[k]] = float(max(0, std.min_count - int(round(cells[k].network_count))))
        crow = np.flatnonzero((cand_line == line) & ~cand.npi.isin(credited_npis[line]).to_numpy())
        open_pts = np.flatnonzero(need > 0)
        if not len(crow) or not len(w):
            continue
        ptree = cKDTree(xyz)
        hits = ptree.query_ball_point(
            to_unit_vectors(cand.lat.to_numpy(float)[crow], cand.lon.to_numpy(float)[crow]), chord
        )
        base = len(point_w)
        local = np.full(len(w), -1, dtype=np.int64)
        local[open_pts] = base + np.arange(len(open_pts))
        point_cell += [k] * len(open_pts)
        point_w += w[open_pts].tolist()
        point_need += need[open_pts].tolist()
        reached: set[int] = set()
        seen: set[tuple[int, int]] = set()
        for npi, h in zip(cand.npi.to_numpy()[crow], hits, strict=True):
            if not h:
                continue
            u = unit_of.setdefault(str(npi), len(units))
            if u == len(units):
                units.append(str(npi))
            reached.add(u)
            for i in h:
                g = int(local[i])
                if g >= 0 and (u, g) not in seen:  # one NPI's several offices reach a point once
                    seen.add((u, g))
                    pairs_u.append(u)
                    pairs_p.append(g)
        for u in sorted(reached):
            count_u.append(u)
            count_k.append(k)
    n_u, n_p, n_k = len(units), len(point_w), len(keys)
    sol = TwoProviderSolution(keys, [], "nothing needed", 0, 0.0, 0, 0.0, [], need_w, gap, now_w, total_w)
    if n_u == 0 or all(need_w[key] <= 0 and gap[key] <= 0 for key in keys):
        sol.seconds = time.perf_counter() - started
        return sol
    cover = csr_matrix((np.ones(len(pairs_u)), (pairs_u, pairs_p)), shape=(n_u, n_p))
    counts = csr_matrix((np.ones(len(count_u)), (count_u, count_k)), shape=(n_u, n_k))
    w_arr, need_arr, cell_arr = np.array(point_w), np.array(point_need), np.array(point_cell, dtype=np.int64)
    # A point fewer candidates reach than it needs can never count: y_i = 0 (a smaller model, the same optimum).
    usable = np.asarray(cover.sum(axis=0)).ravel() >= need_arr
    greedy = _greedy(cover, counts, w_arr, need_arr, cell_arr, usable, keys, need_w, gap)
    sol.greedy_size = len(greedy)
    chosen, status, lb, mip_gap = _milp(
        cover, counts, w_arr, need_arr, cell_arr, usable, keys, need_w, gap, time_limit
    )
    if chosen is None:
        chosen, status, lb = greedy, f"greedy ({status})", 0
    sol.npis = [units[u] for u in _ordered(chosen, cover, counts, w_arr, need_arr, cell_arr, keys, sol)]
    sol.status, sol.lower_bound, sol.mip_gap = status, lb, mip_gap
    sol.model = {"candidates": n_u, "open_points": n_p, "usable_points": int(usable.sum()), "cells": n_k}
    sol.seconds = time.perf_counter() - started
    return sol


def _milp(cover, counts, w, need, cell, usable, keys, need_w, gap, time_limit):
    n_u, n_p = cover.shape
    n_k = len(keys)
    pts = np.flatnonzero(usable)
    sub = cover[:, pts]
    m = len(pts)
    c = np.concatenate([np.ones(n_u), np.zeros(m)])
    # need_i y_i - sum_u cover[u, i] x_u <= 0
    link = hstack([-sub.T, coo_matrix((need[pts], (np.arange(m), np.arange(m))), shape=(m, m))])
    share = csr_matrix((w[pts], (cell[pts], np.arange(m))), shape=(n_k, m))
    share_rows = hstack([csr_matrix((n_k, n_u)), share])
    count_rows = hstack([counts.T, csr_matrix((n_k, m))])
    lo_share = np.array([need_w[key] for key in keys])
    lo_count = np.array([gap[key] for key in keys])
    a = vstack([link, share_rows, count_rows]).tocsr()
    lo = np.concatenate([np.full(m, -np.inf), lo_share, lo_count])
    hi = np.concatenate([np.zeros(m), np.full(2 * n_k, np.inf)])
    res = milp(
        c,
        constraints=[LinearConstraint(a, lo, hi)],
        integrality=np.ones(n_u + m),
        bounds=Bounds(0, 1),
        options={"time_limit": max(1.0, float(time_limit))},
    )
    if res.x is None:
        return None, str(res.message), 0, None
    chosen = [int(u) for u in np.flatnonzero(res.x[:n_u] > 0.5)]
    bound = getattr(res, "mip_dual_bound", None)
    lb = int(np.ceil(bound - 1e-6)) if bound is not None and np.isfinite(bound) else 0
    gap_rel = getattr(res, "mip_gap", None)
    status = "optimal" if res.status == 0 else "time limit (best found)"
    return chosen, status, (len(chosen) if res.status == 0 else lb), gap_rel


def _greedy(cover, counts, w, need, cell, usable, keys, need_w, gap) -> list[int]:
    """Largest normalised progress first: each reached point's weight / its remaining need toward the
    cells' missing share, plus the missing count; until every cell is met or nothing helps."""
    left = np.where(usable, need, 0.0)
    got_w = np.zeros(len(keys))
    got_q = np.zeros(len(keys))
    nw = np.array([need_w[k] for k in keys])
    gq = np.array([gap[k] for k in keys])
    chosen: list[int] = []
    cov, cnt = cover.tocsr(), counts.tocsr()
    while ((got_w + 1e-9 < nw) | (got_q + 1e-9 < gq)).any():
        best, best_gain = -1, 0.0
        for u in range(cover.shape[0]):
            if u in chosen:
                continue
            idx = cov.indices[cov.indptr[u] : cov.indptr[u + 1]]
            idx = idx[left[idx] > 0]
            share_gain = np.bincount(cell[idx], weights=w[idx] / left[idx], minlength=len(keys))
            short = nw - got_w
            gain = float((np.minimum(share_gain, np.maximum(short, 0)) / np.maximum(nw, 1e-12))[nw > 0].sum())
            ks = cnt.indices[cnt.indptr[u] : cnt.indptr[u + 1]]
            gain += float(((got_q[ks] + 1e-9 < gq[ks]) / np.maximum(gq[ks], 1)).sum())
            if gain > best_gain + 1e-12:
                best, best_gain = u, gain
        if best < 0:
            break
        chosen.append(best)
        _sign(best, cov, cnt, w, cell, left, got_w, got_q)
    return chosen


def _sign(u: int, cov: csr_matrix, cnt: csr_matrix, w, cell, left, got_w, got_q) -> None:
    """Candidate u signs: each point it reaches needs one provider less, a point whose last one it was adds
    its weight to its cell, and every cell it reaches counts one more provider (arrays updated in place)."""
    idx = cov.indices[cov.indptr[u] : cov.indptr[u + 1]]
    idx = idx[left[idx] > 0]
    done = idx[left[idx] == 1]
    np.add.at(got_w, cell[done], w[done])
    left[idx] -= 1
    got_q[cnt.indices[cnt.indptr[u] : cnt.indptr[u + 1]]] += 1


def _ordered(chosen, cover, counts, w, need, cell, keys, sol: TwoProviderSolution) -> list[int]:
    """The chosen units in priority order (most weight brought to its need first), with each cell's
    cumulative progress after each one (``sol.progress``)."""
    left = need.copy()
    cov, cnt = cover.tocsr(), counts.tocsr()
    got_w, got_q = np.zeros(len(keys)), np.zeros(len(keys))
    rest, out = list(chosen), []
    while rest:

        def brought(u: int) -> float:
            idx = cov.indices[cov.indptr[u] : cov.indptr[u + 1]]
            return float((w[idx] / np.maximum(left[idx], 1))[left[idx] > 0].sum())

        u = max(rest, key=lambda v: (brought(v), -v))
        rest.remove(u)
        out.append(u)
        _sign(u, cov, cnt, w, cell, left, got_w, got_q)
        sol.progress.append({keys[k]: (float(got_w[k]), float(got_q[k])) for k in range(len(keys))})
    return out
