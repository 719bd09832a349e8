"""The background worker: results, progress, errors and cancel come back in the GUI thread."""

from __future__ import annotations

import sys
import threading
import time

import pytest
from PySide6.QtWidgets import QMessageBox

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.gui.worker import TaskRunner


def _steps(n: int, progress=None) -> str:
    for i in range(n):
        progress.update((i + 1) / n, f"step {i + 1}", force=True)
        time.sleep(0.06)  # longer than the signal throttle, so every step is reported
    return f"{n} steps on {threading.current_thread().name}"


def _until_cancelled(progress=None) -> None:
    while True:
        progress.update(0.5, "waiting")
        time.sleep(0.005)


def test_result_and_progress_arrive_in_the_gui_thread(qtbot) -> None:
    runner = TaskRunner()
    seen: list[tuple[float, str, bool]] = []
    done: list[str] = []
    runner.progressed.connect(
        lambda f, m: seen.append((f, m, threading.current_thread() is threading.main_thread()))
    )
    with qtbot.waitSignal(runner.finished, timeout=10000):
        assert runner.run("steps", _steps, 4, on_done=lambda r: done.append(r))
        assert runner.busy and not runner.run("other", _steps, 1)  # one task at a time
    assert done and done[0].startswith("4 steps on ") and "MainThread" not in done[0]
    assert [s[1] for s in seen] == ["step 1", "step 2", "step 3", "step 4"]
    assert [s[0] for s in seen] == [0.25, 0.5, 0.75, 1.0]
    assert all(s[2] for s in seen)  # slots ran in the GUI thread (stack.md gotcha 1)
    assert not runner.busy


def test_errors_are_plain_for_users_and_detailed_for_bugs(qtbot, monkeypatch) -> None:
    from blueprint_desktop.gui.messages import show_task_error

    def refuse(progress=None):
        raise BlueprintError("roster.csv: row 7, column NPI: '123' is not a 10-digit NPI")

    def crash(progress=None):
        return 1 / 0

    runner = TaskRunner()
    errors = []
    with qtbot.waitSignal(runner.failed, timeout=10000) as blocker:
        runner.run("import", refuse, on_error=errors.append)
    err = blocker.args[1]
    assert errors == [err] and err.expected and err.details == ""
    assert err.message == "roster.csv: row 7, column NPI: '123' is not a 10-digit NPI"
    qtbot.waitUntil(lambda: not runner.busy)
    with qtbot.waitSignal(runner.failed, timeout=10000) as blocker:
        runner.run("bug", crash)
    bug = blocker.args[1]
    assert not bug.expected and bug.message == "ZeroDivisionError: division by zero"
    assert "Traceback" in bug.details and "in crash" in bug.details

    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append((box.text(), box.detailedText())) or 0)
    show_task_error(None, "Import", err)
    show_task_error(None, "Bug", bug)
    assert shown[0] == (err.message, "") and shown[1][0] == bug.message and "Traceback" in shown[1][1]


def test_cancel_stops_at_the_next_progress_report(qtbot) -> None:
    runner = TaskRunner()
    done = []
    with qtbot.waitSignal(runner.cancelled, timeout=10000) as blocker:
        runner.run("wait", _until_cancelled, on_done=done.append)
        qtbot.wait(50)
        runner.cancel()
    assert blocker.args == ["wait"] and done == []
    qtbot.waitUntil(lambda: not runner.busy)
    assert runner.wait(1000)


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="True is immortal from CPython 3.12 (PEP 683)")
def test_many_signal_emits_cannot_free_true(qtbot) -> None:
    # PySide6 6.12.0 drops a reference to True on every emit (gui/refcount_guard.py). Unguarded, a few
    # hundred emits abort the interpreter; guarded, the count stays astronomically high.
    from PySide6.QtCore import QObject, Signal

    import blueprint_desktop.gui  # noqa: F401 - installs the guard

    class Emitter(QObject):
        ping = Signal(int)

    emitter = Emitter()
    before = sys.getrefcount(True)
    for i in range(5000):
        emitter.ping.emit(i)
    assert sys.getrefcount(True) > 1 << 39
    assert before - sys.getrefcount(True) <= 5000
