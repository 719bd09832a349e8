"""42 CFR 422.116(c) county designations: the table's edges and real counties of each type."""

import pytest

from blueprint_desktop.geo.counties import county_row
from blueprint_desktop.rules.designation import designate, tier


@pytest.mark.parametrize(
    ("population", "land", "expected"),
    [
        (1_000_000, 1000.0, "Large Metro"),  # density 1,000 with >= 1M
        (1_000_000, 1000.1, "Metro"),  # density 999.9
        (999_999, 666.0, "Large Metro"),  # 500k-999,999 at density >= 1,500
        (600_000, 500.0, "Metro"),  # density 1,200 < 1,500
        (300_000, 59.0, "Large Metro"),  # density >= 5,000 at any population
        (150_000, 1000.0, "Metro"),  # 50k-199,999 at density 150
        (150_000, 2000.0, "Micro"),  # density 75
        (30_000, 20.0, "Metro"),  # 10k-49,999 at density 1,500
        (30_000, 300.0, "Micro"),  # density 100
        (30_000, 1000.0, "Rural"),  # density 30
        (9_999, 100.0, "Rural"),  # < 10k at density 99.99
        (5_000_000, 600_000.0, "CEAC"),  # density < 10 at any population
        (96, 668.75, "CEAC"),
    ],
)
def test_cfr_table(population, land, expected):
    assert designate(population, land) == expected


def test_tiers():
    assert [tier(d) for d in ("Large Metro", "Metro", "Micro", "Rural", "CEAC")] == [
        "Urban", "Urban", "Suburban", "Rural", "Rural",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("fips", "expected"),
    [
        ("48201", "Large Metro"),  # Harris TX
        ("48157", "Metro"),  # Fort Bend TX
        ("48323", "Micro"),  # Maverick TX: ~58k people on ~1,280 sq mi (HSD26 designates it Micro too)
        ("48177", "Rural"),  # Gonzales TX: ~20k on ~1,066 sq mi, density ~19
        ("48301", "CEAC"),  # Loving TX
    ],
)
def test_real_counties_from_geography(fips, expected):
    row = county_row(fips)
    assert designate(row.population, row.land_sq_mi) == expected
