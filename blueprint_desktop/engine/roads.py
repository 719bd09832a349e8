"""Drive time and distance on a road network from an OpenStreetMap extract.

``import_roads`` reads an ``.osm.pbf``, ``.osm``, ``.osm.bz2`` or ``.osm.gz`` extract into a directed
drive graph (``road_import.py``: streamed, drivable ways only, cut to its largest strongly connected
part), refuses one that lies far from the service area (``road_coverage.py``), reports how much of the
service area's population it covers, and stores it in the project (``road_graphs``) in one transaction.

``RoadMeasure`` snaps population points and provider locations to their nearest graph node (cKDTree on
unit vectors) and runs ONE multi-source shortest-path search per line (``scipy.sparse.csgraph.dijkstra``
with ``min_only=True`` and a ``limit``) on the reversed graph, from all of that line's locations at once,
rather than one search per point. Counts use one forward search per county from its points.

**Distance** is measured *along the time-shortest path* (what a driver following the fastest route
drives), not by a second shortest-distance search: it is read off the predecessor tree of the same
search by pointer jumping, so it costs a few vector operations instead of a second pass.

**Legs to the network**: a point or location is joined to its nearest node by a straight leg whose time
is the straight-line model's for the county measured (``travel_time.estimated_minutes`` by designation:
circuity and speed) and whose distance is the straight-line miles. A leg longer than the county's
off-network distance (``road_coverage.py``) makes that trip *off the network*: ``off_network`` holds,
after each ``nearest`` call, which points' trips used such a leg. With several sources, scipy's search
starts them all at zero, so the location-side leg is added afterwards for the source that won (exact when
locations sit on the network; otherwise a location with a shorter leg but slightly longer road time could
be missed by at most that leg).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from blueprint_desktop.engine.road_coverage import (
    MAX_OFF_NETWORK_SHARE,
    OFF_NETWORK_MILES,
    Coverage,
    bbox_text,
    check_extract_near,
    off_network_miles,
)
from blueprint_desktop.engine.road_import import (  # noqa: F401  (re-exported: callers import them from here)
    KMH_TO_MPH,
    SERVICE_SPEEDS_KMH,
    SPEED_SOURCE,
    SPEEDS_KMH,
    RoadGraph,
    build_graph,
    dedupe,
    largest_strong_component,
    read_osm,
    way_rule,
)
from blueprint_desktop.engine.travel_time import DEFAULT_DESIGNATION, straight_miles_per_minute
from blueprint_desktop.errors import BlueprintError, InputFileError
from blueprint_desktop.geo.distance import chord_to_miles, to_unit_vectors
from blueprint_desktop.progress import Progress

_dedupe = dedupe  # the old private name (bench/bench_scoring.py)
SHOWN_COUNTIES = 10  # counties listed by `blueprint import roads`, worst covered first


def _service_area_coverage(project, graph: RoadGraph, area: list[str]) -> Coverage | None:
    """How much of the service area's population lies off this graph (None without a service area)."""
    if not area:
        return None
    from blueprint_desktop.geo.points import population_points
    from blueprint_desktop.rules.standards import standards_for_county

    points = population_points(area, project)
    points = points[points.weight > 0]
    cidx = {f: i for i, f in enumerate(area)}
    points = points[points.county_fips.isin(cidx)]
    limits = off_network_miles([standards_for_county(project, f) for f in area])
    tree = cKDTree(to_unit_vectors(graph.node_lat, graph.node_lon))
    chord, _ = tree.query(to_unit_vectors(points.lat.to_numpy(float), points.lon.to_numpy(float)), k=1)
    return Coverage.measure(
        area,
        limits,
        points.county_fips.map(cidx).to_numpy(dtype=np.int64),
        points.weight.to_numpy(float),
        chord_to_miles(chord),
    )


def import_roads(project, path: str | Path, progress: Progress | None = None) -> dict:
    """Read an OSM extract into the project's road graph (replacing the active one).

    Refuses (``InputFileError``, one line, nothing changed) an unreadable file, one without drivable
    roads, and one whose roads lie far from the service area.
    """
    from blueprint_desktop.store.project import sha256_file, utc_now

    progress = progress or Progress()
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: no such file")
    sha = sha256_file(path)
    graph = read_osm(path, progress.scaled(0.0, 0.8))
    area = project.service_area()
    progress.update(0.82, "checking the roads cover the service area")
    check_extract_near(graph.node_lat, graph.node_lon, area, path.name)
    coverage = _service_area_coverage(project, graph, area)
    progress.update(0.9, "saving road graph")
    bbox = graph.bbox()
    info = dict(graph.info)
    info["bbox"] = [round(v, 6) for v in bbox]
    info["coverage"] = coverage.as_dict() if coverage is not None else None
    with project.transaction():
        batch = project.record_batch(
            "roads",
            path.name,
            sha,
            info.get("drivable_ways", len(graph.src)),
            len(graph.src),
            0,
            info,
        )
        project.conn.execute("UPDATE road_graphs SET active = 0")
        cur = project.conn.execute(
            "INSERT INTO road_graphs(file_name, file_sha256, imported_at, batch_id, nodes, edges, min_lat, min_lon,"
            " max_lat, max_lon, speeds_json, arrays, active) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,1)",
            (
                path.name,
                sha,
                utc_now(),
                batch,
                graph.n,
                len(graph.src),
                *bbox,
                json.dumps(
                    {
                        "source": SPEED_SOURCE,
                        "kmh": SPEEDS_KMH,
                        "service_kmh": SERVICE_SPEEDS_KMH,
                        "legs": "straight-line model by county designation (engine/travel_time.py)",
                        "off_network_miles_min": OFF_NETWORK_MILES,
                        "max_off_network_share": MAX_OFF_NETWORK_SHARE,
                    }
                ),
                graph.to_bytes(),
            ),
        )
        project.audit(
            "import.roads",
            "road_graphs",
            cur.lastrowid,
            {
                "file": path.name,
                "nodes": graph.n,
                "edges": len(graph.src),
                "dropped_nodes": info.get("dropped_nodes", 0),
                "dropped_edges": info.get("dropped_edges", 0),
                "off_network_share": None if coverage is None else round(coverage.overall_share, 4),
            },
        )
    progress.update(1.0, "roads imported", force=True)
    out = {
        "graph_id": cur.lastrowid,
        "file": path.name,
        "nodes": graph.n,
        "edges": int(len(graph.src)),
        "dropped_nodes": info.get("dropped_nodes", 0),
        "dropped_edges": info.get("dropped_edges", 0),
        "components": info.get("components", 1),
        "highway_ways": info.get("highway_ways"),
        "drivable_ways": info.get("drivable_ways"),
        "bbox": info["bbox"],
        "coverage": info["coverage"],
    }
    if coverage is not None:
        out["coverage_summary"] = coverage.summary()
        out["refused_counties"] = [f for f, _ in coverage.missed()]
        if coverage.refused:
            out["warning"] = coverage.refusal(path.name, prefix="drive-time scoring will be refused")
    return out


def describe_import(info: dict) -> list[str]:
    """Lines for the CLI: nodes, edges, what was dropped, the bounding box and the coverage."""
    lines = [
        f"{info['file']}: {info['nodes']:,} nodes, {info['edges']:,} directed road segments imported "
        f"(from {info.get('drivable_ways') or 0:,} drivable of {info.get('highway_ways') or 0:,} highway ways)",
        f"  kept the largest strongly connected part: dropped {info.get('dropped_nodes', 0):,} nodes and "
        f"{info.get('dropped_edges', 0):,} segments in {max(0, info.get('components', 1) - 1):,} smaller parts",
        f"  bounding box: {bbox_text(*info['bbox'])}",
    ]
    cov = info.get("coverage")
    if cov is None:
        lines.append("  coverage: no service area yet; it is checked when the project is scored by road")
        return lines
    lines.append(f"  coverage: {info['coverage_summary']}")
    worst = sorted(cov["counties"].items(), key=lambda kv: (-kv[1]["off_network_share"], kv[0]))
    for fips, c in worst[:SHOWN_COUNTIES]:
        lines.append(
            f"    {fips}: {c['off_network_share'] * 100:.1f}% of the population weight farther than "
            f"{c['off_network_miles']:g} mi from a road"
        )
    if len(worst) > SHOWN_COUNTIES:
        rest = max(c["off_network_share"] for _, c in worst[SHOWN_COUNTIES:])
        lines.append(f"    ... and {len(worst) - SHOWN_COUNTIES} more counties, none above {rest * 100:.1f}%")
    if info.get("warning"):
        lines.append(f"  warning: {info['warning']}")
    return lines


def load_graph(project) -> RoadGraph:
    if "road_graphs" not in project.db.table_names():
        raise BlueprintError(f"{project.path}: no road network imported; run `blueprint import roads` first")
    row = project.conn.execute(
        "SELECT arrays, file_sha256, file_name FROM road_graphs WHERE active = 1 ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        raise BlueprintError(f"{project.path}: no road network imported; run `blueprint import roads` first")
    return RoadGraph.from_bytes(row[0], row[1], row[2])


# -- measuring -----------------------------------------------------------------------------------------
class _Prepared:
    """CSR matrices both ways, an edge lookup for path miles, and a node KD-tree."""

    def __init__(self, g: RoadGraph) -> None:
        n = g.n
        self.n = n
        self.forward = csr_matrix((g.minutes, (g.src, g.dst)), shape=(n, n))
        self.reverse = self.forward.T.tocsr()
        key = g.src * n + g.dst
        order = np.argsort(key)
        self.keys, self.key_miles = key[order], g.miles[order]
        self.tree = cKDTree(to_unit_vectors(g.node_lat, g.node_lon))

    def snap(self, lat, lon) -> tuple[np.ndarray, np.ndarray]:
        chord, node = self.tree.query(to_unit_vectors(lat, lon), k=1, workers=-1)
        return node.astype(np.int64), chord_to_miles(chord)

    def edge_miles(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        key = u * self.n + v
        pos = np.clip(np.searchsorted(self.keys, key), 0, len(self.keys) - 1)
        return np.where(self.keys[pos] == key, self.key_miles[pos], 0.0)

    def path_miles(self, pred: np.ndarray, reverse: bool) -> np.ndarray:
        """Miles along the shortest-path tree to each node, by pointer jumping (log depth passes)."""
        nodes = np.arange(self.n)
        has = pred >= 0
        parent = np.where(has, pred, nodes)
        step = np.zeros(self.n)
        u, v = parent[has], nodes[has]
        # The tree edge runs parent -> node in the searched graph; in the forward graph that is the
        # same edge for a forward search and node -> parent for a search on the reversed graph.
        step[has] = self.edge_miles(v, u) if reverse else self.edge_miles(u, v)
        total = step.copy()
        while True:
            nxt = parent[parent]
            if np.array_equal(nxt, parent):
                total_final = total
                break
            total = total + total[parent] * (parent != nodes)
            # After the jump, a node's total covers the path to its (new) ancestor.
            parent = nxt
        return total_final


class RoadMeasure:
    """Drive minutes and miles on the imported graph (see the module doc).

    ``designations`` (per county) set the straight-line model for the legs to the network (default
    Metro); ``off_network_miles`` (per county) the leg beyond which a trip is off the network (default
    ``OFF_NETWORK_MILES``).
    """

    estimated_time = False
    name = "road"

    def __init__(
        self,
        graph: RoadGraph,
        point_county,
        lat,
        lon,
        n_counties: int,
        designations: Sequence[str] | None = None,
        off_network_miles: np.ndarray | None = None,
    ) -> None:
        self.g = graph
        self.prep = _Prepared(graph)
        self.point_county = np.asarray(point_county, dtype=np.int64)
        self.n_counties = n_counties
        designations = list(designations) if designations is not None else [DEFAULT_DESIGNATION] * n_counties
        # Straight-line miles covered per minute on a leg, per county (travel_time.estimated_minutes).
        self.mpm = np.array([straight_miles_per_minute(d) for d in designations], dtype=float)
        self.off_miles = (
            np.full(n_counties, OFF_NETWORK_MILES)
            if off_network_miles is None
            else np.asarray(off_network_miles, dtype=float)
        )
        self.p_node, p_leg = self.prep.snap(lat, lon)
        self.p_leg_mi = p_leg
        self.p_leg_min = p_leg / self.mpm[self.point_county] if len(p_leg) else np.zeros(0)
        self.p_off = p_leg > self.off_miles[self.point_county] if len(p_leg) else np.zeros(0, bool)
        self.county_limit = np.full(n_counties, np.inf)
        self._county_cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        # After each nearest(): whether each point's trip used an off-network leg (its own or the location's).
        self.off_network = self.p_off.copy()

    def snap_miles(self, lat, lon) -> np.ndarray:
        """Straight-line miles from each position to its nearest road node."""
        if len(lat) == 0:
            return np.zeros(0)
        return self.prep.snap(lat, lon)[1]

    def _source_legs(self, nodes: np.ndarray, leg_mi: np.ndarray):
        """Per distinct node, the location/point with the shortest leg: the nodes and, per node, its miles.

        Leg time is a fixed multiple of leg miles within one county, so the shortest leg is also the
        quickest.
        """
        order = np.lexsort((leg_mi, nodes))
        nodes_s = nodes[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = nodes_s[1:] != nodes_s[:-1]
        pick = order[first]
        best_mi = np.zeros(self.prep.n)
        best_mi[nodes[pick]] = leg_mi[pick]
        return nodes[pick], best_mi

    def nearest(self, locs, limit: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        n_p = len(self.p_node)
        if len(locs) == 0:
            self.off_network = self.p_off.copy()
            return np.full(n_p, np.inf), np.full(n_p, np.inf)
        l_node, l_leg = self.prep.snap(locs.lat, locs.lon)
        sources, leg_mi = self._source_legs(l_node, l_leg)
        dist, pred, src = dijkstra(
            self.prep.reverse,
            directed=True,
            indices=sources,
            min_only=True,
            return_predecessors=True,
            limit=np.inf if limit is None else limit,
        )
        miles_tree = self.prep.path_miles(pred, reverse=True)
        t = dist[self.p_node]
        ok = np.isfinite(t)
        s = np.where(ok, src[self.p_node], 0)
        loc_leg = leg_mi[s]
        pc = self.point_county
        minutes = np.where(ok, t + self.p_leg_min + loc_leg / self.mpm[pc], np.inf)
        miles = np.where(ok, miles_tree[self.p_node] + self.p_leg_mi + loc_leg, np.inf)
        self.off_network = self.p_off | (ok & (loc_leg > self.off_miles[pc]))
        return minutes, miles

    def _county_search(self, c: int):
        if c not in self._county_cache:
            mask = self.point_county == c
            sources, leg_mi = self._source_legs(self.p_node[mask], self.p_leg_mi[mask])
            leg_min = leg_mi / self.mpm[c]
            limit = self.county_limit[c]
            dist, pred, src = dijkstra(
                self.prep.forward,
                directed=True,
                indices=sources,
                min_only=True,
                return_predecessors=True,
                limit=limit,
            )
            miles_tree = self.prep.path_miles(pred, reverse=False)
            ok = np.isfinite(dist)
            s = np.where(ok, src, 0)
            t = np.where(ok, dist + leg_min[s], np.inf).astype(np.float32)
            mi = np.where(ok, miles_tree + leg_mi[s], np.inf).astype(np.float32)
            self._county_cache[c] = (t, mi)
        return self._county_cache[c]

    def reach(self, locs, max_minutes: np.ndarray, max_miles: np.ndarray):
        if len(locs) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        l_node, l_leg = self.prep.snap(locs.lat, locs.lon)
        cs, ls = [], []
        for c in range(self.n_counties):
            if not np.isfinite(max_minutes[c]) or not (self.point_county == c).any():
                continue
            t, mi = self._county_search(c)
            ok = (t[l_node] + l_leg / self.mpm[c] <= max_minutes[c] + 1e-6) & (
                mi[l_node] + l_leg <= max_miles[c] + 1e-6
            )
            idx = np.flatnonzero(ok)
            cs.append(np.full(len(idx), c, dtype=np.int64))
            ls.append(idx)
        if not cs:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(cs), np.concatenate(ls)
