"""Chains of degree-2 road nodes contracted into single edges, for one run's searches.

Most nodes of a real OpenStreetMap extract only shape a curve: 72-79% of the nodes of the real extracts
in our tests (Columbus, Cobb County, Portland) join exactly two neighbours (docs/performance.md, "Drive
time at state size"). A shortest-path search still settles each of them. Replacing every such chain
``u -> c1 -> c2 -> ... -> v`` by one edge ``u -> v`` whose minutes and miles are the chain's sums leaves
every travel time between the remaining nodes as it was (a chain offers one way through), so the searches
run on a graph a third to a quarter the size.

A run keeps every node a population point or a provider location snaps to (``keep``), so no search
source or read-out node disappears: the answers are the uncontracted graph's except for the order of the
floating-point additions along a chain (the chain is summed first, then added to the time at ``u``; a
relative difference of ~1e-15).

A node is contracted when it is not kept, has exactly two distinct neighbours, and is passed straight
through: a two-way node (edges to and from both neighbours) or a one-way node (one edge in from one
neighbour, one edge out to the other). Anything else (a dead end, a junction, a node where one side is
one-way and the other two-way) stays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_SLICE = 1 << 22  # edges a slice in ``contractible``: 4 M x 8 bytes a temporary


@dataclass
class Contraction:
    """The contracted graph (new node numbers, edges in (src, dst) order) and how it maps back."""

    new_of: np.ndarray  # per original node: its new number, -1 where it was contracted away
    kept: np.ndarray  # per new node: its original number (ascending)
    src: np.ndarray
    dst: np.ndarray
    minutes: np.ndarray
    miles: np.ndarray
    chains: int  # chains replaced by an edge

    @property
    def n(self) -> int:
        return len(self.kept)


def contractible(src: np.ndarray, dst: np.ndarray, n: int, keep: np.ndarray) -> np.ndarray:
    """Per node: True where it only passes traffic between two neighbours and is not kept.

    The graph has no parallel edges, so a node's out-neighbours are distinct. With one edge in and one
    out, it passes through when they are different neighbours; with two in and two out, when the two
    in-neighbours are the two out-neighbours: two-element sets are equal when their sums and their sums
    of squares are (node numbers below 2**26 keep both exact in float64; larger graphs compare sorted
    pairs instead).
    """
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    out_deg = np.bincount(src, minlength=n)
    in_deg = np.bincount(dst, minlength=n)
    one = (in_deg == 1) & (out_deg == 1)
    two = (in_deg == 2) & (out_deg == 2)
    del out_deg, in_deg
    if n < 2**26:
        # Sums compared as differences (in - out), exact in float64 for these integers: two arrays over
        # the nodes instead of four. In slices of the edges: whole-array float copies and squares cost
        # ~1 GB at 28 M edges.
        d_sum, d_sq = np.zeros(n), np.zeros(n)
        for at in range(0, len(src), _SLICE):
            a, b = dst[at : at + _SLICE], src[at : at + _SLICE]
            s, d = b.astype(np.float64), a.astype(np.float64)
            d_sum += np.bincount(a, weights=s, minlength=n)
            d_sum -= np.bincount(b, weights=d, minlength=n)
            d_sq += np.bincount(a, weights=s * s, minlength=n)
            d_sq -= np.bincount(b, weights=d * d, minlength=n)
            del a, b, s, d
        same = (d_sum == 0) & (d_sq == 0)
        del d_sum, d_sq
        through = (one & ~same) | (two & same)
    else:  # pragma: no cover - beyond any state graph (67 M nodes)
        lo, hi = np.minimum(src, dst), np.maximum(src, dst)
        pairs = np.unique(lo * n + hi)
        neighbours = np.bincount(pairs // n, minlength=n) + np.bincount(pairs % n, minlength=n)
        through = (one | two) & (neighbours == 2)
    return through & ~np.asarray(keep, dtype=bool)


def contract(
    src: np.ndarray,
    dst: np.ndarray,
    minutes: np.ndarray,
    miles: np.ndarray,
    n: int,
    keep: np.ndarray,
) -> Contraction:
    """Contract every chain of contractible nodes (``contractible``); ``keep``: bool per node.

    The graph must have no parallel edges (``road_import.dedupe``). Where a chain and another edge (or
    two chains) join the same two nodes, the quicker stays, as ``dedupe`` keeps the quicker of parallel
    edges.

    Memory (issue 16's aim: a Texas-size run under 3 GB): node and edge numbers are 32-bit below 2**31,
    the per-edge steps run in slices, and each temporary is freed as soon as it is used; at 10.7 M nodes
    and 28.6 M edges this took the contraction's peak from ~1.65 GB to ~0.7 GB above the graph.
    """
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    minutes = np.asarray(minutes, dtype=np.float64)
    miles = np.asarray(miles, dtype=np.float64)
    gone = contractible(src, dst, n, keep)
    if gone.all() and n:
        gone[0] = False  # a graph that is one ring: keep a node to hang it on
    # Edges ordered by their source, so each node's out-edges are one run: indptr[c]..indptr[c + 1] (an
    # imported graph is in (src, dst) order already: road_import.dedupe).
    if not _in_src_dst_order(src, dst):
        order = np.lexsort((dst, src))
        src, dst, minutes, miles = src[order], dst[order], minutes[order], miles[order]
        del order
    ix = np.int32 if max(n, len(src)) < 2**31 else np.int64  # node and edge numbers
    indptr = np.zeros(n + 1, dtype=ix)
    indptr[1:] = np.cumsum(np.bincount(src, minlength=n))

    # The edge a walk takes after entering a contracted node c over x -> c: c's one out-edge (one-way),
    # or of its two out-edges the one that does not lead back to x (two-way).
    nxt = np.full(len(src), -1, dtype=ix)
    for at in range(0, len(src), _SLICE):
        d = dst[at : at + _SLICE]
        into = np.flatnonzero(gone[d])
        c = d[into]
        first = indptr[c].astype(np.int64)
        two = (indptr[c + 1] - first) == 2
        back = two & (dst[first] == src[at + into])
        nxt[at + into] = first + back
        del d, into, c, first, two, back

    starts = _edges_where(gone, src, dst, False, True, ix)
    cur = starts.copy()
    acc_min, acc_mi = minutes[starts], miles[starts]
    walking = np.arange(len(starts), dtype=ix)
    for _ in range(int(gone.sum()) + 1):  # a chain is at most every contracted node long
        walking = walking[gone[dst[cur[walking]]]]
        if not len(walking):
            break
        step = nxt[cur[walking]]
        cur[walking] = step
        acc_min[walking] += minutes[step]
        acc_mi[walking] += miles[step]
        del step
    del walking, nxt
    ends = dst[cur].astype(ix)
    del cur

    direct = _edges_where(gone, src, dst, False, False, ix)
    all_src = np.concatenate([src[direct].astype(ix), src[starts].astype(ix)])
    all_dst = np.concatenate([dst[direct].astype(ix), ends])
    del ends
    all_min = np.concatenate([minutes[direct], acc_min])
    del acc_min
    all_mi = np.concatenate([miles[direct], acc_mi])
    del acc_mi, direct, indptr
    chains = int(len(starts))
    del starts
    loop = all_src == all_dst  # a chain that comes back to where it began: no use to a search
    if loop.any():
        stay = ~loop
        all_src, all_dst, all_min, all_mi = all_src[stay], all_dst[stay], all_min[stay], all_mi[stay]
        del stay
    del loop

    kept = np.flatnonzero(~gone)
    del gone
    renumber = np.full(n, -1, dtype=ix)
    renumber[kept] = np.arange(len(kept), dtype=ix)
    a = renumber[all_src]
    del all_src
    b = renumber[all_dst]
    del all_dst, renumber
    key = a.astype(np.int64) * len(kept) + b
    pick = np.lexsort((all_min, key))
    first_of = np.ones(len(pick), dtype=bool)
    first_of[1:] = key[pick[1:]] != key[pick[:-1]]
    del key
    pick = pick[first_of]  # the quickest of parallel edges, in (src, dst) order
    del first_of
    out_src = a[pick]
    del a
    out_dst = b[pick]
    del b
    out_min = all_min[pick]
    del all_min
    out_mi = all_mi[pick]
    del all_mi, pick
    new_of = np.full(n, -1, dtype=np.int64)
    new_of[kept] = np.arange(len(kept))
    return Contraction(new_of, kept, out_src, out_dst, out_min, out_mi, chains)


def _in_src_dst_order(src: np.ndarray, dst: np.ndarray) -> bool:
    """Whether the edges are sorted by (src, dst), checked a slice at a time (whole-array comparisons of
    28 M edges are ~100 MB of temporaries)."""
    for at in range(0, max(len(src) - 1, 0), _SLICE):
        s0, s1 = src[at : at + _SLICE], src[at + 1 : at + 1 + _SLICE]
        d0, d1 = dst[at : at + len(s1)], dst[at + 1 : at + 1 + len(s1)]
        s0 = s0[: len(s1)]
        if not ((s1 > s0) | ((s1 == s0) & (d1 > d0))).all():
            return False
    return True


def _edges_where(
    gone: np.ndarray, src: np.ndarray, dst: np.ndarray, src_gone: bool, dst_gone: bool, ix
) -> np.ndarray:
    """Edge numbers (ascending, dtype ``ix``) whose source and target are or are not contracted, as asked."""
    parts = []
    for at in range(0, len(src), _SLICE):
        hit = (gone[src[at : at + _SLICE]] == src_gone) & (gone[dst[at : at + _SLICE]] == dst_gone)
        parts.append((np.flatnonzero(hit) + at).astype(ix))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=ix)
