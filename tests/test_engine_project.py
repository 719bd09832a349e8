"""Engine against a real project file: stored runs, compare, targeting (milp), what-if and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from blueprint_desktop.cli import main
from blueprint_desktop.demo import npi_with_check_digit
from blueprint_desktop.engine import runs, targeting, whatif
from blueprint_desktop.engine.scoring import score_project
from blueprint_desktop.geo.points import population_points


def test_milp_picks_the_known_minimal_set_where_greedy_does_not():
    # Points U1..U4 weigh 10, 20, 20, 10; all must be covered (needed 60).
    # C0 covers U1,U2 (30); C1 covers U3,U4 (30); C2 covers U2,U3 (40).
    # Greedy takes C2 first (40) and then needs both C0 and C1: 3 picks. The optimum is {C0, C1}.
    cover = csr_matrix(np.array([[1, 1, 0, 0], [0, 0, 1, 1], [0, 1, 1, 0]], dtype=float))
    w = np.array([10, 20, 20, 10.0])
    assert sorted(targeting.greedy_cover(cover, w, 60)) == [0, 1, 2]
    chosen, how = targeting.milp_cover(cover, w, 60)
    assert how == "optimal" and sorted(chosen) == [0, 1]
    chosen, shares, passes, solver = targeting.plan_from_arrays(
        w, np.zeros(4, bool), cover, required_pct=100.0, credit_points=0.0, count_gap=0
    )
    assert sorted(chosen) == [0, 1] and shares == [50.0, 100.0] and passes and solver.startswith("milp")


def test_bed_gap_is_closed_by_beds_not_by_one_candidate_per_bed():
    """Hospitals count beds (HSD Reference File Notes, 040): a 16-bed gap and a share gap are closed by one
    120-bed hospital that covers everyone, not by 16 hospitals. A candidate that reaches no point adds
    nothing to the count (42 CFR 422.116(a)(2)(i))."""
    cover = csr_matrix(np.array([[1, 1], [0, 0], [0, 1]], dtype=float))
    w = np.array([10.0, 10.0])
    beds = np.array([120.0, 500.0, 8.0]) * (np.diff(cover.indptr) > 0)
    chosen, shares, passes, _ = targeting.plan_from_arrays(
        w, np.zeros(2, bool), cover, required_pct=90.0, credit_points=0.0, count_gap=16, count_weights=beds
    )
    assert chosen == [0] and shares == [100.0] and passes
    # Without its beds counted the old rule would have needed 16 picks; with only 8-bed reach it cannot pass.
    chosen, _, passes, _ = targeting.plan_from_arrays(
        w, np.array([True, False]), csr_matrix(np.array([[0, 1]], dtype=float)), 90.0, 0.0, 16,
        count_weights=np.array([8.0]),
    )  # fmt: skip
    assert not passes


def _add_provider(
    project, npi, lat, lon, fips, contract="executed", cred="active", source="roster", line="008"
):
    with project.transaction():
        cur = project.conn.execute(
            "INSERT INTO providers(npi, name, source, contract_status, credentialing_status, panel_status)"
            " VALUES (?,?,?,?,?, 'open')",
            (npi, f"Dr {npi[-3:]}", source, contract, cred),
        )
        pid = cur.lastrowid
        project.conn.execute(
            "INSERT INTO provider_lines(provider_id, line_code, taxonomy_code) VALUES (?,?,?)",
            (pid, line, "207RC0000X"),
        )
        project.conn.execute(
            "INSERT INTO locations(provider_id, county_fips, latitude, longitude, geocode_quality) VALUES (?,?,?,?,'exact')",
            (pid, fips, lat, lon),
        )
    return pid


@pytest.fixture
def scored(project):
    """Fort Bend (48157) cardiology with one contracted office at its most populous point."""
    pts = population_points(["48157"])
    top = pts.sort_values("weight").iloc[-1]
    _add_provider(project, "1000000011", top.lat, top.lon, "48157")
    _add_provider(project, "1000000012", top.lat, top.lon, "48157", contract="loi")
    # Market candidates at every Fort Bend point: together they can cover everyone.
    ids = [
        _add_provider(
            project,
            npi_with_check_digit(f"2{i:08d}"),
            r.lat,
            r.lon,
            "48157",
            contract="none",
            source="market",
        )
        for i, r in enumerate(pts.itertuples())
    ]
    return project, pts, ids


def test_runs_whatif_targets_and_compare(scored):
    project, pts, ids = scored
    run1 = score_project(project, lines=["008"], counties=["48157"])
    [r1] = run1.results
    assert r1.line_code == "008" and r1.county_fips == "48157"
    # One office counts (the LOI at the same spot does not); minimum is >= 1, so count 1 of min.
    assert r1.credited_count == 1
    assert r1.status == "Failing"  # one office cannot put 90% of a whole county within 30 min / 20 mi
    assert runs.latest_results(project)[0]["status"] == "Failing"

    plan = targeting.recruitment_targets(project, "48157", "008")
    assert plan.reaches_pass and plan.solver.startswith("milp")
    assert plan.share_after_each == sorted(plan.share_after_each)
    assert plan.share_after_each[-1] >= plan.required_pct
    assert project.conn.execute("SELECT count(*) FROM target_plans").fetchone()[0] == 1

    chosen = [c.provider_id for c in plan.chosen]
    after = whatif.rescore_with(project, "48157", "008", chosen)
    assert after.pct_within == pytest.approx(plan.share_after_each[-1], abs=0.01)
    assert after.status in ("Pass", "At Risk")
    assert after.credited_count == 1 + len(chosen)

    # Sign them for real and re-score: the comparison names the flip and why.
    with project.transaction():
        project.conn.executemany(
            "UPDATE providers SET source='roster', contract_status='executed', credentialing_status='active'"
            " WHERE id = ?",
            [(i,) for i in chosen],
        )
    run2 = score_project(project, lines=["008"], counties=["48157"])
    cmp = runs.compare_runs(project, run1.run_id, run2.run_id)
    assert "providers" in cmp["changed_inputs"] and "standards" not in cmp["changed_inputs"]
    [flip] = cmp["flipped"]
    assert flip["from"] == "Failing" and flip["to"] == run2.results[0].status
    assert any("share within standard" in w for w in flip["why"])


def test_cli_score_json_and_table(project_path, capsys, tmp_path):
    from blueprint_desktop.store import open_project

    with open_project(project_path) as project:
        _add_provider(project, "1000000011", 29.76, -95.37, "48201")
    out = tmp_path / "score.json"
    assert main(["score", str(project_path), "--lines", "008,S03", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert {(d["county_fips"], d["line_code"]) for d in data} == {
        ("48157", "008"),
        ("48157", "S03"),
        ("48201", "008"),
        ("48201", "S03"),
    }
    assert all(d["estimated_time"] for d in data)
    assert {d["status"] for d in data} <= {"Pass", "At Risk", "Failing"}
    assert main(["score", str(project_path), "--lines", "008"]) == 0
    assert "48201  008" in capsys.readouterr().out
    assert main(["runs", str(project_path), "--compare", "1", "2", "--json"]) == 0
    assert main(["score", str(project_path), "--lines", "999"]) == 2


def test_counties_flipped_matches_a_brute_force_check(project):
    """Contracted offices sit at the Fort Bend points farther than some distance from its most populous
    point; candidates sit at every point. A candidate flips the county alone exactly when the people it
    brings within reach close the share gap: checked against a plain haversine evaluation."""
    from blueprint_desktop.engine.travel_time import reach_miles
    from blueprint_desktop.geo.distance import haversine_miles
    from blueprint_desktop.rules.standards import standards_for_county

    pts = population_points(["48157"])
    std = standards_for_county(project, "48157")
    line = std.lines["008"]
    radius = reach_miles(line.max_minutes, line.max_miles, std.designation)
    lat, lon, w = pts.lat.to_numpy(), pts.lon.to_numpy(), pts.weight.to_numpy(float)
    top = pts.sort_values("weight").iloc[-1]
    from_top = haversine_miles(lat, lon, top.lat, top.lon)

    def brute_force(far):
        covered = np.zeros(len(pts), dtype=bool)
        for k in np.flatnonzero(far):
            covered |= haversine_miles(lat, lon, lat[k], lon[k]) <= radius
        share = lambda c: w[c].sum() / w.sum() * 100  # noqa: E731
        flips = {
            k
            for k in range(len(pts))
            if share(covered | (haversine_miles(lat, lon, lat[k], lon[k]) <= radius)) + 1e-9
            >= line.required_pct
        }
        return share(covered), flips

    # The first layout that fails on share alone (enough offices) and that one signature can fix.
    for f in np.linspace(1.6, 0.1, 31):
        far = from_top > f * radius
        share_now, flips = brute_force(far)
        if far.sum() >= 8 and share_now < line.required_pct and flips:
            break
    else:
        pytest.fail("no layout of Fort Bend points gives a single-signature fix")
    for i, k in enumerate(np.flatnonzero(far)):
        _add_provider(project, f"10000{i:05d}", lat[k], lon[k], "48157")
    cand = {
        _add_provider(project, f"20000{k:05d}", lat[k], lon[k], "48157", contract="none", source="market"): k
        for k in range(len(pts))
    }
    [before] = score_project(project, lines=["008"], counties=["48157"]).results
    assert before.status == "Failing" and before.credited_count >= before.min_count

    plan = targeting.recruitment_targets(project, "48157", "008", top=10_000, save=False)
    got = {cand[c.provider_id] for c in plan.candidates if "48157" in c.counties_flipped}
    assert got == flips


def test_exception_viability_counts_outreach_in_force(scored):
    """Candidates within reach without documented outreach make an exception weak; documenting every
    one of them (entries in the append-only outreach log) makes it possible."""
    from blueprint_desktop.deficiency.outreach import add_entry
    from blueprint_desktop.engine.exceptions import exception_viability

    project, _pts, _ids = scored
    score_project(project, lines=["008"], counties=["48157"])
    before = exception_viability(project, "48157", "008")
    assert before.verdict == "Weak" and before.outreach_documented == 0 and before.candidates_in_reach > 0
    plan = targeting.recruitment_targets(project, "48157", "008", top=10_000, save=False)
    in_reach = [c.npi for c in plan.candidates if c.new_weight > 0]
    for npi in in_reach:
        add_entry(project, npi, "phone", "declined", "R. Ortiz", reason="panel full")
    after = exception_viability(project, "48157", "008")
    assert after.outreach_documented == after.candidates_in_reach == len(in_reach)
    assert after.verdict == "Possible"


def test_a_one_cell_rescore_overlays_the_full_run(scored):
    """A full run, then a one-cell run: every cell keeps a score, the one cell from the newer run."""
    project, pts, ids = scored
    full = score_project(project, lines=["008", "007"])
    assert len(full.results) == 4  # Harris and Fort Bend x 2 lines
    # Sign one of the market candidates in Fort Bend, then re-score that cell only (cure --rescore does).
    with project.transaction():
        project.conn.execute(
            "UPDATE providers SET contract_status = 'executed', source = 'roster' WHERE id = ?", (ids[0],)
        )
    one = score_project(project, lines=["008"], counties=["48157"])
    assert one.run_id > full.run_id and len(one.results) == 1
    newest = runs.newest_per_cell(project)
    assert runs.latest_results(project) == newest
    assert [(r["county_fips"], r["line_code"]) for r in newest] == [
        ("48157", "007"),
        ("48157", "008"),
        ("48201", "007"),
        ("48201", "008"),
    ]
    by_cell = {(r["county_fips"], r["line_code"]): r for r in newest}
    assert by_cell[("48157", "008")]["run_id"] == one.run_id
    assert by_cell[("48157", "008")]["credited_count"] == one.results[0].credited_count
    assert by_cell[("48157", "008")]["credited_count"] > full_cell(full, "48157", "008").credited_count
    assert {k: r["run_id"] for k, r in by_cell.items() if k != ("48157", "008")} == {
        k: full.run_id for k in by_cell if k != ("48157", "008")
    }
    assert all(r["run_started_at"] for r in newest)
    # The view as of the full run, one cell, and a cell never scored.
    assert {r["run_id"] for r in runs.newest_per_cell(project, up_to_run=full.run_id)} == {full.run_id}
    assert [r["run_id"] for r in runs.newest_per_cell(project, cells=[("48157", "008")])] == [one.run_id]
    assert runs.newest_cell(project, "48157", "008")["run_id"] == one.run_id
    assert runs.newest_cell(project, "48157", "008", up_to_run=full.run_id)["run_id"] == full.run_id
    assert runs.newest_cell(project, "48157", "011") is None
    # The run itself still holds exactly what it scored.
    assert len(runs.run_results(project, one.run_id)) == 1


def full_cell(run, fips, line):
    return next(r for r in run.results if (r.county_fips, r.line_code) == (fips, line))
