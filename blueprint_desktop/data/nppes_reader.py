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
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from blueprint_desktop.data import nppes_layout as L
from blueprint_desktop.errors import InputFileError

# Larger blocks amortise the per-block cost over 330 columns: 1 MiB 400 MB/s, 16 MiB 470, 64 MiB 551 in
# bench_nppes.py (docs/performance.md). 16 MiB keeps memory in flight small and progress/Cancel frequent.
BLOCK_SIZE = 16 << 20

BytesCallback = Callable[[int], None]


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
    try:
        with open(path, newline="", encoding="utf-8-sig", errors="replace") as fh:
            first = next(csv.reader(fh), None)
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror})") from None
    if not first:
        raise InputFileError(f"{path.name}: empty file; expected the NPPES header row")
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
            raw = col.cast(pa.binary()).to_pylist()
            cols.append(pa.array([v.decode("utf-8", "replace") for v in raw], pa.string()))
        return pa.RecordBatch.from_arrays(cols, names=batch.schema.names), True


def scan_csv(
    path: Path,
    header: list[str],
    columns: dict[str, str],
    keep: Callable[[pa.RecordBatch], pa.RecordBatch | None],
    on_bytes: BytesCallback | None = None,
    block_size: int = BLOCK_SIZE,
) -> Scan:
    """Stream ``path``, apply ``keep`` to every block (columns renamed to their official names)."""
    official = list(columns)
    actual = [columns[c] for c in official]
    read, parse, convert = _string_options(header, actual, block_size)
    src = _HashingFile(path)
    kept: list[pa.RecordBatch] = []
    scan = Scan(path, pa.table({}))
    try:
        try:
            reader = pacsv.open_csv(src, read_options=read, parse_options=parse, convert_options=convert)
            for batch in reader:
                batch = pa.RecordBatch.from_arrays(
                    [batch.column(a) for a in actual], names=official
                )  # official names, in our order, whatever the file's spelling
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
    schema = pa.schema([(c, pa.string()) for c in official])
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
