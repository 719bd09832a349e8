"""The PHI guard (data/phi.py): member-level data is refused by header AND by value in every importer,
while real rosters and NPPES files (provider names, addresses, phones, NPIs, ZIP+4) pass; free text
(outreach notes, pasted notices) is checked by ``refuse_phi_in_text``."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from roster_files import dump, roster, template_file, template_row, write_csv
from test_data_nppes import npi as nppes_npi
from test_data_nppes import row as nppes_row
from test_data_nppes import write_csv as nppes_write_csv

from blueprint_desktop.data import nppes_layout as L
from blueprint_desktop.data.activity import import_activity
from blueprint_desktop.data.nppes_import import import_nppes
from blueprint_desktop.data.nppes_reader import read_header
from blueprint_desktop.data.phi import PhiRefused, find_phi, header_reason, phi_in_text, refuse_phi_in_text
from blueprint_desktop.data.population_import import import_population
from blueprint_desktop.data.roster_import import import_roster, preview_roster
from blueprint_desktop.data.roster_layouts import TEMPLATE_FIELDS
from blueprint_desktop.deficiency.notice import import_notice
from blueprint_desktop.errors import InputFileError
from blueprint_desktop.reports.hsd_tables import FACILITY_COLUMNS, PROVIDER_COLUMNS
from blueprint_desktop.rules.enrollees import import_enrollees

REAL_NPPES = Path("/work/shared/data/real/nppes")
ACTIVITY_NPI = "1234567893"  # CMS's example NPI (valid Luhn check digit)


def _refused(project, importer, path: Path, *columns: str) -> str:
    """Import must raise PhiRefused naming ``columns``, change nothing, and say it in one line."""
    before = dump(project)
    with pytest.raises(PhiRefused) as err:
        importer(project, path)
    message = str(err.value)
    assert "\n" not in message and path.name in message
    for column in columns:
        assert repr(column) in message, message
    assert dump(project) == before
    return message


# -- enrollee and population files: headers AND values ------------------------------------------------
@pytest.mark.parametrize(
    ("content", "columns"),
    [
        # Abbreviated headers the old list missed: a name and a birth date.
        ("zip,count,nm,dt\n77002,1,Jane Roe,1950-03-04\n", ["nm", "dt"]),
        ("zip,count,pt_nm,brth_dt\n77002,1,Jane Roe,03/04/1950\n", ["pt_nm", "brth_dt"]),
        # Values only, under innocent headers: a name beside a birth date.
        ("zip,count,a,b\n77002,1,Roe, Jane,19500304\n".replace("Roe, Jane", '"Roe, Jane"'), ["a", "b"]),
        # An MBI as CMS prints it, with dashes, and in lower case.
        ("zip,count,ref\n77002,1,1EG4-TE5-MK73\n", ["ref"]),
        ("zip,count,ref\n77002,1,1eg4te5mk73\n", ["ref"]),
        # A HICN (SSN + Beneficiary Identification Code) and an SSN without dashes (its ZIP part is not a ZIP).
        ("zip,count,ref\n77002,1,123456789A\n", ["ref"]),
        ("zip,count,ref\n77002,1,000123456\n77002,2,001999999\n".replace("000123456", "899451234"), ["ref"]),
        ("zip,count,mbr_key\n77002,1,X1\n", ["mbr_key"]),
    ],
)
def test_enrollee_files_with_member_data_are_refused(project, tmp_path, content, columns) -> None:
    path = tmp_path / "enrollees.csv"
    path.write_text(content)
    _refused(project, import_enrollees, path, *columns)


def test_zip_plus_4_and_counts_are_not_mistaken_for_ssns(project, tmp_path) -> None:
    """Nine-digit ZIP+4 (ZIP 77002 exists) under a zip header, and a count column, are not SSNs."""
    path = tmp_path / "enrollees.csv"
    path.write_text("zip,count\n770021234,120\n77002-1234,30\n")
    assert import_enrollees(project, path).enrollees == 150.0


def test_population_file_with_a_name_column_is_refused(project, tmp_path) -> None:
    path = tmp_path / "pop.csv"
    path.write_text("geoid,latitude,longitude,pop_65,resident\n482012231001,29.76,-95.37,10,1EG4-TE5-MK73\n")
    _refused(project, import_population, path, "resident")


# -- activity files -----------------------------------------------------------------------------------------
def test_activity_file_with_claimant_and_bene_key_is_refused(project, tmp_path) -> None:
    path = tmp_path / "activity.csv"
    path.write_text(f"npi,last_service_date,claimant,bene_key\n{ACTIVITY_NPI},2026-01-05,Jane Roe,88412\n")
    _refused(project, lambda p, f: import_activity(p, f), path, "claimant", "bene_key")


def test_activity_file_by_npi_imports(project, tmp_path) -> None:
    """Provider names and service dates are provider-level: the file imports."""
    path = tmp_path / "activity.csv"
    path.write_text(f"npi,provider,last_service_date,encounters\n{ACTIVITY_NPI},Ada Heart,2026-01-05,12\n")
    assert import_activity(project, path).npis == 1


# -- rosters: provider names, addresses, phones are fine; member columns are not --------------------------
def _roster_rows(n: int = 3) -> list[dict[str, str]]:
    return [template_row(nppes_npi(500 + i), f"Dr. Provider {i}") for i in range(n)]


def test_a_real_roster_with_names_addresses_and_phones_imports(project, tmp_path) -> None:
    rows = _roster_rows()
    for r in rows:
        r["contract_executed_date"] = "2024-01-15"
    path = write_csv(tmp_path / "roster.csv", [*TEMPLATE_FIELDS, "phone", "tin"], rows)
    for r in rows:
        r.update(phone="713-555-0100", tin="123456789")
    write_csv(path, [*TEMPLATE_FIELDS, "phone", "tin"], rows)
    assert import_roster(project, path).providers == 3


@pytest.mark.parametrize(
    ("extra", "value", "column"),
    [
        ("member_dob", "1950-03-04", "member_dob"),
        ("Member ID", "A100", "Member ID"),
        ("ref", "1EG4-TE5-MK73", "ref"),  # MBIs down a column, under an innocent header
        ("ssn", "", "ssn"),  # a member-level header refuses even when empty
    ],
)
def test_roster_with_member_columns_is_refused(project, tmp_path, extra, value, column) -> None:
    rows = _roster_rows()
    for r in rows:
        r[extra] = value
    path = write_csv(tmp_path / "roster.csv", [*TEMPLATE_FIELDS, extra], rows)
    _refused(project, import_roster, path, column)
    with pytest.raises(PhiRefused):
        preview_roster(path, project)


def test_roster_with_person_names_beside_birth_dates_is_refused(project, tmp_path) -> None:
    """Names and 1950s dates in most rows of two columns: a member list, whatever the headers say."""
    rows = _roster_rows()
    for i, r in enumerate(rows):
        r.update(nm=f"Jane Roe{'abc'[i]}", dt=f"0{i + 1}/04/195{i}")
    path = write_csv(tmp_path / "roster.csv", [*TEMPLATE_FIELDS, "nm", "dt"], rows)
    _refused(project, import_roster, path, "nm", "dt")
    assert roster(project) == set()


def test_hsd_and_template_headers_are_not_member_level() -> None:
    for header in [*PROVIDER_COLUMNS, *FACILITY_COLUMNS, *TEMPLATE_FIELDS]:
        assert header_reason(header, provider_file=True) is None, header


# -- NPPES ----------------------------------------------------------------------------------------------------
def test_real_nppes_files_pass_the_guard() -> None:
    files = sorted(REAL_NPPES.glob("*.csv")) if REAL_NPPES.is_dir() else []
    if not files:
        pytest.skip("real NPPES files are not in /work/shared/data/real/nppes")
    for path in files:
        header = read_header(path)  # runs the guard on the header and the first rows
        with path.open(newline="", encoding="utf-8", errors="replace") as fh:
            rows = list(csv.reader(fh))[1:]
        assert find_phi(header, rows, provider_file=True) == [], path.name


def test_nppes_file_with_a_birth_date_column_is_refused(project, tmp_path) -> None:
    header = [*L.DATA_FILE_COLUMNS, "Beneficiary Date of Birth"]
    rows = [nppes_row(nppes_npi(1)) | {"Beneficiary Date of Birth": "03/04/1950"}]
    path = nppes_write_csv(tmp_path / "npidata_pfile.csv", header, rows)
    _refused(project, lambda p, f: import_nppes(p, f), path, "Beneficiary Date of Birth")


# -- free text: outreach notes and pasted notices -------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Member 1EG4-TE5-MK73 asked about Dr. Roe", "an MBI"),
        ("mbi 1eg4te5mk73", "an MBI"),
        ("1EG4TE5MK73", "an MBI"),
        ("her SSN is 123-45-6789", "an SSN"),
        ("ssn 123 45 6789", "an SSN"),
        ("HICN 123456789A on file", "a HICN"),
        ("DOB 3/4/50", "date of birth"),
        ("d.o.b. 1950-03-04", "date of birth"),
        ("born March 4, 1950", "date of birth"),
        ("Birth date: 03/04/1950", "date of birth"),
        ("Spoke with Jane Roe 03/04/1950 about her visit", "name beside a date of birth"),
        ("member id: A12345 called", "member identifier"),
        ("Subscriber # 55512-A on the call", "member identifier"),
    ],
)
def test_phi_in_text_is_refused_naming_what_without_echoing_it(text, kind) -> None:
    with pytest.raises(PhiRefused) as err:
        refuse_phi_in_text(text, "outreach note")
    message = str(err.value)
    assert isinstance(err.value, InputFileError) and "\n" not in message
    assert message.startswith("outreach note: refused") and kind in message
    for secret in ("1EG4-TE5-MK73", "1eg4te5mk73", "1EG4TE5MK73", "123-45-6789", "123456789A", "A12345"):
        assert secret not in message


@pytest.mark.parametrize(
    "text",
    [
        "Called Dr. Smith's office 3/4, left voicemail; will sign by 3/15",
        "Dr. Roe signed the LOI on 01/02/2019; NPI 1234567893; office 713-555-0100",
        "Mailing to 6565 Fannin St, Houston TX 77030-1234 (ZIP 770301234)",
        "Contract H1234 due 2027-03-15; credentialing packet sent; no SSN needed",
        "Members in Fort Bend County need a cardiologist within 30 minutes",
    ],
)
def test_normal_notes_pass(text) -> None:
    assert phi_in_text(text) is None
    refuse_phi_in_text(text, "outreach note")


def test_pasted_notice_with_an_mbi_is_refused(project, tmp_path) -> None:
    path = tmp_path / "notice.txt"
    path.write_text(
        "Notice date: 03/02/2027\nHarris County, TX\nCardiology\nMember 1EG4-TE5-MK73 complained\n"
    )
    before = dump(project)
    with pytest.raises(PhiRefused, match="an MBI"):
        import_notice(project, path)
    assert dump(project) == before


def test_template_file_helper_still_imports(project, tmp_path) -> None:
    """The roster fixtures the other tests use pass the guard (no false refusal of the template)."""
    path = template_file(tmp_path / "t.csv", _roster_rows(2))
    assert import_roster(project, path).providers == 2
