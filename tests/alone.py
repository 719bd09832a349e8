"""Run one test in a fresh pytest process: for tests that fork, which is unsafe (and refused by
engine/forking.py) in the suite's own process once GUI tests have started other threads."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from blueprint_desktop.engine import forking

ALONE = "BLUEPRINT_TEST_ALONE"


def in_fresh_process_if_needed(nodeid: str) -> bool:
    """True when the caller should go on here (forking is safe in this process); otherwise the test ran in
    a fresh process, and this asserted it passed there (or skipped when there is no second core)."""
    if forking.fork_workers() == 2:
        return True
    if os.environ.get(ALONE) or (os.cpu_count() or 1) < 2:
        pytest.skip("no second core here")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", nodeid],
        env=dict(os.environ, **{ALONE: "1"}),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "skipped" not in done.stdout, done.stdout[-2000:]
    return False
