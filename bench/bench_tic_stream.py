"""Reading a Transparency in Coverage in-network file: the old event loop against the streaming passes.

Run: ``.venv/bin/python bench/bench_tic_stream.py [--mb 100] [--repeats 2] [--keep DIR]``

Writes a TiC v2.0.0 in-network file of about ``--mb`` megabytes (``--references`` provider references of
``--npis-per-group`` NPIs each, then negotiated rates that refer to them, as real files do), in both orders:
references first (the usual order, where reading stops at ``in_network``) and rates first (the references
at the end, where the whole file must be read). For each file and each reader, in a fresh child process:

- **old**: the reader as it was before (one Python loop over every ijson parse event, with an
  ObjectBuilder for each matching object), copied verbatim below as ``old_read_tic``;
- **new**: ``blueprint_desktop.data.benchmark_tic.read_tic`` as shipped (event walk up to ``in_network``,
  then ``ijson.items`` on the exact prefix, the matching kept in ijson's C backend).

Reported per run: CPU seconds (``time.process_time``, best of ``--repeats``), wall seconds, the growth of
the child's peak resident set (``ru_maxrss`` after the read minus before it) and, in a separate child run,
the peak of Python allocations under ``tracemalloc`` with the CPU seconds of that traced run (tracing
slows every Python allocation, so it weighs on a per-event Python loop most: kept apart from the timing). Both readers must return the same NPIs. Results go in docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


# -- the file ------------------------------------------------------------------------------------------
def npi_with_check_digit(base9: str) -> str:
    """A valid NPI from 9 digits (Luhn over the '80840' prefix, as CMS defines the check digit)."""
    digits = [int(d) for d in "80840" + base9]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return base9 + str((10 - total % 10) % 10)


def write_tic(path: Path, megabytes: float, references: int, npis_per_group: int, refs_first: bool) -> int:
    """Write the file; returns its size in bytes."""
    rng = random.Random(17)
    refs = []
    n = 0
    for gid in range(1, references + 1):
        npis = [int(npi_with_check_digit(f"1{n + k:08d}")) for k in range(npis_per_group)]
        n += npis_per_group
        refs.append(
            {
                "provider_group_id": gid,
                "network_name": ["Gulf Choice"],
                "provider_groups": [
                    {
                        "npi": npis,
                        "tin": {"type": "ein", "value": f"76-{gid:07d}", "business_name": f"Group {gid}"},
                    }
                ],
            }
        )
    ref_text = ",\n".join(json.dumps(r) for r in refs)
    target = int(megabytes * 1_000_000)
    with path.open("w", encoding="utf-8") as fh:
        fh.write(
            '{"reporting_entity_name": "Gulf Competitor Health", "reporting_entity_type": "health insurance issuer",'
            ' "plan_name": "Gulf PPO", "plan_id_type": "ein", "plan_id": "761234567", "plan_market_type": "group",'
            ' "last_updated_on": "2026-10-01", "version": "2.0.0",\n'
        )
        if refs_first:
            fh.write(f'"provider_references": [\n{ref_text}\n],\n')
        fh.write('"in_network": [\n')
        i = 0
        while True:
            rates = []
            for _ in range(20):
                ids = sorted(rng.sample(range(1, references + 1), 3))
                price = (
                    f'{{"negotiated_type": "negotiated", "negotiated_rate": {rng.uniform(20, 900):.2f}, '
                    '"expiration_date": "9999-12-31", "service_code": ["11", "22"], "billing_class": "professional"}'
                )
                rates.append(f'{{"provider_references": {json.dumps(ids)}, "negotiated_prices": [{price}]}}')
            fh.write(
                f'{{"negotiation_arrangement": "ffs", "name": "Code {i}", "billing_code_type": "CPT", '
                f'"billing_code_type_version": "2026", "billing_code": "{10000 + i}", "description": '
                f'"Procedure {i}", "negotiated_rates": [{",".join(rates)}]}}'
            )
            i += 1
            if fh.tell() >= target - (0 if refs_first else len(ref_text)):
                break
            fh.write(",\n")
        fh.write("\n]")
        if not refs_first:
            fh.write(f',\n"provider_references": [\n{ref_text}\n]')
        fh.write("}\n")
    return path.stat().st_size


# -- the old reader, verbatim (before the streaming passes) ----------------------------------------------
def old_read_tic(path: Path | str, network: str | None = None, progress: Any = None):
    import ijson

    from blueprint_desktop.data.benchmark_store import BenchmarkFileError
    from blueprint_desktop.data.benchmark_tic import INLINE_GROUP, REFERENCE, TOP_FIELDS, _Reader
    from blueprint_desktop.progress import Progress

    path = Path(path)
    progress = progress or Progress()
    reader = _Reader(path, network)
    meta: dict[str, Any] = {}
    size = max(1, path.stat().st_size)
    builder = None
    target = ""
    depth = 0
    ref_index = inline_index = 0
    seen_references = stopped_early = False
    events = 0
    try:
        with path.open("rb") as fh:
            for prefix, event, value in ijson.parse(fh, use_float=True):
                events += 1
                if builder is not None:
                    builder.event(event, value)
                    if event in ("start_map", "start_array"):
                        depth += 1
                    elif event in ("end_map", "end_array"):
                        depth -= 1
                        if depth == 0:
                            if target == REFERENCE:
                                reader.reference(ref_index, builder.value)
                                ref_index += 1
                            else:
                                reader.stats["inline_groups"] += 1
                                reader.group(
                                    f"in_network inline provider_groups[{inline_index}]", builder.value
                                )
                                inline_index += 1
                            builder = None
                    continue
                if event == "start_map" and prefix in (REFERENCE, INLINE_GROUP):
                    builder = ijson.ObjectBuilder()
                    builder.event(event, value)
                    target, depth = prefix, 1
                    continue
                if prefix in TOP_FIELDS and event in ("string", "number"):
                    meta[prefix] = value
                elif prefix == "provider_references" and event == "end_array":
                    seen_references = True
                elif (
                    prefix == ""
                    and event == "map_key"
                    and value == "in_network"
                    and seen_references
                    and not str(meta.get("version", "")).startswith("1.")
                ):
                    stopped_early = True
                    break
                if events % 1_000_000 == 0:
                    progress.update(fh.tell() / size, f"{len(reader.by_npi):,} NPIs read")
    except ijson.JSONError as exc:
        raise BenchmarkFileError(path, None, "(JSON)", path.name, f"well-formed JSON: {exc}") from None
    return list(reader.by_npi.values()), ref_index + inline_index, {"stopped_at_in_network": stopped_early}


# -- measuring -----------------------------------------------------------------------------------------
def child(method: str, path: str, traced: bool) -> None:
    import ijson

    from blueprint_desktop.data.benchmark_tic import read_tic

    fn = old_read_tic if method == "old" else read_tic
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if traced:
        import tracemalloc

        tracemalloc.start()
    w0, c0 = time.perf_counter(), time.process_time()
    providers, entries, summary = fn(path)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    peak = None
    if traced:
        import tracemalloc

        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = {
        "cpu": cpu,
        "wall": wall,
        "rss_growth_mb": (after - before) / 1024,  # ru_maxrss is in KiB on Linux
        "traced_peak_mb": None if peak is None else peak / 1e6,
        "npis": sorted(p.npi for p in providers),
        "entries": entries,
        "stopped": summary.get("stopped_at_in_network"),
        "backend": ijson.backend,
    }
    print(json.dumps(out))


def run_child(method: str, path: Path, traced: bool = False) -> dict:
    cmd = [sys.executable, __file__, "--child", method, str(path)] + (["--traced"] if traced else [])
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=100.0)
    ap.add_argument("--references", type=int, default=2000)
    ap.add_argument("--npis-per-group", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument(
        "--no-traced", action="store_true", help="skip the tracemalloc runs (the old one is slow)"
    )
    ap.add_argument("--keep", type=Path, default=None, help="write the files here and keep them")
    ap.add_argument("--child", nargs=2, metavar=("METHOD", "FILE"), help=argparse.SUPPRESS)
    ap.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.traced)
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bp-tic-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for order, refs_first in (("references first", True), ("rates first", False)):
        path = folder / f"tic-{'refs-first' if refs_first else 'rates-first'}.json"
        size = write_tic(path, args.mb, args.references, args.npis_per_group, refs_first)
        got: dict[str, dict] = {}
        for method in ("old", "new"):
            runs = [run_child(method, path) for _ in range(args.repeats)]
            best = min(runs, key=lambda r: r["cpu"])
            best["traced_cpu"] = None
            if not args.no_traced:
                traced = run_child(method, path, traced=True)
                best["traced_peak_mb"], best["traced_cpu"] = traced["traced_peak_mb"], traced["cpu"]
            got[method] = best
        assert got["old"]["npis"] == got["new"]["npis"], "the readers disagree"
        for method in ("old", "new"):
            r = got[method]
            rows.append(
                (
                    order,
                    size,
                    method,
                    r["cpu"],
                    r["wall"],
                    r["rss_growth_mb"],
                    r["traced_peak_mb"],
                    r["traced_cpu"],
                    len(r["npis"]),
                )
            )
        ratio = got["old"]["cpu"] / max(got["new"]["cpu"], 1e-9)
        print(
            f"{order}: {size / 1e6:.1f} MB, {len(got['new']['npis']):,} NPIs, old/new CPU {ratio:.1f}x",
            flush=True,
        )
        if args.keep is None:
            path.unlink()
    print(f"\nijson backend: {got['new']['backend']}")
    print(
        f"{'order':<17} {'MB':>6} {'reader':<5} {'CPU s':>7} {'wall s':>7} {'RSS+ MB':>8} {'traced MB':>9} {'traced CPU s':>12} {'NPIs':>7}"
    )
    for order, size, method, cpu, wall, rss, traced, traced_cpu, npis in rows:
        t = "n/a" if traced is None else f"{traced:.1f}"
        tc = "n/a" if traced_cpu is None else f"{traced_cpu:.2f}"
        print(
            f"{order:<17} {size / 1e6:6.1f} {method:<5} {cpu:7.2f} {wall:7.2f} {rss:8.1f} {t:>9} {tc:>12} {npis:7,}"
        )


if __name__ == "__main__":
    main()
