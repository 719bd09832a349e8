"""The evidence hash chain: tamper evidence for the outreach log, its attachments and the audit log.

**One chain across the tables, in write order.** Each evidence row gets one link in ``evidence_chain``
(schema v10) when it is written: ``content_sha256`` is the SHA-256 of the row's canonical JSON (its
columns by name, an attachment's bytes by their SHA-256), and ``chain_sha256`` hashes the previous link's
chain hash with this link's position, table, row id and content hash. One chain rather than one per table
because the evidence is read across tables: an attempt, its letter and its audit row are written together,
and deleting the attempt *and* its audit row (the reported tampering) must still leave a hole in a single
sequence that nothing else can explain. A package quotes one head that covers everything.

**What verification notices** (``verify_chain``): a row whose content no longer hashes to its link
(content changed), a link whose row is gone or a hole in the link numbers (entry missing), a row with no
link (entry inserted outside the app), links out of row order or not following from the previous link
(order broken), and append-only triggers dropped or rewritten (trigger missing / trigger altered).

**What it cannot notice.** Anyone who can run our code on the file can recompute a whole new chain. That
is why the head is printed and embedded in every corrective action package: a chain whose head no longer
contains the head CMS received has been rewritten (``package_verification``). Rows written before the
upgrade to v10 were chained by the migration in their stored order; the chain proves nothing about them
before that day (``ChainReport.upgraded_at``).

**Redactions.** A redaction (``outreach_redactions``) carries the entry's content hash before and after its
text was overwritten; verification follows those hashes from the link's original content hash to the
row's current content, so the chain still verifies and still says a redaction happened.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from blueprint_desktop.store import schema, schema_deficiency, schema_evidence_chain

GENESIS = "0" * 64  # the "previous chain hash" of the first link
UPGRADE_META_KEY = "evidence_chain_upgraded_at"

# The columns hashed per table, fixed here rather than read from the table: a later migration that adds
# a column must not change the hash of rows written before it (it would read as tampering).
COLUMNS: dict[str, tuple[str, ...]] = {
    "outreach_log": (
        "id",
        "at",
        "npi",
        "channel",
        "outcome",
        "staff",
        "reason",
        "note",
        "supersedes",
        "recorded_at",
        "recorded_by",
        "batch_id",
    ),
    "outreach_attachments": ("id", "entry_id", "file_name", "sha256", "size", "content", "added_at"),
    "audit_log": ("id", "at", "actor", "action", "entity", "entity_id", "detail_json"),
    "outreach_redactions": (
        "id",
        "entry_id",
        "field",
        "reason",
        "before_sha256",
        "after_sha256",
        "redacted_at",
        "redacted_by",
    ),
}
# The time column of each table: the order the migration chains pre-existing rows in.
_TIME_COLUMN = {
    "outreach_log": "recorded_at",
    "outreach_attachments": "added_at",
    "audit_log": "at",
    "outreach_redactions": "redacted_at",
}
# Rows written together (an entry, its attachments, its audit row) share a second: this breaks the tie
# the way ``outreach.add_entry`` writes them.
_TABLE_RANK = {"outreach_log": 0, "outreach_attachments": 1, "outreach_redactions": 2, "audit_log": 3}

WHAT = {
    "outreach_log": "outreach entry",
    "outreach_attachments": "outreach attachment",
    "audit_log": "audit entry",
    "outreach_redactions": "redaction",
}


def _expected_triggers() -> dict[str, str]:
    """Each append-only trigger's CREATE statement, from the schema text (v10 replaces v4's update trigger)."""
    out: dict[str, str] = {}
    for sql in (schema.V1, schema_deficiency.SQL, schema_evidence_chain.SQL):
        for m in re.finditer(r"CREATE TRIGGER (\w+)\b.*?\bEND;", sql, flags=re.S):
            out[m.group(1)] = _norm_sql(m.group(0))
    return out


def _norm_sql(sql: str) -> str:
    return " ".join(sql.replace(";", " ; ").split()).rstrip(" ;")


EXPECTED_TRIGGERS = _expected_triggers()


# -- hashing ---------------------------------------------------------------------------------------
def canonical(table: str, row: dict[str, Any]) -> bytes:
    """The canonical JSON of one evidence row: its table, its columns by name, bytes by their SHA-256."""
    values = {}
    for col in COLUMNS[table]:
        value = row.get(col)
        if isinstance(value, (bytes, bytearray, memoryview)):
            value = {"sha256": hashlib.sha256(bytes(value)).hexdigest()}
        values[col] = value
    text = json.dumps(
        {"table": table, "row": values}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return text.encode("utf-8")


def content_hash(table: str, row: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(table, row)).hexdigest()


def link_hash(prev: str, seq: int, table: str, entry_id: int, content_sha256: str) -> str:
    """The chain hash of one link: it commits to everything before it through ``prev``."""
    return hashlib.sha256(f"{prev}|{seq}|{table}|{entry_id}|{content_sha256}".encode()).hexdigest()


def read_row(conn: sqlite3.Connection, table: str, entry_id: int) -> dict[str, Any] | None:
    cols = COLUMNS[table]
    row = conn.execute(
        f"SELECT {', '.join(cols)} FROM [{table}] WHERE id = ?",  # noqa: S608 - fixed table/column names
        (int(entry_id),),
    ).fetchone()
    return dict(zip(cols, row, strict=True)) if row else None


def row_hash(conn: sqlite3.Connection, table: str, entry_id: int) -> str | None:
    """The current content hash of a stored row, or None when there is no such row."""
    row = read_row(conn, table, entry_id)
    return None if row is None else content_hash(table, row)


# -- appending -------------------------------------------------------------------------------------
def link_row(conn: sqlite3.Connection, table: str, entry_id: int, at: str, origin: str = "app") -> str:
    """Append the link of a row just written; call in the transaction that wrote it. Returns its chain hash."""
    if table not in COLUMNS:
        raise ValueError(f"{table} is not an evidence table")
    content = row_hash(conn, table, entry_id)
    if content is None:
        raise ValueError(f"{table} row {entry_id} does not exist")
    last = conn.execute("SELECT seq, chain_sha256 FROM evidence_chain ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    chained = link_hash(prev, seq, table, int(entry_id), content)
    conn.execute(
        "INSERT INTO evidence_chain(seq, entry_table, entry_id, content_sha256, chain_sha256, linked_at, origin)"
        " VALUES (?,?,?,?,?,?,?)",
        (seq, table, int(entry_id), content, chained, at, origin),
    )
    return chained


def chain_existing_rows(conn: sqlite3.Connection) -> None:
    """Migration v10's step: link every evidence row already in the file, oldest first.

    The order is each row's own timestamp (ties: entry, attachment, redaction, audit; then id). This is the
    best order the file still knows; the chain starts here and says so (``UPGRADE_META_KEY``).
    """
    from blueprint_desktop.store.project import utc_now

    rows: list[tuple[str, int, int, str]] = []
    for table, time_col in _TIME_COLUMN.items():
        for rid, when in conn.execute(f"SELECT id, {time_col} FROM [{table}]"):  # noqa: S608
            rows.append((when or "", _TABLE_RANK[table], int(rid), table))
    if not rows:
        return  # a new file: its chain starts with its first row, nothing to disclaim
    now = utc_now()
    for _when, _rank, rid, table in sorted(rows):
        link_row(conn, table, rid, now, origin="upgrade")
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (UPGRADE_META_KEY, now),
    )


# -- verification ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    """One way the evidence differs from its chain."""

    kind: str  # content changed | entry missing | entry inserted | order broken | trigger missing | trigger altered
    table: str | None
    entry_id: int | None
    seq: int | None
    detail: str

    def line(self) -> str:
        if self.table is None:
            return f"{self.kind}: {self.detail}"
        where = f"{WHAT.get(self.table, self.table)} #{self.entry_id}"
        link = f" (chain link {self.seq})" if self.seq is not None else ""
        return f"{self.kind}: {where}{link}: {self.detail}"

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__) | {"line": self.line()}


@dataclass
class ChainReport:
    ok: bool
    entries: int  # links checked
    head: str  # chain hash of the last link (GENESIS when the chain is empty)
    head_seq: int
    findings: list[Finding] = field(default_factory=list)
    upgraded_at: str | None = None  # when a pre-v10 file's rows were chained by the upgrade
    upgrade_entries: int = 0
    redactions: int = 0

    @property
    def first(self) -> Finding | None:
        return self.findings[0] if self.findings else None

    def line(self) -> str:
        """One line for the user: what verified, or the first break."""
        if self.ok:
            text = f"evidence chain verified: {_count(self.entries, 'entry', 'entries')}, head {self.head}"
            if self.upgraded_at:
                day = self.upgraded_at[:10]
                older = _count(self.upgrade_entries, "older entry", "older entries")
                text += f" ({older} chained at upgrade on {day})"
            return text
        more = f" (+{len(self.findings) - 1} more)" if len(self.findings) > 1 else ""
        return f"evidence chain BROKEN: {self.first.line()}{more}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head": self.head,
            "head_seq": self.head_seq,
            "upgraded_at": self.upgraded_at,
            "upgrade_entries": self.upgrade_entries,
            "redactions": self.redactions,
            "findings": [f.as_dict() for f in self.findings],
        }


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _table_exists(conn: sqlite3.Connection, name: str) -> bool:
    return bool(
        conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
    )


def verify_chain(project) -> ChainReport:
    """Check every link, every evidence row and the append-only triggers; never changes the file.

    ``project`` is an open ``Project`` (or anything with a ``conn``). Every finding is listed, in chain
    order, then rows with no link, then triggers; ``first`` is the one to show.
    """
    conn: sqlite3.Connection = project.conn
    if not _table_exists(conn, "evidence_chain"):
        f = Finding("entry missing", None, None, None, "the evidence_chain table itself is missing")
        return ChainReport(False, 0, GENESIS, 0, [f])
    findings: list[Finding] = []
    links = conn.execute(
        "SELECT seq, entry_table, entry_id, content_sha256, chain_sha256, origin FROM evidence_chain ORDER BY seq"
    ).fetchall()
    linked: dict[str, dict[int, int]] = {t: {} for t in COLUMNS}
    for seq, table, eid, _c, _h, _o in links:
        if table in linked:
            linked[table][int(eid)] = int(seq)
    # Redactions in force: chained ones only (a redaction row inserted in a shell proves nothing).
    redactions: dict[int, list[tuple[int, str, str, str]]] = {}
    if _table_exists(conn, "outreach_redactions"):
        for rid, eid, before, after, reason in conn.execute(
            "SELECT id, entry_id, before_sha256, after_sha256, reason FROM outreach_redactions"
        ):
            if int(rid) in linked["outreach_redactions"]:
                redactions.setdefault(int(eid), []).append(
                    (linked["outreach_redactions"][int(rid)], before, after, reason)
                )
    prev, expected_seq = GENESIS, 1
    last_id: dict[str, int] = {}
    for seq, table, eid, stored_content, stored_chain, _origin in links:
        eid = int(eid)
        if seq != expected_seq:
            findings.append(
                Finding(
                    "entry missing",
                    table,
                    eid,
                    seq,
                    f"chain links {expected_seq}..{seq - 1} are gone (deleted from the chain)",
                )
            )
        expected_seq = seq + 1
        if link_hash(prev, seq, table, eid, stored_content) != stored_chain:
            findings.append(
                Finding("order broken", table, eid, seq, "this link does not follow from the link before it")
            )
        prev = stored_chain
        if table not in COLUMNS:
            continue
        if eid <= last_id.get(table, 0):
            findings.append(
                Finding("order broken", table, eid, seq, f"chained after #{last_id[table]} of the same log")
            )
        last_id[table] = max(eid, last_id.get(table, 0))
        row = read_row(conn, table, eid)
        if row is None:
            findings.append(Finding("entry missing", table, eid, seq, "the entry was deleted"))
            continue
        expected = stored_content
        for _rseq, before, after, _reason in (
            sorted(redactions.get(eid, [])) if table == "outreach_log" else ()
        ):
            if before != expected:
                findings.append(
                    Finding(
                        "content changed", table, eid, seq, "a redaction does not follow the recorded content"
                    )
                )
            expected = after
        current = content_hash(table, row)
        if current != expected:
            findings.append(Finding("content changed", table, eid, seq, _what_changed(table, row)))
    for table in COLUMNS:
        if not _table_exists(conn, table):
            continue
        for (rid,) in conn.execute(f"SELECT id FROM [{table}] ORDER BY id"):  # noqa: S608
            if int(rid) not in linked[table]:
                findings.append(
                    Finding(
                        "entry inserted", table, int(rid), None, "not in the chain: written outside the app"
                    )
                )
    stored = {
        name: _norm_sql(sql or "")
        for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
    }
    for name, sql in EXPECTED_TRIGGERS.items():
        if name not in stored:
            findings.append(
                Finding("trigger missing", None, None, None, f"append-only trigger {name} is gone")
            )
        elif stored[name] != sql:
            findings.append(
                Finding("trigger altered", None, None, None, f"append-only trigger {name} was rewritten")
            )
    head_seq, head = (links[-1][0], links[-1][4]) if links else (0, GENESIS)
    meta = conn.execute("SELECT value FROM meta WHERE key = ?", (UPGRADE_META_KEY,)).fetchone()
    return ChainReport(
        ok=not findings,
        entries=len(links),
        head=head,
        head_seq=int(head_seq),
        findings=findings,
        upgraded_at=meta[0] if meta else None,
        upgrade_entries=sum(1 for link in links if link[5] == "upgrade"),
        redactions=sum(len(v) for v in redactions.values()),
    )


def _what_changed(table: str, row: dict[str, Any]) -> str:
    if table == "outreach_attachments":
        content = row.get("content")
        actual = hashlib.sha256(bytes(content)).hexdigest() if isinstance(content, bytes) else None
        if actual != row.get("sha256"):
            return "the attached file's bytes differ from the ones recorded"
        return "the attachment record differs from the one recorded"
    return "its content differs from what was recorded when it was written"


def find_link(project, chain_sha256: str) -> int | None:
    """The position of a chain hash in this project's chain, or None (it is not an ancestor of the head)."""
    row = project.conn.execute(
        "SELECT seq FROM evidence_chain WHERE chain_sha256 = ?", (chain_sha256.strip().lower(),)
    ).fetchone()
    return int(row[0]) if row else None


__all__ = [
    "ChainReport",
    "Finding",
    "GENESIS",
    "chain_existing_rows",
    "content_hash",
    "find_link",
    "link_row",
    "verify_chain",
]
