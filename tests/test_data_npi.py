"""NPI check digit (45 CFR 162.406; CMS NPI check digit document: Luhn over the '80840' prefix)."""

from __future__ import annotations

import pytest

from blueprint_desktop.data.npi import is_valid_npi, npi_check_digit, npi_with_check_digit


def test_check_digit_of_the_cms_example() -> None:
    # CMS's worked example 123456789: double every other digit from the right (9, 7, 5, 3, 1 -> 18, 14,
    # 10, 6, 2 -> digit sums 9 + 5 + 1 + 6 + 2 = 23), add the others (8 + 6 + 4 + 2 = 20) and the constant
    # 24 for the 80840 prefix: 67; the next multiple of ten is 70, so the check digit is 3.
    assert npi_check_digit("123456789") == "3"
    assert npi_with_check_digit("123456789") == "1234567893"


@pytest.mark.parametrize(
    ("base9", "digit"),
    [
        ("000000000", "6"),  # only the prefix constant 24 -> 30 - 24 = 6
        ("100000000", "4"),  # the leading 1 is doubled: 2 + 24 = 26 -> 4
        ("999999999", "5"),  # five doubled 9s (18 -> 9) = 45, four plain 9s = 36, + 24 = 105 -> 5
        ("000000005", "5"),  # the last digit is doubled: 10 -> 1 + 0 = 1, + 24 = 25 -> 5
    ],
)
def test_check_digit_by_hand(base9: str, digit: str) -> None:
    assert npi_check_digit(base9) == digit


def test_is_valid_npi() -> None:
    assert is_valid_npi("1234567893")
    assert is_valid_npi(" 1234567893 ")
    assert not is_valid_npi("1234567890")  # wrong check digit
    assert not is_valid_npi("123456789")  # 9 digits
    assert not is_valid_npi("12345678930")  # 11 digits
    assert not is_valid_npi("12345A7893")
    assert not is_valid_npi("")
    assert not is_valid_npi(None)
    with pytest.raises(ValueError):
        npi_check_digit("12345")


def test_the_demo_uses_the_same_check_digit() -> None:
    from blueprint_desktop import demo

    assert demo.npi_with_check_digit is npi_with_check_digit
    assert demo.npi_with_check_digit("987654321") == "987654321" + npi_check_digit("987654321")
