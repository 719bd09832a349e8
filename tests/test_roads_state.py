"""Drive time at state size (engine/roads.py): the searches that replaced the dense per-county cache and
pointer jumping over every node give what networkx's shortest paths give on small random road graphs, and
what the code before them gave (bench/roads_baseline.py, a frozen copy) on a synthetic graph.

The random graphs have random coordinates and speeds, so no two paths tie and every comparison with networkx
is exact to rounding; some roads are one-way, so a search on the reversed graph differs from a forward one.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy.spatial import cKDTree

from blueprint_desktop.engine import roads
from blueprint_desktop.engine.roads import RoadGraph, RoadMeasure, dedupe, largest_strong_component
from blueprint_desktop.engine.scoring import LocSet, ScoringInputs, compute_results
from blueprint_desktop.geo.distance import haversine_miles

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from roads_baseline import RoadMeasure as OldRoadMeasure  # noqa: E402


def random_graph(n: int, seed: int) -> RoadGraph:
    """Nodes at random in a ~20-mile square, each joined to its 3 nearest; speeds differ by direction and
    a tenth of the reverse directions are missing (one-way roads)."""
    rng = np.random.default_rng(seed)
    lat, lon = 40.0 + rng.random(n) * 0.3, -83.0 + rng.random(n) * 0.3
    _, nb = cKDTree(np.column_stack([lat, lon])).query(np.column_stack([lat, lon]), k=4)
    a, b = np.repeat(np.arange(n), 3), nb[:, 1:].ravel()
    two_way = rng.random(len(a)) > 0.1
    src, dst = np.concatenate([a, b[two_way]]), np.concatenate([b, a[two_way]])
    miles = haversine_miles(lat[src], lon[src], lat[dst], lon[dst])
    mph = rng.uniform(15.0, 70.0, len(src))
    g = dedupe(RoadGraph(lat, lon, src.astype(np.int64), dst.astype(np.int64), miles / mph * 60.0, miles))
    return largest_strong_component(g)[0]


def nx_graph(g: RoadGraph) -> nx.DiGraph:
    G = nx.DiGraph()
    G.add_nodes_from(range(g.n))
    for u, v, t, m in zip(g.src.tolist(), g.dst.tolist(), g.minutes.tolist(), g.miles.tolist(), strict=True):
        G.add_edge(u, v, minutes=t, miles=m)
    return G


def path_miles(G: nx.DiGraph, path: list[int], reverse: bool) -> float:
    pairs = zip(path[:-1], path[1:], strict=True)
    return sum(G[b][a]["miles"] if reverse else G[a][b]["miles"] for a, b in pairs)


@pytest.fixture(scope="module", params=[1, 2, 3])
def small(request):
    g = random_graph(600, request.param)
    return g, nx_graph(g), np.random.default_rng(request.param)


def on_nodes(g: RoadGraph, nodes: np.ndarray) -> LocSet:
    return LocSet(g.node_lat[nodes], g.node_lon[nodes])


@pytest.mark.parametrize("limit", [None, 6.0])
def test_nearest_matches_networkx_multi_source(small, limit):
    g, G, rng = small
    points = rng.choice(g.n, 80, replace=False)
    offices = rng.choice(g.n, 5, replace=False)
    m = RoadMeasure(g, np.zeros(80, np.int64), g.node_lat[points], g.node_lon[points], 1)
    minutes, miles = m.nearest(on_nodes(g, offices), limit=limit)
    dist, paths = nx.multi_source_dijkstra(G.reverse(copy=True), set(offices.tolist()), weight="minutes")
    beyond = 0
    for i, p in enumerate(points.tolist()):
        if limit is not None and dist[p] > limit:
            assert minutes[i] == np.inf and miles[i] == np.inf
            beyond += 1
            continue
        assert minutes[i] == pytest.approx(dist[p], rel=1e-12, abs=1e-12)
        assert miles[i] == pytest.approx(path_miles(G, paths[p], reverse=True), rel=1e-12, abs=1e-12)
    if limit is not None:
        assert 0 < beyond < 80  # the limit cut some points and not others


def test_count_search_matches_networkx_forward(small):
    g, G, rng = small
    points = rng.choice(g.n, 6, replace=False)
    m = RoadMeasure(g, np.zeros(6, np.int64), g.node_lat[points], g.node_lon[points], 1)
    m.county_limit = np.array([8.0])
    nodes = rng.choice(g.n, 200, replace=False)
    m.expect_locations(g.node_lat[nodes], g.node_lon[nodes])
    t, mi = m.county_times(0, nodes)
    dist, paths = nx.multi_source_dijkstra(G, set(points.tolist()), weight="minutes")
    inside = 0
    for k, n in enumerate(nodes.tolist()):
        if dist[n] > 8.0:
            assert t[k] == np.inf and mi[k] == np.inf
            continue
        inside += 1
        assert t[k] == np.float32(dist[n])
        assert mi[k] == pytest.approx(path_miles(G, paths[n], reverse=False), rel=1e-6)
    assert 10 < inside < 200
    # Nodes nobody named are searched for on the spot and give the same answer.
    other = np.setdiff1d(np.arange(g.n), nodes)[:50]
    t2, _ = m.county_times(0, other)
    want = np.array([dist[n] if dist[n] <= 8.0 else np.inf for n in other.tolist()], dtype=np.float32)
    assert np.array_equal(t2, want)


def test_dropping_locations_equals_a_fresh_search(small):
    """The provisional re-check: a call whose locations are a subset of the last call's repairs only the
    nodes the dropped ones won, and gives bit for bit what a fresh search gives."""
    g, _, rng = small
    points = rng.choice(g.n, 150, replace=False)
    offices = rng.choice(g.n, 25, replace=False)
    lat, lon = g.node_lat[points] + rng.normal(0, 1e-4, 150), g.node_lon[points] + rng.normal(0, 1e-4, 150)
    for limit in (None, 3.0, 12.0):
        m = RoadMeasure(g, np.zeros(150, np.int64), lat, lon, 1)
        first = m.nearest(on_nodes(g, offices), limit=limit)
        for keep in (rng.random(25) > 0.3, rng.random(25) > 0.8, np.ones(25, bool)):
            sub = on_nodes(g, offices[keep])
            repaired = m.nearest(sub, limit=limit)
            off = m.off_network.copy()
            fresh_m = RoadMeasure(g, np.zeros(150, np.int64), lat, lon, 1)
            fresh = fresh_m.nearest(sub, limit=limit)
            assert np.array_equal(repaired[0], fresh[0]) and np.array_equal(repaired[1], fresh[1])
            assert np.array_equal(off, fresh_m.off_network)
            m.nearest(on_nodes(g, offices), limit=limit)  # back to the full set for the next subset
        assert np.all(repaired[0] >= first[0])


def test_tree_miles_reads_only_the_paths_and_sums_as_pointer_jumping_did(small):
    g, _, rng = small
    old = OldRoadMeasure(g, np.zeros(1, np.int64), g.node_lat[:1], g.node_lon[:1], 1)
    new = RoadMeasure(g, np.zeros(1, np.int64), g.node_lat[:1], g.node_lon[:1], 1)
    from scipy.sparse.csgraph import dijkstra

    for matrix, reverse in ((new.prep.forward, False), (new.prep.reverse, True)):
        _, pred, _ = dijkstra(
            matrix, indices=rng.choice(g.n, 4, replace=False), min_only=True, return_predecessors=True
        )
        every = old.prep.path_miles(pred, reverse=reverse)
        targets = rng.choice(g.n, 40)
        assert np.array_equal(new.prep.tree_miles(pred, targets, reverse=reverse), every[targets])
        assert not new.prep._seen.any()  # the scratch marks are cleared for the next call


# -- the whole run against the code before the change -----------------------------------------------------
def jittered_grid(min_lat, max_lat, min_lon, max_lon, rows, cols, seed=5) -> RoadGraph:
    """bench_scoring's grid (arterials every 10th row and column), nodes moved a little so no paths tie."""
    from bench_scoring import grid_graph

    g = grid_graph(min_lat, max_lat, min_lon, max_lon, rows, cols)
    rng = np.random.default_rng(seed)
    lat = g.node_lat + rng.uniform(-0.2, 0.2, g.n) * (max_lat - min_lat) / rows
    lon = g.node_lon + rng.uniform(-0.2, 0.2, g.n) * (max_lon - min_lon) / cols
    miles = haversine_miles(lat[g.src], lon[g.src], lat[g.dst], lon[g.dst])
    return RoadGraph(lat, lon, g.src, g.dst, g.minutes * miles / np.maximum(g.miles, 1e-9), miles)


class _Old(OldRoadMeasure):
    def expect_locations(self, *args) -> None:  # the old code had no such step
        pass


def test_a_run_gives_what_the_code_before_gave(monkeypatch):
    """Five Ohio counties, every line, synthetic providers (3% provisional), on a ~50,000-node grid: every
    field of every cell equals the old code's."""
    from bench_scoring import synthetic_locations

    from blueprint_desktop.geo.points import census_points
    from blueprint_desktop.rules.standards import all_lines, standards_for_county

    counties = ["39049", "39041", "39089", "39045", "39129"]
    pts = census_points(counties)
    rng = np.random.default_rng(11)
    lines = [ld.code for ld in all_lines("ma")]
    locs = synthetic_locations(pts, 4000, lines, rng)
    g = jittered_grid(
        pts.lat.min() - 0.3, pts.lat.max() + 0.3, pts.lon.min() - 0.3, pts.lon.max() + 0.3, 230, 230
    )
    standards = {f: standards_for_county(None, f) for f in counties}
    inputs = ScoringInputs(counties, standards, pts, locs, today=None)
    assert (locs.credentialing_status == "provisional").any()

    new = [r.as_dict() for r in compute_results(inputs, "road", graph=g)]
    monkeypatch.setattr(roads, "RoadMeasure", _Old)
    old = [r.as_dict() for r in compute_results(inputs, "road", graph=g)]
    assert len(new) == len(old) > 100
    assert pd.Series([a == b for a, b in zip(new, old, strict=True)]).all()
    # The run measured something: cells both in and out of standard, counts above zero.
    assert len({r["status"] for r in new}) > 1 and any(r["credited_count"] for r in new)


def test_count_searches_split_over_two_processes_give_the_same_pairs(small, monkeypatch):
    g, _, rng = small
    n_c = 12
    points = rng.choice(g.n, 120, replace=False)
    county = rng.integers(0, n_c, 120)
    offices = rng.choice(g.n, 60, replace=False)
    locs = on_nodes(g, offices)
    max_min, max_mi = rng.uniform(2.0, 9.0, n_c), rng.uniform(2.0, 9.0, n_c)

    def pairs(workers: str) -> tuple[np.ndarray, np.ndarray, int]:
        monkeypatch.setenv("BLUEPRINT_ROAD_WORKERS", workers)
        m = RoadMeasure(g, county, g.node_lat[points], g.node_lon[points], n_c)
        m.county_limit = max_min.copy()
        m.expect_locations(locs.lat, locs.lon)
        here = []
        search = m._search_county
        monkeypatch.setattr(m, "_search_county", lambda c, nodes: here.append(c) or search(c, nodes))
        c, loc = m.reach(locs, max_min, max_mi)
        return c, loc, len(here)

    monkeypatch.setattr(roads, "PARALLEL_MIN_NODES", 0)
    monkeypatch.setattr(roads, "PARALLEL_MIN_COUNTIES", 2)
    c1, l1, searched_here_1 = pairs("1")
    c2, l2, searched_here_2 = pairs("2")
    assert searched_here_1 == n_c
    assert np.array_equal(c1, c2) and np.array_equal(l1, l2) and len(c1) > 0
    if roads._workers() == 2:  # a second core and no other threads: the helper took half
        assert searched_here_2 == n_c // 2


def test_prepared_matrices_equal_scipy_s_for_unsorted_graphs_with_parallel_edges():
    from scipy.sparse import csr_matrix

    g = random_graph(300, 9)
    rng = np.random.default_rng(9)
    shuffle = rng.permutation(len(g.src))
    twice = np.concatenate([shuffle, shuffle[:40]])  # 40 parallel edges, rows out of order
    h = RoadGraph(g.node_lat, g.node_lon, g.src[twice], g.dst[twice], g.minutes[twice], g.miles[twice])
    for graph in (g, h):
        prep = roads._Prepared(graph)
        want = csr_matrix((graph.minutes, (graph.src, graph.dst)), shape=(graph.n, graph.n))
        assert (prep.forward != want).nnz == 0 and (prep.reverse != want.T.tocsr()).nnz == 0
        assert np.array_equal(prep.forward.indices, want.indices)
        assert np.array_equal(prep.edge_miles(g.src, g.dst), g.miles)


@pytest.mark.parametrize("head_start", [0.0, 0.5])
def test_searching_ahead_on_a_second_core_gives_the_same_answers(small, monkeypatch, head_start):
    """A run's order of calls: each line's locations, then the same without its provisional ones; a line
    skipped; limits cut what the unlimited search ahead found. Same answers as searching in turn, whether
    the helper is ahead (its buffers) or not (this process searches the next set while waiting)."""
    g, _, rng = small
    points = rng.choice(g.n, 100, replace=False)
    offices = rng.choice(g.n, 120, replace=False)
    lat, lon = g.node_lat[offices], g.node_lon[offices]
    groups = [np.flatnonzero(rng.random(120) < share) for share in (0.3, 0.05, 0.1, 0.02, 0.2)]
    limits = [4.0, 9.0, None, 2.5, 6.0]
    monkeypatch.setattr(roads, "PARALLEL_MIN_NODES", 0)

    def run(workers: str) -> tuple[list, bool]:
        monkeypatch.setenv("BLUEPRINT_ROAD_WORKERS", workers)
        m = RoadMeasure(g, np.zeros(100, np.int64), g.node_lat[points], g.node_lon[points], 1)
        m.expect_locations(lat, lon, groups)
        ahead = m._prefetch is not None
        if ahead:
            time.sleep(head_start)
        out = []
        for i, (idx, limit) in enumerate(zip(groups, limits, strict=True)):
            if i == 1:
                continue  # a line the run skips
            out.append(m.nearest(LocSet(lat[idx], lon[idx]), limit=limit))
            keep = idx[rng.random(len(idx)) > 0.3]
            out.append(m.nearest(LocSet(lat[keep], lon[keep]), limit=limit))
        m.close()
        return out, ahead

    state = rng.bit_generator.state
    in_turn, ahead_1 = run("1")
    rng.bit_generator.state = state
    ahead, ahead_2 = run("2")
    assert not ahead_1
    for (t1, d1), (t2, d2) in zip(in_turn, ahead, strict=True):
        assert np.array_equal(t1, t2) and np.array_equal(d1, d2)
    assert any(np.isinf(t).any() and np.isfinite(t).any() for t, _ in in_turn)  # the limits cut
    if roads._workers() == 2:
        assert ahead_2
