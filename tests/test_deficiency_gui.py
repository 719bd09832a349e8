"""The deficiency-timeline and outreach panes under pytest-qt (offscreen)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from deficiency_scenario import TARGET_NEURO_2, TARGET_VASC, build_realistic

TODAY = date(2027, 3, 10)


@pytest.fixture
def scenario(project, tmp_path):
    build_realistic(project, tmp_path, TODAY)  # notice 24 days ago: 6 days left
    return project


def test_timeline_pane_draws_plan_deadline_and_warning(qtbot, scenario, tmp_path) -> None:
    from blueprint_desktop.gui.timeline_pane import OVERDUE_COLOR, TimelinePane

    pane = TimelinePane(today=TODAY)
    qtbot.addWidget(pane)
    pane.set_project(scenario)
    assert pane.notice_box.count() == 1
    assert len(pane.bars) == 4 * 4  # four gaps x four phases
    overdue = {(b["gap_id"], b["phase"]) for b in pane.bars if b["overdue"]}
    # Gap 3 (vascular, exception) never finished identify-and-contract (due day 20 of 30); gap 4 never triaged.
    assert overdue == {(3, "identify and contract"), (4, "triage"), (4, "identify and contract")}
    assert all(b["color"] == OVERDUE_COLOR for b in pane.bars if b["overdue"])
    assert pane.window_state == "at risk" and pane.banner_level == "warning"
    assert "6 day(s) left" in pane.banner.text()
    assert pane.findings.count() == len(pane.finding_dicts) > 0
    assert {f["check"] for f in pane.finding_dicts} >= {"window", "uncredentialed-cure", "exception-attempts"}
    assert pane.progress_series["states"]["cured"][20] == 1
    pane.resize(1000, 800)
    pane.show()
    qtbot.waitExposed(pane)
    assert not pane.grab().isNull()
    # Past the due date the banner says the deadline was missed.
    late = TimelinePane(today=TODAY + timedelta(days=8))
    qtbot.addWidget(late)
    late.set_project(scenario)
    assert late.window_state == "missed" and late.banner_level == "error"
    # No project: a hint, nothing drawn.
    empty = TimelinePane()
    qtbot.addWidget(empty)
    assert empty.bars == [] and "No deficiency notice" in empty.banner.text()


def test_outreach_pane_log_corrections_and_form(qtbot, scenario) -> None:
    from blueprint_desktop.gui.outreach_pane import LOG_COLUMNS, OutreachPane

    pane = OutreachPane()
    qtbot.addWidget(pane)
    pane.set_project(scenario)
    assert pane.log.rowCount() == 9
    # Newest first: the correction (#9) sits above the entry it superseded (#8), which stays visible.
    correction_col = LOG_COLUMNS.index("Correction")
    assert pane.log.item(0, 0).text() == "9" and pane.log.item(0, correction_col).text() == "corrects #8"
    assert pane.log.item(1, 0).text() == "8" and pane.log.item(1, correction_col).text() == "superseded by #9"
    assert pane.log.item(1, 2).font().strikeOut() and not pane.log.item(0, 2).font().strikeOut()
    counts = {
        pane.attempts.item(r, 0).text(): pane.attempts.item(r, 2).text()
        for r in range(pane.attempts.rowCount())
    }
    assert counts[TARGET_VASC] == "1 / 4"  # the superseded entry does not count twice
    # Add an entry through the form.
    with qtbot.waitSignal(pane.entry_added, timeout=2000) as blocker:
        pane.npi.setEditText(TARGET_NEURO_2)
        pane.channel.setCurrentText("email")
        pane.outcome.setCurrentText("no answer")
        pane.staff.setText("M. Chen")
        pane.add_button.click()
    assert blocker.args == [10] and pane.log.rowCount() == 10
    assert "Entry #10 recorded" in pane.error.text()
    counts = {
        pane.attempts.item(r, 0).text(): pane.attempts.item(r, 2).text()
        for r in range(pane.attempts.rowCount())
    }
    assert counts[TARGET_NEURO_2] == "3 / 4"
    # A declination without its reason is refused in the form, nothing recorded.
    pane.npi.setEditText(TARGET_NEURO_2)
    pane.outcome.setCurrentText("declined")
    pane.staff.setText("M. Chen")
    pane.add_button.click()
    assert "declination reason" in pane.error.text() and pane.log.rowCount() == 10
    # "Correct selected" pre-fills a superseding entry.
    pane.log.selectRow(3)
    entry_id = pane.log.item(3, 0).text()
    pane._correct_selected()
    assert pane.supersedes.text() == entry_id
    pane.resize(900, 800)
    pane.show()
    qtbot.waitExposed(pane)
    assert not pane.grab().isNull()
