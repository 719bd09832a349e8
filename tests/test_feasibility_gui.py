"""The feasibility study window (pytest-qt, offscreen): run in the worker, the three tabs, export, cancel."""

from __future__ import annotations

import pytest
from gui_support import make_window
from PySide6.QtGui import QColor

from blueprint_desktop.engine.feasibility import INFEASIBLE, RECRUIT
from blueprint_desktop.gui.feasibility_view import OUTCOME_COLORS


@pytest.mark.timeout(180)
def test_study_runs_in_the_worker_and_fills_its_tabs_then_exports(qtbot, tmp_path) -> None:
    window = make_window(qtbot, tmp_path)
    assert window.act_feasibility.isEnabled()
    dialog = window.open_feasibility()
    assert dialog is not None and dialog.isVisible() and not dialog.export_button.isEnabled()
    assert window.open_feasibility() is dialog  # one window per project
    with qtbot.waitSignal(window.tasks.finished, timeout=120000):
        assert dialog.run()
        assert not dialog.run_button.isEnabled() and dialog.cancel_button.isVisible()
        assert not window.act_score.isEnabled()  # nothing else runs beside it
    study = dialog.study
    assert study is not None and dialog.run_button.isEnabled() and dialog.export_button.isEnabled()
    counts = study.counts()
    # Capacity: counties x lines, each cell coloured by its outcome.
    m = dialog.matrix
    assert (m.rowCount(), m.columnCount()) == (12, 43)
    colours = {m.item(i, j).background().color().name() for i in range(12) for j in range(43) if m.item(i, j)}
    assert colours == {QColor(c).name() for c in OUTCOME_COLORS.values()}
    assert dialog.infeasible.rowCount() == counts[INFEASIBLE]
    assert dialog.recruits.rowCount() == study.recruit_set.size > 0
    assert dialog.recruits.item(0, 1).text() == study.recruit_set.recruits[0].npi
    assert f"{counts[RECRUIT]:,} more pass once" in dialog.summary.text()

    out = tmp_path / "feasibility.pdf"
    with qtbot.waitSignal(window.tasks.finished, timeout=60000):
        assert dialog.export_dialog(str(out))
    assert out.exists() and out.read_bytes()[:5] == b"%PDF-"
    assert dialog.last_report is not None and dialog.last_report.pages >= 5
    assert "Report written to" in dialog.summary.text()

    # Closing the project closes the study window.
    window.close_project()
    assert not dialog.isVisible()


@pytest.mark.timeout(120)
def test_cancel_leaves_no_study(qtbot, tmp_path) -> None:
    window = make_window(qtbot, tmp_path)
    dialog = window.open_feasibility()
    with qtbot.waitSignal(window.tasks.cancelled, timeout=60000):
        assert dialog.run()
        dialog.cancel_button.click()
    assert dialog.study is None and not dialog.export_button.isEnabled()
    assert dialog.run_button.isEnabled()
