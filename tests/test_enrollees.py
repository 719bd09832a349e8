"""Enrollee distribution import, the PHI guard, and Medicaid/QHP rule sets."""

import sqlite3

import pytest

from blueprint_desktop.data.phi import member_level_columns, refuse_member_level
from blueprint_desktop.errors import BlueprintError, InputFileError
from blueprint_desktop.geo.points import population_points
from blueprint_desktop.geo.zips import zip_centroid
from blueprint_desktop.rules.enrollees import import_enrollees
from blueprint_desktop.rules.lob import import_ruleset
from blueprint_desktop.rules.standards import standards_for_county
from blueprint_desktop.store import create_project, open_project


def test_zip_counts_replace_census_points_of_covered_counties(project, tmp_path):
    lat, lon, county = zip_centroid("77002")
    assert county == "48201"
    f = tmp_path / "enr.csv"
    f.write_text("zip,count\n77002,120\n77002-1234,30\n00000,5\n")
    result = import_enrollees(project, f)
    assert (result.points, result.enrollees, result.counties) == (2, 150.0, ["48201"])
    assert [r["zip"] for r in result.rejected] == ["00000"]
    pts = population_points(["48201", "48157"], project)
    harris = pts[pts.county_fips == "48201"]
    assert set(harris.source) == {"enrollees"} and harris.weight.sum() == 150.0
    assert set(pts[pts.county_fips == "48157"].source) == {"census-zcta"}  # Fort Bend keeps census points
    # a second file for the same county replaces, not adds
    f2 = tmp_path / "enr2.csv"
    f2.write_text("county_fips,latitude,longitude,count\n48201,29.76,-95.37,10\n")
    import_enrollees(project, f2)
    assert project.conn.execute("SELECT sum(weight) FROM enrollee_points").fetchone()[0] == 10.0


@pytest.mark.parametrize(
    ("content", "columns"),
    [
        ("zip,count,member_name\n77002,1,Jane Doe\n", ["member_name"]),
        ("zip,count,DOB,Member ID\n77002,1,1950-01-01,A1\n", ["DOB", "Member ID"]),
        ("zip,count,ref\n77002,1,123-45-6789\n", ["ref"]),  # SSN-like value under an innocent header
        ("zip,count,x\n77002,1,1EG4TE5MK73\n", ["x"]),  # an MBI-shaped value
    ],
)
def test_member_level_files_refused_naming_columns(project_path, tmp_path, content, columns):
    f = tmp_path / "phi.csv"
    f.write_text(content)
    conn = sqlite3.connect(project_path)
    before = conn.execute("SELECT count(*) FROM import_batches").fetchone()[0]
    conn.close()
    with open_project(project_path) as project, pytest.raises(InputFileError) as err:
        import_enrollees(project, f)
    for col in columns:
        assert repr(col) in str(err.value)
    conn = sqlite3.connect(project_path)
    assert conn.execute("SELECT count(*) FROM import_batches").fetchone()[0] == before
    assert conn.execute("SELECT count(*) FROM enrollee_points").fetchone()[0] == 0
    conn.close()


def test_phi_guard_leaves_provider_columns_alone():
    assert (
        member_level_columns(
            ["npi", "provider_name", "zip", "count", "encounters"],
            [["1234567893", "Dr A", "77002", "3", "9"]],
        )
        == []
    )
    with pytest.raises(InputFileError, match="'patient_name'"):
        refuse_member_level("x.csv", ["npi", "patient_name"], [])


def test_bad_enrollee_rows(project, tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("county_fips,latitude,longitude,count\n48201,29.7,-95.3,-4\n")
    with pytest.raises(InputFileError, match="row 2, column 'count'"):
        import_enrollees(project, f)
    f.write_text("zip,members\n77002,1\n")
    with pytest.raises(InputFileError, match="neither zip,count"):
        import_enrollees(project, f)


RULESET = (
    "line_code,line_name,kind,county_type,max_minutes,max_miles,required_pct,min_count\n"
    "PCP,Adult primary care,provider,All,30,30,90,2\n"
    "HOSP,Hospital,facility,Large Metro,30,30,90,1\n"
    "HOSP,Hospital,facility,Metro,45,45,90,1\n"
    "HOSP,Hospital,facility,Micro,60,60,85,1\n"
    "HOSP,Hospital,facility,Rural,60,60,85,1\n"
    "HOSP,Hospital,facility,CEAC,90,90,85,1\n"
)


def test_medicaid_ruleset(tmp_path):
    path = tmp_path / "mcd.bpproj"
    create_project(path, "Medicaid", lob="medicaid", plan_year=2026, counties=[("48201", "TX")])
    f = tmp_path / "rules.csv"
    f.write_text(RULESET)
    with open_project(path) as project:
        rs = import_ruleset(project, f, "medicaid")
        assert sorted(rs.lines) == ["HOSP", "PCP"]
        st = standards_for_county(project, "48201")
        assert st.lob == "medicaid" and st.designation == "Large Metro"
        assert (st.lines["PCP"].max_minutes, st.lines["PCP"].min_count, st.lines["HOSP"].required_pct) == (
            30,
            2,
            90,
        )
        with pytest.raises(BlueprintError, match="a QHP rule set cannot be loaded"):
            import_ruleset(project, f, "qhp")
        f.write_text(RULESET.replace("HOSP,Hospital,facility,CEAC,90,90,85,1\n", ""))
        with pytest.raises(InputFileError, match="line HOSP has no standard for CEAC"):
            import_ruleset(project, f, "medicaid")


def test_ma_project_refuses_medicaid_ruleset(project, tmp_path):
    f = tmp_path / "rules.csv"
    f.write_text(RULESET)
    with pytest.raises(BlueprintError, match="is a MA project"):
        import_ruleset(project, f, "medicaid")
