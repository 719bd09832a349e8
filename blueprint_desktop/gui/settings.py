"""App-scoped settings (QSettings): recent projects, window geometry and dock layout.

Project-scoped settings live in the project file; these are the user's, per machine. Tests point
QSettings at a temporary folder (``QSettings.setPath``) or pass their own ``QSettings`` so they never
touch the real user's configuration.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

ORGANIZATION = "Blueprint"
APPLICATION = "Blueprint Desktop"
MAX_RECENT = 8
RECENT_KEY = "recentProjects"
LAYOUT_VERSION = 1  # bump when the set of docks changes, so an old saved layout is not restored


def app_settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


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
