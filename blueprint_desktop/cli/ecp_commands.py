"""Essential community providers of a QHP project: ``import ecp``, ``ecp`` (the General ECP Standard) and
``export ecp`` (the same as an Excel workbook)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from blueprint_desktop.cli.market_commands import _print_json, _print_problems
from blueprint_desktop.errors import BlueprintError


def register(groups) -> None:
    p = groups.imports.add_parser(
        "ecp", help="load an essential community provider list (QHP projects; CMS's ECP list or your own)"
    )
    p.add_argument("project", type=Path)
    p.add_argument(
        "file",
        type=Path,
        help="CSV or XLSX: npi, provider_name, ecp_category, street_address, city, state, zip",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_import_ecp)

    p = groups.top.add_parser(
        "ecp", help="the General ECP Standard (45 CFR 156.235) of a QHP project: thresholds, offers, recruits"
    )
    p.add_argument("project", type=Path)
    p.add_argument(
        "--remove-newest", action="store_true", help="set the ECP list in force aside (kept; reload it)"
    )
    p.add_argument("--offer", metavar="NPI", help="record a contract offer made to this ECP (append-only)")
    p.add_argument("--on", type=_day, default=None, help="the date the offer was made (default today)")
    p.add_argument("--note", default=None, help="with --offer: how and to whom it was made")
    p.add_argument(
        "--retract-offer", type=int, metavar="ID", help="record that offer ID was recorded by mistake"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_ecp)

    from blueprint_desktop.cli.data_commands import _export_group

    help_text = "a QHP project's essential community providers to Excel: thresholds, offers, recruits, basis"
    p = _export_group(groups).add_parser("ecp", help=help_text, description=help_text)
    p.add_argument("project", type=Path)
    p.add_argument("out", type=Path, help="OUT.xlsx")
    p.set_defaults(func=cmd_export_ecp)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date as YYYY-MM-DD") from None


def cmd_export_ecp(args: argparse.Namespace) -> int:
    from blueprint_desktop.progress import terminal_progress
    from blueprint_desktop.reports.ecp_xlsx import write_ecp_xlsx
    from blueprint_desktop.store import open_project

    with open_project(args.project, read_only=True) as project:
        print(f"wrote {write_ecp_xlsx(project, args.out, terminal_progress())}")
    return 0


def cmd_import_ecp(args: argparse.Namespace) -> int:
    from blueprint_desktop.data.ecp_list import import_ecp_list
    from blueprint_desktop.store import open_project

    with open_project(args.project) as project:
        try:
            result = import_ecp_list(project, args.file)
        except BlueprintError as exc:
            _print_problems(exc)
            raise
    if args.json:
        _print_json(result.as_dict())
        return 0
    if result.already_loaded:
        print(f"{args.file.name}: already the ECP list in force; nothing changed")
        return 0
    print(
        f"{args.file.name}: {result.rows_read:,} rows, {result.sites:,} locations; {result.in_service_area:,} rows "
        f"in the service area; {result.county_from_zip:,} placed in a county by ZIP code"
    )
    print("Next: blueprint ecp PROJECT")
    return 0


def cmd_ecp(args: argparse.Namespace) -> int:
    from blueprint_desktop.data.ecp_list import remove_newest
    from blueprint_desktop.engine.ecp_compliance import ecp_report
    from blueprint_desktop.store import open_project

    if args.remove_newest:
        with open_project(args.project) as project:
            print(remove_newest(project))
        return 0
    if args.offer or args.retract_offer:
        from blueprint_desktop.data.ecp_offers import record_offer, retract_offer

        with open_project(args.project) as project:
            if args.retract_offer:
                retract_offer(project, args.retract_offer, args.note)
                print(f"offer {args.retract_offer} retracted (the record keeps both entries)")
            else:
                offer = record_offer(project, args.offer, "", args.on, args.note)
                print(f"offer {offer.id} recorded: {offer.name} ({offer.npi}), offered {offer.offered_on}")
        return 0
    with open_project(args.project, read_only=True) as project:
        report = ecp_report(project)
    if args.json:
        _print_json(report.as_dict())
        return 0
    for line in report_lines(report):
        print(line)
    return 0


def report_lines(report) -> list[str]:
    """The report as text lines (the CLI's output)."""
    kind = "stand-alone dental plan" if report.sadp else "QHP"
    out = [
        f"General ECP Standard (45 CFR 156.235(a)(2)), {kind}: {'met' if report.met else 'NOT met'}",
        f"ECP list: {report.list_file} (loaded {report.list_loaded[:10]}); {report.sites_available} locations "
        f"available in {len(report.counties)} service-area counties",
        "",
    ]
    for t in report.thresholds:
        if not t.applies:
            out.append(f"  {t.label}: does not apply to a stand-alone dental plan")
            continue
        share = f"{100 * t.share:.1f}%" if t.share is not None else "none available"
        verdict = "met" if t.met else f"{t.short} more contract(s) needed"
        out.append(
            f"  {t.label}: {t.contracted} of {t.available} contracted ({share}; {t.percent}% needs {t.required}): "
            f"{verdict}"
        )
    if report.cells:
        missing = report.offers_missing
        out.append("")
        out.append(
            f"One ECP per category per county: {len(report.cells) - len(missing)} of {len(report.cells)} "
            "available county x category cells have a contract or a recorded offer"
        )
        for c in missing:
            names = ", ".join(c.candidates[:3]) + (" ..." if len(c.candidates) > 3 else "")
            out.append(f"  {c.county} {c.county_fips}, {c.category_label}: no offer recorded ({names})")
    if report.indian:
        out.append("")
        out.append(
            f"Indian health care providers: {len(report.indian) - len(report.indian_missing)} of "
            f"{len(report.indian)} with a contract or a recorded offer"
        )
        for s in report.indian_missing:
            out.append(f"  {s.name}, {s.address}, {s.city or ''} {s.state}: no offer recorded")
    if report.recruits:
        out.append("")
        out.append(f"Fewest contracts that meet every threshold: {len(report.recruits)}")
        for i, r in enumerate(report.recruits, 1):
            s = r.site
            out.append(
                f"  {i}. {s.name} ({', '.join(s.npis)}), {s.address}, {s.city or ''} {s.state}: {'; '.join(r.closes)}"
            )
    if report.offers:
        out.append("")
        out.append(f"Offers recorded: {len(report.offers)}")
        for o in report.offers:
            out.append(
                f"  {o.id}. {o.name} ({o.npi}), offered {o.offered_on}" + (f": {o.note}" if o.note else "")
            )
    out.append("")
    out.extend(f"Note: {n}" for n in report.notes)
    return out
