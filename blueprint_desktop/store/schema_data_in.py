"""Schema version 6: what the data-in importers keep beyond ``providers`` / ``locations`` / ``import_batches``.

- ``column_mappings``: the column mapping a user gave for a file layout the app does not recognise, saved
  per project and per kind of import (``roster``, ``activity``...) so the next file of that shape is
  mapped the same way without asking again.
- ``import_problems``: every problem found in a file, row by row (1-based row number as the user sees it
  in a spreadsheet, the column, the value, what was expected). Kept for imports that went ahead with
  ``--skip-bad-rows`` so the rejected rows stay on record next to the batch that skipped them.
- ``roster_changes``: what a newer roster changed against the one it replaced (providers added, dropped,
  changed, with the fields before and after), so mid-cycle network changes are visible (seed 000).
- ``providers.contract_type`` / ``providers.medical_group_affiliation``: the HSD provider table's
  "Contract Type" and "Medical Group Affiliation" columns, as the roster gave them.
- ``provider_evidence``: dated evidence about a provider from de-identified activity files, attestations
  and panel-status confirmations. Rows are history (append-only); the latest values are also written to
  the provider's own columns (``activity_last_date``, ``attested_date``, ``panel_confirmed_date``...) so
  the engine reads one row per provider.
"""

SQL = """
-- Two provider attributes the CMS HSD provider table carries (regulation.md 3.1), kept so the HSD export
-- (reports.hsd_tables) can write them back.
ALTER TABLE providers ADD COLUMN contract_type TEXT;
ALTER TABLE providers ADD COLUMN medical_group_affiliation TEXT;

CREATE TABLE column_mappings (
    kind         TEXT PRIMARY KEY,
    mapping_json TEXT NOT NULL,
    headers_json TEXT,
    saved_at     TEXT NOT NULL
);

CREATE TABLE import_problems (
    id         INTEGER PRIMARY KEY,
    batch_id   INTEGER NOT NULL REFERENCES import_batches(id),
    row_number INTEGER,
    column     TEXT,
    value      TEXT,
    expected   TEXT NOT NULL
);
CREATE INDEX import_problems_batch ON import_problems(batch_id);

CREATE TABLE roster_changes (
    id          INTEGER PRIMARY KEY,
    batch_id    INTEGER NOT NULL REFERENCES import_batches(id),
    previous_batch_id INTEGER REFERENCES import_batches(id),
    npi         TEXT NOT NULL,
    change      TEXT NOT NULL CHECK (change IN ('added', 'dropped', 'changed')),
    detail_json TEXT
);
CREATE INDEX roster_changes_batch ON roster_changes(batch_id);

CREATE TABLE provider_evidence (
    id            INTEGER PRIMARY KEY,
    npi           TEXT NOT NULL CHECK (length(npi) = 10),
    kind          TEXT NOT NULL CHECK (kind IN ('activity', 'attestation', 'panel')),
    evidence_date TEXT NOT NULL,
    value         TEXT,
    encounters    INTEGER,
    batch_id      INTEGER REFERENCES import_batches(id),
    recorded_at   TEXT NOT NULL
);
CREATE INDEX provider_evidence_npi ON provider_evidence(npi, kind);
CREATE TRIGGER provider_evidence_no_update BEFORE UPDATE ON provider_evidence
BEGIN SELECT RAISE(ABORT, 'provider_evidence is history: add a newer row instead'); END;
"""
