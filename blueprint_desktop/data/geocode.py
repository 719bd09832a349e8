"""Place practice locations on the map, offline, and upgrade them with the Census Bureau's batch geocoder.

Qualities (``store.schema.GEOCODE_QUALITIES``), best first:

* ``exact``: coordinates the roster gave (unless its geocode_quality column says otherwise), or a Census
  geocoder "Exact" match;
* ``interpolated``: a Census geocoder "Non_Exact" match (a point interpolated along a TIGER address range);
* ``zip-centroid``: the ZIP code's centre (``geo.zips``: the Census ZCTA interior point, else GeoNames);
* ``county-centroid``: the county's interior point, for a location with a county but an unknown ZIP;
* ``none``: not placed; the engine cannot count it (``engine.credited``).

The county of a location is the roster's when given, else the county containing the point
(``geo.counties.counties_of_points``), else the ZIP's dominant county.

The Census round trip: ``write_geocode_request`` writes the batch geocoder's INPUT format (no header;
Unique ID, Street address, City, State, ZIP; at most 10,000 records per file) for the locations not
already placed by address, with our ``locations.id`` as the Unique ID; the user uploads it at
geocoding.geo.census.gov (Geocoding Services API, "addressbatch"); ``import_census_geocodes`` reads the
RESULT file the Census returns: no header, one quoted CSV record per input, fields
  id, input address ("street, city, state, zip"), match indicator (Match | No_Match | Tie),
  match type (Exact | Non_Exact), matched address, "longitude,latitude", TIGER/Line id, side (L | R)
and, from the "geographies" variant, state FIPS, county FIPS, tract, block. Unmatched and tied records
carry only the first three fields.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from blueprint_desktop.data.roster_validate import Problem
from blueprint_desktop.errors import InputFileError
from blueprint_desktop.progress import Progress
from blueprint_desktop.store.project import sha256_file

GEOCODE_KIND = "geocodes"
# Census Geocoding Services API: "batch files of up to 10,000 records".
CENSUS_BATCH_LIMIT = 10_000
CENSUS_QUALITY = {"Exact": "exact", "Non_Exact": "interpolated"}
MATCH_INDICATORS = ("Match", "No_Match", "Tie")
# Locations a request asks the Census about: those not already placed from an address.
NEEDS_ADDRESS_GEOCODE = ("zip-centroid", "county-centroid", "none")


# -- offline placement ---------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _zip_points() -> dict[str, tuple[float, float, str | None]]:
    """ZIP -> (lat, lon, dominant county) as plain dicts: a roster looks up every row (pandas .at is slow)."""
    from blueprint_desktop.geo.zips import load_zip_centroids

    t = load_zip_centroids()
    return {
        str(z): (float(lat), float(lon), c if isinstance(c, str) else None)
        for z, lat, lon, c in zip(t.index, t.lat, t.lon, t.county_fips, strict=True)
        if not (np.isnan(lat) or np.isnan(lon))
    }


def place_locations(locations: Sequence[dict[str, Any]]) -> None:
    """Fill ``latitude, longitude, geocode_quality, county_fips`` of location dicts in place.

    Each dict has ``zip`` and may have ``latitude``/``longitude`` (given coordinates), ``geocode_quality``
    (the roster's, for given coordinates) and ``county_fips`` (the roster's county).
    """
    from blueprint_desktop.geo.counties import canonical_fips, counties_of_points, load_counties

    if not locations:
        return
    zips = _zip_points()
    counties = load_counties()
    for loc in locations:
        loc.setdefault("county_fips", None)
        if loc.get("latitude") is not None and loc.get("longitude") is not None:
            loc["geocode_quality"] = loc.get("geocode_quality") or "exact"
            loc["_zip_county"] = None
            continue
        point = zips.get(loc.get("zip") or "")
        if point:
            loc["latitude"], loc["longitude"], loc["_zip_county"] = point
            loc["geocode_quality"] = "zip-centroid"
            continue
        fips = loc.get("county_fips")
        key = canonical_fips(fips) if fips else None
        if key and key in counties.index:
            loc["latitude"], loc["longitude"] = float(counties.at[key, "lat"]), float(counties.at[key, "lon"])
            loc["geocode_quality"] = "county-centroid"
        else:
            loc["latitude"] = loc["longitude"] = None
            loc["geocode_quality"] = "none"
        loc["_zip_county"] = None
    need = [loc for loc in locations if not loc.get("county_fips") and loc.get("latitude") is not None]
    if need:
        # Most locations are placed at their ZIP's centre: the point-in-county test runs once per distinct
        # point (a national roster has ~40,000 ZIPs, not a million points), the same answer for each.
        points = {(x["latitude"], x["longitude"]): None for x in need}
        keys = list(points)
        found = counties_of_points([p[0] for p in keys], [p[1] for p in keys])
        points = dict(zip(keys, found, strict=True))
        for loc in need:
            loc["county_fips"] = points[(loc["latitude"], loc["longitude"])] or loc.get("_zip_county")
    for loc in locations:
        loc.pop("_zip_county", None)


# -- Census batch geocoder: request --------------------------------------------------------------------
@dataclass
class GeocodeRequest:
    files: list[Path]
    rows: int
    without_street: int  # locations that need a geocode but have no street address to send


def _request_rows(project) -> tuple[list[tuple[Any, ...]], int]:
    marks = ",".join("?" * len(NEEDS_ADDRESS_GEOCODE))
    rows = project.conn.execute(
        f"SELECT id, address, city, state, zip FROM locations WHERE geocode_quality IN ({marks}) ORDER BY id",
        NEEDS_ADDRESS_GEOCODE,
    ).fetchall()
    good = [r for r in rows if (r[1] or "").strip()]
    return [
        (r[0], r[1].strip(), (r[2] or "").strip(), (r[3] or "").strip(), (r[4] or "")[:5]) for r in good
    ], len(rows) - len(good)


def write_geocode_request(project, out: str | Path) -> GeocodeRequest:
    """Write the Census batch INPUT file(s); more than 10,000 locations go to OUT_001.csv, OUT_002.csv..."""
    out = Path(out)
    rows, skipped = _request_rows(project)
    chunks = [rows[i : i + CENSUS_BATCH_LIMIT] for i in range(0, len(rows), CENSUS_BATCH_LIMIT)] or [[]]
    suffix = out.suffix or ".csv"
    names = (
        [out]
        if len(chunks) == 1
        else [out.with_name(f"{out.stem}_{i:03d}{suffix}") for i in range(1, len(chunks) + 1)]
    )
    for name, chunk in zip(names, chunks, strict=True):
        with name.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh, lineterminator="\n").writerows(chunk)
    return GeocodeRequest(files=names, rows=len(rows), without_street=skipped)


def request_address(street: str | None, city: str | None, state: str | None, zip5: str | None) -> str:
    """The input address as the Census echoes it in a result: 'street, city, state, zip'."""
    return ", ".join([(street or "").strip(), (city or "").strip(), (state or "").strip(), (zip5 or "")[:5]])


def _address_key(text: str) -> str:
    return " ".join(re.sub(r"[^A-Za-z0-9]+", " ", text or "").upper().split())


# -- Census batch geocoder: result ---------------------------------------------------------------------
@dataclass
class CensusResult:
    row_number: int
    location_id: int
    input_address: str
    match: str
    match_type: str | None = None
    matched_address: str | None = None
    longitude: float | None = None
    latitude: float | None = None
    county_fips: str | None = None


class GeocodeFileError(InputFileError):
    """A Census result file refused whole; ``.problems`` lists every bad record."""

    def __init__(self, file_name: str, problems: list[Problem]) -> None:
        self.file_name = file_name
        self.problems = problems
        more = f" ({len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(
            f"{file_name}: not a Census Bureau batch geocoder result file; {problems[0]}{more}; nothing was changed"
        )


_FIELDS = (
    "id",
    "input address",
    "match",
    "match type",
    "matched address",
    "coordinates",
    "TIGER line id",
    "side",
)


def read_census_results(path: str | Path) -> list[CensusResult]:
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: no such file")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    out: list[CensusResult] = []
    problems: list[Problem] = []
    for number, rec in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        rec = [v.strip() for v in rec]
        if not any(rec):
            continue

        def bad(i: int, expected: str, rec=rec, number=number) -> None:
            problems.append(Problem(number, _FIELDS[i], rec[i] if i < len(rec) else "", expected))

        if len(rec) < 3:
            bad(len(rec), "id, input address and match indicator at least")
            continue
        if not rec[0].isdigit():
            bad(0, "a location id from 'blueprint export geocode-request' (a whole number)")
            continue
        if rec[2] not in MATCH_INDICATORS:
            bad(2, "Match, No_Match or Tie")
            continue
        result = CensusResult(number, int(rec[0]), rec[1], rec[2])
        if rec[2] == "Match":
            if len(rec) < 6 or rec[3] not in CENSUS_QUALITY:
                bad(3, "Exact or Non_Exact")
                continue
            try:
                lon_text, lat_text = rec[5].split(",")
                lon, lat = float(lon_text), float(lat_text)
            except ValueError:
                bad(5, "'longitude,latitude' of the match")
                continue
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                bad(5, "'longitude,latitude' in range")
                continue
            result.match_type, result.matched_address = rec[3], rec[4]
            result.longitude, result.latitude = lon, lat
            if len(rec) >= 10 and rec[8].isdigit() and rec[9].isdigit():
                result.county_fips = rec[8].zfill(2) + rec[9].zfill(3)
        out.append(result)
    if problems:
        raise GeocodeFileError(path.name, problems)
    if not out:
        raise InputFileError(
            f"{path.name}: no records (expected the Census Bureau batch geocoder result file)"
        )
    return out


@dataclass
class GeocodeImportResult:
    batch_id: int | None
    records: int
    upgraded: dict[str, int] = field(default_factory=dict)  # quality -> locations set to it
    no_match: int = 0
    tie: int = 0
    unknown_ids: list[int] = field(default_factory=list)  # no such location (any more)
    changed_address: list[int] = field(default_factory=list)  # location's address differs from the request
    already_imported: bool = False

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def import_census_geocodes(
    project, path: str | Path, progress: Progress | None = None
) -> GeocodeImportResult:
    """Upgrade locations from a Census batch result: Exact -> 'exact', Non_Exact -> 'interpolated'.

    A record whose location no longer exists, or whose address changed since the request (a newer
    roster), is left alone and reported: its coordinates belong to another address.
    """
    from blueprint_desktop.geo.counties import counties_of_points

    progress = progress or Progress()
    path = Path(path)
    results = read_census_results(path)
    digest = sha256_file(path)
    prior = project.find_batch(GEOCODE_KIND, digest)
    if prior:
        return GeocodeImportResult(prior["id"], len(results), already_imported=True)
    progress.update(0.2, "matching locations")
    ids = sorted({r.location_id for r in results})
    known: dict[int, tuple[Any, ...]] = {}
    for i in range(0, len(ids), 900):
        chunk = ids[i : i + 900]
        for row in project.conn.execute(
            f"SELECT id, address, city, state, zip FROM locations WHERE id IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            known[row[0]] = row
    result = GeocodeImportResult(None, len(results))
    updates: list[CensusResult] = []
    for r in results:
        if r.match == "No_Match":
            result.no_match += 1
        elif r.match == "Tie":
            result.tie += 1
        elif r.location_id not in known:
            result.unknown_ids.append(r.location_id)
        elif _address_key(request_address(*known[r.location_id][1:])) != _address_key(r.input_address):
            result.changed_address.append(r.location_id)
        else:
            updates.append(r)
    missing = [r for r in updates if r.county_fips is None]
    if missing:
        for r, fips in zip(
            missing,
            counties_of_points([r.latitude for r in missing], [r.longitude for r in missing]),
            strict=True,
        ):
            r.county_fips = fips
    progress.update(0.6, f"updating {len(updates):,} locations")
    with project.transaction():
        for r in updates:
            quality = CENSUS_QUALITY[r.match_type or ""]
            project.conn.execute(
                "UPDATE locations SET latitude = ?, longitude = ?, geocode_quality = ?,"
                " county_fips = COALESCE(?, county_fips) WHERE id = ?",
                (r.latitude, r.longitude, quality, r.county_fips, r.location_id),
            )
            result.upgraded[quality] = result.upgraded.get(quality, 0) + 1
        summary = {
            "upgraded": result.upgraded,
            "no_match": result.no_match,
            "tie": result.tie,
            "unknown_ids": len(result.unknown_ids),
            "changed_address": len(result.changed_address),
        }
        result.batch_id = project.record_batch(
            GEOCODE_KIND, path.name, digest, len(results), len(updates), len(results) - len(updates), summary
        )
        project.audit("geocodes.import", "import_batches", result.batch_id, summary)
    progress.update(1.0, "done")
    return result
