"""Schema version 1 of the project file.

Kept as plain DDL so that a person can read the whole data model in one place. Later versions are
forward migrations in ``migrations.py``; this text is never edited once released.

Conventions: dates are ISO 8601 text (UTC for timestamps), FIPS and NPI and ZIP are text (leading
zeros), booleans are 0/1 integers, and JSON detail goes in ``*_json`` text columns.
"""

# SQLite's application_id header field marks the file as ours ("BPRJ"), so a random SQLite database
# is refused as "not a Blueprint project" instead of being migrated into one.
APPLICATION_ID = 0x42505243

CONTRACT_STATUSES = ("executed", "loi", "pending", "terminated", "none")
CREDENTIALING_STATUSES = ("active", "provisional", "pending", "none")
PANEL_STATUSES = ("open", "closed", "unknown")
GEOCODE_QUALITIES = ("exact", "interpolated", "zip-centroid", "county-centroid", "none")
LINES_OF_BUSINESS = ("ma", "medicaid", "qhp")


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


V1 = f"""
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT
);

-- The counties the plan serves (its service area), by 5-digit FIPS.
CREATE TABLE service_area (
    county_fips TEXT PRIMARY KEY CHECK (length(county_fips) = 5),
    state       TEXT NOT NULL,
    added_at    TEXT NOT NULL
);

-- Every file ever imported: what, when, its hash (re-imports are recognised) and what happened.
CREATE TABLE import_batches (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    file_name     TEXT NOT NULL,
    file_sha256   TEXT NOT NULL,
    imported_at   TEXT NOT NULL,
    rows_read     INTEGER NOT NULL DEFAULT 0,
    rows_imported INTEGER NOT NULL DEFAULT 0,
    rows_rejected INTEGER NOT NULL DEFAULT 0,
    superseded_by INTEGER REFERENCES import_batches(id),
    summary_json  TEXT
);
CREATE INDEX import_batches_kind ON import_batches(kind, file_sha256);

-- A provider as one source knows it: the contracted roster, or the NPPES market of candidates.
-- The same NPI may appear once per source; the roster row is the contracted one.
CREATE TABLE providers (
    id                     INTEGER PRIMARY KEY,
    npi                    TEXT NOT NULL CHECK (length(npi) = 10),
    name                   TEXT NOT NULL,
    entity_type            TEXT NOT NULL DEFAULT 'individual' CHECK (entity_type IN ('individual', 'organization')),
    source                 TEXT NOT NULL CHECK (source IN ('roster', 'market', 'manual')),
    contract_status        TEXT NOT NULL DEFAULT 'none' CHECK (contract_status IN {_in(CONTRACT_STATUSES)}),
    contract_executed_date TEXT,
    credentialing_status   TEXT NOT NULL DEFAULT 'none' CHECK (credentialing_status IN {_in(CREDENTIALING_STATUSES)}),
    credentialing_date     TEXT,
    panel_status           TEXT NOT NULL DEFAULT 'unknown' CHECK (panel_status IN {_in(PANEL_STATUSES)}),
    panel_confirmed_date   TEXT,
    telehealth_only        INTEGER NOT NULL DEFAULT 0 CHECK (telehealth_only IN (0, 1)),
    telehealth_waived      INTEGER NOT NULL DEFAULT 0 CHECK (telehealth_waived IN (0, 1)),
    hpms_entered_date      TEXT,
    attested_date          TEXT,
    activity_last_date     TEXT,
    activity_encounters    INTEGER,
    deactivated_date       TEXT,
    batch_id               INTEGER REFERENCES import_batches(id),
    updated_at             TEXT,
    UNIQUE (npi, source)
);
CREATE INDEX providers_npi ON providers(npi);

-- Which HSD lines a provider is credited to, and from which taxonomy (one provider may serve several).
CREATE TABLE provider_lines (
    provider_id   INTEGER NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
    line_code     TEXT NOT NULL,
    taxonomy_code TEXT,
    PRIMARY KEY (provider_id, line_code)
);
CREATE INDEX provider_lines_line ON provider_lines(line_code);

-- Every practice location is its own point.
CREATE TABLE locations (
    id              INTEGER PRIMARY KEY,
    provider_id     INTEGER NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
    address         TEXT,
    city            TEXT,
    state           TEXT,
    zip             TEXT,
    county_fips     TEXT,
    latitude        REAL CHECK (latitude IS NULL OR latitude BETWEEN -90 AND 90),
    longitude       REAL CHECK (longitude IS NULL OR longitude BETWEEN -180 AND 180),
    geocode_quality TEXT NOT NULL DEFAULT 'none' CHECK (geocode_quality IN {_in(GEOCODE_QUALITIES)}),
    beds            INTEGER,
    batch_id        INTEGER REFERENCES import_batches(id)
);
CREATE INDEX locations_provider ON locations(provider_id);
CREATE INDEX locations_county ON locations(county_fips);

-- Scoring runs: what went in (fingerprints), how, when, and the per county x line results.
CREATE TABLE scoring_runs (
    id                 INTEGER PRIMARY KEY,
    started_at         TEXT NOT NULL,
    finished_at        TEXT,
    method             TEXT NOT NULL,
    lob                TEXT NOT NULL,
    plan_year          INTEGER NOT NULL,
    lines_json         TEXT,
    inputs_fingerprint TEXT NOT NULL,
    inputs_json        TEXT,
    status             TEXT NOT NULL DEFAULT 'complete',
    summary_json       TEXT
);

CREATE TABLE run_results (
    run_id          INTEGER NOT NULL REFERENCES scoring_runs(id) ON DELETE CASCADE,
    county_fips     TEXT NOT NULL,
    line_code       TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('Pass', 'At Risk', 'Failing')),
    pct_within      REAL,
    required_pct    REAL,
    p90_minutes     REAL,
    p90_miles       REAL,
    credited_count  INTEGER,
    min_count       INTEGER,
    confidence      REAL,
    confidence_band TEXT,
    estimated_time  INTEGER NOT NULL DEFAULT 1,
    detail_json     TEXT,
    PRIMARY KEY (run_id, county_fips, line_code)
);

-- Append-only audit log: who changed what, when. Triggers refuse UPDATE and DELETE even through SQL.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT,
    entity_id   TEXT,
    detail_json TEXT
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
"""
