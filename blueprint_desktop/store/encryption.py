"""Optional encryption at rest: a project file encrypted with a passphrase through SQLCipher.

SQLCipher (the ``sqlcipher3-wheels`` wheel, SQLCipher built in, for Linux, Windows and macOS) encrypts every page of the database, its
``-wal`` and its ``-shm`` with AES-256; the key comes from the passphrase through PBKDF2-HMAC-SHA512
(SQLCipher 4 defaults, 256,000 iterations, about 0.1 s per connection). An encrypted file has no
plaintext header: its first bytes are a random salt, so it cannot be told from random bytes without
the passphrase (``PassphraseNeeded`` covers both cases).

Design:

* ``connect_encrypted`` is what ``store.connection.connect`` calls when a passphrase is given: ``PRAGMA
  key`` right after connecting, then one read, so a wrong passphrase fails here with one clear line
  rather than later as "file is not a database" somewhere in a feature.
* SQLCipher's exception classes are made subclasses of the standard library's (``_driver``), so every
  ``except sqlite3.OperationalError`` of the app (busy, disk full, read-only...) also catches them and
  each feature behaves the same on an encrypted file.
* ``encrypt_project`` / ``decrypt_project`` copy the whole database with ``sqlcipher_export`` into a new
  file beside the project, check it, then rename it over the project; the original stays under a
  ``.before-encrypt`` / ``.before-decrypt`` name until the new file has been checked, then is removed.
* Plain projects never load SQLCipher: it is imported only when a passphrase is used.

The command line reads a passphrase from ``--passphrase-file`` or ``BLUEPRINT_PASSPHRASE`` (never from
its own arguments, which other users see in ``ps``) and hands it to ``set_process_passphrase``; the window
asks with a password dialog.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path
from types import ModuleType

from blueprint_desktop.errors import (
    BlueprintError,
    EncryptionUnavailable,
    NotAProjectFile,
    PassphraseNeeded,
    ProjectCorrupt,
    WrongPassphrase,
)
from blueprint_desktop.store.connection import connect, real_path, sqlite_uri
from blueprint_desktop.store.lock import ProjectBusy

SQLITE_MAGIC = b"SQLite format 3\x00"
_EXCEPTIONS = (
    "InterfaceError",
    "DatabaseError",
    "DataError",
    "OperationalError",
    "IntegrityError",
    "InternalError",
    "ProgrammingError",
    "NotSupportedError",
)
_driver_module: ModuleType | None = None
_process_passphrase: str | None = None


def _driver() -> ModuleType:
    """SQLCipher's DB-API module, loaded on first use and made to raise ``sqlite3``'s exception types."""
    global _driver_module
    if _driver_module is not None:
        return _driver_module
    try:
        import sqlcipher3.dbapi2 as driver
    except ImportError:
        raise EncryptionUnavailable(
            "encrypted projects need the sqlcipher3-wheels package (pip install sqlcipher3-wheels)"
        ) from None
    for name in _EXCEPTIONS:
        theirs, ours = getattr(driver, name), getattr(sqlite3, name)
        if issubclass(theirs, ours):
            continue
        # Warning and Error derive straight from Exception, which ours already do: replace, not append,
        # or Python cannot order the bases.
        # The concrete classes (OperationalError, IntegrityError, ...) take ours as a second base; the
        # two roots (Error, Warning) cannot be rebased (CPython refuses, their layouts differ) and are
        # never raised by themselves.
        with contextlib.suppress(TypeError):
            theirs.__bases__ = (*theirs.__bases__, ours)
    # SQLCipher logs every failed page decryption (a wrong passphrase) to stderr; our error says it once.
    probe = driver.connect(":memory:")
    with contextlib.suppress(driver.Error):
        probe.execute("PRAGMA cipher_log_level = NONE").fetchall()
    probe.close()
    _driver_module = driver
    return driver


def available() -> bool:
    """True when SQLCipher can be loaded (encrypted projects can be opened and made)."""
    try:
        _driver()
    except EncryptionUnavailable:
        return False
    return True


def set_process_passphrase(passphrase: str | None) -> None:
    """The passphrase ``open_project`` uses for an encrypted file when its caller gives none (the CLI)."""
    global _process_passphrase
    _process_passphrase = passphrase or None


def process_passphrase() -> str | None:
    return _process_passphrase


def looks_encrypted(header: bytes, size: int) -> bool:
    """Could a file with this first block and size be an SQLCipher database? (whole pages, no magic)."""
    return not header.startswith(SQLITE_MAGIC) and size >= 512 and size % 512 == 0


def is_encrypted(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is not a plain SQLite file but has the shape of an encrypted one."""
    path = Path(path)
    with path.open("rb") as fh:
        header = fh.read(100)
    return looks_encrypted(header, path.stat().st_size)


def _quote(text: str) -> str:
    # PRAGMA key takes no bound parameters: an SQL string literal, quotes doubled.
    return "'" + text.replace("'", "''") + "'"


def connect_encrypted(
    path: Path, passphrase: str, *, read_only: bool = False, immutable: bool = False
) -> sqlite3.Connection:
    """Open (or create) the SQLCipher database ``path`` with ``passphrase``; ``WrongPassphrase`` if it
    does not open it."""
    if not passphrase:
        raise WrongPassphrase(f"{path}: an empty passphrase cannot open or protect a project")
    driver = _driver()
    if read_only:
        params = {"mode": "ro", **({"immutable": "1"} if immutable else {})}
        conn = driver.connect(
            sqlite_uri(path, **params), uri=True, isolation_level=None, check_same_thread=False
        )
    else:
        conn = driver.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        conn.execute(f"PRAGMA key = {_quote(passphrase)}")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        conn.close()
        if "not a database" in str(exc):
            raise WrongPassphrase(
                f"{path}: wrong passphrase (or not a Blueprint project file); nothing was changed"
            ) from None
        raise
    return conn


def _plain_header(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(16) == SQLITE_MAGIC


def encrypt_project(path: str | os.PathLike[str], passphrase: str) -> Path:
    """Encrypt the plain project ``path`` in place with ``passphrase``; returns the (real) path."""
    path = real_path(path)
    if not _plain_header(path):
        raise BlueprintError(f"{path}: is already encrypted (or is not a project file)")
    if not passphrase:
        raise BlueprintError("an empty passphrase cannot protect a project; give a real one")
    return _convert(path, None, passphrase, "encrypt")


def decrypt_project(path: str | os.PathLike[str], passphrase: str) -> Path:
    """Turn the encrypted project ``path`` back into a plain one; returns the (real) path."""
    path = real_path(path)
    if _plain_header(path):
        raise BlueprintError(f"{path}: is not encrypted")
    if not passphrase:
        raise PassphraseNeeded(f"{path}: is encrypted; its passphrase is needed to decrypt it")
    return _convert(path, passphrase, None, "decrypt")


def _convert(path: Path, old: str | None, new: str | None, verb: str) -> Path:
    from blueprint_desktop.store.schema import APPLICATION_ID

    driver = _driver()
    # First through the library every other connection to this file uses (the standard library's for a
    # plain file): two SQLite libraries in one process do not see each other's locks.
    src = connect(path, passphrase=old)
    tmp: Path | None = None
    backup = path.with_name(f"{path.name}.before-{verb}")
    try:
        src.execute("PRAGMA busy_timeout = 0")
        try:
            # Leaving WAL mode needs every other connection gone (each holds a shared lock while in WAL
            # mode): the test that nobody else has it open, whose later writes would go to the file we
            # are about to replace.
            mode = src.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
        except sqlite3.OperationalError:
            mode = "wal"
        if mode != "delete":
            raise ProjectBusy(
                f"{path}: is open in another Blueprint window or command; close it there, then {verb} it"
            )
        if old is None:
            # sqlcipher_export() is SQLCipher's: reopen the plain file through it.
            src.close()
            src = driver.connect(str(path), isolation_level=None, check_same_thread=False)
        # Keep the shared lock from here on: nobody can write while the copy is made.
        src.execute("PRAGMA locking_mode = EXCLUSIVE")
        version = src.execute("PRAGMA user_version").fetchone()[0]
        app_id = src.execute("PRAGMA application_id").fetchone()[0]
        if app_id != APPLICATION_ID:
            raise NotAProjectFile(f"{path}: not a Blueprint project file")
        fd, tmp_name = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        tmp.unlink()
        src.execute("ATTACH DATABASE ? AS target KEY ?", (str(tmp), new or ""))
        src.execute("SELECT sqlcipher_export('target')").fetchall()
        # sqlcipher_export copies schema and rows but not the header fields we rely on.
        src.execute(f"PRAGMA target.user_version = {int(version)}")
        src.execute(f"PRAGMA target.application_id = {int(app_id)}")
        src.execute("DETACH DATABASE target")
        check = connect(tmp, passphrase=new)
        try:
            check.execute("PRAGMA journal_mode = WAL").fetchall()
            result = check.execute("PRAGMA quick_check").fetchone()[0]
            check.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        finally:
            check.close()
        if result != "ok":
            raise ProjectCorrupt(
                f"{path}: the {verb}ed copy failed its check ({result}); nothing was changed"
            )
        with contextlib.suppress(FileNotFoundError):
            backup.unlink()
        try:
            os.link(path, backup)
        except OSError:  # a file system without hard links (FAT, some network shares)
            shutil.copy2(path, backup)
        src.close()
        os.replace(tmp, path)
        tmp = None
        _sync_folder(path.parent)
    except BaseException:
        src.close()
        if tmp is not None:
            for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm"), Path(f"{tmp}-journal")):
                with contextlib.suppress(OSError):
                    leftover.unlink()
        raise
    try:
        # Writable, so that closing it (the only connection) removes the -wal and -shm it made.
        verify = connect(path, passphrase=new)
        try:
            ok = verify.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            ok = ok and verify.execute("PRAGMA user_version").fetchone()[0] == version
        finally:
            verify.close()
    except BaseException:
        os.replace(backup, path)
        raise
    if not ok:
        os.replace(backup, path)
        raise ProjectCorrupt(f"{path}: the {verb}ed file did not read back; the original was put back")
    backup.unlink()
    return path


def _sync_folder(folder: Path) -> None:
    # The rename is durable only once the folder entry is on disk (POSIX; Windows has no folder fsync).
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


__all__ = [
    "available",
    "connect_encrypted",
    "decrypt_project",
    "encrypt_project",
    "is_encrypted",
    "looks_encrypted",
    "process_passphrase",
    "set_process_passphrase",
]
