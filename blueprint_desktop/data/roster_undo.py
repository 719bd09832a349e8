"""Undo a roster import: put the roster back as it was before a batch, as a NEW audited batch.

Every roster import (``roster_import.import_roster``) keeps, in its batch's ``summary_json["restore"]``,
the state before it of every NPI it touched: the whole provider row (statuses, dates, facts, batch),
its HSD lines, its locations (ids, addresses, coordinates and geocode quality) and its counties served,
or ``None`` for an NPI it added. It keeps the NPPES market rows it removed (the NPIs that joined the
network) in ``summary_json["restore_market"]``.

``undo_roster_import(project, batch_id)`` restores the roster as it was before ``batch_id``: for every NPI
touched by that batch or any later roster batch, the snapshot of the first such batch that touched it is
put back (an NPI added since is removed; one dropped or changed is written back as it was, with its
original provider and location ids when they are free). History is never deleted: the restore is a new
``import_batches`` row (kind ``roster``, file name ``undo of batch N``) with its own ``roster_changes``,
an audit entry ``roster.undo``, and its own snapshot, so an undo can itself be undone. The undone batches
are marked ``superseded_by`` the restore batch (their file imports again as a real import).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.store.project import utc_now

ROSTER_KIND = "roster"
UNDO_PREFIX = "undo of batch "


# -- snapshots -------------------------------------------------------------------------------------------
def _rows(conn, sql: str, params: tuple | list) -> list[dict[str, Any]]:
    cur = conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _has_table(conn, name: str) -> bool:
    return bool(
        conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
    )


def snapshot_provider(conn, provider_id: int) -> dict[str, Any] | None:
    """Everything the project holds about one provider row (what ``restore_provider`` writes back)."""
    rows = _rows(conn, "SELECT * FROM providers WHERE id = ?", (provider_id,))
    if not rows:
        return None
    lines = conn.execute(
        "SELECT line_code, taxonomy_code FROM provider_lines WHERE provider_id = ? ORDER BY line_code",
        (provider_id,),
    ).fetchall()
    locations = _rows(conn, "SELECT * FROM locations WHERE provider_id = ? ORDER BY id", (provider_id,))
    counties = (
        [
            r[0]
            for r in conn.execute(
                "SELECT county_fips FROM provider_counties WHERE provider_id = ? ORDER BY 1", (provider_id,)
            )
        ]
        if _has_table(conn, "provider_counties")
        else []
    )
    return {
        "provider": rows[0],
        "lines": [list(x) for x in lines],
        "locations": locations,
        "counties": counties,
    }


def make_snapshot(
    row: dict[str, Any], lines: dict[str, str | None], locations: list[dict[str, Any]], counties: list[str]
) -> dict[str, Any]:
    """A snapshot from rows already loaded (the importer's ``_Existing``), same shape as ``snapshot_provider``."""
    return {
        "provider": dict(row),
        "lines": [[c, t] for c, t in sorted(lines.items())],
        "locations": [dict(x) for x in locations],
        "counties": sorted(counties),
    }


def _provider_id(conn, npi: str, source: str) -> int | None:
    row = conn.execute("SELECT id FROM providers WHERE npi = ? AND source = ?", (npi, source)).fetchone()
    return int(row[0]) if row else None


def _insert(conn, table: str, values: dict[str, Any], columns: set[str]) -> int:
    """Insert ``values`` (only the table's current columns), keeping ``id`` when it is free."""
    values = {c: v for c, v in values.items() if c in columns}
    if "id" in values and conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (values["id"],)).fetchone():
        values.pop("id")
    cols = list(values)
    cur = conn.execute(
        f"INSERT INTO {table}({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
        [values[c] for c in cols],
    )
    return int(values.get("id") or cur.lastrowid)


def _columns(conn, table: str) -> set[str]:
    return {r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")}


def restore_provider(conn, npi: str, source: str, snap: dict[str, Any] | None) -> None:
    """Make the (npi, source) provider exactly ``snap`` (``None``: no such provider). Lines, locations and
    counties of the current row go with it (ON DELETE CASCADE) and the snapshot's are written back."""
    current = _provider_id(conn, npi, source)
    if current is not None:
        conn.execute("DELETE FROM providers WHERE id = ?", (current,))
    if snap is None:
        return
    pid = _insert(conn, "providers", snap["provider"], _columns(conn, "providers"))
    conn.executemany(
        "INSERT INTO provider_lines(provider_id, line_code, taxonomy_code) VALUES (?,?,?)",
        [(pid, code, tax) for code, tax in snap.get("lines", [])],
    )
    loc_columns = _columns(conn, "locations")
    for loc in snap.get("locations", []):
        _insert(conn, "locations", {**loc, "provider_id": pid}, loc_columns)
    if snap.get("counties") and _has_table(conn, "provider_counties"):
        conn.executemany(
            "INSERT OR IGNORE INTO provider_counties(provider_id, county_fips) VALUES (?, ?)",
            [(pid, f) for f in snap["counties"]],
        )


def drop_market_rows_with_snapshots(project) -> tuple[int, dict[str, Any]]:
    """``nppes_import.drop_market_rows_for_network`` that first keeps the rows it removes (for an undo)."""
    from blueprint_desktop.data.nppes_import import drop_market_rows_for_network

    ids = project.conn.execute(
        "SELECT id, npi FROM providers WHERE source = 'market' AND npi IN "
        "(SELECT npi FROM providers WHERE source != 'market')"
    ).fetchall()
    snaps = {npi: snapshot_provider(project.conn, pid) for pid, npi in ids}
    return drop_market_rows_for_network(project), snaps


# -- undo ------------------------------------------------------------------------------------------------
@dataclass
class RosterUndoResult:
    batch_id: int  # the new (restore) batch
    restored_before: int  # the roster is as it was before this batch
    undone: list[int]  # the batches whose effect was taken back
    added: list[str] = field(default_factory=list)  # NPIs back on the roster
    dropped: list[str] = field(default_factory=list)  # NPIs the undone imports had added, removed
    changed: list[str] = field(default_factory=list)  # NPIs written back as they were
    market_restored: int = 0  # NPPES market rows put back (recruits again)

    @property
    def counts(self) -> dict[str, int]:
        return {"added": len(self.added), "dropped": len(self.dropped), "changed": len(self.changed)}

    def describe(self) -> str:
        c = self.counts
        batches = ", ".join(f"#{b}" for b in self.undone)
        return (
            f"roster restored to before batch #{self.restored_before} (undoing {batches}) as batch "
            f"#{self.batch_id}: {c['added']:,} back, {c['dropped']:,} removed, {c['changed']:,} restored"
            + (f", {self.market_restored:,} market rows back" if self.market_restored else "")
        )

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["counts"] = self.counts
        return out


def _batches(project) -> list[dict[str, Any]]:
    out = []
    for r in _rows(
        project.conn,
        "SELECT id, file_name, imported_at, superseded_by, summary_json FROM import_batches WHERE kind = ?"
        " ORDER BY id",
        (ROSTER_KIND,),
    ):
        r["summary"] = json.loads(r.pop("summary_json") or "{}")
        out.append(r)
    return out


def undoable_batches(project) -> list[dict[str, Any]]:
    """Roster imports that can be undone (not undos themselves, not undone yet), newest first:
    ``{id, file_name, imported_at, counts}``."""
    # json_extract in SQLite: the snapshots (large for a big roster) are never parsed in Python here.
    rows = project.conn.execute(
        "SELECT id, file_name, imported_at, json_extract(summary_json, '$.changes'),"
        " json_extract(summary_json, '$.undoes'), json_type(summary_json, '$.restore') IS NOT NULL"
        " FROM import_batches WHERE kind = ? AND json_valid(summary_json) ORDER BY id DESC",
        (ROSTER_KIND,),
    ).fetchall()
    undone = {int(b) for r in rows if r[4] for b in json.loads(r[4])}
    return [
        {"id": r[0], "file_name": r[1], "imported_at": r[2], "counts": json.loads(r[3] or "{}")}
        for r in rows
        if r[5] and not r[4] and r[0] not in undone
    ]


def last_undoable_batch(project) -> dict[str, Any] | None:
    batches = undoable_batches(project)
    return batches[0] if batches else None


def undo_roster_import(project, batch_id: int | None = None) -> RosterUndoResult:
    """Restore the roster as it was before ``batch_id`` (default: the last import not undone yet)."""
    batches = _batches(project)
    if batch_id is None:
        last = last_undoable_batch(project)
        if last is None:
            raise BlueprintError(f"{project.path}: no roster import to undo")
        batch_id = int(last["id"])
    by_id = {b["id"]: b for b in batches}
    if batch_id not in by_id:
        raise BlueprintError(f"{project.path}: no roster batch #{batch_id} (see 'blueprint info')")
    later = [b for b in batches if b["id"] >= batch_id]
    missing = [b["id"] for b in later if "restore" not in b["summary"]]
    if missing:
        raise BlueprintError(
            f"cannot undo batch #{batch_id}: batch(es) {', '.join(f'#{m}' for m in missing)} were imported "
            "before imports kept what they replaced; import the earlier roster file again instead"
        )
    # The state before batch_id of each NPI: the snapshot of the first batch from batch_id on touching it.
    before: dict[str, Any] = {}
    market: dict[str, Any] = {}
    for b in later:
        for npi, snap in b["summary"]["restore"].items():
            before.setdefault(npi, snap)
        for npi, snap in b["summary"].get("restore_market", {}).items():
            market.setdefault(npi, snap)
    undone = [b["id"] for b in later if b["superseded_by"] is None or b["id"] == batch_id]
    conn = project.conn
    with project.transaction():
        batch = project.record_batch(
            ROSTER_KIND,
            f"{UNDO_PREFIX}{batch_id}",
            f"undo:{batch_id}:{utc_now()}",
            rows_read=0,
            rows_imported=0,
            summary={"undoes": undone, "restored_before": batch_id},
        )
        result = RosterUndoResult(batch, batch_id, undone)
        restore: dict[str, Any] = {}  # this batch's own snapshot: the state it replaces
        changes: list[tuple] = []
        for npi, snap in sorted(before.items()):
            pid = _provider_id(conn, npi, "roster")
            now = snapshot_provider(conn, pid) if pid is not None else None
            if now is None and snap is None:
                continue
            restore[npi] = now
            restore_provider(conn, npi, "roster", snap)
            if now is None:
                kind, previous, name = "added", None, snap["provider"].get("name")
                result.added.append(npi)
            elif snap is None:
                kind, previous, name = "dropped", now["provider"].get("batch_id"), now["provider"].get("name")
                result.dropped.append(npi)
            else:
                kind, previous, name = (
                    "changed",
                    now["provider"].get("batch_id"),
                    snap["provider"].get("name"),
                )
                result.changed.append(npi)
            changes.append((batch, previous, npi, kind, json.dumps({"name": name, "undo_of": batch_id})))
        conn.executemany(
            "INSERT INTO roster_changes(batch_id, previous_batch_id, npi, change, detail_json) VALUES (?,?,?,?,?)",
            changes,
        )
        # Recruits the undone imports had taken off the market come back, unless their NPI is still on the
        # network (a manual signing, or the roster as restored).
        for npi, snap in sorted(market.items()):
            on_network = conn.execute(
                "SELECT 1 FROM providers WHERE npi = ? AND source != 'market'", (npi,)
            ).fetchone()
            if snap is None or on_network or _provider_id(conn, npi, "market") is not None:
                continue
            restore_provider(conn, npi, "market", snap)
            result.market_restored += 1
        removed, market_snaps = drop_market_rows_with_snapshots(project)
        conn.execute(
            "UPDATE import_batches SET superseded_by = ? WHERE id IN ({})".format(
                ",".join("?" * len(undone))
            ),
            [batch, *undone],
        )
        # Earlier batches whose providers are back are current again (not superseded by what was undone).
        conn.execute(
            "UPDATE import_batches SET superseded_by = NULL WHERE kind = ? AND id < ? AND superseded_by >= ?"
            " AND id IN (SELECT batch_id FROM providers WHERE batch_id IS NOT NULL)",
            (ROSTER_KIND, batch_id, batch_id),
        )
        summary = {
            "undoes": undone,
            "restored_before": batch_id,
            "changes": result.counts,
            "market_rows_restored": result.market_restored,
            "market_rows_removed": removed,
            "restore": restore,
            "restore_market": market_snaps,
        }
        conn.execute(
            "UPDATE import_batches SET summary_json = ? WHERE id = ?",
            (json.dumps(summary, sort_keys=True, default=str), batch),
        )
        project.audit(
            "roster.undo",
            "import_batches",
            batch,
            {
                "undoes": undone,
                "restored_before": batch_id,
                **result.counts,
                "market_restored": result.market_restored,
            },
        )
    return result
