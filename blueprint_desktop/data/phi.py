"""Refuse files that carry member-level data (PHI).

Blueprint needs only counts of enrollees by ZIP or point, and provider activity by NPI. A file with
member names, dates of birth, member/beneficiary identifiers (member id, MBI, HICN) or SSN-like values
is refused before anything is read into the project, naming the offending columns, so PHI never lands
in a project file. Used by ``blueprint import enrollees`` and the activity import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from blueprint_desktop.errors import InputFileError

# Header names (normalised to lower_snake) that are member-level by themselves.
_PHI_HEADERS = {
    "name", "full_name", "first_name", "firstname", "last_name", "lastname", "middle_name", "fname", "lname",
    "dob", "date_of_birth", "birth_date", "birthdate", "birthday",
    "ssn", "social_security", "social_security_number", "ssn_last4",
    "mbi", "hicn", "hic", "medicare_id", "medicare_number", "medicaid_id", "member_id", "memberid", "member_number",
    "subscriber_id", "enrollee_id", "patient_id", "beneficiary_id", "mrn", "medical_record_number",
    "phone", "phone_number", "email", "street", "street_address", "address", "address_1", "address1",
}  # fmt: skip
_PHI_HEADER_PATTERNS = (
    re.compile(
        r"^(member|patient|enrollee|beneficiary|subscriber|insured)_?(name|id|number|no|dob|ssn|address)"
    ),
    re.compile(r"(^|_)(dob|ssn|mbi|hicn)(_|$)"),
    re.compile(r"birth"),
)
_SSN = re.compile(r"^\d{3}-\d{2}-\d{4}$")
# CMS Medicare Beneficiary Identifier: 11 characters, letters excluding S, L, O, I, B, Z.
_L = "AC-HJKMNP-RT-Y"
_MBI = re.compile(rf"^[1-9][{_L}][{_L}0-9]\d[{_L}][{_L}0-9]\d[{_L}]{{2}}\d{{2}}$")


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(header or "").strip().lower()).strip("_")


def member_level_columns(headers: Sequence[str], sample_rows: Iterable[Sequence[object]] = ()) -> list[str]:
    """Headers that look member-level, by name or by an SSN-/MBI-like value in the sample rows."""
    flagged: list[str] = []
    for header in headers:
        key = _norm(header)
        if key in _PHI_HEADERS or any(p.search(key) for p in _PHI_HEADER_PATTERNS):
            flagged.append(str(header))
    for row in sample_rows:
        for header, value in zip(headers, row, strict=False):
            text = str(value or "").strip().upper()
            if (_SSN.match(text) or _MBI.match(text)) and str(header) not in flagged:
                flagged.append(str(header))
    return flagged


def refuse_member_level(
    path: str | Path, headers: Sequence[str], sample_rows: Iterable[Sequence[object]] = ()
) -> None:
    """Raise InputFileError naming the columns when a file carries member-level data."""
    flagged = member_level_columns(headers, list(sample_rows))
    if flagged:
        raise InputFileError(
            f"{Path(path).name}: refused: column(s) {', '.join(repr(c) for c in flagged)} look like member-level "
            "data (names, dates of birth, member ids, SSNs); supply counts by ZIP or point only"
        )
