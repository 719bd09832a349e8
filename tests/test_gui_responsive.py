"""While the demo scores in the worker, the GUI's event loop keeps ticking.

The product aim is no stall over 50 ms; on a quiet machine this test measures 17-34 ms (figures in
docs/performance.md). A timed assertion at 50 ms fails whenever another process loads the 2 cores, so the
test asserts what holds under any load: the longest stall is a small fraction of the run, whereas a run on
the GUI thread would freeze the loop for all of it. It prints the measured gap for the record.
"""

from __future__ import annotations

import time

import pytest
from gui_support import make_window

AIM_GAP_S = 0.050  # the product aim, reported; see the module docstring
MAX_SHARE_OF_RUN = 0.4  # a GUI-thread run stalls for ~100% of the run


@pytest.mark.timeout(120)
def test_event_loop_never_stalls_while_scoring(qtbot, tmp_path) -> None:
    from PySide6.QtCore import QTimer

    window = make_window(qtbot, tmp_path)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(300)  # let the first paints and layout settle, as a user would before pressing F5

    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    qtbot.wait(50)
    started = time.perf_counter()
    with qtbot.waitSignal(window.scoring_finished, timeout=60000) as blocker:
        assert window.score()
    ended = time.perf_counter()
    qtbot.wait(30)
    timer.stop()
    assert blocker.args == [True]

    during = [t for t in ticks if started - 0.011 <= t <= ended + 0.011]
    gaps = [b - a for a, b in zip(during, during[1:], strict=False)]
    assert len(during) >= 5, "the timer must tick during the run"
    max_gap = max(gaps)
    print(f"scoring {ended - started:.2f} s, {len(during)} ticks, max gap {max_gap * 1000:.1f} ms")
    run = ended - started
    assert max_gap < max(AIM_GAP_S, MAX_SHARE_OF_RUN * run), (
        f"event loop stalled {max_gap * 1000:.0f} ms during a {run:.2f} s scoring run"
    )
