"""Schema version 11: benchmark (competitor) networks, kept apart from our own providers.

A benchmark network is another plan's network loaded from a public file: the CMS-mandated FHIR provider
directory of an MA plan (Da Vinci PDex Plan-Net), an exchange issuer's QHP ``providers.json``, or the
provider references of a Transparency in Coverage in-network file. It is scored with the same engine as
ours and compared side by side, and its providers that we lack are proven MA-willing recruits.

It never mixes with our network: ``providers`` / ``locations`` hold only roster, market and manual rows
(their ``source`` CHECK refuses anything else), and nothing here is read by the scoring of our own run.

- ``benchmark_networks``: one imported file (or one network of it, ``network_filter``), with what it was,
  its SHA-256 and the counts of the import.
- ``benchmark_providers``: one NPI of that network; ``located_from`` says where its practice locations came
  from: the file itself (Plan-Net Location, QHP address) or our NPPES market (``market``: TiC files carry no
  addresses); ``none`` when neither placed it (counted as unlocated, never dropped).
- ``benchmark_provider_lines``: the HSD codes it is credited to (NUCC taxonomy through our crosswalk, or the
  market's lines for its NPI), stored as submitted (001-006 stay apart, like ``provider_lines``).
- ``benchmark_locations``: its practice locations with their geocode.
"""

SQL = """
CREATE TABLE benchmark_networks (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    format         TEXT NOT NULL CHECK (format IN ('plannet', 'qhp', 'tic')),
    network_filter TEXT,
    file_name      TEXT NOT NULL,
    file_sha256    TEXT NOT NULL,
    imported_at    TEXT NOT NULL,
    entries_read   INTEGER NOT NULL DEFAULT 0,
    providers      INTEGER NOT NULL DEFAULT 0,
    locations      INTEGER NOT NULL DEFAULT 0,
    unlocated      INTEGER NOT NULL DEFAULT 0,
    summary_json   TEXT
);
CREATE INDEX benchmark_networks_sha ON benchmark_networks(file_sha256);

CREATE TABLE benchmark_providers (
    id           INTEGER PRIMARY KEY,
    network_id   INTEGER NOT NULL REFERENCES benchmark_networks(id) ON DELETE CASCADE,
    npi          TEXT NOT NULL CHECK (length(npi) = 10),
    name         TEXT NOT NULL,
    entity_type  TEXT NOT NULL DEFAULT 'individual' CHECK (entity_type IN ('individual', 'organization')),
    tin          TEXT,
    located_from TEXT NOT NULL CHECK (located_from IN ('file', 'market', 'none')),
    UNIQUE (network_id, npi)
);
CREATE INDEX benchmark_providers_npi ON benchmark_providers(npi);

CREATE TABLE benchmark_provider_lines (
    provider_id   INTEGER NOT NULL REFERENCES benchmark_providers(id) ON DELETE CASCADE,
    line_code     TEXT NOT NULL,
    taxonomy_code TEXT,
    PRIMARY KEY (provider_id, line_code)
);

CREATE TABLE benchmark_locations (
    id              INTEGER PRIMARY KEY,
    provider_id     INTEGER NOT NULL REFERENCES benchmark_providers(id) ON DELETE CASCADE,
    address         TEXT,
    city            TEXT,
    state           TEXT,
    zip             TEXT,
    county_fips     TEXT,
    latitude        REAL CHECK (latitude IS NULL OR latitude BETWEEN -90 AND 90),
    longitude       REAL CHECK (longitude IS NULL OR longitude BETWEEN -180 AND 180),
    geocode_quality TEXT NOT NULL DEFAULT 'none'
        CHECK (geocode_quality IN ('exact', 'interpolated', 'zip-centroid', 'county-centroid', 'none')),
    beds            INTEGER
);
CREATE INDEX benchmark_locations_provider ON benchmark_locations(provider_id);
"""
