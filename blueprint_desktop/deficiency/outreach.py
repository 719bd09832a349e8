"""The outreach log: append-only evidence of every attempt to recruit a provider.

No entry is ever edited or deleted, through this API or through the store: the schema's triggers refuse
UPDATE and DELETE of ``outreach_log`` and ``outreach_attachments`` even from raw SQL (schema v4). A
correction is a new entry whose ``supersedes`` names the entry it corrects; both stay visible, and only
entries nobody superseded count. Every entry and attachment is linked into the evidence hash chain as it is
written (``store/evidence_chain.py``, schema v10), so a change made in a shell with the triggers dropped is
noticed.

The one exception is ``redact``: text typed by mistake (a member's PHI in a note) is overwritten in place
with ``[redacted: REASON]`` through a redaction entry that the trigger requires and the chain records.
Free text is checked for PHI before it is stored (``data.phi.refuse_phi_in_text``).

A *documented attempt* is an entry in force (not superseded) with its date and time, channel, staff
member and outcome. The four-attempt standard per targeted provider is practice advice from the seed
and a vendor's list of exception denial causes (peers.md D.5; regulation.md 5 marks it [3P]): it is
labelled "best practice" wherever it is shown, not a CMS rule.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from blueprint_desktop.data import phi
from blueprint_desktop.deficiency.gaps import check_npi, provider_names
from blueprint_desktop.errors import BlueprintError, InputFileError
from blueprint_desktop.store import evidence_chain
from blueprint_desktop.store.project import sha256_file, utc_now
from blueprint_desktop.store.schema_deficiency import OUTREACH_CHANNELS, OUTREACH_OUTCOMES
from blueprint_desktop.store.schema_evidence_chain import REDACTABLE_FIELDS, redaction_marker

ATTEMPT_STANDARD = 4  # best practice (seed 000; peers.md D.5), not CMS text
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024  # a scanned letter or a contract PDF; keeps the project file sane
REQUIRED_FIELDS = ("at", "channel", "staff", "outcome")


@dataclass(frozen=True)
class AttemptCount:
    npi: str
    name: str
    documented: int
    entries: int
    latest_outcome: str | None
    meets_standard: bool

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__) | {"standard": ATTEMPT_STANDARD}


def _choice(value: str | None, allowed: tuple[str, ...], what: str) -> str | None:
    if value is None or not str(value).strip():
        return None
    text = " ".join(str(value).strip().split())
    for option in allowed:
        if text.lower() == option.lower():
            return option
    raise BlueprintError(f"{what} {value!r} is not one of: {', '.join(allowed)}")


def parse_when(value: str | None, what: str = "--at") -> str | None:
    """An ISO date or datetime as ISO 8601 with seconds (a bare date stays a date: no time invented)."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    try:
        if len(text) == 10:
            return datetime.fromisoformat(text).date().isoformat()
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BlueprintError(
            f"{what} {value!r} is not an ISO date or date-time (e.g. 2027-03-04T14:30)"
        ) from None
    return parsed.replace(microsecond=0).isoformat()


def _refuse_phi(text: str | None, what: str) -> None:
    """Refuse free text that looks like a member's PHI before it reaches the append-only log (where only a
    redaction could take it out again)."""
    if text:
        phi.refuse_phi_in_text(text, what)


def add_entry(
    project,
    npi: str,
    channel: str | None,
    outcome: str | None,
    staff: str | None,
    at: str | None = None,
    reason: str | None = None,
    note: str | None = None,
    supersedes: int | None = None,
    attachments: list[str | Path] = (),
    batch_id: int | None = None,
    allow_incomplete: bool = False,
    gap_id: int | None = None,
) -> dict[str, Any]:
    """Append one outreach entry (and its attachments) in one transaction; returns the entry.

    ``at`` defaults to now (UTC). Missing channel, staff or outcome are refused unless
    ``allow_incomplete`` (rows from an old spreadsheet log: the checks flag them).

    The log itself is by NPI. ``gap_id`` ties the attempt to a cited gap: a provider the gap does not
    concern yet is designated one of its targets in the same transaction (a provider it already
    concerns keeps its role).
    """
    npi = check_npi(npi)
    if gap_id is not None:
        from blueprint_desktop.deficiency.gaps import get_gap

        get_gap(project, gap_id)
    channel = _choice(channel, OUTREACH_CHANNELS, "channel")
    outcome = _choice(outcome, OUTREACH_OUTCOMES, "outcome")
    staff = (staff or "").strip() or None
    reason = (reason or "").strip() or None
    note = (note or "").strip() or None
    _refuse_phi(reason, "outreach declination reason")
    _refuse_phi(note, "outreach note")
    when = (
        parse_when(at)
        if at
        else (None if allow_incomplete else datetime.now(UTC).replace(microsecond=0).isoformat())
    )
    if not allow_incomplete:
        missing = [n for n, v in (("channel", channel), ("outcome", outcome), ("staff", staff)) if not v]
        if missing:
            raise BlueprintError(f"an outreach entry needs its {', '.join(missing)}")
    if outcome == "declined" and not reason:
        raise BlueprintError("a declined outcome needs its declination reason (--reason)")
    if supersedes is not None:
        old = project.conn.execute("SELECT npi FROM outreach_log WHERE id = ?", (int(supersedes),)).fetchone()
        if old is None:
            raise BlueprintError(f"--supersedes {supersedes}: no outreach entry with that id")
        taken = project.conn.execute(
            "SELECT id FROM outreach_log WHERE supersedes = ?", (int(supersedes),)
        ).fetchone()
        if taken:
            raise BlueprintError(
                f"--supersedes {supersedes}: entry {supersedes} was already corrected by entry {taken[0]}; supersede {taken[0]}"
            )
    files = []
    for item in attachments or ():
        p = Path(item)
        if not p.is_file():
            raise InputFileError(f"{p}: no such attachment file")
        size = p.stat().st_size
        if size > MAX_ATTACHMENT_BYTES:
            raise InputFileError(
                f"{p.name}: {size} bytes; attachments are limited to {MAX_ATTACHMENT_BYTES} bytes"
            )
        files.append((p, size))
    with project.transaction():
        cur = project.conn.execute(
            "INSERT INTO outreach_log(at, npi, channel, outcome, staff, reason, note, supersedes, recorded_at,"
            " recorded_by, batch_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                when,
                npi,
                channel,
                outcome,
                staff,
                reason,
                note,
                None if supersedes is None else int(supersedes),
                utc_now(),
                project.actor,
                batch_id,
            ),
        )
        entry_id = int(cur.lastrowid)
        evidence_chain.link_row(project.conn, "outreach_log", entry_id, utc_now())
        for p, _size in files:
            content = p.read_bytes()
            cur = project.conn.execute(
                "INSERT INTO outreach_attachments(entry_id, file_name, sha256, size, content, added_at) VALUES (?,?,?,?,?,?)",
                (entry_id, p.name, hashlib.sha256(content).hexdigest(), len(content), content, utc_now()),
            )
            evidence_chain.link_row(project.conn, "outreach_attachments", int(cur.lastrowid), utc_now())
        if batch_id is None:
            project.audit(
                "outreach.add",
                "outreach_log",
                entry_id,
                {
                    "npi": npi,
                    "outcome": outcome,
                    "supersedes": supersedes,
                    "attachments": [p.name for p, _ in files],
                },
            )
        if gap_id is not None:
            from blueprint_desktop.deficiency.gaps import designate, refresh_gap_providers

            # The entry may make the provider an automatic target or cure of the gap; designate it only
            # when it is none (e.g. a provider across the county line).
            refresh_gap_providers(project, int(gap_id))
            if not project.conn.execute(
                "SELECT 1 FROM gap_providers WHERE gap_id = ? AND npi = ?", (int(gap_id), npi)
            ).fetchone():
                designate(project, int(gap_id), npi, "target", "outreach entry recorded for the gap")
        # A contracting outcome may move a targeted provider into a cure: keep gap roles current.
        if outcome in ("LOI signed", "contract executed"):
            from blueprint_desktop.deficiency.gaps import refresh_gap_providers

            refresh_gap_providers(project)
    return get_entry(project, entry_id)


def redact(project, entry_id: int, reason: str, field: str = "note") -> dict[str, Any]:
    """Overwrite one field of an outreach entry with ``[redacted: REASON]``; returns the redaction.

    The only way text in the log changes. In one transaction: a redaction row naming the entry, the field,
    the reason and the entry's content hash before and after (so the evidence chain still verifies and
    shows that a redaction happened), the overwrite itself (which the trigger lets through only because
    that row exists), the redaction's chain link and an audit entry that does not repeat the text.
    """
    if field not in REDACTABLE_FIELDS:
        raise BlueprintError(f"field {field!r} cannot be redacted; one of: {', '.join(REDACTABLE_FIELDS)}")
    reason = " ".join((reason or "").split())
    if not reason:
        raise BlueprintError("a redaction needs its reason (--reason), e.g. 'member PHI entered by mistake'")
    _refuse_phi(reason, "redaction reason")
    row = evidence_chain.read_row(project.conn, "outreach_log", int(entry_id))
    if row is None:
        raise BlueprintError(f"no outreach entry with id {entry_id}")
    done = project.conn.execute(
        "SELECT id FROM outreach_redactions WHERE entry_id = ? AND field = ?", (int(entry_id), field)
    ).fetchone()
    if done:
        raise BlueprintError(
            f"outreach entry {entry_id}: its {field} was already redacted (redaction {done[0]})"
        )
    if not row[field]:
        raise BlueprintError(f"outreach entry {entry_id} has no {field} to redact")
    marker = redaction_marker(reason)
    before = evidence_chain.content_hash("outreach_log", row)
    after = evidence_chain.content_hash("outreach_log", row | {field: marker})
    now = utc_now()
    # secure_delete zeroes the freed bytes of the old text instead of leaving them in free pages.
    old_secure = project.conn.execute("PRAGMA secure_delete").fetchone()[0]
    project.conn.execute("PRAGMA secure_delete = ON")
    try:
        with project.transaction():
            cur = project.conn.execute(
                "INSERT INTO outreach_redactions(entry_id, field, reason, before_sha256, after_sha256, redacted_at,"
                " redacted_by) VALUES (?,?,?,?,?,?,?)",
                (int(entry_id), field, reason, before, after, now, project.actor),
            )
            redaction_id = int(cur.lastrowid)
            project.conn.execute(
                f"UPDATE outreach_log SET [{field}] = ? WHERE id = ?", (marker, int(entry_id))
            )
            if evidence_chain.row_hash(project.conn, "outreach_log", int(entry_id)) != after:
                raise BlueprintError(f"outreach entry {entry_id}: the redaction did not apply as recorded")
            evidence_chain.link_row(project.conn, "outreach_redactions", redaction_id, now)
            project.audit(
                "outreach.redact",
                "outreach_log",
                int(entry_id),
                {"redaction": redaction_id, "field": field, "reason": reason},
            )
    finally:
        project.conn.execute(f"PRAGMA secure_delete = {int(old_secure)}")
    if not project.conn.in_transaction:
        # Fold the WAL in so the old page images with the text do not linger in the -wal file; another
        # connection reading the file can hold it back, which is harmless (it is retried at close).
        with contextlib.suppress(Exception):
            project.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    return {
        "id": redaction_id,
        "entry_id": int(entry_id),
        "field": field,
        "reason": reason,
        "text": marker,
        "redacted_at": now,
        "redacted_by": project.actor,
    }


def _entries(project, where: str = "", args: tuple = ()) -> list[dict[str, Any]]:
    cur = project.conn.execute(
        "SELECT o.*, (SELECT c.id FROM outreach_log c WHERE c.supersedes = o.id) AS superseded_by"
        " FROM outreach_log o " + where + " ORDER BY o.id",
        args,
    )
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    attachments: dict[int, list[dict[str, Any]]] = {}
    for eid, aid, name, digest, size in project.conn.execute(
        "SELECT entry_id, id, file_name, sha256, size FROM outreach_attachments ORDER BY id"
    ):
        attachments.setdefault(eid, []).append({"id": aid, "file_name": name, "sha256": digest, "size": size})
    redacted: dict[int, list[str]] = {}
    for eid, fld in project.conn.execute("SELECT entry_id, field FROM outreach_redactions ORDER BY id"):
        redacted.setdefault(eid, []).append(fld)
    names = provider_names(project, sorted({r["npi"] for r in rows}))
    for r in rows:
        r["provider_name"] = names.get(r["npi"], "")
        r["attachments"] = attachments.get(r["id"], [])
        r["redacted"] = redacted.get(r["id"], [])
        r["missing"] = [f for f in REQUIRED_FIELDS if not r.get(f)]
        r["in_force"] = r["superseded_by"] is None
    return rows


def get_entry(project, entry_id: int) -> dict[str, Any]:
    rows = _entries(project, "WHERE o.id = ?", (int(entry_id),))
    if not rows:
        raise BlueprintError(f"no outreach entry with id {entry_id}")
    return rows[0]


def list_entries(project, npi: str | None = None) -> list[dict[str, Any]]:
    """Every entry, superseded ones included (``in_force`` False, ``superseded_by`` the correction)."""
    if npi:
        return _entries(project, "WHERE o.npi = ?", (check_npi(npi),))
    return _entries(project)


def attachment_bytes(project, attachment_id: int) -> tuple[str, bytes]:
    row = project.conn.execute(
        "SELECT file_name, content FROM outreach_attachments WHERE id = ?", (int(attachment_id),)
    ).fetchone()
    if row is None:
        raise BlueprintError(f"no outreach attachment with id {attachment_id}")
    return row[0], bytes(row[1])


def attempt_counts(project, npis: list[str] | None = None) -> dict[str, AttemptCount]:
    """Per NPI: documented attempts in force vs the four-attempt standard (best practice)."""
    rows = list_entries(project)
    by_npi: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_npi.setdefault(r["npi"], []).append(r)
    wanted = sorted(set(npis) if npis is not None else set(by_npi))
    names = provider_names(project, wanted)
    out = {}
    for npi in wanted:
        entries = [r for r in by_npi.get(npi, []) if r["in_force"]]
        documented = [r for r in entries if not r["missing"]]
        dated = sorted(
            (r for r in entries if r["outcome"]), key=lambda r: (r["at"] or r["recorded_at"], r["id"])
        )
        out[npi] = AttemptCount(
            npi=npi,
            name=names.get(npi, "") or (entries[0]["provider_name"] if entries else ""),
            documented=len(documented),
            entries=len(entries),
            latest_outcome=dated[-1]["outcome"] if dated else None,
            meets_standard=len(documented) >= ATTEMPT_STANDARD,
        )
    return out


def import_log(project, path: str | Path) -> dict[str, Any]:
    """Import an existing outreach log (CSV headers ``at,npi,channel,outcome,staff,reason,note``).

    Rows keep what they have: a missing date, channel, staff or outcome is imported and then flagged by the
    checks (correct it with a superseding entry). Values present must be valid; one transaction.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: no such outreach log file")
    digest = sha256_file(path)
    previous = project.find_batch("outreach-log", digest)
    if previous:
        raise InputFileError(f"{path.name}: already imported (import batch {previous['id']})")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        headers = [h.strip().lower() for h in reader.fieldnames or []]
        if "npi" not in headers:
            raise InputFileError(
                f"{path.name}: row 1: no npi column; expected headers at,npi,channel,outcome,staff,reason,note"
            )
        rows = [{(k or "").strip().lower(): (v or "").strip() for k, v in r.items()} for r in reader]
    with project.transaction():
        batch = project.record_batch("outreach-log", path.name, digest, len(rows), len(rows))
        for i, r in enumerate(rows, start=2):
            try:
                add_entry(
                    project,
                    r.get("npi", ""),
                    r.get("channel"),
                    r.get("outcome"),
                    r.get("staff"),
                    at=r.get("at") or None,
                    reason=r.get("reason"),
                    note=r.get("note"),
                    batch_id=batch,
                    allow_incomplete=True,
                )
            except BlueprintError as exc:
                raise InputFileError(f"{path.name}: row {i}: {exc}") from None
        project.audit("outreach.import", "import_batch", batch, {"file": path.name, "rows": len(rows)})
    return {"file": path.name, "rows": len(rows), "batch_id": batch}
