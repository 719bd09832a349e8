"""Import the plan's enrollee distribution: ``blueprint import enrollees PROJECT FILE``.

Two forms (CSV or XLSX, read by ``data.tabular``; header names case-insensitive):

* ``zip,count``: enrollees per ZIP, each placed at its ZIP centroid (``geo.zips``) in the centroid's county;
* ``county_fips,latitude,longitude,count``: weighted points.

Each row becomes one weighted point in ``enrollee_points``; the points replace the census points of the
counties they cover when adequacy is measured (``geo.points.population_points``), and replace any
enrollee points imported earlier for those counties. Files with member-level columns are refused
(``data.phi``). What the import does not place is said, never dropped in silence:

* a ZIP we cannot place is reported (``rejected``), not guessed;
* a row with count 0 has nobody to place: it is skipped and listed (``skipped``), the rest imports;
* a negative, blank or non-numeric count refuses the file (row and column named), nothing changed;
* points in counties outside the project's service area are stored (a later change of the service area
  uses them) and reported (``outside_service_area``): scoring reads only the service area's counties
  (``population_points(area, project)``), so until then they count nowhere. ``outside_service_area``
  works that out for any set of counties, for the scoring run to report as well.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blueprint_desktop.data.phi import refuse_member_level
from blueprint_desktop.data.tabular import read_table
from blueprint_desktop.errors import InputFileError
from blueprint_desktop.progress import Progress
from blueprint_desktop.store.project import sha256_file

BATCH_KIND = "enrollees"
ZIP_FORM = ("zip", "count")
POINT_FORM = ("county_fips", "latitude", "longitude", "count")
LISTED = 20  # counties / rows listed in the report lines; the result holds them all


@dataclass
class EnrolleeImportResult:
    batch_id: int
    form: str
    rows_read: int
    points: int
    enrollees: float
    counties: list[str]
    rejected: list[dict[str, Any]] = field(default_factory=list)  # rows not placed (unknown ZIP)
    skipped: list[dict[str, Any]] = field(default_factory=list)  # rows with count 0
    # Stored but outside the service area: {"points", "enrollees", "counties": [{county_fips, name,
    # points, enrollees, zips}]}; scoring does not use them while the service area leaves them out.
    outside_service_area: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def report_lines(self) -> list[str]:
        """What the command line prints: the totals, then every row or point not used, and why."""
        lines = [
            f"loaded {self.points} enrollee points ({self.enrollees:g} enrollees) in {len(self.counties)} counties"
        ]
        for r in self.rejected[:LISTED]:
            lines.append(f"  rejected row {r['row']}: ZIP {r['zip']!r} ({r['reason']})")
        if len(self.rejected) > LISTED:
            lines.append(f"  ... and {len(self.rejected) - LISTED} more rejected rows")
        if self.skipped:
            rows = ", ".join(str(r["row"]) for r in self.skipped[:LISTED])
            more = f" and {len(self.skipped) - LISTED} more" if len(self.skipped) > LISTED else ""
            lines.append(
                f"  skipped {len(self.skipped)} rows with count 0 (nobody to place): rows {rows}{more}"
            )
        lines += outside_lines(self.outside_service_area)
        return lines


def outside_lines(outside: dict[str, Any]) -> list[str]:
    """Report lines for an ``outside_service_area`` summary (empty when nothing is outside)."""
    if not outside or not outside.get("points"):
        return []
    counties = outside["counties"]
    lines = [
        f"  {outside['enrollees']:g} enrollees ({outside['points']} points) are outside the service area: "
        f"kept for a later service-area change, not scored until then "
        f"({len(counties)} {'county' if len(counties) == 1 else 'counties'})"
    ]
    for c in counties[:LISTED]:
        zips = f" in ZIPs {', '.join(c['zips'])}" if c["zips"] else ""
        lines.append(f"    {c['county_fips']} {c['name']}: {c['enrollees']:g} enrollees{zips}")
    if len(counties) > LISTED:
        lines.append(f"    ... and {len(counties) - LISTED} more counties")
    return lines


def _summarise_outside(points: Sequence[dict[str, Any]], inside: set[str]) -> dict[str, Any]:
    from blueprint_desktop.geo.counties import county_name

    by_county: dict[str, dict[str, Any]] = {}
    for p in points:
        fips = p["county_fips"]
        if fips in inside:
            continue
        c = by_county.setdefault(fips, {"county_fips": fips, "points": 0, "enrollees": 0.0, "zips": set()})
        c["points"] += 1
        c["enrollees"] += p["weight"]
        if p.get("zip"):
            c["zips"].add(p["zip"])
    counties = []
    for fips in sorted(by_county):
        c = by_county[fips]
        try:
            name = county_name(fips)
        except KeyError:  # a FIPS our county table lacks (should not happen: the import checks them)
            name = "unknown county"
        counties.append({**c, "name": name, "zips": sorted(c["zips"])})
    return {
        "points": sum(c["points"] for c in counties),
        "enrollees": sum(c["enrollees"] for c in counties),
        "counties": counties,
    }


def outside_service_area(project, counties: Sequence[str] | None = None) -> dict[str, Any]:
    """Stored enrollee points outside ``counties`` (default: the service area), summed per county.

    ``population_points(counties, project)`` reads only those counties' points, so these are the
    enrollees a scoring run over ``counties`` does not see.
    """
    inside = set(project.service_area() if counties is None else counties)
    rows = project.conn.execute("SELECT county_fips, weight, zip FROM enrollee_points").fetchall()
    points = [{"county_fips": f, "weight": w, "zip": z} for f, w, z in rows]
    return _summarise_outside(points, inside)


def _count(value: str, path: Path, row: int, column: str) -> float:
    """The count of a row: a number, 0 or more (0 = nobody to place; the caller skips the row)."""
    text = str(value).strip().replace(",", "")
    try:
        num = float(text)
    except ValueError:
        num = math.nan
    if not math.isfinite(num) or num < 0:
        raise InputFileError(
            f"{path.name}: row {row}, column {column!r}: got {value!r}, expected a number of enrollees (0 or more)"
        )
    return num


def _zip5(value: str) -> str | None:
    """A ZIP as the centroid table knows it, or None.

    A 9-digit ZIP+4 that a spreadsheet stored as a number comes back with 6-8 digits when the ZIP starts
    with 0 (080511606 -> 80511606); no 5-digit ZIP is that long, so it is padded back to 9 first.
    """
    from blueprint_desktop.geo.zips import normalize_zip

    text = str(value).strip()
    if text.endswith(".0"):
        text = text[:-2]
    if text.isdigit() and 6 <= len(text) <= 8:
        text = text.zfill(9)
    return normalize_zip(text)


def read_enrollee_file(
    path: Path,
) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(form, points, rejected, skipped) from a file, refusing PHI and malformed rows."""
    from blueprint_desktop.geo import counties as geo
    from blueprint_desktop.geo.zips import zip_centroid

    table = read_table(path)  # refuses ZIP archives, .xls, unreadable text, in one line
    headers = table.headers
    if not table.rows:
        raise InputFileError(
            f"{path.name}: has a header but no data rows (expected zip,count or {','.join(POINT_FORM)} rows); "
            "nothing was changed"
        )
    # Headers and values (data.phi samples the rows): names, birth dates, MBIs/SSNs/HICNs are refused.
    refuse_member_level(path, headers, table.rows)
    cols = {h.strip().lower(): i for i, h in enumerate(headers)}
    if all(c in cols for c in POINT_FORM):
        form = "points"
    elif all(c in cols for c in ZIP_FORM):
        form = "zip"
    else:
        raise InputFileError(
            f"{path.name}: columns {', '.join(headers)} are neither zip,count nor {','.join(POINT_FORM)}"
        )
    points: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    for n, row in zip(table.row_numbers, table.rows, strict=True):
        count = _count(row[cols["count"]], path, n, headers[cols["count"]])
        if form == "zip":
            raw = row[cols["zip"]]
            if count == 0:
                skipped.append({"row": n, "zip": raw, "count": 0, "reason": "count 0"})
                continue
            z = _zip5(raw)
            hit = zip_centroid(z) if z else None
            if hit is None or not hit[2]:
                rejected.append({"row": n, "zip": raw, "count": count, "reason": "unknown ZIP"})
                continue
            lat, lon, fips = hit
            points.append({"county_fips": fips, "latitude": lat, "longitude": lon, "weight": count, "zip": z})
        else:
            fips = str(row[cols["county_fips"]]).strip()
            if fips.isdigit() and len(fips) < 5:
                fips = fips.zfill(5)
            if not (fips.isdigit() and len(fips) == 5 and geo.is_county(fips)):
                raise InputFileError(
                    f"{path.name}: row {n}, column {headers[cols['county_fips']]!r}: got {fips!r}, "
                    "expected a US county FIPS code"
                )
            if count == 0:
                skipped.append({"row": n, "county_fips": fips, "count": 0, "reason": "count 0"})
                continue
            try:
                lat, lon = float(row[cols["latitude"]]), float(row[cols["longitude"]])
            except ValueError:
                raise InputFileError(f"{path.name}: row {n}: latitude/longitude must be numbers") from None
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise InputFileError(f"{path.name}: row {n}: ({lat}, {lon}) is not a latitude/longitude")
            points.append(
                {"county_fips": fips, "latitude": lat, "longitude": lon, "weight": count, "zip": None}
            )
    if not points:
        raise InputFileError(
            f"{path.name}: no enrollee rows could be placed ({len(rejected)} rejected, "
            f"{len(skipped)} with count 0)"
        )
    return form, points, rejected, skipped


def import_enrollees(project, path: str | Path, progress: Progress | None = None) -> EnrolleeImportResult:
    """Load an enrollee distribution in one transaction (see the module doc for what is reported)."""
    path = Path(path)
    progress = progress or Progress()
    if not path.is_file():
        raise InputFileError(f"{path}: no such file")
    progress.update(0.1, f"reading {path.name}")
    form, points, rejected, skipped = read_enrollee_file(path)
    counties = sorted({p["county_fips"] for p in points})
    total = sum(p["weight"] for p in points)
    outside = _summarise_outside(points, set(project.service_area()))
    progress.update(0.6, "saving enrollee points")
    with project.transaction():
        marks = ",".join("?" * len(counties))
        replaced = project.conn.execute(
            f"SELECT count(*) FROM enrollee_points WHERE county_fips IN ({marks})", counties
        ).fetchone()[0]
        project.conn.execute(f"DELETE FROM enrollee_points WHERE county_fips IN ({marks})", counties)
        summary = {
            "form": form,
            "counties": counties,
            "enrollees": total,
            "rejected": len(rejected),
            "skipped_zero_count": len(skipped),
            "replaced_points": replaced,
            "outside_service_area": {
                "points": outside["points"],
                "enrollees": outside["enrollees"],
                "counties": [c["county_fips"] for c in outside["counties"]],
            },
        }
        rows_read = len(points) + len(rejected) + len(skipped)
        batch_id = project.record_batch(
            BATCH_KIND, path.name, sha256_file(path), rows_read, len(points), len(rejected), summary
        )
        for p in points:
            p["batch_id"] = batch_id
        project.insert_rows(
            "enrollee_points", points, ["county_fips", "latitude", "longitude", "weight", "zip", "batch_id"]
        )
        project.audit("import.enrollees", "import_batches", batch_id, summary)
    progress.update(1.0, "enrollees loaded")
    return EnrolleeImportResult(
        batch_id, form, rows_read, len(points), total, counties, rejected, skipped, outside
    )
