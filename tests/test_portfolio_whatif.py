"""The portfolio what-if (candidates assumed signed across the whole service area) and the recruit table's
contact columns, on the demo project."""

from __future__ import annotations

import pytest
from gui_support import demo_copy

from blueprint_desktop.engine import runs, targeting, whatif
from blueprint_desktop.engine.credited import candidate_mask, load_locations
from blueprint_desktop.store import open_project


@pytest.fixture
def demo(tmp_path):
    project = open_project(demo_copy(tmp_path))
    yield project
    project.close()


def two_flippers(project) -> list[tuple[int, str, str]]:
    """Two candidates that each make a different Failing county pass alone: (provider id, county, line)."""
    failing: dict[str, list[str]] = {}
    for r in runs.latest_results(project):
        if r["status"] == "Failing":
            failing.setdefault(r["line_code"], []).append(r["county_fips"])
    locs = load_locations(project)
    cand = locs[candidate_mask(locs)]
    picked: list[tuple[int, str, str]] = []
    for line in sorted(failing):
        flips = targeting.counties_flipped(project, line, cand[cand.line_code == line])
        for pid, counties in sorted(flips.items()):
            taken = {c for _p, c, _l in picked}
            fresh = [c for c in counties if c not in taken]
            if fresh:
                picked.append((pid, fresh[0], line))
                break
        if len(picked) == 2:
            return picked
    pytest.fail(f"the demo has no two candidates flipping different counties (found {picked})")


def test_portfolio_whatif_flips_two_counties_and_stores_nothing(demo) -> None:
    (a, county_a, line_a), (b, county_b, line_b) = two_flippers(demo)
    assert county_a != county_b
    stored = {(r["county_fips"], r["line_code"]): r for r in runs.latest_results(demo)}
    n_runs = demo.conn.execute("SELECT count(*) FROM scoring_runs").fetchone()[0]
    n_saved = demo.conn.execute("SELECT count(*) FROM whatif_scenarios").fetchone()[0]
    assert stored[(county_a, line_a)]["status"] == stored[(county_b, line_b)]["status"] == "Failing"

    w = whatif.portfolio_whatif(demo, [a, b])
    assert w.provider_ids == sorted([a, b]) and set(w.lines) >= {line_a, line_b}
    # Both cells pass in the after view, each scored over the whole service area (every county of the line).
    for county, line in ((county_a, line_a), (county_b, line_b)):
        assert w.before[(county, line)].status == "Failing"
        # Pass, or At Risk: meets the standard but leans on provisional credentialing or sits near the line.
        after = w.after[(county, line)]
        assert after.status in ("Pass", "At Risk")
        assert after.pct_within + 1e-9 >= after.required_pct and after.credited_count >= after.min_count
        assert (county, line) in w.flipped() and (county, line) in w.changed()
    assert {k[0] for k in w.after if k[1] == line_a} == {
        k[0] for k in stored if k[1] == line_a
    }  # every county of the line was scored, not one cell
    # "before" is the stored run here (nothing changed since the demo was scored).
    for key, r in w.before.items():
        assert r.status == stored[key]["status"]
        assert r.pct_within == pytest.approx(stored[key]["pct_within"], abs=0.01)
    after_counts, before_counts = w.counts(), w.counts(after=False)
    assert after_counts["Failing"] <= before_counts["Failing"] - 2
    # Nothing stored: the runs, the newest result of every cell and the saved scenarios are as they were.
    assert demo.conn.execute("SELECT count(*) FROM scoring_runs").fetchone()[0] == n_runs
    assert demo.conn.execute("SELECT count(*) FROM whatif_scenarios").fetchone()[0] == n_saved
    assert {(r["county_fips"], r["line_code"]): r for r in runs.latest_results(demo)} == stored
    # The one-cell re-score agrees with the portfolio's cell.
    one = whatif.rescore_with(demo, county_a, line_a, [a, b])
    assert one.status == w.after[(county_a, line_a)].status
    assert one.pct_within == pytest.approx(w.after[(county_a, line_a)].pct_within, abs=0.01)


def test_portfolio_whatif_edge_cases(demo) -> None:
    assert whatif.portfolio_whatif(demo, []).after == {}
    contracted = demo.conn.execute(
        "SELECT id FROM providers WHERE source = 'roster' AND contract_status = 'executed'"
        " AND credentialing_status = 'active' AND deactivated_date IS NULL ORDER BY id LIMIT 1"
    ).fetchone()[0]
    # A provider already counted changes nothing.
    w = whatif.portfolio_whatif(demo, [contracted])
    assert w.changed() == [] and w.flipped() == []


def test_recruit_candidates_carry_address_accepting_and_miles_to_gap(demo) -> None:
    (pid, county, line), _ = two_flippers(demo)
    plan = targeting.recruitment_targets(demo, county, line, save=False)
    assert plan.candidates
    for c in plan.candidates:
        assert c.address and c.address.count(",") >= 2  # street, city, state ZIP
        assert c.panel_status in ("open", "closed", "unknown")
        assert targeting.accepting_text(c.panel_status) in ("Yes", "No", "Unknown")
        assert c.miles_to_gap is not None and c.miles_to_gap >= 0
        # The practice phone of the location nearest the gap (schema 9; the demo's are 555-01xx numbers).
        assert c.phone and c.phone[:1] == "(" and "555-01" in c.phone
    assert targeting.stores_phone(demo)
    flipper = next(c for c in plan.candidates if c.provider_id == pid)
    # It brings people within reach, so its office lies within reach of the nearest of them.
    std = max(float(plan.notes[0].split()[1]), 0.0)  # "reach 12.3 straight-line miles (...)"
    assert flipper.new_weight > 0 and flipper.miles_to_gap <= std + 0.1
    street = demo.conn.execute(
        "SELECT address FROM locations WHERE provider_id = ? ORDER BY id LIMIT 1", (pid,)
    ).fetchone()[0]
    assert flipper.address.startswith(street.split(",")[0])
