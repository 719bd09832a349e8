"""Schema version 3: what the adequacy engine keeps beyond ``scoring_runs`` / ``run_results``.

- ``road_graphs``: each road network imported (``blueprint import roads``): where it came from, its size,
  the speed table used, and the directed drive graph itself as one compressed NumPy archive (node
  coordinates, edge endpoints, minutes and miles). One blob instead of millions of rows because the
  engine always loads the whole graph at once, and a state-size graph then loads in well under a second.
- ``target_plans``: recruitment plans computed for a county x line (ranked candidates, the minimal set
  and the share after each addition), kept so a user can come back to one and so reports can cite it.
- ``whatif_scenarios``: what-if re-scores (providers assumed contracted and the result they gave).
"""

SQL = """
CREATE TABLE road_graphs (
    id            INTEGER PRIMARY KEY,
    file_name     TEXT NOT NULL,
    file_sha256   TEXT NOT NULL,
    imported_at   TEXT NOT NULL,
    batch_id      INTEGER REFERENCES import_batches(id),
    nodes         INTEGER NOT NULL,
    edges         INTEGER NOT NULL,
    min_lat       REAL,
    min_lon       REAL,
    max_lat       REAL,
    max_lon       REAL,
    speeds_json   TEXT NOT NULL,
    arrays        BLOB NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

CREATE TABLE target_plans (
    id           INTEGER PRIMARY KEY,
    created_at   TEXT NOT NULL,
    run_id       INTEGER REFERENCES scoring_runs(id) ON DELETE SET NULL,
    county_fips  TEXT NOT NULL,
    line_code    TEXT NOT NULL,
    method       TEXT NOT NULL,
    solver       TEXT NOT NULL,
    reaches_pass INTEGER NOT NULL CHECK (reaches_pass IN (0, 1)),
    plan_json    TEXT NOT NULL
);
CREATE INDEX target_plans_cell ON target_plans(county_fips, line_code);

CREATE TABLE whatif_scenarios (
    id                INTEGER PRIMARY KEY,
    created_at        TEXT NOT NULL,
    county_fips       TEXT NOT NULL,
    line_code         TEXT NOT NULL,
    provider_ids_json TEXT NOT NULL,
    result_json       TEXT NOT NULL
);
"""
