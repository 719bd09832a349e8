"""Bad input is refused in one line, quickly, and changes nothing: pathological notice lines, impossible
dates, header-only and empty files, non-finite numbers, malformed OSM files, UTF-16 text, control
characters, oversized cells/columns/workbooks, and rosters cut off mid-file."""

from __future__ import annotations

import bz2
import codecs
import time
import zipfile
from pathlib import Path

import pytest
from deficiency_scenario import populate
from roster_files import dump, roster, template_file, template_row, write_csv, write_xlsx
from test_data_nppes import npi as nppes_npi
from test_data_nppes import row as nppes_row
from test_data_nppes import write_nppes

from blueprint_desktop.data import nppes_layout as L
from blueprint_desktop.data import tabular
from blueprint_desktop.data.activity import import_activity
from blueprint_desktop.data.nppes_import import import_nppes
from blueprint_desktop.data.population_import import import_population
from blueprint_desktop.data.roster_import import (
    MODE_ADD_UPDATE,
    MODE_REPLACE,
    import_roster,
    plan_roster_import,
)
from blueprint_desktop.data.roster_layouts import TEMPLATE_FIELDS
from blueprint_desktop.deficiency.notice import import_notice
from blueprint_desktop.engine.road_import import read_osm
from blueprint_desktop.errors import BlueprintError, InputFileError
from blueprint_desktop.rules.enrollees import import_enrollees

REAL = Path("/work/shared/data/real")


def refused(project, call, *needles: str, seconds: float = 30.0) -> str:
    """``call()`` raises a one-line InputFileError containing ``needles``, quickly, changing nothing."""
    before = dump(project)
    started = time.perf_counter()
    with pytest.raises(InputFileError) as err:
        call()
    elapsed = time.perf_counter() - started
    message = str(err.value)
    assert "\n" not in message, message
    for needle in needles:
        assert needle in message, message
    assert elapsed < seconds, f"{elapsed:.1f} s"
    assert dump(project) == before
    return message


# -- notices: linear parsing and bounded dates ---------------------------------------------------------
def test_long_notice_line_parses_in_linear_time(project, tmp_path) -> None:
    """A 40 kB line of capitalised words (the old "X County" pattern rescanned it from every capital:
    16 kB took ~9 s) parses in well under a second."""
    from blueprint_desktop.deficiency import notice

    populate(project)
    path = tmp_path / "notice.txt"
    text = "Notice date: 03/02/2027\nHarris County, TX\n" + "Aa " * 13_000 + "\nCardiology\n"
    path.write_text(text)
    notice._read_text(path, "Harris County, TX\nCardiology\n", project)  # loads the county tables once
    started = time.perf_counter()
    notice._read_text(path, text, project)
    assert time.perf_counter() - started < 1.0
    result = import_notice(project, path)
    assert [(g["county_fips"], g["line_code"]) for g in result.gaps] == [("48201", "008")]


@pytest.mark.parametrize("filler", ["A" * 200_000, "Aa " * 70_000, "TX " * 70_000])
def test_200_kb_notice_line_is_refused_in_under_a_second(project, tmp_path, filler) -> None:
    path = tmp_path / "notice.txt"
    path.write_text("Notice date: 03/02/2027\nHarris County, TX Cardiology " + filler + "\n")
    refused(project, lambda: import_notice(project, path), "notice.txt", "line 2", "characters", seconds=1.0)


@pytest.mark.parametrize("written", ["12/31/9999", "0001-01-01", "01/01/1899", "2101-01-01"])
def test_notice_dates_outside_2000_2100_are_refused(project, tmp_path, written) -> None:
    populate(project)
    path = tmp_path / "notice.txt"
    path.write_text(f"Notice date: {written}\nHarris County, TX\nCardiology\n")
    refused(project, lambda: import_notice(project, path), "notice.txt", "line 1", "2000-2100")
    table = tmp_path / "notice.csv"
    table.write_text(f"state,county,specialty,notice_date\nTX,Harris,Cardiology,{written}\n")
    refused(project, lambda: import_notice(project, table), "row 2, column notice_date", "2000-2100")
    ok = tmp_path / "ok.txt"
    ok.write_text("Harris County, TX\nCardiology\n")
    refused(project, lambda: import_notice(project, ok, notice_date="9999-12-31"), "2000-2100")


# -- header-only and empty files, every importer --------------------------------------------------------
def test_header_only_and_empty_files_are_refused_by_every_importer(project, tmp_path) -> None:
    cases = {
        "roster": (lambda f: import_roster(project, f), ",".join(TEMPLATE_FIELDS)),
        "enrollees": (lambda f: import_enrollees(project, f), "zip,count"),
        "activity": (lambda f: import_activity(project, f), "npi,last_service_date"),
        "population": (lambda f: import_population(project, f), "geoid,latitude,longitude,pop_65"),
        "nppes": (
            lambda f: import_nppes(project, f),
            ",".join(f'"{c}"' for c in L.DATA_FILE_COLUMNS),
        ),
    }
    for kind, (importer, header) in cases.items():
        only = tmp_path / f"{kind}_header.csv"
        only.write_text(header + "\n")
        message = refused(project, lambda f=only, i=importer: i(f), only.name)
        assert "no data rows" in message or "no activity rows" in message, message
        empty = tmp_path / f"{kind}_empty.csv"
        empty.write_bytes(b"")
        refused(project, lambda f=empty, i=importer: i(f), empty.name, "empty")


def test_the_real_nppes_header_only_file_leaves_the_market_alone(project, tmp_path) -> None:
    path = REAL / "nppes" / "npidata_20050523-20150308FileHeader.csv"
    if not path.is_file():
        pytest.skip("the real NPPES FileHeader file is not in /work/shared/data/real/nppes")
    refused(project, lambda: import_nppes(project, path), path.name, "header-only")


# -- numbers ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "1e400", "-1", "Infinity"])
def test_non_finite_enrollee_counts_are_refused_with_row_and_column(project, tmp_path, value) -> None:
    path = tmp_path / "enrollees.csv"
    path.write_text(f"zip,count\n77002,5\n77030,{value}\n")
    refused(project, lambda: import_enrollees(project, path), "row 3", "column 'count'", repr(value))


@pytest.mark.parametrize("value", ["nan", "inf", "1e400"])
def test_non_finite_population_values_are_refused(project, tmp_path, value) -> None:
    path = tmp_path / "pop.csv"
    path.write_text(f"geoid,latitude,longitude,pop_65\n482012231001,{value},-95.37,10\n")
    refused(project, lambda: import_population(project, path), "row 2", "latitude")


# -- OSM files -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bad.osm", b"<osm version='0.6'><node id='1' lat='x' lon='y'/><way id='1'><nd ref="),
        ("bad2.osm", b"<?xml version='1.0'?><osm version='0.6'><node id='1' lat='1' lon='1'></osm>"),
        ("junk.osm", b"\x00\x01\x02 not xml at all"),
        ("junk.osm.pbf", b"\x00\x00\x00\x0dOSMHeader garbage" * 20),
        ("junk.osm.bz2", b"BZh91AY&SY" + b"\x00" * 64),
        ("junk.osm.gz", b"\x1f\x8b\x08\x00" + b"\xff" * 64),
    ],
)
def test_malformed_osm_files_give_one_line(tmp_path, name, content) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(BlueprintError) as err:
        read_osm(path)
    assert name in str(err.value) and "\n" not in str(err.value)


def test_truncated_real_osm_bz2_gives_one_line(tmp_path) -> None:
    real = REAL / "osm" / "West-Oakland.osm.bz2"
    if not real.is_file():
        pytest.skip("the real OSM extract is not in /work/shared/data/real/osm")
    path = tmp_path / "cut.osm.bz2"
    path.write_bytes(bz2.compress(bz2.decompress(real.read_bytes())[:50_000]))  # XML cut mid-element
    with pytest.raises(BlueprintError) as err:
        read_osm(path)
    assert "cut.osm.bz2" in str(err.value) and "\n" not in str(err.value)


# -- encodings -----------------------------------------------------------------------------------------------
def _rows(n: int, start: int = 0) -> list[dict[str, str]]:
    return [template_row(nppes_npi(700 + i), f"Dr. Zoë Ñandú {i}") for i in range(start, start + n)]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "cp1252"])
def test_roster_in_any_common_encoding_imports_the_same(project_path, tmp_path, encoding) -> None:
    from blueprint_desktop.store import open_project

    path = tmp_path / "roster.csv"
    write_csv(path, list(TEMPLATE_FIELDS), _rows(3), encoding="utf-8")
    body = path.read_text(encoding="utf-8")
    if encoding == "utf-16-le":
        path.write_bytes(codecs.BOM_UTF16_LE + body.encode("utf-16-le"))
    elif encoding == "utf-16-be":
        path.write_bytes(codecs.BOM_UTF16_BE + body.encode("utf-16-be"))
    else:
        path.write_bytes(body.encode(encoding))
    with open_project(project_path) as project:
        result = import_roster(project, path)
        names = sorted(r[0] for r in project.conn.execute("SELECT name FROM providers WHERE source='roster'"))
    assert result.providers == 3
    assert names == [f"Dr. Zoë Ñandú {i}" for i in range(3)]


def test_utf16_without_bom_and_enrollees(project, tmp_path) -> None:
    path = tmp_path / "enr.csv"
    path.write_bytes("zip,count\n77002,12\n".encode("utf-16-le"))
    assert import_enrollees(project, path).enrollees == 12.0


# -- control characters -----------------------------------------------------------------------------------
@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x07", "\x7f"])
def test_control_characters_are_refused_with_row_and_column(project, tmp_path, char) -> None:
    rows = _rows(3)
    rows[1]["name"] = f"Dr. Bad{char}Name"
    path = write_csv(tmp_path / "roster.csv", list(TEMPLATE_FIELDS), rows)
    refused(project, lambda: import_roster(project, path), "row 3, column B", f"U+{ord(char):04X}")
    enr = tmp_path / "enr.csv"
    enr.write_text(f"zip,count\n77002{char},12\n")
    refused(project, lambda: import_enrollees(project, enr), "row 2, column A")


def test_control_characters_in_nppes_and_notices_are_refused(project, tmp_path) -> None:
    good = nppes_row(nppes_npi(11), taxonomies=(("207RC0000X", "Y"),))
    bad = nppes_row(nppes_npi(12), taxonomies=(("207RC0000X", "Y"),), last="DO\x00E")
    path = write_nppes(tmp_path / "npidata_pfile.csv", [good, bad])
    refused(
        project, lambda: import_nppes(project, path), "row 3", "Provider Last Name (Legal Name)", "control"
    )
    populate(project)
    notice = tmp_path / "notice.txt"
    notice.write_text("Notice date: 03/02/2027\nHarris\x00 County, TX\nCardiology\n")
    refused(project, lambda: import_notice(project, notice), "line 2", "U+0000")


# -- size limits ---------------------------------------------------------------------------------------------
def test_an_over_long_cell_is_refused(project, tmp_path) -> None:
    rows = _rows(2)
    rows[0]["city"] = "x" * 40_000
    path = write_csv(tmp_path / "roster.csv", list(TEMPLATE_FIELDS), rows)
    refused(project, lambda: import_roster(project, path), "row 2, column G", "32,767")


def test_a_csv_with_a_million_columns_is_refused_quickly(project, tmp_path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(1_000_000)) + "\n" + "1," * 999_999 + "1\n")
    refused(project, lambda: import_roster(project, path), "row 1", "1,000", seconds=3.0)
    path2 = tmp_path / "wide2.csv"
    path2.write_text("zip,count\n77002,1" + ",7" * 200_000 + "\n")
    refused(project, lambda: import_enrollees(project, path2), "row 2", "columns", seconds=3.0)


def _workbook_with_zeros(tmp_path: Path, megabytes: int) -> Path:
    """A real workbook plus a member of ``megabytes`` MB of zeros (deflates ~1000x): a small zip bomb."""
    small = write_xlsx(tmp_path / "small.xlsx", list(TEMPLATE_FIELDS), [list(_rows(1)[0].values())])
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(small) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("xl/media/zeros.bin", b"\x00" * (megabytes << 20))
    return bomb


def test_a_zip_bomb_workbook_is_refused_before_openpyxl_opens_it(project, tmp_path) -> None:
    bomb = _workbook_with_zeros(tmp_path, 12)
    assert bomb.stat().st_size < 200_000
    refused(project, lambda: import_roster(project, bomb), "bomb.xlsx", "zeros.bin", "inflates", seconds=2.0)


def test_xlsx_size_limits_are_parameters(tmp_path) -> None:
    bomb = _workbook_with_zeros(tmp_path, 2)
    tabular.check_xlsx_size(bomb)  # 2 MB is under the 10 MB floor: a ratio alone does not refuse it
    with pytest.raises(InputFileError, match="inflates .* times"):
        tabular.check_xlsx_size(bomb, ratio_floor=1 << 20)
    with pytest.raises(InputFileError, match="inflates to"):
        tabular.check_xlsx_size(bomb, max_bytes=1 << 20)
    small = tmp_path / "small.xlsx"
    tabular.check_xlsx_size(small, ratio_floor=0, max_ratio=1000)


# -- rosters cut off mid-file ------------------------------------------------------------------------------
def _full_roster(project, tmp_path: Path, n: int = 60) -> bytes:
    path = template_file(tmp_path / "full.csv", _rows(n))
    assert import_roster(project, path).providers == n
    return path.read_bytes()


def test_roster_cut_mid_row_is_refused_as_truncated(project, tmp_path) -> None:
    data = _full_roster(project, tmp_path)
    before = roster(project)
    cut_at = data.index(b"\n", len(data) // 3) + 40  # 40 bytes into a row, a third of the way down
    cut = tmp_path / "cut.csv"
    cut.write_bytes(data[:cut_at])
    for mode in (MODE_REPLACE, MODE_ADD_UPDATE):
        refused(project, lambda m=mode: import_roster(project, cut, mode=m), "cut.csv", "cut off")
    refused(project, lambda: plan_roster_import(project, cut, mode=MODE_REPLACE), "cut off")
    # Cut inside a quoted value: the lenient reader would take the rest of the file as one value.
    quoted = tmp_path / "quoted.csv"
    quoted.write_bytes(data[: data.index(b"\n", len(data) // 2) + 1] + b'1000000004,"Dr. Half')
    refused(project, lambda: import_roster(project, quoted, mode=MODE_REPLACE), "inside a quoted value")
    assert roster(project) == before


def test_roster_cut_at_a_line_boundary_drops_nobody_unless_replace_is_chosen(project, tmp_path) -> None:
    """Cut exactly at a line break, the file looks complete; the default mode drops nobody, and the plan
    names the drop and suggests "add and update" for a file under half the roster."""
    data = _full_roster(project, tmp_path)
    before = roster(project)
    cut = tmp_path / "first_third.csv"
    cut.write_bytes(data[: data.index(b"\n", len(data) // 3) + 1])
    plan = plan_roster_import(project, cut, mode=MODE_REPLACE)
    assert plan.suggested_mode == MODE_ADD_UPDATE and len(plan.dropped) > 30
    result = import_roster(project, cut)  # the default: add and update
    assert result.changes["counts"]["dropped"] == 0 and roster(project) == before


def test_truncated_xlsx_is_refused(project, tmp_path) -> None:
    _full_roster(project, tmp_path)
    full = write_xlsx(tmp_path / "full.xlsx", list(TEMPLATE_FIELDS), [list(r.values()) for r in _rows(60)])
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    refused(project, lambda: import_roster(project, cut, mode=MODE_REPLACE), "cut.xlsx")
