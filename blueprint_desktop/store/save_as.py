"""Save a project under a new name: a consistent copy through SQLite's online backup API.

Copying the ``.bpproj`` bytes while the app holds it open could catch the file mid-write and would miss
whatever still sits in the WAL; ``sqlite3.Connection.backup`` copies a consistent snapshot of the
database as this connection sees it, WAL included. The copy is written beside the target and renamed
into place, so a failure never leaves a half-written project under the new name.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
from pathlib import Path

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.store.connection import connect, real_path
from blueprint_desktop.store.evidence_chain import link_row
from blueprint_desktop.store.project import PROJECT_SUFFIX, _current_user, utc_now


def save_project_as(project, dest: str | os.PathLike[str], overwrite: bool = False) -> Path:
    """Copy the open ``project`` to ``dest`` (a new ``.bpproj``) and return the new path.

    The copy records where it came from in its own audit log (``project.save_as``); the original is
    not changed. Open the returned path to carry on working in the copy.
    """
    dest = Path(dest)
    if dest.suffix != PROJECT_SUFFIX:
        raise BlueprintError(f"{dest}: project files end in {PROJECT_SUFFIX}")
    if real_path(dest) == real_path(project.path):
        raise BlueprintError(f"{dest}: is the project's own file; choose another name")
    if dest.exists() and not overwrite:
        raise BlueprintError(f"{dest}: already exists; choose another name or remove it first")
    if not dest.parent.is_dir():
        raise BlueprintError(f"{dest.parent}: no such folder")
    fd, tmp_name = tempfile.mkstemp(prefix=dest.name + ".", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        # The same passphrase as the original: a copy of an encrypted project stays encrypted.
        target = connect(tmp, passphrase=getattr(project, "passphrase", None))
        try:
            project.conn.backup(target)
            target.execute("PRAGMA journal_mode = WAL")
            now = utc_now()
            cur = target.execute(
                "INSERT INTO audit_log(at, actor, action, entity, detail_json) VALUES (?,?,?,?,?)",
                (
                    now,
                    _current_user(),
                    "project.save_as",
                    "project",
                    json.dumps({"from": str(project.path), "to": str(dest)}, sort_keys=True),
                ),
            )
            # The copy's evidence chain goes on from the original's.
            link_row(target, "audit_log", int(cur.lastrowid), now)
            # One self-contained file (no -wal beside it) before it takes its name.
            target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            target.close()
        os.replace(tmp, dest)
    except sqlite3.Error as exc:
        raise BlueprintError(f"{dest}: could not be written ({exc})") from None
    finally:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            with contextlib.suppress(OSError):
                leftover.unlink()
    return dest
