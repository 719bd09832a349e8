"""HSD table export benchmark: the columnar export against the row-by-row code it replaced, same run.

Run: ``.venv/bin/python bench/bench_export_hsd.py [--locations 200000,1000000] [--baseline-max 200000]``

Inputs: the bundled demo project (``demo.write_demo_project``: 12 Houston-area counties, ~4,750 roster
locations) and that roster copied until it has ``--locations`` roster locations (new provider ids and
NPIs, coordinates jittered by about a mile, same counties, lines and taxonomies; direct inserts into
providers / provider_lines / locations; building the scaled project is not timed).

What is timed, each (implementation, size) in its own child process so peak RSS is that export's own
high-water mark (``ru_maxrss``, which includes the ~0.2 GB of Python + numpy + pandas + openpyxl):
``build_tables``, then ``write_tables`` (XLSX + CSV of both tables), then ``check_tables`` (the
rejection checks ``blueprint export hsd`` runs), wall and CPU seconds each.

- ``new``: ``reports.hsd_tables`` / ``reports.hsd_checks`` as they are now (columnar).
- ``old``: a frozen copy of the code as it was before (below, ``old_*``: one ``HsdRow`` object per row,
  ``_served_counties`` over every county x all rows, openpyxl normal mode, the csv module row by row).
  Run at demo size and at ``--baseline-max`` locations and below (at 1M it would take ~17 min and
  ~20 GB). Where both ran, the provider and facility CSVs are compared byte for byte (after the one
  deliberate change: the old code wrote "nan" for a missing Contract Type).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from blueprint_desktop.data.npi import is_valid_npi, npi_with_check_digit  # noqa: E402
from blueprint_desktop.demo import write_demo_project  # noqa: E402
from blueprint_desktop.geo.distance import chord_to_miles, to_unit_vectors  # noqa: E402
from blueprint_desktop.progress import Progress  # noqa: E402
from blueprint_desktop.reports import hsd_checks, hsd_tables  # noqa: E402
from blueprint_desktop.reports.hsd_checks import REJECT, WARNING, Problem  # noqa: E402
from blueprint_desktop.reports.hsd_tables import (  # noqa: E402
    _OPTIONAL_PROVIDER_COLUMNS,
    BEDS_LINE,
    FACILITY_COLUMNS,
    FILE_NAMES,
    PROVIDER_COLUMNS,
    TEXT_COLUMNS,
    HsdRow,
    _columns,
    _line_kinds,
    listed_mask,
    submittable_codes,
    submitted_code,
)
from blueprint_desktop.rules import crosswalk  # noqa: E402
from blueprint_desktop.rules.standards import standards_for_county  # noqa: E402
from blueprint_desktop.store import open_project  # noqa: E402

OUT = Path(__file__).resolve().parent / "out" / "hsd_export"
XLSX_MAX_ROWS = 1_048_576  # Excel's sheet limit, header included
DEMO_LOCATIONS = 4746


# -- the baseline: the row-by-row export as it was before the columnar rewrite (frozen copy) ----------
@dataclass
class OldHsdTables:
    provider: list[HsdRow] = field(default_factory=list)
    facility: list[HsdRow] = field(default_factory=list)
    service_area: list[str] = field(default_factory=list)
    ssa_source: str = ""

    def rows(self, kind: str) -> list[HsdRow]:
        return self.provider if kind == "provider" else self.facility


def old_load(project) -> pd.DataFrame:
    have = _columns(project, "providers")
    extra = []
    for key, names in _OPTIONAL_PROVIDER_COLUMNS.items():
        name = next((n for n in names if n in have), None)
        extra.append(f"p.[{name}] AS [{key}]" if name else f"NULL AS [{key}]")
    sql = (
        "SELECT l.id AS location_id, p.id AS provider_id, p.npi, p.name, pl.line_code AS stored_line,"
        " pl.taxonomy_code, l.address, l.city, l.state, l.zip, l.county_fips, l.latitude AS lat,"
        " l.longitude AS lon, l.geocode_quality, l.beds, p.source, p.contract_status, p.credentialing_status,"
        " p.telehealth_only, p.telehealth_waived, p.deactivated_date, "
        + ", ".join(extra)
        + " FROM locations l"
        " JOIN providers p ON p.id = l.provider_id JOIN provider_lines pl ON pl.provider_id = p.id"
        " ORDER BY p.name, p.npi, l.id, pl.line_code"
    )
    cur = project.conn.execute(sql)
    df = pd.DataFrame(cur.fetchall(), columns=[d[0] for d in cur.description])
    if df.empty:
        return df
    df["telehealth_only"] = df.telehealth_only.fillna(0).astype(int)
    df["telehealth_waived"] = df.telehealth_waived.fillna(0).astype(int)
    df["lat"] = pd.to_numeric(df.lat, errors="coerce")
    df["lon"] = pd.to_numeric(df.lon, errors="coerce")
    return df


def old_served_counties(
    project, df: pd.DataFrame, area: list[str], standards: dict[str, Any], progress: Progress
) -> list[set[str]]:
    """Per row of ``df``: the service-area counties its location serves (see the module doc)."""
    from blueprint_desktop.geo.points import population_points

    area_set = set(area)
    served: list[set[str]] = [{c} if c in area_set else set() for c in df.county_fips.fillna("")]
    placed = df.lat.notna().to_numpy() & df.lon.notna().to_numpy()
    if not placed.any() or not area:
        return served
    points = population_points(area, project)
    xyz = np.zeros((len(df), 3))
    xyz[placed] = to_unit_vectors(df.lat.to_numpy()[placed], df.lon.to_numpy()[placed])
    lines = df.line_code.to_numpy()
    for i, fips in enumerate(area):
        progress.update(0.2 + 0.6 * i / len(area), f"counties served: {fips}")
        pts = points[points.county_fips == fips]
        std = standards.get(fips)
        if pts.empty or std is None:
            continue
        tree = cKDTree(to_unit_vectors(pts.lat.to_numpy(), pts.lon.to_numpy()))
        for line in set(lines[placed]):
            limit = std.lines.get(line)
            if limit is None or not limit.max_miles:
                continue
            idx = np.flatnonzero(placed & (lines == line))
            chord, _ = tree.query(xyz[idx], k=1)
            within = chord_to_miles(chord) <= float(limit.max_miles) + 1e-9
            for j in idx[within]:
                served[j].add(fips)
    return served


def old_build_tables(project, progress: Progress | None = None) -> OldHsdTables:
    """The provider and facility HSD tables of the project's credited network, sorted for reading."""
    progress = progress or Progress()
    progress.update(0.0, "reading the roster")
    area = project.service_area()
    tables = OldHsdTables(service_area=area)
    df = old_load(project)
    if df.empty:
        return tables
    df = df[listed_mask(df)].reset_index(drop=True)
    if df.empty:
        return tables
    df["code"] = [submitted_code(s, t) for s, t in zip(df.stored_line, df.taxonomy_code, strict=True)]
    df["line_code"] = [crosswalk.hsd_code_to_line(c) for c in df.code]
    # A provider listed under S03 and 002 with a family-medicine taxonomy is one line: keep one row.
    df = df.drop_duplicates(["location_id", "code"]).reset_index(drop=True)
    standards = {}
    for fips in area:
        progress.check()
        standards[fips] = standards_for_county(project, fips)
    ssa = {fips: std.ssa_code for fips, std in standards.items()}
    labels = sorted({std.criteria_label for std in standards.values() if std.ssa_code and std.criteria_label})
    tables.ssa_source = (
        "; ".join(labels) if labels else "none (no CMS criteria list these counties: no SSA codes)"
    )
    served = old_served_counties(project, df, area, standards, progress)
    kinds = _line_kinds()
    progress.update(0.85, "writing rows")
    for rec, counties in zip(df.itertuples(index=False), served, strict=True):
        # An unknown code goes to the provider table, where the checks reject it.
        kind = kinds.get(rec.code, ("provider", ""))[0]
        geocoded = not (pd.isna(rec.lat) or pd.isna(rec.lon)) and rec.geocode_quality != "none"
        # A location with no known county still gets one row so the checks can name it.
        for fips in sorted(counties) or [None]:
            common = {
                "SSA State/County Code": (ssa.get(fips) or "") if fips else "",
                "National Provider Identifier (NPI) Number": rec.npi,
                "Provider Street Address": rec.address or "",
                "Provider City": rec.city or "",
                "Provider State Code": rec.state or "",
                "Provider Zip Code": str(rec.zip or "")[:5],
            }
            if kind == "facility":
                values = common | {
                    "Facility or Service Type": kinds.get(rec.code, ("", rec.code))[1],
                    "Facility Specialty Code": rec.code,
                    "# of Staffed, Medicare-Certified Beds": (
                        int(rec.beds) if rec.code == BEDS_LINE and not pd.isna(rec.beds) else ""
                    ),
                    "Facility Name": rec.name,
                }
            else:
                values = common | {
                    "Name of Physician or Mid-Level Practitioner": rec.name,
                    "Provider Specialty Code": rec.code,
                    "Contract Type": rec.contract_type or "",
                    "Medical Group Affiliation": rec.group_affiliation or "",
                }
            row = HsdRow(
                kind=kind,
                values=values,
                provider_id=int(rec.provider_id),
                location_id=int(rec.location_id),
                county_fips=fips,
                line_code=rec.line_code,
                taxonomy_code=rec.taxonomy_code,
                geocode_quality=rec.geocode_quality or "none",
                geocoded=geocoded,
                own_county=fips is not None and fips == rec.county_fips,
            )
            tables.rows(kind).append(row)
    for kind in ("provider", "facility"):
        code_col = "Provider Specialty Code" if kind == "provider" else "Facility Specialty Code"
        tables.rows(kind).sort(
            key=lambda r, c=code_col: (
                r.values["SSA State/County Code"],
                r.county_fips or "",
                r.values[c],
                r.values["National Provider Identifier (NPI) Number"],
                r.location_id,
            )
        )
    progress.update(1.0, f"{len(tables.provider)} provider rows, {len(tables.facility)} facility rows")
    return tables


def old_write_csv(path: Path, columns: list[str], rows: Iterable[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for r in rows:
            writer.writerow({c: r.get(c, "") for c in columns})


def old_write_xlsx(path: Path, columns: list[str], rows: Iterable[dict[str, Any]], title: str) -> None:
    """One sheet, header row bold and frozen; code columns stored as text so leading zeros survive."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    text_idx = [i for i, c in enumerate(columns) if c in TEXT_COLUMNS]
    # Count rows here: openpyxl's ws.max_row scans every cell on each call, which made this loop quadratic
    # (about 9 minutes for the 27,000-row demo tables).
    row_number = 1
    for r in rows:
        ws.append([r.get(c, "") for c in columns])
        row_number += 1
        for i in text_idx:
            cell = ws.cell(row=row_number, column=i + 1)
            cell.value = "" if cell.value is None else str(cell.value)
            cell.number_format = "@"
    for i, c in enumerate(columns, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = max(12, min(45, len(c) + 2))
    ws.freeze_panes = "A2"
    wb.save(path)


def old_write_tables(tables: OldHsdTables, out_dir: Path) -> list[Path]:
    """Write both tables as XLSX and CSV into ``out_dir``; returns the files written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, columns, title in (
        ("provider", PROVIDER_COLUMNS, "Provider HSD Table"),
        ("facility", FACILITY_COLUMNS, "Facility HSD Table"),
    ):
        values = [r.values for r in tables.rows(kind)]
        base = out_dir / FILE_NAMES[kind]
        old_write_xlsx(base.with_suffix(".xlsx"), columns, values, title)
        old_write_csv(base.with_suffix(".csv"), columns, values)
        written += [base.with_suffix(".xlsx"), base.with_suffix(".csv")]
    return written


def old_row_problems(kind: str, number: int, row: HsdRow, codes: dict[str, tuple[str, str]]) -> list[Problem]:
    v = row.values
    npi = str(v["National Provider Identifier (NPI) Number"])
    code_col = "Provider Specialty Code" if kind == "provider" else "Facility Specialty Code"
    code = str(v[code_col])
    out = []
    if not v["SSA State/County Code"]:
        why = (
            "a 5-digit SSA county code: load the CMS HSD Reference File (blueprint import reference)"
            if row.county_fips
            else "a county: the location has no county and no geocode"
        )
        out.append(Problem(kind, number, npi, "SSA State/County Code", "", "missing-ssa", why, REJECT))
    if not is_valid_npi(npi):
        out.append(
            Problem(
                kind,
                number,
                npi,
                "National Provider Identifier (NPI) Number",
                npi,
                "bad-npi",
                "10 digits with a correct check digit",
                REJECT,
            )
        )
    if codes.get(code, ("",))[0] != kind:
        expected = (
            "001-006 for primary care (S03 is not submitted; the taxonomy gave no 001-006 code)"
            if code == "S03"
            else f"a CMS HSD {kind} specialty code"
        )
        out.append(Problem(kind, number, npi, code_col, code, "unknown-specialty", expected, REJECT))
    if not row.geocoded:
        out.append(
            Problem(
                kind,
                number,
                npi,
                "Provider Street Address",
                ", ".join(
                    str(v[c]) for c in ("Provider Street Address", "Provider City", "Provider Zip Code")
                ),
                "no-geocode",
                "an address that geocodes (re-import with coordinates or a valid ZIP)",
                REJECT,
            )
        )
    if kind == "provider" and not v["Contract Type"]:
        out.append(
            Problem(
                kind,
                number,
                npi,
                "Contract Type",
                "",
                "missing-contract-type",
                "the contract type recorded in the roster",
                WARNING,
            )
        )
    return out


def old_check_tables(tables) -> list[Problem]:
    """Every problem of both tables, in table then row order."""
    codes = submittable_codes()
    problems: list[Problem] = []
    for kind in ("provider", "facility"):
        code_col = "Provider Specialty Code" if kind == "provider" else "Facility Specialty Code"
        seen: dict[tuple, int] = {}
        for i, row in enumerate(tables.rows(kind)):
            number = i + 2
            problems += old_row_problems(kind, number, row, codes)
            v = row.values
            key = (
                v["SSA State/County Code"],
                row.county_fips,
                v["National Provider Identifier (NPI) Number"],
                v[code_col],
                " ".join(str(v["Provider Street Address"]).upper().split()),
                str(v["Provider City"]).upper().strip(),
                v["Provider Zip Code"],
            )
            if key in seen:
                problems.append(
                    Problem(
                        kind,
                        number,
                        key[2],
                        "(whole row)",
                        f"same as row {seen[key]}",
                        "duplicate",
                        "one row per provider, specialty, address and county",
                        REJECT,
                    )
                )
            else:
                seen[key] = number
    return problems


# -- the run -----------------------------------------------------------------------------------------
def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB on Linux


def timed(fn, *args):
    w0, c0 = time.perf_counter(), _cpu()
    out = fn(*args)
    return out, time.perf_counter() - w0, _cpu() - c0


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the export's forked writer helper)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def run_one(impl: str, project_path: Path, out_dir: Path) -> dict[str, Any]:
    """One export in this process (the child side): build, write, check; times and peak RSS."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    build, write, check = (
        (old_build_tables, old_write_tables, old_check_tables)
        if impl == "old"
        else (hsd_tables.build_tables, hsd_tables.write_tables, hsd_checks.check_tables)
    )
    rss_start = peak_rss_gb()
    with open_project(project_path, read_only=True) as project:
        locations = project.conn.execute(
            "SELECT count(*) FROM locations l JOIN providers p ON p.id = l.provider_id WHERE p.source='roster'"
        ).fetchone()[0]
        tables, build_w, build_c = timed(build, project)
    rss_build = peak_rss_gb()
    files, write_w, write_c = timed(write, tables, out_dir)
    rss_write = peak_rss_gb()
    problems, check_w, check_c = timed(check, tables)
    return {
        "impl": impl,
        "locations": locations,
        "provider_rows": len(tables.provider),
        "facility_rows": len(tables.facility),
        "build": [build_w, build_c],
        "write": [write_w, write_c],
        "check": [check_w, check_c],
        "problems": len(problems),
        "files": [str(f) for f in files],
        "bytes": sum(f.stat().st_size for f in files),
        "rss_start_gb": rss_start,
        "rss_build_gb": rss_build,
        "rss_write_gb": rss_write,
        "peak_rss_gb": peak_rss_gb(),
    }


def child(impl: str, project_path: Path, out_dir: Path) -> dict[str, Any]:
    """``run_one`` in a fresh interpreter, so each peak RSS is that export's alone."""
    proc = subprocess.run(
        [sys.executable, __file__, "--one", impl, "--project", str(project_path), "--out", str(out_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{impl} export of {project_path} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def csv_digest(path: Path, fix_nan: bool) -> str:
    """sha256 of a CSV; ``fix_nan``: the old code's "nan" Contract Type written as the empty field."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for line in fh:
            if fix_nan:
                line = re.sub(rb"^((?:[^,\"]*|\"(?:[^\"]|\"\")*\"),){4}nan,", _blank_fifth, line)
            h.update(line)
    return h.hexdigest()


def _blank_fifth(m: re.Match) -> bytes:
    return m.group(0)[: -len(b"nan,")] + b","


def scale_roster(demo: Path, target: int, path: Path, seed: int = 7) -> None:
    """Copy the demo project and repeat its roster providers until there are ``target`` roster locations."""
    shutil.copyfile(demo, path)
    rng = np.random.default_rng(seed)
    with open_project(path) as project:
        conn = project.conn
        prov = pd.read_sql_query("SELECT * FROM providers WHERE source = 'roster' ORDER BY id", conn)
        lines = pd.read_sql_query(
            "SELECT pl.* FROM provider_lines pl JOIN providers p ON p.id = pl.provider_id WHERE p.source='roster'",
            conn,
        )
        locs = pd.read_sql_query(
            "SELECT l.* FROM locations l JOIN providers p ON p.id = l.provider_id WHERE p.source='roster'"
            " ORDER BY l.provider_id, l.id",
            conn,
        )
        have = len(locs)
        next_pid = int(conn.execute("SELECT max(id) FROM providers").fetchone()[0]) + 1
        next_lid = int(conn.execute("SELECT max(id) FROM locations").fetchone()[0]) + 1
        npi_base = 300_000_000  # 9-digit bases, far from the demo's
        locs_per_provider = locs.groupby("provider_id").size().reindex(prov.id, fill_value=0).to_numpy()
        with project.transaction():
            while have < target:
                need = target - have
                # Whole providers of this copy, as many as fit.
                take = int(np.searchsorted(np.cumsum(locs_per_provider), need, side="right"))
                take = max(1, min(take, len(prov)))
                p = prov.iloc[:take].copy()
                new_id = dict(zip(p.id, range(next_pid, next_pid + take), strict=True))
                p["id"] = p.id.map(new_id)
                # Valid NPIs (Luhn check digit), as a real roster has: the checks then see realistic rows.
                p["npi"] = [npi_with_check_digit(str(npi_base + i)) for i in range(next_pid, next_pid + take)]
                pl = lines[lines.provider_id.isin(new_id)].copy()
                pl["provider_id"] = pl.provider_id.map(new_id)
                if "id" in pl.columns:
                    pl = pl.drop(columns="id")
                lc = locs[locs.provider_id.isin(new_id)].copy()
                lc["provider_id"] = lc.provider_id.map(new_id)
                lc["id"] = np.arange(next_lid, next_lid + len(lc))
                jitter = rng.normal(0.0, 0.015, size=(len(lc), 2))  # ~1 mile
                lc["latitude"] = (lc.latitude + jitter[:, 0]).round(6)
                lc["longitude"] = (lc.longitude + jitter[:, 1]).round(6)
                for table, frame in (("providers", p), ("provider_lines", pl), ("locations", lc)):
                    frame = frame.astype(object).where(frame.notna(), None)
                    cols = list(frame.columns)
                    conn.executemany(
                        f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in cols)})"
                        f" VALUES ({', '.join('?' * len(cols))})",
                        frame.itertuples(index=False, name=None),
                    )
                next_pid += take
                next_lid += len(lc)
                have += len(lc)


def table_row(label: str, r: dict[str, Any]) -> str:
    rows = r["provider_rows"] + r["facility_rows"]
    total_w = r["build"][0] + r["write"][0]
    total_c = r["build"][1] + r["write"][1]
    xlsx = sum(1 for f in r["files"] if f.endswith(".xlsx"))
    return (
        f"| {label} | {r['impl']} | {r['locations']:,} | {rows:,} | {r['build'][0]:.1f} / {r['build'][1]:.1f} |"
        f" {r['write'][0]:.1f} / {r['write'][1]:.1f} | **{total_w:.1f}** / {total_c:.1f} |"
        f" {r['check'][0]:.1f} / {r['check'][1]:.1f} | {xlsx} | {r['bytes'] / 1e6:,.0f} MB |"
        f" {r['rss_build_gb']:.2f} / {r['rss_write_gb']:.2f} / {r['peak_rss_gb']:.2f} GB |"
    )


HEADER = [
    "| roster | code | roster locations | HSD rows (provider + facility) | build s (wall / CPU) |"
    " write s (wall / CPU) | build + write s (wall / CPU) | checks s (wall / CPU) | XLSX files | files |"
    " peak RSS after build / write / checks |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--locations", default="200000,1000000", help="comma-separated roster-location counts")
    ap.add_argument("--baseline-max", type=int, default=200_000, help="run the old code up to this size")
    ap.add_argument("--keep", action="store_true", help="keep the scaled projects and outputs in bench/out/")
    ap.add_argument("--one", choices=["old", "new"], help=argparse.SUPPRESS)
    ap.add_argument("--project", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.project, args.out)))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    demo = OUT / "demo.bpproj"
    write_demo_project(demo, overwrite=True)
    lines = list(HEADER)
    ratios = []
    sizes: list[tuple[str, Path, int]] = [("demo", demo, 0)]
    for n in [int(x) for x in args.locations.split(",") if x.strip()]:
        sizes.append((f"demo x{n / DEMO_LOCATIONS:.0f}", OUT / f"scaled_{n}.bpproj", n))
    for label, path, n in sizes:
        if n:
            t0 = time.perf_counter()
            scale_roster(demo, n, path)
            print(f"built {path.name} in {time.perf_counter() - t0:.0f} s", flush=True)
        results = {}
        for impl in ("new", "old"):
            if impl == "old" and n > args.baseline_max:
                continue
            results[impl] = child(impl, path, OUT / f"{path.stem}_{impl}")
            lines.append(table_row(label, results[impl]))
            print(lines[-1], flush=True)
        if "old" in results:
            o, w = results["old"], results["new"]
            same = all(
                csv_digest(OUT / f"{path.stem}_old" / f"{name}.csv", fix_nan=True)
                == csv_digest(OUT / f"{path.stem}_new" / f"{name}.csv", fix_nan=False)
                for name in hsd_tables.FILE_NAMES.values()
            )
            ow, nw = o["build"][0] + o["write"][0], w["build"][0] + w["write"][0]
            oc, nc = o["build"][1] + o["write"][1], w["build"][1] + w["write"][1]
            ratios.append(
                f"{label} ({w['locations']:,} locations): build + write {ow / nw:.1f}x faster wall,"
                f" {oc / nc:.1f}x less CPU; checks {o['check'][0] / max(w['check'][0], 1e-9):.1f}x;"
                f" peak RSS {o['peak_rss_gb']:.2f} -> {w['peak_rss_gb']:.2f} GB;"
                f" CSVs identical: {'yes' if same else 'NO'}"
            )
            print(ratios[-1], flush=True)
        if not args.keep:
            for impl in ("new", "old"):
                shutil.rmtree(OUT / f"{path.stem}_{impl}", ignore_errors=True)
            if n:
                for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                    leftover.unlink(missing_ok=True)
    print("\n".join(lines + [""] + ratios))


if __name__ == "__main__":
    main()
