"""Whom the census points count, by line of business (geo/population_group.py): residents 65+ for MA, under 65
for QHP, every age for Medicaid. Same points and spread; the weights are each ZIP area's ACS 2018-22 count of
the group, and every result says which group it rests on."""

from __future__ import annotations

import pandas as pd
import pytest

from blueprint_desktop.engine.cell_detail import nearest_distribution
from blueprint_desktop.engine.scoring import compute_results, gather_inputs
from blueprint_desktop.geo.paths import geography_file
from blueprint_desktop.geo.points import census_points, describe_model, population_points
from blueprint_desktop.geo.population_group import GROUPS, group_for
from blueprint_desktop.store import create_project, open_project

COUNTIES = ["48201", "48185", "48157"]  # Harris, Grimes, Fort Bend


def _zcta_counts() -> pd.DataFrame:
    z = pd.read_parquet(geography_file("population_points.parquet"))
    return z[z.county_fips.isin(COUNTIES)]


@pytest.mark.parametrize(
    ("lob", "expected"),
    [
        ("ma", lambda z: z.pop_65.clip(lower=1)),
        ("qhp", lambda z: (z.population - z.pop_65).clip(lower=1)),
        ("medicaid", lambda z: z.population.clip(lower=1)),
    ],
)
def test_each_line_of_business_counts_its_own_people(lob, expected):
    z = _zcta_counts()
    want = expected(z).groupby(z.county_fips).sum().astype(float)
    for model in ("zcta-points", "sample"):
        got = population_points(COUNTIES, model=model, lob=lob).groupby("county_fips").weight.sum()
        pd.testing.assert_series_equal(got, want, rtol=1e-9, check_names=False)


def test_the_sample_keeps_its_spread_and_only_the_weights_change():
    ma = census_points(COUNTIES, group=group_for("ma"))
    qhp = census_points(COUNTIES, group=group_for("qhp"))
    assert (ma.point_id.to_numpy() == qhp.point_id.to_numpy()).all()
    assert (ma[["lat", "lon"]].to_numpy() == qhp[["lat", "lon"]].to_numpy()).all()
    # Harris has ~8x as many residents under 65 as 65+; the under-65 weights are not a copy of the 65+ ones.
    ratio = qhp.weight.sum() / ma.weight.sum()
    assert 6 < ratio < 10
    assert (qhp.weight / ma.weight).round(6).nunique() > 1


def test_words_follow_the_group():
    assert group_for("qhp").words == "residents under 65" and group_for(None) is GROUPS["ma"]
    assert "65+ population" in describe_model("sample")
    project = type("P", (), {"lob": "medicaid"})()
    assert "65+" not in describe_model("zcta-points", project) and "whole population" in describe_model(
        "zcta-points", project
    )


def _qhp_project(tmp_path):
    path = tmp_path / "q.bpproj"
    create_project(path, "QHP", lob="qhp", plan_year=2026, counties=[(c, "TX") for c in COUNTIES])
    return path


def test_a_qhp_run_rests_on_residents_under_65_and_says_so(tmp_path):
    with open_project(_qhp_project(tmp_path)) as project:
        inputs = gather_inputs(project, lines=["S03"])
        assert inputs.lob == "qhp"
        z = _zcta_counts()
        under_65 = float((z.population - z.pop_65).clip(lower=1).sum())
        assert inputs.points.weight.sum() == pytest.approx(under_65, rel=1e-9)
        [harris] = [r for r in compute_results(inputs) if r.county_fips == "48201"]
        assert harris.detail["population"].startswith(
            "residents under 65 (ACS 2018-22) spread over their ZIP areas"
        )
        assert "telehealth_basis" not in harris.detail  # the telehealth credit is MA's
        dist = nearest_distribution(project, "48201", "S03")
        assert dist.population == "under-65 population"
