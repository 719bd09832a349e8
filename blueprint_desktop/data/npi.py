"""The National Provider Identifier: 10 digits, the last a Luhn check digit over the '80840' prefix.

Source: 45 CFR 162.406 (the NPI standard) and CMS's "Requirements for NPI check digit" (the ISO 7812
card-issuer prefix 80840 for US health applications is prepended before the Luhn formula is applied).
"""

from __future__ import annotations

PREFIX = "80840"


def _luhn_sum(digits: str, double_first: bool) -> int:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if (i % 2 == 0) == double_first:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return total


def npi_check_digit(base9: str) -> str:
    """The check digit that completes a 9-digit NPI base ('123456789' -> '3')."""
    if len(base9) != 9 or not base9.isdigit():
        raise ValueError(f"an NPI base is 9 digits, got {base9!r}")
    # The check digit will sit to the right, so the rightmost payload digit is doubled.
    return str((10 - _luhn_sum(PREFIX + base9, double_first=True) % 10) % 10)


def is_valid_npi(text: object) -> bool:
    """True for 10 digits whose last digit is the Luhn check digit over '80840' + the first nine."""
    s = str(text or "").strip()
    return len(s) == 10 and s.isdigit() and npi_check_digit(s[:9]) == s[9]


def npi_with_check_digit(base9: str) -> str:
    """The full 10-digit NPI for a 9-digit base."""
    return base9 + npi_check_digit(base9)
