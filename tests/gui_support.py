"""Shared set-up for the main-window tests: one demo project per session, copied per test, and
QSettings pointed at a temporary folder so no test reads or writes the user's real settings."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

_DEMO: Path | None = None


def demo_master() -> Path:
    """The demo project, written once per test session (about 5 s) into a temporary folder."""
    global _DEMO
    if _DEMO is None or not _DEMO.exists():
        from blueprint_desktop.demo import write_demo_project

        folder = Path(tempfile.mkdtemp(prefix="bp-gui-demo-"))
        atexit.register(shutil.rmtree, folder, True)
        _DEMO = write_demo_project(folder / "demo.bpproj")
    return _DEMO


def demo_copy(folder: Path, name: str = "demo.bpproj") -> Path:
    """A private copy of the demo project for one test."""
    target = folder / name
    shutil.copy(demo_master(), target)
    return target


def temp_settings(folder: Path):
    """A QSettings in ``folder``, and QSettings' default user path moved there too."""
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    return QSettings(str(folder / "blueprint-test.ini"), QSettings.Format.IniFormat)


def make_window(
    qtbot, folder: Path, with_map: bool = False, open_demo: bool = True, settings=None, register: bool = True
):
    """A MainWindow with its own settings (and the demo copy open), registered with qtbot.

    With ``register=False`` the test disposes of it itself (``gui.app.dispose``), which a window with
    the map must be: its web page has to go before WebEngine shuts down.
    """
    from blueprint_desktop.gui.main_window import MainWindow

    window = MainWindow(settings=settings or temp_settings(folder), with_map=with_map)
    if register:
        qtbot.addWidget(window)
    if open_demo:
        assert window.open_project_path(demo_copy(folder))
    return window
