"""Road coverage and the road import's rules, on hand-made networks whose answers are worked out by hand.

Geometry as in test_engine_scoring: a primary road (60 mph) along the equator from longitude -0.3 to 0.45,
where 0.1 degree is 6.90925 miles (so 6.90925 minutes). A point 0.03 degrees north of the road is
2.07277 miles from it: off the network in a Metro county (off-network distance 1 mile).
"""

from __future__ import annotations

import bz2
import gzip
import math
import textwrap
from datetime import date

import numpy as np
import pandas as pd
import pytest

from blueprint_desktop.cli import main as cli_main
from blueprint_desktop.engine import roads
from blueprint_desktop.engine.confidence import rules_fraction
from blueprint_desktop.engine.credited import LOCATION_COLUMNS
from blueprint_desktop.engine.road_coverage import MAX_OFF_NETWORK_SHARE, Coverage, off_network_miles
from blueprint_desktop.engine.road_import import KMH_TO_MPH, way_rule
from blueprint_desktop.engine.scoring import LocSet, ScoringInputs, compute_results
from blueprint_desktop.engine.travel_time import estimated_minutes
from blueprint_desktop.errors import BlueprintError, Cancelled, InputFileError
from blueprint_desktop.progress import Progress
from blueprint_desktop.rules.standards import CountyStandards, LineStandard, standards_for_county
from blueprint_desktop.store import create_project, open_project

DEG = math.pi / 180 * 3958.7613  # miles per degree on the equator
OFF_LEG = 0.03 * DEG  # 2.07277 mi: the off-network point's leg
TODAY = date(2026, 1, 15)

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
      <way id="10">
        <nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="5"/><nd ref="6"/><nd ref="7"/>
        <tag k="highway" v="primary"/><tag k="maxspeed" v="60 mph"/>
      </way>
    </osm>
    """
)


@pytest.fixture
def graph(tmp_path):
    path = tmp_path / "line.osm"
    path.write_text(OSM)
    return roads.read_osm(path)


def std(minutes=60, miles=10):
    return LineStandard(
        code="008",
        name="Cardiology",
        kind="provider",
        max_minutes=minutes,
        max_miles=miles,
        min_count=1,
        required_pct=90.0,
        telehealth_credit=False,
        credit_points=0.0,
        counts_beds=False,
        source="base",
    )


def county(fips, designation="Metro"):
    return CountyStandards(
        county_fips=fips,
        ssa_code=None,
        designation=designation,
        designation_source="computed",
        tier="Urban",
        beneficiaries_required=None,
        estimated=True,
        lob="ma",
        plan_year=2026,
        source="test",
        lines={"008": std()},
    )


def loc(lat, lon, pid=1):
    row = dict.fromkeys(LOCATION_COLUMNS)
    row.update(
        location_id=pid,
        provider_id=pid,
        npi=f"10000000{pid:02d}",
        name=f"Provider {pid}",
        line_code="008",
        lat=lat,
        lon=lon,
        county_fips="99001",
        beds=0.0,
        geocode_quality="exact",
        source="roster",
        contract_status="executed",
        credentialing_status="active",
        panel_status="open",
        telehealth_only=0,
        telehealth_waived=0,
        attested_date="2026-01-01",
        updated_at="2026-01-01T00:00:00+00:00",
        batch_at="2026-01-10T00:00:00+00:00",
    )
    return row


def inputs(off_weight: float, locations=None):
    """County 99001: points on the road at 0.0 .. 0.3 (weight 100) and one 2.07 mi north of 0.2."""
    rows = [(0.0, lon, w) for lon, w in [(0.0, 10), (0.1, 20), (0.2, 30), (0.3, 40)]]
    rows.append((0.03, 0.2, off_weight))
    pts = pd.DataFrame(
        {
            "point_id": [f"p{i}" for i in range(len(rows))],
            "county_fips": "99001",
            "lat": [r[0] for r in rows],
            "lon": [r[1] for r in rows],
            "weight": [float(r[2]) for r in rows],
            "source": "enrollees",
        }
    )
    locs = pd.DataFrame(locations or [loc(0.0, 0.3)], columns=LOCATION_COLUMNS)
    return ScoringInputs(["99001"], {"99001": county("99001")}, pts, locs, today=TODAY)


def test_off_network_leg_is_costed_by_the_straight_line_model(graph):
    pts = inputs(5.0).points
    measure = roads.RoadMeasure(
        graph, np.zeros(len(pts), np.int64), pts.lat, pts.lon, 1, designations=["Metro"]
    )
    minutes, miles = measure.nearest(LocSet(np.array([0.0]), np.array([0.3])))
    # The off-network point: 2.07 mi straight leg (Metro: x 1.3 circuity at 35 mph) + 0.1 deg at 60 mph.
    assert miles[4] == pytest.approx(OFF_LEG + 0.1 * DEG, rel=1e-6)
    assert minutes[4] == pytest.approx(float(estimated_minutes(OFF_LEG, "Metro")) + 0.1 * DEG, rel=1e-6)
    assert measure.off_network.tolist() == [False, False, False, False, True]
    # On the network the legs are zero and time is road time alone.
    assert minutes[0] == pytest.approx(0.3 * DEG, rel=1e-6)


def test_an_off_network_location_marks_every_trip_to_it(graph):
    pts = inputs(5.0).points
    measure = roads.RoadMeasure(graph, np.zeros(len(pts), np.int64), pts.lat, pts.lon, 1)
    minutes, miles = measure.nearest(LocSet(np.array([-0.03]), np.array([0.3])))
    assert measure.off_network.all()
    assert miles[3] == pytest.approx(OFF_LEG, rel=1e-6)


def test_below_the_threshold_the_run_scores_and_says_so(graph):
    # 5 of 105 = 4.8% of the weight off the network: under 10%, so the run goes ahead.
    info = {}
    [res] = compute_results(inputs(5.0), "road", graph=graph, info=info)
    share = 5.0 / 105.0
    assert res.detail["off_network_share"] == pytest.approx(share, abs=1e-4)
    assert res.detail["off_network_miles"] == 1.0
    assert any(r.startswith("Road network: 4.8% of the population weight") for r in res.reasons)
    # Rules part in thirds: standards estimated (0.5), the time measured only for the on-network share, and
    # the population resolution 1 - 40/105 (the heaviest point carries 40 of 105).
    expected = 15.0 * (0.5 + (1.0 - 0.5 * share) + (1.0 - 40.0 / 105.0)) / 3.0
    assert res.confidence_parts["rules"] == pytest.approx(expected, abs=0.01)
    assert info["road_coverage"]["off_network_share"] == pytest.approx(share, abs=1e-4)
    assert info["road_coverage"]["refused_counties"] == []


def test_a_fully_covered_cell_keeps_full_road_credit(graph):
    [res] = compute_results(inputs(0.0), "road", graph=graph)
    assert res.detail["off_network_share"] == 0.0
    # 15 x (0.5 + 1.0 + (1 - 40/100)) / 3: standards estimated, road time, resolution of 4 points.
    assert res.confidence_parts["rules"] == pytest.approx(10.5)
    assert not any(r.startswith("Road network:") for r in res.reasons)


def test_above_the_threshold_the_run_is_refused_naming_the_county(graph):
    # 20 of 120 = 16.7% off the network.
    with pytest.raises(BlueprintError) as err:
        compute_results(inputs(20.0), "road", graph=graph)
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith("drive-time scoring refused: the road network (line.osm) misses 1 county: 99001")
    assert "16.7% beyond 1 mile" in msg and "at most 10%" in msg


def test_a_network_far_away_is_refused_before_scoring(graph):
    # The Monaco-for-Ohio case at the engine level: every point is thousands of miles from the roads.
    inp = inputs(0.0)
    inp.points = inp.points.assign(lat=inp.points.lat + 40.0, lon=inp.points.lon - 83.0)
    with pytest.raises(BlueprintError, match=r"misses 1 county: 99001 \(100\.0% beyond 1 mile\)"):
        compute_results(inp, "road", graph=graph)


def test_coverage_counts_locations_separately():
    cov = Coverage.measure(
        ["a", "b"],
        np.array([1.0, 3.0]),
        np.array([0, 0, 1, 1]),
        np.array([90.0, 10.0, 50.0, 50.0]),
        np.array([0.1, 1.5, 2.9, 3.1]),
        loc_leg_miles=np.array([0.2, 5.0, 0.5]),
        loc_off_miles=np.array([1.0, 1.0, 1.0]),
    )
    assert cov.shares.tolist() == pytest.approx([0.10, 0.5])
    assert cov.missed() == [("b", 0.5)]  # "a" at exactly 10% is allowed
    assert cov.off_locations == 1 and cov.locations == 3
    assert cov.overall_share == pytest.approx(60 / 200)
    assert MAX_OFF_NETWORK_SHARE == 0.10


def test_off_network_distance_grows_with_the_county_standard():
    # 1 mile in (Large) Metro counties; a tenth of the tightest distance standard where that is larger.
    harris, micro, loving = (standards_for_county(None, f) for f in ("48201", "48477", "48301"))
    assert (harris.designation, micro.designation, loving.designation) == ("Large Metro", "Micro", "CEAC")
    assert off_network_miles([harris, micro, loving]).tolist() == [1.0, 2.0, 6.0]


def test_rules_fraction_by_share():
    assert rules_fraction(False, False) == 1.0
    assert rules_fraction(False, True) == 0.75
    assert rules_fraction(True, False, 0.5) == pytest.approx(0.25 + 0.5 * 0.75)
    assert rules_fraction(np.array([False, True]), False, np.array([0.0, 1.0])).tolist() == [1.0, 0.5]


# -- which ways a car may use -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "tags, expected",
    [
        ({"highway": "residential"}, (25 * KMH_TO_MPH, 0)),
        ({"highway": "primary", "maxspeed": "45 mph"}, (45.0, 0)),
        ({"highway": "primary", "maxspeed": "50"}, (50 * KMH_TO_MPH, 0)),
        ({"highway": "primary", "maxspeed": "none"}, (65 * KMH_TO_MPH, 0)),
        ({"highway": "motorway"}, (90 * KMH_TO_MPH, 1)),
        ({"highway": "motorway", "oneway": "no"}, (90 * KMH_TO_MPH, 0)),
        ({"highway": "secondary", "oneway": "-1"}, (55 * KMH_TO_MPH, -1)),
        ({"highway": "tertiary", "junction": "roundabout"}, (40 * KMH_TO_MPH, 1)),
        ({"highway": "service", "service": "parking_aisle"}, (5 * KMH_TO_MPH, 0)),
        ({"highway": "residential", "access": "no", "motor_vehicle": "yes"}, (25 * KMH_TO_MPH, 0)),
        ({"highway": "residential", "access": "private"}, "access=private"),
        ({"highway": "residential", "motor_vehicle": "no"}, "motor_vehicle=no"),
        ({"highway": "residential", "motorcar": "destination", "access": "no"}, (25 * KMH_TO_MPH, 0)),
        ({"highway": "service", "service": "emergency_access"}, "service=emergency_access"),
        ({"highway": "pedestrian", "area": "yes"}, "highway=pedestrian"),
        ({"highway": "service", "area": "yes"}, "area=yes"),
        ({"highway": "footway"}, "highway=footway"),
        ({"highway": "construction"}, "highway=construction"),
        ({"highway": "primary", "oneway": "reversible"}, "oneway=reversible"),
    ],
)
def test_way_rule(tags, expected):
    got = way_rule(tags)
    if isinstance(expected, str):
        assert got == expected
    else:
        assert got[0] == pytest.approx(expected[0]) and got[1] == expected[1]


# -- reading: formats, refusals, cancel -----------------------------------------------------------------
def test_osm_xml_bz2_and_gz_read_alike(tmp_path):
    (tmp_path / "a.osm").write_text(OSM)
    (tmp_path / "a.osm.bz2").write_bytes(bz2.compress(OSM.encode()))
    (tmp_path / "a.osm.gz").write_bytes(gzip.compress(OSM.encode()))
    graphs = [roads.read_osm(tmp_path / n) for n in ("a.osm", "a.osm.bz2", "a.osm.gz")]
    for g in graphs:
        assert g.n == 7 and len(g.src) == 12
        assert np.array_equal(g.minutes, graphs[0].minutes)


def test_negative_ids_of_an_unsaved_josm_file_are_read(tmp_path):
    path = tmp_path / "josm.osm"
    path.write_text(OSM.replace('id="', 'id="-').replace('ref="', 'ref="-'))
    g = roads.read_osm(path)
    assert g.n == 7 and len(g.src) == 12
    assert g.info["node_refs_without_location"] == 0


def test_a_file_without_drivable_roads_is_refused_with_what_it_holds(tmp_path):
    path = tmp_path / "paths.osm"
    path.write_text(
        OSM.replace(
            '<tag k="highway" v="primary"/><tag k="maxspeed" v="60 mph"/>', '<tag k="highway" v="footway"/>'
        )
    )
    with pytest.raises(InputFileError) as err:
        roads.read_osm(path)
    assert (
        str(err.value) == "paths.osm: no drivable roads: 1 highway way, not open to cars (highway=footway 1)"
    )


def test_a_file_without_highways_is_refused(tmp_path):
    path = tmp_path / "empty.osm"
    path.write_text('<?xml version="1.0"?><osm version="0.6"><node id="1" lat="0" lon="0"/></osm>')
    with pytest.raises(
        InputFileError, match=r"^empty.osm: no drivable roads: no way in it is tagged highway=\*$"
    ):
        roads.read_osm(path)


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("garbage.osm.pbf", b"hello world", "not a readable OSM PBF file (PBF error"),
        ("empty.osm.pbf", b"", "not a readable OSM PBF file"),
        ("bad.osm", b'<osm><node id="1" lat="x"', "not a readable OSM XML file"),
        ("bad.osm.bz2", b"not bzip2", "not a readable OSM XML (bzip2) file (bzip2 error"),
        ("truncated.osm.bz2", bz2.compress(OSM.encode()[:300]), "not a readable OSM XML (bzip2) file (XML"),
        ("roads.shp", b"", "expected an OpenStreetMap extract ending .osm.pbf, .osm, .osm.bz2 or .osm.gz"),
    ],
)
def test_malformed_files_get_one_line_and_no_traceback(tmp_path, capsys, name, content, expected):
    proj = tmp_path / "p.bpproj"
    create_project(proj, "p", plan_year=2026, counties=[("39049", "OH")])
    path = tmp_path / name
    path.write_bytes(content)
    assert cli_main(["import", "roads", str(proj), str(path)]) != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert expected in err and name in err
    with open_project(proj) as p:
        assert p.conn.execute("SELECT COUNT(*) FROM road_graphs").fetchone()[0] == 0


def test_cancel_leaves_the_project_untouched(tmp_path):
    proj = tmp_path / "p.bpproj"
    create_project(proj, "p", plan_year=2026, counties=[("39049", "OH")])
    path = tmp_path / "line.osm"
    path.write_text(OSM)
    progress = Progress()
    progress.cancel()
    with open_project(proj) as p:
        with pytest.raises(Cancelled):
            roads.import_roads(p, path, progress)
        assert p.conn.execute("SELECT COUNT(*) FROM road_graphs").fetchone()[0] == 0
        assert p.conn.execute("SELECT COUNT(*) FROM import_batches WHERE kind = 'roads'").fetchone()[0] == 0


def test_a_network_on_the_equator_is_refused_for_an_ohio_project(tmp_path):
    proj = tmp_path / "p.bpproj"
    create_project(proj, "p", plan_year=2026, counties=[("39049", "OH")])
    path = tmp_path / "line.osm"
    path.write_text(OSM)
    with open_project(proj) as p, pytest.raises(InputFileError) as err:
        roads.import_roads(p, path)
    assert "from the service area (Franklin, OH 39049)" in str(err.value)


def _grid_osm(min_lat, min_lon, max_lat, max_lon, step=0.01) -> str:
    """A two-way residential street grid over a box (every 0.01 degree: about 0.7 mile)."""
    lats = np.arange(min_lat, max_lat + step, step)
    lons = np.arange(min_lon, max_lon + step, step)
    ids = np.arange(1, len(lats) * len(lons) + 1).reshape(len(lats), len(lons))
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for i, la in enumerate(lats):
        for j, lo in enumerate(lons):
            out.append(f'<node id="{ids[i, j]}" lat="{la:.7f}" lon="{lo:.7f}"/>')
    way = 1
    for row in ids:
        out.append(f'<way id="{way}">' + "".join(f'<nd ref="{n}"/>' for n in row))
        out.append('<tag k="highway" v="residential"/></way>')
        way += 1
    for col in ids.T:
        out.append(f'<way id="{way}">' + "".join(f'<nd ref="{n}"/>' for n in col))
        out.append('<tag k="highway" v="tertiary"/></way>')
        way += 1
    out.append("</osm>")
    return "\n".join(out)


def test_a_covering_network_imports_and_scores_by_road_from_the_cli(tmp_path, capsys):
    from blueprint_desktop.geo.counties import county_geometries

    minx, miny, maxx, maxy = county_geometries(["39049"], display=False).geometry.iloc[0].bounds
    path = tmp_path / "franklin-grid.osm.bz2"
    path.write_bytes(bz2.compress(_grid_osm(miny - 0.02, minx - 0.02, maxy + 0.02, maxx + 0.02).encode()))
    proj = tmp_path / "p.bpproj"
    create_project(proj, "p", plan_year=2026, counties=[("39049", "OH")])
    assert cli_main(["import", "roads", str(proj), str(path)]) == 0
    out = capsys.readouterr().out
    assert "dropped 0 nodes and 0 segments in 0 smaller parts" in out
    assert "coverage: 0.0% of the population weight is off the road network" in out
    assert "warning" not in out
    assert cli_main(["score", str(proj), "--method", "road", "--lines", "S03"]) == 0
    out = capsys.readouterr().out
    assert "(road):" in out
    assert f"roads: {path.name} (" in out and "0.0% of the population weight is off the road network" in out
    with open_project(proj) as p:
        detail = p.conn.execute("SELECT COUNT(*) FROM road_graphs WHERE active = 1").fetchone()[0]
    assert detail == 1
