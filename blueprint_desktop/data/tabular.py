"""Read a CSV or XLSX file into a header and text rows, numbered as the user sees them.

Row numbers are spreadsheet row numbers: the header is the first non-blank row (row 1 in a normal file),
so the first data row is row 2, and blank rows still count (as they do in Excel), so a problem reported
"row 57" is on row 57 when the user opens the file. Every value is returned as text with surrounding
spaces removed: codes keep their leading zeros only if the file kept them, and numbers Excel stored as
numbers come back without a spurious ".0" (an NPI typed into Excel is a float there).

CSV: UTF-16 LE/BE when the file starts with its byte-order mark (Excel's "Unicode Text" and some
Windows tools write it), UTF-8 (with or without a byte-order mark, as Excel writes "CSV UTF-8"), else
Windows-1252 (what Excel writes for plain "CSV" on Windows); the delimiter is sniffed among comma,
semicolon, tab and pipe. A CSV whose last line is cut mid-row (ends inside a quoted value, or a last row
with fewer fields than the header and no line break) is refused as truncated: an import of the first
20,000 rows of a 50,000-row roster is worse than none.
XLSX/XLSM: the first worksheet, read with openpyxl in read-only mode (cached formula values), after the
ZIP's declared sizes are checked (``check_xlsx_size``: a "zip bomb" is refused before openpyxl inflates it).

Limits, each refused in one line naming where: a cell over 32,767 characters (Excel's own cell limit,
"Excel specifications and limits"), more than 1,000 columns, and control characters (NUL, ESC...) in any
value, which no roster or count file holds and which break the HSD export and the GUI downstream.

A ZIP archive given instead of the file inside it (CMS ships NPPES and the HSD files zipped) is refused in
one line naming its members, by ``refuse_zip_archive``, which every importer's reader calls first (this
module's ``read_table``, the NPPES reader, the enrollee import); without it the archive's binary would
end up quoted in a header or decoding error.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from blueprint_desktop.errors import InputFileError

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
SUFFIXES = CSV_SUFFIXES + XLSX_SUFFIXES
_DELIMITERS = ",;\t|"
_SNIFF_BYTES = 64 * 1024
# Local-file, empty-archive and spanned-archive signatures (PKWARE APPNOTE 4.3.7, 4.3.16, 8.5.3).
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_MEMBERS_SHOWN = 6
MAX_CELL_CHARS = 32_767  # Excel's own limit on the characters in one cell
MAX_COLUMNS = 1_000  # an HSD table has 12-14 columns, the roster template 30, NPPES (not read here) 330
# Decompressed size of an XLSX: over MAX_XLSX_BYTES in total, or a member over RATIO_FLOOR_BYTES that
# inflates more than MAX_XLSX_RATIO times (real sheets compress 5-20x; a zip bomb 1000x), is refused.
MAX_XLSX_BYTES = 1 << 30
MAX_XLSX_RATIO = 100
RATIO_FLOOR_BYTES = 10 << 20
# C0 and C1 control characters other than tab, line feed and carriage return (Unicode category Cc).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass
class Table:
    """A file's header and data rows (text), with each data row's spreadsheet row number."""

    path: Path
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None

    def __len__(self) -> int:
        return len(self.rows)

    def records(self) -> list[dict[str, str]]:
        """Rows as {header: value} dicts (for previews)."""
        return [dict(zip(self.headers, row, strict=False)) for row in self.rows]


def cell_text(value: object) -> str:
    """A cell as text: integral floats without '.0', dates as ISO, None as ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _check_values(path: Path, number: int, values: list[str]) -> None:
    """Refuse a row with too many columns, an over-long cell or a control character, naming where."""
    if len(values) > MAX_COLUMNS and any(values[MAX_COLUMNS:]):
        raise InputFileError(
            f"{path.name}: row {number}: {len(values):,} columns (expected at most {MAX_COLUMNS:,}); "
            "this is not a roster or count table"
        )
    for i, v in enumerate(values):
        if len(v) > MAX_CELL_CHARS:
            raise InputFileError(
                f"{path.name}: row {number}, column {_column_letter(i)}: a value of {len(v):,} characters "
                f"(expected at most {MAX_CELL_CHARS:,}, Excel's cell limit)"
            )
        if m := _CONTROL.search(v):
            raise InputFileError(
                f"{path.name}: row {number}, column {_column_letter(i)}: control character "
                f"U+{ord(m[0]):04X} in {v[: m.start()][-20:]!r}... (expected printable text)"
            )


def _header_table(path: Path, number: int, header_row: list[str], **info) -> Table:
    """The table of a header row (row ``number``): trailing blank cells dropped, blank ones named, each name
    once."""
    header_row = list(header_row)
    # Trailing empty header cells are padding (Excel, trailing delimiters); interior ones get a name.
    while header_row and not header_row[-1]:
        header_row.pop()
    headers = [h or f"(column {_column_letter(i)})" for i, h in enumerate(header_row)]
    seen: dict[str, int] = {}
    for i, h in enumerate(headers):
        key = " ".join(h.lower().split())
        if key in seen:
            raise InputFileError(
                f"{path.name}: row {number}: column {_column_letter(i)} repeats the header {h!r} of column "
                f"{_column_letter(seen[key])} (expected each column name once)"
            )
        seen[key] = i
    return Table(path=path, headers=headers, **info)


def _build(path: Path, raw_rows: list[tuple[int, list[object]]], **info) -> Table:
    """Header = the first non-blank row; later blank rows are skipped but keep their numbers."""
    rows = [(n, [cell_text(v) for v in r]) for n, r in raw_rows]
    for n, values in rows:
        _check_values(path, n, values)
    start = next((i for i, (_n, r) in enumerate(rows) if any(r)), None)
    if start is None:
        raise InputFileError(f"{path.name}: the file is empty (expected a header row naming the columns)")
    table = _header_table(path, rows[start][0], rows[start][1], **info)
    width = len(table.headers)
    for number, values in rows[start + 1 :]:
        if not any(values):
            continue
        if len(values) > width and any(values[width:]):
            extra = next(i for i in range(width, len(values)) if values[i])
            raise InputFileError(
                f"{path.name}: row {number}, column {_column_letter(extra)}: got {values[extra]!r} in a column "
                "with no header (expected every value under a named column)"
            )
        table.rows.append(values if len(values) == width else (values + [""] * width)[:width])
        table.row_numbers.append(number)
    return table


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    """Text and encoding: UTF-16 by its byte-order mark (Unicode 15, 23.8), UTF-8, else Windows-1252."""
    boms = ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
    for bom, encoding in boms:
        if data.startswith(bom) and not data.startswith(codecs.BOM_UTF32_LE):
            try:
                return data[len(bom) :].decode(encoding), "utf-16"
            except UnicodeDecodeError:
                raise InputFileError(
                    f"{path.name}: starts as UTF-16 text but is not valid UTF-16 (cut off or damaged); "
                    "save it again as CSV UTF-8"
                ) from None
    if data.startswith(codecs.BOM_UTF32_LE) or data.startswith(codecs.BOM_UTF32_BE):
        raise InputFileError(f"{path.name}: UTF-32 text is not read; save it as CSV UTF-8 or XLSX")
    # UTF-16 without a byte-order mark: every other byte of ASCII text is NUL.
    head = data[:4096]
    if len(head) >= 4 and head[1::2].count(0) * 10 >= len(head[1::2]) * 9:
        return _utf16_without_bom(path, data, "utf-16-le")
    if len(head) >= 4 and head[0::2].count(0) * 10 >= len(head[0::2]) * 9:
        return _utf16_without_bom(path, data, "utf-16-be")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise InputFileError(
        f"{path.name}: not readable as text (neither UTF-8, UTF-16 nor Windows-1252); save it as CSV UTF-8 or XLSX"
    )


def _utf16_without_bom(path: Path, data: bytes, encoding: str) -> tuple[str, str]:
    try:
        return data.decode(encoding), "utf-16"
    except UnicodeDecodeError:
        raise InputFileError(
            f"{path.name}: looks like UTF-16 text but is not valid UTF-16; save it again as CSV UTF-8"
        ) from None


def _first_line(text: str) -> str:
    end = text.find("\n", 0, 1 << 22)
    return text[: end if end >= 0 else 1 << 22]


def _sniff(text: str, suffix: str) -> str:
    if suffix == ".tsv":
        return "\t"
    sample = text[:_SNIFF_BYTES]
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        # The sniffer gives up on one-column files or very uneven samples: count on the header line.
        first = sample.splitlines()[0] if sample else ""
        counts = {d: first.count(d) for d in _DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def refuse_zip_archive(path: Path, workbook_advice: str | None = None) -> None:
    """Refuse, in one line, a ZIP archive given where a data file was expected.

    An .xlsx/.xlsm workbook is a ZIP archive too (Office Open XML, ECMA-376 Part 2): it passes when
    ``workbook_advice`` is None (the caller reads workbooks) and is otherwise refused with that advice.
    Any other archive is refused naming its members, so the user knows which file to take out of it.
    """
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror})") from None
    if magic not in _ZIP_MAGIC:
        return
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
    except (zipfile.BadZipFile, OSError):
        raise InputFileError(
            f"{path.name}: starts like a ZIP archive but is damaged or incomplete, so it is not CSV text "
            "(nor a readable workbook); download it again"
        ) from None
    if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        if workbook_advice is None:
            return
        raise InputFileError(f"{path.name}: is an Excel workbook, not CSV text; {workbook_advice}")
    shown = ", ".join(names[:_MEMBERS_SHOWN]) or "nothing"
    if len(names) > _MEMBERS_SHOWN:
        shown += f" and {len(names) - _MEMBERS_SHOWN} more"
    raise InputFileError(f"{path.name}: is a ZIP archive: unzip it first (it holds: {shown})")


def _refuse_wide(path: Path, text: str) -> None:
    """Refuse a header line with more than MAX_COLUMNS delimiters before the sniffer and the parser see it
    (a one-line file of a million commas otherwise takes minutes to sniff)."""
    first = _first_line(text)
    for d in _DELIMITERS:
        if first.count(d) >= MAX_COLUMNS:
            raise InputFileError(
                f"{path.name}: row 1: more than {MAX_COLUMNS:,} columns separated by {d!r} "
                f"(expected at most {MAX_COLUMNS:,}); this is not a roster or count table"
            )


def _refuse_truncated(
    path: Path,
    text: str,
    last_number: int,
    last: list[str],
    header: list[str] | None,
    delimiter: str,
) -> None:
    """A file cut off mid-row: the last line ends inside a quoted value, or has fewer fields than the
    header and no line break after it (a complete file ends its last row; a copy cut short does not).
    ``header`` is the first record with a non-blank cell, ``last`` the last record, both as parsed."""
    if text.endswith(("\n", "\r")):
        return
    in_quote = '"' in text[-(1 << 20) :] and _ends_in_quote(text, delimiter)
    if in_quote or (header is not None and last is not header and 0 < len(last) < len(header)):
        got = "inside a quoted value" if in_quote else f"{len(last)} of {len(header or [])} fields"
        raise InputFileError(
            f"{path.name}: row {last_number}: the file ends mid-row ({got}, no line break after it): it looks "
            "cut off; nothing was imported; copy or export it again"
        )


def _ends_in_quote(text: str, delimiter: str) -> bool:
    """Whether the text ends inside a quoted field: the strict parser (RFC 4180 quoting) says
    "unexpected end of data" exactly then; the lenient parser used for reading just takes the rest."""
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


# A line as io.StringIO(text, newline="") gives it: up to and including "\r\n", "\r" or "\n" (never the
# other breaks str.splitlines knows), the last one without a break if the text does not end in one.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _lines(text: str) -> Iterator[str]:
    """The text's lines for csv.reader, one at a time: io.StringIO keeps its own copy of the text at four
    bytes a character (a 150 MB roster took 600 MB more just to be read)."""
    for m in _LINE.finditer(text):
        yield m.group()


def read_csv(path: Path) -> Table:
    """One pass over the parsed records (a national roster has a million): each row is stripped into the
    list the table keeps, with no intermediate copies. Refusals are raised in the order ``_build`` gives
    them (a cut-off file, then the first bad value, then an empty file, a repeated header, a value under
    no header), so a file is refused with the same message whichever reader sees it first."""
    data = path.read_bytes()
    text, encoding = _decode(path, data)
    del data
    _refuse_wide(path, text)
    delimiter = _sniff(text, path.suffix.lower())
    # A control character anywhere in the text is in some value (delimiters, quotes and line breaks are
    # not control characters here): only then is every row checked character by character.
    check_all = _CONTROL.search(text) is not None
    table: Table | None = None
    width = 0
    first_raw: list[str] | None = None  # the first raw record with a non-blank cell (the truncation check)
    last_number, last_raw = 0, None
    value_error: InputFileError | None = None
    layout_error: InputFileError | None = None
    # Equal values share one string: a roster repeats its codes, states, cities, ZIPs, names and addresses
    # row after row (an HSD table lists a provider once per county served), and ten separate strings a row
    # are most of a million-row table's memory. The dictionary goes with this function.
    same = {}.setdefault
    try:
        reader = csv.reader(_lines(text), delimiter=delimiter)
        for number, raw in enumerate(reader, start=1):
            last_number, last_raw = number, raw
            values = [same(v, v) for v in map(str.strip, raw)]
            if value_error is None and (
                check_all or len(values) > MAX_COLUMNS or sum(map(len, values)) > MAX_CELL_CHARS
            ):
                try:
                    _check_values(path, number, values)
                except InputFileError as exc:
                    value_error = exc
            if first_raw is None and any(c.strip() for c in raw):
                first_raw = raw
            if not any(values):
                continue
            if table is None:
                try:
                    table = _header_table(path, number, values, encoding=encoding, delimiter=delimiter)
                except InputFileError as exc:
                    layout_error = layout_error or exc
                    table = Table(path=path, headers=[])
                width = len(table.headers)
                continue
            if len(values) != width:
                if len(values) > width and any(values[width:]):
                    if layout_error is None:
                        extra = next(i for i in range(width, len(values)) if values[i])
                        layout_error = InputFileError(
                            f"{path.name}: row {number}, column {_column_letter(extra)}: got {values[extra]!r} "
                            "in a column with no header (expected every value under a named column)"
                        )
                    continue
                values = (values + [""] * width)[:width]
            table.rows.append(values)
            table.row_numbers.append(number)
    except csv.Error as exc:
        raise InputFileError(f"{path.name}: not a readable CSV file ({exc})") from None
    if last_raw is not None:
        _refuse_truncated(path, text, last_number, last_raw, first_raw, delimiter)
    if value_error is not None:
        raise value_error
    if table is None:
        raise InputFileError(f"{path.name}: the file is empty (expected a header row naming the columns)")
    if layout_error is not None:
        raise layout_error
    return table


def check_xlsx_size(
    path: Path,
    max_bytes: int = MAX_XLSX_BYTES,
    max_ratio: float = MAX_XLSX_RATIO,
    ratio_floor: int = RATIO_FLOOR_BYTES,
) -> None:
    """Refuse a workbook whose ZIP declares more than ``max_bytes`` uncompressed, or a member over
    ``ratio_floor`` bytes inflating more than ``max_ratio`` times (a "zip bomb"), before openpyxl opens
    it. The sizes are the ones the archive's central directory declares (PKWARE APPNOTE 4.4.8-4.4.9);
    zipfile refuses to inflate a member past its declared size, so they bound what openpyxl can read."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputFileError(f"{path.name}: not a readable Excel workbook ({exc})") from None
    total = sum(i.file_size for i in infos)
    if total > max_bytes:
        raise InputFileError(
            f"{path.name}: the workbook inflates to {total / 1e6:,.0f} MB (expected at most "
            f"{max_bytes / 1e6:,.0f} MB); save the sheet as CSV or split it"
        )
    for info in infos:
        if info.file_size > ratio_floor and info.file_size > max_ratio * max(1, info.compress_size):
            raise InputFileError(
                f"{path.name}: its part {info.filename} inflates {info.file_size / max(1, info.compress_size):,.0f} "
                f"times (expected at most {max_ratio:g}): not a workbook a spreadsheet wrote (a zip bomb?)"
            )


def read_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    check_xlsx_size(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as exc:
        raise InputFileError(f"{path.name}: not a readable Excel workbook ({exc})") from None
    try:
        if not wb.worksheets:
            raise InputFileError(f"{path.name}: the workbook has no worksheet")
        ws = wb.worksheets[0]
        # Read-only mode trusts the sheet's stored dimensions, which some writers get wrong.
        ws.reset_dimensions()
        raw = [(i, list(row)) for i, row in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1)]
        return _build(path, raw, sheet=ws.title)
    finally:
        wb.close()


def read_table(path: str | Path) -> Table:
    """Read a roster-like file; raises InputFileError (one line) when it cannot be used."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: no such file")
    if path.is_dir():
        raise InputFileError(f"{path}: is a folder, not a file")
    suffix = path.suffix.lower()
    refuse_zip_archive(path, None if suffix in XLSX_SUFFIXES else "name it .xlsx or save it as CSV")
    if suffix in CSV_SUFFIXES:
        return read_csv(path)
    if suffix in XLSX_SUFFIXES:
        return read_xlsx(path)
    if suffix == ".xls":
        raise InputFileError(
            f"{path.name}: old Excel 97-2003 .xls files are not read; save it as .xlsx or .csv"
        )
    raise InputFileError(
        f"{path.name}: unsupported file type {suffix or '(none)'!r} (expected one of {', '.join(SUFFIXES)})"
    )
