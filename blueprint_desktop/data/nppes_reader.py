"""Stream the NPPES files and keep only the rows a project can use, without loading them whole.

The monthly data file is about 9-10 GB (roughly 9 million rows of 330 quoted columns), so it is read
with pyarrow's streaming CSV reader (``pyarrow.csv.open_csv``) in large blocks, converting only the
45 columns the import needs (``nppes_layout.IMPORT_COLUMNS``; the parser still tokenises every column,
but the other 285 are never turned into arrays). Each block is filtered with vectorised
``pyarrow.compute`` kernels: practice-location state first (it drops ~90% of rows for one state), then
the 15 taxonomy columns of the rows left. ``bench/bench_nppes.py`` compares this against pandas and
DuckDB; the figures are in docs/performance.md.

The bytes pass through ``_HashingFile`` on their way to the parser, so the file's SHA-256 (the import
batch's identity) and the progress fraction come from the same single read.

**Files a spreadsheet or pandas re-saved.** CMS writes every value as quoted text (Readme 1.1), but a file
that went through ``pandas.read_csv(...).to_csv(...)`` or Excel comes back with codes as numbers: Entity
Type Code ``2.0``, ZIPs ``2138.0`` (leading zero lost), NPIs ``1234567893.0``, dates ``5/23/2007``. Read
as text, ``2.0`` is not ``2`` (an organisation stored as an individual) and ``80511606`` is no ZIP. Each
kept row carries its row number (``ROW``) and ``normalise_data_rows`` / ``normalise_pl_rows`` put such
values back in the published form, or refuse the file naming row, column, value and what was expected
when that cannot be done without guessing. The NPI is put back while reading (``_npi_without_float``),
because the filters compare it with the roster's NPIs before any row is kept.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from blueprint_desktop.data import nppes_layout as L
from blueprint_desktop.data.phi import refuse_member_level
from blueprint_desktop.data.tabular import refuse_zip_archive
from blueprint_desktop.errors import InputFileError

# Larger blocks amortise the per-block cost over 330 columns: 1 MiB 400 MB/s, 16 MiB 470, 64 MiB 551 in
# bench_nppes.py (docs/performance.md). 16 MiB keeps memory in flight small and progress/Cancel frequent.
BLOCK_SIZE = 16 << 20

BytesCallback = Callable[[int], None]

# Internal columns added to every block: the row's number in the file (the header is row 1, so the first
# data row is row 2, as a spreadsheet numbers it) and whether its NPI was written as a float.
PHI_SAMPLE_ROWS = 200  # data rows read with the header for the PHI guard's value checks
MAX_COLUMNS = 2_000  # the data file has 330 columns; far more is not an NPPES file
ROW = "__row"
NPI_WAS_FLOAT = "__npi_was_float"
_NPI_FLOAT = r"^\s*(\d{10})\.0*\s*$"


class _HashingFile(io.RawIOBase):
    """A read-only file that hashes and counts the bytes the parser pulls through it."""

    def __init__(self, path: Path) -> None:
        self._fh = open(path, "rb")  # noqa: SIM115 - closed by close() below
        self.sha256 = hashlib.sha256()
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._fh.readinto(buffer)
        if n:
            self.sha256.update(memoryview(buffer)[:n])
            self.bytes_read += n
        return n or 0

    def read(self, size: int = -1) -> bytes:
        data = self._fh.read(size)
        if data:
            self.sha256.update(data)
            self.bytes_read += len(data)
        return data

    def close(self) -> None:
        self._fh.close()
        super().close()


def read_header(path: Path) -> list[str]:
    """The first CSV record of a file (its header), as written."""
    refuse_zip_archive(path, "NPPES files are read as the CSV CMS publishes (npidata_pfile_*.csv)")
    try:
        with open(path, newline="", encoding="utf-8-sig", errors="replace") as fh:
            reader = csv.reader(fh)
            first = next(reader, None)
            # The first rows too, for the PHI guard's value checks (a file of member rows under
            # NPPES-looking headers); NPPES values never span lines (Readme 1.1), so this reads little.
            sample = [row for _, row in zip(range(PHI_SAMPLE_ROWS), reader, strict=False)]
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror})") from None
    except csv.Error as exc:
        raise InputFileError(f"{path.name}: not a readable CSV file ({exc})") from None
    if not first:
        raise InputFileError(f"{path.name}: empty file; expected the NPPES header row")
    if len(first) > MAX_COLUMNS:
        raise InputFileError(
            f"{path.name}: row 1: {len(first):,} columns (the NPPES data file has 330); not an NPPES file"
        )
    # Provider names, addresses and phones are the point of NPPES; only member-level columns are refused.
    refuse_member_level(path, first, sample, provider_file=True)
    if len(first) == 1:
        # A spreadsheet saved with a regional list separator: say so rather than "NPI is missing".
        for sep, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
            if first[0].count(sep) >= 5:
                raise InputFileError(
                    f"{path.name}: columns are separated by {name}, not commas as in the file CMS publishes "
                    "(Readme 1.1); use the downloaded file, or save it as CSV (comma delimited)"
                )
    return first


def check_header(path: Path, header: list[str], required: Iterable[str], what: str) -> dict[str, str]:
    """Official name -> the header's spelling; InputFileError naming the first missing required column."""
    found, missing = L.find_columns(header, required)
    if missing is not None:
        raise InputFileError(
            f"{path.name}: not an NPPES {what}: required column {missing!r} is missing from its header "
            f"(found {len(header)} columns, first {header[0]!r})"
        )
    return found


@dataclass
class Scan:
    """What one pass over a file kept, and what it cost."""

    path: Path
    kept: pa.Table
    rows_read: int = 0
    bytes_read: int = 0
    sha256: str = ""
    bad_utf8_batches: int = 0
    extra: dict = field(default_factory=dict)


def _string_options(header: list[str], include: list[str], block_size: int):
    read = pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=block_size)
    # Values never contain line breaks in NPPES files (Readme 1.1), which lets the parser split blocks
    # in parallel. Empty strings stay "" (not null) so comparisons need no null handling.
    parse = pacsv.ParseOptions(newlines_in_values=False)
    convert = pacsv.ConvertOptions(
        include_columns=include,
        column_types={c: pa.string() for c in include},
        strings_can_be_null=False,
        check_utf8=False,
    )
    return read, parse, convert


def _repair_utf8(batch: pa.RecordBatch) -> tuple[pa.RecordBatch, bool]:
    """NPPES text is meant to be ASCII; an invalid UTF-8 byte is replaced rather than failing the import."""
    try:
        batch.validate(full=True)
        return batch, False
    except pa.ArrowInvalid:
        cols = []
        for col in batch.columns:
            if col.type == pa.string():
                raw = col.cast(pa.binary()).to_pylist()
                col = pa.array([v.decode("utf-8", "replace") for v in raw], pa.string())
            cols.append(col)
        return pa.RecordBatch.from_arrays(cols, names=batch.schema.names), True


def _npi_without_float(npi: pa.Array) -> tuple[pa.Array, pa.Array]:
    """NPIs a re-save wrote as floats ("1234567893.0") back to 10 digits; also which ones were."""
    # Nearly every block of a CMS file has no "." at all: one cheap scan skips the regex.
    if not pc.any(pc.match_substring(npi, ".")).as_py():
        return npi, pa.array(np.zeros(len(npi), dtype=bool))
    was_float = pc.match_substring_regex(npi, _NPI_FLOAT)
    return pc.replace_substring_regex(npi, _NPI_FLOAT, r"\1"), was_float


def scan_csv(
    path: Path,
    header: list[str],
    columns: dict[str, str],
    keep: Callable[[pa.RecordBatch], pa.RecordBatch | None],
    on_bytes: BytesCallback | None = None,
    block_size: int = BLOCK_SIZE,
) -> Scan:
    """Stream ``path``, apply ``keep`` to every block (columns renamed to their official names).

    Every block also carries ``ROW`` (the row number in the file) and, when it has an NPI column,
    ``NPI_WAS_FLOAT``; the NPI is already back in its 10-digit form when ``keep`` sees it.
    """
    official = list(columns)
    actual = [columns[c] for c in official]
    read, parse, convert = _string_options(header, actual, block_size)
    src = _HashingFile(path)
    kept: list[pa.RecordBatch] = []
    scan = Scan(path, pa.table({}))
    has_npi = L.NPI in official
    names = [*official, ROW] + ([NPI_WAS_FLOAT] if has_npi else [])
    try:
        try:
            reader = pacsv.open_csv(src, read_options=read, parse_options=parse, convert_options=convert)
            for batch in reader:
                # Official names, in our order, whatever the file's spelling. NPPES values never hold a
                # line break (Readme 1.1), so row = data rows before + 2 (the header is row 1).
                arrays = [batch.column(a) for a in actual]
                first = scan.rows_read + 2
                arrays.append(pa.array(np.arange(first, first + batch.num_rows, dtype=np.int64)))
                if has_npi:
                    at = official.index(L.NPI)
                    arrays[at], was_float = _npi_without_float(arrays[at])
                    arrays.append(was_float)
                batch = pa.RecordBatch.from_arrays(arrays, names=names)
                scan.rows_read += batch.num_rows
                out = keep(batch)
                if out is not None and out.num_rows:
                    out, repaired = _repair_utf8(out)
                    scan.bad_utf8_batches += int(repaired)
                    kept.append(out)
                if on_bytes is not None:
                    on_bytes(src.bytes_read)
        except pa.ArrowInvalid as exc:
            text = str(exc).splitlines()[0][:240]
            raise InputFileError(
                f"{path.name}: not a well-formed NPPES CSV after data row {scan.rows_read:,}: {text}"
            ) from None
        # Whatever the parser left unread (nothing, normally) still belongs to the file's identity.
        while src.read(1 << 24):
            pass
    finally:
        src.close()
    schema = pa.schema(
        [(c, pa.string()) for c in official]
        + [(ROW, pa.int64())]
        + ([(NPI_WAS_FLOAT, pa.bool_())] if has_npi else [])
    )
    scan.kept = pa.Table.from_batches(kept, schema=schema)
    scan.bytes_read = src.bytes_read
    scan.sha256 = src.sha256.hexdigest()
    return scan


@dataclass
class MarketFilter:
    """Which data-file rows a project keeps.

    A row is kept when its practice-location state is one of ``states`` (or its NPI has an in-state
    secondary location, ``extra_npis``) and one of its 15 taxonomies credits an HSD line
    (``taxonomies``); and, whatever its state or taxonomy, when its NPI is one the project already has
    on its network (``watch_npis``), so roster providers can be matched and their deactivation seen
    (a deactivated NPI's row carries only the NPI and its dates).
    """

    states: Iterable[str]
    taxonomies: Iterable[str]
    extra_npis: Iterable[str] = ()
    watch_npis: Iterable[str] = ()

    def __post_init__(self) -> None:
        self._states = pa.array(sorted(set(self.states)), pa.string())
        self._tax = pa.array(sorted(set(self.taxonomies)), pa.string())
        self._extra = pa.array(sorted(set(self.extra_npis)), pa.string())
        self._watch = pa.array(sorted(set(self.watch_npis)), pa.string())

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch | None:
        in_area = pc.is_in(batch.column(L.PRACTICE_STATE), value_set=self._states)
        if len(self._extra):
            in_area = pc.or_(in_area, pc.is_in(batch.column(L.NPI), value_set=self._extra))
        local = batch.filter(in_area)
        market = None
        if local.num_rows:
            # Only the in-area rows pay for the 15 taxonomy look-ups.
            relevant = pc.is_in(local.column(L.TAXONOMY_CODES[0]), value_set=self._tax)
            for col in L.TAXONOMY_CODES[1:]:
                relevant = pc.or_(relevant, pc.is_in(local.column(col), value_set=self._tax))
            market = local.filter(relevant)
        if len(self._watch):
            watched = batch.filter(pc.is_in(batch.column(L.NPI), value_set=self._watch))
            if watched.num_rows:
                return watched if market is None else pa.concat_batches([market, watched])
        return market


@dataclass
class LocationFilter:
    """Secondary practice locations (PL file) in the project's states."""

    states: Iterable[str]

    def __post_init__(self) -> None:
        self._states = pa.array(sorted(set(self.states)), pa.string())

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch | None:
        return batch.filter(pc.is_in(batch.column(L.PL_STATE), value_set=self._states))


# -- putting re-saved values back in the published form ------------------------------------------------

_INT_AS_FLOAT = r"^(\d+)\.0*$"  # an integer a re-save wrote as a float: "2.0", "2138.0"
_SCIENTIFIC = r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$"  # "1.23457E+09": digits already lost
_SWITCHES = {"": "", "Y": "Y", "N": "N", "X": "X", "YES": "Y", "NO": "N", "TRUE": "Y", "FALSE": "N"}
_EXPECTED_ENTITY = "'1' (individual) or '2' (organization), the NPPES Entity Type Code"
_EXPECTED_SWITCH = "Y, N or X (blank when the slot is empty), the NPPES Primary Taxonomy Switch"
_EXPECTED_DATE = "a date MM/DD/YYYY (month first, as NPPES writes it) or YYYY-MM-DD"
_EXPECTED_ZIP = "a US ZIP code: 5 digits, or 9 for ZIP+4 (NPPES Postal Code)"


@dataclass
class Normalised:
    """Kept rows with re-saved values put back, and how many values of each column that changed."""

    table: pa.Table
    changed: dict[str, int] = field(default_factory=dict)  # official column name -> values changed


class _Checker:
    """Collects the values that cannot be put back, to refuse the file naming every one."""

    def __init__(self, path: Path, columns: dict[str, str], df: pd.DataFrame) -> None:
        # MarketFilter can keep a row twice (in the market and watched as a roster NPI): one row, one check.
        df = df.drop_duplicates(ROW).reset_index(drop=True)
        self.path, self.columns, self.df = path, columns, df
        self.problems: list[tuple[int, int, str, str, str]] = []
        self.changed: dict[str, int] = {}

    def put(self, column: str, before: pd.Series, after: pd.Series, bad: pd.Series, expected: str) -> None:
        order = list(self.columns).index(column)
        for row, value in zip(self.df[ROW][bad.to_numpy()], before[bad.to_numpy()], strict=True):
            self.problems.append((int(row), order, self.columns[column], value, expected))
        changed = int(((after != before) & ~bad).sum())
        if changed:
            self.changed[column] = self.changed.get(column, 0) + changed
        self.df[column] = after.where(~bad, before)

    def finish(self) -> Normalised:
        if self.problems:
            self.problems.sort()
            lines = [
                f"{self.path.name}:{r}: {c}: got {v!r}, expected {e}" for r, _o, c, v, e in self.problems
            ]
            row, _o, column, value, expected = self.problems[0]
            more = len(self.problems) - 1
            tail = f"; {more:,} more problem{'s' if more > 1 else ''}" if more else ""
            err = InputFileError(
                f"{self.path.name}: row {row}, column {column!r}: got {value!r}, expected {expected}"
                f"{tail}; nothing was imported"
            )
            err.problems = lines  # type: ignore[attr-defined]  # the CLI prints them all
            raise err
        df = self.df.drop(columns=[NPI_WAS_FLOAT], errors="ignore")
        return Normalised(pa.Table.from_pandas(df, preserve_index=False), self.changed)


def _int_text(values: pd.Series) -> pd.Series:
    return values.str.replace(_INT_AS_FLOAT, r"\1", regex=True)


def _check_npi(check: _Checker, column: str) -> None:
    """NPIs in scientific notation lost digits to a spreadsheet; other malformed NPIs are counted later."""
    before = check.df[column].str.strip()
    bad = before.str.fullmatch(_SCIENTIFIC)
    check.put(column, before, before, bad, "a 10-digit NPI (a spreadsheet rounded this one)")
    if NPI_WAS_FLOAT in check.df:
        fixed = int(check.df[NPI_WAS_FLOAT].sum())
        if fixed:
            check.changed[column] = check.changed.get(column, 0) + fixed


def _check_zip(check: _Checker, column: str, applies: pd.Series) -> None:
    """ZIPs a re-save turned into numbers, back to 5 or 9 digits.

    NPPES Postal Code fields of US addresses (practice, mailing, and the PL file's) hold 5 digits or 9
    (ZIP+4 without the hyphen; Readme Exhibits 2-1 and 2-3). Read as a number, leading zeros are lost:
    a 5-digit ZIP comes back with 1-4 digits (00603 -> 603) and a 9-digit one with 5-8 (080511606 ->
    80511606). Only a 5-digit result could be read two ways, as itself or as a ZIP+4 that lost four
    zeros, and that would be ZIP 0000x, which does not exist (the lowest is 00501). So 1-4 digits are
    padded to 5 and 6-8 digits to 9; more than 9 digits, scientific notation ("6.88E+08") or a fraction
    cannot be put back and are refused. ``applies`` limits this to US addresses (the project's states):
    a foreign postal code such as Sydney's 2000 is not a ZIP that lost a zero.
    """
    before = check.df[column].str.strip()
    text = _int_text(before)
    digits = text.str.fullmatch(r"\d+") & applies
    length = text.str.len()
    after = text.where(~(digits & length.between(1, 4)), text.str.zfill(5))
    after = after.where(~(digits & length.between(6, 8)), text.str.zfill(9))
    after = after.where(applies, before)
    lossy = before.str.fullmatch(_SCIENTIFIC) | before.str.fullmatch(r"\d*\.\d*[1-9]\d*")
    bad = applies & ((digits & (length > 9)) | lossy)
    check.put(column, before, after, bad, _EXPECTED_ZIP)


def _check_entity(check: _Checker) -> None:
    before = check.df[L.ENTITY_TYPE].str.strip()
    after = _int_text(before)
    check.put(
        L.ENTITY_TYPE,
        before,
        after,
        ~after.isin(["", L.ENTITY_INDIVIDUAL, L.ENTITY_ORGANIZATION]),
        _EXPECTED_ENTITY,
    )


def _check_date(check: _Checker, column: str) -> None:
    """Dates back to MM/DD/YYYY: Excel writes 5/23/2007, pandas with parse_dates 2007-05-23."""
    before = check.df[column].str.strip()
    given = before[before != ""]  # nearly every row has none: only the dates given are parsed
    if given.empty:
        check.df[column] = before
        return
    mdy = given.str.extract(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
    iso = given.str.extract(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
    month, day, year = mdy[0].fillna(iso[1]), mdy[1].fillna(iso[2]), mdy[2].fillna(iso[0])
    text = month.str.zfill(2) + "/" + day.str.zfill(2) + "/" + year
    # A day-first date (23/05/2007, from a non-US spreadsheet) fails here rather than being read wrong.
    valid = pd.to_datetime(text, format="%m/%d/%Y", errors="coerce").notna()
    after = before.copy()
    after[given.index] = text.where(valid, given)
    bad = pd.Series(False, index=before.index)
    bad[given.index] = ~valid
    check.put(column, before, after, bad, _EXPECTED_DATE)


def _check_switch(check: _Checker, column: str) -> None:
    before = check.df[column].str.strip()
    if before.isin(("", "Y", "N", "X")).all():  # the published form: nothing to do
        check.df[column] = before
        return
    after = before.str.upper().map(_SWITCHES)
    bad = after.isna()
    check.put(column, before, after.fillna(before), bad, _EXPECTED_SWITCH)


# C0 control characters other than tab, line feed, carriage return: never in NPPES text (Readme 1.1:
# printable values), and a NUL in a name broke the HSD export downstream. RE2 and Python re both read it.
_CONTROL_RE = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_EXPECTED_TEXT = "printable text (no control characters such as NUL)"


def _check_control(check: _Checker, table: pa.Table) -> None:
    """Refuse control characters in any kept value, naming row and column (vectorised: one regex
    kernel per column, and the per-row look-up only for a column that has one)."""
    for column in check.columns:
        if column not in table.column_names or table.column(column).type != pa.string():
            continue
        if not pc.any(pc.match_substring_regex(table.column(column), _CONTROL_RE)).as_py():
            continue
        before = check.df[column]
        bad = before.str.contains(_CONTROL_RE, regex=True, na=False)
        check.put(column, before, before, bad, _EXPECTED_TEXT)


def normalise_data_rows(
    table: pa.Table, path: Path, columns: dict[str, str], states: Iterable[str]
) -> Normalised:
    """The data-file rows a scan kept, with re-saved values put back; refuses what cannot be.

    ``columns`` maps official names to the file's spellings (for messages); ``states`` are the
    project's states, whose practice ZIPs are US ZIPs and are stored.
    """
    check = _Checker(path, columns, table.to_pandas())
    if not len(check.df):
        return check.finish()
    _check_control(check, table)
    _check_npi(check, L.NPI)
    _check_entity(check)
    state = check.df[L.PRACTICE_STATE].str.strip().str.upper()
    _check_zip(check, L.PRACTICE_ZIP, state.isin(set(states)))
    for column in (L.DEACTIVATION_DATE, L.REACTIVATION_DATE):
        _check_date(check, column)
    for column in L.PRIMARY_SWITCHES:
        _check_switch(check, column)
    return check.finish()


def normalise_pl_rows(table: pa.Table, path: Path, columns: dict[str, str]) -> Normalised:
    """The practice-location rows a scan kept (all in the project's states, so US ZIPs), put back."""
    check = _Checker(path, columns, table.to_pandas())
    if not len(check.df):
        return check.finish()
    _check_control(check, table)
    _check_npi(check, L.PL_NPI)
    _check_zip(check, L.PL_ZIP, pd.Series(True, index=check.df.index))
    return check.finish()
