"""The project file: creation, refusal of bad files (unchanged), migrations, sharing between writers, transactions."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from blueprint_desktop.errors import (
    BlueprintError,
    NotAProjectFile,
    ProjectCorrupt,
    ProjectReadOnly,
    ProjectTooNew,
)
from blueprint_desktop.store import SCHEMA_VERSION, create_project, open_project
from blueprint_desktop.store.migrations import MIGRATIONS, Migration


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_new_project_holds_metadata_and_service_area(project_path: Path) -> None:
    with open_project(project_path) as project:
        assert project.name == "Test plan"
        assert project.lob == "ma"
        assert project.plan_year == 2026
        assert project.service_area() == ["48157", "48201"]
        assert project.schema_version == SCHEMA_VERSION
        assert project.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert project.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # Closing folds the WAL back: the .bpproj alone is the project.
    assert not Path(f"{project_path}-wal").exists() or Path(f"{project_path}-wal").stat().st_size == 0


def test_create_refuses_existing_file_and_bad_lob(project_path: Path, tmp_path: Path) -> None:
    before = digest(project_path)
    with pytest.raises(BlueprintError, match="already exists"):
        create_project(project_path, "Again")
    assert digest(project_path) == before
    with pytest.raises(BlueprintError, match="line of business"):
        create_project(tmp_path / "x.bpproj", "X", lob="commercial")
    assert not (tmp_path / "x.bpproj").exists()


def test_failed_populate_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "half.bpproj"

    def boom(project) -> None:
        with project.transaction():
            project.conn.execute("INSERT INTO meta(key, value) VALUES ('x', 'y')")
        raise RuntimeError("populate failed")

    with pytest.raises(RuntimeError):
        create_project(target, "Half", populate=boom)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_random_file_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "random.bpproj"
    path.write_bytes(bytes(range(256)) * 40)
    before = digest(path)
    with pytest.raises(NotAProjectFile):
        open_project(path)
    assert digest(path) == before


def test_foreign_sqlite_database_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "other.bpproj"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t(x)")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(NotAProjectFile, match="not a Blueprint project"):
        open_project(path)
    assert digest(path) == before


def test_truncated_project_is_refused_unchanged(project_path: Path, tmp_path: Path) -> None:
    data = project_path.read_bytes()
    assert len(data) > 8192
    cut = tmp_path / "cut.bpproj"
    cut.write_bytes(data[:8192])
    before = digest(cut)
    with pytest.raises(ProjectCorrupt, match="truncated"):
        open_project(cut)
    assert digest(cut) == before


def test_damaged_page_is_refused(project_path: Path, tmp_path: Path) -> None:
    data = bytearray(project_path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    # Scribble over the second page (the first table's b-tree root) but keep the size intact.
    data[page_size : page_size + 200] = b"\xff" * 200
    bad = tmp_path / "bad.bpproj"
    bad.write_bytes(bytes(data))
    before = digest(bad)
    with pytest.raises(ProjectCorrupt):
        open_project(bad)
    assert digest(bad) == before


def test_future_version_is_refused_unchanged(project_path: Path) -> None:
    conn = sqlite3.connect(project_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = digest(project_path)
    with pytest.raises(ProjectTooNew, match="newer Blueprint"):
        open_project(project_path)
    assert digest(project_path) == before


def test_forward_migration_runs_on_open(project_path: Path) -> None:
    extra = Migration(
        SCHEMA_VERSION + 1, "test: add a table", "CREATE TABLE widgets (id INTEGER PRIMARY KEY);"
    )
    with open_project(project_path, migrations=[*MIGRATIONS, extra]) as project:
        assert project.schema_version == SCHEMA_VERSION + 1
        assert "widgets" in project.db.table_names()


def test_failed_migration_rolls_back(project_path: Path) -> None:
    broken = Migration(
        SCHEMA_VERSION + 1,
        "test: half-broken",
        "CREATE TABLE gadgets (id INTEGER PRIMARY KEY);\nINSERT INTO no_such_table VALUES (1);",
    )
    with pytest.raises(sqlite3.OperationalError):
        open_project(project_path, migrations=[*MIGRATIONS, broken])
    with open_project(project_path) as project:
        assert project.schema_version == SCHEMA_VERSION
        assert "gadgets" not in project.db.table_names()


def test_two_writers_share_the_project(project_path: Path) -> None:
    """The window and the command line (or two windows) both write; each sees the other's commits."""
    with open_project(project_path) as first, open_project(project_path) as second:
        assert not first.read_only and not second.read_only
        assert first.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000
        seen = first.data_version()
        second.set_meta("name", "Renamed elsewhere")
        assert first.data_version() != seen  # another connection committed
        assert first.name == "Renamed elsewhere"
        seen = first.data_version()
        first.set_meta("name", "Renamed here")
        assert first.data_version() == seen  # our own commits do not count as outside changes
        assert second.name == "Renamed here"
    # A second path to the same file (a symlink) shares SQLite's locks: still one consistent file.
    link = project_path.with_name("link.bpproj")
    link.symlink_to(project_path)
    with open_project(link) as via_link, open_project(project_path) as direct:
        via_link.set_meta("k", "1")
        direct.set_meta("k2", "2")
        assert direct.get_meta("k") == "1" and via_link.get_meta("k2") == "2"


def test_a_writer_waits_then_says_busy_and_changes_nothing(project_path: Path) -> None:
    from blueprint_desktop.store.lock import ProjectBusy

    with open_project(project_path) as project:
        project.conn.execute("PRAGMA busy_timeout = 200")  # 10 s in real use
        other = sqlite3.connect(project_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process mid-write
        try:
            with pytest.raises(ProjectBusy, match="busy writing"):
                project.set_meta("name", "blocked")
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert project.name == "Test plan" and project._depth == 0
        project.set_meta("name", "after")  # the other writer finished: writes go through again
        assert project.name == "after"


def test_an_idle_project_holds_no_lock(project_path: Path) -> None:
    with open_project(project_path) as project:
        project.set_meta("name", "x")
        other = sqlite3.connect(project_path, isolation_level=None, timeout=0)
        other.execute("BEGIN EXCLUSIVE")  # would fail at once if the open project held any lock
        other.execute("ROLLBACK")
        other.close()


def test_read_only_file_opens_read_only_and_says_why(project_path: Path, monkeypatch) -> None:
    import os

    monkeypatch.setattr(os, "access", lambda p, mode: mode != os.W_OK or Path(p) != project_path)
    with open_project(project_path) as project:
        assert project.read_only and "read-only on disk" in project.read_only_reason
        assert project.name == "Test plan"
        with pytest.raises(ProjectReadOnly, match="read-only on disk"):
            project.set_meta("name", "hijack")
    monkeypatch.undo()
    with open_project(project_path, read_only=True) as asked:
        assert asked.read_only and asked.read_only_reason == "opened read-only as asked"
    with open_project(project_path) as again:
        assert not again.read_only and again.read_only_reason == ""


def test_transaction_is_all_or_nothing(project) -> None:
    with pytest.raises(ValueError), project.transaction():
        project.conn.execute("INSERT INTO meta(key, value) VALUES ('a', '1')")
        with project.transaction():  # nested: a savepoint inside the same transaction
            project.conn.execute("INSERT INTO meta(key, value) VALUES ('b', '2')")
        raise ValueError("bad row 7")
    assert project.get_meta("a") is None and project.get_meta("b") is None


def test_audit_log_is_append_only(project) -> None:
    project.audit("test.action", "thing", 1, {"why": "testing"})
    rows = project.conn.execute("SELECT action FROM audit_log ORDER BY id").fetchall()
    assert [r[0] for r in rows] == ["project.create", "test.action"]
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        project.conn.execute("UPDATE audit_log SET action = 'x'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        project.conn.execute("DELETE FROM audit_log")


def test_status_constraints_reject_unknown_values(project) -> None:
    with pytest.raises(sqlite3.IntegrityError), project.transaction():
        project.conn.execute(
            "INSERT INTO providers(npi, name, source, contract_status) VALUES ('1234567893', 'X', 'roster', 'maybe')"
        )
