"""Progress reporting and cancellation for long operations, without Qt.

The engine and importers take a ``Progress`` and call ``progress.update(fraction, message)`` now and
then. The CLI renders it as a terminal bar; the GUI's worker forwards it as a Qt signal and sets the
cancel flag from its Cancel button. ``update`` raises ``Cancelled`` once cancellation was requested, so
cancelling always unwinds through the caller's transaction and leaves the project untouched.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable

from blueprint_desktop.errors import Cancelled

ProgressCallback = Callable[[float, str], None]


class Progress:
    """Fraction-done reports (0..1) to an optional callback, plus a thread-safe cancel flag."""

    def __init__(self, callback: ProgressCallback | None = None, min_interval: float = 0.05) -> None:
        self._callback = callback
        self._cancel = threading.Event()
        self._min_interval = min_interval
        self._last = 0.0
        self.fraction = 0.0
        self.message = ""

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise ``Cancelled`` if cancellation was requested."""
        if self._cancel.is_set():
            raise Cancelled("cancelled by the user; nothing was changed")

    def update(self, fraction: float, message: str = "", force: bool = False) -> None:
        self.check()
        self.fraction = max(0.0, min(1.0, fraction))
        if message:
            self.message = message
        now = time.monotonic()
        # Throttle so that a hot loop reporting every row costs nothing measurable.
        if self._callback and (force or now - self._last >= self._min_interval or self.fraction >= 1.0):
            self._last = now
            self._callback(self.fraction, self.message)

    def scaled(self, start: float, end: float) -> Progress:
        """A child whose 0..1 maps onto [start, end] of this one; shares the cancel flag."""
        child = Progress(None, self._min_interval)
        child._cancel = self._cancel
        parent = self

        def forward(fraction: float, message: str) -> None:
            parent.update(start + (end - start) * fraction, message)

        child._callback = forward
        return child


def terminal_progress(stream=None, width: int = 30) -> Progress:
    """A Progress that draws a one-line bar on a terminal (stderr), and nothing when not a TTY."""
    stream = stream or sys.stderr
    if not getattr(stream, "isatty", lambda: False)():
        return Progress(None)

    def draw(fraction: float, message: str) -> None:
        filled = int(round(width * fraction))
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {fraction * 100:5.1f}% {message[:50]:<50}")
        if fraction >= 1.0:
            stream.write("\n")
        stream.flush()

    return Progress(draw, min_interval=0.1)
