"""Every roster validation rule: one bad value per row, each reported with the user's row, column, value
and what was expected; accepted spellings map to the schema's values."""

from __future__ import annotations

import pytest
from deficiency_scenario import npi
from roster_files import CARDIO, facility_row, facility_table, template_file, template_row

from blueprint_desktop.data import roster_validate as rv
from blueprint_desktop.data.roster_import import preview_roster
from blueprint_desktop.data.roster_layouts import detect_layout
from blueprint_desktop.data.tabular import read_table
from blueprint_desktop.rules.reference_file import import_reference_file

# row number -> (column, value, what the expectation says): one problem each.
BAD = {
    3: ({"npi": "12345"}, "npi", "a 10-digit NPI"),
    4: ({"npi": "1234567890"}, "npi", "the 10th digit is 3"),
    5: ({"specialty_code": "099"}, "specialty_code", "a CMS HSD specialty code (001-008"),
    6: (
        {"specialty_code": "", "taxonomy": ""},
        "specialty_code",
        "an HSD specialty code or a NUCC taxonomy code",
    ),
    # Not a code of the NUCC set (a NUCC code our crosswalk lacks imports: test_roster_credit_fields.py).
    7: (
        {"specialty_code": "", "taxonomy": "207ZZ9999X"},
        "taxonomy",
        "a code of the NUCC taxonomy code set v25.1",
    ),
    8: (
        {"specialty_code": "023", "taxonomy": "152W00000X"},
        "specialty_code",
        "152W00000X is never credited",
    ),
    9: ({"state": "XX"}, "state", "a USPS state code"),
    10: ({"zip": "ABCDE"}, "zip", "a 5-digit ZIP code"),
    11: ({"zip": "10001"}, "zip", "a ZIP code in TX (10001 is in NY)"),
    12: ({"county": "36061"}, "county", "a county FIPS code or CMS SSA county code in TX"),
    13: ({"county": "Gotham"}, "county", "no county named 'Gotham' in TX"),
    14: ({"latitude": "95", "longitude": "-95.4"}, "latitude", "a latitude in decimal degrees (-90 to 90)"),
    15: ({"latitude": "29.7"}, "longitude", "latitude and longitude go together"),
    16: (
        {"latitude": "40.75", "longitude": "-73.99"},
        "latitude",
        "coordinates in TX (this point is in New York, NY)",
    ),
    17: ({"contract_status": "maybe"}, "contract_status", "one of executed, loi, pending, terminated, none"),
    18: ({"credentialing_status": ""}, "credentialing_status", "one of active, provisional, pending, none"),
    19: ({"panel_status": "perhaps"}, "panel_status", "one of open, closed, unknown"),
    20: ({"telehealth_only": "sometimes"}, "telehealth_only", "Y or N"),
    21: ({"contract_executed_date": "13/45/2024"}, "contract_executed_date", "a date (YYYY-MM-DD"),
    22: ({"beds": "many"}, "beds", "a whole number of beds"),
    23: ({"entity_type": "robot"}, "entity_type", "individual or organization"),
    24: ({"geocode_quality": "rooftop"}, "geocode_quality", "coordinates in latitude and longitude"),
    25: ({"name": ""}, "name", "the provider or facility name"),
}


def _bad_file(tmp_path):
    rows = [template_row(CARDIO, "Dr. Good")]
    for number, (given, _col, _exp) in BAD.items():
        values = dict(given)
        rows.append(
            template_row(
                values.pop("npi", npi(f"5000000{number:02d}")), values.pop("name", f"Row {number}"), **values
            )
        )
    rows.append(template_row(CARDIO, "Dr. Good"))  # row 26: the same row as row 2
    rows.append(template_row(CARDIO, "Dr. Good", contract_status="LOI", zip="77002"))  # row 27: disagrees
    return template_file(tmp_path / "bad.csv", rows)


def test_every_rule_reports_row_column_value_expected(project, tmp_path) -> None:
    preview = preview_roster(_bad_file(tmp_path), project)
    assert preview.layout == "template" and preview.missing_required == []
    by_row: dict[int, list[rv.Problem]] = {}
    for p in preview.problems:
        by_row.setdefault(p.row_number, []).append(p)
    assert sorted(by_row) == [*BAD, 26, 27]  # row 2 is good, every other row has a problem
    for number, (_values, column, expected) in BAD.items():
        assert len(by_row[number]) == 1, by_row[number]
        problem = by_row[number][0]
        assert problem.column == column and expected in problem.expected, problem
    assert str(by_row[3][0]) == "row 3, column npi: got 12345, expected a 10-digit NPI"
    assert by_row[4][0].value == "1234567890"
    assert by_row[25][0].value == "" and str(by_row[25][0]).endswith(
        "got (empty), expected the provider or facility name"
    )
    assert [(p.column, p.value, p.expected) for p in by_row[26]] == [
        ("(whole row)", "same as row 2", "each row once")
    ]
    assert [(p.column, p.value, p.expected) for p in by_row[27]] == [
        ("contract_status", "LOI", "executed as on row 2 (one NPI is one provider)")
    ]


def test_problems_name_the_users_own_headers(tmp_path) -> None:
    rows = [
        facility_row(npi("400000010"), "Clinic", "008"),
        facility_row("1234567890", "General", "040", beds="x"),
    ]
    path = facility_table(tmp_path / "fac.csv", rows)
    table = read_table(path)
    layout, mapping = detect_layout(table.headers)
    problems = rv.validate_table(table, mapping, layout).problems
    assert [(p.row_number, p.column) for p in problems] == [
        (2, "Facility Specialty Code"),  # a provider code in the facility table
        (3, "National Provider Identifier (NPI) Number"),
        (3, "# of Staffed, Medicare-Certified Beds"),
    ]
    assert problems[0].expected.startswith("a facility specialty code of the HSD facility table (040-052")


def test_accepted_spellings_become_schema_values(project, tmp_path) -> None:
    good = template_row(
        npi("500000100"),
        "Dr. Spelling",
        specialty_code="8",
        contract_status="Fully Executed",
        credentialing_status="Credentialed",
        panel_status="Y",
        telehealth_only="no",
        zip="77030-1234",
        county="Harris County",
        contract_executed_date="3/1/2025",
        credentialing_date="45658",  # Excel day 45658 = 2025-01-01
        hpms_entered_date="20250301",
        entity_type="1",
    )
    placed = template_row(
        npi("500000101"),
        "Dr. Placed",
        specialty_code="",
        taxonomy="2086x0206x",  # surgical oncology: 015 General Surgery and 021 Oncology
        zip="77479",
        county="fort bend",
        latitude="29.565",
        longitude="-95.635",
        geocode_quality="street",
        contract_status="signed",
        credentialing_status="provisional",
        panel_status="closed",
        telehealth_only="Y",
        beds="12.0",
    )
    table = read_table(template_file(tmp_path / "ok.csv", [good, placed]))
    layout, mapping = detect_layout(table.headers)
    result = rv.validate_table(table, mapping, layout, rv.Context.for_project(project))
    assert result.problems == []
    a, b = result.rows
    assert a.provider == {
        "name": "Dr. Spelling",
        "entity_type": "individual",
        "contract_status": "executed",
        "contract_executed_date": "2025-03-01",
        "credentialing_status": "active",
        "credentialing_date": "2025-01-01",
        "panel_status": "open",
        "telehealth_only": 0,
        "hpms_entered_date": "2025-03-01",
        # The template has the credit-fact columns (schema 7): blank, so stored as NULL (not known).
        "exclusion": None,
        "ma_contracted": None,
        "primary_care_source": None,
    }
    assert (a.codes, a.zip, a.county_fips, a.latitude) == (["008"], "77030", "48201", None)
    assert (b.codes, b.taxonomy, b.county_fips) == (["015", "021"], "2086X0206X", "48157")
    assert (b.latitude, b.longitude, b.geocode_quality, b.beds) == (29.565, -95.635, "interpolated", 12)
    assert (b.provider["contract_status"], b.provider["credentialing_status"]) == ("executed", "provisional")
    assert (b.provider["panel_status"], b.provider["telehealth_only"]) == ("closed", 1)


def test_ssa_county_codes_resolve_through_the_reference_file(project, tmp_path) -> None:
    ref = tmp_path / "ref.csv"
    ref.write_text(
        "ssa_code,state,county,county_designation,line_code,max_minutes,max_miles,min_count,plan_year\n"
        "45610,TX,Harris,Large Metro,008,10,5,1,2026\n"
    )
    import_reference_file(project, ref)
    rows = [
        template_row(npi("500000200"), "Dr. Ssa", county="45610"),  # Harris's SSA code
        template_row(npi("500000201"), "Dr. Unknown", county="45999"),
    ]
    table = read_table(template_file(tmp_path / "ssa.csv", rows))
    layout, mapping = detect_layout(table.headers)
    result = rv.validate_table(table, mapping, layout, rv.Context.for_project(project))
    assert [r.county_fips for r in result.rows] == ["48201"]
    assert [(p.row_number, p.expected) for p in result.problems] == [
        (3, "a county FIPS code or CMS SSA county code in TX")
    ]


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2025-03-01", "2025-03-01"),
        ("2025-3-1", "2025-03-01"),
        ("2025-03-01 00:00:00", "2025-03-01"),
        ("3/1/2025", "2025-03-01"),
        ("03-01-2025", "2025-03-01"),
        ("20250301", "2025-03-01"),
        ("45292", "2024-01-01"),  # Excel serial
        ("45292.0", "2024-01-01"),
    ],
)
def test_dates(text, iso) -> None:
    assert rv.parse_date(text) == iso


@pytest.mark.parametrize("text", ["2024", "2/30/2025", "yesterday", "2025/03/01/9", "13/1/2025"])
def test_bad_dates(text) -> None:
    with pytest.raises(rv._Bad):
        rv.parse_date(text)


def test_zip_forms() -> None:
    assert rv.parse_zip("77002") == "77002"
    assert rv.parse_zip("77002-1234") == "77002"
    assert rv.parse_zip("770021234") == "77002"
    assert rv.parse_zip("2139") == "02139"  # a spreadsheet dropped the leading zero
    for bad in ("770", "77002-12", "2139-1234", "ABCDE"):
        with pytest.raises(rv._Bad):
            rv.parse_zip(bad)


def test_status_vocabularies_are_explicit() -> None:
    assert rv.parse_contract("Executed") == "executed"
    assert rv.parse_contract("Letter of Intent") == "loi"
    assert rv.parse_contract("L.O.I.") == "loi"
    assert rv.parse_contract("Termed") == "terminated"
    assert rv.parse_panel("N") == "closed"
    assert rv.parse_flag("TRUE") == 1
    assert rv.parse_entity("2") == "organization"
    for parse, text in (
        (rv.parse_contract, "probably"),
        (rv.parse_credentialing, "yes"),
        (rv.parse_flag, "maybe"),
    ):
        with pytest.raises(rv._Bad):
            parse(text)
