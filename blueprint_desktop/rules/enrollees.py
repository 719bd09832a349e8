"""Import the plan's enrollee distribution: ``blueprint import enrollees PROJECT FILE``.

Two CSV forms (header names case-insensitive):

* ``zip,count``: enrollees per ZIP, each placed at its ZIP centroid (``geo.zips``) in the centroid's county;
* ``county_fips,latitude,longitude,count``: weighted points.

Each row becomes one weighted point in ``enrollee_points``; the points replace the census points of the
counties they cover when adequacy is measured (``geo.points.population_points``), and replace any
enrollee points imported earlier for those counties. Files with member-level columns are refused
(``data.phi``). ZIPs we cannot place are reported, not guessed.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blueprint_desktop.data.phi import refuse_member_level
from blueprint_desktop.errors import InputFileError
from blueprint_desktop.progress import Progress
from blueprint_desktop.store.project import sha256_file

BATCH_KIND = "enrollees"
ZIP_FORM = ("zip", "count")
POINT_FORM = ("county_fips", "latitude", "longitude", "count")


@dataclass
class EnrolleeImportResult:
    batch_id: int
    form: str
    rows_read: int
    points: int
    enrollees: float
    counties: list[str]
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _count(value: str, path: Path, row: int) -> float:
    try:
        num = float(str(value).strip().replace(",", ""))
    except ValueError:
        raise InputFileError(
            f"{path.name}: row {row}, column 'count': {value!r} is not a number of enrollees"
        ) from None
    if not num > 0 or num != num:
        raise InputFileError(f"{path.name}: row {row}, column 'count': {value!r} must be a positive number")
    return num


def read_enrollee_file(path: Path) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    """(form, points, rejected) from a file, refusing PHI and malformed rows."""
    from blueprint_desktop.geo import counties as geo
    from blueprint_desktop.geo.zips import normalize_zip, zip_centroid

    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            headers = next(reader, None)
            rows = list(reader)
    except UnicodeDecodeError:
        raise InputFileError(f"{path.name}: not a UTF-8 text CSV file") from None
    if not headers:
        raise InputFileError(f"{path.name}: empty file; expected columns zip,count or {','.join(POINT_FORM)}")
    refuse_member_level(path, headers, rows[:200])
    cols = {h.strip().lower(): i for i, h in enumerate(headers)}
    if all(c in cols for c in POINT_FORM):
        form = "points"
    elif all(c in cols for c in ZIP_FORM):
        form = "zip"
    else:
        raise InputFileError(
            f"{path.name}: columns {', '.join(headers)} are neither zip,count nor {','.join(POINT_FORM)}"
        )
    points, rejected = [], []
    for n, row in enumerate(rows, start=2):
        if not any(str(c).strip() for c in row):
            continue
        row = row + [""] * (len(headers) - len(row))
        count = _count(row[cols["count"]], path, n)
        if form == "zip":
            z = normalize_zip(row[cols["zip"]])
            hit = zip_centroid(z) if z else None
            if hit is None or not hit[2]:
                rejected.append({"row": n, "zip": row[cols["zip"]], "count": count, "reason": "unknown ZIP"})
                continue
            lat, lon, fips = hit
            points.append({"county_fips": fips, "latitude": lat, "longitude": lon, "weight": count, "zip": z})
        else:
            fips = str(row[cols["county_fips"]]).strip()
            if fips.isdigit() and len(fips) < 5:
                fips = fips.zfill(5)
            if not (fips.isdigit() and len(fips) == 5 and geo.is_county(fips)):
                raise InputFileError(
                    f"{path.name}: row {n}, column 'county_fips': {fips!r} is not a US county FIPS code"
                )
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
        raise InputFileError(f"{path.name}: no enrollee rows could be placed ({len(rejected)} rejected)")
    return form, points, rejected


def import_enrollees(project, path: str | Path, progress: Progress | None = None) -> EnrolleeImportResult:
    path = Path(path)
    progress = progress or Progress()
    if not path.is_file():
        raise InputFileError(f"{path}: no such file")
    progress.update(0.1, f"reading {path.name}")
    form, points, rejected = read_enrollee_file(path)
    counties = sorted({p["county_fips"] for p in points})
    total = sum(p["weight"] for p in points)
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
            "replaced_points": replaced,
        }
        batch_id = project.record_batch(
            BATCH_KIND,
            path.name,
            sha256_file(path),
            len(points) + len(rejected),
            len(points),
            len(rejected),
            summary,
        )
        for p in points:
            p["batch_id"] = batch_id
        project.insert_rows(
            "enrollee_points", points, ["county_fips", "latitude", "longitude", "weight", "zip", "batch_id"]
        )
        project.audit("import.enrollees", "import_batches", batch_id, summary)
    progress.update(1.0, "enrollees loaded")
    return EnrolleeImportResult(
        batch_id, form, len(points) + len(rejected), len(points), total, counties, rejected
    )
