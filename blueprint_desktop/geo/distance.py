"""Great-circle distance, vectorised.

Miles on a sphere of the mean Earth radius (IUGG, 3958.7613 mi). CMS's HSD tools measure straight-line
distance the same way; the error against the ellipsoid (< 0.5 %) is far below any standard's margin.
"""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_MILES = 3958.7613


def haversine_miles(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle miles between points (scalars or arrays that broadcast)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def to_unit_vectors(lat, lon) -> np.ndarray:
    """(n, 3) unit vectors on the sphere; Euclidean nearest neighbours there are great-circle nearest."""
    phi, lmb = np.radians(np.asarray(lat, dtype=float)), np.radians(np.asarray(lon, dtype=float))
    cos_phi = np.cos(phi)
    return np.column_stack([cos_phi * np.cos(lmb), cos_phi * np.sin(lmb), np.sin(phi)])


def chord_to_miles(chord) -> np.ndarray:
    """Convert a unit-sphere chord length into great-circle miles."""
    return 2 * EARTH_RADIUS_MILES * np.arcsin(np.clip(np.asarray(chord) / 2, 0.0, 1.0))


def miles_to_chord(miles) -> np.ndarray:
    """The unit-sphere chord length of a great-circle distance (for KD-tree radius queries)."""
    return 2 * np.sin(np.asarray(miles) / (2 * EARTH_RADIUS_MILES))
