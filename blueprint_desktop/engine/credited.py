"""Which practice locations count toward adequacy, per HSD line.

A location is *credited* (counts toward time/distance and the minimum number) only when its provider:

- has an **executed** contract: letters of intent and pending agreements never count for an operating
  plan (42 CFR 422.116(a); LOIs stand in only at application, regulation.md 1.6 "Letters of intent");
- is credentialed **active** or **provisional** (provisional counts, but a county that passes only
  through provisional providers is flagged At Risk by ``rollup``);
- is not **telehealth-only**, unless marked ``telehealth_waived``: telehealth-only providers never satisfy
  time and distance themselves (regulation.md 1.6, Telehealth); they earn the telehealth credit instead;
- is not deactivated (NPPES deactivation date on or before today) and is not a market (NPPES) row;
- is not excluded by 42 CFR 422.116(a)(3) or the HSD Reference File Notes (``exclusions.py``: children's,
  long-term care and specialized hospitals, residential-only providers, non-MA contracts, 068 rows of
  providers listed as 029/036/037, PAs/NPs not recorded as the primary care source).

Counts are of distinct NPIs (regulation.md 1.5: "distinct providers (NPI) per type"); every practice
location is its own point, so one NPI at two offices covers both neighbourhoods but counts once.
Hospitals (040) count Medicare-certified beds of their locations (HSD26 Notes, 040).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa

from blueprint_desktop.engine.exclusions import excluded_mask, exclusion_rules
from blueprint_desktop.rules.crosswalk import hsd_code_to_line

CREDITED_CONTRACT = ("executed",)
CREDITED_CREDENTIALING = ("active", "provisional")

LOCATION_COLUMNS = [
    "location_id",
    "provider_id",
    "npi",
    "name",
    "line_code",
    "lat",
    "lon",
    "county_fips",
    "beds",
    "geocode_quality",
    "source",
    "contract_status",
    "credentialing_status",
    "panel_status",
    "telehealth_only",
    "telehealth_waived",
    "attested_date",
    "activity_last_date",
    "deactivated_date",
    "updated_at",
    "batch_at",
    "submitted_code",
    "exclusion",
    "ma_contracted",
    "primary_care_source",
    "offers_telehealth",
]

_SQL = """
SELECT l.id, p.id, p.npi, p.name, pl.line_code, l.latitude, l.longitude, l.county_fips, l.beds,
       l.geocode_quality, p.source, p.contract_status, p.credentialing_status, p.panel_status,
       p.telehealth_only, p.telehealth_waived, p.attested_date, p.activity_last_date, p.deactivated_date,
       p.updated_at, b.imported_at, pl.line_code, p.exclusion, p.ma_contracted, p.primary_care_source,
       p.offers_telehealth
FROM locations l
JOIN providers p ON p.id = l.provider_id
JOIN provider_lines pl ON pl.provider_id = p.id
LEFT JOIN import_batches b ON b.id = COALESCE(p.batch_id, l.batch_id)
"""


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block (re-entrant; restored after).

    Building a million row tuples or 139,000 result objects triggers a collection every 700 allocations,
    and each older-generation pass walks every object alive: measured, that doubled the cost of building
    a national run's results (1.7 s -> 3.3-7.3 s). None of these objects form cycles, so nothing is
    left uncollected."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_locations(project) -> pd.DataFrame:
    """Every (location, line) pair the project holds, with its provider's statuses.

    Submitted primary-care codes 001-006 are mapped to the evaluated line S03 (HSD26 Notes, S03).
    """
    from blueprint_desktop.engine import locations_cache

    with gc_paused():
        cached = locations_cache.read(project, LOCATION_COLUMNS)
        if cached is not None:
            return cached
        version = locations_cache.data_version(project)
        df = _load_locations(project)
        # Kept for the next read (from 50,000 rows; engine/locations_cache.py says why it cannot go stale).
        locations_cache.write(project, df, version)
        return df


def _load_locations(project) -> pd.DataFrame:
    from blueprint_desktop.engine.locations_split import read_columns

    # From 200,000 locations the query is read in two processes (engine/locations_split.py).
    columns = read_columns(project, _SQL)
    if columns is None:
        return pd.DataFrame([], columns=LOCATION_COLUMNS)
    # Column by column through Arrow: the same frame pandas builds from the row tuples, ~3x faster
    # (building it row-wise was most of the 14 s a national gather took, docs/performance.md).
    df = pd.DataFrame({name: _column(values) for name, values in zip(LOCATION_COLUMNS, columns, strict=True)})
    del columns
    # A roster has a few dozen distinct codes: map each once, not once per row.
    codes, uniques = pd.factorize(df.line_code, use_na_sentinel=False)
    texts = [str(c) for c in uniques]
    submitted = [t.strip().zfill(3) if t.strip().isdigit() else t for t in texts]
    lines = [hsd_code_to_line(c) for c in uniques]
    df["submitted_code"] = pd.Series(np.asarray(submitted, dtype=object)[codes], dtype="str")
    df["line_code"] = pd.Series(np.asarray(lines, dtype=object)[codes], dtype="str")
    # The same provider may list 001 and S03 say: one row per location x evaluated line. A physician's
    # 001-004 row sorts before a PA/NP 005/006 row, so the row kept is the one the primary care rule favours.
    df = (
        df.sort_values(["location_id", "line_code", "submitted_code"], kind="stable")
        .drop_duplicates(["location_id", "line_code"])
        .sort_index()
        .reset_index(drop=True)
    )
    df["lat"] = df.lat.astype(float)
    df["lon"] = df.lon.astype(float)
    df["telehealth_only"] = df.telehealth_only.fillna(0).astype(int)
    df["telehealth_waived"] = df.telehealth_waived.fillna(0).astype(int)
    df["offers_telehealth"] = df.offers_telehealth.fillna(0).astype(int)
    df["beds"] = pd.to_numeric(df.beds, errors="coerce").fillna(0).astype(float)
    return df


def _column(arr: pa.Array | pa.ChunkedArray | tuple) -> pd.Series:
    """One column of query results as pandas infers it from row tuples (text: ``str``; integers: int64,
    or float64 with NaN when some are NULL; reals: float64; all NULL: object), from the Arrow array
    ``locations_split.raw_columns`` built, or from the values where Arrow found mixed types."""
    if isinstance(arr, tuple):
        return pd.Series(arr)  # mixed types: let pandas decide, as it did for the whole frame
    kind = arr.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return pd.Series(pd.array(arr, dtype=pd.StringDtype("pyarrow", na_value=np.nan)))
    if pa.types.is_integer(kind):
        if arr.null_count:
            return pd.Series(_numpy(arr).astype(float))  # nulls -> NaN
        return pd.Series(_numpy(arr).astype(np.int64))
    if pa.types.is_floating(kind):
        return pd.Series(_numpy(arr).astype(float))
    return pd.Series(arr.to_pylist())


def _numpy(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return arr.to_numpy() if isinstance(arr, pa.ChunkedArray) else arr.to_numpy(zero_copy_only=False)


def _active_today(deactivated: pd.Series, today: date | None) -> np.ndarray:
    today_s = (today or date.today()).isoformat()
    d = deactivated.fillna("").astype(str)
    return ((d == "") | (d > today_s)).to_numpy()


def contracted_mask(df: pd.DataFrame, today: date | None = None) -> np.ndarray:
    """Executed contract, credentialing active/provisional, not deactivated, not a market row.

    Market (NPPES) rows never count, whatever their statuses: signing a recruit in the Roster pane
    creates a ``manual`` network row for its NPI (``store.roster_queries._sign_market_provider``), and that
    row is what counts, so one NPI is credited once and the NPPES file never decides who is contracted."""
    if df.empty:
        return np.zeros(0, dtype=bool)
    return (
        df.contract_status.isin(CREDITED_CONTRACT).to_numpy()
        & df.credentialing_status.isin(CREDITED_CREDENTIALING).to_numpy()
        & (df.source != "market").to_numpy()
        & _active_today(df.deactivated_date, today)
    )


def credited_mask(
    df: pd.DataFrame, today: date | None = None, excluded: np.ndarray | None = None, lob: str = "ma"
) -> np.ndarray:
    """Locations that count toward time/distance and minimum counts (see the module doc). ``excluded``:
    the rows ``exclusions.excluded_mask`` drops, when the caller has computed them already; else those
    of the project's line of business ``lob`` (MA's exclusions apply to MA only)."""
    if df.empty:
        return np.zeros(0, dtype=bool)
    physical = (df.telehealth_only.to_numpy() == 0) | (df.telehealth_waived.to_numpy() == 1)
    placed = df.lat.notna().to_numpy() & df.lon.notna().to_numpy()
    if excluded is None:
        excluded = excluded_mask(df, lob)
    return contracted_mask(df, today) & physical & placed & ~excluded


def candidate_mask(df: pd.DataFrame, today: date | None = None, lob: str = "ma") -> np.ndarray:
    """Uncontracted providers one could recruit: market (NPPES) rows, or roster rows not executed.

    Telehealth-only candidates are left out (they could never satisfy time and distance), as are NPIs
    already credited on this line (their market row is the same person).
    """
    if df.empty:
        return np.zeros(0, dtype=bool)
    # The exclusion rules once: they decide both who is credited now and who could never count.
    rules = exclusion_rules(df, lob)
    credited = credited_mask(df, today, np.array([r is not None for r in rules], dtype=bool))
    credited_keys = set(zip(df.npi[credited], df.line_code[credited], strict=True))
    keys = list(zip(df.npi, df.line_code, strict=True))
    already = np.array([k in credited_keys for k in keys], dtype=bool)
    uncontracted = (df.source == "market").to_numpy() | (df.contract_status != "executed").to_numpy()
    physical = (df.telehealth_only.to_numpy() == 0) | (df.telehealth_waived.to_numpy() == 1)
    placed = df.lat.notna().to_numpy() & df.lon.notna().to_numpy()
    # A children's hospital or a PA/NP who is not a primary care source would not count once signed either;
    # "not contracted for MA" does not apply to a recruit, who would sign for MA.
    never = np.array([r not in (None, "not_ma") for r in rules], dtype=bool)
    return uncontracted & ~already & physical & placed & ~never & _active_today(df.deactivated_date, today)
