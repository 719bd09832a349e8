"""The built-in MA standards table (42 CFR 422.116; HSD26 Master Tables 1-3) and computed standards."""

import math

import openpyxl
import pytest

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.rules.standards import (
    all_lines,
    beneficiaries_required,
    load_base_table,
    required_count,
    standards_for_county,
)

REFERENCE = "/work/shared/data/ma_reference_file_12-17-2025.xlsx"


def test_lines_in_hsd_order_with_s03_and_068_and_no_dialysis():
    codes = [line.code for line in all_lines()]
    assert codes[0] == "S03" and codes[-1] == "068"
    assert len([c for c in codes if c < "040" or c == "S03"]) == 29  # S03 + 28 specialties incl. 036/037
    assert [c for c in codes if "040" <= c <= "068"] == [
        "040", "041", "042", "043", "045", "046", "047", "048", "049", "050", "051", "052", "057", "068",
    ]  # fmt: skip
    table = load_base_table()
    assert "044" not in codes and "044" in table.unscored
    assert {table.pooled[c] for c in ("001", "002", "003", "004", "005", "006")} == {"S03"}


# (line, designation, minutes, miles, ratio or min) hand-copied from 42 CFR 422.116 / HSD26 Master tables.
@pytest.mark.parametrize(
    ("code", "designation", "minutes", "miles", "ratio"),
    [
        ("S03", "Large Metro", 10, 5, 1.67),
        ("S03", "Metro", 15, 10, 1.67),
        ("S03", "Micro", 30, 20, 1.42),
        ("S03", "Rural", 40, 30, 1.42),
        ("S03", "CEAC", 70, 60, 1.42),
        ("008", "Metro", 30, 20, 0.27),
        ("008", "Rural", 75, 60, 0.23),
        ("036", "CEAC", 145, 130, 0.13),
        ("037", "Metro", 30, 20, 0.25),
        ("012", "Micro", 100, 75, 0.03),
        ("040", "Micro", 80, 60, 12.2),
        ("040", "Rural", 75, 60, 12.2),  # Rural tighter than Micro for hospitals: real, not a typo
        ("052", "Metro", 70, 45, None),
        ("068", "Metro", 40, 25, None),
        ("068", "CEAC", 110, 100, None),
        ("041", "Micro", 160, 120, None),
    ],
)
def test_cfr_numbers(code, designation, minutes, miles, ratio):
    cell = load_base_table().cells[code][designation]
    assert (cell.max_minutes, cell.max_miles) == (minutes, miles)
    if ratio is None:
        assert cell.min_count == 1 and cell.ratio_per_1000 is None
    else:
        assert cell.ratio_per_1000 == ratio
    assert cell.counts_beds == (code == "040")


def test_required_share_and_pct95_per_county_type():
    types = load_base_table().county_types
    assert {d: t.required_pct for d, t in types.items()} == {
        "Large Metro": 90.0, "Metro": 90.0, "Micro": 85.0, "Rural": 85.0, "CEAC": 85.0,
    }  # fmt: skip
    assert types["Metro"].pct95_ratio == 0.1058540133


def test_telehealth_list():
    table = load_base_table()
    eligible = {code for code, cells in table.cells.items() if cells["Metro"].telehealth_credit}
    assert eligible == {
        "S03",
        "007",
        "008",
        "011",
        "012",
        "013",
        "016",
        "017",
        "018",
        "019",
        "023",
        "029",
        "036",
        "037",
        "068",
    }
    # 036/037 were added to 422.116(d)(5) by CMS-4201-F1 (88 FR 22120, April 12, 2023; CMS supporting
    # statement, OMB 0938-1346). No CMS text we hold lists 068, so it alone stays unsourced.
    uncertain = {code for code, cells in table.cells.items() if not cells["Metro"].telehealth_certain}
    assert uncertain == {"068"}


def test_built_in_table_equals_the_cms_master_tab():
    """Every base T&D and ratio equals HSD26's Master tab (Tables 1-3), read independently here."""
    wb = openpyxl.load_workbook(REFERENCE, read_only=True, data_only=True)
    rows = list(wb["Master"].iter_rows(values_only=True))
    wb.close()
    table = load_base_table()
    designations = ["Large Metro", "Metro", "Micro", "Rural", "CEAC"]
    checked = 0
    for row in rows[6:]:
        if row[8] and str(row[8]).strip() in table.cells:  # Tables 1 and 2
            cells = table.cells[str(row[8]).strip()]
            for i, d in enumerate(designations):
                assert (cells[d].max_minutes, cells[d].max_miles) == (row[10 + 2 * i], row[11 + 2 * i])
                assert cells[d].ratio_per_1000 == round(row[2 + i], 2)
                checked += 1
        if row[21] and str(row[21]).strip() in table.cells:  # Table 3
            cells = table.cells[str(row[21]).strip()]
            for i, d in enumerate(designations):
                assert (cells[d].max_minutes, cells[d].max_miles) == (row[24 + 3 * i], row[25 + 3 * i])
                checked += 1
    assert checked == 43 * 5


def test_minimum_count_formula_uses_unrounded_product():
    # Etowah AL (HSD26): 26,325 beneficiaries, Metro ratio 0.1058540133, 2,787 to cover, 34 beds in the file.
    assert beneficiaries_required(26325, 0.1058540133) == 2787
    assert required_count(12.2, 26325, 0.1058540133) == 34
    assert math.ceil(12.2 * 2787 / 1000) == 35  # the rounded base would be off by one
    # Harris TX (HSD26 worked example): 644,155 beneficiaries -> 49,515 to cover, PC 83, cardiology 14, beds 605.
    assert beneficiaries_required(644155, 0.0768672506) == 49515
    assert required_count(1.67, 644155, 0.0768672506) == 83
    assert required_count(0.27, 644155, 0.0768672506) == 14
    assert required_count(12.2, 644155, 0.0768672506) == 605
    assert required_count(1.42, 16, 0.1432791728) == 1  # Loving TX: at least 1 of everything


def test_computed_standards_before_every_cms_criteria_year():
    # Plan year 2025 precedes the built-in 2026 criteria: designations are computed and minimums estimated.
    harris = standards_for_county(None, "48201", plan_year=2025)
    assert (harris.designation, harris.designation_source, harris.tier, harris.estimated) == (
        "Large Metro", "computed", "Urban", True,
    )  # fmt: skip
    s03 = harris.lines["S03"]
    assert (s03.max_minutes, s03.max_miles, s03.required_pct, s03.credit_points) == (10, 5, 90.0, 10.0)
    # Estimate: 526,315 people 65+ x 1.237 = 651,052 beneficiaries -> ceil(1.67 x 651,052 x 0.0768672506 / 1000)
    assert harris.total_beneficiaries == 651052
    assert s03.min_count == math.ceil(1.67 * 651052 * 0.0768672506 / 1000) == 84
    loving = standards_for_county(None, "48301", plan_year=2025)
    assert loving.designation == "CEAC" and loving.lines["S03"].required_pct == 85.0
    assert all(line.min_count == 1 for line in loving.lines.values())


def test_project_lob_decides_and_other_lob_needs_a_ruleset(project, tmp_path):
    with pytest.raises(BlueprintError, match="MA project; MEDICAID standards do not apply"):
        standards_for_county(project, "48201", lob="medicaid")
    from blueprint_desktop.store import create_project, open_project

    path = tmp_path / "mcd.bpproj"
    create_project(path, "Medicaid", lob="medicaid", plan_year=2026, counties=[("48201", "TX")])
    with open_project(path) as mcd, pytest.raises(BlueprintError, match="no MEDICAID rule set is loaded"):
        standards_for_county(mcd, "48201")
