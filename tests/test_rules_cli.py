"""`blueprint standards` and the import commands, end to end."""

import json

from blueprint_desktop.cli import main

REFERENCE = "/work/shared/data/ma_reference_file_12-17-2025.xlsx"


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_standards_without_reference_use_the_built_in_cms_criteria(capsys, project_path):
    harris = _json(capsys, ["standards", "--county", "48201", "--json"])
    # CMS HSD Reference File 2026, Minimum Provider #s: Harris 45610 Large Metro, S03 minimum 83.
    assert (harris["designation"], harris["designation_source"], harris["ssa_code"]) == (
        "Large Metro",
        "reference",
        "45610",
    )
    assert harris["criteria_label"] == "CMS HSD Reference File 2026 (built in)"
    s03 = next(line for line in harris["lines"] if line["code"] == "S03")
    assert (s03["max_minutes"], s03["max_miles"], s03["required_pct"], s03["min_count"]) == (10, 5, 90.0, 83)
    loving = _json(capsys, ["standards", str(project_path), "--county", "48301", "--json"])
    # Loving TX 45762: CEAC, 16 beneficiaries, 3 to cover, a minimum of 1 of everything (HSD26).
    assert (loving["designation"], loving["estimated"], loving["beneficiaries_required"]) == (
        "CEAC",
        False,
        3,
    )
    assert {line["required_pct"] for line in loving["lines"]} == {85.0}
    assert {line["min_count"] for line in loving["lines"]} == {1}
    table = _json(capsys, ["standards", "--json"])
    assert len(table["lines"]) == 43 and table["not_scored"] == {"044": "Outpatient Dialysis"}


def test_standards_with_reference(capsys, project_path):
    result = _json(capsys, ["import", "reference", str(project_path), REFERENCE, "--json"])
    assert result["counties"] == 3262
    harris = _json(capsys, ["standards", str(project_path), "--county", "48201", "--json"])
    assert (harris["designation"], harris["designation_source"], harris["ssa_code"]) == (
        "Large Metro",
        "reference",
        "45610",
    )
    lines = {line["code"]: line for line in harris["lines"]}
    assert (lines["S03"]["max_minutes"], lines["S03"]["max_miles"], lines["S03"]["min_count"]) == (10, 5, 83)
    loving = _json(capsys, ["standards", str(project_path), "--county", "48301", "--json"])
    assert loving["designation"] == "CEAC" and loving["ssa_code"] == "45762"


def test_errors_are_one_line(capsys, project_path, tmp_path):
    assert main(["standards", "--county", "4820"]) == 2
    err = capsys.readouterr().err
    assert "not a 5-digit county FIPS" in err and len(err.strip().splitlines()) == 1
    bad = tmp_path / "e.csv"
    bad.write_text("zip,count,first_name\n77002,1,Ann\n")
    assert main(["import", "enrollees", str(project_path), str(bad)]) == 2
    assert "'first_name'" in capsys.readouterr().err


def test_population_and_credits_commands_show_and_set(capsys, project_path):
    shown = _json(capsys, ["population", str(project_path), "--json"])
    assert shown["model"] == "sample" and set(shown["points_by_source"]) == {"census-sample"}
    coarse = _json(capsys, ["population", str(project_path), "--model", "zcta-points", "--json"])
    assert coarse["model"] == "zcta-points" and set(coarse["points_by_source"]) == {"census-zcta"}
    credits = _json(capsys, ["credits", str(project_path), "--telehealth-basis", "plan", "--json"])
    assert credits["telehealth_basis"] == "plan" and credits["stacking"].startswith("no")
