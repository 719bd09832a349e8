"""Roster import modes (add and update / replace this table), the preview of what an import would do,
undoing an import as a new audited batch, and signing a market recruit so the next score credits it."""

from __future__ import annotations

import json
import shutil

import pytest
from deficiency_scenario import npi
from roster_files import CARDIO, FAMILY, NEURO, ONCO, dump, template_file, template_row

from blueprint_desktop.cli import main
from blueprint_desktop.data.roster_import import (
    MODE_ADD_UPDATE,
    MODE_REPLACE,
    RosterRejected,
    import_roster,
    plan_roster_import,
    suggest_mode,
)
from blueprint_desktop.data.roster_undo import last_undoable_batch, undo_roster_import, undoable_batches
from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.store import open_project
from blueprint_desktop.store import roster_queries as rq

RECRUIT = npi("300000009")


def _full(tmp_path, name="full.csv"):
    return template_file(
        tmp_path / name,
        [
            template_row(CARDIO, "Dr. Ada Heart"),
            template_row(FAMILY, "Dr. Ben Family", specialty_code="002", zip="77002", address="100 Main St"),
            template_row(NEURO, "Dr. Cy Neuro", specialty_code="013"),
        ],
    )


def _partial(tmp_path, name="new.csv"):
    """Two rows: a new signing (ONCO) and a status change of CARDIO; FAMILY and NEURO are not listed."""
    return template_file(
        tmp_path / name,
        [
            template_row(CARDIO, "Dr. Ada Heart", credentialing_status="provisional"),
            template_row(ONCO, "Dr. Di Onco", specialty_code="021"),
        ],
    )


def _state(project) -> list[tuple]:
    """Every roster provider with its statuses, lines and locations (what an undo must put back)."""
    return project.conn.execute(
        "SELECT p.id, p.npi, p.name, p.contract_status, p.credentialing_status, p.panel_status, p.batch_id,"
        " (SELECT group_concat(line_code) FROM provider_lines WHERE provider_id = p.id),"
        " (SELECT group_concat(id || ':' || address || ':' || zip || ':' || latitude || ':' || geocode_quality)"
        "  FROM locations WHERE provider_id = p.id)"
        " FROM providers p WHERE source = 'roster' ORDER BY p.npi"
    ).fetchall()


# -- modes and the preview ---------------------------------------------------------------------------------
def test_add_and_update_never_drops_and_the_plan_says_exactly_what_happens(project, tmp_path) -> None:
    import_roster(project, _full(tmp_path))
    before = dump(project)
    plan = plan_roster_import(project, _partial(tmp_path))
    assert dump(project) == before  # the preview writes nothing
    # 2 providers against 3 on the roster is not "much smaller" (< half): replace is suggested, but the
    # default mode of the core (and the CLI) stays add and update.
    assert plan.suggested_mode == MODE_REPLACE and plan.mode == MODE_REPLACE
    plan = plan_roster_import(project, _partial(tmp_path), mode=MODE_ADD_UPDATE)
    assert plan.counts == {"added": 1, "updated": 1, "dropped": 0}
    assert plan.added == [{"npi": ONCO, "name": "Dr. Di Onco"}]
    assert plan.updated == [{"npi": CARDIO, "name": "Dr. Ada Heart"}]
    assert [x["npi"] for x in plan.dropped_if_replaced] == [FAMILY, NEURO]
    lines = plan.summary_lines()
    assert lines[1] == "  1 added, 1 updated, 0 dropped"
    assert "  added: Dr. Di Onco (" + ONCO + ")" in lines
    assert lines[-1] == "  not in the file and kept: 2 (replace mode would drop them)"

    result = import_roster(project, _partial(tmp_path))  # the default: add and update
    assert result.mode == MODE_ADD_UPDATE
    assert result.changes["counts"] == {"added": 1, "dropped": 0, "changed": 1}
    assert result.updated == [CARDIO]
    assert result.people["added"] == plan.added and result.people["updated"] == plan.updated
    assert {r[1] for r in _state(project)} == {CARDIO, FAMILY, NEURO, ONCO}
    assert result.summary_lines()[1] == "  1 added, 1 updated (1 with changes), 0 dropped"


def test_replace_drops_only_when_asked_and_matches_its_plan(project, tmp_path) -> None:
    import_roster(project, _full(tmp_path))
    plan = plan_roster_import(project, _partial(tmp_path), mode=MODE_REPLACE)
    assert plan.counts == {"added": 1, "updated": 1, "dropped": 2}
    assert plan.dropped == [{"npi": FAMILY, "name": "Dr. Ben Family"}, {"npi": NEURO, "name": "Dr. Cy Neuro"}]
    result = import_roster(project, _partial(tmp_path), mode=MODE_REPLACE)
    assert result.changes["dropped"] == [x["npi"] for x in plan.dropped]
    assert result.changes["added"] == [x["npi"] for x in plan.added]
    assert result.updated == [x["npi"] for x in plan.updated]
    assert {r[1] for r in _state(project)} == {CARDIO, ONCO}
    with pytest.raises(BlueprintError, match="mode"):
        import_roster(project, _full(tmp_path, "x.csv"), mode="everything")


def test_suggested_mode_for_a_partial_file() -> None:
    assert suggest_mode(20, 3828) == MODE_ADD_UPDATE  # the 20 signings against 3,828 providers
    assert suggest_mode(3800, 3828) == MODE_REPLACE  # a monthly full roster
    assert suggest_mode(5, 0) == MODE_ADD_UPDATE  # nothing to drop: first import


def test_plan_refuses_bad_rows_like_the_import(project, tmp_path) -> None:
    bad = template_file(tmp_path / "bad.csv", [template_row("1234567890", "Dr. Bad")])
    with pytest.raises(RosterRejected):
        plan_roster_import(project, bad)


# -- undo --------------------------------------------------------------------------------------------------
def test_undo_restores_the_roster_as_a_new_audited_batch(project, tmp_path) -> None:
    first = import_roster(project, _full(tmp_path))
    rq.set_provider_status(project, rq.roster_ids(project)[0], "panel_status", "closed")  # an edit before
    before = _state(project)
    replaced = import_roster(project, _partial(tmp_path), mode=MODE_REPLACE)
    assert len(_state(project)) == 2
    assert last_undoable_batch(project)["id"] == replaced.batch_id

    undo = undo_roster_import(project)
    assert (undo.restored_before, undo.undone) == (replaced.batch_id, [replaced.batch_id])
    assert undo.counts == {"added": 2, "dropped": 1, "changed": 1}  # FAMILY, NEURO back; ONCO out
    # The previous rows, ids, statuses (the hand edit too), batches, lines and locations are back.
    assert _state(project) == before
    # History is kept: both batches and their changes are still there; the undo is one more batch.
    batches = project.conn.execute(
        "SELECT id, file_name, superseded_by FROM import_batches ORDER BY id"
    ).fetchall()
    assert batches == [
        (first.batch_id, "full.csv", None),
        (replaced.batch_id, "new.csv", undo.batch_id),
        (undo.batch_id, f"undo of batch {replaced.batch_id}", None),
    ]
    changes = project.conn.execute(
        "SELECT npi, change FROM roster_changes WHERE batch_id = ? ORDER BY npi", (undo.batch_id,)
    ).fetchall()
    assert changes == sorted([(CARDIO, "changed"), (FAMILY, "added"), (NEURO, "added"), (ONCO, "dropped")])
    audit = project.conn.execute(
        "SELECT action, detail_json FROM audit_log ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert audit[0] == "roster.undo" and json.loads(audit[1])["undoes"] == [replaced.batch_id]
    # The undone file imports again as a real import; the undo itself can be undone (a redo).
    redo = undo_roster_import(project, undo.batch_id)
    assert {r[1] for r in _state(project)} == {CARDIO, ONCO}
    assert redo.counts == {"added": 1, "dropped": 2, "changed": 1}


def test_undo_of_an_earlier_batch_takes_back_the_later_ones_too(project, tmp_path) -> None:
    import_roster(project, template_file(tmp_path / "a.csv", [template_row(CARDIO, "Dr. Ada Heart")]))
    before = _state(project)
    second = import_roster(project, _full(tmp_path))
    third = import_roster(project, _partial(tmp_path))
    undo = undo_roster_import(project, second.batch_id)
    assert undo.undone == [second.batch_id, third.batch_id]
    assert _state(project) == before
    assert [b["file_name"] for b in undoable_batches(project)] == ["a.csv"]
    with pytest.raises(BlueprintError, match="no roster batch #99"):
        undo_roster_import(project, 99)


def test_undo_puts_back_the_market_rows_an_import_removed(project, tmp_path) -> None:
    _market_row(project, ONCO, "Dr. Di Onco", "021")
    result = import_roster(project, _partial(tmp_path))
    assert result.market_rows_removed == 1
    undo = undo_roster_import(project)
    assert undo.market_restored == 1
    assert project.conn.execute("SELECT source FROM providers WHERE npi = ?", (ONCO,)).fetchall() == [
        ("market",)
    ]


def test_cli_import_modes_dry_run_and_undo(project_path, tmp_path, capsys) -> None:
    full, partial = _full(tmp_path), _partial(tmp_path)
    assert main(["import", "roster", str(project_path), str(full)]) == 0
    capsys.readouterr()
    assert main(["import", "roster", str(project_path), str(partial), "--replace", "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("dry run, nothing changed: new.csv: replace this table")
    assert out[1] == "  1 added, 1 updated, 2 dropped"
    assert out[-1] == f"  dropped: Dr. Ben Family ({FAMILY}); Dr. Cy Neuro ({NEURO})"
    assert main(["import", "roster", str(project_path), str(partial)]) == 0  # no --replace: nobody dropped
    out = capsys.readouterr().out.splitlines()
    assert out[1] == "  changes: 1 added, 0 dropped, 1 changed"
    assert "  1 added, 1 updated (1 with changes), 0 dropped" in out
    assert f"  added: Dr. Di Onco ({ONCO})" in out
    assert out[-1] == f"  undo with: blueprint import undo {project_path} --batch 2"
    assert main(["import", "undo", str(project_path)]) == 0
    assert capsys.readouterr().out.startswith("roster restored to before batch #2 (undoing #2) as batch #3")
    with open_project(project_path) as project:
        assert {r[1] for r in _state(project)} == {CARDIO, FAMILY, NEURO}
        assert project.conn.execute(
            "SELECT credentialing_status FROM providers WHERE npi = ?", (CARDIO,)
        ).fetchone() == ("active",)


# -- signing a recruit -------------------------------------------------------------------------------------
def _market_row(project, npi_: str, name: str, line: str, lat=29.7, lon=-95.4, county="48201") -> int:
    with project.transaction():
        cur = project.conn.execute(
            "INSERT INTO providers(npi, name, source, updated_at) VALUES (?, ?, 'market', '2026-01-01')",
            (npi_, name),
        )
        pid = int(cur.lastrowid)
        project.conn.execute("INSERT INTO provider_lines(provider_id, line_code) VALUES (?, ?)", (pid, line))
        project.conn.execute(
            "INSERT INTO locations(provider_id, address, city, state, zip, county_fips, latitude, longitude,"
            " geocode_quality) VALUES (?, '1 Main St', 'Houston', 'TX', '77030', ?, ?, ?, 'exact')",
            (pid, county, lat, lon),
        )
    return pid


def test_signing_a_market_row_puts_it_on_the_network_once(project) -> None:
    pid = _market_row(project, RECRUIT, "Dr. Recruit", "008")
    first = rq.set_provider_status(project, pid, "contract_status", "executed")
    assert first.network_provider_id is None  # not credentialed yet: not signed
    signed = rq.set_provider_status(project, pid, "credentialing_status", "active")
    assert signed.network_provider_id is not None and signed.describe().endswith("(on the network)")
    rows = project.conn.execute(
        "SELECT source, contract_status, credentialing_status, batch_id FROM providers WHERE npi = ? ORDER BY source",
        (RECRUIT,),
    ).fetchall()
    assert rows == [("manual", "executed", "active", None), ("market", "executed", "active", None)]
    manual = signed.network_provider_id
    assert project.conn.execute(
        "SELECT line_code FROM provider_lines WHERE provider_id = ?", (manual,)
    ).fetchall() == [("008",)]
    assert project.conn.execute(
        "SELECT latitude, county_fips FROM locations WHERE provider_id = ?", (manual,)
    ).fetchall() == [(29.7, "48201")]
    assert rq.roster_count(project, rq.RosterFilter(scope="network")) == 1
    actions = [r[0] for r in project.conn.execute("SELECT action FROM audit_log ORDER BY id")]
    assert actions[-2:] == ["roster.sign", "roster.status"]
    # Undoing the edit reaches the network row: it no longer counts.
    rq.undo_status_change(project, signed)
    assert project.conn.execute(
        "SELECT credentialing_status FROM providers WHERE id = ?", (manual,)
    ).fetchone() == ("none",)


def test_signing_a_recruit_near_a_failing_demo_cell_credits_it_at_the_next_score(tmp_path) -> None:
    from gui_support import demo_master

    from blueprint_desktop.engine.credited import candidate_mask, load_locations
    from blueprint_desktop.engine.runs import latest_results
    from blueprint_desktop.engine.scoring import score_project

    path = tmp_path / "demo.bpproj"
    shutil.copy(demo_master(), path)
    with open_project(path) as project:
        failing = [r for r in latest_results(project) if r["status"] == "Failing"]
        df = load_locations(project)
        cand = df[candidate_mask(df) & (df.source == "market").to_numpy()]
        # A failing cell with a market candidate of its line practising in the county.
        cell, row = next(
            (r, c)
            for r in failing
            for c in cand[
                (cand.line_code == r["line_code"]) & (cand.county_fips == r["county_fips"])
            ].itertuples()
        )
        county, line = cell["county_fips"], cell["line_code"]
        before = score_project(project, lines=[line], counties=[county])
        [b] = [r for r in before.results if (r.county_fips, r.line_code) == (county, line)]
        rq.set_provider_status(project, int(row.provider_id), "contract_status", "executed")
        change = rq.set_provider_status(project, int(row.provider_id), "credentialing_status", "active")
        assert change.network_provider_id is not None
        after = score_project(project, lines=[line], counties=[county])
        [a] = [r for r in after.results if (r.county_fips, r.line_code) == (county, line)]
        assert a.credited_count == b.credited_count + 1  # one NPI, counted once
        # The recruit is no longer offered as a candidate for that line.
        df = load_locations(project)
        keys = set(zip(df.npi[candidate_mask(df)], df.line_code[candidate_mask(df)], strict=True))
        assert (row.npi, line) not in keys


# -- the Roster pane ---------------------------------------------------------------------------------------
def test_roster_pane_undo_last_import_button(qtbot, project, tmp_path) -> None:
    from blueprint_desktop.gui.roster_pane import RosterPane

    pane = RosterPane()
    qtbot.addWidget(pane)
    pane.set_project(project)
    assert not pane.undo_import.isEnabled()  # nothing imported yet
    import_roster(project, _full(tmp_path))
    before = _state(project)
    replaced = import_roster(project, _partial(tmp_path), mode=MODE_REPLACE)
    pane.refresh()
    assert pane.model.rowCount() == 2 and pane.undo_import.isEnabled()
    assert f"batch #{replaced.batch_id} (new.csv)" in pane.undo_import.toolTip()
    asked: list[str] = []
    pane.confirm_undo = lambda text: asked.append(text) or False
    assert pane.undo_last_import() is None and _state(project) != before  # declined: nothing changed
    assert asked[0].startswith(f"Restore the roster as it was before batch #{replaced.batch_id} (new.csv")
    assert "dropped 2" in asked[0]
    pane.confirm_undo = lambda text: True
    with qtbot.waitSignal(pane.import_undone, timeout=5000) as undone:
        pane.undo_import.click()
    assert undone.args[0].undone == [replaced.batch_id]
    assert _state(project) == before and pane.model.rowCount() == 3
    pane.set_editable(False)  # while a task writes the project
    assert not pane.undo_import.isEnabled()


def test_signing_in_the_market_view_puts_the_recruit_on_the_network(qtbot, project) -> None:
    from blueprint_desktop.gui.roster_model import KEYS
    from blueprint_desktop.gui.roster_pane import RosterPane

    _market_row(project, RECRUIT, "Dr. Recruit", "008")
    pane = RosterPane()
    qtbot.addWidget(pane)
    pane.set_project(project)
    assert pane.model.rowCount() == 0  # the network view
    pane.scope.setCurrentIndex(pane.scope.findData("market"))
    assert pane.model.rowCount() == 1
    changes: list = []
    pane.status_changed.connect(changes.append)
    model = pane.model
    assert model.setData(model.index(0, KEYS.index("contract_status")), "executed")
    assert model.setData(model.index(0, KEYS.index("credentialing_status")), "active")
    assert [c.network_provider_id is not None for c in changes] == [False, True]
    pane.scope.setCurrentIndex(pane.scope.findData("network"))
    assert pane.model.rowCount() == 1
    assert pane.model.row_at(0).source == "manual" and pane.model.row_at(0).npi == RECRUIT
