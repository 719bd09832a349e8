"""The benchmark pane in the window (offscreen): File > Import benchmark network…, the side by side
coloured like the results matrix, and their providers we lack for the selected cell."""

from __future__ import annotations

import pytest
from benchmark_files import demo_rows, plannet_resources, write_plannet_bundle
from gui_support import make_window
from PySide6.QtCore import Qt

from blueprint_desktop.status_colors import status_tint

pytestmark = pytest.mark.timeout(240)


def test_benchmark_pane_imports_compares_and_lists_what_we_lack(qtbot, tmp_path) -> None:
    window = make_window(qtbot, tmp_path)
    pane = window.benchmark_pane
    assert "benchmark" in window.docks
    menu_texts = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert "Import &benchmark network…" in menu_texts and pane.import_action.isEnabled()
    assert pane.networks.count() == 0 and not pane.compare_button.isEnabled()

    rows = demo_rows(window.project, "market", ("007",), 500)
    bundle = write_plannet_bundle(tmp_path / "rival.json", plannet_resources(rows))
    net = pane.import_file(bundle, "plannet", "Rival MA")
    assert pane.networks.count() == 1 and pane.current_network() == net
    pane.run_compare()
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
    # Select a cell where they pass and we do not: the list narrows to that county x line.
    first = pane.side.item(0, 0).data(Qt.ItemDataRole.UserRole)
    assert pane.side.item(0, 8).text() == "they pass where we do not"
    pane.side.selectRow(0)
    assert f"for {first[1]} in {first[0]}" in pane.lack_label.text()
    assert pane.lack.rowCount() > 0
    assert {pane.lack.item(i, 2).text() for i in range(pane.lack.rowCount())} == {first[1]}
