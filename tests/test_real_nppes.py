"""The NPPES import against real files (../shared/data/real/nppes, see its README.md).

The same 1,000 rows of the April 2025 ``npidata_pfile`` as CMS publishes them (every value quoted) and
as a user's pandas re-save left them (siwa-p/NPPES-Project: unquoted, codes as ``2.0``, ZIPs as
``2138.0`` without their leading zero) must give the same market; so must the rows re-saved the way a
US-locale Excel writes them. The other real files (one Senzing fixture row, a real PL file with the
two-space header, the 2015 header of 329 columns) import or are refused with a true reason. Skipped
when the shared folder is absent: the app never reads it, only these tests do.
"""

from __future__ import annotations

import csv
import sqlite3
import zipfile
from pathlib import Path

import pytest

from blueprint_desktop.data import nppes_layout as L
from blueprint_desktop.data.nppes_import import import_nppes
from blueprint_desktop.errors import InputFileError
from blueprint_desktop.geo.counties import load_states
from blueprint_desktop.store import create_project, open_project

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "nppes"
PUBLISHED = REAL / "npidata_pfile_sample_apr2025_restored.csv"
RESAVED = REAL / "siwa_nppes_sample.csv"
SENZING = REAL / "npidata_1063947125_Senzing.csv"
PL_REAL = REAL / "pl_test_RandyBrown12.csv"
HEADER_2015 = REAL / "npidata_20050523-20150308FileHeader.csv"

pytestmark = pytest.mark.skipif(not PUBLISHED.is_file(), reason="../shared/data/real/nppes is not present")

ALL_STATES = sorted(set(load_states().state))  # the sample spans 50 states; keep every one
PL_STATES = ["FL", "MD", "MO", "OH", "TN", "WI"]  # the states of the PL file's nine rows


def new_project(folder: Path) -> Path:
    path = folder / "real.bpproj"
    create_project(path, "Real NPPES", lob="ma", plan_year=2026, counties=[("48201", "TX")])
    return path


def tables(path: Path) -> dict[str, list[tuple]]:
    """The market as stored, by NPI (ids and timestamps differ between projects, the rows must not)."""
    conn = sqlite3.connect(path)
    try:
        return {
            "providers": conn.execute(
                "SELECT npi, name, entity_type, source, contract_status, credentialing_status, deactivated_date "
                "FROM providers ORDER BY npi, source"
            ).fetchall(),
            "lines": conn.execute(
                "SELECT p.npi, pl.line_code, pl.taxonomy_code FROM provider_lines pl "
                "JOIN providers p ON p.id = pl.provider_id ORDER BY 1, 2"
            ).fetchall(),
            "locations": conn.execute(
                "SELECT p.npi, l.address, l.city, l.state, l.zip, l.county_fips, l.latitude, l.longitude, "
                "l.geocode_quality FROM locations l JOIN providers p ON p.id = l.provider_id ORDER BY 1, 2, 3, 5"
            ).fetchall(),
        }
    finally:
        conn.close()


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def deactivated_npis() -> list[str]:
    header, rows = read_rows(PUBLISHED)
    at = header.index(L.DEACTIVATION_DATE)
    return [r[0] for r in rows if r[at]]


def add_roster_npis(path: Path, npis: list[str]) -> None:
    """Roster rows for these NPIs, so the import reads their rows whatever their state or taxonomy."""
    with open_project(path) as project, project.transaction():
        project.conn.executemany(
            "INSERT INTO providers (npi, name, source, contract_status, credentialing_status) "
            "VALUES (?, 'ROSTER', 'roster', 'executed', 'active')",
            [(n,) for n in npis],
        )


def import_into(folder: Path, data: Path, states=ALL_STATES, pl: Path | None = None, roster=()):
    path = new_project(folder)
    if roster:
        add_roster_npis(path, list(roster))
    with open_project(path) as project:
        result = import_nppes(project, data, pl, states=states)
    return path, result


def excel_resave(src: Path, dst: Path) -> Path:
    """The rows as a US-locale Excel saves them: unquoted, numbers without leading zeros, dates M/D/YYYY."""
    header, rows = read_rows(src)
    numeric = {
        header.index(c)
        for c in (L.ENTITY_TYPE, L.PRACTICE_ZIP, "Provider Business Mailing Address Postal Code")
    }
    dates = {
        header.index(c)
        for c in (L.ENUMERATION_DATE, L.LAST_UPDATE_DATE, L.DEACTIVATION_DATE, L.REACTIVATION_DATE)
    }
    with dst.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in rows:
            out = list(row)
            for i in numeric:
                if out[i].isdigit():
                    out[i] = str(int(out[i]))
            for i in dates:
                if out[i]:
                    m, d, y = out[i].split("/")
                    out[i] = f"{int(m)}/{int(d)}/{y}"
            writer.writerow(out)
    return dst


# -- the published file and its re-saves --------------------------------------------------------------


def test_pandas_resave_gives_the_same_market_as_the_published_file(tmp_path):
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    published, r1 = import_into(tmp_path / "a", PUBLISHED)
    resaved, r2 = import_into(tmp_path / "b", RESAVED)
    assert tables(resaved) == tables(published)
    assert (r1.rows_read, r1.providers, r1.locations, r1.unplaced_locations) == (1000, 606, 606, 0)
    assert (r2.rows_read, r2.providers, r2.locations, r2.unplaced_locations) == (1000, 606, 606, 0)
    conn = sqlite3.connect(resaved)
    kinds = dict(conn.execute("SELECT entity_type, count(*) FROM providers GROUP BY 1"))
    # ZIPs that start with 0 (New England, New Jersey, Puerto Rico): 27 were ZIP+4s the re-save cut to
    # 6-8 digits, which were stored blank and unplaced before.
    zero_zips = conn.execute("SELECT count(*) FROM locations WHERE zip LIKE '0%'").fetchone()[0]
    nj = conn.execute(
        "SELECT l.zip, l.county_fips FROM locations l JOIN providers p ON p.id = l.provider_id WHERE p.npi = ?",
        ("1053314005",),
    ).fetchall()
    conn.close()
    assert kinds == {"individual": 536, "organization": 70}
    assert zero_zips == 29 and nj == [("07090", "34039")]  # 070901234.0 -> 70901234 -> 07090, Union NJ
    assert r1.normalised == {}  # the published file needs nothing put back
    assert r2.normalised == {
        L.ENTITY_TYPE: 606,  # every kept row's 1.0 / 2.0
        L.PRACTICE_ZIP: 606,  # every kept ZIP was a float; 27 also had a zero to restore
    }


def test_excel_resave_with_dates_gives_the_same_market_and_deactivations(tmp_path):
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir(), (tmp_path / "c").mkdir()
    watch = deactivated_npis()
    assert len(watch) == 108
    excel = excel_resave(PUBLISHED, tmp_path / "excel.csv")
    published, r1 = import_into(tmp_path / "a", PUBLISHED, roster=watch)
    resaved, r2 = import_into(tmp_path / "b", excel, roster=watch)
    pandas, r3 = import_into(tmp_path / "c", RESAVED, roster=watch)
    assert tables(resaved) == tables(published) == tables(pandas)
    # 79 NPIs are still deactivated, 29 were reactivated on or after their deactivation date.
    assert (r1.roster_matched, r1.roster_deactivated) == (108, 79)
    assert (r2.roster_matched, r2.roster_deactivated) == (108, 79)
    # Excel dropped a leading zero of the month or day in 91 of the 108 deactivation dates, all 29 reactivations.
    assert r2.normalised[L.DEACTIVATION_DATE] == 91 and r2.normalised[L.REACTIVATION_DATE] == 29
    conn = sqlite3.connect(resaved)
    assert (
        conn.execute("SELECT count(*) FROM providers WHERE deactivated_date IS NOT NULL").fetchone()[0] == 79
    )
    conn.close()


def test_day_first_dates_are_refused_not_read_as_month_first(tmp_path):
    header, rows = read_rows(PUBLISHED)
    at = header.index(L.DEACTIVATION_DATE)
    # The first deactivation on a day after the 12th: read day-first it cannot be a month-first date.
    row_no, first = next((n, r) for n, r in enumerate(rows, start=2) if r[at] and int(r[at][3:5]) > 12)
    m, d, y = first[at].split("/")
    first[at] = f"{d}/{m}/{y}"  # as a non-US spreadsheet writes it
    bad = tmp_path / "dayfirst.csv"
    with bad.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *rows])
    path = new_project(tmp_path)
    add_roster_npis(path, [first[0]])
    with open_project(path) as project, pytest.raises(InputFileError) as err:
        import_nppes(project, bad, states=ALL_STATES)
    assert f"row {row_no}, column 'NPI Deactivation Date': got '{first[at]}'" in str(err.value)
    assert "MM/DD/YYYY" in str(err.value)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM import_batches").fetchone()[0] == 0
    conn.close()


def test_pandas_resave_of_the_pl_file_gives_the_same_secondary_locations(tmp_path):
    pd = pytest.importorskip("pandas")
    resaved_pl = tmp_path / "pl_resaved.csv"
    pd.read_csv(PL_REAL).to_csv(resaved_pl, index=False)  # what the user's script did to the data file
    assert (
        resaved_pl.read_text().splitlines()[1].startswith("1154324382,500 N Hiatus Rd Ste 200,,")
    )  # unquoted
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    published, r1 = import_into(tmp_path / "a", PUBLISHED, PL_STATES, PL_REAL)
    resaved, r2 = import_into(tmp_path / "b", RESAVED, PL_STATES, resaved_pl)
    assert tables(resaved) == tables(published)
    assert (r1.providers, r1.locations, r1.secondary_locations) == (203, 210, 7)
    assert (r2.providers, r2.locations, r2.secondary_locations) == (203, 210, 7)


# -- the other real files -----------------------------------------------------------------------------


def test_real_pl_file_with_the_two_space_header(tmp_path):
    header, rows = read_rows(PL_REAL)
    assert header[2] == "Provider Secondary Practice Location Address-  Address Line 2" and len(rows) == 9
    path, result = import_into(tmp_path, PUBLISHED, PL_STATES, PL_REAL)
    # 9 rows: 7 become secondary locations; the two of 1124021324 do not (no HSD line, no market row).
    assert result.secondary_locations == 7 and result.locations_normalised == {}
    conn = sqlite3.connect(path)
    wi = conn.execute(
        "SELECT l.address, l.city, l.zip, l.county_fips FROM locations l JOIN providers p ON p.id = l.provider_id "
        "WHERE p.npi = '1699778829' ORDER BY l.id"
    ).fetchall()
    conn.close()
    assert wi[-1] == (
        "2200 Cedarcrest Dr, Ste A",
        "Rice Lake",
        "54868",
        "55005",
    )  # line 2 from the 2-space column


def test_senzing_row_with_an_unavailable_ein(tmp_path):
    # One verbatim 2023+ row: EIN "<UNAVAIL>" (not read), a dental clinic (261QD0000X) in VA.
    path, result = import_into(tmp_path, SENZING, ["VA"])
    assert result.rows_read == 1 and result.providers == 0  # dental clinics fill no MA HSD line
    (tmp_path / "r").mkdir()
    path, result = import_into(tmp_path / "r", SENZING, ["VA"], roster=["1063947125"])
    assert (result.roster_matched, result.roster_deactivated, result.providers) == (1, 0, 0)


def test_2015_header_file_is_refused_as_header_only_and_its_layout_still_reads(tmp_path):
    header, rows = read_rows(HEADER_2015)
    assert len(header) == 329 and not rows
    assert "Provider Gender Code" in header and "Certification Date" not in header
    path = new_project(tmp_path)
    with open_project(path) as project, pytest.raises(InputFileError) as err:
        import_nppes(project, HEADER_2015, states=["TX"])
    assert "no data rows" in str(err.value) and "header-only file" in str(err.value)
    # The 2015 layout has every column the import reads: a row under that header imports.
    pub_header, pub_rows = read_rows(PUBLISHED)
    tx = next(r for r in pub_rows if r[pub_header.index(L.PRACTICE_STATE)] == "TX")
    values = dict(zip(pub_header, tx, strict=True))
    old = tmp_path / "npidata_20050523-20150308.csv"
    with old.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL)
        writer.writerow(header)
        writer.writerow([values.get(c, "") for c in header])
    with open_project(path) as project:
        result = import_nppes(project, old, states=["TX"])
    assert result.rows_read == 1 and result.providers == 1


def test_the_cms_download_zip_is_refused_naming_its_members(tmp_path):
    archive = tmp_path / "NPPES_Data_Dissemination_April_2025.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(PUBLISHED, "npidata_pfile_20050523-20250413.csv")
        z.write(PL_REAL, "pl_pfile_20050523-20250413.csv")
        z.write(HEADER_2015, "npidata_pfile_20050523-20250413_fileheader.csv")
    path = new_project(tmp_path)
    with open_project(path) as project, pytest.raises(InputFileError) as err:
        import_nppes(project, archive, states=["TX"])
    assert str(err.value) == (
        "NPPES_Data_Dissemination_April_2025.zip: is a ZIP archive: unzip it first (it holds: "
        "npidata_pfile_20050523-20250413.csv, pl_pfile_20050523-20250413.csv, "
        "npidata_pfile_20050523-20250413_fileheader.csv)"
    )


def test_a_medicaid_project_credits_the_lines_with_no_hsd_code_from_the_published_rows(tmp_path):
    """Pennsylvania Medicaid: the published rows' pediatricians and anesthesiologists become market providers
    on PPC and ANE (rules/other_lines.py), exactly those whose practice state is PA and whose taxonomy is one
    of those lines'; an MA project of the same file credits them no line (test above: the MA market)."""
    from blueprint_desktop.rules.other_lines import taxonomy_lines

    header, rows = read_rows(PUBLISHED)
    state_at, npi_at = header.index(L.PRACTICE_STATE), header.index(L.NPI)
    other = taxonomy_lines("medicaid")
    want: dict[str, set[str]] = {}
    for r in rows:
        if r[state_at].strip() != "PA" or r[header.index(L.DEACTIVATION_DATE)]:
            continue
        for i in range(1, 16):
            tax = r[header.index(L.taxonomy_code(i))].strip().upper()
            if tax in other:
                want.setdefault(other[tax][0], set()).add(r[npi_at])
    assert want.get("PPC"), "the sample holds Pennsylvania pediatricians"
    path = tmp_path / "pa.bpproj"
    create_project(path, "PA Medicaid", lob="medicaid", plan_year=2026, counties=[("42101", "PA")])
    with open_project(path) as project:
        import_nppes(project, PUBLISHED)
        got: dict[str, set[str]] = {}
        for n, code in project.conn.execute(
            "SELECT p.npi, pl.line_code FROM provider_lines pl JOIN providers p ON p.id = pl.provider_id"
        ):
            if code.isalpha():  # Blueprint's own lines (the HSD lines are the MA tests' subject)
                got.setdefault(code, set()).add(n)
    assert got == want
