"""One project, many hands: the window keeps the project open while the command line (another PROCESS)
writes to it, and the window shows the change by itself (its data_version timer); partial re-scores
overlay the full run in the matrix; a writer waits for another one instead of failing."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from gui_support import make_window
from PySide6.QtCore import Qt

from blueprint_desktop.gui.results_model import CONFIDENCE_ROLE, cell_text
from blueprint_desktop.gui.roster_model import KEYS

# The installed `blueprint` command, run as its own process next to the window.
_SCRIPT = Path(sys.executable).with_name("blueprint")
BLUEPRINT = (
    [str(_SCRIPT)]
    if _SCRIPT.exists()
    else [
        sys.executable,
        "-c",
        "import sys; from blueprint_desktop.cli import main; sys.exit(main(sys.argv[1:]))",
    ]
)


def _db(path: Path, sql: str, params=()):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    done = subprocess.run([*BLUEPRINT, *args], capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def window(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    win.show()
    qtbot.waitExposed(win)
    assert win.watch_timer.isActive() and win.watch_timer.interval() <= 2000
    return win


def test_cli_outreach_and_roster_edits_show_in_the_open_window(qtbot, window) -> None:
    path = Path(window.project.path)
    npi = _db(path, "SELECT npi FROM providers WHERE source = 'roster' ORDER BY id LIMIT 1")[0][0]
    assert window.outreach_pane.entries == []
    # The command line writes while the window holds the project open: no refusal, no quitting.
    _cli(
        "outreach", "add", str(path), "--npi", npi, "--channel", "phone", "--outcome", "declined",
        "--staff", "R. Ortiz", "--reason", "panel full",
    )  # fmt: skip
    qtbot.waitUntil(lambda: len(window.outreach_pane.entries) == 1, timeout=10000)
    assert window.outreach_pane.entries[0]["npi"] == npi
    assert "another window or command" in window.statusBar().currentMessage()

    # A roster status change made by another process through the core API: the roster pane and the
    # stale banner follow.
    assert not window.results_pane.is_stale
    model = window.roster_pane.model
    provider_id = model.provider_id(0)
    column = KEYS.index("panel_status")
    new = "closed" if model.index(0, column).data() != "closed" else "open"
    code = (
        "import sys; from blueprint_desktop.store import open_project;"
        " from blueprint_desktop.store import roster_queries as rq\n"
        "with open_project(sys.argv[1]) as p: rq.set_provider_status(p, int(sys.argv[2]), 'panel_status', sys.argv[3])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path), str(provider_id), new],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    qtbot.waitUntil(lambda: model.index(0, column).data() == new, timeout=10000)
    qtbot.waitUntil(lambda: window.results_pane.is_stale, timeout=5000)
    assert "1 change since the last run" in window.results_pane.stale_banner.text()


def test_a_one_cell_rescore_from_the_cli_overlays_the_matrix(qtbot, window) -> None:
    path = Path(window.project.path)
    model = window.results_pane.model
    assert model.counts() == {"Pass": 436, "At Risk": 9, "Failing": 71}
    [(full_run,)] = _db(path, "SELECT max(id) FROM scoring_runs")
    # Harris (48201) x Acute Inpatient Hospitals (040), the failing cell of the README's screenshot.
    before = model.result("48201", "040")
    assert before["run_id"] == full_run
    assert window.results_pane.select_cell("48201", "040")
    _cli("score", str(path), "--lines", "040", "--counties", "48201")
    [(one_run,)] = _db(path, "SELECT max(id) FROM scoring_runs")
    assert one_run == full_run + 1
    qtbot.waitUntil(lambda: (model.result("48201", "040") or {}).get("run_id") == one_run, timeout=10000)
    # Every cell is still there; only the re-scored one comes from the newer run.
    assert (model.rowCount(), model.columnCount()) == (12, 43)
    assert sum(model.counts().values()) == 516 and model.run_ids() == [full_run, one_run]
    assert {
        r["run_id"] for r in model.results() if (r["county_fips"], r["line_code"]) != ("48201", "040")
    } == {full_run}
    assert window.results_pane.current_key() == ("48201", "040")  # the selection survives the refresh
    assert window.results_pane.summary.text().startswith("516 cells")
    assert f"runs {full_run}, {one_run}" in window.results_pane.summary.toolTip()
    assert "Last run" in window.status_run.text()


def test_cells_show_the_share_within_standard_with_a_confidence_mark(qtbot, window) -> None:
    model = window.results_pane.model
    failing = next(r for r in model.results() if r["status"] == "Failing" and r["pct_within"] < 90)
    index = model.index_of(failing["county_fips"], failing["line_code"])
    assert index.data() == f"{failing['pct_within']:.1f}%" == cell_text(failing)
    assert index.data(CONFIDENCE_ROLE) == failing["confidence_band"][:1]
    tip = index.data(Qt.ItemDataRole.ToolTipRole)
    assert f"Within standard: {failing['pct_within']:.1f}%" in tip and "Confidence:" in tip
    full = next(r for r in model.results() if r["pct_within"] >= 100)
    assert model.index_of(full["county_fips"], full["line_code"]).data() == "100%"


def test_a_cli_write_waits_for_the_window_to_finish_writing(qtbot, window) -> None:
    """The window mid-write (an import, say): the CLI waits on SQLite's busy timeout, then lands."""
    path = Path(window.project.path)
    npi = _db(path, "SELECT npi FROM providers WHERE source = 'roster' ORDER BY id LIMIT 1")[0][0]
    window.watch_timer.stop()
    with window.project.transaction():
        window.project.conn.execute("INSERT INTO meta(key, value) VALUES ('held', '1')")
        proc = subprocess.Popen(
            [
                *BLUEPRINT, "outreach", "add", str(path), "--npi", npi, "--channel", "email",
                "--outcome", "no answer", "--staff", "R. Ortiz",
            ],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        time.sleep(2.0)
        assert proc.poll() is None  # still waiting for our write to finish
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert _db(path, "SELECT count(*) FROM outreach_log")[0][0] == 1
    assert window.check_outside_changes() and len(window.outreach_pane.entries) == 1
