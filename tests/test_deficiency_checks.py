"""The checks: each fires on the data that breaks it and clears when the data is fixed."""

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


def test_declined_cure_follows_the_entries_in_force(project, tmp_path) -> None:
    gap = import_scenario_notice(project, tmp_path)[0]
    pathways.choose_pathway(project, gap, "cure", today=ON)
    assert _found(project, "declined-cure") == set()  # no outreach yet
    # Dr. Okafor (LOI) is one of the providers the cure rests on; his latest entry in force declines.
    outreach.add_entry(project, LOI_CARDIO, "phone", "interested", "R. Ortiz", at="2027-02-03T10:00")
    entry = outreach.add_entry(
        project, LOI_CARDIO, "phone", "declined", "R. Ortiz", at="2027-02-05T10:00", reason="rates too low"
    )
    findings = [f for f in run_checks(project, today=ON) if f.check == "declined-cure"]
    assert [(f.gap_id, f.npi) for f in findings] == [(gap, LOI_CARDIO)]
    assert "Dr. Ben Okafor" in findings[0].message and "declined" in findings[0].message
    # The declination was logged against the wrong provider's call: a correction supersedes it.
    outreach.add_entry(
        project,
        LOI_CARDIO,
        "phone",
        "interested",
        "R. Ortiz",
        at="2027-02-05T10:00",
        supersedes=entry["id"],
        note="was a callback, not a refusal",
    )
    assert _found(project, "declined-cure") == set()
    # Not a cure: the same declination under an exception pathway is not this check's business.
    outreach.add_entry(
        project, LOI_CARDIO, "email", "declined", "R. Ortiz", at="2027-02-07T10:00", reason="no"
    )
    assert _found(project, "declined-cure") == {(gap, LOI_CARDIO)}
    pathways.choose_pathway(project, gap, "exception", "not-contracting", today=ON)
    assert _found(project, "declined-cure") == set()


def test_exception_curable_names_the_recruit_that_flips_the_county(project, tmp_path) -> None:
    from deficiency_scenario import add_provider, npi

    gap = import_scenario_notice(project, tmp_path)[1]  # Fort Bend neurology, needs 2 neurologists
    pathways.choose_pathway(
        project, gap, "exception", "not-contracting", target_npis=[TARGET_NEURO_1, TARGET_NEURO_2], today=ON
    )
    # No contracted neurologist: one signature cannot close a count gap of two.
    assert _found(project, "exception-curable") == set()
    # A contracted neurologist in the far south-west corner reaches few people (about 10% within
    # standard); either market neurologist in Fort Bend would now make the county pass on its own.
    add_provider(
        project, npi("200000009"), "Dr. Far Away", "019", (29.36, -96.02), "48157", executed="2025-06-01"
    )
    findings = [f for f in run_checks(project, today=ON) if f.check == "exception-curable"]
    assert [(f.gap_id, f.npi) for f in findings] == [(gap, TARGET_NEURO_1)]
    assert "Dr. Carla Reyes" in findings[0].message and "Dr. Dev Patel" in findings[0].message
    assert "any one of these candidates" in findings[0].message
    # A candidate who declined is no recruit: the other is still named, alone.
    outreach.add_entry(
        project, TARGET_NEURO_1, "phone", "declined", "M. Chen", at="2027-02-04T09:00", reason="panel full"
    )
    findings = [f for f in run_checks(project, today=ON) if f.check == "exception-curable"]
    assert [(f.gap_id, f.npi) for f in findings] == [(gap, TARGET_NEURO_2)]
    assert "Dr. Carla Reyes" not in findings[0].message and "this candidate" in findings[0].message
    outreach.add_entry(
        project, TARGET_NEURO_2, "letter", "declined", "M. Chen", at="2027-02-05T09:00", reason="fees"
    )
    assert _found(project, "exception-curable") == set()


def test_no_pathway_near_due_is_the_package_check_too(project, tmp_path) -> None:
    from blueprint_desktop.reports import completeness
    from blueprint_desktop.reports.package_data import gather

    gaps = import_scenario_notice(project, tmp_path)
    pathways.choose_pathway(project, gaps[0], "cure", today=ON)
    assert _found(project, "no-pathway-near-due", date(2027, 2, 20)) == set()  # 11 days left
    near = date(2027, 2, 24)  # 7 days left (plan.WARN_DAYS)
    assert _found(project, "no-pathway-near-due", near) == {(gaps[1], None), (gaps[2], None)}
    message = next(f.message for f in run_checks(project, today=near) if f.check == "no-pathway-near-due")
    assert "no pathway chosen" in message and "7 day(s) left until the due date 2027-03-03" in message
    missed = [f for f in run_checks(project, today=date(2027, 3, 5)) if f.check == "no-pathway-near-due"]
    assert len(missed) == 2 and "due 2027-03-03 (2 day(s) ago)" in missed[0].message
    # `export check` lists the same gaps, with the same words, whatever the date.
    lacks = completeness.check(gather(project, today=near))
    assert [x.message for x in lacks if "no pathway chosen" in x.message] == [
        f.message for f in run_checks(project, today=near) if f.check == "no-pathway-near-due"
    ]
    pathways.choose_pathway(project, gaps[1], "exception", "no-supply", today=near)
    notice.mark_submitted(project, 1, "2027-03-03")
    assert _found(project, "no-pathway-near-due", date(2027, 3, 5)) == set()


def test_every_check_has_a_plain_title_in_the_cli_and_the_window_list() -> None:
    from blueprint_desktop.deficiency import checks

    for key in ("declined-cure", "exception-curable", "no-pathway-near-due"):
        assert key in checks.CHECKS and checks.CHECKS[key][0].isupper()
        assert not any(tag in checks.CHECKS[key] for tag in ("[", ".md", "seed"))


def test_window_checks_list_shows_the_new_checks_by_title(qtbot, project, tmp_path) -> None:
    from deficiency_scenario import build_realistic

    from blueprint_desktop.deficiency import checks
    from blueprint_desktop.gui.timeline_pane import TimelinePane

    today = date(2027, 3, 10)
    build_realistic(project, tmp_path, today)  # 6 days left; gap 4 (allergy) has no pathway
    pane = TimelinePane(today=today)
    qtbot.addWidget(pane)
    pane.set_project(project)
    texts = [pane.findings.item(i).text() for i in range(pane.findings.count())]
    title = checks.CHECKS["no-pathway-near-due"]
    near = [t for t in texts if t.startswith(title + ": ")]
    assert len(near) == 1 and "#4 " in near[0] and "6 day(s) left" in near[0]
