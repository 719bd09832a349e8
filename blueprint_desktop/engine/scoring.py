"""Score a project: every county x line of its service area, straight line or by road.

``score_project`` gathers the inputs (service-area counties, their standards from ``rules``, population
points from ``geo``, every location with its provider's statuses), runs ``compute_results`` and stores
the run with the fingerprints of its inputs (``runs.py``). ``compute_results`` is pure: it takes the
inputs as data, so tests and the benchmark can hand it any scenario.

Per line the work is: one nearest-location query for every population point (``nearest.py`` or
``roads.py``), one reach query for the counts (locations within a county's standard of at least one of
its points), then vectorised per-county sums and percentiles (``rollup.py``) and confidence
(``confidence.py``). Cells that contain provisionally credentialed providers are also measured
without them, for the At Risk rule.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from blueprint_desktop.engine import confidence as conf
from blueprint_desktop.engine.credited import credited_mask, gc_paused, load_locations
from blueprint_desktop.engine.credits import DEFAULT_TELEHEALTH_BASIS, telehealth_credit
from blueprint_desktop.engine.exclusions import excluded_mask, exclusion_rules
from blueprint_desktop.engine.line_split import SPLIT_MIN_ROWS, measure_lines
from blueprint_desktop.engine.nearest import (
    CountyPoints,
    ReachGrid,
    SpatialOrder,
    nearest_miles,
    sums_from_pairs,
)
from blueprint_desktop.engine.nearest_tree import NearestTree
from blueprint_desktop.engine.rollup import (
    EPS,
    SPEED_ERROR,
    CellStats,
    CountyLineResult,
    county_shares,
    evaluate,
    weighted_percentile,
    weighted_percentiles,
)
from blueprint_desktop.engine.second_provider import second_by_classes, second_straight
from blueprint_desktop.engine.travel_time import straight_miles_per_minute
from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.geo.distance import miles_to_chord, to_unit_vectors
from blueprint_desktop.geo.population_group import group_for
from blueprint_desktop.progress import Progress
from blueprint_desktop.rules.citations import is_ma

METHODS = ("straight", "road")
ORDER_MIN_POINTS = 20_000  # from here the points are queried in Z-order (nearest.SpatialOrder)


@dataclass
class LocSet:
    """Locations of one line as arrays, with lazily built KD-trees: ``near`` for the k = 1 nearest
    queries (``nearest_tree``), ``tree`` (scipy's) for ball queries, k > 1 and the tree's order."""

    lat: np.ndarray
    lon: np.ndarray
    _tree: cKDTree | None = None
    _xyz: np.ndarray | None = None
    _near: NearestTree | None = None

    @property
    def xyz(self) -> np.ndarray:
        if self._xyz is None:
            self._xyz = to_unit_vectors(self.lat, self.lon)
        return self._xyz

    @property
    def tree(self) -> cKDTree | None:
        if self._tree is None and len(self.lat):
            self._tree = cKDTree(self.xyz)
        return self._tree

    @property
    def near(self) -> NearestTree:
        if self._near is None:
            self._near = NearestTree(self.xyz if len(self.lat) else np.zeros((0, 3)))
        return self._near

    def __len__(self) -> int:
        return len(self.lat)


class StraightMeasure:
    """Great-circle miles; minutes estimated from them by county type (``travel_time.py``)."""

    estimated_time = True
    name = "straight"

    def __init__(self, point_county: np.ndarray, lat, lon, designations: Sequence[str]) -> None:
        self.point_county = point_county
        self.lat, self.lon = np.asarray(lat, float), np.asarray(lon, float)
        self.mpm = np.array([straight_miles_per_minute(d) for d in designations])
        self.points = CountyPoints(point_county, lat, lon)
        self.grid: ReachGrid | None = None
        # Built here, before any line is measured, so a forked helper shares it.
        self.order = SpatialOrder(self.points.xyz) if len(self.lat) >= ORDER_MIN_POINTS else None

    def prepare_reach(self, loc_lat, loc_lon, radius_by_county) -> None:
        """The run's reach cells (``nearest.ReachGrid``), from every credited location and each county's
        widest straight-line radius over its lines: built once, shared by the lines' reach searches."""
        if len(loc_lat) and self.points.n_counties:
            chord = miles_to_chord(np.maximum(np.nan_to_num(radius_by_county, nan=0.0), 0.0))
            self.grid = ReachGrid(self.points, to_unit_vectors(loc_lat, loc_lon), chord)

    def nearest(self, locs: LocSet, limit: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        minutes, miles, _ = self.nearest_index(locs)
        return minutes, miles

    def nearest_index(self, locs: LocSet, which: np.ndarray | None = None):
        """(minutes, miles, index into ``locs``) of the nearest location, for every point or for the
        points ``which`` (the provisional re-check re-queries only the points whose nearest location is
        provisional)."""
        xyz = self.points.xyz if which is None else self.points.xyz[which]
        order = self.order if which is None else None
        miles, idx = nearest_miles(
            xyz[:, 0], xyz[:, 0], locs.lat, locs.lon, tree=locs.near, point_xyz=xyz, order=order
        )
        mpm = self.mpm[self.point_county if which is None else self.point_county[which]]
        return miles / mpm, miles, idx

    def reach(self, locs: LocSet, max_minutes: np.ndarray, max_miles: np.ndarray):
        radius = np.minimum(max_miles, max_minutes * self.mpm)
        xyz = locs.xyz if len(locs) else np.zeros((0, 3))
        c, loc = self.points.reach_pairs(locs.tree, xyz, radius, self.grid)
        return c, loc

    def reach_sums(self, locs: LocSet, max_minutes, max_miles, columns: np.ndarray, listed=None):
        """``reach``'s pairs summed per county (``CountyPoints.reach_sums``), for a run's counts."""
        radius = np.minimum(max_miles, max_minutes * self.mpm)
        xyz = locs.xyz if len(locs) else np.zeros((0, 3))
        # scipy's tree, built only if the cells cannot decide (the nearest queries use ``locs.near``).
        tree = (lambda: locs.tree) if len(locs) else None
        return self.points.reach_sums(tree, xyz, radius, columns, listed, self.grid)

    def second(self, locs: LocSet, npi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(minutes, miles) to each point's second-nearest distinct provider (``second_provider.py``)."""
        if self.order is None:
            miles = second_straight(self.points.xyz, locs.tree, npi)
        else:  # Z-order, as the nearest queries: the same answers, faster
            miles = np.empty(len(self.lat))
            miles[self.order.perm] = second_straight(self.order.xyz, locs.tree, npi)
        return miles / self.mpm[self.point_county], miles


def second_distinct(measure, locs: LocSet, npi: np.ndarray, limit: float | None) -> tuple[np.ndarray, ...]:
    """(minutes, miles, off-network flag or None) to each point's second-nearest distinct provider (NPI)
    under any measure: straight line by k nearest neighbours, roads by nearest searches over two classes of
    NPIs per bit (``second_provider.py``)."""
    if isinstance(measure, StraightMeasure):
        return (*measure.second(locs, npi), None)

    def nearest(rows: np.ndarray) -> tuple[np.ndarray, ...]:
        minutes, miles = measure.nearest(LocSet(locs.lat[rows], locs.lon[rows]), limit=limit)
        return minutes, miles, np.asarray(getattr(measure, "off_network", np.zeros(len(minutes), bool)))

    return second_by_classes(nearest, npi, len(measure.point_county), n_values=3)


@dataclass
class ScoringInputs:
    counties: list[str]
    standards: dict[str, Any]  # fips -> CountyStandards
    points: pd.DataFrame  # county_fips, lat, lon, weight
    locations: pd.DataFrame  # credited.load_locations() rows
    lines: list[str] | None = None
    today: date | None = None
    extra_credited: frozenset[int] = frozenset()  # provider ids assumed contracted (what-if)
    telehealth_basis: str = DEFAULT_TELEHEALTH_BASIS  # credits.TELEHEALTH_BASES
    served: dict[int, set[str]] = field(default_factory=dict)  # provider id -> counties it serves
    lob: str = "ma"  # the project's line of business: MA's exclusions apply to MA only (exclusions.py)


@dataclass
class ScoreRun:
    run_id: int | None
    method: str
    results: list[CountyLineResult]
    fingerprint: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    coverage: dict[str, Any] | None = None  # road runs: how much lay off the road network (road_coverage.py)

    def as_dicts(self) -> list[dict[str, Any]]:
        return [r.as_dict() for r in self.results]


def credited_locations(
    inputs: ScoringInputs, excluded: np.ndarray | None = None, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """The credited rows of ``inputs.locations`` (only ``columns`` of them when given: filtering every
    text column of a 1,000,000-row frame cost ~1.5 s that a run does not need)."""
    locs = inputs.locations
    if locs.empty:
        return locs
    mask = credited_mask(locs, inputs.today, excluded, inputs.lob)
    if inputs.extra_credited:
        # What-if: a candidate "signed": it counts as executed and active from now on.
        physical = (locs.telehealth_only.to_numpy() == 0) | (locs.telehealth_waived.to_numpy() == 1)
        placed = locs.lat.notna().to_numpy() & locs.lon.notna().to_numpy()
        if excluded is None:
            excluded = excluded_mask(locs, inputs.lob)
        # A signed candidate still falls under the exclusions (a children's hospital never counts).
        extra = locs.provider_id.isin(inputs.extra_credited).to_numpy() & physical & placed & ~excluded
        mask = mask | extra
        locs = locs.assign(
            credentialing_status=np.where(extra, "active", locs.credentialing_status.to_numpy())
        )
    if columns is not None:
        locs = locs[list(columns)]
    return locs[mask].reset_index(drop=True)


def compute_results(
    inputs: ScoringInputs,
    method: str = "straight",
    graph=None,
    progress: Progress | None = None,
    info: dict[str, Any] | None = None,
) -> list[CountyLineResult]:
    """Score every county x line of ``inputs`` (pure: reads nothing from disk).

    A road run first checks that the graph covers the counties' population (``road_coverage.py``) and
    refuses with the counties it misses; ``info``, when given, receives that coverage
    (``info["road_coverage"]``) and the CPU seconds per phase (``info["phases_cpu_s"]``).
    """
    with gc_paused():  # 139,000 result objects: see credited.gc_paused
        return _compute_results(inputs, method, graph, progress, info)


def _compute_results(inputs, method, graph, progress, info) -> list[CountyLineResult]:
    progress = progress or Progress()
    counties = list(inputs.counties)
    n_c = len(counties)
    cidx = {f: i for i, f in enumerate(counties)}
    pts = inputs.points[inputs.points.county_fips.isin(cidx) & (inputs.points.weight > 0)]
    p_county = pts.county_fips.map(cidx).to_numpy(dtype=np.int64)
    # The words name the sources in the order the points first show them: read before the grouping below.
    population = _population_labels(pts, p_county, n_c, inputs.lob)
    pts, p_county = _grouped_by_county(pts, p_county)
    p_w = pts.weight.to_numpy(dtype=float)
    p_lat, p_lon = pts.lat.to_numpy(dtype=float), pts.lon.to_numpy(dtype=float)
    designations = [inputs.standards[f].designation for f in counties]

    straight = method == "straight"
    if straight:
        measure = StraightMeasure(p_county, p_lat, p_lon, designations)
    elif method == "road":
        from blueprint_desktop.engine.roads import RoadMeasure

        if graph is None:
            raise BlueprintError(
                "drive-time scoring needs a road network: run `blueprint import roads` first"
            )
        from blueprint_desktop.engine.road_coverage import off_network_miles

        off_miles = off_network_miles([inputs.standards[f] for f in counties])
        measure = RoadMeasure(
            graph, p_county, p_lat, p_lon, n_c, designations=designations, off_network_miles=off_miles
        )
        # One forward search per county serves the counts of every line: search as far as its widest time.
        measure.county_limit = np.array(
            [max((s.max_minutes for s in inputs.standards[f].lines.values()), default=0.0) for f in counties],
            dtype=float,
        )
    else:
        raise BlueprintError(f"scoring method {method!r} is not one of {', '.join(METHODS)}")

    phases = _Phases()
    # The exclusion rules once per run: credited rows, telehealth credit and "not counted" lists share them.
    rules = (
        exclusion_rules(inputs.locations, inputs.lob)
        if not inputs.locations.empty
        else np.zeros(0, dtype=object)
    )
    excluded_rows_mask = np.array([r is not None for r in rules], dtype=bool)
    cred = credited_locations(inputs, excluded_rows_mask, _RUN_COLUMNS)
    excluded = _excluded_by_cell(inputs, rules)
    tele = telehealth_credit(
        inputs.locations, inputs.telehealth_basis, inputs.served, inputs.today, excluded_rows_mask
    )
    npi_code = pd.factorize(cred.npi)[0] if len(cred) else np.zeros(0, np.int64)
    loc_units = conf.location_units(cred, inputs.today)
    standards_estimated = np.array([bool(inputs.standards[f].estimated) for f in counties], dtype=bool)
    resolution = conf.population_resolution(p_county, p_w, n_c)
    rules_frac = conf.rules_fraction(standards_estimated, measure.estimated_time, 0.0, resolution)
    max_point_pct = (1.0 - resolution) * 100.0
    max_point_l = max_point_pct.tolist()
    estimated = measure.estimated_time
    texts: dict = {}  # rollup.evaluate's words per standard, for this run
    ma_credits = is_ma(inputs.lob)
    if method == "road":
        coverage = _road_coverage(measure, counties, cidx, p_county, p_w, cred, off_miles)
        if info is not None:
            info["road_coverage"] = coverage.as_dict()
            info["road_coverage_summary"] = coverage.summary()
        if coverage.refused:
            raise BlueprintError(coverage.refusal(getattr(graph, "name", "")))
    lines = list(inputs.lines) if inputs.lines else _all_line_codes(inputs.standards, counties)
    # Group rows by line once (string comparisons per line on a 1M-row column cost seconds).
    by_line: dict[str, np.ndarray] = {}
    if len(cred):
        line_codes, line_names = pd.factorize(cred.line_code)
        order = np.argsort(line_codes, kind="stable")
        bounds = np.searchsorted(line_codes[order], np.arange(len(line_names) + 1))
        by_line = {str(name): order[bounds[k] : bounds[k + 1]] for k, name in enumerate(line_names)}
    if method == "road" and len(cred):
        # What the loop below will ask, in order: each county's count search then runs once, and the coming
        # lines' nearest searches can run ahead on a second core (roads.RoadMeasure.expect_locations).
        measure.expect_locations(
            cred.lat.to_numpy(float),
            cred.lon.to_numpy(float),
            [by_line.get(c, np.zeros(0, np.int64)) for c in lines],
        )
    if straight and len(cred):
        # Each county's widest radius over its lines (the lines' radii: StraightMeasure.reach), for the
        # reach cells every line then shares.
        phases.mark("prepare")
        widest = np.zeros(n_c)
        for i, f in enumerate(counties):
            lines_i = inputs.standards[f].lines.values()
            t = np.array([s.max_minutes for s in lines_i], dtype=float)
            d = np.array([s.max_miles for s in lines_i], dtype=float)
            r = np.minimum(d, t * measure.mpm[i])
            r = r[r > 0]
            widest[i] = r.max() if len(r) else 0.0
        measure.prepare_reach(cred.lat.to_numpy(float), cred.lon.to_numpy(float), widest)
        phases.mark("reach")
    provisional = (cred.credentialing_status == "provisional").to_numpy() if len(cred) else np.zeros(0, bool)

    # The measuring steps read only these columns; slicing three columns per line instead of every
    # column of a 1M-row frame saves most of a second nationally.
    geo_cols = cred[["lat", "lon", "beds"]] if len(cred) else pd.DataFrame(columns=["lat", "lon", "beds"])
    phases.mark("prepare")

    @functools.cache  # asked once when a line is measured and once when its results are built
    def line_standards(code: str) -> tuple[list[int], list[Any]]:
        """The counties (indices) this line is scored in, and its standard per county (None elsewhere)."""
        have = [i for i, f in enumerate(counties) if code in inputs.standards[f].lines]
        have_set = set(have)
        return have, [
            inputs.standards[counties[i]].lines[code] if i in have_set else None for i in range(n_c)
        ]

    def measure_line(code: str) -> _LineOutcome | None:
        """Everything measured for one line, as per-county arrays (no result objects: those are built in
        this process, in line order, whichever process measured the line)."""
        have, stds = line_standards(code)
        if not have:
            return None
        t_max = np.array([s.max_minutes if s else np.nan for s in stds], dtype=float)
        d_max = np.array([s.max_miles if s else np.nan for s in stds], dtype=float)
        beds = bool(stds[have[0]].counts_beds)
        rows = by_line.get(code, np.zeros(0, np.int64))
        sub = geo_cols.iloc[rows]
        prov = provisional[rows]

        two_c = np.array([bool(s) and s.providers_within == 2 for s in stds], dtype=bool)
        ctx = _LineContext(
            measure, npi_code, t_max, d_max, p_county, p_w, n_c, beds, provisional, loc_units, phases,
            two_c[p_county] if two_c.any() else None,
        )  # fmt: skip
        minutes, miles, share, total, reach, near_idx = ctx.measure_cells(rows, sub)
        off_share = None
        line_rules = rules_frac
        if method == "road":
            # Share of each county's weight whose trip used a leg longer than its off-network distance.
            off_share = county_shares(p_county, p_w, measure.off_network, n_c)[0] / 100.0
            line_rules = conf.rules_fraction(standards_estimated, False, off_share, resolution)
        # Plausible error for "near the line" (rollup.near_the_line): the share with travel 15% slower/faster.
        ok_mi = miles <= d_max[p_county] + EPS
        slower = county_shares(
            p_county, p_w, ok_mi & (minutes * (1 + SPEED_ERROR) <= t_max[p_county] + EPS), n_c
        )[0]
        faster = county_shares(
            p_county, p_w, ok_mi & (minutes * (1 - SPEED_ERROR) <= t_max[p_county] + EPS), n_c
        )[0]
        if straight:
            # Straight-line minutes are miles / a per-county speed, so both orders within a county are
            # the same: one sort serves both percentiles (rollup.weighted_percentiles).
            p90_d, p90_t = weighted_percentiles(p_county, p_w, miles, n_c, also=(minutes,))
        else:
            p90_t = weighted_percentile(p_county, p_w, minutes, n_c)
            p90_d = weighted_percentile(p_county, p_w, miles, n_c)
        phases.mark("shares and percentiles")
        share_a = count_a = None
        if prov.any():
            # Reach is a property of each location alone: the counts without provisional providers came
            # with the reach above (_LineContext.reach_counts). Nearest: only a point whose nearest
            # location is provisional can have another nearest without them; every other point keeps
            # its distance. Re-query just those (a few percent).
            keep = np.flatnonzero(~prov)
            active = LocSet(sub.lat.to_numpy(float)[keep], sub.lon.to_numpy(float)[keep])
            if near_idx is not None:
                redo = np.flatnonzero(prov[near_idx]) if len(near_idx) else np.zeros(0, np.int64)
                minutes_a, miles_a = minutes.copy(), miles.copy()
                if len(redo):
                    minutes_a[redo], miles_a[redo], _ = measure.nearest_index(active, redo)
            else:
                minutes_a, miles_a = ctx.nearest(active)
            minutes_a, miles_a = ctx.with_second(rows[keep], active, minutes_a, miles_a)
            share_a = ctx.shares(minutes_a, miles_a)[0]
            count_a = reach.count_active
            phases.mark("provisional re-check")
        score, breakdown = conf.confidence_from_sums(reach.assessed, reach.unit_sums, line_rules)
        phases.mark("confidence")
        return _LineOutcome(
            share,
            total,
            reach.count,
            p90_t,
            p90_d,
            share_a,
            count_a,
            slower,
            faster,
            score,
            breakdown,
            off_share,
        )

    def line_results(code: str, m: _LineOutcome) -> list[CountyLineResult]:
        have, stds = line_standards(code)
        out: list[CountyLineResult] = []
        off_share = m.off_share
        # Python floats once per line (a numpy scalar per cell and field cost ~1 s nationally).
        inf = float("inf")
        share_l, count_l, total_l = m.share.tolist(), m.count.tolist(), m.total.tolist()
        p90_t_l = np.where(np.isnan(m.p90_t), inf, m.p90_t).tolist()
        p90_d_l = np.where(np.isnan(m.p90_d), inf, m.p90_d).tolist()
        share_a_l = None if m.share_a is None else m.share_a.tolist()
        count_a_l = None if m.count_a is None else m.count_a.tolist()
        slower_l, faster_l, score_l = m.slower.tolist(), m.faster.tolist(), m.score.tolist()
        breakdown = m.breakdown
        for i in have:
            stats = CellStats(
                share_l[i],
                p90_t_l[i],
                p90_d_l[i],
                count_l[i],
                None if share_a_l is None else share_a_l[i],
                None if count_a_l is None else count_a_l[i],
                total_l[i],
                slower_l[i],
                faster_l[i],
                max_point_l[i],
            )
            res = evaluate(counties[i], stds[i], stats, tele.applies(code, counties[i]), estimated, texts)
            if ma_credits:  # the telehealth credit is MA's (422.116(d)(5)); other lines of business earn none
                res.detail["telehealth_basis"] = tele.basis
            res.confidence = score_l[i]
            res.confidence_band = conf.band(score_l[i])
            res.confidence_parts = breakdown[i]
            res.detail["designation"] = designations[i]
            res.detail["method"] = method
            res.detail["population"] = population[i]
            if off_share is not None:
                res.detail["off_network_share"] = round(float(off_share[i]), 4)
                res.detail["off_network_miles"] = float(off_miles[i])
                if off_share[i] > 0:
                    res.reasons.append(
                        f"Road network: {off_share[i] * 100:.1f}% of the population weight here lives farther "
                        f"than {off_miles[i]:g} mi from the imported roads, or its nearest location does; those "
                        "legs are estimated from straight-line distance, and confidence counts the drive time as "
                        "measured only for the rest."
                    )
            dropped = excluded.get((code, counties[i]))
            if dropped:
                res.detail["excluded"] = dropped
                names = "; ".join(f"{d['name']} ({d['npi']}): {d['reason']}" for d in dropped[:3])
                more = f"; and {len(dropped) - 3} more" if len(dropped) > 3 else ""
                res.reasons.append(
                    f"Not counted: {len(dropped)} contracted {'location' if len(dropped) == 1 else 'locations'} "
                    f"in this county. {names}{more}."
                )
            county_std = inputs.standards[counties[i]]
            res.detail["criteria"] = getattr(county_std, "criteria_label", "") or county_std.source
            res.detail["designation_source"] = county_std.designation_source
            out.append(res)
        return out

    # Straight-line lines are independent (the measure keeps no state between them): on a large run with
    # a second core, a forked process measures about half of them (engine/line_split.py).
    split = straight and len(cred) >= SPLIT_MIN_ROWS and len(lines) >= 2
    # Cost in units of ~3 us of CPU (national profile): a line's nearest queries ~0.15 a point, its reach
    # ~1 a location; its result objects, built in this process (as each of its own lines is measured, and
    # for the helper's when they come back), ~2.5 a cell (~8 us, measured 1.1-1.3 s at 139,000 cells).
    cost = [len(p_w) * 0.15 + len(by_line.get(code, ())) for code in lines]

    def finish(code: str, outcome: _LineOutcome | None) -> list[CountyLineResult]:
        if outcome is None:
            return []
        built = line_results(code, outcome)
        phases.mark("result objects")
        return built

    outcomes = measure_lines(
        lines,
        measure_line,
        cost,
        progress,
        phases,
        split=split,
        finish=finish,
        finish_cost=2.5 * n_c * len(lines),
    )
    results: list[CountyLineResult] = []
    for code in lines:
        results.extend(outcomes[code])
    phases.mark("result objects")
    if info is not None:
        info["phases_cpu_s"] = phases.rounded()
    progress.update(1.0, "scored", force=True)
    return results


def _grouped_by_county(pts: pd.DataFrame, p_county: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """The points grouped by county, each county's in their own order (a stable sort).

    Every per-county sum and every tie between equal values keeps its order, so the results are the same
    to the bit, and each line's sort by (county, value) for the 90th percentiles then runs on nearly sorted
    keys: 1,000,000 points, 0.22 s -> 0.05 s a line (docs/performance.md, "Sixth pass")."""
    if len(p_county) < 2 or not bool((p_county[1:] < p_county[:-1]).any()):
        return pts, p_county
    grouped = np.argsort(p_county, kind="stable")
    return pts.iloc[grouped], p_county[grouped]


# What a run reads of the credited rows (``credited_locations(columns=...)``).
_RUN_COLUMNS = (
    "npi", "line_code", "lat", "lon", "beds", "county_fips", "credentialing_status", "batch_at", "updated_at",
    "attested_date", "activity_last_date", "geocode_quality", "panel_status",
)  # fmt: skip


class _Phases:
    """CPU seconds (every thread of the process) per phase of a run, for the benchmark's breakdown."""

    def __init__(self) -> None:
        self.last = time.process_time()
        self.spent: dict[str, float] = {}

    def mark(self, name: str) -> None:
        now = time.process_time()
        self.spent[name] = self.spent.get(name, 0.0) + now - self.last
        self.last = now

    def rounded(self) -> dict[str, float]:
        return {k: round(v, 3) for k, v in self.spent.items()}


# What each point source is, in the words shown with every result (geo/points.py names the sources);
# {group}: whom the census counts for the project's line of business (geo/population_group.py).
_POPULATION_WORDS = {
    "census-sample": "{group} (ACS 2018-22) spread over their ZIP areas",
    "census-zcta": "{group} (ACS 2018-22), one point per ZIP area",
    "grid": "the county's {group} on a grid",
    "enrollees": "the plan's enrollees",
    "population-file": "the loaded population file",
}


def _population_labels(pts: pd.DataFrame, p_county: np.ndarray, n_c: int, lob: str = "ma") -> list[str]:
    """Per county, what its population points are: "65+ residents (ACS 2018-22) spread over their ZIP
    areas, 112 sample points" (the README's "say what the numbers rest on")."""
    group = group_for(lob).words
    if "source" not in pts.columns or len(pts) == 0:
        return ["" for _ in range(n_c)]
    codes, names = pd.factorize(pts.source.fillna("").astype(str))
    out = []
    counts = np.zeros((n_c, len(names)), dtype=np.int64)
    np.add.at(counts, (p_county, codes), 1)
    for c in range(n_c):
        parts = [
            f"{_POPULATION_WORDS.get(str(names[k]), str(names[k])).format(group=group)}, {counts[c, k]:,} "
            f"point{'s' if counts[c, k] != 1 else ''}"
            for k in np.flatnonzero(counts[c])
        ]
        out.append("; ".join(parts))
    return out


def _road_coverage(measure, counties, cidx, p_county, p_w, cred: pd.DataFrame, off_miles: np.ndarray):
    """Off-network population weight per county, and off-network credited locations among those in the
    scored counties (a national roster's offices elsewhere are no concern of this run) (``road_coverage.py``)."""
    from blueprint_desktop.engine.road_coverage import Coverage

    loc_leg = loc_limit = None
    if len(cred):
        where = cred.county_fips.map(cidx)
        inside = where.notna().to_numpy()
        sub = cred[inside]
        loc_leg = measure.snap_miles(sub.lat.to_numpy(float), sub.lon.to_numpy(float))
        loc_limit = off_miles[where[inside].to_numpy(dtype=np.int64)]
    return Coverage.measure(counties, off_miles, p_county, p_w, measure.p_leg_mi, loc_leg, loc_limit)


def _excluded_by_cell(
    inputs: ScoringInputs, rules: np.ndarray
) -> dict[tuple[str, str], list[dict[str, str]]]:
    """(line, county) -> contracted locations in that county whose credit an exclusion rule drops, with
    the reason (``exclusions.py``), so each cell says which providers it did not count and why."""
    from blueprint_desktop.engine.credited import contracted_mask
    from blueprint_desktop.engine.exclusions import reason_text

    locs = inputs.locations
    if locs.empty:
        return {}
    has_rule = np.array([r is not None for r in rules], dtype=bool)
    idx = np.flatnonzero(has_rule)
    sub = locs.iloc[idx]
    keep = contracted_mask(sub, inputs.today)
    sub, sub_rules = sub[keep], rules[idx][keep]
    exclusion = sub["exclusion"].tolist() if "exclusion" in sub else [None] * len(sub)
    texts: dict[tuple[str, str | None], str] = {}
    out: dict[tuple[str, str], list[dict[str, str]]] = {}
    for line, fips, npi, name, rule, excl in zip(
        sub.line_code.tolist(), sub.county_fips.tolist(), sub.npi.tolist(), sub.name.tolist(),
        sub_rules.tolist(), exclusion, strict=True,
    ):  # fmt: skip
        key = (rule, excl if rule == "excluded" else None)
        if key not in texts:
            texts[key] = reason_text(rule, key[1])
        out.setdefault((str(line), str(fips)), []).append(
            {"npi": str(npi), "name": str(name), "rule": str(rule), "reason": texts[key]}
        )
    return out


@dataclass
class _LineOutcome:
    """What one line's measuring gives, per county (arrays of the service area's length)."""

    share: np.ndarray
    total: np.ndarray
    count: np.ndarray
    p90_t: np.ndarray
    p90_d: np.ndarray
    share_a: np.ndarray | None  # without provisional providers (None: the line has none)
    count_a: np.ndarray | None
    slower: np.ndarray
    faster: np.ndarray
    score: np.ndarray
    breakdown: list[dict]
    off_share: np.ndarray | None  # road runs only


@dataclass
class _ReachCounts:
    """One line's reach, per county: the credited count (distinct NPIs, or beds), the same without
    provisionally credentialed providers, and what confidence rests on (the locations assessed and their
    units of each provider-based part, ``confidence.location_units``)."""

    count: np.ndarray
    count_active: np.ndarray
    assessed: np.ndarray
    unit_sums: dict[str, np.ndarray]


@dataclass
class _LineContext:
    measure: Any
    npi_code: np.ndarray
    t_max: np.ndarray
    d_max: np.ndarray
    p_county: np.ndarray
    p_w: np.ndarray
    n_c: int
    beds: bool
    provisional: np.ndarray  # per credited row
    loc_units: dict[str, np.ndarray]  # per credited row (confidence.location_units)
    phases: _Phases | None = None
    # Per point: the county asks for two distinct providers within the standard (LineStandard.providers_within);
    # None when no county of the line does (every MA line).
    two: np.ndarray | None = None

    def with_second(self, rows: np.ndarray, locs: LocSet, minutes: np.ndarray, miles: np.ndarray):
        """``minutes``/``miles`` with each point of a two-provider county measured to its second-nearest
        distinct provider instead of its nearest (a road run's off-network flags follow the same trips)."""
        if self.two is None:
            return minutes, miles
        nearest_off = getattr(self.measure, "off_network", None)
        m2, mi2, off2 = second_distinct(self.measure, locs, self.npi_code[rows], self.limit)
        if nearest_off is not None and off2 is not None:
            self.measure.off_network = np.where(self.two, off2, nearest_off)
        return np.where(self.two, m2, minutes), np.where(self.two, mi2, miles)

    @property
    def limit(self) -> float:
        """Search twice the widest time standard, so 90th percentiles beyond the standard are measured."""
        return 2.0 * float(np.nanmax(self.t_max))

    def nearest(self, locs: LocSet) -> tuple[np.ndarray, np.ndarray]:
        if hasattr(self.measure, "nearest_index"):
            return self.measure.nearest_index(locs)[:2]
        return self.measure.nearest(locs, limit=self.limit)

    def shares(self, minutes: np.ndarray, miles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pc = self.p_county
        within = (minutes <= self.t_max[pc] + EPS) & (miles <= self.d_max[pc] + EPS)
        return county_shares(pc, self.p_w, within, self.n_c)

    def measure_cells(self, rows: np.ndarray, sub: pd.DataFrame):
        """Nearest times/miles per point, shares, and the reach counts (``_ReachCounts``) for one line's
        locations; the last value is each point's nearest location (index into ``sub``; None when the
        measure does not give it)."""
        locs = LocSet(sub.lat.to_numpy(float), sub.lon.to_numpy(float))
        phases = self.phases or _Phases()
        if len(locs) and isinstance(self.measure, StraightMeasure):
            locs.near  # noqa: B018 - built here so the phase times below show the tree apart
        phases.mark("KD-trees")
        near_idx = None
        if hasattr(self.measure, "nearest_index"):
            minutes, miles, near_idx = self.measure.nearest_index(locs)
        else:
            minutes, miles = self.nearest(locs)
        minutes, miles = self.with_second(rows, locs, minutes, miles)
        phases.mark("nearest")
        share, total = self.shares(minutes, miles)
        reach = self.reach_counts(rows, sub, locs)
        return minutes, miles, share, total, reach, near_idx

    def reach_counts(self, rows: np.ndarray, sub: pd.DataFrame, locs: LocSet) -> _ReachCounts:
        """Sums over the (county, location) pairs within reach, without listing them where the measure
        can (``StraightMeasure.reach_sums``). Every column summed holds whole numbers, so the sums are
        exact whatever order or grouping the pairs come in."""
        phases = self.phases or _Phases()
        active = ~self.provisional[rows]
        npi = self.npi_code[rows]
        listed = None
        if self.beds:
            beds = sub.beds.to_numpy(float)
            counted = [beds, np.where(active, beds, 0.0)]
        else:
            # A location whose NPI recurs in this line is listed: its pairs are counted as distinct NPIs.
            # Every other location is one NPI, so its pairs are summed.
            seen = np.bincount(npi, minlength=1)
            listed = seen[npi] > 1 if len(npi) else np.zeros(0, bool)
            counted = [~listed, ~listed & active]
        units = [self.loc_units[k][rows] for k in conf.UNITS]
        columns = np.column_stack([np.ones(len(rows)), *counted, *units])
        if hasattr(self.measure, "reach_sums"):
            sums, (lc, ll) = self.measure.reach_sums(locs, self.t_max, self.d_max, columns, listed)
        else:
            rc, rl = self.measure.reach(locs, self.t_max, self.d_max)
            sums, (lc, ll) = sums_from_pairs(rc, rl, columns, self.n_c, listed)
        phases.mark("reach")
        count, count_active = sums[:, 1].copy(), sums[:, 2].copy()
        if listed is not None and len(lc):
            base = len(self.npi_code) + 1
            key = lc * base + npi[ll]
            count += np.bincount(np.unique(key) // base, minlength=self.n_c)
            count_active += np.bincount(np.unique(key[active[ll]]) // base, minlength=self.n_c)
        unit_sums = {k: sums[:, 3 + i] for i, k in enumerate(conf.UNITS)}
        phases.mark("counts")
        return _ReachCounts(count, count_active, sums[:, 0], unit_sums)


def _all_line_codes(standards: dict[str, Any], counties: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for f in counties:
        for code in standards[f].lines:
            seen.setdefault(code, None)
    return list(seen)


def gather_inputs(
    project,
    lines: Sequence[str] | None = None,
    counties: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> ScoringInputs:
    """Read everything a run needs from the project (service area, standards, points, locations)."""
    from blueprint_desktop.geo.points import population_points
    from blueprint_desktop.rules.standards import standards_for_county

    progress = progress or Progress()
    area = project.service_area()
    if counties:
        wanted = [str(c).strip().zfill(5) for c in counties]
        unknown = [c for c in wanted if c not in area]
        if unknown:
            raise BlueprintError(
                f"{project.path}: county {unknown[0]} is not in the service area ({', '.join(area) or 'empty'})"
            )
        area = wanted
    if not area:
        raise BlueprintError(f"{project.path}: the service area is empty; add counties before scoring")
    progress.update(0.0, "reading standards")
    standards = {f: standards_for_county(project, f) for f in area}
    if lines:
        known = _all_line_codes(standards, area)
        bad = [c for c in lines if c not in known]
        if bad:
            raise BlueprintError(f"--lines: {bad[0]!r} is not a scored line (known: {', '.join(known)})")
    progress.update(0.3, "reading population points")
    points = population_points(area, project)
    progress.update(0.6, "reading providers")
    locations = load_locations(project)
    if project.lob != "ma":
        from blueprint_desktop.engine.line_pooling import pool_locations

        # Lines whose providers also count for another (pediatricians for Medicaid primary care, ...):
        # rules/other_lines.POOLED_INTO.
        locations = pool_locations(locations, project.lob, {c for st in standards.values() for c in st.lines})
    from blueprint_desktop.engine.credits import served_counties, telehealth_basis

    return ScoringInputs(
        area,
        standards,
        points,
        locations,
        list(lines) if lines else None,
        telehealth_basis=telehealth_basis(project),
        served=served_counties(project),
        lob=project.lob,
    )


def score_project(
    project,
    method: str = "straight",
    lines: Sequence[str] | None = None,
    progress: Progress | None = None,
    counties: Sequence[str] | None = None,
    today: date | None = None,
) -> ScoreRun:
    """Score the project's service area (or ``counties``) and store the run; returns it."""
    from blueprint_desktop.engine import runs

    if method not in METHODS:
        raise BlueprintError(f"scoring method {method!r} is not one of {', '.join(METHODS)}")
    progress = progress or Progress()
    started = time.perf_counter()
    inputs = gather_inputs(project, lines, counties, progress.scaled(0.0, 0.15))
    inputs.today = today
    graph = None
    if method == "road":
        from blueprint_desktop.engine.roads import load_graph

        graph = load_graph(project)
    gathered = time.perf_counter()
    info: dict[str, Any] = {}
    results = compute_results(inputs, method, graph, progress.scaled(0.15, 0.95), info=info)
    computed = time.perf_counter()
    run = runs.store_run(project, method, inputs, results, graph, progress.scaled(0.95, 1.0))
    run.timings = {
        "gather_s": round(gathered - started, 3),
        "compute_s": round(computed - gathered, 3),
        "store_s": round(time.perf_counter() - computed, 3),
    }
    if "road_coverage" in info:
        run.coverage = dict(info["road_coverage"], summary=info["road_coverage_summary"])
        run.coverage["file"] = getattr(graph, "name", "")
        run.coverage["nodes"] = int(graph.n)
    return run
