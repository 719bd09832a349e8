"""County names come out of the bundled geography correctly spelt (the DBF is UTF-8 without a .cpg)."""

from blueprint_desktop.geo.counties import county_name


def test_accented_county_names_are_decoded_as_utf8() -> None:
    assert county_name("35013") == "Doña Ana, NM"
    assert county_name("72011") == "Añasco, PR"


def test_no_zip_centroid_sits_at_null_island() -> None:
    from blueprint_desktop.geo.zips import load_zip_centroids, zip_centroid

    z = load_zip_centroids()
    assert not ((z.lat == 0) & (z.lon == 0)).any()
    assert zip_centroid("09002") is None  # an APO ZIP: no place to put it
    lat, lon, fips = zip_centroid("77002")  # downtown Houston
    assert fips == "48201" and 29.6 < lat < 29.9 and -95.5 < lon < -95.2


def test_island_and_alaska_names() -> None:
    assert county_name("60020") == "Manu'a, AS"
    assert county_name("66010") == "Guam, GU"
    assert county_name("02063") == "Chugach, AK" and county_name("02066") == "Copper River, AK"
