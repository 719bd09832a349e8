"""Schema versions 14 and 15: essential community provider (ECP) lists a QHP project loads, and its offers.

``ecp_lists``: one row per list loaded (file, hash, when); the newest list not removed is the one in force.
Removing a list sets ``removed_at`` and keeps its rows, so nothing loaded is lost and loading the same file
again brings it back. ``ecp_sites``: the list's rows as read, one per ECP provider and site, with the county
each lies in (from the file's county column, else its ZIP code). ``ecp_offers`` (v15): the contract offers the plan
made to ECPs (45 CFR 156.235(a)(2)(ii) asks for offers, not only contracts), append-only like the outreach log:
a retraction is a new row that names the one it retracts.
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

# Schema version 15 (its own version: files made with version 14 during its development get it on open).
SQL_OFFERS = """
CREATE TABLE ecp_offers (
    id          INTEGER PRIMARY KEY,
    npi         TEXT NOT NULL CHECK (length(npi) = 10),
    name        TEXT NOT NULL,
    offered_on  TEXT NOT NULL,
    note        TEXT,
    recorded_at TEXT NOT NULL,
    retracts    INTEGER REFERENCES ecp_offers(id)
);
CREATE INDEX ecp_offers_npi ON ecp_offers(npi);
CREATE UNIQUE INDEX ecp_offers_retracts ON ecp_offers(retracts) WHERE retracts IS NOT NULL;
CREATE TRIGGER ecp_offers_no_update BEFORE UPDATE ON ecp_offers
BEGIN SELECT RAISE(ABORT, 'ecp_offers is append-only: record a retraction instead'); END;
CREATE TRIGGER ecp_offers_no_delete BEFORE DELETE ON ecp_offers
BEGIN SELECT RAISE(ABORT, 'ecp_offers is append-only: record a retraction instead'); END;
"""
