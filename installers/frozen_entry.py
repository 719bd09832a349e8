"""The entry point of the frozen (PyInstaller) build: one script, two executables in one folder.

* ``Blueprint`` (``Blueprint.exe``, ``Blueprint.app``): the desktop window. Its arguments are a project to
  open (what a double-click on a ``.bpproj`` passes), so ``Blueprint plan.bpproj`` is ``blueprint gui
  plan.bpproj``. It is a windowed executable on Windows and macOS: no console, so every error goes to the
  crash log and a message box (``blueprint_desktop.gui.app``).
* ``blueprint-cli`` (``blueprint-cli.exe``): the ``blueprint`` command line, with a console, for scripts,
  support and the smoke test (``tests/test_frozen_app.py``).

Both share the bundle's Python, Qt and data; which one runs is told by the executable's own name.

``Blueprint --register-file-type`` makes a double-click on a ``.bpproj`` open it in this app, for the
current user only (no administrator rights): on Windows in HKEY_CURRENT_USER\\Software\\Classes, on
Linux as a desktop entry and a shared-MIME type under the XDG data folder. On macOS the app bundle's
Info.plist declares the type (installers/blueprint.spec) and Finder needs nothing more.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from pathlib import Path

CLI_NAMES = ("blueprint-cli",)  # "Blueprint" (any case) is the window
REGISTER_OPTION = "--register-file-type"
EXTENSION = ".bpproj"
PROG_ID = "Blueprint.Project"
MIME_TYPE = "application/x-blueprint-project"


def is_cli(executable: str) -> bool:
    """Whether the executable was started as the command line (by its file name, on every OS)."""
    # Either separator, whatever OS this runs on (a Windows path is tested on Linux too).
    name = executable.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return name.removesuffix(".exe") in CLI_NAMES


def gui_argv(args: list[str]) -> list[str]:
    """The CLI arguments that open the window: macOS adds ``-psn_...`` when Finder starts an app."""
    args = [a for a in args if not a.startswith("-psn_")]
    return ["gui", *args[:1]]


def register_windows(app: Path) -> list[str]:
    """Per-user file association on Windows (HKCU needs no administrator); the keys written."""
    import winreg  # Windows only

    command = f'"{app}" "%1"'
    keys = {
        rf"Software\Classes\{EXTENSION}": PROG_ID,
        rf"Software\Classes\{PROG_ID}": "Blueprint project",
        rf"Software\Classes\{PROG_ID}\DefaultIcon": f'"{app}",0',
        rf"Software\Classes\{PROG_ID}\shell\open\command": command,
    }
    for key, value in keys.items():
        with winreg.CreateKey(winreg.HKEY_CURRENT_USER, key) as handle:
            winreg.SetValue(handle, "", winreg.REG_SZ, value)
    return list(keys)


def register_linux(app: Path, data_home: Path | None = None) -> list[Path]:
    """A desktop entry and a MIME type for .bpproj under the XDG data folder; the files written.

    Desktops read them at the next login, or at once after ``update-mime-database ~/.local/share/mime``.
    """
    data_home = data_home or Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    icon = app.parent / "_internal" / "ui" / "blueprint.png"
    desktop = data_home / "applications" / "blueprint-desktop.desktop"
    mime = data_home / "mime" / "packages" / "blueprint-project.xml"
    desktop.parent.mkdir(parents=True, exist_ok=True)
    mime.parent.mkdir(parents=True, exist_ok=True)
    desktop.write_text(
        "[Desktop Entry]\nType=Application\nName=Blueprint Desktop\n"
        "Comment=Network adequacy for Medicare Advantage plans\n"
        f'Exec="{app}" %f\nIcon={icon}\nTerminal=false\nCategories=Office;\nMimeType={MIME_TYPE};\n',
        encoding="utf-8",
    )
    mime.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">\n'
        f'  <mime-type type="{MIME_TYPE}">\n    <comment>Blueprint project</comment>\n'
        f'    <glob pattern="*{EXTENSION}"/>\n  </mime-type>\n</mime-info>\n',
        encoding="utf-8",
    )
    return [desktop, mime]


def register_file_type(app: Path) -> int:
    if sys.platform == "win32":
        written = [str(k) for k in register_windows(app)]
    elif sys.platform.startswith("linux"):
        written = [str(p) for p in register_linux(app)]
    else:
        print("macOS: the app bundle declares .bpproj itself; nothing to register", file=sys.stderr)
        return 0
    print(f".bpproj files now open with {app} (wrote {', '.join(written)})", file=sys.stderr)
    return 0


def main() -> int:
    # A frozen Windows program that (through a library) starts worker processes would otherwise re-run
    # this entry in each child; a no-op everywhere else.
    multiprocessing.freeze_support()
    from blueprint_desktop.app_dirs import redirect_missing_streams

    # Windowed builds have no console: what would be printed goes to the user's log file instead.
    redirect_missing_streams()
    if REGISTER_OPTION in sys.argv[1:]:
        return register_file_type(Path(sys.executable).with_stem("Blueprint"))
    from blueprint_desktop.cli import main as cli_main

    if is_cli(sys.executable):
        return cli_main(sys.argv[1:])
    return cli_main(gui_argv(sys.argv[1:]))


if __name__ == "__main__":
    sys.exit(main())
