"""Drive time and distance on a road network from an OpenStreetMap extract.

``import_roads`` reads an ``.osm.pbf`` (with pyosmium) or ``.osm`` XML (standard library) extract into a
directed drive graph and stores it in the project (``road_graphs``, schema v4). ``RoadMeasure`` snaps
population points and provider locations to their nearest graph node (cKDTree on unit vectors) and
runs ONE multi-source shortest-path search per line (``scipy.sparse.csgraph.dijkstra`` with
``min_only=True`` and a ``limit``) on the reversed graph, from all of that line's locations at once,
rather than one search per point. Counts use one forward search per county from its points.

Speeds by highway class are OSRM's car profile defaults (Project OSRM ``profiles/car.lua``,
``speed_profile``, km/h), which routers use where a way has no speed limit; a parseable ``maxspeed`` tag
wins. Ways that cars may not use (``access=no|private``, ``motor_vehicle=no``, footways, tracks...)
are left out. ``oneway=yes|1|true`` (and motorways and roundabouts) run forward only, ``oneway=-1``
backward only.

**Distance** is measured *along the time-shortest path* (what a driver following the fastest route
drives), not by a second shortest-distance search: it is read off the predecessor tree of the same
search by pointer jumping, so it costs a few vector operations instead of a second pass.

**Off-network legs**: a point or location is joined to its nearest node by a straight leg driven at
``ACCESS_SPEED_MPH``. With several sources, scipy's search starts them all at zero, so the location-side
leg is added afterwards for the source that won (exact when locations sit on the network; otherwise a
location with a shorter leg but slightly longer road time could be missed by at most that leg).
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from blueprint_desktop.errors import BlueprintError, InputFileError
from blueprint_desktop.geo.distance import chord_to_miles, haversine_miles, to_unit_vectors
from blueprint_desktop.progress import Progress

KMH_TO_MPH = 0.621371
# OSRM car profile defaults (profiles/car.lua, speed_profile), km/h.
SPEEDS_KMH: dict[str, float] = {
    "motorway": 90,
    "motorway_link": 45,
    "trunk": 85,
    "trunk_link": 40,
    "primary": 65,
    "primary_link": 30,
    "secondary": 55,
    "secondary_link": 25,
    "tertiary": 40,
    "tertiary_link": 20,
    "unclassified": 25,
    "residential": 25,
    "living_street": 10,
    "service": 15,
}
SPEED_SOURCE = "OSRM car profile (profiles/car.lua speed_profile) defaults; maxspeed tag wins when parseable"
ACCESS_SPEED_MPH = 15.0  # off-network leg: driveways and parking lots, slower than any street
NO_ACCESS = {"no", "private"}
IMPLIED_ONEWAY = {"motorway", "motorway_link"}


def _speed_mph(tags: dict[str, str]) -> float | None:
    hw = tags.get("highway")
    if hw not in SPEEDS_KMH:
        return None
    if (
        tags.get("access") in NO_ACCESS
        or tags.get("motor_vehicle") in NO_ACCESS
        or tags.get("motorcar") == "no"
    ):
        return None
    m = re.match(r"^\s*(\d+(?:\.\d+)?)\s*(mph)?", tags.get("maxspeed", ""))
    if m:
        value = float(m.group(1))
        if value > 0:
            return value if m.group(2) else value * KMH_TO_MPH
    return SPEEDS_KMH[hw] * KMH_TO_MPH


def _direction(tags: dict[str, str]) -> int:
    """1 forward only, -1 backward only, 0 both ways."""
    ow = tags.get("oneway", "").lower()
    if ow in ("yes", "1", "true"):
        return 1
    if ow == "-1":
        return -1
    if ow == "no":
        return 0
    if tags.get("highway") in IMPLIED_ONEWAY or tags.get("junction") == "roundabout":
        return 1
    return 0


@dataclass
class RoadGraph:
    node_lat: np.ndarray
    node_lon: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    minutes: np.ndarray
    miles: np.ndarray
    sha256: str = ""

    @property
    def n(self) -> int:
        return len(self.node_lat)

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        np.savez_compressed(
            buf,
            node_lat=self.node_lat,
            node_lon=self.node_lon,
            src=self.src,
            dst=self.dst,
            minutes=self.minutes,
            miles=self.miles,
        )
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes, sha256: str = "") -> RoadGraph:
        z = np.load(io.BytesIO(blob))
        return cls(z["node_lat"], z["node_lon"], z["src"], z["dst"], z["minutes"], z["miles"], sha256)


def build_graph(ways, node_coords: dict[int, tuple[float, float]] | None = None) -> RoadGraph:
    """Directed graph from ``ways``: iterable of (tags, [(node_id, lat, lon), ...])."""
    a_ids, b_ids, mph, coords = [], [], [], {}
    for tags, nodes in ways:
        speed = _speed_mph(tags)
        if speed is None or len(nodes) < 2:
            continue
        direction = _direction(tags)
        for nid, lat, lon in nodes:
            coords[nid] = (lat, lon)
        ids = [n[0] for n in nodes]
        for u, v in zip(ids[:-1], ids[1:], strict=True):
            if u == v:
                continue
            if direction >= 0:
                a_ids.append(u), b_ids.append(v), mph.append(speed)
            if direction <= 0:
                a_ids.append(v), b_ids.append(u), mph.append(speed)
    if not a_ids:
        raise BlueprintError("the road file holds no drivable roads (no highway=* ways cars may use)")
    node_ids = np.array(sorted(coords))
    lat = np.array([coords[i][0] for i in node_ids])
    lon = np.array([coords[i][1] for i in node_ids])
    src = np.searchsorted(node_ids, np.array(a_ids))
    dst = np.searchsorted(node_ids, np.array(b_ids))
    miles = haversine_miles(lat[src], lon[src], lat[dst], lon[dst])
    minutes = miles / np.array(mph) * 60.0
    return _dedupe(RoadGraph(lat, lon, src.astype(np.int64), dst.astype(np.int64), minutes, miles))


def _dedupe(g: RoadGraph) -> RoadGraph:
    """Keep the fastest of parallel edges (a sparse matrix would otherwise add their weights up)."""
    key = g.src * g.n + g.dst
    order = np.lexsort((g.minutes, key))
    key_sorted = key[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = key_sorted[1:] != key_sorted[:-1]
    keep = order[first]
    # Zero-length edges (duplicate coordinates) get a tiny positive weight: csgraph treats 0 as "no edge".
    minutes = np.maximum(g.minutes[keep], 1e-6)
    return RoadGraph(g.node_lat, g.node_lon, g.src[keep], g.dst[keep], minutes, g.miles[keep], g.sha256)


def read_osm_xml(path: Path) -> RoadGraph:
    coords: dict[int, tuple[float, float]] = {}
    ways = []
    try:
        for _, el in ET.iterparse(path, events=("end",)):
            if el.tag == "node":
                coords[int(el.get("id"))] = (float(el.get("lat")), float(el.get("lon")))
                el.clear()
            elif el.tag == "way":
                tags = {t.get("k"): t.get("v") for t in el.findall("tag")}
                if "highway" in tags:
                    ways.append((tags, [int(nd.get("ref")) for nd in el.findall("nd")]))
                el.clear()
    except ET.ParseError as exc:
        raise InputFileError(f"{path}: not a readable OSM XML file ({exc})") from None
    resolved = []
    for tags, refs in ways:
        nodes = [(r, *coords[r]) for r in refs if r in coords]
        resolved.append((tags, nodes))
    return build_graph(resolved)


def read_osm_pbf(path: Path) -> RoadGraph:
    try:
        import osmium
    except ImportError:  # pragma: no cover - osmium is a declared dependency
        raise BlueprintError("reading .osm.pbf needs the 'osmium' package (pip install osmium)") from None

    ways = []
    try:
        fp = osmium.FileProcessor(str(path), osmium.osm.WAY).with_locations()
        for way in fp:
            tags = {t.k: t.v for t in way.tags}
            if tags.get("highway") not in SPEEDS_KMH:
                continue
            nodes = [(n.ref, n.location.lat, n.location.lon) for n in way.nodes if n.location.valid()]
            ways.append((tags, nodes))
    except RuntimeError as exc:
        raise InputFileError(f"{path}: not a readable OSM PBF file ({exc})") from None
    return build_graph(ways)


def read_osm(path: Path) -> RoadGraph:
    name = path.name.lower()
    if name.endswith(".osm.pbf") or name.endswith(".pbf"):
        return read_osm_pbf(path)
    if name.endswith(".osm") or name.endswith(".xml"):
        return read_osm_xml(path)
    raise InputFileError(
        f"{path}: expected an OpenStreetMap extract ending .osm.pbf or .osm, got {path.suffix!r}"
    )


def import_roads(project, path: str | Path, progress: Progress | None = None) -> dict:
    """Read an OSM extract into the project's road graph (replacing the active one)."""
    from blueprint_desktop.store.project import sha256_file, utc_now

    progress = progress or Progress()
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: no such file")
    sha = sha256_file(path)
    progress.update(0.05, "reading roads")
    graph = read_osm(path)
    progress.update(0.8, "saving road graph")
    with project.transaction():
        batch = project.record_batch(
            "roads",
            path.name,
            sha,
            len(graph.src),
            len(graph.src),
            0,
            {"nodes": graph.n, "edges": len(graph.src)},
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
                float(graph.node_lat.min()),
                float(graph.node_lon.min()),
                float(graph.node_lat.max()),
                float(graph.node_lon.max()),
                json.dumps({"source": SPEED_SOURCE, "kmh": SPEEDS_KMH, "access_mph": ACCESS_SPEED_MPH}),
                graph.to_bytes(),
            ),
        )
        project.audit(
            "import.roads", "road_graphs", cur.lastrowid, {"file": path.name, "edges": len(graph.src)}
        )
    progress.update(1.0, "roads imported", force=True)
    return {"graph_id": cur.lastrowid, "file": path.name, "nodes": graph.n, "edges": int(len(graph.src))}


def load_graph(project) -> RoadGraph:
    if "road_graphs" not in project.db.table_names():
        raise BlueprintError(f"{project.path}: no road network imported; run `blueprint import roads` first")
    row = project.conn.execute(
        "SELECT arrays, file_sha256 FROM road_graphs WHERE active = 1 ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        raise BlueprintError(f"{project.path}: no road network imported; run `blueprint import roads` first")
    return RoadGraph.from_bytes(row[0], row[1])


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
    """Drive minutes and miles on the imported graph (see the module doc)."""

    estimated_time = False
    name = "road"

    def __init__(self, graph: RoadGraph, point_county, lat, lon, n_counties: int) -> None:
        self.g = graph
        self.prep = _Prepared(graph)
        self.point_county = np.asarray(point_county, dtype=np.int64)
        self.p_node, p_leg = self.prep.snap(lat, lon)
        self.p_leg_mi = p_leg
        self.p_leg_min = p_leg / ACCESS_SPEED_MPH * 60.0
        self.n_counties = n_counties
        self.county_limit = np.full(n_counties, np.inf)
        self._county_cache: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def _source_legs(self, nodes: np.ndarray, leg_min: np.ndarray, leg_mi: np.ndarray):
        """Per distinct node, the location/point with the shortest leg (its minutes and miles)."""
        order = np.lexsort((leg_min, nodes))
        nodes_s = nodes[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = nodes_s[1:] != nodes_s[:-1]
        pick = order[first]
        best_min = np.zeros(self.prep.n)
        best_mi = np.zeros(self.prep.n)
        best_min[nodes[pick]] = leg_min[pick]
        best_mi[nodes[pick]] = leg_mi[pick]
        return nodes[pick], best_min, best_mi

    def nearest(self, locs, limit: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        n_p = len(self.p_node)
        if len(locs) == 0:
            return np.full(n_p, np.inf), np.full(n_p, np.inf)
        l_node, l_leg = self.prep.snap(locs.lat, locs.lon)
        sources, leg_min, leg_mi = self._source_legs(l_node, l_leg / ACCESS_SPEED_MPH * 60.0, l_leg)
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
        minutes = np.where(ok, t + self.p_leg_min + leg_min[s], np.inf)
        miles = np.where(ok, miles_tree[self.p_node] + self.p_leg_mi + leg_mi[s], np.inf)
        return minutes, miles

    def _county_search(self, c: int):
        if c not in self._county_cache:
            mask = self.point_county == c
            sources, leg_min, leg_mi = self._source_legs(
                self.p_node[mask], self.p_leg_min[mask], self.p_leg_mi[mask]
            )
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
        l_leg_min = l_leg / ACCESS_SPEED_MPH * 60.0
        cs, ls = [], []
        for c in range(self.n_counties):
            if not np.isfinite(max_minutes[c]) or not (self.point_county == c).any():
                continue
            t, mi = self._county_search(c)
            ok = (t[l_node] + l_leg_min <= max_minutes[c] + 1e-6) & (
                mi[l_node] + l_leg <= max_miles[c] + 1e-6
            )
            idx = np.flatnonzero(ok)
            cs.append(np.full(len(idx), c, dtype=np.int64))
            ls.append(idx)
        if not cs:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(cs), np.concatenate(ls)
