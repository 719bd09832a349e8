"""The no-road estimate: drive time from straight-line distance, by county designation.

Without an imported road network we cannot measure drive time, so we estimate it as

    minutes = straight_miles x circuity / speed_mph x 60

and mark every such result ``estimated_time`` (confidence then loses part of its rule-completeness
score, see ``confidence.py``). The model is deliberately simple and written down here:

- **circuity** (road miles per straight-line mile): about 1.2-1.4 across US regions, higher in dense
  street grids with barriers, lower on rural highways (Boscoe, Henry & Zdeb 2012, "A nationwide
  comparison of driving distance versus straight-line distance to hospitals", Professional Geographer
  64(2):188-196 [R: recalled, not re-read here]).
- **speed_mph**: a typical door-to-door average for the county type: city streets with signals in
  large metros, arterials and highways further out. These are our own planning values, chosen between
  urban arterial and rural highway operating speeds; they are not a CMS number.

Because time is a monotone function of distance within one county, the nearest location by distance is
also the nearest by estimated time, so a single nearest-neighbour query serves both.
"""

from __future__ import annotations

import numpy as np

# designation -> (circuity, speed_mph). Ours; see the module doc for where the values come from.
SPEED_MODEL: dict[str, tuple[float, float]] = {
    "Large Metro": (1.3, 30.0),
    "Metro": (1.3, 35.0),
    "Micro": (1.25, 45.0),
    "Rural": (1.2, 50.0),
    "CEAC": (1.2, 55.0),
}
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
