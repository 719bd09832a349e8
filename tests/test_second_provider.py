"""Two providers within the standard (Georgia Families Figure 1: "Two (2) within thirty (30) minutes or thirty
(30) miles" for obstetric providers): each point is measured to its second-nearest *distinct* provider (NPI).
Both methods of engine/second_provider.py, and a whole run on straight lines and on roads, against brute force
over every (point, location) pair."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy.spatial import cKDTree
from test_engine_scoring import OSM, TODAY, by_county, county, loc, points, std

from blueprint_desktop.engine import roads
from blueprint_desktop.engine.credited import LOCATION_COLUMNS
from blueprint_desktop.engine.rollup import weighted_percentile
from blueprint_desktop.engine.scoring import LocSet, ScoringInputs, StraightMeasure, compute_results
from blueprint_desktop.engine.second_provider import second_by_classes, second_straight
from blueprint_desktop.geo.distance import haversine_miles, to_unit_vectors


def _brute_second(dist: np.ndarray, npi: np.ndarray) -> np.ndarray:
    """Per point (row of ``dist``): the second smallest of the per-NPI nearest distances."""
    out = np.full(dist.shape[0], np.inf)
    for i in range(dist.shape[0]):
        per_npi = sorted(dist[i, npi == v].min() for v in np.unique(npi))
        if len(per_npi) >= 2:
            out[i] = per_npi[1]
    return out


@pytest.mark.parametrize("seed", range(6))
def test_both_methods_equal_brute_force(seed):
    rng = np.random.default_rng(seed)
    n, m = 80, int(rng.integers(2, 60))
    plat, plon = rng.uniform(33, 34, n), rng.uniform(-84.5, -83.5, n)
    # Few NPIs with many locations each: a point's 8 nearest are often one NPI (the k = 64 step runs).
    npi = rng.integers(0, int(rng.integers(1, 6)), m)
    llat, llon = rng.uniform(33, 34, m), rng.uniform(-84.5, -83.5, m)
    if seed == 0:  # a big practice around one point: its 20 nearest locations are all one NPI
        llat[:20], llon[:20], npi[:20] = plat[0] + rng.normal(0, 1e-3, 20), plon[0], 99
    dist = haversine_miles(plat[:, None], plon[:, None], llat[None, :], llon[None, :])
    want = _brute_second(dist, npi)
    got = second_straight(to_unit_vectors(plat, plon), cKDTree(to_unit_vectors(llat, llon)), npi)
    assert np.array_equal(np.isinf(got), np.isinf(want))
    assert np.allclose(got[np.isfinite(want)], want[np.isfinite(want)], rtol=1e-9, atol=1e-7)

    def nearest(rows):
        if not len(rows):
            return np.full(n, np.inf), np.full(n, np.inf)
        d = dist[:, rows].min(axis=1)
        return d / 0.5, d

    minutes, miles = second_by_classes(nearest, npi, n)
    assert np.array_equal(np.isinf(miles), np.isinf(want))
    assert np.allclose(miles[np.isfinite(want)], want[np.isfinite(want)]) and np.allclose(
        minutes, miles / 0.5
    )


def test_one_npi_has_no_second_provider():
    xyz = to_unit_vectors(np.array([33.0]), np.array([-84.0]))
    tree = cKDTree(to_unit_vectors(np.array([33.0, 33.1]), np.array([-84.0, -84.1])))
    assert np.isinf(second_straight(xyz, tree, np.array([5, 5]))).all()
    assert np.isinf(second_straight(xyz, None, np.zeros(0))).all()


def _ob_inputs(rows, within: int = 2, required: float = 60.0):
    line = replace(std("016", minutes=60, miles=8, min_count=1, required=required), providers_within=within)
    other = std("008", minutes=60, miles=8, min_count=1, required=required)
    return ScoringInputs(
        ["99001", "99002"],
        {"99001": county("99001", [line, other]), "99002": county("99002", [line, other])},
        points(),
        pd.DataFrame(rows, columns=LOCATION_COLUMNS),
        today=TODAY,
    )


def _random_rows(seed: int, n: int = 30):
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        npi = 3_000_000_000 + int(rng.integers(0, 8))  # 8 NPIs, several locations each
        cred = "provisional" if rng.random() < 0.3 else "active"
        lon = float(rng.uniform(-0.5, 0.6))
        rows.append(loc(200 + (npi % 100), str(npi), lon, line="016", cred=cred))
        rows.append(loc(200 + (npi % 100), str(npi), lon, line="008", cred=cred))
    return rows


def _brute_cells(inp: ScoringInputs, rows, method_miles):
    """Share and 90th percentile per county from each point's second-nearest distinct NPI."""
    pts = inp.points
    ob = [r for r in rows if r["line_code"] == "016"]
    npi = np.array([int(r["npi"]) for r in ob])
    dist = method_miles(pts, ob)
    second = _brute_second(dist, npi)
    out = {}
    for fips in inp.counties:
        sel = (pts.county_fips == fips).to_numpy()
        w = pts.weight.to_numpy(float)[sel]
        ok = second[sel] <= 8 + 1e-9
        p90 = weighted_percentile(np.zeros(sel.sum(), np.int64), w, second[sel], 1)[0]
        out[fips] = (100.0 * w[ok].sum() / w.sum(), p90)
    return out


def _straight_miles(pts, ob):
    return haversine_miles(
        pts.lat.to_numpy(float)[:, None],
        pts.lon.to_numpy(float)[:, None],
        np.array([r["lat"] for r in ob])[None, :],
        np.array([r["lon"] for r in ob])[None, :],
    )


@pytest.mark.parametrize("seed", range(4))
def test_straight_run_scores_the_second_provider(seed):
    rows = _random_rows(seed)
    inp = _ob_inputs(rows)
    res = {(r.county_fips, r.line_code): r for r in compute_results(inp, "straight")}
    want = _brute_cells(inp, rows, _straight_miles)
    for fips, (share, p90) in want.items():
        r = res[(fips, "016")]
        assert r.detail["providers_within"] == 2
        assert r.detail["pct_measured"] == pytest.approx(share, abs=1e-3)
        assert (r.p90_miles is None and not np.isfinite(p90)) or r.p90_miles == pytest.approx(p90, abs=0.01)
        # The one-provider line of the same run is untouched (and says nothing of two providers).
        assert "providers_within" not in res[(fips, "008")].detail
    # Provisional re-check: without provisional providers, the same as a run without them.
    active = [r for r in rows if r["credentialing_status"] == "active"]
    alone = {(r.county_fips, r.line_code): r for r in compute_results(_ob_inputs(active), "straight")}
    for fips in inp.counties:
        assert res[(fips, "016")].detail["pct_active_only"] in (
            None,
            round(alone[(fips, "016")].detail["pct_measured"], 4),
        )


def test_two_within_is_never_easier_than_one():
    rows = _random_rows(11, n=20)
    two = by_county(r for r in compute_results(_ob_inputs(rows, 2), "straight") if r.line_code == "016")
    one = by_county(r for r in compute_results(_ob_inputs(rows, 1), "straight") if r.line_code == "016")
    for fips in two:
        assert two[fips].pct_within <= one[fips].pct_within
    assert any("second-nearest distinct" in " ".join(r.reasons) for r in two.values())


def test_same_npi_at_two_locations_is_one_provider():
    # Every point of 99001 sits within 8 miles of two locations of ONE provider (lon 0.0 and 0.3 are 20.7
    # miles apart: no), so put both near every point: a second location of the same NPI is not a second
    # provider, and the share with two required is 0 until another NPI comes.
    same = [loc(1, "1000000001", lon, line="016") for lon in (0.0, 0.1, 0.2, 0.3, 0.45, -0.3)]
    res = by_county(r for r in compute_results(_ob_inputs(same), "straight") if r.line_code == "016")
    assert res["99001"].pct_within == 0.0 and res["99001"].status == "Failing"
    other = [*same, *(loc(2, "1000000002", lon, line="016") for lon in (0.0, 0.1, 0.2, 0.3, 0.45, -0.3))]
    res = by_county(r for r in compute_results(_ob_inputs(other), "straight") if r.line_code == "016")
    assert res["99001"].pct_within == 100.0


def test_road_run_scores_the_second_provider(tmp_path):
    path = tmp_path / "line.osm"
    path.write_text(OSM)
    graph = roads.read_osm(path)
    rows = [
        loc(1, "1000000001", 0.0, line="016"),
        loc(1, "1000000001", 0.1, line="016"),  # the same provider again
        loc(2, "1000000002", 0.3, line="016"),
        loc(3, "1000000003", 0.45, line="016"),
        loc(4, "1000000004", -0.3, county_fips="99002", line="016"),
    ]
    inp = _ob_inputs(rows)
    for r in inp.standards.values():  # only the two-provider line
        r.lines.pop("008")
    got = by_county(compute_results(inp, "road", graph=graph))
    # Brute force with the road measure itself: every location alone, then the second NPI per point.
    pts = inp.points[inp.points.weight > 0]
    cidx = pts.county_fips.map({"99001": 0, "99002": 1}).to_numpy()
    measure = roads.RoadMeasure(
        graph, cidx, pts.lat.to_numpy(float), pts.lon.to_numpy(float), 2, designations=["Metro", "Metro"]
    )
    each = np.column_stack(
        [measure.nearest(LocSet(np.array([r["lat"]]), np.array([r["lon"]])))[1] for r in rows]
    )
    second = _brute_second(each, np.array([int(r["npi"]) for r in rows]))
    for c, fips in enumerate(("99001", "99002")):
        sel = cidx == c
        w = pts.weight.to_numpy(float)[sel]
        share = 100.0 * w[second[sel] <= 8 + 1e-6].sum() / w.sum()
        assert got[fips].detail["pct_measured"] == pytest.approx(share, abs=1e-3)
        assert got[fips].detail["providers_within"] == 2


def test_straight_measure_second_equals_the_function():
    rows = _random_rows(3)
    pts = points()
    measure = StraightMeasure(np.zeros(len(pts), np.int64), pts.lat, pts.lon, ["Metro"])
    ob = [r for r in rows if r["line_code"] == "016"]
    locs = LocSet(np.array([r["lat"] for r in ob]), np.array([r["lon"] for r in ob]))
    minutes, miles = measure.second(locs, np.array([int(r["npi"]) for r in ob]))
    want = _brute_second(_straight_miles(pts, ob), np.array([int(r["npi"]) for r in ob]))
    assert np.allclose(miles, want) and np.allclose(minutes, miles / measure.mpm[0])


# -- recruitment with two providers per point ---------------------------------------------------------
@pytest.mark.parametrize("seed", range(8))
def test_smallest_two_provider_recruit_set_equals_brute_force(seed):
    """plan_from_arrays with each point's need (2, 1 or 0 more distinct providers): the exact set is as
    small as the smallest of all subsets that reach the share, and greedy never beats it."""
    from itertools import combinations

    from scipy.sparse import csr_matrix

    from blueprint_desktop.engine.targeting import greedy_cover, plan_from_arrays

    rng = np.random.default_rng(seed)
    n_c, n_p = 7, 12
    cover = (rng.random((n_c, n_p)) < 0.35).astype(float)
    weights = rng.integers(1, 20, n_p).astype(float)
    need = rng.choice([0, 1, 2], n_p, p=[0.2, 0.4, 0.4]).astype(float)
    required = float(rng.choice([50.0, 70.0, 90.0]))

    def share(picks) -> float:
        got = cover[list(picks)].sum(axis=0) if picks else np.zeros(n_p)
        return weights[got >= need].sum() / weights.sum() * 100

    best = next(
        (
            k
            for k in range(n_c + 1)
            for picks in combinations(range(n_c), k)
            if share(picks) + 1e-9 >= required
        ),
        None,
    )
    chosen, shares, passes, solver = plan_from_arrays(
        weights, need <= 0, csr_matrix(cover), required, 0.0, 0, need=need
    )
    assert passes == (best is not None)
    if best is not None:
        assert solver.startswith("milp") and len(chosen) == best
        assert shares[-1] == pytest.approx(min(100.0, share(chosen)), abs=0.01)
        assert shares == sorted(shares)
        greedy = greedy_cover(csr_matrix(cover[:, need > 0]), weights[need > 0], required / 100 * weights.sum()
                              - weights[need <= 0].sum(), need=need[need > 0])  # fmt: skip
        assert len(greedy) >= best


def test_need_of_one_is_the_one_provider_cover():
    from scipy.sparse import csr_matrix

    from blueprint_desktop.engine.targeting import plan_from_arrays

    rng = np.random.default_rng(5)
    cover = csr_matrix((rng.random((6, 10)) < 0.3).astype(float))
    w = rng.integers(1, 9, 10).astype(float)
    now = rng.random(10) < 0.3
    plain = plan_from_arrays(w, now, cover, 80.0, 0.0, 0)
    assert plan_from_arrays(w, now, cover, 80.0, 0.0, 0, need=(~now).astype(float)) == plain


def test_recruiting_for_two_obstetric_providers_in_a_georgia_county(tmp_path):
    """A Georgia Medicaid project (built-in Figure 1: two obstetric providers within 30 minutes or miles
    urban, 45 rural). Fulton (urban): one contracted OB and market OBs at a third of the points; the recruit
    set must make the county pass as a run scores it (each point's second distinct provider), with no spare.
    Cobb (urban): one contracted practice with a location at every point (one NPI: one provider each point
    has); a candidate 'flips the county alone' exactly when a run with it signed passes (brute force)."""
    from test_engine_project import _add_provider

    from blueprint_desktop.engine import targeting
    from blueprint_desktop.engine.scoring import gather_inputs, score_project
    from blueprint_desktop.geo.points import population_points
    from blueprint_desktop.store import create_project, open_project

    path = tmp_path / "ga.bpproj"
    create_project(
        path, "GA plan", lob="medicaid", plan_year=2026, counties=[("13121", "GA"), ("13067", "GA")]
    )
    with open_project(path) as project:
        pts = population_points(["13121"], lob="medicaid").sort_values("weight")
        top = pts.iloc[-1]
        _add_provider(project, "1000000011", top.lat, top.lon, "13121", line="016")
        for k, r in enumerate(pts.iloc[::3].itertuples()):
            _add_provider(project, f"20000{k:05d}", r.lat, r.lon, "13121", contract="none", source="market",
                          line="016")  # fmt: skip
        [before] = score_project(project, lines=["016"], counties=["13121"]).results
        assert before.detail["providers_within"] == 2 and before.status == "Failing"
        assert before.pct_within == 0.0  # one provider: nobody has two

        plan = targeting.recruitment_targets(project, "13121", "016", top=10_000, save=False)
        assert plan.reaches_pass and plan.chosen and any("two distinct" in n for n in plan.notes)
        inputs = gather_inputs(project, ["016"], ["13121"])
        chosen = frozenset(c.provider_id for c in plan.chosen)
        [after] = compute_results(replace(inputs, extra_credited=chosen), "straight")
        assert after.status != "Failing"
        assert after.pct_within == pytest.approx(plan.share_after_each[-1], abs=0.05)
        # Without its last pick the set does not pass: the solver added no spare.
        spare = chosen - {plan.chosen[-1].provider_id}
        assert compute_results(replace(inputs, extra_credited=spare), "straight")[0].status == "Failing"

        cobb = population_points(["13067"], lob="medicaid")
        with project.transaction():
            hub = project.conn.execute(
                "INSERT INTO providers(npi, name, source, contract_status, credentialing_status, panel_status)"
                " VALUES ('1000000029', 'Hub OB practice', 'roster', 'executed', 'active', 'open')"
            ).lastrowid
            project.conn.execute(
                "INSERT INTO provider_lines(provider_id, line_code) VALUES (?, '016')", (hub,)
            )
            project.conn.executemany(
                "INSERT INTO locations(provider_id, county_fips, latitude, longitude, geocode_quality)"
                " VALUES (?, '13067', ?, ?, 'exact')",
                [(hub, r.lat, r.lon) for r in cobb.itertuples()],
            )
        cand = [
            _add_provider(
                project, f"30000{k:05d}", r.lat, r.lon, "13067", contract="none", source="market", line="016"
            )  # fmt: skip
            for k, r in enumerate(cobb.itertuples())
        ]
        [cobb_now] = score_project(project, lines=["016"], counties=["13067"]).results
        # Only where Fulton's contracted OB also reaches (Cobb borders Fulton) do points have two.
        assert cobb_now.status == "Failing" and 0.0 < cobb_now.pct_within < 50.0
        plan = targeting.recruitment_targets(project, "13067", "016", top=10_000, save=False)
        inputs = gather_inputs(project, ["016"], ["13067"])
        alone = {
            pid
            for pid in cand
            if compute_results(replace(inputs, extra_credited=frozenset({pid})), "straight")[0].status
            != "Failing"
        }
        got = {c.provider_id for c in plan.candidates if "13067" in c.counties_flipped}
        assert got == alone and 0 < len(alone) < len(cand)
        assert len(plan.chosen) == 1 and plan.chosen[0].provider_id in alone


def test_feasibility_solves_two_provider_cells_and_the_rescore_confirms(tmp_path):
    """Two-provider cells get their own programme (two_provider_set.py) beside the joint one: the study's
    recruit set covers both kinds of cell, and the engine's re-score (second-nearest distinct provider)
    passes every target cell with it signed. Without the OB recruits the OB cell fails again."""
    from test_engine_project import _add_provider

    from blueprint_desktop.engine.feasibility import RECRUIT, compute_feasibility
    from blueprint_desktop.engine.scoring import gather_inputs
    from blueprint_desktop.geo.points import population_points
    from blueprint_desktop.store import create_project, open_project

    path = tmp_path / "ga.bpproj"
    create_project(
        path, "GA plan", lob="medicaid", plan_year=2026, counties=[("13063", "GA"), ("13067", "GA")]
    )
    with open_project(path) as project:
        for fips in ("13063", "13067"):
            for k, r in enumerate(population_points([fips], lob="medicaid").itertuples()):
                for line, base in (("016", 3), ("008", 4)):
                    _add_provider(project, f"{base}{fips}{k:04d}", r.lat, r.lon, fips, contract="none",
                                  source="market", line=line)  # fmt: skip
        inputs = gather_inputs(project, ["016", "008"], ["13063", "13067"])
        study = compute_feasibility(inputs, time_limit=20)
    rs = study.recruit_set
    for fips in ("13063", "13067"):
        assert study.cell(fips, "016").outcome == RECRUIT and (fips, "016") in rs.target_cells
        assert study.cell(fips, "016").after_status in ("Pass", "At Risk")
    assert rs.verified_pass == len(rs.target_cells) and not rs.cells_unmet
    assert "two-provider cells" in rs.status and rs.lower_bound <= rs.size
    ob = [r for r in rs.recruits if "016" in r.lines]
    assert len({r.npi for r in ob}) >= 2  # two per person: one OB can never do
    ids = frozenset(p for r in rs.recruits for p in r.provider_ids)
    without_ob = ids - {p for r in ob for p in r.provider_ids}
    check = compute_results(replace(inputs, extra_credited=without_ob), "straight")
    assert all(r.status == "Failing" for r in check if r.line_code == "016")


@pytest.mark.parametrize("seed", range(5))
def test_two_provider_recruit_set_equals_brute_force(seed):
    """The study's set for two-provider cells across two counties is as small as the smallest subset of
    the market with which every such cell passes in the engine's own run (all subsets tried)."""
    from itertools import combinations

    from blueprint_desktop.engine.feasibility import RECRUIT, compute_feasibility

    rng = np.random.default_rng(100 + seed)
    rows = [loc(1, "1000000001", float(rng.uniform(-0.4, 0.5)), line="016")]  # one contracted OB
    market = []
    for k in range(7):
        lon = float(rng.uniform(-0.5, 0.6))
        fips = "99002" if lon < -0.2 else "99001"
        rows.append(loc(50 + k, str(5_000_000_000 + k), lon, county_fips=fips, line="016", contract="none",
                        source="market"))  # fmt: skip
        market.append(50 + k)
    line = replace(std("016", minutes=60, miles=8, min_count=1, required=60.0), providers_within=2)
    inp = ScoringInputs(
        ["99001", "99002"],
        {"99001": county("99001", [line]), "99002": county("99002", [line])},
        points(),
        pd.DataFrame(rows, columns=LOCATION_COLUMNS),
        today=TODAY,
    )
    study = compute_feasibility(inp, time_limit=10)
    targets = [(c.county_fips, c.line_code) for c in study.cells if c.outcome == RECRUIT]
    rs = study.recruit_set
    assert sorted(rs.target_cells) == sorted(targets)

    def passes(ids) -> bool:
        res = compute_results(replace(inp, extra_credited=frozenset(ids)), "straight")
        return all(r.status != "Failing" for r in res if (r.county_fips, r.line_code) in targets)

    best = (
        next(k for k in range(len(market) + 1) for s in combinations(market, k) if passes(s))
        if targets
        else 0
    )
    assert rs.size == best and rs.lower_bound == best
    assert passes([p for r in rs.recruits for p in r.provider_ids])
