"""App-scoped settings (QSettings): recent projects, window geometry and dock layout.

Project-scoped settings live in the project file; these are the user's, per machine, in one INI file
where each OS expects per-user settings (``blueprint_desktop.app_dirs.settings_file``: %APPDATA% on
Windows, ~/Library/Application Support on macOS, ~/.config on Linux). Tests pass their own ``QSettings``
so they never touch the real user's configuration.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QSettings

from blueprint_desktop import app_dirs

ORGANIZATION = "Blueprint"
APPLICATION = "Blueprint Desktop"
MAX_RECENT = 8
RECENT_KEY = "recentProjects"
LAYOUT_VERSION = 1  # bump when the set of docks changes, so an old saved layout is not restored


def app_settings() -> QSettings:
    """The user's settings file; on first use, a copy of the one earlier versions kept elsewhere."""
    path = app_dirs.settings_file()
    if not path.exists():
        app_dirs.ensure_dir(path.parent)
        _adopt_legacy_settings(path)
    return QSettings(str(path), QSettings.Format.IniFormat)


def legacy_settings_file() -> Path:
    """Where versions before app_dirs kept the settings (Qt's own INI location: ~/.config on macOS too)."""
    legacy = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)
    return Path(legacy.fileName())


def _adopt_legacy_settings(path: Path) -> None:
    # Copied, not moved: an older version still installed beside this one keeps working.
    legacy = legacy_settings_file()
    if legacy.is_file() and legacy.resolve() != path.resolve():
        shutil.copy2(legacy, path)


def recent_projects(settings: QSettings) -> list[str]:
    value = settings.value(RECENT_KEY, [])
    if isinstance(value, str):  # QSettings returns a lone entry as a plain string
        value = [value]
    return [str(v) for v in (value or []) if v]


def add_recent_project(settings: QSettings, path: str | Path) -> list[str]:
    """Put ``path`` first in the recent list (no duplicates, at most MAX_RECENT) and return the list."""
    path = str(Path(path).resolve())
    items = [p for p in recent_projects(settings) if p != path]
    items.insert(0, path)
    items = items[:MAX_RECENT]
    settings.setValue(RECENT_KEY, items)
    return items


def remove_recent_project(settings: QSettings, path: str | Path) -> list[str]:
    items = [p for p in recent_projects(settings) if p != str(path)]
    settings.setValue(RECENT_KEY, items)
    return items
