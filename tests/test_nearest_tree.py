"""The run's k = 1 kernel (engine/nearest_tree.py): scipy's answers, on one thread, safe across a fork."""

from __future__ import annotations

import multiprocessing
import os

import numpy as np
import pytest
from scipy.spatial import cKDTree

from blueprint_desktop.engine.nearest_tree import NearestTree
from blueprint_desktop.geo.distance import to_unit_vectors


def _unit(rng, n: int) -> np.ndarray:
    return to_unit_vectors(rng.uniform(25, 49, n), rng.uniform(-124, -67, n))


@pytest.mark.parametrize("dims", [3, 4])
def test_same_distances_and_indices_as_scipy(dims: int) -> None:
    rng = np.random.default_rng(3)
    data = _unit(rng, 5000)
    queries = _unit(rng, 20000)
    if dims == 4:  # the reach test's tree: a fourth coordinate that separates counties
        data = np.column_stack([data, rng.integers(0, 40, len(data)) * 4.0])
        queries = np.column_stack([queries, rng.integers(0, 40, len(queries)) * 4.0])
    # Duplicated locations (two providers at one address): a tie, which may be broken either way.
    data = np.vstack([data, data[:300]])
    want_d, want_i = cKDTree(data).query(queries, k=1)
    got_d, got_i = NearestTree(data).query(queries)
    assert got_i.dtype == np.int64
    assert np.array_equal(got_d, want_d)  # bit for bit
    differ = got_i != want_i
    assert np.array_equal(data[got_i[differ]], data[want_i[differ]])  # only ties, at the same place
    for upper in (0.002, 0.02):
        want_d, want_i = cKDTree(data).query(queries, k=1, distance_upper_bound=upper)
        got_d, got_i = NearestTree(data).query(queries, upper)
        assert np.array_equal(got_d, want_d)
        assert np.array_equal(np.isinf(got_d), got_i == len(data))  # none within: (inf, n), as scipy


def test_empty_tree_and_no_queries() -> None:
    d, i = NearestTree(np.zeros((0, 3))).query(np.ones((4, 3)))
    assert np.isinf(d).all() and (i == 0).all()
    d, i = NearestTree(np.ones((3, 3))).query(np.zeros((0, 3)))
    assert len(d) == 0 and len(i) == 0


def test_openmp_runs_on_one_thread() -> None:
    from blueprint_desktop.engine.nearest_tree import openmp_threads

    threads = openmp_threads()
    assert threads, "pykdtree's OpenMP runtime was not found"
    assert all(n == 1 for n in threads), threads


def test_the_module_refuses_when_the_limit_did_not_take(monkeypatch) -> None:
    from blueprint_desktop.engine import nearest_tree

    monkeypatch.setattr(nearest_tree, "openmp_threads", lambda: [2])
    with pytest.raises(RuntimeError, match="one OpenMP thread"):
        nearest_tree._check_one_thread()
    monkeypatch.setattr(nearest_tree, "openmp_threads", lambda: [])
    monkeypatch.setattr(nearest_tree.sys, "platform", "linux")
    with pytest.raises(RuntimeError, match="no OpenMP runtime"):
        nearest_tree._check_one_thread()


def _child_query(data: np.ndarray, queries: np.ndarray, conn) -> None:
    conn.send(NearestTree(data).query(queries)[1].tolist())


@pytest.mark.timeout(60)
@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is a POSIX call")
def test_a_forked_child_queries_after_the_parent() -> None:
    # With OpenMP's thread pool started in the parent, a forked child's first query never returned.
    rng = np.random.default_rng(5)
    data, queries = _unit(rng, 20000), _unit(rng, 200_000)
    want = NearestTree(data).query(queries)[1].tolist()  # the parent queries first
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child_query, args=(data, queries, send), daemon=True)
    child.start()
    assert recv.poll(45), "the forked child's query did not return"
    assert recv.recv() == want
    child.join(10)
