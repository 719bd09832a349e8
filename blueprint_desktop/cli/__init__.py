"""The ``blueprint`` command line.

Each area of the product registers its own subcommands from a module named after it
(``project_commands``, ``rules_commands``, ...). Errors a user can act on print as one line on stderr
with a non-zero exit; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from blueprint_desktop import __version__
from blueprint_desktop.cli.project_commands import read_passphrase
from blueprint_desktop.errors import BlueprintError, Cancelled, PassphraseNeeded, WrongPassphrase
from blueprint_desktop.store.encryption import set_process_passphrase

# Modules that add subcommands; each exposes ``register(groups: CommandGroups) -> None``.
COMMAND_MODULES = [
    "blueprint_desktop.cli.project_commands",
    "blueprint_desktop.cli.rules_commands",
    "blueprint_desktop.cli.deficiency_commands",
    "blueprint_desktop.cli.engine_commands",
    "blueprint_desktop.cli.export_commands",
    "blueprint_desktop.cli.market_commands",
    "blueprint_desktop.cli.data_commands",  # after export_commands: adds ``export geocode-request``
    "blueprint_desktop.cli.report_commands",  # adds ``export matrix``, ``export providers``, ``export summary``
    "blueprint_desktop.cli.verify_commands",  # after deficiency_commands: adds ``outreach redact``
    "blueprint_desktop.cli.feasibility_commands",
    "blueprint_desktop.cli.benchmark_commands",  # after export_commands: adds ``export benchmark``
    "blueprint_desktop.cli.ecp_commands",
]

EXIT_ERROR = 2
EXIT_CANCELLED = 130


@dataclass
class CommandGroups:
    """The subparser collections modules add to: top-level commands, ``import X`` and ``template X``."""

    top: argparse._SubParsersAction
    imports: argparse._SubParsersAction
    templates: argparse._SubParsersAction


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="blueprint",
        description="Blueprint Desktop: CMS network adequacy scoring, gaps, recruitment and deficiency response.",
    )
    parser.add_argument("--version", action="version", version=f"blueprint {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    top = parser.add_subparsers(dest="command", metavar="COMMAND")
    top.required = True
    imp = top.add_parser("import", help="import a file into a project (one transaction: all or nothing)")
    imports = imp.add_subparsers(dest="import_kind", metavar="KIND")
    imports.required = True
    tpl = top.add_parser("template", help="write a blank input template")
    templates = tpl.add_subparsers(dest="template_kind", metavar="KIND")
    templates.required = True
    groups = CommandGroups(top, imports, templates)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(groups)
    _add_passphrase_option(parser, set())
    return parser


def _add_passphrase_option(parser: argparse.ArgumentParser, seen: set[int]) -> None:
    """``--passphrase-file`` on every command (before or after its name): any of them may meet an
    encrypted project. Never the passphrase itself as an argument: other users see arguments in ``ps``."""
    if id(parser) in seen:
        return
    seen.add(id(parser))
    parser.add_argument(
        "--passphrase-file",
        type=Path,
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="read an encrypted project's passphrase from PATH (or set BLUEPRINT_PASSPHRASE)",
    )
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _add_passphrase_option(sub, seen)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        set_process_passphrase(read_passphrase(getattr(args, "passphrase_file", None)))
        return int(args.func(args) or 0)
    except Cancelled as exc:
        if args.debug:
            raise
        print(f"blueprint: {exc}", file=sys.stderr)
        return EXIT_CANCELLED
    except (BlueprintError, OSError, sqlite3.Error) as exc:
        if args.debug:
            raise
        message = str(exc) if isinstance(exc, BlueprintError) else f"{type(exc).__name__}: {exc}"
        if isinstance(exc, PassphraseNeeded) and not isinstance(exc, WrongPassphrase):
            message += " (give it with --passphrase-file PATH or the BLUEPRINT_PASSPHRASE variable)"
        print(f"blueprint: error: {message}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("blueprint: interrupted; nothing was changed", file=sys.stderr)
        return EXIT_CANCELLED


if __name__ == "__main__":
    sys.exit(main())
