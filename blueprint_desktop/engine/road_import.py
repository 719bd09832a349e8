"""Read an OpenStreetMap extract into a directed drive graph, streamed.

**Formats.** ``.osm.pbf`` (``.pbf``), ``.osm`` (``.xml``), ``.osm.bz2`` and ``.osm.gz``, all read by
pyosmium (libosmium), which decodes PBF blocks on a thread pool and decompresses bzip2/gzip XML itself.

**Streaming.** One pass, ``osmium.FileProcessor(file, NODE | WAY).with_locations(NODE_INDEX)`` with a
``KeyFilter("highway")``: every node's location goes into libosmium's node-location index in C++ (never a
Python object per node), ways get their node locations from it, and only ``highway=*`` objects reach
Python. The few highway-tagged nodes (signals, crossings) that pass the filter give the loop a chance to
report progress and honour Cancel while libosmium works through the node section. Per drivable way we
append node ids and fixed-point coordinates to typed arrays (16 bytes a node reference); the graph is then
built with numpy. Files edited in JOSM carry negative ids, which the location index does not keep; when a
way refers to such nodes, a second pass over the nodes fills them in (only such small, hand-edited files
ever need it).

**Which ways a car may use** (OSRM's car profile, Project OSRM ``profiles/car.lua``):

- ``highway`` one of the classes in ``SPEEDS_KMH`` (motorway ... service). Footways, cycleways, paths,
  steps, tracks, bridleways, pedestrian streets, ``construction`` and ``proposed`` are not roads for cars.
- access: the most specific of ``motorcar``, ``motor_vehicle``, ``vehicle``, ``access`` that is present
  decides; ``no``, ``private``, ``agricultural``, ``forestry``, ``emergency``, ``psv``, ``customers`` and
  ``delivery`` shut the way (OSRM's ``access_tag_blacklist``).
- ``area=yes``, ``impassable=yes``, ``status=impassable``, ``oneway=reversible`` and
  ``service=emergency_access`` shut the way (OSRM's blocked ways).

**Speeds.** A parseable ``maxspeed`` (km/h, or ``N mph``) wins; otherwise OSRM's default for the class
(``SPEEDS_KMH``), and 5 km/h for service roads tagged ``service=`` alley, parking, parking_aisle,
driveway, drive-through (OSRM's ``service_speeds``).

**One-way.** ``oneway=yes|1|true`` forward only, ``oneway=-1|reverse`` backward only, ``oneway=no|false|0``
both ways; otherwise motorways, motorway links, roundabouts and ``junction=circular`` are one-way.

**One connected network.** The graph is cut to its largest strongly connected component
(``scipy.sparse.csgraph.connected_components(connection="strong")``): from every kept node every other
kept node can be reached. What falls away (one-way stubs at the extract's edge, car parks whose only
exit is a private road, islands) is counted and reported, so a point snapped to the graph never lands
on a fragment from which no provider can be reached.
"""

from __future__ import annotations

import io
import re
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from blueprint_desktop.errors import BlueprintError, Cancelled, InputFileError
from blueprint_desktop.geo.distance import haversine_miles
from blueprint_desktop.progress import Progress

KMH_TO_MPH = 0.621371
# OSRM car profile defaults (profiles/car.lua, speed_profile), km/h.
SPEEDS_KMH: dict[str, float] = {
    "motorway": 90,
    "motorway_link": 45,
    "trunk": 85,
    "trunk_link": 40,
    "primary": 65,
    "primary_link": 30,
    "secondary": 55,
    "secondary_link": 25,
    "tertiary": 40,
    "tertiary_link": 20,
    "unclassified": 25,
    "residential": 25,
    "living_street": 10,
    "service": 15,
}
# OSRM car profile service_speeds (km/h) for highway=service with these service=* values.
SERVICE_SPEEDS_KMH: dict[str, float] = {
    "alley": 5,
    "parking": 5,
    "parking_aisle": 5,
    "driveway": 5,
    "drive-through": 5,
    "drive-thru": 5,
}
SPEED_SOURCE = (
    "OSRM car profile (profiles/car.lua speed_profile and service_speeds) defaults; "
    "maxspeed tag wins when parseable"
)
ACCESS_HIERARCHY = ("motorcar", "motor_vehicle", "vehicle", "access")
ACCESS_BLOCKED = {"no", "private", "agricultural", "forestry", "emergency", "psv", "customers", "delivery"}
IMPLIED_ONEWAY = {"motorway", "motorway_link"}
# libosmium's node-location index. flex_mem keeps the locations in memory (sparse for extracts, dense for
# the planet); see docs/performance.md for what a state extract costs.
NODE_INDEX = "flex_mem"
UNDEFINED_COORDINATE = 2147483647  # osmium::Location's "no location" value for x and y
FORMATS = (
    (".osm.pbf", "pbf"),
    (".pbf", "pbf"),
    (".osm.bz2", "osm.bz2"),
    (".osm.gz", "osm.gz"),
    (".osm", "osm"),
    (".xml", "osm"),
)
_MAXSPEED = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph)?", re.IGNORECASE)


@dataclass
class RoadGraph:
    """A directed drive graph: node coordinates and edges with their minutes and miles."""

    node_lat: np.ndarray
    node_lon: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    minutes: np.ndarray
    miles: np.ndarray
    sha256: str = ""
    name: str = ""  # the file it came from
    info: dict = field(default_factory=dict)  # what the import read and dropped (not stored in the blob)

    @property
    def n(self) -> int:
        return len(self.node_lat)

    def bbox(self) -> tuple[float, float, float, float]:
        """(min_lat, min_lon, max_lat, max_lon)."""
        return (
            float(self.node_lat.min()),
            float(self.node_lon.min()),
            float(self.node_lat.max()),
            float(self.node_lon.max()),
        )

    def to_bytes(self) -> bytes:
        """A compressed NumPy archive: coordinates as float64, edges as int32 indices and float32 minutes
        and miles (relative error 6e-8; a state graph then stays well under SQLite's 1 GB blob limit)."""
        index = np.int32 if self.n < 2**31 else np.int64
        buf = io.BytesIO()
        np.savez_compressed(
            buf,
            node_lat=self.node_lat,
            node_lon=self.node_lon,
            src=self.src.astype(index),
            dst=self.dst.astype(index),
            minutes=self.minutes.astype(np.float32),
            miles=self.miles.astype(np.float32),
        )
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes, sha256: str = "", name: str = "") -> RoadGraph:
        z = np.load(io.BytesIO(blob))
        return cls(
            z["node_lat"].astype(np.float64),
            z["node_lon"].astype(np.float64),
            z["src"].astype(np.int64),
            z["dst"].astype(np.int64),
            # float32 minutes could round a sub-microsecond edge to 0, which csgraph reads as "no edge"
            np.maximum(z["minutes"].astype(np.float64), 1e-6),
            z["miles"].astype(np.float64),
            sha256,
            name,
        )


# -- tag rules -------------------------------------------------------------------------------------------
def way_rule(tags) -> tuple[float, int] | str:
    """(speed in mph, direction) for a way cars may use, else the reason it is left out.

    ``tags`` is anything with ``.get(key)`` (a dict or an osmium TagList). Direction: 1 forward only,
    -1 backward only, 0 both ways.
    """
    hw = tags.get("highway")
    if hw not in SPEEDS_KMH:
        return f"highway={hw}"
    for key in ACCESS_HIERARCHY:
        value = tags.get(key)
        if value is not None:
            if value in ACCESS_BLOCKED:
                return f"{key}={value}"
            break
    if tags.get("area") == "yes":
        return "area=yes"
    if tags.get("impassable") == "yes" or tags.get("status") == "impassable":
        return "impassable"
    oneway = (tags.get("oneway") or "").lower()
    if oneway == "reversible":
        return "oneway=reversible"
    service = tags.get("service")
    if hw == "service" and service == "emergency_access":
        return "service=emergency_access"
    mph = _maxspeed_mph(tags.get("maxspeed"))
    if mph is None:
        kmh = SERVICE_SPEEDS_KMH.get(service, SPEEDS_KMH[hw]) if hw == "service" else SPEEDS_KMH[hw]
        mph = kmh * KMH_TO_MPH
    if oneway in ("yes", "1", "true"):
        direction = 1
    elif oneway in ("-1", "reverse"):
        direction = -1
    elif oneway in ("no", "false", "0"):
        direction = 0
    elif hw in IMPLIED_ONEWAY or tags.get("junction") in ("roundabout", "circular"):
        direction = 1
    else:
        direction = 0
    return mph, direction


def _maxspeed_mph(value: str | None) -> float | None:
    if not value:
        return None
    m = _MAXSPEED.match(value)
    if not m:
        return None  # "none", "signals", "walk", "US:urban": the class default applies
    speed = float(m.group(1))
    if speed <= 0:
        return None
    return speed if m.group(2) else speed * KMH_TO_MPH


# -- reading ---------------------------------------------------------------------------------------------
def file_format(path: Path) -> str:
    name = path.name.lower()
    for suffix, fmt in FORMATS:
        if name.endswith(suffix):
            return fmt
    raise InputFileError(
        f"{path}: expected an OpenStreetMap extract ending .osm.pbf, .osm, .osm.bz2 or .osm.gz, "
        f"got {''.join(path.suffixes) or 'no extension'!r}"
    )


class _Ways:
    """Drivable ways as typed arrays (no Python object per node)."""

    def __init__(self) -> None:
        self.refs = array("q")
        self.x = array("i")
        self.y = array("i")
        self.way_len = array("q")
        self.way_mph = array("d")
        self.way_dir = array("b")
        self.highway_ways = 0
        self.left_out: Counter[str] = Counter()

    def add(self, way, mph: float, direction: int) -> None:
        refs, xs, ys = self.refs, self.x, self.y
        k = 0
        for n in way.nodes:
            loc = n.location
            refs.append(n.ref)
            xs.append(loc.x)
            ys.append(loc.y)
            k += 1
        self.way_len.append(k)
        self.way_mph.append(mph)
        self.way_dir.append(direction)


class _FilePosition:
    """How far libosmium's reader is through the file, from /proc (Linux); None elsewhere."""

    def __init__(self, path: Path) -> None:
        self.path = str(path.resolve())
        self.size = max(1, path.stat().st_size)
        self.fd: str | None = None
        self.available = Path("/proc/self/fdinfo").is_dir()

    def fraction(self) -> float | None:
        if not self.available:
            return None
        import os

        try:
            if self.fd is None:
                for fd in os.listdir("/proc/self/fd"):
                    try:
                        if os.readlink(f"/proc/self/fd/{fd}") == self.path:
                            self.fd = fd
                            break
                    except OSError:
                        continue
            if self.fd is None:
                return None
            with open(f"/proc/self/fdinfo/{self.fd}") as fh:
                for line in fh:
                    if line.startswith("pos:"):
                        return min(1.0, int(line.split()[1]) / self.size)
        except (OSError, ValueError):
            self.fd = None
        return None


def _read_ways(path: Path, fmt: str, progress: Progress) -> _Ways:
    import osmium

    ways = _Ways()
    where = _FilePosition(path)
    fp = (
        osmium.FileProcessor(osmium.io.File(str(path), fmt), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations(NODE_INDEX)
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    seen = 0
    last = time.monotonic()
    for obj in fp:
        seen += 1
        if seen & 0x3FF == 0:
            progress.check()
            now = time.monotonic()
            if now - last >= 0.25:
                last = now
                done = where.fraction()
                progress.update(
                    0.9 * done if done is not None else progress.fraction,
                    f"reading roads: {ways.highway_ways:,} highway ways",
                )
        if obj.is_node():
            continue  # a highway-tagged node; its location is already in the index
        ways.highway_ways += 1
        rule = way_rule(obj.tags)
        if isinstance(rule, str):
            ways.left_out[rule] += 1
            continue
        ways.add(obj, *rule)
    return ways


def _fill_negative_ids(path: Path, fmt: str, refs: np.ndarray, x: np.ndarray, y: np.ndarray) -> None:
    """Locations of nodes with negative ids (JOSM files), which the location index does not keep."""
    import osmium

    missing = (x == UNDEFINED_COORDINATE) & (refs < 0)
    if not missing.any():
        return
    wanted = set(np.unique(refs[missing]).tolist())
    found: dict[int, tuple[int, int]] = {}
    for node in osmium.FileProcessor(osmium.io.File(str(path), fmt), osmium.osm.NODE):
        if node.id < 0 and node.id in wanted and node.location.valid():
            found[node.id] = (node.location.x, node.location.y)
    if not found:
        return
    ids = np.fromiter(found, dtype=np.int64, count=len(found))
    xy = np.array(list(found.values()), dtype=np.int32).reshape(-1, 2)
    order = np.argsort(ids)
    ids, xy = ids[order], xy[order]
    idx = np.flatnonzero(missing)
    pos = np.clip(np.searchsorted(ids, refs[idx]), 0, len(ids) - 1)
    hit = ids[pos] == refs[idx]
    x[idx[hit]] = xy[pos[hit], 0]
    y[idx[hit]] = xy[pos[hit], 1]


def _no_roads_reason(ways: _Ways, nodes_missing: bool = False) -> str:
    if ways.highway_ways == 0:
        return "no drivable roads: no way in it is tagged highway=*"
    if nodes_missing:
        return (
            f"no drivable roads: its {len(ways.way_len):,} drivable ways refer to nodes the file does not "
            "contain (a ways-only extract?)"
        )
    top = ", ".join(f"{k} {v:,}" for k, v in ways.left_out.most_common(6))
    more = ", ..." if len(ways.left_out) > 6 else ""
    n = ways.highway_ways
    which = "highway way, not" if n == 1 else "highway ways, none"
    return f"no drivable roads: {n:,} {which} open to cars ({top}{more})"


def _osm_errors() -> tuple[type[BaseException], ...]:
    """The exception types pyosmium raises for a malformed file besides the built-in ones."""
    import osmium

    return tuple(
        t
        for t in (getattr(getattr(osmium, "_osmium", None), "InvalidLocationError", None),)
        if isinstance(t, type)
    )


def read_osm(path: str | Path, progress: Progress | None = None) -> RoadGraph:
    """The drive graph of an OSM extract, cut to its largest strongly connected part.

    ``graph.info`` says what was read and dropped. Raises ``InputFileError`` with one line for an
    unreadable file or one without drivable roads.
    """
    path = Path(path)
    progress = progress or Progress()
    fmt = file_format(path)
    kind = {"pbf": "PBF", "osm": "XML", "osm.bz2": "XML (bzip2)", "osm.gz": "XML (gzip)"}[fmt]
    try:
        import osmium  # noqa: F401
    except ImportError:  # pragma: no cover - osmium is a declared dependency
        raise BlueprintError(
            "reading OpenStreetMap files needs the 'osmium' package (pip install osmium)"
        ) from None
    progress.update(0.0, "reading roads")
    try:
        ways = _read_ways(path, fmt, progress)
        if len(ways.refs) and (np.frombuffer(ways.x, dtype=np.int32) == UNDEFINED_COORDINATE).any():
            refs = np.frombuffer(ways.refs, dtype=np.int64)
            x, y = np.array(ways.x, dtype=np.int32), np.array(ways.y, dtype=np.int32)
            _fill_negative_ids(path, fmt, refs, x, y)
            ways.x, ways.y = x, y
            del refs
    except (Cancelled, BlueprintError):
        raise
    except (RuntimeError, ValueError, OSError, EOFError, UnicodeError, MemoryError, *_osm_errors()) as exc:
        # libosmium reports malformed XML/PBF as RuntimeError subclasses, but a bad coordinate
        # (lat='x') as osmium.InvalidLocationError, a plain Exception: both are the file's fault.
        reason = " ".join(str(exc).split())[:300] or type(exc).__name__
        raise InputFileError(f"{path.name}: not a readable OSM {kind} file ({reason})") from None
    if not len(ways.way_len):
        raise InputFileError(f"{path.name}: {_no_roads_reason(ways)}")
    progress.update(0.9, "building the road graph")
    graph = build_graph(ways, path.name)
    progress.update(1.0, "road graph built", force=True)
    return graph


def _haversine_chunked(lat: np.ndarray, lon: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Miles from node a[i] to node b[i], 256k at a time (bounds haversine's temporaries to ~20 MB)."""
    out = np.empty(len(a))
    step = 1 << 18
    for i in range(0, len(a), step):
        u, v = a[i : i + step], b[i : i + step]
        out[i : i + step] = haversine_miles(lat[u], lon[u], lat[v], lon[v])
    return out


def build_graph(ways: _Ways, name: str = "") -> RoadGraph:
    """The graph from the drivable ways' node lists (OSM ids, fixed-point x/y at 1e-7 degrees).

    Written to keep the peak small on a state extract: int32 node indices, boolean masks, and each
    per-reference array released as soon as it has served (``ways`` gives up its arrays here).
    """
    refs = np.frombuffer(ways.refs, dtype=np.int64) if not isinstance(ways.refs, np.ndarray) else ways.refs
    x = np.asarray(np.frombuffer(ways.x, dtype=np.int32) if not isinstance(ways.x, np.ndarray) else ways.x)
    y = np.asarray(np.frombuffer(ways.y, dtype=np.int32) if not isinstance(ways.y, np.ndarray) else ways.y)
    way_len = np.frombuffer(ways.way_len, dtype=np.int64)
    way_mph = np.frombuffer(ways.way_mph, dtype=np.float64)
    way_dir = np.frombuffer(ways.way_dir, dtype=np.int8)
    n_ways, n_refs = len(way_len), len(refs)
    ends = np.cumsum(way_len)
    valid = x != UNDEFINED_COORDINATE
    missing_refs = int(n_refs - np.count_nonzero(valid))
    # Consecutive references of one way form a segment when both nodes have a location (a way clipped
    # by the extract keeps its pieces; no segment jumps across a missing node).
    seg = np.ones(max(0, n_refs - 1), dtype=bool)
    last = ends[(way_len > 0) & (ends < n_refs)] - 1
    seg[last] = False
    seg &= valid[:-1]
    seg &= valid[1:]
    seg &= refs[:-1] != refs[1:]
    del valid
    a = np.flatnonzero(seg)
    del seg
    if not len(a):
        raise InputFileError(f"{name}: {_no_roads_reason(ways, nodes_missing=True)}")
    used = np.zeros(n_refs, dtype=bool)
    used[a] = True
    used[a + 1] = True
    used_pos = np.flatnonzero(used)
    del used
    node_ids, first = np.unique(refs[used_pos], return_index=True)
    first_pos = used_pos[first]
    del used_pos, first
    lat = y[first_pos].astype(np.float64) / 1e7
    lon = x[first_pos].astype(np.float64) / 1e7
    del first_pos
    ua = np.searchsorted(node_ids, refs[a]).astype(np.int32)
    ub = np.searchsorted(node_ids, refs[a + 1]).astype(np.int32)
    del node_ids, refs, x, y
    ways.refs, ways.x, ways.y = array("q"), array("i"), array("i")  # no longer needed: free them
    w = np.searchsorted(ends, a, side="right")
    del a
    mph, d = way_mph[w], way_dir[w]
    del w
    seg_miles = _haversine_chunked(lat, lon, ua, ub)
    fwd, bwd = d >= 0, d <= 0
    src = np.concatenate([ua[fwd], ub[bwd]])
    dst = np.concatenate([ub[fwd], ua[bwd]])
    del ua, ub
    miles = np.concatenate([seg_miles[fwd], seg_miles[bwd]])
    minutes = miles / np.concatenate([mph[fwd], mph[bwd]]) * 60.0
    del seg_miles, mph, d, fwd, bwd
    g = dedupe(RoadGraph(lat, lon, src, dst, minutes, miles, name=name))
    del src, dst, miles, minutes
    nodes_all, edges_all = g.n, len(g.src)
    g, components = largest_strong_component(g)
    if g.n < 2:
        raise InputFileError(
            f"{name}: no drivable roads: its {n_ways:,} drivable "
            f"{'way forms' if n_ways == 1 else 'ways form'} no network in which one node can be driven to "
            "from another and back (one-way stubs only)"
        )
    g.info = {
        "highway_ways": ways.highway_ways,
        "drivable_ways": n_ways,
        "left_out": dict(ways.left_out.most_common()),
        "node_refs": int(n_refs),
        "node_refs_without_location": missing_refs,
        "nodes_before": nodes_all,
        "edges_before": edges_all,
        "components": components,
        "dropped_nodes": nodes_all - g.n,
        "dropped_edges": edges_all - len(g.src),
        "nodes": g.n,
        "edges": len(g.src),
    }
    return g


def dedupe(g: RoadGraph) -> RoadGraph:
    """Keep the fastest of parallel edges (a sparse matrix would otherwise add their weights up)."""
    key = g.src.astype(np.int64) * g.n + g.dst
    order = np.lexsort((g.minutes, key))
    key_sorted = key[order]
    del key
    first = np.ones(len(order), dtype=bool)
    first[1:] = key_sorted[1:] != key_sorted[:-1]
    del key_sorted
    keep = order[first]
    del order
    # Zero-length edges (duplicate coordinates) get a tiny positive weight: csgraph treats 0 as "no edge".
    minutes = np.maximum(g.minutes[keep], 1e-6)
    return RoadGraph(
        g.node_lat, g.node_lon, g.src[keep], g.dst[keep], minutes, g.miles[keep], g.sha256, g.name
    )


def largest_strong_component(g: RoadGraph) -> tuple[RoadGraph, int]:
    """The largest strongly connected component (nodes renumbered) and how many components there were."""
    adj = csr_matrix((np.ones(len(g.src), dtype=np.int8), (g.src, g.dst)), shape=(g.n, g.n))
    count, labels = connected_components(adj, directed=True, connection="strong")
    biggest = np.argmax(np.bincount(labels))
    keep_node = labels == biggest
    renumber = np.cumsum(keep_node) - 1
    keep_edge = keep_node[g.src] & keep_node[g.dst]
    del adj, labels
    return (
        RoadGraph(
            g.node_lat[keep_node],
            g.node_lon[keep_node],
            # int64 in the stored graph: the measuring code forms src * n + dst keys
            renumber[g.src[keep_edge]].astype(np.int64),
            renumber[g.dst[keep_edge]].astype(np.int64),
            g.minutes[keep_edge],
            g.miles[keep_edge],
            g.sha256,
            g.name,
        ),
        int(count),
    )
