"""An essential community provider (ECP) list: ``blueprint import ecp PROJECT FILE``, for a QHP project.

CMS publishes the Final ECP List of each plan year (the available ECPs, 45 CFR 156.235); exchanges and issuers
keep their own copies and write-ins. A list is a CSV or XLSX with one row per ECP provider and site:

- NPI (``npi``, ``ecp_npi``, ``provider_npi``...) and name (``provider_name``, ``ecp_name``, ``facility_name``...);
- ECP category (``ecp_category``, ``category``...): one of the eight major categories (``rules/ecp_standard.py``);
- the site: street address, city, state, ZIP code, and optionally county (a name or a 5-digit FIPS code). With
  no county, the county is the ZIP code's (the bundled ZIP table), and the report says so.
- optionally the provider type (``ecp_provider_type``, ``facility_type``...), shown as written.

Which columns a CMS file uses could not be read from any stored copy, so the names above are ours and the
list of accepted names is in the message when one is missing. Every row is checked (NPI check digit, a known
category, a state, a ZIP code, a county that exists in that state); any bad row refuses the whole file with
each problem's row, column and value, and nothing is written. A list is only for a QHP project: the ECP
standard is the exchanges' (45 CFR 156.235), and a project never mixes lines of business.

Each load is one transaction. The newest list not removed is the one in force; ``remove_newest`` sets it
aside (its rows are kept, and loading the file again brings it back).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from blueprint_desktop.data.evidence_file import (
    NPI_ALIASES,
    NPI_EXPECTED,
    EvidenceFileError,
    RowProblem,
    cell,
    parse_npi,
    read_table,
    resolve_columns,
)
from blueprint_desktop.data.phi import refuse_member_level
from blueprint_desktop.errors import BlueprintError, InputFileError
from blueprint_desktop.store.project import sha256_file, utc_now

ECP_COLUMNS: dict[str, tuple[str, ...]] = {
    "npi": (*NPI_ALIASES, "ecp_npi", "organization_npi", "facility_npi", "site_npi"),
    "name": ("provider_name", "ecp_name", "ecp_provider_name", "facility_name", "organization_name",
             "site_name", "name"),
    "category": ("ecp_category", "major_ecp_category", "ecp_major_category", "category"),
    "provider type": ("ecp_provider_type", "ecp_provider_types", "provider_type", "facility_type",
                      "ecp_facility_type"),
    "address": ("site_street_address", "street_address", "address", "address_line_1", "street", "site_address",
                "address_1"),
    "city": ("site_city", "city"),
    "state": ("site_state", "state", "state_code"),
    "zip": ("site_zip_code", "site_zip", "zip_code", "zip", "zipcode", "postal_code"),
    "county": ("site_county", "county", "county_name", "county_fips"),
}  # fmt: skip
REQUIRED = ("npi", "name", "category", "address", "state", "zip")
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]+")


class NotAQhpProject(BlueprintError):
    pass


@dataclass
class EcpListResult:
    list_id: int
    file_name: str
    already_loaded: bool
    rows_read: int = 0
    sites: int = 0  # distinct locations (156.235(a)(2)(i): several providers at one location are one ECP)
    by_category: dict[str, int] = field(default_factory=dict)
    in_service_area: int = 0  # rows in the project's counties
    county_from_zip: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def require_qhp(project) -> None:
    if project.lob != "qhp":
        raise NotAQhpProject(
            f"an ECP list is for a QHP project (45 CFR 156.235); this project's line of business is "
            f"{project.lob.upper() if project.lob == 'ma' else project.lob.capitalize()}, and a project never "
            "mixes lines of business"
        )


def location_key(address: str, zip5: str) -> str:
    """The location an ECP row stands at: its street address with case, punctuation and spacing folded, and
    its ZIP code. Our reading of 'a single location' (156.235(a)(2)(i)): the same street address."""
    return f"{' '.join(_NOT_ALNUM.sub(' ', address or '').upper().split())}|{zip5}"


@lru_cache(maxsize=65536)
def _county(state: str, raw: str, zip5: str) -> tuple[str | None, str, str]:
    """(county FIPS, 'file' | 'zip', why not) of a row; cached, as a list repeats its counties and ZIPs."""
    from blueprint_desktop.geo import counties as geo
    from blueprint_desktop.geo.zips import zip_centroid
    from blueprint_desktop.rules import county_match

    if raw:
        if raw.isdigit() and len(raw) in (4, 5):
            fips = raw.zfill(5)
            if geo.is_county(fips) and geo.state_of(fips) == state:
                return fips, "file", ""
            return None, "file", f"a FIPS code of a county of {state}"
        fips, how = county_match.match_county(state, raw)
        return (fips, "file", "") if fips else (None, "file", f"a county of {state} ({how})")
    hit = zip_centroid(zip5)
    if hit is None or not hit[2]:
        return None, "zip", "a ZIP code the bundled ZIP table knows, or a county column"
    if geo.state_of(hit[2]) != state:
        return (
            None,
            "zip",
            f"a ZIP code of {state} (the bundled ZIP table places it in {geo.state_of(hit[2])})",
        )
    return hit[2], "zip", ""


def _read(path: Path) -> tuple[list[tuple], int]:
    from blueprint_desktop.geo import counties as geo
    from blueprint_desktop.geo.zips import normalize_zip
    from blueprint_desktop.rules.ecp_standard import category_names, parse_category

    table = read_table(path)
    refuse_member_level(path, table.headers, [v for _, v in table.rows[:500]], provider_file=True)
    cols = resolve_columns(table, ECP_COLUMNS, REQUIRED)
    name = {f: table.headers[i] for f, i in cols.items()}
    states = set(geo.load_states()["state"])
    problems: list[RowProblem] = []
    rows: list[tuple] = []
    for n, values in table.rows:
        before = len(problems)

        def text(fld: str, values: list[object] = values) -> str:
            return str(cell(values, cols.get(fld))).strip()

        npi = parse_npi(cell(values, cols["npi"]))
        if npi is None:
            problems.append(RowProblem(n, name["npi"], text("npi"), NPI_EXPECTED))
        for fld in ("name", "address"):
            if not text(fld):
                problems.append(
                    RowProblem(n, name[fld], "", f"the ECP's {'name' if fld == 'name' else 'street address'}")
                )
        category = parse_category(text("category"))
        if category is None:
            problems.append(
                RowProblem(n, name["category"], text("category"), "one of " + "; ".join(category_names()))
            )
        state = text("state").upper()
        if state not in states:
            problems.append(RowProblem(n, name["state"], text("state"), "a two-letter state code"))
        zip5 = normalize_zip(text("zip"))
        if zip5 is None:
            problems.append(RowProblem(n, name["zip"], text("zip"), "a 5-digit ZIP code (ZIP+4 is read)"))
        if len(problems) > before:
            continue
        fips, county_from, why = _county(state, text("county"), zip5)
        if fips is None:
            fld = "county" if county_from == "file" else "zip"
            problems.append(RowProblem(n, name[fld], text(fld), why))
            continue
        rows.append((n, npi, text("name"), category, text("provider type") or None, text("address"),
                     text("city") or None, state, zip5, fips, county_from))  # fmt: skip
    if problems:
        raise EvidenceFileError(path.name, problems)
    if not rows:
        raise InputFileError(f"{path.name}: no ECP rows (only a header)")
    return rows, len(table.rows)


def import_ecp_list(project, path: str | os.PathLike[str]) -> EcpListResult:
    """Load an ECP list into a QHP project; one transaction; any bad row refuses the file."""
    path = Path(path)
    require_qhp(project)
    rows, rows_read = _read(path)
    sha = sha256_file(path)
    area = set(project.service_area())
    by_category: dict[str, int] = {}
    for r in rows:
        by_category[r[3]] = by_category.get(r[3], 0) + 1
    summary = {
        "rows": len(rows),
        "sites": len({location_key(r[5], r[8]) for r in rows}),
        "by_category": by_category,
        "in_service_area": sum(r[9] in area for r in rows),
        "county_from_zip": sum(r[10] == "zip" for r in rows),
    }
    current = in_force(project)
    if current is not None and current["file_sha256"] == sha:
        return EcpListResult(current["id"], path.name, True, rows_read, summary["sites"], by_category,
                             summary["in_service_area"], summary["county_from_zip"])  # fmt: skip
    with project.transaction():
        cur = project.conn.execute(
            "INSERT INTO ecp_lists(file_name, file_sha256, imported_at, rows_read, summary_json)"
            " VALUES (?, ?, ?, ?, ?)",
            (path.name, sha, utc_now(), rows_read, json.dumps(summary, sort_keys=True)),
        )
        list_id = int(cur.lastrowid)
        project.conn.executemany(
            "INSERT INTO ecp_sites(list_id, row_number, npi, name, category, provider_type, address, city,"
            " state, zip, county_fips, county_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(list_id, *r) for r in rows],
        )
        project.audit("import.ecp_list", "ecp_lists", list_id, {"file": path.name, **summary})
    return EcpListResult(list_id, path.name, False, rows_read, summary["sites"], by_category,
                         summary["in_service_area"], summary["county_from_zip"])  # fmt: skip


def in_force(project) -> dict[str, Any] | None:
    """The ECP list in force: the newest one loaded and not removed."""
    if "ecp_lists" not in project.db.table_names():
        return None
    row = project.conn.execute(
        "SELECT id, file_name, file_sha256, imported_at, rows_read, summary_json FROM ecp_lists"
        " WHERE removed_at IS NULL ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    keys = ("id", "file_name", "file_sha256", "imported_at", "rows_read", "summary_json")
    out = dict(zip(keys, row, strict=True))
    out["summary"] = json.loads(out.pop("summary_json") or "{}")
    return out


def remove_newest(project) -> str:
    """Set the list in force aside (its rows are kept); the one loaded before it, if any, is in force again."""
    current = in_force(project)
    if current is None:
        raise BlueprintError("no ECP list is loaded")
    with project.transaction():
        project.conn.execute("UPDATE ecp_lists SET removed_at = ? WHERE id = ?", (utc_now(), current["id"]))
        project.audit("ecp_list.remove", "ecp_lists", current["id"], {"file": current["file_name"]})
    after = in_force(project)
    then = f"; {after['file_name']} is in force again" if after else "; no ECP list is loaded now"
    return f"removed {current['file_name']} (loaded {current['imported_at'][:10]}){then}"
