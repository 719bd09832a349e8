"""Nearest credited location by great-circle distance, through a KD-tree (never an all-pairs matrix).

Points on the sphere become 3D unit vectors; the Euclidean (chord) nearest neighbour there is exactly
the great-circle nearest neighbour, because the chord grows monotonically with the arc. The chord is
turned back into great-circle miles (``chord_to_miles``). One ``cKDTree`` per line, one k=1 query for
all population points: O((n + m) log m) instead of n x m.

``reach_pairs`` answers the counting question of 42 CFR 422.116(a)(2)(i): which locations lie within a
county's standard of *at least one* of that county's population points, wherever the location sits.
It finds candidates with one ball query per county around the county's points (triangle inequality:
a location within r of some point is within extent + r of the county's centre), then checks each
candidate against the nearest point *of that county* with a single query on a 4D tree whose fourth
coordinate separates counties (4 x county index: any other county's point is then farther than 2, the
largest possible chord, so the nearest 4D neighbour is always a point of the same county).
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from blueprint_desktop.geo.distance import chord_to_miles, miles_to_chord, to_unit_vectors

COUNTY_SEPARATION = 4.0  # > 2, the largest chord between two unit vectors


def nearest_miles(point_lat, point_lon, loc_lat, loc_lon, tree: cKDTree | None = None, point_xyz=None):
    """(miles, index) of the nearest location for each point; inf / -1 when there are no locations.
    ``point_xyz``: the points' unit vectors when the caller keeps them (a run queries them once per line)."""
    n = len(point_lat)
    if len(loc_lat) == 0:
        return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
    tree = tree or cKDTree(to_unit_vectors(loc_lat, loc_lon))
    xyz = point_xyz if point_xyz is not None else to_unit_vectors(point_lat, point_lon)
    chord, idx = tree.query(xyz, k=1, workers=-1)
    return chord_to_miles(chord), idx.astype(np.int64)


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
        self.tree4 = cKDTree(np.column_stack([self.xyz, self.county_idx * COUNTY_SEPARATION]))

    def reach_pairs(self, loc_tree: cKDTree | None, loc_xyz: np.ndarray, reach_miles_by_county: np.ndarray):
        """Pairs (county index, location index) within reach, as two aligned arrays.

        ``reach_miles_by_county[c]`` is the straight-line radius of county c for this line (NaN or <= 0:
        skip the county). Only membership is decided: a count never needs the distance itself.
        """
        empty = (np.zeros(0, np.int64), np.zeros(0, np.int64))
        if loc_tree is None or len(loc_xyz) == 0 or self.n_counties == 0:
            return empty
        reach = np.nan_to_num(np.asarray(reach_miles_by_county, dtype=float), nan=0.0)
        chord = miles_to_chord(np.maximum(reach, 0.0))
        use = np.flatnonzero(reach > 0)
        if len(use) == 0:
            return empty
        found = loc_tree.query_ball_point(
            self.centres[use], self.extent[use] + chord[use] + 1e-12, workers=-1, return_sorted=False
        )
        lengths = np.fromiter((len(f) for f in found), dtype=np.int64, count=len(found))
        if lengths.sum() == 0:
            return empty
        cand_c = np.repeat(use, lengths)
        cand_l = np.concatenate([np.asarray(f, dtype=np.int64) for f in found if len(f)])
        query = np.column_stack([loc_xyz[cand_l], cand_c * COUNTY_SEPARATION])
        d, _ = self.tree4.query(query, k=1, distance_upper_bound=float(chord[use].max()) + 1e-12, workers=-1)
        ok = d <= chord[cand_c] + 1e-12
        return cand_c[ok], cand_l[ok]
