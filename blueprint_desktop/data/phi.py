"""Keep member-level data (PHI) out of the project: by column headers AND by the values in the cells.

Blueprint needs only counts of enrollees by ZIP or point, provider activity by NPI, and provider rosters.
A file carrying member-level data is refused (``PhiRefused``) before anything is read into the project,
naming the columns and what they look like, never echoing a value in full. Two kinds of file:

* count files (enrollees, population, activity): nothing person-level belongs there at all, so a column
  named like a person's name, address or phone is refused as well as any identifier or birth date;
* provider files (rosters, NPPES): provider names, addresses, phones, TINs, license numbers and NPIs are
  the point of the file and are NOT PHI; only member-level columns are refused: a birth-date or member-id
  header, a column whose values are mostly MBIs, HICNs or SSNs, or person names beside birth dates.

What is recognised (sources named where a format is published):

* MBI, CMS "Understanding the Medicare Beneficiary Identifier (MBI) Format": 11 characters, position 1
  numeric 1-9, 2/5/8/9 alphabetic, 3/6 alphanumeric, 4/7/10/11 numeric, letters excluding S, L, O, I, B,
  Z; CMS prints it with dashes as 1EG4-TE5-MK73, so dashes and spaces at those places are accepted;
* SSN, SSA's rules (POMS RM 10201.035, "SSN randomization"): 3-2-4 digits, area not 000, 666 or 9xx, group
  not 00, serial not 0000. Dashed, it is refused anywhere; nine bare digits are also a ZIP+4, a TIN, a
  Medicaid provider id, so they count only in count files, under a header that is not a ZIP/TIN one, when
  most of the column is not a known ZIP+4 (a 10-digit NPI never matches: the digit run must be exactly 9);
* HICN, the legacy Medicare number (CMS MLN SE18006): an SSN followed by a 1-2 character Beneficiary
  Identification Code (a letter, then optionally a digit or letter), e.g. 123456789A, 123-45-6789B1;
* member ids: header-led (member/mbr/patient/pt/bene/subscriber/enrollee/claimant/insured + id/no/key/nm...);
* dates of birth: header-led (dob, birth, brth, born, bday), or by value: person-name-like values beside
  birth-like dates (a date too old to be a service or contract date) in the same rows.

``refuse_phi_in_text`` applies the value rules, and the labels ("DOB:", "member id:", "MBI:"), to free text
such as outreach notes and pasted notices. Every pattern here is linear in the text (no nested quantifiers).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from blueprint_desktop.errors import InputFileError

SAMPLE_ROWS = 1000  # rows of a table whose values are checked (the first 500 and an even spread after)


class PhiRefused(InputFileError):
    """A file or text refused because it looks like it carries member-level data (PHI)."""


# -- header rules --------------------------------------------------------------------------------------
# Words that make a header member-level in any file.
_DOB_WORDS = {"dob", "birth", "brth", "birthdate", "birthday", "bday", "born", "dateofbirth", "bdate"}
_SSN_WORDS = {"ssn", "ssn4", "socsec", "ss_no", "ssno"}
_ID_WORDS = {"mbi", "hicn", "hic", "hicno", "mrn", "rrb"}
# Heads that name a person covered by the plan, and tails that make the column that person's identity.
_MEMBER_HEADS = {
    "member", "mbr", "mem", "members", "patient", "pt", "pat", "enrollee", "enr", "beneficiary", "bene", "benef",
    "subscriber", "subscr", "sub", "insured", "claimant", "cardholder", "policyholder", "dependent",
    "medicare", "medicaid", "recipient",
}  # fmt: skip
_MEMBER_TAILS = {
    "id", "ident", "identifier", "key", "no", "num", "nbr", "number", "name", "nm", "first", "last", "fname",
    "lname", "fnm", "lnm", "full", "dob", "ssn", "address", "addr", "street", "phone", "tel", "email", "mbi",
    "hicn", "card", "sk", "guid", "uid",
}  # fmt: skip
# Headers that are a person by themselves (the column holds who, e.g. "claimant": "Jane Roe").
_MEMBER_ALONE = {"claimant", "patient", "beneficiary", "bene", "subscriber", "enrollee", "insured", "member"}
_MEMBER_ALONE |= {"medical_record_number", "social_security", "social_security_number", "medicare_id"}
# Person-level columns that are fine in a provider file but have no place in a count file.
_PERSON_WORDS = {
    "name", "nm", "full_name", "first_name", "firstname", "last_name", "lastname", "middle_name", "fname",
    "lname", "first_nm", "last_nm", "given_name", "surname", "family_name", "phone", "phone_number", "email",
    "street", "street_address", "address", "address_1", "address1", "addr", "addr1", "sex", "gender",
}  # fmt: skip
# Headers naming ZIPs, TINs and counts: nine bare digits there are not SSNs.
_NOT_SSN_HEADER = re.compile(r"zip|postal|tin|ein|tax|fein|count|npi|geoid|fips|license|lic|phone|fax")


def _norm(header: object) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(header or "").strip().lower()).strip("_")


def header_reason(header: object, provider_file: bool) -> str | None:
    """Why a header is member-level by its name alone, or None."""
    key = _norm(header)
    if not key:
        return None
    words = key.split("_")
    compact = key.replace("_", "")
    if any(w in _DOB_WORDS for w in words) or "birth" in compact or "dateofbirth" in compact:
        return "a date of birth"
    if any(w in _SSN_WORDS for w in words) or key in ("social_security", "social_security_number"):
        return "an SSN"
    if any(w in _ID_WORDS for w in words):
        return "a Medicare/member identifier"
    if key in _MEMBER_ALONE:
        return "a member"
    for head, tail in zip(words, words[1:], strict=False):
        if head in _MEMBER_HEADS and tail in _MEMBER_TAILS:
            # "medicare_certified_beds" / "medicaid_provider_id" are provider facts: the pair must be adjacent
            # and, for medicare/medicaid, name the person's number.
            if head in ("medicare", "medicaid") and tail not in ("id", "no", "num", "nbr", "number"):
                continue
            return "a member identifier or name"
    if compact in {h + t for h in _MEMBER_HEADS for t in ("id", "key", "no", "nbr", "num", "nm", "name")}:
        return "a member identifier or name"
    if not provider_file and key in _PERSON_WORDS:
        return "a person's name, address or phone"
    return None


# -- value rules -----------------------------------------------------------------------------------------
# MBI letters: A-Z without S, L, O, I, B, Z (CMS MBI format). Separators only between the 4-3-4 groups.
_L = "AC-HJKMNP-RT-Y"
_MBI_BODY = rf"[1-9][{_L}][{_L}0-9]\d[- ]?[{_L}][{_L}0-9]\d[- ]?[{_L}]{{2}}\d{{2}}"
_MBI = re.compile(rf"^{_MBI_BODY}$")
_MBI_IN_TEXT = re.compile(rf"(?<![A-Za-z0-9]){_MBI_BODY}(?![A-Za-z0-9])", re.IGNORECASE)
_SSN_DASHED = re.compile(r"^(\d{3})[- ](\d{2})[- ](\d{4})$")
_SSN_BARE = re.compile(r"^(\d{3})(\d{2})(\d{4})$")
_SSN_IN_TEXT = re.compile(r"(?<![\d-])(\d{3})[- ](\d{2})[- ](\d{4})(?![\d-])")
_HICN = re.compile(r"^(\d{3})-?(\d{2})-?(\d{4})[A-Z][A-Z0-9]?$")
_HICN_IN_TEXT = re.compile(r"(?<![A-Za-z0-9-])(\d{3})-?(\d{2})-?(\d{4})[A-Z][A-Z0-9]?(?![A-Za-z0-9])")
# Dates as files and people write them: ISO, US month-first, compact YYYYMMDD (HIPAA 837 DTP*D8).
_DATE_VALUE = re.compile(
    r"^(?:(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][\d:.]+)?|(\d{1,2})/(\d{1,2})/(\d{4})|(\d{4})(\d{2})(\d{2}))$"
)
_DATE_IN_TEXT = re.compile(
    r"(?<![\d/-])(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})[/-](\d{1,2})[/-](\d{4}))(?![\d/-])"
)
# A person's name: 2-4 capitalised words ("Jane Q. Roe", "O'Neil Mary"), or "Roe, Jane".
_NAME_VALUE = re.compile(
    r"^(?:[A-Z][A-Za-z'\-]+(?:\s+[A-Z][A-Za-z'\-.]*){1,3}|[A-Z][A-Za-z'\-]+,\s*[A-Z][A-Za-z'\-]+(?:\s+[A-Z]\.?)?)$"
)
_NAME_BEFORE = re.compile(r"[A-Z][a-z'\-]+,?\s[A-Z][a-z'\-]+[\s,:;(]{0,4}$")


def _ssn_ok(area: str, group: str, serial: str) -> bool:
    """SSA's rules for an issuable SSN (POMS RM 10201.035): no 000/666/9xx area, 00 group, 0000 serial."""
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def _birth_year_limit(provider_file: bool) -> int:
    """The latest year a date can be and still read as a birth date rather than a business date.

    Count files carry service dates of the last few years, so a date 18+ years back is a birth date. Provider
    files carry enumeration (NPPES began 2005-05-23), contract and credentialing dates, so only dates before
    1980 count there: a Medicare member is 65+ (born before 1961) and that leaves business dates alone.
    """
    return 1979 if provider_file else date.today().year - 18


def _date_year(text: str) -> int | None:
    m = _DATE_VALUE.match(text)
    if not m:
        return None
    g = m.groups()
    y, mo, d = (g[0], g[1], g[2]) if g[0] else (g[5], g[3], g[4]) if g[5] else (g[6], g[7], g[8])
    try:
        return date(int(y), int(mo), int(d)).year
    except ValueError:
        return None


def value_kind(text: str) -> str | None:
    """'an MBI' / 'an SSN' / 'a HICN' for an identifier-shaped value, else None."""
    v = text.strip().upper()
    if not v or len(v) > 16:
        return None
    if _MBI.match(v):
        return "an MBI"
    m = _SSN_DASHED.match(v)
    if m and _ssn_ok(*m.groups()):
        return "an SSN"
    m = _HICN.match(v)
    if m and _ssn_ok(*m.groups()):
        return "a HICN"
    return None


@dataclass
class Finding:
    column: str
    what: str  # "an MBI", "a date of birth", ...

    def __str__(self) -> str:
        return f"{self.column!r} ({self.what})"


def _sample(rows: Sequence[Sequence[object]], limit: int = SAMPLE_ROWS) -> list[Sequence[object]]:
    """The first half of ``limit`` rows and an even spread over the rest, so a file whose member columns
    start being filled far down is still seen, in bounded time."""
    rows = list(rows) if not isinstance(rows, list) else rows
    if len(rows) <= limit:
        return rows
    head = limit // 2
    step = max(1, (len(rows) - head) // (limit - head))
    return rows[:head] + rows[head::step][: limit - head]


def find_phi(
    headers: Sequence[object], rows: Iterable[Sequence[object]] = (), provider_file: bool = False
) -> list[Finding]:
    """Every column that looks member-level, by its header or by its values, with what it looks like."""
    findings: dict[int, Finding] = {}
    names = [str(h) for h in headers]
    for i, h in enumerate(names):
        why = header_reason(h, provider_file)
        if why:
            findings[i] = Finding(h, why)
    sample = _sample(list(rows))
    if not sample:
        return list(findings.values())
    width = len(names)
    ids: list[dict[str, int]] = [{} for _ in range(width)]
    filled = [0] * width
    bare9 = [0] * width
    zip_like = [0] * width
    name_rows: list[set[int]] = [set() for _ in range(width)]
    birth_rows: list[set[int]] = [set() for _ in range(width)]
    limit = _birth_year_limit(provider_file)
    for r, row in enumerate(sample):
        for i, value in enumerate(list(row)[:width]):
            text = "" if value is None else str(value).strip()
            if not text:
                continue
            filled[i] += 1
            if len(text) > 40:
                continue
            kind = value_kind(text)
            if kind:
                ids[i][kind] = ids[i].get(kind, 0) + 1
                continue
            m = _SSN_BARE.match(text)
            if m and _ssn_ok(*m.groups()):
                bare9[i] += 1
                if _known_zip(text[:5]):
                    zip_like[i] += 1
                continue
            year = _date_year(text)
            if year is not None:
                if 1900 <= year <= limit:
                    birth_rows[i].add(r)
                continue
            if _NAME_VALUE.match(text):
                name_rows[i].add(r)
    for i in range(width):
        if i in findings or not filled[i]:
            continue
        hits = sum(ids[i].values())
        # A provider file's column counts only when most of it is identifiers (a roster's one odd license
        # number must not refuse it); a count file has no business holding even one.
        if hits and (not provider_file or hits * 2 >= filled[i]):
            findings[i] = Finding(names[i], max(ids[i], key=lambda k: ids[i][k]) + " in its values")
        elif (
            not provider_file
            and bare9[i] * 5 >= filled[i] * 4
            and not _NOT_SSN_HEADER.search(_norm(names[i]))
            and zip_like[i] * 10 < bare9[i] * 7
        ):
            findings[i] = Finding(names[i], "SSNs (nine digits, not ZIP+4) in its values")
    # Person names beside birth dates in the same rows: in most sampled rows for a provider file (a
    # roster's one old date must not refuse it), in any row for a count file.
    for b in range(width):
        if not birth_rows[b] or b in findings:
            continue
        for n in range(width):
            if n == b or not name_rows[n]:
                continue
            both = len(birth_rows[b] & name_rows[n])
            if both and (not provider_file or both * 2 >= max(1, min(filled[b], filled[n]))):
                findings.setdefault(n, Finding(names[n], "person names beside dates of birth"))
                findings[b] = Finding(names[b], f"dates of birth beside the names in {names[n]!r}")
                break
    return [findings[i] for i in sorted(findings)]


def _known_zip(zip5: str) -> bool:
    """Whether five digits are a ZIP the bundled centroid table knows (for telling ZIP+4 from SSN)."""
    from blueprint_desktop.geo.zips import zip_centroid

    try:
        return zip_centroid(zip5) is not None
    except Exception:  # noqa: BLE001 - a lookup failure must not turn into a refusal
        return False


def member_level_columns(
    headers: Sequence[str], sample_rows: Iterable[Sequence[object]] = (), provider_file: bool = False
) -> list[str]:
    """Headers that look member-level, by name or by the values in ``sample_rows``."""
    return [f.column for f in find_phi(headers, sample_rows, provider_file)]


def refuse_member_level(
    path: str | Path,
    headers: Sequence[str],
    sample_rows: Iterable[Sequence[object]] = (),
    provider_file: bool = False,
) -> None:
    """Raise PhiRefused naming the columns (and what each looks like) when a file carries member data."""
    found = find_phi(headers, sample_rows, provider_file)
    if found:
        advice = (
            "a roster lists providers only; remove the member columns"
            if provider_file
            else "supply counts by ZIP or point (or activity by NPI) only"
        )
        raise PhiRefused(
            f"{Path(path).name}: refused: column(s) {', '.join(str(f) for f in found)} look like member-level "
            f"data (names, dates of birth, member ids, SSNs); nothing was imported; {advice}"
        )


# -- free text ---------------------------------------------------------------------------------------------
_BIRTH_LABEL = re.compile(
    r"(?<![A-Za-z])(?:d\.?\s?o\.?\s?b\.?|dob|born|birth\s?date|date\s+of\s+birth|birthday|b-?day)(?![A-Za-z])",
    re.IGNORECASE,
)
_DATE_ANY = re.compile(
    r"\d{1,4}[/-]\d{1,2}(?:[/-]\d{2,4})?|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s\d{1,2}",
    re.IGNORECASE,
)
_ID_LABEL = re.compile(
    r"(?<![A-Za-z])(?:(?:member|mbr|subscriber|patient|pt|beneficiary|bene|enrollee|medicare|medicaid|"
    r"claimant|insured)\s?(?:id|#|no\.?|number|num|nbr)|mbi|hicn|hic\s?(?:#|no\.?|number)|ssn|ss\s?#|"
    r"social\s+security(?:\s+(?:no\.?|number|#))?)(?![A-Za-z])[\s:#=.]{0,4}([A-Za-z0-9-]{0,20}\d)",
    re.IGNORECASE,
)
MAX_TEXT = 5_000_000  # characters; a note or a pasted notice is far smaller


def _mask(value: str) -> str:
    """The first two characters and the length, never the whole value."""
    v = value.strip()
    return f"{v[:2]}{'*' * max(0, len(v) - 2)}"


def phi_in_text(text: str) -> str | None:
    """What in ``text`` looks like PHI (with its place and a masked value), or None."""
    text = str(text or "")[:MAX_TEXT]
    if m := _MBI_IN_TEXT.search(text):
        return f"an MBI ({_mask(m[0])}, at character {m.start() + 1})"
    for m in _SSN_IN_TEXT.finditer(text):
        if _ssn_ok(*m.groups()):
            return f"an SSN ({_mask(m[0])}, at character {m.start() + 1})"
    for m in _HICN_IN_TEXT.finditer(text):
        if _ssn_ok(*m.groups()[:3]):
            return f"a HICN ({_mask(m[0])}, at character {m.start() + 1})"
    if m := _ID_LABEL.search(text):
        return (
            f"a member identifier labelled {m[0].split()[0].rstrip(':#=.')!r} (at character {m.start() + 1})"
        )
    for m in _BIRTH_LABEL.finditer(text):
        if _DATE_ANY.search(text, m.end(), m.end() + 24) or _DATE_ANY.search(
            text, max(0, m.start() - 16), m.start()
        ):
            return f"a date of birth labelled {m[0]!r} (at character {m.start() + 1})"
    limit = date.today().year - 18
    for m in _DATE_IN_TEXT.finditer(text):
        year = int(m[1] or m[6])
        if 1900 <= year <= limit and _NAME_BEFORE.search(text, max(0, m.start() - 40), m.start()):
            return f"a person's name beside a date of birth ({_mask(m[0])}, at character {m.start() + 1})"
    return None


def refuse_phi_in_text(text: str, what: str) -> None:
    """Raise PhiRefused (one line, naming what looks like PHI, the value masked) when ``text`` holds any.

    ``what`` names the text for the message ("outreach note", "notice.txt"). A normal note passes: "Called
    Dr. Smith's office 3/4, left voicemail; will sign by 3/15".
    """
    found = phi_in_text(text)
    if found:
        raise PhiRefused(
            f"{what}: refused: it holds what looks like {found}; member-level data (PHI) is never stored "
            "in a project; remove it and try again"
        )
