"""engine/forking.py: jobs split over two processes all run, a failed helper's jobs run here (raising here),
and a helper dies with its parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from alone import in_fresh_process_if_needed

from blueprint_desktop.engine import forking


def _write(path: Path, text: str):
    return lambda: path.write_text(f"{text} {os.getpid()}")


def test_every_job_runs_and_a_helper_takes_some(tmp_path):
    paths = [tmp_path / f"f{k}" for k in range(6)]
    forking.run_jobs([_write(p, "x") for p in paths], [5, 1, 1, 1, 1, 1])
    pids = {p.read_text().split()[1] for p in paths}
    assert all(p.read_text().startswith("x") for p in paths)
    if forking.fork_workers() == 2:
        assert len(pids) == 2 and str(os.getpid()) in pids


def test_a_job_that_fails_in_the_helper_raises_here(tmp_path):
    if not in_fresh_process_if_needed(f"{__file__}::test_a_job_that_fails_in_the_helper_raises_here"):
        return
    parent = os.getpid()

    def fails_anywhere():
        raise OSError(f"disk full in {'helper' if os.getpid() != parent else 'parent'}")

    ok = tmp_path / "ok"
    # The costly job goes to the helper, where it fails; this process runs it again and raises.
    with pytest.raises(OSError, match="disk full in parent"):
        forking.run_jobs([fails_anywhere, _write(ok, "y")], [10, 1])
    assert ok.read_text().startswith("y")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_helper_dies_with_its_parent(tmp_path):
    marker = tmp_path / "helper.pid"
    script = f"""
import os, sys, time, multiprocessing
sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})
from blueprint_desktop.engine.forking import die_with_parent
def helper():
    die_with_parent()
    open({str(marker)!r}, "w").write(str(os.getpid()))
    time.sleep(60)
p = multiprocessing.get_context("fork").Process(target=helper)
p.start()
time.sleep(60)
"""
    parent = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 30
        while not marker.exists() or not marker.read_text():
            assert time.monotonic() < deadline, "the helper did not start"
            time.sleep(0.05)
        helper_pid = int(marker.read_text())
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(helper_pid, 0)
            except ProcessLookupError:
                return  # gone with its parent
            # A zombie waiting for init to reap it counts as gone.
            stat = Path(f"/proc/{helper_pid}/stat")
            if stat.exists() and stat.read_text().split()[2] == "Z":
                return
            time.sleep(0.05)
        pytest.fail("the helper outlived its parent")
    finally:
        parent.kill()
