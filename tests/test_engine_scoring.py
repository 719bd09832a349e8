"""Adequacy engine scored on hand-made scenarios whose answers are computed by hand.

Geometry: everything sits on the equator, where 0.1 degree of longitude is exactly
0.1 x pi/180 x 3958.7613 = 6.90925 great-circle miles (and the road in the road test runs along it).

County A (99001, Metro, cardiology 008: 60 min / 10 mi, minimum 2, 90% required) has points at
longitude 0.0, 0.1, 0.2, 0.3, 0.45 with enrollee weights 10, 20, 30, 40, 25 (total 125).
County B (99002) has one point at -0.3 (weight 50).

Providers: P1 (one NPI) at 0.0 and 0.3; P5 at -0.1 in county B (across the line); an LOI, a pending
credentialing and a telehealth-only provider at 0.45 (none may count); a market candidate at 0.45.
"""

from __future__ import annotations

import json
import math
import textwrap
from datetime import date

import numpy as np
import pandas as pd
import pytest

from blueprint_desktop.engine import roads, rollup
from blueprint_desktop.engine.credited import LOCATION_COLUMNS
from blueprint_desktop.engine.scoring import ScoringInputs, compute_results
from blueprint_desktop.rules.standards import CountyStandards, LineStandard

DEG = math.pi / 180 * 3958.7613  # miles per degree on the equator
MPM_METRO = 35.0 / (1.3 * 60)  # travel_time.SPEED_MODEL["Metro"]: straight miles per estimated minute
TODAY = date(2026, 1, 15)


def std(
    code="008", minutes=60, miles=10, min_count=2, required=90.0, tele=False, beds=False, kind="provider"
):
    return LineStandard(
        code=code,
        name="Cardiology" if code == "008" else "Acute Inpatient Hospitals",
        kind=kind,
        max_minutes=minutes,
        max_miles=miles,
        min_count=min_count,
        required_pct=required,
        telehealth_credit=tele,
        credit_points=10.0 if tele else 0.0,
        counts_beds=beds,
        source="base",
    )


def county(fips, lines, estimated=True):
    return CountyStandards(
        county_fips=fips,
        ssa_code=None,
        designation="Metro",
        designation_source="computed",
        tier="Urban",
        beneficiaries_required=None,
        estimated=estimated,
        lob="ma",
        plan_year=2026,
        source="test",
        lines={s.code: s for s in lines},
    )


def points():
    rows = [("99001", lon, w) for lon, w in [(0.0, 10), (0.1, 20), (0.2, 30), (0.3, 40), (0.45, 25)]]
    rows.append(("99002", -0.3, 50))
    return pd.DataFrame(
        {
            "point_id": [f"p{i}" for i in range(len(rows))],
            "county_fips": [r[0] for r in rows],
            "lat": 0.0,
            "lon": [r[1] for r in rows],
            "weight": [float(r[2]) for r in rows],
            "source": "enrollees",
        }
    )


_loc_id = iter(range(1, 10_000))


def loc(
    pid,
    npi,
    lon,
    county_fips="99001",
    line="008",
    contract="executed",
    cred="active",
    tele=0,
    source="roster",
    beds=0,
    name=None,
):
    row = dict.fromkeys(LOCATION_COLUMNS)
    row.update(
        location_id=next(_loc_id),
        provider_id=pid,
        npi=npi,
        name=name or f"Provider {pid}",
        line_code=line,
        lat=0.0,
        lon=lon,
        county_fips=county_fips,
        beds=float(beds),
        geocode_quality="exact",
        source=source,
        contract_status=contract,
        credentialing_status=cred,
        panel_status="open",
        telehealth_only=tele,
        telehealth_waived=0,
        attested_date="2026-01-01",
        activity_last_date=None,
        deactivated_date=None,
        updated_at="2026-01-01T00:00:00+00:00",
        batch_at="2026-01-10T00:00:00+00:00",
    )
    return row


def base_locations(extra=()):
    rows = [
        loc(1, "1000000001", 0.0),
        loc(1, "1000000001", 0.3),  # one NPI at two locations
        loc(5, "1000000005", -0.1, county_fips="99002"),  # across the county line
        loc(2, "1000000002", 0.45, contract="loi"),  # LOI: never counts
        loc(3, "1000000003", 0.45, cred="pending"),  # pending credentialing: never counts
        loc(4, "1000000004", 0.45, tele=1),  # telehealth-only: never satisfies T&D
        loc(7, "1000000007", 0.45, contract="none", source="market"),  # a market candidate
        *extra,
    ]
    return pd.DataFrame(rows, columns=LOCATION_COLUMNS)


def inputs(lines_a=None, lines_b=None, extra=()):
    lines_a = lines_a or [std()]
    lines_b = lines_b or [std()]
    return ScoringInputs(
        counties=["99001", "99002"],
        standards={"99001": county("99001", lines_a), "99002": county("99002", lines_b)},
        points=points(),
        locations=base_locations(extra),
        today=TODAY,
    )


def by_county(results):
    return {r.county_fips: r for r in results}


def test_straight_line_share_percentile_count_and_failing_reasons():
    res = by_county(compute_results(inputs(), "straight"))
    a = res["99001"]
    # Nearest miles: 0.0 -> 0, 0.1 -> 6.909, 0.2 -> 6.909 (P1's second office), 0.3 -> 0, 0.45 -> 10.364 > 10.
    # Within: weights 10+20+30+40 = 100 of 125 = 80%. The LOI, pending and telehealth-only providers at
    # 0.45 would have made it 100% if they counted.
    assert a.pct_within == pytest.approx(80.0)
    # Weighted p90: sorted miles 0 (w50), 6.909 (w50 -> cum 100), 10.364 (cum 125); 0.9 x 125 = 112.5.
    assert a.p90_miles == pytest.approx(round(0.15 * DEG, 2))
    assert a.p90_minutes == pytest.approx(round(0.15 * DEG / MPM_METRO, 2))
    # Credited count: P1 (two offices, one NPI) + P5 from county B (6.909 mi from the 0.0 point) = 2.
    assert a.credited_count == 2
    assert a.min_count == 2
    assert a.status == "Failing"
    assert a.estimated_time is True
    assert any("Only 80.0%" in r and "90%" in r for r in a.reasons)
    b = res["99002"]
    # B's only point is 0.2 deg (13.82 mi) from P5: nothing within 10 mi, nothing counted.
    assert b.pct_within == 0.0
    assert b.credited_count == 0
    assert b.status == "Failing"
    assert any("0 credited providers within reach; 2 required" in r for r in b.reasons)


def test_telehealth_credit_turns_failing_into_at_risk():
    res = by_county(compute_results(inputs(lines_a=[std(tele=True)]), "straight"))
    a = res["99001"]
    # 80% measured + 10 points (contracted telehealth-only cardiologist) = 90%: passes, but < 93% and the
    # count (2) is exactly the minimum: At Risk on both counts.
    assert a.pct_within == pytest.approx(90.0)
    assert a.detail["pct_measured"] == pytest.approx(80.0)
    assert a.status == "At Risk"
    assert any("Telehealth credit of 10 points" in r for r in a.reasons)
    assert any("less than 3 points above" in r for r in a.reasons)
    assert any("exactly at the minimum" in r for r in a.reasons)


def test_provisional_only_pass_is_at_risk():
    extra = [loc(6, "1000000006", 0.45, cred="provisional")]
    a = by_county(compute_results(inputs(extra=extra), "straight"))["99001"]
    # With the provisional provider: 100% and 3 NPIs. Without: 80% -> the pass rests on provisional.
    assert a.pct_within == pytest.approx(100.0)
    assert a.credited_count == 3
    assert a.detail["pct_active_only"] == pytest.approx(80.0)
    assert a.status == "At Risk"
    assert any("provisionally credentialed" in r for r in a.reasons)


def test_clean_pass():
    extra = [loc(6, "1000000006", 0.45), loc(8, "1000000008", 0.2)]
    a = by_county(compute_results(inputs(extra=extra), "straight"))["99001"]
    # Everyone within standard, 4 NPIs (1, 5, 6, 8) against a minimum of 2.
    assert (a.pct_within, a.credited_count, a.status) == (100.0, 4, "Pass")
    assert a.p90_miles == pytest.approx(round(0.1 * DEG, 2))  # cum weights: 0 -> 75 (< 112.5), 6.909 -> 125


def test_hospital_counts_beds():
    h = std(code="040", minutes=60, miles=10, min_count=30, beds=True, kind="facility")
    extra = [
        loc(20, "1000000020", 0.1, line="040", beds=20),
        loc(21, "1000000021", 0.6, line="040", beds=100),  # 0.15 deg = 10.36 mi from 0.45: out of reach
    ]
    a = by_county(compute_results(inputs(lines_a=[h], lines_b=[h], extra=extra), "straight"))["99001"]
    assert a.credited_count == 20
    assert a.status == "Failing"
    assert any("20 credited beds within reach; 30 required" in r for r in a.reasons)


def test_weighted_percentile_by_hand():
    # County 0: values 1,2,3,4 with weights 1,1,1,7 -> 90% of 10 = 9 reached only at 4.
    # County 1: values 5,6 with weights 9,1 -> 90% of 10 = 9 reached at 5.
    out = rollup.weighted_percentile(
        np.array([0, 0, 0, 0, 1, 1]), np.array([1, 1, 1, 7, 9, 1.0]), np.array([1, 2, 3, 4, 5, 6.0]), 3
    )
    assert out[0] == 4 and out[1] == 5 and np.isnan(out[2])


def test_confidence_breakdown_and_band():
    a = by_county(compute_results(inputs(), "straight"))["99001"]
    parts = a.confidence_parts
    # Batch 5 days old -> freshness 30; attested 14 days ago -> verification 25; exact geocodes 20;
    # panel open 10; rules in thirds: standards estimated (0.5), time estimated (0.5), population
    # resolution 1 - 40/125 = 0.68 (the heaviest of A's points carries 40 of 125) -> 15 x 1.68 / 3 = 8.4.
    assert parts["freshness"] == 30 and parts["verification"] == 25 and parts["geocoding"] == 20
    assert parts["panel"] == 10 and parts["rules"] == pytest.approx(8.4)
    assert a.confidence == pytest.approx(93.4)
    assert a.confidence_band == "High"


OSM = textwrap.dedent(
    """\
    <?xml version="1.0" encoding="UTF-8"?>
    <osm version="0.6" generator="hand">
      <node id="1" lat="0" lon="-0.3"/>
      <node id="2" lat="0" lon="-0.1"/>
      <node id="3" lat="0" lon="0.0"/>
      <node id="4" lat="0" lon="0.1"/>
      <node id="5" lat="0" lon="0.2"/>
      <node id="6" lat="0" lon="0.3"/>
      <node id="7" lat="0" lon="0.45"/>
      <node id="8" lat="0.05" lon="0.45"/>
      <way id="10">
        <nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="5"/><nd ref="6"/><nd ref="7"/>
        <tag k="highway" v="primary"/><tag k="maxspeed" v="60 mph"/>
      </way>
      <way id="11">
        <nd ref="7"/><nd ref="8"/>
        <tag k="highway" v="footway"/>
      </way>
    </osm>
    """
)


@pytest.fixture
def graph(tmp_path):
    path = tmp_path / "line.osm"
    path.write_text(OSM)
    return roads.read_osm(path)


def test_osm_xml_graph(graph):
    # 7 drivable nodes (the footway's extra node is left out), 6 segments both ways.
    assert graph.n == 7 and len(graph.src) == 12
    # 60 mph: minutes equal miles.
    assert np.allclose(graph.minutes, graph.miles)


def test_road_method_share_percentile_count(graph):
    res = by_county(compute_results(inputs(), "road", graph=graph))
    a = res["99001"]
    # Along the road at 60 mph, minutes = miles; the same nearest offices as the straight line.
    assert a.pct_within == pytest.approx(80.0)
    assert a.p90_miles == pytest.approx(round(0.15 * DEG, 2))
    assert a.p90_minutes == pytest.approx(round(0.15 * DEG, 2), abs=0.01)
    assert a.credited_count == 2
    assert a.estimated_time is False
    assert a.status == "Failing"
    # Standards estimated (0.5), time measured (1.0), population resolution 0.68: 15 x 2.18 / 3 = 10.9.
    assert a.confidence_parts["rules"] == pytest.approx(10.9)
    assert res["99002"].credited_count == 0


def test_road_time_standard_binds(graph):
    # 6 minutes at 60 mph: the 0.1 and 0.2 points (6.909 min away) fall out: (10 + 40) / 125 = 40%.
    tight = [std(minutes=6, miles=10)]
    a = by_county(compute_results(inputs(lines_a=tight, lines_b=tight), "road", graph=graph))["99001"]
    assert a.pct_within == pytest.approx(40.0)
    # Count: P1 sits on two of A's points; P5 is 6.909 min away from the nearest A point -> not counted.
    assert a.credited_count == 1


# A slow one-way road back west, 0.5 degrees (34.5 mi) north: it closes the loop (the import keeps only the
# strongly connected part, and a one-way line alone has none), but at 25 km/h the detour takes far longer
# than the 120-minute search limit, so the line still behaves as one-way eastward.
RETURN_ROAD = """
      <node id="9" lat="0.5" lon="0.45"/>
      <node id="10" lat="0.5" lon="-0.3"/>
      <way id="12">
        <nd ref="7"/><nd ref="9"/><nd ref="10"/><nd ref="1"/>
        <tag k="highway" v="residential"/><tag k="oneway" v="yes"/>
      </way>
    </osm>"""


def test_oneway_is_respected(tmp_path):
    osm = OSM.replace(
        '<tag k="maxspeed" v="60 mph"/>', '<tag k="maxspeed" v="60 mph"/><tag k="oneway" v="yes"/>'
    ).replace("</osm>", RETURN_ROAD)
    path = tmp_path / "oneway.osm"
    path.write_text(osm)
    g = roads.read_osm(path)
    assert len(g.src) == 6 + 3  # the line eastward only, the return road westward only
    a = by_county(compute_results(inputs(), "road", graph=g))["99001"]
    # Driving only eastward: 0.1 and 0.2 reach P1's office at 0.3 (13.8 mi > 10 and 6.9 mi resp.), the
    # 0.45 point reaches nothing. Within: 0.0 (10), 0.2 (30), 0.3 (40) = 80 of 125 = 64%.
    assert a.pct_within == pytest.approx(64.0)
    assert a.p90_minutes is None  # 10% of the weight has no reachable office
    assert any("no credited location within the search limit" in r for r in a.reasons)


def test_result_json_fields():
    a = compute_results(inputs(), "straight")[0].as_dict()
    for key in [
        "county_fips",
        "line_code",
        "line_name",
        "status",
        "pct_within",
        "required_pct",
        "p90_minutes",
        "p90_miles",
        "credited_count",
        "min_count",
        "confidence",
        "confidence_band",
        "estimated_time",
        "reasons",
    ]:
        assert key in a
    json.dumps(a)


def test_county_value_order_matches_lexsort():
    """The combined-key sort gives the same (county, value) order as np.lexsort, infinities included."""
    rng = np.random.default_rng(3)
    county = rng.integers(0, 50, 5000)
    values = rng.random(5000) * 300
    values[rng.random(5000) < 0.05] = np.inf
    values[rng.random(5000) < 0.02] = np.nan
    ours = rollup._county_value_order(county, values, 50)
    ref = np.lexsort((values, county))
    assert np.array_equal(county[ours], county[ref])
    assert np.array_equal(values[ours], values[ref], equal_nan=True)
    for q in (0.5, 0.9):
        w = rng.random(5000)
        fast = rollup.weighted_percentile(county, w, np.where(np.isnan(values), np.inf, values), 50, q)
        assert np.isfinite(fast).sum() > 0


def test_weighted_percentiles_one_sort_equals_two():
    """Straight-line minutes are miles / the county's speed: one sort by miles gives both percentiles,
    exactly as two separate sorts do (ties and infinities included)."""
    rng = np.random.default_rng(5)
    county = rng.integers(0, 40, 20000)
    miles = np.round(rng.random(20000) * 80, 1)  # rounded: many ties
    miles[rng.random(20000) < 0.03] = np.inf
    speed = rng.uniform(0.3, 1.2, 40)
    minutes = miles / speed[county]
    w = rng.random(20000)
    for q in (0.5, 0.9):
        d, t = rollup.weighted_percentiles(county, w, miles, 45, also=(minutes,), q=q)
        assert np.array_equal(d, rollup.weighted_percentile(county, w, miles, 45, q), equal_nan=True)
        assert np.array_equal(t, rollup.weighted_percentile(county, w, minutes, 45, q), equal_nan=True)
        assert np.isnan(d[40:]).all() and np.isfinite(d[:40]).any()


def _mixed_credentialing_run(rng, n: int, provisional: float, pts: pd.DataFrame):
    """Two counties, one line, ``n`` locations of which about ``provisional`` are provisionally credentialed."""
    rows = [
        loc(100 + k, str(2_000_000_000 + k), float(rng.uniform(-0.5, 0.6)), cred=c)
        for k, c in enumerate(rng.choice(["active", "provisional"], n, p=[1 - provisional, provisional]))
    ]
    lines = [std(minutes=30, miles=4, min_count=3, required=60.0)]
    run = ScoringInputs(
        ["99001", "99002"],
        {"99001": county("99001", lines), "99002": county("99002", lines)},
        pts,
        pd.DataFrame(rows, columns=LOCATION_COLUMNS),
        today=TODAY,
    )
    return run, rows


def test_provisional_recheck_equals_a_run_without_provisional_providers():
    """The re-check re-queries only points whose nearest location is provisional; its share and count
    must equal a full run with the provisional providers left out."""
    full, rows = _mixed_credentialing_run(np.random.default_rng(9), 40, 0.4, points())
    active_rows = [r for r in rows if r["credentialing_status"] == "active"]
    alone = ScoringInputs(
        full.counties,
        full.standards,
        full.points,
        pd.DataFrame(active_rows, columns=LOCATION_COLUMNS),
        today=TODAY,
    )
    with_prov = by_county(compute_results(full, "straight"))
    without = by_county(compute_results(alone, "straight"))
    for fips in ("99001", "99002"):
        assert with_prov[fips].detail["pct_active_only"] == round(without[fips].detail["pct_measured"], 4)
        assert with_prov[fips].detail["count_active_only"] == without[fips].credited_count


def test_straight_run_sums_over_the_reach_cells_without_listing_pairs(monkeypatch):
    """A straight-line run's counts come from ``CountyPoints.reach_sums`` (no list of every pair): a
    method that fell out of ``StraightMeasure`` once sent every run back to listing ~11 million pairs
    nationally, with the same results, so only this test could see it."""
    from blueprint_desktop.engine import nearest

    want = by_county(compute_results(inputs(), "straight"))

    def listed(*args, **kwargs):
        raise AssertionError("a run listed its reach pairs")

    monkeypatch.setattr(nearest.CountyPoints, "reach_pairs", listed)
    monkeypatch.setattr(nearest.CountyPoints, "reach_pairs_searched", listed)
    got = by_county(compute_results(inputs(), "straight"))
    assert {f: r.as_dict() for f, r in got.items()} == {f: r.as_dict() for f, r in want.items()}


def test_points_grouped_by_county_change_no_result(monkeypatch):
    """A run groups its points by county (engine/scoring._grouped_by_county) for faster percentile sorts;
    on points in mixed order, with ties, two sources and provisional providers, every result equals a run
    that keeps the points' order."""
    from blueprint_desktop.engine import scoring

    rng = np.random.default_rng(21)
    base = points()
    n = 600
    mixed = pd.DataFrame(
        {
            "point_id": [f"m{i}" for i in range(n)],
            "county_fips": rng.choice(["99001", "99002"], n),
            "lat": np.round(rng.uniform(-0.5, 0.6, n), 2),  # rounded: many equal distances
            "lon": np.round(rng.uniform(-0.3, 0.3, n), 2),
            "weight": rng.integers(1, 50, n).astype(float),
            "source": rng.choice(["census-sample", "enrollees"], n),
        }
    )
    # The sources first appear in one order overall and in the other once grouped (the words name them in
    # the order the points first show them).
    mixed.loc[0, ["county_fips", "source"]] = ["99002", "enrollees"]
    mixed.loc[1, ["county_fips", "source"]] = ["99001", "census-sample"]
    pts = pd.concat([mixed, base[mixed.columns.intersection(base.columns)]], ignore_index=True)
    run, _ = _mixed_credentialing_run(rng, 30, 0.3, pts)
    grouped = [r.as_dict() for r in compute_results(run, "straight")]
    monkeypatch.setattr(scoring, "_grouped_by_county", lambda p, c: (p, c))
    kept = [r.as_dict() for r in compute_results(run, "straight")]
    assert grouped == kept
    assert all("enrollees" in r["detail"]["population"] for r in grouped)


def test_run_fingerprint_is_order_free_and_sees_every_read_column():
    from blueprint_desktop.engine import runs

    df = base_locations()
    fp = runs._hash_rows_set(df, runs.LOCATION_COLUMNS)
    assert fp == runs._hash_rows_set(df.sample(frac=1.0, random_state=1), runs.LOCATION_COLUMNS)
    moved = df.copy()
    moved.loc[2, "lat"] = 1e-9  # a tenth of a millimetre
    assert runs._hash_rows_set(moved, runs.LOCATION_COLUMNS) != fp
    renamed = df.copy()
    renamed.loc[0, "credentialing_status"] = "provisional"
    assert runs._hash_rows_set(renamed, runs.PROVIDER_COLUMNS) != runs._hash_rows_set(
        df, runs.PROVIDER_COLUMNS
    )
    assert runs._hash_rows_set(renamed, runs.LOCATION_COLUMNS) == fp  # not a location column


@pytest.mark.parametrize(
    "values",
    [
        ("a", None, "b"),
        (1, None, 3),
        (1, 2, 3),
        (1.5, None, 2),
        (None, None),
        ("x", 1),
        ("2026-01-01", "2026-02-01"),
    ],
)
def test_locations_columns_built_as_pandas_builds_them(values):
    """credited._column (through Arrow) gives the dtype and values pandas gives for the row tuples."""
    from blueprint_desktop.engine.credited import _column

    ours = _column(values)
    ref = pd.DataFrame([(v,) for v in values], columns=["c"])["c"]
    pd.testing.assert_series_equal(ours, ref, check_names=False)


def test_score_in_process_brings_back_the_childs_error(tmp_path):
    """A run in a child process (engine.score_worker) reports an error the user can act on as a
    BlueprintError with the child's message, and stores nothing."""
    from blueprint_desktop.engine.score_worker import score_in_process
    from blueprint_desktop.errors import BlueprintError
    from blueprint_desktop.store import create_project, open_project

    path = create_project(tmp_path / "empty.bpproj", "Empty", lob="ma", plan_year=2026)
    project = open_project(path)
    try:
        with pytest.raises(BlueprintError, match="service area is empty"):
            score_in_process(project, "straight")
        assert project.conn.execute("SELECT count(*) FROM scoring_runs").fetchone()[0] == 0
    finally:
        project.close()


def test_standards_fingerprint_dict_is_as_dict():
    """runs._standards_dict (no dataclasses.asdict deep copies) is CountyStandards.as_dict, so the
    "standards" fingerprint of a run is what it was before."""
    from blueprint_desktop.engine import runs
    from blueprint_desktop.rules.standards import standards_for_county

    for fips in ("48201", "02016", "99001"):
        cs = (
            standards_for_county(None, fips)
            if fips != "99001"
            else county("99001", [std(), std("040", beds=True)])
        )
        assert json.dumps(runs._standards_dict(cs), sort_keys=True, default=str) == json.dumps(
            cs.as_dict(), sort_keys=True, default=str
        )


@pytest.mark.parametrize("cell", [0.0005, 0.0025, 0.02])
def test_reach_cells_equal_brute_force_at_the_boundary(cell):
    """Reach through the cells (nearest.ReachGrid) = the exact test on every (county, location) pair, with
    many locations exactly at their county's limit, and the same pairs in the same order as the search
    before the cells (county ball queries: every sum over the pairs stays bit for bit the same)."""
    from scipy.spatial import cKDTree

    from blueprint_desktop.engine.nearest import COUNTY_SEPARATION, CountyPoints, ReachGrid, _reach_chords
    from blueprint_desktop.geo.distance import chord_to_miles, to_unit_vectors

    rng = np.random.default_rng(16)
    n_c, n_p, n_l = 12, 400, 3000
    county = np.sort(rng.integers(0, n_c, n_p))
    lat = 35 + rng.uniform(-2, 2, n_p) + county * 0.3
    lon = -90 + rng.uniform(-2, 2, n_p) + county * 0.2
    loc_lat = np.concatenate([rng.uniform(30, 42, n_l), lat[:50]])  # 50 locations on a point: chord 0
    loc_lon = np.concatenate([rng.uniform(-95, -84, n_l), lon[:50]])
    points = CountyPoints(county, lat, lon)
    loc_xyz = to_unit_vectors(loc_lat, loc_lon)
    tree = cKDTree(loc_xyz)
    # scipy's 4D tree, independent of the engine's (nearest_tree: pykdtree), for the brute force.
    scipy4 = cKDTree(np.column_stack([points.xyz, county * COUNTY_SEPARATION]))
    # Each county's radius is the chord from some location to the county's nearest point: that location
    # sits on the limit (within one rounding of miles -> chord), where no bound decides and the exact
    # test must.
    reach = np.zeros(n_c)
    for c in range(n_c):
        d, _ = scipy4.query(np.column_stack([loc_xyz, np.full(len(loc_xyz), c * COUNTY_SEPARATION)]))
        reach[c] = chord_to_miles(np.sort(d)[40 + 7 * c])
    reach[3] = np.nan  # a county without this line
    _, chord = _reach_chords(reach)
    tol = chord + 1e-12
    # Brute force: the exact test (4D query, <= chord + 1e-12) on every pair.
    all_c = np.repeat(np.arange(n_c), len(loc_xyz))
    all_l = np.tile(np.arange(len(loc_xyz)), n_c)
    q = np.column_stack([loc_xyz[all_l], all_c * COUNTY_SEPARATION])
    d, _ = scipy4.query(q, k=1)
    assert np.array_equal(points.tree4.query(q)[0], d)  # the engine's kernel gives the same chords
    brute = (d <= tol[all_c]) & (reach[all_c] > 0)
    on_limit = np.abs(d - chord[all_c]) < 1e-13
    assert on_limit[reach[all_c] > 0].sum() >= n_c - 1
    grid = ReachGrid(points, loc_xyz, np.nan_to_num(chord), cell=cell)
    got_c, got_l = points.reach_pairs(tree, loc_xyz, reach, grid)
    assert np.array_equal(
        np.sort(got_c * len(loc_xyz) + got_l), np.flatnonzero(brute.reshape(n_c, -1).ravel())
    )
    counts = np.bincount(got_c, minlength=n_c)
    assert counts.tolist() == brute.reshape(n_c, -1).sum(axis=1).tolist()
    old_c, old_l = points.reach_pairs_searched(tree, loc_xyz, reach)
    assert np.array_equal(got_c, old_c) and np.array_equal(got_l, old_l)
    # Without a grid (or with one built for narrower radii) each line builds its own: same pairs.
    for g in (None, ReachGrid(points, loc_xyz, np.nan_to_num(chord) / 2, cell=cell)):
        c2, l2 = points.reach_pairs(tree, loc_xyz, reach, g)
        assert np.array_equal(c2, old_c) and np.array_equal(l2, old_l)
    # A run's sums over the pairs without listing them (whole numbers: exact in any grouping), and the
    # pairs of the listed locations only; with the run's grid, with a narrower one and with none.
    from blueprint_desktop.engine.nearest import sums_from_pairs

    columns = np.column_stack(
        [np.ones(len(loc_xyz)), rng.integers(0, 276, len(loc_xyz)), np.arange(len(loc_xyz))]
    )
    listed = rng.random(len(loc_xyz)) < 0.1
    want, (wc, wl) = sums_from_pairs(old_c, old_l, columns, n_c, listed)
    assert want[:, 0].tolist() == counts.tolist()
    for g in (grid, None, ReachGrid(points, loc_xyz, np.nan_to_num(chord) / 2, cell=cell)):
        # The tree as a function, as a run passes it (built only when the cells cannot decide).
        got, (lc, ll) = points.reach_sums(lambda: tree, loc_xyz, reach, columns, listed, g)
        assert np.array_equal(got, want)
        assert sorted(zip(lc.tolist(), ll.tolist(), strict=True)) == sorted(
            zip(wc.tolist(), wl.tolist(), strict=True)
        )
        assert listed[ll].all()


def test_score_in_process_cancels_and_scores_on_the_demo(tmp_path):
    """The child reads "cancel" at its next progress report (polled, no thread: engine/score_worker.py), rolls
    back and says so; without a cancel it stores the run. Also, the child has no second thread, so a run
    there may fork its helpers (engine/forking.py)."""
    from blueprint_desktop.demo import write_demo_project
    from blueprint_desktop.engine.score_worker import score_in_process
    from blueprint_desktop.errors import Cancelled
    from blueprint_desktop.progress import Progress
    from blueprint_desktop.store import open_project

    path = write_demo_project(tmp_path / "demo.bpproj")
    project = open_project(path)
    try:
        before = project.conn.execute("SELECT count(*) FROM scoring_runs").fetchone()[0]
        progress = Progress()
        reports = []

        def cancel_at_second(fraction, message=""):
            reports.append(message)
            if len(reports) == 2:
                progress.cancel()

        progress._callback = cancel_at_second
        progress._min_interval = 0.0
        with pytest.raises(Cancelled):
            score_in_process(project, "straight", progress)
        assert project.conn.execute("SELECT count(*) FROM scoring_runs").fetchone()[0] == before
        done = score_in_process(project, "straight", Progress())
        assert done["cells"] > 400 and done["run_id"]
        assert project.conn.execute("SELECT count(*) FROM scoring_runs").fetchone()[0] == before + 1
    finally:
        project.close()
