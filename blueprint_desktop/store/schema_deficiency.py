"""Schema version 4: the deficiency response (notices, cited gaps, the plan, pathways, outreach, cure).

- ``deficiency_notices``: each CMS deficiency notice imported, its notice date and its response window.
  The window is a per-notice field (regulation.md section 5: vendors disagree on 30 days vs 10 business
  days; an application NOID gives 10 days under 42 CFR 422.502(c)(2), unverified), so the due date is
  stored and editable, never assumed.
- ``cited_gaps``: one row per county x line the notice cites, mapped to the project's FIPS and HSD line,
  with the pathway chosen (cure, exception, service area reduction) and the narrative for an exception.
- ``gap_providers``: the providers a gap concerns, by NPI: 'network' (already contracted there),
  'target' (a candidate to recruit), 'cure' (relied on to cure the gap). ``manual`` rows were set by a
  person and are never changed by the automatic refresh.
- ``plan_milestones``: the four phases per gap (triage, identify and contract, compile documentation,
  submit) with dates and owners.
- ``gap_checklist``: the manual items of a pathway's checklist (officer attestation, CMS approval...);
  items that data can prove are computed live and never stored.
- ``outreach_log`` / ``outreach_attachments``: APPEND-ONLY evidence of recruitment outreach. Triggers
  refuse UPDATE and DELETE even through raw SQL; a correction is a new row whose ``supersedes`` names the
  row it corrects (each row can be corrected once; a correction of a correction supersedes the correction).
  Date, channel, staff and outcome may be missing on rows imported from an old spreadsheet log: the
  checks flag them; a declined outcome always carries its reason.
- ``cure_snapshots``: each re-score of a cited gap (its county x line only), to chart progress over the
  response window.
"""

OUTREACH_CHANNELS = ("phone", "email", "letter", "fax", "in person", "portal")
OUTREACH_OUTCOMES = ("no answer", "voicemail", "declined", "interested", "LOI signed", "contract executed")
PATHWAYS = ("cure", "exception", "sar")
GAP_PROVIDER_ROLES = ("network", "target", "cure")
PHASES = ("triage", "identify and contract", "compile documentation", "submit")
CURE_STATES = ("cured", "pending credentialing", "needs exception", "open")


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


SQL = f"""
CREATE TABLE deficiency_notices (
    id             INTEGER PRIMARY KEY,
    notice_date    TEXT NOT NULL,
    window_days    INTEGER NOT NULL CHECK (window_days > 0),
    window_unit    TEXT NOT NULL DEFAULT 'calendar' CHECK (window_unit IN ('calendar', 'business')),
    window_kind    TEXT NOT NULL DEFAULT 'deficiency' CHECK (window_kind IN ('deficiency', 'application', 'other')),
    due_date       TEXT NOT NULL,
    due_overridden INTEGER NOT NULL DEFAULT 0 CHECK (due_overridden IN (0, 1)),
    contract_id    TEXT,
    source_format  TEXT NOT NULL CHECK (source_format IN ('csv', 'xlsx', 'text', 'manual')),
    file_name      TEXT,
    file_sha256    TEXT,
    batch_id       INTEGER REFERENCES import_batches(id),
    imported_at    TEXT NOT NULL,
    unmatched_json TEXT,
    submitted_date TEXT
);

CREATE TABLE cited_gaps (
    id                INTEGER PRIMARY KEY,
    notice_id         INTEGER NOT NULL REFERENCES deficiency_notices(id) ON DELETE CASCADE,
    county_fips       TEXT NOT NULL CHECK (length(county_fips) = 5),
    ssa_code          TEXT,
    line_code         TEXT NOT NULL,
    cited_county      TEXT,
    cited_specialty   TEXT,
    source_row        INTEGER,
    pathway           TEXT CHECK (pathway IS NULL OR pathway IN {_in(PATHWAYS)}),
    exception_type    TEXT,
    pathway_chosen_at TEXT,
    narrative         TEXT,
    UNIQUE (notice_id, county_fips, line_code)
);
CREATE INDEX cited_gaps_cell ON cited_gaps(county_fips, line_code);

CREATE TABLE gap_providers (
    gap_id     INTEGER NOT NULL REFERENCES cited_gaps(id) ON DELETE CASCADE,
    npi        TEXT NOT NULL CHECK (length(npi) = 10),
    role       TEXT NOT NULL CHECK (role IN {_in(GAP_PROVIDER_ROLES)}),
    manual     INTEGER NOT NULL DEFAULT 0 CHECK (manual IN (0, 1)),
    reason     TEXT,
    flagged_at TEXT NOT NULL,
    PRIMARY KEY (gap_id, npi)
);
CREATE INDEX gap_providers_npi ON gap_providers(npi);

CREATE TABLE plan_milestones (
    id         INTEGER PRIMARY KEY,
    gap_id     INTEGER NOT NULL REFERENCES cited_gaps(id) ON DELETE CASCADE,
    phase      TEXT NOT NULL CHECK (phase IN {_in(PHASES)}),
    start_date TEXT NOT NULL,
    due_date   TEXT NOT NULL,
    owner      TEXT NOT NULL,
    done_date  TEXT,
    edited     INTEGER NOT NULL DEFAULT 0 CHECK (edited IN (0, 1)),
    UNIQUE (gap_id, phase),
    CHECK (due_date >= start_date)
);

CREATE TABLE gap_checklist (
    gap_id  INTEGER NOT NULL REFERENCES cited_gaps(id) ON DELETE CASCADE,
    item    TEXT NOT NULL,
    done    INTEGER NOT NULL CHECK (done IN (0, 1)),
    value   TEXT,
    note    TEXT,
    by      TEXT NOT NULL,
    at      TEXT NOT NULL,
    PRIMARY KEY (gap_id, item)
);

CREATE TABLE outreach_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT,
    npi         TEXT NOT NULL CHECK (length(npi) = 10),
    channel     TEXT CHECK (channel IS NULL OR channel IN {_in(OUTREACH_CHANNELS)}),
    outcome     TEXT CHECK (outcome IS NULL OR outcome IN {_in(OUTREACH_OUTCOMES)}),
    staff       TEXT,
    reason      TEXT,
    note        TEXT,
    supersedes  INTEGER REFERENCES outreach_log(id),
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    batch_id    INTEGER REFERENCES import_batches(id),
    CHECK (outcome IS NOT 'declined' OR length(trim(coalesce(reason, ''))) > 0)
);
CREATE INDEX outreach_log_npi ON outreach_log(npi);
CREATE UNIQUE INDEX outreach_log_supersedes ON outreach_log(supersedes) WHERE supersedes IS NOT NULL;
CREATE TRIGGER outreach_log_no_update BEFORE UPDATE ON outreach_log
BEGIN SELECT RAISE(ABORT, 'outreach_log is append-only: record a correction that supersedes the entry'); END;
CREATE TRIGGER outreach_log_no_delete BEFORE DELETE ON outreach_log
BEGIN SELECT RAISE(ABORT, 'outreach_log is append-only: record a correction that supersedes the entry'); END;

CREATE TABLE outreach_attachments (
    id         INTEGER PRIMARY KEY,
    entry_id   INTEGER NOT NULL REFERENCES outreach_log(id),
    file_name  TEXT NOT NULL,
    sha256     TEXT NOT NULL CHECK (length(sha256) = 64),
    size       INTEGER NOT NULL,
    content    BLOB NOT NULL,
    added_at   TEXT NOT NULL
);
CREATE INDEX outreach_attachments_entry ON outreach_attachments(entry_id);
CREATE TRIGGER outreach_attachments_no_update BEFORE UPDATE ON outreach_attachments
BEGIN SELECT RAISE(ABORT, 'outreach_attachments are append-only'); END;
CREATE TRIGGER outreach_attachments_no_delete BEFORE DELETE ON outreach_attachments
BEGIN SELECT RAISE(ABORT, 'outreach_attachments are append-only'); END;

CREATE TABLE cure_snapshots (
    id             INTEGER PRIMARY KEY,
    gap_id         INTEGER NOT NULL REFERENCES cited_gaps(id) ON DELETE CASCADE,
    at             TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN {_in(CURE_STATES)}),
    score_status   TEXT,
    pct_within     REAL,
    required_pct   REAL,
    credited_count INTEGER,
    min_count      INTEGER,
    run_id         INTEGER REFERENCES scoring_runs(id) ON DELETE SET NULL,
    detail_json    TEXT
);
CREATE INDEX cure_snapshots_gap ON cure_snapshots(gap_id, at);
"""
