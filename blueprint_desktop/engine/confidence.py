"""Confidence in a county x line result: 0-100 from five weighted parts, with a stored breakdown.

Weights are the product seed's (section 5): data freshness 30, provider verification 25, geocoding
quality 20, HSD rule completeness 15, panel status 10. Each part is a fraction 0..1 of its weight,
computed from what the project holds about the credited locations that the result rests on (those
within reach of the county's population for that line):

- **freshness**: age of each location's data (its import batch date, else the provider's ``updated_at``):
  full marks up to 90 days, falling linearly to 0 at 365 days (a roster refreshed quarterly stays fresh;
  CMS expects directories verified at least every 90 days, 42 CFR 422.111(b)(3)(i) [R]).
- **verification**: the provider attested (``attested_date``) or billed (``activity_last_date``) within
  180 days: 1; within 365 days: 0.5; otherwise 0.
- **geocoding**: per location, exact 1, interpolated 0.9, ZIP centroid 0.6, county centroid 0.2, none 0
  (a ZIP centroid can misplace an office by a few miles, a county centroid by tens).
- **rules** (what the result rests on), three equal thirds: the standards (CMS criteria: 1; designation
  computed and minimums estimated: 0.5); the time measure (road network: 1; estimated from distance: 0.5;
  on a road run the road time counts as measured only for the on-network share of the cell's population
  weight: ``1 - 0.5 x off_network_share``, ``road_coverage.py``); and the population resolution, 1 minus
  the largest share of the county's weight one population point carries (``population_resolution``: a
  county resting on one point scores 0 here).
- **panel**: panel status open 1, closed 0.5 (known, but the provider takes no new patients), unknown 0.

When no credited location is within reach the result rests on no provider data (the county fails on
its own population), so the provider-based parts score in full and the breakdown says so.

Bands: High >= 80, Medium 55-79, Low < 55.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

WEIGHTS = {"freshness": 30.0, "verification": 25.0, "geocoding": 20.0, "rules": 15.0, "panel": 10.0}
FRESH_FULL_DAYS, FRESH_ZERO_DAYS = 90, 365
VERIFIED_DAYS, HALF_VERIFIED_DAYS = 180, 365
# Each provider-based part is a whole number of units per location over a fixed denominator (freshness in
# days of the 275-day slope, geocoding in tenths, verification and panel in halves), so a county's sum is
# an exact integer whatever order its locations come in, and its mean is rounded once.
GEOCODE_TENTHS = {"exact": 10, "interpolated": 9, "zip-centroid": 6, "county-centroid": 2, "none": 0}
PANEL_HALVES = {"open": 2, "closed": 1, "unknown": 0}
UNITS = {"freshness": FRESH_ZERO_DAYS - FRESH_FULL_DAYS, "verification": 2, "geocoding": 10, "panel": 2}
NO_LOCATION_NOTE = "no credited location within reach: provider-based parts not applicable (full marks)"


def band(score: float) -> str:
    return "High" if score >= 80 else ("Medium" if score >= 55 else "Low")


def _age_days(values: pd.Series, today: date) -> np.ndarray:
    """Age in days of each date (NaN where unknown). A roster repeats a few dates over a million rows, so
    each distinct value is parsed once (parsing every row cost ~0.3 s per column nationally)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    text = pd.Series(uniques, dtype=object).astype(str).str.slice(0, 10)
    dates = pd.to_datetime(text, errors="coerce", format="%Y-%m-%d")
    age = np.append((pd.Timestamp(today) - dates).dt.days.to_numpy(dtype=float), np.nan)
    return age[codes]  # the sentinel -1 reads the appended NaN


def _score_of(values: pd.Series, scores: dict[str, float]) -> np.ndarray:
    """``scores`` of each value (0 for anything else), looked up once per distinct value (a Series.map
    over a million rows cost ~1 s)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    table = np.array(
        [scores.get(u, 0.0) if isinstance(u, str) else 0.0 for u in uniques] + [0.0], dtype=float
    )
    return table[codes]


def location_units(locs: pd.DataFrame, today: date | None = None) -> dict[str, np.ndarray]:
    """Per-location scores of the four provider-based parts in whole units of ``UNITS`` (float arrays
    holding integers: sums of them stay exact far beyond any roster's size)."""
    today = today or date.today()
    n = len(locs)
    if n == 0:
        return {k: np.zeros(0) for k in UNITS}
    stamp = locs.batch_at.where(locs.batch_at.notna(), locs.updated_at)
    age = _age_days(stamp, today)  # whole days
    fresh = np.clip(FRESH_ZERO_DAYS - age, 0.0, UNITS["freshness"])
    fresh = np.where(np.isnan(age), 0.0, fresh)
    att = _age_days(locs.attested_date, today)
    act = _age_days(locs.activity_last_date, today)
    recent = np.fmin(att, act)  # fmin ignores NaN when the other is known
    verified = np.where(recent <= VERIFIED_DAYS, 2.0, np.where(recent <= HALF_VERIFIED_DAYS, 1.0, 0.0))
    verified = np.where(np.isnan(recent), 0.0, verified)
    geo = _score_of(locs.geocode_quality, GEOCODE_TENTHS)
    panel = _score_of(locs.panel_status, PANEL_HALVES)
    return {"freshness": fresh, "verification": verified, "geocoding": geo, "panel": panel}


def rules_fraction(
    standards_estimated, time_estimated: bool, off_network_share=0.0, population_resolution=None
):
    """The "rules" part as a fraction (scalars, or arrays per county for ``standards_estimated``,
    ``off_network_share`` and ``population_resolution``): the standards, the time measure (the road time
    counting fully only for the on-network share) and, when given, the population resolution, in equal
    shares (half and half without it)."""
    standards = np.where(np.asarray(standards_estimated, dtype=bool), 0.5, 1.0)
    time_part = 0.5 if time_estimated else 1.0 - 0.5 * np.clip(np.asarray(off_network_share, float), 0.0, 1.0)
    if population_resolution is None:
        out = 0.5 * standards + 0.5 * time_part
    else:
        out = (standards + time_part + np.clip(np.asarray(population_resolution, float), 0.0, 1.0)) / 3.0
    return float(out) if np.ndim(out) == 0 else out


def population_resolution(county_idx, weights, n_counties: int) -> np.ndarray:
    """Per county, 1 minus the largest share of its weight that one population point carries: 0 for a
    county resting on a single point, near 1 when its people are spread over many (a result then does not
    hinge on where one point is placed). Counties with no weight score 0."""
    county_idx = np.asarray(county_idx, dtype=np.int64)
    weights = np.asarray(weights, dtype=float)
    total = np.bincount(county_idx, weights=weights, minlength=n_counties)
    heaviest = np.zeros(n_counties)
    np.maximum.at(heaviest, county_idx, weights)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, heaviest / np.where(total > 0, total, 1.0), 1.0)
    return 1.0 - share


def confidence_from_sums(
    counts: np.ndarray, unit_sums: dict[str, np.ndarray], rules_by_county: np.ndarray
) -> tuple[np.ndarray, list[dict]]:
    """Scores (0-100) and breakdowns per county for one line, from sums over the (county, location)
    pairs within reach: the locations assessed and, per provider-based part, the sum of their units
    (``location_units``). A part's mean is its exact sum of units over count x unit, so it does not
    depend on the order or grouping of the pairs."""
    counts = np.asarray(counts, dtype=float)
    parts: dict[str, np.ndarray] = {}
    for key in UNITS:
        sums = unit_sums[key]
        parts[key] = np.where(counts > 0, sums / np.where(counts > 0, counts * UNITS[key], 1), 1.0)
    parts["rules"] = np.asarray(rules_by_county, dtype=float)
    total = sum(WEIGHTS[k] * parts[k] for k in WEIGHTS)
    # Column-wise: one multiply per part in numpy (the same IEEE product as per element), then Python's
    # round per value; building 139,000 dicts element by element cost ~1 s nationally.
    rounded = {k: [round(x, 2) for x in (WEIGHTS[k] * parts[k]).tolist()] for k in WEIGHTS}
    keys = list(WEIGHTS)
    columns = [rounded[k] for k in keys]
    breakdowns = []
    for c, n in enumerate(counts.astype(np.int64).tolist()):
        b = dict(zip(keys, [col[c] for col in columns], strict=True))
        b["locations_assessed"] = n
        if n == 0:
            b["note"] = NO_LOCATION_NOTE
        breakdowns.append(b)
    return np.round(total, 1), breakdowns
