"""Today's (2026-12-01) drive-time measure, frozen: the baseline for bench/bench_drive_time.py and
tests/test_roads_state.py. A verbatim copy of ``RoadMeasure`` and ``_Prepared`` from
blueprint_desktop/engine/roads.py before the state-size change (dense per-county cache, pointer jumping
over every node). Do not edit: it is what the new code is compared with.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from blueprint_desktop.engine.road_coverage import OFF_NETWORK_MILES
from blueprint_desktop.engine.road_import import RoadGraph
from blueprint_desktop.engine.travel_time import DEFAULT_DESIGNATION, straight_miles_per_minute
from blueprint_desktop.geo.distance import chord_to_miles, to_unit_vectors


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
