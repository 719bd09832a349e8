"""The 10-point credits and the exclusions, on the hand-computed scenario of test_engine_scoring.

County A (99001) measures 80% for cardiology with the base providers (test_engine_scoring, first test),
90% required. County B (99002) measures 0%."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from test_engine_scoring import by_county, inputs, loc, std

from blueprint_desktop.engine.credited import LOCATION_COLUMNS, credited_mask
from blueprint_desktop.engine.credits import telehealth_credit
from blueprint_desktop.engine.exclusions import exclusion_rules
from blueprint_desktop.engine.scoring import compute_results


def con_std(**kw):
    return dataclasses.replace(std(**kw), con_credit=True, credit_points=10.0)


def test_con_credit_lifts_80_to_90():
    """CON tab "N": +10 points (Autauga AL 040 in CMS's file is such a cell: 82% measured would pass)."""
    a = by_county(compute_results(inputs(lines_a=[con_std()]), "straight"))["99001"]
    assert a.detail["pct_measured"] == pytest.approx(80.0)
    assert a.pct_within == pytest.approx(90.0)
    assert a.status != "Failing"
    assert a.detail["credits"] == ["certificate_of_need"]
    assert any("Certificate of Need credit of 10 points" in r for r in a.reasons)


def test_con_customized_cell_gets_no_credit():
    s = dataclasses.replace(std(), con_customized=True, credit_points=10.0)
    a = by_county(compute_results(inputs(lines_a=[s]), "straight"))["99001"]
    assert a.pct_within == pytest.approx(80.0) and a.status == "Failing"
    assert any("no CON credit" in r for r in a.reasons)


def test_telehealth_and_con_do_not_stack():
    s = dataclasses.replace(std(tele=True), con_credit=True)
    a = by_county(compute_results(inputs(lines_a=[s]), "straight"))["99001"]
    # 80 + 10, not 80 + 20: at most one credit per county x specialty (docs/rules.md).
    assert a.pct_within == pytest.approx(90.0)
    assert a.detail["credits"] == ["telehealth", "certificate_of_need"]
    assert any("do not stack" in r for r in a.reasons)


def test_telehealth_basis_county_vs_plan():
    """The only telehealth cardiologist (provider 4) practises in county A. On the county basis B gets no
    credit; plan-wide, B gets it too."""
    base = inputs(lines_a=[std(tele=True)], lines_b=[std(tele=True)])
    county_basis = by_county(compute_results(base, "straight"))
    assert county_basis["99001"].detail["credits"] == ["telehealth"]
    assert county_basis["99002"].detail["credits"] == [] and county_basis["99002"].pct_within == 0.0
    plan = by_county(compute_results(dataclasses.replace(base, telehealth_basis="plan"), "straight"))
    assert plan["99002"].detail["credits"] == ["telehealth"] and plan["99002"].pct_within == pytest.approx(
        10.0
    )
    # Counties the roster says the provider serves win over where its office sits.
    served = by_county(compute_results(dataclasses.replace(base, served={4: {"99002"}}), "straight"))
    assert served["99002"].detail["credits"] == ["telehealth"]
    assert served["99001"].detail["credits"] == []


def test_offers_telehealth_is_distinct_from_telehealth_only():
    """A provider who sees members in person AND offers telehealth counts toward time and distance and
    also earns the credit; a telehealth-only one earns the credit but never counts toward distance."""
    row = loc(8, "1000000008", 0.45)
    row_df = pd.DataFrame([row], columns=LOCATION_COLUMNS)
    row_df["offers_telehealth"] = 1
    tele = telehealth_credit(row_df, "county")
    assert tele.applies("008", "99001") and credited_mask(row_df).all()


def _frame(rows):
    df = pd.DataFrame(rows, columns=LOCATION_COLUMNS)
    df["submitted_code"] = df.line_code
    return df


def test_exclusion_rules_whatever_the_hsd_code():
    rows = [
        {**loc(1, "1000000001", 0.0, line="040"), "exclusion": "children"},  # 422.116(a)(3)(i)(A)
        {**loc(2, "1000000002", 0.0), "ma_contracted": 0},  # (a)(3)(i)(C)
        loc(3, "1000000003", 0.0, line="029"),
        loc(3, "1000000003", 0.0, line="068"),  # HSD26 Notes 068: listed as 029 already
        {**loc(4, "1000000004", 0.0, line="S03"), "primary_care_source": None},
        {**loc(5, "1000000005", 0.0, line="S03"), "primary_care_source": 1},
        loc(6, "1000000006", 0.0, line="S03"),
    ]
    df = _frame(rows)
    df.loc[4, "submitted_code"] = "006"  # a nurse practitioner without the primary care source flag
    df.loc[5, "submitted_code"] = "006"  # one with it
    df.loc[6, "submitted_code"] = "002"  # a family physician
    rules = list(exclusion_rules(df))
    assert rules == [
        "excluded",
        "not_ma",
        None,
        "obh_listed_elsewhere",
        "np_pa_not_primary_source",
        None,
        None,
    ]
    assert list(credited_mask(df)) == [False, False, True, False, False, True, True]
    # HSD26 Notes 005/006: "fully credentialed": a provisional NP with the flag still earns no S03 credit.
    df.loc[5, "credentialing_status"] = "provisional"
    assert exclusion_rules(df)[5] == "np_pa_not_fully_credentialed" and not credited_mask(df)[5]


def test_excluded_locations_are_named_in_the_cell():
    extra = [{**loc(9, "1000000009", 0.45, name="Bayou Children's Hospital"), "exclusion": "children"}]
    a = by_county(compute_results(inputs(extra=extra), "straight"))["99001"]
    # It sits at 0.45 and would have lifted the share to 100%: it does not count.
    assert a.pct_within == pytest.approx(80.0)
    assert a.detail["excluded"][0]["rule"] == "excluded"
    assert any("Bayou Children's Hospital" in r and "422.116(a)(3)(i)(A)" in r for r in a.reasons)


def test_near_the_line_names_the_plausible_errors():
    from blueprint_desktop.engine.rollup import CellStats, evaluate

    # 91% measured, 90% required: 15% slower travel would give 88% (fails), so the pass is near the line;
    # the heaviest point carries 5% of the weight, more than the 1-point margin.
    stats = CellStats(
        91.0, 10.0, 5.0, 3, total_weight=100.0, pct_slower=88.0, pct_faster=95.0, max_point_pct=5.0
    )
    res = evaluate("99001", std(min_count=1), stats, False, True)
    assert res.status == "At Risk"  # the status rule is unchanged (< 3 points above the requirement)
    assert len(res.detail["near_line"]) == 2
    assert any("travel 15% slower the share would be 88.0%" in r for r in res.reasons)
    # Far from the line: nothing is said.
    calm = CellStats(
        99.0, 5.0, 2.0, 3, total_weight=100.0, pct_slower=97.0, pct_faster=100.0, max_point_pct=2.0
    )
    assert evaluate("99001", std(min_count=1), calm, False, True).detail["near_line"] == []
