"""Scoring > Essential community providers: a QHP project's ECP list is loaded, measured and set aside in the
window, through the same core calls as `blueprint import ecp` / `blueprint ecp`."""

from __future__ import annotations

import pytest
from ecp_files import BAYOU, COUNTIES, ROWS, write_list, write_roster
from gui_support import make_window
from roster_files import dump

from blueprint_desktop.data.roster_import import import_roster
from blueprint_desktop.gui.ecp_dialog import EcpDialog
from blueprint_desktop.store import create_project, open_project


@pytest.mark.timeout(120)
def test_load_see_and_set_aside_in_the_window(qtbot, tmp_path, monkeypatch) -> None:
    path = tmp_path / "q.bpproj"
    create_project(path, "QHP Houston", lob="qhp", plan_year=2026, counties=COUNTIES)
    with open_project(path) as project:
        import_roster(project, write_roster(tmp_path / "roster.csv"))
    window = make_window(qtbot, tmp_path, open_demo=False)
    assert window.open_project_path(path)
    assert window.act_ecp.isEnabled()

    bad_rows = [list(r) for r in ROWS]
    bad_rows[2][2] = "Pharmacy"
    bad = write_list(tmp_path / "bad.csv", bad_rows)
    good = write_list(tmp_path / "ecp.csv")
    errors: list[tuple[str, str]] = []
    monkeypatch.setattr(
        "blueprint_desktop.gui.ecp_dialog.show_error", lambda _p, _t, m, d="": errors.append((m, d))
    )
    monkeypatch.setattr("blueprint_desktop.gui.ecp_dialog.ask", lambda *_a: True)

    def use_the_dialog(dialog: EcpDialog) -> int:
        assert "No ECP list is loaded" in dialog.summary.text() and not dialog.remove_button.isEnabled()
        before = dump(window.project)
        # A refused file names the row and column, and changes nothing.
        assert not dialog.load_file(str(bad))
        assert "row 4, column 'ECP Category'" in errors[0][0] and dump(window.project) == before
        assert dialog.load_file(str(good))
        assert "not met" in dialog.summary.text() and "10 ECP locations" in dialog.summary.text()
        assert dialog.thresholds.rowCount() == 3
        assert [dialog.thresholds.item(0, j).text() for j in range(7)] == [
            "All ECP categories", "2", "10", "20.0%", "4", "2", "2 more needed"
        ]  # fmt: skip
        assert dialog.cells.rowCount() == 8 and dialog.recruits.rowCount() == 2
        assert dialog.recruits.item(0, 1).text() == "Bayou Community Health"
        assert BAYOU in dialog.recruits.item(0, 6).text()
        assert "Family Planning Providers 35%" in dialog.recruits.item(0, 3).text()
        assert "156.235(a)(2)(i)" in dialog.notes.toPlainText()
        # Record an offer to a location with none (Montrose HIV Clinic), then retract it (asks first): the
        # county's Ryan White cell turns "offer recorded" and back; the record keeps both entries.
        row = next(i for i, site in enumerate(dialog.report.sites) if site.name == "Montrose HIV Clinic")
        dialog.locations.selectRow(row)
        assert dialog.offer_button.isEnabled() and not dialog.retract_button.isEnabled()
        assert dialog.record_offer(note="call with the director", ask_note=False)
        statuses = {(c.county_fips, c.category): c.status for c in dialog.report.cells}
        assert statuses[("48201", "ryan_white")] == "offer recorded"
        assert dialog.locations.item(row, 5).text().startswith("20") and dialog.retract_button.isEnabled()
        assert dialog.retract_offer()
        statuses = {(c.county_fips, c.category): c.status for c in dialog.report.cells}
        assert statuses[("48201", "ryan_white")] == "no offer recorded"
        assert window.project.conn.execute("SELECT count(*) FROM ecp_offers").fetchone()[0] == 2
        # The same as a workbook (Export to Excel…).
        written = dialog.export(str(tmp_path / "ecp.xlsx"))
        assert written and (tmp_path / "ecp.xlsx").stat().st_size > 0
        # Set aside (asks first): nothing is in force, and the rows are kept.
        assert dialog.remove_newest() and "No ECP list is loaded" in dialog.summary.text()
        assert window.project.conn.execute("SELECT count(*) FROM ecp_sites").fetchone()[0] == len(ROWS)
        return 0

    monkeypatch.setattr(EcpDialog, "exec", use_the_dialog)
    assert window.open_ecp()
    actions = {r[0] for r in window.project.conn.execute("SELECT action FROM audit_log")}
    assert {"import.ecp_list", "ecp_list.remove", "ecp_offer.record", "ecp_offer.retract"} <= actions


@pytest.mark.timeout(120)
def test_an_ma_project_has_no_ecp_standard(qtbot, tmp_path) -> None:
    window = make_window(qtbot, tmp_path)  # the demo: MA
    assert not window.act_ecp.isEnabled() and "QHP standard (45 CFR 156.235)" in window.act_ecp.toolTip()
    assert window.open_ecp() is False
