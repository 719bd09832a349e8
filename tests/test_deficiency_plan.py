"""The response window and the four-phase plan: date arithmetic and stored milestones."""

from __future__ import annotations

from datetime import date

import pytest

from blueprint_desktop.deficiency import plan
from blueprint_desktop.errors import BlueprintError


@pytest.mark.parametrize(
    ("notice", "days", "expected"),
    [
        ("2027-02-01", 30, "2027-03-03"),  # February 2027 has 28 days
        ("2027-01-31", 30, "2027-03-02"),  # a month end into a short February
        ("2028-01-31", 30, "2028-03-01"),  # 2028 is a leap year: Feb 29 exists
        ("2028-02-29", 30, "2028-03-30"),  # from the leap day itself
        ("2026-12-15", 30, "2027-01-14"),  # across the year end
        ("2100-02-01", 30, "2100-03-03"),  # 2100 is not a leap year (century rule)
        ("2027-03-31", 10, "2027-04-10"),  # an application NOID: 10 days
    ],
)
def test_due_date_calendar_days(notice: str, days: int, expected: str) -> None:
    assert plan.due_date(notice, days).isoformat() == expected


def test_due_date_business_days_skip_weekends() -> None:
    # Friday 2027-01-01 + 10 business days: Jan 4-8 (5) and Jan 11-15 (5) -> Friday Jan 15.
    assert plan.due_date("2027-01-01", 10, "business") == date(2027, 1, 15)
    # Saturday + 1 business day = Monday.
    assert plan.due_date("2027-01-02", 1, "business") == date(2027, 1, 4)


def test_due_date_refuses_nonsense() -> None:
    with pytest.raises(BlueprintError, match="positive"):
        plan.due_date("2027-01-01", 0)
    with pytest.raises(BlueprintError, match="not a date"):
        plan.due_date("31/01/2027", 30)


def test_default_phases_for_30_and_10_days() -> None:
    phases = plan.default_phases("2027-02-01", "2027-03-03")
    got = [(p.phase, p.start.isoformat(), p.due.isoformat(), p.owner) for p in phases]
    # 30 days: 0-3, 3-20, 15-27, 27-30 (fractions 0.1, 2/3, 0.5, 0.9 rounded half up).
    assert got == [
        ("triage", "2027-02-01", "2027-02-04", "Network manager"),
        ("identify and contract", "2027-02-04", "2027-02-21", "Provider contracting"),
        ("compile documentation", "2027-02-16", "2027-02-28", "Compliance"),
        ("submit", "2027-02-28", "2027-03-03", "Compliance officer"),
    ]
    ten = plan.default_phases("2028-02-25", plan.due_date("2028-02-25", 10))
    # 10 days from 2028-02-25 (leap year): due 2028-03-06; offsets 0-1, 1-7, 5-9, 9-10.
    assert [(p.start.isoformat(), p.due.isoformat()) for p in ten] == [
        ("2028-02-25", "2028-02-26"),
        ("2028-02-26", "2028-03-03"),
        ("2028-03-01", "2028-03-05"),
        ("2028-03-05", "2028-03-06"),
    ]


def test_window_state() -> None:
    due = "2027-03-03"
    assert plan.window_state(due, date(2027, 2, 1)) == "on track"
    assert plan.window_state(due, date(2027, 2, 24)) == "at risk"  # 7 days left
    assert plan.window_state(due, date(2027, 2, 23)) == "on track"  # 8 days left
    assert plan.window_state(due, date(2027, 3, 3)) == "at risk"  # the due day itself
    assert plan.window_state(due, date(2027, 3, 4)) == "missed"
    assert plan.window_state(due, date(2027, 3, 4), submitted=True) == "submitted"


def test_set_window_moves_unedited_milestones(project, tmp_path) -> None:
    from deficiency_scenario import import_scenario_notice

    gap_ids = import_scenario_notice(project, tmp_path)
    plan.update_milestone(project, gap_ids[0], "submit", due="2027-03-05", start="2027-03-01")
    notice = plan.set_window(project, 1, days=10, kind="application")
    assert notice["due_date"] == "2027-02-11" and notice["window_days"] == 10
    ms = {(m["gap_id"], m["phase"]): m for m in plan.milestones(project)}
    assert ms[(gap_ids[0], "triage")]["due_date"] == "2027-02-02"  # moved with the window
    assert ms[(gap_ids[0], "submit")]["due_date"] == "2027-03-05"  # edited by a person: kept
    assert ms[(gap_ids[1], "submit")]["due_date"] == "2027-02-11"
    notice = plan.set_window(project, 1, due="2027-04-01")
    assert notice["due_date"] == "2027-04-01" and notice["due_overridden"] == 1
    with pytest.raises(BlueprintError, match="before the notice date"):
        plan.set_window(project, 1, due="2027-01-01")


def test_milestone_overdue_and_done(project, tmp_path) -> None:
    from deficiency_scenario import import_scenario_notice

    gap_id = import_scenario_notice(project, tmp_path)[0]
    on = date(2027, 2, 10)
    rows = {m["phase"]: m for m in plan.milestones(project, gap_id=gap_id, today=on)}
    assert rows["triage"]["overdue"] is True  # due 2027-02-04
    assert rows["identify and contract"]["overdue"] is False
    plan.update_milestone(project, gap_id, "triage", done="2027-02-03")
    rows = {m["phase"]: m for m in plan.milestones(project, gap_id=gap_id, today=on)}
    assert rows["triage"]["overdue"] is False and rows["triage"]["done_date"] == "2027-02-03"
    with pytest.raises(BlueprintError, match="before its start"):
        plan.update_milestone(project, gap_id, "submit", due="2027-01-01")


def test_business_days_skip_observed_federal_holidays() -> None:
    from blueprint_desktop.deficiency.holidays import federal_holidays

    # OPM's 2026 list: Jul 4 is a Saturday, observed Friday Jul 3; Juneteenth a Friday.
    assert federal_holidays(2026) == {
        date(2026, 1, 1), date(2026, 1, 19), date(2026, 2, 16), date(2026, 5, 25), date(2026, 6, 19),
        date(2026, 7, 3), date(2026, 9, 7), date(2026, 10, 12), date(2026, 11, 11), date(2026, 11, 26),
        date(2026, 12, 25),
    }  # fmt: skip
    # 2022: New Year's Day 2022 fell on a Saturday and was observed on Friday 2021-12-31.
    assert date(2021, 12, 31) in federal_holidays(2021)
    # Wednesday 2026-11-25 + 2 business days: Thanksgiving (Thu 26) is skipped: Fri 27, then Mon 30.
    assert plan.due_date("2026-11-25", 2, "business") == date(2026, 11, 30)
    # Calendar windows are untouched by holidays.
    assert plan.due_date("2026-11-25", 2, "calendar") == date(2026, 11, 27)
