"""Roster import in batches (issue 16): the rows of added providers are written by executemany in batches
of ``WRITE_BATCH_ROWS``, values are parsed once per distinct value, and a CSV is read in one pass. None of
that may change a result: the same problems (row, column, value, expected), the same providers, lines,
locations and counties, with the same ids, whatever the batch size, and the same as the row-by-row code
gave (the problems below are what it reported for this file, row for row)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from deficiency_scenario import npi
from roster_files import FORT_BEND_SSA, provider_row, provider_table, template_file, template_row

from blueprint_desktop.data import roster_import, tabular
from blueprint_desktop.data.roster_import import MODE_REPLACE, import_roster
from blueprint_desktop.data.roster_layouts import TEMPLATE, TEMPLATE_FIELDS
from blueprint_desktop.data.roster_validate import Context, validate_table
from blueprint_desktop.data.tabular import Table, read_table
from blueprint_desktop.errors import InputFileError
from blueprint_desktop.store import open_project

NPI_COLUMN = "National Provider Identifier (NPI) Number"
ZIP_COLUMN = "Provider Zip Code"


def _bad_digit(base9: str) -> str:
    good = npi(base9)
    return base9 + str((int(good[9]) + 1) % 10)


def crafted_rows() -> list[dict[str, str]]:
    """12 providers over 35 rows: each in two counties served, every third with a second office, and bad
    rows spread through the file (a bad check digit, no name, a row repeated far from its first, a ZIP of
    another state, an unknown code, a ZIP that is not one, the first row again at the very end)."""
    rows = []
    for i in range(12):
        n = npi(f"5100000{i:02d}")
        office = {"address": f"{100 + i} Main St", "zip": "77030"}
        rows.append(provider_row(n, f"Dr. Batch {i}", "008", **office))
        rows.append(provider_row(n, f"Dr. Batch {i}", "008", ssa=FORT_BEND_SSA, **office))
        if i % 3 == 0:
            second = {"address": f"{200 + i} Elm St", "city": "Sugar Land", "zip": "77478"}
            rows.append(provider_row(n, f"Dr. Batch {i}", "011", ssa=FORT_BEND_SSA, **second))
    rows.insert(3, provider_row(_bad_digit("510000001"), "Dr. Bad Digit", "008"))
    rows.insert(9, provider_row(npi("510000099"), "", "008"))
    rows.insert(15, dict(rows[4]))
    rows.insert(22, provider_row(npi("510000098"), "Dr. Wrong Zip", "008", zip="10001"))
    rows.insert(27, provider_row(npi("510000097"), "Dr. Bad Code", "999"))
    rows.append(provider_row(npi("510000002"), "Dr. Batch 2", "008", zip="7703O"))
    rows.append(dict(rows[0]))
    return rows


# What the row-by-row import (before issue 16) reported for crafted_rows(), exactly.
TODAYS_PROBLEMS = [
    (
        5,
        NPI_COLUMN,
        _bad_digit("510000001"),
        "a valid NPI check digit (45 CFR 162.406; for 510000001 the 10th digit is 2)",
    ),
    (11, "Name of Physician or Mid-Level Practitioner", "", "the provider or facility name"),
    (17, "(whole row)", "same as row 6", "each row once"),
    (24, ZIP_COLUMN, "10001", "a ZIP code in TX (10001 is in NY)"),
    (
        29,
        "Provider Specialty Code",
        "999",
        "a provider specialty code of the HSD provider table (001-008, 010-023, 025-031, 033-037, S03)",
    ),
    (35, ZIP_COLUMN, "7703O", "a 5-digit ZIP code (ZIP+4 accepted)"),
    (36, "(whole row)", "same as row 2", "each row once"),
]

# The import's tables, without the columns that hold the moment of the import.
_DUMPS = {
    "providers": "SELECT id, npi, name, entity_type, contract_status, credentialing_status, panel_status,"
    " contract_type, medical_group_affiliation, exclusion, ma_contracted, source, batch_id FROM providers"
    " ORDER BY id",
    "provider_lines": "SELECT provider_id, line_code, taxonomy_code FROM provider_lines ORDER BY 1, 2",
    "locations": "SELECT * FROM locations ORDER BY id",
    "provider_counties": "SELECT * FROM provider_counties ORDER BY 1, 2",
    "import_problems": "SELECT batch_id, row_number, column, value, expected FROM import_problems ORDER BY rowid",
    "roster_changes": "SELECT batch_id, previous_batch_id, npi, change, detail_json FROM roster_changes"
    " ORDER BY rowid",
}


def _dump(project) -> dict[str, list[tuple]]:
    return {name: project.conn.execute(sql).fetchall() for name, sql in _DUMPS.items()}


def _import(project_path: Path, files: list[tuple[Path, str]], batch: int, monkeypatch) -> dict:
    monkeypatch.setattr(roster_import, "WRITE_BATCH_ROWS", batch)
    with open_project(project_path) as project:
        results = [import_roster(project, f, skip_bad_rows=True, mode=mode) for f, mode in files]
        return {"dump": _dump(project), "results": results}


def _copy(project_path: Path, tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    target.write_bytes(project_path.read_bytes())
    return target


@pytest.mark.parametrize("batch", [1, 2, 3, 7])
def test_every_batch_size_gives_todays_rows_and_problems(project_path, tmp_path, batch, monkeypatch):
    roster_file = provider_table(tmp_path / "batches.csv", crafted_rows())
    whole = _import(
        _copy(project_path, tmp_path, "whole.bpproj"), [(roster_file, "add-update")], 10**9, monkeypatch
    )
    batched = _import(
        _copy(project_path, tmp_path, "b.bpproj"), [(roster_file, "add-update")], batch, monkeypatch
    )
    assert batched["dump"] == whole["dump"]
    result = batched["results"][0]
    assert [(p.row_number, p.column, p.value, p.expected) for p in result.problems] == TODAYS_PROBLEMS
    assert (result.rows_read, result.rows_imported, result.providers, result.locations) == (35, 28, 12, 16)
    dump = batched["dump"]
    # Ids as row-by-row inserts give them: providers in NPI order, each provider's offices in file order.
    assert [r[0] for r in dump["providers"]] == list(range(1, 13))
    assert [r[1] for r in dump["providers"]] == sorted(r[1] for r in dump["providers"])
    offices = [(r[1], r[2]) for r in dump["locations"]]
    assert [r[0] for r in dump["locations"]] == list(range(1, 17))
    assert offices == sorted(offices, key=lambda x: (x[0], "Elm" in x[1]))
    # Every provider is in both counties served; the second office adds nothing else.
    assert len(dump["provider_counties"]) == 24
    assert [r[1:] for r in dump["import_problems"]] == TODAYS_PROBLEMS


def test_updates_and_drops_between_batches_keep_ids(project_path, tmp_path, monkeypatch):
    """A second roster: updates (same NPIs), adds (new NPIs between them in NPI order), drops (replace): the
    queued adds are written before each update and drop, so every id is the one row by row gives."""
    first = provider_table(tmp_path / "first.csv", crafted_rows())
    rows = [r for r in crafted_rows() if r[NPI_COLUMN] not in (npi("510000004"), npi("510000011"))]
    # New NPIs sorting before and after the ones on the roster: adds are queued, then an update comes.
    rows += [provider_row(npi(f"50999999{i}"), f"Dr. New {i}", "008") for i in range(3)]
    rows += [provider_row(npi(f"51000002{i}"), f"Dr. New {i + 3}", "011") for i in range(3)]
    rows.append(provider_row(npi("510000003"), "Dr. Batch 3", "008", address="1 Moved Ave", zip="77002"))
    second = provider_table(tmp_path / "second.csv", rows)
    files = [(first, "add-update"), (second, MODE_REPLACE)]
    whole = _import(_copy(project_path, tmp_path, "whole.bpproj"), files, 10**9, monkeypatch)
    batched = _import(_copy(project_path, tmp_path, "b.bpproj"), files, 1, monkeypatch)
    assert batched["dump"] == whole["dump"]
    result = batched["results"][1]
    counts = result.changes["counts"]
    assert counts["dropped"] == 2 and counts["added"] == 6 and counts["changed"] >= 1
    ids = [r[0] for r in batched["dump"]["providers"]]
    # Added providers take the ids after the largest one the first import left (12), in NPI order.
    added = [(r[1], r[0]) for r in batched["dump"]["providers"] if r[2].startswith("Dr. New")]
    assert [i for _n, i in sorted(added)] == list(range(13, 19))
    assert len(ids) == 12 - 2 + 6


def test_ids_after_the_largest_was_dropped(project_path, tmp_path, monkeypatch):
    """providers.id is an INTEGER PRIMARY KEY without AUTOINCREMENT: after the provider with the largest id
    is dropped, SQLite gives the next row max(id) + 1 again, and so must the batched writer."""
    first = provider_table(tmp_path / "first.csv", crafted_rows())
    last_npi = npi("510000011")  # the largest NPI: id 12
    rows = [r for r in crafted_rows() if r[NPI_COLUMN] != last_npi]
    second = provider_table(tmp_path / "second.csv", rows)
    third = provider_table(tmp_path / "third.csv", [provider_row(npi("520000001"), "Dr. After", "008")])
    files = [(first, "add-update"), (second, MODE_REPLACE), (third, "add-update")]
    out = _import(_copy(project_path, tmp_path, "b.bpproj"), files, 1, monkeypatch)
    ids = {r[1]: r[0] for r in out["dump"]["providers"]}
    assert last_npi not in ids
    assert ids[npi("520000001")] == 12


def test_a_value_bad_on_many_rows_is_reported_on_each(tmp_path):
    """Parsing once per distinct value must still report every row that holds it, in row order."""
    rows = [provider_row(npi(f"53000000{i}"), f"Dr. {i}", "999" if i % 2 else "008") for i in range(8)]
    table = read_table(provider_table(tmp_path / "r.csv", rows))
    from blueprint_desktop.data.roster_layouts import detect_layout

    layout, mapping = detect_layout(table.headers)
    problems = validate_table(table, mapping, layout, Context.for_project(None)).problems
    assert [(p.row_number, p.value) for p in problems] == [(3, "999"), (5, "999"), (7, "999"), (9, "999")]
    assert len({p.expected for p in problems}) == 1


def test_a_county_is_read_in_its_rows_state(tmp_path):
    """A county name's meaning depends on the row's state: remembered per state, not per text alone."""
    rows = [
        template_row(npi("540000001"), "Dr. Texas", county="Harris"),
        template_row(
            npi("540000002"), "Dr. Georgia", county="Harris", state="GA", zip="31804", city="Ellerslie"
        ),
        template_row(
            npi("540000003"), "Dr. New York", county="Harris", state="NY", zip="10001", city="New York"
        ),
        template_row(npi("540000004"), "Dr. Texas Too", county="Harris", address="1 Other St"),
    ]
    table = read_table(template_file(tmp_path / "t.csv", rows))
    mapping = {f: f for f in TEMPLATE_FIELDS}
    v = validate_table(table, mapping, TEMPLATE, Context.for_project(None))
    assert {r.npi: r.county_fips for r in v.rows} == {
        npi("540000001"): "48201",
        npi("540000002"): "13145",
        npi("540000004"): "48201",
    }
    assert [(p.row_number, p.column, p.value) for p in v.problems] == [(4, "county", "Harris")]
    assert v.problems[0].expected == "a county of NY (no county named 'Harris' in NY)"


def test_a_disagreement_far_from_the_first_row_is_named(tmp_path):
    """One NPI is one provider: a status differing 40 rows later is reported quoting the first row."""
    n = npi("550000001")
    rows = [template_row(n, "Dr. Far", county_served=str(48001 + 2 * i)) for i in range(40)]
    rows.append(template_row(n, "Dr. Far", contract_status="pending", address="9 Far Rd"))
    table = read_table(template_file(tmp_path / "t.csv", rows))
    v = validate_table(table, {f: f for f in TEMPLATE_FIELDS}, TEMPLATE, Context.for_project(None))
    assert [(p.row_number, p.column, p.value, p.expected) for p in v.problems] == [
        (42, "contract_status", "pending", "executed as on row 2 (one NPI is one provider)")
    ]


# -- the CSV reader ------------------------------------------------------------------------------------
TRICKY = [
    "a,b\r\nc,d\r\n",
    "a,b\nc,d",
    'a,"x\r\ny",c\rd,e\r\r\n\nf',
    '\u2028a,b\u2029\n\u0085c,"d\u2028"\n',
    "",
    "\n",
    "x",
    'a,"b\nc',
    "\r",
    "a\r\n\r\nb",
]


@pytest.mark.parametrize("text", TRICKY)
def test_lines_split_as_stringio_does(text):
    assert list(csv.reader(tabular._lines(text))) == list(csv.reader(io.StringIO(text, newline="")))
    assert "".join(tabular._lines(text)) == text


def _refusal(path: Path) -> str:
    with pytest.raises(InputFileError) as info:
        read_table(path)
    return str(info.value)


def test_refusals_keep_their_order(tmp_path):
    """The one-pass reader refuses as the row-by-row one did: a cut-off file first, then the first bad
    value, then a repeated header or a value under no header (whichever row comes first)."""
    f = tmp_path / "f.csv"
    f.write_text("npi,name,npi\n1,a\x01b,c\n")
    assert "control character U+0001" in _refusal(f) and "row 2, column B" in _refusal(f)
    f.write_text("npi,name\n1,ok\n2,a\x02b\n3,x,extra\n")
    assert "row 3, column B: control character U+0002" in _refusal(f)
    f.write_text("npi,name\n1,ok,extra\n2,a\x02b\n")
    assert "row 3, column B: control character U+0002" in _refusal(f)
    f.write_text('npi,name\n1,a\x02b\n2,"cut')
    assert "the file ends mid-row" in _refusal(f)
    f.write_text("npi,name\n1,ok,extra\n2,ok,more\n")
    assert "row 2, column C: got 'extra'" in _refusal(f)
    f.write_text("npi,name,Name\n1,a,b\n")
    assert "repeats the header" in _refusal(f)
    f.write_text("\n\n")
    assert "the file is empty" in _refusal(f)
    f.write_text("npi,name\n1," + "x" * (tabular.MAX_CELL_CHARS + 1) + "\n")
    assert "row 2, column B: a value of 32,768 characters" in _refusal(f)


def test_one_pass_reader_gives_the_same_table(tmp_path):
    """Rows, numbers (blank rows keep theirs), padding and stripping as before; equal values share one
    string (the table keeps less), which changes nothing a caller sees."""
    f = tmp_path / "f.csv"
    f.write_text("\n npi , name ,zip\n1, Ann ,77030\n\n2,Bob\n3,Cy,77030,\n")
    table = read_table(f)
    assert table.headers == ["npi", "name", "zip"]
    assert table.rows == [["1", "Ann", "77030"], ["2", "Bob", ""], ["3", "Cy", "77030"]]
    assert table.row_numbers == [3, 5, 6]
    assert table.rows[0][2] is table.rows[2][2]
    assert isinstance(table, Table) and table.delimiter == ","
