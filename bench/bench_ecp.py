"""What the General ECP Standard costs at state size: loading an ECP list and measuring a network against it.

Run: ``.venv/bin/python bench/bench_ecp.py [--rows 8000] [--network 60000] [--repeat 3]``

Inputs (synthetic, realistic shape): a QHP project over every Texas county (254); an ECP list of ``--rows`` rows
(CMS's Final ECP List holds a few thousand rows for a large state) at addresses in real Texas ZIP codes, in the
eight categories in a plausible mix, with one site in five listing two providers at the same address (one
ECP, 45 CFR 156.235(a)(2)(i)) and one in ten FQHCs also a family planning site; a roster of ``--network``
providers of which a quarter of the ECPs' NPIs hold an executed contract and a twentieth a letter of intent.

Timed (best of ``--repeat``; CPU seconds beside wall seconds, the machine is shared):

1. ``import_ecp_list`` (read, check every row, place each in a county, one transaction);
2. ``ecp_report`` (thresholds, county x category cells, the fewest contracts and their order);
3. the recruit order as first written (every step re-ranks every open location), against the shipped one
   (one sort, then steps over the ranked list): both must pick the same number of locations, the exact
   minimum (``minimal_contracts``). Results: docs/performance.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from blueprint_desktop.data.ecp_list import import_ecp_list  # noqa: E402
from blueprint_desktop.engine import ecp_compliance  # noqa: E402
from blueprint_desktop.geo.counties import counties_in_states  # noqa: E402
from blueprint_desktop.geo.zips import load_zip_centroids  # noqa: E402
from blueprint_desktop.store import create_project, open_project  # noqa: E402

CATEGORIES = [  # (name as written, weight)
    ("Federally Qualified Health Centers", 30), ("Family Planning Providers", 8), ("Inpatient Hospitals", 15),
    ("Mental Health Facilities", 12), ("Substance Use Disorder Treatment Centers", 10),
    ("Ryan White HIV/AIDS Program Providers", 4), ("Indian Health Care Providers", 1), ("Other ECP Providers", 20),
]  # fmt: skip


def npi(base9: int) -> str:
    digits = [int(c) for c in "80840" + f"{base9:09d}"]
    total = sum(d if i % 2 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(reversed(digits)))
    return f"{base9:09d}{(10 - total % 10) % 10}"


def write_inputs(
    folder: Path, rows: int, network: int, rng: random.Random
) -> tuple[Path, list[str], list[str]]:
    zips = load_zip_centroids()
    tx = [z for z, c in zips["county_fips"].items() if isinstance(c, str) and c.startswith("48")]
    names, weights = zip(*CATEGORIES, strict=True)
    out: list[list[str]] = []
    npis: list[str] = []
    n = 100_000_000
    while len(out) < rows:
        n += 1
        zip5, street = (
            rng.choice(tx),
            f"{rng.randint(100, 9999)} {rng.choice(['Main', 'Oak', 'Elm', 'Bell'])} St",
        )
        cat = rng.choices(names, weights)[0]
        first = npi(n)
        npis.append(first)
        out.append([first, f"ECP {n}", cat, street, "Somewhere", "TX", zip5, ""])
        if rng.random() < 0.2:  # two providers at one address
            n += 1
            npis.append(npi(n))
            out.append([npi(n), f"ECP {n}", cat, street, "Somewhere", "TX", zip5, ""])
        if cat.startswith("Federally") and rng.random() < 0.1:
            n += 1
            npis.append(npi(n))
            out.append([npi(n), f"ECP {n} family planning", "Family Planning Providers", street, "Somewhere", "TX",
                        zip5, ""])  # fmt: skip
    path = folder / "ecp.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["NPI", "Provider Name", "ECP Category", "Site Street Address", "Site City", "Site State",
                    "Site ZIP Code", "Site County"])  # fmt: skip
        w.writerows(out)
    contracted = rng.sample(npis, len(npis) // 4)
    loi = rng.sample(sorted(set(npis) - set(contracted)), len(npis) // 20)
    others = [npi(n) for n in range(300_000_000, 300_000_000 + max(0, network - len(contracted) - len(loi)))]
    return path, contracted + others, loi


def _timed(fn, repeat: int):
    best = None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        if best is None or wall < best[0]:
            best = (wall, cpu)
    return out, {"wall_s": round(best[0], 3), "cpu_s": round(best[1], 3)}


def first_version_count(thresholds, standard, pool) -> int:
    """The recruit order as first written: each step re-ranks every open location by what it would close."""
    by_item = {t.item: t for t in thresholds if t.applies and t.short}
    cat_of = {t.item: t.category for t in standard.thresholds}
    needs = {i: t.short for i, t in by_item.items()}
    pool = list(pool)
    target = ecp_compliance.minimal_contracts(needs, pool, cat_of)
    chosen = 0
    while pool and chosen < target:

        def gain(s):
            cats = sum(
                1 for i, n in needs.items() if n > 0 and cat_of[i] is not None and cat_of[i] in s.categories
            )
            return (-cats, not s.offered, -len(s.npis), s.name, s.key)

        pick = min(pool, key=gain)
        pool.remove(pick)
        for i, n in needs.items():
            if n > 0 and (cat_of[i] is None or cat_of[i] in pick.categories):
                needs[i] = n - 1
        chosen += 1
    return chosen


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=8000)
    ap.add_argument("--network", type=int, default=60000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rng = random.Random(2026)
    work = Path(tempfile.mkdtemp(prefix="bench-ecp-"))
    path, contracted, loi = write_inputs(work, args.rows, args.network, rng)
    counties = [(f, "TX") for f in counties_in_states(["TX"])]
    results: dict[str, object] = {
        "rows": args.rows,
        "network": len(contracted) + len(loi),
        "counties": len(counties),
    }

    def fresh_import():
        project_path = work / f"p{time.monotonic_ns()}.bpproj"
        create_project(project_path, "bench", lob="qhp", plan_year=2026, counties=counties)
        with open_project(project_path) as project:
            with project.transaction():
                project.conn.executemany(
                    "INSERT INTO providers(npi, name, source, contract_status) VALUES (?, 'P', 'roster', ?)",
                    [(n, "executed") for n in contracted] + [(n, "loi") for n in loi],
                )
            w0, c0 = time.perf_counter(), time.process_time()
            result = import_ecp_list(project, path)
            timing = (time.perf_counter() - w0, time.process_time() - c0)
        return project_path, result, timing

    imports = [fresh_import() for _ in range(args.repeat)]
    project_path, imported, _ = imports[-1]
    best = min(imports, key=lambda x: x[2][0])[2]
    results["import"] = {"wall_s": round(best[0], 3), "cpu_s": round(best[1], 3), "sites": imported.sites}
    with open_project(project_path, read_only=True) as project:
        report, results["report"] = _timed(lambda: ecp_compliance.ecp_report(project), args.repeat)
        rows = project.conn.execute(
            "SELECT row_number, npi, name, category, provider_type, address, city, state, zip, county_fips,"
            " county_from FROM ecp_sites ORDER BY row_number"
        ).fetchall()
    from blueprint_desktop.rules.ecp_standard import load_standard

    area = {f for f, _ in counties}
    sites = ecp_compliance._sites([r for r in rows if r[9] in area])
    executed, offers = set(contracted), set(loi)
    for s in sites:
        s.contracted = any(n in executed for n in s.npis)
        s.offered = any(n in offers for n in s.npis)
    open_sites = [s for s in sites if not s.contracted]
    gaps = {(c.county_fips, c.category): c for c in report.cells if c.status == "no offer recorded"}
    standard = load_standard()
    shipped, results["recruit_order_shipped"] = _timed(
        lambda: ecp_compliance._recruits(standard, report.thresholds, open_sites, gaps), args.repeat
    )
    first, results["recruit_order_first_version"] = _timed(
        lambda: first_version_count(report.thresholds, standard, open_sites), 1
    )
    results["recruits"] = len(report.recruits)
    results["thresholds"] = [t.as_dict() for t in report.thresholds]
    results["cells"] = len(report.cells)
    results["offers_missing"] = len(report.offers_missing)
    if not (first == len(shipped) == len(report.recruits)):
        print(json.dumps(results, indent=2, default=str))
        raise SystemExit(
            f"bench_ecp: the first version picks {first}, the shipped one {len(report.recruits)}"
        )
    print(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
