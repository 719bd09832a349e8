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


def _scored(project, fips: str, line: str, status: str, pct: float) -> None:
    with project.transaction():
        cur = project.conn.execute(
            "INSERT INTO scoring_runs(started_at, method, lob, plan_year, inputs_fingerprint)"
            " VALUES ('2027-02-20T10:00:00+00:00', 'straight', 'ma', 2026, 'f')"
        )
        project.conn.execute(
            "INSERT INTO run_results(run_id, county_fips, line_code, status, pct_within, required_pct)"
            " VALUES (?,?,?,?,?,?)",
            (cur.lastrowid, fips, line, status, pct, 90.0),
        )


def test_preview_shows_our_status_beside_each_cited_cell(qtbot, project, tmp_path) -> None:
    from blueprint_desktop.gui.notice_dialog import PREVIEW_COLUMNS, NoticeDialog

    _scored(project, "48201", "008", "Failing", 61.123)  # Harris x Cardiology
    _scored(project, "48157", "020", "Pass", 98.0)  # Fort Bend x Neurosurgery
    path = tmp_path / "notice.csv"
    path.write_text(
        "state,county,specialty,notice_date\n"
        "TX,Harris,Cardiology,03/02/2027\n"
        "TX,Fort Bend,Neurosurgery,03/02/2027\n"
        "TX,Harris,Neurosurgery,03/02/2027\n",  # never scored
        encoding="utf-8",
    )
    dialog = NoticeDialog(project)
    qtbot.addWidget(dialog)
    assert dialog.preview.isHidden()
    dialog.path_edit.setText(str(path))
    assert dialog.run_import()
    assert not dialog.preview.isHidden() and dialog.preview.rowCount() == 3
    col = PREVIEW_COLUMNS.index("Our status")
    ours = {
        dialog.preview.item(r, 0).text(): dialog.preview.item(r, col).text()
        for r in range(dialog.preview.rowCount())
    }
    assert sorted(ours.values()) == ["Failing 61.1%", "Pass 98.0%", "not scored"]
    assert next(v for k, v in ours.items() if "Harris" in k and "008" in k) == "Failing 61.1%"
    assert next(v for k, v in ours.items() if "Fort Bend" in k) == "Pass 98.0%"
    assert dialog.preview.item(0, PREVIEW_COLUMNS.index("Due")).text() == "2027-04-01"
