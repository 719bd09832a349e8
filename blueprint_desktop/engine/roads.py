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
search by pointer jumping over the paths of the nodes read (points, locations), not over every node.

**State size** (docs/performance.md, "Drive time at state size"): each county's count search keeps its
minutes and miles only at the location nodes (``expect_locations``), not over every node; the re-check
without provisional providers re-searches only the nodes their locations had won (``_without``); and on
a large graph with two cores, forked helper processes take half the county searches and run the coming
lines' nearest searches ahead (``_Prefetch``). Results are those of one plain search each, bit for bit,
except where two paths tie exactly.

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
import multiprocessing
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from blueprint_desktop.engine.forking import die_with_parent, fork_workers
from blueprint_desktop.engine.road_contract import contract
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
# Searches use a second core (forked helper processes) on graphs of this many nodes and up (below, the
# fork and hand-over cost more than they save); count searches when at least this many counties need one.
PARALLEL_MIN_NODES = 200_000
# From here a run contracts degree-2 chains (road_contract.py): below it a search takes well under a second
# and contracting would change the last bits of travel times on small graphs for no gain.
CONTRACT_MIN_NODES = 200_000
PARALLEL_MIN_COUNTIES = 8


def _workers() -> int:
    """Processes for the searches (engine/forking.py): 2 where there are two cores and forking is safe."""
    return fork_workers()


def _county_helper(measure: RoadMeasure, counties: list[int], conn) -> None:
    """In the forked helper: search ``counties`` and send their results back."""
    die_with_parent()
    try:
        conn.send([(c, measure._search_county(c, measure._known)) for c in counties])
    finally:
        conn.close()


class _Prefetch:
    """The coming lines' nearest searches, run ahead on the second core by a forked helper process.

    scipy's Dijkstra holds the GIL, so only a process can use the second core. The helper takes the
    planned source sets in order, searches each on the reversed graph without a limit (the caller cuts to
    its own, ``RoadMeasure._nearest_at_points``) and leaves (dist, pred, src) in one of ``SLOTS`` shared
    buffers; the main process copies a result out when it asks for that set, searches it itself when the
    helper has not begun it, and while the helper is on the set it asks for, searches the next free one
    (so the two share the work). Sets the main process skips are released when it asks for a later one.
    """

    SLOTS = 2

    def __init__(self, prep: _Prepared, plan: list[np.ndarray]) -> None:
        ctx = multiprocessing.get_context("fork")
        n, k = prep.n, len(plan)
        self.plan, self.n, self.next = plan, n, 0
        self.cond = ctx.Condition()
        self.free = ctx.Semaphore(self.SLOTS)
        self.claim = ctx.RawArray("b", k)  # 0 nobody yet, 1 the helper, 2 the main process
        self.ready = ctx.RawArray("i", k)  # 1 + the slot holding the result, 0 while there is none
        self.busy = ctx.RawArray("b", self.SLOTS)
        self.dist = np.frombuffer(ctx.RawArray("d", self.SLOTS * n), dtype=np.float64).reshape(self.SLOTS, n)
        self.pred = np.frombuffer(ctx.RawArray("i", self.SLOTS * n), dtype=np.int32).reshape(self.SLOTS, n)
        self.src = np.frombuffer(ctx.RawArray("i", self.SLOTS * n), dtype=np.int32).reshape(self.SLOTS, n)
        self.reverse = prep.reverse
        self.own: dict[int, tuple] = {}  # sets this process searched ahead itself while the helper was busy
        self.helper = ctx.Process(target=self._run, args=(prep.reverse,), daemon=True)
        self.helper.start()

    def _run(self, reverse) -> None:  # in the helper
        die_with_parent()
        for k, sources in enumerate(self.plan):
            with self.cond:
                if self.claim[k]:
                    continue
                self.claim[k] = 1
            self.free.acquire()
            with self.cond:
                slot = list(self.busy).index(0)
                self.busy[slot] = 1
            d, p, s = dijkstra(
                reverse, directed=True, indices=sources, min_only=True, return_predecessors=True
            )
            self.dist[slot], self.pred[slot], self.src[slot] = d, p, s
            with self.cond:
                self.ready[k] = slot + 1
                self.cond.notify_all()

    def _release(self, k: int) -> None:  # under self.cond
        slot = self.ready[k] - 1
        self.ready[k] = 0
        self.busy[slot] = 0
        self.free.release()

    def take(self, sources: np.ndarray):
        """(dist, pred, src) of an unlimited search from ``sources`` if it is planned and was searched
        ahead (or is being searched); None when the caller should search it now (the helper then skips it).

        Rather than wait for the helper, this process searches the next set nobody has begun and keeps it
        for when it is asked: both cores stay busy even when the helper is on the very set asked for.
        """
        k = next((j for j in range(self.next, len(self.plan)) if np.array_equal(self.plan[j], sources)), None)
        if k is None:
            return None
        self.next = k + 1
        with self.cond:
            for j in range(k):  # passed by: their results will not be asked for
                if self.ready[j]:
                    self._release(j)
            for j in [j for j in self.own if j < k]:
                del self.own[j]
            if k in self.own:
                return self.own.pop(k)
            if not self.claim[k]:
                self.claim[k] = 2
                return None
        while True:
            with self.cond:
                if self.ready[k]:
                    slot = self.ready[k] - 1
                    break
                if not self.helper.is_alive():
                    return None
                ahead = next((j for j in range(k + 1, len(self.plan)) if not self.claim[j]), None)
                if ahead is not None and not self.own:
                    self.claim[ahead] = 2
                else:
                    self.cond.wait(1.0)
                    continue
            self.own[ahead] = dijkstra(
                self.reverse, directed=True, indices=self.plan[ahead], min_only=True, return_predecessors=True
            )
        out = self.dist[slot].copy(), self.pred[slot].copy(), self.src[slot].copy()
        with self.cond:
            self._release(k)
        return out

    def stop(self) -> None:
        if self.helper.is_alive():
            self.helper.terminate()
        self.helper.join()


def node_tree(g: RoadGraph) -> cKDTree:
    """A KD-tree over every node of ``g`` (unit vectors), for snapping positions to the network."""
    return cKDTree(to_unit_vectors(g.node_lat, g.node_lon))


def snap_to(tree: cKDTree, lat, lon) -> tuple[np.ndarray, np.ndarray]:
    """Each position's nearest node of ``tree`` and the straight miles to it."""
    chord, node = tree.query(to_unit_vectors(lat, lon), k=1, workers=-1)
    return node.astype(np.int64), chord_to_miles(chord)


def _contract_wanted(n: int) -> bool:
    """Whether a run on a graph of ``n`` nodes contracts its degree-2 chains: from ``CONTRACT_MIN_NODES``,
    or as ``BLUEPRINT_ROAD_CONTRACT`` says (1 always, 0 never; benches and tests compare both)."""
    env = os.environ.get("BLUEPRINT_ROAD_CONTRACT", "").strip()
    if env in ("0", "1"):
        return env == "1"
    return n >= CONTRACT_MIN_NODES


class _Prepared:
    """CSR matrices both ways (and each forward edge's miles), and a node KD-tree."""

    def __init__(self, g: RoadGraph, keep: np.ndarray | None = None, tree: cKDTree | None = None) -> None:
        # ``keep`` (bool per node): contract the chains of the other degree-2 nodes (road_contract.py); the
        # searches then run on the contracted graph, whose nodes ``new_of`` numbers. ``tree`` (over every
        # node of ``g``) is the caller's, when it has one already.
        self.new_of: np.ndarray | None = None
        self.chains = 0
        if keep is None:
            n = g.n
            src, dst = np.asarray(g.src, dtype=np.int64), np.asarray(g.dst, dtype=np.int64)
            minutes, miles = np.asarray(g.minutes, dtype=float), np.asarray(g.miles, dtype=float)
        else:
            c = contract(g.src, g.dst, g.minutes, g.miles, g.n, keep)
            n, src, dst, minutes, miles = c.n, c.src, c.dst, c.minutes, c.miles
            self.new_of, self.chains = c.new_of, c.chains
            del c
        self.n = n
        # The forward matrix in canonical order (rows by source, columns sorted), built directly so that each
        # edge's miles sit at the same position as its minutes: a path's miles are then read off the CSR
        # arrays (``edge_miles``) without a second sorted key array over every edge.
        # An imported graph is already in that order (dedupe sorts by src * n + dst and the strong-component
        # cut keeps it): then the arrays are used as they are, with no sorted copies.
        ascending = (src[1:] > src[:-1]) | ((src[1:] == src[:-1]) & (dst[1:] > dst[:-1]))
        if not ascending.all():
            order = np.lexsort((dst, src))
            src, dst, minutes, miles = src[order], dst[order], minutes[order], miles[order]
            del order
            first = np.ones(len(src), dtype=bool)
            first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
            if not first.all():
                # Parallel edges (a graph not built by road_import): a sparse matrix adds them up.
                starts = np.flatnonzero(first)
                minutes, miles = np.add.reduceat(minutes, starts), miles[starts]
                src, dst = src[starts], dst[starts]
        del ascending
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
        index = np.int32 if max(n, len(src)) < 2**31 else np.int64
        self.forward = csr_matrix((minutes, dst.astype(index), indptr.astype(index)), shape=(n, n))
        self.forward_miles = miles
        del src, dst, minutes, indptr
        self.reverse = self.forward.T.tocsr()
        self.tree = tree if tree is not None else node_tree(g)
        self._seen = np.zeros(n, dtype=bool)  # scratch for tree_miles, all False between calls

    def to_new(self, nodes: np.ndarray) -> np.ndarray:
        """The search graph's numbers of original nodes (-1: contracted away)."""
        nodes = np.asarray(nodes, dtype=np.int64)
        return nodes if self.new_of is None else self.new_of[nodes]

    def snap(self, lat, lon) -> tuple[np.ndarray, np.ndarray]:
        """Each position's nearest node (the search graph's number) and the straight miles to it."""
        node, miles = snap_to(self.tree, lat, lon)
        return self.to_new(node), miles

    def edge_miles(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Miles of the forward edges u -> v (0 where there is none): probe row u's few sorted columns."""
        indptr, indices = self.forward.indptr, self.forward.indices
        start = indptr[u].astype(np.int64)
        degree = indptr[u + 1] - start
        out = np.zeros(len(u))
        todo = np.arange(len(u))
        k = 0
        while len(todo):
            todo = todo[degree[todo] > k]
            at = start[todo] + k
            hit = indices[at] == v[todo]
            out[todo[hit]] = self.forward_miles[at[hit]]
            todo = todo[~hit]
            k += 1
        return out

    def tree_miles(self, pred: np.ndarray, targets: np.ndarray, reverse: bool) -> np.ndarray:
        """Miles along the shortest-path tree from each target node to its search source.

        Only the targets' paths are visited: their union is collected level by level, then summed by
        pointer jumping over it alone. The sums are the very ones pointer jumping over every node gave (the
        union holds every ancestor of its nodes), at a cost set by the paths, not the graph (over every node
        it was ~70% of a state-size run).
        """
        targets = np.asarray(targets, dtype=np.int64)
        if not len(targets):
            return np.zeros(0)
        seen = self._seen
        cur = np.unique(targets)
        seen[cur] = True
        found = [cur]
        while len(cur):
            up = pred[cur]
            up = up[up >= 0]
            up = up[~seen[up]]
            seen[up] = True  # repeats within one level stay in ``up``; np.unique below drops them
            found.append(up)
            cur = up
        nodes = np.unique(np.concatenate(found))
        seen[nodes] = False
        del found
        m = len(nodes)
        up = pred[nodes].astype(np.int64)
        has = up >= 0
        idx = np.arange(m)
        parent = np.where(has, np.searchsorted(nodes, np.where(has, up, 0)), idx)
        step = np.zeros(m)
        u, v = nodes[parent[has]], nodes[has]
        # The tree edge runs parent -> node in the searched graph; in the forward graph that is the
        # same edge for a forward search and node -> parent for a search on the reversed graph.
        step[has] = self.edge_miles(v, u) if reverse else self.edge_miles(u, v)
        total = step
        while True:
            nxt = parent[parent]
            if np.array_equal(nxt, parent):
                break
            # After the jump, a node's total covers the path to its (new) ancestor.
            total = total + total[parent] * (parent != idx)
            parent = nxt
        return total[np.searchsorted(nodes, targets)]


class RoadMeasure:
    """Drive minutes and miles on the imported graph (see the module doc).

    ``designations`` (per county) set the straight-line model for the legs to the network (default
    Metro); ``off_network_miles`` (per county) the leg beyond which a trip is off the network (default
    ``OFF_NETWORK_MILES``).

    ``expect_locations`` names the locations (and the per-line sets) a run will ask about, so that each
    county is searched once and the coming lines can be searched ahead; ``close`` stops that helper.
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
        # Positions snap to every node of the graph; the searches may run on a contracted copy that keeps
        # the nodes snapped to (``_keep``; built when first needed: ``prep``).
        self._tree = node_tree(graph)
        self._keep: np.ndarray | None = np.zeros(graph.n, dtype=bool) if _contract_wanted(graph.n) else None
        self._prep: _Prepared | None = None
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
        self._p_orig, p_leg = snap_to(self._tree, lat, lon)
        self._need(self._p_orig, convert=False)
        self.p_leg_mi = p_leg
        self.p_leg_min = p_leg / self.mpm[self.point_county] if len(p_leg) else np.zeros(0)
        self.p_off = p_leg > self.off_miles[self.point_county] if len(p_leg) else np.zeros(0, bool)
        self.county_limit = np.full(n_counties, np.inf)
        self._has_points = np.bincount(self.point_county, minlength=n_counties) > 0
        # Nodes whose count-search results are kept (sorted), and per county: positions into them that the
        # search reached, with minutes and miles there (float32, as the dense cache they replace).
        self._known_orig = np.zeros(0, dtype=np.int64)  # the same, as original node numbers
        self._known = np.zeros(0, dtype=np.int64)
        self._county_cache: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        # The last nearest search: (limit, sources, dist, pred, src), for a re-check with fewer sources.
        self._last: tuple | None = None
        self._prefetch: _Prefetch | None = None
        # After each nearest(): whether each point's trip used an off-network leg (its own or the location's).
        self.off_network = self.p_off.copy()

    @property
    def prep(self) -> _Prepared:
        """The search graph: the whole graph, or its contraction keeping every node snapped to so far."""
        if self._prep is None:
            self.close()  # a search ahead runs on the graph it was given
            self._prep = _Prepared(self.g, self._keep, tree=self._tree)
            self._p_node = self._prep.to_new(self._p_orig)
            self._known = self._prep.to_new(self._known_orig)
            self._county_cache.clear()
            self._last = None
        return self._prep

    @property
    def p_node(self) -> np.ndarray:
        """Each point's node, numbered in the search graph."""
        self.prep  # noqa: B018 - builds the search graph (and these numbers) when first needed
        return self._p_node

    def _need(self, nodes: np.ndarray, convert: bool = True) -> np.ndarray:
        """``nodes`` (original numbers) in the search graph's numbers, contracting again to keep any that
        the current contraction dropped (a call that names locations ``expect_locations`` did not).
        ``convert=False`` only marks them kept (before the search graph is built)."""
        nodes = np.asarray(nodes, dtype=np.int64)
        if self._keep is not None and len(nodes) and not self._keep[nodes].all():
            self._keep[nodes] = True
            self._prep = None
        return self.prep.to_new(nodes) if convert else nodes

    def snap_miles(self, lat, lon) -> np.ndarray:
        """Straight-line miles from each position to its nearest road node."""
        if len(lat) == 0:
            return np.zeros(0)
        return snap_to(self._tree, lat, lon)[1]

    def expect_locations(self, lat, lon, groups: Sequence[np.ndarray] | None = None) -> None:
        """Name every location later calls will ask about, so each county is searched only once.

        ``groups`` (optional): index arrays into ``lat``/``lon``, the location sets of the ``nearest``
        calls to come, in their order (a run's lines). On a large graph with a second core they are then
        searched ahead on it (``_Prefetch``). Optional too: a ``reach`` call with locations at other nodes
        adds them and searches the counties again.
        """
        if not len(lat):
            return
        orig = snap_to(self._tree, lat, lon)[0]
        self._need(orig, convert=False)
        self._add_known(orig)
        nodes = self.prep.to_new(orig)
        if groups is None or self.prep.n < PARALLEL_MIN_NODES or _workers() < 2:
            return
        plan = [np.unique(nodes[np.asarray(g, dtype=np.int64)]) for g in groups if len(g)]
        if len(plan) >= 2:
            self.close()
            self._prefetch = _Prefetch(self.prep, plan)

    def close(self) -> None:
        """Stop the helper that searches ahead, if any (also done when the measure is collected)."""
        if getattr(self, "_prefetch", None) is not None:
            self._prefetch.stop()
            self._prefetch = None

    def __del__(self) -> None:
        self.close()

    def _add_known(self, orig: np.ndarray) -> None:
        """Name nodes (original numbers) whose count-search results are kept."""
        new = np.setdiff1d(orig, self._known_orig)
        if len(new):
            self._known_orig = np.union1d(self._known_orig, new)
            # Contraction renumbers in the original order, so the search graph's numbers stay sorted.
            self._known = self.prep.to_new(self._known_orig)
            self._county_cache.clear()  # results are kept at the known nodes only: search again

    @staticmethod
    def _source_legs(nodes: np.ndarray, leg_mi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The distinct nodes (ascending) and, per node, the shortest leg of the locations/points on it.

        Leg time is a fixed multiple of leg miles within one county, so the shortest leg is also the
        quickest.
        """
        order = np.lexsort((leg_mi, nodes))
        nodes_s = nodes[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = nodes_s[1:] != nodes_s[:-1]
        pick = order[first]
        return nodes[pick], leg_mi[pick]

    def _nearest_at_points(self, sources: np.ndarray, limit: float):
        """Per point: minutes on the network to the nearest source node, that node (-9999 if none within
        ``limit``) and the miles along the way."""
        p = self.p_node
        last = self._last
        out = self._prefetch.take(sources) if self._prefetch is not None else None
        if out is not None:
            searched = np.inf  # searched ahead without a limit: cut to the caller's below
        elif last is not None and last[0] >= limit and len(sources) and np.isin(sources, last[1]).all():
            searched, out = last[0], self._without(last, sources)
        else:
            searched = limit
            out = dijkstra(
                self.prep.reverse,
                directed=True,
                indices=sources,
                min_only=True,
                return_predecessors=True,
                limit=limit,
            )
        dist, pred, src = out
        self._last = (searched, sources, dist, pred, src)
        t, s = dist[p], src[p]
        if searched > limit:
            # A node's time does not depend on the limit once it is within it: beyond, as a limited search.
            beyond = t > limit
            t, s = np.where(beyond, np.inf, t), np.where(beyond, -9999, s)
        return t, s, self.prep.tree_miles(pred, p, reverse=True)

    def _without(self, last, sources: np.ndarray):
        """The last search's (dist, pred, src) with some of its sources dropped.

        Removing sources changes nothing where a kept source wins: only the nodes the dropped ones won are
        searched again, from the edges that leave them (each seeded with the kept tree's time beyond it),
        on the subgraph of those nodes plus one start node whose edges carry those seeds. Each time is then
        summed in the order a fresh search sums it (seed, then edge by edge), so the answer is the fresh
        search's, bit for bit, except where two paths tie exactly (either is then a shortest path).
        """
        limit, old_sources, dist1, pred1, src1 = last
        dropped = np.setdiff1d(old_sources, sources)
        if not len(dropped):
            return dist1, pred1, src1
        in_a = np.isin(src1, dropped)
        a = np.flatnonzero(in_a)
        dist, pred, src = dist1.copy(), pred1.copy(), src1.copy()
        dist[a], pred[a], src[a] = np.inf, -9999, -9999
        m = len(a)
        fw = self.prep.forward
        start = fw.indptr[a].astype(np.int64)
        degree = fw.indptr[a + 1] - start
        row = np.repeat(np.arange(m), degree)
        at = np.repeat(start - np.cumsum(degree) + degree, degree) + np.arange(int(degree.sum()))
        x = fw.indices[at].astype(np.int64)
        # On the reversed graph a node y is reached from x over the forward edge y -> x: time dist(x) + w.
        out_edge = ~in_a[x] & np.isfinite(dist1[x])
        row, x, seed = row[out_edge], x[out_edge], dist1[x[out_edge]] + fw.data[at[out_edge]]
        order = np.lexsort((seed, row))  # per node its quickest way out (the first of equals, as a search)
        first = np.ones(len(order), dtype=bool)
        first[1:] = row[order][1:] != row[order][:-1]
        pick = order[first]
        row, x, seed = row[pick], x[pick], seed[pick]
        keep = seed <= limit
        row, x, seed = row[keep], x[keep], seed[keep]
        sub = self.prep.reverse[a][:, a].tocoo()
        graph = csr_matrix(
            (
                np.concatenate([sub.data, seed]),
                (np.concatenate([sub.row, np.full(len(row), m)]), np.concatenate([sub.col, row])),
            ),
            shape=(m + 1, m + 1),
        )
        d, pr = dijkstra(graph, directed=True, indices=m, return_predecessors=True, limit=limit)
        d, pr = d[:m], pr[:m]
        got = np.flatnonzero(np.isfinite(d))
        exit_to = np.full(m, -1, dtype=np.int64)
        exit_to[row] = x
        under = pr[got] == m  # reached straight from the seed edge
        dist[a[got]] = d[got]
        pred[a[got]] = np.where(under, exit_to[got], a[np.where(under, 0, pr[got])])
        # Each node's source is its exit node's source: find the exit by pointer jumping in the subtree.
        top = np.arange(m)
        top[got] = np.where(under, got, pr[got])
        while True:
            nxt = top[top]
            if np.array_equal(nxt, top):
                break
            top = nxt
        src[a[got]] = src1[exit_to[top[got]]]
        return dist, pred, src

    def nearest(self, locs, limit: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        n_p = len(self.p_node)
        if len(locs) == 0:
            self.off_network = self.p_off.copy()
            return np.full(n_p, np.inf), np.full(n_p, np.inf)
        l_orig, l_leg = snap_to(self._tree, locs.lat, locs.lon)
        l_node = self._need(l_orig)
        sources, leg_mi = self._source_legs(l_node, l_leg)
        t, s, miles_tree = self._nearest_at_points(sources, np.inf if limit is None else float(limit))
        ok = np.isfinite(t)
        loc_leg = np.where(ok, leg_mi[np.clip(np.searchsorted(sources, s), 0, len(sources) - 1)], 0.0)
        pc = self.point_county
        minutes = np.where(ok, t + self.p_leg_min + loc_leg / self.mpm[pc], np.inf)
        miles = np.where(ok, miles_tree + self.p_leg_mi + loc_leg, np.inf)
        self.off_network = self.p_off | (ok & (loc_leg > self.off_miles[pc]))
        return minutes, miles

    def _search_county(self, c: int, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One forward search from county ``c``'s points (limit: its widest time standard), read only at
        ``nodes`` (sorted): (positions into ``nodes`` reached, minutes there, miles there), float32."""
        mask = self.point_county == c
        sources, leg_mi = self._source_legs(self.p_node[mask], self.p_leg_mi[mask])
        dist, pred, src = dijkstra(
            self.prep.forward,
            directed=True,
            indices=sources,
            min_only=True,
            return_predecessors=True,
            limit=self.county_limit[c],
        )
        at = dist[nodes]
        pos = np.flatnonzero(np.isfinite(at))
        reached = nodes[pos]
        si = np.searchsorted(sources, src[reached])
        t = (at[pos] + leg_mi[si] / self.mpm[c]).astype(np.float32)
        mi = (self.prep.tree_miles(pred, reached, reverse=False) + leg_mi[si]).astype(np.float32)
        return pos, t, mi

    def _search_counties(self, counties: list[int]) -> None:
        """Fill the cache for ``counties``, half of them in a forked helper process when that pays.

        scipy's Dijkstra holds the GIL (two threads take as long as one after the other), so the second
        core needs a process. Forked, it shares the graph's pages with this one and sends back only the
        small per-county results. Not forked when other threads run (the GUI scores in a worker thread:
        forking a threaded process is unsafe), on small graphs or few counties, or with
        ``BLUEPRINT_ROAD_WORKERS=1``.
        """
        if len(counties) < PARALLEL_MIN_COUNTIES or self.prep.n < PARALLEL_MIN_NODES or _workers() < 2:
            for c in counties:
                self._county_cached(c)
            return
        # Deal them out widest limit first, alternately, so both halves search about as much.
        order = sorted(counties, key=lambda c: (-self.county_limit[c], c))
        theirs, mine = order[0::2], order[1::2]
        ctx = multiprocessing.get_context("fork")
        recv, send = ctx.Pipe(duplex=False)
        helper = ctx.Process(target=_county_helper, args=(self, theirs, send), daemon=True)
        helper.start()
        send.close()
        for c in mine:
            self._county_cached(c)
        try:
            got = recv.recv()
        except (EOFError, OSError):
            got = []
        recv.close()
        helper.join()
        for c, result in got:
            self._county_cache[c] = result
        for c in theirs:  # whatever the helper did not bring back (it failed): here
            self._county_cached(c)

    def _county_cached(self, c: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if c not in self._county_cache:
            self._county_cache[c] = self._search_county(c, self._known)
        return self._county_cache[c]

    def county_times(self, c: int, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Minutes and miles (float32, inf beyond the county's limit) from county ``c``'s nearest point to
        each of ``nodes``, legs included: what ``reach`` compares with the standards."""
        uniq_orig, back = np.unique(np.asarray(nodes, dtype=np.int64), return_inverse=True)
        uniq = self._need(uniq_orig)
        if np.isin(uniq, self._known).all():
            pos, t, mi = self._county_cached(c)
            reached = self._known[pos]
        else:  # nodes nobody named: search for them alone and keep nothing
            pos, t, mi = self._search_county(c, uniq)
            reached = uniq[pos]
        t_u = np.full(len(uniq), np.inf, np.float32)
        mi_u = np.full(len(uniq), np.inf, np.float32)
        if len(reached):
            j = np.minimum(np.searchsorted(reached, uniq), len(reached) - 1)
            hit = reached[j] == uniq
            t_u[hit], mi_u[hit] = t[j[hit]], mi[j[hit]]
        return t_u[back], mi_u[back]

    def _county_search(self, c: int) -> tuple[np.ndarray, np.ndarray]:
        """Dense minutes and miles over every node from county ``c`` (small graphs and tests only)."""
        return self.county_times(c, np.arange(self.g.n))

    def reach(self, locs, max_minutes: np.ndarray, max_miles: np.ndarray):
        if len(locs) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        l_orig, l_leg = snap_to(self._tree, locs.lat, locs.lon)
        l_node = self._need(l_orig)
        self._add_known(l_orig)
        l_pos = np.searchsorted(self._known, l_node)
        # NaN: the line has no standard in that county. An infinite time (a distance-only standard) is one.
        wanted = [c for c in range(self.n_counties) if not np.isnan(max_minutes[c]) and self._has_points[c]]
        self._search_counties([c for c in wanted if c not in self._county_cache])
        cs, ls = [], []
        for c in wanted:
            pos, t, mi = self._county_cached(c)
            if not len(pos):
                continue
            j = np.minimum(np.searchsorted(pos, l_pos), len(pos) - 1)
            hit = pos[j] == l_pos
            ok = (
                hit
                & (t[j] + l_leg / self.mpm[c] <= max_minutes[c] + 1e-6)
                & (mi[j] + l_leg <= max_miles[c] + 1e-6)
            )
            idx = np.flatnonzero(ok)
            cs.append(np.full(len(idx), c, dtype=np.int64))
            ls.append(idx)
        if not cs:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(cs), np.concatenate(ls)
