"""Import the NPPES market: ``blueprint import nppes PROJECT npidata_pfile_*.csv [--locations pl_pfile_*.csv]``.

Every provider in the project's states who could fill an HSD line becomes a *market* provider
(``providers.source = 'market'``, contract and credentialing ``'none'``): the pool recruitment targets
are drawn from (``engine.credited.candidate_mask``). What is kept, and why:

- **state**: the primary practice location's state is one of the project's states (default: the
  states of its service area), or the provider has a secondary practice location there (PL file);
- **line**: at least one of Healthcare Provider Taxonomy Code_1.._15 maps to an HSD line through our
  NUCC->HSD crosswalk (``rules.crosswalk.lines_for_taxonomy``); each line mapped becomes a
  ``provider_lines`` row, crediting the primary taxonomy (switch 'Y') first;
- **locations**: the primary practice address and every secondary one in the project's states, each
  placed at its ZIP centroid (``geocode_quality = 'zip-centroid'``, county from the centroid) or left
  unplaced (``'none'``) when the ZIP is unknown;
- **deactivation**: an NPI with an NPI Deactivation Date and no reactivation on or after it is stored
  with ``deactivated_date`` and is never a candidate (the engine skips deactivated rows).

**Roster providers are linked, not duplicated.** An NPI the project already has from its roster (or
entered by hand) gets no market row: a second row for the same person would make a contracted
provider whose credentialing is still pending look like a recruit. The import instead reports it as
matched and writes NPPES's verdict on deactivation onto the roster row's ``deactivated_date`` (the
engine then stops crediting it). Which roster rows the import deactivated is kept in the batch
summary, so a later file that shows the NPI active again clears only what NPPES set, never a date
that came from the roster itself. ``drop_market_rows_for_network`` removes market rows whose NPI has
since joined the roster (a roster import may call it).

**Batches.** A newer file replaces the previous market in one transaction: market rows are updated in
place by NPI (ids stay stable for saved what-if scenarios), added, or removed; their lines and
locations are rewritten. Re-importing the file that produced the current market (same SHA-256, same
PL file, same states) is recognised and changes nothing. Reading is by far the longest step, and it
happens before the transaction opens, so cancelling (``Progress``) never leaves a half-written market.

**Files that are not the published form.** A file re-saved by pandas or Excel (codes as ``2.0``, ZIPs
without their leading zero) has its kept rows put back in the published form before anything is built
(``nppes_reader.normalise_data_rows``); what cannot be put back unambiguously refuses the file naming
row, column, value and what was expected. How many values were put back is in the result
(``normalised``). A ZIP archive, a header-only file (CMS ships ``*_fileheader.csv`` beside the data)
and a file separated by semicolons are refused with that reason.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from blueprint_desktop.data import nppes_layout as L
from blueprint_desktop.data.nppes_reader import (
    LocationFilter,
    MarketFilter,
    Normalised,
    Scan,
    check_header,
    normalise_data_rows,
    normalise_pl_rows,
    read_header,
    scan_csv,
)
from blueprint_desktop.errors import BlueprintError, InputFileError
from blueprint_desktop.progress import Progress
from blueprint_desktop.store.project import sha256_file, utc_now

BATCH_KIND = "nppes"
READ_SHARE = 0.9  # of the progress bar: reading is nearly all the work
_SIGNATURE_BYTES = 1 << 20


@dataclass
class NppesImportResult:
    batch_id: int
    file_name: str
    sha256: str
    already_imported: bool
    states: list[str]
    rows_read: int = 0
    providers: int = 0  # market providers stored
    candidates: int = 0  # of which not deactivated
    deactivated: int = 0  # market providers stored as deactivated
    locations: int = 0
    secondary_locations: int = 0
    unplaced_locations: int = 0  # ZIP not known: geocode_quality 'none'
    provider_lines: int = 0
    lines: dict[str, int] = field(default_factory=dict)  # market providers per HSD line
    roster_matched: int = 0  # network NPIs found in the file (linked, no market row)
    roster_deactivated: int = 0  # network rows marked deactivated by this file
    roster_reactivated: int = 0  # network rows whose NPPES deactivation this file lifted
    removed: int = 0  # market providers of the previous batch not in this one
    invalid_npis: int = 0
    # Values a spreadsheet or pandas re-save had changed, put back (column -> how many), per file.
    normalised: dict[str, int] = field(default_factory=dict)
    locations_normalised: dict[str, int] = field(default_factory=dict)
    previous_batch_id: int | None = None
    bytes_read: int = 0
    seconds: float = 0.0

    @property
    def mb_per_s(self) -> float:
        return self.bytes_read / 1e6 / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["mb_per_s"] = round(self.mb_per_s, 1)
        return d


# -- inputs ------------------------------------------------------------------------------------------


def relevant_taxonomies(lob: str = "ma") -> dict[str, list[str]]:
    """Taxonomy code -> the lines it credits, for every taxonomy that credits at least one: the HSD lines,
    and in a Medicaid or QHP project the lines with no HSD code (rules/other_lines.py)."""
    from blueprint_desktop.rules.crosswalk import lines_for_taxonomy, load_crosswalk
    from blueprint_desktop.rules.other_lines import taxonomy_lines

    out = {}
    for code in load_crosswalk():
        lines = lines_for_taxonomy(code)
        if lines:
            out[code] = lines
    for code, lines in taxonomy_lines(lob).items():
        out[code] = list(dict.fromkeys([*out.get(code, []), *lines]))
    return out


def project_states(project, states: list[str] | str | None = None) -> list[str]:
    """The states to keep: given (validated USPS codes) or those of the service area."""
    from blueprint_desktop.geo.counties import load_states

    if isinstance(states, str):
        states = [s for s in states.replace(" ", ",").split(",") if s]
    if not states:
        states = [r[0] for r in project.conn.execute("SELECT DISTINCT state FROM service_area ORDER BY 1")]
        if not states:
            raise BlueprintError("the project has no service area; add counties or name the states to keep")
    known = set(load_states().state)
    out = []
    for s in states:
        code = str(s).strip().upper()
        if code not in known:
            raise BlueprintError(f"states: {s!r} is not a US state or territory code (e.g. TX)")
        out.append(code)
    return sorted(set(out))


def network_npis(project) -> set[str]:
    """NPIs the plan already has (roster or manual rows): linked, never duplicated as market rows."""
    return {r[0] for r in project.conn.execute("SELECT DISTINCT npi FROM providers WHERE source != 'market'")}


def quick_signature(path: Path) -> str:
    """Size plus the first and last MiB: a cheap test of "maybe the same file" before a full hash."""
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with open(path, "rb") as fh:
        digest.update(fh.read(_SIGNATURE_BYTES))
        fh.seek(max(0, size - _SIGNATURE_BYTES))
        digest.update(fh.read(_SIGNATURE_BYTES))
    return digest.hexdigest()


def _current_batch(project) -> dict[str, Any] | None:
    cur = project.conn.execute(
        "SELECT id, file_sha256, summary_json FROM import_batches WHERE kind = ? AND superseded_by IS NULL "
        "ORDER BY id DESC LIMIT 1",
        (BATCH_KIND,),
    )
    row = cur.fetchone()
    if not row:
        return None
    return {"id": row[0], "file_sha256": row[1], "summary": json.loads(row[2] or "{}")}


def _same_as_current(current, path, pl_path, states) -> bool:
    """True when the current market came from these very files and states (full hashes confirm)."""
    if current is None:
        return False
    s = current["summary"]
    pl_sig = quick_signature(pl_path) if pl_path else None
    if (s.get("quick_signature"), s.get("locations_quick_signature"), s.get("states")) != (
        quick_signature(path),
        pl_sig,
        states,
    ):
        return False
    if sha256_file(path) != current["file_sha256"]:
        return False
    return (sha256_file(pl_path) if pl_path else None) == s.get("locations_sha256")


# -- building the rows --------------------------------------------------------------------------------


def _iso_dates(values: pd.Series) -> pd.Series:
    """NPPES MM/DD/YYYY -> ISO text (None when blank or unreadable)."""
    parsed = pd.to_datetime(values.str.strip(), format="%m/%d/%Y", errors="coerce")
    return parsed.dt.strftime("%Y-%m-%d").where(parsed.notna(), None)


def _names(df: pd.DataFrame) -> list[str]:
    out = []
    for ent, org, first, middle, last, suffix, cred, npi in zip(
        df[L.ENTITY_TYPE],
        df[L.ORG_NAME],
        df[L.FIRST_NAME],
        df[L.MIDDLE_NAME],
        df[L.LAST_NAME],
        df[L.NAME_SUFFIX],
        df[L.CREDENTIAL],
        df[L.NPI],
        strict=True,
    ):
        if ent == L.ENTITY_ORGANIZATION or (org.strip() and not last.strip()):
            name = " ".join(org.split())
        else:
            name = " ".join(" ".join((first, middle, last, suffix)).split())
            if cred.strip():
                name = f"{name}, {cred.strip()}"
        out.append(name or f"NPI {npi}")
    return out


def _address(line1: pd.Series, line2: pd.Series) -> pd.Series:
    l1, l2 = line1.str.strip(), line2.str.strip()
    return l1.where(l2 == "", l1 + ", " + l2)


def _phones(df: pd.DataFrame, column: str) -> np.ndarray:
    """Display form of the practice phone column, or None where the file has no such column."""
    if column not in df.columns:
        return np.full(len(df), None, dtype=object)
    return np.array([L.phone_display(v) for v in df[column].to_numpy()], dtype=object)


def _geocode(locs: pd.DataFrame) -> pd.DataFrame:
    """ZIP-centroid placement; county from the centroid, else from the point; 'none' when unknown."""
    from blueprint_desktop.geo.counties import counties_of_points
    from blueprint_desktop.geo.zips import normalize_zip, zip_centroids

    locs = locs.copy()
    locs["zip"] = locs["zip"].map(normalize_zip)
    found = zip_centroids(locs["zip"].fillna(""))
    locs["latitude"] = found.lat.to_numpy(dtype=float)
    locs["longitude"] = found.lon.to_numpy(dtype=float)
    county = np.array(found.county_fips.astype(object), dtype=object)  # writable copy
    lat, lon = locs.latitude.to_numpy(), locs.longitude.to_numpy()
    # A few GeoNames ZIPs sit at (0, 0) ("null island"): unknown, not a place in the Gulf of Guinea.
    placed = ~np.isnan(lat) & ~((lat == 0) & (lon == 0))
    missing = placed & pd.isna(county)
    if missing.any():
        county[missing] = counties_of_points(locs.latitude[missing], locs.longitude[missing])
    locs["county_fips"] = np.where(pd.isna(county) | ~placed, None, county)
    locs["geocode_quality"] = np.where(placed, "zip-centroid", "none")
    locs["latitude"] = locs.latitude.astype(object).where(placed, None)
    locs["longitude"] = locs.longitude.astype(object).where(placed, None)
    return locs


@dataclass
class MarketRows:
    providers: pd.DataFrame  # npi, name, entity_type, deactivated_date
    lines: pd.DataFrame  # npi, line_code, taxonomy_code
    locations: pd.DataFrame  # npi, address, city, state, zip, county_fips, latitude, longitude, ...
    network: pd.DataFrame  # npi, deactivated_date: roster NPIs found in the file
    invalid_npis: int


def build_market_rows(
    kept: pa.Table,
    secondary: pa.Table | None,
    states: list[str],
    network: set[str],
    taxonomy_lines: dict[str, list[str]],
) -> MarketRows:
    """Turn the rows the reader kept into provider, line, location and roster-match frames."""
    df = kept.to_pandas()
    df = df.drop_duplicates(L.NPI, keep="last")
    npi = df[L.NPI].str.strip()
    valid = npi.str.fullmatch(r"\d{10}")
    invalid = int((~valid).sum())
    df = df[valid.to_numpy()].copy()
    df[L.NPI] = npi[valid]
    deact = _iso_dates(df[L.DEACTIVATION_DATE])
    react = _iso_dates(df[L.REACTIVATION_DATE])
    # Deactivated unless reactivated on or after the deactivation (Readme: NPI Reactivation Date).
    still = deact.notna() & (react.isna() | (react.fillna("") < deact.fillna("")))
    df["deactivated_date"] = deact.where(still, None)

    in_network = df[L.NPI].isin(network).to_numpy()
    network_rows = df.loc[in_network, [L.NPI, "deactivated_date"]].rename(columns={L.NPI: "npi"})

    # Long form of the 15 taxonomy slots, joined to the crosswalk.
    parts = []
    for slot, (tcol, scol) in enumerate(zip(L.TAXONOMY_CODES, L.PRIMARY_SWITCHES, strict=True), start=1):
        code = df[tcol].str.strip().str.upper()
        has = (code != "").to_numpy()
        if has.any():
            parts.append(
                pd.DataFrame(
                    {
                        "npi": df[L.NPI].to_numpy()[has],
                        "taxonomy_code": code.to_numpy()[has],
                        "primary": (df[scol].str.strip().str.upper() == "Y").to_numpy()[has],
                        "slot": slot,
                    }
                )
            )
    xw = pd.DataFrame(
        [(t, line) for t, lines in taxonomy_lines.items() for line in lines],
        columns=["taxonomy_code", "line_code"],
    )
    long = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["npi", "taxonomy_code", "primary", "slot"])
    )
    lines = long.merge(xw, on="taxonomy_code")
    lines = lines.sort_values(["npi", "line_code", "primary", "slot"], ascending=[True, True, False, True])
    lines = lines.drop_duplicates(["npi", "line_code"])[["npi", "line_code", "taxonomy_code"]]

    state = df[L.PRACTICE_STATE].str.strip().str.upper()
    sec = secondary.to_pandas() if secondary is not None and secondary.num_rows else None
    sec_npis = set(sec[L.PL_NPI].str.strip()) if sec is not None else set()
    in_area = state.isin(states) | df[L.NPI].isin(sec_npis)
    market = df[in_area.to_numpy() & ~in_network & df[L.NPI].isin(set(lines.npi)).to_numpy()]

    providers = pd.DataFrame(
        {
            "npi": market[L.NPI].to_numpy(),
            "name": _names(market),
            "entity_type": np.where(
                market[L.ENTITY_TYPE] == L.ENTITY_ORGANIZATION, "organization", "individual"
            ),
            "deactivated_date": market["deactivated_date"].to_numpy(),
        }
    )
    lines = lines[lines.npi.isin(set(providers.npi))].reset_index(drop=True)

    primary_here = market[state[market.index].isin(states).to_numpy()]
    locs = [
        pd.DataFrame(
            {
                "npi": primary_here[L.NPI].to_numpy(),
                "address": _address(
                    primary_here[L.PRACTICE_LINE1], primary_here[L.PRACTICE_LINE2]
                ).to_numpy(),
                "city": primary_here[L.PRACTICE_CITY].str.strip().to_numpy(),
                "state": primary_here[L.PRACTICE_STATE].str.strip().str.upper().to_numpy(),
                "zip": primary_here[L.PRACTICE_ZIP].str.strip().to_numpy(),
                "phone": _phones(primary_here, L.PRACTICE_PHONE),
                "secondary": False,
            }
        )
    ]
    if sec is not None:
        sec = sec[sec[L.PL_NPI].str.strip().isin(set(providers.npi))]
        locs.append(
            pd.DataFrame(
                {
                    "npi": sec[L.PL_NPI].str.strip().to_numpy(),
                    "address": _address(sec[L.PL_LINE1], sec[L.PL_LINE2]).to_numpy(),
                    "city": sec[L.PL_CITY].str.strip().to_numpy(),
                    "state": sec[L.PL_STATE].str.strip().str.upper().to_numpy(),
                    "zip": sec[L.PL_ZIP].str.strip().to_numpy(),
                    "phone": _phones(sec, L.PL_PHONE),
                    "secondary": True,
                }
            )
        )
    locations = pd.concat(locs, ignore_index=True)
    # The PL file sometimes repeats the primary address: one point per distinct address and ZIP.
    key = locations.address.str.upper().str.replace(r"\s+", " ", regex=True) + "|" + locations.zip.str[:5]
    locations = locations[~pd.DataFrame({"n": locations.npi, "k": key}).duplicated()].reset_index(drop=True)
    locations = _geocode(locations)
    return MarketRows(providers, lines, locations, network_rows, invalid)


# -- writing ------------------------------------------------------------------------------------------


def drop_market_rows_for_network(project) -> int:
    """Remove market rows whose NPI is on the roster (or entered by hand) now; returns how many.

    Call after a roster import, inside its transaction, so a newly contracted provider is never also
    offered as a recruit. The NPPES import does the same as part of replacing the market.
    """
    with project.transaction():
        cur = project.conn.execute(
            "DELETE FROM providers WHERE source = 'market' AND npi IN "
            "(SELECT npi FROM providers WHERE source != 'market')"
        )
        return cur.rowcount


def _stage(project, rows: MarketRows) -> None:
    c = project.conn
    for table in ("nppes_stage_providers", "nppes_stage_lines", "nppes_stage_locations"):
        c.execute(f"DROP TABLE IF EXISTS temp.{table}")
    c.execute(
        "CREATE TEMP TABLE nppes_stage_providers (npi TEXT PRIMARY KEY, name TEXT, entity_type TEXT, "
        "deactivated_date TEXT)"
    )
    c.execute("CREATE TEMP TABLE nppes_stage_lines (npi TEXT, line_code TEXT, taxonomy_code TEXT)")
    c.execute(
        "CREATE TEMP TABLE nppes_stage_locations (npi TEXT, address TEXT, city TEXT, state TEXT, zip TEXT, "
        "county_fips TEXT, latitude REAL, longitude REAL, geocode_quality TEXT, phone TEXT)"
    )
    p = rows.providers
    c.executemany(
        "INSERT INTO temp.nppes_stage_providers VALUES (?,?,?,?)",
        zip(p.npi, p.name, p.entity_type, p.deactivated_date, strict=True),
    )
    ln = rows.lines
    c.executemany(
        "INSERT INTO temp.nppes_stage_lines VALUES (?,?,?)",
        zip(ln.npi, ln.line_code, ln.taxonomy_code, strict=True),
    )
    lc = rows.locations
    c.executemany(
        "INSERT INTO temp.nppes_stage_locations VALUES (?,?,?,?,?,?,?,?,?,?)",
        zip(
            lc.npi,
            lc.address,
            lc.city,
            lc.state,
            lc.zip,
            lc.county_fips,
            lc.latitude,
            lc.longitude,
            lc.geocode_quality,
            lc.phone,
            strict=True,
        ),
    )


def _replace_market(project, rows: MarketRows, batch_id: int, now: str) -> int:
    """Swap the staged market in for the previous one; returns how many old market providers went."""
    c = project.conn
    _stage(project, rows)
    removed = c.execute(
        "DELETE FROM providers WHERE source = 'market' AND npi NOT IN (SELECT npi FROM temp.nppes_stage_providers)"
    ).rowcount
    c.execute(
        "UPDATE providers SET name = s.name, entity_type = s.entity_type, deactivated_date = s.deactivated_date, "
        "contract_status = 'none', credentialing_status = 'none', batch_id = ?, updated_at = ? "
        "FROM temp.nppes_stage_providers s WHERE providers.source = 'market' AND providers.npi = s.npi",
        (batch_id, now),
    )
    c.execute(
        "INSERT INTO providers (npi, name, entity_type, source, contract_status, credentialing_status, "
        "deactivated_date, batch_id, updated_at) SELECT s.npi, s.name, s.entity_type, 'market', 'none', 'none', "
        "s.deactivated_date, ?, ? FROM temp.nppes_stage_providers s WHERE NOT EXISTS "
        "(SELECT 1 FROM providers p WHERE p.source = 'market' AND p.npi = s.npi)",
        (batch_id, now),
    )
    market_ids = "SELECT id FROM providers WHERE source = 'market'"
    c.execute(f"DELETE FROM provider_lines WHERE provider_id IN ({market_ids})")
    c.execute(f"DELETE FROM locations WHERE provider_id IN ({market_ids})")
    c.execute(
        "INSERT INTO provider_lines (provider_id, line_code, taxonomy_code) SELECT p.id, s.line_code, "
        "s.taxonomy_code FROM temp.nppes_stage_lines s JOIN providers p ON p.source = 'market' AND p.npi = s.npi"
    )
    c.execute(
        "INSERT INTO locations (provider_id, address, city, state, zip, county_fips, latitude, longitude, "
        "geocode_quality, phone, batch_id) SELECT p.id, s.address, s.city, s.state, s.zip, s.county_fips, "
        "s.latitude, s.longitude, s.geocode_quality, s.phone, ? FROM temp.nppes_stage_locations s "
        "JOIN providers p ON p.source = 'market' AND p.npi = s.npi",
        (batch_id,),
    )
    for table in ("nppes_stage_providers", "nppes_stage_lines", "nppes_stage_locations"):
        c.execute(f"DROP TABLE temp.{table}")
    return removed


def _update_network(project, network: pd.DataFrame, previous: dict | None, now: str) -> tuple[dict, int, int]:
    """NPPES deactivation onto roster rows; lift only the dates an earlier NPPES import set."""
    c = project.conn
    set_by_us = dict((previous or {}).get("summary", {}).get("network_deactivations", {}))
    deactivations = {
        npi: d for npi, d in zip(network.npi, network.deactivated_date, strict=True) if isinstance(d, str)
    }
    found = set(network.npi)
    marked = lifted = 0
    for npi, d in sorted(deactivations.items()):
        marked += c.execute(
            "UPDATE providers SET deactivated_date = ?, updated_at = ? WHERE npi = ? AND source != 'market' "
            "AND deactivated_date IS NOT ?",
            (d, now, npi, d),
        ).rowcount
    for npi in sorted(found - set(deactivations)):
        if npi in set_by_us:
            lifted += c.execute(
                "UPDATE providers SET deactivated_date = NULL, updated_at = ? WHERE npi = ? AND source != 'market' "
                "AND deactivated_date = ?",
                (now, npi, set_by_us[npi]),
            ).rowcount
    # NPIs absent from this file keep what an earlier file said about them.
    for npi, d in set_by_us.items():
        if npi not in found:
            deactivations.setdefault(npi, d)
    return deactivations, marked, lifted


# -- the import ---------------------------------------------------------------------------------------


def _refuse_empty(scan: Scan, what: str) -> None:
    """A file with a header and no rows would empty the market: refuse it, saying what it probably is."""
    if scan.rows_read:
        return
    hint = ""
    if "fileheader" in scan.path.name.lower().replace("_", ""):
        # The monthly ZIP holds npidata_pfile_<dates>_fileheader.csv (the header alone) beside the data.
        hint = ": it is the header-only file CMS ships beside the data file; import the data file itself"
    raise InputFileError(f"{scan.path.name}: has the NPPES {what} header but no data rows{hint}")


def import_nppes(
    project,
    path: str | os.PathLike[str],
    locations_path: str | os.PathLike[str] | None = None,
    states: list[str] | str | None = None,
    progress: Progress | None = None,
    force: bool = False,
) -> NppesImportResult:
    """Import (or replace) the project's NPPES market from the monthly data file (+ its PL file)."""
    started = time.perf_counter()
    progress = progress or Progress()
    path = Path(path)
    pl_path = Path(locations_path) if locations_path else None
    for p in (path, pl_path):
        if p is not None and not p.is_file():
            raise InputFileError(f"{p}: no such file")
    header = read_header(path)
    columns = check_header(path, header, L.IMPORT_COLUMNS, "data file (npidata_pfile)")
    columns |= L.find_columns(header, L.OPTIONAL_IMPORT_COLUMNS)[0]
    if pl_path is not None:
        pl_header = read_header(pl_path)
        pl_columns = check_header(
            pl_path, pl_header, L.PL_IMPORT_COLUMNS, "practice location file (pl_pfile)"
        )
        pl_columns |= L.find_columns(pl_header, L.PL_OPTIONAL_IMPORT_COLUMNS)[0]
    chosen = project_states(project, states)
    current = _current_batch(project)
    if not force and _same_as_current(current, path, pl_path, chosen):
        progress.update(1.0, f"{path.name}: already the current market; nothing changed")
        return NppesImportResult(current["id"], path.name, current["file_sha256"], True, chosen)

    total = path.stat().st_size + (pl_path.stat().st_size if pl_path else 0)
    done_before = 0

    def on_bytes(n: int) -> None:
        progress.update(READ_SHARE * (done_before + n) / max(total, 1), f"reading {n / 1e6:,.0f} MB")

    secondary: Scan | None = None
    pl_rows: Normalised | None = None
    if pl_path is not None:
        secondary = scan_csv(pl_path, pl_header, pl_columns, LocationFilter(chosen), on_bytes)
        _refuse_empty(secondary, "practice location file")
        pl_rows = normalise_pl_rows(secondary.kept, pl_path, pl_columns)
        done_before = secondary.bytes_read
    taxonomy_lines = relevant_taxonomies(project.lob)
    network = network_npis(project)
    extra = set(pl_rows.table.column(L.PL_NPI).to_pylist()) if pl_rows else set()
    scan = scan_csv(path, header, columns, MarketFilter(chosen, taxonomy_lines, extra, network), on_bytes)
    _refuse_empty(scan, "data file")
    data_rows = normalise_data_rows(scan.kept, path, columns, chosen)
    progress.update(READ_SHARE, "building market providers")
    rows = build_market_rows(
        data_rows.table, pl_rows.table if pl_rows else None, chosen, network, taxonomy_lines
    )
    progress.check()

    now = utc_now()
    per_line = rows.lines.line_code.value_counts().sort_index()
    summary: dict[str, Any] = {
        "states": chosen,
        "quick_signature": quick_signature(path),
        "locations_file": pl_path.name if pl_path else None,
        "locations_sha256": secondary.sha256 if secondary else None,
        "locations_quick_signature": quick_signature(pl_path) if pl_path else None,
        "providers": len(rows.providers),
        "deactivated": int(rows.providers.deactivated_date.notna().sum()),
        "locations": len(rows.locations),
        "lines": {str(k): int(v) for k, v in per_line.items()},
        "roster_matched": len(rows.network),
        "invalid_npis": rows.invalid_npis,
        "normalised": data_rows.changed,
        "locations_normalised": pl_rows.changed if pl_rows else {},
        "previous_batch_id": current["id"] if current else None,
    }
    with project.transaction():
        batch_id = project.record_batch(
            BATCH_KIND,
            path.name,
            scan.sha256,
            scan.rows_read,
            len(rows.providers),
            rows.invalid_npis,
            summary,
        )
        progress.update(READ_SHARE + 0.02, "replacing the market")
        removed = _replace_market(project, rows, batch_id, now)
        progress.check()
        deactivations, marked, lifted = _update_network(project, rows.network, current, now)
        summary.update(
            removed=removed,
            network_deactivations=deactivations,
            roster_deactivated=marked,
            roster_reactivated=lifted,
        )
        project.conn.execute(
            "UPDATE import_batches SET summary_json = ? WHERE id = ?",
            (json.dumps(summary, sort_keys=True, default=str), batch_id),
        )
        project.conn.execute(
            "UPDATE import_batches SET superseded_by = ? WHERE kind = ? AND id != ? AND superseded_by IS NULL",
            (batch_id, BATCH_KIND, batch_id),
        )
        audit = {k: v for k, v in summary.items() if k not in ("network_deactivations", "lines")}
        project.audit("import.nppes", "import_batches", batch_id, audit)
        progress.check()
    progress.update(1.0, f"market: {len(rows.providers):,} providers")
    locs = rows.locations
    return NppesImportResult(
        batch_id=batch_id,
        file_name=path.name,
        sha256=scan.sha256,
        already_imported=False,
        states=chosen,
        rows_read=scan.rows_read,
        providers=len(rows.providers),
        candidates=int(rows.providers.deactivated_date.isna().sum()),
        deactivated=summary["deactivated"],
        locations=len(locs),
        secondary_locations=int(locs.secondary.sum()) if len(locs) else 0,
        unplaced_locations=int((locs.geocode_quality == "none").sum()) if len(locs) else 0,
        provider_lines=len(rows.lines),
        lines=summary["lines"],
        roster_matched=len(rows.network),
        roster_deactivated=marked,
        roster_reactivated=lifted,
        removed=removed,
        invalid_npis=rows.invalid_npis,
        normalised=data_rows.changed,
        locations_normalised=pl_rows.changed if pl_rows else {},
        previous_batch_id=current["id"] if current else None,
        bytes_read=scan.bytes_read + (secondary.bytes_read if secondary else 0),
        seconds=time.perf_counter() - started,
    )
