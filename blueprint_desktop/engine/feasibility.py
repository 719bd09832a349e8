"""Feasibility study: could a network here pass at all, and with whom? (42 CFR 422.116, no roster needed)

For a service area with no roster, or a partial one, the study answers three questions from the market
(uncontracted providers: the NPPES import, plus roster rows without an executed contract) and the plan's
credited network, if any (``credited.credited_mask``: counted as already signed):

1. **Market capacity** per county x line: the same engine run (``scoring.compute_results``) twice, once on
   the network as it is and once as if every market provider had signed (``ScoringInputs.extra_credited``).
   The second run gives the best share within time and distance any network could reach (42 CFR
   422.116(d)), the best credited count or beds against the minimum (422.116(e); beds for 040, HSD
   Reference File Notes) and the market providers and beds within reach (422.116(a)(2)(i)).
2. **Infeasible cells**: cells that fail even with the whole market signed, with the reason (share short,
   count short, or both) and the exception viability of 42 CFR 422.116(f) (``exceptions.viability``): the
   exception candidates from day one.
3. **The smallest recruit set for the whole service area**: one integer programme over every cell that
   fails today but passes with the market. One provider counts in several counties (and, when it
   practises several specialties, several lines), so the cells are solved together, not one by one.

The recruit-set model (docs/feasibility.md has the formulation). For each target cell k: the population
points not within standard today, the weight ``need_k`` still missing to the required share (credits
included: the telehealth and Certificate of Need credits of 422.116(d) stay what the network earns today)
and the count ``gap_k`` still missing to the minimum. Binary x_u per candidate NPI, y_i per open point:

    minimise   sum_u x_u
    subject to y_i <= sum_{u reaches i} x_u          (point i within standard once one of them signs)
               sum_i w_i y_i >= need_k               (every target cell: the share, 422.116(d)(4))
               sum_u q_uk x_u >= gap_k               (every target cell: the minimum, 422.116(e);
                                                      q = 1 per NPI within reach of one of its points,
                                                      or the beds of its locations within reach for 040)

Two exact reductions keep it small: points of one cell reached by the same candidates become one point
class (weights summed), and candidates that reach the same classes and count in the same cells with the
same q become one group with an integer x_g in [0, group size] (any member may stand in for another).
The study builds them a chunk of cells at a time (``_Reducer``): the state's reach pairs are never held at
once (docs/feasibility.md, "Built a chunk at a time"). ``time_limit`` holds for the whole recruit-set
phase: the greedy, the bounds and the pruning count against it, the solver gets what is left.
Solved with ``scipy.optimize.milp`` (HiGHS) under a time limit; the answer states HiGHS's MIP gap, the
proven lower bound on the number of providers, and the size of the greedy solution (largest deficit
reduction first, lazy evaluation: valid because the deficit is a sum of truncated coverage functions,
which are submodular) as an upper bound. The chosen set is then re-scored by the engine itself with
those providers assumed signed, and the study says how many target cells pass in that re-score.

Straight-line reach only (``travel_time.reach_miles``): a feasibility study is made before any road
network is imported, and its numbers say so.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix, vstack
from scipy.spatial import cKDTree

from blueprint_desktop.engine.candidate_reach import chord_for
from blueprint_desktop.engine.credited import candidate_mask
from blueprint_desktop.engine.rollup import EPS
from blueprint_desktop.engine.two_provider_set import TwoProviderSolution, solve_two_provider_cells
from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.geo.distance import to_unit_vectors
from blueprint_desktop.progress import Progress
from blueprint_desktop.rules.citations import cite
from blueprint_desktop.rules.standard_words import limits_text, people

DEFAULT_TIME_LIMIT_S = 60.0
PASSING = ("Pass", "At Risk")
# A share row asks for this much more than the exact need (relative), so HiGHS's feasibility tolerance
# (1e-6 on a row scaled to 1) can never accept a set the engine's re-score would fail by a rounding.
SHARE_SLACK = 2e-6
# The reach pairs are built and reduced this many population points at a time (whole cells): at state size
# a chunk holds a few million pairs, so the pairs never cost more than a few hundred MB at once.
CHUNK_POINTS = 1000
# Outcomes of a cell.
PASSES_NOW, RECRUIT, INFEASIBLE = "passes now", "recruit", "infeasible"


# -- the pure solver: a service-area cover problem -----------------------------------------------------
@dataclass
class CoverProblem:
    """The recruit-set model on arrays (one row per open point, per pair; see the module doc).

    ``need_w[k]``: weight still needed in cell k (<= 0: the share is met); ``gap[k]``: count or beds still
    needed (<= 0: met). Open points: ``point_cell``/``point_w``. ``cover_unit``/``cover_point``: candidate
    u brings open point i within standard. ``count_unit``/``count_cell``/``count_q``: candidate u adds q to
    cell k's count (one pair per unit and cell).
    """

    n_units: int
    need_w: np.ndarray
    gap: np.ndarray
    point_cell: np.ndarray
    point_w: np.ndarray
    cover_unit: np.ndarray
    cover_point: np.ndarray
    count_unit: np.ndarray
    count_cell: np.ndarray
    count_q: np.ndarray
    preference: np.ndarray | None = None  # per unit, higher first among interchangeable candidates

    @property
    def n_cells(self) -> int:
        return len(self.need_w)


@dataclass
class CoverSolution:
    """Which candidates to sign (unit indices in priority order) and how sure we are it is the fewest."""

    chosen: list[int]
    status: str  # "optimal", "time limit (best found)", "greedy (HiGHS found none in time)", "nothing needed"
    lower_bound: int  # proven: no set smaller than this passes every target cell
    mip_gap: float | None  # HiGHS's relative gap on its objective (None: HiGHS gave no solution)
    greedy_size: int  # the greedy solution's size: an upper bound found without the solver
    greedy_chosen: list[int]
    seconds: float
    cells_unmet: list[int]  # target cells the market cannot close in this model (should be none)
    model: dict[str, int] = field(default_factory=dict)  # sizes after the reductions
    alternatives: list[int] = field(default_factory=list)  # per chosen unit: others of its group


def _distinct(a: np.ndarray) -> np.ndarray:
    """``np.unique(a)`` by sorting: numpy 2.4's hash-based unique took 27 s on 11.7 million int64 keys
    (a state's reach pairs) where a sort takes 1.4 s."""
    a = np.sort(np.asarray(a), kind="stable")
    if len(a) < 2:
        return a
    keep = np.empty(len(a), dtype=bool)
    keep[0] = True
    np.not_equal(a[1:], a[:-1], out=keep[1:])
    return a[keep]


def _rand64(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(1, 2**63 - 1, size=n, dtype=np.int64).astype(np.uint64)


def _group_sum(keys: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Sum of uint64 ``values`` per key in 0..n-1, wrapping (a set hash: order-free)."""
    out = np.zeros(n, dtype=np.uint64)
    if len(keys):
        np.add.at(out, keys, values)
    return out


@dataclass
class _Reduced:
    """The problem after the exact reductions (point classes, candidate groups)."""

    class_cell: np.ndarray
    class_w: np.ndarray
    group_of_unit: np.ndarray  # unit -> group (-1: reaches nothing that matters)
    members: list[np.ndarray]  # group -> units, preferred first
    gcover: csr_matrix  # groups x classes
    gcount: csr_matrix  # groups x cells (q)
    cells: np.ndarray  # cells with something to close
    gweight: csr_matrix  # groups x cells: the open weight each group reaches there


class _Reducer:
    """The exact reductions of ``_reduce``, fed one block of cells at a time (the study feeds one line's
    reach pairs, then frees them: memory is bounded by the largest line, not the state).

    A block's points are points of cells no other block has, and blocks come in the problem's point order,
    so the point classes are numbered exactly as one pass over the whole problem would number them. Each
    block keeps only its (unit, class) pairs, int32; the candidate groups need every line's pairs (one NPI
    counts in several lines), so they are formed in ``finish``."""

    def __init__(self, n_units: int) -> None:
        self.n_units = n_units
        self.unit_hash = _rand64(n_units, 17)
        self.n_cls = 0
        self.class_cell: list[np.ndarray] = []
        self.class_w: list[np.ndarray] = []
        # Per block: its units (sorted, int32), how many classes each reaches, those classes (int32, in the
        # block's numbering) and the block's class offset: 4 bytes a pair.
        self.pairs: list[tuple[np.ndarray, np.ndarray, np.ndarray, int]] = []

    def add(self, point_cell, point_w, need_share, cover_unit, cover_point) -> None:
        """One block: its open points (cell, weight, whether the cell's share is short) and its reach pairs
        (candidate, point index within the block)."""
        keep_pt = need_share
        n_pts = len(point_w)
        if len(cover_point):
            pair_ok = keep_pt[cover_point]
            cu, cp = (
                (cover_unit, cover_point) if pair_ok.all() else (cover_unit[pair_ok], cover_point[pair_ok])
            )
            del pair_ok
        else:
            cu, cp = np.zeros(0, np.int32), np.zeros(0, np.int32)
        # Point classes: same cell, same set of candidates reaching it (a hash of the set, and its size).
        h = _group_sum(cp, self.unit_hash[cu], n_pts)
        size = np.bincount(cp, minlength=n_pts)
        pts = np.flatnonzero((size > 0) & keep_pt)
        key = pd.MultiIndex.from_arrays([point_cell[pts], h[pts].view(np.int64), size[pts]])
        cls_codes, _ = pd.factorize(key)
        class_of_point = np.full(n_pts, -1, dtype=np.int64)
        class_of_point[pts] = cls_codes
        n_cls = int(cls_codes.max()) + 1 if len(cls_codes) else 0
        class_cell = np.zeros(n_cls, dtype=np.int64)
        class_cell[cls_codes] = point_cell[pts]
        self.class_w.append(np.bincount(cls_codes, weights=point_w[pts], minlength=n_cls))
        self.class_cell.append(class_cell)
        # Unit -> class pairs (unique), sorted by unit then class.
        key1 = _distinct(cu.astype(np.int64) * max(n_cls, 1) + class_of_point[cp])
        del cu, cp, class_of_point
        uu, cnt = _runs(key1 // max(n_cls, 1))
        self.pairs.append(
            (uu.astype(np.int32), cnt.astype(np.int32), (key1 % max(n_cls, 1)).astype(np.int32), self.n_cls)
        )
        self.n_cls += n_cls

    def finish(self, p: CoverProblem) -> _Reduced:
        """Groups, and the groups x classes cover matrix built straight into CSR (the blocks' pairs are
        freed one by one as they are copied in)."""
        n_u, n_cls = self.n_units, self.n_cls
        need_share = p.need_w > EPS
        need_count = p.gap > EPS
        class_w = np.concatenate(self.class_w) if self.class_w else np.zeros(0)
        class_cell = np.concatenate(self.class_cell) if self.class_cell else np.zeros(0, np.int64)
        # Count pairs of cells whose count is short.
        ok = need_count[p.count_cell] & (p.count_q > 0) if len(p.count_cell) else np.zeros(0, bool)
        ku, kc, kq = p.count_unit[ok], p.count_cell[ok], p.count_q[ok]
        # Candidate groups: the same classes, the same (cell, q) counts (set hashes: sums, order-free).
        class_hash = _rand64(max(n_cls, 1), 29)
        sig = np.zeros(n_u, dtype=np.uint64)
        n_cov = np.zeros(n_u, dtype=np.int64)
        for uu, cnt, c, off in self.pairs:
            for u, lo, hi in _slices(uu, cnt):
                np.add.at(sig, u, class_hash[c[lo:hi].astype(np.int64) + off])
            np.add.at(n_cov, uu, cnt)
        del class_hash
        cell_hash = _rand64(max(p.n_cells, 1), 31)
        q_bits = np.round(kq * 1000).astype(np.int64).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        sig2 = _group_sum(ku, cell_hash[kc] ^ q_bits, n_u)
        n_cnt = np.bincount(ku, minlength=n_u)
        units = np.flatnonzero((n_cov > 0) | (n_cnt > 0))
        gkey = pd.MultiIndex.from_arrays(
            [sig[units].view(np.int64), sig2[units].view(np.int64), n_cov[units], n_cnt[units]]
        )
        g_codes, _ = pd.factorize(gkey)
        del gkey, sig, sig2
        group_of_unit = np.full(n_u, -1, dtype=np.int64)
        group_of_unit[units] = g_codes
        n_g = int(g_codes.max()) + 1 if len(g_codes) else 0
        pref = p.preference if p.preference is not None else np.zeros(n_u)
        order = np.lexsort((units, -pref[units], g_codes))
        bounds = np.searchsorted(g_codes[order], np.arange(n_g + 1))
        members = [units[order[bounds[g] : bounds[g + 1]]] for g in range(n_g)]
        rep = np.array([m[0] for m in members], dtype=np.int64)  # one unit stands for its group
        rep_pos = np.full(n_u, -1, dtype=np.int64)
        rep_pos[rep] = np.arange(n_g)
        # groups x classes, CSR straight from the blocks: a row's classes are one run of its unit's pairs
        # per block (sorted), and blocks come in class order, so the indices come out sorted.
        row_len = np.zeros(n_g, dtype=np.int64)
        for uu, cnt, _c, _off in self.pairs:
            rows = rep_pos[uu]
            np.add.at(row_len, rows[rows >= 0], cnt[rows >= 0])
        indptr = np.zeros(n_g + 1, dtype=np.int64)
        np.cumsum(row_len, out=indptr[1:])
        nnz = int(indptr[-1])
        idx_t = np.int32 if max(nnz, n_cls) < 2**31 - 1 else np.int64
        indices = np.empty(nnz, dtype=idx_t)
        fill = indptr[:-1].copy()
        self.pairs.reverse()
        while self.pairs:
            uu, cnt, c, off = self.pairs.pop()
            rows = rep_pos[uu]
            sel = np.flatnonzero(rows >= 0)  # the representatives: each one run of classes, in order
            if len(sel):
                n = cnt[sel].astype(np.int64)
                within = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
                first = np.cumsum(cnt, dtype=np.int64) - cnt
                indices[np.repeat(fill[rows[sel]], n) + within] = c[np.repeat(first[sel], n) + within] + off
                fill[rows[sel]] += n
                del n, within, first
            del uu, cnt, c, rows, sel
        # float32 ones: only the pattern matters, and at state size it has tens of millions of entries.
        gcover = csr_matrix(
            (np.ones(nnz, dtype=np.float32), indices, indptr.astype(idx_t)), shape=(n_g, n_cls)
        )
        sel = rep_pos[ku] >= 0
        gcount = csr_matrix((kq[sel], (rep_pos[ku[sel]], kc[sel])), shape=(n_g, p.n_cells))
        cells = np.flatnonzero(need_share | need_count)
        # Weight each group brings to each cell (groups x cells), for the bounds and the first greedy gains.
        to_cell = csr_matrix((class_w, (np.arange(n_cls), class_cell)), shape=(n_cls, p.n_cells))
        # By row blocks of a few million entries: the product upcasts the float32 pattern to float64, and
        # row by row it is the same sums in the same order.
        pieces, lo = [], 0
        while lo < n_g or not pieces:
            hi = max(lo + 1, int(np.searchsorted(indptr, indptr[lo] + 4_000_000, side="right")) - 1)
            hi = min(hi, n_g)
            pieces.append((gcover[lo:hi] @ to_cell).tocsr())
            lo = hi
        gweight = vstack(pieces, format="csr") if len(pieces) > 1 else pieces[0]
        return _Reduced(class_cell, class_w, group_of_unit, members, gcover, gcount, cells, gweight)


def _runs(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct value, run length) of a sorted array."""
    if not len(sorted_keys):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    start = np.flatnonzero(np.concatenate([[True], sorted_keys[1:] != sorted_keys[:-1]]))
    return sorted_keys[start], np.diff(np.append(start, len(sorted_keys)))


def _slices(uu: np.ndarray, cnt: np.ndarray, size: int = 4_000_000):
    """(unit per pair, first pair, end) over a block's pairs, a few million pairs at a time."""
    ends = np.cumsum(cnt, dtype=np.int64)
    lo_u = 0
    while lo_u < len(uu):
        lo = int(ends[lo_u - 1]) if lo_u else 0
        hi_u = max(lo_u + 1, int(np.searchsorted(ends, lo + size, side="right")))
        hi = int(ends[hi_u - 1])
        yield np.repeat(uu[lo_u:hi_u], cnt[lo_u:hi_u]), lo, hi
        lo_u = hi_u


def _reduce(p: CoverProblem) -> _Reduced:
    """The exact reductions on a whole problem (one block)."""
    red = _Reducer(p.n_units)
    red.add(p.point_cell, p.point_w, (p.need_w > EPS)[p.point_cell], p.cover_unit, p.cover_point)
    return red.finish(p)


class _Deficit:
    """The greedy's state: weight and count still missing per cell, and which classes are covered."""

    def __init__(self, p: CoverProblem, r: _Reduced) -> None:
        self.need = np.maximum(p.need_w, 0.0)
        self.gap = np.maximum(p.gap, 0.0)
        self.got_w = np.zeros(p.n_cells)
        self.got_q = np.zeros(p.n_cells)
        self.covered = np.zeros(len(r.class_w), dtype=bool)
        self.r = r
        self.n_cells = p.n_cells
        # Rows still short, kept up to date by ``take`` (testing every cell per pick cost seconds).
        self.left = int(
            (~self._share_met(np.arange(p.n_cells))).sum() + (~self._count_met(np.arange(p.n_cells))).sum()
        )

    def _share_met(self, cells: np.ndarray) -> np.ndarray:
        return self.got_w[cells] + 1e-9 * np.maximum(self.need[cells], 1) >= self.need[cells]

    def _count_met(self, cells: np.ndarray) -> np.ndarray:
        return self.got_q[cells] + 1e-9 >= self.gap[cells]

    def alone(self) -> np.ndarray:
        """Every group's gain with nothing signed yet (vectorised: the same as ``gain`` at the start)."""
        r = self.r
        out = np.zeros(len(r.members))
        for m, target in ((r.gweight, self.need), (r.gcount, self.gap)):
            coo = m.tocoo()
            t = target[coo.col]
            ok = t > 0
            np.add.at(out, coo.row[ok], np.minimum(coo.data[ok], t[ok]) / t[ok])
        return out

    def gain(self, g: int) -> float:
        """How much signing one member of group g reduces the normalised deficit (sum over cells)."""
        r = self.r
        cls = r.gcover.indices[r.gcover.indptr[g] : r.gcover.indptr[g + 1]]
        total = 0.0
        if len(cls):
            new = cls[~self.covered[cls]]
            if len(new):
                # Per cell touched (a few), not per cell of the problem (thousands at state size).
                cells, inv = np.unique(r.class_cell[new], return_inverse=True)
                add = np.bincount(inv.ravel(), weights=r.class_w[new])
                need = self.need[cells]
                ok = need > 0
                before = np.minimum(self.got_w[cells], need)
                after = np.minimum(self.got_w[cells] + add, need)
                total += float(((after - before)[ok] / need[ok]).sum())
        lo, hi = r.gcount.indptr[g], r.gcount.indptr[g + 1]
        if hi > lo:
            cells, q = r.gcount.indices[lo:hi], r.gcount.data[lo:hi]
            gap = self.gap[cells]
            ok = gap > 0
            before = np.minimum(self.got_q[cells], gap)
            after = np.minimum(self.got_q[cells] + q, gap)
            total += float(((after - before)[ok] / gap[ok]).sum())
        return total

    def take(self, g: int) -> None:
        r = self.r
        cls = r.gcover.indices[r.gcover.indptr[g] : r.gcover.indptr[g + 1]]
        new = cls[~self.covered[cls]]
        touched = _distinct(r.class_cell[new])
        before = self._share_met(touched)
        np.add.at(self.got_w, r.class_cell[new], r.class_w[new])
        self.left -= int((self._share_met(touched) & ~before).sum())
        self.covered[new] = True
        lo, hi = r.gcount.indptr[g], r.gcount.indptr[g + 1]
        touched = r.gcount.indices[lo:hi]
        before = self._count_met(touched)
        np.add.at(self.got_q, touched, r.gcount.data[lo:hi])
        self.left -= int((self._count_met(touched) & ~before).sum())

    def met(self) -> bool:
        return self.left <= 0


def _greedy(p: CoverProblem, r: _Reduced, available: np.ndarray) -> list[int]:
    """Lazy greedy over groups (each pick one member; ``available[g]`` members at most): the group whose
    next member reduces the normalised deficit most, until every cell is met or nothing helps."""
    state = _Deficit(p, r)
    used = np.zeros(len(r.members), dtype=np.int64)
    first = state.alone()
    heap = [(-float(first[g]), g) for g in np.flatnonzero(available > 0).tolist()]
    heapq.heapify(heap)
    picks: list[int] = []
    while heap and not state.met():
        neg, g = heapq.heappop(heap)
        fresh = state.gain(g)
        if heap and fresh + 1e-12 < -heap[0][0]:
            heapq.heappush(heap, (-fresh, g))  # stale: a better one may be waiting
            continue
        if fresh <= 1e-12:
            break  # nothing left reduces the deficit
        state.take(g)
        used[g] += 1
        picks.append(g)
        if used[g] < available[g]:
            heapq.heappush(heap, (-state.gain(g), g))
    return picks


def _expand(r: _Reduced, picks: Sequence[int]) -> list[int]:
    """Group picks -> unit indices: the k-th pick of a group is its k-th preferred member."""
    used: dict[int, int] = {}
    out = []
    for g in picks:
        k = used.get(g, 0)
        out.append(int(r.members[g][k]))
        used[g] = k + 1
    return out


def _components(r: _Reduced, n_cells: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(cells, groups) of each independent part: cells linked by a group that reaches or counts in both.

    No candidate spans two parts, so each part's fewest set is found on its own and the sizes add up;
    a state's specialties practised by different providers are separate parts, and so are counties too far
    apart to share anyone."""
    from scipy.sparse.csgraph import connected_components

    n_g, n_cls = len(r.members), len(r.class_w)
    # The group x cell pattern (a few entries per group), not one entry per (group, class) pair: at state
    # size the latter is tens of millions of entries, and the graph only needs which cells a group touches.
    to_cell = csr_matrix(
        (np.ones(n_cls, dtype=np.float32), (np.arange(n_cls), r.class_cell)), shape=(n_cls, n_cells)
    )
    cov = (r.gcover @ to_cell).tocoo()
    cnt = r.gcount.tocoo()
    g_idx = np.concatenate([cov.row, cnt.row])
    k_idx = np.concatenate([cov.col, cnt.col])
    del cov, cnt
    graph = csr_matrix((np.ones(len(g_idx)), (g_idx, n_g + k_idx)), shape=(n_g + n_cells, n_g + n_cells))
    _n, label = connected_components(graph, directed=False)
    cell_label = label[n_g:][r.cells]
    out = []
    for lab in np.unique(cell_label):
        cells = r.cells[cell_label == lab]
        groups = np.flatnonzero(label[:n_g] == lab)
        out.append((cells, groups))
    return out


def _cell_bounds(r: _Reduced, cells: np.ndarray, groups: np.ndarray, need, gap, sizes) -> int:
    """A lower bound on one part's size without the solver: the most any one of its cells needs on its
    own (its share from the groups reaching the most weight there, one member each since members reach
    the same people; its count from the members with the most to add), and the sum of such needs over
    cells that share no candidate (no provider can serve two of them)."""
    wc = r.gweight[groups].tocsc()
    qc = r.gcount[groups].tocsc()
    per_cell: dict[int, int] = {}
    reach: dict[int, np.ndarray] = {}
    for k in cells.tolist():
        t_k = 0
        rows_w = wc.indices[wc.indptr[k] : wc.indptr[k + 1]]
        rows_q = qc.indices[qc.indptr[k] : qc.indptr[k + 1]]
        if need[k] > EPS:
            vals = np.sort(wc.data[wc.indptr[k] : wc.indptr[k + 1]])[::-1]
            t_k = max(t_k, min(int(np.searchsorted(np.cumsum(vals), need[k] * (1 - 1e-9))) + 1, len(vals)))
        if gap[k] > EPS:
            vals = np.repeat(qc.data[qc.indptr[k] : qc.indptr[k + 1]], sizes[groups[rows_q]])
            vals = np.sort(vals)[::-1]
            t_k = max(t_k, min(int(np.searchsorted(np.cumsum(vals), gap[k] - 1e-9)) + 1, len(vals)))
        per_cell[k] = t_k
        reach[k] = np.union1d(rows_w, rows_q)
    best, packed = 0, 0
    used = np.zeros(len(groups), dtype=bool)
    for k in sorted(per_cell, key=lambda k: -per_cell[k]):
        best = max(best, per_cell[k])
        if not used[reach[k]].any():
            packed += per_cell[k]
            used[reach[k]] = True
    return max(best, packed)


def _relaxed_bound(
    r: _Reduced, cells: np.ndarray, groups: np.ndarray, need, gap, sizes, time_limit: float | None = None
) -> int:
    """A lower bound from a small linear programme over one part: choose x_g members of each group and
    s_g <= min(1, x_g) of its reach, so that every cell's share row holds with each group's weight counted
    in full (sum_g W_gk s_g >= need_k: the weight people reached really is at most that sum) and every
    count row holds. Every real solution is a solution of it, so ceil(its optimum) bounds the fewest."""
    from scipy.optimize import linprog

    n = len(groups)
    share_cells = [int(k) for k in cells if need[k] > EPS]
    count_cells = [int(k) for k in cells if gap[k] > EPS]
    blocks, rhs = [], []
    if share_cells:
        w = r.gweight[groups][:, share_cells].T.tocsr()
        w = csr_matrix(w.multiply(1.0 / need[share_cells][:, None]))
        blocks.append(csr_matrix((-w.data, w.indices + n, w.indptr), shape=(len(share_cells), 2 * n)))
        rhs.append(-np.ones(len(share_cells)))
    if count_cells:
        q = r.gcount[groups][:, count_cells].T.tocsr()
        q = csr_matrix(q.multiply(1.0 / gap[count_cells][:, None]))
        blocks.append(csr_matrix((-q.data, q.indices, q.indptr), shape=(len(count_cells), 2 * n)))
        rhs.append(-np.ones(len(count_cells)))
    if not blocks:
        return 0
    from scipy.sparse import eye, hstack, vstack

    link = hstack([-eye(n), eye(n)]).tocsr()  # s_g - x_g <= 0
    a_ub = vstack(blocks + [link]).tocsr()
    b_ub = np.concatenate(rhs + [np.zeros(n)])
    bounds = [(0.0, float(v)) for v in sizes[groups]] + [(0.0, 1.0)] * n
    res = linprog(
        np.concatenate([np.ones(n), np.zeros(n)]),
        A_ub=a_ub,
        b_ub=b_ub,
        bounds=bounds,
        method="highs",
        options={"time_limit": float(time_limit)} if time_limit is not None else None,
    )
    if res.status != 0 or res.fun is None:
        return 0
    return int(math.ceil(float(res.fun) - 1e-6))


def _solve_part(r, cells, groups, need, gap, reach_w, sizes, eps, time_limit):
    """One part's integer programme: (x per group of ``groups`` or None, dual bound, HiGHS status, gap)."""
    classes = np.flatnonzero(np.isin(r.class_cell, cells))
    n_g, n_cls = len(groups), len(classes)
    cover = r.gcover[groups][:, classes].tocoo()  # groups x classes
    a_link = csr_matrix(
        (
            np.concatenate([-cover.data, np.ones(n_cls)]),
            (
                np.concatenate([cover.col, np.arange(n_cls)]),
                np.concatenate([cover.row, n_g + np.arange(n_cls)]),
            ),
        ),
        shape=(n_cls, n_g + n_cls),
    )
    rows = [LinearConstraint(a_link, -np.inf, 0.0)] if n_cls else []
    share_cells = [int(k) for k in cells if need[k] > EPS]
    if share_cells:
        pos = np.full(len(need), -1, dtype=np.int64)
        pos[share_cells] = np.arange(len(share_cells))
        cc = r.class_cell[classes]
        sel = np.flatnonzero(pos[cc] >= 0)
        vals = r.class_w[classes[sel]] / need[cc[sel]]  # each row scaled to need 1
        a_share = csr_matrix((vals, (pos[cc[sel]], n_g + sel)), shape=(len(share_cells), n_g + n_cls))
        lo = np.minimum(1.0 + SHARE_SLACK, reach_w[share_cells] / need[share_cells])
        rows.append(LinearConstraint(a_share, lo, np.inf))
    count_cells = [int(k) for k in cells if gap[k] > EPS]
    if count_cells:
        sub = r.gcount[groups][:, count_cells].T.tocoo()
        a_count = csr_matrix(
            (sub.data / gap[count_cells][sub.row], (sub.row, sub.col)), shape=(len(count_cells), n_g + n_cls)
        )
        rows.append(LinearConstraint(a_count, 1.0 - 1e-9, np.inf))
    res = milp(
        np.concatenate([1.0 - eps[groups], np.zeros(n_cls)]),
        constraints=rows,
        # y needs no integrality: with x whole, y_i <= min(1, sum x) is 0 or 1 at the optimum anyway.
        integrality=np.concatenate([np.ones(n_g), np.zeros(n_cls)]),
        bounds=Bounds(np.zeros(n_g + n_cls), np.concatenate([sizes[groups], np.ones(n_cls)]).astype(float)),
        options={"time_limit": max(0.5, float(time_limit)), "disp": False},
    )
    dual = getattr(res, "mip_dual_bound", None)
    x = None if res.x is None else np.round(res.x[:n_g]).astype(np.int64)
    return x, (float(dual) if dual is not None and np.isfinite(dual) else None), int(res.status)


def solve_cover(
    p: CoverProblem, time_limit: float = DEFAULT_TIME_LIMIT_S, progress: Progress | None = None
) -> CoverSolution:
    """The fewest candidates that close every target cell of ``p`` (see the module doc), in priority order.

    The cells fall into independent parts (``_components``); each part's integer programme gets a share of
    ``time_limit`` by its size (small parts finish early and leave their time to the large ones). A part
    HiGHS cannot solve in its time keeps its best solution, or the greedy's, and its proven bound.
    ``progress`` hears after each part (and its cancel takes effect there)."""
    started = time.perf_counter()
    return _solve_reduced(p, _reduce(p), time_limit, progress, started)


def _solve_reduced(
    p: CoverProblem, r: _Reduced, time_limit: float, progress: Progress | None, started: float
) -> CoverSolution:
    """``solve_cover`` on the reduced problem (``p``: its cells' needs and points; its pairs are in ``r``).

    ``time_limit`` holds for everything from ``started``: the reductions, the greedy, the solver, the
    bounds, the pruning. The solver gets what is left after the greedy, less a reserve for the pruning and
    the priority order (a quarter of the greedy's time); a part reached when nothing is left keeps the greedy's
    set and the cheap bound, and the status says what the limit cut short."""
    progress = progress or Progress()
    n_g, n_cls = len(r.members), len(r.class_w)
    sizes = np.array([len(m) for m in r.members], dtype=np.int64)
    model = {
        "units": int(p.n_units),
        "groups": int(n_g),
        "open_points": int(len(p.point_w)),
        "point_classes": int(n_cls),
        "cells": int(len(r.cells)),
        "cover_pairs": int(r.gcover.nnz),
        "count_pairs": int(r.gcount.nnz),
    }
    # Cells the whole market cannot close in this model (the capacity run said it could: a discrepancy).
    reach_w = np.bincount(r.class_cell, weights=r.class_w, minlength=p.n_cells)
    reach_q = (
        np.asarray(r.gcount.multiply(sizes[:, None]).sum(axis=0)).ravel() if n_g else np.zeros(p.n_cells)
    )
    unmet = [
        int(k)
        for k in r.cells
        if (p.need_w[k] > EPS and reach_w[k] + 1e-9 < p.need_w[k])
        or (p.gap[k] > EPS and reach_q[k] + 1e-9 < p.gap[k])
    ]
    if len(r.cells) == 0:
        return CoverSolution(
            [], "nothing needed", 0, 0.0, 0, [], time.perf_counter() - started, [], model, []
        )
    # Rows whose cell cannot be closed are relaxed to what the market holds, so the rest is still solved.
    need = np.maximum(p.need_w, 0.0)
    gap = np.maximum(p.gap, 0.0)
    if unmet:
        need[unmet] = np.minimum(need[unmet], reach_w[unmet] / (1 + SHARE_SLACK))
        gap[unmet] = np.minimum(gap[unmet], reach_q[unmet])
    q = replace(p, need_w=need, gap=gap)
    t_greedy = time.perf_counter()
    greedy_groups = _greedy(q, r, sizes)
    t_greedy = time.perf_counter() - t_greedy
    greedy_units = _expand(r, greedy_groups)
    greedy_count = np.bincount(np.asarray(greedy_groups, dtype=np.int64), minlength=n_g)

    # -- the integer programme, part by part ----------------------------------------------------------
    # Tie-break among equally small sets: each group costs 1 - eps_g, eps_g proportional to the share of
    # the target cells' deficit it closes on its own; the eps over every candidate sum to less than 0.5,
    # so no tie-break can ever buy a larger set.
    alone = _Deficit(q, r).alone()
    eps = 0.49 * alone / max(float((alone * sizes).sum()), 1e-12)
    parts = _components(r, p.n_cells)
    row_cov, row_cnt = np.diff(r.gcover.indptr), np.diff(r.gcount.indptr)  # no row copies of the matrix
    weight = np.array([row_cov[g].sum() + row_cnt[g].sum() + len(g) for _c, g in parts], dtype=float)
    order = np.argsort(weight, kind="stable")
    x_all = np.zeros(n_g, dtype=np.int64)
    lower = 0
    solved = timed_out = fell_back = not_tried = no_lp = 0
    deadline = started + float(time_limit)
    # Kept back for the pruning and the priority order after the parts (the priority order is a greedy run
    # over the chosen set only: about a tenth of the first greedy's time at 50,000 providers); the solver
    # and the bounds get the rest.
    solver_deadline = deadline - min(0.25 * t_greedy, 0.25 * float(time_limit))
    left_weight = float(weight.sum())
    for done, i in enumerate(order):
        progress.update(
            0.1 + 0.85 * done / max(1, len(parts)), f"recruit set: part {done + 1:,} of {len(parts):,}"
        )
        cells, groups = parts[i]
        left = solver_deadline - time.perf_counter()
        budget = min(left, max(0.5, left * weight[i] / max(left_weight, 1.0)))
        left_weight -= weight[i]
        if budget > 0.05:
            x, dual, status = _solve_part(r, cells, groups, need, gap, reach_w, sizes, eps, budget)
        else:  # the time limit is spent: the part keeps the greedy's set and the cheap bound
            x, dual, status = None, None, -1
            not_tried += 1
        if x is not None:
            trial = np.zeros(n_g, dtype=np.int64)
            trial[groups] = x
            if not _satisfies(replace(q, need_w=_only(need, cells), gap=_only(gap, cells)), r, trial):
                x = None  # never trust a solution the raw constraints reject
        if x is not None and status != 0 and int(x.sum()) > int(greedy_count[groups].sum()):
            x = None  # the solver's best so far is worse than the greedy's: keep the greedy's
        if x is None:
            x = greedy_count[groups]
            fell_back += 1
        elif status == 0:
            solved += 1
        else:
            timed_out += 1
        x_all[groups] = x
        bound = int(math.ceil(dual - 1e-6)) if dual is not None else 0
        if status != 0 or x is None:
            bound = max(bound, _cell_bounds(r, cells, groups, need, gap, sizes))
            lp_time = solver_deadline - time.perf_counter()
            if lp_time > 0.05:
                bound = max(bound, _relaxed_bound(r, cells, groups, need, gap, sizes, lp_time))
            else:
                no_lp += 1
        lower += min(bound, int(x.sum())) if status == 0 else bound
    if solved < len(parts):
        x_all = _prune(q, r, x_all, alone)  # a part left unproven may hold a signature it does not need
    picks = np.repeat(np.arange(n_g), x_all)
    if len(picks) > len(greedy_units):  # a part the solver left worse than the greedy (never expected)
        x_all, picks = greedy_count, np.repeat(np.arange(n_g), greedy_count)
    # Priority order: the greedy over the chosen set only, so the share climbs fastest; a pick the greedy
    # does not need (the count rows close it) follows in group order.
    ordered = _greedy(q, r, x_all)
    rest = x_all - np.bincount(np.asarray(ordered, dtype=np.int64), minlength=n_g)
    chosen_groups = ordered + np.repeat(np.arange(n_g), np.maximum(rest, 0)).tolist()
    chosen = _expand(r, chosen_groups)
    lower = max(1, min(lower, len(chosen)))  # something is missing, so at least one signature
    n_parts = len(parts)
    if solved == n_parts:
        status = "optimal"
    else:
        status = (
            f"time limit ({time_limit:g} s): {solved:,} of {n_parts:,} parts solved to optimality, "
            f"{timed_out:,} stopped with the solver's best, {fell_back:,} left at the greedy's"
        )
        if not_tried or no_lp:
            status += (
                f"; the limit cut short: {not_tried:,} parts not given to the solver, "
                f"{no_lp:,} parts without the relaxation bound"
            )
    spent = time.perf_counter() - started
    if spent > float(time_limit) + 1.0:
        status += (
            f"; took {spent:.0f} s: the greedy ({t_greedy:.0f} s) and the priority order run to the end "
            "whatever the limit (they are the answer)"
        )
    model["parts"] = n_parts
    gap_rel = (len(chosen) - lower) / len(chosen) if chosen else 0.0
    alternatives = [len(r.members[g]) - 1 for g in chosen_groups]
    return CoverSolution(
        chosen,
        status,
        lower,
        gap_rel,
        len(greedy_units),
        greedy_units,
        time.perf_counter() - started,
        unmet,
        model,
        alternatives,
    )


def _prune(p: CoverProblem, r: _Reduced, x: np.ndarray, usefulness: np.ndarray) -> np.ndarray:
    """Drop signatures the rest make redundant (least useful on its own first), keeping every row met."""
    x = x.copy()
    mult = np.zeros(len(r.class_w), dtype=np.int64)  # chosen members reaching each class
    chosen = np.flatnonzero(x > 0)
    for g in chosen.tolist():
        mult[r.gcover.indices[r.gcover.indptr[g] : r.gcover.indptr[g + 1]]] += x[g]
    covered = mult > 0
    got_w = np.bincount(r.class_cell[covered], weights=r.class_w[covered], minlength=p.n_cells)
    got_q = np.asarray(r.gcount.T @ x.astype(float)).ravel()
    need, gap = p.need_w, p.gap
    for g in chosen[np.argsort(usefulness[chosen], kind="stable")].tolist():
        cls = r.gcover.indices[r.gcover.indptr[g] : r.gcover.indptr[g + 1]]
        cnt = r.gcount.indices[r.gcount.indptr[g] : r.gcount.indptr[g + 1]]
        q = r.gcount.data[r.gcount.indptr[g] : r.gcount.indptr[g + 1]]
        while x[g] > 0:
            lost = cls[mult[cls] == 1]
            loss = np.zeros(p.n_cells)
            np.add.at(loss, r.class_cell[lost], r.class_w[lost])
            cells = _distinct(r.class_cell[lost])
            ok_w = (got_w[cells] - loss[cells] + 1e-9 * np.maximum(need[cells], 1) >= need[cells]).all()
            ok_q = (got_q[cnt] - q + 1e-9 >= gap[cnt]).all()
            if not (ok_w and ok_q):
                break
            x[g] -= 1
            mult[cls] -= 1
            got_w -= loss
            got_q[cnt] -= q
    return x


def _only(values: np.ndarray, cells: np.ndarray) -> np.ndarray:
    out = np.zeros_like(values)
    out[cells] = values[cells]
    return out


def _satisfies(p: CoverProblem, r: _Reduced, x: np.ndarray) -> bool:
    """Does the group choice ``x`` meet every row of ``p`` (weights and counts, computed afresh)?"""
    taken = np.flatnonzero(x > 0)
    cov = np.zeros(len(r.class_w), dtype=bool)
    if len(taken):
        cov[np.unique(r.gcover[taken].indices)] = True
    got_w = np.bincount(r.class_cell[cov], weights=r.class_w[cov], minlength=p.n_cells)
    got_q = np.asarray(r.gcount.multiply(x[:, None]).sum(axis=0)).ravel() if len(x) else np.zeros(p.n_cells)
    need, gap = np.maximum(p.need_w, 0), np.maximum(p.gap, 0)
    return bool((got_w + 1e-9 * np.maximum(need, 1) >= need).all() and (got_q + 1e-9 >= gap).all())


def progress_after(p: CoverProblem, order: Sequence[int]) -> list[dict[int, tuple[float, float]]]:
    """After each unit of ``order`` is signed: {cell: (weight gained, count gained)} for the cells it
    touches (the running totals, not the step's own)."""
    by_unit_pts: dict[int, np.ndarray] = {}
    if len(p.cover_unit):
        o = np.argsort(p.cover_unit, kind="stable")
        su = p.cover_unit[o]
        starts = np.searchsorted(su, order, "left")
        ends = np.searchsorted(su, order, "right")
        for u, a, b in zip(order, starts, ends, strict=True):
            by_unit_pts[int(u)] = p.cover_point[o[a:b]]
    cnt = pd.DataFrame({"u": p.count_unit, "k": p.count_cell, "q": p.count_q})
    by_unit_cnt = {int(u): g for u, g in cnt[cnt.u.isin(list(order))].groupby("u")} if len(cnt) else {}
    covered = np.zeros(len(p.point_w), dtype=bool)
    got_w = np.zeros(p.n_cells)
    got_q = np.zeros(p.n_cells)
    out = []
    for u in order:
        touched: set[int] = set()
        pts = by_unit_pts.get(int(u), np.zeros(0, np.int64))
        new = pts[~covered[pts]]
        covered[new] = True
        np.add.at(got_w, p.point_cell[new], p.point_w[new])
        touched.update(np.unique(p.point_cell[pts]).tolist())
        g = by_unit_cnt.get(int(u))
        if g is not None:
            np.add.at(got_q, g.k.to_numpy(), g.q.to_numpy(float))
            touched.update(g.k.tolist())
        out.append({int(k): (float(got_w[k]), float(got_q[k])) for k in sorted(touched)})
    return out


# -- the study on a project's data -----------------------------------------------------------------------
@dataclass
class CellCapacity:
    """One county x line: the network today, and the best any network could do with the whole market."""

    county_fips: str
    line_code: str
    line_name: str
    designation: str
    counts_beds: bool
    required_pct: float
    min_count: int
    credit_points: float
    network_pct: float
    network_count: int
    network_status: str
    market_pct: float  # best share within standard, every market provider signed (credits included)
    market_count: int  # best credited count (beds for 040), every market provider signed
    market_status: str
    market_in_reach: int  # market providers (NPIs) within reach of the county's points; beds for 040
    outcome: str  # PASSES_NOW, RECRUIT or INFEASIBLE
    shortfall: str = ""  # infeasible: "share", "count" or "share and count"
    reasons: list[str] = field(default_factory=list)
    exception: dict[str, Any] | None = None  # infeasible: exceptions.ExceptionViability.as_dict()
    after_pct: float | None = None  # recruit cells: share once the recruit set is signed (engine re-score)
    after_count: int | None = None
    after_status: str | None = None
    # Confidence (rollup.near_the_line, confidence.py): could plausible error flip the with-market result,
    # or the result once the recruit set is signed; and the engine's confidence band with the market.
    market_near_line: bool = False
    after_near_line: bool = False
    market_band: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Recruit:
    """One provider of the service-area recruit set, in priority order."""

    rank: int
    npi: str
    name: str
    source: str  # market (NPPES) or roster (an uncontracted roster row: LOI, pending...)
    contract_status: str
    provider_ids: list[int]
    lines: list[str]  # target lines it practises and counts in
    cells: list[tuple[str, str]]  # target cells (county, line) it brings people or count to
    after: dict[str, dict[str, float]] = field(default_factory=dict)  # "fips:line" -> share, count after
    cells_met_after: int = 0  # target cells whose share and count are met once it and those above sign
    alternatives: int = 0  # other candidates who would do exactly as well in its place (same reach)
    address: str = ""
    locations: list[tuple[float, float]] = field(default_factory=list)  # (lat, lon) of its offices

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["cells"] = [list(c) for c in self.cells]
        return d


@dataclass
class RecruitSet:
    target_cells: list[tuple[str, str]]
    recruits: list[Recruit]
    size: int
    lower_bound: int
    mip_gap: float | None
    greedy_size: int
    status: str
    time_limit_s: float
    solve_s: float
    model: dict[str, int]
    cells_unmet: list[tuple[str, str]]
    verified_pass: int = 0  # target cells passing in the engine's re-score with the set signed
    verified_cells: list[tuple[str, str]] = field(default_factory=list)  # those that do not (should be none)

    @property
    def proven_optimal(self) -> bool:
        return self.size == self.lower_bound

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["recruits"] = [r.as_dict() for r in self.recruits]
        d["proven_optimal"] = self.proven_optimal
        return d


@dataclass
class FeasibilityStudy:
    plan: str
    counties: list[str]
    lines: list[str]
    market_only: bool
    cells: list[CellCapacity]
    recruit_set: RecruitSet
    vintages: dict[str, str] = field(default_factory=dict)
    market: dict[str, int] = field(default_factory=dict)  # candidate providers, locations, network providers
    timings: dict[str, dict[str, float]] = field(default_factory=dict)  # phase -> wall_s, cpu_s
    generated_at: str = ""
    lob: str = "ma"  # the project's line of business: what the study's texts cite (rules/citations.py)

    def counts(self) -> dict[str, int]:
        out = {PASSES_NOW: 0, RECRUIT: 0, INFEASIBLE: 0}
        for c in self.cells:
            out[c.outcome] += 1
        return out

    def cell(self, fips: str, line: str) -> CellCapacity | None:
        for c in self.cells:
            if c.county_fips == fips and c.line_code == line:
                return c
        return None

    def as_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan,
            "counties": self.counties,
            "lines": self.lines,
            "market_only": self.market_only,
            "counts": self.counts(),
            "market": self.market,
            "vintages": self.vintages,
            "timings": self.timings,
            "generated_at": self.generated_at,
            "cells": [c.as_dict() for c in self.cells],
            "recruit_set": self.recruit_set.as_dict(),
        }


class _Clock:
    """Wall and CPU seconds per phase (``time.process_time``: every thread of the process)."""

    def __init__(self) -> None:
        self.spent: dict[str, dict[str, float]] = {}
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def mark(self, name: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.spent[name] = {"wall_s": round(wall - self._wall, 3), "cpu_s": round(cpu - self._cpu, 3)}
        try:  # the process's peak memory so far (kB on Linux): which phase sets it
            import resource

            self.spent[name]["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        except (ImportError, OSError):  # pragma: no cover - not on Windows
            pass
        self._wall, self._cpu = wall, cpu


def compute_feasibility(
    inputs,
    time_limit: float = DEFAULT_TIME_LIMIT_S,
    contacted: Iterable[str] = (),
    progress: Progress | None = None,
    plan: str = "",
) -> FeasibilityStudy:
    """The study on ``inputs`` (``scoring.ScoringInputs``; pure: reads nothing from disk).

    ``contacted``: NPIs with outreach in force (``exceptions.outreach_npis``), for exception viability.
    """
    from blueprint_desktop.engine.exceptions import viability
    from blueprint_desktop.engine.scoring import compute_results, credited_locations

    progress = progress or Progress()
    clock = _Clock()
    contacted = set(contacted)
    locs = inputs.locations
    cand_rows = locs[candidate_mask(locs, inputs.today, inputs.lob)] if len(locs) else locs
    cand_ids = frozenset(int(i) for i in cand_rows.provider_id.unique()) if len(cand_rows) else frozenset()
    clock.mark("candidates")
    progress.update(0.02, "scoring the network as it is")
    baseline = compute_results(inputs, "straight", progress=progress.scaled(0.02, 0.3))
    clock.mark("score network")
    progress.update(0.3, "scoring with every market provider signed")
    capacity = compute_results(
        replace(inputs, extra_credited=cand_ids), "straight", progress=progress.scaled(0.3, 0.6)
    )
    clock.mark("score market capacity")
    before = {(r.county_fips, r.line_code): r for r in baseline}
    cells: list[CellCapacity] = []
    for r in capacity:
        b = before[(r.county_fips, r.line_code)]
        beds = bool(r.detail.get("counts_beds"))
        in_reach = max(0, int(round(r.credited_count - b.credited_count)))
        if b.status in PASSING:
            outcome = PASSES_NOW
        elif r.status in PASSING:
            outcome = RECRUIT
        else:
            outcome = INFEASIBLE
        cell = CellCapacity(
            r.county_fips,
            r.line_code,
            r.line_name,
            str(r.detail.get("designation", "")),
            beds,
            r.required_pct,
            r.min_count,
            float(b.detail.get("credit_points") or 0.0),
            b.pct_within,
            b.credited_count,
            b.status,
            r.pct_within,
            r.credited_count,
            r.status,
            in_reach,
            outcome,
            market_near_line=bool(r.detail.get("near_line")),
            market_band=r.confidence_band,
        )
        if outcome == INFEASIBLE:
            share_short = r.pct_within + EPS < r.required_pct
            count_short = r.credited_count + EPS < r.min_count
            cell.shortfall = " and ".join(w for w, s in (("share", share_short), ("count", count_short)) if s)
            unit = "beds" if beds else "providers"
            if share_short:
                cell.reasons.append(
                    f"With every market provider signed, {r.pct_within:.1f}% of {people(inputs.lob)} are within "
                    f"{limits_text(r.detail.get('max_minutes'), r.detail.get('max_miles', 0))}; "
                    f"{r.required_pct:g}% required{cite('share', inputs.lob)}."
                )
            if count_short:
                cell.reasons.append(
                    f"The whole market holds {r.credited_count:,} {unit} within reach; the minimum is "
                    f"{r.min_count:,}{cite('minimum', inputs.lob)}."
                )
        cells.append(cell)
    clock.mark("classify cells")

    # -- the reach model of the cells that fail today -------------------------------------------------
    progress.update(0.62, "measuring who reaches whom")
    model_cells = [c for c in cells if c.outcome in (RECRUIT, INFEASIBLE)]
    cred = credited_locations(inputs)
    # A cell whose standard asks for two providers per person (LineStandard.providers_within) gets its own
    # programme (two_provider_set.py): the joint model below counts one provider per person.
    two = [
        i
        for i, c in enumerate(model_cells)
        if c.outcome == RECRUIT and inputs.standards[c.county_fips].lines[c.line_code].providers_within == 2
    ]
    apart = frozenset(two)
    target = [i for i, c in enumerate(model_cells) if c.outcome == RECRUIT and i not in apart]
    problem, units, keys, reach = _reach_model(inputs, model_cells, cand_rows, cred, before, target)
    clock.mark("reach model")
    # Exception viability of the infeasible cells (42 CFR 422.116(f)): who is within reach, and whether
    # each has outreach on record.
    key_pos = {k: i for i, k in enumerate(keys)}
    reach_npis: dict[int, set[str]] = {}
    infeasible = np.zeros(len(keys), dtype=bool)
    infeasible[[i for i, c in enumerate(model_cells) if c.outcome == INFEASIBLE]] = True
    few = infeasible[problem.count_cell] if len(problem.count_cell) else np.zeros(0, bool)
    # Only the infeasible cells' pairs (a set of NPIs per cell for the whole state cost hundreds of MB).
    for u, k in zip(problem.count_unit[few].tolist(), problem.count_cell[few].tolist(), strict=True):
        reach_npis.setdefault(k, set()).add(units.npi[u])
    for c in cells:
        if c.outcome == INFEASIBLE:
            npis = reach_npis.get(key_pos[(c.county_fips, c.line_code)], set())
            c.exception = viability(
                c.county_fips, c.line_code, c.designation, npis, contacted, False, lob=inputs.lob
            ).as_dict()
            c.exception["reasons"].append(
                f"Even with all {len(npis):,} of them signed the county would not pass: the supply is not there, "
                f"the case an exception exists for{cite('exception', inputs.lob)}."
                if npis
                else "Even the whole market would not make this county pass."
            )
    clock.mark("exception viability")

    # -- the recruit set over every cell that fails now but passes with the market --------------------
    progress.update(0.68, "solving the service-area recruit set")
    cellmap = {(c.county_fips, c.line_code): c for c in cells}
    sub = _restrict(problem, target)  # points and counts only: the cover pairs are in ``reach``
    del problem
    started = time.perf_counter()
    r = reach.reducer.finish(sub)
    reach.reducer = None  # its per-line pairs are in r now
    sol = _solve_reduced(sub, r, time_limit, progress.scaled(0.68, 0.85), started)
    del r
    clock.mark("recruit set (ILP + greedy)")
    target_keys = [keys[i] for i in target]
    # The chosen candidates' own pairs, recomputed (the state's pairs were never kept).
    cu, cp = reach.cover_pairs(cand_rows, sol.chosen)
    steps = progress_after(replace(sub, cover_unit=cu, cover_point=cp), sol.chosen)
    recruits = []
    met = np.zeros(sub.n_cells, dtype=bool)
    for rank, (u, step) in enumerate(zip(sol.chosen, steps, strict=True), start=1):
        after = {}
        for k, (w, q) in step.items():
            c = cellmap[target_keys[k]]
            total = units.cell_total[target[k]]
            pct = (
                min(100.0, (units.cell_now_w[target[k]] + w) / total * 100 + c.credit_points)
                if total
                else 0.0
            )
            count = c.network_count + q
            after[f"{c.county_fips}:{c.line_code}"] = {
                "pct": round(float(pct), 2),
                "count": round(float(count), 1),
            }
            met[k] = (sub.need_w[k] <= EPS or w + 1e-9 >= sub.need_w[k]) and (
                sub.gap[k] <= EPS or q + 1e-9 >= sub.gap[k]
            )
        cells_of = [target_keys[k] for k in step]
        recruits.append(
            Recruit(
                rank,
                units.npi[u],
                units.name[u],
                units.source[u],
                units.contract[u],
                units.provider_ids[u],
                sorted({line for _, line in cells_of}),
                cells_of,
                after,
                int(met.sum()),
                sol.alternatives[rank - 1],
                units.address[u],
            )
        )
    rs = RecruitSet(
        target_keys,
        recruits,
        len(sol.chosen),
        sol.lower_bound,
        sol.mip_gap,
        sol.greedy_size,
        sol.status,
        float(time_limit),
        round(sol.seconds, 3),
        sol.model,
        [target_keys[k] for k in sol.cells_unmet],
        0,
        [],
    )
    if two:
        progress.update(0.84, "solving the two-provider cells")
        left_s = max(1.0, time_limit - (time.perf_counter() - started))
        two_sol = solve_two_provider_cells(inputs, [model_cells[i] for i in two], cand_rows, cred, left_s)
        _merge_two_provider(rs, recruits, two_sol, cand_rows, cellmap, len(target_keys))
        target_keys = rs.target_cells
        clock.mark("two-provider cells")
    if recruits:
        chosen_npis = {r.npi for r in recruits}
        mine = cand_rows[
            cand_rows.npi.isin(chosen_npis) & cand_rows.line_code.isin({k[1] for k in target_keys})
        ]
        offices = mine.drop_duplicates(["npi", "lat", "lon"]).groupby("npi")
        places = {str(n): list(zip(g.lat.tolist(), g.lon.tolist(), strict=True)) for n, g in offices}
        for r in recruits:
            r.locations = places.get(r.npi, [])
    # -- the engine's own re-score with the set signed ---------------------------------------------
    if target_keys:
        progress.update(0.85, "re-scoring with the recruit set signed")
        chosen_ids = frozenset(pid for r in recruits for pid in r.provider_ids)
        lines = sorted({line for _, line in target_keys})
        counties = sorted({f for f, _ in target_keys})
        check = compute_results(
            replace(inputs, extra_credited=chosen_ids, lines=lines, counties=counties),
            "straight",
            progress=progress.scaled(0.85, 0.98),
        )
        wanted = set(target_keys)
        for r in check:
            key = (r.county_fips, r.line_code)
            if key in wanted:
                c = cellmap[key]
                c.after_pct, c.after_count, c.after_status = r.pct_within, r.credited_count, r.status
                # Thin after the recruits sign: near the line, or At Risk (within 3 points or at the minimum).
                c.after_near_line = bool(r.detail.get("near_line")) or r.status == "At Risk"
                if r.status in PASSING:
                    rs.verified_pass += 1
                else:
                    rs.verified_cells.append(key)
    clock.mark("verify by re-score")
    progress.update(1.0, "feasibility study ready", force=True)
    lines_all = sorted({c.line_code for c in cells})
    return FeasibilityStudy(
        plan,
        list(inputs.counties),
        lines_all,
        False,
        cells,
        rs,
        market={
            "candidate_providers": int(cand_rows.npi.nunique()) if len(cand_rows) else 0,
            "candidate_locations": int(cand_rows.location_id.nunique()) if len(cand_rows) else 0,
            "network_providers": int(cred.npi.nunique()) if len(cred) else 0,
        },
        timings=clock.spent,
        lob=inputs.lob,
    )


def _merge_two_provider(
    rs: RecruitSet,
    recruits: list[Recruit],
    sol: TwoProviderSolution,
    cand: pd.DataFrame,
    cellmap,
    n_joint: int,
) -> None:
    """Add the two-provider cells' programme (``two_provider_set.py``) to the study's recruit set: its cells
    become target cells, its NPIs recruits after the joint set's (an NPI already chosen there gains the
    cells). The two programmes are solved apart, so together they are a valid set, not a proven fewest: the
    bound is the larger of the two (the whole needs at least as many as either part alone)."""
    by_npi = {r.npi: r for r in recruits}
    joint_met = recruits[-1].cells_met_after if recruits else 0
    first = cand.drop_duplicates("npi").set_index("npi") if len(cand) else None
    pids = cand.groupby("npi").provider_id.apply(lambda v: sorted({int(x) for x in v})) if len(cand) else {}
    for rank, (npi, step) in enumerate(zip(sol.npis, sol.progress, strict=True)):
        after, met = {}, 0
        for key, (w, q) in step.items():
            c = cellmap[key]
            total = sol.total_w[key]
            pct = min(100.0, (sol.now_w[key] + w) / total * 100 + c.credit_points) if total else 0.0
            after[f"{key[0]}:{key[1]}"] = {
                "pct": round(float(pct), 2),
                "count": round(float(c.network_count + q), 1),
            }
            met += int(w + 1e-9 >= sol.need_w[key] and q + 1e-9 >= sol.gap[key])
        r = by_npi.get(npi)
        if r is None:
            row = first.loc[npi]
            r = Recruit(len(recruits) + 1, str(npi), str(row["name"]), str(row["source"]),
                        str(row["contract_status"]), list(pids.get(npi, [])), [], [])  # fmt: skip
            recruits.append(r)
            by_npi[npi] = r
        previous = sol.progress[rank - 1] if rank else {}
        cells = [k for k, v in step.items() if v != previous.get(k, (0.0, 0.0))]
        r.cells = list(dict.fromkeys([*r.cells, *cells]))
        r.lines = sorted({*r.lines, *(line for _f, line in cells)})
        r.after.update(after)
        r.cells_met_after = joint_met + met
    rs.target_cells = [*rs.target_cells, *sol.cells]
    rs.recruits = recruits
    rs.size = len(recruits)
    rs.lower_bound = max(rs.lower_bound, sol.lower_bound)
    rs.greedy_size += sol.greedy_size
    rs.status = f"{rs.status}; two-provider cells: {sol.status}" if n_joint else sol.status
    rs.solve_s = round(rs.solve_s + sol.seconds, 3)
    rs.model = {**rs.model, **{f"two_provider_{k}": v for k, v in sol.model.items()}}
    unmet = [
        k
        for k in sol.cells
        if (sol.progress[-1][k] if sol.progress else (0.0, 0.0))[0] + 1e-9 < sol.need_w[k]
    ]
    rs.cells_unmet = [*rs.cells_unmet, *unmet]


@dataclass
class _Units:
    """The candidate NPIs of the reach model, and per model cell its total and already-covered weight."""

    npi: list[str]
    name: list[str]
    source: list[str]
    contract: list[str]
    provider_ids: list[list[int]]
    address: list[str]
    cell_total: np.ndarray
    cell_now_w: np.ndarray
    preference: np.ndarray


def _reach_model(
    inputs, model_cells: list[CellCapacity], cand: pd.DataFrame, cred: pd.DataFrame, before, target=()
):
    """The cover problem over ``model_cells`` (every cell that fails today), straight-line reach.

    A point is within standard when a location lies within ``travel_time.reach_miles`` of it (both the time
    and the distance standard, 42 CFR 422.116(d)(2)); a candidate counts toward a county's minimum when one
    of its locations of the line lies within reach of at least one of the county's points (422.116(a)(2)(i)).

    The (candidate, point) pairs are never kept for the state: each line's pairs to the open points of the
    ``target`` cells (model cell indices) go straight into the exact reductions (``_Reducer``) and are
    freed; the returned problem has the count pairs and points only. ``_Reach.cover_pairs`` recomputes the
    pairs of a few candidates (the chosen ones) exactly as they were.
    """
    keys = [(c.county_fips, c.line_code) for c in model_cells]
    n_k = len(keys)
    npi_codes, npis = pd.factorize(cand.npi) if len(cand) else (np.zeros(0, np.int64), pd.Index([]))
    n_u = len(npis)
    first = cand.assign(_u=npi_codes).drop_duplicates("_u").set_index("_u").sort_index() if n_u else cand
    pids = cand.assign(_u=npi_codes).groupby("_u").provider_id.apply(lambda s: sorted({int(v) for v in s}))
    addresses = [""] * n_u
    units = _Units(
        [str(v) for v in npis],
        [str(v) for v in first.name] if n_u else [],
        [str(v) for v in first.source] if n_u else [],
        [str(v) for v in first.contract_status] if n_u else [],
        [list(pids.get(u, [])) for u in range(n_u)],
        addresses,
        np.zeros(n_k),
        np.zeros(n_k),
        # Among interchangeable candidates, roster rows first (an LOI or pending contract is already a
        # conversation), then open panels.
        np.zeros(n_u),
    )
    if n_u:
        src = (first.source.to_numpy() != "market").astype(float) * 2
        panel = (first.panel_status.fillna("").to_numpy() == "open").astype(float)
        units.preference = src + panel
    pts_all = inputs.points[(inputs.points.weight > 0) & inputs.points.county_fips.isin({f for f, _ in keys})]
    by_county = {f: g for f, g in pts_all.groupby("county_fips")}
    point_cell, point_w = [], []
    tpos = np.full(n_k, -1, dtype=np.int64)
    tpos[list(target)] = np.arange(len(target))
    reducer = _Reducer(n_u)
    reach = _Reach(reducer, npi_codes, n_u, [])
    n_sub = 0  # open points of target cells so far (the restricted problem's numbering)
    count_u, count_k, count_q = [], [], []
    need_w, gap = np.zeros(n_k), np.zeros(n_k)
    by_line: dict[str, list[int]] = {}
    for k, (_f, line) in enumerate(keys):
        by_line.setdefault(line, []).append(k)
    cand_line = cand.line_code.to_numpy() if len(cand) else np.zeros(0, object)
    cred_line = cred.line_code.to_numpy() if len(cred) else np.zeros(0, object)
    for line, ks in by_line.items():
        rows = np.flatnonzero(cand_line == line)
        c_xyz = to_unit_vectors(cand.lat.to_numpy()[rows], cand.lon.to_numpy()[rows]) if len(rows) else None
        c_tree = cKDTree(c_xyz) if len(rows) else None
        r_rows = np.flatnonzero(cred_line == line)
        n_tree = (
            cKDTree(to_unit_vectors(cred.lat.to_numpy()[r_rows], cred.lon.to_numpy()[r_rows]))
            if len(r_rows)
            else None
        )
        xyz_parts, chord_parts, cell_parts, w_parts = [], [], [], []
        for k in ks:
            fips = keys[k][0]
            std = inputs.standards[fips].lines[line]
            pts = by_county.get(fips)
            if pts is None or pts.empty:
                continue
            xyz = to_unit_vectors(pts.lat.to_numpy(float), pts.lon.to_numpy(float))
            xyz_parts.append(xyz)
            chord_parts.append(np.full(len(xyz), chord_for(std, inputs.standards[fips].designation)))
            cell_parts.append(np.full(len(xyz), k, dtype=np.int64))
            w_parts.append(pts.weight.to_numpy(float))
        if not xyz_parts:
            continue
        xyz, chord = np.concatenate(xyz_parts), np.concatenate(chord_parts)
        pcell, pw = np.concatenate(cell_parts), np.concatenate(w_parts)
        total = np.bincount(pcell, weights=pw, minlength=n_k)
        covered = np.zeros(len(xyz), dtype=bool)
        if n_tree is not None:
            covered = n_tree.query(xyz, k=1, workers=-1)[0] <= chord
        now_w = np.bincount(pcell[covered], weights=pw[covered], minlength=n_k)
        # The open points of target cells: their index in the restricted problem (-1: not in it).
        in_sub = ~covered & (tpos[pcell] >= 0)
        sub_idx = np.full(len(xyz), -1, dtype=np.int64)
        sub_idx[in_sub] = n_sub + np.arange(int(in_sub.sum()))
        units.cell_total[ks] = total[ks]
        units.cell_now_w[ks] = now_w[ks]
        for k in ks:
            b = before[keys[k]]
            credit = float(b.detail.get("credit_points") or 0.0)
            need_w[k] = (b.required_pct - credit) / 100.0 * total[k] - now_w[k]
            gap[k] = b.min_count - b.credited_count
        if c_tree is None:
            continue
        # The line's cells in chunks of about CHUNK_POINTS points (whole cells, in point order): each chunk's
        # pairs are counted, fed to the reductions as one block and freed, so the memory of the reach pairs
        # is bounded by a chunk, not by the line (primary care is a third of the state's pairs).
        beds_line = bool(inputs.standards[keys[ks[0]][0]].lines[line].counts_beds)
        beds = cand.beds.to_numpy(float) if beds_line else None
        n_loc = len(cand) + 1
        cut = np.flatnonzero(np.diff(pcell)) + 1  # where a cell starts
        starts, at = [0], 0
        for c0 in cut.tolist():
            if c0 - at >= CHUNK_POINTS:
                starts.append(c0)
                at = c0
        bounds_pts = [*starts, len(xyz)]
        line_start, any_pairs = n_sub, False
        for a0, a1 in zip(bounds_pts[:-1], bounds_pts[1:], strict=True):
            p_idx, l_idx = _pairs_within(xyz[a0:a1], chord[a0:a1], c_tree)
            if not len(p_idx):
                continue
            any_pairs = True
            p_idx += a0
            l_idx = rows[l_idx]
            # Counts: one pair per (unit, cell); for 040 the beds of the unit's locations within reach. Keys
            # in one int64 (a location belongs to one unit, so (cell, location) says it all).
            kl = _distinct(pcell[p_idx] * n_loc + l_idx)
            k_of, l_of = kl // n_loc, kl % n_loc
            uk, inv = np.unique(npi_codes[l_of] * (n_k + 1) + k_of, return_inverse=True)
            q = (
                np.bincount(inv.ravel(), weights=beds[l_of], minlength=len(uk))
                if beds_line
                else np.ones(len(uk))
            )
            count_u.append(uk // (n_k + 1))
            count_k.append(uk % (n_k + 1))
            count_q.append(q)
            del kl, k_of, l_of, uk, inv, q
            # Share: open points of target cells only, one pair per (unit, point), into the reductions.
            first = line_start + int(in_sub[:a0].sum())
            blk = np.flatnonzero(in_sub[a0:a1]) + a0
            sel = in_sub[p_idx]
            n_b = len(blk) + 1
            up = _distinct(npi_codes[l_idx[sel]] * n_b + (sub_idx[p_idx[sel]] - first))
            del p_idx, l_idx, sel
            cu, cp = (up // n_b).astype(np.int32), (up % n_b).astype(np.int32)
            del up
            reducer.add(tpos[pcell[blk]], pw[blk], need_w[pcell[blk]] > EPS, cu, cp)
            del cu, cp
        del c_tree
        if not any_pairs:
            continue  # a line nobody reaches adds no points (as before)
        # Open points (of every model cell: the problem's points).
        open_pt = ~covered
        point_cell.append(pcell[open_pt])
        point_w.append(pw[open_pt])
        reach.lines.append((rows, xyz, chord, sub_idx))
        n_sub += int(in_sub.sum())

    def cat(parts, dtype):
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)

    problem = CoverProblem(
        n_u,
        need_w,
        gap.astype(float),
        cat(point_cell, np.int64),
        cat(point_w, float),
        np.zeros(0, np.int32),  # the cover pairs went to ``reach`` line by line
        np.zeros(0, np.int32),
        cat(count_u, np.int64),
        cat(count_k, np.int64),
        cat(count_q, float),
        units.preference,
    )
    return problem, units, keys, reach


@dataclass
class _Reach:
    """What ``_reach_model`` keeps of the cover pairs: the reductions fed line by line, and per line its
    candidate location rows, points, radii and restricted point numbering (to recompute a few units' pairs)."""

    reducer: _Reducer
    npi_codes: np.ndarray
    n_units: int
    lines: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]

    def cover_pairs(self, cand: pd.DataFrame, chosen: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """(unit, restricted point) pairs of the ``chosen`` units, in the order the whole problem would hold
        them (line by line, each sorted by unit then point): the same pairs, from a tree of their locations."""
        wanted = np.zeros(self.n_units, dtype=bool)
        wanted[np.asarray(list(chosen), dtype=np.int64)] = True
        lat, lon = cand.lat.to_numpy(), cand.lon.to_numpy()
        us, ps = [], []
        for rows, xyz, chord, sub_idx in self.lines:
            mine = rows[wanted[self.npi_codes[rows]]]
            if not len(mine):
                continue
            p_idx, l_idx = _pairs_within(xyz, chord, cKDTree(to_unit_vectors(lat[mine], lon[mine])))
            u_idx = self.npi_codes[mine[l_idx]]
            sel = sub_idx[p_idx] >= 0
            n_all = int(sub_idx.max()) + 2
            up = _distinct(u_idx[sel] * n_all + sub_idx[p_idx[sel]])
            us.append(up // n_all)
            ps.append(up % n_all)
        if not us:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(us), np.concatenate(ps)


def _pairs_within(xyz: np.ndarray, chord: np.ndarray, tree: cKDTree) -> tuple[np.ndarray, np.ndarray]:
    """(point index, location index) of every location within ``chord[point]`` of a point: one sparse
    distance query per distinct radius (a county type's standard), straight into arrays (no Python lists:
    a state's primary care has millions of pairs)."""
    ps, ls = [], []
    for value in np.unique(chord):
        idx = np.flatnonzero(chord == value)
        found = cKDTree(xyz[idx]).sparse_distance_matrix(tree, float(value), output_type="ndarray")
        if len(found):
            ps.append(idx[found["i"]])
            ls.append(found["j"].astype(np.int64))
    if not ps:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(ps), np.concatenate(ls)


def _restrict(p: CoverProblem, cells: Sequence[int]) -> CoverProblem:
    """``p`` with only ``cells`` (renumbered 0..len-1)."""
    pos = np.full(p.n_cells, -1, dtype=np.int64)
    pos[list(cells)] = np.arange(len(cells))
    keep_pt = pos[p.point_cell] >= 0
    new_pt = np.full(len(p.point_w), -1, dtype=np.int64)
    new_pt[keep_pt] = np.arange(int(keep_pt.sum()))
    cov = keep_pt[p.cover_point] if len(p.cover_point) else np.zeros(0, bool)
    cnt = pos[p.count_cell] >= 0 if len(p.count_cell) else np.zeros(0, bool)
    return CoverProblem(
        p.n_units,
        p.need_w[list(cells)],
        p.gap[list(cells)],
        pos[p.point_cell[keep_pt]],
        p.point_w[keep_pt],
        p.cover_unit[cov],
        new_pt[p.cover_point[cov]],
        p.count_unit[cnt],
        pos[p.count_cell[cnt]],
        p.count_q[cnt],
        p.preference,
    )


# -- the project wrapper ------------------------------------------------------------------------------
def feasibility_study(
    project,
    counties: Sequence[str] | None = None,
    lines: Sequence[str] | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT_S,
    market_only: bool = False,
    today: date | None = None,
    progress: Progress | None = None,
) -> FeasibilityStudy:
    """Run the study on a project (nothing is stored: computed on demand).

    ``market_only``: leave the plan's roster out entirely (a plan entering counties where it has no
    network): only NPPES market rows are read, none counted as signed.
    """
    from datetime import UTC, datetime

    from blueprint_desktop.engine.exceptions import outreach_npis
    from blueprint_desktop.engine.scoring import gather_inputs

    if time_limit <= 0:
        raise BlueprintError(f"--time-limit must be positive seconds, not {time_limit:g}")
    progress = progress or Progress()
    gathered = time.perf_counter()
    cpu0 = time.process_time()
    inputs = gather_inputs(project, lines, counties, progress.scaled(0.0, 0.1))
    inputs.today = today
    if market_only and len(inputs.locations):
        inputs.locations = inputs.locations[inputs.locations.source == "market"].reset_index(drop=True)
    if len(inputs.locations) == 0 or not (inputs.locations.source == "market").any():
        raise BlueprintError(
            f"{project.path}: no market providers to study; import the NPPES file first "
            "(blueprint import nppes PROJECT npidata_pfile_*.csv)"
        )
    gather = {
        "wall_s": round(time.perf_counter() - gathered, 3),
        "cpu_s": round(time.process_time() - cpu0, 3),
    }
    study = compute_feasibility(
        inputs, time_limit, outreach_npis(project), progress.scaled(0.1, 1.0), plan=project.name
    )
    study.market_only = market_only
    study.timings = {"read project": gather, **study.timings}
    study.vintages = vintages(project, inputs)
    study.generated_at = datetime.now(UTC).replace(microsecond=0).isoformat()
    _fill_addresses(project, study)
    return study


def _fill_addresses(project, study: FeasibilityStudy) -> None:
    """Each recruit's first practice address (whom to call, where)."""
    ids = [r.provider_ids[0] for r in study.recruit_set.recruits if r.provider_ids]
    if not ids:
        return
    found: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = project.conn.execute(
            f"SELECT provider_id, address, city, state, zip FROM locations WHERE provider_id IN "
            f"({','.join('?' * len(chunk))}) ORDER BY id",
            chunk,
        ).fetchall()
        for pid, street, city, state, zip_ in rows:
            if int(pid) not in found:
                place = " ".join(p for p in (state or "", (zip_ or "")[:5]) if p)
                found[int(pid)] = ", ".join(p for p in (street or "", city or "", place) if p)
    for r in study.recruit_set.recruits:
        if r.provider_ids:
            r.address = found.get(r.provider_ids[0], "")


def vintages(project, inputs) -> dict[str, str]:
    """What the study rests on, in words: criteria, market file, population, travel time."""
    import json
    import re

    from blueprint_desktop.engine.scoring import _POPULATION_WORDS
    from blueprint_desktop.geo.population_group import group_for

    labels = sorted(
        {
            getattr(inputs.standards[f], "criteria_label", "") or inputs.standards[f].source
            for f in inputs.counties
        }
    )
    out = {"criteria": "; ".join(labels)}
    row = project.conn.execute(
        "SELECT file_name, imported_at, rows_imported, summary_json FROM import_batches "
        "WHERE kind = 'nppes' AND superseded_by IS NULL ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row:
        name, when, n, summary = row
        m = re.search(r"(\d{8})(?:-(\d{8}))?", str(name))
        stamp = ""
        if m:
            d = m.group(2) or m.group(1)
            stamp = f", file dated {d[:4]}-{d[4:6]}-{d[6:]}"
        states = ", ".join(json.loads(summary or "{}").get("states", []) or [])
        out["market"] = (
            f"NPPES (CMS National Plan and Provider Enumeration System) {name}{stamp}; imported {str(when)[:10]}"
            f"; {int(n or 0):,} providers{' in ' + states if states else ''}"
        )
    else:
        demo = project.get_meta("demo_version")
        out["market"] = (
            "synthetic demo market (no NPPES file imported)"
            if demo
            else "market rows of the roster file (no NPPES file imported)"
        )
    sources = inputs.points.source.fillna("").astype(str).value_counts() if "source" in inputs.points else {}
    # Whom the census points stand for ("65+ residents", "residents under 65"): the words name the group.
    group = group_for(inputs.lob).words
    out["population"] = (
        "; ".join(
            f"{_POPULATION_WORDS.get(s, s).format(group=group)} ({n:,} points)"
            for s, n in getattr(sources, "items", dict)()
            if s
        )
        or "population points"
    )
    out["travel"] = "straight-line distance; drive time estimated from it by county type (no road network)"
    return out


def recruit_table(study: FeasibilityStudy) -> list[dict[str, Any]]:
    """The recruit list by county and specialty: one row per target cell, its recruits in priority order."""
    out = []
    by_cell: dict[tuple[str, str], list[Recruit]] = {}
    for r in study.recruit_set.recruits:
        for key in r.cells:
            by_cell.setdefault(tuple(key), []).append(r)
    for key in study.recruit_set.target_cells:
        c = study.cell(*key)
        out.append({"cell": c, "recruits": by_cell.get(tuple(key), [])})
    return out


__all__ = [
    "CoverProblem",
    "CoverSolution",
    "FeasibilityStudy",
    "compute_feasibility",
    "feasibility_study",
    "solve_cover",
]
