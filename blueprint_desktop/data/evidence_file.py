"""Reading provider-evidence files (activity, attestations): the table, its columns, its values.

Evidence files are small (one row per provider, or per provider and month) CSV or XLSX files a plan
exports from its claims or credentialing systems. This module reads the header and rows, resolves
header aliases (``rendering_npi`` is an NPI, ``last_dos`` a last service date...), validates values
(NPI check digit, dates, counts) and collects every problem of the file with its row, column, value
and what was expected, so the user fixes the whole file at once. A file with problems is refused
whole (``EvidenceFileError`` carries ``.problems``); nothing is written.

``refresh_provider_columns`` writes the latest evidence back onto the provider rows (the engine reads
``activity_last_date``, ``attested_date``, ``panel_status``... from ``providers``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from blueprint_desktop.data import tabular
from blueprint_desktop.data.npi import is_valid_npi
from blueprint_desktop.errors import InputFileError

NPI_ALIASES = ("npi", "rendering_npi", "provider_npi", "servicing_npi", "individual_npi", "npi_number")


@dataclass(frozen=True)
class RowProblem:
    """One bad value: spreadsheet row number (header = row 1), column as written, value, what was expected."""

    row: int
    column: str
    value: str
    expected: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column!r}: {self.value!r} (expected {self.expected})"

    def as_dict(self) -> dict:
        return dict(self.__dict__)


class EvidenceFileError(InputFileError):
    """A file refused for bad rows; ``.problems`` lists every one (the message names the first)."""

    def __init__(self, file_name: str, problems: Sequence[RowProblem]) -> None:
        self.file_name = file_name
        self.problems = list(problems)
        more = f" and {len(self.problems) - 1} more" if len(self.problems) > 1 else ""
        super().__init__(f"{file_name}: refused, nothing imported: {self.problems[0]}{more}")


def norm_header(text: object) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text or "").strip().lower()).strip("_")


@dataclass
class Table:
    path: Path
    headers: list[str]
    rows: list[tuple[int, list[object]]]  # (spreadsheet row number, values)


def read_table(path: Path) -> Table:
    """Header and non-blank rows of a CSV or XLSX file, read by ``data/tabular.py`` (the roster's reader:
    encoding fallback, delimiter sniffing, spreadsheet cells as text), paired with their row numbers."""
    table = tabular.read_table(path)
    return Table(table.path, table.headers, list(zip(table.row_numbers, table.rows, strict=True)))


def resolve_columns(table: Table, spec: dict[str, Sequence[str]], required: Iterable[str]) -> dict[str, int]:
    """Field -> column index, through each field's accepted header names (normalised to lower_snake)."""
    index = {norm_header(h): i for i, h in enumerate(table.headers) if h}
    out: dict[str, int] = {}
    for fld, aliases in spec.items():
        hit = next((index[a] for a in aliases if a in index), None)
        if hit is not None:
            out[fld] = hit
    for fld in required:
        if fld not in out:
            raise InputFileError(
                f"{table.path.name}: no {fld} column; expected one of {', '.join(spec[fld])} "
                f"(found: {', '.join(table.headers)})"
            )
    return out


def cell(values: list[object], index: int | None) -> object:
    if index is None or index >= len(values):
        return ""
    v = values[index]
    return v.strip() if isinstance(v, str) else v


def npi_check_digit_ok(npi: str) -> bool:
    """NPI check digit (``data/npi.py``: Luhn over "80840" + the first nine digits)."""
    return is_valid_npi(npi)


def parse_npi(value: object) -> str | None:
    text = str(value).strip()
    if text.endswith(".0"):  # a number cell
        text = text[:-2]
    if len(text) == 10 and text.isdigit() and text[0] in "12" and npi_check_digit_ok(text):
        return text
    return None


NPI_EXPECTED = "a 10-digit NPI starting with 1 or 2 with a valid check digit"
DATE_EXPECTED = "a date as YYYY-MM-DD or MM/DD/YYYY"
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%Y%m%d", "%m/%d/%y", "%Y/%m/%d")


def parse_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if " " in text:  # "2025-03-01 00:00:00" from a spreadsheet export
        text = text.split(" ", 1)[0]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_count(value: object) -> int | None:
    """A non-negative whole number ("1,204", 12.0 from a number cell); None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value) if value >= 0 and float(value).is_integer() else None
    text = str(value).strip().replace(",", "")
    if text.endswith(".0"):
        text = text[:-2]
    return int(text) if text.isdigit() else None


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (clamped to the month's last day)."""
    import calendar

    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    last = calendar.monthrange(y, m + 1)[1]
    return date(y, m + 1, min(day.day, last))


def refresh_provider_columns(project, npis: Iterable[str], kinds: Iterable[str]) -> int:
    """Write the latest evidence of each kind onto the network rows (roster, manual) of these NPIs.

    activity -> activity_last_date (latest date) and activity_encounters (of that latest row);
    attestation -> attested_date (latest); panel -> panel_status and panel_confirmed_date (latest
    confirmation; on equal dates the later import wins). Rows without evidence of a kind keep their
    values (a roster may carry its own). Market rows are never touched: evidence is about the network.
    """
    c = project.conn
    npis = sorted(set(npis))
    kinds = set(kinds)
    changed = 0
    c.execute("DROP TABLE IF EXISTS temp.evidence_npis")
    c.execute("CREATE TEMP TABLE evidence_npis (npi TEXT PRIMARY KEY)")
    c.executemany("INSERT INTO temp.evidence_npis VALUES (?)", ((n,) for n in npis))
    latest = (
        "(SELECT {col} FROM provider_evidence e WHERE e.npi = providers.npi AND e.kind = '{kind}' "
        "ORDER BY e.evidence_date DESC, e.id DESC LIMIT 1)"
    )
    where = (
        "WHERE source != 'market' AND npi IN (SELECT npi FROM temp.evidence_npis) AND EXISTS "
        "(SELECT 1 FROM provider_evidence e WHERE e.npi = providers.npi AND e.kind = '{kind}')"
    )
    if "activity" in kinds:
        changed += c.execute(
            f"UPDATE providers SET activity_last_date = {latest.format(col='evidence_date', kind='activity')}, "
            f"activity_encounters = {latest.format(col='encounters', kind='activity')} "
            + where.format(kind="activity")
        ).rowcount
    if "attestation" in kinds:
        changed += c.execute(
            f"UPDATE providers SET attested_date = {latest.format(col='evidence_date', kind='attestation')} "
            + where.format(kind="attestation")
        ).rowcount
    if "panel" in kinds:
        changed += c.execute(
            f"UPDATE providers SET panel_status = {latest.format(col='value', kind='panel')}, "
            f"panel_confirmed_date = {latest.format(col='evidence_date', kind='panel')} "
            + where.format(kind="panel")
        ).rowcount
    c.execute("DROP TABLE temp.evidence_npis")
    return changed
