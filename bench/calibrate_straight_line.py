"""Calibrate the straight-line drive-time model (``engine/travel_time.py``) against real road extracts.

Run: ``.venv/bin/python bench/calibrate_straight_line.py [--origins 200] [--per-band 2] [--json out.json]``

The no-road estimate is ``minutes = straight miles x circuity / mph x 60``. This script measures what
those two numbers are on real OpenStreetMap extracts and how far the estimate lands from drive times on
the same graphs. Results go in ``docs/straight-line-model.md``.

For each extract in ``/work/shared/data/real/osm`` (the app never reads that folder; this script does):

1. **Graph.** Read with the app's own reader ``engine.roads.read_osm`` (the graph ``blueprint import
   roads`` stores: OSRM car-profile road classes, access and one-way rules, OSRM default speeds with a
   parseable ``maxspeed`` winning). It needs the reader that reads real ``.osm.pbf`` and ``.osm.bz2``.
2. **Largest strongly connected component** (the reader already cuts to it), so every pair has a route.
3. **Where pairs may start and end.** Nodes inside the extract's *core* (road coverage on a 0.1-mile
   grid, gaps up to ~0.3 mile closed, holes filled, then shrunk by ``--margin`` miles, at most 15% of the
   extract's shorter side), because a route between two points near the cut edge may need a road the
   extract left out; and only nodes a public street meets (``STREET_MPH``: not motorway-only nodes, not
   nodes only on parking aisles, driveways or service roads).
4. **Pairs.** ``--origins`` origins drawn with a fixed seed; for each, ``--per-band`` destinations in
   each straight-distance band (0.5-1, 1-2, 2-4, 4-8, 8-15 miles, great-circle as the app measures it).
   One ``scipy.sparse.csgraph.dijkstra`` per batch of origins gives the road minutes; road miles are
   summed along the time-shortest path from the predecessors (what the app's road method reports).
5. **Per pair:** circuity = road miles / straight miles; mph along roads = road miles / road minutes x 60;
   straight miles per road minute (what ``straight_miles_per_minute`` models).
6. **Fit per county type** (the CMS designation of each extract's county, ``standards_for_county``),
   each distance band weighted equally: circuity = weighted median circuity; speed such that the
   median estimate equals the road time (``speed = circuity x 60 x median straight-miles-per-minute``).
   Committed values: circuity rounded to 0.05, speed to 0.5 mph keeping the fitted ratio. Errors of the
   committed model and of the planning values the app shipped before are reported as median and p90
   absolute percentage error and the median signed error (bias, + = estimate too slow), overall and per
   band, with a 90% bootstrap interval (resampling origins) and a leave-one-extract-out check.
7. **Decisions and sensitivity.** For each base limit of the type, the share of pairs where the
   straight-line and road methods disagree on "within standard"; and the fit under other choices
   (distance range, pair weighting, no edge margin, a start-up + per-mile form).

CPU seconds are printed beside wall seconds.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from blueprint_desktop.engine import roads  # noqa: E402
from blueprint_desktop.geo.distance import haversine_miles  # noqa: E402

OSM_DIR = Path("/work/shared/data/real/osm")
SEED = 20261201
BANDS: tuple[tuple[float, float], ...] = ((0.5, 1.0), (1.0, 2.0), (2.0, 4.0), (4.0, 8.0), (8.0, 15.0))
MIN_PAIRS = 20  # an extract with fewer pairs (West Oakland: a few blocks) informs nothing
# A node is a place trips start and end when a public street meets it: some road at it runs between these
# speeds (residential 15.5 mph up to primary 40 mph and posted 15-40 mph streets), so neither motorway-only
# nodes nor nodes only on parking aisles and driveways (3.1 mph) or service roads (9.3 mph) are drawn.
STREET_MPH = (12.0, 45.0)
MILES_PER_DEG_LAT = 69.05

# The values the app shipped before this calibration (engine/travel_time.py, "planning values").
PLANNING: dict[str, tuple[float, float]] = {
    "Large Metro": (1.3, 30.0),
    "Metro": (1.3, 35.0),
    "Micro": (1.25, 45.0),
    "Rural": (1.2, 50.0),
    "CEAC": (1.2, 55.0),
}


@dataclass(frozen=True)
class Extract:
    file: str
    fips: str | None  # county whose CMS designation this graph informs; None = not a US county
    place: str


EXTRACTS: tuple[Extract, ...] = (
    Extract("columbus.osm.pbf", "39049", "Columbus OH (Franklin County)"),
    Extract("portland-central-filtered.osm.pbf", "41051", "central Portland OR (Multnomah County)"),
    Extract("cobb-county.filtered.osm.pbf", "13067", "Cobb County GA (filtered)"),
    Extract("West-Oakland.osm.bz2", "06001", "West Oakland CA (Alameda County), a few blocks"),
    Extract("aguascalientes.osm.pbf", None, "Aguascalientes, Mexico (not a US county)"),
)


@dataclass
class Pairs:
    """One row per sampled origin/destination pair."""

    band: np.ndarray
    straight: np.ndarray
    road_min: np.ndarray
    road_mi: np.ndarray
    origin: np.ndarray  # a label per origin (unique across extracts once pooled), for the bootstrap

    @property
    def circuity(self) -> np.ndarray:
        return self.road_mi / self.straight

    @property
    def road_mph(self) -> np.ndarray:
        return self.road_mi / self.road_min * 60.0

    @property
    def mpm(self) -> np.ndarray:
        """Straight-line miles per road minute."""
        return self.straight / self.road_min

    def __len__(self) -> int:
        return len(self.band)

    @classmethod
    def concat(cls, parts: list[Pairs]) -> Pairs:
        parts = [p for p in parts if len(p)]
        if not parts:
            z = np.zeros(0)
            return cls(np.zeros(0, np.int64), z, z, z, np.zeros(0, np.int64))
        cols = [np.concatenate([getattr(p, k) for p in parts]) for k in FIELDS[:4]]
        origin = np.concatenate([p.origin + i * 10**9 for i, p in enumerate(parts)])
        return cls(*cols, origin)

    def subset(self, sel) -> Pairs:
        return Pairs(*(getattr(self, k)[sel] for k in FIELDS))


FIELDS = ("band", "straight", "road_min", "road_mi", "origin")


# -- reading ---------------------------------------------------------------------------------------------
def load_graph(path: Path) -> tuple[roads.RoadGraph, str]:
    """The app's own reader (``engine.roads.read_osm``): the same graph ``blueprint import roads`` stores."""
    g = roads.read_osm(path)
    info = getattr(g, "info", None) or {}
    if "nodes_before" in info:
        note = (
            f"app reader; {info['drivable_ways']:,} drivable of {info['highway_ways']:,} highway ways; "
            f"largest strongly connected part kept ({info['dropped_nodes']:,} of {info['nodes_before']:,} nodes dropped)"
        )
    else:
        note = "app reader"
    return g, note


def largest_scc(g: roads.RoadGraph) -> roads.RoadGraph:
    """Largest strongly connected component (the app's reader already cuts to it; kept as a guard)."""
    m = csr_matrix((np.ones(len(g.src)), (g.src, g.dst)), shape=(g.n, g.n))
    _, label = connected_components(m, directed=True, connection="strong")
    keep_label = np.bincount(label).argmax()
    keep = label == keep_label
    new_id = np.full(g.n, -1, dtype=np.int64)
    new_id[keep] = np.arange(int(keep.sum()))
    e = keep[g.src] & keep[g.dst]
    return roads.RoadGraph(
        g.node_lat[keep], g.node_lon[keep], new_id[g.src[e]], new_id[g.dst[e]], g.minutes[e], g.miles[e]
    )


# -- where pairs may start and end -------------------------------------------------------------------------
def _local_xy(g: roads.RoadGraph) -> tuple[np.ndarray, np.ndarray]:
    lat0 = float(np.median(g.node_lat))
    x = (g.node_lon - g.node_lon.min()) * MILES_PER_DEG_LAT * np.cos(np.radians(lat0))
    y = (g.node_lat - g.node_lat.min()) * MILES_PER_DEG_LAT
    return x, y


def core_mask(g: roads.RoadGraph, margin_mi: float, cell_mi: float = 0.1) -> tuple[np.ndarray, float]:
    """Nodes at least ``margin`` inside the extract's road coverage (and the margin used)."""
    x, y = _local_xy(g)
    margin = min(margin_mi, 0.15 * min(np.ptp(x), np.ptp(y)))
    pad = int(np.ceil(margin / cell_mi)) + 4
    ix = (x / cell_mi).astype(int) + pad
    iy = (y / cell_mi).astype(int) + pad
    occ = np.zeros((iy.max() + pad + 1, ix.max() + pad + 1), dtype=bool)
    occ[iy, ix] = True
    occ = ndimage.binary_closing(occ, structure=_disk(3), iterations=1)
    occ = ndimage.binary_fill_holes(occ)
    r = int(round(margin / cell_mi))
    core = ndimage.binary_erosion(occ, structure=_disk(r)) if r > 0 else occ
    return core[iy, ix], margin


def _disk(r: int) -> np.ndarray:
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
    return (xx * xx + yy * yy) <= r * r


def street_nodes(g: roads.RoadGraph) -> np.ndarray:
    """Nodes a public street meets (see ``STREET_MPH``)."""
    mph = g.miles / np.maximum(g.minutes, 1e-9) * 60.0
    street = (mph >= STREET_MPH[0]) & (mph < STREET_MPH[1]) & (g.miles > 0)
    out = np.zeros(g.n, dtype=bool)
    out[g.src[street]] = True
    out[g.dst[street]] = True
    return out


# -- sampling and measuring --------------------------------------------------------------------------------
def _edge_lookup(g: roads.RoadGraph):
    key = g.src * g.n + g.dst
    order = np.argsort(key)
    keys, miles = key[order], g.miles[order]

    def edge_miles(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        k = u * g.n + v
        pos = np.clip(np.searchsorted(keys, k), 0, len(keys) - 1)
        if not np.all(keys[pos] == k):  # pragma: no cover - predecessors always follow an edge
            raise AssertionError("predecessor step is not an edge")
        return miles[pos]

    return edge_miles


def sample_pairs(
    g: roads.RoadGraph,
    eligible: np.ndarray,
    n_origins: int,
    per_band: int,
    rng: np.random.Generator,
    bands=BANDS,
    batch: int = 32,
) -> Pairs:
    cand = np.flatnonzero(eligible)
    if len(cand) < 2:
        return Pairs.concat([])
    origins = rng.choice(cand, size=min(n_origins, len(cand)), replace=False)
    matrix = csr_matrix((g.minutes, (g.src, g.dst)), shape=(g.n, g.n))
    edge_miles = _edge_lookup(g)
    out_band, out_o, out_d = [], [], []
    for o in origins:
        straight = haversine_miles(g.node_lat[o], g.node_lon[o], g.node_lat[cand], g.node_lon[cand])
        for b, (lo, hi) in enumerate(bands):
            pool = cand[(straight >= lo) & (straight < hi)]
            if len(pool) == 0:
                continue
            pick = rng.choice(pool, size=min(per_band, len(pool)), replace=False)
            out_band += [b] * len(pick)
            out_o += [o] * len(pick)
            out_d += list(pick)
    band = np.array(out_band, dtype=np.int64)
    o_arr = np.array(out_o, dtype=np.int64)
    d_arr = np.array(out_d, dtype=np.int64)
    road_min = np.zeros(len(band))
    road_mi = np.zeros(len(band))
    for start in range(0, len(origins), batch):
        chunk = origins[start : start + batch]
        dist, pred = dijkstra(matrix, directed=True, indices=chunk, return_predecessors=True)
        row_of = {int(o): i for i, o in enumerate(chunk)}
        sel = np.flatnonzero(np.isin(o_arr, chunk))
        rows = np.array([row_of[int(o)] for o in o_arr[sel]], dtype=np.int64)
        road_min[sel] = dist[rows, d_arr[sel]]
        # Walk every selected destination back to its origin along the predecessor tree at once.
        cur = d_arr[sel].copy()
        total = np.zeros(len(sel))
        active = cur != o_arr[sel]
        while active.any():
            r, c = rows[active], cur[active]
            p = pred[r, c].astype(np.int64)
            total[active] += edge_miles(p, c)
            cur[active] = p
            active = cur != o_arr[sel]
        road_mi[sel] = total
    straight = haversine_miles(g.node_lat[o_arr], g.node_lon[o_arr], g.node_lat[d_arr], g.node_lon[d_arr])
    return Pairs(band, np.asarray(straight, dtype=float), road_min, road_mi, o_arr)


# -- statistics --------------------------------------------------------------------------------------------
def band_weights(p: Pairs) -> np.ndarray:
    """Each distance band that has pairs carries the same total weight."""
    counts = np.bincount(p.band, minlength=len(BANDS)).astype(float)
    return 1.0 / counts[p.band]


def wquantile(values: np.ndarray, weights: np.ndarray, q) -> np.ndarray | float:
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cw = np.cumsum(w) - 0.5 * w
    cw /= w.sum()
    return np.interp(q, cw, v)


def fit(p: Pairs, w: np.ndarray | None = None) -> tuple[float, float]:
    """(circuity, speed mph) of the model fitted to these pairs, unrounded."""
    w = band_weights(p) if w is None else w
    circuity = float(wquantile(p.circuity, w, 0.5))
    mpm = float(wquantile(p.mpm, w, 0.5))
    return circuity, circuity * 60.0 * mpm


def model_error(p: Pairs, circuity: float, speed: float, w: np.ndarray | None = None) -> dict:
    """Percentage error of ``straight x circuity / speed x 60`` against road minutes."""
    w = band_weights(p) if w is None else w
    est = p.straight * circuity / speed * 60.0
    err = (est - p.road_min) / p.road_min * 100.0
    return {
        "median_abs_pct": float(wquantile(np.abs(err), w, 0.5)),
        "p90_abs_pct": float(wquantile(np.abs(err), w, 0.9)),
        "bias_pct": float(wquantile(err, w, 0.5)),
    }


def describe(p: Pairs) -> dict:
    w = band_weights(p)
    q = [0.1, 0.25, 0.5, 0.75, 0.9]
    return {
        "n_pairs": len(p),
        "pairs_per_band": np.bincount(p.band, minlength=len(BANDS)).tolist(),
        "circuity": dict(
            zip(("p10", "p25", "median", "p75", "p90"), map(float, wquantile(p.circuity, w, q)), strict=True)
        ),
        "road_mph": dict(
            zip(("p10", "p25", "median", "p75", "p90"), map(float, wquantile(p.road_mph, w, q)), strict=True)
        ),
        "straight_mph": dict(
            zip(
                ("p10", "p25", "median", "p75", "p90"), map(float, wquantile(p.mpm * 60.0, w, q)), strict=True
            )
        ),
    }


def bootstrap(p: Pairs, rng: np.random.Generator, n_boot: int = 200) -> dict:
    """90% interval of the fitted values, resampling whole origins (pairs of one origin are not independent)."""
    origins = np.unique(p.origin)
    rows_of = {o: np.flatnonzero(p.origin == o) for o in origins}
    fits = []
    for _ in range(n_boot):
        pick = rng.choice(origins, size=len(origins), replace=True)
        sub = p.subset(np.concatenate([rows_of[o] for o in pick]))
        fits.append(fit(sub))
    c, s = np.array(fits).T
    mph = s / c
    return {
        "circuity_90ci": [float(np.quantile(c, 0.05)), float(np.quantile(c, 0.95))],
        "speed_mph_90ci": [float(np.quantile(s, 0.05)), float(np.quantile(s, 0.95))],
        "straight_mph_90ci": [float(np.quantile(mph, 0.05)), float(np.quantile(mph, 0.95))],
    }


def base_standards(designation: str) -> list[tuple[float, float, int]]:
    """The distinct (minutes, miles) base limits of a designation with how many lines use each."""
    import csv

    # The base table the app reads (rules/standards.py); county customisations are left out here.
    path = Path(__file__).resolve().parents[1] / "resources" / "rules" / "ma_standards_2026.csv"
    counts: dict[tuple[float, float], int] = {}
    with open(path, newline="") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            if row["designation"] == designation and row["max_minutes"] and row["scored"] == "1":
                key = (float(row["max_minutes"]), float(row["max_miles"]))
                counts[key] = counts.get(key, 0) + 1
    return [(t, d, n) for (t, d), n in sorted(counts.items())]


def decisions(p: Pairs, circuity: float, speed: float, standards) -> list[dict]:
    """Share of pairs (band-weighted) where the straight-line decision differs from the road decision.

    Straight line, as the app scores it: within when straight miles <= min(max_miles, minutes x mpm).
    Road, as the road method scores it: road minutes <= max_minutes and road miles <= max_miles.
    "time only" compares the time tests alone (estimated vs road minutes).
    """
    w = band_weights(p)
    mpm = speed / (circuity * 60.0)
    out = []
    for t, d, n_lines in standards:
        road_t = p.road_min <= t
        road_td = road_t & (p.road_mi <= d)
        est_t = p.straight <= t * mpm
        est_td = p.straight <= min(d, t * mpm)
        out.append(
            {
                "minutes": t,
                "miles": d,
                "lines": n_lines,
                "disagree_time_only_pct": float(np.average(road_t != est_t, weights=w) * 100),
                "disagree_pct": float(np.average(road_td != est_td, weights=w) * 100),
                "within_road_pct": float(np.average(road_td, weights=w) * 100),
                "within_estimate_pct": float(np.average(est_td, weights=w) * 100),
            }
        )
    return out


def per_band(p: Pairs, circuity: float, speed: float) -> list[dict]:
    rows = []
    for b, (lo, hi) in enumerate(BANDS):
        sel = p.band == b
        if not sel.any():
            continue
        sub = p.subset(sel)
        ones = np.ones(len(sub))
        err = model_error(sub, circuity, speed, ones)
        rows.append(
            {
                "band": f"{lo:g}-{hi:g}",
                "n": int(sel.sum()),
                "circuity_median": float(np.median(sub.circuity)),
                "road_mph_median": float(np.median(sub.road_mph)),
                "straight_mph_median": float(np.median(sub.mpm * 60.0)),
                "road_min_median": float(np.median(sub.road_min)),
                **err,
            }
        )
    return rows


def round_model(circuity: float, speed: float) -> tuple[float, float]:
    """What goes in SPEED_MODEL: circuity to 0.05, then the speed (to 0.5 mph) that keeps the fitted
    straight-line mph (speed / circuity), the one number the estimate uses."""
    c = round(circuity * 20) / 20
    return c, round(c * speed / circuity * 2) / 2


# -- driver ------------------------------------------------------------------------------------------------
def measure_extract(ex: Extract, args, rng: np.random.Generator) -> dict:
    from blueprint_desktop.rules.standards import standards_for_county

    path = Path(args.osm_dir) / ex.file
    w0, c0 = time.perf_counter(), time.process_time()
    g, reader = load_graph(path)
    read_wall, read_cpu = time.perf_counter() - w0, time.process_time() - c0
    n_all = g.n
    g = largest_scc(g)
    core, margin = core_mask(g, args.margin)
    eligible = core & street_nodes(g)
    x, y = _local_xy(g)
    w1, c1 = time.perf_counter(), time.process_time()
    pairs = sample_pairs(g, eligible, args.origins, args.per_band, rng)
    designation = standards_for_county(None, ex.fips).designation if ex.fips else "(not US)"
    return {
        "extract": ex,
        "designation": designation,
        "reader": reader,
        "nodes": n_all,
        "scc_nodes": g.n,
        "extent_mi": (float(np.ptp(x)), float(np.ptp(y))),
        "margin_mi": margin,
        "eligible": int(eligible.sum()),
        "pairs": pairs,
        "read_s": (read_wall, read_cpu),
        "sample_s": (time.perf_counter() - w1, time.process_time() - c1),
    }


def _fmt_q(d: dict) -> str:
    return f"{d['median']:.2f} ({d['p10']:.2f}-{d['p90']:.2f})"


def _fmt_mph(d: dict) -> str:
    return f"{d['median']:.1f} ({d['p10']:.1f}-{d['p90']:.1f})"


def report_row(
    label: str,
    p: Pairs,
    designation: str,
    rng: np.random.Generator | None,
    model: tuple[float, float] | None = None,
) -> dict:
    """Spread, own fit (with a bootstrap interval when ``rng``), and the errors before and after.

    ``model`` is the committed (circuity, speed) to judge "after" by; by default this sample's own fit.
    The "before" values are the planning values of ``designation`` (Large Metro for a non-US city).
    """
    c, s = fit(p)
    committed = model or round_model(c, s)
    plan_type = designation if designation in PLANNING else "Large Metro"
    planning = PLANNING[plan_type]
    standards = base_standards(plan_type)
    return {
        "label": label,
        "designation": designation,
        **describe(p),
        "fit": {"circuity": c, "speed_mph": s, **(bootstrap(p, rng) if rng is not None else {})},
        "committed": {"circuity": committed[0], "speed_mph": committed[1]},
        "planning": {"circuity": planning[0], "speed_mph": planning[1], "of": plan_type},
        "error_committed": model_error(p, *committed),
        "error_planning": model_error(p, *planning),
        "bands_committed": per_band(p, *committed),
        "bands_planning": per_band(p, *planning),
        "decisions_committed": decisions(p, *committed, standards),
        "decisions_planning": decisions(p, *planning, standards),
    }


def _err(e: dict) -> str:
    return f"{e['median_abs_pct']:.0f}/{e['p90_abs_pct']:.0f}/{e['bias_pct']:+.0f}%"


def print_table(rows: list[dict]) -> None:
    head = (
        f"{'sample':40} {'n':>5} {'circuity med (p10-p90)':>22} {'road mph med (p10-p90)':>23} "
        f"{'straight mph':>18} {'own fit c/mph':>13} {'before':>12} {'after':>12}  model after"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        f, c = r["fit"], r["committed"]
        print(
            f"{r['label'][:40]:40} {r['n_pairs']:>5} {_fmt_q(r['circuity']):>22} {_fmt_mph(r['road_mph']):>23} "
            f"{_fmt_mph(r['straight_mph']):>18} {f['circuity']:>6.2f}/{f['speed_mph']:<5.1f} "
            f"{_err(r['error_planning']):>12} {_err(r['error_committed']):>12}  "
            f"{c['circuity']:.2f}/{c['speed_mph']:.1f}"
        )


def print_bands(r: dict) -> None:
    c, pl = r["committed"], r["planning"]
    print(
        f"\n{r['label']}: by straight-distance band; error med/p90/bias after = {c['circuity']:.2f}/"
        f"{c['speed_mph']:.1f}, before = {pl['circuity']:.2f}/{pl['speed_mph']:.1f} ({pl['of']})"
    )
    print(
        f"  {'miles':>6} {'n':>5} {'circ':>5} {'road mph':>8} {'str mph':>7} {'road min':>8} {'after':>12} {'before':>12}"
    )
    before = {b["band"]: b for b in r["bands_planning"]}
    for b in r["bands_committed"]:
        print(
            f"  {b['band']:>6} {b['n']:>5} {b['circuity_median']:>5.2f} {b['road_mph_median']:>8.1f} "
            f"{b['straight_mph_median']:>7.1f} {b['road_min_median']:>8.1f} {_err(b):>12} {_err(before[b['band']]):>12}"
        )
    print("  decisions that differ from the road method (band-weighted pairs), after / before:")
    for a, b in zip(r["decisions_committed"], r["decisions_planning"], strict=True):
        print(
            f"    {a['minutes']:g} min / {a['miles']:g} mi ({a['lines']} lines): time and distance "
            f"{a['disagree_pct']:.1f}% / {b['disagree_pct']:.1f}%, time only {a['disagree_time_only_pct']:.1f}% / "
            f"{b['disagree_time_only_pct']:.1f}%; within: road {a['within_road_pct']:.1f}%, estimate "
            f"{a['within_estimate_pct']:.1f}% / {b['within_estimate_pct']:.1f}%"
        )


def _linear_fit(p: Pairs) -> tuple[float, float]:
    """Median (L1) fit of road minutes = a + b x straight miles, band-weighted: a model with a fixed
    start-up cost, for comparison only (``travel_time.py`` keeps the proportional form)."""
    from scipy.optimize import minimize

    w = band_weights(p)
    res = minimize(
        lambda ab: float(np.sum(w * np.abs(p.road_min - ab[0] - ab[1] * p.straight))),
        x0=[1.0, 2.5],
        method="Nelder-Mead",
        options={"xatol": 1e-4, "fatol": 1e-6, "maxiter": 4000},
    )
    return float(res.x[0]), float(res.x[1])


def _sensitivity(ms: list[dict], args) -> dict:
    """How the pooled fit moves with the choices made: distance range, edge margin, the model's form."""
    pooled = Pairs.concat([m["pairs"] for m in ms])
    out = {}

    standards = base_standards(ms[0]["designation"])

    def line(p: Pairs, c: float, s: float, name: str) -> None:
        e = model_error(pooled, *round_model(c, s))
        dec = decisions(pooled, *round_model(c, s), standards)
        differ = ", ".join(f"{x['minutes']:g}/{x['miles']:g} {x['disagree_pct']:.1f}%" for x in dec)
        out[name] = {
            "circuity": c,
            "speed_mph": s,
            "error_on_all_pairs": e,
            "decisions": dec,
            "text": f"circuity {c:.2f}, speed {s:.1f} mph, straight {s / c:.1f} mph; error on all pairs {_err(e)};"
            f" decisions differing from the road method {differ}",
        }

    far = pooled.subset(pooled.band >= 2)
    line(far, *fit(far), "fitted on 2-15 mi only (where Large Metro reach radii fall)")
    near = pooled.subset(pooled.band < 2)
    line(near, *fit(near), "fitted on 0.5-2 mi only")
    ones = np.ones(len(pooled))
    line(pooled, *fit(pooled, ones), "pairs weighted equally instead of bands")
    edge = []
    for i, m in enumerate(ms):
        g = largest_scc(load_graph(Path(args.osm_dir) / m["extract"].file)[0])
        eligible = street_nodes(g)  # no core: pairs may start and end at the cut edge
        edge.append(
            sample_pairs(g, eligible, args.origins, args.per_band, np.random.default_rng([args.seed, 50 + i]))
        )
    e = Pairs.concat(edge)
    c, s = fit(e)
    out["no edge margin (whole extract)"] = {
        "circuity": c,
        "speed_mph": s,
        "circuity_p10_p90": [float(wquantile(e.circuity, band_weights(e), q)) for q in (0.1, 0.9)],
        "text": f"circuity {c:.2f} (p10-p90 {wquantile(e.circuity, band_weights(e), 0.1):.2f}-"
        f"{wquantile(e.circuity, band_weights(e), 0.9):.2f}), speed {s:.1f} mph, straight {s / c:.1f} mph",
    }
    a, b = _linear_fit(pooled)
    est = a + b * pooled.straight
    err = (est - pooled.road_min) / pooled.road_min * 100.0
    w = band_weights(pooled)
    lin = {
        "median_abs_pct": float(wquantile(np.abs(err), w, 0.5)),
        "p90_abs_pct": float(wquantile(np.abs(err), w, 0.9)),
        "bias_pct": float(wquantile(err, w, 0.5)),
    }
    out["start-up + per-mile (not adopted)"] = {
        "a_minutes": a,
        "b_minutes_per_mile": b,
        "error_on_all_pairs": lin,
        "text": f"minutes = {a:.2f} + {b:.3f} x straight miles; error on all pairs {_err(lin)}",
    }
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--osm-dir", default=str(OSM_DIR))
    ap.add_argument("--origins", type=int, default=200, help="origins per extract (default 200)")
    ap.add_argument("--per-band", type=int, default=2, help="destinations per origin and distance band")
    ap.add_argument("--margin", type=float, default=1.0, help="miles kept clear of the extract's edge")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--json", help="write every figure to this JSON file")
    args = ap.parse_args(argv)

    w0, c0 = time.perf_counter(), time.process_time()
    measured = []
    for i, ex in enumerate(EXTRACTS):
        if not (Path(args.osm_dir) / ex.file).is_file():
            print(f"skip {ex.file}: not in {args.osm_dir}")
            continue
        measured.append(measure_extract(ex, args, np.random.default_rng([args.seed, i])))

    print("Graphs")
    for m in measured:
        ex = m["extract"]
        print(
            f"  {ex.file:36} {m['designation']:12} {m['reader']}\n"
            f"    {m['nodes']:,} nodes, largest SCC {m['scc_nodes']:,}; extent {m['extent_mi'][0]:.1f} x "
            f"{m['extent_mi'][1]:.1f} mi; margin {m['margin_mi']:.2f} mi; {m['eligible']:,} eligible nodes; "
            f"pairs per band {np.bincount(m['pairs'].band, minlength=len(BANDS)).tolist()}; "
            f"read {m['read_s'][0]:.2f} s wall / {m['read_s'][1]:.2f} s CPU, "
            f"sample+route {m['sample_s'][0]:.2f} s wall / {m['sample_s'][1]:.2f} s CPU"
        )

    # 1. Per county type: every US extract of that type pooled; this is what goes in SPEED_MODEL.
    by_type: dict[str, list[dict]] = {}
    for m in measured:
        if m["extract"].fips and len(m["pairs"]) >= MIN_PAIRS:
            by_type.setdefault(m["designation"], []).append(m)
    type_rows = {}
    for designation, ms in by_type.items():
        pooled = Pairs.concat([m["pairs"] for m in ms])
        label = f"{designation}: {len(ms)} US extracts pooled"
        type_rows[designation] = report_row(
            label, pooled, designation, np.random.default_rng([args.seed, 99])
        )
    committed = {d: (r["committed"]["circuity"], r["committed"]["speed_mph"]) for d, r in type_rows.items()}

    # 2. Per extract: its own spread and fit, and the error of its type's committed model on it.
    rows = []
    for m in measured:
        if len(m["pairs"]) < MIN_PAIRS:
            continue
        d = m["designation"]
        model = committed.get(d, committed.get("Large Metro"))
        rows.append(report_row(f"{m['extract'].file} ({d})", m["pairs"], d, None, model))

    # 3. Leave one extract out: the type's model fitted without an extract, judged on that extract.
    loo = []
    for designation, ms in by_type.items():
        if len(ms) < 2:
            continue
        for i, held in enumerate(ms):
            rest = Pairs.concat([m["pairs"] for j, m in enumerate(ms) if j != i])
            model = round_model(*fit(rest))
            loo.append(
                {
                    "designation": designation,
                    "held_out": held["extract"].file,
                    "model": model,
                    "error": model_error(held["pairs"], *model),
                }
            )

    print()
    print_table([*rows, *type_rows.values()])
    print(
        "  (circuity and mph: band-weighted median and p10-p90 of the pairs; before/after: |error| median/p90"
    )
    print("   and signed median, % of road minutes; 'after' is the committed model of the extract's type)")
    for r in type_rows.values():
        f = r["fit"]
        print(
            f"\n{r['label']}: fit circuity {f['circuity']:.3f} (90% bootstrap {f['circuity_90ci'][0]:.3f}-"
            f"{f['circuity_90ci'][1]:.3f}), speed {f['speed_mph']:.2f} mph ({f['speed_mph_90ci'][0]:.2f}-"
            f"{f['speed_mph_90ci'][1]:.2f}), straight-line mph {f['speed_mph'] / f['circuity']:.2f} "
            f"({f['straight_mph_90ci'][0]:.2f}-{f['straight_mph_90ci'][1]:.2f}); committed {r['committed']}"
        )
    for x in loo:
        print(
            f"  leave-one-out {x['designation']}: fitted without {x['held_out']}: {x['model'][0]:.2f}/"
            f"{x['model'][1]:.1f}, error on it {_err(x['error'])}"
        )
    sensitivity = {}
    for designation, ms in by_type.items():
        sensitivity[designation] = sens = _sensitivity(ms, args)
        print(f"\n{designation}: sensitivity of the fit (straight-line mph = speed / circuity)")
        for name, v in sens.items():
            print(f"  {name}: {v['text']}")
    for r in [*type_rows.values(), *rows]:
        print_bands(r)
    print(f"\ntotal {time.perf_counter() - w0:.1f} s wall / {time.process_time() - c0:.1f} s CPU")
    result = {
        "seed": args.seed,
        "origins": args.origins,
        "per_band": args.per_band,
        "margin": args.margin,
        "graphs": [
            {
                "file": m["extract"].file,
                "fips": m["extract"].fips,
                "designation": m["designation"],
                "reader": m["reader"],
                "nodes": m["nodes"],
                "scc_nodes": m["scc_nodes"],
                "extent_mi": m["extent_mi"],
                "margin_mi": m["margin_mi"],
                "pairs_per_band": np.bincount(m["pairs"].band, minlength=len(BANDS)).tolist(),
            }
            for m in measured
        ],
        "by_type": type_rows,
        "extracts": rows,
        "leave_one_out": loo,
        "sensitivity": sensitivity,
        "committed": committed,
    }
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, default=str))
    return result


if __name__ == "__main__":
    main()
