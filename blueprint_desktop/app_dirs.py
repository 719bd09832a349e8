"""Where the app keeps the user's things, in the place each OS expects (through ``platformdirs``).

================  ===================================  =====================================  ==========================================
what              Windows                              macOS                                  Linux (XDG)
================  ===================================  =====================================  ==========================================
settings, recent  %APPDATA%\\Blueprint\\Blueprint       ~/Library/Application Support/         ~/.config/Blueprint Desktop/settings.ini
files             Desktop\\settings.ini (roams with     Blueprint Desktop/settings.ini
                  the user's profile)
data (the demo)   %LOCALAPPDATA%\\Blueprint\\           ~/Library/Application Support/         ~/.local/share/Blueprint Desktop/
                  Blueprint Desktop\\                   Blueprint Desktop/
logs, crash logs  %LOCALAPPDATA%\\Blueprint\\           ~/Library/Logs/Blueprint Desktop/      ~/.local/state/Blueprint Desktop/log/
                  Blueprint Desktop\\Logs\\
================  ===================================  =====================================  ==========================================

Projects themselves live wherever the user saves them. Core code (no Qt): the CLI, the GUI and the frozen
app's entry all use it.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import platformdirs

APP_NAME = "Blueprint Desktop"
APP_AUTHOR = "Blueprint"  # the vendor folder platformdirs puts the app folder in on Windows
SETTINGS_FILE = "settings.ini"
LOG_FILE = "blueprint.log"
FATAL_LOG_FILE = "fatal.log"  # faulthandler's output: a hard crash (segfault, abort) in Qt or a C library


def config_dir() -> Path:
    """Per-user settings and the recent-files list (roaming on Windows: they follow the user)."""
    return platformdirs.user_config_path(APP_NAME, APP_AUTHOR, roaming=True)


def data_dir() -> Path:
    """Per-user data the app writes for itself (the demo project); never roaming (it can be large)."""
    return platformdirs.user_data_path(APP_NAME, APP_AUTHOR)


def log_dir() -> Path:
    """Per-user logs: the running log and one file per crash, for the user to send to support."""
    return platformdirs.user_log_path(APP_NAME, APP_AUTHOR)


def settings_file() -> Path:
    return config_dir() / SETTINGS_FILE


def ensure_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def crash_log_path(now: datetime | None = None) -> Path:
    """A new crash log's path: one file per crash, named by its UTC time so none overwrites another."""
    now = now or datetime.now(UTC)
    base = log_dir() / f"crash-{now:%Y%m%d-%H%M%S}"
    path, n = base.with_suffix(".log"), 1
    while path.exists():
        n += 1
        path = base.parent / f"{base.name}-{n}.log"
    return path


def write_crash_log(text: str, now: datetime | None = None) -> Path:
    """Write ``text`` (a traceback with context) to a new crash log and return its path."""
    path = crash_log_path(now)
    ensure_dir(path.parent)
    path.write_text(text, encoding="utf-8")
    return path


def redirect_missing_streams() -> TextIO | None:
    """Give a windowed program (Windows and macOS builds have no console) a stdout/stderr: the log file.

    There ``sys.stdout``/``sys.stderr`` are None, so a ``print`` raises and a traceback Python prints is
    lost; appended to the log they reach the user's crash report instead. Returns the stream opened, if any.
    """
    if sys.stdout is not None and sys.stderr is not None:
        return None
    stream = open(ensure_dir(log_dir()) / LOG_FILE, "a", encoding="utf-8", buffering=1)  # noqa: SIM115
    if sys.stdout is None:
        sys.stdout = stream
    if sys.stderr is None:
        sys.stderr = stream
    return stream
