"""Cost of encryption at rest (SQLCipher) against a plain project file, wall and CPU seconds.

Run: ``.venv/bin/python bench/bench_encryption.py [--locations 1000000] [--repeat 3] [--json OUT]``

1. The demo project (``blueprint demo``), plain and encrypted (``encrypt_project``): open it
   (``open_project``: header, preflight ``quick_check``, writable connection; the encrypted open pays
   SQLCipher's key derivation twice, one per connection), score it (``score_project``, straight line) and
   export the HSD tables (``blueprint export hsd``, in process).
2. A roster of ``--locations`` locations (one provider each), plain and encrypted: insert them in one
   transaction (``executemany``, then the commit and the checkpoint of ``close``), and read them all back
   (``SELECT`` of every location's id, provider, county and coordinates).

Each figure is the best of ``--repeat`` runs (the least disturbed by other work on the machine); wall is
``time.perf_counter``, CPU is ``time.process_time`` (every thread of this process).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from blueprint_desktop.cli import main as cli_main
from blueprint_desktop.demo import write_demo_project
from blueprint_desktop.engine.scoring import score_project
from blueprint_desktop.store import create_project, encryption, open_project
from blueprint_desktop.store.project import utc_now

PASSPHRASE = "bench passphrase, not a secret"


def timed(fn: Callable[[], object], repeat: int) -> dict[str, float]:
    best = None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        if best is None or wall < best["wall_s"]:
            best = {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3)}
    return best


def bench_demo(folder: Path, repeat: int) -> dict[str, dict]:
    plain = write_demo_project(folder / "demo.bpproj")
    secret = folder / "demo-encrypted.bpproj"
    shutil.copy(plain, secret)
    encryption.encrypt_project(secret, PASSPHRASE)
    out: dict[str, dict] = {}
    for label, path, passphrase in (("plain", plain, None), ("encrypted", secret, PASSPHRASE)):

        def do_open(path=path, passphrase=passphrase) -> None:
            open_project(path, passphrase=passphrase).close()

        def do_score(path=path, passphrase=passphrase) -> None:
            with open_project(path, passphrase=passphrase) as project:
                score_project(project, "straight")

        def do_export(path=path, passphrase=passphrase, label=label) -> None:
            # As the command line gets it: the environment (or --passphrase-file).
            os.environ.pop("BLUEPRINT_PASSPHRASE", None)
            if passphrase:
                os.environ["BLUEPRINT_PASSPHRASE"] = passphrase
            try:
                with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                    assert cli_main(["export", "hsd", str(path), str(folder / f"hsd-{label}")]) == 0
            finally:
                os.environ.pop("BLUEPRINT_PASSPHRASE", None)

        out[label] = {
            "file_mb": round(path.stat().st_size / 1e6, 2),
            "open": timed(do_open, repeat),
            "score": timed(do_score, repeat),
            "export_hsd": timed(do_export, repeat),
        }
    return out


def bench_roster(folder: Path, n: int, repeat: int) -> dict[str, dict]:
    rng = random.Random(7)
    coords = [(29.0 + rng.random() * 2, -96.5 + rng.random() * 2) for _ in range(n)]
    out: dict[str, dict] = {}
    for label, passphrase in (("plain", None), ("encrypted", PASSPHRASE)):
        path = folder / f"roster-{label}.bpproj"

        def do_insert(path=path, passphrase=passphrase) -> None:
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)
            create_project(path, "Roster bench", counties=[("48201", "TX")], passphrase=passphrase)
            now = utc_now()
            with open_project(path, passphrase=passphrase) as project, project.transaction() as conn:
                conn.executemany(
                    "INSERT INTO providers(id, npi, name, source, contract_status, updated_at)"
                    " VALUES (?, ?, ?, 'roster', 'executed', ?)",
                    ((i, f"{1000000000 + i}", f"Provider {i}", now) for i in range(1, n + 1)),
                )
                conn.executemany(
                    "INSERT INTO locations(provider_id, county_fips, latitude, longitude, geocode_quality)"
                    " VALUES (?, '48201', ?, ?, 'exact')",
                    ((i, lat, lon) for i, (lat, lon) in enumerate(coords, start=1)),
                )

        def do_query(path=path, passphrase=passphrase) -> None:
            with open_project(path, passphrase=passphrase, read_only=True) as project:
                rows = project.conn.execute(
                    "SELECT id, provider_id, county_fips, latitude, longitude FROM locations"
                ).fetchall()
            assert len(rows) == n

        out[label] = {"insert": timed(do_insert, repeat), "query_all": timed(do_query, repeat)}
        out[label]["file_mb"] = round(path.stat().st_size / 1e6, 1)
    return out


def ratio(enc: dict, plain: dict) -> str:
    return f"{enc['wall_s'] / plain['wall_s']:.2f}x" if plain["wall_s"] else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locations", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-encryption-"))
    try:
        demo = bench_demo(folder, args.repeat)
        roster = bench_roster(folder, args.locations, max(1, args.repeat - 1))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    result = {
        "machine": f"{platform.processor() or platform.machine()}, Python {sys.version.split()[0]}",
        "locations": args.locations,
        "demo": demo,
        "roster": roster,
    }
    print(f"demo project ({demo['plain']['file_mb']} MB):")
    for op in ("open", "score", "export_hsd"):
        p, e = demo["plain"][op], demo["encrypted"][op]
        print(
            f"  {op:<11} plain {p['wall_s']:.3f} s wall / {p['cpu_s']:.3f} s CPU;"
            f" encrypted {e['wall_s']:.3f} / {e['cpu_s']:.3f} ({ratio(e, p)})"
        )
    print(f"roster of {args.locations:,} locations ({roster['plain']['file_mb']} MB plain):")
    for op in ("insert", "query_all"):
        p, e = roster["plain"][op], roster["encrypted"][op]
        print(
            f"  {op:<11} plain {p['wall_s']:.3f} s wall / {p['cpu_s']:.3f} s CPU;"
            f" encrypted {e['wall_s']:.3f} / {e['cpu_s']:.3f} ({ratio(e, p)})"
        )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
