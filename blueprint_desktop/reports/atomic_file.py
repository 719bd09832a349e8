"""Exports are written whole or not at all: a temporary file beside the target, then one rename.

An export killed midway (a crash, a full disk, the user pressing Cancel) must never destroy the previous
good file: last week's HSD tables or package are evidence. So every writer writes to a temporary file in
the target's folder, flushes it to disk (``fsync``), and only then moves it onto the target with
``os.replace``, which POSIX and Windows make atomic within one file system. The folder is synced after the
rename so the new name survives a power cut too.

A set of files that belong together (the HSD provider and facility tables, XLSX and CSV) goes through
``atomic_outputs``: every file is written and synced first, and only then are they renamed, one right after
another, so a crash while writing leaves the whole previous set, and the window in which a crash could mix
old and new files shrinks from the whole export to a few renames (microseconds).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from blueprint_desktop.errors import BlueprintError


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    # Windows cannot open a folder for fsync; there the rename is already durable enough (NTFS journal).
    if os.name != "posix":
        return
    with suppress(OSError):
        _fsync_path(folder)


@contextmanager
def atomic_outputs(paths: Sequence[str | os.PathLike[str]]) -> Iterator[list[Path]]:
    """Temporary paths beside each of ``paths``; on success sync them all, then rename them all."""
    targets = [Path(p) for p in paths]
    temps: list[Path] = []
    try:
        for target in targets:
            folder = target.parent if str(target.parent) else Path(".")
            if not folder.is_dir():
                raise BlueprintError(f"{target}: folder {folder} does not exist")
            fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix or ".tmp", dir=folder)
            os.close(fd)
            temps.append(Path(tmp))
        yield list(temps)
        for tmp, target in zip(temps, targets, strict=True):
            # mkstemp makes the file private (0600): keep the mode of the file replaced, else the usual
            # 0644 (os.umask would be the exact answer, but it is process-wide and this runs on threads).
            os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o644)
            _fsync_path(tmp)
        for tmp, target in zip(temps, targets, strict=True):
            os.replace(tmp, target)
        for folder in {t.parent for t in targets}:
            _fsync_folder(folder)
    finally:
        for tmp in temps:
            if tmp.exists():
                tmp.unlink()


@contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success sync it and move it onto ``path``."""
    with atomic_outputs([path]) as temps:
        yield temps[0]
