"""Schema version 8: a population file the user loads (``blueprint import population``).

- ``population_file_points``: weighted points of a finer population than the bundled census sample, e.g.
  Census blocks or block groups with their population aged 65+ (``data/population_import.py``). They
  replace the census points of the counties they cover when adequacy is measured
  (``geo.points.population_points``; enrollee points, when a county has both, still come first). ``geoid``
  is the block (15 digits) or block group (12 digits) when the file gave one; ``weight`` is its 65+ count.
  A new file replaces the points of the counties it covers.
"""

SQL = """
CREATE TABLE population_file_points (
    id          INTEGER PRIMARY KEY,
    county_fips TEXT NOT NULL CHECK (length(county_fips) = 5),
    geoid       TEXT CHECK (geoid IS NULL OR length(geoid) IN (12, 15)),
    latitude    REAL NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude   REAL NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    weight      REAL NOT NULL CHECK (weight > 0),
    batch_id    INTEGER REFERENCES import_batches(id)
);
CREATE INDEX population_file_points_county ON population_file_points(county_fips);
"""
