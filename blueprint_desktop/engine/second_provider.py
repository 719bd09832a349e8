"""The second-nearest *distinct* provider of every population point, for standards that require two.

Some state Medicaid standards ask for more than one provider per member: Georgia Families, Figure 1 of the
contract, "Two (2) within thirty (30) minutes or thirty (30) miles" for obstetric providers (and two PCPs
within eight or fifteen miles). A member meets such a standard when the *second* nearest distinct provider
(NPI) is within it, so the share and the 90th percentiles of those cells are measured on that distance.

Distinct means a different NPI: a provider with three practice locations near a member is one provider.

Two exact methods:

- **Straight line** (``second_straight``): the k nearest locations from the line's KD-tree (k = 8, then 64,
  ... up to every location, only for the points still undecided); the first of them whose NPI differs
  from the nearest's is the answer. The KD-tree returns neighbours in distance order, so that is the
  nearest location of any other NPI.
- **Any measure** (``second_by_classes``, used for drive time): split the NPIs into two classes by one bit
  of their index and measure the nearest location of each class; the farther of the two is the nearest in
  the class *without* the point's nearest provider, so it is never closer than the second provider. For
  the bit where the nearest and second providers differ it equals the second provider. The smallest over
  all bits is therefore exactly the second distinct provider: 2 x ceil(log2 NPIs) nearest searches.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.spatial import cKDTree

from blueprint_desktop.geo.distance import chord_to_miles

FIRST_K = 8  # neighbours asked first; a point whose 8 nearest locations are all one NPI asks for 8x more


def second_straight(point_xyz: np.ndarray, tree: cKDTree | None, npi: np.ndarray) -> np.ndarray:
    """Great-circle miles from each point to its second-nearest distinct NPI (inf when the line has fewer
    than two NPIs). ``tree`` holds the line's locations; ``npi[j]`` is location j's provider (any ints)."""
    n = len(point_xyz)
    out = np.full(n, np.inf)
    m = 0 if tree is None else tree.n
    if n == 0 or m == 0 or len(np.unique(npi)) < 2:
        return out
    npi = np.asarray(npi)
    todo = np.arange(n)
    k = min(FIRST_K, m)
    while len(todo):
        chord, idx = tree.query(point_xyz[todo], k=k, workers=-1)  # 2 <= k <= m: (points, k) arrays
        other = npi[idx] != npi[idx[:, :1]]
        found = other.any(axis=1)
        first = other.argmax(axis=1)
        rows = np.flatnonzero(found)
        out[todo[rows]] = chord_to_miles(chord[rows, first[rows]])
        if k >= m:
            break  # every location was asked: with two NPIs in the line, every point has found one
        todo = todo[~found]
        k = min(k * 8, m)
    return out


def second_by_classes(
    nearest: Callable[[np.ndarray], tuple[np.ndarray, ...]], npi: np.ndarray, n_points: int, n_values: int = 2
) -> tuple[np.ndarray, ...]:
    """(minutes, miles, ...) to each point's second-nearest distinct NPI, with any measure:
    ``nearest(rows)`` gives the (minutes, miles, ...) of the nearest of the line's locations ``rows`` for
    every point, ordered by minutes as the measure orders them; any further arrays (``n_values`` in all:
    a road trip's off-network flag) are taken from the same trip. 2 x ceil(log2 NPIs) calls (module
    docstring); inf where a point has fewer than two NPIs within the measure's search."""
    best = [np.full(n_points, np.inf), np.full(n_points, np.inf)]
    best += [np.zeros(n_points, dtype=bool) for _ in range(n_values - 2)]
    codes = np.unique(np.asarray(npi), return_inverse=True)[1].astype(np.int64)
    n_npi = int(codes.max()) + 1 if len(codes) else 0
    if n_npi < 2 or n_points == 0:
        return tuple(best)
    for bit in range(int(np.ceil(np.log2(n_npi)))):
        side = (codes >> bit) & 1
        a = [np.asarray(v) for v in nearest(np.flatnonzero(side == 0))]
        b = [np.asarray(v) for v in nearest(np.flatnonzero(side == 1))]
        far = [np.where(b[0] > a[0], vb, va) for va, vb in zip(a, b, strict=True)]
        better = far[0] < best[0]
        for k in range(n_values):
            best[k][better] = far[k][better]
    return tuple(best)
