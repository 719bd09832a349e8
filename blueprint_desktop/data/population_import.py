"""Load a finer population: ``blueprint import population PROJECT FILE``.

A plan with a better picture of where beneficiaries live than the bundled census sample (``geo/sample.py``)
can load it as weighted points, typically Census blocks or block groups with their population aged 65+.
CSV or XLSX (read by ``data.tabular``; header names case-insensitive), one row per point:

| column | holds | accepted |
|---|---|---|
| ``geoid`` (or ``geo_id``) | the block group (12 digits) or block (15 digits) | digits; 11 or 14 digits get their lost leading 0 back; a ``1500000US...`` prefix is removed |
| ``county_fips`` | the county, when there is no ``geoid`` (with both, they must agree) | a current US county FIPS |
| ``latitude`` (or ``lat``, ``intptlat``), ``longitude`` (``lon``, ``lng``, ``intptlon``) | the point, e.g. the Census internal point | degrees; the point must lie in its county (within ``TOLERANCE_DEG``) |
| ``pop_65`` (or ``count``) | the people aged 65+ there (the project's population group: below) | a number, 0 or more |

Either ``geoid`` or ``county_fips`` is needed. What happens to each row:

* **bad values refuse the file**, nothing changed: every bad row is reported with its row, column, value
  and what was expected (``PopulationFileRejected.problems``), not just the first;
* a row with ``pop_65`` 0 has nobody to place: skipped and counted (``skipped``), the rest loads;
* files with member-level columns are refused (``data.phi``);
* points in counties outside the service area are stored (a later change of the service area uses them)
  and reported (``outside_service_area``), never dropped in silence;
* a county whose file total is far from its census 65+ population is reported (``coverage``): the file's
  points replace *all* the census points of every county they touch, so a file that covers only part of a
  county leaves the rest of it unpopulated.

The count is of the people the project's line of business enrolls (``geo/population_group.py``): 65+ for
MA, under 65 for QHP, every age for Medicaid. The column keeps its name (``pop_65`` or ``count``) and the
result its fields; the coverage check compares with the census count of that group, and the report says
which people it counted.

The points go to ``population_file_points`` (schema 8) in one transaction, replacing points loaded earlier
for the counties the file covers. ``geo.points.population_points`` uses them instead of the census points of
those counties (enrollee points, where a county has them, still come first).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from blueprint_desktop.data.phi import refuse_member_level
from blueprint_desktop.data.roster_validate import Problem
from blueprint_desktop.data.tabular import read_table
from blueprint_desktop.errors import InputFileError, RowsRejected
from blueprint_desktop.geo.population_group import group_for
from blueprint_desktop.progress import Progress
from blueprint_desktop.store.project import sha256_file

BATCH_KIND = "population"
TABLE = "population_file_points"
# A point may lie this far (degrees, ~2 km) outside its county's outline: the outlines are simplified at
# ~100 m, and a block's internal point on a shore or a county line can fall just outside them.
TOLERANCE_DEG = 0.02
# Coverage: a county whose file total is below LOW or above HIGH times its census 65+ population is reported.
COVERAGE_LOW, COVERAGE_HIGH = 0.5, 2.0
LISTED = 20  # counties / rows listed in the report lines; the result holds them all

ALIASES = {
    "geoid": ("geoid", "geo_id"),
    "county_fips": ("county_fips",),
    "latitude": ("latitude", "lat", "intptlat"),
    "longitude": ("longitude", "lon", "lng", "intptlon"),
    "count": ("pop_65", "count"),
}
SHOWN = {n: " or ".join(spellings) for n, spellings in ALIASES.items()}
SHOWN["count"] = "pop_65 (or count)"
GEOID_EXPECTED = "a Census block group (12 digits) or block (15 digits) GEOID in a US county"
COUNTY_EXPECTED = "a current US county FIPS code (5 digits)"
COUNT_EXPECTED = "a number of people aged 65+ (0 or more)"


class PopulationFileRejected(RowsRejected):
    """The file was refused because of bad rows; ``.problems`` lists every one. Nothing was changed."""

    outcome = "nothing was changed"


@dataclass
class PopulationImportResult:
    batch_id: int
    rows_read: int
    points: int
    pop_65: float
    counties: list[str]
    replaced_points: int = 0
    skipped: list[int] = field(default_factory=list)  # row numbers with pop_65 0
    # Stored but outside the service area: {"points", "pop_65", "counties": [{county_fips, name, points, pop_65}]}
    outside_service_area: dict[str, Any] = field(default_factory=dict)
    # Counties whose file total is far from the census 65+: [{county_fips, name, file_pop_65, census_pop_65, ratio}]
    coverage: list[dict[str, Any]] = field(default_factory=list)
    people: str = "people aged 65+"  # whom the counts are of: the project's population group

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def report_lines(self) -> list[str]:
        """What the command line prints: the totals, then what was not used or looks partial, and why."""
        lines = [
            f"loaded {self.points:,} population points ({self.pop_65:,.0f} {self.people}) in "
            f"{len(self.counties)} {'county' if len(self.counties) == 1 else 'counties'}; they replace the "
            "census points of those counties"
        ]
        if self.replaced_points:
            lines.append(f"  replaced {self.replaced_points:,} points loaded earlier for those counties")
        if self.skipped:
            rows = ", ".join(str(r) for r in self.skipped[:LISTED])
            more = f" and {len(self.skipped) - LISTED:,} more" if len(self.skipped) > LISTED else ""
            lines.append(
                f"  skipped {len(self.skipped):,} rows with pop_65 0 (nobody to place): rows {rows}{more}"
            )
        out = self.outside_service_area
        if out.get("points"):
            counties = out["counties"]
            lines.append(
                f"  {out['pop_65']:,.0f} {self.people} ({out['points']:,} points) are outside the service area: "
                f"kept for a later service-area change, not scored until then ({len(counties)} "
                f"{'county' if len(counties) == 1 else 'counties'})"
            )
            for c in counties[:LISTED]:
                lines.append(
                    f"    {c['county_fips']} {c['name']}: {c['pop_65']:,.0f} in {c['points']:,} points"
                )
            if len(counties) > LISTED:
                lines.append(f"    ... and {len(counties) - LISTED} more counties")
        for c in self.coverage[:LISTED]:
            lines.append(
                f"  check {c['county_fips']} {c['name']}: the file gives {c['file_pop_65']:,.0f} {self.people}, "
                f"the census {c['census_pop_65']:,.0f} ({c['ratio']:.0%}); the file's points replace all of the "
                "county's census points"
            )
        if len(self.coverage) > LISTED:
            lines.append(f"  ... and {len(self.coverage) - LISTED} more counties to check")
        return lines


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(header or "").strip().lower()).strip("_")


def _columns(path: Path, headers: Sequence[str]) -> dict[str, int]:
    """field -> column index; refuses a file without the columns needed."""
    index = {_norm(h): i for i, h in enumerate(headers)}
    cols: dict[str, int] = {}
    for name, spellings in ALIASES.items():
        found = [s for s in spellings if s in index]
        if len(found) > 1:
            raise InputFileError(
                f"{path.name}: columns {' and '.join(repr(headers[index[s]]) for s in found)} are two spellings "
                f"of one column ({' or '.join(spellings)}); keep one"
            )
        if found:
            cols[name] = index[found[0]]
    missing = [SHOWN[n] for n in ("latitude", "longitude", "count") if n not in cols]
    if "geoid" not in cols and "county_fips" not in cols:
        missing.insert(0, "geoid or county_fips")
    if missing:
        raise InputFileError(
            f"{path.name}: columns {', '.join(headers)}: missing {', '.join(missing)}; expected geoid (or "
            "county_fips), latitude, longitude, pop_65 (or count)"
        )
    return cols


def _geoid(text: str) -> str | None:
    """A 12- or 15-digit GEOID, or None. Census's '1500000US...' prefix is removed; 11 or 14 digits are a
    GEOID whose leading 0 a spreadsheet dropped."""
    value = text.strip()
    if "US" in value.upper():
        value = value[value.upper().rindex("US") + 2 :]
    if value.endswith(".0"):
        value = value[:-2]
    if not value.isdigit():
        return None
    if len(value) in (11, 14):
        value = "0" + value
    return value if len(value) in (12, 15) else None


def _number(text: str) -> float | None:
    try:
        value = float(str(text).strip().replace(",", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_population_file(path: Path) -> tuple[list[dict[str, Any]], list[int], int]:
    """(points, row numbers with pop_65 0, rows read), or PopulationFileRejected listing every bad row."""
    from blueprint_desktop.geo import counties as geo

    table = read_table(path)  # refuses ZIP archives, .xls, unreadable text, in one line
    headers = table.headers
    if not table.rows:
        raise InputFileError(
            f"{path.name}: has a header but no data rows (expected one row per point); nothing was changed"
        )
    # Headers and values (data.phi samples the rows): names, birth dates, MBIs/SSNs/HICNs are refused.
    refuse_member_level(path, headers, table.rows)
    cols = _columns(path, headers)
    head = {name: headers[i] for name, i in cols.items()}
    problems: list[Problem] = []
    points: list[dict[str, Any]] = []
    skipped: list[int] = []
    first_row: dict[str, int] = {}

    def cell(row: list[str], name: str) -> str:
        i = cols.get(name)
        return "" if i is None or i >= len(row) else str(row[i]).strip()

    for n, row in zip(table.row_numbers, table.rows, strict=True):
        bad = len(problems)
        geoid = fips = None
        if "geoid" in cols:
            raw = cell(row, "geoid")
            geoid = _geoid(raw)
            if geoid is None or not geo.is_county(geoid[:5]):
                problems.append(Problem(n, head["geoid"], raw, GEOID_EXPECTED))
                geoid = None
            elif geoid in first_row:
                problems.append(
                    Problem(n, head["geoid"], raw, f"a GEOID not already given (row {first_row[geoid]})")
                )
            else:
                first_row[geoid] = n
                fips = geoid[:5]
        if "county_fips" in cols:
            raw = cell(row, "county_fips")
            given = raw[:-2] if raw.endswith(".0") else raw
            given = given.zfill(5) if given.isdigit() and len(given) < 5 else given
            if not (given.isdigit() and len(given) == 5 and geo.is_county(given)):
                problems.append(Problem(n, head["county_fips"], raw, COUNTY_EXPECTED))
            elif geoid is not None and given != geoid[:5]:
                problems.append(
                    Problem(n, head["county_fips"], raw, f"the county of GEOID {geoid}: {geoid[:5]}")
                )
            elif "geoid" not in cols:
                fips = given
        coords = []
        for name, low, high in (("latitude", -90.0, 90.0), ("longitude", -180.0, 180.0)):
            raw = cell(row, name)
            value = _number(raw)
            if value is None or not low <= value <= high:
                problems.append(Problem(n, head[name], raw, f"a {name} in degrees ({low:g} to {high:g})"))
            coords.append(value)
        raw = cell(row, "count")
        count = _number(raw)
        if count is None or count < 0:
            problems.append(Problem(n, head["count"], raw, COUNT_EXPECTED))
        if len(problems) > bad:
            continue
        if count == 0:
            skipped.append(n)
            continue
        points.append(
            {"row": n, "county_fips": fips, "geoid": geoid, "latitude": coords[0], "longitude": coords[1],
             "weight": count}
        )  # fmt: skip
    problems += _outside_their_county(points, head)
    if problems:
        raise PopulationFileRejected(path.name, problems, len({p.row_number for p in problems}))
    if not points:
        raise InputFileError(
            f"{path.name}: no row with people aged 65+ to place ({len(skipped)} rows with pop_65 0)"
        )
    return points, skipped, len(table.rows)


def _outside_their_county(points: list[dict[str, Any]], head: dict[str, str]) -> list[Problem]:
    """A problem for every point farther than TOLERANCE_DEG from its county's outline."""
    from blueprint_desktop.geo import counties as geo

    if not points:
        return []
    fips = np.array([p["county_fips"] for p in points], dtype=object)
    lat = np.array([p["latitude"] for p in points], dtype=float)
    lon = np.array([p["longitude"] for p in points], dtype=float)
    found = geo.counties_of_points(lat, lon)
    check = np.flatnonzero(found != fips)
    if not len(check):
        return []
    outlines = geo.county_geometries(sorted(set(fips[check])), display=False).set_index("fips").geometry
    geoms = outlines.reindex(fips[check]).to_numpy()
    near = shapely.dwithin(geoms, shapely.points(lon[check], lat[check]), TOLERANCE_DEG)
    problems = []
    for i in check[~near]:
        where = f"it lies in {geo.county_name(found[i])}" if found[i] else "it lies in no US county"
        problems.append(
            Problem(
                points[i]["row"],
                f"{head['latitude']}, {head['longitude']}",
                f"{lat[i]:g}, {lon[i]:g}",
                f"a point in its county {fips[i]} {geo.county_name(fips[i])} ({where})",
            )
        )
    return problems


def _outside(points: Sequence[dict[str, Any]], inside: set[str]) -> dict[str, Any]:
    from blueprint_desktop.geo.counties import county_name

    by_county: dict[str, dict[str, Any]] = {}
    for p in points:
        if p["county_fips"] in inside:
            continue
        c = by_county.setdefault(
            p["county_fips"], {"county_fips": p["county_fips"], "points": 0, "pop_65": 0.0}
        )
        c["points"] += 1
        c["pop_65"] += p["weight"]
    counties = [{**by_county[f], "name": county_name(f)} for f in sorted(by_county)]
    return {
        "points": sum(c["points"] for c in counties),
        "pop_65": sum(c["pop_65"] for c in counties),
        "counties": counties,
    }


def _coverage(points: Sequence[dict[str, Any]], group=None) -> list[dict[str, Any]]:
    """Counties whose file total is far from the census count of the project's population group."""
    from blueprint_desktop.geo.counties import county_name, load_counties
    from blueprint_desktop.geo.population_group import counts

    group = group or group_for("ma")
    rows = load_counties()
    census = rows.pop_65 if group.key == "65+" else pd.Series(counts(rows, group), index=rows.index)
    totals: dict[str, float] = {}
    for p in points:
        totals[p["county_fips"]] = totals.get(p["county_fips"], 0.0) + p["weight"]
    out = []
    for fips in sorted(totals):
        expected = float(census.get(fips, 0) or 0)
        ratio = totals[fips] / expected if expected > 0 else math.inf
        if not COVERAGE_LOW <= ratio <= COVERAGE_HIGH:
            out.append(
                {"county_fips": fips, "name": county_name(fips), "file_pop_65": totals[fips],
                 "census_pop_65": expected, "ratio": ratio}
            )  # fmt: skip
    return out


def import_population(project, path: str | Path, progress: Progress | None = None) -> PopulationImportResult:
    """Load a population file in one transaction (see the module doc for what is refused and reported)."""
    path = Path(path)
    progress = progress or Progress()
    if not path.is_file():
        raise InputFileError(f"{path}: no such file")
    progress.update(0.1, f"reading {path.name}")
    points, skipped, rows_read = read_population_file(path)
    counties = sorted({p["county_fips"] for p in points})
    total = float(sum(p["weight"] for p in points))
    outside = _outside(points, set(project.service_area()))
    group = group_for(getattr(project, "lob", None))
    coverage = _coverage(points, group)
    progress.update(0.6, "saving population points")
    with project.transaction():
        marks = ",".join("?" * len(counties))
        replaced = project.conn.execute(
            f"SELECT count(*) FROM {TABLE} WHERE county_fips IN ({marks})", counties
        ).fetchone()[0]
        project.conn.execute(f"DELETE FROM {TABLE} WHERE county_fips IN ({marks})", counties)
        summary = {
            "counties": counties,
            "points": len(points),
            "pop_65": total,
            "skipped_zero_count": len(skipped),
            "replaced_points": replaced,
            "outside_service_area": {
                "points": outside["points"],
                "pop_65": outside["pop_65"],
                "counties": [c["county_fips"] for c in outside["counties"]],
            },
            "coverage_to_check": [c["county_fips"] for c in coverage],
        }
        batch_id = project.record_batch(
            BATCH_KIND, path.name, sha256_file(path), rows_read, len(points), 0, summary
        )
        for p in points:
            p["batch_id"] = batch_id
        project.insert_rows(
            TABLE, points, ["county_fips", "geoid", "latitude", "longitude", "weight", "batch_id"]
        )
        project.audit("import.population", "import_batches", batch_id, summary)
    progress.update(1.0, "population loaded")
    people = "people aged 65+" if group.key == "65+" else group.words
    return PopulationImportResult(
        batch_id, rows_read, len(points), total, counties, replaced, skipped, outside, coverage, people
    )


def clear_population(project, counties: Sequence[str] | None = None) -> int:
    """Remove loaded population points (of ``counties``, or all), audited; census points apply again."""
    with project.transaction():
        if counties is None:
            removed = project.conn.execute(f"DELETE FROM {TABLE}").rowcount
        else:
            wanted = sorted({str(c).strip().zfill(5) for c in counties})
            marks = ",".join("?" * len(wanted))
            removed = project.conn.execute(
                f"DELETE FROM {TABLE} WHERE county_fips IN ({marks})", wanted
            ).rowcount
        project.audit(
            "population.clear",
            TABLE,
            None,
            {"counties": None if counties is None else wanted, "points": removed},
        )
    return int(removed)


def population_file_summary(project) -> list[dict[str, Any]]:
    """Per county with loaded points: county_fips, points, pop_65."""
    rows = project.conn.execute(
        f"SELECT county_fips, count(*), sum(weight) FROM {TABLE} GROUP BY county_fips ORDER BY county_fips"
    ).fetchall()
    return [{"county_fips": f, "points": n, "pop_65": w} for f, n, w in rows]
