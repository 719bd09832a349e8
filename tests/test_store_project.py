"""The project file: creation, refusal of bad files (unchanged), migrations, locking, transactions."""

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


def test_second_opener_gets_read_only(project_path: Path) -> None:
    with open_project(project_path) as writer:
        assert not writer.read_only
        with open_project(project_path) as second:
            assert second.read_only
            assert second.name == "Test plan"
            with pytest.raises(ProjectReadOnly):
                second.set_meta("name", "hijack")
    # Once the writer closed, the next opener writes again.
    with open_project(project_path) as again:
        assert not again.read_only


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
