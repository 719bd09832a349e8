"""Fuzzing the importers (hypothesis): every input either imports or is refused with a one-line
BlueprintError, never another exception, never a hang, and a refused import changes nothing.

Reproducible in CI: ``derandomize=True`` (the examples are a function of the test), no example database.
``max_examples`` per test keeps the file under ~90 s on two cores; the numbers of examples and of each
outcome are printed (``pytest -s``) and recorded in docs/reliability.md.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import hashlib
import io
import os
import re
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from deficiency_scenario import npi as scenario_npi
from deficiency_scenario import populate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from roster_files import template_row

from blueprint_desktop.data import nppes_layout as L
from blueprint_desktop.data.nppes_import import import_nppes
from blueprint_desktop.data.phi import PhiRefused, refuse_phi_in_text
from blueprint_desktop.data.population_import import import_population
from blueprint_desktop.data.roster_import import MODE_ADD_UPDATE, MODE_REPLACE, import_roster
from blueprint_desktop.data.roster_layouts import TEMPLATE_FIELDS
from blueprint_desktop.deficiency.notice import import_notice
from blueprint_desktop.engine.road_import import read_osm
from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.rules.enrollees import import_enrollees
from blueprint_desktop.store import create_project, open_project

SLOW_EXAMPLE_S = 10.0  # any one example over this is a hang
OSM_REAL = Path("/work/shared/data/real/osm/West-Oakland.osm.bz2")
OUTCOMES: dict[str, Counter] = {}
MESSAGES: dict[str, Counter] = {}  # FUZZ_MESSAGES=1: the refusals by message (digits masked), for tuning


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


def fingerprint(project) -> str:
    """A hash of every row of every table: equal before and after means nothing changed."""
    digest = hashlib.sha256()
    names = [
        r[0]
        for r in project.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    for name in names:
        digest.update(name.encode())
        for row in project.conn.execute(f"SELECT * FROM [{name}] ORDER BY rowid"):
            digest.update(repr(row).encode())
    return digest.hexdigest()


class Harness:
    """One project and a scratch folder for a fuzz test; ``run`` checks the invariants of one example."""

    def __init__(self, name: str, setup=None) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix=f"fuzz-{name}-"))
        self.path = self.dir / "fuzz.bpproj"
        create_project(
            self.path, "Fuzz", lob="ma", plan_year=2026, counties=[("48201", "TX"), ("48157", "TX")]
        )
        self.project = open_project(self.path)
        if setup:
            setup(self.project)
        self.name = name
        self.outcomes = OUTCOMES.setdefault(name, Counter())
        self.n = 0

    def file(self, suffix: str, data: bytes) -> Path:
        self.n += 1
        path = self.dir / f"in{self.n}{suffix}"
        path.write_bytes(data)
        return path

    def run(self, call) -> None:
        before = fingerprint(self.project) if self.project else None
        started = time.perf_counter()
        try:
            call()
        except BlueprintError as exc:
            message = str(exc)
            assert message and "\n" not in message, f"not one line: {message!r}"
            if self.project is not None:
                assert not self.project.conn.in_transaction
                assert fingerprint(self.project) == before, f"refused but changed the project: {message}"
            self.outcomes[f"refused: {type(exc).__name__}"] += 1
            if os.environ.get("FUZZ_MESSAGES"):
                MESSAGES.setdefault(self.name, Counter())[
                    re.sub(r"\d+", "#", message.split(": ", 1)[-1])[:90]
                ] += 1
        else:
            self.outcomes["imported"] += 1
        elapsed = time.perf_counter() - started
        assert elapsed < SLOW_EXAMPLE_S, f"{elapsed:.1f} s"

    def close(self) -> None:
        if self.project is not None:
            self.project.close()


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    print("\nfuzz outcomes (examples per outcome):")
    for name, counts in OUTCOMES.items():
        print(
            f"  {name}: {sum(counts.values())} examples; "
            + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        )
    for name, counts in MESSAGES.items():
        print(f"  {name} refusals:")
        for message, n in counts.most_common(8):
            print(f"    {n:4} {message}")


# -- building blocks ------------------------------------------------------------------------------------
# Text a user's file may hold, and text no file should: quotes, delimiters, line breaks, control
# characters, non-Latin letters, lone surrogates cannot be encoded and are left out.
nasty_text = st.text(
    alphabet=st.characters(blacklist_categories=["Cs", "Cc"], max_codepoint=0x2FFF), max_size=30
) | st.sampled_from(
    ["", " ", '"', '""', ",", ";", "\t", "\r\n", "\x00", "\x1b", "inf", "nan", "-1", "1e400", "1EG4-TE5-MK73",
     "123-45-6789", "12/31/9999", "0", "77002", "77030-1234", "TX", "Y", "N", "executed", "008", "x" * 40_000]
)  # fmt: skip
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252"]


def encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-16-le":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    if encoding == "utf-16-be":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    return text.encode(encoding, errors="replace")


def to_csv(header: list[str], rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


@st.composite
def roster_rows(draw) -> tuple[list[str], list[list[str]]]:
    """Template rows (valid NPIs, real Houston addresses) with some fields replaced by nasty text, some
    columns dropped or renamed, and extra columns."""
    n = draw(st.integers(0, 4))
    rows = [
        template_row(scenario_npi(f"{600000000 + draw(st.integers(0, 30))}"), f"Dr. Fuzz {i}")
        for i in range(n)
    ]
    header = list(TEMPLATE_FIELDS)
    if draw(st.booleans()):
        header = draw(st.permutations(header))
    if draw(st.integers(0, 9)) == 5:  # a column dropped (not 0: hypothesis favours the bounds)
        del header[draw(st.integers(0, len(header) - 1))]
    extra = draw(st.lists(nasty_text, max_size=1))
    header += [e for e in extra if e and e not in header]
    values = []
    for r in rows:
        line = [r.get(h, "") for h in header]
        for _ in range(draw(st.integers(0, 3))):
            if line:
                line[draw(st.integers(0, len(line) - 1))] = draw(nasty_text)
        values.append(line)
    return header, values


def cut(draw, data: bytes) -> bytes:
    """Sometimes the file is cut short (a copy interrupted, a download stopped)."""
    if data and draw(st.integers(0, 9)) == 5:
        # A share of the length, not a byte offset: a workbook's bytes vary run to run (zip timestamps),
        # and the draw must not depend on them for the examples to replay.
        return data[: len(data) * draw(st.integers(0, 999)) // 1000]
    return data


# -- roster CSV and XLSX ------------------------------------------------------------------------------
def test_fuzz_roster_csv() -> None:
    h = Harness("roster CSV")

    @fuzz_settings(250)
    @given(st.data())
    def check(data) -> None:
        header, rows = data.draw(roster_rows())
        text = to_csv(header, rows, data.draw(st.sampled_from([",", ";", "\t", "|"])))
        blob = cut(data.draw, encode(text, data.draw(st.sampled_from(ENCODINGS))))
        path = h.file(data.draw(st.sampled_from([".csv", ".txt", ".tsv"])), blob)
        mode = data.draw(st.sampled_from([MODE_ADD_UPDATE, MODE_REPLACE]))
        h.run(lambda: import_roster(h.project, path, mode=mode))

    try:
        check()
    finally:
        h.close()


def test_fuzz_roster_xlsx() -> None:
    h = Harness("roster XLSX")

    @fuzz_settings(80)
    @given(st.data())
    def check(data) -> None:
        header, rows = data.draw(roster_rows())
        wb = Workbook()
        ws = wb.active
        for line in [header, *rows]:
            # openpyxl itself refuses to write control characters into a sheet (XML 1.0 forbids them).
            ws.append(["".join(c for c in v if c >= " " or c in "\t\n\r") for v in line])
        out = io.BytesIO()
        wb.save(out)
        path = h.file(".xlsx", cut(data.draw, out.getvalue()))
        h.run(lambda: import_roster(h.project, path))

    try:
        check()
    finally:
        h.close()


# -- enrollees and population -------------------------------------------------------------------------------
number_text = st.sampled_from(
    ["0", "1", "12", "3.5", "-2", "inf", "-inf", "nan", "1e400", "1,200", "", "abc"]
) | (st.floats(allow_nan=True, allow_infinity=True).map(repr))
ZIPS = ["77002", "77030-1234", "770301234", "77479", "77030", "77459"]
zip_text = st.one_of(
    st.sampled_from(ZIPS), st.sampled_from(ZIPS), st.sampled_from(["00000", "7702", ""]), nasty_text
)
count_text = st.one_of(
    st.sampled_from(["1", "12", "3.5", "1,200", "0"]), st.sampled_from(["7", "40"]), number_text
)
lat_text = st.one_of(st.sampled_from(["29.76", "29.53", "29.7"]), st.sampled_from(["29.76"]), number_text)
lon_text = st.one_of(st.sampled_from(["-95.37", "-95.77", "-95.4"]), st.sampled_from(["-95.37"]), number_text)


def test_fuzz_enrollees() -> None:
    h = Harness("enrollees")

    @fuzz_settings(300)
    @given(st.data())
    def check(data) -> None:
        form = data.draw(st.sampled_from(["zip", "points", "zip", "points", "other"]))
        if form == "zip":
            header = ["zip", "count"]
            rows = data.draw(st.lists(st.tuples(zip_text, count_text).map(list), max_size=5))
        elif form == "points":
            header = ["county_fips", "latitude", "longitude", "count"]
            fips = st.one_of(
                st.sampled_from(["48201", "48157"]), st.sampled_from(["48453", "99999", "1001", ""])
            )
            rows = data.draw(st.lists(st.tuples(fips, lat_text, lon_text, count_text).map(list), max_size=5))
        else:
            header = data.draw(st.lists(nasty_text, min_size=1, max_size=4))
            rows = data.draw(st.lists(st.lists(nasty_text, min_size=1, max_size=4), max_size=4))
        blob = cut(data.draw, encode(to_csv(header, rows), data.draw(st.sampled_from(ENCODINGS))))
        path = h.file(".csv", blob)
        h.run(lambda: import_enrollees(h.project, path))

    try:
        check()
    finally:
        h.close()


def test_fuzz_population() -> None:
    h = Harness("population")

    @fuzz_settings(150)
    @given(st.data())
    def check(data) -> None:
        header = ["geoid", "latitude", "longitude", "pop_65"]
        geoid = st.sampled_from(["482012231001", "48201223100", "1500000US482012231001", "4820122310011234"])
        rows = data.draw(
            st.lists(st.tuples(geoid | nasty_text, lat_text, lon_text, count_text).map(list), max_size=4)
        )
        path = h.file(".csv", cut(data.draw, to_csv(header, rows).encode()))
        h.run(lambda: import_population(h.project, path))

    try:
        check()
    finally:
        h.close()


# -- notices ----------------------------------------------------------------------------------------------------
notice_piece = st.sampled_from(
    ["Harris County", "Fort Bend County", "Harris, TX", "TX", "Texas", "Cardiology", "Neurology", "008", "019",
     "S03", "48201", "45610", "Notice date: 03/02/2027", "date 12/31/9999", "date 2027-13-45", "H1234",
     "Vascular Surgery (034)", "County", "Parish", ":", "-", ",", "  ", "\t", "Aa " * 50, "1EG4-TE5-MK73"]
) | nasty_text  # fmt: skip


def test_fuzz_notice_text() -> None:
    h = Harness("notice text", setup=populate)

    @fuzz_settings(300)
    @given(st.lists(st.lists(notice_piece, max_size=6).map(" ".join), max_size=8), st.booleans())
    def check(lines, with_date) -> None:
        text = "\n".join(lines)
        path = h.file(".txt", text.encode("utf-8", errors="replace"))
        h.run(lambda: import_notice(h.project, path, notice_date="2027-03-02" if with_date else None))

    try:
        check()
    finally:
        h.close()


def test_fuzz_notice_table() -> None:
    h = Harness("notice table", setup=populate)
    valid_row = st.tuples(
        st.sampled_from(["TX", "tx", "OK", ""]),
        st.sampled_from(["Harris", "Fort Bend County", "48157", "48201", "Hariss", "45610"]),
        st.sampled_from(["Cardiology", "008", "8", "019", "Vascular Surgery (034)", "044", "Cardiolgy"]),
        st.sampled_from(["2027-02-01", "03/02/2027", "12/31/9999", "2027-13-01", "", "February 1, 2027"]),
    ).map(list)

    @fuzz_settings(100)
    @given(
        st.lists(valid_row | st.lists(notice_piece, min_size=4, max_size=4), min_size=1, max_size=2),
        st.sampled_from([True, True, False]),
    )
    def check(rows, with_header) -> None:
        header = (
            ["state", "county", "specialty", "notice_date"] if with_header else rows[0] if rows else ["x"]
        )
        path = h.file(".csv", to_csv(header, rows).encode("utf-8", errors="replace"))
        h.run(lambda: import_notice(h.project, path))

    try:
        check()
    finally:
        h.close()


# -- NPPES header -------------------------------------------------------------------------------------------------
def test_fuzz_nppes_header() -> None:
    h = Harness("NPPES header")
    real = list(L.DATA_FILE_COLUMNS)

    @fuzz_settings(80)
    @given(st.data())
    def check(data) -> None:
        header = list(real)
        change = data.draw(st.sampled_from(["drop", "rename", "shuffle", "extra", "none", "junk"]))
        if change == "drop":
            del header[data.draw(st.integers(0, len(header) - 1))]
        elif change == "rename":
            header[data.draw(st.integers(0, len(header) - 1))] = data.draw(nasty_text)
        elif change == "shuffle":
            header = data.draw(st.permutations(header))
        elif change == "extra":
            header.append(data.draw(nasty_text))
        elif change == "junk":
            header = data.draw(st.lists(nasty_text, max_size=5))
        row = {L.NPI: scenario_npi("700000001"), L.ENTITY_TYPE: "1", L.PRACTICE_STATE: "TX",
               L.PRACTICE_ZIP: "770021234", L.taxonomy_code(1): "207RC0000X", L.primary_switch(1): "Y"}  # fmt: skip
        rows = [[row.get(c, "") for c in header] for _ in range(data.draw(st.integers(0, 2)))]
        blob = cut(data.draw, to_csv(header, rows).encode("utf-8", errors="replace"))
        path = h.file(".csv", blob)
        h.run(lambda: import_nppes(h.project, path))

    try:
        check()
    finally:
        h.close()


# -- OSM readers ------------------------------------------------------------------------------------------------
osm_attr = (
    st.sampled_from(["1", "-1", "0", "x", "", "29.7", "-95.3", "999", "1e9", "&amp;", "<", "\x00"])
    | nasty_text
)


@st.composite
def osm_xml(draw) -> bytes:
    parts = [
        "<?xml version='1.0' encoding='UTF-8'?>",
        f"<osm version='{draw(st.sampled_from(['0.6', '0.6', '', 'x']))}'>",
    ]
    for _i in range(draw(st.integers(0, 4))):
        parts.append(
            f"<node id='{draw(osm_attr)}' lat='{draw(osm_attr)}' lon='{draw(osm_attr)}'/>".replace("\x00", "")
        )
    for _ in range(draw(st.integers(0, 2))):
        refs = "".join(f"<nd ref='{draw(osm_attr)}'/>" for _ in range(draw(st.integers(0, 3))))
        tag = f"<tag k='highway' v='{draw(st.sampled_from(['residential', 'primary', 'footway', '']))}'/>"
        parts.append(f"<way id='{draw(osm_attr)}'>{refs}{tag}</way>")
    if draw(st.booleans()):
        parts.append("</osm>")
    return cut(draw, "".join(parts).encode("utf-8", errors="replace"))


def test_fuzz_osm_readers() -> None:
    h = Harness("OSM readers")
    h.project.close()
    h.project = None
    real = bz2.decompress(OSM_REAL.read_bytes()) if OSM_REAL.is_file() else b""

    @fuzz_settings(300)
    @given(st.data())
    def check(data) -> None:
        kind = data.draw(st.sampled_from(["xml", "xml-bz2", "xml-gz", "pbf-bytes", "real-cut", "real-edit"]))
        if kind == "real-cut" and real:
            blob = bz2.compress(real[: len(real) * data.draw(st.integers(0, 1000)) // 1000])
            suffix = ".osm.bz2"
        elif kind == "real-edit" and real:
            # The real extract with one attribute value replaced: mostly still a readable road network.
            at = real.find(b'"', len(real) * data.draw(st.integers(0, 999)) // 1000)
            end = real.find(b'"', at + 1)
            value = data.draw(osm_attr).encode("utf-8", errors="replace").replace(b'"', b"")
            blob, suffix = (real[: at + 1] + value + real[end:] if 0 <= at < end else real), ".osm"
        elif kind == "pbf-bytes":
            blob, suffix = data.draw(st.binary(max_size=200)), ".osm.pbf"
        else:
            blob = data.draw(osm_xml())
            suffix = ".osm"
            if kind == "xml-bz2":
                blob, suffix = cut(data.draw, bz2.compress(blob)), ".osm.bz2"
            elif kind == "xml-gz":
                import gzip

                blob, suffix = cut(data.draw, gzip.compress(blob)), ".osm.gz"
        path = h.file(suffix, blob)
        h.run(lambda: read_osm(path))

    check()


# -- free text (outreach notes) -------------------------------------------------------------------------------
def test_fuzz_phi_in_text() -> None:
    """refuse_phi_in_text returns or raises PhiRefused in one line, fast, on any text (5,000 characters)."""
    counts = OUTCOMES.setdefault("note text (PHI guard)", Counter())

    @fuzz_settings(1500)
    @given(
        st.lists(
            notice_piece | st.sampled_from(["DOB", "born", "member id:", "Jane Roe", "SSN"]), max_size=40
        )
    )
    def check(pieces) -> None:
        text = " ".join(pieces)[:5000]
        started = time.perf_counter()
        try:
            refuse_phi_in_text(text, "note")
        except PhiRefused as exc:
            assert "\n" not in str(exc)
            counts["refused: PhiRefused"] += 1
        else:
            counts["passed"] += 1
        assert time.perf_counter() - started < 1.0

    check()


def test_fuzz_zip_bombs_are_refused_cheaply(tmp_path) -> None:
    """Not hypothesis: the one deterministic case the fuzzers cannot reach (a 12 MB member deflated ~1000x)."""
    counts = OUTCOMES.setdefault("XLSX zip bomb", Counter())
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\x00" * (12 << 20))
    h = Harness("XLSX zip bomb")
    try:
        h.run(lambda: import_roster(h.project, bomb))
    finally:
        h.close()
    assert counts == Counter({"refused: InputFileError": 1})
