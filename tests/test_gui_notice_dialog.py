"""The notice intake dialog (pytest-qt, offscreen): a file with one unmatched line, and pasted text."""

from __future__ import annotations

from blueprint_desktop.deficiency.notice import list_notices


def test_file_import_shows_matched_and_unmatched_lines(qtbot, project, tmp_path) -> None:
    from blueprint_desktop.gui.notice_dialog import NoticeDialog

    path = tmp_path / "notice.csv"
    path.write_text(
        "state,county,specialty,notice_date\n"
        "TX,Harris,Cardiology,03/02/2027\n"
        "TX,Fort Bend,Neurosurgery,03/02/2027\n"
        "TX,Travis,Cardiology,03/02/2027\n",  # not in the service area: listed, never guessed
        encoding="utf-8",
    )
    dialog = NoticeDialog(project)
    qtbot.addWidget(dialog)
    dialog.path_edit.setText(str(path))
    with qtbot.waitSignal(dialog.notice_imported, timeout=5000) as blocker:
        assert dialog.run_import()
    [notice] = list_notices(project)
    assert blocker.args == [notice["id"]]
    assert notice["notice_date"] == "2027-03-02" and notice["due_date"] == "2027-04-01"
    assert "Imported 2 cited gap(s)" in dialog.outcome.text() and "2027-04-01" in dialog.outcome.text()
    assert dialog.unmatched.rowCount() == 1
    assert dialog.unmatched.item(0, 0).text() == "4"  # the user's spreadsheet row
    assert "not in the project's service area" in dialog.unmatched.item(0, 3).text()
    assert not dialog.import_button.isEnabled()


def test_pasted_text_with_a_chosen_date_and_window(qtbot, project) -> None:
    from blueprint_desktop.gui.notice_dialog import NoticeDialog

    dialog = NoticeDialog(project)
    qtbot.addWidget(dialog)
    dialog.tabs.setCurrentIndex(1)
    assert not dialog.run_import()  # nothing pasted yet: a plain message, nothing stored
    assert "paste the notice text first" in dialog.outcome.text() and list_notices(project) == []
    dialog.text_edit.setPlainText("Harris County, TX\n  Cardiology\n  Vascular Surgery (034)\n")
    dialog.date_known.setChecked(True)
    dialog.date_edit.setDate(dialog.date_edit.date().fromString("2027-05-31", "yyyy-MM-dd"))
    dialog.days_box.setValue(45)
    assert dialog.run_import()
    [notice] = list_notices(project)
    assert notice["notice_date"] == "2027-05-31" and notice["due_date"] == "2027-07-15"
    assert dialog.result is not None and {g["line_code"] for g in dialog.result.gaps} == {"008", "034"}


def test_read_only_project_cannot_import(qtbot, project_path) -> None:
    from blueprint_desktop.gui.notice_dialog import NoticeDialog
    from blueprint_desktop.store import open_project

    with open_project(project_path, read_only=True) as ro:
        dialog = NoticeDialog(ro)
        qtbot.addWidget(dialog)
        assert not dialog.import_button.isEnabled() and "read-only" in dialog.outcome.text()
