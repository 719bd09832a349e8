"""The locations query read in two processes (engine/locations_split.py) gives the one-process frame value
for value; halves typed differently are joined as a whole read types them, or read again whole; a read
another connection's commit overtook, and a failed helper, fall back to this process; and the helpers that
store a run's fingerprints (forking.in_background) and finish its lines in line order behave likewise."""

from __future__ import annotations

import os
import shutil

import pandas as pd
import pyarrow as pa
import pytest
from alone import in_fresh_process_if_needed

from blueprint_desktop.engine import credited, forking, line_split, locations_split
from blueprint_desktop.progress import Progress
from blueprint_desktop.store import open_project


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    from blueprint_desktop.demo import write_demo_project

    return write_demo_project(tmp_path_factory.mktemp("split") / "demo.bpproj")


@pytest.fixture
def demo(demo_file, tmp_path, monkeypatch):
    monkeypatch.setattr(locations_split, "SPLIT_MIN_LOCATIONS", 0)  # the demo's few thousand rows split too
    path = tmp_path / "demo.bpproj"
    shutil.copy(demo_file, path)
    project = open_project(path)
    yield project
    project.close()


def _one_process(project) -> pd.DataFrame:
    os.environ["BLUEPRINT_ROAD_WORKERS"] = "1"
    try:
        return credited._load_locations(project)
    finally:
        del os.environ["BLUEPRINT_ROAD_WORKERS"]


def _split(project, monkeypatch) -> tuple[pd.DataFrame, dict]:
    info: dict = {}
    real = locations_split.read_columns
    monkeypatch.setattr(locations_split, "read_columns", lambda p, sql: real(p, sql, info=info))
    return credited._load_locations(project), info


def test_two_processes_read_the_one_process_frame(demo, monkeypatch):
    if not in_fresh_process_if_needed(f"{__file__}::test_two_processes_read_the_one_process_frame"):
        return
    two, info = _split(demo, monkeypatch)
    assert info["split"] and info["helper_cpu_s"] > 0
    one = _one_process(demo)
    assert len(one) > 1000
    pd.testing.assert_frame_equal(two, one, check_exact=True)


def test_a_read_another_commit_overtook_is_read_again_whole(demo, monkeypatch):
    if not in_fresh_process_if_needed(f"{__file__}::test_a_read_another_commit_overtook_is_read_again_whole"):
        return
    real = locations_split.raw_columns
    calls = []
    here = os.getpid()

    def lower_then_someone_commits(conn, sql, params=()):
        out = real(conn, sql, params)
        if not calls and os.getpid() == here:
            other = open_project(demo.path)
            with other.transaction():
                other.conn.execute("UPDATE providers SET panel_status = 'closed' WHERE id = 1")
            other.close()
        calls.append(sql)
        return out

    monkeypatch.setattr(locations_split, "raw_columns", lower_then_someone_commits)
    got, info = _split(demo, monkeypatch)
    assert not info["split"] and not calls[-1].rstrip().endswith("?")  # the last read: the whole query
    pd.testing.assert_frame_equal(got, _one_process(demo), check_exact=True)
    assert "closed" in set(got[got.provider_id == 1].panel_status)


def test_a_failed_helper_s_half_is_read_here(demo, monkeypatch):
    if not in_fresh_process_if_needed(f"{__file__}::test_a_failed_helper_s_half_is_read_here"):
        return
    from blueprint_desktop.store import connection

    def no_connection(*a, **k):
        raise OSError("the helper cannot open the file")

    monkeypatch.setattr(connection, "connect", no_connection)  # only the helper opens a connection
    got, info = _split(demo, monkeypatch)
    assert info["split"] and "helper_cpu_s" not in info
    monkeypatch.undo()
    pd.testing.assert_frame_equal(got, _one_process(demo), check_exact=True)


def test_halves_join_as_one_read_would_type_them():
    ints, texts = pa.array([1, 2]), pa.array(["a", None])
    nulls = pa.array([None, None])
    joined = locations_split.join_halves([ints, nulls, nulls], [pa.array([3]), texts, pa.array([None])])
    assert joined is not None
    assert [c.to_pylist() for c in joined] == [[1, 2, 3], [None, None, "a", None], [None, None, None]]
    assert [c.type for c in joined] == [pa.int64(), pa.string(), pa.null()]
    assert joined[1].type == pa.array([None, None, "a", None]).type
    # Mixed in both halves: mixed in the whole (value tuples, as pandas would take them).
    assert locations_split.join_halves([(1, "a")], [("b", 2)]) == [(1, "a", "b", 2)]
    # Anything else only a whole read can settle.
    assert locations_split.join_halves([ints], [texts]) is None
    assert locations_split.join_halves([ints], [(1, "a")]) is None
    assert locations_split.join_halves([pa.array([1.5])], [ints]) is None
    assert locations_split.join_halves(None, [ints]) == [ints]


def test_a_column_arrow_cannot_type_is_what_pandas_makes_of_its_values():
    mixed = (1, "a", None)
    pd.testing.assert_series_equal(credited._column(mixed), pd.Series(mixed))
    chunked = pa.chunked_array([pa.array([1, None]), pa.array([3])])
    assert credited._column(chunked).tolist()[::2] == [1.0, 3.0]


def test_in_background_gives_the_helper_s_value_or_computes_it_here():
    if not in_fresh_process_if_needed(
        f"{__file__}::test_in_background_gives_the_helper_s_value_or_computes_it_here"
    ):
        return
    here = os.getpid()
    assert forking.in_background(lambda: os.getpid()).result() != here  # computed in the helper
    assert forking.in_background(lambda: os.getpid(), worth_it=False).result() == here

    def fails():
        if os.getpid() != here:
            os._exit(3)  # the helper dies
        raise ValueError("computed here, and raised here")

    with pytest.raises(ValueError, match="raised here"):
        forking.in_background(fails).result()
    pending = forking.in_background(lambda: __import__("time").sleep(60))
    pending.cancel()  # stops the helper at once
    assert pending._helper is None


def test_every_line_is_finished_here_in_any_deal():
    if not in_fresh_process_if_needed(f"{__file__}::test_every_line_is_finished_here_in_any_deal"):
        return
    here = os.getpid()
    got = line_split.measure_lines(
        list("abcdef"),
        lambda code: (code, os.getpid()),
        [1.0] * 6,
        Progress(),
        finish=lambda code, m: (m[0].upper(), m[1] != here, os.getpid() == here),
        finish_cost=3.0,
    )
    assert [got[c][0] for c in "abcdef"] == list("ABCDEF")
    assert all(v[2] for v in got.values())  # finished here
    assert any(v[1] for v in got.values())  # some measured by the helper


def test_the_deal_leaves_room_for_finishing():
    # Finishing costs half of measuring (a = 0.5): this process measures 1 / 2.5 = 40% of the work.
    assert line_split._handicap(10.0, 5.0) == pytest.approx(5.0 * 10.0 / 25.0)
    theirs, mine = forking.deal(list(range(10)), [1.0] * 10, line_split._handicap(10.0, 5.0))
    assert (len(theirs), len(mine)) == (6, 4)
    assert line_split._handicap(10.0, 0.0) == 0.0
