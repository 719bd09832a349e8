"""The shape of the package: a headless core, a CLI over it, and a thin Qt layer over the core.

* nothing under ``blueprint_desktop/gui/`` imports ``blueprint_desktop.cli`` (helpers the window
  needs live in the core, e.g. ``geo.service_area``);
* no core module (anything outside ``gui/`` and ``cli/``) imports PySide6 or ``blueprint_desktop.gui``.

Imports are read from the source with ``ast`` (module level and inside functions alike), so a lazy
import inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "blueprint_desktop"
# Entry points that may reach both the CLI and the window.
ENTRY_POINTS = {"__main__.py"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, source: str | None = None) -> list[tuple[int, str]]:
    """(line, absolute module name) for every import statement in the file (or ``source`` as if there)."""
    text = path.read_text(encoding="utf-8") if source is None else source
    tree = ast.parse(text, filename=str(path))
    here = _module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # ``from blueprint_desktop import cli`` names the subpackage in the alias.
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
    return found


def _files(subdir: str | None = None) -> list[Path]:
    root = PACKAGE / subdir if subdir else PACKAGE
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def _is(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_the_files_are_found():
    assert len(_files("gui")) >= 5
    assert any(p.name == "service_area.py" for p in _files("geo"))


def test_gui_never_imports_the_cli():
    offenders = [
        f"{p.relative_to(PACKAGE.parent)}:{line} imports {mod}"
        for p in _files("gui")
        for line, mod in _imports(p)
        if _is(mod, "blueprint_desktop.cli")
    ]
    assert not offenders, "gui/ borrows from cli/; move the helper into the core:\n" + "\n".join(offenders)


def test_core_never_imports_qt_or_the_gui():
    core = [
        p
        for p in _files()
        if p.relative_to(PACKAGE).parts[0] not in {"gui", "cli"} and p.name not in ENTRY_POINTS
    ]
    assert len(core) > 50
    offenders = [
        f"{p.relative_to(PACKAGE.parent)}:{line} imports {mod}"
        for p in core
        for line, mod in _imports(p)
        if _is(mod, "PySide6") or _is(mod, "shiboken6") or _is(mod, "blueprint_desktop.gui")
    ]
    assert not offenders, "the core must stay headless:\n" + "\n".join(offenders)


def test_the_cli_and_the_window_share_one_service_area_parser():
    from blueprint_desktop.cli import project_commands
    from blueprint_desktop.geo.service_area import service_area_from_args

    assert project_commands.service_area_from_args is service_area_from_args
    dialogs = (PACKAGE / "gui" / "project_dialogs.py").read_text(encoding="utf-8")
    assert "blueprint_desktop.geo.service_area import service_area_from_args" in dialogs


def test_the_checker_resolves_relative_and_package_imports():
    gui_file = PACKAGE / "gui" / "project_dialogs.py"
    source = "from ..cli.project_commands import cmd_new\nfrom blueprint_desktop import cli\nimport PySide6.QtGui\n"
    mods = [m for _, m in _imports(gui_file, source)]
    assert "blueprint_desktop.cli.project_commands" in mods
    assert "blueprint_desktop.cli" in mods
    assert "PySide6.QtGui" in mods
