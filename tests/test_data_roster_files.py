"""Reading roster files (CSV encodings and delimiters, XLSX, row numbers), recognising layouts, the template."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from openpyxl import load_workbook
from roster_files import CARDIO, provider_row, provider_table, write_xlsx

from blueprint_desktop.data import roster_layouts as layouts
from blueprint_desktop.data.tabular import read_table
from blueprint_desktop.errors import InputFileError
from blueprint_desktop.reports.hsd_tables import FACILITY_COLUMNS, PROVIDER_COLUMNS


def test_csv_row_numbers_count_the_header_and_blank_rows(tmp_path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("npi,name\n1234567893,A\n\n1245319599,B\n")
    table = read_table(path)
    assert table.headers == ["npi", "name"]
    assert table.rows == [["1234567893", "A"], ["1245319599", "B"]]
    assert table.row_numbers == [2, 4]  # the blank row 3 still counts, as in a spreadsheet
    assert table.delimiter == ","


def test_csv_encodings_and_delimiters(tmp_path) -> None:
    bom = tmp_path / "bom.csv"
    bom.write_bytes("npi;name\r\n1234567893;Peña\r\n".encode("utf-8-sig"))
    table = read_table(bom)
    assert (table.headers, table.rows[0], table.delimiter) == (["npi", "name"], ["1234567893", "Peña"], ";")
    legacy = tmp_path / "win.csv"
    legacy.write_bytes("npi\tname\n1234567893\tNu\xf1ez\n".encode("cp1252"))
    table = read_table(legacy)
    assert table.rows[0] == ["1234567893", "Nuñez"] and table.encoding == "cp1252"
    quoted = tmp_path / "q.csv"
    quoted.write_text('npi,address\n1234567893,"1 Main St, Suite 2"\n')
    assert read_table(quoted).rows[0] == ["1234567893", "1 Main St, Suite 2"]


def test_xlsx_numbers_and_dates_come_back_as_text(tmp_path) -> None:
    path = write_xlsx(
        tmp_path / "r.xlsx",
        ["NPI", "ZIP", "Lat", "Executed"],
        [[1234567893, 2139, 29.5, dt.datetime(2025, 3, 1)], [], [1245319599.0, "77002", None, "3/1/2025"]],
    )
    table = read_table(path)
    assert table.rows == [
        ["1234567893", "2139", "29.5", "2025-03-01"],
        ["1245319599", "77002", "", "3/1/2025"],
    ]
    assert table.row_numbers == [2, 4]
    assert table.sheet == "Sheet"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "the file is empty"),
        ("blank.csv", b"\n\n", "the file is empty"),
        ("dup.csv", b"npi,NPI\n1,2\n", "repeats the header"),
        ("extra.csv", b"npi,name\n1234567893,A,surprise\n", "row 2, column C: got 'surprise'"),
        ("roster.xls", b"\xd0\xcf\x11\xe0", "save it as .xlsx or .csv"),
        ("roster.pdf", b"%PDF", "unsupported file type '.pdf'"),
        ("broken.xlsx", b"not a zip", "not a readable Excel workbook"),
        ("zipped.csv", b"PK\x03\x04rest", "not CSV text"),
    ],
)
def test_unusable_files_are_refused_in_one_line(tmp_path, name, content, message) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputFileError) as err:
        read_table(path)
    assert message in str(err.value) and "\n" not in str(err.value)
    assert name in str(err.value)


def test_missing_file(tmp_path) -> None:
    with pytest.raises(InputFileError, match="no such file"):
        read_table(tmp_path / "nope.csv")


def test_hsd_tables_are_recognised_by_their_exact_headers() -> None:
    layout, mapping = layouts.detect_layout(list(PROVIDER_COLUMNS))
    assert layout is layouts.HSD_PROVIDER
    assert mapping["npi"] == "National Provider Identifier (NPI) Number"
    assert mapping["county_served"] == "SSA State/County Code"
    # Case and spacing do not matter; extra columns named like a roster field are picked up.
    shouted = [h.upper().replace(" ", "  ") for h in FACILITY_COLUMNS] + ["Latitude", "Longitude", "Notes"]
    layout, mapping = layouts.detect_layout(shouted)
    assert layout is layouts.HSD_FACILITY
    assert mapping["beds"] == "#  OF  STAFFED,  MEDICARE-CERTIFIED  BEDS"
    assert (mapping["latitude"], mapping["longitude"]) == ("Latitude", "Longitude")
    assert "Notes" not in mapping.values()
    # One HSD column missing: not the HSD table (nor anything else).
    assert layouts.detect_layout(list(PROVIDER_COLUMNS[:-1])) is None
    assert layouts.HSD_PROVIDER.implied["contract_status"] == "executed"


def test_template_is_recognised_and_unknown_files_get_a_proposal() -> None:
    layout, mapping = layouts.detect_layout(list(layouts.TEMPLATE_FIELDS))
    assert layout is layouts.TEMPLATE and mapping["contract_status"] == "contract_status"
    assert layouts.detect_layout(["NPI", "Provider Name", "ZIP"]) is None
    guess = layouts.guess_mapping(["Provider NPI", "Full Name", "Zip Code", "Lat", "Lng", "Credentialing"])
    assert guess == {
        "npi": "Provider NPI",
        "name": "Full Name",
        "zip": "Zip Code",
        "latitude": "Lat",
        "longitude": "Lng",
        "credentialing_status": "Credentialing",
    }
    assert layouts.missing_required(guess, None) == ["specialty_code", "state", "contract_status"]
    # An HSD table implies the statuses; a taxonomy stands for the specialty, coordinates for the ZIP.
    assert layouts.missing_required(
        {"npi": "a", "name": "b", "taxonomy": "c", "state": "d"}, layouts.HSD_PROVIDER
    ) == ["zip"]


def test_mapping_checks(tmp_path) -> None:
    headers = ["Provider NPI", "Full Name"]
    assert layouts.check_mapping({"npi": "provider npi", "name": "Full Name"}, headers, "r.csv") == {
        "npi": "Provider NPI",
        "name": "Full Name",
    }
    with pytest.raises(InputFileError, match="'nmae' is not a roster field"):
        layouts.check_mapping({"nmae": "Full Name"}, headers, "r.csv")
    with pytest.raises(InputFileError, match="column 'NPI #', which is not in the file"):
        layouts.check_mapping({"npi": "NPI #"}, headers, "r.csv")
    with pytest.raises(InputFileError, match="mapped to npi and name"):
        layouts.check_mapping({"npi": "Full Name", "name": "Full Name"}, headers, "r.csv")
    bad = tmp_path / "m.json"
    bad.write_text("{not json")
    with pytest.raises(InputFileError, match="not valid JSON"):
        layouts.load_mapping_file(bad)
    bad.write_text('["npi"]')
    with pytest.raises(InputFileError, match="expected a JSON object"):
        layouts.load_mapping_file(bad)


def test_template_csv_and_xlsx(tmp_path) -> None:
    csv_path = layouts.write_template(tmp_path / "roster.csv")
    with csv_path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == [layouts.template_header(n) for n in layouts.TEMPLATE_FIELDS] and len(rows) == 2
    assert dict(zip(rows[0], rows[1], strict=True))["npi"] == "1234567893"
    xlsx = layouts.write_template(tmp_path / "roster.xlsx")
    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["Roster", "Columns"]
    roster = wb["Roster"]
    assert [c.value for c in roster[1]] == [layouts.template_header(n) for n in layouts.TEMPLATE_FIELDS]
    explained = {r[0]: r for r in wb["Columns"].iter_rows(min_row=2, values_only=True)}
    assert set(explained) == {layouts.template_header(n) for n in layouts.TEMPLATE_FIELDS}
    assert explained["contract_status"][1] == "yes"
    assert explained["taxonomy_code"][1] == "yes (or specialty_code)"
    assert "executed, loi, pending, terminated, none" in explained["contract_status"][3]
    # The template is recognised as itself when read back.
    assert layouts.detect_layout(read_table(xlsx).headers)[0] is layouts.TEMPLATE
    with pytest.raises(InputFileError, match=r"\.csv or \.xlsx"):
        layouts.write_template(tmp_path / "roster.json")


def test_an_exported_hsd_table_reads_back(tmp_path) -> None:
    path = provider_table(tmp_path / "p.csv", [provider_row(CARDIO, "Dr. A", "008")])
    table = read_table(path)
    assert table.headers == PROVIDER_COLUMNS
    assert layouts.detect_layout(table.headers)[0].key == "hsd-provider"
