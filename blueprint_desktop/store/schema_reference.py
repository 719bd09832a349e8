"""Schema version 2: CMS reference data, enrollee points and other lines of business' rule sets.

- ``reference_files``: each CMS HSD Reference File loaded, by plan year (one active per plan year: a
  new import for the same plan year replaces the previous one's rows), with its vintage.
- ``reference_counties``: its county rows keyed by SSA code (not FIPS: Los Angeles has two SSA codes),
  with the FIPS they were matched to by state + name (NULL when no county matched; never guessed).
- ``reference_criteria``: per county x evaluated line, the time/distance and minimum count CMS publishes.
- ``reference_con``: the Certificate of Need tab (county x facility type eligible for the CON credit).
- ``enrollee_points``: the plan's enrollee distribution; replaces census points of the counties it covers
  (``geo.points.population_points`` reads it).
- ``rule_sets`` / ``rule_set_lines``: Medicaid and QHP standards a user supplies (state rules vary).
"""

SQL = """
CREATE TABLE reference_files (
    id            INTEGER PRIMARY KEY,
    plan_year     INTEGER NOT NULL,
    vintage       TEXT NOT NULL,
    file_name     TEXT NOT NULL,
    file_sha256   TEXT NOT NULL,
    file_format   TEXT NOT NULL CHECK (file_format IN ('xlsx', 'csv')),
    batch_id      INTEGER REFERENCES import_batches(id),
    imported_at   TEXT NOT NULL,
    counties      INTEGER NOT NULL DEFAULT 0,
    unmatched_json TEXT
);
CREATE INDEX reference_files_year ON reference_files(plan_year);

CREATE TABLE reference_counties (
    reference_file_id      INTEGER NOT NULL REFERENCES reference_files(id) ON DELETE CASCADE,
    ssa_code               TEXT NOT NULL CHECK (length(ssa_code) = 5),
    state                  TEXT NOT NULL,
    county_name            TEXT NOT NULL,
    county_fips            TEXT CHECK (county_fips IS NULL OR length(county_fips) = 5),
    designation            TEXT NOT NULL
        CHECK (designation IN ('Large Metro', 'Metro', 'Micro', 'Rural', 'CEAC')),
    total_beneficiaries    REAL,
    pct95_ratio            REAL,
    beneficiaries_required INTEGER,
    PRIMARY KEY (reference_file_id, ssa_code)
);
CREATE INDEX reference_counties_fips ON reference_counties(county_fips);

CREATE TABLE reference_criteria (
    reference_file_id INTEGER NOT NULL REFERENCES reference_files(id) ON DELETE CASCADE,
    ssa_code          TEXT NOT NULL,
    line_code         TEXT NOT NULL,
    max_minutes       REAL,
    max_miles         REAL,
    min_count         INTEGER,
    PRIMARY KEY (reference_file_id, ssa_code, line_code)
);

CREATE TABLE reference_con (
    reference_file_id INTEGER NOT NULL REFERENCES reference_files(id) ON DELETE CASCADE,
    ssa_code          TEXT NOT NULL,
    line_code         TEXT NOT NULL,
    td_customized     INTEGER NOT NULL DEFAULT 0 CHECK (td_customized IN (0, 1)),
    PRIMARY KEY (reference_file_id, ssa_code, line_code)
);

CREATE TABLE enrollee_points (
    id          INTEGER PRIMARY KEY,
    county_fips TEXT NOT NULL CHECK (length(county_fips) = 5),
    latitude    REAL NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude   REAL NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    weight      REAL NOT NULL CHECK (weight > 0),
    zip         TEXT,
    batch_id    INTEGER REFERENCES import_batches(id)
);
CREATE INDEX enrollee_points_county ON enrollee_points(county_fips);

CREATE TABLE rule_sets (
    id          INTEGER PRIMARY KEY,
    lob         TEXT NOT NULL CHECK (lob IN ('medicaid', 'qhp')),
    name        TEXT NOT NULL,
    plan_year   INTEGER,
    file_name   TEXT NOT NULL,
    batch_id    INTEGER REFERENCES import_batches(id),
    imported_at TEXT NOT NULL
);

CREATE TABLE rule_set_lines (
    rule_set_id    INTEGER NOT NULL REFERENCES rule_sets(id) ON DELETE CASCADE,
    line_code      TEXT NOT NULL,
    line_name      TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('provider', 'facility')),
    designation    TEXT NOT NULL
        CHECK (designation IN ('Large Metro', 'Metro', 'Micro', 'Rural', 'CEAC')),
    max_minutes    REAL,
    max_miles      REAL,
    required_pct   REAL NOT NULL CHECK (required_pct > 0 AND required_pct <= 100),
    min_count      INTEGER,
    ratio_per_1000 REAL,
    PRIMARY KEY (rule_set_id, line_code, designation)
);
"""
