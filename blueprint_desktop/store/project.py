"""Open, create, check and migrate a project file (``*.bpproj``).

A project file is one SQLite database in WAL mode with foreign keys on, marked with our
``application_id`` and versioned by ``PRAGMA user_version``. Opening it:

1. reads the 100-byte SQLite header directly, so a random file, a foreign SQLite database or a
   truncated copy (with no ``-wal`` beside it to complete it) is refused before SQLite touches it; a
   file with no SQLite header but whole pages may be encrypted (``store/encryption.py``);
2. checks it read-only (``quick_check``, schema version), so a corrupt or too-new file is refused and
   left byte-for-byte unchanged; a hot ``-wal`` (a crash mid-checkpoint) is SQLite's to replay, not ours
   to refuse;
3. opens it for writing (read-only, saying why, only when the file or its folder cannot be written) and
   runs pending migrations in one transaction.

Every connection comes from ``store.connection.connect`` (plain paths, quoted URIs for read-only,
SQLCipher when a passphrase is given). Writes go through ``Project.transaction()``: one ``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any
error, so an import either lands whole or not at all. No lock is held between transactions, so the
window, the command line and other windows can all work on one project at once; SQLite serialises the
writers and a writer waits up to ``lock.BUSY_TIMEOUT_MS`` for another to finish (``store/lock.py``).
``Project.data_version()`` changes when another connection commits, which is how the window notices. We deliberately do not use sqlite-utils' write
helpers inside transactions: they commit on their own (``with conn:``) and would split an import.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import os
import sqlite3
import struct
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from blueprint_desktop import __version__
from blueprint_desktop.errors import (
    BlueprintError,
    DiskFull,
    EncryptionUnavailable,
    NotAProjectFile,
    PassphraseNeeded,
    ProjectCorrupt,
    ProjectReadOnly,
    ProjectTooNew,
    WrongPassphrase,
)
from blueprint_desktop.store.connection import connect, real_path
from blueprint_desktop.store.encryption import looks_encrypted, process_passphrase
from blueprint_desktop.store.lock import (
    BUSY_TIMEOUT_MS,
    ProjectBusy,
    busy_message,
    is_busy_error,
    write_refusal,
)
from blueprint_desktop.store.migrations import MIGRATIONS, SCHEMA_VERSION, Migration, pending
from blueprint_desktop.store.schema import APPLICATION_ID, LINES_OF_BUSINESS

PROJECT_SUFFIX = ".bpproj"
_SQLITE_MAGIC = b"SQLite format 3\x00"


def utc_now() -> str:
    """Current time as ISO 8601 UTC with seconds, the timestamp format of the whole project file."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass
class ProjectInfo:
    path: str
    name: str
    lob: str
    plan_year: int
    schema_version: int
    app_version_created: str
    created_at: str
    read_only: bool
    service_area: list[str]
    read_only_reason: str = ""
    encrypted: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    imports: list[dict[str, Any]] = field(default_factory=list)
    last_run: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _wal_is_hot(path: Path) -> bool:
    """True when a non-empty ``-wal`` sits beside the file: SQLite will complete the file from it."""
    try:
        return Path(f"{path}-wal").stat().st_size > 0
    except OSError:
        return False


def _check_header(path: Path) -> str:
    """Refuse what is plainly not a project before SQLite touches it; returns "plain" or "encrypted".

    Only the checks that need no WAL are made here. With a hot ``-wal`` beside the file (a crash during
    a checkpoint leaves the main file short, the WAL holding the rest) SQLite decides in ``_preflight``:
    a short main file is then normal, not corruption.
    """
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            header = fh.read(100)
    except FileNotFoundError:
        raise BlueprintError(f"{path}: no such project file") from None
    except IsADirectoryError:
        raise NotAProjectFile(f"{path}: is a directory, not a Blueprint project file") from None
    except PermissionError:
        raise BlueprintError(f"{path}: cannot be read (permission denied)") from None
    except OSError as exc:
        raise BlueprintError(f"{path}: cannot be read ({exc.strerror})") from None
    if not header.startswith(_SQLITE_MAGIC):
        if looks_encrypted(header, size):
            return "encrypted"
        raise NotAProjectFile(f"{path}: not a Blueprint project file (not an SQLite database)")
    if len(header) < 100:
        raise ProjectCorrupt(f"{path}: corrupt project file (truncated: {size} bytes, no whole header)")
    (page_size,) = struct.unpack(">H", header[16:18])
    page_size = 65536 if page_size == 1 else page_size
    change_counter, page_count = struct.unpack(">II", header[24:32])
    (valid_for,) = struct.unpack(">I", header[92:96])
    (app_id,) = struct.unpack(">I", header[68:72])
    if page_size < 512 or page_size & (page_size - 1):
        raise ProjectCorrupt(f"{path}: corrupt project file (bad page size {page_size} in the header)")
    if not _wal_is_hot(path):
        # No WAL to complete it: the header's page count is authoritative when its validity counter
        # matches (SQLite >= 3.7.0), and a short file has lost data.
        if valid_for == change_counter and page_count and size < page_count * page_size:
            raise ProjectCorrupt(
                f"{path}: corrupt project file (truncated: {size} bytes, the header says "
                f"{page_count * page_size})"
            )
        if size % page_size:
            raise ProjectCorrupt(f"{path}: corrupt project file (size {size} is not a whole number of pages)")
    if app_id != APPLICATION_ID:
        raise NotAProjectFile(f"{path}: an SQLite database, but not a Blueprint project file")
    return "plain"


def _is_readonly_error(exc: BaseException) -> bool:
    text = str(exc).replace("-", "").replace(" ", "").lower()
    return "readonly" in text


def is_disk_full_error(exc: BaseException) -> bool:
    """True for SQLITE_FULL: the disk (or the database's size limit) is full."""
    if not isinstance(exc, sqlite3.Error):
        return False
    return getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL" or "disk is full" in str(exc).lower()


def disk_full_message(path: Path | str) -> str:
    return f"{path}: the disk is full: nothing was changed (free some space, then try again)"


def _preflight(
    path: Path, migrations: Sequence[Migration], passphrase: str | None = None
) -> tuple[int, bool]:
    """Check integrity and version without writing.

    Returns the file's schema version and whether it must be read ``immutable`` (its folder cannot be
    written, so SQLite cannot make the ``-shm`` file a WAL reader needs).
    """
    latest = migrations[-1].version
    immutable = False
    while True:
        try:
            conn = connect(path, passphrase=passphrase, read_only=True, immutable=immutable)
            try:
                result = conn.execute("PRAGMA quick_check").fetchone()
                version = conn.execute("PRAGMA user_version").fetchone()[0]
            finally:
                conn.close()
        except (WrongPassphrase, EncryptionUnavailable):
            raise
        except sqlite3.DatabaseError as exc:
            cannot_make_shm = _is_readonly_error(exc) or "unable to open" in str(exc).lower()
            if cannot_make_shm and not immutable:
                if _wal_is_hot(path):
                    raise ProjectReadOnly(
                        f"{path}: its last changes are still in {path.name}-wal and its folder is read-only;"
                        " copy both files to a writable folder to open it"
                    ) from None
                immutable = True
                continue
            raise ProjectCorrupt(f"{path}: corrupt project file ({exc})") from None
        break
    if not result or result[0] != "ok":
        raise ProjectCorrupt(
            f"{path}: corrupt project file (integrity check: {result[0] if result else '?'})"
        )
    if version > latest:
        raise ProjectTooNew(
            f"{path}: written by a newer Blueprint Desktop (schema {version}; this app reads up to {latest}); "
            "update the app to open it"
        )
    if version < 1:
        raise NotAProjectFile(f"{path}: not a Blueprint project file (no schema)")
    return version, immutable


class Project:
    """An open project file. Use ``open_project`` / ``create_project`` rather than the constructor."""

    def __init__(
        self,
        path: Path,
        conn: sqlite3.Connection,
        read_only: bool,
        read_only_reason: str = "",
        passphrase: str | None = None,
    ) -> None:
        self.path = path
        # The file itself, symlinks resolved: one project file however it was reached (recent files,
        # "is this the project already open?" and Save As compare this).
        self.real_path = real_path(path)
        self.conn = conn
        # Kept for connections made later on the same file (Save As of an encrypted project).
        self.passphrase = passphrase
        self.db = sqlite_utils.Database(conn)
        self.read_only = read_only
        # Why it is read-only, for the user ("report.bpproj is read-only on disk"); "" when writable.
        self.read_only_reason = read_only_reason if read_only else ""
        self._depth = 0
        self.actor = _current_user()

    # -- lifecycle -------------------------------------------------------------------------------
    def close(self) -> None:
        if self.conn is None:
            return
        try:
            if not self.read_only:
                # Fold the WAL back into the main file so the .bpproj alone is the whole project. Another
                # window or command may still be using it: then do not wait, the last one out folds it.
                self.conn.execute("PRAGMA busy_timeout = 0")
                with contextlib.suppress(sqlite3.OperationalError):
                    self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        finally:
            self.conn.close()
            self.conn = None  # type: ignore[assignment]

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions ----------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All-or-nothing block; nests through savepoints. Raises ProjectReadOnly on a read-only project."""
        if self.read_only:
            raise ProjectReadOnly(self.read_only_message())
        if self._depth == 0:
            try:
                # Waits up to BUSY_TIMEOUT_MS while another window or command is writing.
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                self._raise_plain(exc)
                raise
        else:
            self.conn.execute(f"SAVEPOINT sp{self._depth}")
        self._depth += 1
        try:
            yield self.conn
        except BaseException as exc:
            self._depth -= 1
            # SQLite rolls the whole transaction back by itself on some errors (SQLITE_FULL among
            # them); rolling back again would fail with "cannot rollback" and hide the real cause.
            if self.conn.in_transaction:
                if self._depth == 0:
                    self.conn.execute("ROLLBACK")
                else:
                    self.conn.execute(f"ROLLBACK TO sp{self._depth}")
                    self.conn.execute(f"RELEASE sp{self._depth}")
            if isinstance(exc, sqlite3.Error):
                self._raise_plain(exc)
            raise
        else:
            self._depth -= 1
            if self._depth == 0:
                try:
                    self.conn.execute("COMMIT")
                except sqlite3.OperationalError as exc:
                    if self.conn.in_transaction:
                        with contextlib.suppress(sqlite3.OperationalError):
                            self.conn.execute("ROLLBACK")
                    self._raise_plain(exc)
                    raise
            else:
                self.conn.execute(f"RELEASE sp{self._depth}")

    def read_only_message(self) -> str:
        return f"{self.path}: open read-only ({self.read_only_reason or 'as asked'}); nothing was changed"

    def _raise_plain(self, exc: sqlite3.Error) -> None:
        """Re-raise SQLite's busy / disk full / read-only errors as the one-line errors users act on."""
        if is_busy_error(exc):
            raise ProjectBusy(busy_message(self.path)) from None
        if is_disk_full_error(exc):
            raise DiskFull(disk_full_message(self.path)) from None
        if _is_readonly_error(exc):
            raise ProjectReadOnly(
                f"{self.path}: the disk or file refuses writes (read-only); nothing was changed"
            ) from None

    def insert_rows(
        self, table: str, rows: Iterable[dict[str, Any]], columns: Sequence[str] | None = None
    ) -> int:
        """Insert dict rows with one executemany; call inside ``transaction()``. Returns the row count."""
        rows = list(rows)
        if not rows:
            return 0
        cols = list(columns or rows[0].keys())
        sql = f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in cols)}) VALUES ({', '.join('?' * len(cols))})"
        self.conn.executemany(sql, ([row.get(c) for c in cols] for row in rows))
        return len(rows)

    # -- metadata --------------------------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    @property
    def name(self) -> str:
        return self.get_meta("name", "") or ""

    @property
    def lob(self) -> str:
        return self.get_meta("lob", "ma") or "ma"

    @property
    def plan_year(self) -> int:
        return int(self.get_meta("plan_year", "0") or 0)

    def data_version(self) -> int:
        """SQLite's ``PRAGMA data_version``: changes whenever another connection (another window, the
        command line) commits to the file; never for this connection's own commits."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def service_area(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT county_fips FROM service_area ORDER BY county_fips")]

    # -- audit -----------------------------------------------------------------------------------
    def audit(
        self, action: str, entity: str | None = None, entity_id: Any = None, detail: Any = None
    ) -> None:
        """Append one audit entry and its evidence-chain link (in the caller's transaction, if any)."""
        from blueprint_desktop.store.evidence_chain import link_row

        now = utc_now()
        with self.transaction():
            cur = self.conn.execute(
                "INSERT INTO audit_log(at, actor, action, entity, entity_id, detail_json) VALUES (?,?,?,?,?,?)",
                (
                    now,
                    self.actor,
                    action,
                    entity,
                    None if entity_id is None else str(entity_id),
                    None if detail is None else json.dumps(detail, sort_keys=True, default=str),
                ),
            )
            # Same transaction: an audit row never exists without its link (verification would flag it).
            link_row(self.conn, "audit_log", int(cur.lastrowid), now)

    # -- import batches --------------------------------------------------------------------------
    def find_batch(self, kind: str, sha256: str) -> dict[str, Any] | None:
        """The latest batch of this kind imported from a file with this hash, if any."""
        cur = self.conn.execute(
            "SELECT * FROM import_batches WHERE kind = ? AND file_sha256 = ? ORDER BY id DESC LIMIT 1",
            (kind, sha256),
        )
        row = cur.fetchone()
        return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None

    def record_batch(
        self,
        kind: str,
        file_name: str,
        sha256: str,
        rows_read: int,
        rows_imported: int,
        rows_rejected: int = 0,
        summary: Any = None,
    ) -> int:
        """Insert an import_batches row (inside the caller's transaction) and return its id."""
        with self.transaction():
            cur = self.conn.execute(
                "INSERT INTO import_batches(kind, file_name, file_sha256, imported_at, rows_read, rows_imported,"
                " rows_rejected, summary_json) VALUES (?,?,?,?,?,?,?,?)",
                (
                    kind,
                    file_name,
                    sha256,
                    utc_now(),
                    rows_read,
                    rows_imported,
                    rows_rejected,
                    None if summary is None else json.dumps(summary, sort_keys=True, default=str),
                ),
            )
            return int(cur.lastrowid)

    # -- reporting -------------------------------------------------------------------------------
    def file_sha256(self) -> str:
        """SHA-256 of the project file's bytes (after folding in the WAL when writable)."""
        if not self.read_only:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return sha256_file(self.path)

    def info(self) -> ProjectInfo:
        counts = {}
        for table in sorted(self.db.table_names()):
            if table.startswith("sqlite_"):
                continue
            counts[table] = self.conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]
        imports = [
            {"kind": r[0], "file": r[1], "imported_at": r[2], "rows": r[3]}
            for r in self.conn.execute(
                "SELECT kind, file_name, imported_at, rows_imported FROM import_batches ORDER BY id"
            )
        ]
        run = self.conn.execute(
            "SELECT id, started_at, method, status FROM scoring_runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return ProjectInfo(
            path=str(self.path),
            name=self.name,
            lob=self.lob,
            plan_year=self.plan_year,
            schema_version=self.schema_version,
            app_version_created=self.get_meta("app_version", "") or "",
            created_at=self.get_meta("created_at", "") or "",
            read_only=self.read_only,
            read_only_reason=self.read_only_reason,
            encrypted=self.passphrase is not None,
            service_area=self.service_area(),
            counts=counts,
            imports=imports,
            last_run=(
                {"id": run[0], "started_at": run[1], "method": run[2], "status": run[3]} if run else None
            ),
        )


def sha256_file(path: Path | str, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - getuser raises various errors without a login name
        return "unknown"


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")


def _migrate(conn: sqlite3.Connection, from_version: int, migrations: Sequence[Migration]) -> None:
    if not pending(from_version, list(migrations)):
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Another process may have migrated it between our check and taking the write lock.
        current = conn.execute("PRAGMA user_version").fetchone()[0]
        for migration in pending(current, list(migrations)):
            for statement in _split_sql(migration.sql):
                conn.execute(statement)
            if migration.after is not None:
                migration.after(conn)
            conn.execute(f"PRAGMA user_version = {int(migration.version)}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _split_sql(script: str) -> list[str]:
    """Split a DDL script into statements (``executescript`` would commit our transaction)."""
    statements, buf = [], []
    for line in script.splitlines(keepends=True):
        buf.append(line)
        chunk = "".join(buf)
        if sqlite3.complete_statement(chunk):
            if chunk.strip():
                statements.append(chunk.strip())
            buf = []
    if "".join(buf).strip():
        statements.append("".join(buf).strip())
    return statements


def open_project(
    path: str | os.PathLike[str],
    read_only: bool = False,
    migrations: Sequence[Migration] = MIGRATIONS,
    passphrase: str | None = None,
) -> Project:
    """Open a project file, refusing anything that is not an intact project this app can read.

    Other windows and commands may have it open too (they share it through SQLite's locking). When the
    file or its folder cannot be written the project opens read-only: ``project.read_only`` is True and
    ``project.read_only_reason`` says why, for callers to tell the user.

    An encrypted file needs ``passphrase`` (or the process passphrase the command line sets, see
    ``store/encryption.py``): ``PassphraseNeeded`` without one, ``WrongPassphrase`` for a wrong one. A
    plain file ignores any passphrase.
    """
    path = Path(path)
    kind = _check_header(path)
    if kind == "encrypted":
        passphrase = passphrase or process_passphrase()
        if not passphrase:
            raise PassphraseNeeded(
                f"{path}: encrypted, or not a Blueprint project file; it opens only with its passphrase"
            )
    else:
        passphrase = None
    version, immutable = _preflight(path, migrations, passphrase)
    reason = "opened read-only as asked" if read_only else write_refusal(path)
    if reason is None:
        try:
            conn = connect(path, passphrase=passphrase)
        except sqlite3.OperationalError as exc:
            reason = f"cannot be opened for writing ({exc})"
        else:
            try:
                _configure(conn)
                conn.execute("PRAGMA journal_mode = WAL").fetchall()
                _migrate(conn, version, migrations)
            except sqlite3.OperationalError as exc:
                conn.close()
                if is_busy_error(exc):
                    raise ProjectBusy(busy_message(path)) from None
                if is_disk_full_error(exc):
                    raise DiskFull(disk_full_message(path)) from None
                if not _is_readonly_error(exc):
                    raise
                reason = "the disk or file refuses writes"
            except BaseException:
                conn.close()
                raise
            else:
                return Project(path, conn, False, passphrase=passphrase)
    conn = connect(path, passphrase=passphrase, read_only=True, immutable=immutable)
    _configure(conn)
    if version < migrations[-1].version:
        conn.close()
        raise ProjectReadOnly(
            f"{path}: needs an upgrade to schema {migrations[-1].version}, which a read-only open cannot do"
            f" ({reason})"
        )
    return Project(path, conn, True, reason, passphrase=passphrase)


def create_project(
    path: str | os.PathLike[str],
    name: str,
    lob: str = "ma",
    plan_year: int | None = None,
    counties: Iterable[tuple[str, str]] = (),
    populate: Callable[[Project], None] | None = None,
    overwrite: bool = False,
    passphrase: str | None = None,
) -> Path:
    """Write a new project file atomically: built beside the target, then renamed into place.

    ``counties`` are (county_fips, state) pairs forming the service area. ``populate`` may fill the
    project before it appears under its name (the demo uses it), so a failure leaves no file behind.
    With ``passphrase`` the new file is encrypted (``store/encryption.py``) from its first byte.
    """
    path = Path(path)
    if lob not in LINES_OF_BUSINESS:
        raise BlueprintError(f"line of business {lob!r} is not one of {', '.join(LINES_OF_BUSINESS)}")
    if path.exists() and not overwrite:
        raise BlueprintError(f"{path}: already exists; choose another name or remove it first")
    if not path.parent.exists():
        raise BlueprintError(f"{path.parent}: no such folder")
    plan_year = plan_year or datetime.now(UTC).year + 1
    fd, tmp_name = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    try:
        conn = connect(tmp, passphrase=passphrase)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        _configure(conn)
        conn.execute("PRAGMA journal_mode = WAL")
        _migrate(conn, 0, MIGRATIONS)
        now = utc_now()
        meta = {
            "name": name,
            "lob": lob,
            "plan_year": str(plan_year),
            "created_at": now,
            "app_version": __version__,
            "project_id": hashlib.sha256(f"{name}{now}{os.getpid()}{tmp}".encode()).hexdigest()[:16],
        }
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO meta(key, value) VALUES (?, ?)", meta.items())
        conn.executemany(
            "INSERT INTO service_area(county_fips, state, added_at) VALUES (?, ?, ?)",
            [(fips, state, now) for fips, state in counties],
        )
        cur = conn.execute(
            "INSERT INTO audit_log(at, actor, action, entity, detail_json) VALUES (?,?,?,?,?)",
            (now, _current_user(), "project.create", "project", json.dumps(meta, sort_keys=True)),
        )
        from blueprint_desktop.store.evidence_chain import link_row

        link_row(conn, "audit_log", int(cur.lastrowid), now)  # the chain's first link
        conn.execute("COMMIT")
        conn.close()
        if populate:
            project = open_project(tmp, passphrase=passphrase)
            try:
                populate(project)
            finally:
                project.close()
        # Leave a single self-contained file (no -wal) before it takes its real name.
        conn = connect(tmp, passphrase=passphrase)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        os.replace(tmp, path)
    finally:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm"), Path(f"{tmp}.lock")):
            with contextlib.suppress(OSError):
                leftover.unlink()
    return path


__all__ = [
    "PROJECT_SUFFIX",
    "DiskFull",
    "ProjectBusy",
    "SCHEMA_VERSION",
    "Project",
    "ProjectInfo",
    "create_project",
    "open_project",
    "sha256_file",
    "utc_now",
]
