"""Start the desktop app: ``run(path)`` opens a project (or the demo) in the main window.

``blueprint gui [PROJECT]`` and ``python -m blueprint_desktop gui`` come here. The environment defaults
follow what was proven on our build machines (../shared/research/stack.md): Chromium inside Qt WebEngine
refuses to run as root with its sandbox on, so root gets ``QTWEBENGINE_DISABLE_SANDBOX=1``; its own log
lines are quietened; and QtWebEngineWidgets is imported before the QApplication exists.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path


def configure_environment() -> None:
    """Defaults that must be set before the QApplication exists (never overriding the user's own)."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
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
    return window.open_project_path(Path(demo))


def run(path: str | None = None) -> int:
    """Show the main window with ``path`` (or the demo) open and run the event loop; the exit code."""
    app = create_application()
    from blueprint_desktop.gui.main_window import MainWindow

    window = MainWindow()
    window.show()
    app.processEvents()
    open_initial_project(window, path)
    code = app.exec()
    dispose(window)
    return code


def dispose(window) -> None:
    """Delete a closed window now, while the QApplication lives: a web page left for interpreter exit
    outlives WebEngine's own shutdown ("Release of profile requested but WebEnginePage still not deleted")."""
    from PySide6.QtCore import QCoreApplication, QEvent

    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
