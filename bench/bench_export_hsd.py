"""HSD table export benchmark: ``build_tables`` + ``write_tables`` on the demo and on a scaled-up roster.

Run: ``.venv/bin/python bench/bench_export_hsd.py [--locations 200000,1000000] [--baseline-rows 6000]``

1. Demo size: the bundled demo project (``demo.write_demo_project``, 12 Houston-area counties, 4,746
   roster locations). ``reports.hsd_tables.build_tables`` then ``write_tables`` (XLSX + CSV of both
   tables), wall and CPU seconds, as ``blueprint export hsd`` does (the checks are not included).
2. Baseline, demo size only: the writer as it was before the fix, reimplemented here
   (``ws.append(row)`` then ``ws.cell(row=ws.max_row, ...)`` for every text column). openpyxl's
   ``max_row`` walks every cell already written, so the loop is quadratic. By default it runs on the
   first ``--baseline-rows`` and half as many rows of each demo table, and the quadratic through those two
   points (and 0) is extrapolated to the full tables; ``--baseline-rows 0`` runs it on the whole tables
   (about ten minutes). The current writer runs on the same subsample for a like-for-like figure.
3. Large: the demo's roster copied until it has ``--locations`` roster locations (new provider ids and
   NPIs, coordinates jittered by about a mile, same counties, lines and taxonomies), written with direct
   inserts into providers / provider_lines / locations; same timing as 1. Building the scaled project is
   not timed.

Peak RSS is the process's high-water mark so far (sizes run in increasing order).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from blueprint_desktop.demo import write_demo_project  # noqa: E402
from blueprint_desktop.reports import hsd_tables  # noqa: E402
from blueprint_desktop.reports.hsd_tables import (  # noqa: E402
    FACILITY_COLUMNS,
    PROVIDER_COLUMNS,
    TEXT_COLUMNS,
)
from blueprint_desktop.store import open_project  # noqa: E402

OUT = Path(__file__).resolve().parent / "out" / "hsd_export"
XLSX_MAX_ROWS = 1_048_576  # Excel's sheet limit, header included


def old_write_xlsx(path: Path, columns: list[str], rows, title: str) -> None:
    """The writer before the fix (quadratic: ``ws.max_row`` per text cell)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    text_idx = [i for i, c in enumerate(columns) if c in TEXT_COLUMNS]
    for r in rows:
        ws.append([r.get(c, "") for c in columns])
        for i in text_idx:
            cell = ws.cell(row=ws.max_row, column=i + 1)
            cell.value = "" if cell.value is None else str(cell.value)
            cell.number_format = "@"
    for i, c in enumerate(columns, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = max(12, min(45, len(c) + 2))
    ws.freeze_panes = "A2"
    wb.save(path)


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB on Linux


def timed(fn, *args):
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - w0, time.process_time() - c0


def export(project_path: Path, out_dir: Path) -> dict:
    if out_dir.exists():
        shutil.rmtree(out_dir)
    with open_project(project_path, read_only=True) as project:
        locations = project.conn.execute(
            "SELECT count(*) FROM locations l JOIN providers p ON p.id = l.provider_id WHERE p.source='roster'"
        ).fetchone()[0]
        tables, build_w, build_c = timed(hsd_tables.build_tables, project)
    files, write_w, write_c = timed(hsd_tables.write_tables, tables, out_dir)
    return {
        "locations": locations,
        "provider_rows": len(tables.provider),
        "facility_rows": len(tables.facility),
        "build_wall": build_w,
        "build_cpu": build_c,
        "write_wall": write_w,
        "write_cpu": write_c,
        "bytes": sum(f.stat().st_size for f in files),
        "tables": tables,
    }


def baseline(tables, sample: int, out_dir: Path) -> dict:
    """Old vs current writer on subsamples of both demo tables; quadratic extrapolation of the old one."""
    out_dir.mkdir(parents=True, exist_ok=True)
    total_old = 0.0
    detail = []
    for kind, columns in (("provider", PROVIDER_COLUMNS), ("facility", FACILITY_COLUMNS)):
        values = [r.values for r in tables.rows(kind)]
        n = len(values)
        if sample <= 0 or sample >= n:
            _, w, _ = timed(old_write_xlsx, out_dir / f"old_{kind}.xlsx", columns, values, kind)
            _, wn, _ = timed(hsd_tables.write_xlsx, out_dir / f"new_{kind}.xlsx", columns, values, kind)
            detail.append((kind, n, n, w, wn, "measured"))
            total_old += w
            continue
        half = sample // 2
        _, t_half, _ = timed(old_write_xlsx, out_dir / f"old_{kind}_h.xlsx", columns, values[:half], kind)
        _, t_full, _ = timed(old_write_xlsx, out_dir / f"old_{kind}.xlsx", columns, values[:sample], kind)
        _, t_new, _ = timed(
            hsd_tables.write_xlsx, out_dir / f"new_{kind}.xlsx", columns, values[:sample], kind
        )
        # t(m) = a m^2 + b m through (half, t_half) and (sample, t_full).
        a, b = np.linalg.solve(np.array([[half**2, half], [sample**2, sample]], float), [t_half, t_full])
        est = max(a * n * n + b * n, t_full)
        detail.append(
            (kind, n, sample, t_full, t_new, f"{t_half:.1f} s at {half:,}; est. {est:,.0f} s at {n:,}")
        )
        total_old += est
    return {"old_xlsx_s": total_old, "detail": detail}


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
        npi_base = 3_000_000_000
        locs_per_provider = locs.groupby("provider_id").size().reindex(prov.id, fill_value=0).to_numpy()
        with project.transaction():
            copy = 0
            while have < target:
                copy += 1
                need = target - have
                # Whole providers of this copy, as many as fit.
                take = int(np.searchsorted(np.cumsum(locs_per_provider), need, side="right"))
                take = max(1, min(take, len(prov)))
                p = prov.iloc[:take].copy()
                new_id = dict(zip(p.id, range(next_pid, next_pid + take), strict=True))
                p["id"] = p.id.map(new_id)
                p["npi"] = [str(npi_base + i) for i in range(next_pid, next_pid + take)]
                pl = lines[lines.provider_id.isin(new_id)].copy()
                pl["provider_id"] = pl.provider_id.map(new_id)
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


def row(label: str, r: dict) -> str:
    rows = r["provider_rows"] + r["facility_rows"]
    total_w = r["build_wall"] + r["write_wall"]
    total_c = r["build_cpu"] + r["write_cpu"]
    over = " (provider sheet over Excel's row limit)" if r["provider_rows"] + 1 > XLSX_MAX_ROWS else ""
    return (
        f"| {label} | {r['locations']:,} | {rows:,}{over} | {r['build_wall']:.1f} / {r['build_cpu']:.1f} |"
        f" {r['write_wall']:.1f} / {r['write_cpu']:.1f} | **{total_w:.1f}** / {total_c:.1f} |"
        f" {r['bytes'] / 1e6:,.0f} MB | {peak_rss_gb():.1f} GB |"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--locations", default="200000", help="comma-separated roster-location counts to scale to"
    )
    ap.add_argument("--baseline-rows", type=int, default=6000, help="old-writer subsample per table; 0 = all")
    ap.add_argument("--keep", action="store_true", help="keep the scaled project files in bench/out/")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    demo = OUT / "demo.bpproj"
    write_demo_project(demo, overwrite=True)

    lines = [
        "| roster | roster locations | HSD rows (provider + facility) | build_tables s (wall / CPU) |"
        " write_tables s (wall / CPU) | total s (wall / CPU) | files | peak RSS |",
        "|---|---|---|---|---|---|---|---|",
    ]
    r = export(demo, OUT / "demo_out")
    lines.append(row("demo", r))
    print(lines[-1], flush=True)

    b = baseline(r["tables"], args.baseline_rows, OUT / "baseline")
    for kind, n, m, t_old, t_new, note in b["detail"]:
        print(
            f"baseline {kind}: {n:,} rows; old writer {t_old:.1f} s on {m:,} rows ({note}); current writer"
            f" {t_new:.2f} s on the same rows",
            flush=True,
        )
    del r["tables"]
    new_total = r["build_wall"] + r["write_wall"]
    print(
        f"old XLSX writer on the demo tables: {b['old_xlsx_s']:,.0f} s"
        f" ({'extrapolated' if args.baseline_rows else 'measured'});"
        f" the whole current export: {new_total:.1f} s; speed-up of the XLSX writing alone >="
        f" {b['old_xlsx_s'] / max(r['write_wall'], 1e-9):,.0f}x",
        flush=True,
    )

    for n in [int(x) for x in args.locations.split(",") if x.strip()]:
        path = OUT / f"scaled_{n}.bpproj"
        t0 = time.perf_counter()
        scale_roster(demo, n, path)
        print(f"built {path.name} in {time.perf_counter() - t0:.0f} s", flush=True)
        r = export(path, OUT / f"scaled_{n}_out")
        del r["tables"]
        lines.append(row(f"demo x{n / 4746:.0f}", r))
        print(lines[-1], flush=True)
        shutil.rmtree(OUT / f"scaled_{n}_out", ignore_errors=True)
        if not args.keep:
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
