"""The demo project for the map tests, written once per test session and copied per test.

``write_demo_project`` scores itself (a few seconds), so both map test modules share one source file
through this module's cache; every test gets its own copy, so nothing a test writes leaks into another.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from blueprint_desktop.demo import write_demo_project
from blueprint_desktop.store import open_project

_SOURCE: Path | None = None
PAYLOAD = re.compile(r"var data = (\{.*?\});\n")


def demo_source(tmp_path_factory) -> Path:
    global _SOURCE
    if _SOURCE is None or not _SOURCE.exists():
        _SOURCE = write_demo_project(tmp_path_factory.mktemp("map-demo") / "demo.bpproj")
    return _SOURCE


def open_demo_copy(tmp_path_factory, tmp_path: Path):
    """A writable copy of the demo project in the test's own folder (caller closes it)."""
    target = tmp_path / "demo.bpproj"
    shutil.copyfile(demo_source(tmp_path_factory), target)
    return open_project(target)


def page_payload(html: str) -> dict:
    """The JSON the page's script draws from (``var data = {...};``)."""
    import json

    match = PAYLOAD.search(html)
    assert match, "no data payload in the page"
    return json.loads(match.group(1))
