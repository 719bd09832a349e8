"""When a run may fork a helper process to use the second core.

numpy's and scipy's heavy steps here (KD-tree queries aside) hold the GIL, so threads do not add a core:
a forked process does, sharing the parent's pages (graph, inputs) copy-on-write and sending back only its
small results. Forking is safe only in a process with no other threads (a forked copy of a threaded
process can inherit a lock another thread held), so it is off in the GUI's scoring thread and wherever
another thread runs; and it needs the ``fork`` start method (not on Windows).
"""

from __future__ import annotations

import multiprocessing
import os
import threading


def fork_workers() -> int:
    """Processes a run may use: 2 where there are two cores and forking is safe, else 1.
    ``BLUEPRINT_ROAD_WORKERS`` (its old name, kept) overrides the core count: 1 turns helpers off."""
    env = os.environ.get("BLUEPRINT_ROAD_WORKERS", "").strip()
    want = (
        int(env)
        if env.isdigit()
        else min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    )
    if (
        want < 2
        or "fork" not in multiprocessing.get_all_start_methods()
        or threading.active_count() > 1
        or threading.current_thread() is not threading.main_thread()  # e.g. the GUI's scoring thread
    ):
        return 1
    return 2
