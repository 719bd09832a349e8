"""Schema version 10: a hash chain over the evidence (outreach log, its attachments, the audit log).

The append-only triggers of v1 and v4 stop an honest mistake, not a person with the sqlite3 shell: they can
be dropped, the row changed, and the trigger created again. v10 adds what notices that:

- ``evidence_chain``: one link per evidence row, in the order the rows were written. A link holds the
  SHA-256 of the row's canonical content and a chain hash over the previous link's chain hash, so changing,
  deleting, inserting or reordering a row breaks the chain from that row on (``store/evidence_chain.py``
  computes and verifies it). Rows that existed before the upgrade are chained by the migration itself, in
  their stored order: the chain proves nothing about them before that day.
- ``outreach_redactions``: the one audited way to overwrite text in an outreach entry (a member's PHI typed
  into a note by mistake). A redaction names the entry, the field and the reason, and carries the entry's
  content hash before and after, so the chain still verifies after the text is gone.
- ``outreach_log_no_update`` is recreated to let exactly that overwrite through: an UPDATE that sets the
  redacted field to ``[redacted: REASON]`` of an existing redaction row and changes nothing else. Any other
  UPDATE, in the app or in a shell, is still refused.
"""

REDACTABLE_FIELDS = ("note", "reason")


def redaction_marker(reason: str) -> str:
    """What replaces redacted text everywhere it is shown: ``[redacted: REASON]``."""
    return f"[redacted: {reason}]"


SQL = """
CREATE TABLE outreach_redactions (
    id            INTEGER PRIMARY KEY,
    entry_id      INTEGER NOT NULL REFERENCES outreach_log(id),
    field         TEXT NOT NULL CHECK (field IN ('note', 'reason')),
    reason        TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    before_sha256 TEXT NOT NULL CHECK (length(before_sha256) = 64),
    after_sha256  TEXT NOT NULL CHECK (length(after_sha256) = 64),
    redacted_at   TEXT NOT NULL,
    redacted_by   TEXT NOT NULL,
    UNIQUE (entry_id, field)
);
CREATE TRIGGER outreach_redactions_no_update BEFORE UPDATE ON outreach_redactions
BEGIN SELECT RAISE(ABORT, 'outreach_redactions are append-only'); END;
CREATE TRIGGER outreach_redactions_no_delete BEFORE DELETE ON outreach_redactions
BEGIN SELECT RAISE(ABORT, 'outreach_redactions are append-only'); END;

CREATE TABLE evidence_chain (
    seq            INTEGER PRIMARY KEY CHECK (seq > 0),
    entry_table    TEXT NOT NULL
                   CHECK (entry_table IN ('outreach_log', 'outreach_attachments', 'audit_log', 'outreach_redactions')),
    entry_id       INTEGER NOT NULL,
    content_sha256 TEXT NOT NULL CHECK (length(content_sha256) = 64),
    chain_sha256   TEXT NOT NULL CHECK (length(chain_sha256) = 64),
    linked_at      TEXT NOT NULL,
    origin         TEXT NOT NULL DEFAULT 'app' CHECK (origin IN ('app', 'upgrade')),
    UNIQUE (entry_table, entry_id)
);
CREATE UNIQUE INDEX evidence_chain_hash ON evidence_chain(chain_sha256);
CREATE TRIGGER evidence_chain_no_update BEFORE UPDATE ON evidence_chain
BEGIN SELECT RAISE(ABORT, 'evidence_chain is append-only'); END;
CREATE TRIGGER evidence_chain_no_delete BEFORE DELETE ON evidence_chain
BEGIN SELECT RAISE(ABORT, 'evidence_chain is append-only'); END;

DROP TRIGGER outreach_log_no_update;
CREATE TRIGGER outreach_log_no_update BEFORE UPDATE ON outreach_log
WHEN NOT EXISTS (
    SELECT 1 FROM outreach_redactions r
    WHERE r.entry_id = OLD.id
      AND NEW.id IS OLD.id AND NEW.at IS OLD.at AND NEW.npi IS OLD.npi AND NEW.channel IS OLD.channel
      AND NEW.outcome IS OLD.outcome AND NEW.staff IS OLD.staff AND NEW.supersedes IS OLD.supersedes
      AND NEW.recorded_at IS OLD.recorded_at AND NEW.recorded_by IS OLD.recorded_by
      AND NEW.batch_id IS OLD.batch_id
      AND ((r.field = 'note' AND NEW.note IS '[redacted: ' || r.reason || ']' AND OLD.note IS NOT NEW.note
            AND NEW.reason IS OLD.reason)
        OR (r.field = 'reason' AND NEW.reason IS '[redacted: ' || r.reason || ']' AND OLD.reason IS NOT NEW.reason
            AND NEW.note IS OLD.note))
)
BEGIN SELECT RAISE(ABORT, 'outreach_log is append-only: record a correction that supersedes the entry'); END;
"""
