"""The no-road estimate: drive time from straight-line distance, by county designation.

Without an imported road network we cannot measure drive time, so we estimate it as

    minutes = straight_miles x circuity / speed_mph x 60

and mark every such result ``estimated_time`` (confidence then loses part of its rule-completeness
score, see ``confidence.py``). The model is deliberately simple and written down here:

- **circuity** (road miles per straight-line mile) and **speed_mph** (average along the road) of
  **Large Metro** are *measured*: 4,242 random street-node pairs 0.5-15 straight miles apart on three
  real OpenStreetMap extracts of Large Metro counties (Columbus OH, central Portland OR, Cobb County GA),
  timed on the app's own road model (``roads.read_osm``: OSRM free-flow speeds) along the fastest route,
  each distance band weighted equally (``bench/calibrate_straight_line.py``,
  ``docs/straight-line-model.md``). Circuity 1.39 (p10-p90 of pairs 1.18-1.88); the estimate runs at
  23.3 straight-line mph (p10-p90 of pairs 13.4-33.3), within 1% of the planning values it replaces.
  Against road minutes on the same pairs the estimate is off by a median 23% and a p90 53%, with no
  median bias overall, but too fast under 2 miles and too slow beyond 4 (the model is proportional;
  real trips have a start-up cost and reach faster roads as they get longer).
- **Metro, Micro, Rural, CEAC** are *not measured*: no extract of such a county was available. They keep
  our planning values, chosen between urban arterial and rural highway operating speeds, with circuity
  about 1.2-1.4 across US regions, lower on rural highways (Boscoe, Henry & Zdeb 2012, "A nationwide
  comparison of driving distance versus straight-line distance to hospitals", Professional Geographer
  64(2):188-196 [R: recalled, not re-read here]). None of these values is a CMS number.

Because time is a monotone function of distance within one county, the nearest location by distance is
also the nearest by estimated time, so a single nearest-neighbour query serves both.
"""

from __future__ import annotations

import numpy as np

# designation -> (circuity, speed_mph). Ours; see the module doc and docs/straight-line-model.md.
SPEED_MODEL: dict[str, tuple[float, float]] = {
    # Measured (bench/calibrate_straight_line.py, seed 20261201, 4,242 pairs on 3 Large Metro extracts):
    # circuity 1.388 (90% bootstrap 1.379-1.399; pairs p10-p90 1.18-1.88), straight-line mph 23.3
    # (23.1-23.5; pairs p10-p90 13.4-33.3). Error against road minutes: median 23%, p90 53%, bias +0%
    # (planning values 1.3 / 30 mph: 23%, 54%, +1%). See docs/straight-line-model.md.
    "Large Metro": (1.4, 32.5),
    # Not measured (no Metro, Micro, Rural or CEAC extract): planning values, unchanged.
    "Metro": (1.3, 35.0),
    "Micro": (1.25, 45.0),
    "Rural": (1.2, 50.0),
    "CEAC": (1.2, 55.0),
}
# The rows calibrated on real road extracts; the rest are planning values.
MEASURED = frozenset({"Large Metro"})
DEFAULT_DESIGNATION = "Metro"


def _model(designation: str) -> tuple[float, float]:
    return SPEED_MODEL.get(designation, SPEED_MODEL[DEFAULT_DESIGNATION])


def straight_miles_per_minute(designation: str) -> float:
    """Straight-line miles covered per estimated minute of driving in this county type."""
    circuity, speed = _model(designation)
    return speed / (circuity * 60.0)


def estimated_minutes(miles, designation: str) -> np.ndarray:
    """Estimated drive minutes for straight-line ``miles`` in a county of this designation."""
    return np.asarray(miles, dtype=float) / straight_miles_per_minute(designation)


def reach_miles(max_minutes: float, max_miles: float, designation: str) -> float:
    """The straight-line radius within which both the time and the distance standard hold."""
    return min(float(max_miles), float(max_minutes) * straight_miles_per_minute(designation))
