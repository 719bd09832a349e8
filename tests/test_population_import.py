"""`blueprint import population`: a finer population file replaces the census points of its counties."""

from __future__ import annotations

import json
import sqlite3

import pytest

from blueprint_desktop.cli import main
from blueprint_desktop.data.population_import import (
    PopulationFileRejected,
    clear_population,
    import_population,
    population_file_summary,
)
from blueprint_desktop.errors import InputFileError
from blueprint_desktop.geo.points import population_points, set_population_model
from blueprint_desktop.rules.enrollees import import_enrollees
from blueprint_desktop.store import open_project

# Block groups in the conftest project's Harris (48201) and Fort Bend (48157), and one in Brazoria (48039),
# outside its service area. Coordinates: downtown Houston, the Energy Corridor, Sugar Land, Angleton.
GOOD = (
    "GEOID,Latitude,Longitude,POP_65\n"
    "482012101001,29.7604,-95.3698,310\n"
    "482014501002,29.7838,-95.6310,125.5\n"
    "481570067011,29.6197,-95.6349,88\n"
    "481570067012,29.6100,-95.6400,0\n"
    "480396620001,29.1694,-95.4319,40\n"
)


def _count(path, table):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def test_a_block_group_file_round_trips(project, tmp_path):
    f = tmp_path / "bg.csv"
    f.write_text(GOOD)
    result = import_population(project, f)
    assert (result.rows_read, result.points, result.pop_65) == (5, 4, 563.5)
    assert result.counties == ["48039", "48157", "48201"]
    assert result.skipped == [5]  # pop_65 0: nobody to place
    rows = project.conn.execute(
        "SELECT county_fips, geoid, latitude, longitude, weight FROM population_file_points ORDER BY geoid"
    ).fetchall()
    assert rows == [
        ("48039", "480396620001", 29.1694, -95.4319, 40.0),
        ("48157", "481570067011", 29.6197, -95.6349, 88.0),
        ("48201", "482012101001", 29.7604, -95.3698, 310.0),
        ("48201", "482014501002", 29.7838, -95.631, 125.5),
    ]
    pts = population_points(project.service_area(), project)
    assert set(pts.source) == {"population-file"} and pts.point_id.str.startswith("pop:").all()
    assert pts.groupby("county_fips").weight.sum().to_dict() == {"48157": 88.0, "48201": 435.5}
    # The file wins over either census model; enrollees still come first.
    set_population_model(project, "zcta-points")
    assert set(population_points(["48201"], project).source) == {"population-file"}
    enr = tmp_path / "enr.csv"
    enr.write_text("zip,count\n77002,12\n")
    import_enrollees(project, enr)
    both = population_points(project.service_area(), project)
    assert set(both[both.county_fips == "48201"].source) == {"enrollees"}
    assert set(both[both.county_fips == "48157"].source) == {"population-file"}
    # Recorded and audited; the summary per county; a new file for a county replaces its points.
    batch = project.conn.execute(
        "SELECT kind, rows_read, rows_imported FROM import_batches WHERE kind = 'population'"
    )
    assert batch.fetchall() == [("population", 5, 4)]
    audit = project.conn.execute(
        "SELECT detail_json FROM audit_log WHERE action = 'import.population'"
    ).fetchone()
    assert json.loads(audit[0])["pop_65"] == 563.5
    assert population_file_summary(project)[0] == {"county_fips": "48039", "points": 1, "pop_65": 40.0}
    g = tmp_path / "fb.csv"
    g.write_text("county_fips,lat,lon,count\n48157,29.60,-95.62,70\n")
    again = import_population(project, g)
    assert again.replaced_points == 1
    assert (
        project.conn.execute(
            "SELECT sum(weight) FROM population_file_points WHERE county_fips = '48157'"
        ).fetchone()[0]
        == 70.0
    )
    # Cleared, the census sample is back (audited).
    assert clear_population(project, ["48157"]) == 1
    set_population_model(project, "sample")
    assert set(population_points(["48157"], project).source) == {"census-sample"}
    assert (
        project.conn.execute("SELECT count(*) FROM audit_log WHERE action = 'population.clear'").fetchone()[0]
        == 1
    )


def test_points_outside_the_service_area_are_reported_not_dropped(project, tmp_path):
    f = tmp_path / "bg.csv"
    f.write_text(GOOD)
    result = import_population(project, f)
    out = result.outside_service_area
    assert out == {
        "points": 1,
        "pop_65": 40.0,
        "counties": [{"county_fips": "48039", "name": "Brazoria, TX", "points": 1, "pop_65": 40.0}],
    }
    lines = result.report_lines()
    assert lines[0].startswith("loaded 4 population points (564 people aged 65+) in 3 counties")
    assert "  skipped 1 rows with pop_65 0 (nobody to place): rows 5" in lines
    assert (
        "  40 people aged 65+ (1 points) are outside the service area: kept for a later service-area change, "
        "not scored until then (1 county)"
    ) in lines
    assert "    48039 Brazoria, TX: 40 in 1 points" in lines
    # Stored: once Brazoria joins the service area, its point is used.
    assert (
        project.conn.execute(
            "SELECT count(*) FROM population_file_points WHERE county_fips = '48039'"
        ).fetchone()[0]
        == 1
    )
    with project.transaction():
        project.conn.execute("INSERT INTO service_area VALUES ('48039', 'TX', '2026-01-01')")
    pts = population_points(project.service_area(), project)
    assert pts[pts.county_fips == "48039"].source.tolist() == ["population-file"]
    # Partial coverage is said: a few block groups are far below the county's census 65+.
    assert {c["county_fips"] for c in result.coverage} == {"48039", "48157", "48201"}
    assert any(
        line.startswith("  check 48201 Harris, TX: the file gives 436 people aged 65+") for line in lines
    )


def test_bad_rows_are_all_reported_with_row_and_column_and_nothing_changes(project_path, tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text(
        "geoid,county_fips,latitude,longitude,pop_65\n"
        "482012101001,48201,29.7604,-95.3698,310\n"  # good
        "4820121010,48201,29.7604,-95.3698,10\n"  # row 3: 10 digits
        "482012101003,48157,29.7604,-95.3698,10\n"  # row 4: county disagrees with the GEOID
        "482012101004,48201,north,-95.3698,10\n"  # row 5: latitude not a number
        "482012101005,48201,29.7604,-95.3698,-3\n"  # row 6: negative count
        "482012101006,48201,32.7767,-96.7970,10\n"  # row 7: Dallas, not Harris
        "482012101001,48201,29.7604,-95.3698,5\n"  # row 8: GEOID again
        "022619999001,02261,61.13,-146.35,5\n"  # row 9: Valdez-Cordova is no longer a county
    )
    before = _count(project_path, "import_batches")
    with open_project(project_path) as project, pytest.raises(PopulationFileRejected) as err:
        import_population(project, f)
    problems = [(p.row_number, p.column, p.value) for p in err.value.problems]
    assert problems == [
        (3, "geoid", "4820121010"),
        (4, "county_fips", "48157"),
        (5, "latitude", "north"),
        (6, "pop_65", "-3"),
        (8, "geoid", "482012101001"),
        (9, "geoid", "022619999001"),
        (9, "county_fips", "02261"),
        (7, "latitude, longitude", "32.7767, -96.797"),
    ]
    expected = {p.row_number: p.expected for p in err.value.problems}
    assert expected[4] == "the county of GEOID 482012101003: 48201"
    assert expected[7] == "a point in its county 48201 Harris, TX (it lies in Dallas, TX)"
    assert expected[8] == "a GEOID not already given (row 2)"
    assert str(err.value).startswith(
        "bad.csv: refused, 8 problem(s) in 7 row(s), the first: row 3, column geoid"
    )
    assert _count(project_path, "population_file_points") == 0
    assert _count(project_path, "import_batches") == before


def test_geoids_as_census_writes_them_or_a_spreadsheet_stored_them(project, tmp_path):
    f = tmp_path / "blocks.csv"
    f.write_text(
        "GEO_ID,INTPTLAT,INTPTLON,count\n"
        "1000000US482012101001000,29.7604,-95.3698,3\n"  # a block, Census's prefixed form
        "1500000US482012101002,29.7610,-95.3690,4\n"  # a block group
    )
    result = import_population(project, f)
    geoids = [r[0] for r in project.conn.execute("SELECT geoid FROM population_file_points ORDER BY id")]
    assert result.points == 2 and geoids == ["482012101001000", "482012101002"]
    # 11 digits: a block group of a state below 10 whose leading 0 was lost (Jefferson AL 01073).
    g = tmp_path / "al.csv"
    g.write_text("geoid,latitude,longitude,pop_65\n10730001001,33.52,-86.80,5\n")
    assert import_population(project, g).counties == ["01073"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("geoid,latitude,longitude,pop_65,member_id\n482012101001,29.76,-95.37,3,A1\n", "'member_id'"),
        ("geoid,latitude,longitude\n482012101001,29.76,-95.37\n", "missing pop_65 (or count)"),
        ("latitude,longitude,pop_65\n29.76,-95.37,3\n", "missing geoid or county_fips"),
        (
            "geoid,lat,lon,pop_65,count\n482012101001,29.76,-95.37,3,3\n",
            "'pop_65' and 'count' are two spellings of one column (pop_65 or count); keep one",
        ),
        ("geoid,latitude,longitude,pop_65\n482012101001,29.76,-95.37,0\n", "no row with people aged 65+"),
    ],
)
def test_files_refused_whole(project, tmp_path, content, message):
    f = tmp_path / "p.csv"
    f.write_text(content)
    with pytest.raises(InputFileError) as err:
        import_population(project, f)
    assert message in str(err.value)
    assert project.conn.execute("SELECT count(*) FROM population_file_points").fetchone()[0] == 0


def test_the_command(capsys, project_path, tmp_path):
    f = tmp_path / "bg.csv"
    f.write_text(GOOD)
    assert main(["import", "population", str(project_path), str(f)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("loaded 4 population points") and "outside the service area" in out
    bad = tmp_path / "bad.csv"
    bad.write_text("geoid,latitude,longitude,pop_65\n482012101001,29.76,-95.37,x\n48201,29.76,-95.37,2\n")
    report = tmp_path / "problems.csv"
    assert main(["import", "population", str(project_path), str(bad), "--errors", str(report)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:2: pop_65: got x, expected a number of people aged 65+ (0 or more)" in err
    assert f"{bad}:3: geoid: got 48201, expected a Census block group" in err
    assert report.read_text(encoding="utf-8-sig").splitlines()[0] == "row,column,value,expected,severity"
    assert _count(project_path, "population_file_points") == 4  # the first file's points, untouched


def test_a_qhp_projects_file_is_checked_against_residents_under_65(tmp_path):
    """The count is of the project's population group: a Grimes County file with its residents under 65 fits a
    QHP project's census (no coverage warning), while the same file is 4x too many for MA's 65+."""
    from blueprint_desktop.geo.counties import load_counties
    from blueprint_desktop.store import create_project

    grimes = load_counties().loc["48185"]
    under_65 = float(grimes.population - grimes.pop_65)
    f = tmp_path / "grimes.csv"
    f.write_text(
        f"county_fips,latitude,longitude,count\n48185,30.50,-95.98,{under_65 / 2}\n48185,30.40,-95.90,{under_65 / 2}\n"
    )
    for lob, warned in (("qhp", False), ("ma", True)):
        path = tmp_path / f"{lob}.bpproj"
        create_project(path, lob, lob=lob, plan_year=2026, counties=[("48185", "TX")])
        with open_project(path) as project:
            result = import_population(project, f)
        assert bool(result.coverage) == warned, lob
        words = "\n".join(result.report_lines())
        assert ("residents under 65" in words) == (lob == "qhp") and ("people aged 65+" in words) == (
            lob == "ma"
        )
