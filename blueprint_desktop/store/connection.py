"""The one place a connection to a project file is opened.

Every connection the app makes (the project's own, the read-only preflight, Save As, encrypt/decrypt)
comes from ``connect``, so plain and encrypted files behave alike and a path is never misread:

* paths are resolved (``os.path.realpath``) first, so a symlink and its target are one file for us as
  they already are for SQLite's locks (``store/lock.py``);
* a writable connection gets the plain file path; a read-only one needs SQLite's URI parameters
  (``mode=ro``, ``immutable=1``), and that URI comes from ``Path.as_uri()``, which percent-quotes every
  character (``%``, ``?``, ``#``, spaces, non-ASCII), so a file named ``a%41.bpproj`` is never read
  as ``aA.bpproj``;
* with a passphrase the connection is SQLCipher's (``store/encryption.py``); without one it is the
  standard library's ``sqlite3``, so plain projects never need SQLCipher installed.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def real_path(path: str | os.PathLike[str]) -> Path:
    """The file ``path`` names with every symlink resolved: what identifies one project file."""
    return Path(os.path.realpath(os.fspath(path)))


def sqlite_uri(path: str | os.PathLike[str], **params: str) -> str:
    """An SQLite ``file:`` URI for ``path`` with every special character quoted, plus ``params``."""
    uri = Path(os.path.abspath(os.fspath(path))).as_uri()
    if params:
        uri += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return uri


def connect(
    path: str | os.PathLike[str],
    *,
    passphrase: str | None = None,
    read_only: bool = False,
    immutable: bool = False,
) -> sqlite3.Connection:
    """Open ``path`` in autocommit mode (transactions are explicit) usable from the app's worker threads.

    ``read_only`` never writes the file; ``immutable`` also skips SQLite's locks and ``-shm`` file, for a
    file in a folder we cannot write (SQLite cannot create the ``-shm`` there). With ``passphrase`` the
    file is opened (or created) as an SQLCipher database and a wrong passphrase raises ``WrongPassphrase``.
    """
    path = real_path(path)
    if passphrase is not None:
        from blueprint_desktop.store.encryption import connect_encrypted

        return connect_encrypted(path, passphrase, read_only=read_only, immutable=immutable)
    if read_only:
        params = {"mode": "ro", **({"immutable": "1"} if immutable else {})}
        return sqlite3.connect(
            sqlite_uri(path, **params), uri=True, isolation_level=None, check_same_thread=False
        )
    return sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)


__all__ = ["connect", "real_path", "sqlite_uri"]
