"""The locations frame a run reads, kept in the project between runs (schema v12).

``credited.load_locations`` reads every (location, line) row with its provider's statuses: at 1,000,000
locations ~8.7 s wall / 6.8 s CPU, most of a national run's gather. From ``CACHE_MIN_ROWS`` rows the frame
it built is written back as Arrow IPC (lz4; ~90 MB at 1M rows, ~0.5 s) and the next read takes ~1 s.

Why it is never stale (store/schema_locations_cache.py): triggers empty the cache in the same transaction
as any change to the tables the frame is read from; a cache is written only if no other connection
committed between the read and the write (``PRAGMA data_version``); and it is keyed by the frame's columns
and the pandas and pyarrow versions, so another app version reads from SQLite again. Writing it never
waits: if another window or process is writing, the cache is simply not written this time.

Arrow IPC, not pickle: a project file may come from someone else, and unpickling runs code.
"""

from __future__ import annotations

import hashlib
import io
import sqlite3

import pandas as pd
import pyarrow as pa

from blueprint_desktop.errors import BlueprintError

CACHE_MIN_ROWS = 50_000  # below this the SQLite read takes well under half a second
PART_ROWS = 1 << 18  # 262,144 rows a blob: ~25 MB, far below SQLite's 1 GB limit for one value
FORMAT = 1


def cache_key(columns: list[str]) -> str:
    """What a cached frame must match to be used: its columns and the libraries that wrote it."""
    text = f"{FORMAT}|{pd.__version__}|{pa.__version__}|{','.join(columns)}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _has_table(conn: sqlite3.Connection) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'locations_frame_cache'"
    ).fetchone()
    return row is not None


def data_version(project) -> int:
    """SQLite's counter of commits by other connections (compare two readings on this connection)."""
    return int(project.conn.execute("PRAGMA data_version").fetchone()[0])


def read(project, columns: list[str]) -> pd.DataFrame | None:
    """The cached frame, or None when there is none for these columns and libraries."""
    conn = project.conn
    if not _has_table(conn):
        return None
    parts = conn.execute("SELECT cache_key, rows, data FROM locations_frame_cache ORDER BY part").fetchall()
    key = cache_key(columns)
    if not parts or any(k != key for k, _, _ in parts):
        return None
    try:
        table = pa.concat_tables([pa.ipc.open_stream(blob).read_all() for _, _, blob in parts])
    except (pa.ArrowInvalid, OSError):
        return None  # a damaged blob: read from SQLite instead
    if table.num_rows != sum(n for _, n, _ in parts) or table.column_names != columns:
        return None
    return table.to_pandas()


def write(project, df: pd.DataFrame, version_at_read: int) -> bool:
    """Keep ``df`` (read when ``data_version`` was ``version_at_read``); False when it was not kept."""
    if len(df) < CACHE_MIN_ROWS or getattr(project, "read_only", False) or not _has_table(project.conn):
        return False
    conn = project.conn
    columns = list(df.columns)
    try:
        table = pa.Table.from_pandas(df, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return False  # a column of mixed types: such a frame is read from SQLite each time
    key = cache_key(columns)
    blobs = []
    for start in range(0, table.num_rows, PART_ROWS):
        part = table.slice(start, PART_ROWS)
        sink = io.BytesIO()
        options = pa.ipc.IpcWriteOptions(compression="lz4")
        with pa.ipc.new_stream(sink, part.schema, options=options) as writer:
            writer.write_table(part)
        blobs.append((len(blobs), key, part.num_rows, sink.getvalue()))
    waited = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    conn.execute("PRAGMA busy_timeout = 0")  # never wait for another writer: skip instead
    try:
        with project.transaction():
            if data_version(project) != version_at_read:
                raise _Overtaken
            conn.execute("DELETE FROM locations_frame_cache")
            conn.executemany(
                "INSERT INTO locations_frame_cache(part, cache_key, rows, data) VALUES (?, ?, ?, ?)", blobs
            )
        return True
    except (_Overtaken, BlueprintError, sqlite3.Error):
        return False
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(waited)}")


class _Overtaken(Exception):
    """Another connection committed between the read and the write: the frame may be stale."""
