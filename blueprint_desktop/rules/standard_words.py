"""A standard's limits in words, wherever they are shown: "30 min and 30 mi", or "8 mi (no time limit)".

Most standards set a maximum time and a maximum distance (42 CFR 422.116(b); the states' tables). A few
set a distance only: Georgia Families Figure 1, "Two (2) within eight (8) miles" for PCPs. Such a standard
carries ``max_minutes = inf`` in the engine (every time is within it) and ``None`` with ``no_time_limit`` in
a stored result's detail (JSON has no infinity).
"""

from __future__ import annotations

import math
from typing import Any


def _fmt(x: float) -> str:
    x = float(x)
    return str(int(x)) if x == int(x) else f"{x:.1f}"


def has_time_limit(max_minutes: float | None) -> bool:
    return max_minutes is not None and math.isfinite(float(max_minutes))


def limits_text(max_minutes: float | None, max_miles: float, joiner: str = " and ") -> str:
    """'30 min and 30 mi', or '8 mi (no time limit)'."""
    if not has_time_limit(max_minutes):
        return f"{_fmt(max_miles)} mi (no time limit)"
    return f"{_fmt(max_minutes)} min{joiner}{_fmt(max_miles)} mi"


def minutes_text(max_minutes: float | None) -> str:
    """'30 min', or 'no time limit'."""
    return f"{_fmt(max_minutes)} min" if has_time_limit(max_minutes) else "no time limit"


def detail_minutes_text(detail: dict[str, Any]) -> str:
    """A stored result's time standard in words: 'no time limit' where it has none, '?' where unknown."""
    if detail.get("no_time_limit"):
        return "no time limit"
    value = detail.get("max_minutes")
    return "?" if value is None else minutes_text(value)


def people(lob: str | None) -> str:
    """Whom a share within standard is of, in the rules' own word: MA's "beneficiaries" (42 CFR 422.116(d));
    Medicaid's and QHPs' "enrollees" (42 CFR 438.68, 45 CFR 156.230), whichever population stands in for them."""
    return "beneficiaries" if (lob or "ma").lower() == "ma" else "enrollees"
