"""Derive the committed NUCC taxonomy code set from the NUCC's CSV release.

    .venv/bin/python installers/derive_nucc_codes.py ../shared/data/real/nucc/nucc_taxonomy_251.csv

writes ``resources/rules/nucc_taxonomy_codes.csv``: one row per code of the release with only its facts
(code, grouping, classification, specialization, section), sorted by code, under a header comment that
names the source file and its version. The Definition, Notes and Display Name columns are left out: the
app needs to know which codes exist and what they are called, not the NUCC's prose.

The NUCC (www.nucc.org) publishes the Health Care Provider Taxonomy code set twice a year: version YY.0
takes effect on January 1 and YY.1 on July 1 of 20YY; the CSV download is named ``nucc_taxonomy_YY0.csv``
/ ``nucc_taxonomy_YY1.csv``, with the columns Code, Grouping, Classification, Specialization, Definition,
Notes, Display Name, Section. ``tests/test_nucc_codes.py`` re-derives the committed file from v25.1
whenever ../shared/data/real/nucc holds it.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "rules" / "nucc_taxonomy_codes.csv"
SOURCE_COLUMNS = ("Code", "Grouping", "Classification", "Specialization", "Section")
OUT_COLUMNS = ("code", "grouping", "classification", "specialization", "section")


def version_of(path: Path) -> tuple[str, str]:
    """('25.1', '2025-07-01') from 'nucc_taxonomy_251.csv' (the NUCC's file naming, see the module doc)."""
    m = re.fullmatch(r"nucc_taxonomy_(\d{2})(\d)\.csv", path.name, flags=re.IGNORECASE)
    if not m or m.group(2) not in ("0", "1"):
        raise SystemExit(
            f"{path.name}: expected the NUCC's file name nucc_taxonomy_YYN.csv (e.g. nucc_taxonomy_251.csv)"
        )
    year, half = int(m.group(1)), m.group(2)
    return f"{year}.{half}", f"20{year:02d}-{'01' if half == '0' else '07'}-01"


def derive(source: Path) -> str:
    """The text of nucc_taxonomy_codes.csv derived from one NUCC CSV release."""
    version, effective = version_of(source)
    with source.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in SOURCE_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise SystemExit(
                f"{source.name}: no column(s) {', '.join(missing)}; is this the NUCC CSV release?"
            )
        rows = [tuple((r[c] or "").strip() for c in SOURCE_COLUMNS) for r in reader]
    codes = [r[0] for r in rows]
    if len(set(codes)) != len(codes):
        raise SystemExit(f"{source.name}: a code appears twice")
    bad = [c for c in codes if not re.fullmatch(r"[0-9A-Z]{9}X", c)]
    if bad:
        raise SystemExit(f"{source.name}: not NUCC codes: {', '.join(bad[:5])}")
    out = io.StringIO()
    out.write(
        f"# NUCC Health Care Provider Taxonomy code set, version {version} (effective {effective}): "
        f"{len(rows)} codes.\n"
        f"# Source: {source.name}, the National Uniform Claim Committee's CSV release (www.nucc.org), used under\n"
        "#   the NUCC's free code-set terms. Facts only: the Definition, Notes and Display Name columns are left out.\n"
        "# Derived by installers/derive_nucc_codes.py; do not edit by hand (see resources/rules/README.md).\n"
    )
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(OUT_COLUMNS)
    writer.writerows(sorted(rows))
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="the NUCC CSV release, e.g. nucc_taxonomy_251.csv")
    parser.add_argument(
        "--out", type=Path, default=OUT, help=f"where to write (default {OUT.relative_to(ROOT)})"
    )
    args = parser.parse_args(argv)
    text = derive(args.source)
    args.out.write_text(text, encoding="utf-8", newline="")
    codes = sum(1 for line in text.splitlines() if line and not line.startswith("#")) - 1  # less the header
    print(f"wrote {args.out} ({codes} codes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
