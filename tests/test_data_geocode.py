"""Offline placement (given coordinates, ZIP centroid, county centroid) and the Census batch geocoder round
trip (request in its input format, result in its real layout: no header, 'lon,lat', Exact / Non_Exact)."""

from __future__ import annotations

import csv

import pytest
from roster_files import CARDIO, FAMILY, NEURO, dump, template_file, template_row

from blueprint_desktop.data import geocode
from blueprint_desktop.data.roster_import import import_roster
from blueprint_desktop.errors import InputFileError
from blueprint_desktop.geo.counties import load_counties
from blueprint_desktop.geo.zips import zip_centroid


def test_place_locations_best_source_first() -> None:
    harris = load_counties().loc["48201"]
    locs = [
        {"zip": "77030", "latitude": 29.57, "longitude": -95.77},  # given: exact, county of the point
        {"zip": "77030", "latitude": 29.70, "longitude": -95.40, "geocode_quality": "interpolated"},
        {"zip": "77479"},  # ZIP centroid, county of the centroid
        {"zip": "77030", "county_fips": "48157"},  # the roster's county wins over the point's
        {"zip": "99999", "county_fips": "48201"},  # unknown ZIP: the county's interior point
        {"zip": "99999"},  # nothing to go on
    ]
    geocode.place_locations(locs)
    assert [(x["geocode_quality"], x["county_fips"]) for x in locs] == [
        ("exact", "48157"),
        ("interpolated", "48201"),
        ("zip-centroid", "48157"),
        ("zip-centroid", "48157"),
        ("county-centroid", "48201"),
        ("none", None),
    ]
    assert (locs[2]["latitude"], locs[2]["longitude"]) == zip_centroid("77479")[:2]
    assert (locs[4]["latitude"], locs[4]["longitude"]) == (float(harris.lat), float(harris.lon))
    assert locs[5]["latitude"] is None and locs[0]["latitude"] == 29.57


def _roster(project, tmp_path) -> dict[str, int]:
    rows = [
        template_row(CARDIO, "Dr. A", address="6565 Fannin St", zip="77030"),
        template_row(FAMILY, "Dr. B", specialty_code="002", address="100 Main St, Ste 2", zip="77002"),
        template_row(
            NEURO, "Dr. C", specialty_code="013", latitude="29.7", longitude="-95.4"
        ),  # already exact
    ]
    import_roster(project, template_file(tmp_path / "r.csv", rows))
    return {
        npi: loc
        for npi, loc in project.conn.execute(
            "SELECT p.npi, l.id FROM locations l JOIN providers p ON p.id = l.provider_id"
        )
    }


def test_request_is_the_census_input_format(project, tmp_path) -> None:
    ids = _roster(project, tmp_path)
    with project.transaction():  # a location with no street cannot be sent
        project.conn.execute(
            "INSERT INTO locations(provider_id, zip, geocode_quality) SELECT provider_id, '77002', 'zip-centroid'"
            " FROM locations WHERE id = ?",
            (ids[CARDIO],),
        )
    request = geocode.write_geocode_request(project, tmp_path / "req.csv")
    assert request.files == [tmp_path / "req.csv"] and (request.rows, request.without_street) == (2, 1)
    text = (tmp_path / "req.csv").read_text()
    assert text == (
        f'{ids[CARDIO]},6565 Fannin St,Houston,TX,77030\n{ids[FAMILY]},"100 Main St, Ste 2",Houston,TX,77002\n'
    )


def test_request_files_hold_at_most_10000_records(project, tmp_path) -> None:
    ids = _roster(project, tmp_path)
    with project.transaction():
        project.conn.executemany(
            "INSERT INTO locations(provider_id, address, city, state, zip, geocode_quality)"
            " SELECT provider_id, ?, 'Houston', 'TX', '77002', 'none' FROM locations WHERE id = ?",
            [(f"{i} Main St", ids[CARDIO]) for i in range(10_000)],
        )
    request = geocode.write_geocode_request(project, tmp_path / "req.csv")
    assert request.rows == 10_002
    assert [f.name for f in request.files] == ["req_001.csv", "req_002.csv"]
    with request.files[0].open() as fh:
        assert sum(1 for _ in csv.reader(fh)) == 10_000
    with request.files[1].open() as fh:
        assert sum(1 for _ in csv.reader(fh)) == 2


def _result_file(tmp_path, ids, name="GeocodeResults.csv"):
    # The Census returns records in its own order, quoted, with only three fields when nothing matched.
    lines = [
        f'"{ids[FAMILY]}","100 Main St, Ste 2, Houston, TX, 77002","Match","Non_Exact",'
        '"100 MAIN ST, HOUSTON, TX, 77002","-95.3632,29.7601","15603245","L"',
        f'"{ids[CARDIO]}","6565 Fannin St, Houston, TX, 77030","Match","Exact",'
        '"6565 FANNIN ST, HOUSTON, TX, 77030","-95.40117,29.70706","15598302","R","48","157","670500","1001"',
        '"999999","1 Nowhere Rd, Houston, TX, 77002","Match","Exact","1 NOWHERE RD","-95.1,29.1","1","L"',
        f'"{ids[NEURO]}","6565 Fannin St, Houston, TX, 77030","No_Match"',
    ]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _loc(project, loc_id):
    return project.conn.execute(
        "SELECT latitude, longitude, geocode_quality, county_fips FROM locations WHERE id = ?", (loc_id,)
    ).fetchone()


def test_census_results_upgrade_locations(project, tmp_path) -> None:
    ids = _roster(project, tmp_path)
    neuro_before = _loc(project, ids[NEURO])
    result = geocode.import_census_geocodes(project, _result_file(tmp_path, ids))
    assert result.upgraded == {"exact": 1, "interpolated": 1}
    assert (result.records, result.no_match, result.tie, result.unknown_ids) == (4, 1, 0, [999999])
    assert _loc(project, ids[FAMILY]) == (29.7601, -95.3632, "interpolated", "48201")
    # The geographies variant names the county: 48 157 is taken as given.
    assert _loc(project, ids[CARDIO]) == (29.70706, -95.40117, "exact", "48157")
    assert _loc(project, ids[NEURO]) == neuro_before
    batch = project.conn.execute(
        "SELECT kind, rows_read, rows_imported FROM import_batches WHERE id = ?", (result.batch_id,)
    )
    assert batch.fetchone() == ("geocodes", 4, 2)
    # The same file again: recognised, nothing changes.
    before = dump(project)
    again = geocode.import_census_geocodes(project, _result_file(tmp_path, ids))
    assert again.already_imported and again.batch_id == result.batch_id
    assert dump(project) == before
    # Those locations no longer need a request.
    assert geocode.write_geocode_request(project, tmp_path / "next.csv").rows == 0


def test_a_result_for_a_changed_address_is_left_alone(project, tmp_path) -> None:
    ids = _roster(project, tmp_path)
    with project.transaction():
        project.conn.execute("UPDATE locations SET address = '7000 Fannin St' WHERE id = ?", (ids[CARDIO],))
    result = geocode.import_census_geocodes(project, _result_file(tmp_path, ids))
    assert result.changed_address == [ids[CARDIO]]
    assert _loc(project, ids[CARDIO])[2] == "zip-centroid"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            '"abc","1 Main St, Houston, TX, 77002","Match","Exact","X","-95.1,29.1","1","L"',
            "column id: got abc",
        ),
        ('"1","1 Main St, Houston, TX, 77002","Matched"', "column match: got Matched"),
        ('"1","1 Main St, Houston, TX, 77002","Match","Perfect","X","-95.1,29.1","1","L"', "got Perfect"),
        (
            '"1","1 Main St, Houston, TX, 77002","Match","Exact","X","29.1","1","L"',
            "expected 'longitude,latitude'",
        ),
        ('"1","1 Main St"', "id, input address and match indicator"),
    ],
)
def test_other_files_are_refused_whole(project, tmp_path, line, message) -> None:
    ids = _roster(project, tmp_path)
    path = tmp_path / "bad.csv"
    good = f'"{ids[CARDIO]}","6565 Fannin St, Houston, TX, 77030","Match","Exact","X","-95.4,29.7","1","L"'
    path.write_text(good + "\n" + line + "\n")
    before = dump(project)
    with pytest.raises(InputFileError) as err:
        geocode.import_census_geocodes(project, path)
    assert message in str(err.value) and "row 2" in str(err.value)
    assert dump(project) == before


def test_an_empty_result_file_is_refused(project, tmp_path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("\n")
    with pytest.raises(InputFileError, match="no records"):
        geocode.import_census_geocodes(project, path)
