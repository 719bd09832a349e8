"""The deficiency response end to end in the window: the gap pane, plan phases, outreach on a gap and
the narrative, each driven through the window (pytest-qt, offscreen), and the core data checked after.
Also the core functions the pane and the command line share (undesignate, mark_done, add_entry(gap))."""

from __future__ import annotations

from datetime import date

import pytest
from deficiency_scenario import TARGET_VASC, build_realistic, npi
from gui_support import make_window
from PySide6.QtCore import QPointF, Qt

from blueprint_desktop.cli import main
from blueprint_desktop.deficiency import gaps as gapmod
from blueprint_desktop.deficiency import outreach, plan
from blueprint_desktop.errors import BlueprintError

TODAY = date(2027, 3, 10)
HADDAD = npi("300000002")  # market vascular surgeon in Harris, no outreach yet
LIU = npi("200000003")  # neurologist whose outreach reached "LOI signed": an automatic cure
GAP_CARDIO, GAP_NEURO, GAP_VASC, GAP_ALLERGY = 1, 2, 3, 4


@pytest.fixture
def scenario(project, tmp_path):
    build_realistic(project, tmp_path, TODAY)  # notice 24 days ago: 6 days left
    return project


@pytest.fixture
def window(qtbot, scenario, project_path, tmp_path):
    win = make_window(qtbot, tmp_path, open_demo=False)
    win.gap_pane._today = TODAY
    win.timeline_pane._today = TODAY
    assert win.open_project_path(project_path)
    win.resize(1400, 900)
    return win


def _select(window, gap_id: int) -> None:
    window.gap_pane.select_gap(gap_id)
    assert window.gap_pane.gap_id() == gap_id


def test_gap_list_shows_our_status_and_pathway(window) -> None:
    pane = window.gap_pane
    assert pane.gap_table.rowCount() == 4
    texts = [pane.gap_table.item(r, 1).text() for r in range(4)]
    assert texts == ["Cure", "Exception request", "Exception request", "not chosen"]
    assert all(pane.gap_table.item(r, 2).text() == "not scored" for r in range(4))
    _select(window, GAP_NEURO)
    keys = [pane.checklist.item(i).data(Qt.UserRole) for i in range(pane.checklist.count())]
    assert "four_attempts" in keys and "rationale_valid" in keys
    manual = next(
        pane.checklist.item(i)
        for i in range(pane.checklist.count())
        if pane.checklist.item(i).data(Qt.UserRole) == "sources"
    )
    assert manual.flags() & Qt.ItemIsUserCheckable
    # Ticking a manual item confirms it (pathways.set_item).
    manual.setCheckState(Qt.Checked)
    item = next(i for i in gapmod_checklist(window, GAP_NEURO) if i["key"] == "sources")
    assert item["done"]


def gapmod_checklist(window, gap_id):
    from blueprint_desktop.deficiency import pathways

    return pathways.checklist(window.project, gap_id, today=TODAY)["items"]


def test_choose_and_change_pathway(window, scenario) -> None:
    pane = window.gap_pane
    _select(window, GAP_ALLERGY)
    assert "No pathway chosen" in pane.pathway_label.text()
    pane.pathway_box.setCurrentIndex(pane.pathway_box.findData("cure"))
    assert not pane.exception_box.isEnabled()
    pane.apply_pathway.click()
    assert gapmod.get_gap(scenario, GAP_ALLERGY)["pathway"] == "cure"
    assert pane.gap_table.item(3, 1).text() == "Cure" and pane.gap_id() == GAP_ALLERGY
    # Choosing a pathway finished triage: the timeline, re-read, no longer shows it overdue.
    assert not next(b for b in window.timeline_pane.bars if b["gap_id"] == GAP_ALLERGY)["overdue"]
    # Change it to an exception request (the type is required and taken from the form).
    pane.pathway_box.setCurrentIndex(pane.pathway_box.findData("exception"))
    assert pane.exception_box.isEnabled()
    pane.exception_box.setCurrentIndex(pane.exception_box.findData("no-supply"))
    pane.apply_pathway.click()
    gap = gapmod.get_gap(scenario, GAP_ALLERGY)
    assert (gap["pathway"], gap["exception_type"]) == ("exception", "no-supply")
    assert "Exception request (no-supply)" in pane.pathway_label.text()


def test_add_cure_provider_by_name_and_remove(window, scenario) -> None:
    pane = window.gap_pane
    _select(window, GAP_VASC)
    pane.tabs.setCurrentIndex(1)
    pane.search.setText("haddad")
    assert pane.choices.count() == 1 and "Dr. Farid Haddad" in pane.choices.item(0).text()
    pane.choices.setCurrentRow(0)
    pane.role_box.setCurrentIndex(pane.role_box.findData("cure"))
    pane.add_provider_button.click()
    cure = gapmod.gap_providers(scenario, GAP_VASC, "cure")
    assert [(p["npi"], p["manual"]) for p in cure] == [(HADDAD, True)]
    row = next(
        r for r in range(pane.provider_table.rowCount()) if pane.provider_table.item(r, 0).text() == HADDAD
    )
    assert (
        pane.provider_table.item(row, 2).text() == "cure" and pane.provider_table.item(row, 3).text() == "you"
    )
    # Withdraw it again.
    pane.provider_table.selectRow(row)
    pane.remove_button.click()
    assert gapmod.gap_providers(scenario, GAP_VASC, "cure") == []
    # An automatic provider cannot be withdrawn: the pane says why, nothing changes.
    _select(window, GAP_NEURO)
    row = next(
        r for r in range(pane.provider_table.rowCount()) if pane.provider_table.item(r, 0).text() == LIU
    )
    pane.provider_table.selectRow(row)
    pane.remove_button.click()
    assert "found automatically" in pane.message.text()
    assert LIU in [p["npi"] for p in gapmod.gap_providers(scenario, GAP_NEURO, "cure")]


def test_mark_two_phases_done_in_one_action_from_timeline_clicks(window, scenario, qtbot) -> None:
    window.show()
    qtbot.waitExposed(window)
    window.docks["timeline"].raise_()
    timeline = window.timeline_pane
    overdue = [(b["gap_id"], b["phase"]) for b in timeline.bars if b["overdue"]]
    assert (GAP_VASC, "identify and contract") in overdue and (GAP_ALLERGY, "triage") in overdue
    # A real click on the first bar (through pyqtgraph's scene), then a Ctrl-click (the signal) on the second.
    bar = next(b for b in timeline.bars if (b["gap_id"], b["phase"]) == (GAP_ALLERGY, "triage"))
    assert timeline.bar_at((bar["x0"] + bar["x1"]) / 2, bar["y"]) is bar
    clicked: list[tuple] = []
    timeline.phase_clicked.connect(lambda *a: clicked.append(a))
    qtbot.wait(50)
    view = timeline.gantt.getPlotItem().vb
    scene_pt = view.mapViewToScene(QPointF((bar["x0"] + bar["x1"]) / 2, bar["y"]))
    pos = timeline.gantt.mapFromScene(scene_pt)
    qtbot.mouseClick(timeline.gantt.viewport(), Qt.LeftButton, pos=pos)
    assert clicked == [(GAP_ALLERGY, "triage", False)]
    timeline.phase_clicked.emit(GAP_VASC, "identify and contract", True)
    pane = window.gap_pane
    assert set(pane.selected_phases()) == {(GAP_ALLERGY, "triage"), (GAP_VASC, "identify and contract")}
    assert pane.tabs.currentIndex() == pane.tabs.count() - 1
    pane.owner.setText("K. Lee")
    pane.done_date.setDate(pane.done_date.date().fromString("2027-03-09", "yyyy-MM-dd"))
    audits_before = scenario.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    pane.mark_done_button.click()
    done = {
        (m["gap_id"], m["phase"]): (m["done_date"], m["owner"])
        for m in plan.milestones(scenario, today=TODAY)
    }
    assert done[(GAP_ALLERGY, "triage")] == ("2027-03-09", "K. Lee")
    assert done[(GAP_VASC, "identify and contract")] == ("2027-03-09", "K. Lee")
    assert done[(GAP_VASC, "submit")] == (None, "Compliance officer")  # untouched
    assert scenario.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == audits_before + 2
    assert "2 phase(s) marked done" in pane.message.text()
    # The timeline was re-read: neither bar is overdue any longer.
    still = {(b["gap_id"], b["phase"]) for b in window.timeline_pane.bars if b["overdue"]}
    assert still == {(GAP_ALLERGY, "identify and contract")}
    # Nothing selected: refused with a message, nothing written.
    pane.phase_table.clearSelection()
    pane.mark_done_button.click()
    assert "no plan phase selected" in pane.message.text()


def test_outreach_entry_on_a_gap(window, scenario) -> None:
    pane = window.outreach_pane
    _select(window, GAP_VASC)  # the gap pane's selection pre-selects the gap in the outreach form
    assert pane.gap.currentData() == GAP_VASC
    choices = [pane.npi.itemData(i) for i in range(pane.npi.count())]
    assert choices == [TARGET_VASC]
    before = len(outreach.list_entries(scenario))
    pane.npi.setEditText(HADDAD)
    pane.channel.setCurrentText("phone")
    pane.outcome.setCurrentText("no answer")
    pane.staff.setText("S. Patel")
    pane.add_button.click()
    assert "recorded" in pane.error.text()
    entries = outreach.list_entries(scenario)
    assert len(entries) == before + 1 and entries[-1]["npi"] == HADDAD
    # He is now a target of the gap (found automatically: a market vascular surgeon in the county,
    # in the log), and the gap pane, re-read, lists him.
    assert HADDAD in [p["npi"] for p in gapmod.gap_providers(scenario, GAP_VASC, "target")]
    gp = window.gap_pane
    assert HADDAD in [gp.provider_table.item(r, 0).text() for r in range(gp.provider_table.rowCount())]


def test_edit_and_save_the_narrative(window, scenario) -> None:
    from blueprint_desktop.reports import narrative

    pane = window.gap_pane
    _select(window, GAP_CARDIO)
    assert not pane.save_narrative_button.isEnabled()  # a cure: no narrative
    _select(window, GAP_VASC)
    pane.tabs.setCurrentIndex(2)
    assert pane.save_narrative_button.isEnabled()
    draft = pane.narrative_edit.toPlainText()
    assert draft.startswith("Justification:") and "not saved yet" in pane.narrative_label.text()
    pane.narrative_edit.setPlainText(draft + "\n\nEdited in the window: transport is offered.")
    pane.save_narrative_button.click()
    history = narrative.history(scenario, GAP_VASC)
    assert len(history) == 1 and history[0]["edited"]
    assert history[0]["text"].endswith("transport is offered.")
    assert gapmod.get_gap(scenario, GAP_VASC)["narrative"].endswith("transport is offered.")
    assert pane.narrative_label.text().startswith("Version 1 saved")
    # A second save appends a version; the first stays.
    pane.narrative_edit.setPlainText("A shorter narrative.")
    pane.save_narrative_button.click()
    history = narrative.history(scenario, GAP_VASC)
    assert [h["text"][:20] for h in history] == [draft[:20], "A shorter narrative."]
    assert narrative.current(scenario, GAP_VASC).text == "A shorter narrative."
    # The draft button puts the generated text back in the editor without saving.
    pane.draft_button.click()
    assert pane.narrative_edit.toPlainText() == narrative.current(scenario, GAP_VASC).generated_text
    assert len(narrative.history(scenario, GAP_VASC)) == 2


def test_read_only_and_busy_turn_the_pane_off(window) -> None:
    pane = window.gap_pane
    _select(window, GAP_VASC)
    assert pane.apply_pathway.isEnabled()
    pane.set_editable(False)
    assert not pane.apply_pathway.isEnabled() and not pane.mark_done_button.isEnabled()
    assert pane.narrative_edit.isReadOnly()


def test_rescore_runs_in_the_worker(window, scenario, qtbot) -> None:
    pane = window.gap_pane
    with qtbot.waitSignal(window.tasks.finished, timeout=60000):
        assert pane.rescore()
    assert "Re-scored" in pane.message.text(), pane.message.text()
    assert pane.gap_table.item(0, 2).text() != "not scored"


# -- the core functions the pane and the CLI share --------------------------------------------------
def test_core_undesignate_mark_done_and_outreach_gap(scenario) -> None:
    gapmod.designate(scenario, GAP_VASC, HADDAD, "cure")
    gapmod.undesignate(scenario, GAP_VASC, HADDAD)
    assert HADDAD not in [p["npi"] for p in gapmod.gap_providers(scenario, GAP_VASC)]
    with pytest.raises(BlueprintError, match="not a provider"):
        gapmod.undesignate(scenario, GAP_VASC, HADDAD)
    choices = gapmod.provider_choices(scenario, GAP_VASC, "")
    assert {c["npi"] for c in choices} == {TARGET_VASC, HADDAD}
    assert next(c for c in choices if c["npi"] == TARGET_VASC)["role"] == "target"
    with pytest.raises(BlueprintError, match="no plan phase selected"):
        plan.mark_done(scenario, [])
    with pytest.raises(BlueprintError, match="phase"):
        plan.mark_done(scenario, [(GAP_VASC, "submit"), (GAP_VASC, "nonsense")], done="2027-03-09")
    assert plan.milestones(scenario, gap_id=GAP_VASC)[-1]["done_date"] is None  # all or nothing
    # An attempt on a provider across the county line, for the Harris allergy gap: designated a target.
    outreach.add_entry(scenario, TARGET_VASC, "email", "no answer", "S. Patel", gap_id=GAP_ALLERGY)
    rows = gapmod.gap_providers(scenario, GAP_ALLERGY)
    assert [(r["npi"], r["role"], r["manual"]) for r in rows] == [(TARGET_VASC, "target", True)]
    with pytest.raises(BlueprintError, match="no cited gap"):
        outreach.add_entry(scenario, TARGET_VASC, "email", "no answer", "S. Patel", gap_id=99)


def test_cli_remove_npi_bulk_done_and_outreach_gap(scenario, project_path, capsys) -> None:
    path = str(project_path)
    assert main(["pathway", path, str(GAP_VASC), "--cure-npi", HADDAD]) == 0
    assert main(["pathway", path, str(GAP_VASC), "--remove-npi", HADDAD]) == 0
    assert HADDAD not in [p["npi"] for p in gapmod.gap_providers(scenario, GAP_VASC)]
    args = ["plan", path, "--gap", str(GAP_VASC), "--phase", "compile documentation", "--phase", "submit"]
    assert main([*args, "--done", "2027-03-09", "--owner", "K. Lee"]) == 0
    done = {m["phase"]: (m["done_date"], m["owner"]) for m in plan.milestones(scenario, gap_id=GAP_VASC)}
    assert done["compile documentation"] == done["submit"] == ("2027-03-09", "K. Lee")
    capsys.readouterr()
    args = ["outreach", "add", path, "--npi", TARGET_VASC, "--channel", "fax", "--outcome", "no answer"]
    assert main([*args, "--staff", "S. Patel", "--gap", str(GAP_ALLERGY)]) == 0
    assert [r["npi"] for r in gapmod.gap_providers(scenario, GAP_ALLERGY)] == [TARGET_VASC]


def test_package_exported_from_the_file_menu_as_a_draft(window, qtbot, tmp_path, monkeypatch) -> None:
    """File > Export > Corrective action package: the window lists what the package still lacks, asks,
    and writes a DRAFT in the worker (the core's export_package, as `blueprint export package --draft`)."""
    from pypdf import PdfReader

    from blueprint_desktop.gui import messages

    asked = []
    monkeypatch.setattr(messages, "ask", lambda parent, title, question: asked.append(question) or True)
    out = tmp_path / "package.pdf"
    assert window.export_package_dialog(str(out))
    qtbot.waitUntil(lambda: not window.tasks.busy and out.exists(), timeout=60_000)
    assert asked and "still lacks" in asked[0]
    text = " ".join(page.extract_text() for page in PdfReader(str(out)).pages)
    assert "DRAFT" in text and "Corrective action" in text


def test_notice_window_and_mark_submitted_from_the_gap_pane(window, scenario) -> None:
    from blueprint_desktop.deficiency.notice import get_notice

    pane = window.gap_pane
    _select(window, GAP_VASC)
    notice_id = pane.gap["notice_id"]
    before = get_notice(scenario, notice_id)
    assert f"due {before['due_date']}" in pane.notice_label.text()
    assert pane.window_days.value() == before["window_days"] and pane.set_window_button.isEnabled()
    # Change the window: the same core call as `blueprint notice window --days 45 --unit calendar`.
    pane.window_days.setValue(45)
    pane.window_unit.setCurrentIndex(pane.window_unit.findData("calendar"))
    pane.set_window_button.click()
    after = get_notice(scenario, notice_id)
    expected = plan.due_date(before["notice_date"], 45, "calendar").isoformat()
    assert (after["window_days"], after["window_unit"], after["due_date"]) == (45, "calendar", expected)
    assert f"due {expected}" in pane.notice_label.text() and "45 calendar days" in pane.message.text()
    assert pane.gap_id() == GAP_VASC and pane.gap_table.item(GAP_VASC - 1, 3).text() == expected
    # The timeline (refreshed through the pane's changed signal) shows the new due date.
    assert expected in window.timeline_pane.notice_box.currentText()
    # Business days, then mark submitted on a chosen date (`blueprint notice submitted --date`).
    pane.window_unit.setCurrentIndex(pane.window_unit.findData("business"))
    pane.set_window_button.click()
    assert get_notice(scenario, notice_id)["window_unit"] == "business"
    pane.submitted_date.setDate(pane.submitted_date.date().fromString("2027-03-09", "yyyy-MM-dd"))
    pane.submit_button.click()
    notice = get_notice(scenario, notice_id)
    assert notice["submitted_date"] == "2027-03-09"
    assert "submitted 2027-03-09" in pane.notice_label.text()
    assert window.timeline_pane.banner.text().startswith("Submitted 2027-03-09")
    # A bad window is refused with its one-line message; nothing changes.
    assert pane.set_window(days=0) is None
    assert pane.message.text() and get_notice(scenario, notice_id)["window_days"] == 45


def test_notice_buttons_off_while_the_worker_writes(window) -> None:
    window.gap_pane.set_editable(False)
    assert not window.gap_pane.set_window_button.isEnabled()
    assert not window.gap_pane.submit_button.isEnabled()


def test_import_outreach_log_from_the_pane(window, scenario, tmp_path) -> None:
    pane = window.outreach_pane
    assert pane.import_button.isEnabled()
    before = len(outreach.list_entries(scenario))
    log = tmp_path / "outreach-log.csv"
    log.write_text(
        "at,npi,channel,outcome,staff,reason,note\n"
        f"2027-03-01T09:00:00,{HADDAD},phone,no answer,S. Patel,,\n"
        f"2027-03-03T10:30:00,{HADDAD},email,no answer,S. Patel,,left a message\n",
        encoding="utf-8",
    )
    result = pane.import_log(str(log))  # the same core call as `blueprint outreach import`
    assert result is not None and result["rows"] == 2
    entries = outreach.list_entries(scenario)
    assert len(entries) == before + 2 and [e["npi"] for e in entries[-2:]] == [HADDAD, HADDAD]
    assert "Imported 2 outreach entries" in pane.import_message.text()
    assert pane.log.rowCount() == len(entries) and pane.log.item(0, 2).text() == HADDAD
    # The same file again is refused in one line; nothing is imported.
    assert pane.import_log(str(log)) is None
    assert pane.import_message.text().startswith("Not imported:") and "already imported" in (
        pane.import_message.text()
    )
    assert "\n" not in pane.import_message.text()
    bad = tmp_path / "bad-log.csv"
    bad.write_text(f"at,npi,channel,outcome,staff\n2027-03-04,{HADDAD},pigeon,no answer,S. Patel\n")
    assert pane.import_log(str(bad)) is None
    assert "row 2" in pane.import_message.text()
    assert len(outreach.list_entries(scenario)) == before + 2
