"""Standards that set a distance and no time (Georgia Families Figure 1: PCPs "Two (2) within eight (8)
miles"): ``none`` in a rule set's max_minutes column, an infinite time limit in the engine, ``None`` with
``no_time_limit`` in a stored result, and "no time limit" wherever the standard is shown."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from test_engine_scoring import OSM, by_county, inputs, std

from blueprint_desktop.engine import roads
from blueprint_desktop.engine.scoring import compute_results
from blueprint_desktop.errors import InputFileError
from blueprint_desktop.gui.charts import histogram
from blueprint_desktop.rules.lob import import_ruleset
from blueprint_desktop.rules.standard_words import detail_minutes_text, limits_text, minutes_text
from blueprint_desktop.rules.standards import standards_for_county
from blueprint_desktop.store import create_project, open_project

HEADER = "line_code,line_name,kind,county_type,max_minutes,max_miles,required_pct,providers_within\n"


def test_words():
    assert limits_text(30, 30) == "30 min and 30 mi"
    assert limits_text(math.inf, 8) == "8 mi (no time limit)"
    assert limits_text(None, 15) == "15 mi (no time limit)"
    assert minutes_text(math.inf) == "no time limit" and minutes_text(12.5) == "12.5 min"
    assert detail_minutes_text({"no_time_limit": True, "max_minutes": None}) == "no time limit"
    assert detail_minutes_text({"max_minutes": 30}) == "30 min" and detail_minutes_text({}) == "?"


def test_a_loaded_rule_set_says_none_for_no_time(tmp_path):
    path = tmp_path / "p.bpproj"
    create_project(path, "GA", lob="medicaid", plan_year=2026, counties=[("13121", "GA")])
    good = tmp_path / "rules.csv"
    good.write_text(HEADER + "S03,Primary care,provider,All,none,8,90,2\n")
    with open_project(path) as project:
        import_ruleset(project, good, "medicaid")
        line = standards_for_county(project, "13121").lines["S03"]
        assert line.max_minutes == math.inf and line.max_miles == 8 and line.providers_within == 2
        # An empty time is a mistake, not "no limit"; and a standard needs its distance.
        for bad, column in (("S03,Primary care,provider,All,,8,90,1\n", "max_minutes"),
                            ("S03,Primary care,provider,All,30,none,90,1\n", "max_miles")):  # fmt: skip
            f = tmp_path / "bad.csv"
            f.write_text(HEADER + bad)
            with pytest.raises(InputFileError, match=column):
                import_ruleset(project, f, "medicaid")
        assert standards_for_county(project, "13121").lines["S03"].max_minutes == math.inf  # unchanged


def test_georgia_primary_care_is_built_in(tmp_path):
    path = tmp_path / "p.bpproj"
    create_project(path, "GA", lob="medicaid", plan_year=2026, counties=[("13121", "GA"), ("13003", "GA")])
    with open_project(path) as project:
        for fips, miles in (("13121", 8), ("13003", 15)):
            pcp = standards_for_county(project, fips).lines["S03"]
            assert (pcp.max_minutes, pcp.max_miles, pcp.required_pct, pcp.providers_within) == (
                math.inf,
                miles,
                90,
                2,
            )


def test_straight_run_tests_the_distance_only():
    # test_engine_scoring's line: points at lon 0 .. 0.45 on the equator; a 10-mile standard with a 1-minute
    # time limit passes nobody by time; with no time limit the distance alone decides.
    timed = by_county(compute_results(inputs([std(minutes=1, miles=10, required=50.0)]), "straight"))
    free = by_county(compute_results(inputs([std(minutes=math.inf, miles=10, required=50.0)]), "straight"))
    short = by_county(compute_results(inputs([std(minutes=math.inf, miles=10, required=95.0)]), "straight"))
    assert "within 10 mi (no time limit) of a credited location" in " ".join(short["99001"].reasons)
    miles_only = by_county(
        compute_results(inputs([std(minutes=10_000, miles=10, required=50.0)]), "straight")
    )
    a = free["99001"]
    assert timed["99001"].pct_within < a.pct_within == miles_only["99001"].pct_within
    assert a.detail["max_minutes"] is None and a.detail["no_time_limit"] is True
    assert "no_time_limit" not in miles_only["99001"].detail
    json.dumps([r.as_dict() for r in free.values()], allow_nan=False)  # no Infinity reaches a result


def test_road_run_with_no_time_limit(tmp_path):
    path = tmp_path / "line.osm"
    path.write_text(OSM)
    graph = roads.read_osm(path)
    free = by_county(compute_results(inputs([std(minutes=math.inf, miles=10)]), "road", graph=graph))
    wide = by_county(compute_results(inputs([std(minutes=10_000, miles=10)]), "road", graph=graph))
    for fips in free:
        assert free[fips].pct_within == wide[fips].pct_within
        assert free[fips].credited_count == wide[fips].credited_count


def test_chart_histogram_without_a_time_standard():
    h = histogram(np.array([1.0, 5.0, np.inf]), np.ones(3), math.inf)
    assert np.isfinite(h["edges"]).all() and h["edges"][-1] >= 5.0
    assert h["pct"].sum() == pytest.approx(100.0) and h["overflow_pct"] == pytest.approx(100 / 3)


def test_ma_standards_are_untouched():
    line = standards_for_county(None, "48201").lines["008"]
    assert math.isfinite(line.max_minutes) and line.providers_within == 1


@pytest.mark.timeout(60)
def test_chart_opens_on_distance_for_a_distance_only_standard(qtbot):
    from blueprint_desktop.engine.cell_detail import NearestDistribution
    from blueprint_desktop.gui.charts import DistributionChart

    chart = DistributionChart()
    qtbot.addWidget(chart)
    dist = NearestDistribution(
        "13121", "S03", "straight", np.array([5.0, 20.0, 40.0]), np.array([3.0, 7.0, 12.0]), np.ones(3),
        math.inf, 8.0, True, providers_within=2,
    )  # fmt: skip
    chart.show_distribution(dist, "Fulton")
    assert chart.drawn["kind"] == "miles" and chart.drawn["standard"] == 8.0
    assert "8 mi (no time limit) of two distinct providers" in chart.caption.text()
    chart.measure.setCurrentIndex(chart.measure.findData("minutes"))  # time: drawn, with no standard line
    assert chart.drawn["kind"] == "minutes" and chart.drawn["standard"] == math.inf
    assert chart.measure.itemText(0) == "Time to second provider"


@pytest.mark.timeout(60)
def test_cell_detail_names_the_two_provider_share(qtbot):
    from blueprint_desktop.gui.result_detail import ResultDetail

    pane = ResultDetail()
    qtbot.addWidget(pane)
    result = {
        "county_fips": "13121", "line_code": "S03", "line_name": "PCPs", "status": "Failing", "pct_within": 81.8,
        "required_pct": 90.0, "p90_minutes": 30.2, "p90_miles": 11.7, "credited_count": 29, "min_count": 1,
        "confidence": 42.0, "confidence_band": "Low", "confidence_parts": {}, "reasons": [],
        "detail": {"max_minutes": None, "no_time_limit": True, "max_miles": 8.0, "providers_within": 2,
                   "population": "residents of all ages (ACS 2018-22)"},
    }  # fmt: skip
    pane.show_result(result, "Fulton, GA")
    assert pane.share_name.text() == "Residents of all ages within standard (two providers)"
    minutes_row = [
        lab.text() for lab in pane.findChildren(type(pane.share_name)) if lab.text() == "no time limit"
    ]
    assert minutes_row, "the time standard reads 'no time limit'"
