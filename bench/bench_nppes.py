"""NPPES import throughput: pandas vs pyarrow streaming vs DuckDB over a >= 1 GB file in the real layout.

Run: ``.venv/bin/python bench/bench_nppes.py [--size-mb 1050] [--readers pandas,pyarrow,duckdb]``

1. Writes (once; cached under bench/out/, which git ignores) a synthetic ``npidata_pfile`` in the real
   330-column layout (``data.nppes_layout``), every value quoted as CMS ships it, and a matching
   ``pl_pfile``. Rows look like the real file: about 2% deactivated NPIs (NPI and date only, the rest
   blank), 20% organisations, 1-3 taxonomies per provider (about half of them crediting an HSD line),
   0-3 other identifiers, practice ZIPs drawn from every US ZIP (Texas gets ~6% of rows), ~1.2 KB a row
   (the real file: ~9-10 GB for ~9 M rows).
2. Runs each reader over it doing the same job as the import's read step: keep the rows whose practice
   state is TX and one of whose 15 taxonomies credits an HSD line, plus the rows of a 2,000-NPI roster
   wherever they are; every reader must keep the same rows.
   (a) pandas ``read_csv(chunksize=..., usecols=the 45 columns, dtype=str)`` with a per-chunk ``isin`` filter;
   (b) pyarrow ``csv.open_csv`` streaming, 45 ``include_columns``, ``pyarrow.compute`` filter per block
       (``data.nppes_reader.scan_csv`` + ``MarketFilter``, what the import runs), at several block sizes;
   (c) DuckDB ``read_csv`` with the filter in SQL, when the package can be installed from PyPI into
       bench/out/_pydeps (it is not a project dependency).
3. Times the whole ``import_nppes`` (both files, build rows, write the market into a Harris/Fort Bend
   project) and writes the '## NPPES import' section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from blueprint_desktop.data import nppes_layout as L  # noqa: E402
from blueprint_desktop.data.nppes_import import import_nppes, relevant_taxonomies  # noqa: E402
from blueprint_desktop.data.nppes_reader import (  # noqa: E402
    MarketFilter,
    check_header,
    read_header,
    scan_csv,
)
from blueprint_desktop.geo.zips import load_zip_centroids  # noqa: E402
from blueprint_desktop.store import create_project, open_project  # noqa: E402

OUT = ROOT / "bench" / "out"
PYDEPS = OUT / "_pydeps"
DOC = ROOT / "docs" / "performance.md"
STATES = ["TX"]

# (taxonomy, weight): common NPPES taxonomies; the first block credits HSD lines, the second does not.
TAXONOMIES = [
    ("207Q00000X", 6), ("207R00000X", 6), ("363L00000X", 4), ("363LF0000X", 3), ("363A00000X", 4),
    ("207RC0000X", 1.5), ("2084N0400X", 1), ("207X00000X", 1), ("208600000X", 1), ("207V00000X", 1),
    ("1041C0700X", 3), ("103T00000X", 2), ("225100000X", 3), ("282N00000X", 0.3), ("207N00000X", 0.5),
    ("207W00000X", 0.5), ("208800000X", 0.5), ("111N00000X", 1.5), ("106H00000X", 1.5), ("101YM0800X", 2),
    ("1223G0001X", 5), ("122300000X", 3), ("183500000X", 5), ("163W00000X", 6), ("332B00000X", 2),
    ("3336C0003X", 1.5), ("152W00000X", 1.5), ("133V00000X", 1.5), ("146L00000X", 2), ("390200000X", 2),
    ("174400000X", 1), ("2085R0202X", 1), ("261QP2300X", 1), ("251E00000X", 1),
]  # fmt: skip
LAST = ["SMITH", "JOHNSON", "WILLIAMS", "BROWN", "JONES", "GARCIA", "MILLER", "DAVIS", "RODRIGUEZ", "MARTINEZ",
        "HERNANDEZ", "LOPEZ", "GONZALEZ", "WILSON", "ANDERSON", "THOMAS", "TAYLOR", "MOORE", "JACKSON", "MARTIN",
        "LEE", "PEREZ", "THOMPSON", "WHITE", "HARRIS", "SANCHEZ", "CLARK", "RAMIREZ", "LEWIS", "ROBINSON", "NGUYEN",
        "PATEL", "KIM", "CHEN", "SHAH", "O'BRIEN"]  # fmt: skip
FIRST = ["JAMES", "MARY", "ROBERT", "PATRICIA", "JOHN", "JENNIFER", "MICHAEL", "LINDA", "DAVID", "ELIZABETH",
         "WILLIAM", "BARBARA", "RICHARD", "SUSAN", "JOSEPH", "JESSICA", "THOMAS", "SARAH", "MARIA", "PRIYA", "WEI",
         "AHMED", "ANA", "LUIS"]  # fmt: skip
STREETS = ["MAIN", "OAK", "PINE", "MAPLE", "CEDAR", "ELM", "WASHINGTON", "LAKE", "HILL", "PARK", "MEDICAL CENTER",
           "FANNIN", "WESTHEIMER", "KIRBY", "BELLAIRE", "GESSNER", "MEMORIAL"]  # fmt: skip
SUFFIX = ["ST", "AVE", "BLVD", "DR", "RD", "LN", "PKWY", "FWY"]
CREDS = ["MD", "M.D.", "DO", "NP", "PA-C", "LCSW", "PHD", "PT", "DDS", "RN", "PHARMD", "FNP-BC", ""]
ORG_WORDS = [
    "HEALTH",
    "MEDICAL",
    "CLINIC",
    "CARE",
    "PHYSICIANS",
    "FAMILY",
    "COMMUNITY",
    "REGIONAL",
    "PARTNERS",
]


def npis(n: int, start: int = 0) -> np.ndarray:
    """n valid NPIs: body 1xxxxxxxx, Luhn check digit over "80840" + body (the prefix adds 24)."""
    body = 100_000_000 + start + np.arange(n, dtype=np.int64)
    digits = (body[:, None] // 10 ** np.arange(8, -1, -1)) % 10  # left to right
    doubled = digits[:, ::2] * 2  # positions 1,3,5,7,9 from the left are doubled (right end is doubled)
    total = 24 + (doubled // 10 + doubled % 10).sum(1) + digits[:, 1::2].sum(1)
    check = (10 - total % 10) % 10
    return np.char.add(body.astype(str), check.astype(str))


def generate(path: Path, pl_path: Path, target_bytes: int, seed: int = 7) -> tuple[int, np.ndarray]:
    """Write the data and PL files; returns (rows, the NPIs written)."""
    rng = np.random.default_rng(seed)
    zips = load_zip_centroids().reset_index()[["zip", "state"]]
    zips = zips[zips.state.str.len() == 2].to_numpy()
    tax_codes = np.array([t for t, _ in TAXONOMIES])
    tax_p = np.array([w for _, w in TAXONOMIES], float)
    tax_p /= tax_p.sum()
    col = {c: i for i, c in enumerate(L.DATA_FILE_COLUMNS)}
    template = [""] * len(L.DATA_FILE_COLUMNS)
    written, rows, chunk = 0, 0, 20_000
    all_npis = []
    with open(path, "w", encoding="utf-8", newline="") as fh, open(pl_path, "w", encoding="utf-8") as pl:
        fh.write('"' + '","'.join(L.DATA_FILE_COLUMNS) + '"\n')
        pl.write('"' + '","'.join(L.PL_FILE_COLUMNS) + '"\n')
        while written < target_bytes:
            ids = npis(chunk, rows)
            all_npis.append(ids)
            z = zips[rng.integers(0, len(zips), chunk)]
            n_tax = rng.choice([1, 2, 3], size=chunk, p=[0.7, 0.2, 0.1])
            taxes = rng.choice(tax_codes, size=(chunk, 3), p=tax_p)
            kind = rng.random(chunk)
            out = []
            for k in range(chunk):
                f = template.copy()
                f[0] = ids[k]
                if kind[k] < 0.02:  # deactivated: NPI and date only (Readme 1.2: FOIA-disclosable data only)
                    f[col[L.DEACTIVATION_DATE]] = f"{rng.integers(1, 13):02d}/15/20{rng.integers(10, 25)}"
                    out.append('"' + '","'.join(f) + '"\n')
                    continue
                org = kind[k] > 0.8
                zip5, state = z[k]
                street = f"{rng.integers(1, 20000)} {STREETS[k % len(STREETS)]} {SUFFIX[k % len(SUFFIX)]}"
                phone = f"{rng.integers(200, 999)}555{rng.integers(1000, 9999)}"
                f[col[L.ENTITY_TYPE]] = "2" if org else "1"
                if org:
                    f[col[L.ORG_NAME]] = (
                        f"{LAST[k % len(LAST)]} {ORG_WORDS[k % 9]} {ORG_WORDS[(k // 9) % 9]} LLC"
                    )
                    f[col["Authorized Official Last Name"]] = LAST[(k * 7) % len(LAST)]
                    f[col["Authorized Official First Name"]] = FIRST[(k * 3) % len(FIRST)]
                    f[col["Authorized Official Title or Position"]] = "PRACTICE ADMINISTRATOR"
                    f[col["Authorized Official Telephone Number"]] = phone
                    f[col["Is Organization Subpart"]] = "N"
                else:
                    f[col[L.LAST_NAME]] = LAST[k % len(LAST)]
                    f[col[L.FIRST_NAME]] = FIRST[(k * 5) % len(FIRST)]
                    f[col[L.MIDDLE_NAME]] = "ABCDEFGHJKLMNPRSTW"[k % 18]
                    f[col[L.CREDENTIAL]] = CREDS[k % len(CREDS)]
                    f[col[L.SEX_CODE]] = "FM"[k % 2]
                    f[col["Is Sole Proprietor"]] = "NY"[k % 2]
                for prefix in ("Provider First Line Business Mailing Address", L.PRACTICE_LINE1):
                    f[col[prefix]] = street
                if k % 4 == 0:
                    f[col[L.PRACTICE_LINE2]] = f"SUITE {rng.integers(100, 999)}"
                f[col["Provider Business Mailing Address City Name"]] = f[col[L.PRACTICE_CITY]] = (
                    "SPRINGFIELD"
                )
                f[col["Provider Business Mailing Address State Name"]] = f[col[L.PRACTICE_STATE]] = state
                f[col["Provider Business Mailing Address Postal Code"]] = f[col[L.PRACTICE_ZIP]] = (
                    zip5 + "1234"
                )
                f[col["Provider Business Mailing Address Country Code (If outside U.S.)"]] = "US"
                f[col[L.PRACTICE_COUNTRY]] = "US"
                f[col["Provider Business Mailing Address Telephone Number"]] = phone
                f[col[L.PRACTICE_PHONE]] = phone
                f[col[L.ENUMERATION_DATE]] = (
                    f"{rng.integers(1, 13):02d}/{rng.integers(1, 28):02d}/20{rng.integers(5, 25):02d}"
                )
                f[col[L.LAST_UPDATE_DATE]] = "07/08/2025"
                f[col["Certification Date"]] = "07/08/2025"
                for i in range(n_tax[k]):
                    f[col[L.taxonomy_code(i + 1)]] = taxes[k, i]
                    f[col[f"Provider License Number_{i + 1}"]] = f"{state}{rng.integers(10000, 999999)}"
                    f[col[f"Provider License Number State Code_{i + 1}"]] = state
                    f[col[L.primary_switch(i + 1)]] = "Y" if i == 0 else "N"
                for i in range(k % 4):
                    f[col[f"Other Provider Identifier_{i + 1}"]] = str(rng.integers(1000000, 99999999))
                    f[col[f"Other Provider Identifier Type Code_{i + 1}"]] = "05"
                    f[col[f"Other Provider Identifier State_{i + 1}"]] = state
                    f[col[f"Other Provider Identifier Issuer_{i + 1}"]] = "MEDICAID"
                out.append('"' + '","'.join(f) + '"\n')
                if k % 12 == 0:  # ~8% have a secondary practice location (pl_pfile)
                    z2, s2 = zips[rng.integers(0, len(zips))]
                    if k % 24 == 0:
                        z2, s2 = zip5, state  # often in the same state
                    pl.write(
                        f'"{ids[k]}","{rng.integers(1, 9999)} SECOND ST","","SPRINGFIELD","{s2}","{z2}","US","{phone}","",""\n'
                    )
            block = "".join(out)
            fh.write(block)
            written += len(block)
            rows += chunk
    return rows, np.concatenate(all_npis)


# -- readers -------------------------------------------------------------------------------------------


def read_pandas(path: Path, states, taxonomies, watch, chunksize: int = 100_000) -> int:
    kept = 0
    tax = set(taxonomies)
    for chunk in pd.read_csv(
        path,
        usecols=list(L.IMPORT_COLUMNS),
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        chunksize=chunksize,
        engine="c",
    ):
        local = chunk[chunk[L.PRACTICE_STATE].isin(states)]
        relevant = np.zeros(len(local), dtype=bool)
        for c in L.TAXONOMY_CODES:
            relevant |= local[c].isin(tax).to_numpy()
        market = local[relevant]
        watched = chunk[chunk[L.NPI].isin(watch)]
        kept += len(pd.concat([market, watched]).drop_duplicates(L.NPI))
    return kept


def read_pyarrow(path: Path, states, taxonomies, watch, block_size: int) -> int:
    header = read_header(path)
    columns = check_header(path, header, L.IMPORT_COLUMNS, "data file")
    scan = scan_csv(path, header, columns, MarketFilter(states, taxonomies, (), watch), block_size=block_size)
    return len(set(scan.kept.column(L.NPI).to_pylist()))


def duckdb_module():
    try:
        import duckdb  # noqa: F401

        return sys.modules["duckdb"]
    except ImportError:
        pass
    if not (PYDEPS / "duckdb").exists():
        # Bench-only: installed beside the bench output, never into the project's environment.
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--target", str(PYDEPS), "duckdb"],
            check=False,
        )
    sys.path.insert(0, str(PYDEPS))
    try:
        import duckdb

        return duckdb
    except ImportError:
        return None


def read_duckdb(duckdb, path: Path, states, taxonomies, watch, threads: int = 2) -> int:
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    con.execute("CREATE TEMP TABLE tax AS SELECT unnest(?::VARCHAR[]) AS code", [sorted(taxonomies)])
    con.execute("CREATE TEMP TABLE watch AS SELECT unnest(?::VARCHAR[]) AS npi", [sorted(watch)])
    q = lambda c: '"' + c + '"'  # noqa: E731
    cols = ", ".join(q(c) for c in L.IMPORT_COLUMNS)
    tax_any = " OR ".join(f"{q(c)} IN (SELECT code FROM tax)" for c in L.TAXONOMY_CODES)
    states_sql = ", ".join(f"'{s}'" for s in states)
    sql = f"""
        SELECT count(DISTINCT "NPI") FROM (
          SELECT {cols} FROM read_csv(?, header = true, all_varchar = true, quote = '"', escape = '"',
                                      delim = ',', sample_size = 20480)
          WHERE ({q(L.PRACTICE_STATE)} IN ({states_sql}) AND ({tax_any}))
             OR "NPI" IN (SELECT npi FROM watch))
    """
    n = con.execute(sql, [str(path)]).fetchone()[0]
    con.close()
    return int(n)


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def raw_read(path: Path) -> None:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(16 << 20):
            h.update(block)


def write_doc(section: str) -> None:
    text = DOC.read_text() if DOC.exists() else "# Performance\n"
    pattern = re.compile(r"^## NPPES import\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOC.write_text(text.rstrip("\n") + "\n")


def build_section(
    data_name: str,
    pl_name: str,
    size: int,
    rows: int,
    pl_size: int,
    results: list[tuple[str, float, int]],
    end_to_end: dict,
    duck_version: str | None,
) -> str:
    """The '## NPPES import' section of docs/performance.md from one run's figures."""
    base = next((sec for name, sec, _ in results if name.startswith("(a)")), None)
    kept = {k for name, _, k in results if not name.startswith("read +")}
    readers = [(name, sec) for name, sec, _ in results if not name.startswith("read +")]
    best_name, best_sec = min(readers, key=lambda r: r[1])
    arrow = [(name, sec) for name, sec in readers if name.startswith("(b)")]
    kept_block = next((sec for name, sec in arrow if " 16 MiB" in name), None)
    e2e_mbs = end_to_end["bytes"] / 1e6 / end_to_end["seconds"]
    lines = [
        "## NPPES import",
        "",
        "Run: `.venv/bin/python bench/bench_nppes.py` (defaults: a 1,050 MB file; `--readers`, `--block-sizes`).",
        f"Machine: the 2-core build box ({os.cpu_count()} cores visible), other helpers' work running alongside;",
        "the file sits in the OS page cache (24 GB RAM), so this measures parsing and filtering, not the disk.",
        "",
        f"**Input (synthetic, generated once into bench/out/).** `{data_name}` in the real 330-column",
        f"layout (`data/nppes_layout.py`, every value quoted as CMS ships it): **{size / 1e6:,.0f} MB, {rows:,} rows**",
        f"({size / rows:,.0f} bytes a row; the real file is ~9-10 GB for ~9 M rows). 2% deactivated NPIs (NPI and",
        "date only), 20% organisations, 1-3 taxonomies each (about half crediting an HSD line), practice ZIPs",
        f"drawn over every US ZIP (Texas ~6% of rows); `{pl_name}` {pl_size / 1e6:,.0f} MB.",
        "",
        "**What is timed.** Each reader does the import's read step: keep the rows whose practice state is TX",
        "and one of whose 15 taxonomies credits an HSD line, plus the rows of a 2,000-NPI roster wherever they",
        f"are. All readers kept the same {next(iter(kept)):,} rows. One run each." if len(kept) == 1 else "",
        "",
        "| reader | seconds | MB/s | vs pandas |",
        "|---|---|---|---|",
    ]
    for name, sec, _ in results:
        ratio = f"{base / sec:.1f}x" if base and not name.startswith("read +") else ""
        lines.append(f"| {name} | {sec:.1f} | {size / 1e6 / sec:,.0f} | {ratio} |")
    lines += [
        f"| `import_nppes` end to end (data + PL file, build rows, write {end_to_end['providers']:,} market "
        f"providers and {end_to_end['locations']:,} locations) | {end_to_end['seconds']:.1f} | {e2e_mbs:,.0f} | |",
        "",
        f"**Result.** Fastest: {best_name} ({size / 1e6 / best_sec:,.0f} MB/s"
        + (f", {base / best_sec:.1f}x pandas" if base else "")
        + "). The import keeps pyarrow streaming (`data/nppes_reader.py`)"
        + (
            (
                f" with 16 MiB blocks ({size / 1e6 / kept_block:,.0f} MB/s here): larger blocks were faster in "
                "this run but hold more memory in flight and report progress and honour Cancel less often"
                if any(sec < kept_block for _, sec in arrow)
                else f" with 16 MiB blocks, the fastest block size here ({size / 1e6 / kept_block:,.0f} MB/s)"
            )
            if kept_block
            else ""
        )
        + "."
        + (
            f" DuckDB {duck_version} did not win clearly, so it is not a dependency (it was installed only "
            "into bench/out/_pydeps for this comparison)."
            if duck_version and best_name.startswith("(b)")
            else ""
        ),
        f"Aim >= 100 MB/s on 2 cores: **met** by the whole import ({e2e_mbs:,.0f} MB/s end to end,"
        if e2e_mbs >= 100
        else f"Aim >= 100 MB/s on 2 cores: **not met** by the whole import ({e2e_mbs:,.0f} MB/s end to end,",
        "including the SHA-256 of both files, the PL file pass, building the rows and the SQLite write). At the",
        f"real file's ~9.5 GB that rate is about {9.5e3 / e2e_mbs:,.0f} s (the SQLite write grows with the market:",
        f"{end_to_end['providers']:,} providers here, a few hundred thousand for all of Texas).",
        "",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--size-mb", type=float, default=1050.0, help="data file size to generate (MB, 1e6 bytes)"
    )
    ap.add_argument("--readers", default="pandas,pyarrow,duckdb")
    ap.add_argument("--block-sizes", default="1,4,16,64", help="pyarrow block sizes to try, MiB")
    ap.add_argument("--no-doc", action="store_true", help="do not write docs/performance.md")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    data = OUT / L.data_file_name("20050523", "20251109")
    pl = OUT / L.pl_file_name("20050523", "20251109")
    target = int(args.size_mb * 1e6)
    if not (data.exists() and pl.exists() and data.stat().st_size >= target):
        print(f"generating {data.name} ({args.size_mb:,.0f} MB) ...", flush=True)
        _, gen_s = timed(generate, data, pl, target)
        print(f"  written in {gen_s:.0f} s", flush=True)
    size = data.stat().st_size
    with open(data, "rb") as fh:
        rows = sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 24), b"")) - 1
    print(f"{data.name}: {size / 1e6:,.0f} MB, {rows:,} rows, {size / rows:,.0f} bytes/row", flush=True)

    taxonomies = relevant_taxonomies()
    # A 2,000-NPI "roster" spread through the file, as the import watches the plan's own NPIs.
    watch = set(npis(rows)[:: max(1, rows // 2000)][:2000])
    results: list[tuple[str, float, int]] = []

    def record(name: str, seconds: float, kept: int) -> None:
        results.append((name, seconds, kept))
        print(f"  {name:48} {seconds:7.1f} s  {size / 1e6 / seconds:7.1f} MB/s  kept {kept:,}", flush=True)

    _, s = timed(raw_read, data)
    record("read + SHA-256 only (I/O ceiling)", s, 0)
    readers = args.readers.split(",")
    if "pandas" in readers:
        kept, s = timed(read_pandas, data, STATES, taxonomies, watch)
        record("(a) pandas read_csv chunks, usecols, isin", s, kept)
    if "pyarrow" in readers:
        for mib in [int(b) for b in args.block_sizes.split(",")]:
            kept, s = timed(read_pyarrow, data, STATES, taxonomies, watch, mib << 20)
            record(f"(b) pyarrow open_csv + compute, {mib} MiB blocks", s, kept)
    duck_version = None
    if "duckdb" in readers:
        duckdb = duckdb_module()
        if duckdb is not None:
            duck_version = duckdb.__version__
            kept, s = timed(read_duckdb, duckdb, data, STATES, taxonomies, watch)
            record(f"(c) DuckDB {duck_version} read_csv + SQL filter", s, kept)
    kept_counts = {k for name, _, k in results if not name.startswith("read +")}
    assert len(kept_counts) <= 1, f"readers disagree on the rows kept: {results}"

    # The whole import: PL file + data file + build + write, into a Harris/Fort Bend project.
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        proj = Path(tmp) / "bench.bpproj"
        create_project(proj, "bench", counties=[("48201", "TX"), ("48157", "TX")])
        with open_project(proj) as project:
            with project.transaction():
                for k, n in enumerate(sorted(watch)[:2000]):
                    cur = project.conn.execute(
                        "INSERT INTO providers (npi, name, source, contract_status, credentialing_status) "
                        "VALUES (?, 'R', 'roster', 'executed', 'active')",
                        (n,),
                    )
                    if k == 0:
                        assert cur.rowcount == 1
            result, s = timed(import_nppes, project, data, pl)
    both = size + pl.stat().st_size
    print(
        f"  import_nppes (data + PL file, build, write): {s:.1f} s, {both / 1e6 / s:.1f} MB/s; "
        f"{result.providers:,} market providers, {result.locations:,} locations, {result.roster_matched:,} roster",
        flush=True,
    )

    section = build_section(
        data.name,
        pl.name,
        size,
        rows,
        pl.stat().st_size,
        results,
        {"seconds": s, "bytes": both, "providers": result.providers, "locations": result.locations},
        duck_version,
    )
    print(section)
    if not args.no_doc:
        write_doc(section)
        print(f"wrote the '## NPPES import' section of {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
