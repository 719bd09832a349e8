"""Derive the built-in CMS criteria tables from the CMS HSD Reference File workbook.

    .venv/bin/python installers/derive_cms_criteria.py ../shared/data/ma_reference_file_12-17-2025.xlsx

writes, under ``resources/rules/`` (sources and vintage in resources/README.md):

- ``cms_hsd_2026_counties.csv``: one row per SSA county of the workbook: state, name, the Census county
  FIPS it covers (';' between several: St. John-Thomas VI is two county-equivalents), CMS's county
  designation, TOTAL BENEFICIARIES, the 95th-percentile base population ratio and the beneficiaries
  required to cover ("Minimum Provider #s" tab);
- ``cms_hsd_2026_customized.csv``: every county x specialty whose maximum time or distance differs from
  the base value of its designation (Master Tables 2-3), i.e. every cell CMS customised ("Provider/Facility
  Time & Distance" tabs), and any minimum count that the published formula would not reproduce;
- ``cms_hsd_2026_con.csv``: the "Certificate of Need" tab: SSA code, specialty code, T/D customised (Y/N).

Everything else of the workbook's 140,266 county x specialty criteria follows from these with the base
table ``ma_standards_2026.csv`` and the minimum-count formula (``rules.standards.required_count``);
``tests/test_cms_criteria.py`` proves that against the workbook whenever ../shared/data holds it. The
workbook is a US government work (public domain).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from blueprint_desktop.progress import Progress  # noqa: E402
from blueprint_desktop.rules import county_match  # noqa: E402
from blueprint_desktop.rules.reference_file import _parse_xlsx  # noqa: E402
from blueprint_desktop.rules.standards import RULES_DIR, load_base_table, required_count  # noqa: E402

POOLED = {"001", "002", "003", "004", "005", "006"}


def _fmt(x: float | int | None) -> str:
    if x is None:
        return ""
    x = float(x)
    return str(int(x)) if x.is_integer() else repr(x)


def derive(workbook: Path, out_dir: Path = RULES_DIR) -> dict[str, int]:
    parsed = _parse_xlsx(workbook, Progress())
    year = parsed.plan_year
    if year is None:
        raise SystemExit(f"{workbook.name}: cannot read the plan year from its Criteria Changes tab")
    base = load_base_table()
    header = [
        f"# CMS HSD Reference File {year}: county rows (Minimum Provider #s tab). Derived by",
        f"#   installers/derive_cms_criteria.py from {workbook.name}; US government work (public domain).",
        "# county_fips: Census county FIPS the SSA county covers (';' between several); empty when none matches.",
    ]
    counties_path = out_dir / f"cms_hsd_{year}_counties.csv"
    unmatched = 0
    with counties_path.open("w", newline="", encoding="utf-8") as fh:
        fh.write("\n".join(header) + "\n")
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(
            [
                "ssa_code",
                "state",
                "county",
                "county_fips",
                "designation",
                "total_beneficiaries",
                "pct95_ratio",
                "beneficiaries_required",
            ]
        )
        for ssa in sorted(parsed.counties):
            c = parsed.counties[ssa]
            fips, _ = county_match.match_county_all(c.state, c.county_name)
            unmatched += not fips
            w.writerow(
                [
                    ssa,
                    c.state,
                    c.county_name,
                    ";".join(fips),
                    c.designation,
                    _fmt(c.total_beneficiaries),
                    _fmt(c.pct95_ratio),
                    _fmt(c.beneficiaries_required),
                ]
            )

    custom_path = out_dir / f"cms_hsd_{year}_customized.csv"
    customized = min_overrides = cells = 0
    with custom_path.open("w", newline="", encoding="utf-8") as fh:
        fh.write(
            f"# CMS HSD Reference File {year}: every county x specialty whose maximum time/distance differs from the\n"
            f"#   base value of the county's designation (ma_standards_{base.plan_year}.csv, Master Tables 2-3),\n"
            "#   and min_count where the published minimum differs from ceil(ratio x TOTAL x PCT95 / 1000).\n"
            f"# Derived by installers/derive_cms_criteria.py from {workbook.name}; public domain.\n"
        )
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["ssa_code", "line_code", "max_minutes", "max_miles", "min_count"])
        for ssa in sorted(parsed.counties):
            c = parsed.counties[ssa]
            ct = base.county_types[c.designation]
            for line in base.lines:
                crit = c.criteria.get(line.code)
                if crit is None:
                    raise SystemExit(f"{workbook.name}: SSA {ssa} has no criteria for {line.code}")
                cells += 1
                cell = base.cells[line.code][c.designation]
                minutes, miles = crit.get("max_minutes"), crit.get("max_miles")
                if cell.ratio_per_1000 is not None:
                    expected_min = required_count(
                        cell.ratio_per_1000, c.total_beneficiaries or 0, c.pct95_ratio or ct.pct95_ratio
                    )
                else:
                    expected_min = cell.min_count or 1
                published_min = crit.get("min_count")
                td_differs = (minutes, miles) != (float(cell.max_minutes), float(cell.max_miles))
                min_differs = published_min is not None and int(published_min) != expected_min
                if td_differs or min_differs:
                    customized += td_differs
                    min_overrides += min_differs
                    w.writerow(
                        [
                            ssa,
                            line.code,
                            _fmt(minutes) if td_differs else "",
                            _fmt(miles) if td_differs else "",
                            _fmt(published_min) if min_differs else "",
                        ]
                    )

    con_path = out_dir / f"cms_hsd_{year}_con.csv"
    with con_path.open("w", newline="", encoding="utf-8") as fh:
        fh.write(
            f"# CMS HSD Reference File {year}: Certificate of Need tab (county x specialty; T/D customised Y/N).\n"
            f"# Derived by installers/derive_cms_criteria.py from {workbook.name}; public domain.\n"
        )
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["ssa_code", "line_code", "td_customized"])
        for ssa, code, flag in sorted(parsed.con):
            w.writerow([ssa, code, "Y" if flag else "N"])
    return {
        "plan_year": year,
        "counties": len(parsed.counties),
        "unmatched_counties": unmatched,
        "criteria_cells": cells,
        "customized_cells": customized,
        "min_count_overrides": min_overrides,
        "con_rows": len(parsed.con),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("workbook", type=Path, help="the CMS MA HSD Reference File (.xlsx)")
    ap.add_argument("--out", type=Path, default=RULES_DIR, help="output folder (default resources/rules)")
    args = ap.parse_args(argv)
    print(derive(args.workbook, args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
