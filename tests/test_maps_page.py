"""The offline map page, headless: what it draws, in which colours, and that it loads nothing online."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from map_scenario import open_demo_copy, page_payload

from blueprint_desktop.demo import SERVICE_AREA, npi_with_check_digit
from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.maps import assets
from blueprint_desktop.maps.map_page import QWEBCHANNEL_JS, TileSource, build_map_html
from blueprint_desktop.status_colors import NO_RESULT_COLOR, STATUS_COLORS
from blueprint_desktop.store.project import utc_now

# Every way a page can make the browser fetch something.
LOAD_PATTERNS = [
    re.compile(r"<script[^>]*\bsrc\s*=\s*[\"']([^\"']+)", re.I),
    re.compile(r"<link[^>]*\bhref\s*=\s*[\"']([^\"']+)", re.I),
    re.compile(r"<img[^>]*\bsrc\s*=\s*[\"']([^\"']+)", re.I),
    re.compile(r"url\(\s*[\"']?([^\"')]+)", re.I),
    re.compile(r"@import\s+[\"']([^\"']+)", re.I),
]


@pytest.fixture
def demo(tmp_path_factory, tmp_path):
    project = open_demo_copy(tmp_path_factory, tmp_path)
    yield project
    project.close()


def _loads(text: str) -> list[str]:
    return [m for pattern in LOAD_PATTERNS for m in pattern.findall(text)]


def _result(fips: str, status: str, pct: float, required: float, count: int, minimum: int) -> dict:
    return {
        "county_fips": fips,
        "line_code": "008",
        "line_name": "Cardiology",
        "status": status,
        "pct_within": pct,
        "required_pct": required,
        "p90_minutes": 41.0,
        "p90_miles": 27.5,
        "credited_count": count,
        "min_count": minimum,
        "estimated_time": True,
        "detail": {"max_minutes": 20, "max_miles": 10, "counts_beds": False, "method": "straight"},
    }


def test_assets_come_from_the_xstatic_packages(tmp_path, monkeypatch) -> None:
    import xstatic.pkg.leaflet as xleaflet

    found = assets.write_assets(tmp_path)
    for rel in (found.leaflet_js, found.leaflet_css, found.jquery_js):
        assert (tmp_path / rel).stat().st_size > 10_000
    assert (tmp_path / "vendor/images/layers.png").is_file()
    assert found.leaflet_version == xleaflet.VERSION
    assert "Leaflet" in (tmp_path / found.leaflet_js).read_text(encoding="utf-8")[:400]
    # A broken install is a one-line error naming the package, not a blank map.
    monkeypatch.setattr(xleaflet, "BASE_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(BlueprintError, match="xstatic-leaflet"):
        assets.write_assets(tmp_path / "other")


def test_counties_are_coloured_by_the_given_results(project, tmp_path) -> None:
    # Hand-made results: Harris passes, Fort Bend fails cardiology.
    results = [_result("48201", "Pass", 99.2, 90.0, 40, 14), _result("48157", "Failing", 72.5, 90.0, 3, 5)]
    path = build_map_html(project, "008", results, out_dir=tmp_path)
    data = page_payload(path.read_text(encoding="utf-8"))
    props = {f["properties"]["fips"]: f["properties"] for f in data["counties"]["features"]}
    assert set(props) == {"48201", "48157"}
    assert props["48201"]["color"] == STATUS_COLORS["Pass"] == "#2e7d32"
    assert props["48157"]["color"] == STATUS_COLORS["Failing"] == "#c62828"
    assert props["48157"]["gap"] is True and props["48201"]["gap"] is False
    tip = props["48157"]["tip"]
    assert "Fort Bend, TX" in tip and "Failing" in tip
    assert "72.5%</b> of people (90% required)" in tip
    assert "41 min / 27.5 mi (standard 20 min / 10 mi)" in tip
    assert "Credited providers: <b>3</b> (minimum 5)" in tip
    assert "Pass<span class='bp-n'>1</span>" in data["legend"]
    assert "Failing<span class='bp-n'>1</span>" in data["legend"]
    # Nothing was recruited for: the project has no providers.
    assert data["candidates"] == [] and data["contracted"] == []
    # A county without a result for the line is grey, not green.
    path = build_map_html(project, "008", results[:1], out_dir=tmp_path, file_name="one.html")
    props = {
        f["properties"]["fips"]: f["properties"]
        for f in page_payload(path.read_text())["counties"]["features"]
    }
    assert props["48157"]["color"] == NO_RESULT_COLOR and "no result" in props["48157"]["tip"]


def test_demo_failing_line_draws_every_county_and_ranked_candidates(demo, tmp_path) -> None:
    from blueprint_desktop.engine.runs import latest_results
    from blueprint_desktop.engine.targeting import recruitment_targets

    path = build_map_html(demo, "007", out_dir=tmp_path)  # results=None: the latest run
    data = page_payload(path.read_text(encoding="utf-8"))
    props = {f["properties"]["fips"]: f["properties"] for f in data["counties"]["features"]}
    assert set(props) == set(SERVICE_AREA)
    latest = {r["county_fips"]: r["status"] for r in latest_results(demo) if r["line_code"] == "007"}
    for fips, p in props.items():
        assert p["color"] == STATUS_COLORS[latest[fips]], fips
    # The demo's allergists practise only in the core: Brazoria and Galveston fail, and so do Walker and
    # Waller, which CMS designates Metro (HSD Reference File 2026: 45 min / 30 mi for 007), measured on the
    # beneficiary sample (geo/sample.py), whose points reach the far corners of those counties.
    assert {f for f, p in props.items() if p["gap"]} == {"48039", "48167", "48471", "48473"}
    assert len(data["contracted"]) > 50
    cands = data["candidates"]
    assert 0 < len(cands) <= 200
    radii = [c["r"] for c in cands]
    assert radii == sorted(radii, reverse=True)  # biggest first, so small ones are drawn on top
    assert radii[0] == pytest.approx(18.0)  # the largest gain gets the largest circle
    # The biggest marker is the candidate the recruitment planner ranks first in Brazoria.
    plan = recruitment_targets(demo, "48039", "007", save=False)
    assert cands[0]["id"] == plan.candidates[0].provider_id
    assert f"{plan.candidates[0].new_weight:,.0f} people aged 65+" in cands[0]["popup"]
    assert "Add to targets" not in cands[0]["popup"]  # no bridge: a plain page has no app to add to
    # A cap is said in the legend.
    capped = page_payload(build_map_html(demo, "007", out_dir=tmp_path, max_candidates=3).read_text())
    assert len(capped["candidates"]) == 3
    assert f"Showing the top 3 of {len(cands)} candidates" in capped["legend"]


def test_candidate_gain_matches_a_brute_force_count(demo, tmp_path) -> None:
    """A market allergist dropped in the middle of Brazoria brings exactly the uncovered people within
    reach; one in Dallas reaches no gap county and is not drawn."""
    from blueprint_desktop.engine.credited import credited_mask, load_locations
    from blueprint_desktop.engine.travel_time import reach_miles
    from blueprint_desktop.geo.counties import load_counties
    from blueprint_desktop.geo.distance import haversine_miles
    from blueprint_desktop.geo.points import population_points
    from blueprint_desktop.rules.standards import standards_for_county

    brazoria = load_counties().loc["48039"]
    spots = {
        "brazoria": (float(brazoria.lat), float(brazoria.lon), "48039"),
        "dallas": (32.78, -96.80, "48113"),
    }
    ids = {}
    with demo.transaction():
        for k, (key, (lat, lon, county)) in enumerate(spots.items()):
            cur = demo.conn.execute(
                "INSERT INTO providers(npi, name, source, contract_status, updated_at) VALUES (?,?,?,?,?)",
                (npi_with_check_digit(f"97000000{k}"), f"Test {key}", "market", "none", utc_now()),
            )
            ids[key] = int(cur.lastrowid)
            demo.conn.execute(
                "INSERT INTO provider_lines(provider_id, line_code, taxonomy_code) VALUES (?, '007', '207K00000X')",
                (ids[key],),
            )
            demo.conn.execute(
                "INSERT INTO locations(provider_id, county_fips, latitude, longitude, geocode_quality)"
                " VALUES (?,?,?,?, 'exact')",
                (ids[key], county, lat, lon),
            )
    data = page_payload(build_map_html(demo, "007", out_dir=tmp_path).read_text(encoding="utf-8"))
    by_id = {c["id"]: c for c in data["candidates"]}
    assert ids["dallas"] not in by_id
    assert ids["brazoria"] in by_id

    # Brute force: every Brazoria point, its distance to every credited allergist and to the candidate.
    std = standards_for_county(demo, "48039")
    radius = reach_miles(std.lines["007"].max_minutes, std.lines["007"].max_miles, std.designation)
    pts = population_points(["48039"], demo)
    locs = load_locations(demo)
    cred = locs[credited_mask(locs) & (locs.line_code == "007").to_numpy()]
    plat, plon = pts.lat.to_numpy()[:, None], pts.lon.to_numpy()[:, None]
    nearest = haversine_miles(plat, plon, cred.lat.to_numpy()[None, :], cred.lon.to_numpy()[None, :]).min(
        axis=1
    )
    to_cand = haversine_miles(
        pts.lat.to_numpy(), pts.lon.to_numpy(), spots["brazoria"][0], spots["brazoria"][1]
    )
    gained = pts.weight.to_numpy()[(nearest > radius) & (to_cand <= radius)].sum()
    assert gained > 0
    expected = f"{gained:,.0f} people aged 65+"
    assert expected in by_id[ids["brazoria"]]["popup"]
    share = np.round(gained / pts.weight.sum() * 100, 1)
    assert f"Brazoria +{share:.1f} pts" in by_id[ids["brazoria"]]["popup"]


def test_targets_are_highlighted_and_leave_the_candidate_list(demo, tmp_path) -> None:
    first = page_payload(build_map_html(demo, "007", out_dir=tmp_path).read_text())["candidates"]
    top, runner_up = first[0]["id"], first[1]["id"]
    data = page_payload(build_map_html(demo, "007", targets=[top], out_dir=tmp_path, bridge=True).read_text())
    assert [t["id"] for t in data["targets"]] == [top]
    assert "assumed signed" in data["targets"][0]["popup"]
    assert "Add to targets" not in data["targets"][0]["popup"]
    assert top not in {c["id"] for c in data["candidates"]}
    assert "What-if target, assumed signed<span class='bp-n'>1</span>" in data["legend"]
    # With the bridge, candidates offer the button that reaches the app.
    assert f"bp.addTarget({runner_up})" in next(
        c["popup"] for c in data["candidates"] if c["id"] == runner_up
    )


def test_page_loads_nothing_from_the_network(demo, tmp_path) -> None:
    for bridge in (False, True):
        path = build_map_html(demo, "040", out_dir=tmp_path, bridge=bridge, file_name=f"b{bridge}.html")
        html = path.read_text(encoding="utf-8")
        # Our page holds no web address at all (not even a link), so nothing can reach out.
        assert "http://" not in html and "https://" not in html
        loads = _loads(html)
        assert any(u.endswith("vendor/leaflet.js") for u in loads)
        assert (QWEBCHANNEL_JS in loads) is bridge
        for url in loads:
            if url == QWEBCHANNEL_JS:
                continue
            assert not re.match(r"^[a-z][a-z0-9+.-]*:", url, re.I), url  # relative paths only
            assert (path.parent / url).is_file(), url
        assert page_payload(html)["tiles"] is None  # no tile layer unless the user opts in
    # Every stylesheet the page loads refers only to local files (leaflet.css: images/...).
    css_loads = _loads((tmp_path / "vendor/leaflet.css").read_text(encoding="utf-8"))
    assert css_loads, "leaflet.css should refer to its images"
    for url in css_loads:
        assert not re.match(r"^(https?:)?//", url), url
        if url.startswith("#"):
            continue  # `behavior: url(#default#VML)`: an old-IE fragment reference, not a load
        assert (tmp_path / "vendor" / url).is_file(), url


def test_online_tiles_only_when_asked(demo, tmp_path) -> None:
    tiles = TileSource("https://tiles.example.org/{z}/{x}/{y}.png", "Example tiles")
    data = page_payload(build_map_html(demo, "007", out_dir=tmp_path, tiles=tiles).read_text())
    assert data["tiles"] == {"url": tiles.url, "attribution": "Example tiles"}


def test_service_area_alone_and_empty_project(demo, project, tmp_path) -> None:
    data = page_payload(build_map_html(demo, None, out_dir=tmp_path).read_text())
    assert {f["properties"]["fips"] for f in data["counties"]["features"]} == set(SERVICE_AREA)
    assert data["candidates"] == [] and data["contracted"] == []
    assert "Service area" in data["legend"]
    assert data["context"]["features"], "neighbouring counties are drawn for orientation"
    assert not {f["properties"]["fips"] for f in data["context"]["features"]} & set(SERVICE_AREA)
    # Never scored: every county grey and the legend says why.
    data = page_payload(build_map_html(project, "008", out_dir=tmp_path / "p").read_text())
    assert {f["properties"]["color"] for f in data["counties"]["features"]} == {NO_RESULT_COLOR}
    assert "no scoring run yet" in data["legend"]
    with project.transaction():
        project.conn.execute("DELETE FROM service_area")
    with pytest.raises(BlueprintError, match="service area is empty"):
        build_map_html(project, "008", out_dir=tmp_path / "e")


def test_default_out_dir_is_a_fresh_temporary_folder(demo) -> None:
    path = build_map_html(demo, "007")
    try:
        assert path.is_file() and (path.parent / "vendor/leaflet.js").is_file()
    finally:
        import shutil

        shutil.rmtree(path.parent)
    assert not Path(path).exists()


def test_towns_label_the_larger_places_of_each_county(demo, tmp_path) -> None:
    """Town labels come from the bundled places table: each county's largest place always, more of
    them from higher zooms; a city reaching into a neighbour (Katy, Spring) is labelled once."""
    from blueprint_desktop.maps.places import load_places, town_labels

    data = page_payload(build_map_html(demo, "007", out_dir=tmp_path).read_text(encoding="utf-8"))
    towns = data["towns"]
    assert towns == town_labels(sorted(SERVICE_AREA))
    names = [t["text"] for t in towns]
    assert len(names) == len(set(names))
    always = {t["text"] for t in towns if t["minZoom"] == 0}
    # The largest place of each of the 12 counties (USPS city of its ZIP areas, population summed).
    assert always == {
        "Houston", "Richmond", "Conroe", "Pearland", "League City", "Huntsville", "Cleveland",
        "Navasota", "Brookshire", "Sealy", "Coldspring", "Winnie",
    }  # fmt: skip
    assert {"Katy", "Sugar Land", "Galveston", "Baytown", "Pasadena"} <= set(names)
    houston = next(t for t in towns if t["text"] == "Houston")
    assert houston["size"] == "big" and houston["pop"] > 2_000_000
    assert 29.6 < houston["lat"] < 30.0 and -95.6 < houston["lon"] < -95.2
    zooms = [t["minZoom"] for t in towns]
    assert zooms == sorted(zooms)  # drawn (and so kept in a collision) in order of importance
    places = load_places()
    assert {"state", "city", "county_fips", "lat", "lon", "population"} <= set(places.columns)
    assert town_labels(["48201"], places.iloc[0:0]) == []  # no table (an old build): no labels


def test_view_and_legend_state_travel_with_the_page(demo, tmp_path) -> None:
    view = {"lat": 29.9, "lon": -95.4, "zoom": 10.5, "legend": "folded"}
    data = page_payload(build_map_html(demo, "007", out_dir=tmp_path, view=view).read_text())
    assert data["view"] == view
