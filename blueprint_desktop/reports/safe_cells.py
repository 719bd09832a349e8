"""Text cells that are safe to hand on: no formula a spreadsheet would run, no character that breaks a file.

Two dangers, one function each; ``safe_text`` applies both and is what the exporters call on every text
cell (HSD tables XLSX and CSV, the results matrix, the servicing-provider report, the HSD rejection list):

1. **Formula injection** (OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection).
   A roster is outside input: a provider "named" ``=HYPERLINK("http://x","click")`` becomes a live formula
   when the exported CSV is opened in Excel or LibreOffice, and openpyxl itself stores any string that
   begins with ``=`` as a formula. OWASP's rule: a field beginning with ``=``, ``+``, ``-``, ``@``, tab
   (0x09) or carriage return (0x0D) is prefixed with a single quote ``'``, which spreadsheets show as text.
   Only *text* is touched: a number stored as a number (a negative count, a distance) is never a formula
   and is left alone. Our code values (SSA county codes, NPIs, ZIP codes, HSD specialty codes) are digit
   strings or letter+digit codes (S03), which never begin with those characters, so they pass unchanged.
2. **Control characters.** XML 1.0 (section 2.2, ``Char``) forbids U+0000-U+0008, U+000B, U+000C and
   U+000E-U+001F, so openpyxl raises ``IllegalCharacterError`` on them and an XLSX writer that ignored
   them would produce a file Excel refuses to open. They are *replaced* with U+FFFD (the Unicode
   replacement character) rather than dropped: the cell keeps its length and a reader can see that
   something unprintable was in the roster. Tab, line feed and carriage return are legal and kept (a
   leading tab or CR is still neutralised by rule 1).

The control characters are replaced first, so a value like ``"\\x00=1+1"`` cannot slip past rule 1.
"""

from __future__ import annotations

import re
from typing import Any

# OWASP "CSV Injection": the characters that make a spreadsheet read a field as a formula.
FORMULA_TRIGGERS = frozenset("=+-@\t\r")
FORMULA_GUARD = "'"
# XML 1.0 section 2.2: the C0 controls outside tab, LF and CR are not characters of an XML document.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
REPLACEMENT = "\ufffd"
# Matches exactly the texts ``safe_text`` changes (for bulk writers that test a whole column at once).
NEEDS_CARE_PATTERN = r"^[=+\-@\t\r]|[\x00-\x08\x0b\x0c\x0e-\x1f]"
_NEEDS_CARE = re.compile(NEEDS_CARE_PATTERN)


def neutralise_formula(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would read it as a formula (OWASP), else as is."""
    if text and text[0] in FORMULA_TRIGGERS:
        return FORMULA_GUARD + text
    return text


def replace_control_chars(text: str) -> str:
    """``text`` with every XML-illegal control character replaced by U+FFFD."""
    return _ILLEGAL.sub(REPLACEMENT, text)


def needs_care(text: str) -> bool:
    """True when ``safe_text`` would change ``text`` (cheap pre-test for bulk writers)."""
    return _NEEDS_CARE.search(text) is not None


def safe_text(value: Any) -> Any:
    """A cell value ready for a spreadsheet or CSV: text neutralised (both rules), anything else as is."""
    if not isinstance(value, str):
        return value
    return neutralise_formula(replace_control_chars(value))


def safe_row(values: list[Any]) -> list[Any]:
    """``safe_text`` over one row of cell values."""
    return [safe_text(v) for v in values]
