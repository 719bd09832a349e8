"""A run's lines measured in two processes: this one and a forked helper (engine/forking.py).

A straight-line run measures each line on its own (nearest locations, reach, shares, percentiles,
confidence): nothing one line computes is read by another. From ``SPLIT_MIN_ROWS`` credited rows, with a
second core and forking safe, the lines are dealt out by their estimated cost (points plus locations) so
both processes get about half; the helper measures its share and sends back per-county arrays (a few MB),
while this process measures the rest. Result objects are then built here in line order, so the results
are the ones a single process gives, bit for bit (the same operations on the same inputs).

If the helper fails, this process measures its lines itself; if this process is cancelled, the helper is
stopped.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Sequence
from typing import Any

from blueprint_desktop.engine.forking import deal, die_with_parent, fork_workers
from blueprint_desktop.progress import Progress

SPLIT_MIN_ROWS = 200_000  # below this a national run's lines take ~1 s in all: not worth a fork


def _helper(measure: Callable[[str], Any], lines: list[str], conn) -> None:
    """In the forked helper: measure ``lines``, send {line: outcome} and the CPU it took."""
    die_with_parent()
    try:
        c0 = time.process_time()
        got = {code: measure(code) for code in lines}
        conn.send((got, time.process_time() - c0))
    finally:
        conn.close()


def measure_lines(
    lines: Sequence[str],
    measure: Callable[[str], Any],
    cost: Sequence[float],
    progress: Progress,
    phases: Any = None,
    split: bool = True,
    finish: Callable[[str, Any], Any] | None = None,
    finish_cost: float = 0.0,
) -> dict[str, Any]:
    """{line: finish(line, measure(line))} for every line, about half of them measured in a forked helper
    when ``split`` and safe. ``finish`` (a run's result objects) always runs in this process: for its own
    lines as each is measured, while the helper is still at work, and for the helper's lines once they
    come back. ``finish_cost``: what ``finish`` costs for all lines together, in ``cost``'s units.

    ``phases`` (scoring._Phases) gets the helper's CPU seconds as "helper process" (its process clock
    does not count in this one's)."""
    lines = list(lines)
    finish = finish or (lambda _code, outcome: outcome)
    if not split or len(lines) < 2 or fork_workers() < 2:
        out = {}
        for k, code in enumerate(lines):
            progress.update(k / max(1, len(lines)), f"scoring line {code}")
            out[code] = finish(code, measure(code))
        return out
    theirs, mine = deal(lines, cost, _handicap(sum(cost), finish_cost))
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    helper = ctx.Process(target=_helper, args=(measure, theirs, send), daemon=True)
    helper.start()
    send.close()
    out: dict[str, Any] = {}
    try:
        for k, code in enumerate(mine):
            progress.update(k / max(1, len(lines)), f"scoring line {code} (and {len(theirs)} more alongside)")
            out[code] = finish(code, measure(code))
        try:
            got, helper_cpu = recv.recv()
        except (EOFError, OSError):
            got, helper_cpu = {}, 0.0
    finally:
        recv.close()
        if helper.is_alive() and len(out) < len(mine):  # cancelled or failed here: stop the helper
            helper.terminate()
        helper.join()
    if phases is not None:
        phases.spent["helper process"] = phases.spent.get("helper process", 0.0) + helper_cpu
    for code in theirs:  # whatever the helper did not bring back: here
        out[code] = finish(code, got[code] if code in got else measure(code))
    return out


def _handicap(measure_cost: float, finish_cost: float) -> float:
    """What ``deal`` should add to this process's side so both processes' measuring ends together.

    With finishing proportional to measuring (a = F / M), this process measures a share x of the work and
    finishes it (x M (1 + a)) while the helper measures the rest ((1 - x) M): equal at x = 1 / (2 + a).
    ``deal`` balances theirs = mine + handicap, so the handicap is (1 - 2x) M = a M / (2 + a) = F M / (2M + F).
    Finishing the helper's lines comes after, whatever the deal."""
    if measure_cost <= 0 or finish_cost <= 0:
        return 0.0
    return finish_cost * measure_cost / (2 * measure_cost + finish_cost)
