"""Schema version 14: essential community provider (ECP) lists a QHP project loads.

``ecp_lists``: one row per list loaded (file, hash, when); the newest list not removed is the one in force.
Removing a list sets ``removed_at`` and keeps its rows, so nothing loaded is lost and loading the same file
again brings it back. ``ecp_sites``: the list's rows as read, one per ECP provider and site, with the county
each lies in (from the file's county column, else its ZIP code).
"""

SQL = """
CREATE TABLE ecp_lists (
    id          INTEGER PRIMARY KEY,
    file_name   TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    rows_read   INTEGER NOT NULL,
    summary_json TEXT,
    removed_at  TEXT
);
CREATE TABLE ecp_sites (
    list_id     INTEGER NOT NULL REFERENCES ecp_lists(id) ON DELETE CASCADE,
    row_number  INTEGER NOT NULL,
    npi         TEXT NOT NULL CHECK (length(npi) = 10),
    name        TEXT NOT NULL,
    category    TEXT NOT NULL,
    provider_type TEXT,
    address     TEXT NOT NULL,
    city        TEXT,
    state       TEXT NOT NULL,
    zip         TEXT NOT NULL,
    county_fips TEXT NOT NULL CHECK (length(county_fips) = 5),
    county_from TEXT NOT NULL CHECK (county_from IN ('file', 'zip')),
    PRIMARY KEY (list_id, row_number)
);
CREATE INDEX ecp_sites_county ON ecp_sites(list_id, county_fips);
"""
