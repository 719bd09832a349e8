"""Import a CMS deficiency notice into cited gaps (county x HSD line) of the project.

Two forms are read:

* a table (CSV or XLSX) with the headers ``state,county,specialty,notice_date`` (an optional
  ``contract_id`` column is kept). ``county`` is a county name ("Walker", "Walker County") or a 5-digit
  code, SSA (CMS's key, e.g. Walker TX = 45949) or FIPS (48471); ``specialty`` is an HSD name
  ("Cardiology") or code ("008"; submitted primary care codes 001-006 are evaluated as S03, HSD26 Notes).
* text pasted from the HPMS notice (``--text``): each line that names a specialty and a county (by code,
  "Walker County", or "Walker, TX") is a cited gap; a line naming only a county sets it for the
  specialty lines that follow (notices often list a county, then its failing specialties). The notice
  date is read from a line mentioning a date ("Notice date: 03/02/2027") unless given.

Nothing is guessed: a county or specialty that does not match exactly one of the project's is listed
as unmatched with the reason, and only matched rows are imported. A 5-digit code is read as SSA when the
loaded HSD Reference File has it, or else the built-in copy of the 2026 file (rules/cms_criteria.py), and
as FIPS when it is a county of the row's state; when both readings fit different counties the row is
unmatched, and so is an SSA county that covers several Census counties (St. John-Thomas VI).

The whole import is one transaction; a file already imported (same SHA-256) is refused.

Bad input is refused in one line before anything is written: a notice date outside 2000-2100 (a typo
such as 12/31/9999 would overflow the response window), a pasted text over ``MAX_TEXT_CHARS`` or with a
line over ``MAX_LINE_CHARS`` (no HPMS notice line is near it; a paste of a binary file is), and text
holding what looks like member-level data (``data.phi.refuse_phi_in_text``). Every pattern run over a
line is linear in its length (no lazy or nested quantifier that rescans the line from each position):
a 16 kB line took 9 s with the old ``X County`` pattern and a 200 kB one hung.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from blueprint_desktop.data.phi import refuse_phi_in_text
from blueprint_desktop.deficiency import gaps as gapmod
from blueprint_desktop.deficiency import plan
from blueprint_desktop.errors import BlueprintError, InputFileError
from blueprint_desktop.progress import Progress
from blueprint_desktop.rules.citations import is_ma
from blueprint_desktop.store.project import sha256_file, utc_now

BATCH_KIND = "deficiency-notice"
REQUIRED_COLUMNS = ("state", "county", "specialty", "notice_date")

# Submitted primary care codes and names, pooled by CMS into S03 (HSD26 Notes, S03; regulation.md 2).
PRIMARY_CARE_NAMES = {
    "001": "General Practice",
    "002": "Family Practice",
    "003": "Internal Medicine",
    "004": "Geriatrics",
    "005": "Primary Care - Physician Assistants",
    "006": "Primary Care - Nurse Practitioners",
}
# Retired or unscored codes: named in the refusal instead of "unknown" (HSD26 Notes 044; CY2013 HSD 009).
UNSCORED = {"044": "Outpatient Dialysis is attestation-only since 2020", "009": "009 is a retired code"}

_MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}
_DATE_PATTERNS = [
    re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"),
    re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b"),
    re.compile(r"\b(" + "|".join(_MONTHS) + r")\s+(\d{1,2}),?\s+(\d{4})\b", re.IGNORECASE),
]
_CODE_TOKEN = re.compile(r"(?<![\w-])(S03|0\d\d)(?![\w-])", re.IGNORECASE)
_FIVE_DIGITS = re.compile(r"(?<!\d)(\d{5})(?!\d)")
_CONTRACT = re.compile(r"\b([HRS]\d{4})\b")
# "X County": the county word, found at the start of its whitespace run so each run is scanned once; the
# name before it is then read backwards (``_county_before_word``), which keeps the search linear.
_COUNTY_WORD = re.compile(r"(?<!\s)\s+(?:County|Parish|Borough|Census Area|Municipality)\b")
_STATE_AFTER = "(?<![\\s,]),?\\s+{state}\\b"
MAX_LINE_CHARS = 50_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_TEXT_CHARS = 5_000_000
# Notice dates are refused outside these years: a typo such as 9999 overflows the window arithmetic.
YEAR_RANGE = (2000, 2100)


@dataclass
class NoticeImportResult:
    file: str
    notices: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[dict[str, Any]] = field(default_factory=list)
    unmatched: list[dict[str, Any]] = field(default_factory=list)
    duplicates: int = 0
    rows_read: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


# -- matching -------------------------------------------------------------------------------------
def _norm(text: str) -> str:
    text = str(text or "").lower().replace("&", " and ")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


def _specialty_names() -> dict[str, str]:
    """Normalised name -> evaluated line code, for every scored line and the submitted 001-006."""
    from blueprint_desktop.rules.standards import all_lines

    names = {_norm(line.name): line.code for line in all_lines("ma")}
    for name in PRIMARY_CARE_NAMES.values():
        names[_norm(name)] = "S03"
    return names


def _line_codes() -> set[str]:
    from blueprint_desktop.rules.standards import all_lines

    return {line.code for line in all_lines("ma")}


def match_specialty(text: str) -> tuple[str | None, str]:
    """(line_code, how) for a specialty cell: an HSD code, a name, or both agreeing; None + why otherwise."""
    from blueprint_desktop.rules.crosswalk import hsd_code_to_line

    raw = str(text or "").strip()
    if not raw:
        return None, "no specialty given"
    codes = {c.upper() for c in _CODE_TOKEN.findall(raw)}
    if raw.isdigit() and len(raw) <= 3:
        codes = {raw.zfill(3)}
    for code in codes:
        if code in UNSCORED:
            return None, f"specialty {raw!r}: {UNSCORED[code]}"
    by_code = {hsd_code_to_line(c) for c in codes}
    unknown = [c for c in by_code if c not in _line_codes()]
    if unknown:
        return None, f"specialty code {', '.join(sorted(unknown))} is not an HSD line CMS scores"
    name_part = _norm(_CODE_TOKEN.sub(" ", raw))
    by_name = _specialty_names().get(name_part) if name_part else None
    if name_part and by_name is None and not by_code:
        return None, f"specialty {raw!r} is not an HSD specialty name or code"
    if by_code and by_name and by_code != {by_name}:
        return None, f"specialty {raw!r}: its code and its name name different lines"
    if len(by_code) > 1:
        return None, f"specialty {raw!r} names several lines"
    if by_code:
        return next(iter(by_code)), "code"
    return by_name, "name"


def _ssa_counties(project, code: str) -> list[tuple[str, str]]:
    """(county_fips, state) of an SSA county code: the loaded reference files' rows, else the built-in CMS
    HSD Reference File counties (rules/cms_criteria.py), so a notice citing SSA codes reads with no file
    loaded, as the roster validator's "county served" does. Several rows when the SSA county covers several
    Census county-equivalents (St. John-Thomas VI is 78020 and 78030)."""
    from blueprint_desktop.rules.cms_criteria import load_builtin

    if "reference_county_fips" in project.db.table_names():
        rows = project.conn.execute(
            "SELECT DISTINCT coalesce(f.county_fips, c.county_fips) AS fips, c.state FROM reference_counties c"
            " LEFT JOIN reference_county_fips f"
            " ON f.reference_file_id = c.reference_file_id AND f.ssa_code = c.ssa_code"
            " WHERE c.ssa_code = ? AND fips IS NOT NULL ORDER BY fips",
            (code,),
        ).fetchall()
        if rows:
            return [(r[0], r[1]) for r in rows]
    county = load_builtin().counties.get(code)
    return [(fips, county.state) for fips in county.county_fips] if county else []


def match_county(project, state: str, county: str) -> tuple[str | None, str | None, str]:
    """(county_fips, ssa_code, how) for a notice's county cell; fips None + why when not exactly one."""
    from blueprint_desktop.geo import counties as geo
    from blueprint_desktop.rules import county_match

    state = str(state or "").strip().upper()
    raw = str(county or "").strip()
    if not raw:
        return None, None, "no county given"
    if raw.isdigit() and len(raw) == 5:
        readings: dict[str, tuple[str, str | None]] = {}
        if geo.is_county(raw) and (not state or geo.state_of(raw) == state):
            readings["FIPS"] = (raw, None)
        ssa_fips = [
            fips for fips, ssa_state in _ssa_counties(project, raw) if not state or ssa_state == state
        ]
        if len(ssa_fips) > 1:
            return (
                None,
                None,
                (
                    f"SSA county {raw} covers several counties ({', '.join(ssa_fips)}); cite one by FIPS code or name"
                ),
            )
        if ssa_fips:
            readings["SSA"] = (ssa_fips[0], raw)
        distinct = {v[0] for v in readings.values()}
        if len(distinct) > 1:
            return None, None, f"county code {raw} reads as SSA and as FIPS of different counties"
        if distinct:
            kind = " and ".join(sorted(readings))
            fips, _ = next(iter(readings.values()))
            return fips, readings.get("SSA", (None, None))[1], f"{kind} code"
        if geo.is_county(raw):
            return None, None, f"county code {raw} is FIPS of {geo.county_name(raw)}, not a county of {state}"
        return (
            None,
            None,
            f"county code {raw} is neither an SSA county code of the CMS HSD Reference File nor a FIPS code",
        )
    if not state:
        return None, None, f"county {raw!r} needs its state"
    fips, how = county_match.match_county(state, raw)
    if fips is None:
        return None, None, how
    return fips, None, f"name ({how})"


def _parse_date_text(text: str) -> date | None:
    for i, pattern in enumerate(_DATE_PATTERNS):
        m = pattern.search(text)
        if not m:
            continue
        try:
            if i == 0:
                return date(int(m[1]), int(m[2]), int(m[3]))
            if i == 1:
                return date(int(m[3]), int(m[1]), int(m[2]))
            return date(int(m[3]), _MONTHS[m[1].lower()], int(m[2]))
        except ValueError:
            continue
    return None


def _cell_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    return _parse_date_text(text) if text else None


# -- reading the two forms ------------------------------------------------------------------------
@dataclass
class _Cited:
    row: int
    state: str
    county: str
    specialty: str
    notice_date: date | None
    contract_id: str | None = None


def _read_table(path: Path) -> list[_Cited]:
    """The cited rows of a notice table, read by ``data/tabular.py`` so row numbers are the spreadsheet's
    (blank lines keep their numbers) and cp1252 exports and XLSX cells read as text."""
    from blueprint_desktop.data import tabular

    table = tabular.read_table(path)
    columns = {_norm(h).replace(" ", "_"): i for i, h in enumerate(table.headers)}
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise InputFileError(
            f"{path.name}: row 1: missing column(s) {', '.join(missing)}; expected headers "
            f"{','.join(REQUIRED_COLUMNS)}"
        )
    out = []
    for i, values in zip(table.row_numbers, table.rows, strict=True):
        cells = {name: values[k].strip() for name, k in columns.items()}
        if not any(cells[c] for c in REQUIRED_COLUMNS):
            continue
        raw_date = cells["notice_date"]
        when = _check_year(_cell_date(raw_date), path, f"row {i}, column notice_date", str(raw_date))
        if when is None:
            raise InputFileError(
                f"{path.name}: row {i}, column notice_date: {raw_date!r} is not a date (expected YYYY-MM-DD or MM/DD/YYYY)"
            )
        county = cells["county"]
        if county.isdigit() and len(county) < 5:
            county = county.zfill(5)  # spreadsheets drop leading zeros of codes such as 01001
        specialty = cells["specialty"]
        if specialty.isdigit() and len(specialty) < 3:
            specialty = specialty.zfill(3)  # HSD code 8 typed in a number cell is 008
        out.append(
            _Cited(i, cells["state"].upper(), county, specialty, when, cells.get("contract_id") or None)
        )
    return out


def _is_name_char(ch: str) -> bool:
    """The characters of a county name before "County" (the old pattern's [\\w.'\\- ])."""
    return ch == "_" or ch.isalnum() or ch in ".'- "


def _county_before_word(line: str) -> str | None:
    """The text from the first capital letter up to "County"/"Parish"/... (the leftmost such name, as the
    pattern r"([A-Z][\\w.'\\- ]*?)\\s+(County|...)" found it), in one pass over the line: each county word
    is followed by a backwards scan that stops at the previous one, so no character is read twice."""
    floor = 0
    for m in _COUNTY_WORD.finditer(line):
        end = m.start()
        start = end
        while start > floor and _is_name_char(line[start - 1]):
            start -= 1
        for k in range(start, end):
            if "A" <= line[k] <= "Z":
                return line[k:end]
        floor = end
    return None


def _county_before_state(line: str, state: str, names: list[str]) -> str | None:
    """The longest county name of ``state`` written just before it ("Walker, TX", "Walker TX")."""
    if not names:
        return None
    longest = max(len(n) for n in names)
    before: list[str] = []
    for m in re.finditer(_STATE_AFTER.format(state=re.escape(state)), line):
        before.append(line[max(0, m.start() - longest - 1) : m.start()])
    if not before:
        return None
    for name in sorted(names, key=len, reverse=True):
        for text in before:
            if not text.endswith(name):
                continue
            cut = len(text) - len(name)
            starts_word = cut == 0 or not (text[cut - 1].isalnum() or text[cut - 1] == "_")
            if starts_word and (name[-1].isalnum() or name[-1] == "_"):
                return name
    return None


def _refuse_long_lines(path: Path, body: str) -> None:
    """Refuse a line over MAX_LINE_CHARS before any pattern runs over it (no HPMS notice line is near it),
    and control characters (NUL...), which a pasted notice never holds and which would be stored in the
    cited county/specialty text."""
    for lineno, line in enumerate(body.splitlines(), start=1):
        if m := _CONTROL.search(line):
            raise InputFileError(
                f"{path.name}: line {lineno}, character {m.start() + 1}: control character U+{ord(m[0]):04X} "
                "(expected printable text); nothing was imported"
            )
        if len(line) > MAX_LINE_CHARS:
            raise InputFileError(
                f"{path.name}: line {lineno} is {len(line):,} characters long (expected a notice line, at most "
                f"{MAX_LINE_CHARS:,}); paste the notice text itself; nothing was imported"
            )


def _check_year(when: date | None, path: Path, where: str, raw: str) -> date | None:
    """Refuse a date outside YEAR_RANGE in one line (a typo such as 12/31/9999 overflows the window)."""
    if when is not None and not YEAR_RANGE[0] <= when.year <= YEAR_RANGE[1]:
        raise InputFileError(
            f"{path.name}: {where}: {raw.strip()[:40]!r} is dated {when.year} (expected a notice date in "
            f"{YEAR_RANGE[0]}-{YEAR_RANGE[1]}); nothing was imported"
        )
    return when


def _state_tokens() -> tuple[set[str], dict[str, str]]:
    from blueprint_desktop.geo.counties import load_states

    states = load_states()
    return set(states.state), {_norm(n): s for n, s in zip(states.state_name, states.state, strict=True)}


def _read_text(
    path: Path, text: str, project
) -> tuple[list[_Cited], list[dict[str, Any]], date | None, str | None]:
    """Cited gaps from a pasted notice; also lines that name a gap but cannot be read, the date, the contract."""
    from blueprint_desktop.geo.counties import load_counties

    abbrs, full_names = _state_tokens()
    counties = load_counties()
    names_by_state: dict[str, list[str]] = {}
    for st, name in zip(counties.state, counties["name"], strict=True):
        names_by_state.setdefault(st, []).append(str(name))
    spec_names = sorted(_specialty_names(), key=len, reverse=True)
    cited: list[_Cited] = []
    problems: list[dict[str, Any]] = []
    notice_date: date | None = None
    contract: str | None = None
    context: tuple[str, str] | None = None  # (state, county text) from a county-only line
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if notice_date is None and "date" in line.lower():
            notice_date = _check_year(_parse_date_text(line), path, f"line {lineno}", line)
        if contract is None and (m := _CONTRACT.search(line)):
            contract = m[1]
        # States: USPS abbreviations as upper-case tokens, or full names.
        tokens = re.findall(r"\b[A-Z]{2}\b", line)
        states = [t for t in tokens if t in abbrs]
        norm_line = f" {_norm(line)} "
        states += [s for n, s in full_names.items() if f" {n} " in norm_line and len(n) > 2]
        state = states[0] if states else (context[0] if context else "")
        # Specialties: HSD codes (zero-padded tokens) and full HSD names, longest name first.
        specialties: list[str] = []
        for code in _CODE_TOKEN.findall(line):
            specialties.append(code.upper())
        rest = norm_line
        for name in spec_names:
            if f" {name} " in rest:
                specialties.append(name)
                rest = rest.replace(f" {name} ", " ")
        # Counties: a 5-digit code, 'X County', or 'X, ST' / 'X ST' with a county name of that state.
        county_text: str | None = None
        if m := _FIVE_DIGITS.search(line):
            county_text = m[1]
        elif (named := _county_before_word(line)) is not None:
            county_text = re.split(r"[:\-–,;]\s*", named.strip())[-1].strip()
        elif state:
            county_text = _county_before_state(line, state, names_by_state.get(state, []))
        if county_text:
            # The latest county named is the one bare specialty lines below belong to.
            context = (state, county_text)
        if not specialties:
            continue
        if county_text is None and context is not None:
            state, county_text = context
        if county_text is None:
            problems.append(
                {
                    "row": lineno,
                    "state": state,
                    "county": "",
                    "specialty": line.strip(),
                    "reason": "names a specialty but no county",
                }
            )
            continue
        # Codes and names on one line may name the same line twice ('Cardiology (008)'): dedupe by line.
        seen_lines: set[str] = set()
        for spec in specialties:
            code, _ = match_specialty(spec)
            key = code or spec
            if key in seen_lines:
                continue
            seen_lines.add(key)
            cited.append(_Cited(lineno, state, county_text, spec, None, contract))
    return cited, problems, notice_date, contract


# -- import ---------------------------------------------------------------------------------------
def import_notice(
    project,
    path: str | Path,
    text: bool | None = None,
    notice_date: str | None = None,
    window_days: int | None = None,
    window_kind: str = "deficiency",
    progress: Progress | None = None,
) -> NoticeImportResult:
    """Import a notice file (CSV/XLSX table, or pasted text when ``text`` or the suffix is .txt)."""
    path = Path(path)
    progress = progress or Progress()
    lob = project.lob
    if not is_ma(lob):
        # The response this workflow builds (the 30-day plan, the pathways, the corrective action package) is
        # CMS's Medicare Advantage process under 42 CFR 422.116; a Medicaid or QHP review follows its own.
        raise BlueprintError(
            f"{project.path}: is a {lob.upper()} project; deficiency notices here are CMS's Medicare Advantage "
            "network adequacy notices, answered under 42 CFR 422.116, so they are imported into MA projects only"
        )
    if not path.is_file():
        raise InputFileError(f"{path}: no such notice file")
    if window_kind not in plan.DEFAULT_WINDOWS:
        raise BlueprintError(f"window kind {window_kind!r} is not one of {', '.join(plan.DEFAULT_WINDOWS)}")
    days = window_days or plan.DEFAULT_WINDOWS[window_kind]
    digest = sha256_file(path)
    previous = project.find_batch(BATCH_KIND, digest)
    if previous:
        raise InputFileError(
            f"{path.name}: already imported on {previous['imported_at'][:10]} (import batch {previous['id']})"
        )
    is_text = text if text is not None else path.suffix.lower() in (".txt", ".text", "")
    result = NoticeImportResult(file=path.name)
    progress.update(0.05, f"reading {path.name}")
    override = plan.parse_date(notice_date, "--date") if notice_date else None
    if override is not None and not YEAR_RANGE[0] <= override.year <= YEAR_RANGE[1]:
        raise InputFileError(
            f"--date {notice_date}: expected a notice date in {YEAR_RANGE[0]}-{YEAR_RANGE[1]}; nothing was imported"
        )
    if is_text:
        try:
            body = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise InputFileError(
                f"{path.name}: not UTF-8 text; paste the notice into a plain text file"
            ) from None
        if len(body) > MAX_TEXT_CHARS:
            raise InputFileError(
                f"{path.name}: {len(body):,} characters (expected a pasted notice, at most {MAX_TEXT_CHARS:,}); "
                "nothing was imported"
            )
        _refuse_long_lines(path, body)
        # A notice names contracts, counties and specialties, never members: text that holds an MBI, an
        # SSN or a date of birth is refused before it is stored anywhere.
        refuse_phi_in_text(body, path.name)
        cited, problems, found_date, _contract = _read_text(path, body, project)
        result.unmatched.extend(problems)
        when = override or found_date
        if when is None:
            raise InputFileError(
                f"{path.name}: no notice date found in the text; give it with --date YYYY-MM-DD"
            )
        for c in cited:
            c.notice_date = when
        fmt = "text"
    else:
        cited = _read_table(path)
        if override:
            for c in cited:
                c.notice_date = override
        fmt = "xlsx" if path.suffix.lower() in (".xlsx", ".xlsm") else "csv"
    result.rows_read = len(cited) + len(result.unmatched)
    area = set(project.service_area())
    progress.update(0.3, "matching counties and specialties")
    matched: list[tuple[_Cited, str, str | None, str]] = []
    for c in cited:
        progress.check()
        line, why_line = match_specialty(c.specialty)
        fips, ssa, why_county = match_county(project, c.state, c.county)
        reasons = []
        if fips is None:
            reasons.append(why_county)
        elif fips not in area:
            reasons.append(
                f"county {fips} ({gapmod.county_label(fips)}) is not in the project's service area"
            )
        if line is None:
            reasons.append(why_line)
        if reasons:
            result.unmatched.append(
                {
                    "row": c.row,
                    "state": c.state,
                    "county": c.county,
                    "specialty": c.specialty,
                    "reason": "; ".join(reasons),
                }
            )
            continue
        matched.append((c, fips, ssa, line))
    if not matched:
        detail = "; ".join(f"row {u['row']}: {u['reason']}" for u in result.unmatched[:3])
        raise InputFileError(
            f"{path.name}: no cited gap could be matched to the project ({detail or 'no gap lines found'})"
        )
    progress.update(0.6, "storing the notice")
    by_date: dict[date, list[tuple[_Cited, str, str | None, str]]] = {}
    for item in matched:
        by_date.setdefault(item[0].notice_date, []).append(item)  # type: ignore[arg-type]
    with project.transaction():
        batch_id = project.record_batch(
            BATCH_KIND,
            path.name,
            digest,
            result.rows_read,
            0,
            len(result.unmatched),
            {"unmatched": result.unmatched},
        )
        imported = 0
        for when, items in sorted(by_date.items()):
            due = plan.due_date(when, days, "calendar")
            cur = project.conn.execute(
                "INSERT INTO deficiency_notices(notice_date, window_days, window_unit, window_kind, due_date,"
                " contract_id, source_format, file_name, file_sha256, batch_id, imported_at, unmatched_json)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    when.isoformat(),
                    days,
                    "calendar",
                    window_kind,
                    due.isoformat(),
                    items[0][0].contract_id,
                    fmt,
                    path.name,
                    digest,
                    batch_id,
                    utc_now(),
                    json.dumps(result.unmatched),
                ),
            )
            notice_id = int(cur.lastrowid)
            gap_ids = []
            for c, fips, ssa, line in items:
                cur = project.conn.execute(
                    "INSERT INTO cited_gaps(notice_id, county_fips, ssa_code, line_code, cited_county, cited_specialty,"
                    " source_row) VALUES (?,?,?,?,?,?,?) ON CONFLICT(notice_id, county_fips, line_code) DO NOTHING",
                    (notice_id, fips, ssa, line, c.county, c.specialty, c.row),
                )
                if cur.rowcount == 0:
                    result.duplicates += 1
                    continue
                gap_id = int(cur.lastrowid)
                gap_ids.append(gap_id)
                plan.create_milestones(project, gap_id, when.isoformat(), due.isoformat())
                gapmod.refresh_gap_providers(project, gap_id)
                imported += 1
            result.notices.append(
                {
                    "id": notice_id,
                    "notice_date": when.isoformat(),
                    "due_date": due.isoformat(),
                    "gaps": len(gap_ids),
                }
            )
            result.gaps.extend(gapmod.get_gap(project, g) for g in gap_ids)
        project.conn.execute("UPDATE import_batches SET rows_imported = ? WHERE id = ?", (imported, batch_id))
        project.audit(
            "deficiency.notice.import",
            "import_batch",
            batch_id,
            {"file": path.name, "notices": result.notices, "unmatched": len(result.unmatched)},
        )
    progress.update(1.0, f"{len(result.gaps)} cited gaps")
    return result


def get_notice(project, notice_id: int) -> dict[str, Any]:
    cur = project.conn.execute("SELECT * FROM deficiency_notices WHERE id = ?", (int(notice_id),))
    row = cur.fetchone()
    if row is None:
        raise BlueprintError(f"no deficiency notice with id {notice_id} in {project.path.name}")
    out = dict(zip([d[0] for d in cur.description], row, strict=True))
    out["unmatched"] = json.loads(out.pop("unmatched_json") or "[]")
    return out


def list_notices(project) -> list[dict[str, Any]]:
    ids = [r[0] for r in project.conn.execute("SELECT id FROM deficiency_notices ORDER BY notice_date, id")]
    return [get_notice(project, i) for i in ids]


def mark_submitted(project, notice_id: int, when: str | None = None) -> dict[str, Any]:
    """Record that the response to a notice went to CMS (stops the window check); marks 'submit' done."""
    day = plan.parse_date(when, "submitted date") if when else date.today()
    get_notice(project, notice_id)
    with project.transaction():
        project.conn.execute(
            "UPDATE deficiency_notices SET submitted_date = ? WHERE id = ?", (day.isoformat(), notice_id)
        )
        project.conn.execute(
            "UPDATE plan_milestones SET done_date = coalesce(done_date, ?) WHERE phase = 'submit'"
            " AND gap_id IN (SELECT id FROM cited_gaps WHERE notice_id = ?)",
            (day.isoformat(), notice_id),
        )
        project.audit("deficiency.submitted", "deficiency_notice", notice_id, {"date": day.isoformat()})
    return get_notice(project, notice_id)
