"""``blueprint new / demo / info``: results, and one-line refusals that leave files unchanged."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from blueprint_desktop.cli import main
from blueprint_desktop.store import SCHEMA_VERSION, open_project


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_new_with_counties(tmp_path: Path, capsys) -> None:
    path = tmp_path / "p.bpproj"
    rc = main(
        [
            "new",
            str(path),
            "--name",
            "Acme",
            "--states",
            "TX,OK",
            "--counties",
            "48201,40109",
            "--plan-year",
            "2027",
        ]
    )
    assert rc == 0
    with open_project(path) as project:
        assert project.service_area() == ["40109", "48201"]
        assert project.plan_year == 2027


def test_new_with_whole_states(tmp_path: Path) -> None:
    path = tmp_path / "p.bpproj"
    assert main(["new", str(path), "--name", "Acme", "--states", "DE"]) == 0
    with open_project(path) as project:
        # Delaware has three counties: Kent, New Castle, Sussex.
        assert project.service_area() == ["10001", "10003", "10005"]


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--states", "TX", "--counties", "40109"], "is not in TX"),
        (["--states", "TX", "--counties", "4820"], "not a 5-digit"),
        (["--states", "ZZ"], "not US state"),
        (["--states", "TX", "--counties", "48999"], "not a US county"),
    ],
)
def test_new_refuses_bad_service_area(tmp_path: Path, capsys, extra: list[str], message: str) -> None:
    path = tmp_path / "p.bpproj"
    assert main(["new", str(path), "--name", "Acme", *extra]) != 0
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert not path.exists()


def test_info_json(project_path: Path, capsys) -> None:
    before = digest(project_path)
    assert main(["info", str(project_path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["name"] == "Test plan" and info["service_area"] == ["48157", "48201"]
    assert info["schema_version"] == SCHEMA_VERSION
    assert digest(project_path) == before


def _assert_one_line_refusal(path: Path, capsys, needle: str) -> None:
    before = digest(path)
    rc = main(["info", str(path)])
    err = capsys.readouterr().err.strip()
    assert rc != 0
    assert len(err.splitlines()) == 1 and needle in err and "Traceback" not in err
    assert digest(path) == before


def test_info_refuses_random_file(tmp_path: Path, capsys) -> None:
    path = tmp_path / "r.bpproj"
    path.write_bytes(b"PK\x03\x04 this is a zip, not a project" * 100)
    _assert_one_line_refusal(path, capsys, "not a Blueprint project file")


def test_info_refuses_truncated_project(project_path: Path, tmp_path: Path, capsys) -> None:
    cut = tmp_path / "cut.bpproj"
    cut.write_bytes(project_path.read_bytes()[:4096])
    _assert_one_line_refusal(cut, capsys, "corrupt")


def test_info_refuses_future_project(project_path: Path, capsys) -> None:
    conn = sqlite3.connect(project_path)
    conn.execute("PRAGMA user_version = 999")
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    _assert_one_line_refusal(project_path, capsys, "newer Blueprint")


def test_info_on_missing_file(tmp_path: Path, capsys) -> None:
    assert main(["info", str(tmp_path / "nope.bpproj")]) != 0
    assert "no such project file" in capsys.readouterr().err
