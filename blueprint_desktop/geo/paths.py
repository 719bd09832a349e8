"""Where the built geography lives."""

from __future__ import annotations

import os
from pathlib import Path

from blueprint_desktop.errors import BlueprintError

RESOURCES = Path(__file__).resolve().parents[2] / "resources"


def geography_dir() -> Path:
    """The folder with the built geography; ``BLUEPRINT_GEOGRAPHY`` overrides it (tests, packaged apps)."""
    return Path(os.environ.get("BLUEPRINT_GEOGRAPHY", RESOURCES / "geography"))


def geography_file(name: str) -> Path:
    path = geography_dir() / name
    if not path.exists():
        raise BlueprintError(
            f"{path}: bundled geography is missing; run `bash installers/setup.sh` "
            "(or `python -m blueprint_desktop.geo.build`) to build it"
        )
    return path
