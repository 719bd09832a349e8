"""CMS county rows below Census county level (Guam, American Samoa, the Virgin Islands) and Alaska's 2019
split of Valdez-Cordova (02261) into Chugach (02063) and Copper River (02066), built into the geography."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.geo import counties as geo
from blueprint_desktop.geo.build import BUILD_FORMAT, SPLIT_PARTS, is_built
from blueprint_desktop.geo.points import population_points
from blueprint_desktop.geo.zips import zip_centroid
from blueprint_desktop.rules.county_match import _TERRITORY_FIPS, match_county, match_county_all
from blueprint_desktop.rules.standards import standards_for_county

REFERENCE = Path("/work/shared/data/ma_reference_file_12-17-2025.xlsx")
needs_reference = pytest.mark.skipif(not REFERENCE.exists(), reason=f"{REFERENCE} is not here")


def _reference_rows() -> list[tuple[str, str, str]]:
    """(SSA code, state, county) of every row of the 2026 file's 'Minimum Provider #s' sheet."""
    wb = openpyxl.load_workbook(REFERENCE, read_only=True, data_only=True)
    try:
        ws = wb["Minimum Provider #s"]
        header = [str(c or "").strip() for c in next(ws.iter_rows(min_row=2, max_row=2, values_only=True))]
        county, st, ssa = header.index("COUNTY"), header.index("ST"), header.index("SSACD")
        return [
            (str(r[ssa]).strip().zfill(5), str(r[st]).strip(), str(r[county]).strip())
            for r in ws.iter_rows(min_row=4, values_only=True)
            if r[ssa] is not None and str(r[ssa]).strip()
        ]
    finally:
        wb.close()


@needs_reference
def test_every_reference_row_matches_a_county() -> None:
    rows = _reference_rows()
    assert len(rows) == 3262
    fips = {ssa: match_county_all(state, name)[0] for ssa, state, name in rows}
    assert [ssa for ssa, f in fips.items() if not f] == []
    assert fips["65070"] == ["66010"]  # Dededo, GU
    assert fips["64130"] == ["60050"]  # Tualauta, AS: Western District
    assert fips["64120"] == ["60020"] and fips["64060"] == ["60010"]  # Tau (Manu'a), Mauputasi (Eastern)
    assert fips["48020"] == ["78020", "78030"]  # St. John-Thomas, VI
    assert fips["02063"] == ["02063"] and fips["02066"] == ["02066"]  # Chugach, Copper River
    assert fips["05200"] == fips["05210"] == ["06037"]  # Los Angeles' two SSA codes
    assert all(set(f) <= set(geo.load_counties().index) for f in fips.values())
    several = {ssa for ssa, f in fips.items() if len(f) > 1}
    # St. John-Thomas VI; and CMS's one Northern Mariana row, read as the whole territory (county_match).
    assert several == {"48020", "63050"}
    assert fips["63050"] == ["69085", "69100", "69110", "69120"]


def test_territory_table_points_at_real_county_equivalents() -> None:
    counties = geo.load_counties()
    for (state, _), fips in _TERRITORY_FIPS.items():
        assert all(counties.at[f, "state"] == state for f in fips)
    names = {f: counties.at[f, "name"] for f in ("60010", "60020", "60050", "66010")}
    assert names == {"60010": "Eastern", "60020": "Manu'a", "60050": "Western", "66010": "Guam"}


@pytest.mark.parametrize(
    ("state", "name", "fips"),
    [
        ("GU", "Yigo", "66010"),
        ("GU", "Agana", "66010"),
        ("GU", "Hagåtña", "66010"),  # the official spelling of CMS's "Agana"
        ("AS", "Ituau", "60010"),
        ("AS", "Ma'oputasi", "60010"),
        ("AS", "Leasina", "60050"),
        ("AS", "Ta'u", "60020"),
        ("AS", "Faleasao County", "60020"),
        ("AS", "Swains Island", "60040"),  # a Census county-equivalent by name
        ("VI", "St. Croix", "78010"),
    ],
)
def test_island_rows_match_one_county(state: str, name: str, fips: str) -> None:
    assert match_county(state, name)[0] == fips
    assert match_county_all(state, name)[0] == [fips]


def test_a_row_covering_two_counties_has_no_single_fips() -> None:
    assert match_county_all("VI", "St. John-Thomas") == (
        ["78020", "78030"],
        "island-area subdivision -> Census county-equivalent",
    )
    fips, how = match_county("VI", "St. John-Thomas")
    assert fips is None and how == "maps to several county-equivalents: 78020, 78030"
    assert match_county("GU", "Atlantis") == (None, "no county named 'Atlantis' in GU")  # never guessed
    assert match_county("AS", "Dededo")[0] is None  # a Guam village is not an American Samoa county


# -- Alaska: Chugach and Copper River -------------------------------------------------------------------
def test_geography_build_is_current(tmp_path: Path) -> None:
    assert is_built() and BUILD_FORMAT >= 4
    # set-up's --if-missing rebuilds a build of an older format (one with 02261 still in it).
    from blueprint_desktop.geo.build import OUTPUTS

    for name in OUTPUTS:
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "BUILD.json").write_text('{"format": 3}')
    assert not is_built(tmp_path)
    (tmp_path / "BUILD.json").write_text(f'{{"format": {BUILD_FORMAT}}}')
    assert is_built(tmp_path)


def test_chugach_and_copper_river_are_counties_of_their_own() -> None:
    counties = geo.load_counties()
    chugach, copper = counties.loc["02063"], counties.loc["02066"]
    assert (geo.county_name("02063"), geo.county_name("02066")) == ("Chugach, AK", "Copper River, AK")
    assert match_county("AK", "Chugach")[0] == "02063" and match_county("AK", "Copper River")[0] == "02066"
    # Land: the 2016 ALAND of Valdez-Cordova (34,238 sq mi) shared by area; Census figures 9,530 / 24,692.
    assert chugach.land_sq_mi + copper.land_sq_mi == pytest.approx(34238.3, abs=1)
    assert chugach.land_sq_mi == pytest.approx(9530, rel=0.10)
    assert copper.land_sq_mi == pytest.approx(24692, rel=0.10)
    # Population: the ZCTA points inside (Valdez, Cordova, Whittier, Tatitlek vs Copper Center, Gakona,
    # Chitina); Glennallen's ZCTA point lies in Matanuska-Susitna, a known limit of interior points.
    assert (chugach.population, copper.population) == (7000, 1295)
    pts = population_points(["02063", "02066"], model="zcta-points")  # one point per ZIP area, by name
    by_county = pts.groupby("county_fips").point_id.apply(set).to_dict()
    assert by_county == {
        "02063": {"zcta:99574", "zcta:99677", "zcta:99686", "zcta:99693"},
        "02066": {"zcta:99566", "zcta:99573", "zcta:99586"},
    }
    assert set(pts.source) == {"census-zcta"}  # real points, not a grid over the old combined area


def test_places_fall_in_the_right_part() -> None:
    assert geo.county_of_point(61.1308, -146.3483) == "02063"  # Valdez
    assert geo.county_of_point(60.5428, -145.7575) == "02063"  # Cordova
    assert geo.county_of_point(60.7731, -148.6839) == "02063"  # Whittier
    assert geo.county_of_point(62.109, -145.546) == "02066"  # Glennallen
    assert geo.county_of_point(61.5158, -144.4367) == "02066"  # Chitina
    assert geo.county_of_point(61.4328, -142.9108) == "02066"  # McCarthy
    lat, lon, fips = zip_centroid("99686")  # Valdez
    assert fips == "02063" and 60.9 < lat < 61.2 and -146.4 < lon < -146.0
    assert zip_centroid("99573")[2] == "02066"  # Copper Center


def test_valdez_cordova_is_no_longer_scorable() -> None:
    assert not geo.is_county("02261")
    assert "02261" not in geo.load_counties().index
    assert "02261" not in geo.counties_in_states(["AK"])
    with pytest.raises(BlueprintError, match="split in 2019 into 02063 .Chugach. and 02066 .Copper River."):
        geo.county_row("02261")
    with pytest.raises(BlueprintError, match="split in 2019"):
        standards_for_county(None, "02261")
    assert geo.county_geometries(["02261"]).empty
    assert set(geo.county_geometries(list(SPLIT_PARTS)).fips) == {"02063", "02066"}
    assert geo.canonical_fips("02063") == "02063"  # no alias back to the old outline
