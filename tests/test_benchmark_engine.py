"""A benchmark network scores with our engine on our inputs, compares side by side, lists the providers we
lack, ranks first in targeting, and exports to Excel and the command line."""

from __future__ import annotations

import json

import pytest
from benchmark_files import demo_rows, plannet_resources, tic_with_npis, write_plannet_bundle
from map_scenario import open_demo_copy

from blueprint_desktop.cli import main
from blueprint_desktop.data.benchmark_store import import_benchmark
from blueprint_desktop.engine import benchmark as bm
from blueprint_desktop.engine.scoring import compute_results, credited_locations, gather_inputs
from blueprint_desktop.engine.targeting import recruitment_targets

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def demo(tmp_path_factory, tmp_path):
    project = open_demo_copy(tmp_path_factory, tmp_path)
    yield project
    project.close()


def _our_network_as_plannet(project, line: str) -> list[dict]:
    """Our credited locations of one line as a competitor's directory would list them."""
    cred = credited_locations(gather_inputs(project, [line]))
    ids = [int(i) for i in cred[cred.line_code == line].location_id]
    rows = project.conn.execute(
        "SELECT p.npi, p.name, p.entity_type, pl.taxonomy_code, pl.line_code, l.address, l.city, l.state, l.zip,"
        f" l.latitude, l.longitude FROM locations l JOIN providers p ON p.id = l.provider_id JOIN provider_lines pl"
        f" ON pl.provider_id = p.id AND pl.line_code = ? WHERE l.id IN ({','.join('?' * len(ids))})",
        (line, *ids),
    ).fetchall()
    keys = ["npi", "name", "entity", "taxonomy", "line", "address", "city", "state", "zip", "lat", "lon"]
    return [dict(zip(keys, r, strict=True)) for r in rows]


def test_a_competitor_with_our_own_providers_scores_exactly_as_we_do(demo, tmp_path):
    rows = _our_network_as_plannet(demo, "008")
    assert len(rows) > 50
    bundle = write_plannet_bundle(tmp_path / "mirror.json", plannet_resources(rows))
    net = import_benchmark(demo, bundle, "plannet", name="Mirror").network_id
    cells = bm.compare(demo, net, lines=["008"])
    assert len(cells) == len(demo.service_area())
    for c in cells:
        assert c.theirs_pct == pytest.approx(c.ours_pct), c
        assert c.theirs_count == c.ours_count, c
    # score_benchmark is the same engine on the same inputs: its results are the "theirs" side.
    theirs = {r.county_fips: r for r in bm.score_benchmark(demo, net, lines=["008"])}
    assert {c.county_fips: c.theirs_pct for c in cells} == {
        f: round(r.pct_within, 2) for f, r in theirs.items()
    }
    # Nothing was stored as our run.
    assert demo.conn.execute("SELECT count(*) FROM run_results WHERE line_code = '008'").fetchone()[0] == len(
        cells
    )


def test_compare_shows_where_they_pass_and_we_fail_and_what_we_lack(demo, tmp_path):
    # A rival with every market allergist (007): the rural counties we fail on 007 they may pass.
    inputs = gather_inputs(demo, ["007"])
    ours = {r.county_fips: r for r in compute_results(inputs, "straight")}
    failing = [f for f, r in ours.items() if r.status == "Failing"]
    assert failing
    market = demo_rows(demo, "market", ("007",), 500)
    roster = _our_network_as_plannet(demo, "007")
    bundle = write_plannet_bundle(tmp_path / "rival.json", plannet_resources(market + roster))
    net = import_benchmark(demo, bundle, "plannet", name="Rival").network_id
    cells = {c.county_fips: c for c in bm.compare(demo, net, lines=["007"])}
    for f in failing:
        assert cells[f].ours_status == "Failing"
        assert cells[f].theirs_pct >= cells[f].ours_pct  # they hold all of ours and more
    assert any(c.verdict == "they pass where we do not" for c in cells.values())

    lack = bm.providers_we_lack(demo, net, line="007")
    ours_npis = {r["npi"] for r in roster}
    assert lack and {x.npi for x in lack} == {r["npi"] for r in market} - ours_npis
    assert all(x.in_market and x.networks == ["Rival"] for x in lack)
    miles = [x.miles_to_gap for x in lack if x.miles_to_gap is not None]
    assert miles == sorted(miles)  # nearest the gap first
    one = failing[0]
    assert all(one in (x.county_fips, x.gap_county) for x in bm.providers_we_lack(demo, net, "007", one))


def test_targeting_ranks_a_competitors_provider_first(demo, tmp_path):
    plan = recruitment_targets(demo, "48039", "007", save=False)
    helping = [c for c in plan.candidates if c.new_weight > 0]
    assert len(helping) >= 2 and not any(c.competitor_networks for c in plan.candidates)
    chosen = helping[-1]  # the one that brings the fewest people: last without the flag
    path = tic_with_npis(
        "in-network-rates-no-npi.json", {"1111111111": chosen.npi}, tmp_path / "rival-tic.json"
    )
    import_benchmark(demo, path, "tic", name="Rival MA")
    again = recruitment_targets(demo, "48039", "007", save=False)
    assert again.candidates[0].npi == chosen.npi
    assert again.candidates[0].competitor_networks == ["Rival MA"]
    # The rest keep their order by the people they bring.
    rest = [c.new_weight for c in again.candidates[1:]]
    assert rest == sorted(rest, reverse=True)


def demo_cells(path: str) -> list[tuple]:
    from blueprint_desktop.store import open_project

    with open_project(path, read_only=True) as project:
        return [r for r in project.conn.execute("SELECT DISTINCT county_fips, line_code FROM run_results")]


def test_cli_import_list_compare_lack_and_excel(demo, tmp_path, capsys):
    rows = demo_rows(demo, "market", ("007",), 300)
    bundle = write_plannet_bundle(tmp_path / "rival.json", plannet_resources(rows))
    name = json.dumps(rows[0]["name"])
    text = bundle.read_text()
    assert f'"text": {name}' in text
    bundle.write_text(text.replace(f'"text": {name}', '"text": "=HYPERLINK(\\"http://x\\")"', 1))
    path = str(demo.path)
    demo.close()
    assert (
        main(["import", "benchmark", path, str(bundle), "--format", "plannet", "--name", "Rival", "--json"])
        == 0
    )
    imported = json.loads(capsys.readouterr().out)
    assert imported["providers"] == len({r["npi"] for r in rows})
    assert main(["benchmark", "list", path, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["name"] == "Rival"
    assert main(["benchmark", "compare", path, "Rival", "--line", "007", "--json"]) == 0
    cells = json.loads(capsys.readouterr().out)["cells"]
    assert {c["line_code"] for c in cells} == {"007"} and all("theirs_status" in c for c in cells)
    assert main(["benchmark", "lack", path, "Rival", "--line", "007"]) == 0
    assert "not credited in our network" in capsys.readouterr().out
    out = tmp_path / "side.xlsx"
    assert main(["export", "benchmark", path, "Rival", str(out)]) == 0
    from openpyxl import load_workbook

    wb = load_workbook(out)
    assert wb.sheetnames == ["Side by side", "Providers we lack", "Basis"]
    ws = wb["Side by side"]
    side = list(ws.values)
    assert side[0][6] == "Our status" and side[0][9] == "Their status"
    assert len(side) - 1 == len(demo_cells(path)) > len(cells)  # every county x line, not only 007
    from blueprint_desktop.status_colors import status_tint

    for k, row in enumerate(side[1:], start=2):
        assert ws.cell(row=k, column=10).fill.fgColor.rgb[-6:] == status_tint(row[9]).lstrip("#").upper()
    names = [r[1] for r in list(wb["Providers we lack"].values)[1:]]
    assert '\'=HYPERLINK("http://x")' in names  # formula-leading text neutralised
    assert not any(str(n).startswith("=") for n in names)
    assert main(["benchmark", "delete", path, "Rival"]) == 0
    assert main(["benchmark", "compare", path, "Rival"]) == 2
