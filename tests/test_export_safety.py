"""Exported cells are safe: roster text that a spreadsheet would run as a formula is neutralised with a
leading quote (OWASP "CSV Injection"), and XML-illegal control characters never stop an export
(reports.safe_cells), in the HSD tables (XLSX and CSV), their rejection list, the results matrix and the
servicing-provider report."""

from __future__ import annotations

import csv

import pytest
from deficiency_scenario import npi
from openpyxl import load_workbook
from reports_scenario import HARRIS, add_provider

from blueprint_desktop.engine.scoring import score_project
from blueprint_desktop.reports import hsd_checks, hsd_tables, matrix_xlsx, servicing_providers
from blueprint_desktop.reports.safe_cells import (
    REPLACEMENT,
    neutralise_formula,
    replace_control_chars,
    safe_text,
)

FORMULAS = {
    npi("800000001"): '=HYPERLINK("http://x","click")',
    npi("800000002"): "+1-555",
    npi("800000003"): "-2+3",
    npi("800000004"): "@SUM(A1)",
    npi("800000006"): "\tDr. Tab",
}
NUL_NPI = npi("800000005")
NUL_NAME = "Dr. Nul\x00Byte\x1f"
NUL_SAFE = f"Dr. Nul{REPLACEMENT}Byte{REPLACEMENT}"
NOGEO_NPI = npi("800000007")
EVIL_ADDRESS = "=cmd|' /C calc'!A0"


def test_safe_text_neutralises_formulas_and_leaves_codes_and_numbers_alone():
    for text in ('=HYPERLINK("http://x","click")', "+1-555", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert safe_text(text) == "'" + text
    # Codes are digit strings (SSA, NPI, ZIP) or letter+digits (S03): never changed.
    for code in ("45610", "1234567893", "77002", "008", "S03", "", "Dr. Grace Liu", "1-800 Main St"):
        assert safe_text(code) == code
    # Only text is neutralised: a negative number stored as a number is not a formula.
    assert safe_text(-5) == -5 and safe_text(-2.5) == -2.5 and safe_text(None) is None
    # XML 1.0 illegal controls become U+FFFD; tab, LF and CR inside a value are legal and kept.
    assert (
        replace_control_chars("a\x00b\x08c\x0bd\x0ce\x0ef\x1fg")
        == "a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf\ufffdg"
    )
    assert replace_control_chars("a\tb\nc\rd") == "a\tb\nc\rd"
    # Replaced first, so a control character cannot hide a formula; and a formula is quoted only once
    # per call (safe_text is applied once, at write time).
    assert safe_text("\x00=1+1") == "\ufffd=1+1"
    assert neutralise_formula("'=1") == "'=1"


@pytest.fixture
def nasty(project):
    for number, name in FORMULAS.items():
        add_provider(project, number, name, "008", HARRIS, "48201")
    add_provider(project, NUL_NPI, NUL_NAME, "008", HARRIS, "48201", city="Hous\x07ton")
    add_provider(project, NOGEO_NPI, "Dr. Nowhere", "008", None, "48201", address=EVIL_ADDRESS)
    return project


def _by_npi(rows, header, npi_col, name_col):
    i, j = header.index(npi_col), header.index(name_col)
    return {str(r[i]): r[j] for r in rows}


def test_hsd_tables_xlsx_csv_and_rejections_are_safe(nasty, tmp_path):
    tables = hsd_tables.build_tables(nasty)
    out = tmp_path / "hsd"
    hsd_tables.write_tables(tables, out)
    problems = hsd_checks.check_tables(tables)
    hsd_checks.write_problems(out / "hsd_rejections.csv", problems)

    npi_col = "National Provider Identifier (NPI) Number"
    name_col = "Name of Physician or Mid-Level Practitioner"
    ws = load_workbook(out / "hsd_providers.xlsx").active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    xlsx = _by_npi(rows[1:], rows[0], npi_col, name_col)
    with (out / "hsd_providers.csv").open(newline="", encoding="utf-8") as fh:
        csv_rows = list(csv.reader(fh))
    from_csv = _by_npi(csv_rows[1:], csv_rows[0], npi_col, name_col)
    for number, name in FORMULAS.items():
        assert xlsx[number] == "'" + name, number
        assert from_csv[number] == "'" + name, number
        # Openpyxl would have stored "=..." as a formula: it is a plain string cell here.
    assert all(c.data_type != "f" for r in ws.iter_rows() for c in r)
    assert xlsx[NUL_NPI] == NUL_SAFE and from_csv[NUL_NPI] == NUL_SAFE
    city = rows[0].index("Provider City")
    assert {r[city] for r in rows[1:] if str(r[rows[0].index(npi_col)]) == NUL_NPI} == {
        f"Hous{REPLACEMENT}ton"
    }
    # Codes pass untouched: NPIs, ZIPs and SSA codes are still the digit strings they were.
    zip_col, ssa_col = rows[0].index("Provider Zip Code"), rows[0].index("SSA State/County Code")
    assert {r[zip_col] for r in rows[1:]} == {"77002"}
    # Harris 45610 and Fort Bend 45530 (CMS HSD Reference File 2026, built in).
    assert {r[ssa_col] for r in rows[1:]} == {"45610", "45530"}
    assert set(xlsx) == set(FORMULAS) | {NUL_NPI, NOGEO_NPI}
    # The rejection list carries the roster's own text too (the unplaceable address).
    with (out / "hsd_rejections.csv").open(newline="", encoding="utf-8") as fh:
        nogeo = [
            r
            for r in csv.DictReader(fh)
            if r["npi"] == NOGEO_NPI and r["column"] == "Provider Street Address"
        ]
    assert len(nogeo) == 1 and nogeo[0]["value"] == "'" + EVIL_ADDRESS + ", Houston, 77002"
    # The checks themselves see the roster's text as it is (the neutralising happens on writing only).
    assert any(p.value.startswith(EVIL_ADDRESS) for p in problems)


def test_servicing_provider_report_is_safe(nasty, tmp_path):
    xlsx = servicing_providers.write_servicing_providers(nasty, tmp_path / "providers.xlsx")
    ws = load_workbook(xlsx).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    names = _by_npi(rows[1:], rows[0], "NPI", "Provider name")
    path = servicing_providers.write_servicing_providers(nasty, tmp_path / "providers.csv")
    with path.open(newline="", encoding="utf-8") as fh:
        csv_rows = list(csv.reader(fh))
    from_csv = _by_npi(csv_rows[1:], csv_rows[0], "NPI", "Provider name")
    for number, name in FORMULAS.items():
        assert names[number] == "'" + name and from_csv[number] == "'" + name
    assert names[NUL_NPI] == NUL_SAFE and from_csv[NUL_NPI] == NUL_SAFE
    assert all(c.data_type != "f" for r in ws.iter_rows() for c in r)


def test_matrix_workbook_is_safe(tmp_path):
    from blueprint_desktop.store import create_project, open_project

    path = tmp_path / "evil.bpproj"
    plan = '=HYPERLINK("http://x","plan")\x00'
    create_project(path, plan, lob="ma", plan_year=2026, counties=[("48201", "TX")])
    with open_project(path) as project:
        for number, name in FORMULAS.items():
            add_provider(project, number, name, "008", HARRIS, "48201")
        score_project(project, lines=["008"])
        out = matrix_xlsx.write_matrix_xlsx(project, tmp_path / "matrix.xlsx")
    wb = load_workbook(out)
    basis = {row[0].value: row[1].value for row in wb["Basis"].iter_rows() if row[0].value}
    assert basis["Plan"] == "'" + '=HYPERLINK("http://x","plan")' + REPLACEMENT
    assert all(c.data_type != "f" for ws in wb for r in ws.iter_rows() for c in r)
