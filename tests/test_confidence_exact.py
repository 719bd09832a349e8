"""Confidence parts are exact means (engine/confidence.py): whole units per location, summed as integers.

And the fixed words of a standard are made once per distinct standard (rollup.evaluate's cache), even
though each county carries its own standard objects."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import numpy as np
import pandas as pd

from blueprint_desktop.engine import confidence as conf
from blueprint_desktop.engine.nearest import sums_from_pairs
from blueprint_desktop.engine.rollup import CellStats, evaluate
from blueprint_desktop.rules.standards import standards_for_county

TODAY = date(2026, 12, 1)


def _locations(n: int, rng) -> pd.DataFrame:
    day = lambda k: (TODAY - timedelta(days=int(k))).isoformat()  # noqa: E731
    ages = rng.integers(-30, 500, n)
    return pd.DataFrame(
        {
            "batch_at": [None if k % 7 == 0 else day(a) for k, a in enumerate(ages)],
            "updated_at": [day(a + 3) for a in ages],
            "attested_date": [day(a) if a % 3 else None for a in rng.integers(0, 600, n)],
            "activity_last_date": [None] * n,
            "geocode_quality": rng.choice(list(conf.GEOCODE_TENTHS) + ["garbage", None], n),
            "panel_status": rng.choice(list(conf.PANEL_HALVES) + [None], n),
        }
    )


def test_units_are_whole_and_match_the_documented_fractions():
    locs = _locations(2000, np.random.default_rng(1))
    units = conf.location_units(locs, TODAY)
    for key, u in units.items():
        assert np.array_equal(u, np.round(u)), key
        assert u.min() >= 0 and u.max() <= conf.UNITS[key], key
    # Freshness: full marks up to 90 days, 0 from 365 (docs/rules.md section 11).
    stamp = locs.batch_at.where(locs.batch_at.notna(), locs.updated_at)
    age = np.array([(TODAY - date.fromisoformat(s[:10])).days for s in stamp])
    expected = np.clip((365 - age) / 275, 0.0, 1.0)
    assert np.allclose(units["freshness"] / 275, expected, rtol=0, atol=1e-15)
    geo = {"exact": 1.0, "interpolated": 0.9, "zip-centroid": 0.6, "county-centroid": 0.2, "none": 0.0}
    want = [geo.get(g, 0.0) if isinstance(g, str) else 0.0 for g in locs.geocode_quality]
    assert np.allclose(units["geocoding"] / 10, want, rtol=0, atol=1e-15)


def test_county_parts_are_exact_means_in_any_order_of_the_pairs():
    rng = np.random.default_rng(7)
    n_loc, n_c, n_pairs = 3000, 40, 60_000
    units = conf.location_units(_locations(n_loc, rng), TODAY)
    pc = np.sort(rng.integers(0, n_c - 1, n_pairs))  # the last county has no location: full marks
    pl = rng.integers(0, n_loc, n_pairs)
    rules = np.full(n_c, 0.75)

    def confidence(pc, pl):
        columns = np.column_stack([np.ones(n_loc), *(units[k] for k in conf.UNITS)])
        sums, _ = sums_from_pairs(pc, pl, columns, n_c)
        unit_sums = {k: sums[:, 1 + i] for i, k in enumerate(conf.UNITS)}
        return conf.confidence_from_sums(sums[:, 0], unit_sums, rules)

    score, parts = confidence(pc, pl)
    for _ in range(5):
        perm = rng.permutation(n_pairs)
        again, parts2 = confidence(pc[perm], pl[perm])
        assert np.array_equal(score, again) and parts == parts2
    for c in (0, 17, n_c - 2):
        here = pl[pc == c]
        for key in ("freshness", "geocoding"):
            exact = Fraction(int(units[key][here].sum()), len(here) * conf.UNITS[key])
            assert parts[c][key] == round(conf.WEIGHTS[key] * float(exact), 2)
        assert parts[c]["locations_assessed"] == len(here)
    assert parts[n_c - 1]["locations_assessed"] == 0 and "note" in parts[n_c - 1]


def test_standard_words_are_made_once_per_distinct_standard():
    """Each county's standards are objects of their own; equal ones share their words (keyed by id, a
    national run missed the cache 139,062 times)."""
    a = standards_for_county(None, "48201").lines["S03"]
    b = standards_for_county(None, "48201").lines["S03"]
    assert a is not b and a == b
    stats = CellStats(95.0, 10.0, 5.0, 3, total_weight=1.0)
    cache: dict = {}
    one = evaluate("48201", a, stats, False, True, cache)
    two = evaluate("48201", b, stats, False, True, cache)
    assert len(cache) == 1
    assert one == two
