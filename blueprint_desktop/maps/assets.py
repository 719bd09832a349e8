"""Leaflet and jQuery for the offline map, taken from the installed xstatic packages (never a CDN).

The files are third-party (Leaflet BSD-2, jQuery MIT) and are not committed to the repo: the
``xstatic-leaflet`` and ``xstatic-jquery`` PyPI packages install them, and the map copies them next to
the page it writes (``vendor/``), so the page loads them by relative path and works opened from disk.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from blueprint_desktop.errors import BlueprintError

VENDOR_DIR = "vendor"


@dataclass(frozen=True)
class MapAssets:
    """Relative paths (from the page's folder) of the files the page loads."""

    leaflet_js: str
    leaflet_css: str
    jquery_js: str
    leaflet_version: str


def _package_dir(module: str, package: str) -> tuple[Path, str]:
    try:
        mod = __import__(module, fromlist=["BASE_DIR"])
    except ImportError:
        raise BlueprintError(
            f"the map needs the {package} package, which is not installed (pip install {package})"
        ) from None
    return Path(mod.BASE_DIR), str(getattr(mod, "VERSION", ""))


def leaflet_dir() -> tuple[Path, str]:
    """Folder holding leaflet.js, leaflet.css and images/, and the Leaflet version."""
    base, version = _package_dir("xstatic.pkg.leaflet", "xstatic-leaflet")
    for name in ("leaflet.js", "leaflet.css"):
        if not (base / name).is_file():
            raise BlueprintError(
                f"{base / name}: missing from the xstatic-leaflet package; reinstall it "
                "(pip install --force-reinstall xstatic-leaflet)"
            )
    return base, version


def jquery_file() -> Path:
    """jquery.min.js from xstatic-jquery (folium's popups and plugins expect jQuery on the page)."""
    base, _ = _package_dir("xstatic.pkg.jquery", "xstatic-jquery")
    for name in ("jquery.min.js", "jquery.js"):
        if (base / name).is_file():
            return base / name
    raise BlueprintError(
        f"{base}: no jquery.min.js in the xstatic-jquery package; reinstall it "
        "(pip install --force-reinstall xstatic-jquery)"
    )


def _copy_if_changed(src: Path, dst: Path) -> None:
    # Pages are re-rendered often into the same folder: copy only when the file is new or different.
    if dst.is_file() and dst.stat().st_size == src.stat().st_size:
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)


def write_assets(folder: str | Path) -> MapAssets:
    """Copy Leaflet (JS, CSS, marker images) and jQuery into ``folder/vendor``; returns their paths."""
    folder = Path(folder)
    base, version = leaflet_dir()
    vendor = folder / VENDOR_DIR
    _copy_if_changed(base / "leaflet.js", vendor / "leaflet.js")
    _copy_if_changed(base / "leaflet.css", vendor / "leaflet.css")
    # leaflet.css refers to images/layers.png and marker icons by relative url(): keep them beside it.
    images = base / "images"
    if images.is_dir():
        for img in images.iterdir():
            if img.is_file():
                _copy_if_changed(img, vendor / "images" / img.name)
    _copy_if_changed(jquery_file(), vendor / "jquery.min.js")
    return MapAssets(
        leaflet_js=f"{VENDOR_DIR}/leaflet.js",
        leaflet_css=f"{VENDOR_DIR}/leaflet.css",
        jquery_js=f"{VENDOR_DIR}/jquery.min.js",
        leaflet_version=version,
    )
