"""The k = 1 nearest-neighbour kernel of a run: pykdtree's KD-tree, on one thread.

A straight-line run asks one k = 1 query per population point and line (7.1 million nationally) and the
reach test asks k = 1 queries on a 4D tree (``nearest.CountyPoints``). pykdtree answers them faster than
scipy's ``cKDTree`` with the same answers. Measured on the national bench inputs (164,982 points in
Z-order, 43 lines of 1,000,000 locations, one thread each, docs/performance.md "Sixth pass"): queries
5.13 s -> 2.77 s of CPU, trees 0.52 s -> 0.21 s; every index and every distance identical, because both
sum the squared differences of the float64 coordinates in the same order and take the root. A tie between
equally near locations may be broken the other way, which changes no distance. scipy's tree stays for
what pykdtree does not do: ball queries, k > 1, the tree's own order of its points.

**One thread, always.** pykdtree runs its queries in OpenMP (GNU libgomp on Linux, bundled in its wheel).
A process whose libgomp has started its pool of threads and then forks gives a child whose first OpenMP
query never returns (measured: the child hung until killed), and a run forks helpers
(``line_split``, ``locations_split``, ``forking``). With one thread libgomp never starts a pool, so it is
limited here, when the module is imported and before any query, and checked: the import fails with the
reason rather than risk a hang (``_check_one_thread``; the frozen app's smoke test scores through it). The
run's two cores go to its two processes instead (``line_split``).
"""

from __future__ import annotations

import sys

import numpy as np
from pykdtree.kdtree import KDTree
from threadpoolctl import threadpool_info, threadpool_limits

# Kept for the life of the process (never restored): see the module's docstring. threadpoolctl finds the
# OpenMP runtime pykdtree loaded (on Linux its bundled libgomp) and sets it to one thread.
_ONE_THREAD = threadpool_limits(limits=1, user_api="openmp")


def openmp_threads() -> list[int]:
    """The thread count of every OpenMP runtime loaded in this process."""
    return [int(lib.get("num_threads") or 0) for lib in threadpool_info() if lib.get("user_api") == "openmp"]


def _check_one_thread() -> None:
    """Refuse to run if the limit did not take: a forked helper would hang instead (module docstring).
    On Linux pykdtree's wheel bundles libgomp, so finding no OpenMP runtime there means it went unseen
    (a frozen build that renamed it, say), not that there is none."""
    threads = openmp_threads()
    if any(n != 1 for n in threads) or (not threads and sys.platform.startswith("linux")):
        raise RuntimeError(
            "the nearest-location kernel (pykdtree) could not be held to one OpenMP thread "
            f"(threads found: {threads or 'no OpenMP runtime'}); a run's helper processes could hang"
        )


_check_one_thread()


class NearestTree:
    """A KD-tree over ``xyz`` (n x d float64) answering k = 1 queries: (distance, index) per query point,
    with (inf, n) where no point lies within ``upper`` (as scipy's ``cKDTree.query``)."""

    def __init__(self, xyz: np.ndarray) -> None:
        data = np.ascontiguousarray(xyz, dtype=np.float64)
        self.n = len(data)
        self.dims = data.shape[1] if data.ndim == 2 else 0
        self._tree = KDTree(data) if self.n else None

    def query(self, points: np.ndarray, upper: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        q = np.ascontiguousarray(points, dtype=np.float64)
        m = len(q)
        if self._tree is None or m == 0:
            return np.full(m, np.inf), np.full(m, self.n, dtype=np.int64)
        bound = None if upper is None or not np.isfinite(upper) else float(upper)
        dist, idx = self._tree.query(q, k=1, distance_upper_bound=bound)
        return dist, idx.astype(np.int64)

    def __len__(self) -> int:
        return self.n
