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
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


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


def deal(lines: Sequence[T], cost: Sequence[float], handicap: float = 0.0) -> tuple[list[T], list[T]]:
    """(helper's items, this process's items): costliest first, each to the side with less so far.
    ``handicap``: work this process does alone (a run's result objects: line_split._handicap), in the same units."""
    mine: list[T] = []
    theirs: list[T] = []
    load = [0.0, float(handicap)]
    for k in sorted(range(len(lines)), key=lambda k: (-cost[k], k)):
        side = 0 if load[0] <= load[1] else 1
        (theirs if side == 0 else mine).append(lines[k])
        load[side] += cost[k]
    return theirs, mine


def run_jobs(jobs: list, cost: list[float]) -> None:
    """Run every job (callables taking nothing; what they make, they write to disk): with a second core and
    forking safe, a forked helper runs about half of them by ``cost``, this process the rest.

    Whatever the helper did not finish (it failed, or was killed) is run again here, so an error a job
    raises reaches the caller from this process, with its own type and message."""
    if len(jobs) < 2 or fork_workers() < 2:
        for job in jobs:
            job()
        return
    theirs, mine = deal(list(range(len(jobs))), cost)
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    helper = ctx.Process(target=_run_helper, args=([jobs[k] for k in theirs], theirs, send), daemon=True)
    helper.start()
    send.close()
    done: list[int] = []
    try:
        for k in mine:
            jobs[k]()
        try:
            done = recv.recv()
        except (EOFError, OSError):
            done = []
    finally:
        recv.close()
        if helper.is_alive() and not done:
            helper.terminate()
        helper.join()
    for k in theirs:
        if k not in done:
            jobs[k]()


class Background(Generic[T]):
    """``fn()`` computed in a forked helper while this process does something else (``in_background``)."""

    def __init__(self, fn: Callable[[], T], fork: bool) -> None:
        self._fn = fn
        self._helper = None
        self._recv = None
        if fork:
            ctx = multiprocessing.get_context("fork")
            self._recv, send = ctx.Pipe(duplex=False)
            self._helper = ctx.Process(target=_call_helper, args=(fn, send), daemon=True)
            self._helper.start()
            send.close()

    def result(self) -> T:
        """What ``fn()`` returned: from the helper, or computed here when there is none or it failed (so an
        error ``fn`` raises reaches the caller from this process, with its own type and message)."""
        if self._helper is None:
            return self._fn()
        got = None
        try:
            got = self._recv.recv()
        except (EOFError, OSError):
            got = None
        finally:
            self.cancel()
        return got[1] if got is not None and got[0] == "ok" else self._fn()

    def cancel(self) -> None:
        """Stop the helper if it is still at work (the caller no longer wants the result)."""
        if self._helper is None:
            return
        self._recv.close()
        if self._helper.is_alive():
            self._helper.terminate()
        self._helper.join()
        self._helper = None


def in_background(fn: Callable[[], T], worth_it: bool = True) -> Background[T]:
    """Start ``fn()`` (pure: it reads this process's data, writes nothing) in a forked helper when that is
    ``worth_it`` and safe; ``.result()`` gives its value. Without a helper ``fn`` runs when asked."""
    return Background(fn, worth_it and fork_workers() >= 2)


def _call_helper(fn: Callable[[], object], conn) -> None:
    die_with_parent()
    try:
        try:
            value = fn()
        except BaseException as exc:  # noqa: BLE001 - the parent computes it again and raises it there
            conn.send(("failed", repr(exc)))
        else:
            conn.send(("ok", value))
    finally:
        conn.close()


def die_with_parent() -> None:
    """In a forked helper (Linux): be killed when the parent dies, so a parent killed mid-run (a crash, a
    SIGKILL) leaves no orphan computing or writing on. Elsewhere a no-op: the helper then ends when it next
    finds its pipe closed."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent already died between fork and prctl
            os._exit(1)
    except (OSError, AttributeError):
        pass


def _run_helper(jobs: list, keys: list[int], conn) -> None:
    """In the forked helper: run ``jobs`` in order, report which finished."""
    die_with_parent()
    finished: list[int] = []
    try:
        for key, job in zip(keys, jobs, strict=True):
            job()
            finished.append(key)
    except BaseException:  # noqa: BLE001 - this process re-runs the rest and raises the error itself
        pass
    finally:
        try:
            conn.send(finished)
        finally:
            conn.close()
