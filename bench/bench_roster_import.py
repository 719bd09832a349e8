"""Roster import at national size: a generated CMS HSD Provider table, imported by ``import_roster`` (what
``blueprint import roster`` calls), against the modules as they were before (the baseline) in the same run.

Run: ``.venv/bin/python bench/bench_roster_import.py [--rows 1000000] [--baseline-rows 200000]
[--baseline-src git:REV | DIR] [--skip-baseline] [--compare-rows 20000]``

1. Writes a roster CSV in the CMS HSD Provider layout (``reports.hsd_tables.PROVIDER_COLUMNS``, which
   ``roster_layouts.HSD_PROVIDER`` recognises): providers with 1-2 practice locations, 1-2 specialty codes
   and 1-3 counties served each (the HSD table repeats a location once per specialty x county served), real
   ZIPs of every state drawn from ``geo.zips`` with their county's SSA code, realistic names, NPIs with a
   valid check digit, and ~1.5 % bad rows (a bad NPI check digit, a ZIP that is not one, a ZIP of another
   state, an unknown specialty code, no name, a row repeated exactly).
2. Imports it with ``skip_bad_rows`` into a new project, each import in its own child process (so peak RSS
   is the import's own: ``ru_maxrss`` of the child), timing wall and CPU seconds.
3. The baseline: the roster modules (roster_import, roster_validate, tabular, geocode) as they were, copied
   into a temporary package from ``git show REV:...`` (default ``git:e9683ca``, the last commit before
   issue 16's import work) or from a directory of copies (docs/performance.md used copies of the working
   tree as it was when the work began, its PHI and control-character checks included), run at
   ``--baseline-rows`` and extrapolated linearly to ``--rows`` (the old code at 1M: ~2 minutes and
   3.6 GB on this file; run ``--baseline-rows 1000000`` to measure it rather than extrapolate).
4. ``--compare-rows``: both versions import the same smaller file; the providers, provider_lines,
   locations, provider_counties, import_problems and roster_changes tables and the batch's summary (its
   warnings, credit exclusions and undo snapshot) are dumped and hashed, and must be identical; the same is
   done for the ``--baseline-rows`` file.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BASELINE_MODULES = ("roster_import", "roster_validate", "tabular", "geocode")

FIRST = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Christopher",
    "Lisa",
    "Daniel",
    "Nancy",
    "Matthew",
    "Betty",
    "Anthony",
    "Sandra",
    "Mark",
    "Ashley",
    "Priya",
    "Wei",
    "Ahmed",
    "Fatima",
    "Carlos",
    "Maria",
    "Jose",
    "Ana",
    "Luis",
    "Sofia",
    "Hiroshi",
    "Yuki",
    "Olusegun",
    "Ngozi",
    "Ivan",
    "Olga",
    "Rahul",
    "Anjali",
    "Minh",
    "Linh",
    "Omar",
    "Leila",
    "Kwame",
    "Ama",
    "Diego",
    "Lucia",
]
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Patel",
    "Shah",
    "Kim",
    "Chen",
    "Wang",
    "Okafor",
    "Adeyemi",
    "Kowalski",
    "Novak",
    "Ivanova",
    "Yamamoto",
    "Tanaka",
    "Haddad",
    "Mensah",
    "O'Brien",
    "McCarthy",
    "Schmidt",
    "Muller",
    "Rossi",
]
DEGREES = ("MD", "MD", "MD", "DO", "NP", "PA-C", "DPM", "OD", "PhD", "MD, FACC")
STREETS = [
    "Main",
    "Oak",
    "Maple",
    "Cedar",
    "Pine",
    "Elm",
    "Washington",
    "Lake",
    "Hill",
    "Park",
    "Medical",
    "Center",
    "Hospital",
    "Lincoln",
    "Jefferson",
    "Madison",
    "Franklin",
    "Highland",
    "Sunset",
    "River",
    "Spring",
    "Church",
    "Market",
    "Broad",
    "College",
    "University",
    "Commerce",
]
SUFFIXES = ("St", "Ave", "Blvd", "Dr", "Rd", "Pkwy", "Way", "Ln", "Ct", "Plaza")
CONTRACT_TYPES = (
    "Direct",
    "Direct",
    "Direct",
    "Downstream",
    "Subcontract",
    "Medicare Advantage",
    "MA/Medicaid",
)
GROUPS = (
    "Summit Physician Partners",
    "Riverbend Medical Group",
    "Coastal Health Associates",
    "Prairie Family Medicine",
    "Metro Specialty Care",
    "",
    "",
)


def _luhn_npi(base9: str) -> str:
    """The NPI with its check digit: Luhn over '80840' + the 9 digits (45 CFR 162.406), written here
    independently of data.npi so the generator does not trust the code it benchmarks."""
    digits = [int(c) for c in "80840" + base9]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return base9 + str((10 - total % 10) % 10)


def generate(path: Path, rows: int, seed: int = 16, bad_share: float = 0.015) -> dict[str, int]:
    """Write a roster of about ``rows`` data rows in the HSD Provider layout; returns what it holds."""
    import numpy as np

    from blueprint_desktop.data.roster_validate import _specialty_codes
    from blueprint_desktop.geo.zips import load_zip_centroids
    from blueprint_desktop.reports.hsd_tables import PROVIDER_COLUMNS
    from blueprint_desktop.rules.cms_criteria import builtin_ssa_map

    rng = np.random.default_rng(seed)
    ssa_of: dict[str, str] = {}
    for ssa, (_state, fips) in sorted(builtin_ssa_map().items()):
        for f in str(fips or "").split(";"):
            if f:
                ssa_of.setdefault(f, ssa)
    z = load_zip_centroids()
    z = z[z.county_fips.isin(list(ssa_of)) & z.state.notna() & z.lat.notna()]
    zips = [str(x) for x in z.index]
    zstate = [str(s) for s in z.state]
    zcity = [str(c) if isinstance(c, str) and c else "Springfield" for c in z.city]
    zcounty = [str(c) for c in z.county_fips]
    counties_by_state: dict[str, list[str]] = {}
    for s, f in sorted(set(zip(zstate, zcounty, strict=True))):
        counties_by_state.setdefault(s, []).append(f)
    codes = sorted(c for c, k in _specialty_codes().items() if k == "provider")
    common = ["S03", "001", "002", "005", "006", "008", "011", "013", "014", "016", "020", "025", "029"]
    bad_kinds = ("check_digit", "zip_text", "zip_state", "code", "no_name", "repeat")
    stats = dict.fromkeys(("rows", "providers", *bad_kinds), 0)
    written = 0
    npi_base = 100_000_000
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(PROVIDER_COLUMNS)
        last: list[str] | None = None
        while written < rows:
            npi_base += int(rng.integers(1, 40))
            npi_ = _luhn_npi(f"{npi_base:09d}")
            name = f"{FIRST[rng.integers(len(FIRST))]} {chr(65 + int(rng.integers(26)))} {LAST[rng.integers(len(LAST))]}, {DEGREES[rng.integers(len(DEGREES))]}"
            specs = [
                common[rng.integers(len(common))] if rng.random() < 0.7 else codes[rng.integers(len(codes))]
            ]
            if rng.random() < 0.3:
                specs.append(codes[rng.integers(len(codes))])
            specs = list(dict.fromkeys(specs))
            contract = CONTRACT_TYPES[rng.integers(len(CONTRACT_TYPES))]
            group = GROUPS[rng.integers(len(GROUPS))]
            stats["providers"] += 1
            for _loc in range(1 if rng.random() < 0.75 else 2):
                zi = int(rng.integers(len(zips)))
                state = zstate[zi]
                zip_text = zips[zi] if rng.random() < 0.97 else f"{zips[zi]}-{int(rng.integers(10000)):04d}"
                address = f"{int(rng.integers(1, 9999))} {STREETS[rng.integers(len(STREETS))]} {SUFFIXES[rng.integers(len(SUFFIXES))]}"
                if rng.random() < 0.3:
                    address += f" Suite {int(rng.integers(100, 999))}"
                served = [zcounty[zi]]
                others = counties_by_state[state]
                for _ in range(int(rng.integers(0, 3))):
                    served.append(others[rng.integers(len(others))])
                for fips in dict.fromkeys(served):
                    for code in specs:
                        row = [
                            ssa_of[fips],
                            name,
                            npi_,
                            code,
                            contract,
                            address,
                            zcity[zi],
                            state,
                            zip_text,
                            group,
                        ]
                        r = rng.random()
                        if r < bad_share:
                            kind = bad_kinds[int(r / bad_share * len(bad_kinds))]
                            if kind == "check_digit":
                                row[2] = npi_[:9] + str((int(npi_[9]) + 1) % 10)
                            elif kind == "zip_text":
                                row[8] = "7703O"
                            elif kind == "zip_state":
                                row[8] = "10001" if state != "NY" else "77030"
                            elif kind == "code":
                                row[3] = "999"
                            elif kind == "no_name":
                                row[1] = ""
                            elif kind == "repeat" and last is not None:
                                row = last
                            stats[kind] += 1
                        w.writerow(row)
                        last = row
                        written += 1
    stats["rows"] = written
    return stats


# -- one import, in a child process ------------------------------------------------------------------
def _baseline_package(src: str, into: Path) -> str:
    """Copy the baseline modules into ``into/_roster_baseline`` (imports among them rewritten); its name."""
    pkg = into / "_roster_baseline"
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg / "__init__.py").write_text("")
    for mod in BASELINE_MODULES:
        rel = f"blueprint_desktop/data/{mod}.py"
        if src.startswith("git:"):
            text = subprocess.run(
                ["git", "show", f"{src[4:]}:{rel}"], cwd=ROOT, check=True, capture_output=True, text=True
            ).stdout
        else:
            text = (Path(src) / f"{mod}.py").read_text()
        for other in BASELINE_MODULES:
            text = text.replace(f"blueprint_desktop.data.{other} import", f"_roster_baseline.{other} import")
        (pkg / f"{mod}.py").write_text(text)
    return "_roster_baseline"


def _child(args: argparse.Namespace) -> None:
    """Import ``args.file`` into a new project at ``args.project`` with ``args.module``; print JSON."""
    import importlib

    if args.pkg_dir:
        sys.path.insert(0, args.pkg_dir)
    from blueprint_desktop.store import create_project

    mod = importlib.import_module(args.module)
    create_project(args.project, "bench")
    # Load the reference tables first (both versions read the same ones), so the timing is the import's.
    from blueprint_desktop.geo.counties import load_counties
    from blueprint_desktop.geo.zips import load_zip_centroids
    from blueprint_desktop.store import open_project

    load_counties(), load_zip_centroids()
    with open_project(args.project) as project:
        t0, c0 = time.perf_counter(), time.process_time()
        result = mod.import_roster(project, args.file, skip_bad_rows=True)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "wall": wall,
                "cpu": cpu,
                "peak_mb": peak_kb / 1024,
                "rows_read": result.rows_read,
                "rows_imported": result.rows_imported,
                "rows_rejected": result.rows_rejected,
                "providers": result.providers,
                "locations": result.locations,
                "project_mb": os.path.getsize(args.project) / 1e6,
            }
        )
    )


def run_import(file: Path, project: Path, module: str, pkg_dir: str | None = None) -> dict[str, float]:
    if project.exists():
        project.unlink()
    cmd = [
        sys.executable,
        __file__,
        "--child",
        "--file",
        str(file),
        "--project",
        str(project),
        "--module",
        module,
    ]
    if pkg_dir:
        cmd += ["--pkg-dir", pkg_dir]
    out = subprocess.run(
        cmd, check=True, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- identical results -------------------------------------------------------------------------------
DUMPS = {
    "providers": "SELECT * FROM providers ORDER BY id",
    "provider_lines": "SELECT * FROM provider_lines ORDER BY provider_id, line_code",
    "locations": "SELECT * FROM locations ORDER BY id",
    "provider_counties": "SELECT * FROM provider_counties ORDER BY provider_id, county_fips",
    "import_problems": "SELECT batch_id, row_number, column, value, expected FROM import_problems"
    " ORDER BY batch_id, row_number, column, value, expected",
    "roster_changes": "SELECT batch_id, previous_batch_id, npi, change, detail_json FROM roster_changes"
    " ORDER BY batch_id, npi, change",
    "import_batches": "SELECT id, kind, file_name, rows_read, rows_imported, rows_rejected, summary_json"
    " FROM import_batches ORDER BY id",
}
# Columns that hold the moment of the import, not what it imported.
_CLOCK = {"updated_at"}


def table_hashes(project_path: Path) -> dict[str, str]:
    import sqlite3

    conn = sqlite3.connect(project_path)
    out = {}
    for name, sql in DUMPS.items():
        cur = conn.execute(sql)
        cols = [d[0] for d in cur.description]
        keep = [i for i, c in enumerate(cols) if c not in _CLOCK]
        h = hashlib.sha256()
        n = 0
        for row in cur:
            h.update(repr(tuple(row[i] for i in keep)).encode())
            n += 1
        out[name] = f"{n} rows {h.hexdigest()[:16]}"
    conn.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--baseline-rows", type=int, default=200_000)
    ap.add_argument("--baseline-src", default="git:e9683ca")
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument("--compare-rows", type=int, default=20_000)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--child", action="store_true")
    ap.add_argument("--file", type=Path)
    ap.add_argument("--project", type=Path)
    ap.add_argument("--module", default="blueprint_desktop.data.roster_import")
    ap.add_argument("--pkg-dir", default=None)
    args = ap.parse_args()
    if args.child:
        _child(args)
        return
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench_roster_"))
    work.mkdir(parents=True, exist_ok=True)
    pkg_dir = str(work / "pkg")
    base_mod = f"{_baseline_package(args.baseline_src, Path(pkg_dir))}.roster_import"
    ours_mod = "blueprint_desktop.data.roster_import"

    def roster(n: int) -> Path:
        f = work / f"roster_{n}.csv"
        if not f.exists():
            t0 = time.perf_counter()
            stats = generate(f, n)
            print(
                f"generated {f.name}: {f.stat().st_size / 1e6:.0f} MB, {json.dumps(stats)} "
                f"({time.perf_counter() - t0:.0f} s)",
                flush=True,
            )
        return f

    if args.compare_rows:
        f = roster(args.compare_rows)
        ours = table_hashes_of(f, work / "cmp_ours.blueprint", ours_mod)
        base = table_hashes_of(f, work / "cmp_base.blueprint", base_mod, pkg_dir)
        same = ours == base
        print(f"identical results at {args.compare_rows:,} rows: {same}")
        for name in DUMPS:
            print(f"  {name:18} ours {ours[name]}  baseline {base[name]}")
        if not same:
            sys.exit(1)
    results = {}
    f = roster(args.rows)
    results["ours"] = run_import(f, work / "ours.blueprint", ours_mod)
    print(f"ours     {args.rows:>9,} rows: {json.dumps(results['ours'])}", flush=True)
    if not args.skip_baseline:
        fb = roster(args.baseline_rows)
        if args.baseline_rows != args.rows:
            results["ours_at_baseline_rows"] = run_import(fb, work / "ours_b.blueprint", ours_mod)
            print(
                f"ours     {args.baseline_rows:>9,} rows: {json.dumps(results['ours_at_baseline_rows'])}",
                flush=True,
            )
        results["baseline"] = run_import(fb, work / "base.blueprint", base_mod, pkg_dir)
        print(f"baseline {args.baseline_rows:>9,} rows: {json.dumps(results['baseline'])}", flush=True)
        ours_b = work / ("ours_b.blueprint" if args.baseline_rows != args.rows else "ours.blueprint")
        mine, theirs = table_hashes(ours_b), table_hashes(work / "base.blueprint")
        print(f"identical results at {args.baseline_rows:,} rows: {mine == theirs}")
        for name in DUMPS:
            print(f"  {name:18} ours {mine[name]}  baseline {theirs[name]}")
        scale = args.rows / args.baseline_rows
        b = results["baseline"]
        print(
            f"baseline extrapolated to {args.rows:,} rows: wall {b['wall'] * scale:.0f} s, cpu {b['cpu'] * scale:.0f} s"
            f" (linear; ratio ours/baseline wall {results['ours']['wall'] / (b['wall'] * scale):.3f})"
        )
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)


def table_hashes_of(file: Path, project: Path, module: str, pkg_dir: str | None = None) -> dict[str, str]:
    run_import(file, project, module, pkg_dir)
    return table_hashes(project)


if __name__ == "__main__":
    main()
