"""The service-area recruit set (engine/feasibility.solve_cover) against brute force on small cases.

Brute force tries every subset of candidates by increasing size and checks the raw rules directly (the
weight of open points reached per cell against its need, 42 CFR 422.116(d)(4); the count or beds of
candidates reaching the cell against its gap, 422.116(e)), without any of the solver's reductions. The
solver must find a set of exactly the brute-force minimum, and its set must pass the same raw check; a
solver that answered with the greedy, or whose point classes or candidate groups merged things that
differ, fails here.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from blueprint_desktop.engine.feasibility import CoverProblem, solve_cover


def _passes(p: CoverProblem, chosen: set[int]) -> bool:
    got_w = np.zeros(p.n_cells)
    reached = {int(pt) for u, pt in zip(p.cover_unit, p.cover_point, strict=True) if int(u) in chosen}
    for pt in reached:
        got_w[p.point_cell[pt]] += p.point_w[pt]
    got_q = np.zeros(p.n_cells)
    for u, k, q in zip(p.count_unit, p.count_cell, p.count_q, strict=True):
        if int(u) in chosen:
            got_q[k] += q
    return bool(
        all(p.need_w[k] <= 0 or got_w[k] + 1e-9 >= p.need_w[k] for k in range(p.n_cells))
        and all(p.gap[k] <= 0 or got_q[k] + 1e-9 >= p.gap[k] for k in range(p.n_cells))
    )


def _brute_force(p: CoverProblem) -> int | None:
    for size in range(p.n_units + 1):
        for subset in combinations(range(p.n_units), size):
            if _passes(p, set(subset)):
                return size
    return None


def _random_problem(seed: int) -> CoverProblem:
    """3 cells, 5-7 open points each, 9-11 candidates, some of them exact copies of another (the
    candidate groups), counts in NPIs or beds, needs set between a third and all of what is reachable."""
    rng = np.random.default_rng(seed)
    n_cells = 3
    point_cell = np.repeat(np.arange(n_cells), rng.integers(5, 8, n_cells))
    n_pts = len(point_cell)
    point_w = rng.integers(1, 20, n_pts).astype(float)
    base = int(rng.integers(7, 10))
    reach = rng.random((base, n_pts)) < 0.28
    copies = rng.integers(0, base, int(rng.integers(1, 3)))
    reach = np.vstack([reach, reach[copies]])  # interchangeable candidates
    n_units = len(reach)
    cover_unit, cover_point = np.nonzero(reach)
    # A candidate counts in a cell when it reaches one of its points, open or already covered: here the
    # open ones plus, now and then, a covered point we do not list (count without share).
    counts = np.zeros((n_units, n_cells))
    for u in range(n_units):
        for k in range(n_cells):
            if reach[u, point_cell == k].any() or rng.random() < 0.1:
                counts[u, k] = 1.0
    counts[base:] = counts[copies]
    beds_cell = int(rng.integers(0, n_cells)) if seed % 2 else -1
    if beds_cell >= 0:
        beds = rng.integers(20, 200, n_units).astype(float)
        beds[base:] = beds[copies]
        counts[:, beds_cell] *= beds
    count_unit, count_cell = np.nonzero(counts)
    reachable = np.bincount(
        point_cell[np.unique(cover_point)], weights=point_w[np.unique(cover_point)], minlength=n_cells
    )
    need_w = np.round(reachable * rng.uniform(0.3, 1.0, n_cells), 1)
    need_w[rng.random(n_cells) < 0.2] = 0.0  # a cell whose share is already met
    have_q = counts.sum(axis=0)
    gap = np.floor(have_q * rng.uniform(0.0, 0.6, n_cells))
    return CoverProblem(
        n_units,
        need_w,
        gap,
        point_cell,
        point_w,
        cover_unit.astype(np.int64),
        cover_point.astype(np.int64),
        count_unit.astype(np.int64),
        count_cell.astype(np.int64),
        counts[count_unit, count_cell],
        np.zeros(n_units),
    )


@pytest.mark.parametrize("seed", range(40))
def test_recruit_set_is_the_brute_force_minimum(seed: int) -> None:
    p = _random_problem(seed)
    best = _brute_force(p)
    assert best is not None  # the needs are set within what the candidates reach
    sol = solve_cover(p, time_limit=20)
    assert sol.status in ("optimal", "nothing needed")
    assert len(sol.chosen) == best, (seed, sol.chosen, best)
    assert len(set(sol.chosen)) == len(sol.chosen)  # never the same candidate twice
    assert _passes(p, set(sol.chosen))
    assert sol.lower_bound == best
    # The greedy bound is a real solution too, never smaller than the optimum.
    assert _passes(p, set(sol.greedy_chosen)) and sol.greedy_size >= best


def test_the_ilp_beats_the_greedy_where_greedy_is_wrong() -> None:
    """Six people in one county, all needed: X = {a1,a2,a3}, Y = {b1,b2,b3}, Z = {a1,a2,b1,b2}. The greedy
    takes Z first (4 people) and then needs X and Y both: 3 providers. Two suffice (X and Y)."""
    reach = np.array([[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1], [1, 1, 0, 1, 1, 0]], dtype=bool)
    cu, cp = np.nonzero(reach)
    p = CoverProblem(
        3,
        np.array([6.0]),
        np.array([0.0]),
        np.zeros(6, dtype=np.int64),
        np.ones(6),
        cu.astype(np.int64),
        cp.astype(np.int64),
        np.zeros(0, np.int64),
        np.zeros(0, np.int64),
        np.zeros(0),
    )
    sol = solve_cover(p, time_limit=10)
    assert sorted(sol.chosen) == [0, 1]
    assert sol.greedy_size == 3 and sol.greedy_chosen[0] == 2
    assert sol.lower_bound == 2 and sol.status == "optimal"


def test_one_provider_counted_in_two_counties_is_signed_once() -> None:
    """Two counties each one provider short: one candidate reaching both beats two local ones; solving the
    counties one by one would sign two."""
    p = CoverProblem(
        3,
        np.array([0.0, 0.0]),
        np.array([1.0, 1.0]),
        np.zeros(0, np.int64),
        np.zeros(0),
        np.zeros(0, np.int64),
        np.zeros(0, np.int64),
        np.array([0, 1, 2, 2]),
        np.array([0, 1, 0, 1]),
        np.ones(4),
    )
    sol = solve_cover(p, time_limit=10)
    assert sol.chosen == [2]


def test_interchangeable_candidates_prefer_the_roster_row() -> None:
    """Three candidates at the same site reach the same people: one is needed, the preferred one (an LOI
    on the roster, say) is named and the other two are its alternatives."""
    p = CoverProblem(
        3,
        np.array([5.0]),
        np.array([0.0]),
        np.zeros(2, dtype=np.int64),
        np.array([5.0, 5.0]),
        np.array([0, 1, 2]),
        np.array([0, 0, 0]),
        np.zeros(0, np.int64),
        np.zeros(0, np.int64),
        np.zeros(0),
        preference=np.array([0.0, 2.0, 0.0]),
    )
    sol = solve_cover(p, time_limit=10)
    assert sol.chosen == [1] and sol.alternatives == [2]


def test_independent_parts_are_solved_apart_and_their_sizes_add_up() -> None:
    """Two seeds' problems side by side (no candidate in both): one answer, the sum of the two minima."""
    a, b = _random_problem(3), _random_problem(8)
    shift_u, shift_p, shift_k = a.n_units, len(a.point_w), a.n_cells
    both = CoverProblem(
        a.n_units + b.n_units,
        np.concatenate([a.need_w, b.need_w]),
        np.concatenate([a.gap, b.gap]),
        np.concatenate([a.point_cell, b.point_cell + shift_k]),
        np.concatenate([a.point_w, b.point_w]),
        np.concatenate([a.cover_unit, b.cover_unit + shift_u]),
        np.concatenate([a.cover_point, b.cover_point + shift_p]),
        np.concatenate([a.count_unit, b.count_unit + shift_u]),
        np.concatenate([a.count_cell, b.count_cell + shift_k]),
        np.concatenate([a.count_q, b.count_q]),
        np.zeros(a.n_units + b.n_units),
    )
    sol = solve_cover(both, time_limit=20)
    assert sol.model["parts"] >= 2
    assert len(sol.chosen) == _brute_force(a) + _brute_force(b) == sol.lower_bound
    assert _passes(both, set(sol.chosen))


def test_prune_drops_a_signature_the_others_make_redundant() -> None:
    """A set with one provider too many (what a greedy may leave where the solver ran out of time)."""
    from dataclasses import replace as dc_replace

    from blueprint_desktop.engine.feasibility import _prune, _reduce

    reach = np.array([[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1], [1, 1, 0, 1, 1, 0]], dtype=bool)
    cu, cp = np.nonzero(reach)
    p = CoverProblem(
        3, np.array([6.0]), np.array([0.0]), np.zeros(6, dtype=np.int64), np.ones(6),
        cu.astype(np.int64), cp.astype(np.int64),
        np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0),
    )  # fmt: skip
    r = _reduce(p)
    x = np.ones(len(r.members), dtype=np.int64)  # all three signed
    z = r.group_of_unit[2]
    kept = _prune(dc_replace(p), r, x, np.where(np.arange(len(x)) == z, 0.0, 1.0))
    assert kept[z] == 0 and kept.sum() == 2  # Z goes first (least useful) and X, Y still cover everyone


@pytest.mark.parametrize("seed", range(0, 40, 3))
def test_the_bounds_used_without_a_proof_never_exceed_the_minimum(seed: int) -> None:
    """Where HiGHS stops at the time limit the study states a bound from these two; a bound above the true
    minimum would claim more than is known."""
    from blueprint_desktop.engine.feasibility import _cell_bounds, _components, _reduce, _relaxed_bound

    p = _random_problem(seed)
    best = _brute_force(p)
    r = _reduce(p)
    sizes = np.array([len(m) for m in r.members], dtype=np.int64)
    need, gap = np.maximum(p.need_w, 0), np.maximum(p.gap, 0)
    total_cells = total_lp = 0
    for cells, groups in _components(r, p.n_cells):
        total_cells += _cell_bounds(r, cells, groups, need, gap, sizes)
        total_lp += _relaxed_bound(r, cells, groups, need, gap, sizes)
    assert total_cells <= best and total_lp <= best


@pytest.mark.parametrize("seed", range(1, 40, 4))
def test_the_reductions_fed_cell_by_cell_equal_one_pass(seed: int) -> None:
    """The study feeds the reductions a chunk of cells at a time (``_Reducer``, memory); the classes, the
    groups and the cover matrix must be exactly those of one pass over the whole problem."""
    from blueprint_desktop.engine.feasibility import _reduce, _Reducer

    p = _random_problem(seed)
    whole = _reduce(p)
    red = _Reducer(p.n_units)
    need_share = p.need_w > 0
    for k in range(p.n_cells):  # one block per cell, in point order (the points are sorted by cell)
        pts = np.flatnonzero(p.point_cell == k)
        sel = np.isin(p.cover_point, pts)
        red.add(
            p.point_cell[pts], p.point_w[pts], need_share[p.point_cell[pts]],
            p.cover_unit[sel].astype(np.int32), (p.cover_point[sel] - pts[0]).astype(np.int32),
        )  # fmt: skip
    parts = red.finish(p)
    assert np.array_equal(parts.class_cell, whole.class_cell)
    assert np.array_equal(parts.class_w, whole.class_w)
    assert np.array_equal(parts.group_of_unit, whole.group_of_unit)
    assert [m.tolist() for m in parts.members] == [m.tolist() for m in whole.members]
    for a, b in ((parts.gcover, whole.gcover), (parts.gcount, whole.gcount), (parts.gweight, whole.gweight)):
        assert a.shape == b.shape and (a != b).nnz == 0
        assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)


def test_the_time_limit_counts_everything_and_says_what_it_cut() -> None:
    """With no time left after the greedy, no part goes to the solver: the answer is the greedy's (still a
    valid set, with the combinatorial bound) and the status says what the limit cut short."""
    p = _random_problem(5)
    sol = solve_cover(p, time_limit=1e-6)
    assert _passes(p, set(sol.chosen))
    assert "the limit cut short" in sol.status and "not given to the solver" in sol.status
    assert 1 <= sol.lower_bound <= len(sol.chosen)
