"""Each pathway's checklist fills itself from project data; a service area reduction closes at the trigger date."""

from __future__ import annotations

from datetime import date

import pytest
from deficiency_scenario import (
    CURE_CARDIO,
    LOI_CARDIO,
    TARGET_NEURO_1,
    TARGET_NEURO_2,
    import_scenario_notice,
)

from blueprint_desktop.deficiency import outreach, pathways
from blueprint_desktop.errors import BlueprintError

ON = date(2027, 2, 15)


def _items(result: dict) -> dict[str, dict]:
    return {i["key"]: i for i in result["items"]}


def _pass_result(project, fips: str, line: str) -> None:
    with project.transaction():
        cur = project.conn.execute(
            "INSERT INTO scoring_runs(started_at, method, lob, plan_year, inputs_fingerprint)"
            " VALUES ('2027-02-20T10:00:00+00:00', 'straight', 'ma', 2026, 'f')"
        )
        project.conn.execute(
            "INSERT INTO run_results(run_id, county_fips, line_code, status, pct_within, required_pct, credited_count,"
            " min_count) VALUES (?,?,?,?,?,?,?,?)",
            (cur.lastrowid, fips, line, "Pass", 93.4, 90.0, 6, 5),
        )


def test_cure_checklist_from_data(project, tmp_path) -> None:
    gap = import_scenario_notice(project, tmp_path)[0]  # Fort Bend x Cardiology
    result = pathways.choose_pathway(project, gap, "cure", today=ON)
    items = _items(result)
    assert result["pathway"] == "cure" and not result["complete"]
    assert items["cure_providers"]["done"] and len(items["cure_providers"]["evidence"]) == 2
    assert not items["executed_contracts"]["done"]
    assert items["executed_contracts"]["evidence"] == [f"{LOI_CARDIO} Dr. Ben Okafor: contract loi"]
    assert not items["credentialing"]["done"] and not items["hpms_roster"]["done"]
    assert not items["rescore_passes"]["done"] and items["rescore_passes"]["evidence"] == ["not scored yet"]
    assert items["officer_attestation"]["source"] == "manual" and not items["officer_attestation"]["done"]
    # The roster catches up: contracts executed, credentialing granted, HPMS updated, the cell passes.
    project.conn.execute(
        "UPDATE providers SET contract_status = 'executed', contract_executed_date = '2027-02-12',"
        " credentialing_status = 'active', hpms_entered_date = '2027-02-18' WHERE npi = ?",
        (LOI_CARDIO,),
    )
    project.conn.execute(
        "UPDATE providers SET credentialing_status = 'provisional', hpms_entered_date = '2027-02-18' WHERE npi = ?",
        (CURE_CARDIO,),
    )
    _pass_result(project, "48157", "008")
    pathways.set_item(project, gap, "officer_attestation")
    result = pathways.checklist(project, gap, today=ON)
    assert {k: i["done"] for k, i in _items(result).items()} == {
        "cure_providers": True,
        "executed_contracts": True,
        "credentialing": True,
        "hpms_roster": True,
        "rescore_passes": True,
        "officer_attestation": True,
    }
    assert result["complete"]
    assert "Pass, 93.4% within" in _items(result)["rescore_passes"]["evidence"][0]
    # Choosing the pathway finished triage.
    done = project.conn.execute(
        "SELECT done_date FROM plan_milestones WHERE gap_id = ? AND phase = 'triage'", (gap,)
    ).fetchone()
    assert done == ("2027-02-15",)


def test_exception_checklist_from_data(project, tmp_path) -> None:
    gap = import_scenario_notice(project, tmp_path)[1]  # Fort Bend x Neurology
    with pytest.raises(BlueprintError, match="--exception-type"):
        pathways.choose_pathway(project, gap, "exception", today=ON)
    result = pathways.choose_pathway(
        project, gap, "exception", "not-contracting", target_npis=[TARGET_NEURO_1, TARGET_NEURO_2], today=ON
    )
    items = _items(result)
    assert items["template_q1"]["answer"] == "No"  # no market file was imported through an import batch
    assert items["template_q2"]["answer"] == "Yes"  # two uncontracted neurologists in the county
    assert items["template_q3"]["answer"] == "No"
    assert not items["four_attempts"]["done"]
    assert items["four_attempts"]["evidence"] == [
        f"{TARGET_NEURO_1} Dr. Carla Reyes: 0 of 4",
        f"{TARGET_NEURO_2} Dr. Dev Patel: 0 of 4",
    ]
    assert not items["declinations"]["done"] and not items["narrative"]["done"]
    assert "rationale_valid" in items and "pattern_of_care_data" not in items
    # Four documented attempts each; one declines with a reason, the other never answers.
    for n, last in ((TARGET_NEURO_1, "declined"), (TARGET_NEURO_2, "no answer")):
        for day, ch in enumerate(("phone", "email", "letter", "fax"), start=2):
            out = last if ch == "fax" else "voicemail"
            outreach.add_entry(
                project,
                n,
                ch,
                out,
                "J. Alvarez",
                at=f"2027-02-0{day}T10:00",
                reason="panel closed" if out == "declined" else None,
            )
    pathways.set_narrative(project, gap, "Both neurologists in Fort Bend were approached four times ...")
    items = _items(pathways.checklist(project, gap, today=ON))
    assert items["four_attempts"]["done"] and items["declinations"]["done"] and items["narrative"]["done"]
    assert items["declinations"]["evidence"] == [f"{TARGET_NEURO_1} Dr. Carla Reyes: declined"]
    assert not items["supporting_data"]["done"]
    _pass_result(project, "48157", "019")
    assert _items(pathways.checklist(project, gap, today=ON))["supporting_data"]["done"]
    with pytest.raises(BlueprintError, match="not a manual item of the exception checklist"):
        pathways.set_item(project, gap, "officer_attestation")


def test_exception_types_each_have_their_criteria(project, tmp_path) -> None:
    gap = import_scenario_notice(project, tmp_path)[2]
    keys = {}
    for etype in pathways.EXCEPTION_TYPES:
        keys[etype] = set(_items(pathways.choose_pathway(project, gap, "exception", etype, today=ON)))
    common = {
        "criterion_supply",
        "criterion_pattern",
        "template_q1",
        "template_q4",
        "sources",
        "four_attempts",
    }
    assert all(common <= k for k in keys.values())
    assert "supply_file_validated" in keys["no-supply"]
    assert "pattern_of_care_data" in keys["pattern-of-care"]
    assert "rationale_valid" in keys["not-contracting"]


def test_sar_refused_after_the_freeze_trigger_date(project, tmp_path) -> None:
    gap = import_scenario_notice(project, tmp_path)[2]  # due 2027-03-03
    with pytest.raises(BlueprintError, match="trigger date 2027-03-03"):
        pathways.choose_pathway(project, gap, "sar", today=date(2027, 3, 4))
    result = pathways.choose_pathway(project, gap, "sar", today=date(2027, 3, 3))  # the due day itself
    items = _items(result)
    assert items["freeze_trigger"]["done"] and items["freeze_trigger"]["evidence"] == ["0 day(s) left"]
    assert [k for k, i in items.items() if i["source"] == "manual"] == [
        "cms_prior_approval",
        "member_notice",
        "state_coordination",
        "pbp_update",
    ]
    for key in ("cms_prior_approval", "member_notice", "state_coordination", "pbp_update"):
        pathways.set_item(project, gap, key, value="2027-03-01" if key == "member_notice" else None)
    assert pathways.checklist(project, gap, today=date(2027, 3, 3))["complete"]
    assert not pathways.checklist(project, gap, today=date(2027, 3, 4))["complete"]
    assert _items(pathways.checklist(project, gap, today=ON))["member_notice"]["answer"] == "2027-03-01"
