"""Many hands on one project file: SQLite's own locking, a busy timeout and short write transactions.

The window, the command line and a second window may all have one project open at once. Nobody holds a
lock while idle: each write is one short ``BEGIN IMMEDIATE`` ... ``COMMIT`` (``Project.transaction``),
and SQLite serialises writers across processes itself. A writer that finds another one mid-write waits
up to ``BUSY_TIMEOUT_MS`` and then gets ``ProjectBusy`` (one line: try again), never a half-written file.
Readers never wait for writers (WAL). SQLite locks the file itself (its inode), so a second path to the
same file (a symlink, a relative path) shares the same locks. The app names a project by its real path
(``store.connection.real_path``, symlinks resolved): recent files, Save As and "is it the open project?"
compare that, so a symlink and its target are one project, with one set of writers queued by SQLite.

A project opens read-only only when it cannot be written: the file, its folder (SQLite needs to create
the ``-wal`` and ``-shm`` files beside it) or the disk is read-only, or the caller asked for it.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from blueprint_desktop.errors import ProjectFileError

BUSY_TIMEOUT_MS = 10_000


class ProjectBusy(ProjectFileError):
    """Another window or command kept the project busy writing for longer than the busy timeout."""


def is_busy_error(exc: BaseException) -> bool:
    """True for SQLite's "database is locked" / "database is busy" errors."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def busy_message(path: Path | str) -> str:
    return (
        f"{path}: another Blueprint window or command kept the project busy writing for "
        f"{BUSY_TIMEOUT_MS // 1000} s; nothing was changed here, try again when it has finished"
    )


def write_refusal(path: Path) -> str | None:
    """Why ``path`` cannot be written (file or folder read-only), or None when it can."""
    if not os.access(path, os.W_OK):
        return f"{path.name} is read-only on disk"
    folder = path.resolve().parent
    wal = Path(str(path.resolve()) + "-wal")
    if not os.access(folder, os.W_OK) and not (wal.exists() and os.access(wal, os.W_OK)):
        return f"its folder {folder} is read-only"
    return None


__all__ = ["BUSY_TIMEOUT_MS", "ProjectBusy", "busy_message", "is_busy_error", "write_refusal"]
