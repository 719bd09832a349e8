"""Shared test set-up: Qt runs offscreen (and without Chromium's sandbox as root), and each test
gets a fresh project file in its own temporary folder."""

from __future__ import annotations

import os

# Must happen before any QApplication exists (see ../shared/research/stack.md).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0:
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--log-level=3")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from blueprint_desktop.store import create_project, open_project  # noqa: E402


@pytest.fixture
def project_path(tmp_path: Path) -> Path:
    """A new, empty MA project serving Harris and Fort Bend counties, TX."""
    path = tmp_path / "test.bpproj"
    create_project(path, "Test plan", lob="ma", plan_year=2026, counties=[("48201", "TX"), ("48157", "TX")])
    return path


@pytest.fixture
def project(project_path: Path):
    proj = open_project(project_path)
    yield proj
    proj.close()
