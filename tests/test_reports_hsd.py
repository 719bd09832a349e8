"""HSD table export: grain, credited-only rows, submitted codes, the rejection checks, files and the CLI."""

from __future__ import annotations

import csv
import json

import pytest
from deficiency_scenario import npi
from openpyxl import load_workbook
from reports_scenario import HARRIS, add_provider

from blueprint_desktop.cli import main
from blueprint_desktop.reports import hsd_checks, hsd_tables
from blueprint_desktop.rules.reference_file import import_reference_file

FAMILY = npi("600000001")
INTERNIST = npi("600000002")
NP = npi("600000003")
NOGEO = npi("600000004")
NOCOUNTY = npi("600000005")
TWICE = npi("600000006")
HOSPITAL = npi("600000007")
BAD_NPI = "1234567890"  # check digit should be 3: fails the Luhn test


def _reference(project, tmp_path):
    # Tiny distances for the provider lines (each office serves only its own county) and a long one for
    # Fort Bend hospitals, so the Harris hospital also serves Fort Bend: counties served are hand-known.
    path = tmp_path / "ref.csv"
    rows = ["ssa_code,state,county,county_designation,line_code,max_minutes,max_miles,min_count,plan_year"]
    for ssa, county, miles_040 in (("45610", "Harris", 1), ("45530", "Fort Bend", 200)):
        for line, miles in (("S03", 1), ("008", 1), ("40", miles_040)):
            rows.append(f"{ssa},TX,{county},Large Metro,{line},10,{miles},1,2026")
    path.write_text("\n".join(rows) + "\n")
    import_reference_file(project, path)


@pytest.fixture
def roster(project, tmp_path):
    _reference(project, tmp_path)
    add_provider(project, FAMILY, "Dr. Grace Liu", "S03", HARRIS, "48201", taxonomy="207Q00000X")
    add_provider(project, INTERNIST, "Dr. Hal Ito", "003", HARRIS, "48201", zip_="77002-1234")
    add_provider(project, NP, "Ivy Shaw, NP", "S03", HARRIS, "48201")  # no taxonomy: stays S03
    add_provider(project, BAD_NPI, "Dr. Jon Bad", "008", HARRIS, "48201")
    add_provider(project, NOGEO, "Dr. Kim Nogeo", "008", None, "48201")
    add_provider(project, NOCOUNTY, "Dr. Lee Nowhere", "008", None, None)
    pid = add_provider(project, TWICE, "Dr. Mo Twice", "008", HARRIS, "48201", address="1 Elm St")
    with project.transaction():  # the same office entered twice
        project.conn.execute(
            "INSERT INTO locations(provider_id, address, city, state, zip, county_fips, latitude, longitude,"
            " geocode_quality) VALUES (?, '1  elm st', 'Houston', 'TX', '77002', '48201', ?, ?, 'exact')",
            (pid, HARRIS[0], HARRIS[1]),
        )
    add_provider(project, HOSPITAL, "Bayou Memorial Hospital", "040", HARRIS, "48201", beds=312)
    # Never listed: an LOI, pending credentialing, telehealth-only, a market row.
    add_provider(project, npi("700000001"), "Dr. Loi", "008", HARRIS, "48201", contract="loi")
    add_provider(project, npi("700000002"), "Dr. Pending", "008", HARRIS, "48201", credentialing="pending")
    tele = add_provider(project, npi("700000003"), "Dr. Tele", "008", HARRIS, "48201")
    with project.transaction():
        project.conn.execute("UPDATE providers SET telehealth_only = 1 WHERE id = ?", (tele,))
    add_provider(
        project,
        npi("700000004"),
        "Dr. Market",
        "008",
        HARRIS,
        "48201",
        source="market",
        contract="none",
        credentialing="none",
    )
    return project


def _npi_col(rows):
    return [r.values["National Provider Identifier (NPI) Number"] for r in rows]


def test_rows_grain_codes_and_credited_only(roster):
    tables = hsd_tables.build_tables(roster)
    assert sorted(_npi_col(tables.provider)) == sorted(
        [FAMILY, INTERNIST, NP, BAD_NPI, NOGEO, NOCOUNTY, TWICE, TWICE]
    )
    by_npi = {r.values["National Provider Identifier (NPI) Number"]: r.values for r in tables.provider}
    assert by_npi[FAMILY]["Provider Specialty Code"] == "002"  # 207Q00000X family medicine -> 002, not S03
    assert by_npi[INTERNIST]["Provider Specialty Code"] == "003"
    assert by_npi[INTERNIST]["Provider Zip Code"] == "77002"
    assert by_npi[NP]["Provider Specialty Code"] == "S03"
    assert by_npi[FAMILY]["SSA State/County Code"] == "45610"
    assert list(tables.frame("provider").columns) == hsd_tables.PROVIDER_COLUMNS
    # The Harris hospital serves Harris (its own county) and Fort Bend (within 200 miles of its points).
    fac = [
        (r.values["SSA State/County Code"], r.values["# of Staffed, Medicare-Certified Beds"])
        for r in tables.facility
    ]
    assert sorted(fac) == [("45530", 312), ("45610", 312)]
    assert {r.values["Facility or Service Type"] for r in tables.facility} == {"Acute Inpatient Hospitals"}


def test_checks_catch_every_rejection_reason(roster):
    problems = hsd_checks.check_tables(hsd_tables.build_tables(roster))
    found = {(p.reason, p.npi) for p in problems if p.severity == hsd_checks.REJECT}
    assert found == {
        ("bad-npi", BAD_NPI),
        ("unknown-specialty", NP),
        ("no-geocode", NOGEO),
        ("no-geocode", NOCOUNTY),
        ("missing-ssa", NOCOUNTY),
        ("duplicate", TWICE),
    }
    dup = next(p for p in problems if p.reason == "duplicate")
    assert dup.table == "provider" and dup.value.startswith("same as row ")


def test_without_a_loaded_file_the_built_in_criteria_give_each_row_its_ssa_code(project):
    add_provider(project, FAMILY, "Dr. Grace Liu", "S03", HARRIS, "48201", taxonomy="207Q00000X")
    tables = hsd_tables.build_tables(project)
    problems = hsd_checks.check_tables(tables)
    assert [p.reason for p in problems if p.severity == "reject"] == []
    # Harris TX is SSA 45610 in the CMS HSD Reference File 2026 (Minimum Provider #s tab).
    assert {r.values["SSA State/County Code"] for r in tables.provider} == {"45610"}
    assert tables.ssa_source == "CMS HSD Reference File 2026 (built in)"


def test_a_plan_year_before_every_cms_file_lacks_ssa_codes(tmp_path):
    from blueprint_desktop.store import create_project, open_project

    path = tmp_path / "old.bpproj"
    create_project(path, "old", lob="ma", plan_year=2025, counties=[("48201", "TX")])
    with open_project(path) as old:
        add_provider(old, FAMILY, "Dr. Grace Liu", "S03", HARRIS, "48201", taxonomy="207Q00000X")
        problems = hsd_checks.check_tables(hsd_tables.build_tables(old))
    assert [p.reason for p in problems if p.severity == "reject"] == ["missing-ssa"]
    assert "blueprint import reference" in problems[0].expected


def test_cli_writes_tables_and_problems_and_strict_refuses(roster, project_path, tmp_path, capsys):
    roster.close()
    out = tmp_path / "hsd"
    assert main(["export", "hsd", str(project_path), str(out)]) == 0
    wb = load_workbook(out / "hsd_providers.xlsx")
    ws = wb.active
    header = [c.value for c in ws[1]]
    assert header == hsd_tables.PROVIDER_COLUMNS
    assert ws.max_row == 1 + 8
    npi_col = header.index("National Provider Identifier (NPI) Number") + 1
    assert all(isinstance(ws.cell(row=r, column=npi_col).value, str) for r in range(2, ws.max_row + 1))
    with (out / "hsd_facilities.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2 and rows[0]["Facility Specialty Code"] == "040"
    with (out / "hsd_rejections.csv").open() as fh:
        reasons = sorted(r["reason"] for r in csv.DictReader(fh) if r["severity"] == "reject")
    assert len(reasons) == 6
    capsys.readouterr()
    strict = tmp_path / "strict"
    assert main(["export", "hsd", str(project_path), str(strict), "--strict", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["written"] == [] and not (strict / "hsd_providers.xlsx").exists()
    assert (strict / "hsd_rejections.csv").exists()


def test_round_trip_through_the_roster_importer(roster, tmp_path):
    from blueprint_desktop.data.roster_import import import_roster
    from blueprint_desktop.store import create_project, open_project

    tables = hsd_tables.build_tables(roster)
    hsd_tables.write_tables(tables, tmp_path / "hsd")
    fresh = tmp_path / "fresh.bpproj"
    create_project(fresh, "Re-import", plan_year=2026, counties=[("48201", "TX"), ("48157", "TX")])
    with open_project(fresh) as again:
        # A file with a bad row is refused whole by default; the bad NPI row is skipped here.
        import_roster(again, tmp_path / "hsd" / "hsd_providers.csv", skip_bad_rows=True)
        import_roster(again, tmp_path / "hsd" / "hsd_facilities.csv")
        back = {
            (r[0], r[1], r[2] or "")
            for r in again.conn.execute(
                "SELECT p.npi, pl.line_code, substr(coalesce(l.zip, ''), 1, 5) FROM providers p"
                " JOIN provider_lines pl ON pl.provider_id = p.id JOIN locations l ON l.provider_id = p.id"
            )
        }
    exported = {
        (
            r.values["National Provider Identifier (NPI) Number"],
            r.values.get("Provider Specialty Code") or r.values.get("Facility Specialty Code"),
            r.values["Provider Zip Code"],
        )
        for r in tables.provider + tables.facility
        if r.values["National Provider Identifier (NPI) Number"] != BAD_NPI
    }
    # Every listed provider x specialty x office comes back (a bad NPI is rightly refused by the importer).
    missing = {e for e in exported if e not in back and (e[0], "S03", e[2]) not in back}
    assert not missing


def test_demo_export_writes_ssa_codes_and_rejects_nothing(tmp_path_factory, tmp_path):
    """Issue "CMS-exact by default": with no file loaded, the demo's HSD tables carry CMS's SSA codes (from
    the built-in 2026 criteria) and the export's own check rejects no row (before: all rows lacked SSA)."""
    from map_scenario import open_demo_copy

    demo = open_demo_copy(tmp_path_factory, tmp_path)
    try:
        tables = hsd_tables.build_tables(demo)
    finally:
        demo.close()
    problems = hsd_checks.check_tables(tables)
    assert [p for p in problems if p.severity == "reject"] == []
    ssa = {r.values["SSA State/County Code"] for r in tables.provider + tables.facility}
    # Harris 45610, Walker 45949, Waller 45950 (CMS HSD Reference File 2026, Minimum Provider #s).
    assert {"45610", "45949", "45950"} <= ssa and "" not in ssa
    assert tables.ssa_source == "CMS HSD Reference File 2026 (built in)"


# -- the columnar export against the row-by-row code it replaced (frozen in the bench) ------------------
def _baseline():
    """bench/bench_export_hsd.py: its ``old_*`` functions are the export as it was before the rewrite."""
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "bench" / "bench_export_hsd.py"
    if "bench_export_hsd" not in sys.modules:
        spec = importlib.util.spec_from_file_location("bench_export_hsd", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench_export_hsd"] = module
        spec.loader.exec_module(module)
    return sys.modules["bench_export_hsd"]


def _meta(row):
    return (
        row.kind,
        row.values,
        row.provider_id,
        row.location_id,
        row.county_fips,
        row.line_code,
        # The old code read a missing taxonomy as NaN (pandas' doing), the new one as None.
        None if row.taxonomy_code != row.taxonomy_code else row.taxonomy_code,
        row.geocode_quality,
        row.geocoded,
        row.own_county,
    )


def _sheet(path):
    wb = load_workbook(path, read_only=True)
    rows = [["" if v is None else v for v in r] for r in wb.active.iter_rows(values_only=True)]
    wb.close()
    return rows


def test_rows_checks_and_files_equal_the_row_by_row_code(roster, tmp_path):
    """Every row (values and provenance), every problem and both files, against the frozen old code."""
    old = _baseline()
    new_tables = hsd_tables.build_tables(roster)
    old_tables = old.old_build_tables(roster)
    for kind in ("provider", "facility"):
        assert [_meta(r) for r in new_tables.rows(kind)] == [_meta(r) for r in old_tables.rows(kind)]
    # The columnar checks find what the row-by-row checks find on the same rows, in the same order.
    assert hsd_checks.check_tables(new_tables) == old.old_check_tables(old_tables)
    hsd_tables.write_tables(new_tables, tmp_path / "new")
    old.old_write_tables(old_tables, tmp_path / "old")
    for name in ("hsd_providers", "hsd_facilities"):
        assert (tmp_path / "new" / f"{name}.csv").read_bytes() == (
            tmp_path / "old" / f"{name}.csv"
        ).read_bytes()
        assert _sheet(tmp_path / "new" / f"{name}.xlsx") == _sheet(tmp_path / "old" / f"{name}.xlsx")


@pytest.mark.timeout(600)  # the old code's openpyxl writer alone takes ~5 s CPU; the box may be loaded
def test_demo_export_equals_the_row_by_row_code(tmp_path_factory, tmp_path):
    """The demo (29,116 rows): same rows, order and values as the old code. One deliberate difference: the
    old code wrote "nan" where the roster has no contract type (pandas turned the NULLs into NaN); the new
    code leaves the cell empty and the checks warn about it."""
    from map_scenario import open_demo_copy

    old = _baseline()
    demo = open_demo_copy(tmp_path_factory, tmp_path)
    try:
        new_tables = hsd_tables.build_tables(demo)
        old_tables = old.old_build_tables(demo)
    finally:
        demo.close()
    assert len(new_tables.provider) > 20_000
    hsd_tables.write_tables(new_tables, tmp_path / "new")
    old.old_write_tables(old_tables, tmp_path / "old")
    for name in ("hsd_providers", "hsd_facilities"):
        new_csv = (tmp_path / "new" / f"{name}.csv").read_text(encoding="utf-8").splitlines()
        old_csv = (tmp_path / "old" / f"{name}.csv").read_text(encoding="utf-8").splitlines()
        old_rows = list(csv.reader(old_csv))
        if name == "hsd_providers":
            contract = hsd_tables.PROVIDER_COLUMNS.index("Contract Type")
            # The demo records a contract type for its MA contracts (demo 2026.12-4), so only rows
            # without one show the old bug here; the test roster above has it on every row.
            for r in old_rows:
                r[contract] = "" if r[contract] == "nan" else r[contract]
        assert list(csv.reader(new_csv)) == old_rows
        old_sheet = [["" if v == "nan" else v for v in r] for r in _sheet(tmp_path / "old" / f"{name}.xlsx")]
        assert _sheet(tmp_path / "new" / f"{name}.xlsx") == old_sheet
    # The checks equal the row-by-row checks run on the new rows; the demo records every contract type,
    # SSA code and geocode CMS asks for, so neither finds a problem.
    problems = hsd_checks.check_tables(new_tables)
    assert problems == old.old_check_tables(new_tables)
    assert problems == []


def test_a_table_over_the_sheet_limit_is_split_into_files_with_the_header(roster, tmp_path):
    tables = hsd_tables.build_tables(roster)
    out = tmp_path / "hsd"
    assert len(tables.provider) == 8
    # 4 rows a sheet with the header = 3 data rows: the 8 provider rows make 3 files (3 + 3 + 2).
    written = hsd_tables.write_tables(tables, out, max_rows=4)
    names = sorted(p.name for p in written)
    assert names == [
        "hsd_facilities.csv",
        "hsd_facilities.xlsx",
        "hsd_providers.csv",
        "hsd_providers_part1.xlsx",
        "hsd_providers_part2.xlsx",
        "hsd_providers_part3.xlsx",
    ]
    parts = [_sheet(out / f"hsd_providers_part{i}.xlsx") for i in (1, 2, 3)]
    assert [len(p) for p in parts] == [4, 4, 3]
    assert all(p[0] == hsd_tables.PROVIDER_COLUMNS for p in parts)
    with (out / "hsd_providers.csv").open(newline="", encoding="utf-8") as fh:
        csv_rows = list(csv.reader(fh))
    assert len(csv_rows) == 1 + 8  # the CSV stays one file
    assert [r for p in parts for r in p[1:]] == csv_rows[1:]
    # An export that fits again replaces the parts with one file: the folder never mixes two exports.
    hsd_tables.write_tables(tables, out)
    assert sorted(p.name for p in out.iterdir() if p.suffix == ".xlsx") == [
        "hsd_facilities.xlsx",
        "hsd_providers.xlsx",
    ]
    assert hsd_tables.xlsx_parts(0) == [(0, 0)] and hsd_tables.xlsx_parts(2_097_150) == [
        (0, 1_048_575),
        (1_048_575, 2_097_150),
    ]


def test_cli_summary_fits_one_screen_and_the_file_has_every_problem(roster, project_path, tmp_path, capsys):
    # 30 more providers with a bad NPI: 30 more rejections (and their missing contract-type warnings).
    from blueprint_desktop.data.npi import is_valid_npi

    bad = [n for n in (f"99999{i:05d}" for i in range(100)) if not is_valid_npi(n)][:30]
    for i, bad_npi in enumerate(bad):
        add_provider(roster, bad_npi, f"Dr. Bad {i}", "008", HARRIS, "48201", address=f"{i} Oak St")
    roster.close()
    out = tmp_path / "hsd"
    assert main(["export", "hsd", str(project_path), str(out)]) == 0
    captured = capsys.readouterr()
    screen = captured.out.splitlines() + captured.err.splitlines()
    assert len(screen) <= 20
    assert "and " in captured.err and "more, every one in" in captured.err
    assert captured.out.splitlines()[0] == "provider table: 38 row(s)"
    with (out / "hsd_rejections.csv").open(newline="", encoding="utf-8") as fh:
        every = list(csv.DictReader(fh))
    assert sum(r["severity"] == "reject" for r in every) == 6 + 30
    assert f"36 row problem(s) CMS would reject and {len(every) - 36} warning(s)" in captured.out


@pytest.mark.parametrize("lob", ["qhp", "medicaid"])
def test_other_lines_of_business_get_no_hsd_tables(tmp_path, capsys, lob):
    """The HSD tables are MA's HPMS submission: a QHP or Medicaid project is refused, with what to use instead,
    and no file is written."""
    from blueprint_desktop.errors import BlueprintError
    from blueprint_desktop.store import create_project, open_project

    path = tmp_path / f"{lob}.bpproj"
    create_project(path, lob, lob=lob, plan_year=2026, counties=[("48201", "TX")])
    with open_project(path) as project, pytest.raises(BlueprintError, match=f"is a {lob.upper()} project"):
        hsd_tables.build_tables(project)
    out = tmp_path / "out"
    assert main(["export", "hsd", str(path), str(out)]) == 2
    assert "blueprint export providers" in capsys.readouterr().err and not out.exists()
