"""The beneficiary sample (geo/sample.py, built by geo/build.py) and the project's population model."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import shapely

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.geo import sample as geo_sample
from blueprint_desktop.geo.build import BUILD_FORMAT, OUTPUTS, is_built
from blueprint_desktop.geo.counties import county_geometries, load_counties
from blueprint_desktop.geo.paths import geography_file
from blueprint_desktop.geo.points import (
    census_points,
    population_model,
    population_points,
    set_population_model,
)
from blueprint_desktop.rules.enrollees import import_enrollees


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return pd.read_parquet(geography_file(geo_sample.SAMPLE_FILE))


@pytest.fixture(scope="module")
def zcta_points() -> pd.DataFrame:
    return pd.read_parquet(geography_file("population_points.parquet"))


def _zctas(zp: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "zcta": zp.point_id,
            "county_fips": zp.county_fips,
            "lat": zp.lat,
            "lon": zp.lon,
            "weight": np.maximum(zp.pop_65.to_numpy(), 1).astype(float),
            "land_sq_mi": zp.land_sq_mi,
        }
    )


def test_the_build_includes_the_sample_and_set_up_rebuilds_older_formats(tmp_path):
    assert is_built() and BUILD_FORMAT >= 5 and geo_sample.SAMPLE_FILE in OUTPUTS
    info = json.loads(geography_file("BUILD.json").read_text())
    assert info["counts"]["population_sample"] == info["population_sample"]["points"]
    for name in OUTPUTS:
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "BUILD.json").write_text('{"format": 4}')  # a build before the sample
    assert not is_built(tmp_path)
    (tmp_path / "BUILD.json").write_text(f'{{"format": {BUILD_FORMAT}}}')
    assert is_built(tmp_path)
    (tmp_path / geo_sample.SAMPLE_FILE).unlink()
    assert not is_built(tmp_path)


def test_the_sample_is_deterministic(sample, zcta_points):
    """Two builds of the same counties give the same points, and the same as the bundled build."""
    texas = zcta_points[zcta_points.county_fips.str.startswith(("48", "02", "51"))]
    fips = sorted(texas.county_fips.unique())
    outlines = county_geometries(fips, display=False).set_index("fips").geometry
    one, stats_one = geo_sample.build_sample(_zctas(texas), outlines)
    two, stats_two = geo_sample.build_sample(_zctas(texas.sample(frac=1, random_state=3)), outlines)
    pd.testing.assert_frame_equal(one, two)
    assert stats_one == stats_two
    built = sample[sample.county_fips.isin(fips)].reset_index(drop=True)
    pd.testing.assert_frame_equal(one, built)


def test_every_county_keeps_its_65_plus_total(sample, zcta_points):
    totals = sample.groupby("county_fips").weight.sum()
    expected = zcta_points.assign(w=np.maximum(zcta_points.pop_65, 1)).groupby("county_fips").w.sum()
    assert set(totals.index) == set(expected.index)
    rel = (totals.reindex(expected.index) / expected - 1).abs()
    assert rel.max() < 1e-6
    # ... and each ZIP area keeps its own, shared equally by its points
    per_zcta = sample.groupby("zcta").weight.agg(["sum", "min", "max"])
    want = zcta_points.set_index("point_id").pop_65.clip(lower=1).reindex(per_zcta.index)
    assert ((per_zcta["sum"] / want - 1).abs() < 1e-9).all()
    assert ((per_zcta["max"] - per_zcta["min"]) <= 1e-9 * per_zcta["max"]).all()
    # the same totals as the ZCTA-point model, county by county, through census_points
    harris = ["48201", "48185", "02063"]
    a = census_points(harris).groupby("county_fips").weight.sum()
    b = census_points(harris, model="zcta-points").groupby("county_fips").weight.sum()
    pd.testing.assert_series_equal(a, b, rtol=1e-9)


def test_every_point_lies_inside_its_county(sample):
    outlines = (
        county_geometries(sorted(sample.county_fips.unique()), display=False).set_index("fips").geometry
    )
    geoms = outlines.reindex(sample.county_fips.to_numpy()).to_numpy()
    assert pd.notna(geoms).all()
    inside = shapely.contains_xy(geoms, sample.lon.to_numpy(), sample.lat.to_numpy())
    assert inside.all(), sample[~inside].head()


def test_more_points_where_more_people_and_no_county_left_to_one_point(sample, zcta_points):
    per_county = sample.groupby("county_fips").size()
    # One point per ZIP area left 141 counties with one point; the sample gives each several.
    assert (zcta_points.groupby("county_fips").size() == 1).sum() > 100
    assert per_county.min() >= 5
    share = sample.weight / sample.groupby("county_fips").weight.transform("sum")
    assert (share.groupby(sample.county_fips).max() >= 0.10).mean() < 0.01
    # Within a county, a populous wide ZIP area gets more points than a small one.
    k = sample.groupby("zcta").size()
    assert k["77449"] > k["77002"]  # Katy (large, populous) vs downtown Houston
    assert len(sample) < 250_000  # the national cost stays bounded (docs/performance.md)
    k_rule = geo_sample.points_per_zcta([10, 500, 5000, 5000], [0.5, 5, 5, 5], [0.01, 0.01, 0.01, 0.5])
    assert list(k_rule) == sorted(k_rule) and k_rule[0] == 1 and k_rule[-1] <= geo_sample.MAX_POINTS


def test_counties_without_a_zcta_keep_the_grid(sample):
    counties = load_counties()
    without = sorted(set(counties.index) - set(sample.county_fips))
    assert without and "51580" in without  # Covington city, VA: no ZCTA interior point
    for model in ("sample", "zcta-points"):
        pts = population_points(["51580", "48201"], model=model)
        grid = pts[pts.county_fips == "51580"]
        assert set(grid.source) == {"grid"} and grid.point_id.str.startswith("grid:51580:").all()
        assert grid.weight.sum() == pytest.approx(float(counties.loc["51580"].pop_65 or 1))


def test_point_ids_and_sources_name_the_model():
    s = population_points(["48185"])
    z = population_points(["48185"], model="zcta-points")
    assert set(s.source) == {"census-sample"} and s.point_id.str.match(r"^smp:\d{5}:\d+$").all()
    assert set(z.source) == {"census-zcta"} and z.point_id.str.match(r"^zcta:\d{5}$").all()
    assert len(s) > 3 * len(z)
    assert s.weight.sum() == pytest.approx(z.weight.sum())
    with pytest.raises(BlueprintError, match="not one of: sample, zcta-points"):
        census_points(["48185"], model="blocks")


def test_a_project_switches_model_and_back_audited(project):
    assert population_model(project) == "sample"
    assert set(population_points(project.service_area(), project).source) == {"census-sample"}
    set_population_model(project, "zcta-points")
    assert population_model(project) == "zcta-points"
    assert set(population_points(project.service_area(), project).source) == {"census-zcta"}
    set_population_model(project, "sample")
    assert set(population_points(project.service_area(), project).source) == {"census-sample"}
    rows = project.conn.execute(
        "SELECT action, entity_id, detail_json FROM audit_log WHERE action = 'settings.population_model' ORDER BY id"
    ).fetchall()
    assert [(a, e, json.loads(d)) for a, e, d in rows] == [
        ("settings.population_model", "population_model", {"from": "sample", "to": "zcta-points"}),
        ("settings.population_model", "population_model", {"from": "zcta-points", "to": "sample"}),
    ]
    with pytest.raises(BlueprintError, match="population model 'blocks'"):
        set_population_model(project, "blocks")
    assert population_model(project) == "sample"


def test_enrollees_still_replace_the_sample_of_the_counties_they_cover(project, tmp_path):
    f = tmp_path / "enr.csv"
    f.write_text("zip,count\n77002,120\n")
    import_enrollees(project, f)
    pts = population_points(["48201", "48157"], project)
    assert set(pts[pts.county_fips == "48201"].source) == {"enrollees"}
    assert set(pts[pts.county_fips == "48157"].source) == {"census-sample"}


def test_scoring_uses_the_project_model(project):
    from blueprint_desktop.engine.scoring import gather_inputs

    a = gather_inputs(project, lines=["S03"])
    set_population_model(project, "zcta-points")
    b = gather_inputs(project, lines=["S03"])
    assert set(a.points.source) == {"census-sample"} and set(b.points.source) == {"census-zcta"}
    assert len(a.points) > len(b.points)
