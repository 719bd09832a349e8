"""Import a network roster: preview, validate, diff against the roster it replaces, write in one transaction.

``preview_roster`` (for the GUI wizard) reads the file, recognises its layout or proposes a mapping, and
lists every problem. ``import_roster`` imports it:

* a file with any bad row is refused whole (``RosterRejected`` carries every problem) and NOTHING in the
  project changes, unless ``skip_bad_rows``: then the good rows are imported and the rejected ones are kept
  on record in ``import_problems``;
* the same file (by SHA-256) imported again is recognised and nothing is re-imported, unless a newer
  roster has since replaced it;
* two modes: MODE_ADD_UPDATE (the default) adds and updates and never drops anyone; MODE_REPLACE (asked
  for explicitly) also drops what the file no longer lists, as below. ``plan_roster_import`` returns
  exactly what an import would do (added / updated / dropped NPIs with names) without writing;
* every import keeps in its batch's summary the state before it of each NPI it touched (and the market
  rows it removed), so ``roster_undo.undo_roster_import`` can restore the roster as a new audited batch;
* in replace mode a newer roster replaces the previous roster OF THE SAME TABLE KIND (the HSD Provider table replaces
  providers, the Facility table replaces facilities; a template or mapped file replaces the kinds its
  rows hold, both for a mixed file): roster providers of that kind whose NPI is not in the new file are
  dropped, NPIs still there are updated in place (provider and location ids stay stable, and a location
  whose address did not change keeps a better geocode, e.g. one from the Census round trip), new NPIs are
  added. ``roster_changes`` records every NPI added, dropped or changed (with the fields before and after:
  statuses, name, specialty codes, addresses); older batches no longer holding any provider are marked
  ``superseded_by`` the new batch;
* rows of one NPI are one provider with every distinct location (an HSD table repeats a location once per
  county served) and every HSD line of its rows; a taxonomy without a specialty code credits every line
  the NUCC->HSD crosswalk gives it;
* an NPI with a rejected row (``skip_bad_rows``) is never dropped: its good rows are merged into what the
  project already holds, nothing of it is removed;
* NPPES market rows of NPIs now on the network are removed (``nppes_import.drop_market_rows_for_network``),
  so a contracted provider is never also offered as a recruit;
* the credit facts of schema 7 (``exclusion``, ``ma_contracted``, ``primary_care_source``,
  ``offers_telehealth``) are stored on the provider and each row's county served in ``provider_counties``;
  a fact whose column (or source column: taxonomy for exclusion, Contract Type for ma_contracted) is in the
  file is rewritten from it, a blank clearing it;
* after writing, ``engine.exclusions`` is run on the providers of the file (the rules the engine applies)
  and every provider x line whose credit is dropped is reported as a warning with its reason (children's
  hospital, contract not for MA, 068 of a provider listed as 029/036/037, PA/NP not recorded as the primary
  care source), with the validation warnings (a NUCC code that credits no line, a facility named like a
  children's hospital). Warnings never refuse a row; they are in the result and in the batch summary.
"""

from __future__ import annotations

import csv
import gc
import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blueprint_desktop.data.geocode import place_locations
from blueprint_desktop.data.phi import refuse_member_level
from blueprint_desktop.data.roster_layouts import (
    FIELDS,
    MAPPED,
    SAVED,
    RosterLayout,
    check_mapping,
    detect_layout,
    guess_mapping,
    missing_required,
    save_mapping,
    saved_mapping,
)
from blueprint_desktop.data.roster_undo import drop_market_rows_with_snapshots, make_snapshot
from blueprint_desktop.data.roster_validate import Context, Problem, RosterRow, code_kind, validate_table
from blueprint_desktop.data.tabular import Table, read_table
from blueprint_desktop.errors import InputFileError, RowsRejected
from blueprint_desktop.progress import Progress
from blueprint_desktop.store.project import sha256_file, utc_now

ROSTER_KIND = "roster"
PREVIEW_ROWS = 50
# The roster fields the GUI's mapping page offers, each with one line saying what it holds.
ROSTER_FIELDS: dict[str, str] = {f.name: f.description for f in FIELDS}

# Provider columns a roster may set, and those whose change is reported in roster_changes.
_PROVIDER_COLUMNS = (
    "name",
    "entity_type",
    "contract_status",
    "contract_executed_date",
    "credentialing_status",
    "credentialing_date",
    "panel_status",
    "panel_confirmed_date",
    "telehealth_only",
    "telehealth_waived",
    "hpms_entered_date",
    "contract_type",
    "medical_group_affiliation",
    "exclusion",
    "ma_contracted",
    "primary_care_source",
    "offers_telehealth",
)
# Credit facts that may be NULL (schema 7), each with the file columns that set it: a file holding any of
# them rewrites the fact, NULL included (a column the file lacks leaves the stored value alone).
_NULLABLE_FACTS = {
    "exclusion": ("exclusion", "taxonomy"),
    "ma_contracted": ("ma_contracted", "contract_type"),
    "primary_care_source": ("primary_care_source",),
}
CREDIT_COLUMN = "(credit)"  # the column of a warning about a provider x line, not one value of the file
_TRACKED = (
    "name",
    "entity_type",
    "contract_status",
    "credentialing_status",
    "panel_status",
    "telehealth_only",
    "telehealth_waived",
    "contract_type",
    "medical_group_affiliation",
    "exclusion",
    "ma_contracted",
    "primary_care_source",
    "offers_telehealth",
)
_DEFAULTS = {"contract_status": "none", "credentialing_status": "none", "panel_status": "unknown"}

# Import modes. "add and update" never drops anyone (a partial file: new signings, a correction); "replace
# this table" drops the providers of the file's table kind that it no longer lists (a full roster refresh)
# and must be asked for explicitly (CLI --replace, the wizard's confirmation step).
MODE_ADD_UPDATE = "add-update"
MODE_REPLACE = "replace"
IMPORT_MODES = {
    MODE_ADD_UPDATE: "add and update (adds new NPIs, updates listed ones, never drops anyone)",
    MODE_REPLACE: "replace this table (also drops the providers the file no longer lists)",
}
# A file holding fewer providers than this share of the current roster (of its table kinds) is taken for
# a partial file and "add and update" is suggested: a full monthly roster differs from the last one by a
# few percent of turnover, so a file with under half the network is almost surely a list of additions or
# corrections, and replacing with it would drop most of the network (3,828 providers for 20 signings).
PARTIAL_FILE_SHARE = 0.5
_BETTER_GEOCODES = ("exact", "interpolated")
# Locations of added providers queued before they are written by executemany (with their providers,
# lines and counties): large enough that SQLite's per-statement cost vanishes, small enough to stay flat.
WRITE_BATCH_ROWS = 50_000
# json.dumps(x, sort_keys=True) builds an encoder per call; one encoder gives the same text.
_JSON_SORTED = json.JSONEncoder(sort_keys=True)


class RosterRejected(RowsRejected):
    """The roster was refused because of bad rows; ``.problems`` lists every one. Nothing was imported."""

    outcome = "nothing was imported"


@dataclass
class RosterPreview:
    path: Path
    headers: list[str]
    rows: list[dict[str, str]]  # the first PREVIEW_ROWS rows, {header: value}
    row_numbers: list[int]
    rows_read: int
    layout: str | None  # 'hsd-provider' | 'hsd-facility' | 'template' | 'saved-mapping' | 'mapped' | None
    layout_title: str
    mapping: dict[str, str]  # roster field -> the file's header (proposed when layout is None)
    mapping_source: str  # 'layout' | 'saved' | 'given' | 'guess'
    missing_required: list[str]
    problems: list[Problem]
    already_imported: bool = False
    warnings: list[Problem] = field(default_factory=list)  # rows that import but the user should know about

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["path"] = str(self.path)
        out["problems"] = [p.as_dict() for p in self.problems]
        out["warnings"] = [p.as_dict() for p in self.warnings]
        return out


@dataclass
class RosterImportResult:
    batch_id: int
    file_name: str
    rows_read: int
    rows_imported: int
    rows_rejected: int
    problems: list[Problem]
    changes: dict[
        str, Any
    ]  # added / dropped: [npi]; changed: [{npi, fields}]; counts: {added, dropped, changed}
    already_imported: bool
    layout: str | None
    table_kinds: list[str] = field(default_factory=list)
    providers: int = 0
    locations: int = 0
    geocodes: dict[str, int] = field(default_factory=dict)  # quality -> locations written with it
    market_rows_removed: int = 0  # NPPES market rows of NPIs now on the network
    # Rows that imported but the user should know about (Problem, severity 'warning'), in row order: the
    # validation warnings and every provider x line whose credit engine.exclusions drops.
    warnings: list[Problem] = field(default_factory=list)
    warning_counts: dict[str, int] = field(default_factory=dict)  # kind -> warnings
    # The dropped credits: {row_number, npi, name, line, submitted_code, rule, reason}.
    credit_exclusions: list[dict[str, Any]] = field(default_factory=list)
    mode: str = MODE_ADD_UPDATE
    updated: list[str] = field(default_factory=list)  # NPIs of the file already on the roster (rewritten)
    # {added, updated, dropped}: [{npi, name}] (the names the summary shows, as the plan gives them)
    people: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def summary_lines(self, names: int = 5) -> list[str]:
        """Mode, counts and the first ``names`` names of each list (the same lines as the plan's)."""
        if self.already_imported:
            return []
        c = self.changes["counts"]
        return [
            f"  mode: {IMPORT_MODES[self.mode]}",
            f"  {c['added']:,} added, {len(self.updated):,} updated ({c['changed']:,} with changes), "
            f"{c['dropped']:,} dropped",
            *name_lines(self.people, names),
        ]

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["problems"] = [p.as_dict() for p in self.problems]
        out["warnings"] = [p.as_dict() for p in self.warnings]
        return out


@dataclass
class RosterImportPlan:
    """Exactly what ``import_roster`` would do with a file in a mode, without writing anything."""

    file_name: str
    mode: str
    suggested_mode: str  # MODE_ADD_UPDATE for a partial file (PARTIAL_FILE_SHARE), else MODE_REPLACE
    already_imported: bool
    rows_read: int
    rows_imported: int
    rows_rejected: int
    table_kinds: list[str]
    current_providers: int  # roster providers of the file's table kinds now
    file_providers: int  # distinct NPIs the file imports
    added: list[dict[str, str]] = field(default_factory=list)  # {npi, name}
    updated: list[dict[str, str]] = field(default_factory=list)
    dropped: list[dict[str, str]] = field(default_factory=list)  # empty unless mode is replace
    trimmed: list[dict[str, str]] = field(default_factory=list)  # lose this kind's lines only (replace)
    # What "replace" would drop, whatever the mode (the wizard shows it next to the choice).
    dropped_if_replaced: list[dict[str, str]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {k: len(getattr(self, k)) for k in ("added", "updated", "dropped")}

    def summary_lines(self, names: int = 5) -> list[str]:
        """The counts and the first ``names`` names of each list (the CLI and the wizard print these)."""
        if self.already_imported:
            return [f"{self.file_name}: already imported; nothing would change"]
        c = self.counts
        out = [
            f"{self.file_name}: {IMPORT_MODES[self.mode]}: {self.file_providers:,} providers in the file, "
            f"{self.current_providers:,} on the roster ({', '.join(self.table_kinds)})",
            f"  {c['added']:,} added, {c['updated']:,} updated, {c['dropped']:,} dropped",
        ]
        out += name_lines({k: getattr(self, k) for k in ("added", "updated", "dropped", "trimmed")}, names)
        if self.mode != MODE_REPLACE and self.dropped_if_replaced:
            out.append(
                f"  not in the file and kept: {len(self.dropped_if_replaced):,} (replace mode would drop them)"
            )
        return out

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["counts"] = self.counts
        return out


def name_lines(lists: dict[str, list[dict[str, str]]], names: int = 5) -> list[str]:
    """'  added: Dr. A (NPI); Dr. B (NPI); ... and 15 more' for each non-empty list."""
    out = []
    for key, items in lists.items():
        if items:
            first = "; ".join(f"{x['name']} ({x['npi']})" for x in items[:names])
            more = f"; ... and {len(items) - names:,} more" if len(items) > names else ""
            out.append(f"  {key}: {first}{more}")
    return out


def suggest_mode(file_providers: int, current_providers: int) -> str:
    """ "add and update" for a file much smaller than the roster (``PARTIAL_FILE_SHARE``), else "replace"."""
    if current_providers and file_providers < PARTIAL_FILE_SHARE * current_providers:
        return MODE_ADD_UPDATE
    return MODE_REPLACE if current_providers else MODE_ADD_UPDATE


def _read_roster(path: Path) -> Table:
    """The file as a table, refused (``data.phi.PhiRefused``) when it holds member-level columns: a roster
    lists providers, whose names, addresses and phones are not PHI, so only member-level signals count
    (a birth-date or member-id column, MBIs/HICNs/SSNs down a column, person names beside birth dates)."""
    table = read_table(path)
    refuse_member_level(path, table.headers, table.rows, provider_file=True)
    return table


def _check_mode(mode: str) -> str:
    if mode not in IMPORT_MODES:
        raise InputFileError(f"roster import mode {mode!r} is not one of {', '.join(IMPORT_MODES)}")
    return mode


# -- mapping ---------------------------------------------------------------------------------------------
def _resolve(
    table: Table, project, mapping: dict[str, str] | None
) -> tuple[RosterLayout | None, dict[str, str], str]:
    """(layout, mapping, where the mapping came from). A recognised layout keeps its meaning (table kind,
    implied statuses) even when the caller passes a mapping (the wizard always does)."""
    detected = detect_layout(table.headers)
    if mapping is not None:
        checked = check_mapping(mapping, table.headers, table.path.name)
        return (detected[0] if detected else MAPPED), checked, "given"
    if detected:
        return detected[0], detected[1], "layout"
    saved = saved_mapping(project, table.headers)
    if saved:
        return SAVED, saved, "saved"
    return None, guess_mapping(table.headers), "guess"


def _current_batch(project, digest: str) -> dict[str, Any] | None:
    batch = project.find_batch(ROSTER_KIND, digest)
    return batch if batch and batch.get("superseded_by") is None else None


def preview_roster(path: str | Path, project=None, mapping: dict[str, str] | None = None) -> RosterPreview:
    """Headers, first rows, layout, the mapping in force, unmapped required fields and every problem."""
    path = Path(path)
    table = _read_roster(path)
    layout, used, source = _resolve(table, project, mapping)
    validation = validate_table(table, used, layout, Context.for_project(project))
    already = bool(project is not None and _current_batch(project, sha256_file(path)))
    return RosterPreview(
        path=path,
        headers=list(table.headers),
        rows=table.records()[:PREVIEW_ROWS],
        row_numbers=table.row_numbers[:PREVIEW_ROWS],
        rows_read=len(table.rows),
        layout=layout.key if layout else None,
        layout_title=layout.title if layout else "",
        mapping=used,
        mapping_source=source,
        missing_required=missing_required(used, layout),
        problems=validation.problems,
        already_imported=already,
        warnings=validation.warnings,
    )


# -- the new roster, grouped by NPI ------------------------------------------------------------------
def _norm(text: str | None) -> str:
    return " ".join(re.sub(r"[^A-Za-z0-9]+", " ", text or "").upper().split())


def _location_key(
    address: str | None, city: str | None, state: str | None, zip5: str | None
) -> tuple[str, ...]:
    return (_norm(address), _norm(city), (state or "").upper(), (zip5 or "")[:5])


def _label(loc: dict[str, Any]) -> str:
    street = ", ".join(x for x in (loc.get("address"), loc.get("city")) if x)
    return f"{street}, {loc.get('state') or ''} {loc.get('zip') or ''}".strip(", ")


@dataclass
class _NewProvider:
    npi: str
    provider: dict[str, Any]
    first_row: int = 0
    lines: dict[str, str | None] = field(default_factory=dict)
    locations: dict[tuple[str, ...], dict[str, Any]] = field(default_factory=dict)
    counties: set[str] = field(default_factory=set)  # FIPS of the counties its rows serve


def _merge_facts(provider: dict[str, Any], row: dict[str, Any]) -> None:
    """Credit facts over an NPI's rows (the first row gives everything else): the first exclusion any row
    gives; MA-contracted when any row's contract covers MA (422.116(a)(3)(i)(C) excludes a provider only
    when its contracts are *only* for other products); primary care source when any row records it."""
    if provider.get("exclusion") is None and row.get("exclusion") is not None:
        provider["exclusion"] = row["exclusion"]
    if row.get("ma_contracted") == 1 or (
        provider.get("ma_contracted") is None and row.get("ma_contracted") == 0
    ):
        provider["ma_contracted"] = row["ma_contracted"]
    if row.get("primary_care_source") == 1:
        provider["primary_care_source"] = 1


def _group(rows: Iterable[RosterRow]) -> dict[str, _NewProvider]:
    out: dict[str, _NewProvider] = {}
    # An HSD table repeats an office once per specialty x county served: each distinct address and city
    # is normalised once (the same key _location_key gives).
    norms: dict[str | None, str] = {}

    def norm(text: str | None) -> str:
        hit = norms.get(text)
        if hit is None:
            hit = norms[text] = _norm(text)
        return hit

    for r in rows:
        p = out.get(r.npi)
        if p is None:
            p = out[r.npi] = _NewProvider(r.npi, dict(r.provider), r.row_number)
        else:
            _merge_facts(p.provider, r.provider)
        p.counties.update(r.counties_served)
        for code in r.codes:
            if p.lines.get(code) is None:
                p.lines[code] = r.taxonomy
        key = (norm(r.address), norm(r.city), (r.state or "").upper(), (r.zip or "")[:5])
        loc = p.locations.get(key)
        if loc is None:
            p.locations[key] = {
                "address": r.address,
                "city": r.city,
                "state": r.state,
                "zip": r.zip,
                "county_fips": r.county_fips,
                "latitude": r.latitude,
                "longitude": r.longitude,
                "geocode_quality": r.geocode_quality,
                "beds": r.beds,
                "given": r.latitude is not None,
            }
        else:  # the same office on another row (another county served, another specialty)
            if loc["beds"] is None or (r.beds is not None and r.beds > loc["beds"]):
                loc["beds"] = r.beds if r.beds is not None else loc["beds"]
            loc["county_fips"] = loc["county_fips"] or r.county_fips
            if not loc["given"] and r.latitude is not None:
                loc.update(
                    latitude=r.latitude, longitude=r.longitude, geocode_quality=r.geocode_quality, given=True
                )
    return out


# -- what the project holds ------------------------------------------------------------------------------
@dataclass
class _Existing:
    id: int
    npi: str
    row: dict[str, Any]
    batch_id: int | None
    lines: dict[str, str | None] = field(default_factory=dict)
    locations: list[dict[str, Any]] = field(default_factory=list)
    counties: list[str] = field(default_factory=list)

    def snapshot(self) -> dict[str, Any]:
        """What an undo writes back (``roster_undo.restore_provider``)."""
        return make_snapshot(self.row, self.lines, self.locations, self.counties)

    @property
    def kinds(self) -> set[str]:
        if self.lines:
            return {code_kind(c) for c in self.lines}
        return {"facility" if self.row.get("entity_type") == "organization" else "provider"}


def _columns(project, table: str) -> set[str]:
    return {r[1] for r in project.conn.execute(f"PRAGMA table_info([{table}])")}


def _load_existing(project) -> dict[str, _Existing]:
    cur = project.conn.execute("SELECT * FROM providers WHERE source = 'roster'")
    names = [d[0] for d in cur.description]
    out: dict[str, _Existing] = {}
    by_id: dict[int, _Existing] = {}
    for values in cur.fetchall():
        row = dict(zip(names, values, strict=True))
        e = _Existing(row["id"], row["npi"], row, row["batch_id"])
        out[e.npi] = by_id[e.id] = e
    for pid, code, taxonomy in project.conn.execute(
        "SELECT pl.provider_id, pl.line_code, pl.taxonomy_code FROM provider_lines pl"
        " JOIN providers p ON p.id = pl.provider_id WHERE p.source = 'roster'"
    ):
        by_id[pid].lines[code] = taxonomy
    cur = project.conn.execute(
        "SELECT l.* FROM locations l JOIN providers p ON p.id = l.provider_id WHERE p.source = 'roster' ORDER BY l.id"
    )
    names = [d[0] for d in cur.description]
    for values in cur.fetchall():
        loc = dict(zip(names, values, strict=True))
        by_id[loc["provider_id"]].locations.append(loc)
    if "provider_id" in _columns(project, "provider_counties"):
        for pid, fips in project.conn.execute(
            "SELECT pc.provider_id, pc.county_fips FROM provider_counties pc"
            " JOIN providers p ON p.id = pc.provider_id WHERE p.source = 'roster' ORDER BY 1, 2"
        ):
            by_id[pid].counties.append(fips)
    return out


def _decide(
    existing: dict[str, _Existing], new: dict[str, Any], bad_npis: set[str], kinds: set[str], mode: str
) -> dict[str, list[str]]:
    """What an import does, NPI by NPI (the preview and the import both use this, so they agree):
    ``added`` (not on the roster), ``updated`` (on it and in the file), and, in replace mode only,
    ``dropped`` (on the roster with the file's table kind, not in the file, no rejected row) and
    ``trimmed`` (the same, but holding lines of the other table kind too: only this kind's lines go)."""
    out: dict[str, list[str]] = {"added": [], "updated": [], "dropped": [], "trimmed": []}
    for npi in sorted(new):
        out["updated" if npi in existing else "added"].append(npi)
    if mode == MODE_REPLACE:
        for npi, old in sorted(existing.items()):
            if npi in new or npi in bad_npis or not (old.kinds & kinds):
                continue
            keeps_other = any(code_kind(c) not in kinds for c in old.lines)
            out["trimmed" if keeps_other else "dropped"].append(npi)
    return out


# -- writing -----------------------------------------------------------------------------------------
class _Writer:
    def __init__(
        self, project, batch_id: int, given: set[str], table_kinds: set[str], counties_given: bool = False
    ) -> None:
        self.project = project
        self.conn = project.conn
        self.batch_id = batch_id
        self.given = given  # provider columns the file sets
        self.kinds = table_kinds
        self.counties_given = counties_given  # the file has a county-served column
        self.now = utc_now()
        self.provider_columns = _columns(project, "providers")
        # (npi, change, previous batch, detail as the JSON stored, detail of a 'changed' NPI else None):
        # the detail of an added or dropped NPI is kept only as its JSON text (a national roster adds
        # hundreds of thousands; their dicts were most of the memory left after grouping).
        self.changes: list[tuple[str, str, int | None, str, dict[str, Any] | None]] = []
        self.geocodes: dict[str, int] = {}
        self.locations = 0
        # Lines, counties and locations of added providers, written by executemany in ``flush``. The
        # queue is flushed before anything that deletes or inserts otherwise (update, drop), so every
        # location gets the id it would get row by row (rowids are max + 1: order is all that matters).
        self._providers: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}  # columns -> rows
        self._next_id: int | None = None
        self._lines: list[tuple[int, str, str | None]] = []
        self._counties: list[tuple[int, str]] = []
        self._locations: list[tuple[Any, ...]] = []

    def flush(self) -> None:
        for cols, rows in self._providers.items():
            self.conn.executemany(
                f"INSERT INTO providers({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows
            )
        self._providers = {}
        if self._lines:
            self.conn.executemany(
                "INSERT INTO provider_lines(provider_id, line_code, taxonomy_code) VALUES (?,?,?)",
                self._lines,
            )
        if self._counties:
            self.conn.executemany(
                "INSERT OR IGNORE INTO provider_counties(provider_id, county_fips) VALUES (?, ?)",
                self._counties,
            )
        if self._locations:
            self.conn.executemany(
                "INSERT INTO locations(provider_id, address, city, state, zip, county_fips, latitude, longitude,"
                " geocode_quality, beds, batch_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                self._locations,
            )
        self._lines, self._counties, self._locations = [], [], []

    def _record(self, npi: str, change: str, previous: int | None, detail: dict[str, Any]) -> None:
        kept = detail if change == "changed" else None
        self.changes.append((npi, change, previous, _JSON_SORTED.encode(detail), kept))

    def _location_values(self, provider_id: int, loc: dict[str, Any]) -> tuple[Any, ...]:
        return (
            provider_id,
            loc["address"],
            loc["city"],
            loc["state"],
            loc["zip"],
            loc["county_fips"],
            loc["latitude"],
            loc["longitude"],
            loc["geocode_quality"],
            loc["beds"],
            self.batch_id,
        )

    def _insert_location(self, provider_id: int, loc: dict[str, Any]) -> None:
        self.conn.execute(
            "INSERT INTO locations(provider_id, address, city, state, zip, county_fips, latitude, longitude,"
            " geocode_quality, beds, batch_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            self._location_values(provider_id, loc),
        )
        self._count(loc["geocode_quality"])

    def _count(self, quality: str) -> None:
        self.locations += 1
        self.geocodes[quality] = self.geocodes.get(quality, 0) + 1

    def _set_lines(self, provider_id: int, lines: dict[str, str | None]) -> None:
        self.conn.execute("DELETE FROM provider_lines WHERE provider_id = ?", (provider_id,))
        self.conn.executemany(
            "INSERT INTO provider_lines(provider_id, line_code, taxonomy_code) VALUES (?,?,?)",
            [(provider_id, code, tax) for code, tax in sorted(lines.items())],
        )

    def _set_counties(self, provider_id: int, counties: set[str], replace: bool) -> None:
        if replace:
            self.conn.execute("DELETE FROM provider_counties WHERE provider_id = ?", (provider_id,))
        self.conn.executemany(
            "INSERT OR IGNORE INTO provider_counties(provider_id, county_fips) VALUES (?, ?)",
            [(provider_id, f) for f in sorted(counties)],
        )

    def add(self, new: _NewProvider) -> None:
        values = {c: v for c, v in new.provider.items() if c in self.provider_columns and v is not None}
        for column, default in _DEFAULTS.items():
            values.setdefault(column, default)
        values.update(npi=new.npi, source="roster", batch_id=self.batch_id, updated_at=self.now)
        # The id SQLite would give (the largest rowid + 1: providers.id is an INTEGER PRIMARY KEY without
        # AUTOINCREMENT), given explicitly so that the rows can go in by executemany, same ids as row by row.
        if self._next_id is None:
            self._next_id = int(
                self.conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM providers").fetchone()[0]
            )
        pid = self._next_id
        self._next_id += 1
        values["id"] = pid
        self._providers.setdefault(tuple(values), []).append(tuple(values.values()))
        # A new id holds no lines or counties yet (foreign keys cascade deletes): no DELETE first.
        self._lines.extend((pid, code, tax) for code, tax in sorted(new.lines.items()))
        self._counties.extend((pid, f) for f in sorted(new.counties))
        for loc in new.locations.values():
            self._locations.append(self._location_values(pid, loc))
            self._count(loc["geocode_quality"])
        if len(self._locations) >= WRITE_BATCH_ROWS:  # bounded memory: the queue is a batch, not the file
            self.flush()
        self._record(
            new.npi,
            "added",
            None,
            {
                "name": values.get("name"),
                "specialty": sorted(new.lines),
                "address": sorted(_label(x) for x in new.locations.values()),
                "contract_status": values.get("contract_status"),
            },
        )

    def update(self, old: _Existing, new: _NewProvider, merge_only: bool) -> None:
        self.flush()
        keep_lines = (
            dict(old.lines)
            if merge_only
            else {c: t for c, t in old.lines.items() if code_kind(c) not in self.kinds}
        )
        lines = keep_lines | {c: t for c, t in new.lines.items()}
        sets = {
            c: v
            for c, v in new.provider.items()
            if c in self.given and c in self.provider_columns and (v is not None or c in _NULLABLE_FACTS)
        }
        fields: dict[str, dict[str, Any]] = {}
        for c in _TRACKED:
            if c in sets and sets[c] != old.row.get(c):
                fields[c] = {"before": old.row.get(c), "after": sets[c]}
        if sorted(lines) != sorted(old.lines):
            fields["specialty"] = {"before": sorted(old.lines), "after": sorted(lines)}
        sets.update(batch_id=self.batch_id, updated_at=self.now)
        self.conn.execute(
            f"UPDATE providers SET {', '.join(f'{c} = ?' for c in sets)} WHERE id = ?",
            [*sets.values(), old.id],
        )
        if lines != old.lines:
            self._set_lines(old.id, lines)
        if self.counties_given:  # a file naming counties served rewrites them (merges when it keeps lines)
            self._set_counties(old.id, new.counties, replace=not (merge_only or keep_lines))
        # Locations: same address -> same row (id kept); a better geocode survives when the roster gives none.
        keep_unmatched = merge_only or bool(keep_lines)
        old_by_key = {_location_key(x["address"], x["city"], x["state"], x["zip"]): x for x in old.locations}
        before_keys = set(old_by_key)
        after: list[str] = []
        after_keys: set[tuple[str, ...]] = set(new.locations)
        for key, loc in new.locations.items():
            prior = old_by_key.pop(key, None)
            after.append(_label(loc))
            if prior is None:
                self._insert_location(old.id, loc)
                continue
            lat, lon, quality = loc["latitude"], loc["longitude"], loc["geocode_quality"]
            county = loc["county_fips"]
            if not loc["given"] and prior["geocode_quality"] in _BETTER_GEOCODES:
                lat, lon, quality = prior["latitude"], prior["longitude"], prior["geocode_quality"]
                county = prior["county_fips"] or county
            self.conn.execute(
                "UPDATE locations SET address = ?, city = ?, state = ?, zip = ?, county_fips = ?, latitude = ?,"
                " longitude = ?, geocode_quality = ?, beds = COALESCE(?, beds), batch_id = ? WHERE id = ?",
                (
                    loc["address"],
                    loc["city"],
                    loc["state"],
                    loc["zip"],
                    county,
                    lat,
                    lon,
                    quality,
                    loc["beds"],
                    self.batch_id,
                    prior["id"],
                ),
            )
            self._count(quality)
        for leftover in old_by_key.values():
            if keep_unmatched:
                after.append(_label(leftover))
                after_keys.add(
                    _location_key(leftover["address"], leftover["city"], leftover["state"], leftover["zip"])
                )
            else:
                self.conn.execute("DELETE FROM locations WHERE id = ?", (leftover["id"],))
        # Compared by the normalised address ('100 main st.' is '100 Main St'), shown as written.
        if after_keys != before_keys:
            fields["address"] = {"before": sorted(_label(x) for x in old.locations), "after": sorted(after)}
        if fields:
            self._record(old.npi, "changed", old.batch_id, fields)

    def drop(self, old: _Existing) -> None:
        self.flush()
        keep = {c: t for c, t in old.lines.items() if code_kind(c) not in self.kinds}
        if keep:  # the provider also holds lines of the other table kind: only this kind's lines go
            self._set_lines(old.id, keep)
            self._record(
                old.npi,
                "changed",
                old.batch_id,
                {"specialty": {"before": sorted(old.lines), "after": sorted(keep)}},
            )
            return
        self.conn.execute("DELETE FROM providers WHERE id = ?", (old.id,))  # lines and locations cascade
        self._next_id = None  # the largest id may have gone: ask again before the next insert
        self._record(
            old.npi,
            "dropped",
            old.batch_id,
            {
                "name": old.row.get("name"),
                "specialty": sorted(old.lines),
                "address": sorted(_label(x) for x in old.locations),
                "contract_status": old.row.get("contract_status"),
            },
        )


def _table_kinds(layout: RosterLayout, rows: list[RosterRow]) -> set[str]:
    if layout.table_kind:
        return {layout.table_kind}
    return set().union(*(r.kinds for r in rows)) if rows else set()


def _summarise(changes: list[tuple[str, str, int | None, str, dict[str, Any] | None]]) -> dict[str, Any]:
    out: dict[str, Any] = {"added": [], "dropped": [], "changed": []}
    for npi, change, _previous, _text, detail in changes:
        if change == "changed":
            out["changed"].append({"npi": npi, "fields": detail})
        else:
            out[change].append(npi)
    out["counts"] = {k: len(out[k]) for k in ("added", "dropped", "changed")}
    return out


def _facts_given(used: dict[str, str]) -> set[str]:
    """The credit facts the file sets, directly or through their source column (``_NULLABLE_FACTS``)."""
    out = {f for f, sources in _NULLABLE_FACTS.items() if any(c in used for c in sources)}
    return out | ({"offers_telehealth"} & set(used))


def _credit_exclusions(project, first_rows: dict[str, int]) -> list[dict[str, Any]]:
    """Every provider x line of this file whose credit engine.exclusions drops, with the reason (the same
    rules the engine applies: children's hospitals, non-MA contracts, 068 of 029/036/037, PA/NP primary care)."""
    from blueprint_desktop.engine.credited import load_locations
    from blueprint_desktop.engine.exclusions import excluded_rows

    df = load_locations(project)
    if df.empty:
        return []
    df = df[(df.source == "roster") & df.npi.isin(list(first_rows))]
    if df.empty:
        return []
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for r in excluded_rows(df, project.lob).itertuples(index=False):
        key = (str(r.npi), str(r.line_code))
        if key not in out:
            out[key] = {
                "row_number": first_rows[key[0]],
                "npi": key[0],
                "name": r.name,
                "line": key[1],
                "submitted_code": r.submitted_code,
                "rule": r.rule,
                "reason": r.reason,
            }
    return sorted(out.values(), key=lambda x: (x["row_number"], x["npi"], x["line"]))


def _credit_warning(x: dict[str, Any]) -> Problem:
    line = (
        x["line"] if x["submitted_code"] in (None, "", x["line"]) else f"{x['line']} ({x['submitted_code']})"
    )
    value = f"{x['npi']} {x['name'] or ''}".strip() + f", line {line}"
    return Problem(x["row_number"], CREDIT_COLUMN, value, x["reason"], "warning", x["rule"])


def _warnings_from_summary(summary: dict[str, Any]) -> list[Problem]:
    return [
        Problem(
            w.get("row_number"),
            w.get("column", ""),
            w.get("value", ""),
            w.get("expected", ""),
            "warning",
            w.get("kind", ""),
        )
        for w in summary.get("warnings", [])
    ]


@dataclass
class _Prepared:
    layout: RosterLayout
    used: dict[str, str]
    source: str
    validation: Any
    new: dict[str, _NewProvider]
    kinds: set[str]
    rows_read: int
    rows_imported: int


def _prepare(
    project,
    table: Table,
    path: Path,
    mapping,
    skip_bad_rows: bool,
    progress: Progress,
    release: bool = False,
) -> _Prepared:
    """Layout, mapping and validation of a file (raises as the import does), its rows grouped by NPI."""
    layout, used, source = _resolve(table, project, mapping)
    if layout is None:
        raise InputFileError(
            f"{path.name}: the columns are not a CMS HSD Provider or Facility table nor the Blueprint roster template; "
            'give a column mapping (--mapping MAPPING.json, {"npi": "Your NPI column", ...}; see '
            "'blueprint template roster' and docs/data-in.md)"
        )
    missing = missing_required(used, layout)
    if missing:
        raise InputFileError(
            f"{path.name}: no column for the required field(s) {', '.join(missing)} ({layout.title}); "
            "map one with --mapping"
        )
    if not table.rows:
        raise InputFileError(f"{path.name}: no data rows under the header; nothing was imported")
    validation = validate_table(table, used, layout, Context.for_project(project), progress.scaled(0.02, 0.6))
    if validation.problems and not skip_bad_rows:
        raise RosterRejected(path.name, validation.problems, len(validation.bad_rows))
    if not validation.rows:
        raise InputFileError(
            f"{path.name}: every one of the {len(table.rows)} rows has a problem; nothing was imported "
            f"(the first: {validation.problems[0]})"
        )
    rows_read, rows_imported = len(table.rows), len(validation.rows)
    kinds = _table_kinds(layout, validation.rows)
    if release:
        # The text rows are no longer needed (only their count and the headers are): let a million of
        # them go before the rows are grouped, so peak memory holds one copy of the file, not three.
        table.rows, table.row_numbers = [], []
    new = _group(validation.rows)
    if release:
        validation.rows = []
    return _Prepared(layout, used, source, validation, new, kinds, rows_read, rows_imported)


# Page cache while a roster is written: the index B-trees (providers_npi, locations_county,
# locations_provider, provider_lines_line) take inserts in random key order, and with SQLite's default
# 2 MB cache a national roster rewrites the same pages again and again. Negative = KiB (SQLite docs).
BULK_CACHE_KIB = 131_072


@contextmanager
def _bulk_cache(conn) -> Iterator[None]:
    """A larger page cache for the import, put back after (it is per connection, not stored in the file)."""
    before = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = {-BULK_CACHE_KIB}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {int(before)}")


@contextmanager
def _gc_on() -> Iterator[None]:
    """The cyclic collector back on inside ``import_roster``'s ``gc_paused``: the engine's read-back builds
    pandas frames, whose intermediates hold reference cycles, and a national roster's are ~100 MB each."""
    was_enabled = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        if not was_enabled:
            gc.disable()


def _who(npis: list[str], names: dict[str, str | None]) -> list[dict[str, str]]:
    return [{"npi": n, "name": names.get(n) or ""} for n in npis]


def plan_roster_import(
    project,
    path: str | Path,
    mapping: dict[str, str] | None = None,
    skip_bad_rows: bool = False,
    mode: str | None = None,
) -> RosterImportPlan:
    """What ``import_roster(project, path, mapping, skip_bad_rows, mode=mode)`` would do: the NPIs (with
    names) it would add, update and drop, without writing anything. ``mode`` None: the suggested one.
    Raises what the import raises (RosterRejected for bad rows without ``skip_bad_rows``)."""
    path = Path(path)
    table = _read_roster(path)
    prior = _current_batch(project, sha256_file(path))
    existing = _load_existing(project)
    if prior:
        return RosterImportPlan(
            file_name=path.name,
            mode=_check_mode(mode or MODE_ADD_UPDATE),
            suggested_mode=MODE_ADD_UPDATE,
            already_imported=True,
            rows_read=prior["rows_read"],
            rows_imported=prior["rows_imported"],
            rows_rejected=prior["rows_rejected"],
            table_kinds=[],
            current_providers=len(existing),
            file_providers=0,
        )
    from blueprint_desktop.engine.credited import gc_paused

    with gc_paused():
        prep = _prepare(project, table, path, mapping, skip_bad_rows, Progress())
    current = sum(1 for e in existing.values() if e.kinds & prep.kinds)
    suggested = suggest_mode(len(prep.new), current)
    mode = _check_mode(mode or suggested)
    bad = prep.validation.bad_npis
    decided = _decide(existing, prep.new, bad, prep.kinds, mode)
    replaced = _decide(existing, prep.new, bad, prep.kinds, MODE_REPLACE)
    names = {n: e.row.get("name") for n, e in existing.items()} | {
        n: p.provider.get("name") for n, p in prep.new.items()
    }
    return RosterImportPlan(
        file_name=path.name,
        mode=mode,
        suggested_mode=suggested,
        already_imported=False,
        rows_read=len(table.rows),
        rows_imported=len(prep.validation.rows),
        rows_rejected=len(prep.validation.bad_rows),
        table_kinds=sorted(prep.kinds),
        current_providers=current,
        file_providers=len(prep.new),
        added=_who(decided["added"], names),
        updated=_who(decided["updated"], names),
        dropped=_who(decided["dropped"], names),
        trimmed=_who(decided["trimmed"], names),
        dropped_if_replaced=_who(replaced["dropped"], names),
    )


def import_roster(
    project,
    path: str | Path,
    mapping: dict[str, str] | None = None,
    skip_bad_rows: bool = False,
    progress: Progress | None = None,
    mode: str = MODE_ADD_UPDATE,
) -> RosterImportResult:
    """Import a roster file into ``project`` (see the module doc). Raises RosterRejected / InputFileError.

    ``mode``: MODE_ADD_UPDATE (the default: nobody is dropped) or MODE_REPLACE (providers of the file's
    table kinds that it no longer lists are dropped). ``plan_roster_import`` says beforehand what it does."""
    from blueprint_desktop.engine.credited import gc_paused

    # A national roster builds millions of small objects (rows, values, locations) that form no cycles:
    # the cyclic collector would walk all of them again and again as they pile up (engine.credited).
    with gc_paused():
        return _import_roster(project, path, mapping, skip_bad_rows, progress, mode)


def _import_roster(
    project,
    path: str | Path,
    mapping: dict[str, str] | None,
    skip_bad_rows: bool,
    progress: Progress | None,
    mode: str,
) -> RosterImportResult:
    mode = _check_mode(mode)
    progress = progress or Progress()
    path = Path(path)
    progress.update(0.0, f"reading {path.name}")
    table = _read_roster(path)
    digest = sha256_file(path)
    prior = _current_batch(project, digest)
    if prior:
        summary = json.loads(prior.get("summary_json") or "{}")
        return RosterImportResult(
            batch_id=prior["id"],
            file_name=path.name,
            rows_read=prior["rows_read"],
            rows_imported=prior["rows_imported"],
            rows_rejected=prior["rows_rejected"],
            problems=[],
            changes={
                "added": [],
                "dropped": [],
                "changed": [],
                "counts": {"added": 0, "dropped": 0, "changed": 0},
            },
            already_imported=True,
            layout=summary.get("layout"),
            table_kinds=summary.get("table_kinds", []),
            warnings=_warnings_from_summary(summary),
            warning_counts=dict(summary.get("warning_counts", {})),
            credit_exclusions=list(summary.get("credit_exclusions", [])),
        )
    prep = _prepare(project, table, path, mapping, skip_bad_rows, progress, release=True)
    layout, used, source, validation = prep.layout, prep.used, prep.source, prep.validation
    new, kinds = prep.new, prep.kinds
    progress.update(0.62, "placing locations")
    place_locations([loc for p in new.values() for loc in p.locations.values()])
    given = ((set(used) | set(layout.implied)) & set(_PROVIDER_COLUMNS)) | _facts_given(used)
    progress.update(0.7, "comparing with the current roster")
    with project.transaction():
        existing = _load_existing(project)
        summary: dict[str, Any] = {"layout": layout.key, "table_kinds": sorted(kinds), "mapping": used}
        batch_id = project.record_batch(
            ROSTER_KIND,
            path.name,
            digest,
            rows_read=prep.rows_read,
            rows_imported=prep.rows_imported,
            rows_rejected=len(validation.bad_rows),
            summary=summary,
        )
        writer = _Writer(project, batch_id, given, kinds, counties_given="county_served" in used)
        decided = _decide(existing, new, validation.bad_npis, kinds, mode)
        # What undo writes back (data/roster_undo.py): every NPI this import touches, as it was (None: added).
        restore: dict[str, Any] = {n: None for n in decided["added"]}
        for key in ("updated", "dropped", "trimmed"):
            restore.update({n: existing[n].snapshot() for n in decided[key]})
        items = sorted(new.items())
        # The larger page cache only while writing: the engine's read-back below needs the memory more.
        with _bulk_cache(project.conn):
            for i, (npi, provider) in enumerate(items):
                if i % 500 == 0:
                    progress.update(
                        0.7 + 0.25 * i / max(1, len(items)), f"writing provider {i + 1:,} of {len(items):,}"
                    )
                old = existing.get(npi)
                if old is None:
                    writer.add(provider)
                else:
                    writer.update(old, provider, merge_only=npi in validation.bad_npis)
            writer.flush()
            for npi in decided["dropped"] + decided["trimmed"]:
                writer.drop(existing[npi])
        # Written: of the grouped rows only each NPI's first row and name are needed from here on. The
        # rest (locations, lines, counties of every provider) goes before the engine reads the roster
        # back (_credit_exclusions), which is when a national import would otherwise peak.
        providers = len(new)
        first_rows = {n: p.first_row for n, p in new.items()}
        new_names = {n: p.provider.get("name") for n, p in new.items()}
        dropped_names = {n: existing[n].row.get("name") for n in decided["dropped"]}
        items, prep.new, new, existing = [], {}, {}, {}
        project.conn.executemany(
            "INSERT INTO roster_changes(batch_id, previous_batch_id, npi, change, detail_json) VALUES (?,?,?,?,?)",
            [(batch_id, previous, npi, change, text) for npi, change, previous, text, _ in writer.changes],
        )
        project.conn.executemany(
            "INSERT INTO import_problems(batch_id, row_number, column, value, expected) VALUES (?,?,?,?,?)",
            [(batch_id, p.row_number, p.column, p.value, p.expected) for p in validation.problems],
        )
        # Earlier roster batches that no longer hold any provider or location are replaced by this one.
        project.conn.execute(
            "UPDATE import_batches SET superseded_by = ? WHERE kind = ? AND superseded_by IS NULL AND id != ?"
            " AND id NOT IN (SELECT batch_id FROM providers WHERE batch_id IS NOT NULL)"
            " AND id NOT IN (SELECT batch_id FROM locations WHERE batch_id IS NOT NULL)",
            (batch_id, ROSTER_KIND, batch_id),
        )
        # A provider now on the network is no longer a recruit: its NPPES market row goes (docs/data-in.md).
        market_removed, market_snapshots = drop_market_rows_with_snapshots(project)
        if source == "given" and layout is MAPPED:
            save_mapping(project, used, table.headers)
        changes = _summarise(writer.changes)
        writer.changes = []  # written to roster_changes above; the JSON texts are not needed again
        # What the file's providers lose under 42 CFR 422.116(a)(3) and the HSD Notes (engine.exclusions),
        # read back from what was just written (same transaction), so the import warns with the engine's rules.
        progress.update(0.96, "checking which providers do not count")
        with _gc_on():
            credit = _credit_exclusions(project, first_rows)
        warnings = sorted(
            validation.warnings + [_credit_warning(x) for x in credit],
            key=lambda w: w.row_number or 0,
        )
        warning_counts: dict[str, int] = {}
        for w in warnings:
            warning_counts[w.kind] = warning_counts.get(w.kind, 0) + 1
        summary.update(
            changes=changes["counts"],
            geocodes=writer.geocodes,
            providers=providers,
            market_rows_removed=market_removed,
            warning_counts=warning_counts,
            warnings=[w.as_dict() for w in warnings],
            credit_exclusions=credit,
            mode=mode,
            updated=len(decided["updated"]),
            restore=restore,
            restore_market=market_snapshots,
        )
        project.conn.execute(
            "UPDATE import_batches SET summary_json = ? WHERE id = ?",
            (json.dumps(summary, sort_keys=True, default=str), batch_id),
        )
        project.audit(
            "roster.import",
            "import_batches",
            batch_id,
            {
                "file": path.name,
                "layout": layout.key,
                "rows_imported": prep.rows_imported,
                "rows_rejected": len(validation.bad_rows),
                "warnings": len(warnings),
                "mode": mode,
                "updated": len(decided["updated"]),
                **changes["counts"],
            },
        )
    progress.update(1.0, "roster imported")
    return RosterImportResult(
        batch_id=batch_id,
        file_name=path.name,
        rows_read=prep.rows_read,
        rows_imported=prep.rows_imported,
        rows_rejected=len(validation.bad_rows),
        problems=validation.problems,
        changes=changes,
        already_imported=False,
        layout=layout.key,
        table_kinds=sorted(kinds),
        providers=providers,
        locations=writer.locations,
        geocodes=writer.geocodes,
        market_rows_removed=market_removed,
        warnings=warnings,
        warning_counts=warning_counts,
        credit_exclusions=credit,
        mode=mode,
        updated=decided["updated"],
        people={
            "added": _who(decided["added"], new_names),
            "updated": _who(decided["updated"], new_names),
            "dropped": _who(decided["dropped"], dropped_names),
        },
    )


def write_problem_report(problems: Iterable[Problem], path: str | Path) -> Path:
    """The CSV report: row, column, value, expected, severity (UTF-8 with a BOM so Excel opens it right).

    ``severity`` is 'error' for a refused row and 'warning' for one that imported (its ``expected`` then
    says what it means, e.g. that it credits no line or why a provider x line does not count)."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(["row", "column", "value", "expected", "severity"])
        for p in problems:
            writer.writerow(
                ["" if p.row_number is None else p.row_number, p.column, p.value, p.expected, p.severity]
            )
    return path
