"""What this build is made of: app and library versions, data vintages, rules tables, schema.

Shown by Help > About in the app, and useful in support requests and reports; Qt-free so the CLI can
print it too. The GUI adds the Qt binding versions, which only it knows.
"""

from __future__ import annotations

import json
import platform
from importlib import metadata
from typing import Any

from blueprint_desktop import __version__


def _dist_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def geography_vintages() -> dict[str, str]:
    """The sources of the bundled geography (``resources/geography/BUILD.json``), or why they are unknown."""
    from blueprint_desktop.geo.paths import geography_dir

    path = geography_dir() / "BUILD.json"
    try:
        build = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return {"geography": f"unknown ({path.name}: {exc.__class__.__name__})"}
    out = {str(k): str(v) for k, v in (build.get("sources") or {}).items()}
    if build.get("built_at"):
        out["geography built"] = str(build["built_at"])
    return out


def version_info(project=None) -> dict[str, Any]:
    """Ordered label -> text pairs; with ``project``, also its schema and the standards it scores with."""
    from blueprint_desktop.rules.standards import BASE_PLAN_YEAR, BASE_TABLE
    from blueprint_desktop.store.migrations import SCHEMA_VERSION

    info: dict[str, Any] = {
        "Blueprint Desktop": __version__,
        "Python": platform.python_version(),
        "pandas": _dist_version("pandas"),
        "numpy": _dist_version("numpy"),
        "scipy": _dist_version("scipy"),
        "pyqtgraph": _dist_version("pyqtgraph"),
    }
    for label, text in geography_vintages().items():
        info[f"data: {label}"] = text
    info["rules table"] = f"{BASE_TABLE.name} (42 CFR 422.116; HSD{BASE_PLAN_YEAR % 100} Master Tables 1-3)"
    info["schema version (app)"] = str(SCHEMA_VERSION)
    if project is not None:
        from blueprint_desktop.rules.reference_file import active_reference

        info["schema version (project)"] = str(project.schema_version)
        ref = active_reference(project)
        info["CMS criteria in force"] = (
            f"{ref['label']}, applied to plan year {project.plan_year}"
            if ref
            else f"none at or before plan year {project.plan_year}: designations computed, built-in "
            f"{BASE_PLAN_YEAR} base table"
        )
    return info
