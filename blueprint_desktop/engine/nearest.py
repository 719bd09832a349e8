"""Nearest credited location by great-circle distance, through a KD-tree (never an all-pairs matrix).

Points on the sphere become 3D unit vectors; the Euclidean (chord) nearest neighbour there is exactly
the great-circle nearest neighbour, because the chord grows monotonically with the arc. The chord is
turned back into great-circle miles (``chord_to_miles``). One KD-tree per line (``nearest_tree``), one
k=1 query for all population points: O((n + m) log m) instead of n x m.

``reach_pairs`` answers the counting question of 42 CFR 422.116(a)(2)(i): which locations lie within a
county's standard of *at least one* of that county's population points, wherever the location sits.
The exact test of a (county, location) pair is a single query on a 4D tree whose fourth coordinate
separates counties (4 x county index: any other county's point is then farther than 2, the largest
possible chord, so the nearest 4D neighbour is always a point of the same county): the pair counts when
that chord is <= the county's chord + 1e-12.

Most pairs never need that query (``ReachGrid``): locations fall in cubic cells of the unit-vector space,
shared by all lines of a run. For each (county, cell) the distance from the cell's centre to the county's
nearest point is measured once per run; with the cell's radius (farthest location of any line from that
centre) it bounds every location of the cell. A cell within reach by a margin (1e-9 chord, ~6 mm) counts
whole, a cell beyond it by the margin is skipped, and only the locations of the cells in between get the
exact test above. The pairs come out in the order of the former search (counties ascending, locations in
the line tree's order: ``query_ball_point`` walks the tree depth first), so every sum over them is the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from blueprint_desktop.engine.nearest_tree import NearestTree
from blueprint_desktop.geo.distance import chord_to_miles, miles_to_chord, to_unit_vectors

COUNTY_SEPARATION = 4.0  # > 2, the largest chord between two unit vectors
REACH_TOL = 1e-12  # a pair counts when its chord is <= the county's chord + this (the exact test, unchanged)
CELL = 0.0025  # cell side in unit-vector space (~10 miles)
MARGIN = 1e-9  # bounds decide a cell only when they clear the limit by this much (floating point: ~1e-16)


def nearest_miles(
    point_lat, point_lon, loc_lat, loc_lon, tree: NearestTree | None = None, point_xyz=None, order=None
):
    """(miles, index) of the nearest location for each point; inf / -1 when there are no locations.
    ``point_xyz``: the points' unit vectors when the caller keeps them (a run queries them once per line).
    ``order`` (``spatial_order`` of the points): query them in that order, answers put back in theirs."""
    n = len(point_lat)
    if len(loc_lat) == 0:
        return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
    tree = tree or NearestTree(to_unit_vectors(loc_lat, loc_lon))
    xyz = point_xyz if point_xyz is not None else to_unit_vectors(point_lat, point_lon)
    if order is None:
        chord, idx = tree.query(xyz)
    else:
        # Each query's answer depends only on its own point and the tree, so the order changes nothing
        # but speed: neighbouring queries walk the same nodes while they are in the CPU's cache.
        chord, idx = np.empty(n), np.empty(n, dtype=np.int64)
        chord[order.perm], idx[order.perm] = tree.query(order.xyz)
    return chord_to_miles(chord), idx


class SpatialOrder:
    """Points in Z-order (Morton order) of their unit vectors, for KD-tree queries.

    Measured (1,000,166 points, one line's 16,858 locations, one thread): a k=1 query of every point took
    0.39 s in the points' own order (or shuffled) and 0.28 s in Z-order; over 43 lines of a run at 1M
    points, ~5 s of CPU (docs/performance.md)."""

    BITS = 21  # per axis: 63 bits of key; cells of 2 / 2**21 in unit-vector space (~20 feet)

    def __init__(self, xyz: np.ndarray) -> None:
        self.perm = np.argsort(self.keys(xyz), kind="stable")
        self.xyz = np.ascontiguousarray(xyz[self.perm])

    @classmethod
    def keys(cls, xyz: np.ndarray) -> np.ndarray:
        top = (1 << cls.BITS) - 1
        q = np.clip(((np.asarray(xyz, dtype=float) + 1.0) * 0.5 * top), 0, top).astype(np.uint64)
        return _spread(q[:, 0]) | (_spread(q[:, 1]) << np.uint64(1)) | (_spread(q[:, 2]) << np.uint64(2))


def _spread(v: np.ndarray) -> np.ndarray:
    """Each of the 21 low bits of ``v`` moved to every third bit (bit i -> bit 3i)."""
    v = v & np.uint64(0x1FFFFF)
    for shift, mask in (
        (32, 0x1F00000000FFFF),
        (16, 0x1F0000FF0000FF),
        (8, 0x100F00F00F00F00F),
        (4, 0x10C30C30C30C30C3),
        (2, 0x1249249249249249),
    ):
        v = (v | (v << np.uint64(shift))) & np.uint64(mask)
    return v


def _reach_chords(reach_miles_by_county):
    reach = np.nan_to_num(np.asarray(reach_miles_by_county, dtype=float), nan=0.0)
    return reach, miles_to_chord(np.maximum(reach, 0.0))


def _no_pairs() -> tuple[np.ndarray, np.ndarray]:
    return np.zeros(0, np.int64), np.zeros(0, np.int64)


def _cell_keys(xyz: np.ndarray, cell: float) -> np.ndarray:
    ijk = np.floor(xyz / cell).astype(np.int64) + (1 << 20)
    return (ijk[:, 0] << 42) | (ijk[:, 1] << 21) | ijk[:, 2]


def _expand(by_cell: np.ndarray, first: np.ndarray, cells: np.ndarray, n: np.ndarray) -> np.ndarray:
    """The locations of ``cells`` (each ``n`` of them, from ``first`` in ``by_cell``), one after another."""
    total = int(n.sum())
    offs = np.cumsum(n) - n
    return by_cell[np.arange(total, dtype=np.int64) + np.repeat(first[cells] - offs, n)]


@dataclass
class _GridSplit:
    """One line's reach through the run's cells (``CountyPoints._grid_split``)."""

    cell_l: np.ndarray  # each location's cell
    by_cell: np.ndarray  # locations grouped by cell
    counts: np.ndarray  # locations per cell
    first: np.ndarray  # where each cell's locations start in by_cell
    inside_c: np.ndarray  # (county, cell) pairs whose every location is within the county's reach
    inside_cell: np.ndarray
    edge_c: np.ndarray  # (county, location) pairs from the other cells, each tested: those within reach
    edge_l: np.ndarray


def sums_from_pairs(
    pair_c: np.ndarray, pair_l: np.ndarray, columns: np.ndarray, n_counties: int, listed=None
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """``CountyPoints.reach_sums`` from listed pairs (road runs, and lines without the run's cells)."""
    columns = np.asarray(columns, dtype=float)
    sums = np.empty((n_counties, columns.shape[1]))
    for j in range(columns.shape[1]):
        sums[:, j] = np.bincount(pair_c, weights=columns[pair_l, j], minlength=n_counties)
    if listed is None:
        return sums, _no_pairs()
    keep = np.asarray(listed, dtype=bool)[pair_l]
    return sums, (pair_c[keep], pair_l[keep])


class CountyPoints:
    """Population points grouped by county, indexed for the reach queries."""

    def __init__(self, county_idx: np.ndarray, lat, lon) -> None:
        self.county_idx = np.asarray(county_idx, dtype=np.int64)
        self.xyz = to_unit_vectors(lat, lon)
        n_c = int(self.county_idx.max()) + 1 if len(self.county_idx) else 0
        self.n_counties = n_c
        sums = np.zeros((n_c, 3))
        np.add.at(sums, self.county_idx, self.xyz)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        self.centres = sums / norms
        dist = np.linalg.norm(self.xyz - self.centres[self.county_idx], axis=1)
        self.extent = np.zeros(n_c)
        np.maximum.at(self.extent, self.county_idx, dist)
        self.tree4 = NearestTree(np.column_stack([self.xyz, self.county_idx * COUNTY_SEPARATION]))

    def exact_within(self, county: np.ndarray, loc_xyz: np.ndarray, tol: np.ndarray, upper: float):
        """The exact test of (county, location) pairs: chord to the county's nearest point <= tol[county]."""
        query = np.column_stack([loc_xyz, county * COUNTY_SEPARATION])
        d, _ = self.tree4.query(query, upper)
        return d <= tol[county]

    def reach_pairs(
        self,
        loc_tree: cKDTree | None,
        loc_xyz: np.ndarray,
        reach_miles_by_county: np.ndarray,
        grid: ReachGrid | None = None,
    ):
        """Pairs (county index, location index) within reach, as two aligned arrays.

        ``reach_miles_by_county[c]`` is the straight-line radius of county c for this line (NaN or <= 0:
        skip the county). Only membership is decided: a count never needs the distance itself. ``grid``:
        the run's cells (``ReachGrid``); without one (or when it does not hold these locations or radii)
        the pairs come from ``reach_pairs_searched`` (one line's own grid would cost about as much).
        A run needs only sums over the pairs: ``reach_sums`` gives them without listing every pair.
        """
        setup = self._reach_setup(loc_tree, loc_xyz, reach_miles_by_county)
        if setup is None:
            return _no_pairs()
        split = self._grid_split(loc_xyz, setup, grid)
        if split is None:
            return self.reach_pairs_searched(loc_tree, loc_xyz, reach_miles_by_county)
        n_in = split.counts[split.inside_cell]
        out_c = np.concatenate([np.repeat(split.inside_c, n_in), split.edge_c])
        out_l = np.concatenate([_expand(split.by_cell, split.first, split.inside_cell, n_in), split.edge_l])
        # The former search's order: counties ascending, each county's locations in the tree's order.
        m = len(loc_xyz)
        perm = loc_tree.indices
        rank = np.empty(m, dtype=np.int64)
        rank[perm] = np.arange(m, dtype=np.int64)
        key = out_c * m + rank[out_l]
        key.sort()
        return key // m, perm[key % m]

    def reach_sums(
        self,
        loc_tree: cKDTree | Callable[[], cKDTree | None] | None,
        loc_xyz: np.ndarray,
        reach_miles_by_county: np.ndarray,
        columns: np.ndarray,
        listed: np.ndarray | None = None,
        grid: ReachGrid | None = None,
    ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """Per county, the sums of ``columns`` (one row per location) over the locations within reach,
        and the pairs (county, location) of the ``listed`` locations only: what ``reach_pairs`` would
        give, summed, without listing every pair (a national run has ~11 million).

        A cell wholly within a county's reach adds its locations' sums at once; only the cells on the
        edge are decided location by location. ``columns`` must hold whole numbers (counts, units of
        confidence, beds): their sums are then exact in any grouping, so they equal the pairs' sums.
        ``loc_tree`` may be a function that builds the tree: it is called only when the cells cannot decide
        (a run's nearest queries use another tree, ``nearest_tree``, so this one is usually never built)."""
        n_c = self.n_counties
        columns = np.asarray(columns, dtype=float)
        columns = columns[:, None] if columns.ndim == 1 else columns
        listed_idx = np.flatnonzero(listed) if listed is not None else np.zeros(0, np.int64)
        setup = self._reach_setup(loc_tree, loc_xyz, reach_miles_by_county)
        if setup is None:
            return np.zeros((n_c, columns.shape[1])), _no_pairs()
        split = self._grid_split(loc_xyz, setup, grid)
        if split is None:
            tree = loc_tree() if callable(loc_tree) else loc_tree
            rc, rl = self.reach_pairs_searched(tree, loc_xyz, reach_miles_by_county)
            return sums_from_pairs(rc, rl, columns, n_c, listed)
        n_cells = len(split.counts)
        sums = np.empty((n_c, columns.shape[1]))
        for j in range(columns.shape[1]):
            col = columns[:, j]
            cell_sum = np.bincount(split.cell_l, weights=col, minlength=n_cells)
            sums[:, j] = np.bincount(
                split.inside_c, weights=cell_sum[split.inside_cell], minlength=n_c
            ) + np.bincount(split.edge_c, weights=col[split.edge_l], minlength=n_c)
        if len(listed_idx) == 0:
            return sums, _no_pairs()
        # The listed locations' pairs: theirs in every inside cell, and the edge pairs that are theirs.
        lc = split.cell_l[listed_idx]
        by_cell = listed_idx[np.argsort(lc, kind="stable")]
        counts = np.bincount(lc, minlength=n_cells)
        n_in = counts[split.inside_cell]
        edge = np.asarray(listed, dtype=bool)[split.edge_l]
        pair_c = np.concatenate([np.repeat(split.inside_c, n_in), split.edge_c[edge]])
        pair_l = np.concatenate(
            [_expand(by_cell, np.cumsum(counts) - counts, split.inside_cell, n_in), split.edge_l[edge]]
        )
        return sums, (pair_c, pair_l)

    def _grid_split(self, loc_xyz: np.ndarray, setup, grid: ReachGrid | None) -> _GridSplit | None:
        """The pairs within reach as (county, cell) pairs wholly inside and single (county, location)
        pairs from the cells on the edge; None when ``grid`` does not hold these locations or radii."""
        reach, chord, use = setup
        tol = chord + REACH_TOL
        upper = float(chord[use].max()) + REACH_TOL
        cell_l = grid.cells_of(loc_xyz) if grid is not None and grid.covers(chord, use) else None
        if cell_l is None:
            return None
        # This line's locations grouped by cell.
        by_cell = np.argsort(cell_l, kind="stable")
        counts = np.bincount(cell_l, minlength=grid.n_cells)
        first = np.cumsum(counts) - counts
        # (county, cell) pairs: skip those beyond reach, count whole those within it, test the rest.
        lim = np.where(reach > 0, tol, -np.inf)
        n_here = counts[grid.pair_cell]
        sel = np.flatnonzero((n_here > 0) & (grid.pair_lo <= lim[grid.pair_c] + MARGIN))
        pc, pcell, n_here = grid.pair_c[sel], grid.pair_cell[sel], n_here[sel]
        inside = grid.pair_hi[sel] <= lim[pc] - MARGIN
        edge = ~inside
        on_edge, e_cell, e_n = sel[edge], pcell[edge], n_here[edge]
        edge_c = np.repeat(pc[edge], e_n)
        edge_l = _expand(by_cell, first, e_cell, e_n)
        ok = np.zeros(len(edge_c), dtype=bool)
        if len(edge_c):
            # Per location first: within reach of the point nearest its cell's centre, or farther from
            # every point than the centre's distance minus its own distance from the centre.
            pair_of = np.repeat(np.arange(len(on_edge)), e_n)
            x = loc_xyz[edge_l]
            near = grid.pair_near[on_edge][pair_of]
            cc = grid.centre[e_cell][pair_of]
            lim_c = lim[edge_c]
            d_near = np.sqrt(((x - self.xyz[near]) ** 2).sum(axis=1))
            d_cc = np.sqrt(((x - cc) ** 2).sum(axis=1))
            sure_in = d_near <= lim_c - MARGIN
            maybe = ~sure_in & (grid.pair_dmin[on_edge][pair_of] - d_cc <= lim_c + MARGIN)
            ok[sure_in] = True
            rest = np.flatnonzero(maybe)
            if len(rest):
                ok[rest] = self.exact_within(edge_c[rest], x[rest], tol, upper)
        return _GridSplit(cell_l, by_cell, counts, first, pc[inside], pcell[inside], edge_c[ok], edge_l[ok])

    def _reach_setup(self, loc_tree, loc_xyz, reach_miles_by_county):
        """(reach miles, chords, counties with a radius), or None when no pair can exist."""
        if loc_tree is None or len(loc_xyz) == 0 or self.n_counties == 0:  # a function counts as a tree
            return None
        reach, chord = _reach_chords(reach_miles_by_county)
        use = np.flatnonzero(reach > 0)
        return (reach, chord, use) if len(use) else None

    def reach_pairs_searched(self, loc_tree: cKDTree | None, loc_xyz: np.ndarray, reach_miles_by_county):
        """``reach_pairs`` without cells (as before issue 16's grid): one ball query per county for
        candidates, the exact test for every candidate. For callers with one line and no run grid
        (``reports/servicing_providers.py``), and for the tests, which compare the two."""
        empty = _no_pairs()
        setup = self._reach_setup(loc_tree, loc_xyz, reach_miles_by_county)
        if setup is None:
            return empty
        _reach, chord, use = setup
        found = loc_tree.query_ball_point(
            self.centres[use], self.extent[use] + chord[use] + 1e-12, workers=-1, return_sorted=False
        )
        lengths = np.fromiter((len(f) for f in found), dtype=np.int64, count=len(found))
        if lengths.sum() == 0:
            return empty
        cand_c = np.repeat(use, lengths)
        cand_l = np.concatenate([np.asarray(f, dtype=np.int64) for f in found if len(f)])
        ok = self.exact_within(
            cand_c, loc_xyz[cand_l], chord + REACH_TOL, float(chord[use].max()) + REACH_TOL
        )
        return cand_c[ok], cand_l[ok]


class ReachGrid:
    """Cells of locations and their (county, cell) distance bounds, built once and shared by all lines.

    ``loc_xyz``: every location the lines will ask about (any line's locations are a subset);
    ``chord_by_county``: per county the widest chord any line will ask (``reach_pairs`` builds its own
    grid when asked for more). Each cell's centre is the middle of its locations' bounding box and its
    radius the farthest of them from it; ``pair_dmin`` is the chord from the centre to the county's nearest
    point (inf when beyond every line's reach), for every (county, cell) that can matter.
    """

    def __init__(
        self, points: CountyPoints, loc_xyz: np.ndarray, chord_by_county, cell: float = CELL
    ) -> None:
        self.points = points
        self.cell = cell
        chord_max = np.nan_to_num(np.asarray(chord_by_county, dtype=float), nan=0.0)
        self.chord_max = chord_max
        keys = _cell_keys(loc_xyz, cell)
        self.keys, inv = np.unique(keys, return_inverse=True)
        self.n_cells = len(self.keys)
        order = np.argsort(inv, kind="stable")
        starts = np.searchsorted(inv[order], np.arange(self.n_cells))
        xs = loc_xyz[order]
        lo, hi = np.minimum.reduceat(xs, starts), np.maximum.reduceat(xs, starts)
        self.centre = (lo + hi) / 2
        dist = np.linalg.norm(xs - self.centre[inv[order]], axis=1)
        self.radius = np.maximum.reduceat(dist, starts) + 1e-12
        use = np.flatnonzero(chord_max > 0)
        empty_i, empty_f = np.zeros(0, np.int64), np.zeros(0)
        self.pair_c, self.pair_cell, self.pair_dmin = empty_i, empty_i, empty_f
        self.pair_near, self.pair_lo, self.pair_hi = empty_i, empty_f, empty_f
        if len(use) == 0 or self.n_cells == 0:
            return
        rmax = float(self.radius.max())
        found = cKDTree(self.centre).query_ball_point(
            points.centres[use],
            points.extent[use] + chord_max[use] + rmax + 1e-9,
            workers=-1,
            return_sorted=False,
        )
        lengths = np.fromiter((len(f) for f in found), dtype=np.int64, count=len(found))
        if lengths.sum() == 0:
            return
        self.pair_c = np.repeat(use, lengths)
        self.pair_cell = np.concatenate([np.asarray(f, dtype=np.int64) for f in found if len(f)])
        query = np.column_stack([self.centre[self.pair_cell], self.pair_c * COUNTY_SEPARATION])
        self.pair_dmin, near = points.tree4.query(query, float(chord_max.max()) + rmax + 1e-6)
        self.pair_near = np.minimum(near, len(points.xyz) - 1)  # beyond the bound: never on an edge
        rad = self.radius[self.pair_cell]
        self.pair_lo, self.pair_hi = self.pair_dmin - rad, self.pair_dmin + rad

    def covers(self, chord: np.ndarray, use: np.ndarray) -> bool:
        return len(chord) == len(self.chord_max) and bool((chord[use] <= self.chord_max[use] + 1e-10).all())

    def cells_of(self, loc_xyz: np.ndarray) -> np.ndarray | None:
        """Each location's cell; None when one lies in a cell the grid was not built with."""
        keys = _cell_keys(loc_xyz, self.cell)
        at = np.searchsorted(self.keys, keys)
        if (
            self.n_cells == 0
            or (at >= self.n_cells).any()
            or (self.keys[np.minimum(at, self.n_cells - 1)] != keys).any()
        ):
            return None
        return at
