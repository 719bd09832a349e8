"""Start the desktop app: ``run(path)`` opens a project (or the demo) in the main window.

``blueprint gui [PROJECT]`` and ``python -m blueprint_desktop gui`` come here. The environment defaults
follow what was proven on our build machines (../shared/research/stack.md): Chromium inside Qt WebEngine
refuses to run as root with its sandbox on, so root gets ``QTWEBENGINE_DISABLE_SANDBOX=1``; its own log
lines are quietened; and QtWebEngineWidgets is imported before the QApplication exists.

``run`` also installs the crash handlers (``install_crash_handlers``): an unexpected error anywhere, in
the GUI thread, a worker thread or a hard crash inside Qt, is written to a crash log in the user's log
folder (``blueprint_desktop.app_dirs``) and the user is shown where it is, since the frozen app on Windows
and macOS has no console where a traceback could be read.
"""

from __future__ import annotations

import contextlib
import faulthandler
import json
import logging
import logging.handlers
import os
import platform
import sys
import threading
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from blueprint_desktop import app_dirs

# A JSON file path: the app writes what it showed there and quits (the frozen build's smoke test,
# tests/test_frozen_app.py). Unset in normal use.
SMOKE_REPORT_ENV = "BLUEPRINT_SMOKE_REPORT"
SMOKE_MAP_TIMEOUT_MS = 90_000
log = logging.getLogger("blueprint_desktop")


def configure_environment() -> None:
    """Defaults that must be set before the QApplication exists (never overriding the user's own)."""
    # Linux only: refusing to run sandboxed as root is a rule of Chromium on Linux.
    if sys.platform.startswith("linux") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--log-level=3")


def create_application(argv: list[str] | None = None):
    """The QApplication (created once), named so QSettings and the window title agree."""
    configure_environment()
    # Qt wants WebEngine loaded before the application object; the map pane needs it.
    with contextlib.suppress(ImportError):
        import PySide6.QtWebEngineWidgets  # noqa: F401
    from PySide6.QtWidgets import QApplication

    from blueprint_desktop import __version__
    from blueprint_desktop.gui.settings import APPLICATION, ORGANIZATION

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationVersion(__version__)
    apply_look(app)
    return app


UI_DIR = Path(__file__).resolve().parents[2] / "ui"


def apply_look(app) -> None:
    """The stylesheet and icon from ui/ (skipped quietly when an installed copy lacks them)."""
    from PySide6.QtGui import QIcon

    qss = UI_DIR / "blueprint.qss"
    if qss.is_file() and not app.property("blueprintStyled"):
        app.setStyleSheet(app.styleSheet() + qss.read_text(encoding="utf-8"))
        app.setProperty("blueprintStyled", True)
    icon = UI_DIR / "blueprint.svg"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))


def open_initial_project(window, path: str | None) -> bool:
    """Open ``path``, or the demo project (built on first use) when none is given."""
    if path:
        return window.open_project_path(path)
    from blueprint_desktop.demo import ensure_demo_project
    from blueprint_desktop.errors import BlueprintError
    from blueprint_desktop.gui.messages import show_error

    window.statusBar().showMessage("Preparing the demo project…")
    try:
        demo = ensure_demo_project()
    except BlueprintError as exc:
        show_error(window, "Demo project unavailable", str(exc))
        return False
    finally:
        window.statusBar().clearMessage()  # else "Preparing..." stays after the demo is open
    return window.open_project_path(Path(demo))


def run(path: str | None = None) -> int:
    """Show the main window with ``path`` (or the demo) open and run the event loop; the exit code."""
    app = create_application()
    smoke = os.environ.get(SMOKE_REPORT_ENV)
    handlers = install_crash_handlers(show_messages=not smoke)
    from blueprint_desktop.gui.main_window import MainWindow

    window = MainWindow()
    window.show()
    app.processEvents()
    shown_at = time.time()
    handlers.tell_about_previous_crashes(window)
    opened = open_initial_project(window, path)
    if smoke:
        SmokeReport(window, Path(smoke), shown_at, opened).start()
    code = app.exec()
    dispose(window)
    handlers.uninstall()
    log.info("closed normally (exit code %s)", code)
    return code


def dispose(window) -> None:
    """Delete a closed window now, while the QApplication lives: a web page left for interpreter exit
    outlives WebEngine's own shutdown ("Release of profile requested but WebEnginePage still not deleted")."""
    from PySide6.QtCore import QCoreApplication, QEvent

    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def crash_text(exc_type, exc, tb, where: str = "") -> str:
    """What a crash log holds: when, which build, on what, where, and the whole traceback."""
    from blueprint_desktop import __version__

    head = [
        f"Blueprint Desktop {__version__} crash report, {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC",
        f"system: {platform.platform()}; Python {platform.python_version()}",
        f"build: {'frozen app ' + sys.executable if getattr(sys, 'frozen', False) else 'source tree'}",
    ]
    if where:
        head.append(f"where: {where}")
    return "\n".join(head) + "\n\n" + "".join(traceback.format_exception(exc_type, exc, tb))


class CrashHandlers:
    """The process-wide hooks ``install_crash_handlers`` sets, and what they have written."""

    def __init__(self, show_messages: bool) -> None:
        from PySide6.QtCore import QObject, Signal

        class _Notifier(QObject):
            # Emitted from any thread; the connection queues it to the GUI thread, which owns the box.
            crashed = Signal(str, str, str)

        self.show_messages = show_messages
        self.logs: list[Path] = []
        self.previous: list[Path] = []
        self._fatal_stream: TextIO | None = None
        self._fatal_path: Path | None = None
        self._old = (sys.excepthook, threading.excepthook)
        self._notifier = _Notifier()
        self._notifier.crashed.connect(self._show)

    def install(self) -> None:
        folder = app_dirs.ensure_dir(app_dirs.log_dir())
        _start_log_file(folder)
        # A hard crash (segfault, abort in Qt or a C library) leaves a non-empty fatal-<pid>.log behind:
        # kept now as a crash log the user is told about once the window shows.
        for old in sorted(folder.glob("fatal-*.log")):
            with contextlib.suppress(OSError):
                if old.stat().st_size:
                    kept = app_dirs.crash_log_path().with_name(f"crash-{old.stem}.log")
                    old.replace(kept)
                    self.previous.append(kept)
        self._fatal_path = folder / f"fatal-{os.getpid()}.log"
        self._fatal_stream = open(self._fatal_path, "w", encoding="utf-8")  # noqa: SIM115 (open for the run)
        faulthandler.enable(self._fatal_stream, all_threads=True)
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook

    def uninstall(self) -> None:
        sys.excepthook, threading.excepthook = self._old
        faulthandler.disable()
        if self._fatal_stream is not None:
            self._fatal_stream.close()
            self._fatal_stream = None
        # A clean exit leaves no empty fatal log behind.
        if self._fatal_path is not None:
            with contextlib.suppress(OSError):
                if not self._fatal_path.stat().st_size:
                    self._fatal_path.unlink()

    def excepthook(self, exc_type, exc, tb) -> None:
        self.handle(exc_type, exc, tb, "the main (GUI) thread")

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "a thread"
        self.handle(args.exc_type, args.exc_value, args.exc_traceback, f"thread {name}")

    def handle(self, exc_type, exc, tb, where: str) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        text = crash_text(exc_type, exc, tb, where)
        try:
            path: Path | None = app_dirs.write_crash_log(text)
            self.logs.append(path)
        except OSError as err:  # the log folder is unwritable: the traceback still reaches stderr
            path = None
            text += f"\n(could not write a crash log: {err})\n"
        log.error("unexpected error in %s (crash log %s)\n%s", where, path, text)
        if sys.stderr is not None:
            with contextlib.suppress(Exception):
                sys.stderr.write(text)
        if self.show_messages:
            self._notifier.crashed.emit(f"{exc_type.__name__}: {exc}", str(path or ""), text)

    def _show(self, summary: str, path: str, details: str) -> None:
        from blueprint_desktop.gui.messages import show_error

        where = (
            f"The details are saved in\n{path}\nPlease send that file to your support contact."
            if path
            else ""
        )
        show_error(
            None, "Blueprint Desktop hit an error", f"Something went wrong: {summary}\n\n{where}", details
        )

    def tell_about_previous_crashes(self, parent) -> None:
        if not self.previous or not self.show_messages:
            return
        from blueprint_desktop.gui.messages import show_info

        show_info(
            parent,
            "Blueprint Desktop closed unexpectedly",
            "Blueprint Desktop closed unexpectedly last time. What it recorded is in\n"
            + "\n".join(str(p) for p in self.previous)
            + "\nPlease send it to your support contact.",
        )


def install_crash_handlers(show_messages: bool = True) -> CrashHandlers:
    """Route every unexpected error to a crash log (and a message box naming it); see ``CrashHandlers``."""
    handlers = CrashHandlers(show_messages)
    handlers.install()
    return handlers


def _start_log_file(folder: Path) -> None:
    """The running log: a few rotated files, so a long-lived install never fills the disk."""
    path = folder / app_dirs.LOG_FILE
    if any(getattr(h, "baseFilename", None) == str(path) for h in log.handlers):
        return
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    from blueprint_desktop import __version__

    log.info(
        "Blueprint Desktop %s started (%s, Python %s, %s)",
        __version__,
        platform.platform(),
        platform.python_version(),
        "frozen" if getattr(sys, "frozen", False) else "source",
    )


class SmokeReport:
    """For the frozen build's smoke test: once the demo is open and the map has drawn (or failed, or 90 s
    passed), write what the window shows to a JSON file with a picture of the window, then quit."""

    def __init__(self, window, path: Path, shown_at: float, opened: bool) -> None:
        self.window, self.path, self.shown_at, self.opened = window, path, shown_at, opened
        self.opened_at = time.time()
        self.map_state = "absent"
        self._done = False

    def start(self) -> None:
        from PySide6.QtCore import QTimer

        pane = self.window.map_pane
        if hasattr(pane, "map_ready"):
            self.map_state = "waiting"
            pane.map_ready.connect(lambda: self._finish("ready"))
            pane.map_failed.connect(lambda why: self._finish(f"failed: {why}"))
            if getattr(pane, "_ready", False):
                self._finish("ready")
            QTimer.singleShot(SMOKE_MAP_TIMEOUT_MS, lambda: self._finish("timeout"))
        else:
            QTimer.singleShot(1000, lambda: self._finish("absent"))

    def _finish(self, map_state: str) -> None:
        from PySide6.QtCore import QTimer

        if self._done:
            return
        self._done = True
        self.map_state = map_state
        self.map_at = time.time()
        # A moment for the map's tiles of vector layers to paint before the picture.
        QTimer.singleShot(1500, self._write)

    def _write(self) -> None:
        from PySide6.QtWidgets import QApplication

        w = self.window
        picture = self.path.with_suffix(".png")
        grabbed = w.grab().save(str(picture))
        project = getattr(w, "project", None)
        pane = w.map_pane
        model = w.results_pane.model
        report = {
            "pid": os.getpid(),
            "frozen": bool(getattr(sys, "frozen", False)),
            "executable": sys.executable,
            "window_shown_at": self.shown_at,
            "project_opened_at": self.opened_at,
            "map_done_at": self.map_at,
            "window_title": w.windowTitle(),
            "window_visible": w.isVisible(),
            "project_opened": self.opened and project is not None,
            "project_name": project.get_meta("name") if project is not None else None,
            "results_rows": model.rowCount(),
            "results_columns": model.columnCount(),
            "map": self.map_state,
            "map_requests_blocked": list(getattr(getattr(pane, "interceptor", None), "blocked", [])),
            "screenshot": str(picture) if grabbed else None,
            "log_dir": str(app_dirs.log_dir()),
            "settings_file": str(app_dirs.settings_file()),
        }
        self.path.write_text(json.dumps(report, indent=2), encoding="utf-8")
        QApplication.instance().quit()
