"""The demo reads like a real network: towns of the ZIP, varied people with their licences, facilities
named like facilities; and none of that moves a score (names have their own generator)."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from map_scenario import demo_source

from blueprint_desktop import demo as demo_module
from blueprint_desktop.store import open_project

CREDIT_CASE_NAMES = {"Bayou Children's Hospital"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    project = open_project(demo_source(tmp_path_factory), read_only=True)
    yield project
    project.close()


def _full_name(name: str) -> str:
    """'Maria L. Garcia, MD' -> 'Maria Garcia' (a middle initial or credential makes no new person)."""
    person = name.split(",")[0]
    return " ".join(w for w in person.split() if not re.fullmatch(r"[A-Z]\.", w))


def test_names_do_not_move_a_score(demo) -> None:
    """The placement generator makes the same draws as before names had their own generator."""
    from blueprint_desktop.engine.runs import latest_results

    results = latest_results(demo)
    assert Counter(r["status"] for r in results) == {"Pass": 436, "At Risk": 9, "Failing": 71}
    assert sum(int(r["credited_count"] or 0) for r in results) == 85_722
    cell = {(r["county_fips"], r["line_code"]): r for r in results}
    assert cell[("48201", "040")]["pct_within"] == pytest.approx(81.4, abs=0.05)
    assert cell[("48471", "040")]["pct_within"] == pytest.approx(1.1, abs=0.05)
    assert cell[("48471", "040")]["credited_count"] == 439
    assert demo.get_meta("demo_version") == demo_module.DEMO_VERSION


def test_city_is_the_town_of_the_zip_not_the_county(demo) -> None:
    from blueprint_desktop.geo.counties import load_counties
    from blueprint_desktop.geo.zips import load_zip_centroids

    zip_city = load_zip_centroids().city
    county_name = load_counties().name
    rows = demo.conn.execute("SELECT city, zip, county_fips FROM locations").fetchall()
    assert rows
    for city, zip5, fips in rows:
        # A city may share its county's name only when the ZIP's town really has it (Liberty, Galveston).
        assert city == zip_city[zip5], (city, zip5)
        if city == county_name[fips]:
            assert zip_city[zip5] == county_name[fips]
    cities = Counter(city for city, _, _ in rows)
    assert len(cities) >= 40
    assert {"Houston", "Katy", "Sugar Land", "Conroe", "Pearland", "Huntsville", "Baytown"} <= set(cities)
    same_as_county = sum(
        n for c, n in cities.items() if c in set(county_name[list(demo_module.SERVICE_AREA)])
    )
    assert same_as_county < 0.05 * len(rows)


def test_people_are_varied_and_carry_their_licence(demo) -> None:
    rows = demo.conn.execute(
        "SELECT p.name, p.source, pl.line_code FROM providers p JOIN provider_lines pl ON pl.provider_id = p.id"
        " WHERE p.entity_type = 'individual'"
    ).fetchall()
    people = {(name, source) for name, source, _ in rows}
    for source in ("roster", "market"):
        names = [_full_name(n) for n, s in people if s == source]
        repeats = len(names) - len(set(names))
        assert repeats < 0.01 * len(names), (source, Counter(names).most_common(3))
    all_names = [_full_name(n) for n, _ in people]
    assert len(set(all_names)) > 0.99 * len(all_names)
    assert len({n.split()[-1] for n in all_names}) > 300  # many surnames, not forty
    assert any(re.search(r" [A-Z]\. ", n) for n, _ in people)  # some middle initials
    expected = {"010": {"DC"}, "028": {"DPM"}, "036": {"PhD", "PsyD"}, "037": {"LCSW", "LCSW-S"}}
    credentials: dict[str, set[str]] = {}
    for name, _, line in rows:
        credentials.setdefault(line, set()).add(name.rsplit(", ", 1)[1])
    for line, creds in credentials.items():
        if line in expected:
            assert creds == expected[line], line
        elif line == "006":
            assert creds == {"NP"}  # the credit-rule cases: nurse practitioners on primary care
        else:
            assert creds <= {"MD", "DO"}, line  # physicians
    assert credentials["S03"] == {"MD", "DO"} and credentials["008"] == {"MD", "DO"}


def test_facilities_are_named_like_facilities(demo) -> None:
    rows = demo.conn.execute(
        "SELECT p.name, pl.line_code FROM providers p JOIN provider_lines pl ON pl.provider_id = p.id"
        " WHERE p.entity_type = 'organization'"
    ).fetchall()
    assert rows
    for name, line in rows:
        if name in CREDIT_CASE_NAMES:
            continue
        assert name.endswith(demo_module.FACILITY_WORDS[line]), (name, line)
        assert not name.endswith(" Group")
    names = [n for n, _ in rows]
    assert len(set(names)) > 0.95 * len(names)
    # Named after towns, not counties: most carry a town of the service area.
    towns = {"Houston", "Conroe", "Katy", "Sugar Land", "Pearland", "Huntsville", "Galveston", "Baytown"}
    assert sum(any(t in n for t in towns) for n in names) > 0.3 * len(names)


def test_addresses_use_streets_of_their_county(demo) -> None:
    rows = demo.conn.execute("SELECT address, county_fips FROM locations").fetchall()
    for address, fips in rows:
        number, street = address.split(" ", 1)
        assert number.isdigit()
        allowed = demo_module.STREETS.get(fips, demo_module.GENERIC_STREETS).split("|")
        assert street in allowed, (address, fips)
