"""Degree-2 chains contracted for a run's searches (engine/road_contract.py): the contracted graph keeps every
travel time between the nodes it keeps, on random graphs (against networkx) and on the real OpenStreetMap
extracts in ../shared/data/real/osm, and a whole drive-time run gives the uncontracted run's results.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from blueprint_desktop.engine import roads
from blueprint_desktop.engine.road_contract import contract, contractible
from blueprint_desktop.engine.roads import RoadGraph, RoadMeasure, dedupe, largest_strong_component
from blueprint_desktop.engine.scoring import LocSet, ScoringInputs, compute_results
from blueprint_desktop.geo.distance import haversine_miles

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "osm"
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason=f"{REAL} is not here")
REAL_US = ["columbus.osm.pbf", "portland-central-filtered.osm.pbf", "cobb-county.filtered.osm.pbf"]


def curvy_grid(rows: int, cols: int, shape_points: int, seed: int) -> RoadGraph:
    """A jittered street grid whose every block edge is drawn through ``shape_points`` extra nodes (as OSM
    draws a curve), with random speeds, a tenth of the streets one-way, and a few dead ends."""
    rng = np.random.default_rng(seed)
    lat = np.repeat(np.linspace(40.0, 40.3, rows), cols) + rng.uniform(-1e-3, 1e-3, rows * cols)
    lon = np.tile(np.linspace(-83.0, -82.7, cols), rows) + rng.uniform(-1e-3, 1e-3, rows * cols)
    idx = np.arange(rows * cols).reshape(rows, cols)
    a = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    b = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    n = rows * cols
    lat_l, lon_l, src, dst, mph = [lat], [lon], [], [], []
    for u, v in zip(a.tolist(), b.tolist(), strict=True):
        chain = [u]
        for k in range(shape_points):
            f = (k + 1) / (shape_points + 1)
            lat_l.append([lat[u] + f * (lat[v] - lat[u]) + rng.normal(0, 2e-4)])
            lon_l.append([lon[u] + f * (lon[v] - lon[u]) + rng.normal(0, 2e-4)])
            chain.append(n)
            n += 1
        chain.append(v)
        speed = rng.uniform(20, 60)
        one_way = rng.random() < 0.1
        for x, y in zip(chain[:-1], chain[1:], strict=True):
            src.append(x), dst.append(y), mph.append(speed)
            if not one_way:
                src.append(y), dst.append(x), mph.append(speed * rng.uniform(0.9, 1.1))
    lat, lon = np.concatenate(lat_l), np.concatenate(lon_l)
    src, dst = np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64)
    miles = haversine_miles(lat[src], lon[src], lat[dst], lon[dst])
    g = dedupe(RoadGraph(lat, lon, src, dst, miles / np.array(mph) * 60.0, miles))
    return largest_strong_component(g)[0]


def nx_graph(src, dst, minutes, miles, n) -> nx.DiGraph:
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    for u, v, t, m in zip(src.tolist(), dst.tolist(), minutes.tolist(), miles.tolist(), strict=True):
        G.add_edge(u, v, minutes=t, miles=m)
    return G


@pytest.mark.parametrize("seed", [1, 2])
def test_contracted_times_between_kept_nodes_equal_networkx_on_the_whole_graph(seed):
    g = curvy_grid(9, 9, 3, seed)
    rng = np.random.default_rng(seed)
    keep = np.zeros(g.n, dtype=bool)
    keep[rng.choice(g.n, 30, replace=False)] = True  # points and locations snapped to shape nodes too
    c = contract(g.src, g.dst, g.minutes, g.miles, g.n, keep)
    gone = contractible(g.src, g.dst, g.n, keep)
    assert gone.mean() > 0.6 and c.n == g.n - gone.sum() and c.chains > 0
    assert (c.new_of[keep] >= 0).all() and np.array_equal(c.kept, np.flatnonzero(c.new_of >= 0))
    assert (np.diff(c.src * c.n + c.dst) > 0).all()  # (src, dst) order, no parallel edges
    whole = nx_graph(g.src, g.dst, g.minutes, g.miles, g.n)
    small = nx_graph(c.src, c.dst, c.minutes, c.miles, c.n)
    for s in rng.choice(np.flatnonzero(keep), 8, replace=False).tolist():
        want = nx.single_source_dijkstra_path_length(whole, s, weight="minutes")
        got = nx.single_source_dijkstra_path_length(small, int(c.new_of[s]), weight="minutes")
        for v in c.kept.tolist():
            assert got[int(c.new_of[v])] == pytest.approx(want[v], rel=1e-12, abs=1e-12)


def test_junctions_dead_ends_and_mixed_nodes_stay():
    # 0 <-> 1 <-> 2 -> 3 -> 0 and 2 <-> 4 (dead end): 1 is two-way through, 3 one-way through; 2 is a
    # junction, 4 a dead end, 0 mixed (two-way to 1, one-way in from 3).
    src = np.array([0, 1, 1, 2, 2, 3, 2, 4])
    dst = np.array([1, 0, 2, 1, 3, 0, 4, 2])
    gone = contractible(src, dst, 5, np.zeros(5, dtype=bool))
    assert gone.tolist() == [False, True, False, True, False]
    c = contract(src, dst, np.ones(8), np.full(8, 0.5), 5, np.zeros(5, dtype=bool))
    pairs = {
        (int(c.kept[a]), int(c.kept[b])): (t, m)
        for a, b, t, m in zip(c.src, c.dst, c.minutes, c.miles, strict=True)
    }
    assert pairs == {(0, 2): (2.0, 1.0), (2, 0): (2.0, 1.0), (2, 4): (1.0, 0.5), (4, 2): (1.0, 0.5)}


def _measures(monkeypatch, g, county, lat, lon, n_c):
    out = {}
    for flag in ("0", "1"):
        monkeypatch.setenv("BLUEPRINT_ROAD_CONTRACT", flag)
        out[flag] = RoadMeasure(g, county, lat, lon, n_c)
    return out["0"], out["1"]


@needs_real
@pytest.mark.parametrize("name", REAL_US)
def test_real_extracts_lose_most_nodes_and_keep_every_answer(name, monkeypatch):
    g = roads.read_osm(REAL / name)
    rng = np.random.default_rng(3)
    n_p, n_c = 400, 4
    pick = rng.choice(g.n, n_p, replace=False)
    lat, lon = g.node_lat[pick] + rng.normal(0, 5e-4, n_p), g.node_lon[pick] + rng.normal(0, 5e-4, n_p)
    county = rng.integers(0, n_c, n_p)
    offices = rng.choice(g.n, 60, replace=False)
    locs = LocSet(
        g.node_lat[offices] + rng.normal(0, 3e-4, 60), g.node_lon[offices] + rng.normal(0, 3e-4, 60)
    )
    plain, small = _measures(monkeypatch, g, county, lat, lon, n_c)
    for m in (plain, small):
        m.county_limit = np.full(n_c, 25.0)
        m.expect_locations(locs.lat, locs.lon)
    # Real extracts are mostly shape nodes: the searches run on well under half the graph.
    assert plain.prep.n == g.n and small.prep.n < 0.45 * g.n
    for limit in (None, 12.0):
        t0, d0 = plain.nearest(locs, limit=limit)
        t1, d1 = small.nearest(locs, limit=limit)
        assert np.array_equal(np.isinf(t0), np.isinf(t1))
        np.testing.assert_allclose(t1[np.isfinite(t1)], t0[np.isfinite(t0)], rtol=1e-12)
        np.testing.assert_allclose(d1[np.isfinite(d1)], d0[np.isfinite(d0)], rtol=1e-12)
    # The provisional re-check (fewer locations) repairs on the contracted graph as on the whole one.
    fewer = LocSet(locs.lat[:45], locs.lon[:45])
    np.testing.assert_allclose(small.nearest(fewer)[0], plain.nearest(fewer)[0], rtol=1e-12)
    limits = rng.uniform(5, 20, n_c)
    c0, l0 = plain.reach(locs, limits, limits * 0.8)
    c1, l1 = small.reach(locs, limits, limits * 0.8)
    assert np.array_equal(c0, c1) and np.array_equal(l0, l1) and len(c0) > 0


@needs_real
def test_a_location_nobody_named_is_kept_by_contracting_again(monkeypatch):
    g = roads.read_osm(REAL / "cobb-county.filtered.osm.pbf")
    rng = np.random.default_rng(5)
    pick = rng.choice(g.n, 50, replace=False)
    plain, small = _measures(monkeypatch, g, np.zeros(50, np.int64), g.node_lat[pick], g.node_lon[pick], 1)
    small.prep  # noqa: B018 - contracted around the points alone
    named_later = np.flatnonzero(small.prep.new_of < 0)[:20]  # nodes this contraction dropped
    locs = LocSet(g.node_lat[named_later], g.node_lon[named_later])
    np.testing.assert_allclose(small.nearest(locs)[0], plain.nearest(locs)[0], rtol=1e-12)
    assert (small.prep.new_of[named_later] >= 0).all()


def test_a_whole_run_equals_the_uncontracted_run(monkeypatch):
    """Two Ohio counties, every line, on a curvy grid that is 75% shape nodes: every cell's status, count
    and share equal; times and miles equal to 1e-9."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from bench_scoring import synthetic_locations

    from blueprint_desktop.geo.points import census_points
    from blueprint_desktop.rules.standards import all_lines, standards_for_county

    counties = ["39049", "39041"]
    pts = census_points(counties)
    g = curvy_grid(28, 28, 3, 4)
    # Move the grid over the two counties.
    lat0, lon0 = pts.lat.min() - 0.1, pts.lon.min() - 0.1
    span = max(pts.lat.max() - pts.lat.min(), pts.lon.max() - pts.lon.min()) + 0.2
    g.node_lat = lat0 + (g.node_lat - 40.0) / 0.3 * span
    g.node_lon = lon0 + (g.node_lon + 83.0) / 0.3 * span
    g.miles = haversine_miles(g.node_lat[g.src], g.node_lon[g.src], g.node_lat[g.dst], g.node_lon[g.dst])
    locs = synthetic_locations(pts, 600, [ld.code for ld in all_lines("ma")], np.random.default_rng(2))
    standards = {f: standards_for_county(None, f) for f in counties}
    inputs = ScoringInputs(counties, standards, pts, locs, today=None)
    runs = {}
    for flag in ("0", "1"):
        monkeypatch.setenv("BLUEPRINT_ROAD_CONTRACT", flag)
        runs[flag] = pd.DataFrame([r.as_dict() for r in compute_results(inputs, "road", graph=g)])
    a, b = runs["0"], runs["1"]
    assert len(a) == len(b) > 50
    for col in ("county_fips", "line_code", "status", "credited_count", "pct_within"):
        assert a[col].tolist() == b[col].tolist(), col
    for col in ("p90_minutes", "p90_miles"):
        np.testing.assert_allclose(b[col].to_numpy(float), a[col].to_numpy(float), rtol=1e-9)
    assert len(set(a.status)) > 1


def test_slices_of_the_edges_change_nothing(monkeypatch):
    # The per-edge steps run in slices (memory: issue 16): any slice size gives the one-slice answer.
    from blueprint_desktop.engine import road_contract

    g = curvy_grid(7, 8, 2, 5)
    keep = np.zeros(g.n, dtype=bool)
    keep[np.random.default_rng(5).choice(g.n, 20, replace=False)] = True
    whole = contract(g.src, g.dst, g.minutes, g.miles, g.n, keep)
    for size in (1, 7, 64):
        monkeypatch.setattr(road_contract, "_SLICE", size)
        c = contract(g.src, g.dst, g.minutes, g.miles, g.n, keep)
        for field in ("new_of", "kept", "src", "dst", "minutes", "miles"):
            assert np.array_equal(getattr(c, field), getattr(whole, field)), (size, field)
        assert c.chains == whole.chains
    # Edges out of (src, dst) order are sorted first, slice by slice checked.
    flip = np.arange(len(g.src))[::-1]
    monkeypatch.setattr(road_contract, "_SLICE", 7)
    assert not road_contract._in_src_dst_order(g.src[flip], g.dst[flip])
    c = contract(g.src[flip], g.dst[flip], g.minutes[flip], g.miles[flip], g.n, keep)
    assert np.array_equal(c.src, whole.src) and np.array_equal(c.minutes, whole.minutes)
