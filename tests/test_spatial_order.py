"""Points queried in Z-order (nearest.SpatialOrder) get the answers of a query in their own order, ties
included; the key is the Morton interleave of the three quantised coordinates."""

from __future__ import annotations

import numpy as np

from blueprint_desktop.engine import scoring
from blueprint_desktop.engine.nearest import SpatialOrder, _spread, nearest_miles
from blueprint_desktop.geo.distance import to_unit_vectors


def test_z_order_answers_are_the_plain_answers_point_for_point():
    rng = np.random.default_rng(3)
    lat, lon = rng.uniform(25, 49, 50_000), rng.uniform(-124, -67, 50_000)
    loc_lat, loc_lon = rng.uniform(25, 49, 3000), rng.uniform(-124, -67, 3000)
    # Ties: locations repeated exactly, and points on top of locations.
    loc_lat, loc_lon = np.concatenate([loc_lat, loc_lat[:500]]), np.concatenate([loc_lon, loc_lon[:500]])
    lat[:400], lon[:400] = loc_lat[:400], loc_lon[:400]
    xyz = to_unit_vectors(lat, lon)
    order = SpatialOrder(xyz)
    assert sorted(order.perm.tolist()) == list(range(len(lat)))
    plain = nearest_miles(lat, lon, loc_lat, loc_lon, point_xyz=xyz)
    ordered = nearest_miles(lat, lon, loc_lat, loc_lon, point_xyz=xyz, order=order)
    assert np.array_equal(plain[0], ordered[0]) and np.array_equal(plain[1], ordered[1])
    assert (plain[0][:400] == 0).all()


def test_the_key_interleaves_the_bits_of_each_axis():
    assert [int(v) for v in _spread(np.array([1, 2, 3, 5], dtype=np.uint64))] == [1, 8, 9, 65]
    top = (1 << SpatialOrder.BITS) - 1
    assert int(_spread(np.array([top], dtype=np.uint64))[0]) == int("001" * 21, 2)
    keys = SpatialOrder.keys(
        np.array([[-1.0, -1.0, -1.0], [1.0, -1.0, -1.0], [-1.0, 1.0, -1.0], [1.0, 1.0, 1.0]])
    )
    assert [int(k) for k in keys] == [0, int("001" * 21, 2), int("010" * 21, 2), (1 << 63) - 1]


def test_a_run_orders_its_points_from_the_threshold(monkeypatch):
    rng = np.random.default_rng(5)
    lat, lon = rng.uniform(30, 31, 100), rng.uniform(-98, -97, 100)
    county = np.zeros(100, dtype=np.int64)
    assert scoring.StraightMeasure(county, lat, lon, ["Metro"]).order is None
    monkeypatch.setattr(scoring, "ORDER_MIN_POINTS", 50)
    assert scoring.StraightMeasure(county, lat, lon, ["Metro"]).order is not None


def test_a_run_in_z_order_gives_the_same_results(monkeypatch):
    import json
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from bench_scoring import synthetic_locations

    from blueprint_desktop.geo.points import census_points
    from blueprint_desktop.rules.standards import all_lines, standards_for_county

    counties = ["39049", "39041", "39089", "39045"]
    pts = census_points(counties)
    locs = synthetic_locations(pts, 4000, [ld.code for ld in all_lines("ma")], np.random.default_rng(8))
    inputs = scoring.ScoringInputs(counties, {f: standards_for_county(None, f) for f in counties}, pts, locs)

    def run() -> str:
        return json.dumps([r.as_dict() for r in scoring.compute_results(inputs, "straight")])

    monkeypatch.setattr(scoring, "ORDER_MIN_POINTS", 10**9)
    plain = run()
    monkeypatch.setattr(scoring, "ORDER_MIN_POINTS", 0)
    assert run() == plain and len(json.loads(plain)) > 100
