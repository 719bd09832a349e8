"""One writer per project file, across processes.

A writable ``Project`` holds an exclusive OS lock on a sidecar ``<file>.lock`` for as long as it is
open. A second app instance that cannot take the lock opens the project read-only and says so, instead
of racing the first one's writes. The OS releases the lock if the holder dies, so a crash never leaves a
project locked for good.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


class WriterLock:
    def __init__(self, project_path: Path) -> None:
        self.path = Path(str(project_path) + ".lock")
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock without waiting; False when another process holds it."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if sys.platform == "win32":  # pragma: no cover - exercised on Windows builds only
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            if sys.platform != "win32":
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
        # The lock file is left in place on purpose: unlinking it would let a process that opened the
        # old file and one that creates a new file both "hold" the lock.
