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
    # Candidate units: one per NPI over the whole study (one NPI's offices are one provider).
    unit_code, units = pd.factorize(cand.npi.astype(str)) if len(cand) else (np.zeros(0, np.int64), [])
    cand_xyz = to_unit_vectors(cand.lat.to_numpy(float), cand.lon.to_numpy(float)) if len(cand) else None
    network: dict[str, tuple[cKDTree | None, np.ndarray, np.ndarray]] = {}  # per line, built once
    for line in dict.fromkeys(k[1] for k in keys):
        rows = np.flatnonzero(cred_line == line)
        tree = (
            cKDTree(to_unit_vectors(cred.lat.to_numpy(float)[rows], cred.lon.to_numpy(float)[rows]))
            if len(rows)
            else None
        )
        npi = pd.factorize(cred.npi.to_numpy()[rows])[0]
        # A candidate NPI already credited in the line is not a new provider: left out.
        crow = np.flatnonzero((cand_line == line) & ~cand.npi.isin(set(cred.npi[rows])).to_numpy())
        network[line] = (tree, npi, crow)
    pairs_u, pairs_p, count_u, count_k = [], [], [], []
    point_cell, point_w, point_need = [], [], []
    need_w, gap, now_w, total_w = {}, {}, {}, {}
    n_p = 0
    for k, (fips, line) in enumerate(keys):
        std = inputs.standards[fips].lines[line]
        pts = inputs.points[(inputs.points.county_fips == fips) & (inputs.points.weight > 0)]
        w = pts.weight.to_numpy(float)
        xyz = to_unit_vectors(pts.lat.to_numpy(float), pts.lon.to_numpy(float))
        chord = chord_for(std, inputs.standards[fips].designation)
        tree, npi, crow = network[line]
        need = np.full(len(w), 2.0)
        if tree is not None and len(w):
            near, _ = tree.query(xyz, k=1)
            need -= near <= chord
            need -= second_straight(xyz, tree, npi) <= chord_to_miles(chord)
        total = float(w.sum())
        covered = float(w[need <= 0].sum())
        total_w[keys[k]], now_w[keys[k]] = total, covered
        required = cells[k].required_pct - cells[k].credit_points  # credits stay what the network earns
        need_w[keys[k]] = max(0.0, required / 100.0 * total - covered) * (1 + SHARE_SLACK)
        gap[keys[k]] = float(max(0, std.min_count - int(round(cells[k].network_count))))
        open_pts = np.flatnonzero(need > 0)
        local = np.full(len(w), -1, dtype=np.int64)
        local[open_pts] = n_p + np.arange(len(open_pts))
        point_cell.append(np.full(len(open_pts), k, dtype=np.int64))
        point_w.append(w[open_pts])
        point_need.append(need[open_pts])
        n_p += len(open_pts)
        if not len(crow) or not len(w):
            continue
        hits = cKDTree(xyz).query_ball_point(cand_xyz[crow], chord)
        sizes = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
        reaching = unit_code[np.repeat(crow, sizes)]
        point = np.fromiter((i for h in hits for i in h), dtype=np.int64, count=int(sizes.sum()))
        count_u.append(np.unique(reaching))  # every unit within reach of one of the county's points counts
        count_k.append(np.full(len(count_u[-1]), k, dtype=np.int64))
        g = local[point]
        keep = g >= 0
        # One NPI's several offices reach a point once.
        pair = np.unique(reaching[keep] * max(n_p, 1) + g[keep])
        pairs_u.append(pair // max(n_p, 1))
        pairs_p.append(pair % max(n_p, 1))
    n_k = len(keys)
    sol = TwoProviderSolution(keys, [], "nothing needed", 0, 0.0, 0, 0.0, [], need_w, gap, now_w, total_w)
    cat = lambda parts, dtype=np.int64: np.concatenate(parts) if parts else np.zeros(0, dtype)  # noqa: E731
    pu, pp, cu, ck = cat(pairs_u), cat(pairs_p), cat(count_u), cat(count_k)
    # Only units that reach something are variables (the market's other NPIs change nothing).
    used, inverse = np.unique(np.concatenate([pu, cu]), return_inverse=True)
    if not len(used) or all(need_w[key] <= 0 and gap[key] <= 0 for key in keys):
        sol.seconds = time.perf_counter() - started
        return sol
    n_u = len(used)
    cover = csr_matrix((np.ones(len(pu)), (inverse[: len(pu)], pp)), shape=(n_u, n_p))
    counts = csr_matrix((np.ones(len(cu)), (inverse[len(pu) :], ck)), shape=(n_u, n_k))
    w_arr, need_arr, cell_arr = cat(point_w, float), cat(point_need, float), cat(point_cell)
    # A point fewer candidates reach than it needs can never count: y_i = 0 (a smaller model, the same optimum).
    usable = np.asarray(cover.sum(axis=0)).ravel() >= need_arr
    nw = np.array([need_w[key] for key in keys])
    gq = np.array([gap[key] for key in keys])
    greedy = _prune(_greedy(cover, counts, w_arr, need_arr, cell_arr, usable, nw, gq), cover, counts, w_arr,
                    need_arr, cell_arr, nw, gq)  # fmt: skip
    sol.greedy_size = len(greedy)
    left_s = max(1.0, time_limit - (time.perf_counter() - started))
    chosen, status, lb, mip_gap = _milp(cover, counts, w_arr, need_arr, cell_arr, usable, nw, gq, left_s)
    if chosen is None:
        chosen, status = greedy, f"greedy ({status})"
    elif len(greedy) < len(chosen):  # HiGHS stopped on a worse set than the greedy's: keep the better one
        chosen, status = greedy, f"greedy (smaller than HiGHS's best in the time limit; {status})"
    units_used = [str(units[u]) for u in used]
    sol.npis = [units_used[u] for u in _ordered(chosen, cover, counts, w_arr, need_arr, cell_arr, keys, sol)]
    sol.status, sol.lower_bound, sol.mip_gap = status, lb, mip_gap
    sol.model = {"candidates": n_u, "open_points": n_p, "usable_points": int(usable.sum()), "cells": n_k}
    sol.seconds = time.perf_counter() - started
    return sol


def _milp(cover, counts, w, need, cell, usable, nw, gq, time_limit):
    n_u, n_p = cover.shape
    n_k = len(nw)
    pts = np.flatnonzero(usable)
    sub = cover[:, pts]
    m = len(pts)
    c = np.concatenate([np.ones(n_u), np.zeros(m)])
    # need_i y_i - sum_u cover[u, i] x_u <= 0
    link = hstack([-sub.T, coo_matrix((need[pts], (np.arange(m), np.arange(m))), shape=(m, m))])
    share = csr_matrix((w[pts], (cell[pts], np.arange(m))), shape=(n_k, m))
    share_rows = hstack([csr_matrix((n_k, n_u)), share])
    count_rows = hstack([counts.T, csr_matrix((n_k, m))])
    a = vstack([link, share_rows, count_rows]).tocsr()
    lo = np.concatenate([np.full(m, -np.inf), nw, gq])
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


def _greedy(cover, counts, w, need, cell, usable, nw, gq) -> list[int]:
    """Largest normalised progress first: each reached point's weight / its remaining need toward its cell's
    missing share (capped at what the cell still misses), plus the missing count; until every cell is met
    or nothing helps. Every unit's gain is one sparse product per pick (units x cells)."""
    n_u, n_k = cover.shape[0], len(nw)
    left = np.where(usable, need, 0.0)
    got_w, got_q = np.zeros(n_k), np.zeros(n_k)
    cov, cnt = cover.tocsr(), counts.tocsr()
    to_cell = csr_matrix((np.ones(len(cell)), (np.arange(len(cell)), cell)), shape=(len(cell), n_k))
    taken = np.zeros(n_u, dtype=bool)
    chosen: list[int] = []
    while ((got_w + 1e-9 < nw) | (got_q + 1e-9 < gq)).any():
        value = np.where(left > 0, w / np.maximum(left, 1.0), 0.0)
        per = (
            cov @ csr_matrix(to_cell.multiply(value[:, None]))
        ).tocoo()  # units x cells: weight toward need
        short = np.maximum(nw - got_w, 0.0)
        ok = nw[per.col] > 0
        gains = np.bincount(
            per.row[ok], weights=np.minimum(per.data[ok], short[per.col[ok]]) / nw[per.col[ok]], minlength=n_u
        )
        c = cnt.tocoo()
        open_count = (got_q + 1e-9 < gq)[c.col]
        gains += np.bincount(
            c.row[open_count], weights=1.0 / np.maximum(gq[c.col[open_count]], 1), minlength=n_u
        )
        gains[taken] = -1.0
        best = int(np.argmax(gains))
        if gains[best] <= 1e-12:
            break  # nothing left helps
        chosen.append(best)
        taken[best] = True
        _sign(best, cov, cnt, w, cell, left, got_w, got_q)
    return chosen


def _prune(chosen: list[int], cover, counts, w, need, cell, nw, gq) -> list[int]:
    """Drop picks the others make redundant (latest first: the greedy's early picks carry the most), keeping
    every cell's share and count met."""
    cov, cnt = cover.tocsr(), counts.tocsr()
    n_k = len(nw)
    mult = np.zeros(cover.shape[1], dtype=np.int64)  # chosen units reaching each point
    for u in chosen:
        mult[cov.indices[cov.indptr[u] : cov.indptr[u + 1]]] += 1
    met = mult >= need
    got_w = np.bincount(cell[met], weights=w[met], minlength=n_k)
    got_q = np.asarray(cnt[chosen].sum(axis=0)).ravel() if chosen else np.zeros(n_k)
    keep = list(chosen)
    for u in reversed(chosen):
        idx = cov.indices[cov.indptr[u] : cov.indptr[u + 1]]
        lost = idx[mult[idx] == need[idx]]  # points that count only while u is signed
        loss = np.bincount(cell[lost], weights=w[lost], minlength=n_k)
        ks = cnt.indices[cnt.indptr[u] : cnt.indptr[u + 1]]
        short_w = (got_w - loss + 1e-9 * np.maximum(nw, 1) < nw) & (loss > 0)
        short_q = got_q[ks] - 1 + 1e-9 < gq[ks]
        if short_w.any() or short_q.any():
            continue
        keep.remove(u)
        mult[idx] -= 1
        got_w -= loss
        got_q[ks] -= 1
    return keep


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
