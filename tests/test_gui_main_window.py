"""The main window over a copy of the demo project (pytest-qt, offscreen).

Each test gets its own copy of the demo (written once per session) and its own QSettings file, so no
test touches another's project or the user's real settings.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from gui_support import demo_copy, make_window, temp_settings
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from blueprint_desktop.gui.roster_model import KEYS


@pytest.fixture
def captured(monkeypatch):
    """Every message box shown, as (title, text), instead of blocking on exec()."""
    boxes: list[tuple[str, str]] = []

    def fake_exec(box) -> int:
        boxes.append((box.windowTitle(), box.text()))
        return int(QMessageBox.StandardButton.Ok)

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    return boxes


def _db(path: Path, sql: str, params=()):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def test_open_demo_fills_panes_and_status_bar(qtbot, tmp_path) -> None:
    window = make_window(qtbot, tmp_path)
    path = Path(window.project.path)
    assert window.windowTitle().startswith("Gulf Coast Health MA 2027 (demo)")
    assert window.status_lob.text() == "LOB: MA" and window.status_year.text() == "Plan year 2027"
    assert window.status_run.text().startswith("Last run ") and "straight line" in window.status_run.text()
    assert window.status_ro.isHidden() and window.banner_bar.isHidden()
    # No road network in the demo: drive-time scoring is offered only once one is imported.
    assert window.method == "straight" and not window.act_road.isEnabled()
    model = window.results_pane.model
    # The demo's stored run on the built-in CMS HSD Reference File 2026 criteria and the beneficiary
    # sample (geo/sample.py): 12 counties x 43 lines, 436 Pass / 9 At Risk / 71 Failing (demo.py).
    assert (model.rowCount(), model.columnCount()) == (12, 43)
    assert model.counts() == {"Pass": 436, "At Risk": 9, "Failing": 71}
    assert model.headerData(0, Qt.Orientation.Vertical) == "Austin, TX"  # ordered by county name
    network = _db(path, "SELECT count(*) FROM providers WHERE source IN ('roster', 'manual')")[0][0]
    assert window.roster_pane.model.rowCount() == network
    assert window.roster_pane.count_label.text() == f"{network:,} providers"
    # Every action has a keyboard shortcut.
    for act in (
        window.act_new,
        window.act_open,
        window.act_save_as,
        window.act_close,
        window.act_quit,
        window.act_undo,
        window.act_score,
        window.act_cancel,
        window.act_import,
        window.act_about,
    ):
        assert not act.shortcut().isEmpty(), act.text()
    assert (
        window.act_score.shortcut().toString() == "F5" and window.act_undo.shortcut().toString() == "Ctrl+Z"
    )


def test_results_filters_hide_counties_and_lines_without_gaps(qtbot, tmp_path) -> None:
    window = make_window(qtbot, tmp_path)
    path = Path(window.project.path)
    pane = window.results_pane
    pane.status_filter.setCurrentIndex(pane.status_filter.findData("failing"))
    failing = _db(
        path,
        "SELECT DISTINCT county_fips, line_code, lower(json_extract(detail_json, '$.line_name'))"
        " FROM run_results WHERE status = 'Failing' AND run_id = (SELECT max(id) FROM scoring_runs)",
    )
    assert pane.model.rowCount() == len({f for f, _, _ in failing})
    assert pane.model.columnCount() == len({c for _, c, _ in failing})
    # The line filter matches code or name: "surg" keeps the failing surgical lines only.
    pane.line_filter.setText("Surg")
    surgical = sorted({c for _, c, n in failing if "surg" in n})
    assert pane.model.visible_lines() == surgical
    assert pane.model.rowCount() == len({f for f, c, _ in failing if c in surgical})
    pane.line_filter.setText("008")
    pane.status_filter.setCurrentIndex(0)
    assert pane.model.visible_lines() == ["008"] and pane.model.rowCount() == 12


def test_roster_filter_edit_audit_and_undo(qtbot, tmp_path) -> None:
    window = make_window(qtbot, tmp_path)
    path = Path(window.project.path)
    pane = window.roster_pane
    # Filter: Harris County cardiology with an executed contract; expected count straight from SQL.
    expected = _db(
        path,
        "SELECT count(DISTINCT p.id) FROM providers p JOIN provider_lines pl ON pl.provider_id = p.id"
        " JOIN locations l ON l.provider_id = p.id WHERE p.source IN ('roster','manual')"
        " AND pl.line_code = '008' AND l.county_fips = '48201' AND p.contract_status = 'executed'",
    )[0][0]
    assert expected > 0
    pane.line.setCurrentIndex(pane.line.findData("008"))
    pane.county.setCurrentIndex(pane.county.findData("48201"))
    pane.contract.setCurrentIndex(pane.contract.findData("executed"))
    assert pane.model.rowCount() == expected
    # Search by NPI narrows to that provider.
    npi, name = _db(
        path,
        "SELECT npi, name FROM providers WHERE source = 'roster' AND contract_status = 'executed' ORDER BY id LIMIT 1",
    )[0]
    pane.line.setCurrentIndex(0)
    pane.county.setCurrentIndex(0)
    pane.search.setText(npi)
    pane.apply_filter()
    assert pane.model.rowCount() == 1 and pane.model.row_at(0).name == name
    assert not window.results_pane.is_stale

    # Edit the contract status in place: executed -> terminated (one audited transaction).
    col = KEYS.index("contract_status")
    index = pane.model.index(0, col)
    assert pane.model.flags(index) & Qt.ItemFlag.ItemIsEditable
    audit_before = _db(path, "SELECT count(*) FROM audit_log")[0][0]
    with qtbot.waitSignal(pane.status_changed, timeout=2000) as blocker:
        assert pane.model.setData(index, "terminated")
    change = blocker.args[0]
    assert (change.npi, change.old, change.new) == (npi, "executed", "terminated")
    assert pane.model.data(index) == "terminated"
    assert (
        _db(path, "SELECT contract_status FROM providers WHERE npi = ? AND source = 'roster'", (npi,))[0][0]
        == "terminated"
    )
    action, detail = _db(path, "SELECT action, detail_json FROM audit_log ORDER BY id DESC LIMIT 1")[0]
    assert action == "roster.status"
    assert json.loads(detail) == {
        "field": "contract_status",
        "old": "executed",
        "new": "terminated",
        "npi": npi,
    }
    assert window.results_pane.is_stale and "older than the roster" in window.results_pane.stale_banner.text()
    assert window.act_undo.isEnabled() and "contract status" in window.act_undo.text()

    # Ctrl+Z: the old value comes back as a new audited change; no audit row is deleted.
    window.act_undo.trigger()
    assert (
        _db(path, "SELECT contract_status FROM providers WHERE npi = ? AND source = 'roster'", (npi,))[0][0]
        == "executed"
    )
    assert pane.model.data(index) == "executed"
    rows = _db(path, "SELECT action, detail_json FROM audit_log ORDER BY id")
    assert len(rows) == audit_before + 2
    assert rows[-1][0] == "roster.status.undo" and json.loads(rows[-1][1])["undoes"] == change.audit_id
    assert not window.act_undo.isEnabled()


def test_status_delegate_offers_the_allowed_values(qtbot, tmp_path) -> None:
    from PySide6.QtWidgets import QComboBox, QStyleOptionViewItem

    window = make_window(qtbot, tmp_path)
    table = window.roster_pane.table
    index = window.roster_pane.model.index(0, KEYS.index("panel_status"))
    delegate = table.itemDelegate()
    editor = delegate.createEditor(table.viewport(), QStyleOptionViewItem(), index)
    assert isinstance(editor, QComboBox)
    assert [editor.itemText(i) for i in range(editor.count())] == ["open", "closed", "unknown"]
    editor.hidePopup()
    current = index.data()
    other = next(v for v in ("open", "closed", "unknown") if v != current)
    editor.setCurrentText(other)
    delegate.setModelData(editor, window.roster_pane.model, index)
    assert index.data() == other and len(window.undo_stack) == 1


@pytest.mark.timeout(120)
def test_score_in_worker_then_cell_detail_chart_targets_and_whatif(qtbot, tmp_path) -> None:
    from blueprint_desktop.engine.whatif import rescore_with

    window = make_window(qtbot, tmp_path)
    path = Path(window.project.path)
    runs_before = _db(path, "SELECT count(*) FROM scoring_runs")[0][0]
    panel = window.roster_pane.model.index(0, KEYS.index("panel_status"))
    # A value that differs from the current one, whoever sorts first in the demo.
    window.roster_pane.model.setData(panel, "open" if panel.data() == "closed" else "closed")
    assert window.results_pane.is_stale
    with qtbot.waitSignal(window.scoring_finished, timeout=60000) as blocker:
        assert window.score()
        assert not window.act_score.isEnabled() and window.act_cancel.isEnabled()
        assert not window.roster_pane.model.editable  # nothing else writes while the worker does
    assert blocker.args == [True]
    assert _db(path, "SELECT count(*) FROM scoring_runs")[0][0] == runs_before + 1
    assert not window.results_pane.is_stale and window.roster_pane.model.editable
    assert window.act_score.isEnabled() and not window.act_cancel.isEnabled()

    # Select the first Failing cell of the new run and read its detail.
    fips, line, pct, req, p90, mx, count, minimum = _db(
        path,
        "SELECT r.county_fips, r.line_code, r.pct_within, r.required_pct, r.p90_minutes,"
        " json_extract(r.detail_json, '$.detail.max_minutes'), r.credited_count, r.min_count"
        " FROM run_results r WHERE r.run_id = (SELECT max(id) FROM scoring_runs) AND r.status = 'Failing'"
        " ORDER BY r.county_fips, r.line_code LIMIT 1",
    )[0]
    assert window.results_pane.select_cell(fips, line)
    text = window.results_pane.detail.detail_text()
    assert "Failing" in text
    assert f"share: {pct:.1f}% vs at least {req:g}%" in text
    assert f"p90_minutes: {p90:.1f} min vs {mx:g} min" in text
    assert f"count: {count} vs at least {minimum}" in text
    assert "Freshness:" in text and "of beneficiaries live within" in text
    # The chart: the distribution for that cell, whose share within standard is the run's measured share.
    qtbot.waitUntil(lambda: bool(window.chart.drawn), timeout=20000)
    measured = json.loads(
        _db(
            path,
            "SELECT detail_json FROM run_results WHERE run_id = (SELECT max(id) FROM scoring_runs)"
            " AND county_fips = ? AND line_code = ?",
            (fips, line),
        )[0][0]
    )["detail"]["pct_measured"]
    assert window.chart.dist.share_within() == pytest.approx(measured, abs=0.01)
    assert window.chart.drawn["standard"] == mx and window.chart.drawn["total_pct"] == pytest.approx(100.0)

    # Recruitment targets in the worker: the minimal set is listed first, numbered.
    with qtbot.waitSignal(window.results_pane.targets_found, timeout=60000) as found:
        assert window.results_pane.find_targets()
    plan = found.args[0].plan
    detail = window.results_pane.detail
    assert detail.targets.rowCount() == len(
        {c.provider_id for c in plan.candidates} | {c.provider_id for c in plan.chosen}
    )
    if plan.chosen:
        assert (
            detail.targets.item(0, 0).text() == "1" and detail.targets.item(0, 2).text() == plan.chosen[0].npi
        )
    assert (
        _db(path, "SELECT count(*) FROM target_plans WHERE county_fips = ? AND line_code = ?", (fips, line))[
            0
        ][0]
        == 1
    )
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=5000)

    # What-if: the minimal set signed -> the cell is re-scored in the worker and drawn with a '*'.
    ids = [c.provider_id for c in plan.chosen] or [plan.candidates[0].provider_id]
    with qtbot.waitSignal(window.results_pane.whatif_changed, timeout=60000):
        assert window.results_pane.add_whatif_targets(ids)
    expected = rescore_with(window.project, fips, line, ids)
    shown = window.results_pane.model.result(fips, line)
    assert shown["status"] == expected.status and shown["pct_within"] == pytest.approx(expected.pct_within)
    index = window.results_pane.model.index_of(fips, line)
    assert index.data().endswith(" *")
    assert f"{expected.pct_within:.1f}% within standard" in detail.detail_text()
    detail.clear_button.click()
    assert not index.data().endswith(" *")


def test_cancel_scoring_stores_nothing(qtbot, tmp_path) -> None:
    window = make_window(qtbot, tmp_path)
    path = Path(window.project.path)
    runs_before = _db(path, "SELECT count(*) FROM scoring_runs")[0][0]
    with qtbot.waitSignal(window.tasks.cancelled, timeout=60000):
        assert window.score()
        window.act_cancel.trigger()  # before the worker's next progress report
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=5000)
    assert _db(path, "SELECT count(*) FROM scoring_runs")[0][0] == runs_before
    assert window.statusBar().currentMessage() == "Scoring cancelled: nothing was stored."
    assert window.act_score.isEnabled() and window.progress_bar.isHidden()


def test_open_errors_show_one_line_and_keep_the_project(qtbot, tmp_path, monkeypatch, captured) -> None:
    from PySide6.QtWidgets import QFileDialog

    from blueprint_desktop.store import create_project

    window = make_window(qtbot, tmp_path)
    current = window.project
    junk = tmp_path / "notes.bpproj"
    junk.write_text("not a database at all\n" * 20)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(junk), ""))
    window.act_open.trigger()
    assert captured == [
        ("Cannot open the project", f"{junk}: not a Blueprint project file (not an SQLite database)")
    ]
    assert window.project is current and window.project.conn is not None
    # A file from a newer app, and a truncated (corrupt) one: the same one-line dialog each time.
    newer = tmp_path / "newer.bpproj"
    create_project(newer, "Newer", counties=[("48201", "TX")])
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    assert not window.open_project_path(newer)
    assert "newer Blueprint Desktop" in captured[-1][1] and "\n" not in captured[-1][1]
    broken = tmp_path / "broken.bpproj"
    broken.write_bytes(demo_copy(tmp_path, "whole.bpproj").read_bytes()[: 8192 + 100])
    assert not window.open_project_path(broken)
    assert "corrupt project file" in captured[-1][1]
    assert window.project is current


def test_two_windows_both_edit_and_each_sees_the_other(qtbot, tmp_path) -> None:
    first = make_window(qtbot, tmp_path)
    second = make_window(qtbot, tmp_path, open_demo=False, settings=temp_settings(tmp_path / "b"))
    assert second.open_project_path(first.project.path)
    assert not second.project.read_only and second.banner_bar.isHidden() and second.status_ro.isHidden()
    assert second.act_score.isEnabled() and second.act_import.isEnabled()
    assert first.watch_timer.isActive() and second.watch_timer.isActive()
    assert not first.results_pane.is_stale
    # An edit in the second window shows in the first at its next look (the timer; called directly here).
    model = second.roster_pane.model
    column = KEYS.index("panel_status")
    old = model.index(0, column).data()
    new = "closed" if old != "closed" else "open"
    assert model.setData(model.index(0, column), new)
    assert not second.check_outside_changes()  # its own commit is not an outside change
    with qtbot.waitSignal(first.outside_change, timeout=5000):
        assert first.check_outside_changes()
    assert first.roster_pane.model.index(0, column).data() == new
    assert first.results_pane.is_stale
    assert not first.check_outside_changes()  # nothing new since


def test_read_only_file_opens_read_only_says_why_and_disables_edits(qtbot, tmp_path, monkeypatch) -> None:
    import os

    path = demo_copy(tmp_path, "locked.bpproj")
    # Root may write any file, so the permission check is simulated for this one file.
    monkeypatch.setattr(os, "access", lambda p, mode: mode != os.W_OK or Path(p) != path)
    window = make_window(qtbot, tmp_path, open_demo=False)
    assert window.open_project_path(path)
    assert window.project.read_only
    assert not window.banner_bar.isHidden() and "read-only" in window.banner.text()
    assert "locked.bpproj is read-only on disk" in window.banner.text()
    assert not window.status_ro.isHidden()
    assert not window.act_score.isEnabled() and not window.act_import.isEnabled()
    index = window.roster_pane.model.index(0, KEYS.index("contract_status"))
    assert not window.roster_pane.model.flags(index) & Qt.ItemFlag.ItemIsEditable
    assert not window.score()


def test_settings_round_trip_geometry_docks_and_recent(qtbot, tmp_path) -> None:
    from PySide6.QtCore import QSettings

    from blueprint_desktop.gui.main_window import MainWindow
    from blueprint_desktop.gui.settings import MAX_RECENT, add_recent_project, recent_projects

    settings = temp_settings(tmp_path)
    window = MainWindow(settings=settings, with_map=False)
    qtbot.addWidget(window)
    demo = demo_copy(tmp_path)
    assert window.open_project_path(demo)
    window.resize(1234, 777)
    window.show()
    qtbot.waitExposed(window)
    window.docks["chart"].hide()
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, window.docks["map"])
    geometry = window.saveGeometry()
    window.close()
    assert Path(settings.fileName()).parent == tmp_path  # never the user's real settings
    stored = QSettings(settings.fileName(), QSettings.Format.IniFormat)
    assert stored.value("window/geometry") == geometry

    again = MainWindow(settings=stored, with_map=False)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    # The offscreen screen is 800 x 800, so Qt fits the restored geometry to it: compare what was
    # restored (the layout) exactly, and the size only against the default a fresh window gets.
    assert (again.width(), again.height()) != (1600, 1000)
    assert again.docks["chart"].isHidden() and not again.docks["results"].isHidden()
    assert again.dockWidgetArea(again.docks["map"]) == Qt.DockWidgetArea.BottomDockWidgetArea
    assert recent_projects(again.settings)[0] == str(demo.resolve())
    # The recent list keeps the 8 newest, most recent first, no duplicates.
    for i in range(10):
        add_recent_project(again.settings, tmp_path / f"p{i}.bpproj")
    add_recent_project(again.settings, tmp_path / "p5.bpproj")
    items = recent_projects(again.settings)
    assert len(items) == MAX_RECENT and items[0].endswith("p5.bpproj") and items[1].endswith("p9.bpproj")
    again._fill_recent_menu()
    assert again.recent_menu.actions()[0].text().endswith("p5.bpproj")


def test_save_as_copies_and_continues_in_the_copy(qtbot, tmp_path, captured) -> None:
    window = make_window(qtbot, tmp_path)
    original = Path(window.project.path)
    providers = _db(original, "SELECT count(*) FROM providers")[0][0]
    dest = tmp_path / "renamed.bpproj"
    assert window.save_as(dest)
    assert Path(window.project.path) == dest and not captured
    assert window.project.conn.execute("SELECT count(*) FROM providers").fetchone()[0] == providers
    assert (
        window.project.conn.execute("SELECT action FROM audit_log ORDER BY id DESC").fetchone()[0]
        == "project.save_as"
    )
    assert _db(original, "SELECT count(*) FROM audit_log WHERE action = 'project.save_as'")[0][0] == 0


def test_new_project_dialog_creates_and_opens(qtbot, tmp_path) -> None:
    from blueprint_desktop.gui.project_dialogs import NewProjectDialog

    window = make_window(qtbot, tmp_path, open_demo=False)
    dialog = NewProjectDialog(window, tmp_path)
    qtbot.addWidget(dialog)
    dialog.name.setText("Acme MA 2028")
    dialog.states.setText("TX")
    dialog.counties.setText("48201, 48157")
    dialog.plan_year.setValue(2028)
    dialog.path.setText(str(tmp_path / "acme.txt"))
    assert dialog.create() is None and "end in .bpproj" in dialog.error.text()
    dialog.counties.setText("48201,40109")
    dialog.path.setText(str(tmp_path / "acme.bpproj"))
    assert dialog.create() is None and "40109" in dialog.error.text() and "not in TX" in dialog.error.text()
    dialog.counties.setText("48201,48157")
    path = dialog.create()
    assert path == tmp_path / "acme.bpproj" and path.exists()
    assert window.open_project_path(path)
    assert window.project.service_area() == ["48157", "48201"] and window.project.plan_year == 2028
    assert window.results_pane.model.rowCount() == 2 and window.results_pane.model.columnCount() == 0
    assert "not been scored" in window.results_pane.detail.placeholder.text()


def test_about_names_versions_vintages_and_schema(qtbot, tmp_path, captured) -> None:
    import pandas
    import PySide6
    from PySide6.QtCore import qVersion

    from blueprint_desktop.store.migrations import SCHEMA_VERSION

    window = make_window(qtbot, tmp_path)
    window.act_about.trigger()
    title, text = captured[-1]
    assert title == "About Blueprint Desktop"
    for expected in (
        qVersion(),
        PySide6.__version__,
        pandas.__version__,
        "cb_2016",
        "ACS 2018-22",
        "ma_standards_2026.csv",
        f"<td>{SCHEMA_VERSION}</td>",
        "CMS HSD Reference File 2026 (built in), applied to plan year 2027",
    ):
        assert expected in text, expected


def test_models_pass_qtmodeltester(qtbot, tmp_path, qtmodeltester) -> None:
    window = make_window(qtbot, tmp_path)
    qtmodeltester.check(window.results_pane.model)
    window.results_pane.status_filter.setCurrentIndex(1)
    qtmodeltester.check(window.results_pane.model)
    model = window.roster_pane.model
    window.roster_pane.search.setText("Harris")
    window.roster_pane.apply_filter()
    qtmodeltester.check(model)


def test_map_pane_signals_drive_results_and_whatif(qtbot, tmp_path) -> None:
    pytest.importorskip("blueprint_desktop.gui.map_pane")
    window = make_window(qtbot, tmp_path, with_map=True, register=False)
    shown: list[tuple] = []
    window.map_pane.show_line = lambda line, results=None, targets=None: shown.append(
        (line, results, targets)
    )
    window.map_pane.select_county = lambda fips: shown.append(("select", fips))
    pane = window.results_pane
    assert pane.select_cell("48201", "008")
    assert shown[0][0] == "008" and len(shown[0][1]) == 12 and shown[-1] == ("select", "48201")
    # A click on a county of the map selects its cell in the current line.
    window.map_pane.county_clicked.emit("48471")
    assert pane.current_key() == ("48471", "008")
    # "Add to targets" on the map: the candidate joins the cell's what-if, re-scored in the worker.
    candidate = window.project.conn.execute(
        "SELECT p.id FROM providers p JOIN provider_lines pl ON pl.provider_id = p.id"
        " WHERE p.source = 'market' AND pl.line_code = '008' ORDER BY p.id LIMIT 1"
    ).fetchone()[0]
    shown.clear()
    with qtbot.waitSignal(pane.whatif_changed, timeout=60000):
        window.map_pane.candidate_add_requested.emit(candidate)
    assert pane.whatif_targets[("48471", "008")] == [candidate]
    line, results, targets = shown[0]
    assert line == "008" and targets == [candidate]
    assert "*" in pane.model.index_of("48471", "008").data()
    from blueprint_desktop.gui.app import dispose

    dispose(window)


def test_notice_import_from_the_file_menu_feeds_the_timeline(qtbot, tmp_path, monkeypatch) -> None:
    from blueprint_desktop.gui.notice_dialog import NoticeDialog

    window = make_window(qtbot, tmp_path)
    assert window.act_notice.isEnabled() and window.act_notice.shortcut().toString() == "Ctrl+Shift+N"
    notice = tmp_path / "notice.csv"
    notice.write_text("state,county,specialty,notice_date\nTX,Brazoria,Allergy and Immunology,11/02/2026\n")

    def fake_exec(dialog: NoticeDialog) -> int:  # what the user does in the dialog, without blocking
        dialog.path_edit.setText(str(notice))
        assert dialog.run_import()
        return 0

    monkeypatch.setattr(NoticeDialog, "exec", fake_exec)
    before = window.timeline_pane.notice_box.count()
    window.act_notice.trigger()
    assert window.timeline_pane.notice_box.count() == before + 1


@pytest.mark.timeout(120)
def test_cms_reference_import_and_telehealth_basis_from_the_window(qtbot, tmp_path, captured) -> None:
    """File > Import CMS reference file refuses, with its reason, a file that could never apply (a CSV of
    2025 criteria for the demo's plan year 2027, when the built-in 2026 criteria are newer) and stores
    nothing; Scoring > Telehealth credit basis stores the project's basis and marks the results stale."""
    from blueprint_desktop.engine.credits import telehealth_basis

    window = make_window(qtbot, tmp_path)
    assert window.act_tele_county.isChecked() and not window.act_tele_plan.isChecked()
    old = tmp_path / "ref2025.csv"
    old.write_text(
        "ssa_code,state,county,county_designation,line_code,max_minutes,max_miles,min_count,plan_year\n"
        "45949,TX,Walker,Micro,S03,30,20,3,2025\n"
    )
    assert window.import_reference(str(old))
    qtbot.waitUntil(lambda: not window.tasks.busy and bool(captured), timeout=30_000)
    title, text = captured[-1]
    assert title == "CMS reference file" and "older than the CMS HSD Reference File 2026 (built in)" in text
    assert window.project.conn.execute("SELECT count(*) FROM reference_files").fetchone()[0] == 0

    window.act_tele_plan.trigger()
    assert telehealth_basis(window.project) == "plan"
    assert window.act_tele_plan.isChecked() and not window.act_tele_county.isChecked()
    action = window.project.conn.execute("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()[
        0
    ]
    assert action == "settings.telehealth_basis"
    # A settings change is an input change (run_freshness.INPUT_ACTIONS): the results say they are stale.
    assert not window.results_pane.stale_banner.isHidden()
    # Scoring > Population points: the beneficiary sample by default, one point per ZIP area on request.
    from blueprint_desktop.geo.points import population_model

    assert window.act_pop_sample.isChecked() and not window.act_pop_zcta.isChecked()
    window.act_pop_zcta.trigger()
    assert population_model(window.project) == "zcta-points" and window.act_pop_zcta.isChecked()


@pytest.mark.timeout(180)
def test_exports_from_the_file_menu(qtbot, tmp_path, captured) -> None:
    """File > Export writes the HSD tables, the results matrix, the servicing providers and the executive
    summary from the window, in the worker, with the same core functions as `blueprint export`."""
    window = make_window(qtbot, tmp_path)
    out = tmp_path / "hsd"
    assert window.export_hsd_dialog(str(out))
    qtbot.waitUntil(lambda: not window.tasks.busy and bool(captured), timeout=60_000)
    assert captured[-1][0] == "HSD tables" and "0 row problem(s) CMS would reject" in captured[-1][1]
    assert (out / "hsd_providers.xlsx").is_file() and (out / "hsd_facilities.csv").is_file()
    for kind, name in (("matrix", "m.xlsx"), ("providers", "p.csv"), ("summary", "s.pdf")):
        assert window.export_report_dialog(kind, str(tmp_path / name))
        qtbot.waitUntil(lambda: not window.tasks.busy, timeout=60_000)
        assert (tmp_path / name).is_file() and (tmp_path / name).stat().st_size > 0, kind
    # The demo has no notice: the package is refused with a one-line reason, nothing written.
    assert not window.export_package_dialog(str(tmp_path / "pkg.pdf"))
    assert captured[-1][0] == "Corrective action package" and not (tmp_path / "pkg.pdf").exists()


# -- the portfolio what-if (candidates assumed signed across the service area) -------------------------------
@pytest.mark.timeout(180)
def test_portfolio_whatif_marks_both_flips_and_survives_f5(qtbot, tmp_path) -> None:
    from test_portfolio_whatif import two_flippers

    window = make_window(qtbot, tmp_path)
    pane = window.results_pane
    (a, county_a, line_a), (b, county_b, line_b) = two_flippers(window.project)
    stored_a = dict(pane.model.stored_result(county_a, line_a))
    before = pane.model.counts()
    assert pane.select_cell(county_a, line_a)
    with qtbot.waitSignal(pane.whatif_changed, timeout=60000):
        assert pane.add_whatif_targets([a])
    with qtbot.waitSignal(pane.whatif_changed, timeout=60000):
        assert pane.add_whatif_targets([b], key=(county_b, line_b))
    assert pane.assumed_ids == [a, b]

    def shows_both() -> bool:
        return all(
            str(pane.model.index_of(c, ln).data()).endswith(" *")
            and pane.model.result(c, ln)["status"] in ("Pass", "At Risk")
            for c, ln in ((county_a, line_a), (county_b, line_b))
        )

    assert shows_both()
    # The stored run is unchanged; the summary counts before -> after; the detail shows both.
    assert pane.model.stored_result(county_a, line_a) == stored_a and stored_a["status"] == "Failing"
    after = pane.model.counts(whatif=True)
    assert after["Failing"] <= before["Failing"] - 2
    assert f"Failing {before['Failing']} -> {after['Failing']}" in pane.summary.text()
    text = pane.detail.detail_text()
    assert "what-if" in pane.detail.title.text() and "Failing" in text
    assert f"share: {stored_a['pct_within']:.1f}% vs" in text and "| what-if" in text
    assert not pane.detail.whatif_head.isHidden()
    # F5: a new run is stored, and the what-if is re-applied to it.
    runs_before = _db(Path(window.project.path), "SELECT count(*) FROM scoring_runs")[0][0]
    with qtbot.waitSignal(window.scoring_finished, timeout=60000):
        assert window.score()
    assert _db(Path(window.project.path), "SELECT count(*) FROM scoring_runs")[0][0] == runs_before + 1
    assert pane.assumed_ids == [a, b]
    qtbot.waitUntil(lambda: shows_both() and not window.tasks.busy, timeout=60000)
    assert "->" in pane.summary.text()
    # Cleared: every cell its stored score again.
    pane.clear_whatif()
    assert pane.assumed_ids == [] and not pane.model.whatif
    assert not str(pane.model.index_of(county_a, line_a).data()).endswith("*")
    assert "->" not in pane.summary.text()


@pytest.mark.timeout(120)
def test_recruit_table_has_address_accepting_and_miles_to_gap(qtbot, tmp_path) -> None:
    from blueprint_desktop.gui.result_detail import TARGET_COLUMNS

    window = make_window(qtbot, tmp_path)
    pane = window.results_pane
    key = next((r["county_fips"], r["line_code"]) for r in pane.model.results() if r["status"] == "Failing")
    assert pane.select_cell(*key)
    with qtbot.waitSignal(pane.targets_found, timeout=60000):
        assert pane.find_targets()
    table = pane.detail.targets
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers == TARGET_COLUMNS
    for name in ("Address", "Accepting", "Mi to gap"):
        col = headers.index(name)
        assert not table.isColumnHidden(col)
        assert all(table.item(r, col).text() for r in range(table.rowCount()))
    assert "nearest population point" in table.horizontalHeaderItem(headers.index("Mi to gap")).toolTip()
    assert {table.item(r, headers.index("Accepting")).text() for r in range(table.rowCount())} <= {
        "Yes",
        "No",
        "Unknown",
    }
    # The demo's practice locations carry phones (schema 9): the column shows one for every candidate.
    phone = headers.index("Phone")
    assert not table.isColumnHidden(phone)
    assert all(
        re.fullmatch(r"\(\d{3}\) 555-01\d\d", table.item(r, phone).text()) for r in range(table.rowCount())
    )
    assert "Phone: not stored" not in pane.detail.plan_label.text()


def test_chart_draws_before_and_after_of_a_whatif(qtbot, tmp_path) -> None:
    from test_portfolio_whatif import two_flippers

    from blueprint_desktop.gui import operations

    window = make_window(qtbot, tmp_path)
    (a, county, line), _ = two_flippers(window.project)
    dist = operations.distribution(window.project, county, line, "straight", [a])
    assert dist.has_whatif and dist.share_within(after=True) > dist.share_within()
    window.chart.show_distribution(dist, "Waller")
    assert window.chart.drawn["after_total_pct"] == pytest.approx(100.0)
    assert window.chart.drawn["after_within"] == pytest.approx(dist.share_within(after=True))
    assert "What-if (1 signed" in window.chart.caption.text()


def test_status_bar_times_are_local(monkeypatch) -> None:
    """Stored timestamps are UTC; the status bar shows the user's local time with its zone name."""
    import time

    from blueprint_desktop.gui.main_window import local_time_text

    monkeypatch.setenv("TZ", "America/Chicago")
    time.tzset()
    try:
        assert local_time_text("2026-12-01T02:33:10+00:00") == "2026-11-30 20:33 CST"
        assert local_time_text("2026-07-01T17:00:00+00:00") == "2026-07-01 12:00 CDT"
        assert local_time_text("not a time") == "not a time UTC"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_a_qhp_project_offers_no_hsd_tables(qtbot, tmp_path) -> None:
    """The HSD tables are MA's HPMS submission and deficiency notices CMS's MA process: both actions are off
    for a QHP project, and the HSD one says why."""
    from blueprint_desktop.store import create_project

    path = tmp_path / "qhp.bpproj"
    create_project(path, "QHP", lob="qhp", plan_year=2026, counties=[("48201", "TX")])
    window = make_window(qtbot, tmp_path)
    assert window.act_export_hsd.isEnabled()  # the demo is an MA project
    assert window.open_project_path(path)
    assert not window.act_export_hsd.isEnabled()
    assert "Medicare Advantage submission" in window.act_export_hsd.toolTip()
    assert window.act_export_providers.isEnabled()
    assert not window.act_notice.isEnabled()  # CMS's MA deficiency process (deficiency/notice.py)
