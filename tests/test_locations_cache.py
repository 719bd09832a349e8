"""The locations frame kept between runs (engine/locations_cache.py, schema v12): read back equal to the SQLite
read, emptied by any change to the tables it comes from (whoever makes it), never written from a read
another connection overtook, never waited for, and ignored when damaged or written by other versions."""

from __future__ import annotations

import sqlite3
import time

import pandas as pd
import pytest

from blueprint_desktop.engine import credited, locations_cache
from blueprint_desktop.engine.credited import LOCATION_COLUMNS, _load_locations, load_locations
from blueprint_desktop.store import open_project


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    from blueprint_desktop.demo import write_demo_project

    return write_demo_project(tmp_path_factory.mktemp("cache") / "demo.bpproj")


@pytest.fixture
def demo(demo_file, tmp_path, monkeypatch):
    import shutil

    monkeypatch.setattr(locations_cache, "CACHE_MIN_ROWS", 0)  # the demo's 5,000 rows are cached too
    monkeypatch.setattr(locations_cache, "PART_ROWS", 1000)  # several parts
    path = tmp_path / "demo.bpproj"
    shutil.copy(demo_file, path)
    project = open_project(path)
    yield project
    project.close()


def _parts(project) -> int:
    return project.conn.execute("SELECT count(*) FROM locations_frame_cache").fetchone()[0]


def test_the_cached_frame_is_the_sqlite_frame(demo, monkeypatch):
    first = load_locations(demo)
    assert _parts(demo) == -(-len(first) // 1000) > 1
    reads = []
    monkeypatch.setattr(credited, "_load_locations", lambda p: reads.append(1) or _load_locations(p))
    again = load_locations(demo)
    assert not reads  # served from the cache
    pd.testing.assert_frame_equal(again, _load_locations(demo))
    assert list(again.columns) == LOCATION_COLUMNS


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE providers SET panel_status = 'closed' WHERE id = (SELECT min(id) FROM providers)",
        "DELETE FROM provider_lines WHERE rowid = (SELECT min(rowid) FROM provider_lines)",
        "UPDATE locations SET latitude = latitude + 0.01 WHERE id = (SELECT min(id) FROM locations)",
        "UPDATE import_batches SET imported_at = '2020-01-01T00:00:00Z'",
    ],
)
def test_any_change_to_its_tables_empties_it_even_from_another_connection(demo, change):
    load_locations(demo)
    assert _parts(demo) > 0
    other = sqlite3.connect(demo.path)  # as the sqlite3 shell or another window would
    with other:
        other.execute(change)
    other.close()
    assert _parts(demo) == 0
    fresh = load_locations(demo)
    pd.testing.assert_frame_equal(fresh, _load_locations(demo))


def test_a_read_overtaken_by_another_commit_is_not_kept(demo, monkeypatch):
    def read_then_someone_commits(project):
        df = _load_locations(project)
        other = sqlite3.connect(project.path)
        with other:
            other.execute(
                "UPDATE providers SET name = name || ' Jr' WHERE id = (SELECT min(id) FROM providers)"
            )
        other.close()
        return df

    monkeypatch.setattr(credited, "_load_locations", read_then_someone_commits)
    load_locations(demo)
    assert _parts(demo) == 0  # the frame it read may be stale: not kept


def test_writing_it_never_waits_for_another_writer(demo):
    other = sqlite3.connect(demo.path)
    other.execute("BEGIN IMMEDIATE")
    try:
        t0 = time.perf_counter()
        df = load_locations(demo)
        assert time.perf_counter() - t0 < 5  # the project's busy timeout is longer: it did not wait
        assert len(df) and _parts(demo) == 0
    finally:
        other.rollback()
        other.close()


def test_a_read_only_project_reads_without_writing(demo_file, monkeypatch):
    monkeypatch.setattr(locations_cache, "CACHE_MIN_ROWS", 0)
    project = open_project(demo_file, read_only=True)
    try:
        assert len(load_locations(project)) > 0
    finally:
        project.close()


def test_a_damaged_or_foreign_cache_is_ignored(demo):
    want = load_locations(demo)
    with demo.transaction() as conn:
        conn.execute("UPDATE locations_frame_cache SET data = x'00ff' WHERE part = 0")
    pd.testing.assert_frame_equal(load_locations(demo), want)  # damaged: read from SQLite
    with demo.transaction() as conn:
        conn.execute("UPDATE locations_frame_cache SET cache_key = 'written-by-another-version'")
    assert locations_cache.read(demo, LOCATION_COLUMNS) is None


def test_a_run_on_the_cache_equals_a_run_on_sqlite(demo, monkeypatch):
    from blueprint_desktop.engine.scoring import gather_inputs

    load_locations(demo)  # cache written
    on_cache = gather_inputs(demo)
    monkeypatch.setattr(locations_cache, "read", lambda project, columns: None)
    on_sqlite = gather_inputs(demo)
    pd.testing.assert_frame_equal(on_cache.locations, on_sqlite.locations)
