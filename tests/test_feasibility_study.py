"""The feasibility study on the demo project: capacity, infeasible cells, the recruit set, CLI and PDF.

The demo (demo.py) holds a roster and a synthetic NPPES-like market. The study must agree with the
engine's own scoring: every cell that passes today passes with the market, every recruit cell passes in
the engine's re-score with the recruit set signed, and each infeasible cell fails with the whole market.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import pytest
from gui_support import demo_master

from blueprint_desktop.engine.feasibility import INFEASIBLE, PASSES_NOW, RECRUIT, feasibility_study
from blueprint_desktop.store import open_project


@pytest.fixture(scope="module")
def study_and_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("feas") / "demo.bpproj"
    shutil.copy(demo_master(), path)
    with open_project(path, read_only=True) as project:
        study = feasibility_study(project, time_limit=30)
    return study, path


def test_capacity_agrees_with_the_engine(study_and_path) -> None:
    study, path = study_and_path
    from blueprint_desktop.engine import runs

    with open_project(path, read_only=True) as project:
        stored = {(r["county_fips"], r["line_code"]): r for r in runs.latest_results(project)}
    counts = study.counts()
    assert sum(counts.values()) == len(study.cells) == len(stored) == 516
    for c in study.cells:
        r = stored[(c.county_fips, c.line_code)]
        # Today's numbers are the stored run's (the same engine, the same inputs).
        assert c.network_pct == pytest.approx(r["pct_within"], abs=0.01)
        assert c.network_count == r["credited_count"]
        # Signing more providers never lowers a share or a count.
        assert c.market_pct + 1e-9 >= c.network_pct and c.market_count >= c.network_count
        if c.outcome == PASSES_NOW:
            assert r["status"] != "Failing"
        else:
            assert r["status"] == "Failing"
    # The demo's rural edge has real gaps the market cannot close, and others it can.
    assert counts[RECRUIT] > 10 and counts[INFEASIBLE] > 10


def test_infeasible_cells_have_a_reason_and_an_exception_verdict(study_and_path) -> None:
    study, _ = study_and_path
    for c in study.cells:
        if c.outcome != INFEASIBLE:
            assert c.exception is None and c.shortfall == ""
            continue
        assert c.market_status == "Failing"
        share_short = c.market_pct < c.required_pct
        count_short = c.market_count < c.min_count
        assert c.shortfall == " and ".join(
            w for w, s in (("share", share_short), ("count", count_short)) if s
        )
        assert c.exception["verdict"] in ("Strong", "Possible", "Weak")
        # With nobody in reach the verdict is Strong; with somebody in reach and no outreach, Weak.
        assert (c.exception["verdict"] == "Strong") == (c.exception["candidates_in_reach"] == 0)
        assert any("42 CFR 422.116(f)" in t or "whole market" in t for t in c.exception["reasons"])


def test_recruit_set_closes_every_closable_cell_in_the_engine(study_and_path) -> None:
    study, _ = study_and_path
    rs = study.recruit_set
    targets = {(c.county_fips, c.line_code) for c in study.cells if c.outcome == RECRUIT}
    assert set(rs.target_cells) == targets
    assert rs.cells_unmet == []
    # The engine's own re-score with the set signed passes every target cell.
    assert rs.verified_pass == len(targets) and rs.verified_cells == []
    assert rs.size == len(rs.recruits) and rs.lower_bound <= rs.size <= rs.greedy_size
    assert rs.status == "optimal" and rs.proven_optimal
    # Priority order: cells met never go down, and the last signature meets them all.
    met = [r.cells_met_after for r in rs.recruits]
    assert met == sorted(met) and met[-1] == len(targets)
    assert len({r.npi for r in rs.recruits}) == rs.size
    for r in rs.recruits:
        assert r.cells and set(map(tuple, r.cells)) <= targets and r.locations


def test_one_fewer_provider_does_not_pass(study_and_path) -> None:
    """Minimality checked by the engine: drop each recruit of a small cell in turn and re-score."""
    study, path = study_and_path
    from blueprint_desktop.engine.scoring import compute_results, gather_inputs

    rs = study.recruit_set
    key = next(
        k for k in rs.target_cells if sum(1 for r in rs.recruits if tuple(k) in map(tuple, r.cells)) == 1
    )
    only = next(r for r in rs.recruits if tuple(key) in map(tuple, r.cells))
    others = frozenset(pid for r in rs.recruits if r is not only for pid in r.provider_ids)
    with open_project(path, read_only=True) as project:
        inputs = gather_inputs(project, [key[1]], [key[0]])
    [without] = compute_results(replace(inputs, extra_credited=others))
    [with_it] = compute_results(replace(inputs, extra_credited=others | set(only.provider_ids)))
    assert without.status == "Failing" and with_it.status != "Failing"


def test_market_only_studies_without_the_roster(study_and_path) -> None:
    _, path = study_and_path
    with open_project(path, read_only=True) as project:
        bare = feasibility_study(project, counties=["48471", "48201"], lines=["007", "S03"], market_only=True)
    assert bare.market_only and bare.market["network_providers"] == 0
    assert all(c.network_count == 0 and c.network_status == "Failing" for c in bare.cells)
    assert {c.county_fips for c in bare.cells} == {"48471", "48201"}
    assert bare.recruit_set.verified_pass == len(bare.recruit_set.target_cells)


def _study_args(path, out) -> list[str]:
    """A three-line study of ``path`` with its JSON on stdout and its report at ``out``."""
    return [
        "feasibility",
        str(path),
        "--lines",
        "007,017,040",
        "--time-limit",
        "20",
        "--json",
        "--pdf",
        str(out),
    ]


def test_cli_json_and_pdf(study_and_path, tmp_path, capsys) -> None:
    from pypdf import PdfReader

    from blueprint_desktop.cli import main

    _, path = study_and_path
    out = tmp_path / "feasibility.pdf"
    assert main(_study_args(path, out)) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["lines"]) == {"007", "017", "040"}
    assert data["recruit_set"]["verified_pass"] == len(data["recruit_set"]["target_cells"])
    assert data["report"]["pages"] >= 5
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(out).pages).split())
    for words in ("Network feasibility study", "Infeasible cells", "The recruit list", "What this rests on",
                  "42 CFR 422.116(f)", "CMS HSD Reference File 2026"):  # fmt: skip
        assert words in text
    # Reader-facing text names the regulation and CMS, never a file of this program.
    assert ".py" not in text and "engine/" not in text
    # What the shares rest on: the census group MA measures, named (not a literal "{group}").
    assert "Beneficiaries: 65+ residents (ACS 2018-22)" in text and "{group}" not in text
    with pytest.raises(SystemExit):
        main(["feasibility", str(path), "--time-limit", "0"])


def test_cli_refuses_a_county_outside_the_service_area(study_and_path, capsys) -> None:
    from blueprint_desktop.cli import main

    _, path = study_and_path
    assert main(["feasibility", str(path), "--counties", "06037"]) == 2
    assert "not in the service area" in capsys.readouterr().err


def test_the_reach_model_in_small_chunks_gives_the_same_study(study_and_path, monkeypatch) -> None:
    """The reach pairs are built and reduced a chunk of cells at a time (memory at state size); chunks of
    a few points (many per line here) must give the same study as the default (one per line here)."""
    from blueprint_desktop.engine import feasibility

    study, path = study_and_path
    monkeypatch.setattr(feasibility, "CHUNK_POINTS", 3)
    with open_project(path, read_only=True) as project:
        small = feasibility_study(project, time_limit=30)
    assert small.recruit_set.model == study.recruit_set.model
    assert [r.as_dict() for r in small.recruit_set.recruits] == [
        r.as_dict() for r in study.recruit_set.recruits
    ]
    assert [c.as_dict() for c in small.cells] == [c.as_dict() for c in study.cells]


def test_a_qhp_study_cites_no_medicare_advantage_rule(tmp_path, capsys) -> None:
    """The same market studied as a QHP project (the demo's line of business set to qhp): its own standards
    and population, and no 42 CFR 422.116 paragraph, MA credit, bed count or CMS rural flexibility in the report
    or the infeasible cells' reasons."""
    import sqlite3

    from pypdf import PdfReader

    from blueprint_desktop.cli import main

    path = tmp_path / "qhp.bpproj"
    shutil.copy(demo_master(), path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = 'qhp' WHERE key = 'lob'")
    out = tmp_path / "qhp.pdf"
    assert main(_study_args(path, out)) == 0
    data = json.loads(capsys.readouterr().out)
    reasons = " ".join(
        " ".join(c["reasons"] + (c["exception"] or {}).get("reasons", []))
        for c in data["cells"]
        if c.get("reasons")
    )
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(out).pages).split())
    assert "ACA marketplace (QHP) network adequacy" in text and "qhp-ffe-td-2026" in text
    for words in ("422.116", "CMS HSD Reference File Notes", "expanded flexibility"):
        assert words not in text and words not in reasons, words
    assert "Medicare Advantage's" in text  # the credits line says why there are none
    # Whom the shares are of, in the QHP rules' word, and which census group stands in for them (the words
    # were printed as a literal "{group}" before).
    assert "Enrollees: residents under 65 (ACS 2018-22)" in text and "{group}" not in text
    assert "beneficiar" not in text.lower() and "beneficiar" not in reasons.lower()
