"""Encryption at rest: an SQLCipher project opens only with its passphrase, a wrong one says so, plain
projects never need SQLCipher, encrypt/decrypt work in place, and the main workflow (import a roster,
score, an outreach entry, the package and the HSD tables) runs on an encrypted file from the CLI."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
from pathlib import Path

import pytest
import reports_scenario as sc
from roster_files import provider_row, provider_table

from blueprint_desktop.cli import main
from blueprint_desktop.errors import BlueprintError, PassphraseNeeded, WrongPassphrase
from blueprint_desktop.store import create_project, encryption, open_project
from blueprint_desktop.store.lock import ProjectBusy
from blueprint_desktop.store.save_as import save_project_as

PASS = "correct horse ' battery staple"  # a quote: PRAGMA key must quote it, not break on it
NEW_CARDIO = "1003000126"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(autouse=True)
def _no_process_passphrase():
    encryption.set_process_passphrase(None)
    yield
    encryption.set_process_passphrase(None)


@pytest.fixture
def pass_file(tmp_path: Path) -> Path:
    path = tmp_path / "passphrase.txt"
    path.write_text(PASS + "\n", encoding="utf-8")
    return path


def test_an_encrypted_project_opens_only_with_its_passphrase(tmp_path: Path) -> None:
    path = create_project(
        tmp_path / "secret.bpproj", "Plan XYZZY", counties=[("48201", "TX")], passphrase=PASS
    )
    data = path.read_bytes()
    assert not data.startswith(b"SQLite format 3") and b"XYZZY" not in data and b"48201" not in data
    before = digest(path)
    with pytest.raises(PassphraseNeeded, match="passphrase") as no_pass:
        open_project(path)
    assert not isinstance(no_pass.value, WrongPassphrase)
    with pytest.raises(WrongPassphrase, match="wrong passphrase"):
        open_project(path, passphrase="correct horse")
    assert digest(path) == before
    with pytest.raises(sqlite3.DatabaseError):  # the standard library sees no database at all
        sqlite3.connect(path).execute("SELECT * FROM meta").fetchall()
    with open_project(path, passphrase=PASS) as project:
        assert project.name == "Plan XYZZY" and project.service_area() == ["48201"]
        assert project.info().encrypted and not project.read_only
        project.set_meta("note", "written encrypted")
        assert project.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with open_project(path, read_only=True, passphrase=PASS) as project:
        assert project.get_meta("note") == "written encrypted"
    assert b"written encrypted" not in path.read_bytes()


def test_plain_projects_never_load_sqlcipher(project_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "sqlcipher3", None)  # import would fail
    monkeypatch.setitem(sys.modules, "sqlcipher3.dbapi2", None)
    monkeypatch.setattr(encryption, "_driver_module", None)
    with open_project(project_path, passphrase="ignored for a plain file") as project:
        assert type(project.conn) is sqlite3.Connection and not project.info().encrypted
        project.set_meta("k", "v")
    assert not encryption.available()


def test_encrypt_and_decrypt_in_place_keep_every_row(project_path: Path, tmp_path: Path) -> None:
    with open_project(project_path) as project:
        project.set_meta("kept", "yes")
        rows = project.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    # Refused while another window has it open: its later writes would go to the replaced file.
    with open_project(project_path) as other:
        before = digest(project_path)
        with pytest.raises(ProjectBusy, match="close it there"):
            encryption.encrypt_project(project_path, PASS)
        assert other.get_meta("kept") == "yes"
    assert digest(project_path) == before
    encryption.encrypt_project(project_path, PASS)
    assert not project_path.read_bytes().startswith(b"SQLite format 3")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["test.bpproj"]  # no backup, no temp left
    with pytest.raises(BlueprintError, match="already encrypted"):
        encryption.encrypt_project(project_path, PASS)
    with pytest.raises(WrongPassphrase):
        encryption.decrypt_project(project_path, "not it")
    with open_project(project_path, passphrase=PASS) as project:
        assert project.get_meta("kept") == "yes"
        assert project.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == rows
        copy = save_project_as(project, tmp_path / "copy.bpproj")
    assert encryption.is_encrypted(copy)
    with open_project(copy, passphrase=PASS) as project:
        assert project.get_meta("kept") == "yes"
    encryption.decrypt_project(project_path, PASS)
    assert project_path.read_bytes().startswith(b"SQLite format 3")
    with open_project(project_path) as project:
        assert project.get_meta("kept") == "yes" and project.info().encrypted is False


def test_the_main_workflow_runs_on_an_encrypted_project(
    project, project_path: Path, tmp_path: Path, pass_file: Path, capsys, monkeypatch
) -> None:
    sc.build(project, tmp_path, complete=True)
    project.close()
    pw = ["--passphrase-file", str(pass_file)]
    assert main(["encrypt", str(project_path), *pw]) == 0
    capsys.readouterr()
    # Without the passphrase the CLI says how to give it, in one line.
    assert main(["info", str(project_path)]) == 2
    assert "--passphrase-file" in capsys.readouterr().err
    roster = provider_table(tmp_path / "roster.csv", [provider_row(NEW_CARDIO, "Dr. Omar Haddad", "008")])
    assert main(["import", "roster", str(project_path), str(roster), *pw]) == 0
    assert main(["score", str(project_path), *pw]) == 0
    monkeypatch.setenv("BLUEPRINT_PASSPHRASE", PASS)  # the other way to give it
    assert main(["outreach", "add", str(project_path), "--npi", sc.NEURO_2, "--channel", "phone",
                 "--outcome", "no answer", "--staff", "Kim Lee", "--json"]) == 0  # fmt: skip
    capsys.readouterr()
    package = tmp_path / "package.pdf"
    assert main(["export", "package", str(project_path), str(package), "--json"]) == 0
    assert main(["export", "hsd", str(project_path), str(tmp_path / "hsd")]) == 0
    assert package.read_bytes().startswith(b"%PDF") and any((tmp_path / "hsd").iterdir())
    monkeypatch.delenv("BLUEPRINT_PASSPHRASE")
    with open_project(project_path, passphrase=PASS, read_only=True) as done:
        assert (
            done.conn.execute("SELECT count(*) FROM providers WHERE npi = ?", (NEW_CARDIO,)).fetchone()[0]
            == 1
        )
        assert done.conn.execute("SELECT count(*) FROM scoring_runs").fetchone()[0] >= 2
        entries = done.conn.execute(
            "SELECT count(*) FROM outreach_log WHERE npi = ? AND staff = 'Kim Lee'", (sc.NEURO_2,)
        ).fetchone()[0]
        assert entries == 1
        assert done.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not project_path.read_bytes().startswith(b"SQLite format 3")
    capsys.readouterr()
    assert main(["info", str(project_path), "--json", *pw]) == 0
    assert json.loads(capsys.readouterr().out)["encrypted"] is True


def test_the_window_asks_for_the_passphrase_and_again_when_wrong(qtbot, tmp_path: Path, monkeypatch) -> None:
    from gui_support import make_window

    from blueprint_desktop.gui import project_dialogs

    path = create_project(tmp_path / "s.bpproj", "Window secret", counties=[("48201", "TX")], passphrase=PASS)
    answers, problems = ["not the passphrase", PASS], []

    def ask(parent, asked_path, problem=""):
        problems.append(problem)
        return answers.pop(0)

    monkeypatch.setattr(project_dialogs, "ask_passphrase", ask)
    window = make_window(qtbot, tmp_path, open_demo=False)
    assert window.open_project_path(path)
    assert problems[0] == "" and "wrong passphrase" in problems[1]
    assert window.project.name == "Window secret" and window.project.info().encrypted
    # Cancelled: nothing opens and the open project stays.
    monkeypatch.setattr(project_dialogs, "ask_passphrase", lambda *a, **k: None)
    assert not window.open_project_path(path)
    assert window.project.name == "Window secret"


def test_the_window_encrypts_and_decrypts_the_open_project(qtbot, tmp_path: Path, monkeypatch) -> None:
    from gui_support import make_window

    from blueprint_desktop.gui import main_window, project_dialogs

    path = create_project(tmp_path / "w.bpproj", "Window plain", counties=[("48201", "TX")])
    window = make_window(qtbot, tmp_path, open_demo=False)
    assert window.open_project_path(path)
    assert window.act_encrypt.isEnabled() and not window.act_decrypt.isEnabled()
    monkeypatch.setattr(project_dialogs, "ask_new_passphrase", lambda *a, **k: PASS)
    window.encrypt_dialog()
    # Reopened encrypted: the file has no SQLite header, opens only with the passphrase, and the menu flips.
    assert window.project is not None and window.project.info().encrypted
    assert not path.read_bytes().startswith(b"SQLite format 3")
    assert window.act_decrypt.isEnabled() and not window.act_encrypt.isEnabled()
    with pytest.raises(PassphraseNeeded):
        open_project(path)
    monkeypatch.setattr(main_window, "ask", lambda *a, **k: True)
    window.decrypt_dialog()
    assert window.project is not None and not window.project.info().encrypted
    assert path.read_bytes().startswith(b"SQLite format 3")
    assert window.project.name == "Window plain"
