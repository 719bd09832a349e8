"""Importing the CMS HSD Reference File: the real 2026 workbook, our CSV form, and refused files."""

import shutil
import sqlite3

import openpyxl
import pytest

from blueprint_desktop.errors import InputFileError
from blueprint_desktop.rules.reference_file import import_reference_file
from blueprint_desktop.rules.standards import standards_for_county
from blueprint_desktop.store import create_project, open_project

REFERENCE = "/work/shared/data/ma_reference_file_12-17-2025.xlsx"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """One project with the real 2026 file loaded (the import takes a few seconds; done once)."""
    path = tmp_path_factory.mktemp("ref") / "ref.bpproj"
    create_project(path, "ref", plan_year=2026, counties=[("48201", "TX"), ("48301", "TX")])
    with open_project(path) as project:
        result = import_reference_file(project, REFERENCE)
    return path, result


def test_real_file_import(loaded):
    path, result = loaded
    assert result.plan_year == 2026 and "saved 2025-08-12" in result.vintage
    assert result.counties == 3262 and result.criteria_rows == 140266 and result.con_rows == 15223
    assert result.checks == {"criteria_changes_checked": 6862, "criteria_changes_mismatched": 0}
    # Every SSA county maps to its Census county-equivalent(s): Guam's villages, American Samoa's counties
    # and St. John-Thomas VI included (rules/county_match.py).
    assert result.unmatched == []
    conn = sqlite3.connect(path)
    fips = dict(conn.execute("SELECT ssa_code, county_fips FROM reference_counties"))
    vi = sorted(
        r[0] for r in conn.execute("SELECT county_fips FROM reference_county_fips WHERE ssa_code = '48020'")
    )
    conn.close()
    assert vi == ["78020", "78030"]  # St. John-Thomas: St. John and St. Thomas
    assert fips["05200"] == fips["05210"] == "06037"  # Los Angeles' two SSA codes
    assert fips["09000"] == "11001" and fips["07000"] == "09001"  # DC; Connecticut's old Fairfield County
    assert (fips["02063"], fips["02066"]) == ("02063", "02066")  # Chugach, Copper River (not 02261)
    assert fips["49288"] == "51600" and fips["49290"] == "51059"  # Fairfax City vs Fairfax County
    assert fips["45610"] == "48201" and fips["14580"] == "17099"  # Harris; 'La Salle' IL = LaSalle


def test_reference_overrides_built_in_table(loaded):
    path, _ = loaded
    with open_project(path, read_only=True) as project:
        harris = standards_for_county(project, "48201")
        assert (harris.ssa_code, harris.designation, harris.designation_source, harris.estimated) == (
            "45610", "Large Metro", "reference", False,
        )  # fmt: skip
        assert harris.beneficiaries_required == 49515
        assert [harris.lines[c].min_count for c in ("S03", "008", "040")] == [83, 14, 605]
        fort_bend = standards_for_county(project, "48157")
        assert (fort_bend.designation, fort_bend.beneficiaries_required, fort_bend.lines["S03"].min_count) == (
            "Metro", 13864, 24,
        )  # fmt: skip
        autauga = standards_for_county(project, "01001")
        s03 = autauga.lines["S03"]
        assert (s03.max_minutes, s03.max_miles, s03.customized, s03.source) == (25, 15, True, "reference")
        etowah = standards_for_county(project, "01055")
        assert etowah.lines["040"].min_count == 34  # the file's value (the rounded base would give 35)
        loving = standards_for_county(project, "48301")
        assert loving.designation == "CEAC" and loving.beneficiaries_required == 3
        la = standards_for_county(project, "06037")
        assert la.ssa_code == "05200" and "05210" in la.notes[0]


def test_reimport_same_file_changes_nothing(loaded, tmp_path):
    path, _ = loaded
    copy = tmp_path / "copy.bpproj"
    shutil.copy(path, copy)
    with open_project(copy) as project:
        again = import_reference_file(project, REFERENCE)
        assert again.already_imported
        assert project.conn.execute("SELECT count(*) FROM reference_files").fetchone()[0] == 1


# -- a small workbook in the real layout, and broken variants of it -------------------------------------
def _workbook(path, drop_sheet=None, drop_column=None, bad_cell=None):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    ids = ["COUNTY", "ST", "COUNTY_STATE", "SSACD", "TOTAL BENEFICIARIES", "COUNTY DESIGNATION",
           "95th PERCENTILE BASE POPULATION RATIO", "BENEFICIARIES REQUIRED TO COVER"]  # fmt: skip
    counties = [("Harris", "TX", "Harris, TX", "45610", 644155, "Large Metro", 0.0768672506, 49515),
                ("Loving", "TX", "Loving, TX", "45762", 16, "CEAC", 0.1432791728, 3)]  # fmt: skip
    sheets = {
        "Minimum Provider #s": (["S03", "008"], [[83, 14], [1, 1]]),
        "Minimum Facility #s": ([40, 46], [[605, 1], [1, 1]]),
    }
    for title, (codes, values) in sheets.items():
        ws = wb.create_sheet(title)
        header = [h for h in ids if h != drop_column] + [f"name {c}" for c in codes]
        ws.append(["disclaimer"])
        ws.append(header)
        ws.append([None] * (len(header) - len(codes)) + codes)
        for county, vals in zip(counties, values, strict=True):
            row = [v for h, v in zip(ids, county, strict=True) if h != drop_column] + vals
            ws.append(row)
    td = {"Provider Time & Distance": (["S03", "008"], [[12, 6, 20, 10], [70, 60, 95, 85]]),
          "Facility Time & Distance": ([40, 46], [[20, 10, 20, 10], [110, 100, 95, 85]])}  # fmt: skip
    for title, (codes, values) in td.items():
        ws = wb.create_sheet(title)
        ws.append(["disclaimer"])
        ws.append(
            ["COUNTY", "ST", "COUNTY_STATE", "SSACD", "COUNTY DESIGNA-TION"]
            + [x for c in codes for x in (f"n{c}", None)]
        )
        ws.append([None] * 5 + [x for c in codes for x in (c, None)])
        ws.append([None] * 5 + ["Time", "Distance"] * len(codes))
        for county, vals in zip(counties, values, strict=True):
            ws.append([county[0], county[1], county[2], county[3], county[5]] + vals)
    if bad_cell:
        sheet, row, col, value = bad_cell
        wb[sheet].cell(row=row, column=col, value=value)
    if drop_sheet:
        wb.remove(wb[drop_sheet])
    wb.save(path)
    return path


def _dump(path):
    conn = sqlite3.connect(path)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    out = {t: conn.execute(f"SELECT * FROM [{t}] ORDER BY 1").fetchall() for t in tables}
    conn.close()
    return out


def test_small_workbook_imports(project, tmp_path):
    result = import_reference_file(project, _workbook(tmp_path / "small.xlsx"), plan_year=2026)
    assert result.counties == 2 and result.unmatched == []
    harris = standards_for_county(project, "48201")
    s03 = harris.lines["S03"]
    assert (s03.max_minutes, s03.max_miles, s03.min_count, s03.customized) == (12, 6, 83, True)
    assert harris.lines["046"].min_count == 1 and harris.lines["040"].min_count == 605
    # lines the file does not carry fall back to the base cell, labelled as such
    assert harris.lines["007"].source == "base" and harris.lines["007"].max_minutes == 30


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"drop_sheet": "Facility Time & Distance"}, "missing sheet(s) 'Facility Time & Distance'"),
        (
            {"drop_column": "TOTAL BENEFICIARIES"},
            "sheet 'Minimum Provider #s' is missing column(s) TOTALBENEFICIARIES",
        ),
        (
            {"bad_cell": ("Minimum Provider #s", 4, 9, "eighty")},
            "sheet 'Minimum Provider #s', row 4, column 'S03': 'eighty'",
        ),
        (
            {"bad_cell": ("Provider Time & Distance", 5, 7, "far")},
            "row 5, column 'S03 Distance': 'far' is not a number of miles",
        ),
        (
            {"bad_cell": ("Minimum Provider #s", 4, 6, "Metropolis")},
            "'Metropolis' is not a county designation",
        ),
        ({"bad_cell": ("Minimum Provider #s", 5, 4, "TX-1")}, "'TX-1' is not a 5-digit SSA"),
    ],
)
def test_malformed_workbook_refused_and_project_unchanged(project_path, tmp_path, kwargs, message):
    bad = _workbook(tmp_path / "bad.xlsx", **kwargs)
    before = _dump(project_path)
    with open_project(project_path) as project, pytest.raises(InputFileError) as err:
        import_reference_file(project, bad, plan_year=2026)
    assert message in str(err.value) and "\n" not in str(err.value)
    assert _dump(project_path) == before


def test_not_a_workbook(project, tmp_path):
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a zip")
    with pytest.raises(InputFileError, match="not a readable Excel workbook"):
        import_reference_file(project, junk)


def test_csv_form(project, tmp_path):
    csv_path = tmp_path / "ref.csv"
    csv_path.write_text(
        "ssa_code,state,county,county_designation,line_code,max_minutes,max_miles,min_count,plan_year\n"
        "45610,TX,Harris,Large Metro,S03,11,6,90,2026\n"
        "45610,TX,Harris,Large Metro,40,20,10,600,2026\n"
    )
    result = import_reference_file(project, csv_path)
    assert result.plan_year == 2026 and result.matched == 1
    harris = standards_for_county(project, "48201")
    assert (
        harris.lines["S03"].max_minutes,
        harris.lines["S03"].min_count,
        harris.lines["040"].min_count,
    ) == (11, 90, 600)
    bad = tmp_path / "bad.csv"
    bad.write_text("ssa_code,state,county,county_designation,line_code,max_minutes,max_miles,min_count\n"
                   "45610,TX,Harris,Large Metro,S03,eleven,6,90\n")  # fmt: skip
    with pytest.raises(InputFileError, match="row 2, column 'max_minutes': 'eleven'"):
        import_reference_file(project, bad)
