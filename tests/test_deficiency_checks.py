"""The six checks: each fires on the data that breaks it and clears when the data is fixed."""

from __future__ import annotations

import json
from datetime import date

from deficiency_scenario import (
    CURE_CARDIO,
    LOI_CARDIO,
    TARGET_NEURO_1,
    TARGET_NEURO_2,
    import_scenario_notice,
)

from blueprint_desktop.cli import main
from blueprint_desktop.deficiency import notice, outreach, pathways
from blueprint_desktop.deficiency.checks import run_checks

ON = date(2027, 2, 15)  # 16 days left of the window (due 2027-03-03)


def _found(project, check: str, today: date = ON) -> set[tuple[int | None, str | None]]:
    return {(f.gap_id, f.npi) for f in run_checks(project, today=today) if f.check == check}


def test_uncredentialed_and_loi_cure(project, tmp_path) -> None:
    gap = import_scenario_notice(project, tmp_path)[0]
    assert _found(project, "uncredentialed-cure") == set()  # no cure chosen yet
    pathways.choose_pathway(project, gap, "cure", today=ON)
    assert _found(project, "uncredentialed-cure") == {(gap, CURE_CARDIO), (gap, LOI_CARDIO)}
    assert _found(project, "loi-cure") == {(gap, LOI_CARDIO)}
    project.conn.execute(
        "UPDATE providers SET credentialing_status = 'provisional' WHERE npi = ?", (CURE_CARDIO,)
    )
    assert _found(project, "uncredentialed-cure") == {(gap, LOI_CARDIO)}
    project.conn.execute(
        "UPDATE providers SET contract_status = 'executed', contract_executed_date = '2027-02-14',"
        " credentialing_status = 'active' WHERE npi = ?",
        (LOI_CARDIO,),
    )
    assert _found(project, "uncredentialed-cure") == set()
    assert _found(project, "loi-cure") == set()


def test_incomplete_outreach(project, tmp_path) -> None:
    gaps = import_scenario_notice(project, tmp_path)
    log = tmp_path / "log.csv"
    log.write_text(f"at,npi,channel,outcome,staff\n2027-02-03T10:00,{TARGET_NEURO_1},phone,,J. Alvarez\n")
    outreach.import_log(project, log)
    findings = [f for f in run_checks(project, today=ON) if f.check == "incomplete-outreach"]
    # The market neurologist with outreach becomes a target of the Neurology gap, which the finding names.
    assert [(f.gap_id, f.npi) for f in findings] == [(gaps[1], TARGET_NEURO_1)]
    assert "has no outcome" in findings[0].message
    outreach.add_entry(
        project, TARGET_NEURO_1, "phone", "voicemail", "J. Alvarez", at="2027-02-03T10:00", supersedes=1
    )
    assert _found(project, "incomplete-outreach") == set()


def test_window_at_risk_missed_and_submitted(project, tmp_path) -> None:
    gaps = import_scenario_notice(project, tmp_path)
    for g in gaps:
        for phase in ("triage", "identify and contract"):
            project.conn.execute(
                "UPDATE plan_milestones SET done_date = '2027-02-10' WHERE gap_id = ? AND phase = ?",
                (g, phase),
            )
    assert _found(project, "window", date(2027, 2, 20)) == set()  # 11 days left, nothing overdue
    assert _found(project, "window", date(2027, 2, 24)) == {(g, None) for g in gaps}  # 7 days left
    assert _found(project, "window", date(2027, 3, 1)) == {
        (g, None) for g in gaps
    }  # compile documentation overdue
    missed = [f for f in run_checks(project, today=date(2027, 3, 5)) if f.check == "window"]
    assert len(missed) == 3 and "due 2027-03-03 (2 day(s) ago)" in missed[0].message
    notice.mark_submitted(project, 1, "2027-03-03")
    assert _found(project, "window", date(2027, 3, 5)) == set()


def test_exception_attempts(project, tmp_path) -> None:
    gap = import_scenario_notice(project, tmp_path)[1]
    pathways.choose_pathway(project, gap, "exception", "no-supply", today=ON)
    assert _found(project, "exception-attempts") == {(gap, None)}  # nobody targeted at all
    pathways.choose_pathway(
        project, gap, "exception", "no-supply", target_npis=[TARGET_NEURO_1, TARGET_NEURO_2], today=ON
    )
    assert _found(project, "exception-attempts") == {(gap, TARGET_NEURO_1), (gap, TARGET_NEURO_2)}
    for day in range(2, 6):
        outreach.add_entry(
            project, TARGET_NEURO_1, "phone", "no answer", "M. Chen", at=f"2027-02-0{day}T09:00"
        )
    assert _found(project, "exception-attempts") == {(gap, TARGET_NEURO_2)}
    # A provider who signed needs no more attempts.
    outreach.add_entry(project, TARGET_NEURO_2, "in person", "LOI signed", "M. Chen", at="2027-02-06T09:00")
    assert _found(project, "exception-attempts") == set()


def test_hpms_not_entered_mid_cycle(project, tmp_path) -> None:
    gap = import_scenario_notice(project, tmp_path)[0]
    # Dr. Nguyen's contract was executed 2027-02-10, after the notice of 2027-02-01; the network
    # cardiologist (2025) is not mid-cycle and is not flagged.
    assert _found(project, "hpms-not-entered") == {(gap, CURE_CARDIO)}
    project.conn.execute(
        "UPDATE providers SET hpms_entered_date = '2027-02-16' WHERE npi = ?", (CURE_CARDIO,)
    )
    assert _found(project, "hpms-not-entered") == set()


def test_cli_checks_json(project_path, tmp_path, capsys) -> None:
    from blueprint_desktop.store import open_project

    with open_project(project_path) as p:
        import_scenario_notice(p, tmp_path)
    assert main(["checks", str(project_path), "--json"]) == 0
    findings = json.loads(capsys.readouterr().out)
    assert all(set(f) >= {"check", "gap_id", "npi", "message"} for f in findings)
    assert {"check": "hpms-not-entered", "gap_id": 1, "npi": CURE_CARDIO} in [
        {k: f[k] for k in ("check", "gap_id", "npi")} for f in findings
    ]
