"""Evidence commands: ``verify`` (the evidence chain, and a package against it) and ``outreach redact``.

``blueprint verify PROJECT`` checks the evidence hash chain of the outreach log, its attachments and the
audit log (``store/evidence_chain.py``); with a package PDF it also reads the chain head and content
digest the package carries and checks them against the project. Exit 0 when everything verifies, 1 with
one line naming the first broken entry otherwise. The project is opened read-only: verifying never
changes it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from blueprint_desktop.store import open_project

EXIT_BROKEN = 1


def register(groups) -> None:
    p = groups.top.add_parser(
        "verify", help="verify the evidence chain of a project, and a corrective action package against it"
    )
    p.add_argument("project", type=Path)
    p.add_argument("package", type=Path, nargs="?", help="a corrective action package PDF made from it")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_verify)

    # ``outreach`` belongs to deficiency_commands (registered before this module); redaction is evidence
    # handling, so it is added here to its ACTION list.
    outreach = groups.top.choices["outreach"]
    actions = next(a for a in outreach._actions if isinstance(a, argparse._SubParsersAction))
    p = actions.add_parser(
        "redact", help="overwrite text typed by mistake (e.g. a member's PHI) as [redacted: reason]"
    )
    p.add_argument("project", type=Path)
    p.add_argument("entry", type=int, help="the outreach entry id")
    p.add_argument("--reason", required=True, help="why, e.g. 'member PHI entered by mistake'")
    p.add_argument("--field", choices=("note", "reason"), default="note", help="the text to redact")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_outreach_redact)


def cmd_verify(args: argparse.Namespace) -> int:
    from blueprint_desktop.reports.package_pdf import verify_package
    from blueprint_desktop.store.evidence_chain import verify_chain

    with open_project(args.project, read_only=True) as project:
        if args.package is None:
            report = verify_chain(project)
            ok, lines, payload = report.ok, [report.line()], report.as_dict()
        else:
            result = verify_package(project, args.package)
            ok, lines, payload = result.ok, result.lines(), result.as_dict()
    if args.json:
        json.dump(payload, sys.stdout, indent=2)
        print()
    else:
        # The first line carries the verdict and the first broken entry, on stderr when it failed.
        print(lines[0], file=sys.stdout if ok else sys.stderr)
        for line in lines[1:]:
            print(f"  {line}")
    return 0 if ok else EXIT_BROKEN


def cmd_outreach_redact(args: argparse.Namespace) -> int:
    from blueprint_desktop.deficiency import outreach

    with open_project(args.project) as project:
        result = outreach.redact(project, args.entry, args.reason, args.field)
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        print()
    else:
        print(f"outreach entry #{result['entry_id']}: {result['field']} now reads {result['text']}")
    return 0
