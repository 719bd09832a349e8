"""Project-level commands: ``new``, ``demo``, ``info``, ``gui``, ``encrypt`` and ``decrypt``.

A passphrase reaches the command line from ``--passphrase-file PATH`` or the ``BLUEPRINT_PASSPHRASE``
variable (``read_passphrase``), never as an argument: other users of the machine see arguments in ``ps``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.geo.service_area import service_area_from_args
from blueprint_desktop.store import create_project, encryption, open_project
from blueprint_desktop.store.lock import write_refusal
from blueprint_desktop.store.schema import LINES_OF_BUSINESS


def register(groups) -> None:
    top = groups.top
    p = top.add_parser("new", help="create a new project file")
    p.add_argument("project", type=Path, help="the project file to create (*.bpproj)")
    p.add_argument("--name", required=True, help="project name, e.g. 'Acme MA 2027 expansion'")
    p.add_argument("--states", required=True, help="comma-separated state abbreviations, e.g. TX,OK")
    p.add_argument("--counties", help="comma-separated county FIPS codes (default: every county of --states)")
    p.add_argument("--lob", default="ma", choices=LINES_OF_BUSINESS, help="line of business (default ma)")
    p.add_argument("--plan-year", type=int, default=None, help="plan year (default: next year)")
    p.set_defaults(func=cmd_new)

    p = top.add_parser("demo", help="write the bundled demo project (a Houston-area MA plan)")
    p.add_argument("project", type=Path, help="where to write it (*.bpproj)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=cmd_demo)

    p = top.add_parser("info", help="say what is inside a project file (never changes it)")
    p.add_argument("project", type=Path)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_info)

    p = top.add_parser(
        "encrypt",
        help="encrypt a project file in place with a passphrase (SQLCipher, AES-256)",
        description="The passphrase comes from --passphrase-file PATH or BLUEPRINT_PASSPHRASE. Close the "
        "project in every window first. Keep the passphrase safe: without it the file cannot be opened.",
    )
    p.add_argument("project", type=Path)
    p.set_defaults(func=cmd_encrypt)

    p = top.add_parser(
        "decrypt",
        help="turn an encrypted project file back into a plain one",
        description="The current passphrase comes from --passphrase-file PATH or BLUEPRINT_PASSPHRASE.",
    )
    p.add_argument("project", type=Path)
    p.set_defaults(func=cmd_decrypt)

    p = top.add_parser("gui", help="open the desktop window (the demo project when none is named)")
    p.add_argument("project", type=Path, nargs="?", default=None)
    p.set_defaults(func=cmd_gui)


def cmd_new(args: argparse.Namespace) -> int:
    if args.project.suffix != ".bpproj":
        raise BlueprintError(f"{args.project}: project files end in .bpproj")
    area = service_area_from_args(args.states, args.counties)
    create_project(args.project, args.name, lob=args.lob, plan_year=args.plan_year, counties=area)
    print(f"created {args.project}: {args.name}, {args.lob.upper()}, {len(area)} counties")
    if args.lob != "ma":
        from blueprint_desktop.rules.lob import builtin_ruleset

        with open_project(args.project, read_only=True) as project:
            ruleset, why = builtin_ruleset(project, args.lob)
        print(
            f"  standards: {ruleset.label}"
            if ruleset
            else f"  standards: none built in ({why}); load yours with "
            f"`blueprint import ruleset {args.project} FILE --lob {args.lob}`"
        )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from blueprint_desktop.demo import write_demo_project

    path = write_demo_project(args.project, overwrite=args.force)
    print(f"wrote the demo project to {path}")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    with open_project(args.project, read_only=True) as project:
        info = project.info()
    if args.json:
        json.dump(info.as_dict(), sys.stdout, indent=2)
        print()
        return 0
    print(f"{info.name}  ({info.path})")
    if info.encrypted:
        print("  encrypted (SQLCipher)")
    # info itself always reads read-only; say so only when the file cannot be written at all.
    cannot_write = write_refusal(args.project)
    if cannot_write:
        print(f"  read-only: {cannot_write}; it can be read but not changed")
    print(f"  line of business {info.lob.upper()}, plan year {info.plan_year}, schema v{info.schema_version}")
    print(f"  created {info.created_at} by Blueprint {info.app_version_created}")
    area = info.service_area
    print(
        f"  service area: {len(area)} counties"
        + (f" ({', '.join(area[:8])}{', ...' if len(area) > 8 else ''})" if area else "")
    )
    for table in ("providers", "locations", "import_batches", "scoring_runs", "audit_log"):
        print(f"  {table}: {info.counts.get(table, 0)}")
    for batch in info.imports[-5:]:
        print(f"  import {batch['kind']}: {batch['file']} ({batch['rows']} rows, {batch['imported_at']})")
    if info.last_run:
        run = info.last_run
        print(f"  last scoring run #{run['id']} {run['started_at']} ({run['method']}, {run['status']})")
    return 0


def cmd_gui(args: argparse.Namespace) -> int:
    from blueprint_desktop.gui.app import run

    return run(str(args.project) if args.project else None)


ENV_PASSPHRASE = "BLUEPRINT_PASSPHRASE"


def read_passphrase(passphrase_file: Path | None) -> str | None:
    """The passphrase from ``passphrase_file`` (its first line), else ``BLUEPRINT_PASSPHRASE``, else None."""
    if passphrase_file is not None:
        try:
            text = Path(passphrase_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise BlueprintError(
                f"{passphrase_file}: cannot read the passphrase file ({exc.strerror})"
            ) from None
        lines = text.splitlines()
        if not lines or not lines[0]:
            raise BlueprintError(f"{passphrase_file}: the passphrase file is empty")
        return lines[0]
    return os.environ.get(ENV_PASSPHRASE) or None


def cmd_encrypt(args: argparse.Namespace) -> int:
    passphrase = encryption.process_passphrase()
    if not passphrase:
        raise BlueprintError(f"give the new passphrase with --passphrase-file PATH or {ENV_PASSPHRASE}")
    path = encryption.encrypt_project(args.project, passphrase)
    print(f"encrypted {path}; it now opens only with its passphrase")
    return 0


def cmd_decrypt(args: argparse.Namespace) -> int:
    path = encryption.decrypt_project(args.project, encryption.process_passphrase() or "")
    print(f"decrypted {path}; it is a plain project file again")
    return 0
