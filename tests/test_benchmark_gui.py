"""The benchmark pane in the window (offscreen): File > Import benchmark network…, the side by side
coloured like the results matrix, and their providers we lack for the selected cell. Import and compare run
in the window's worker (progress, Cancel, errors in a message box); the picked network goes to the map."""

from __future__ import annotations

import pytest
from benchmark_files import demo_rows, plannet_resources, write_json, write_plannet_bundle
from gui_support import make_window
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from blueprint_desktop.gui import messages
from blueprint_desktop.status_colors import status_tint

pytestmark = pytest.mark.timeout(240)
TASK_MS = 120_000


@pytest.fixture
def captured(monkeypatch):
    """Every message box shown, as (title, text), instead of blocking on exec()."""
    boxes: list[tuple[str, str]] = []

    def fake_exec(box) -> int:
        boxes.append((box.windowTitle(), box.text()))
        return int(QMessageBox.StandardButton.Ok)

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    return boxes


def _count(project, table: str) -> int:
    return project.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _import(qtbot, window, path, fmt: str, name: str | None = None) -> int:
    pane = window.benchmark_pane
    with qtbot.waitSignal(pane.network_imported, timeout=TASK_MS) as imported:
        assert pane.import_file(path, fmt, name)
        # In the worker: the window stays live, shows the progress bar and offers Cancel meanwhile.
        assert window.tasks.busy and window.act_cancel.isEnabled()
        assert not pane.compare_button.isEnabled() and not pane.import_button.isEnabled()
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=TASK_MS)
    return int(imported.args[0])


def _compare(qtbot, window) -> None:
    pane = window.benchmark_pane
    with qtbot.waitSignal(pane.compared, timeout=TASK_MS):
        assert pane.run_compare()
        assert window.tasks.busy and window.tasks.task_name == "benchmark-compare"
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=TASK_MS)


def test_benchmark_pane_imports_compares_and_lists_what_we_lack(qtbot, tmp_path, monkeypatch) -> None:
    window = make_window(qtbot, tmp_path)
    pane = window.benchmark_pane
    assert "benchmark" in window.docks
    menu_texts = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert "Import &benchmark network…" in menu_texts and pane.import_action.isEnabled()
    assert pane.networks.count() == 0 and not pane.compare_button.isEnabled()

    rows = demo_rows(window.project, "market", ("007",), 500)
    bundle = write_plannet_bundle(tmp_path / "rival.json", plannet_resources(rows))
    shown: list = []
    pane.network_shown.connect(lambda net, name: shown.append((net, name)))
    net = _import(qtbot, window, bundle, "plannet", "Rival MA")
    assert pane.networks.count() == 1 and pane.current_network() == net
    assert "benchmark network" in pane.summary.text() and pane.compare_button.isEnabled()
    assert shown[-1] == (net, "Rival MA")  # picked: drawn on the map
    _compare(qtbot, window)
    assert pane.cells and "they pass where we do not in" in pane.summary.text()
    # Only where we differ: every row shown has different statuses, tinted like the matrix.
    assert pane.side.rowCount() > 0
    for i in range(pane.side.rowCount()):
        ours, theirs = pane.side.item(i, 2).text(), pane.side.item(i, 5).text()
        assert ours != theirs
        assert pane.side.item(i, 5).background().color().name() == status_tint(theirs)
    pane.only_diff.setChecked(False)
    assert pane.side.rowCount() == len(pane.cells)
    pane.only_diff.setChecked(True)
    # Select a cell where they pass and we do not: the list narrows to that county x line, exactly as
    # the engine's own filters narrow it, and the map is asked for that line.
    from blueprint_desktop.engine.benchmark import providers_we_lack

    first = pane.side.item(0, 0).data(Qt.ItemDataRole.UserRole)
    assert pane.side.item(0, 8).text() == "they pass where we do not"
    cells: list = []
    pane.cell_selected.connect(lambda fips, line: cells.append((fips, line)))
    pane.side.selectRow(0)
    assert cells == [tuple(first)]
    assert f"for {first[1]} in {first[0]}" in pane.lack_label.text()
    assert pane.lack.rowCount() > 0
    assert {pane.lack.item(i, 2).text() for i in range(pane.lack.rowCount())} == {first[1]}
    expected = providers_we_lack(window.project, net, line=first[1], county=first[0])
    assert [pane.lack.item(i, 0).text() for i in range(pane.lack.rowCount())] == [x.npi for x in expected]
    # The Excel export runs in the worker too.
    out = tmp_path / "side.xlsx"
    boxes: list = []
    monkeypatch.setattr(messages, "show_info", lambda parent, title, text: boxes.append((title, text)))
    assert pane.export_dialog(str(out)) and window.tasks.busy
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=TASK_MS)
    assert out.stat().st_size > 0 and boxes == [("Exported", f"Wrote {out}")]
    # "Show on map" off: the map is told to drop the layer; on again: this network.
    pane.show_on_map.setChecked(False)
    assert shown[-1] == (None, "")
    pane.show_on_map.setChecked(True)
    assert shown[-1] == (net, "Rival MA")


def test_a_refused_file_is_a_message_box_and_changes_nothing(qtbot, tmp_path, captured) -> None:
    window = make_window(qtbot, tmp_path)
    pane = window.benchmark_pane
    bad = write_json(tmp_path / "bad.json", {"resourceType": "Patient", "id": "p1"})
    assert pane.import_file(bad, "plannet")
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=TASK_MS)
    assert captured and captured[-1][0] == "Benchmark import refused"
    assert "nothing was imported" in captured[-1][1] and "Patient" in captured[-1][1]
    assert pane.networks.count() == 0 and _count(window.project, "benchmark_networks") == 0
    assert pane.import_button.isEnabled()  # the pane is usable again


def test_cancel_leaves_nothing_and_the_window_says_so(qtbot, tmp_path, captured) -> None:
    window = make_window(qtbot, tmp_path)
    pane = window.benchmark_pane
    rows = demo_rows(window.project, "market", ("007", "008", "S03"), 3000)
    bundle = write_plannet_bundle(tmp_path / "big.json", plannet_resources(rows))
    with qtbot.waitSignal(window.tasks.cancelled, timeout=TASK_MS):
        assert pane.import_file(bundle, "plannet", "Cancelled")
        window.cancel_task()  # the status bar's Cancel (Esc)
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=TASK_MS)
    assert "Import cancelled: nothing was stored." in window.statusBar().currentMessage()
    assert not captured  # a cancel is not an error
    for table in ("benchmark_networks", "benchmark_providers", "benchmark_locations"):
        assert _count(window.project, table) == 0
    assert pane.networks.count() == 0 and pane.import_button.isEnabled()


def test_busy_worker_refuses_a_second_task(qtbot, tmp_path) -> None:
    window = make_window(qtbot, tmp_path)
    pane = window.benchmark_pane
    rows = demo_rows(window.project, "market", ("007",), 200)
    bundle = write_plannet_bundle(tmp_path / "rival.json", plannet_resources(rows))
    with qtbot.waitSignal(pane.network_imported, timeout=TASK_MS):
        assert pane.import_file(bundle, "plannet", "One")
        assert not pane.import_file(bundle, "plannet", "Two")  # one task at a time
        assert "Busy" in pane.summary.text()
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=TASK_MS)
    assert pane.networks.count() == 1
