"""Read a CSV or XLSX file into a header and text rows, numbered as the user sees them.

Row numbers are spreadsheet row numbers: the header is the first non-blank row (row 1 in a normal file),
so the first data row is row 2, and blank rows still count (as they do in Excel), so a problem reported
"row 57" is on row 57 when the user opens the file. Every value is returned as text with surrounding
spaces removed: codes keep their leading zeros only if the file kept them, and numbers Excel stored as
numbers come back without a spurious ".0" (an NPI typed into Excel is a float there).

CSV: UTF-8 (with or without a byte-order mark, as Excel writes "CSV UTF-8"), else Windows-1252 (what
Excel writes for plain "CSV" on Windows); the delimiter is sniffed among comma, semicolon, tab and pipe.
XLSX/XLSM: the first worksheet, read with openpyxl in read-only mode (cached formula values).

A ZIP archive given instead of the file inside it (CMS ships NPPES and the HSD files zipped) is refused in
one line naming its members, by ``refuse_zip_archive``, which every importer's reader calls first (this
module's ``read_table``, the NPPES reader, the enrollee import); without it the archive's binary would
end up quoted in a header or decoding error.
"""

from __future__ import annotations

import csv
import io
import zipfile
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


def _build(path: Path, raw_rows: list[tuple[int, list[str]]], **info) -> Table:
    """Header = the first non-blank row; later blank rows are skipped but keep their numbers."""
    rows = [(n, [cell_text(v) for v in r]) for n, r in raw_rows]
    start = next((i for i, (_n, r) in enumerate(rows) if any(r)), None)
    if start is None:
        raise InputFileError(f"{path.name}: the file is empty (expected a header row naming the columns)")
    header_row = rows[start][1]
    # Trailing empty header cells are padding (Excel, trailing delimiters); interior ones get a name.
    while header_row and not header_row[-1]:
        header_row.pop()
    headers = [h or f"(column {_column_letter(i)})" for i, h in enumerate(header_row)]
    seen: dict[str, int] = {}
    for i, h in enumerate(headers):
        key = " ".join(h.lower().split())
        if key in seen:
            raise InputFileError(
                f"{path.name}: row {rows[start][0]}: column {_column_letter(i)} repeats the header {h!r} of column "
                f"{_column_letter(seen[key])} (expected each column name once)"
            )
        seen[key] = i
    table = Table(path=path, headers=headers, **info)
    width = len(headers)
    for number, values in rows[start + 1 :]:
        if not any(values):
            continue
        if len(values) > width and any(values[width:]):
            extra = next(i for i in range(width, len(values)) if values[i])
            raise InputFileError(
                f"{path.name}: row {number}, column {_column_letter(extra)}: got {values[extra]!r} in a column "
                "with no header (expected every value under a named column)"
            )
        table.rows.append((values + [""] * width)[:width])
        table.row_numbers.append(number)
    return table


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise InputFileError(
        f"{path.name}: not readable as text (neither UTF-8 nor Windows-1252); save it as CSV UTF-8 or XLSX"
    )


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


def read_csv(path: Path) -> Table:
    data = path.read_bytes()
    text, encoding = _decode(path, data)
    delimiter = _sniff(text, path.suffix.lower())
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        raw = [(i, row) for i, row in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise InputFileError(f"{path.name}: not a readable CSV file ({exc})") from None
    return _build(path, raw, encoding=encoding, delimiter=delimiter)


def read_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
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
