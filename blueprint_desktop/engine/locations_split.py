"""The locations query read in two processes: this one and a forked helper (engine/forking.py).

``credited.load_locations`` reads every (location, line) row with its provider's statuses. At 1,000,000
locations that read is most of a first national run's gather (~6.8 s CPU): ~3.3 s for sqlite3 to make
26 million Python values and ~2 s to turn them into columns. Both are pure Python work holding the GIL,
so a thread adds nothing; a forked helper adds the second core. From ``SPLIT_MIN_LOCATIONS`` locations,
with a second core and forking safe, the helper reads the locations from the middle ``id`` up on its own
read-only connection while this process reads the rest; each turns its rows into Arrow columns and the
helper sends its columns back (Arrow buffers through a pipe, ~0.1 s).

Why the frame is the one a single read gives, row for row and value for value:

- The query walks ``locations`` in ``id`` order (``SCAN l``; with the bound, ``SEARCH l USING INTEGER
  PRIMARY KEY``), so the rows below the split and those from it, joined end to end, are the rows of the
  whole query in its order (``tests/test_locations_split.py`` compares the frames).
- Each column's type is inferred per half. Where the halves agree, or one half is all NULL, the joined
  column is what inferring the whole gives; any other disagreement (a column with numbers in one half and
  text in the other, rare in a real file) reads the whole query again in this process.
- Both halves must see the same committed state: if another connection committed while they read
  (``PRAGMA data_version``), the whole query is read again here.

If the helper fails, this process reads its half itself.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import time
from typing import Any

import pyarrow as pa

from blueprint_desktop.engine.forking import die_with_parent, fork_workers

SPLIT_MIN_LOCATIONS = 200_000  # below this the read takes ~1 s: not worth a fork
HELPER_SHARE = 0.53  # the rows below this fraction are read here, the rest by the helper

Column = (
    pa.Array | pa.ChunkedArray | tuple
)  # a tuple: values Arrow could not type as one column (mixed types)


def raw_columns(conn, sql: str, params: tuple = ()) -> list[Column] | None:
    """The query's columns (None when it returns no row): Arrow arrays, or value tuples where a column's
    values are of mixed types."""
    rows = conn.execute(sql, params).fetchall()
    if not rows:
        return None
    out: list[Column] = []
    for values in zip(*rows, strict=True):
        try:
            out.append(pa.array(values))
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
            out.append(values)
    return out


def read_columns(project, sql: str, id_column: str = "l.id", info: dict | None = None) -> list[Column] | None:
    """``raw_columns`` of ``sql`` (a query with no WHERE, walking ``locations`` in id order), read in two
    processes when the project is big enough and forking is safe. ``info`` gets "split" (bool) and the
    helper's CPU seconds ("helper_cpu_s")."""
    info = info if info is not None else {}
    info["split"] = False
    conn = project.conn
    if project.read_only or fork_workers() < 2:
        return raw_columns(conn, sql)
    n = int(conn.execute("SELECT count(*) FROM locations").fetchone()[0])
    if n < SPLIT_MIN_LOCATIONS:
        return raw_columns(conn, sql)
    # The helper's share a little under half: it also pickles its columns to send them (~0.3 s at 1M).
    middle = int(
        conn.execute(
            "SELECT id FROM locations ORDER BY id LIMIT 1 OFFSET ?", (int(n * HELPER_SHARE),)
        ).fetchone()[0]
    )
    before = conn.execute("PRAGMA data_version").fetchone()[0]
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    upper_sql = f"{sql} WHERE {id_column} >= ?"
    helper = ctx.Process(target=_helper, args=(project, upper_sql, middle, send), daemon=True)
    helper.start()
    send.close()
    got: Any = None
    try:
        lower = raw_columns(conn, f"{sql} WHERE {id_column} < ?", (middle,))
        try:
            got = recv.recv()
        except (EOFError, OSError):
            got = None
    finally:
        recv.close()
        if helper.is_alive() and got is None:
            helper.terminate()
        helper.join()
    if got is None or got[0] != "ok":  # the helper failed: its half here
        upper = raw_columns(conn, upper_sql, (middle,))
    else:
        upper = got[1]
        info["helper_cpu_s"] = got[2]
    if conn.execute("PRAGMA data_version").fetchone()[0] != before:
        return raw_columns(conn, sql)  # another connection committed while the halves were read
    joined = join_halves(lower, upper)
    if joined is None:
        return raw_columns(conn, sql)
    info["split"] = True
    return joined


def join_halves(lower: list[Column] | None, upper: list[Column] | None) -> list[Column] | None:
    """The columns of both halves end to end, typed as a single read would type them; None when a
    column's halves disagree in a way only reading the whole can settle."""
    if lower is None or upper is None:
        return upper if lower is None else lower
    out: list[Column] = []
    for a, b in zip(lower, upper, strict=True):
        if isinstance(a, tuple) and isinstance(b, tuple):
            out.append(a + b)  # mixed in both halves: mixed in the whole
            continue
        if isinstance(a, tuple) or isinstance(b, tuple):
            return None
        if a.type != b.type:
            if pa.types.is_null(a.type):
                a = pa.nulls(len(a), b.type)
            elif pa.types.is_null(b.type):
                b = pa.nulls(len(b), a.type)
            else:
                return None
        # Chunked, not concatenated: pandas and numpy read both chunks as one column without a copy here.
        out.append(pa.chunked_array([a, b]))
    return out


def _helper(project, sql: str, middle: int, conn) -> None:
    """In the forked helper: read the upper half on a connection of its own, send its columns."""
    die_with_parent()
    try:
        from blueprint_desktop.store.connection import connect

        c0 = time.process_time()
        # Never the parent's connection: an SQLite connection must not be used across a fork.
        own = connect(project.path, passphrase=project.passphrase, read_only=True)
        try:
            cols = raw_columns(own, sql, (middle,))
        finally:
            own.close()
        conn.send(("ok", cols, time.process_time() - c0))
    except BaseException as exc:  # noqa: BLE001 - the parent reads this half itself
        with contextlib.suppress(Exception):
            conn.send(("failed", repr(exc), 0.0))
    finally:
        conn.close()
