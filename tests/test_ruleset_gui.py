"""Scoring > Standards: a Medicaid or QHP project's rule set is seen, chosen, loaded and undone in the window,
through the same core calls as `blueprint ruleset` / `blueprint import ruleset`; every change marks the results
out of date."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_support import make_window

from blueprint_desktop.engine.run_freshness import results_outdated
from blueprint_desktop.gui.ruleset_dialog import RulesetDialog
from blueprint_desktop.rules.lob import active_ruleset
from blueprint_desktop.rules.lob_builtin import chosen_key
from blueprint_desktop.store import create_project, open_project

RULES = "line_code,line_name,kind,county_type,max_minutes,max_miles,required_pct\n"


def _qhp(tmp_path: Path) -> Path:
    path = tmp_path / "q.bpproj"
    create_project(path, "QHP Houston", lob="qhp", plan_year=2026, counties=[("48201", "TX")])
    return path


@pytest.mark.timeout(120)
def test_choose_load_and_undo_in_the_window(qtbot, tmp_path, monkeypatch) -> None:
    window = make_window(qtbot, tmp_path, open_demo=False)
    assert window.open_project_path(_qhp(tmp_path))
    assert window.act_ruleset.isEnabled()
    window.score()
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=60000)
    assert not results_outdated(window.project)

    good = tmp_path / "mine.csv"
    good.write_text(RULES + "S03,Primary care,provider,All,30,30,90\n")
    bad = tmp_path / "bad.csv"
    bad.write_text(RULES + "PCP,Primary care,provider,All,30,30,90\n")
    errors: list[str] = []
    monkeypatch.setattr("blueprint_desktop.gui.ruleset_dialog.show_error", lambda _p, _t, m: errors.append(m))
    monkeypatch.setattr("blueprint_desktop.gui.ruleset_dialog.ask", lambda *_a: True)

    def use_the_dialog(dialog: RulesetDialog) -> int:
        # What the user sees: the FFE table in force, automatic; the SADP set offered, only when chosen.
        assert "qhp-ffe-td-2026" in dialog.in_force.text() and dialog.selected_key() == "auto"
        labels = [b.text() for b in dialog.group.buttons()]
        assert any(t.startswith("qhp-ffe-sadp-2026") and "only when chosen" in t for t in labels)
        assert "Letter to Issuers" in dialog.notes.toPlainText()
        # A file with a line no provider can be credited to is refused with the row and column; nothing changes.
        assert not dialog.load_file(str(bad)) and "row 2, column 'line_code'" in errors[0]
        assert dialog.files.item(0).text() == "(none loaded)"
        # A good file wins over every built-in set, and removing it (the undo) puts the built-in set back.
        assert dialog.load_file(str(good)) and "mine" in dialog.in_force.text()
        assert dialog.files.count() == 1 and dialog.remove_button.isEnabled()
        assert dialog.remove_newest() and "qhp-ffe-td-2026" in dialog.in_force.text()
        # Choose the stand-alone dental plan set; OK applies it.
        for button in dialog.group.buttons():
            if button.property("key") == "qhp-ffe-sadp-2026":
                button.setChecked(True)
        dialog.accept()
        return 1

    monkeypatch.setattr(RulesetDialog, "exec", use_the_dialog)
    assert window.open_ruleset()
    assert chosen_key(window.project) == "qhp-ffe-sadp-2026"
    assert active_ruleset(window.project, "qhp").builtin_key == "qhp-ffe-sadp-2026"
    assert results_outdated(window.project) and window.results_pane.is_stale
    actions = [r[0] for r in window.project.conn.execute("SELECT action FROM audit_log ORDER BY id")]
    assert {"import.ruleset.qhp", "ruleset.remove.qhp", "ruleset.builtin.use"} <= set(actions)


@pytest.mark.timeout(120)
def test_an_ma_project_has_no_rule_set_to_choose(qtbot, tmp_path) -> None:
    window = make_window(qtbot, tmp_path)  # the demo: MA
    assert not window.act_ruleset.isEnabled() and "CMS HSD criteria" in window.act_ruleset.toolTip()
    assert window.open_ruleset() is False


def test_a_georgia_set_is_shown_greyed_in_a_california_project(qtbot, tmp_path) -> None:
    path = tmp_path / "m.bpproj"
    create_project(path, "Medi-Cal", lob="medicaid", plan_year=2026, counties=[("06037", "CA")])
    with open_project(path) as project:
        dialog = RulesetDialog(project)
        qtbot.addWidget(dialog)
        by_key = {b.property("key"): b for b in dialog.group.buttons()}
        assert by_key["medicaid-CA-2026"].isEnabled()
        assert (
            not by_key["medicaid-GA-2026"].isEnabled()
            and "cannot be used here" in by_key["medicaid-GA-2026"].text()
        )
        assert "includes counties in CA" in by_key["medicaid-GA-2026"].toolTip()
        assert "S03 also counts the providers of PPC" in dialog.notes.toPlainText()
