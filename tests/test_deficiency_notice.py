"""Notice intake: the CSV/XLSX table and the pasted HPMS text, unmatched rows listed, one transaction."""

from __future__ import annotations

import json

import pytest
from deficiency_scenario import CURE_CARDIO, LOI_CARDIO, NETWORK_CARDIO, populate, write_notice

from blueprint_desktop.cli import main
from blueprint_desktop.deficiency import gaps as gapmod
from blueprint_desktop.deficiency.notice import import_notice, list_notices, match_specialty
from blueprint_desktop.errors import InputFileError


def test_csv_notice_maps_names_and_codes(project, tmp_path) -> None:
    populate(project)
    result = import_notice(project, write_notice(tmp_path))
    assert [(g["county_fips"], g["line_code"]) for g in result.gaps] == [
        ("48157", "008"),  # "Fort Bend" by name, "Cardiology" by name
        ("48157", "019"),  # 48157 as FIPS, 019 as code
        ("48201", "034"),  # "Harris County", "Vascular Surgery (034)"
    ]
    assert result.unmatched == []
    [notice] = list_notices(project)
    assert notice["notice_date"] == "2027-02-01" and notice["due_date"] == "2027-03-03"
    assert notice["window_days"] == 30 and notice["source_format"] == "csv"
    # The providers concerned are flagged: the pre-notice contract is network, the in-cycle ones cure.
    roles = {p["npi"]: p["role"] for p in gapmod.gap_providers(project, result.gaps[0]["id"])}
    assert roles == {NETWORK_CARDIO: "network", CURE_CARDIO: "cure", LOI_CARDIO: "cure"}
    # Four milestones per gap.
    assert project.conn.execute("SELECT count(*) FROM plan_milestones").fetchone()[0] == 12


def test_unmatched_rows_are_listed_never_guessed(project, tmp_path) -> None:
    path = tmp_path / "n.csv"
    path.write_text(
        "state,county,specialty,notice_date\n"
        "TX,Harris,Cardiology,03/02/2027\n"
        "TX,Harris,Cardiolgy,03/02/2027\n"  # misspelt: not fuzzy-matched
        "TX,Hariss,Neurology,03/02/2027\n"  # misspelt county
        "TX,Travis,Neurology,03/02/2027\n"  # a real county outside the service area
        "TX,45235,Neurology,03/02/2027\n"  # neither an SSA county code nor a FIPS code
        "OK,48201,Neurology,03/02/2027\n"  # a TX FIPS code under OK
        "TX,Harris,044,03/02/2027\n",  # dialysis: attestation only
        encoding="utf-8",
    )
    result = import_notice(project, path)
    assert [(g["county_fips"], g["line_code"]) for g in result.gaps] == [("48201", "008")]
    reasons = {u["row"]: u["reason"] for u in result.unmatched}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8]
    assert "not an HSD specialty" in reasons[3]
    assert "no county named 'Hariss'" in reasons[4]
    assert "not in the project's service area" in reasons[5]
    assert "neither an SSA county code of the CMS HSD Reference File nor a FIPS code" in reasons[6]
    assert "not a county of OK" in reasons[7]
    assert "attestation-only" in reasons[8]
    assert list_notices(project)[0]["notice_date"] == "2027-03-02"


def test_ssa_code_resolves_through_the_reference_file(project, tmp_path) -> None:
    # A reference file row (schema v2): Fort Bend TX is SSA 45530 (SSA state 45 = Texas).
    with project.transaction():
        project.conn.execute(
            "INSERT INTO reference_files(id, plan_year, vintage, file_name, file_sha256, file_format, imported_at)"
            " VALUES (1, 2026, '2026', 'ref.csv', 'x', 'csv', '2026-01-01')"
        )
        project.conn.execute(
            "INSERT INTO reference_counties(reference_file_id, ssa_code, state, county_name, county_fips, designation)"
            " VALUES (1, '45530', 'TX', 'Fort Bend', '48157', 'Metro')"
        )
    path = tmp_path / "n.csv"
    path.write_text("state,county,specialty,notice_date\nTX,45530,Neurology,2027-02-01\n", encoding="utf-8")
    [gap] = import_notice(project, path).gaps
    assert (gap["county_fips"], gap["ssa_code"], gap["line_code"]) == ("48157", "45530", "019")


def test_ssa_code_resolves_with_no_reference_file_loaded(project, tmp_path) -> None:
    """CMS cites counties by SSA code; the built-in 2026 HSD Reference File counties read them, as the
    roster validator does, so a new project needs no file to take a notice."""
    populate(project)
    assert (
        "reference_counties" not in project.db.table_names()
        or not project.conn.execute("SELECT 1 FROM reference_counties").fetchone()
    )
    path = tmp_path / "n.csv"
    path.write_text(
        "state,county,specialty,notice_date\n"
        "TX,45530,Neurology,2027-02-01\n"  # Fort Bend: SSA 45530, FIPS 48157
        "TX,45949,Neurology,2027-02-01\n"  # Walker: a real county outside the service area
        "VI,48020,Cardiology,2027-02-01\n",  # St. John-Thomas: two Census counties
        encoding="utf-8",
    )
    result = import_notice(project, path)
    assert [(g["county_fips"], g["ssa_code"], g["line_code"]) for g in result.gaps] == [
        ("48157", "45530", "019")
    ]
    reasons = {u["row"]: u["reason"] for u in result.unmatched}
    assert "not in the project's service area" in reasons[3]
    assert "covers several counties (78020, 78030)" in reasons[4]


def test_xlsx_notice(project, tmp_path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["State", "County", "Specialty", "Notice Date"])
    ws.append(["TX", "Fort Bend", 8, "2027-02-01"])  # a code typed as a number loses its zeros
    ws.append(["TX", 48201, "Family Practice", "2027-02-01"])  # 002 pools into S03
    path = tmp_path / "notice.xlsx"
    wb.save(path)
    result = import_notice(project, path)
    assert [(g["county_fips"], g["line_code"]) for g in result.gaps] == [("48157", "008"), ("48201", "S03")]
    assert list_notices(project)[0]["source_format"] == "xlsx"


HPMS_TEXT = """\
Centers for Medicare & Medicaid Services
Network Adequacy Deficiency Notice
Contract: H1234  Gulf Coast Health
Notice date: 02/01/2027

The following county/specialty combinations do not meet the network adequacy criteria:

Fort Bend County, TX
    Cardiology (008)
    Neurology (019)
Harris, TX - Vascular Surgery (034)
Harris County, TX: Dermatology
Travis County, TX: Urology (033)
Podiatry

Please respond within the timeframe stated in this notice.
"""


def test_text_notice_from_hpms(project, tmp_path) -> None:
    path = tmp_path / "notice.txt"
    path.write_text(HPMS_TEXT, encoding="utf-8")
    result = import_notice(project, path)
    assert [(g["county_fips"], g["line_code"]) for g in result.gaps] == [
        ("48157", "008"),
        ("48157", "019"),
        ("48201", "034"),
        ("48201", "011"),
    ]
    [notice] = list_notices(project)
    assert notice["notice_date"] == "2027-02-01" and notice["contract_id"] == "H1234"
    assert notice["source_format"] == "text"
    reasons = [u["reason"] for u in result.unmatched]
    # Travis is not served; Podiatry follows Travis as its county context, so it is unmatched too.
    assert len(reasons) == 2 and all("not in the project's service area" in r for r in reasons)


def test_text_notice_without_a_date_needs_one(project, tmp_path) -> None:
    path = tmp_path / "n.txt"
    path.write_text("Harris County, TX: Cardiology\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="--date"):
        import_notice(project, path)
    result = import_notice(project, path, notice_date="2027-05-31")
    assert result.notices[0]["due_date"] == "2027-06-30"


def test_refusals_leave_nothing(project, tmp_path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "state,county,specialty,notice_date\nTX,Harris,Cardiology,2027-02-01\nTX,Harris,Neurology,someday\n"
    )
    with pytest.raises(InputFileError, match=r"row 3, column notice_date: 'someday'"):
        import_notice(project, bad)
    assert project.conn.execute("SELECT count(*) FROM cited_gaps").fetchone()[0] == 0
    missing = tmp_path / "m.csv"
    missing.write_text("state,county,notice_date\nTX,Harris,2027-02-01\n")
    with pytest.raises(InputFileError, match="missing column"):
        import_notice(project, missing)
    good = write_notice(tmp_path)
    import_notice(project, good)
    with pytest.raises(InputFileError, match="already imported"):
        import_notice(project, good)
    assert project.conn.execute("SELECT count(*) FROM deficiency_notices").fetchone()[0] == 1


def test_match_specialty_needs_agreement() -> None:
    assert match_specialty("Cardiology (008)") == ("008", "code")
    assert match_specialty("Cardiology (019)")[0] is None
    assert match_specialty("003") == ("S03", "code")


def test_cli_notice_import_and_gaps_json(project_path, tmp_path, capsys) -> None:
    from blueprint_desktop.store import open_project

    with open_project(project_path) as p:
        populate(p)
    assert main(["notice", "import", str(project_path), str(write_notice(tmp_path)), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["notices"][0]["due_date"] == "2027-03-03"
    assert main(["gaps", str(project_path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["id"], r["county_fips"], r["line_code"], r["pathway"]) for r in rows] == [
        (1, "48157", "008", None),
        (2, "48157", "019", None),
        (3, "48201", "034", None),
    ]
    # Without a score or a snapshot: the cardiology cure waits on credentialing, the others are open.
    assert [r["state"] for r in rows] == ["pending credentialing", "open", "open"]
    assert main(["notice", "window", str(project_path), "1", "--days", "10", "--unit", "business"]) == 0
    # 2027-02-01 (Mon) + 10 business days; Monday 2027-02-15 is Washington's Birthday, so Tuesday 16.
    assert "due 2027-02-16" in capsys.readouterr().out


def test_row_numbers_are_the_spreadsheet_rows_across_blank_lines(project, tmp_path) -> None:
    path = tmp_path / "blank-line.csv"
    path.write_text(
        "state,county,specialty,notice_date\nTX,Harris,Cardiology,2027-02-01\n\nTX,Harris,Neurology,someday\n"
    )
    with pytest.raises(InputFileError, match=r"row 4, column notice_date: 'someday'"):
        import_notice(project, path)


@pytest.mark.parametrize("lob", ["qhp", "medicaid"])
def test_other_lines_of_business_refuse_a_cms_ma_notice(tmp_path, lob) -> None:
    """The deficiency response is CMS's MA process (42 CFR 422.116): a QHP or Medicaid project refuses the
    notice, says why, and writes nothing."""
    from blueprint_desktop.errors import BlueprintError
    from blueprint_desktop.store import create_project, open_project

    path = tmp_path / f"{lob}.bpproj"
    create_project(path, lob, lob=lob, plan_year=2026, counties=[("48201", "TX"), ("48157", "TX")])
    with open_project(path) as project:
        with pytest.raises(
            BlueprintError, match=f"is a {lob.upper()} project; deficiency notices here are CMS's"
        ):
            import_notice(project, write_notice(tmp_path))
        assert list_notices(project) == []
