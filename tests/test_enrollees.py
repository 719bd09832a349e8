"""Enrollee distribution import, the PHI guard, and Medicaid/QHP rule sets."""

import sqlite3

import pytest

from blueprint_desktop.data.phi import member_level_columns, refuse_member_level
from blueprint_desktop.errors import BlueprintError, InputFileError
from blueprint_desktop.geo.points import population_points
from blueprint_desktop.geo.zips import zip_centroid
from blueprint_desktop.rules.enrollees import import_enrollees
from blueprint_desktop.rules.lob import active_ruleset, import_ruleset
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
    # Fort Bend keeps census points: the beneficiary sample, the default population model (geo/points.py).
    assert set(pts[pts.county_fips == "48157"].source) == {"census-sample"}
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
    "S03,Adult primary care,provider,All,30,30,90,2\n"
    "040,Hospital,facility,Large Metro,30,30,90,1\n"
    "040,Hospital,facility,Metro,45,45,90,1\n"
    "040,Hospital,facility,Micro,60,60,85,1\n"
    "040,Hospital,facility,Rural,60,60,85,1\n"
    "040,Hospital,facility,CEAC,90,90,85,1\n"
)


def test_medicaid_ruleset(tmp_path):
    path = tmp_path / "mcd.bpproj"
    create_project(path, "Medicaid", lob="medicaid", plan_year=2026, counties=[("48201", "TX")])
    f = tmp_path / "rules.csv"
    f.write_text(RULESET)
    with open_project(path) as project:
        rs = import_ruleset(project, f, "medicaid")
        assert sorted(rs.lines) == ["040", "S03"]
        st = standards_for_county(project, "48201")
        assert st.lob == "medicaid" and st.designation == "Large Metro"
        assert (st.lines["S03"].max_minutes, st.lines["S03"].min_count, st.lines["040"].required_pct) == (
            30,
            2,
            90,
        )
        with pytest.raises(BlueprintError, match="a QHP rule set cannot be loaded"):
            import_ruleset(project, f, "qhp")
        f.write_text(RULESET.replace("040,Hospital,facility,CEAC,90,90,85,1\n", ""))
        with pytest.raises(InputFileError, match="line 040 has no standard for CEAC"):
            import_ruleset(project, f, "medicaid")
        # A line no provider could ever be credited to is refused, not scored as an empty line: the set in
        # force is unchanged.
        f.write_text(RULESET.replace("S03,Adult", "PCP,Adult"))
        with pytest.raises(InputFileError, match=r"row 2, column 'line_code': 'PCP' is not a line.*PPC"):
            import_ruleset(project, f, "medicaid")
        f.write_text(RULESET.replace("S03,Adult", "2,Adult"))
        with pytest.raises(InputFileError, match="'002' is not a line.*scored together as S03"):
            import_ruleset(project, f, "medicaid")
        assert sorted(active_ruleset(project, "medicaid").lines) == ["040", "S03"]


def test_ma_project_refuses_medicaid_ruleset(project, tmp_path):
    f = tmp_path / "rules.csv"
    f.write_text(RULESET)
    with pytest.raises(BlueprintError, match="is a MA project"):
        import_ruleset(project, f, "medicaid")


def test_zero_counts_are_skipped_with_a_note(project, tmp_path):
    f = tmp_path / "enr.csv"
    f.write_text("zip,count\n77002,120\n77030,0\n\n77004,0.0\n77005,3\n")
    result = import_enrollees(project, f)
    assert (result.points, result.enrollees, result.rows_read) == (2, 123.0, 4)
    assert [(r["row"], r["zip"], r["reason"]) for r in result.skipped] == [
        (3, "77030", "count 0"),
        (5, "77004", "count 0"),
    ]
    assert "  skipped 2 rows with count 0 (nobody to place): rows 3, 5" in result.report_lines()
    summary = project.conn.execute("SELECT summary_json FROM import_batches WHERE id = ?", (result.batch_id,))
    assert '"skipped_zero_count": 2' in summary.fetchone()[0]
    f.write_text("county_fips,latitude,longitude,count\n48201,29.7,-95.3,0\n48201,29.8,-95.4,4\n")
    assert import_enrollees(project, f).skipped == [
        {"row": 2, "county_fips": "48201", "count": 0, "reason": "count 0"}
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "zip,count\n77002,5\n77030,-1\n",
            "enr.csv: row 3, column 'count': got '-1', expected a number of enrollees",
        ),
        ("zip,Count\n77002,five\n", "enr.csv: row 2, column 'Count': got 'five', expected a number"),
        ("zip,count\n77002,\n", "row 2, column 'count': got ''"),
        ("zip,count\n77002,nan\n", "row 2, column 'count': got 'nan'"),
        ("zip,count\n77002,0\n77030,0\n", "no enrollee rows could be placed (0 rejected, 2 with count 0)"),
    ],
)
def test_bad_counts_refuse_the_file_and_change_nothing(project_path, tmp_path, content, message):
    f = tmp_path / "enr.csv"
    f.write_text(content)
    with open_project(project_path) as project, pytest.raises(InputFileError) as err:
        import_enrollees(project, f)
    assert message in str(err.value)
    conn = sqlite3.connect(project_path)
    assert conn.execute("SELECT count(*) FROM import_batches").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM enrollee_points").fetchone()[0] == 0
    conn.close()


def test_enrollees_outside_the_service_area_are_kept_and_reported(project, tmp_path):
    from blueprint_desktop.rules.enrollees import outside_service_area

    # Harris (48201) is in the service area; Alvin and Pearland are in Brazoria (48039), which is not.
    f = tmp_path / "enr.csv"
    f.write_text("zip,count\n77002,10\n77511,5\n77584,7\n")
    result = import_enrollees(project, f)
    assert result.points == 3 and result.counties == ["48039", "48201"]
    assert result.outside_service_area == {
        "points": 2,
        "enrollees": 12.0,
        "counties": [
            {
                "county_fips": "48039",
                "name": "Brazoria, TX",
                "points": 2,
                "enrollees": 12.0,
                "zips": ["77511", "77584"],
            }
        ],
    }
    assert result.report_lines()[1:] == [
        "  12 enrollees (2 points) are outside the service area: kept for a later service-area change, "
        "not scored until then (1 county)",
        "    48039 Brazoria, TX: 12 enrollees in ZIPs 77511, 77584",
    ]
    # Stored, not used while Brazoria is outside; the same count is there for a scoring run to report.
    assert project.conn.execute("SELECT count(*) FROM enrollee_points").fetchone()[0] == 3
    pts = population_points(project.service_area(), project)
    assert pts[pts.source == "enrollees"].weight.sum() == 10.0
    assert outside_service_area(project)["enrollees"] == 12.0
    assert outside_service_area(project, ["48201", "48039"])["points"] == 0
    # Once the service area takes Brazoria in, its enrollees replace its census points.
    with project.transaction():
        project.conn.execute("INSERT INTO service_area VALUES ('48039', 'TX', '2026-01-01')")
    pts = population_points(project.service_area(), project)
    assert pts[pts.county_fips == "48039"].weight.sum() == 12.0 and set(
        pts[pts.county_fips == "48039"].source
    ) == {"enrollees"}
    assert outside_service_area(project)["points"] == 0


def test_enrollee_files_zipped_or_as_spreadsheets(project, tmp_path):
    import zipfile

    import openpyxl

    archive = tmp_path / "enrollees.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("enrollees_by_zip.csv", "zip,count\n77002,1\n")
    with pytest.raises(InputFileError) as err:
        import_enrollees(project, archive)
    assert (
        str(err.value) == "enrollees.zip: is a ZIP archive: unzip it first (it holds: enrollees_by_zip.csv)"
    )
    # A workbook whose ZIP column Excel stored as numbers: 2138 is 02138, and 21381234 a ZIP+4 of 02138.
    book = tmp_path / "enrollees.xlsx"
    wb = openpyxl.Workbook()
    for r in (["ZIP", "Count"], [77002, 4], [2138, 2], [21381234, 1]):
        wb.active.append(r)
    wb.save(book)
    result = import_enrollees(project, book)
    assert result.points == 3 and result.rejected == []
    assert result.outside_service_area["counties"][0]["zips"] == ["02138"]  # Middlesex MA, outside
    assert result.outside_service_area["enrollees"] == 3.0


def test_enrollees_in_the_old_valdez_cordova_land_in_chugach_and_copper_river(tmp_path):
    """Issue "CMS-exact by default": ZIP enrollees of the 2019 split used to land in 02261, which is in no
    CMS service area, and vanished. Valdez 99686 is Chugach (02063); Copper Center 99573 is Copper River
    (02066) (Census 2020 ZCTA-county relationship)."""
    path = tmp_path / "ak.bpproj"
    create_project(path, "ak", lob="ma", plan_year=2027, counties=[("02063", "AK"), ("02066", "AK")])
    f = tmp_path / "enrollees.csv"
    f.write_text("zip,count\n99686,120\n99573,40\n")
    with open_project(path) as project:
        result = import_enrollees(project, f)
        pts = population_points(["02063", "02066"], project)
    assert result.enrollees == 160
    by_county = pts.groupby("county_fips").weight.sum().to_dict()
    assert by_county == {"02063": 120.0, "02066": 40.0}
