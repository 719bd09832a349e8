"""The project file where it lives: a crash mid-checkpoint (hot WAL, short main file), read-only files and
folders, names SQLite's URI syntax would misread, symlinks (one real file) and a full disk."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from blueprint_desktop.errors import DiskFull, ProjectCorrupt
from blueprint_desktop.store import create_project, open_project
from blueprint_desktop.store.lock import ProjectBusy


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- a crash during SQLite's checkpoint ------------------------------------------------------------
def _crash_mid_checkpoint(project_path: Path, dest: Path, rows: int = 3000) -> Path:
    """What SIGKILL during a checkpoint leaves: an import committed to the WAL, the checkpoint had
    written page 1 (the new page count) and part of the rest into the main file, then died."""
    conn = sqlite3.connect(project_path, isolation_level=None)
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO meta(key, value) VALUES (?, ?)", ((f"import.{i}", "x" * 200) for i in range(rows))
    )
    conn.execute("COMMIT")
    main_before = project_path.read_bytes()
    wal = Path(f"{project_path}-wal").read_bytes()
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    main_after = project_path.read_bytes()
    conn.close()
    page_size = int.from_bytes(main_after[16:18], "big")
    assert len(main_after) > len(main_before) + 4 * page_size, "the import must grow the file"
    cut = len(main_before) + ((len(main_after) - len(main_before)) // 2 // page_size) * page_size
    dest.write_bytes(main_after[:cut])
    Path(f"{dest}-wal").write_bytes(wal)
    return dest


def test_a_short_main_file_the_wal_completes_opens_with_the_import(
    project_path: Path, tmp_path: Path
) -> None:
    crashed = _crash_mid_checkpoint(project_path, tmp_path / "crashed.bpproj")
    with open_project(crashed) as project:
        assert project.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert (
            project.conn.execute("SELECT count(*) FROM meta WHERE key LIKE 'import.%'").fetchone()[0] == 3000
        )
        assert project.name == "Test plan"
    # Closing folded the WAL in: the file alone is whole again.
    with open_project(crashed, read_only=True) as again:
        assert again.conn.execute("SELECT count(*) FROM meta WHERE key LIKE 'import.%'").fetchone()[0] == 3000


def test_a_short_main_file_without_its_wal_is_still_refused(project_path: Path, tmp_path: Path) -> None:
    crashed = _crash_mid_checkpoint(project_path, tmp_path / "crashed.bpproj")
    Path(f"{crashed}-wal").unlink()
    before = digest(crashed)
    with pytest.raises(ProjectCorrupt, match="truncated"):
        open_project(crashed)
    assert digest(crashed) == before


# -- read-only files and folders ------------------------------------------------------------------
_CHILD = r"""
import json, os, sys
import importlib.metadata  # noqa: F401 - imported before dropping privileges (root's Python is private)
from blueprint_desktop.errors import ProjectReadOnly
from blueprint_desktop.store import open_project
from blueprint_desktop.cli import main
if os.geteuid() == 0:
    os.setgid(65534)
    os.setuid(65534)
out = {}
for path in sys.argv[1:]:
    with open_project(path) as project:
        info = project.info()
        entry = {"read_only": info.read_only, "reason": info.read_only_reason, "name": info.name}
        try:
            project.set_meta("name", "changed")
            entry["write"] = "written"
        except ProjectReadOnly as exc:
            entry["write"] = str(exc)
    out[path] = entry
print(json.dumps(out))
"""


def test_read_only_file_and_folder_open_read_only_and_refuse_writes(project_path: Path) -> None:
    # Real permissions, not a patched os.access: as root (CI containers) the check runs as "nobody".
    base = Path(tempfile.mkdtemp(prefix="bp-ro-"))
    try:
        os.chmod(base, 0o755)
        (base / "rw").mkdir()
        (base / "ro").mkdir()
        file_ro = base / "rw" / "locked.bpproj"
        folder_ro = base / "ro" / "shared.bpproj"
        shutil.copy(project_path, file_ro)
        shutil.copy(project_path, folder_ro)
        if os.geteuid() == 0:
            for p in (base / "rw", base / "ro", file_ro, folder_ro):
                os.chown(p, 65534, 65534)
        os.chmod(file_ro, 0o444)
        os.chmod(base / "ro", 0o555)
        before = {p: digest(p) for p in (file_ro, folder_ro)}
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(file_ro), str(folder_ro)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
        locked, shared = result[str(file_ro)], result[str(folder_ro)]
        assert locked["read_only"] and "read-only on disk" in locked["reason"]
        assert shared["read_only"] and "folder" in shared["reason"] and "read-only" in shared["reason"]
        for entry in (locked, shared):
            assert entry["name"] == "Test plan"
            assert "open read-only" in entry["write"] and "nothing was changed" in entry["write"]
        assert {p: digest(p) for p in (file_ro, folder_ro)} == before
        assert sorted(os.listdir(base / "ro")) == ["shared.bpproj"]  # nothing made beside it
    finally:
        os.chmod(base / "ro", 0o755)
        shutil.rmtree(base)


def test_the_cli_says_read_only(project_path: Path, capsys, monkeypatch) -> None:
    from blueprint_desktop.cli import main

    monkeypatch.setattr(os, "access", lambda p, mode: mode != os.W_OK or Path(p) != project_path)
    assert main(["info", str(project_path)]) == 0
    assert "read-only: test.bpproj is read-only on disk" in capsys.readouterr().out
    assert main(["outreach", "add", str(project_path), "--npi", "1234567893", "--channel", "phone",
                 "--outcome", "no answer", "--staff", "kim"]) == 2  # fmt: skip
    assert "read-only" in capsys.readouterr().err


# -- names SQLite's URI syntax would misread ------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["a%41.bpproj", "what?.bpproj", "no#1.bpproj", "two words.bpproj", "Zürich – plan é.bpproj"]
)
def test_odd_file_names_open_their_own_project(tmp_path: Path, name: str) -> None:
    # A decoy where a URI-decoding of the name would land ("a%41" -> "aA").
    create_project(tmp_path / "aA.bpproj", "Decoy")
    path = tmp_path / name
    create_project(path, f"Project {name}")
    for read_only in (True, False):
        with open_project(path, read_only=read_only) as project:
            assert project.name == f"Project {name}"
            assert project.real_path == path.resolve()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({"aA.bpproj", name})


# -- one real file, however it is reached ---------------------------------------------------------
def test_a_symlink_and_its_target_are_one_project_and_writers_queue(project_path: Path) -> None:
    link = project_path.with_name("link.bpproj")
    link.symlink_to(project_path)
    with open_project(link) as via_link, open_project(project_path) as direct:
        assert via_link.real_path == direct.real_path == project_path.resolve()
        via_link.set_meta("from_link", "1")
        assert direct.get_meta("from_link") == "1"
        # The WAL lives beside the real file only: one file, one journal.
        assert Path(f"{project_path}-wal").exists() and not Path(f"{link}-wal").exists()
        direct.conn.execute("PRAGMA busy_timeout = 200")
        with via_link.transaction():
            via_link.conn.execute("INSERT INTO meta(key, value) VALUES ('held', 'by link')")
            with pytest.raises(ProjectBusy):
                direct.set_meta("blocked", "yes")
        direct.set_meta("after", "yes")
        assert via_link.get_meta("after") == "yes" and direct.get_meta("held") == "by link"
        assert direct.get_meta("blocked") is None


def test_the_window_lists_a_symlinked_project_once_under_its_real_path(qtbot, tmp_path: Path) -> None:
    from gui_support import demo_copy, make_window

    from blueprint_desktop.gui.settings import recent_projects

    real = demo_copy(tmp_path)
    link = tmp_path / "shortcut.bpproj"
    link.symlink_to(real)
    window = make_window(qtbot, tmp_path, open_demo=False)
    assert window.open_project_path(link)
    assert window.open_project_path(real)
    assert [Path(p) for p in recent_projects(window.settings)][:1] == [real.resolve()]
    assert str(link) not in recent_projects(window.settings)
    assert "(read-only)" not in window.windowTitle()


def test_the_window_title_says_read_only(qtbot, tmp_path: Path, monkeypatch) -> None:
    from gui_support import demo_copy, make_window

    real = demo_copy(tmp_path)
    window = make_window(qtbot, tmp_path, open_demo=False)
    monkeypatch.setattr(os, "access", lambda p, mode: mode != os.W_OK or Path(p) != real)
    assert window.open_project_path(real)
    assert window.project.read_only and "(read-only)" in window.windowTitle()


# -- a full disk ----------------------------------------------------------------------------------
def test_a_full_disk_says_so_and_changes_nothing(project) -> None:
    pages = project.conn.execute("PRAGMA page_count").fetchone()[0]
    # SQLite reports a database at its max_page_count exactly as a full disk (SQLITE_FULL).
    project.conn.execute(f"PRAGMA max_page_count = {pages + 2}")
    with pytest.raises(DiskFull, match="the disk is full: nothing was changed"), project.transaction():
        project.conn.executemany(
            "INSERT INTO meta(key, value) VALUES (?, ?)", ((f"k{i}", "v" * 500) for i in range(2000))
        )
    assert project._depth == 0 and not project.conn.in_transaction
    assert project.conn.execute("SELECT count(*) FROM meta WHERE key LIKE 'k%'").fetchone()[0] == 0
    project.conn.execute("PRAGMA max_page_count = 1073741823")
    project.set_meta("after", "space freed")  # the project carries on once there is room
    assert project.get_meta("after") == "space freed"
