"""Per-point detail behind one county x line result, for charts and the recruitment list.

A stored run keeps per-cell numbers (share, 90th percentiles, counts), not per-point ones. The
distribution of time (and distance) from each population point to its nearest credited location is
recomputed here for one cell, exactly as the run measures it (``scoring.StraightMeasure`` or the road
graph), which costs one county's points and one line's locations: milliseconds on the demo.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from blueprint_desktop.progress import Progress


@dataclass
class NearestDistribution:
    """Nearest credited location of one line for every population point of one county."""

    county_fips: str
    line_code: str
    method: str
    minutes: np.ndarray  # per point; inf when no credited location within the search limit
    miles: np.ndarray
    weights: np.ndarray  # the people (census group or enrollees) each point stands for
    max_minutes: float
    max_miles: float
    estimated_time: bool
    # What-if: the same points measured with ``assumed`` providers signed (None: no what-if asked).
    after_minutes: np.ndarray | None = None
    after_miles: np.ndarray | None = None
    assumed: tuple[int, ...] = ()
    population: str = (
        "65+ population"  # whom the weights count, for labels ("under-65 population", "enrollees")
    )
    # 2: the standard asks for two distinct providers, and minutes/miles are to each point's second-nearest
    # distinct provider (engine/second_provider.py), as the run measured them.
    providers_within: int = 1
    # False where the standard has no credits (Medicaid and QHP rule sets): the share is then the final one.
    credits_apply: bool = True

    @property
    def has_whatif(self) -> bool:
        return self.after_minutes is not None

    def share_within(self, after: bool = False) -> float:
        """Weighted share of points within both limits, in percent (before any telehealth credit);
        ``after``: with the what-if's providers signed."""
        total = self.weights.sum()
        if total <= 0:
            return 0.0
        minutes, miles = (
            (self.after_minutes, self.after_miles)
            if after and self.has_whatif
            else (self.minutes, self.miles)
        )
        ok = (minutes <= self.max_minutes + 1e-9) & (miles <= self.max_miles + 1e-9)
        return float(self.weights[ok].sum() / total * 100.0)


def nearest_distribution(
    project,
    county_fips: str,
    line_code: str,
    method: str = "straight",
    progress: Progress | None = None,
    today: date | None = None,
    assumed: Iterable[int] = (),
) -> NearestDistribution:
    """Time and distance from each of the county's points to the nearest credited location of the line;
    with ``assumed`` provider ids, also with them signed (the what-if), measured the same way."""
    from blueprint_desktop.engine.scoring import (
        LocSet,
        StraightMeasure,
        credited_locations,
        gather_inputs,
        second_distinct,
    )

    progress = progress or Progress()
    inputs = gather_inputs(project, [line_code], [county_fips], progress.scaled(0.0, 0.7))
    inputs.today = today
    std_c = inputs.standards[county_fips]
    std = std_c.lines[line_code]
    pts = inputs.points[(inputs.points.county_fips == county_fips) & (inputs.points.weight > 0)]
    lat, lon = pts.lat.to_numpy(float), pts.lon.to_numpy(float)
    county_idx = np.zeros(len(pts), dtype=np.int64)

    within = int(getattr(std, "providers_within", 1) or 1)

    def line_locs(inp) -> tuple[LocSet, np.ndarray]:
        cred = credited_locations(inp)
        cred = cred[cred.line_code == line_code] if len(cred) else cred
        if not len(cred):
            return LocSet(np.zeros(0), np.zeros(0)), np.zeros(0, dtype=object)
        return LocSet(cred.lat.to_numpy(float), cred.lon.to_numpy(float)), cred.npi.to_numpy()

    def measured(locs_npi: tuple[LocSet, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        locs, npi = locs_npi
        # Same search limit as a run: twice the time standard, so points beyond it are still measured.
        limit = 2.0 * float(std.max_minutes)
        if within == 2:
            minutes, miles, _ = second_distinct(measure, locs, pd.factorize(npi)[0], limit)
            return minutes, miles
        return measure.nearest(locs, limit=limit)

    locs = line_locs(inputs)
    assumed_ids = tuple(sorted({int(i) for i in assumed}))
    progress.update(0.8, "measuring")
    if method == "road":
        from blueprint_desktop.engine.road_coverage import off_network_miles
        from blueprint_desktop.engine.roads import RoadMeasure, load_graph

        # The same leg costing as a road run: straight-line model of the county type past the network.
        measure = RoadMeasure(
            load_graph(project),
            county_idx,
            lat,
            lon,
            1,
            designations=[std_c.designation],
            off_network_miles=off_network_miles([std_c]),
        )
    else:
        method = "straight"
        measure = StraightMeasure(county_idx, lat, lon, [std_c.designation])
    minutes, miles = measured(locs)
    after_minutes = after_miles = None
    if assumed_ids:
        after_minutes, after_miles = measured(
            line_locs(replace(inputs, extra_credited=frozenset(assumed_ids)))
        )
        after_minutes, after_miles = np.asarray(after_minutes, float), np.asarray(after_miles, float)
    progress.update(1.0, "measured", force=True)
    return NearestDistribution(
        county_fips,
        line_code,
        method,
        np.asarray(minutes, float),
        np.asarray(miles, float),
        pts.weight.to_numpy(float),
        float(std.max_minutes),
        float(std.max_miles),
        bool(measure.estimated_time),
        after_minutes,
        after_miles,
        assumed_ids,
        _population_words(pts, inputs.lob),
        within,
        std.credit_points > 0,
    )


def _population_words(pts, lob: str) -> str:
    """Whom the county's points count: its enrollees, a loaded file, or the census group of the line of
    business (geo/population_group.py)."""
    from blueprint_desktop.geo.population_group import group_for

    sources = set(pts.source) if "source" in pts.columns else set()
    if sources == {"enrollees"}:
        return "enrollees"
    if sources == {"population-file"}:
        return "loaded population"
    return group_for(lob).short


def candidate_distances(project, county_fips: str, provider_ids: Iterable[int]) -> dict[int, float]:
    """Straight-line miles from the county's interior point to each provider's nearest practice location.

    The recruitment table shows ``Candidate.miles_to_gap`` instead (from the people a candidate would
    serve); this is the coarser "how far from the county" measure. The county's interior point is the Census internal point (``geo.counties``), which lies inside the
    county even for odd shapes; 0 would mean the office is at that point.
    """
    from blueprint_desktop.geo.counties import county_row
    from blueprint_desktop.geo.distance import haversine_miles

    ids = [int(i) for i in provider_ids]
    if not ids:
        return {}
    row = county_row(county_fips)
    out: dict[int, float] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = project.conn.execute(
            "SELECT provider_id, latitude, longitude FROM locations WHERE latitude IS NOT NULL"
            f" AND longitude IS NOT NULL AND provider_id IN ({','.join('?' * len(chunk))})",
            chunk,
        ).fetchall()
        if not rows:
            continue
        pid = np.array([r[0] for r in rows])
        miles = haversine_miles(
            float(row.lat),
            float(row.lon),
            np.array([r[1] for r in rows], float),
            np.array([r[2] for r in rows], float),
        )
        for p, m in zip(pid.tolist(), np.atleast_1d(miles).tolist(), strict=True):
            out[p] = min(out.get(p, np.inf), float(m))
    return {p: round(m, 1) for p, m in out.items()}
