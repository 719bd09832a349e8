"""Road import speed and memory: the largest real extract, and a tiled copy of it at state-extract scale.

Run: ``.venv/bin/python bench/bench_road_import.py [--source FILE.osm.pbf] [--tiles 1,10,40]``

1. ``--source`` (default ``../shared/data/real/osm/columbus.osm.pbf``, the largest real extract here, 1.4 MB)
   is imported as it is.
2. A tiled copy is written once per tile count under bench/out/ (git ignores it): the source's nodes and
   ways repeated side by side ``k`` times, 0.5 degrees of longitude apart, with ids shifted so that no two
   tiles share a node (every node, every way, every tag: the node index and the way filter see what they
   would in a bigger file). Nodes are written before ways, as in a real PBF.
3. Each file is read by ``engine.road_import.read_osm`` in a fresh subprocess, which reports wall seconds,
   CPU seconds (user + system, all threads: libosmium decodes PBF blocks on a thread pool) and peak RSS
   (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) minus the RSS before the read (numpy, scipy and
   osmium already imported).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "real" / "osm" / "columbus.osm.pbf"
ID_STRIDE = 10**10  # > any OSM id today, so shifted ids never collide
LON_STEP = 0.5

CHILD = r"""
import json, resource, sys, time
import numpy, scipy.sparse.csgraph, osmium  # noqa: F401  (imported before the baseline RSS)
sys.path.insert(0, sys.argv[2])
from blueprint_desktop.engine.road_import import read_osm
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
r0 = resource.getrusage(resource.RUSAGE_SELF)
t0 = time.perf_counter()
g = read_osm(sys.argv[1])
wall = time.perf_counter() - t0
r1 = resource.getrusage(resource.RUSAGE_SELF)
cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
print(json.dumps({"wall_s": wall, "cpu_s": cpu, "peak_rss_mb": r1.ru_maxrss / 1024,
                  "rss_growth_mb": (r1.ru_maxrss - base) / 1024, **{k: g.info[k] for k in
                  ("node_refs", "drivable_ways", "nodes", "edges", "dropped_nodes", "dropped_edges")}}))
"""


def tiled(source: Path, k: int) -> Path:
    import osmium

    out = OUT / f"{source.name.split('.')[0]}_x{k}.osm.pbf"
    if out.exists():
        return out
    OUT.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.pbf")
    tmp.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(tmp))
    try:
        for kind in (osmium.osm.NODE, osmium.osm.WAY):
            for t in range(k):
                shift = t * ID_STRIDE
                for obj in osmium.FileProcessor(str(source), kind):
                    if obj.is_node():
                        loc = obj.location
                        writer.add_node(
                            obj.replace(
                                id=obj.id + shift,
                                location=osmium.osm.Location(loc.lon + t * LON_STEP, loc.lat)
                                if loc.valid()
                                else loc,
                            )
                        )
                    else:
                        writer.add_way(
                            obj.replace(id=obj.id + shift, nodes=[n.ref + shift for n in obj.nodes])
                        )
    finally:
        writer.close()
    tmp.rename(out)
    return out


def measure(path: Path) -> dict:
    res = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(ROOT)], check=True, capture_output=True, text=True
    )
    data = json.loads(res.stdout.strip().splitlines()[-1])
    data["file_mb"] = path.stat().st_size / 1e6
    return data


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    ap.add_argument("--tiles", default="1,10,40")
    args = ap.parse_args()
    rows = []
    for k in [int(x) for x in args.tiles.split(",")]:
        path = args.source if k == 1 else tiled(args.source, k)
        r = measure(path)
        r["file"] = path.name
        rows.append(r)
        print(
            f"{path.name:32} {r['file_mb']:8.1f} MB  {r['wall_s']:7.2f} s wall  {r['cpu_s']:7.2f} s CPU  "
            f"peak RSS {r['peak_rss_mb']:7.0f} MB (+{r['rss_growth_mb']:.0f})  {r['node_refs']:,} refs  "
            f"{r['nodes']:,} nodes  {r['edges']:,} edges",
            flush=True,
        )
    big = rows[-1]
    scale = 600.0 / big["file_mb"]
    print(
        f"linear to 600 MB from {big['file']}: {big['wall_s'] * scale:.0f} s wall, {big['cpu_s'] * scale:.0f} s CPU, "
        f"+{big['rss_growth_mb'] * scale:.0f} MB RSS"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
