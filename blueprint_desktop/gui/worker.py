"""Run headless functions off the GUI thread, with progress, cancel and errors brought back to the GUI.

``TaskRunner`` runs one task at a time on a ``QThread``: ``runner.run(name, fn, *args, on_done=...)``
calls ``fn(*args, progress=Progress(...), **kwargs)`` in the thread. The core's ``Progress`` is the
only link: its callback emits a signal (progress bar) and its cancel flag makes the core raise
``Cancelled`` at its next report, which unwinds through the core's transaction, so nothing half-done
is kept.

Why a small QThread class rather than superqt's ``thread_worker``: our core functions report through a
``Progress`` (not generator yields), we need exactly one writer at a time on the project connection,
and tests and shutdown need a thread they can ``wait()`` on. Both would need the same care below.

Threading rule (stack.md gotcha 1, PySide6 6.12): a signal emitted in the worker thread and connected to
a lambda runs the lambda *in the worker thread*; touching a model from there deadlocked a test run. So
the thread's signals go only to ``@Slot`` methods of ``TaskRunner``, a QObject living in the GUI thread
(queued connections), and the runner calls the ``on_done`` / ``on_error`` callbacks and re-emits its own
signals from there. Everything connected to the runner's signals therefore runs in the GUI thread.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from blueprint_desktop.errors import BlueprintError, Cancelled
from blueprint_desktop.progress import Progress


@dataclass
class TaskError:
    """What went wrong in a task: the plain message, and the traceback when it is a bug."""

    message: str
    expected: bool  # a BlueprintError the user can act on (no traceback shown)
    details: str = ""
    exception: BaseException | None = None


EMIT_INTERVAL_S = 0.05  # at most 20 progress signals a second: a bar needs no more


class _TaskThread(QThread):
    progressed = Signal(float, str)
    done = Signal(object)
    errored = Signal(object)

    def __init__(self, fn: Callable[..., Any], args: tuple, kwargs: dict, progress: Progress) -> None:
        super().__init__()
        self._fn, self._args, self._kwargs, self._progress = fn, args, kwargs, progress
        self._last_emit = 0.0

    def run(self) -> None:  # runs in the worker thread
        try:
            result = self._fn(*self._args, progress=self._progress, **self._kwargs)
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the GUI thread
            self.errored.emit(exc)
            return
        self.done.emit(result)

    def report(self, fraction: float, message: str) -> None:  # called in the worker thread
        # Hand the GIL to the GUI thread at every report, so a core loop that reports often never
        # starves the event loop between its numpy calls (tests/test_gui_responsive.py).
        time.sleep(0)
        now = time.monotonic()
        if now - self._last_emit >= EMIT_INTERVAL_S or fraction >= 1.0:
            self._last_emit = now
            self.progressed.emit(fraction, message)


class TaskRunner(QObject):
    """One background task at a time; signals and callbacks arrive in the GUI thread."""

    started = Signal(str, str)  # task name, label for the status bar
    progressed = Signal(float, str)  # fraction 0..1, message
    succeeded = Signal(str, object)  # task name, result
    failed = Signal(str, object)  # task name, TaskError
    cancelled = Signal(str)  # task name
    finished = Signal(str)  # task name; always last, after succeeded / failed / cancelled

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: _TaskThread | None = None
        self._progress: Progress | None = None
        self._name = ""
        self._on_done: Callable[[Any], None] | None = None
        self._on_error: Callable[[TaskError], None] | None = None
        self.last_error: TaskError | None = None

    # -- public ----------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._thread is not None

    @property
    def task_name(self) -> str:
        return self._name if self.busy else ""

    def run(
        self,
        name: str,
        fn: Callable[..., Any],
        *args: Any,
        label: str = "",
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[TaskError], None] | None = None,
        **kwargs: Any,
    ) -> bool:
        """Start ``fn(*args, progress=..., **kwargs)``; False (and nothing started) while another runs.

        ``on_done(result)`` / ``on_error(TaskError)`` are called in the GUI thread. They must not touch
        the task's own inputs from another thread; the task itself must not touch any widget.
        """
        if self.busy:
            return False
        thread_box: list[_TaskThread] = []
        # min_interval 0: every report reaches ``report`` (which yields the GIL); it throttles the signal.
        progress = Progress(lambda f, m: thread_box[0].report(f, m), min_interval=0.0)
        thread = _TaskThread(fn, args, kwargs, progress)
        thread_box.append(thread)
        thread.progressed.connect(self._on_progressed)
        thread.done.connect(self._on_done_signal)
        thread.errored.connect(self._on_errored)
        thread.finished.connect(self._on_thread_finished)
        self._thread, self._progress, self._name = thread, progress, name
        self._on_done, self._on_error = on_done, on_error
        self._outcome: tuple[str, Any] | None = None
        self.started.emit(name, label or name)
        thread.start()
        return True

    def cancel(self) -> None:
        """Ask the running task to stop at its next progress report."""
        if self._progress is not None:
            self._progress.cancel()

    def wait(self, msecs: int = 30000) -> bool:
        """Block until the running task ends (shutdown, tests); True when nothing is left running."""
        thread = self._thread
        if thread is None:
            return True
        return thread.wait(msecs)

    # -- slots (GUI thread) ------------------------------------------------------------------------
    @Slot(float, str)
    def _on_progressed(self, fraction: float, message: str) -> None:
        self.progressed.emit(fraction, message)

    @Slot(object)
    def _on_done_signal(self, result: object) -> None:
        self._outcome = ("done", result)

    @Slot(object)
    def _on_errored(self, exc: object) -> None:
        self._outcome = ("error", exc)

    @Slot()
    def _on_thread_finished(self) -> None:
        # QThread.finished comes after run() returned, so the thread is really over when we report.
        thread, name = self._thread, self._name
        outcome = self._outcome or ("error", RuntimeError("the task ended without a result"))
        on_done, on_error = self._on_done, self._on_error
        self._thread, self._progress = None, None
        self._on_done = self._on_error = None
        if thread is not None:
            thread.wait()
            thread.deleteLater()
        kind, value = outcome
        if kind == "done":
            if on_done is not None:
                on_done(value)
            self.succeeded.emit(name, value)
        elif isinstance(value, Cancelled):
            self.cancelled.emit(name)
        else:
            err = describe_error(value)
            self.last_error = err
            if on_error is not None:
                on_error(err)
            self.failed.emit(name, err)
        self.finished.emit(name)


def describe_error(exc: BaseException) -> TaskError:
    """The message a user sees: the one line of a BlueprintError, else the exception with its traceback."""
    if isinstance(exc, BlueprintError):
        return TaskError(str(exc), True, "", exc)
    details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return TaskError(f"{type(exc).__name__}: {exc}", False, details, exc)
