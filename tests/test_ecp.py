"""Essential community providers of a QHP project: the list import, the General ECP Standard
(45 CFR 156.235(a)(2)) and the fewest contracts that meet it."""

from __future__ import annotations

import itertools
import json
import random
from datetime import date

import ecp_files
import pytest
from ecp_files import (
    BAYOU,
    BRAZOS_SUD,
    COUNTIES,
    HEADER,
    ROWS,
    URBAN_INDIAN,
    write_list,
    write_roster,
)
from roster_files import dump

from blueprint_desktop.cli import main
from blueprint_desktop.data.ecp_list import NotAQhpProject, import_ecp_list, in_force, remove_newest
from blueprint_desktop.data.evidence_file import EvidenceFileError
from blueprint_desktop.data.roster_import import import_roster
from blueprint_desktop.engine.ecp_compliance import EcpSite, ecp_report, minimal_contracts
from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.rules.ecp_standard import load_standard, parse_category
from blueprint_desktop.rules.lob_builtin import set_project_builtin
from blueprint_desktop.store import create_project, open_project


@pytest.fixture
def qhp(tmp_path):
    path = tmp_path / "q.bpproj"
    create_project(path, "q", lob="qhp", plan_year=2026, counties=COUNTIES)
    with open_project(path) as project:
        import_roster(project, write_roster(tmp_path / "roster.csv"))
    return path


def test_the_standard_is_read_from_the_requirements_table():
    standard = load_standard()
    assert [(t.item, t.category, t.percent, t.applies_to_sadp) for t in standard.thresholds] == [
        ("ecp-overall", None, 35, True),
        ("ecp-fqhc", "fqhc", 35, True),
        ("ecp-family-planning", "family_planning", 35, False),
    ]
    assert len(standard.categories) == 8 and standard.categories["other"] == "Other ECP Providers"
    assert "156.235(a)(2)(i)" in standard.single_location_citation
    for written, key in (("FQHC", "fqhc"), ("SUD Treatment Centers", "sud"), ("Inpatient Hospitals", "hospitals"),
                         ("Ryan White HIV/AIDS Program Providers", "ryan_white"), ("Mental health facility", "mental_health"),
                         ("Other ECP Providers", "other"), ("Indian Health Care Providers", "indian")):  # fmt: skip
        assert parse_category(written) == key, written
    assert parse_category("Pharmacy") is None


def test_a_list_is_measured_against_the_roster(qhp, tmp_path):
    with open_project(qhp) as project:
        result = import_ecp_list(project, write_list(tmp_path / "ecp.csv"))
        assert (result.rows_read, result.sites, result.in_service_area, result.county_from_zip) == (
            12,
            11,
            11,
            1,
        )
        report = ecp_report(project)
    assert not report.met and report.sites_available == 10 and report.rows_outside_area == 1
    got = {t.item: (t.contracted, t.available, t.required, t.short) for t in report.thresholds}
    # Bayou's two rows stand at one address ("2800 Navigation Blvd" and "...Blvd.", ZIP+4): one ECP that is
    # both an FQHC and a Family Planning Provider.
    assert got == {
        "ecp-overall": (2, 10, 4, 2),
        "ecp-fqhc": (1, 4, 2, 1),
        "ecp-family-planning": (0, 2, 1, 1),
    }
    cells = {(c.county_fips, c.category): c.status for c in report.cells}
    assert cells == {
        ("48201", "fqhc"): "contracted",
        ("48201", "family_planning"): "offer recorded",  # Bayou's pending contract
        ("48201", "hospitals"): "contracted",
        ("48201", "indian"): "offer recorded",  # a letter of intent
        ("48201", "mental_health"): "no offer recorded",
        ("48201", "ryan_white"): "no offer recorded",
        ("48157", "fqhc"): "no offer recorded",  # Fort Bend Family Health: county from its ZIP, 77469
        ("48157", "sud"): "no offer recorded",
    }
    assert [s.npis for s in report.indian] == [(URBAN_INDIAN,)] and not report.indian_missing
    # Two contracts meet all three thresholds: Bayou counts toward each; then a location that also closes a
    # county's missing category.
    assert [r.site.npis[0] for r in report.recruits] == [BAYOU, BRAZOS_SUD]
    assert report.recruits[0].closes == (
        "All ECP categories 35%", "Federally Qualified Health Centers 35%", "Family Planning Providers 35%"
    )  # fmt: skip
    assert (
        "Fort Bend, TX's Substance Use Disorder Treatment Centers (no offer recorded)"
        in report.recruits[1].closes
    )


def test_signing_the_recruits_meets_the_thresholds(qhp, tmp_path):
    with open_project(qhp) as project:
        import_ecp_list(project, write_list(tmp_path / "ecp.csv"))
        npis = [r.site.npis[0] for r in ecp_report(project).recruits]
        with project.transaction():
            project.conn.execute(
                "UPDATE providers SET contract_status = 'executed' WHERE npi = ?", (npis[0],)
            )
            project.conn.execute(
                "INSERT INTO providers(npi, name, source, contract_status) VALUES (?, 'Brazos', 'roster', 'executed')",
                (npis[1],),
            )
        report = ecp_report(project)
    assert all(t.met for t in report.thresholds) and report.recruits == []
    assert {(c.county_fips, c.category) for c in report.offers_missing} == {
        ("48201", "mental_health"), ("48201", "ryan_white"), ("48157", "fqhc")
    }  # fmt: skip


def test_bad_rows_refuse_the_whole_file_and_change_nothing(qhp, tmp_path):
    rows = [list(r) for r in ROWS]
    rows[0][0] = "1500000018"  # check digit
    rows[2][2] = "Pharmacy"  # not an ECP category
    rows[3][8] = "Cook"  # no Cook County in Texas
    rows[9][7] = "00000"  # a ZIP the table does not know, and no county
    rows[10][6] = "Texas"
    with open_project(qhp) as project:
        before = dump(project)
        with pytest.raises(EvidenceFileError) as err:
            import_ecp_list(project, write_list(tmp_path / "bad.csv", rows))
        assert dump(project) == before
    problems = {(p.row, p.column) for p in err.value.problems}
    assert problems == {
        (2, "NPI"),
        (4, "ECP Category"),
        (5, "Site County"),
        (11, "Site ZIP Code"),
        (12, "Site State"),
    }
    by_row = {p.row: p.expected for p in err.value.problems}
    assert "Federally Qualified Health Centers" in by_row[4] and "a county of TX" in by_row[5]


def test_a_file_without_a_category_column_names_the_columns_it_accepts(qhp, tmp_path):
    header = [h if h != "ECP Category" else "Type" for h in HEADER]
    with (
        open_project(qhp) as project,
        pytest.raises(BlueprintError, match="no category column; expected one of ecp_category"),
    ):
        import_ecp_list(project, write_list(tmp_path / "x.csv", header=header))


def test_only_a_qhp_project_takes_a_list(tmp_path):
    path = tmp_path / "m.bpproj"
    create_project(path, "m", lob="ma", plan_year=2026, counties=COUNTIES)
    with open_project(path) as project, pytest.raises(NotAQhpProject, match="45 CFR 156.235"):
        import_ecp_list(project, write_list(tmp_path / "ecp.csv"))


def test_remove_the_newest_then_load_it_again(qhp, tmp_path):
    first = write_list(tmp_path / "a.csv", ROWS[:6])
    second = write_list(tmp_path / "b.csv")
    with open_project(qhp) as project:
        import_ecp_list(project, first)
        import_ecp_list(project, second)
        assert in_force(project)["file_name"] == "b.csv"
        assert import_ecp_list(project, second).already_loaded
        assert "a.csv is in force again" in remove_newest(project)
        assert ecp_report(project).sites_available == 5  # Bayou's two rows are one location
        assert not import_ecp_list(project, second).already_loaded  # loaded again: in force again
        assert ecp_report(project).sites_available == 10
        assert project.conn.execute("SELECT count(*) FROM ecp_lists").fetchone()[0] == 3  # nothing lost


def test_a_stand_alone_dental_plan_is_held_to_its_part(qhp, tmp_path):
    with open_project(qhp) as project:
        set_project_builtin(project, "qhp-ffe-sadp-2026")
        import_ecp_list(project, write_list(tmp_path / "ecp.csv"))
        report = ecp_report(project)
    assert report.sadp and report.cells == []
    applies = {t.item: t.applies for t in report.thresholds}
    assert applies == {"ecp-overall": True, "ecp-fqhc": True, "ecp-family-planning": False}
    assert len(report.recruits) == 2  # 35% of 10 and of 4 FQHCs; Family Planning not asked


def _site(key: str, cats: tuple[str, ...]) -> EcpSite:
    return EcpSite(key, key, key, None, "TX", "77002", "48201", "file", cats, ("1",), (), ())


def test_minimal_contracts_is_exact_against_brute_force():
    rng = random.Random(7)
    cat_of = {"all": None, "f": "fqhc", "p": "family_planning"}
    kinds = [("fqhc",), ("family_planning",), ("fqhc", "family_planning"), ("other",)]
    for _ in range(300):
        sites = [_site(str(i), rng.choice(kinds)) for i in range(rng.randint(1, 9))]
        n_f = sum("fqhc" in s.categories for s in sites)
        n_p = sum("family_planning" in s.categories for s in sites)
        needs = {"all": rng.randint(0, len(sites)), "f": rng.randint(0, n_f), "p": rng.randint(0, n_p)}
        best = next(
            k
            for k in range(len(sites) + 1)
            if any(
                len(c) >= needs["all"]
                and sum("fqhc" in s.categories for s in c) >= needs["f"]
                and sum("family_planning" in s.categories for s in c) >= needs["p"]
                for c in itertools.combinations(sites, k)
            )
        )
        assert minimal_contracts(needs, sites, cat_of) == best, (needs, [s.categories for s in sites])


def test_the_cli_imports_and_reports(qhp, tmp_path, capsys):
    assert main(["import", "ecp", str(qhp), str(write_list(tmp_path / "ecp.csv"))]) == 0
    assert "11 locations" in capsys.readouterr().out
    assert main(["ecp", str(qhp)]) == 0
    out = capsys.readouterr().out
    assert "General ECP Standard (45 CFR 156.235(a)(2)), QHP: NOT met" in out
    assert (
        "Federally Qualified Health Centers: 1 of 4 contracted (25.0%; 35% needs 2): 1 more contract(s) needed"
        in out
    )
    assert main(["ecp", str(qhp), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["met"] is False and len(data["recruits"]) == 2
    assert main(["ecp", str(qhp), "--remove-newest"]) == 0
    assert "no ECP list is loaded now" in capsys.readouterr().out


def test_the_workbook_holds_the_report_and_neutralises_formulas(qhp, tmp_path):
    import openpyxl

    rows = [list(r) for r in ROWS]
    rows[6][1] = '=HYPERLINK("http://x","Harris Center")'  # a name from someone else's file
    assert main(["import", "ecp", str(qhp), str(write_list(tmp_path / "ecp.csv", rows))]) == 0
    out = tmp_path / "ecp.xlsx"
    assert main(["export", "ecp", str(qhp), str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [
        "Thresholds", "By county and category", "Indian health care providers", "Fewest contracts",
        "Offers recorded", "Basis",
    ]  # fmt: skip
    thresholds = [[c.value for c in r] for r in wb["Thresholds"].iter_rows(min_row=2)]
    assert thresholds[0][:7] == ["All ECP categories", 2, 10, 20.0, 4, 2, "short: 2 more needed"]
    assert wb["Thresholds"]["G2"].fill.fgColor.rgb.endswith("FBE0E0")  # the window's Failing tint
    cells = {(r[0].value, r[2].value): r[6].value for r in wb["By county and category"].iter_rows(min_row=2)}
    assert cells[("48201", "Mental Health Facilities")] == "no offer recorded" and len(cells) == 8
    mental = next(
        r
        for r in wb["By county and category"].iter_rows(min_row=2)
        if r[2].value == "Mental Health Facilities"
    )
    assert not str(mental[7].value).startswith("=")  # the formula-leading name is text, not a formula
    recruits = [[c.value for c in r] for r in wb["Fewest contracts"].iter_rows(min_row=2)]
    # The renamed centre now sorts first among the equals, so it is the second pick.
    assert [r[2] for r in recruits] == [f"{BAYOU}, {ecp_files.BAYOU_FP}", ecp_files.HARRIS_MH]
    assert not str(recruits[1][1]).startswith("=")
    basis = {r[0].value: r[1].value for r in wb["Basis"].iter_rows()}
    assert (
        basis["Met"] == "no"
        and basis["ECP list"] == "ecp.csv"
        and "156.235(a)(2)(i)" in basis["One ECP per location"]
    )


def test_offers_are_recorded_counted_and_retracted_never_erased(qhp, tmp_path, capsys):
    import sqlite3

    from ecp_files import MONTROSE_RW

    from blueprint_desktop.data.ecp_offers import offers_in_force, record_offer, retract_offer

    with open_project(qhp) as project:
        import_ecp_list(project, write_list(tmp_path / "ecp.csv"))
        with pytest.raises(BlueprintError, match="not on the ECP list in force"):
            record_offer(project, ecp_files.npi("199999999"), "Nobody")
        with pytest.raises(BlueprintError, match="after today"):
            record_offer(project, MONTROSE_RW, "", offered_on=date(2099, 1, 1))
        with pytest.raises(BlueprintError, match="is not a 10-digit NPI"):
            record_offer(project, "12345", "")
        offer = record_offer(
            project, MONTROSE_RW, "", offered_on=date(2026, 11, 2), note="letter to the director"
        )
        assert offer.name == "Montrose HIV Clinic"  # the list's name when none is given
        cells = {(c.county_fips, c.category): c.status for c in ecp_report(project).cells}
        assert cells[("48201", "ryan_white")] == "offer recorded"
        # Append-only: the row cannot be changed or deleted, only retracted.
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            project.conn.execute("DELETE FROM ecp_offers")
        retract_offer(project, offer.id)
        with pytest.raises(BlueprintError, match="already retracted"):
            retract_offer(project, offer.id)
        assert offers_in_force(project) == []
        assert project.conn.execute("SELECT count(*) FROM ecp_offers").fetchone()[0] == 2
        cells = {(c.county_fips, c.category): c.status for c in ecp_report(project).cells}
        assert cells[("48201", "ryan_white")] == "no offer recorded"
    assert main(["ecp", str(qhp), "--offer", MONTROSE_RW, "--on", "2026-11-20", "--note", "by email"]) == 0
    assert "offer 3 recorded: Montrose HIV Clinic" in capsys.readouterr().out
    assert main(["ecp", str(qhp)]) == 0
    assert "3. Montrose HIV Clinic (" in capsys.readouterr().out
    assert main(["ecp", str(qhp), "--retract-offer", "3"]) == 0
    assert "retracted" in capsys.readouterr().out
