"""Schema version 12: the locations frame a run reads, kept between runs (engine/locations_cache.py).

Reading every (location, line) row with its provider's statuses takes ~7 s of CPU at 1,000,000 locations
(SQLite's fetch of 26 values a row, then the frame); the same frame read back from Arrow IPC takes ~0.8 s.
``locations_frame_cache`` holds it in parts of at most ``PART_ROWS`` rows (each blob stays far below
SQLite's 1 GB limit), tagged with a key naming the columns and the library versions that wrote it.

It can never be stale: a trigger on every table the frame is read from (providers, provider_lines,
locations, import_batches) empties it on any insert, update or delete, in the same transaction as the
change, whoever makes it (this app, another window, the sqlite3 shell). A cache written from a read that
another connection's commit overtook is not written at all (``PRAGMA data_version``).
"""

# Every table engine/credited.py's query reads: a change to any of them changes the frame.
SOURCE_TABLES = ("providers", "provider_lines", "locations", "import_batches")

SQL = """
CREATE TABLE locations_frame_cache (
    part      INTEGER PRIMARY KEY,
    cache_key TEXT NOT NULL,
    rows      INTEGER NOT NULL,
    data      BLOB NOT NULL
);
""" + "".join(
    f"CREATE TRIGGER {table}_{event.lower()}_empties_frame_cache AFTER {event} ON {table}\n"
    # WHEN: on a bulk import the cache is empty after the first row; testing that costs ~0.7 us a row
    # (measured: 1M inserts 0.81 -> 1.50 s CPU), less than deleting from the empty table each time.
    "WHEN EXISTS (SELECT 1 FROM locations_frame_cache) BEGIN DELETE FROM locations_frame_cache; END;\n"
    for table in SOURCE_TABLES
    for event in ("INSERT", "UPDATE", "DELETE")
)
