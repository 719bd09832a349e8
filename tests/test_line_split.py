"""A straight-line run's lines measured in two processes (engine/line_split.py) give the one-process run's
results bit for bit; a cancelled run stops its helper; a failed helper's lines are measured here."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from alone import in_fresh_process_if_needed

from blueprint_desktop.engine import forking, line_split, scoring
from blueprint_desktop.engine.scoring import ScoringInputs, compute_results
from blueprint_desktop.errors import Cancelled
from blueprint_desktop.progress import Progress

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))


@pytest.fixture(scope="module")
def inputs():
    from bench_scoring import synthetic_locations

    from blueprint_desktop.geo.points import census_points
    from blueprint_desktop.rules.standards import all_lines, standards_for_county

    counties = ["39049", "39041", "39089", "39045", "39129", "39159"]
    pts = census_points(counties)
    locs = synthetic_locations(pts, 6000, [ld.code for ld in all_lines("ma")], np.random.default_rng(4))
    standards = {f: standards_for_county(None, f) for f in counties}
    return ScoringInputs(counties, standards, pts, locs, today=None)


def _run(inputs, info=None, progress=None) -> str:
    return json.dumps(
        [r.as_dict() for r in compute_results(inputs, "straight", progress=progress, info=info)]
    )


def test_two_processes_give_the_one_process_results(inputs, monkeypatch):
    monkeypatch.setattr(scoring, "SPLIT_MIN_ROWS", 10**9)
    one = _run(inputs)
    monkeypatch.setattr(scoring, "SPLIT_MIN_ROWS", 0)
    info: dict = {}
    two = _run(inputs, info)
    assert one == two and len(json.loads(one)) > 200
    if forking.fork_workers() == 2:  # a second core and no other threads here: the helper measured some lines
        assert info["phases_cpu_s"].get("helper process", 0) > 0


def test_lines_are_dealt_by_cost():
    theirs, mine = line_split.deal(["a", "b", "c", "d", "e"], [10.0, 1.0, 1.0, 1.0, 7.0])
    assert sorted(theirs + mine) == ["a", "b", "c", "d", "e"]
    assert theirs == ["a"] and mine == ["e", "b", "c", "d"]  # 10 against 7 + 1 + 1 + 1


def test_a_failed_helper_s_lines_are_measured_here(monkeypatch):
    if not in_fresh_process_if_needed(f"{__file__}::test_a_failed_helper_s_lines_are_measured_here"):
        return
    seen_here: list[str] = []

    def measure(code: str) -> str:
        import os

        if os.getpid() != parent and code == "b":
            os._exit(3)  # the helper dies mid-way
        seen_here.append(code) if os.getpid() == parent else None
        return code.upper()

    import os

    parent = os.getpid()
    got = line_split.measure_lines(["a", "b", "c", "d"], measure, [1, 1, 1, 1], Progress())
    assert got == {"a": "A", "b": "B", "c": "C", "d": "D"}
    assert "b" in seen_here  # measured again here after the helper died


def test_a_cancelled_run_stops_its_helper(inputs, monkeypatch):
    if not in_fresh_process_if_needed(f"{__file__}::test_a_cancelled_run_stops_its_helper"):
        return
    monkeypatch.setattr(scoring, "SPLIT_MIN_ROWS", 0)
    started = []
    real = line_split.multiprocessing.get_context

    def ctx(method):
        c = real(method)

        class Ctx:
            def __getattr__(self, name):
                return getattr(c, name)

            def Process(self, *a, **k):  # noqa: N802 - multiprocessing's name
                p = c.Process(*a, **k)
                started.append(p)
                return p

        return Ctx()

    monkeypatch.setattr(line_split.multiprocessing, "get_context", ctx)
    progress = Progress()
    calls = {"n": 0}
    update = progress.update

    def cancel_on_third(fraction, message="", force=False):
        calls["n"] += 1
        if calls["n"] == 3:
            progress.cancel()
        update(fraction, message, force)

    progress.update = cancel_on_third
    with pytest.raises(Cancelled):
        compute_results(inputs, "straight", progress=progress)
    assert started and not started[0].is_alive()
