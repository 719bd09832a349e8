"""County x line rollup: share within standard, 90th percentiles, credited count, status and reasons.

Rules (sources in brackets):

- **Access** for a population point means its nearest credited location is within the maximum time
  **and** the maximum distance [regulation.md rule 2; HSD26 "Maximum Time / Maximum Distance" pairs].
- **Share** = weight of points with access / total weight, in percent [42 CFR 422.116(d)(4)].
- **Credits** (``credits.py``): the telehealth credit where the line is eligible and the plan has a
  contracted telehealth provider for this county (or plan-wide, by the project's basis), and the
  Certificate of Need credit where CMS's CON tab lists the county x type with T/D customised "N". Either
  adds ``credit_points`` (10) to the share, capped at 100 [42 CFR 422.116(d): (d)(5) for telehealth; CMS MA
  Network Adequacy Guidance "Certificate of Need Credit"]; at most one credit per cell (no stacking;
  docs/rules.md).
- **90th percentile** time and distance are population-weighted: the smallest value v such that the
  points with a value <= v carry at least 90% of the county's weight.
- **Credited count** = distinct NPIs with a credited location within the county's time and distance of at
  least one of the county's points, wherever the location sits [42 CFR 422.116(a)(2)(i)]; for hospitals
  (040) the beds of those locations [HSD26 Notes, 040].
- **Near the line** (``near_the_line``, ours): a cell whose share test would flip with travel 15% slower or
  faster, or whose margin is smaller than the weight of its heaviest population point, says so; its status
  is unchanged.
- **Status** (our written rule):
  * *Failing*: share (with any credit) below the required share, or count below the minimum.
  * *At Risk*: not failing, but the buffer is thin: share less than 3 points above the requirement, or
    the count exactly at the minimum, or the cell passes only because of providers whose credentialing
    is provisional (without them it would fail).
  * *Pass*: otherwise.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from blueprint_desktop.rules.standard_words import has_time_limit, limits_text

AT_RISK_SHARE_POINTS = 3.0
PERCENTILE = 0.90
EPS = 1e-9


@dataclass
class CountyLineResult:
    county_fips: str
    line_code: str
    line_name: str
    status: str
    pct_within: float
    required_pct: float
    p90_minutes: float | None
    p90_miles: float | None
    credited_count: int
    min_count: int
    confidence: float | None
    confidence_band: str | None
    estimated_time: bool
    reasons: list[str]
    confidence_parts: dict[str, Any] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CellStats:
    """Raw numbers of one county x line before the status rule is applied."""

    pct_measured: float
    p90_minutes: float
    p90_miles: float
    count: float  # distinct NPIs, or beds for 040
    pct_active_only: float | None = None  # share without provisional credentialing (None: no provisional)
    count_active_only: float | None = None
    total_weight: float = 0.0
    # Plausible error (``near_the_line``): the share if travel were 15% slower / faster, and the largest
    # share of the county's weight that one population point carries. None: not measured.
    pct_slower: float | None = None
    pct_faster: float | None = None
    max_point_pct: float | None = None


def _none_if_inf(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 2)


def county_shares(county_idx, weights, within, n_counties: int) -> tuple[np.ndarray, np.ndarray]:
    """(share in percent, total weight) per county."""
    total = np.bincount(county_idx, weights=weights, minlength=n_counties)
    ok = np.bincount(county_idx, weights=weights * within, minlength=n_counties)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, ok / np.where(total > 0, total, 1) * 100.0, 0.0)
    return share, total


def weighted_percentile(county_idx, weights, values, n_counties: int, q: float = PERCENTILE) -> np.ndarray:
    """Population-weighted q-quantile of ``values`` per county (NaN for a county with no points).

    The smallest value v whose points (value <= v) carry at least q of the county's weight. One sort for
    all counties: order by (county, value), cumulative weights, one searchsorted.
    """
    return weighted_percentiles(county_idx, weights, values, n_counties, q=q)[0]


def weighted_percentiles(
    county_idx, weights, values, n_counties: int, also: tuple = (), q: float = PERCENTILE
) -> list[np.ndarray]:
    """``weighted_percentile`` of ``values`` and of each array in ``also``, from one sort by ``values``.

    Only for arrays in the same order as ``values`` within each county (straight-line minutes are miles
    divided by the county's speed): the quantile is the value at a cumulative-weight position, so the
    position found for ``values`` is the position for them too (ties in ``values`` are ties there)."""
    county_idx = np.asarray(county_idx)
    arrays = [np.asarray(values, dtype=float)] + [np.asarray(a, dtype=float) for a in also]
    outs = [np.full(n_counties, np.nan) for _ in arrays]
    if len(county_idx) == 0:
        return outs
    order = _county_value_order(county_idx, arrays[0], n_counties)
    w = np.asarray(weights, dtype=float)[order]
    cum = np.cumsum(w)
    total = np.bincount(county_idx, weights=weights, minlength=n_counties)
    ends = np.cumsum(total)
    starts = ends - total
    present = np.flatnonzero(np.bincount(county_idx, minlength=n_counties) > 0)
    target = starts[present] + q * total[present]
    # Relative tolerance so 0.9 x total computed in floating point still lands on the intended point.
    pos = np.searchsorted(cum, target * (1 - 1e-12) - 1e-12, side="left")
    at = order[np.minimum(pos, len(cum) - 1)]
    for out, arr in zip(outs, arrays, strict=True):
        out[present] = arr[at]
    return outs


def _county_value_order(county_idx: np.ndarray, values: np.ndarray, n_counties: int) -> np.ndarray:
    """Indices ordered by (county, value), as ``np.lexsort((values, county_idx))`` orders them, with one
    argsort of a combined key (about 3x faster on national runs: 10 ms against 28 ms for 165,000 points).

    The key is ``county x span + value`` with infinite values placed after every finite one; ``span`` is
    twice the largest finite value, so counties never overlap. Equal keys may come out in another order
    than lexsort's, but the percentile is a value at a cumulative-weight position, which ties cannot
    change. When the key would lose precision (more than 2^40 of key range) lexsort is used."""
    finite = np.isfinite(values)
    top = float(values[finite].max()) if finite.any() else 0.0
    if not finite.all() and top < 0:
        top = 0.0
    span = 2.0 * max(top, 1.0) + 2.0
    negative = (finite.any() and float(values[finite].min()) < 0) or bool(np.isneginf(values).any())
    if n_counties * span > 2.0**40 or negative:
        return np.lexsort((values, county_idx))
    # +inf after every finite value, NaN after +inf (lexsort's order).
    key = np.where(finite, values, np.where(np.isnan(values), span - 0.5, span - 1.0)) + county_idx * span
    return np.argsort(key, kind="stable")


@dataclass
class _StandardText:
    """What ``evaluate`` reads from one standard, and its fixed words, computed once per standard."""

    required: float
    minimum: int
    beds: bool
    unit: str
    telehealth: bool
    con: bool
    con_customized: bool
    credit_points: float
    where: str
    required_text: str
    minimum_text: str
    code: str
    name: str
    max_minutes: float
    max_miles: float
    source: Any
    of_what: str = "a credited location"  # whom the share counts: one provider, or two distinct ones
    providers_within: int = 1
    # Whom the share is of, in the regulation's word: MA's "beneficiaries" (42 CFR 422.116(d)); a Medicaid or
    # QHP rule set's "enrollees" (42 CFR 438.68, 45 CFR 156.230), whatever population stands in for them.
    people: str = "beneficiaries"

    @classmethod
    def of(cls, standard) -> _StandardText:
        beds = bool(getattr(standard, "counts_beds", False))
        required = float(standard.required_pct)
        minimum = int(standard.min_count or 0)
        within = int(getattr(standard, "providers_within", 1) or 1)
        return cls(
            required=required,
            minimum=minimum,
            beds=beds,
            unit="beds" if beds else ("facilities" if standard.kind == "facility" else "providers"),
            telehealth=bool(standard.telehealth_credit),
            con=bool(getattr(standard, "con_credit", False)),
            con_customized=bool(getattr(standard, "con_customized", False)),
            credit_points=float(standard.credit_points),
            where=limits_text(standard.max_minutes, standard.max_miles),
            required_text=_fmt(required),
            minimum_text=str(minimum),
            code=standard.code,
            name=standard.name,
            max_minutes=standard.max_minutes,
            max_miles=standard.max_miles,
            source=getattr(standard, "source", None),
            of_what="two distinct credited providers" if within == 2 else "a credited location",
            providers_within=within,
            people="enrollees" if getattr(standard, "source", None) == "ruleset" else "beneficiaries",
        )


def evaluate(
    county_fips: str,
    standard,
    stats: CellStats,
    telehealth_available: bool,
    estimated_time: bool,
    cache: dict[Any, _StandardText] | None = None,
) -> CountyLineResult:
    """Apply the status rule to one cell and explain it in plain words.

    ``cache`` (a dict the caller keeps for one run) holds each standard's fixed words, keyed by the
    standard's value: a national run evaluates 139,000 cells, each county with its own standard objects,
    against a few hundred distinct standards (keyed by ``id`` the cache never hit: 139,062 misses)."""
    st = key = None
    if cache is not None:
        try:
            key = standard  # a frozen dataclass: equal values, equal words
            st = cache.get(key)
        except TypeError:  # an unhashable standard: by id, while the caller keeps it alive
            key = ("id", id(standard))
            st = cache.get(key)
    if st is None:
        st = _StandardText.of(standard)
        if cache is not None:
            cache[key] = st
    required, minimum, unit = st.required, st.minimum, st.unit
    tele = st.telehealth and bool(telehealth_available)
    con = st.con
    credit = st.credit_points if (tele or con) else 0.0
    pct_measured = stats.pct_measured
    share = min(100.0, pct_measured + credit)
    reasons: list[str] = []
    where = st.where

    if stats.total_weight <= 0:
        reasons.append("No population points in this county, so access cannot be measured.")
    share_ok = share + EPS >= required
    count_ok = stats.count + EPS >= minimum
    if tele and con:
        reasons.append(
            f"Telehealth and Certificate of Need credits both apply; one credit of {_fmt(credit)} points is "
            f"added, they do not stack (measured share {pct_measured:.1f}%; 42 CFR 422.116(d))."
        )
    elif tele:
        reasons.append(
            f"Telehealth credit of {_fmt(credit)} points applied (measured share {pct_measured:.1f}%; "
            "42 CFR 422.116(d)(5))."
        )
    elif con:
        reasons.append(
            f"Certificate of Need credit of {_fmt(credit)} points applied: CMS lists this county and type on "
            f"the HSD Reference File's Certificate of Need tab (measured share {pct_measured:.1f}%; "
            "42 CFR 422.116(d); CMS MA Network Adequacy Guidance, Certificate of Need Credit)."
        )
    elif st.con_customized:
        reasons.append(
            "On CMS's Certificate of Need tab with customised time and distance: no CON credit (CMS already "
            "relaxed this county's standard)."
        )
    if not share_ok:
        reasons.append(
            f"Only {share:.1f}% of {st.people} live within {where} of {st.of_what}; "
            f"{st.required_text}% required."
        )
    if not count_ok:
        reasons.append(f"{_fmt(stats.count)} credited {unit} within reach; {minimum} required.")
    status = "Pass" if share_ok and count_ok else "Failing"
    if status == "Pass":
        if share < required + AT_RISK_SHARE_POINTS - EPS:
            reasons.append(
                f"Share {share:.1f}% is less than {_fmt(AT_RISK_SHARE_POINTS)} points above the "
                f"{st.required_text}% required."
            )
            status = "At Risk"
        if minimum and abs(stats.count - minimum) < EPS:
            reasons.append(f"Credited {unit} ({_fmt(stats.count)}) exactly at the minimum of {minimum}.")
            status = "At Risk"
        if stats.pct_active_only is not None:
            share_active = min(100.0, stats.pct_active_only + credit)
            count_active = stats.count_active_only if stats.count_active_only is not None else stats.count
            if share_active + EPS < required or count_active + EPS < minimum:
                reasons.append(
                    "Passes only through provisionally credentialed providers: without them "
                    f"{share_active:.1f}% within standard and {_fmt(count_active)} {unit}."
                )
                status = "At Risk"
        if status == "Pass":
            of_two = " of two distinct providers" if st.providers_within == 2 else ""
            reasons.append(
                f"{share:.1f}% within {where}{of_two} ({st.required_text}% required); "
                f"{_fmt(stats.count)} credited {unit} ({minimum} required)."
            )
    near = near_the_line(share_ok, required, credit, stats)
    if near:
        reasons.append("Near the line: " + "; ".join(near) + ".")
    if estimated_time:
        reasons.append("Drive time estimated from straight-line distance (no road network imported).")
    p90_minutes, p90_miles = stats.p90_minutes, stats.p90_miles
    if not math.isfinite(p90_minutes) or not math.isfinite(p90_miles):
        reasons.append(
            f"At least 10% of {st.people} have no credited location within the search limit."
            if st.providers_within == 1
            else f"At least 10% of {st.people} do not have two distinct credited providers within the search limit."
        )
    if st.providers_within == 2:
        reasons.append(
            f"This standard asks for two providers within it: each {st.people[:-1]} point is measured to its "
            "second-nearest distinct credited provider (NPI), and the share and 90th percentiles are of that distance."
        )
    result = CountyLineResult(
        county_fips,
        st.code,
        st.name,
        status,
        round(share, 2),
        required,
        _none_if_inf(p90_minutes),
        _none_if_inf(p90_miles),
        int(round(stats.count)),
        minimum,
        None,
        None,
        bool(estimated_time),
        reasons,
        {},
        {
            "pct_measured": round(pct_measured, 4),
            "telehealth_credit_points": credit if tele else 0.0,
            "con_credit_points": credit if con and not tele else 0.0,
            "credits": ["telehealth"] * tele + ["certificate_of_need"] * con,
            "credit_points": credit,
            "max_minutes": st.max_minutes,
            "max_miles": st.max_miles,
            "counts_beds": st.beds,
            "pct_active_only": None if stats.pct_active_only is None else round(stats.pct_active_only, 4),
            "count_active_only": stats.count_active_only,
            "total_weight": stats.total_weight,
            "standard_source": st.source,
            "near_line": near,
        },
    )
    if st.providers_within != 1:  # left out when 1, so MA results stay as they were
        result.detail["providers_within"] = st.providers_within
    if not has_time_limit(st.max_minutes):  # a distance-only standard: JSON has no infinity
        result.detail["max_minutes"] = None
        result.detail["no_time_limit"] = True
    return result


SPEED_ERROR = 0.15  # the plausible error of a travel-time estimate the "near the line" flag tests


def near_the_line(share_ok: bool, required: float, credit: float, stats: CellStats) -> list[str]:
    """Why a cell's share test could come out the other way under plausible error (empty when it could not).

    Two tests, ours (docs/rules.md, "Near the line"): travel 15% slower or faster than measured (a speed
    model's or a road file's plausible error) moves the share across the requirement; or one population
    point carries more of the county's weight than the margin between the share and the requirement, so
    where that one point really lies decides the result. The status itself is not changed."""
    out: list[str] = []
    for label, pct in (("15% slower", stats.pct_slower), ("15% faster", stats.pct_faster)):
        if pct is None:
            continue
        other = min(100.0, pct + credit) + EPS >= required
        if other != share_ok:
            out.append(f"with travel {label} the share would be {min(100.0, pct + credit):.1f}%")
    share = min(100.0, stats.pct_measured + credit)
    margin = abs(share - required)
    if stats.max_point_pct is not None and stats.max_point_pct > margin + EPS and stats.total_weight > 0:
        out.append(
            f"one population point carries {stats.max_point_pct:.1f}% of the county's weight, more than the "
            f"{margin:.1f}-point margin"
        )
    return out


def _fmt(x: float) -> str:
    x = float(x)
    return str(int(x)) if x == int(x) else f"{x:.1f}"
