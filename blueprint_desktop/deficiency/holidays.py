"""US federal holidays, for response windows counted in business days.

The legal public holidays of 5 U.S.C. 6103(a), with the observance rule of Executive Order 11582 as
applied by OPM: a holiday falling on a Saturday is observed on the Friday before, one falling on a Sunday
on the Monday after. Computed, not listed, so every year is covered.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th given weekday (Monday = 0) of a month; n = -1 for the last."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    last = nxt - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


@lru_cache(maxsize=64)
def federal_holidays(year: int) -> frozenset[date]:
    """The observed federal holidays of a year (5 U.S.C. 6103(a))."""
    fixed = [date(year, 1, 1), date(year, 7, 4), date(year, 11, 11), date(year, 12, 25)]
    if year >= 2021:  # Juneteenth National Independence Day Act, Pub. L. 117-17 (2021)
        fixed.append(date(year, 6, 19))
    floating = [
        _nth_weekday(year, 1, 0, 3),  # Birthday of Martin Luther King, Jr.: third Monday in January
        _nth_weekday(year, 2, 0, 3),  # Washington's Birthday: third Monday in February
        _nth_weekday(year, 5, 0, -1),  # Memorial Day: last Monday in May
        _nth_weekday(year, 9, 0, 1),  # Labor Day: first Monday in September
        _nth_weekday(year, 10, 0, 2),  # Columbus Day: second Monday in October
        _nth_weekday(year, 11, 3, 4),  # Thanksgiving Day: fourth Thursday in November
    ]
    days = {_observed(d) for d in fixed} | set(floating)
    # New Year's Day of the next year may be observed on December 31 of this one.
    days.add(_observed(date(year + 1, 1, 1)))
    return frozenset(d for d in days if d.year == year)


def is_business_day(day: date) -> bool:
    """Monday to Friday and not an observed federal holiday."""
    return day.weekday() < 5 and day not in federal_holidays(day.year)
