"""Headless core behind the main window: roster queries and audited status edits, result staleness,
Save As through the backup API, and the per-point distribution behind the chart."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest

from blueprint_desktop.engine.cell_detail import candidate_distances, nearest_distribution
from blueprint_desktop.engine.run_freshness import changes_since_last_run, results_outdated
from blueprint_desktop.engine.scoring import score_project
from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.geo.distance import haversine_miles
from blueprint_desktop.geo.points import population_points
from blueprint_desktop.store import open_project
from blueprint_desktop.store import roster_queries as rq
from blueprint_desktop.store.save_as import save_project_as

# (npi, name, source, contract, line, county, address, lat, lon)
PEOPLE = [
    ("1000000001", "Zoe Adams", "roster", "executed", "008", "48201", "10 Main St", 29.76, -95.37),
    ("1000000002", "anna Brown", "roster", "loi", "001", "48157", "22 Oak Ave", 29.60, -95.75),
    ("1000000003", "Mike Chen", "roster", "executed", "S03", "48201", "5 Elm Rd", 29.80, -95.40),
    ("1000000004", "Ben Diaz", "market", "none", "008", "48157", "9 Pine Ln", 29.55, -95.70),
    ("1000000005", "Ann_Erickson 100%", "manual", "pending", "010", "48157", "1 Bay Blvd", 29.58, -95.77),
]


@pytest.fixture
def roster(project):
    ids = {}
    with project.transaction():
        for npi, name, source, contract, line, county, address, lat, lon in PEOPLE:
            cur = project.conn.execute(
                "INSERT INTO providers(npi, name, source, contract_status, credentialing_status, panel_status)"
                " VALUES (?,?,?,?, 'active', 'open')",
                (npi, name, source, contract),
            )
            pid = cur.lastrowid
            ids[npi] = pid
            project.conn.execute(
                "INSERT INTO provider_lines(provider_id, line_code) VALUES (?, ?)", (pid, line)
            )
            project.conn.execute(
                "INSERT INTO locations(provider_id, address, city, zip, county_fips, latitude, longitude,"
                " geocode_quality) VALUES (?,?,?,?,?,?,?, 'exact')",
                (pid, address, "Houston", "77002", county, lat, lon),
            )
        # Mike Chen has a second office in Fort Bend: he matches a Fort Bend filter too.
        project.conn.execute(
            "INSERT INTO locations(provider_id, address, city, county_fips, latitude, longitude) VALUES (?,?,?,?,?,?)",
            (ids["1000000003"], "77 Second St", "Sugar Land", "48157", 29.61, -95.63),
        )
    return project, ids


def _npis(project, ids):
    rows = rq.roster_rows(project, ids)
    return [rows[i].npi for i in ids]


def test_roster_ids_filter_and_sort(roster) -> None:
    project, _ids = roster
    # Network = roster + manual rows (not the market), ordered by name case-insensitively
    # ("ann_" sorts before "anna": "_" is 0x5F, "a" 0x61).
    assert _npis(project, rq.roster_ids(project)) == ["1000000005", "1000000002", "1000000003", "1000000001"]
    assert _npis(project, rq.roster_ids(project, sort="name", descending=True)) == [
        "1000000001",
        "1000000003",
        "1000000002",
        "1000000005",
    ]
    everyone = rq.RosterFilter(scope="all")
    assert rq.roster_count(project, everyone) == 5
    assert _npis(project, rq.roster_ids(project, rq.RosterFilter(scope="market"))) == ["1000000004"]
    # S03 also matches primary care submitted as 001-006 (HSD26 Notes, S03).
    s03 = rq.roster_ids(project, rq.RosterFilter(line_code="S03"), sort="npi")
    assert _npis(project, s03) == ["1000000002", "1000000003"]
    # County filter: any practice location in the county (Chen's second office is in Fort Bend).
    fort_bend = rq.roster_ids(project, rq.RosterFilter(county_fips="48157"), sort="npi")
    assert _npis(project, fort_bend) == ["1000000002", "1000000003", "1000000005"]
    # Text matches NPI, name, address, city or ZIP; % and _ are literal, not wildcards.
    assert _npis(project, rq.roster_ids(project, rq.RosterFilter(text="oak ave"))) == ["1000000002"]
    assert _npis(project, rq.roster_ids(project, rq.RosterFilter(text="Sugar"))) == ["1000000003"]
    assert _npis(project, rq.roster_ids(project, rq.RosterFilter(text="100%"))) == ["1000000005"]
    assert _npis(project, rq.roster_ids(project, rq.RosterFilter(text="n_e"))) == ["1000000005"]
    assert rq.roster_ids(project, rq.RosterFilter(contract_status="executed"), sort="npi") == [
        _ids["1000000001"],
        _ids["1000000003"],
    ]
    # County sorts by county name: Fort Bend before Harris.
    by_county = _npis(project, rq.roster_ids(project, sort="county"))
    assert by_county == ["1000000002", "1000000005", "1000000001", "1000000003"]
    # Location count sort: Chen (2 locations) last ascending.
    assert _npis(project, rq.roster_ids(project, sort="locations"))[-1] == "1000000003"
    row = rq.roster_rows(project, [_ids["1000000003"]])[_ids["1000000003"]]
    assert (row.locations, row.address, row.county, row.lines) == (2, "5 Elm Rd", "Harris, TX", "S03")
    with pytest.raises(BlueprintError, match="roster column"):
        rq.roster_ids(project, sort="nope")


def test_status_edit_is_audited_and_undo_appends(roster) -> None:
    project, ids = roster
    pid = ids["1000000001"]
    before = project.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    change = rq.set_provider_status(project, pid, "contract_status", "terminated")
    assert (change.old, change.new, change.npi) == ("executed", "terminated", "1000000001")
    assert (
        project.conn.execute("SELECT contract_status FROM providers WHERE id=?", (pid,)).fetchone()[0]
        == "terminated"
    )
    action, entity_id, detail = project.conn.execute(
        "SELECT action, entity_id, detail_json FROM audit_log WHERE id = ?", (change.audit_id,)
    ).fetchone()
    assert (action, entity_id) == ("roster.status", str(pid))
    assert json.loads(detail) == {
        "field": "contract_status",
        "old": "executed",
        "new": "terminated",
        "npi": "1000000001",
    }
    # Setting the same value again writes nothing.
    assert rq.set_provider_status(project, pid, "contract_status", "terminated") is None
    undone = rq.undo_status_change(project, change)
    assert (undone.old, undone.new) == ("terminated", "executed")
    assert (
        project.conn.execute("SELECT contract_status FROM providers WHERE id=?", (pid,)).fetchone()[0]
        == "executed"
    )
    detail = json.loads(
        project.conn.execute("SELECT detail_json FROM audit_log WHERE id = ?", (undone.audit_id,)).fetchone()[
            0
        ]
    )
    assert detail["undoes"] == change.audit_id
    # Both entries stay: undo adds, never deletes.
    assert project.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == before + 2
    assert [h["action"] for h in rq.status_history(project, pid)] == ["roster.status", "roster.status.undo"]
    # Undoing twice is refused: the status is no longer what that edit set.
    with pytest.raises(BlueprintError, match="cannot undo"):
        rq.undo_status_change(project, change)
    with pytest.raises(BlueprintError, match="not one of"):
        rq.set_provider_status(project, pid, "panel_status", "maybe")
    with pytest.raises(BlueprintError, match="not an editable status"):
        rq.set_provider_status(project, pid, "npi", "1")


def test_results_outdated_follows_the_audit_log(roster) -> None:
    project, ids = roster
    assert not results_outdated(project)  # never scored: nothing to be stale
    score_project(project, lines=["008"])
    assert not results_outdated(project) and changes_since_last_run(project) == []
    rq.set_provider_status(project, ids["1000000003"], "panel_status", "closed")
    assert results_outdated(project)
    assert [c["action"] for c in changes_since_last_run(project)] == ["roster.status"]
    project.audit("outreach.entry", "outreach_log", 1)  # not an input of scoring
    assert len(changes_since_last_run(project)) == 1
    score_project(project, lines=["008"])
    assert not results_outdated(project)


def test_save_as_is_a_consistent_copy_that_records_its_origin(roster, tmp_path) -> None:
    project, _ids = roster
    dest = save_project_as(project, tmp_path / "copy.bpproj")
    assert not (tmp_path / "copy.bpproj-wal").exists()
    with open_project(dest, read_only=True) as copy:
        assert copy.name == project.name
        assert copy.conn.execute("SELECT count(*) FROM providers").fetchone()[0] == 5
        action, detail = copy.conn.execute(
            "SELECT action, detail_json FROM audit_log ORDER BY id DESC LIMIT 1"
        ).fetchone()
        assert action == "project.save_as" and json.loads(detail)["from"] == str(project.path)
    conn = sqlite3.connect(project.path)
    assert conn.execute("SELECT count(*) FROM audit_log WHERE action = 'project.save_as'").fetchone()[0] == 0
    conn.close()
    with pytest.raises(BlueprintError, match="already exists"):
        save_project_as(project, dest)
    with pytest.raises(BlueprintError, match="end in .bpproj"):
        save_project_as(project, tmp_path / "copy.sqlite")
    with pytest.raises(BlueprintError, match="own file"):
        save_project_as(project, project.path, overwrite=True)


def test_nearest_distribution_matches_hand_computed_distances(roster) -> None:
    project, ids = roster
    # Cardiology (008) credited in Fort Bend? Zoe Adams (Harris, executed) is the only credited 008.
    dist = nearest_distribution(project, "48157", "008")
    pts = population_points(["48157"], project)
    pts = pts[pts.weight > 0]
    expected = haversine_miles(pts.lat.to_numpy(), pts.lon.to_numpy(), 29.76, -95.37)
    assert np.allclose(np.sort(dist.miles), np.sort(expected), atol=0.05)
    assert dist.weights.sum() == pytest.approx(pts.weight.sum())
    assert dist.max_minutes > 0 and dist.estimated_time
    assert dist.credits_apply  # MA: the chart says its share is before any telehealth credit
    # The distribution's share within standard is the run's measured share for the cell.
    [result] = score_project(project, lines=["008"], counties=["48157"]).results
    assert dist.share_within() == pytest.approx(result.detail["pct_measured"], abs=0.01)
    # Candidate distance: from Fort Bend's interior point to Ben Diaz's office.
    from blueprint_desktop.geo.counties import county_row

    c = county_row("48157")
    got = candidate_distances(project, "48157", [ids["1000000004"]])
    assert got[ids["1000000004"]] == pytest.approx(
        round(float(haversine_miles(c.lat, c.lon, 29.55, -95.70)), 1), abs=0.05
    )
