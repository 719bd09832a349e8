"""Cure progress: the state per gap, the day-by-day series, and re-scoring only the cited cells."""

from __future__ import annotations

from datetime import date

from deficiency_scenario import CURE_CARDIO, import_scenario_notice

from blueprint_desktop.deficiency import cure, pathways


def _result(project, fips: str, line: str, status: str, pct: float) -> None:
    with project.transaction():
        cur = project.conn.execute(
            "INSERT INTO scoring_runs(started_at, method, lob, plan_year, inputs_fingerprint)"
            " VALUES ('2027-02-20T10:00:00+00:00', 'straight', 'ma', 2026, 'f')"
        )
        project.conn.execute(
            "INSERT INTO run_results(run_id, county_fips, line_code, status, pct_within, required_pct) VALUES (?,?,?,?,?,?)",
            (cur.lastrowid, fips, line, status, pct, 90.0),
        )


def test_states_from_data(project, tmp_path) -> None:
    cardio, neuro, vasc = import_scenario_notice(project, tmp_path)
    # Dr. Nguyen: executed contract, credentialing pending -> pending credentialing (no engine what-if asked).
    assert cure.gap_status(project, cardio, use_whatif=False)["state"] == "pending credentialing"
    assert cure.gap_status(project, neuro, use_whatif=False)["state"] == "open"
    pathways.choose_pathway(project, vasc, "exception", "no-supply", today=date(2027, 2, 5))
    assert cure.gap_status(project, vasc, use_whatif=False)["state"] == "needs exception"
    _result(project, "48157", "008", "Pass", 91.2)
    st = cure.gap_status(project, cardio, use_whatif=False)
    assert (st["state"], st["reason"]) == ("cured", "the cell passes (91.2% within)")
    project.conn.execute("UPDATE providers SET credentialing_status = 'active' WHERE npi = ?", (CURE_CARDIO,))
    _result(project, "48157", "008", "Failing", 71.0)
    assert cure.gap_status(project, cardio, use_whatif=False)["state"] == "open"


def test_progress_series(project, tmp_path) -> None:
    cardio, neuro, vasc = import_scenario_notice(project, tmp_path)
    for gid, at, state in [
        (cardio, "2027-02-05T12:00:00", "pending credentialing"),
        (cardio, "2027-02-05T18:00:00", "open"),  # the last of a day counts
        (cardio, "2027-02-10T12:00:00", "cured"),
        (vasc, "2027-02-08T12:00:00", "needs exception"),
    ]:
        cure.snapshot(project, {"gap_id": gid, "state": state}, at=at)
    s = cure.progress_series(project, 1, today=date(2027, 2, 12))
    assert s["dates"][0] == "2027-02-01" and s["dates"][-1] == "2027-03-03" and len(s["dates"]) == 31
    day = {d: i for i, d in enumerate(s["dates"])}
    assert s["states"]["cured"][day["2027-02-09"]] == 0 and s["states"]["cured"][day["2027-02-10"]] == 1
    assert s["states"]["open"][day["2027-02-01"]] == 3
    assert s["states"]["open"][day["2027-02-05"]] == 3  # pending then open again the same day
    assert s["states"]["open"][day["2027-02-12"]] == 1  # neurology only
    assert s["states"]["needs exception"][day["2027-02-12"]] == 1
    assert s["states"]["open"][day["2027-02-13"]] is None  # the future is not known
    assert cure.current_state(project, cardio)["state"] == "cured"


def test_rescore_runs_only_the_cited_cells(project, tmp_path) -> None:
    import_scenario_notice(project, tmp_path)
    statuses = cure.rescore_gaps(project)
    cells = project.conn.execute(
        "SELECT DISTINCT county_fips, line_code FROM run_results ORDER BY 1, 2"
    ).fetchall()
    assert cells == [("48157", "008"), ("48157", "019"), ("48201", "034")]
    assert project.conn.execute("SELECT count(*) FROM scoring_runs").fetchone()[0] == 3
    assert len(statuses) == 3 and all(
        s["state"] in ("open", "pending credentialing", "cured") for s in statuses
    )
    assert project.conn.execute("SELECT count(*) FROM cure_snapshots").fetchone()[0] == 3
