"""Rules commands: ``standards``, ``credits`` and ``import reference|enrollees|ruleset``."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.progress import terminal_progress
from blueprint_desktop.rules.standard_words import has_time_limit, limits_text


def register(groups) -> None:
    p = groups.top.add_parser("standards", help="show the network adequacy standards in force")
    p.add_argument(
        "project", type=Path, nargs="?", default=None, help="a project (default: the built-in MA table)"
    )
    p.add_argument(
        "--lob",
        choices=("ma", "medicaid", "qhp"),
        default=None,
        help="line of business (default: the project's)",
    )
    p.add_argument("--plan-year", type=int, default=None)
    p.add_argument("--county", help="5-digit county FIPS: its designation and every line's standard")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_standards)

    p = groups.top.add_parser(
        "credits", help="show (or set) how the telehealth and Certificate of Need credits are applied"
    )
    p.add_argument("project", type=Path)
    p.add_argument(
        "--telehealth-basis",
        choices=("county", "plan"),
        default=None,
        help="county: a telehealth provider earns the credit only in counties it serves (default); "
        "plan: in every county of the service area",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_credits)

    p = groups.top.add_parser("population", help="show (or set) the population points scoring measures from")
    p.add_argument("project", type=Path)
    p.add_argument(
        "--model",
        choices=("sample", "zcta-points"),
        default=None,
        help="sample: each ZIP area's 65+ residents spread over its land area (default); "
        "zcta-points: one point per ZIP area (the older, coarser model, for comparison)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_population)

    p = groups.imports.add_parser("reference", help="load the CMS HSD Reference File (xlsx or reference CSV)")
    p.add_argument("project", type=Path)
    p.add_argument("file", type=Path)
    p.add_argument("--plan-year", type=int, default=None, help="plan year (default: read from the file)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_import_reference)

    p = groups.imports.add_parser("enrollees", help="load enrollee counts by ZIP (zip,count) or point")
    p.add_argument("project", type=Path)
    p.add_argument("file", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_import_enrollees)

    p = groups.top.add_parser(
        "ruleset",
        help="list the built-in Medicaid/QHP rule sets, or show (or choose) the one a project uses",
        description="A rule set you loaded (blueprint import ruleset) always wins. Otherwise a Medicaid or QHP "
        "project uses the built-in set chosen with --use, or automatically the newest of its line of business "
        "(and, for Medicaid, its state).",
    )
    p.add_argument("project", type=Path, nargs="?", default=None)
    p.add_argument("--list", action="store_true", help="list every built-in table with its source")
    p.add_argument("--show", metavar="KEY", help="print one built-in table, row by row, with its sources")
    p.add_argument(
        "--use", metavar="KEY", help="use this built-in rule set for the project ('auto' to clear)"
    )
    p.add_argument(
        "--remove-loaded",
        action="store_true",
        help="undo the newest rule set file loaded: the one before it, or the built-in choice, applies again",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_ruleset)

    p = groups.imports.add_parser("ruleset", help="load a Medicaid or QHP rule set (CSV)")
    p.add_argument("project", type=Path)
    p.add_argument("file", type=Path)
    p.add_argument("--lob", required=True, choices=("medicaid", "qhp"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_import_ruleset)


def _print_json(data) -> None:
    json.dump(data, sys.stdout, indent=2, default=str)
    print()


def _county_fips(text: str) -> str:
    fips = text.strip()
    if not (fips.isdigit() and len(fips) == 5):
        raise BlueprintError(f"--county: {text!r} is not a 5-digit county FIPS code")
    return fips


def cmd_standards(args: argparse.Namespace) -> int:
    from blueprint_desktop.rules import standards
    from blueprint_desktop.store import open_project

    project = open_project(args.project, read_only=True) if args.project else None
    try:
        if args.county:
            result = standards.standards_for_county(
                project, _county_fips(args.county), args.lob, args.plan_year
            )
            if args.json:
                _print_json(result.as_dict())
                return 0
            print(
                f"county {result.county_fips}{' (SSA ' + result.ssa_code + ')' if result.ssa_code else ''}: "
                f"{result.designation} ({result.tier}), designation {result.designation_source}; {result.source}"
            )
            if result.beneficiaries_required is not None:
                print(
                    f"  beneficiaries required to cover: {result.beneficiaries_required}"
                    f"{' (estimate)' if result.estimated else ''}"
                )
            if result.criteria_label:
                print(f"  criteria: {result.criteria_label}")
            for note in result.notes:
                print(f"  note: {note}")
            print(f"  {'code':5} {'line':42} {'mins':>5} {'miles':>6} {'min #':>6} {'share':>6}  credits")
            for line in result.lines.values():
                marks = [
                    mark
                    for mark, on in (
                        ("customised T&D", getattr(line, "customized", False)),
                        ("CON +10", getattr(line, "con_credit", False)),
                        ("CON tab, customised: no credit", getattr(line, "con_customized", False)),
                        ("telehealth-eligible", line.telehealth_credit),
                        ("two distinct providers within", getattr(line, "providers_within", 1) == 2),
                    )
                    if on
                ]
                print(
                    f"  {line.code:5} {line.name[:42]:42} "
                    f"{f'{line.max_minutes:>5g}' if has_time_limit(line.max_minutes) else 'none':>5} {line.max_miles:>6g} "
                    f"{line.min_count:>6} {line.required_pct:>5g}%{' beds' if line.counts_beds else ''}"
                    f"{'  ' + '; '.join(marks) if marks else ''}"
                )
            return 0
        lob = args.lob or (project.lob if project else "ma")
        if lob != "ma":
            from blueprint_desktop.rules import lob as lob_rules

            ruleset = lob_rules.active_ruleset(project, lob)
            data = ruleset.as_dict() | {"lob": lob, "source": ruleset.label}
        else:
            table = standards.load_base_table()
            data = {
                "lob": "ma",
                "plan_year": table.plan_year,
                "source": table.source,
                "county_types": {d: vars(ct) for d, ct in table.county_types.items()},
                "pooled_into_S03": table.pooled,
                "not_scored": table.unscored,
                "lines": [
                    {"code": line.code, "name": line.name, "kind": line.kind,
                     "by_designation": {d: vars(c) for d, c in table.cells[line.code].items()}}
                    for line in table.lines
                ],
            }  # fmt: skip
        if args.json:
            _print_json(data)
            return 0
        if lob != "ma":
            _print_ruleset(ruleset)
            return 0
        designations = list(data["county_types"])
        print(
            f"MA standards, plan year {data['plan_year']} ({data['source']}); minutes/miles per county type"
        )
        print(f"{'code':5} {'line':36} " + " ".join(f"{d:>11}" for d in designations))
        for line in data["lines"]:
            cells = line["by_designation"]
            print(
                f"{line['code']:5} {line['name'][:36]:36} "
                + " ".join(f"{cells[d]['max_minutes']:>5}/{cells[d]['max_miles']:<5}" for d in designations)
            )
        return 0
    finally:
        if project is not None:
            project.close()


def _cell_text(cell: dict) -> str:
    joined = " or " if cell.get("combine") == "or" else "/"
    two = ", two providers" if cell.get("providers_within", 1) == 2 else ""
    return f"{limits_text(cell['max_minutes'], cell['max_miles'], joined)}, {cell['required_pct']:g}%{two}"


def _print_ruleset(ruleset) -> None:
    """A Medicaid/QHP rule set as ``blueprint standards`` and ``blueprint ruleset`` show it."""
    print(f"{ruleset.lob.upper()} standards: {ruleset.label}")
    if ruleset.vintage:
        print(f"  vintage: {ruleset.vintage}")
    if ruleset.chosen_because:
        print(f"  applies because: {ruleset.chosen_because}")
    for note in ruleset.notes:
        print(f"  note: {note}")
    for src in ruleset.sources:
        print(f"  source ({src['verified']}): {src['title']} <{src['url']}>; {src['vintage']}")
    for code, entry in ruleset.lines.items():
        by_d = entry["by_designation"]
        if by_d:
            cells = {d: _cell_text(c) for d, c in by_d.items()}
            text = (
                next(iter(cells.values()))
                if len(set(cells.values())) == 1
                else "; ".join(f"{d} {t}" for d, t in cells.items())
            )
            print(f"  {code:5} {entry['name'][:48]:48} {text}")
        by_c: dict[str, list[str]] = {}
        for fips, c in entry.get("by_county", {}).items():
            by_c.setdefault(_cell_text(c), []).append(fips)
        for text, counties in by_c.items():
            print(f"  {code:5} {entry['name'][:48]:48} {text} in {', '.join(counties)}")


def cmd_ruleset(args: argparse.Namespace) -> int:
    from blueprint_desktop.rules import lob as lob_rules
    from blueprint_desktop.rules import lob_builtin
    from blueprint_desktop.store import open_project

    if args.show:
        table = lob_builtin.get_builtin(args.show)
        if args.json:
            _print_json(table.as_dict(rows=True))
            return 0
        print(f"{table.key}: {table.name} [{table.lob.upper()}{' ' + table.state if table.state else ''}, "
              f"{table.kind}] ({table.file_name})")  # fmt: skip
        for note in table.notes:
            print(f"  note: {note}")
        for row in table.rows:
            if table.kind == "ruleset":
                where = f"counties {row['counties']}" if row["counties"] else row["county_type"]
                no_time = row["max_minutes"].strip().lower() == "none"  # a distance-only standard
                cell = {
                    "max_minutes": math.inf if no_time else float(row["max_minutes"]),
                    "max_miles": float(row["max_miles"]), "required_pct": float(row["required_pct"]),
                    "combine": row["combine"], "providers_within": int(row.get("providers_within") or 1),
                }  # fmt: skip
                what = f"{row['line_code']:5} {row['line_name'][:44]:44} {where}: {_cell_text(cell)}"
            elif table.kind == "requirements":
                what = f"{row['item']}: {row['requirement']} {row['value']} {row['unit']}".rstrip()
            else:
                what = f"{row['state']} {row['standard']}: {row['max_minutes']} min, {row['max_miles']} mi"
            print(f"  {what}")
            print(
                f"      source: {row['source']}, {row['source_section']} <{row['source_url']}> [{row['verified']}]"
            )
        return 0
    if args.list or args.project is None:
        sets = lob_builtin.load_builtins()
        if args.json:
            _print_json([s.as_dict() for s in sets])
            return 0
        print(f"{'key':26} {'lob':8} {'state':5} {'kind':12} {'from':>4} {'lines':>5}  name")
        for s in sets:
            print(
                f"{s.key:26} {s.lob:8} {s.state or '-':5} {s.kind:12} {s.effective_from or '-':>4} "
                f"{len(s.lines):>5}  {s.name}{'' if s.auto else ' (used only when chosen: --use)'}"
            )
        print(
            "sources and what could not be verified: docs/rules.md, 'Other lines of business: QHP and Medicaid'"
        )
        return 0
    with open_project(args.project, read_only=args.use is None and not args.remove_loaded) as project:
        if project.lob == "ma":
            if args.use:
                lob_builtin.check_fits(project, lob_builtin.get_builtin(args.use))
            print(
                f"{args.project}: an MA project uses the CMS HSD criteria (blueprint standards), not a rule set"
            )
            return 0
        if args.remove_loaded:
            from blueprint_desktop.rules.ruleset_choice import remove_loaded_ruleset

            now = remove_loaded_ruleset(project)
            print(f"{args.project}: removed the newest loaded rule set; now in force: {now} (score again)")
        if args.use:
            chosen = lob_builtin.set_project_builtin(project, args.use)
            print(f"{args.project}: {'built-in rule set ' + chosen.key if chosen else 'automatic choice'} "
                  "(score again to apply it)")  # fmt: skip
        ruleset = lob_rules.active_ruleset(project, project.lob)
        from blueprint_desktop.rules.ruleset_choice import ruleset_choices

        choices = ruleset_choices(project)
    if args.json:
        _print_json(ruleset.as_dict())
        return 0
    _print_ruleset(ruleset)
    print("built-in sets for this project (blueprint ruleset PROJECT --use KEY):")
    for o in choices.options:
        mark = "*" if o.key == ruleset.builtin_key else " "
        state = "" if o.fits else f" - cannot be used: {o.why_not}"
        print(f" {mark} {o.key:22} {o.name}{'' if o.auto else ' (only when chosen)'}{state}")
    for i, f in enumerate(choices.loaded):
        print(f"  loaded {f['imported_at']}: {f['file']} ({f['rows']} rows){' - in force' if i == 0 else ''}")
    return 0


def cmd_import_reference(args: argparse.Namespace) -> int:
    from blueprint_desktop.rules.reference_file import import_reference_file
    from blueprint_desktop.store import open_project

    with open_project(args.project) as project:
        result = import_reference_file(project, args.file, terminal_progress(), plan_year=args.plan_year)
    if args.json:
        _print_json(result.as_dict())
        return 0
    if result.already_imported:
        print(f"{args.file.name}: already loaded (plan year {result.plan_year}); nothing changed")
        return 0
    print(
        f"loaded {result.vintage}: plan year {result.plan_year}, {result.counties} counties "
        f"({result.matched} matched to FIPS), {result.criteria_rows} county x line criteria"
    )
    if result.unmatched:
        print(f"  {len(result.unmatched)} counties not matched to a FIPS code (kept by SSA code):")
        for u in result.unmatched:
            print(f"    {u['ssa_code']} {u['county']}, {u['state']}: {u['reason']}")
    return 0


def cmd_import_enrollees(args: argparse.Namespace) -> int:
    from blueprint_desktop.rules.enrollees import import_enrollees
    from blueprint_desktop.store import open_project

    with open_project(args.project) as project:
        result = import_enrollees(project, args.file, terminal_progress())
    if args.json:
        _print_json(result.as_dict())
        return 0
    # Loaded points, rows skipped (count 0) or rejected, and enrollees outside the service area.
    for line in result.report_lines():
        print(line)
    return 0


def cmd_import_ruleset(args: argparse.Namespace) -> int:
    from blueprint_desktop.rules.lob import import_ruleset
    from blueprint_desktop.store import open_project

    with open_project(args.project) as project:
        ruleset = import_ruleset(project, args.file, args.lob)
    if args.json:
        _print_json(
            {"id": ruleset.id, "lob": ruleset.lob, "name": ruleset.name, "lines": sorted(ruleset.lines)}
        )
        return 0
    print(f"loaded {ruleset.lob.upper()} rule set {ruleset.name!r}: {len(ruleset.lines)} lines")
    print(f"  undo: blueprint ruleset {args.project} --remove-loaded")
    return 0


def cmd_credits(args: argparse.Namespace) -> int:
    from blueprint_desktop.engine import credits
    from blueprint_desktop.rules.cms_criteria import criteria_in_force
    from blueprint_desktop.store import open_project

    with open_project(args.project, read_only=args.telehealth_basis is None) as project:
        if args.telehealth_basis is not None:
            credits.set_telehealth_basis(project, args.telehealth_basis)
        basis = credits.telehealth_basis(project)
        source = criteria_in_force(project)
        data = {
            "telehealth_basis": basis,
            "telehealth_basis_means": credits.TELEHEALTH_BASES[basis],
            "criteria": source.label if source else "computed (no CMS criteria at or before the plan year)",
            "credit_points": credits.CREDIT_POINTS,
            "stacking": "no: at most one 10-point credit per county and specialty",
        }
    if args.json:
        _print_json(data)
        return 0
    print(f"telehealth credit basis: {basis}: {data['telehealth_basis_means']}")
    print(f"Certificate of Need credit: from the CON tab of {data['criteria']} (T/D customised N only)")
    print(f"each credit adds {data['credit_points']:g} points; {data['stacking']}")
    if args.telehealth_basis is not None:
        print("score again (blueprint score) to apply it")
    return 0


def cmd_population(args: argparse.Namespace) -> int:
    from blueprint_desktop.geo import points
    from blueprint_desktop.store import open_project

    with open_project(args.project, read_only=args.model is None) as project:
        if args.model is not None:
            points.set_population_model(project, args.model)
        model = points.population_model(project)
        pts = points.population_points(project.service_area(), project)
    by_source = {str(k): int(v) for k, v in pts.groupby("source").size().items()} if len(pts) else {}
    data = {"model": model, "means": points.describe_model(model, project), "points_by_source": by_source}
    if args.json:
        _print_json(data)
        return 0
    print(f"population model: {model}: {data['means']}")
    for source, n in sorted(by_source.items()):
        print(f"  {n:,} points from {source}")
    if args.model is not None:
        print("score again (blueprint score) to apply it")
    return 0
