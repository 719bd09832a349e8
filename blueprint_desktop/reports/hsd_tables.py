"""The HSD provider and facility tables a plan uploads to the HPMS Network Management Module.

Column headers follow the CMS HSD table templates (2017 guidance, Appendices H-J [G: omb.report ICR
201708-0938-011]) as third-party loaders spell them (regulation.md 3.1 and 3.2; the same ten provider and
ten facility headers appear in a public HSD-file loader's README found through the code search, repository
not named by the index, so the exact spelling stays [3P]).

Grain (regulation.md 3.1): one row per provider x specialty x service location x **county served**. Our
rule for "county served": a location serves a service-area county when it lies within that county's
maximum *distance* for the line (``rules.standards``; the county's own criteria when a CMS reference file
is loaded) of at least one population point of the county (``geo.points``), which is the same reach test
the engine uses to count providers toward a county's minimum. A location always serves its own county
when that county is in the service area. Locations with no geocode serve only the county recorded for
them (and are flagged by ``hsd_checks``).

Only CREDITED providers are listed (2017 guidance 4.1.1 [G]: fully executed contracts only): the
engine's rule (``engine.credited``: executed contract, active or provisional credentialing, not
deactivated, not a market row, not telehealth-only unless waived) minus its geocode condition, so that a
contracted provider with no geocode shows up as a row CMS would reject instead of silently vanishing.

Specialty codes are the SUBMITTED HSD codes: primary care is listed as 001-006 individually (HSD26 Notes,
S03: S03 is an evaluation group, never submitted), taken from the provider's own taxonomy through the
NUCC->HSD crosswalk (``rules.crosswalk``). A primary-care line whose taxonomy gives no 001-006 code keeps
"S03", which the checks reject as an unknown specialty code.

National size (docs/performance.md, "HSD table export"): a 1M-location roster makes ~6M rows. The tables
are kept as columns (``HsdTable``: one base entry per roster line x the county slots it is listed for),
the counties a location serves come from one KD-tree per line and a ball query per county
(``_reach_pairs``), and the files are streamed in chunks (``write_tables``), so time and memory grow
linearly and ``HsdRow`` objects exist only when a caller asks for one. A table longer than an Excel sheet
(1,048,576 rows with the header) is split into several XLSX files; the CSV stays one file. Every text
cell passes through ``safe_cells.safe_text`` (no formula, no XML-illegal character).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from blueprint_desktop.engine.credited import contracted_mask
from blueprint_desktop.engine.forking import run_jobs
from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.geo.distance import chord_to_miles, miles_to_chord, to_unit_vectors
from blueprint_desktop.progress import Progress
from blueprint_desktop.reports.atomic_file import atomic_outputs
from blueprint_desktop.reports.safe_cells import NEEDS_CARE_PATTERN, safe_text
from blueprint_desktop.rules import crosswalk
from blueprint_desktop.rules.citations import is_ma
from blueprint_desktop.rules.standards import (
    PRIMARY_CARE_LINE,
    all_lines,
    load_base_table,
    standards_for_county,
)

# HSD provider table (regulation.md 3.1; 2017 guidance Appendix H [G]).
PROVIDER_COLUMNS = [
    "SSA State/County Code",
    "Name of Physician or Mid-Level Practitioner",
    "National Provider Identifier (NPI) Number",
    "Provider Specialty Code",
    "Contract Type",
    "Provider Street Address",
    "Provider City",
    "Provider State Code",
    "Provider Zip Code",
    "Medical Group Affiliation",
]
# HSD facility table (regulation.md 3.2; 2017 guidance Appendix J [G]).
FACILITY_COLUMNS = [
    "SSA State/County Code",
    "Facility or Service Type",
    "Facility Specialty Code",
    "National Provider Identifier (NPI) Number",
    "# of Staffed, Medicare-Certified Beds",
    "Facility Name",
    "Provider Street Address",
    "Provider City",
    "Provider State Code",
    "Provider Zip Code",
]
# Columns whose values are codes with leading zeros: always written as text.
TEXT_COLUMNS = {
    "SSA State/County Code",
    "National Provider Identifier (NPI) Number",
    "Provider Specialty Code",
    "Facility Specialty Code",
    "Provider Zip Code",
}
# Provider attributes the roster may carry in columns added by later schema versions; read when present.
_OPTIONAL_PROVIDER_COLUMNS = {
    "contract_type": ("contract_type",),
    "group_affiliation": ("medical_group_affiliation", "medical_group", "group_affiliation", "group_name"),
}
# Counties whose standards are used to decide which counties a location serves; HSD26 Notes, 040: beds.
BEDS_LINE = "040"

FILE_NAMES = {"provider": "hsd_providers", "facility": "hsd_facilities"}
SHEET_TITLES = {"provider": "Provider HSD Table", "facility": "Facility HSD Table"}
SSA_COLUMN = "SSA State/County Code"
# Excel's sheet size: 1,048,576 rows, header included (Microsoft, "Excel specifications and limits").
XLSX_MAX_ROWS = 1_048_576


@dataclass
class HsdRow:
    """One row of an HSD table plus where it came from (for the checks and the package)."""

    kind: str  # "provider" | "facility"
    values: dict[str, Any]
    provider_id: int
    location_id: int
    county_fips: str | None
    line_code: str  # evaluated line (S03 for 001-006)
    taxonomy_code: str | None
    geocode_quality: str
    geocoded: bool
    own_county: bool


class HsdTable(Sequence[HsdRow]):
    """One HSD table, kept as columns: ``base`` holds one entry per listed roster line (location x
    submitted code), and each table row is (``src[i]``: its base entry, ``county[i]``: the county it is
    listed for, -1 when none). A national roster makes millions of rows (about six per location in a dense
    metro); building an ``HsdRow`` object per row cost ~3 KB and most of the time, so rows are made only
    when one is asked for (``table[i]``, iteration) and the writers and checks read the columns."""

    def __init__(
        self,
        kind: str,
        base: pd.DataFrame,
        src: np.ndarray,
        county: np.ndarray,
        counties: list[str],
        ssa: list[str],
    ) -> None:
        self.kind = kind
        self.columns = PROVIDER_COLUMNS if kind == "provider" else FACILITY_COLUMNS
        self.base = base
        self.src = src
        self.county = county
        self.counties = counties
        # Index county + 1 (0: no county): the SSA code and the FIPS of each county slot.
        self.ssa_by_slot = np.array([""] + list(ssa), dtype=object)
        self.fips_by_slot = np.array([None] + list(counties), dtype=object)
        self._columns: dict[str, np.ndarray] = {}

    @classmethod
    def empty(cls, kind: str) -> HsdTable:
        return cls(kind, pd.DataFrame(), np.zeros(0, np.int64), np.zeros(0, np.int32), [], [])

    def __len__(self) -> int:
        return len(self.src)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        b = int(self.src[i])
        slot = int(self.county[i]) + 1
        fips = self.fips_by_slot[slot]
        col = self.base_column
        values = {c: (self.ssa_by_slot[slot] if c == SSA_COLUMN else col(c)[b]) for c in self.columns}
        return HsdRow(
            kind=self.kind,
            values=values,
            provider_id=int(col("provider_id")[b]),
            location_id=int(col("location_id")[b]),
            county_fips=fips,
            line_code=col("line_code")[b],
            taxonomy_code=col("taxonomy_code")[b],
            geocode_quality=col("geocode_quality_label")[b],
            geocoded=bool(col("geocoded")[b]),
            own_county=fips is not None and fips == col("county_fips")[b],
        )

    def __iter__(self) -> Iterator[HsdRow]:
        return (self[i] for i in range(len(self)))

    def __add__(self, other) -> list[HsdRow]:
        return list(self) + list(other)

    def column(self, name: str) -> np.ndarray:
        """One column of the table, every row, in table order (object array)."""
        if name == SSA_COLUMN:
            return self.ssa_by_slot[self.county + 1]
        if name == "county_fips":
            return self.fips_by_slot[self.county + 1]
        return self.base_column(name)[self.src]

    def base_column(self, name: str) -> np.ndarray:
        """A column of the base entries (one per listed roster line), to be indexed with ``src``."""
        if self.base.empty:  # no listed provider: an empty table has no base columns at all
            return np.empty(0, dtype=object)
        if name not in self._columns:
            self._columns[name] = self.base[name].to_numpy(dtype=object)
        return self._columns[name]


@dataclass
class HsdTables:
    provider: HsdTable = field(default_factory=lambda: HsdTable.empty("provider"))
    facility: HsdTable = field(default_factory=lambda: HsdTable.empty("facility"))
    service_area: list[str] = field(default_factory=list)
    ssa_source: str = ""

    def rows(self, kind: str) -> HsdTable:
        return self.provider if kind == "provider" else self.facility

    def frame(self, kind: str) -> pd.DataFrame:
        table = self.rows(kind)
        return pd.DataFrame({c: table.column(c) for c in table.columns}, columns=table.columns)


def _line_kinds() -> dict[str, tuple[str, str]]:
    """Submitted code -> (kind, name) for every code CMS accepts in an HSD table."""
    base = load_base_table()
    out = {line.code: (line.kind, line.name) for line in all_lines("ma") if line.code != PRIMARY_CARE_LINE}
    for code in base.pooled:  # 001-006
        out[code] = ("provider", "Primary Care")
    for code, name in base.unscored.items():  # 044: attestation only, still a facility type
        out[code] = ("facility", name)
    return out


def submittable_codes() -> dict[str, tuple[str, str]]:
    """Codes an HSD table may carry (kind, name); S03 is not one of them (HSD26 Notes, S03)."""
    return _line_kinds()


def submitted_code(stored_line: str, taxonomy: str | None) -> str:
    """The HSD code to submit for a provider line: 001-006 from the taxonomy for primary care."""
    raw = str(stored_line or "").strip().upper()
    raw = raw.zfill(3) if raw.isdigit() else raw
    if raw != PRIMARY_CARE_LINE:
        return raw
    for candidate in crosswalk.hsd_codes_for_taxonomy(taxonomy or "", include_conditional=True):
        if candidate in crosswalk.PRIMARY_CARE_CODES:
            return candidate
    return PRIMARY_CARE_LINE


def _columns(project, table: str) -> set[str]:
    return {r[1] for r in project.conn.execute(f"PRAGMA table_info([{table}])")}


# Roster columns with few distinct values (codes, statuses, places): read once per distinct value.
_REPEATED_COLUMNS = {
    "stored_line",
    "taxonomy_code",
    "city",
    "state",
    "zip",
    "county_fips",
    "geocode_quality",
    "source",
    "contract_status",
    "credentialing_status",
    "deactivated_date",
    "contract_type",
    "group_affiliation",
}


def _load(project) -> pd.DataFrame:
    have = _columns(project, "providers")
    extra = []
    for key, names in _OPTIONAL_PROVIDER_COLUMNS.items():
        name = next((n for n in names if n in have), None)
        extra.append(f"p.[{name}] AS [{key}]" if name else f"NULL AS [{key}]")
    sql = (
        "SELECT l.id AS location_id, p.id AS provider_id, p.npi, p.name, pl.line_code AS stored_line,"
        " pl.taxonomy_code, l.address, l.city, l.state, l.zip, l.county_fips, l.latitude AS lat,"
        " l.longitude AS lon, l.geocode_quality, l.beds, p.source, p.contract_status, p.credentialing_status,"
        " p.telehealth_only, p.telehealth_waived, p.deactivated_date, "
        + ", ".join(extra)
        + " FROM locations l"
        " JOIN providers p ON p.id = l.provider_id JOIN provider_lines pl ON pl.provider_id = p.id"
        " ORDER BY p.name, p.npi, l.id, pl.line_code"
    )
    cur = project.conn.execute(sql)
    names = [d[0] for d in cur.description]
    columns: list[list[Any]] = [[] for _ in names]
    # Read in chunks into columns, one str object per distinct value of the repetitive columns (sqlite3
    # makes a new str per cell): at 1M locations the tuples and the repeated strings of a plain fetchall()
    # were most of the export's peak memory.
    shared = [{} if n in _REPEATED_COLUMNS else None for n in names]
    while chunk := cur.fetchmany(100_000):
        for store, cache, values in zip(columns, shared, zip(*chunk, strict=True), strict=True):
            store.extend(values if cache is None else map(cache.setdefault, values, values))
    # dtype=object: text stays Python str and NULL stays None. pandas' default would make Arrow-backed
    # strings (slow to iterate, ~2 s per 1M rows here) and turn the NULLs of a mostly-NULL text column into
    # NaN, which the row-by-row code then wrote as "nan" (the demo's Contract Type said "nan" on 24,210
    # rows and the missing-contract-type check missed them).
    df = pd.DataFrame(
        {
            n: np.array(v, dtype=object) if v else np.empty(0, dtype=object)
            for n, v in zip(names, columns, strict=True)
        },
        dtype=object,
    )
    if df.empty:
        return df
    df["telehealth_only"] = df.telehealth_only.fillna(0).astype(int)
    df["telehealth_waived"] = df.telehealth_waived.fillna(0).astype(int)
    df["lat"] = pd.to_numeric(df.lat, errors="coerce")
    df["lon"] = pd.to_numeric(df.lon, errors="coerce")
    return df


def listed_mask(df: pd.DataFrame) -> np.ndarray:
    """Rows listed in the HSD tables: the engine's credited rule without its geocode condition."""
    if df.empty:
        return np.zeros(0, dtype=bool)
    physical = (df.telehealth_only.to_numpy() == 0) | (df.telehealth_waived.to_numpy() == 1)
    return contracted_mask(df) & physical


def _reach_pairs(
    project, df: pd.DataFrame, counties: list[str], standards: dict[str, Any], progress: Progress
) -> tuple[np.ndarray, np.ndarray]:
    """(row of ``df``, index into ``counties``) for every service-area county a located row reaches: its
    location lies within the county's maximum distance for its line of the county's nearest population
    point (see the module doc).

    Linear in rows: rows are grouped by line once, each line's locations go into one KD-tree, and each
    county asks that tree only for the locations inside the ball around its population points
    (centre + the farthest point's distance + the line's limit), then measures just those to the county's
    own points. The ball bound is the triangle inequality on chord lengths, so no location that reaches
    is missed, and the final test is the same nearest-point distance as before (same numbers, same rows)."""
    from blueprint_desktop.geo.points import population_points

    none = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    placed = df.lat.notna().to_numpy() & df.lon.notna().to_numpy()
    if not placed.any() or not counties:
        return none
    points = population_points(counties, project)
    xyz = np.zeros((len(df), 3))
    xyz[placed] = to_unit_vectors(df.lat.to_numpy()[placed], df.lon.to_numpy()[placed])
    lines = df.line_code.to_numpy(dtype=object)
    county_trees: dict[int, tuple[cKDTree, np.ndarray, float]] = {}
    for ci, fips in enumerate(counties):
        pts = points[points.county_fips == fips]
        if pts.empty or standards.get(fips) is None:
            continue
        pxyz = to_unit_vectors(pts.lat.to_numpy(), pts.lon.to_numpy())
        centre = pxyz.mean(axis=0)
        centre /= np.linalg.norm(centre) or 1.0
        radius = float(np.sqrt(((pxyz - centre) ** 2).sum(axis=1)).max())
        county_trees[ci] = (cKDTree(pxyz), centre, radius)
    rows_out: list[np.ndarray] = []
    cty_out: list[np.ndarray] = []
    line_codes = sorted(set(lines[placed]))
    for k, line in enumerate(line_codes):
        progress.check()
        progress.update(0.2 + 0.6 * k / max(len(line_codes), 1), f"counties served: line {line}")
        idx = np.flatnonzero(placed & (lines == line))
        loc_tree = cKDTree(xyz[idx])
        for ci, (tree, centre, radius) in county_trees.items():
            limit = standards[counties[ci]].lines.get(line)
            if limit is None or not limit.max_miles:
                continue
            max_miles = float(limit.max_miles)
            # A little slack over the exact bound: the candidates only need to be a superset.
            ball = radius + float(miles_to_chord(max_miles + 1e-6)) + 1e-9
            cand = loc_tree.query_ball_point(centre, ball)
            if not cand:
                continue
            rows = idx[np.sort(np.asarray(cand, dtype=np.int64))]
            chord, _ = tree.query(xyz[rows], k=1)
            within = chord_to_miles(chord) <= max_miles + 1e-9
            if within.any():
                rows_out.append(rows[within])
                cty_out.append(np.full(int(within.sum()), ci, dtype=np.int64))
    if not rows_out:
        return none
    return np.concatenate(rows_out), np.concatenate(cty_out)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    # np.unique is hash-based in numpy 2.4 and took ~1 s per million int64 here; a sort is ~0.1 s.
    values = np.sort(values)
    return values[np.concatenate([[True], values[1:] != values[:-1]])] if len(values) else values


def _or_blank(values) -> list[Any]:
    # ``value or ""`` exactly as the row-by-row code did it (None and empty strings become "").
    return [v or "" for v in values]


def build_tables(project, progress: Progress | None = None) -> HsdTables:
    """The provider and facility HSD tables of the project's credited network, sorted for reading:
    by SSA code, county, specialty code, NPI and location (then roster order)."""
    lob = project.lob
    if not is_ma(lob):
        # The tables are MA's HPMS submission (SSA county codes, MA specialty codes, MA criteria): a Medicaid or
        # QHP network written in them would be a document of another line of business (never mixed).
        raise BlueprintError(
            f"{project.path}: is a {lob.upper()} project; the HSD provider and facility tables are the Medicare "
            "Advantage submission to HPMS, so they are written for MA projects only (the servicing-provider "
            "report, `blueprint export providers`, lists this network)"
        )
    progress = progress or Progress()
    progress.update(0.0, "reading the roster")
    area = project.service_area()
    tables = HsdTables(service_area=area)
    df = _load(project)
    if df.empty:
        return tables
    df = df[listed_mask(df)].reset_index(drop=True)
    if df.empty:
        return tables
    # Codes per distinct (line, taxonomy) pair: a national roster repeats a few thousand pairs.
    pairs = {(s, t): None for s, t in zip(df.stored_line, df.taxonomy_code, strict=True)}
    code_of = {pair: submitted_code(*pair) for pair in pairs}
    df["code"] = [code_of[(s, t)] for s, t in zip(df.stored_line, df.taxonomy_code, strict=True)]
    line_of = {c: crosswalk.hsd_code_to_line(c) for c in set(df.code)}
    df["line_code"] = df.code.map(line_of)
    # A provider listed under S03 and 002 with a family-medicine taxonomy is one line: keep one row.
    df = df.drop_duplicates(["location_id", "code"]).reset_index(drop=True)
    standards = {}
    for fips in area:
        progress.check()
        standards[fips] = standards_for_county(project, fips)
    ssa = {fips: std.ssa_code for fips, std in standards.items()}
    labels = sorted({std.criteria_label for std in standards.values() if std.ssa_code and std.criteria_label})
    tables.ssa_source = (
        "; ".join(labels) if labels else "none (no CMS criteria list these counties: no SSA codes)"
    )
    # Counties in FIPS order, so ordering by county index is ordering by FIPS text.
    counties = sorted(set(area))
    cidx = {f: i for i, f in enumerate(counties)}
    n = len(df)
    own = np.array([cidx.get(f, -1) if isinstance(f, str) else -1 for f in df.county_fips], dtype=np.int64)
    has_own = own >= 0
    reach_rows, reach_cty = _reach_pairs(project, df, counties, standards, progress)
    progress.update(0.85, "writing rows")
    rows = np.concatenate([np.flatnonzero(has_own), reach_rows])
    cty = np.concatenate([own[has_own], reach_cty])
    # One row per (roster row, county), roster order then FIPS order, as the row-by-row code made them.
    key = _sorted_unique(rows * (len(counties) + 1) + cty)
    rows, cty = key // (len(counties) + 1), key % (len(counties) + 1)
    # A location with no known county still gets one row so the checks can name it.
    seen = np.zeros(n, dtype=bool)
    seen[rows] = True
    lonely = np.flatnonzero(~seen)
    if len(lonely):
        order = np.argsort(np.concatenate([rows, lonely]), kind="stable")
        rows = np.concatenate([rows, lonely])[order]
        cty = np.concatenate([cty, np.full(len(lonely), -1, dtype=np.int64)])[order]
    kinds = _line_kinds()
    base = _base_frame(df, kinds)
    # The reading order, stable (ties keep roster order): SSA code, county, code, NPI, location.
    ssa_slot = np.array([""] + [ssa.get(f) or "" for f in counties], dtype=object)
    ssa_rank = pd.factorize(ssa_slot, sort=True)[0][cty + 1]
    code_rank = pd.factorize(df.code.to_numpy(dtype=object), sort=True)[0][rows]
    npi_rank = pd.factorize(df.npi.astype(str).to_numpy(dtype=object), sort=True)[0][rows]
    loc = df.location_id.to_numpy(dtype=np.int64)[rows]
    order = np.lexsort((loc, npi_rank, code_rank, cty, ssa_rank))
    rows, cty = rows[order], cty[order].astype(np.int32)
    is_facility = (base.kind.to_numpy() == "facility")[rows]
    for kind, mask in (("provider", ~is_facility), ("facility", is_facility)):
        table = HsdTable(kind, base, rows[mask], cty[mask], counties, [ssa.get(f) or "" for f in counties])
        setattr(tables, kind, table)
    progress.update(1.0, f"{len(tables.provider)} provider rows, {len(tables.facility)} facility rows")
    return tables


def _base_frame(df: pd.DataFrame, kinds: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """One entry per listed roster line: every output column but the SSA code, plus what the checks use."""
    code = df.code.to_numpy(dtype=object)
    beds = df.beds.to_numpy(dtype=object)
    geocoded = (
        df.lat.notna().to_numpy() & df.lon.notna().to_numpy() & (df.geocode_quality != "none").to_numpy()
    )
    base = pd.DataFrame(
        {
            # An unknown code goes to the provider table, where the checks reject it.
            "kind": [kinds.get(c, ("provider", ""))[0] for c in code],
            "National Provider Identifier (NPI) Number": df.npi.to_numpy(dtype=object),
            "Provider Street Address": _or_blank(df.address),
            "Provider City": _or_blank(df.city),
            "Provider State Code": _or_blank(df.state),
            "Provider Zip Code": [str(z or "")[:5] for z in df.zip],
            "Facility or Service Type": [kinds.get(c, ("", c))[1] for c in code],
            "Facility Specialty Code": code,
            "# of Staffed, Medicare-Certified Beds": [
                int(b) if c == BEDS_LINE and not pd.isna(b) else "" for c, b in zip(code, beds, strict=True)
            ],
            "Facility Name": df.name.to_numpy(dtype=object),
            "Name of Physician or Mid-Level Practitioner": df.name.to_numpy(dtype=object),
            "Provider Specialty Code": code,
            "Contract Type": _or_blank(df.contract_type),
            "Medical Group Affiliation": _or_blank(df.group_affiliation),
            "provider_id": df.provider_id.to_numpy(),
            "location_id": df.location_id.to_numpy(),
            "county_fips": df.county_fips.to_numpy(dtype=object),
            "line_code": df.line_code.to_numpy(dtype=object),
            "taxonomy_code": df.taxonomy_code.to_numpy(dtype=object),
            "geocode_quality_label": [q or "none" for q in df.geocode_quality],
            "geocoded": geocoded,
        },
        # object: Python str and None stay as they are (pandas' default Arrow strings turn None into NaN
        # and cost a conversion on every read of a column).
        dtype=object,
    )
    return base


# -- writing -----------------------------------------------------------------------------------------
# Why not openpyxl (even write-only) or XlsxWriter for the rows: both are pure Python and build every
# cell as an object. openpyxl write-only measured 156 us CPU a 10-cell row on the build box, ~16 minutes
# for the ~6 million rows of a 1M-location roster (XlsxWriter, not installed, works the same way). The rows
# are therefore streamed as SpreadsheetML text (ECMA-376 Part 1, 18.3.1.73 row, 18.3.1.4 c, 18.3.1.53 is:
# inline strings, the cell XML openpyxl itself writes) built from fragments made once per distinct value,
# and everything else in the package (content types, workbook, styles, the bold header, column widths,
# the frozen pane) is written by openpyxl into a skeleton whose single marker row is replaced by the data.
_XML_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_CSV_SPECIAL = re.compile(r'[,"\r\n]')
_MARKER_ROW = re.compile(r'<row r="2"[^>]*>.*?</row>', re.S)
_STYLE = re.compile(r'<row r="2"[^>]*><c r="A2" s="(\d+)"')
CHUNK_ROWS = 65_536
# zlib level 1: the sheet XML is ~560 bytes a row and very repetitive; on 200,000 provider-like rows
# level 1 compressed 4.6x faster than the default 6 (1.3 against 5.8 us a row) for a file 23 % larger.
ZIP_LEVEL = 1


def _text_cell(text: str, style: str) -> str:
    if not text:
        return f'{style} t="inlineStr"/>'
    esc = text.translate(_XML_ESCAPE)
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'{style} t="inlineStr"><is><t{space}>{esc}</t></is></c>'


def _xlsx_fragment(value: Any, as_text: bool, style: str) -> str:
    """What follows ``<c r="A1"`` for one value (the same cell XML openpyxl writes)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return _text_cell("", style) if as_text else ' t="inlineStr"/>'
    if as_text:
        return _text_cell(safe_text(str(value)), style)
    if isinstance(value, bool | np.bool_):
        return f' t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | np.integer | float | np.floating):
        return f' t="n"><v>{value}</v></c>'
    return _text_cell(safe_text(str(value)), "")


def _csv_field(value: Any) -> str:
    """One CSV field as ``csv.writer`` (QUOTE_MINIMAL) writes it, after ``safe_text``."""
    if value is None:
        return ""
    text = safe_text(value if isinstance(value, str) else str(value))
    if _CSV_SPECIAL.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def _safe_series(texts: pd.Series) -> pd.Series:
    """``safe_text`` over many strings: the rare value that needs it is found with one regex pass."""
    needs = texts.str.contains(NEEDS_CARE_PATTERN, regex=True).to_numpy(dtype=bool)
    if needs.any():
        texts = texts.copy()
        texts[needs] = [safe_text(v) for v in texts[needs]]
    return texts


def _vector_xlsx_text(texts: pd.Series, style: str) -> np.ndarray:
    """``_xlsx_fragment(v, True/False, style)`` for many strings at once (same XML)."""
    texts = _safe_series(texts)
    esc = texts.str.replace("&", "&amp;", regex=False).str.replace("<", "&lt;", regex=False)
    esc = esc.str.replace(">", "&gt;", regex=False)
    space = np.where(
        (texts != texts.map(str.strip)).to_numpy(dtype=bool), ' xml:space="preserve"', ""
    ).astype(object)
    full = (
        style + ' t="inlineStr"><is><t' + space + ">" + esc.to_numpy(dtype=object) + "</t></is></c>"
    ).astype(object)
    empty = (texts == "").to_numpy(dtype=bool)
    full[empty] = f'{style} t="inlineStr"/>'
    return full


def _vector_csv(texts: pd.Series) -> np.ndarray:
    """``_csv_field`` for many strings at once."""
    texts = _safe_series(texts)
    quote = texts.str.contains(_CSV_SPECIAL.pattern, regex=True).to_numpy(dtype=bool)
    out = texts.to_numpy(dtype=object).copy()
    if quote.any():
        out[quote] = ['"' + v.replace('"', '""') + '"' for v in out[quote]]
    return out


def _fragments(values: np.ndarray, make, make_many=None) -> np.ndarray:
    """``make(v)`` for each value, computed once per distinct value (codes and cities repeat a lot);
    ``make_many(Series of str)`` when every distinct value is text (names, NPIs, addresses: ~1M each)."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=object)
    if make_many is not None and len(uniques) > 1000 and all(isinstance(v, str) for v in uniques):
        made = make_many(pd.Series(uniques, dtype=object).astype("str"))
        out = np.concatenate([np.asarray(made, dtype=object), np.array([make(None)], dtype=object)])
    else:
        out = np.array([make(v) for v in uniques] + [make(None)], dtype=object)
    return out[codes]  # -1 (None / NaN) picks the last entry


def _ssa_and_rest(table: HsdTable, make, before, end: str, make_many=None) -> tuple[np.ndarray, np.ndarray]:
    """The SSA column's fragment per county slot, and the other columns' fragments joined per base entry
    (only the entries this table uses; the others stay empty).

    The SSA code is the only column that depends on the county a row is listed for (always column A);
    the rest depends only on the roster line, so it is made once per base entry (a sixth of the rows)."""
    if table.columns[0] != SSA_COLUMN:  # both CMS templates start with it; the writers rely on that
        raise RuntimeError(f"{table.kind} table: first column is {table.columns[0]!r}, not {SSA_COLUMN!r}")
    ssa = np.array([before(0) + make(SSA_COLUMN, v) for v in table.ssa_by_slot], dtype=object)
    used = np.zeros(len(table.base), dtype=bool)
    used[table.src] = True
    used = np.flatnonzero(used)
    rest = np.full(len(used), "", dtype=object)
    for i, col in enumerate(table.columns[1:], start=1):
        frag = _fragments(
            table.base_column(col)[used],
            lambda v, c=col: make(c, v),
            None if make_many is None else (lambda texts, c=col: make_many(c, texts)),
        )
        rest = rest + (before(i) + frag)
    full = np.full(len(table.base), "", dtype=object)
    full[used] = rest + end
    return ssa, full


def _write_csv(table: HsdTable, path: Path) -> None:
    ssa, rest = _ssa_and_rest(
        table,
        lambda col, v: _csv_field(v),
        lambda i: "," if i else "",
        "\r\n",
        lambda col, texts: _vector_csv(texts),
    )
    with path.open("w", newline="", encoding="utf-8") as fh:
        fh.write(",".join(_csv_field(c) for c in table.columns) + "\r\n")
        for a in range(0, len(table), CHUNK_ROWS):
            b = min(a + CHUNK_ROWS, len(table))
            fh.write("".join((ssa[table.county[a:b] + 1] + rest[table.src[a:b]]).tolist()))


def _skeleton(table: HsdTable) -> tuple[bytes, str]:
    """An openpyxl workbook with the header row and one marker row; returns (bytes, text style id)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET_TITLES[table.kind][:31])
    ws.freeze_panes = "A2"
    for i, c in enumerate(table.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(12, min(45, len(c) + 2))
    bold = Font(bold=True)
    header = []
    for c in table.columns:
        cell = WriteOnlyCell(ws, value=c)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    marker = WriteOnlyCell(ws, value=0)
    marker.number_format = "@"  # text: leading zeros of the code columns survive editing in Excel
    ws.append([marker])
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(buf) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode("utf-8")
    match = _STYLE.search(sheet)
    if match is None:  # openpyxl changed its XML: fail loudly rather than write a broken file
        raise RuntimeError("openpyxl skeleton sheet has no styled marker row")
    return buf.getvalue(), match.group(1)


def _write_xlsx(table: HsdTable, path: Path, a: int, b: int, skeleton: bytes, ssa, rest) -> None:
    """Rows ``a:b`` of ``table`` as one workbook (header on row 1).

    ``ssa`` / ``rest``: the cells of each row with ``\\x00`` where the row number goes (cell references
    are written, ``r="B17"``: Excel does without them but ClosedXML, EPPlus and other readers an upload
    service may use do not). NUL can never be in the text: ``safe_text`` replaced it. The finished chunk
    is compressed and written on a second thread (zlib and file writes release the GIL) while the next
    chunk is formatted."""
    sheet_name = "xl/worksheets/sheet1.xml"
    with (
        zipfile.ZipFile(io.BytesIO(skeleton)) as src,
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as out,
        ThreadPoolExecutor(max_workers=1) as writer,
    ):
        for info in src.infolist():
            if info.filename != sheet_name:
                out.writestr(info.filename, src.read(info.filename))
                continue
            head, tail = _MARKER_ROW.split(src.read(sheet_name).decode("utf-8"), maxsplit=1)
            # Zip64 only when a part could pass 4 GiB of XML (~700 bytes a row): never at Excel's limit.
            with out.open(sheet_name, "w", force_zip64=(b - a) > 5_000_000) as fh:
                fh.write(head.encode("utf-8"))
                pending = None
                for start in range(a, b, CHUNK_ROWS):
                    stop = min(start + CHUNK_ROWS, b)
                    rows = ssa[table.county[start:stop] + 1] + rest[table.src[start:stop]]
                    numbers = map(str, range(start - a + 2, stop - a + 2))
                    data = "".join(map(str.replace, rows.tolist(), repeat("\0"), numbers)).encode("utf-8")
                    if pending is not None:
                        pending.result()  # one chunk in flight: memory stays flat
                    pending = writer.submit(fh.write, data)
                if pending is not None:
                    pending.result()
                fh.write(tail.encode("utf-8"))


def xlsx_parts(rows: int, max_rows: int = XLSX_MAX_ROWS) -> list[tuple[int, int]]:
    """Row ranges of the XLSX files a table of ``rows`` rows is split into (``max_rows`` with header)."""
    per = max_rows - 1
    if per < 1:
        raise ValueError(f"max_rows must leave room for a data row, got {max_rows}")
    return [(a, min(a + per, rows)) for a in range(0, max(rows, 1), per)] if rows else [(0, 0)]


def xlsx_names(kind: str, parts: int) -> list[str]:
    """File names of a table's XLSX parts: ``hsd_providers.xlsx``, or ``hsd_providers_part1.xlsx``..."""
    if parts == 1:
        return [f"{FILE_NAMES[kind]}.xlsx"]
    return [f"{FILE_NAMES[kind]}_part{i}.xlsx" for i in range(1, parts + 1)]


_PART_FILE = re.compile(r"^(hsd_providers|hsd_facilities)(_part\d+)?\.xlsx$")


def write_tables(
    tables: HsdTables,
    out_dir: Path,
    max_rows: int = XLSX_MAX_ROWS,
    also: dict[str, Callable[[Path], Any]] | None = None,
) -> list[Path]:
    """Write both tables as XLSX and CSV into ``out_dir``; returns the files written.

    A table with more rows than an Excel sheet holds (``max_rows``, header included: 1,048,576) is split
    into several XLSX files, ``hsd_providers_part1.xlsx``, ``..._part2.xlsx``, ..., each with the header
    row, rather than several sheets of one workbook: HPMS takes one table per upload, so each file is one
    upload, and a workbook of several million rows would not open in Excel on an ordinary desktop anyway.
    The CSV stays one file. XLSX files of an earlier export of the same table that this export does not
    rewrite (another split) are removed, so the folder never mixes two exports. Every file is written
    whole or not at all, and the set is replaced together (``atomic_outputs``); ``also`` adds files of the
    same export to that set (file name -> a writer taking the path to write), e.g. the rejection list."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # Every file of the export is written first and renamed together at the end (``atomic_outputs``), so
    # a crash mid-export leaves the previous export whole rather than new providers beside old facilities.
    jobs: list[tuple[Path, Any]] = []
    cost: list[float] = []  # ~us a row: XLSX row XML and compression ~3.3, CSV ~0.6 (docs/performance.md)
    stale: list[Path] = []
    for kind in ("provider", "facility"):
        table = tables.rows(kind)
        skeleton, style = _skeleton(table)
        text_style = f' s="{style}"'
        ssa, rest = _ssa_and_rest(
            table,
            lambda col, v, s=text_style: _xlsx_fragment(v, col in TEXT_COLUMNS, s),
            lambda i: ('<row r="\0">' if i == 0 else "") + f'<c r="{_letter(i)}\0"',
            "</row>",
            lambda col, texts, s=text_style: _vector_xlsx_text(texts, s if col in TEXT_COLUMNS else ""),
        )
        parts = xlsx_parts(len(table), max_rows)
        names = xlsx_names(kind, len(parts))
        for (a, b), name in zip(parts, names, strict=True):
            jobs.append(
                (
                    out_dir / name,
                    lambda tmp, t=table, a=a, b=b, sk=skeleton, ss=ssa, r=rest: _write_xlsx(
                        t, tmp, a, b, sk, ss, r
                    ),
                )
            )
            cost.append(3.3 * (b - a))
        for old in out_dir.iterdir():
            m = _PART_FILE.match(old.name)
            if m and m.group(1) == FILE_NAMES[kind] and old.name not in names:
                stale.append(old)
        jobs.append((out_dir / f"{FILE_NAMES[kind]}.csv", lambda tmp, t=table: _write_csv(t, tmp)))
        cost.append(0.6 * len(table))
    for name, write in (also or {}).items():
        jobs.append((out_dir / name, write))
        cost.append(1.0)
    with atomic_outputs([target for target, _ in jobs]) as temps:
        # The files are independent: with a second core a forked helper writes about half of them
        # (engine/forking.run_jobs); all of them are still renamed together, or none.
        run_jobs(
            [lambda tmp=tmp, write=write: write(tmp) for tmp, (_, write) in zip(temps, jobs, strict=True)],
            cost,
        )
    for old in stale:
        old.unlink()
    return [target for target, _ in jobs]


def _letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)
