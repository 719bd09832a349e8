"""The roster as a table: ordered ids for a filter and sort, rows fetched by id, audited status edits.

The GUI's roster table (and any script) asks for the ids once per filter/sort (``roster_ids``: one SQL
query, ORDER BY in SQLite) and then fetches only the rows it shows (``roster_rows``: one query per page
of ids), so a 50,000-provider roster opens as fast as a 50-provider one.

Status edits (contract, credentialing, panel) go through ``set_provider_status``: one transaction that
updates the provider and appends an audit entry with the old and new values. Undo is never a delete:
``undo_status_change`` writes the old value back as a new, audited change that names the entry it undoes
(the audit log is append-only; schema V1 triggers refuse UPDATE and DELETE on it).

Signing a recruit: a market (NPPES) row set to contract executed and credentialing active/provisional
gets a ``manual`` network provider for its NPI (``_sign_market_provider``), which the engine credits.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.store.project import utc_now
from blueprint_desktop.store.schema import CONTRACT_STATUSES, CREDENTIALING_STATUSES, PANEL_STATUSES

# Editable status columns and their allowed values (schema V1 CHECK constraints).
STATUS_FIELDS: dict[str, tuple[str, ...]] = {
    "contract_status": CONTRACT_STATUSES,
    "credentialing_status": CREDENTIALING_STATUSES,
    "panel_status": PANEL_STATUSES,
}
STATUS_LABELS = {
    "contract_status": "contract",
    "credentialing_status": "credentialing",
    "panel_status": "panel",
}

# Which providers a roster view shows: the contracted network (roster + manual entries), the NPPES
# market of candidates, or both.
SCOPES = {"network": ("roster", "manual"), "market": ("market",), "all": ("roster", "manual", "market")}

# Primary care is submitted as HSD codes 001-006 and evaluated as S03 (HSD26 Notes, S03).
PRIMARY_CARE_CODES = ("S03", "001", "002", "003", "004", "005", "006")

# Column key -> SQL that orders by it. The first location (lowest id) stands for a provider's address.
_FIRST_LOC = "(SELECT {col} FROM locations x WHERE x.provider_id = p.id ORDER BY x.id LIMIT 1)"
SORT_SQL = {
    "npi": "p.npi",
    "name": "p.name COLLATE NOCASE",
    "lines": "(SELECT min(line_code) FROM provider_lines pl WHERE pl.provider_id = p.id)",
    "address": _FIRST_LOC.format(col="address") + " COLLATE NOCASE",
    "city": _FIRST_LOC.format(col="city") + " COLLATE NOCASE",
    "county": "",  # by county *name*: built per query in roster_ids (names are not in the project file)
    "zip": _FIRST_LOC.format(col="zip"),
    "contract_status": "p.contract_status",
    "credentialing_status": "p.credentialing_status",
    "panel_status": "p.panel_status",
    "locations": "(SELECT count(*) FROM locations x WHERE x.provider_id = p.id)",
    "source": "p.source",
    "updated_at": "p.updated_at",
}
COLUMNS = list(SORT_SQL)


@dataclass(frozen=True)
class RosterFilter:
    """What the roster table shows. Empty values mean "any"."""

    text: str = ""  # NPI, name, address, city or ZIP contains this (case-insensitive)
    line_code: str = ""  # HSD line as evaluated (S03 also matches 001-006)
    county_fips: str = ""  # has a practice location in this county
    contract_status: str = ""
    credentialing_status: str = ""
    panel_status: str = ""
    scope: str = "network"  # key of SCOPES


@dataclass
class RosterRow:
    id: int
    npi: str
    name: str
    lines: str
    address: str
    city: str
    county: str
    county_fips: str
    zip: str
    contract_status: str
    credentialing_status: str
    panel_status: str
    locations: int
    source: str
    updated_at: str

    def get(self, key: str) -> Any:
        return getattr(self, key)


@dataclass(frozen=True)
class StatusChange:
    """One audited status edit: enough to show it and to undo it."""

    audit_id: int
    provider_id: int
    npi: str
    name: str
    field: str
    old: str
    new: str
    network_provider_id: int | None = None  # the manual network row a market edit signed or reached

    def describe(self) -> str:
        text = f"{STATUS_LABELS[self.field]} status of {self.name} ({self.npi}): {self.old} -> {self.new}"
        return text + (" (on the network)" if self.network_provider_id is not None else "")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _where(flt: RosterFilter) -> tuple[str, list[Any]]:
    if flt.scope not in SCOPES:
        raise BlueprintError(f"roster scope {flt.scope!r} is not one of {', '.join(SCOPES)}")
    sources = SCOPES[flt.scope]
    clauses = [f"p.source IN ({','.join('?' * len(sources))})"]
    params: list[Any] = list(sources)
    # Location and line conditions are uncorrelated "id IN (subquery)": SQLite computes each set once.
    # (A correlated EXISTS let the planner pick the county index per provider: 67 s on 50,000 rows.)
    text = flt.text.strip()
    if text:
        like = f"%{_escape_like(text)}%"
        clauses.append(
            "(p.npi LIKE ? ESCAPE '\\' OR p.name LIKE ? ESCAPE '\\' OR p.id IN (SELECT x.provider_id"
            " FROM locations x WHERE x.address LIKE ? ESCAPE '\\' OR x.city LIKE ? ESCAPE '\\'"
            " OR x.zip LIKE ? ESCAPE '\\'))"
        )
        params += [like] * 5
    if flt.line_code:
        codes = PRIMARY_CARE_CODES if flt.line_code == "S03" else (flt.line_code,)
        clauses.append(
            f"p.id IN (SELECT pl.provider_id FROM provider_lines pl WHERE pl.line_code IN ({','.join('?' * len(codes))}))"
        )
        params += list(codes)
    if flt.county_fips:
        clauses.append("p.id IN (SELECT x.provider_id FROM locations x WHERE x.county_fips = ?)")
        params.append(flt.county_fips)
    for field in STATUS_FIELDS:
        value = getattr(flt, field)
        if value:
            clauses.append(f"p.{field} = ?")
            params.append(value)
    return " AND ".join(clauses), params


def roster_ids(
    project, flt: RosterFilter | None = None, sort: str = "name", descending: bool = False
) -> list[int]:
    """Provider ids matching ``flt``, ordered by column ``sort`` (ties by id, so the order is stable)."""
    flt = flt or RosterFilter()
    if sort not in SORT_SQL:
        raise BlueprintError(f"roster column {sort!r} is not one of {', '.join(COLUMNS)}")
    where, params = _where(flt)
    direction = "DESC" if descending else "ASC"
    order = SORT_SQL[sort]
    if sort == "county":
        # County *names* are not in the file: rank the project's counties by name in a CASE expression.
        fips = [r[0] for r in project.conn.execute("SELECT DISTINCT county_fips FROM locations") if r[0]]
        ranked = sorted(fips, key=lambda f: (county_label(f), f))
        cases = " ".join(f"WHEN '{f}' THEN {i}" for i, f in enumerate(ranked) if f.isdigit())
        first = _FIRST_LOC.format(col="county_fips")
        order = f"CASE {first} {cases} ELSE {len(ranked)} END" if cases else first
    sql = f"SELECT p.id FROM providers p WHERE {where} ORDER BY {order} {direction}, p.id {direction}"
    return [r[0] for r in project.conn.execute(sql, params)]


def roster_count(project, flt: RosterFilter | None = None) -> int:
    where, params = _where(flt or RosterFilter())
    return int(project.conn.execute(f"SELECT count(*) FROM providers p WHERE {where}", params).fetchone()[0])


@lru_cache(maxsize=1)
def _county_names() -> dict[str, str]:
    from blueprint_desktop.geo.counties import load_counties

    counties = load_counties()
    return {
        str(f): f"{n}, {s}" for f, n, s in zip(counties.index, counties["name"], counties.state, strict=True)
    }


def county_label(fips: str | None) -> str:
    """ "Harris, TX" for a FIPS code; the code itself when unknown; "" for none."""
    if not fips:
        return ""
    return _county_names().get(fips, fips)


_ROW_SQL = """
SELECT p.id, p.npi, p.name,
       (SELECT group_concat(line_code, ' ') FROM
            (SELECT line_code FROM provider_lines pl WHERE pl.provider_id = p.id ORDER BY line_code)),
       l.address, l.city, l.county_fips, l.zip,
       p.contract_status, p.credentialing_status, p.panel_status,
       (SELECT count(*) FROM locations x WHERE x.provider_id = p.id),
       p.source, p.updated_at
FROM providers p
LEFT JOIN locations l ON l.id = (SELECT min(x.id) FROM locations x WHERE x.provider_id = p.id)
WHERE p.id IN ({marks})
"""


def roster_rows(project, ids: Sequence[int]) -> dict[int, RosterRow]:
    """The rows of ``ids`` (one query per 500 ids), keyed by id; unknown ids are simply absent."""
    out: dict[int, RosterRow] = {}
    ids = list(ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for r in project.conn.execute(_ROW_SQL.format(marks=",".join("?" * len(chunk))), chunk):
            out[r[0]] = RosterRow(
                id=r[0],
                npi=r[1],
                name=r[2],
                lines=r[3] or "",
                address=r[4] or "",
                city=r[5] or "",
                county=county_label(r[6]),
                county_fips=r[6] or "",
                zip=r[7] or "",
                contract_status=r[8],
                credentialing_status=r[9],
                panel_status=r[10],
                locations=int(r[11] or 0),
                source=r[12],
                updated_at=r[13] or "",
            )
    return out


def set_provider_status(
    project, provider_id: int, field: str, value: str, undoes: int | None = None
) -> StatusChange | None:
    """Set one status of a provider (one transaction, audited with old and new values).

    Returns the change, or None when the value is already ``value`` (nothing written, nothing audited).
    ``undoes`` is the audit id of the change this one reverses (recorded in the new audit entry).
    """
    if field not in STATUS_FIELDS:
        raise BlueprintError(f"{field!r} is not an editable status (one of {', '.join(STATUS_FIELDS)})")
    if value not in STATUS_FIELDS[field]:
        raise BlueprintError(
            f"{STATUS_LABELS[field]} status {value!r} is not one of {', '.join(STATUS_FIELDS[field])}"
        )
    with project.transaction():
        row = project.conn.execute(
            f"SELECT npi, name, {field} FROM providers WHERE id = ?", (provider_id,)
        ).fetchone()
        if row is None:
            raise BlueprintError(f"{project.path}: no provider with id {provider_id}")
        npi, name, old = row
        if old == value:
            return None
        project.conn.execute(
            f"UPDATE providers SET {field} = ?, updated_at = ? WHERE id = ?", (value, utc_now(), provider_id)
        )
        detail = {"field": field, "old": old, "new": value, "npi": npi}
        if undoes is not None:
            detail["undoes"] = undoes
        network_id = _sign_market_provider(project, provider_id, npi, field, value)
        if network_id is not None:
            detail["network_provider_id"] = network_id
        project.audit(
            "roster.status.undo" if undoes is not None else "roster.status", "providers", provider_id, detail
        )
        audit_id = int(project.conn.execute("SELECT max(id) FROM audit_log").fetchone()[0])
    return StatusChange(audit_id, int(provider_id), npi, name, field, old, value, network_id)


# A recruit counts once signed: contract executed and credentialing active or provisional (the statuses
# engine.credited credits; kept here so the store does not import the engine).
SIGNED_CONTRACT = ("executed",)
SIGNED_CREDENTIALING = ("active", "provisional")


def _sign_market_provider(project, provider_id: int, npi: str, field: str, value: str) -> int | None:
    """A status edit on a market (NPPES) row reaches the network: returns the network provider's id.

    Why a network row and not "let the engine credit executed market rows": a market row is the NPPES
    file's view of a candidate, replaced wholesale by the next NPPES import and never shown in the network
    view, exported in the HSD tables or counted by the checks, which all read roster/manual rows. So a
    market candidate whose contract is executed and credentialing active/provisional is SIGNED: a
    ``manual`` provider for its NPI is created (name, entity type, lines, locations and counties copied
    from the market row, the statuses as set), audited as ``roster.sign``; the market row stays a market
    row (with the statuses set) so the Market view shows what happened, and the engine still never credits
    market rows. One NPI still counts once: the engine counts distinct NPIs, the market row is not
    credited, and ``credited.candidate_mask`` drops a market row whose NPI is credited on its line.

    Once a manual row exists for the NPI, every later status edit of the market row (an undo included)
    is mirrored onto it, so un-signing a recruit takes its credit away again. Runs inside the caller's
    transaction."""
    conn = project.conn
    row = conn.execute(
        "SELECT source, contract_status, credentialing_status FROM providers WHERE id = ?", (provider_id,)
    ).fetchone()
    if row is None or row[0] != "market":
        return None
    manual = conn.execute("SELECT id FROM providers WHERE npi = ? AND source = 'manual'", (npi,)).fetchone()
    if manual is not None:
        conn.execute(
            f"UPDATE providers SET {field} = ?, updated_at = ? WHERE id = ?", (value, utc_now(), manual[0])
        )
        return int(manual[0])
    if row[1] not in SIGNED_CONTRACT or row[2] not in SIGNED_CREDENTIALING:
        return None
    if conn.execute("SELECT 1 FROM providers WHERE npi = ? AND source = 'roster'", (npi,)).fetchone():
        return None  # already on the network through the roster: nothing to create
    columns = [r[1] for r in conn.execute("PRAGMA table_info(providers)") if r[1] not in ("id", "source")]
    copied = [c for c in columns if c not in ("batch_id", "updated_at")]
    cur = conn.execute(
        f"INSERT INTO providers({', '.join(copied)}, source, batch_id, updated_at)"
        f" SELECT {', '.join(copied)}, 'manual', NULL, ? FROM providers WHERE id = ?",
        (utc_now(), provider_id),
    )
    new_id = int(cur.lastrowid)
    conn.execute(
        "INSERT INTO provider_lines(provider_id, line_code, taxonomy_code)"
        " SELECT ?, line_code, taxonomy_code FROM provider_lines WHERE provider_id = ?",
        (new_id, provider_id),
    )
    loc_cols = [
        r[1]
        for r in conn.execute("PRAGMA table_info(locations)")
        if r[1] not in ("id", "provider_id", "batch_id")
    ]
    conn.execute(
        f"INSERT INTO locations(provider_id, {', '.join(loc_cols)}) SELECT ?, {', '.join(loc_cols)}"
        " FROM locations WHERE provider_id = ? ORDER BY id",
        (new_id, provider_id),
    )
    if conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'provider_counties'"
    ).fetchone():
        conn.execute(
            "INSERT OR IGNORE INTO provider_counties(provider_id, county_fips)"
            " SELECT ?, county_fips FROM provider_counties WHERE provider_id = ?",
            (new_id, provider_id),
        )
    project.audit(
        "roster.sign",
        "providers",
        new_id,
        {
            "npi": npi,
            "market_provider_id": provider_id,
            "contract_status": row[1],
            "credentialing_status": row[2],
        },
    )
    return new_id


def undo_status_change(project, change: StatusChange) -> StatusChange:
    """Write ``change.old`` back as a new audited change; refuses if the status moved on since."""
    current = project.conn.execute(
        f"SELECT {change.field} FROM providers WHERE id = ?", (change.provider_id,)
    ).fetchone()
    if current is None:
        raise BlueprintError(f"{project.path}: provider {change.npi} no longer exists; nothing to undo")
    if current[0] != change.new:
        raise BlueprintError(
            f"cannot undo: the {STATUS_LABELS[change.field]} status of {change.name} ({change.npi}) is now "
            f"{current[0]!r}, not {change.new!r} as set by that edit"
        )
    undone = set_provider_status(
        project, change.provider_id, change.field, change.old, undoes=change.audit_id
    )
    assert undone is not None  # current == change.new != change.old
    return undone


def status_history(project, provider_id: int) -> list[dict[str, Any]]:
    """Audited status edits of one provider, oldest first."""
    out = []
    for at, actor, action, detail in project.conn.execute(
        "SELECT at, actor, action, detail_json FROM audit_log WHERE entity = 'providers' AND entity_id = ?"
        " AND action LIKE 'roster.status%' ORDER BY id",
        (str(provider_id),),
    ):
        out.append({"at": at, "actor": actor, "action": action, **json.loads(detail or "{}")})
    return out
