"""County names come out of the bundled geography correctly spelt (the DBF is UTF-8 without a .cpg)."""

from blueprint_desktop.geo.counties import county_name


def test_accented_county_names_are_decoded_as_utf8() -> None:
    assert county_name("35013") == "Doña Ana, NM"
    assert county_name("72011") == "Añasco, PR"
