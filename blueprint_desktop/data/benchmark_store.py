"""What the three benchmark readers share: the records they produce, how a provider is placed and given
its HSD lines, and the one transaction that stores a benchmark network (``store/schema_benchmark.py``).

Each reader (``benchmark_plannet``, ``benchmark_qhp``, ``benchmark_tic``) turns its file into
``BenchProvider`` records and hands them to ``write_network``. A reader refuses a bad file with
``BenchmarkFileError`` naming the file, the entry (index in the file), the field, the value and what the
published format expects; nothing is written before the whole file has been read, so a refused file changes
nothing.

Placement, in order: the file's own location (coordinates, else the ZIP centroid of its address); then our
NPPES market's locations for the NPI (``providers.source = 'market'``); else the provider is stored
*unlocated* (counted and listed, never silently dropped). Lines: the file's NUCC taxonomies through our
crosswalk (``rules.crosswalk``), else the market's lines for the NPI.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blueprint_desktop.errors import InputFileError
from blueprint_desktop.progress import Progress

FORMATS = ("plannet", "qhp", "tic")
FORMAT_NAMES = {
    "plannet": "FHIR R4 provider directory (Da Vinci PDex Plan-Net)",
    "qhp": "QHP machine-readable providers.json",
    "tic": "Transparency in Coverage in-network file (provider references)",
}
UNLOCATED_LISTED = 50  # unlocated NPIs named in the summary (all are counted)


class BenchmarkFileError(InputFileError):
    """A benchmark file refused: ``FILE: entry N: FIELD: got VALUE, expected EXPECTED; nothing was imported``."""

    def __init__(self, path: Path | str, entry: Any, fld: str, value: Any, expected: str) -> None:
        shown = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        where = f"entry {entry}: " if entry is not None else ""
        super().__init__(
            f"{Path(path).name}: {where}{fld}: got {shown}, expected {expected}; nothing was imported"
        )
        self.entry = entry
        self.field = fld


@dataclass
class BenchLocation:
    address: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    county_fips: str | None = None
    lat: float | None = None
    lon: float | None = None
    geocode_quality: str = "none"
    beds: int | None = None


@dataclass
class BenchProvider:
    npi: str
    name: str
    entity_type: str = "individual"
    tin: str | None = None
    taxonomies: list[str] = field(default_factory=list)  # NUCC codes the file gives
    lines: dict[str, str | None] = field(default_factory=dict)  # HSD code -> taxonomy it came from
    locations: list[BenchLocation] = field(default_factory=list)
    located_from: str = "none"
    name_from_tin: bool = False  # the name is the TIN's business name (TiC): NPPES's name is better


@dataclass
class BenchmarkImportResult:
    network_id: int | None
    name: str
    format: str
    file_name: str
    sha256: str
    entries_read: int
    providers: int
    locations: int
    located_from_file: int
    located_from_market: int
    unlocated: int
    without_line: int
    already_imported: bool = False
    summary: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)

    def lines(self) -> list[str]:
        """What the CLI prints."""
        if self.already_imported:
            return [
                f"{self.file_name}: already imported as benchmark network {self.network_id} ({self.name})"
            ]
        out = [
            f"benchmark network {self.network_id} '{self.name}' ({FORMAT_NAMES[self.format]}): "
            f"{self.providers} providers, {self.locations} locations from {self.entries_read} entries",
            f"  placed from the file: {self.located_from_file}; from our NPPES market: "
            f"{self.located_from_market}; unlocated: {self.unlocated}",
        ]
        if self.without_line:
            out.append(
                f"  {self.without_line} providers credit no HSD line (no taxonomy our crosswalk maps, not in our market)"
            )
        for key, label in (
            ("invalid_npis", "NPIs failing the check digit (skipped)"),
            ("tin_only_groups", "provider groups listed by TIN only (npi [0], no NPI to place)"),
            ("remote_references", "provider references kept in other files (location URL, not read)"),
            ("skipped_other_networks", "entries of other networks (not selected with --network)"),
        ):
            if self.summary.get(key):
                out.append(f"  {label}: {self.summary[key]}")
        if self.unlocated:
            shown = ", ".join(self.summary.get("unlocated_npis", [])[:10])
            out.append(f"  unlocated NPIs (not in the file's locations nor our market): {shown}")
        return out


def require_json_start(path: Path, opener: bytes, expected: str) -> None:
    """Refuse a file whose first non-blank byte is not ``opener`` (``{`` or ``[``), naming what was expected:
    a wrong file is refused at once, before any streaming parse."""
    with path.open("rb") as fh:
        head = fh.read(4096).lstrip()
    if not head.startswith(opener):
        raise BenchmarkFileError(path, None, "(file)", head[:20].decode("utf-8", "replace"), expected)


def geocode_address(loc: BenchLocation) -> BenchLocation:
    """Place an address by its ZIP centroid (offline, ``geo.zips``) when the file gave no coordinates,
    and find the county of a placed point (``geo.counties``)."""
    from blueprint_desktop.geo.zips import normalize_zip, zip_centroid

    if loc.lat is None or loc.lon is None:
        z = normalize_zip(loc.zip) if loc.zip else None
        found = zip_centroid(z) if z else None
        if found is not None:
            loc.lat, loc.lon, county = found
            loc.county_fips = loc.county_fips or county
            loc.geocode_quality = "zip-centroid"
    elif loc.geocode_quality == "none":
        loc.geocode_quality = "exact"
    if loc.lat is not None and loc.lon is not None and not loc.county_fips:
        from blueprint_desktop.geo.counties import county_of_point

        loc.county_fips = county_of_point(loc.lat, loc.lon)
    if loc.zip:
        z = normalize_zip(loc.zip)
        loc.zip = z or loc.zip
    return loc


def lines_for_taxonomies(taxonomies: list[str], lob: str = "ma") -> dict[str, str | None]:
    """Submitted HSD codes for NUCC taxonomies (our crosswalk; the same one roster imports use), and in a
    Medicaid or QHP project the lines with no HSD code (rules/other_lines.py)."""
    from blueprint_desktop.rules.crosswalk import hsd_codes_for_taxonomy, normalize_taxonomy
    from blueprint_desktop.rules.other_lines import other_lines_for_taxonomy

    lines: dict[str, str | None] = {}
    for tax in taxonomies:
        for code in [*hsd_codes_for_taxonomy(normalize_taxonomy(tax)), *other_lines_for_taxonomy(tax, lob)]:
            lines.setdefault(code, normalize_taxonomy(tax))
    return lines


def _market(project, npis: list[str]) -> tuple[dict[str, dict[str, str | None]], dict[str, list], dict]:
    """The NPPES market's lines, placed locations and (name, entity type) for these NPIs
    (``providers.source = 'market'``)."""
    lines: dict[str, dict[str, str | None]] = {}
    locs: dict[str, list] = {}
    who: dict[str, tuple[str, str]] = {}
    for start in range(0, len(npis), 500):
        chunk = npis[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for npi, name, entity in project.conn.execute(
            f"SELECT npi, name, entity_type FROM providers WHERE source = 'market' AND npi IN ({marks})",
            chunk,
        ):
            who[npi] = (name, entity)
        for npi, code, tax in project.conn.execute(
            "SELECT p.npi, pl.line_code, pl.taxonomy_code FROM providers p JOIN provider_lines pl "
            f"ON pl.provider_id = p.id WHERE p.source = 'market' AND p.npi IN ({marks})",
            chunk,
        ):
            lines.setdefault(npi, {}).setdefault(code, tax)
        for row in project.conn.execute(
            "SELECT p.npi, l.address, l.city, l.state, l.zip, l.county_fips, l.latitude, l.longitude, "
            "l.geocode_quality, l.beds FROM providers p JOIN locations l ON l.provider_id = p.id "
            f"WHERE p.source = 'market' AND p.npi IN ({marks})",
            chunk,
        ):
            locs.setdefault(row[0], []).append(row[1:])
    return lines, locs, who


def complete_from_market(project, providers: list[BenchProvider]) -> None:
    """Give each provider lines and locations the file lacks, from our NPPES market, and mark where
    its locations came from."""
    need = [
        p.npi
        for p in providers
        if not p.lines
        or not any(x.lat is not None for x in p.locations)
        or p.name.startswith("NPI ")
        or p.name_from_tin
    ]
    m_lines, m_locs, who = _market(project, sorted(set(need)))
    for p in providers:
        if (p.name.startswith("NPI ") or p.name_from_tin) and p.npi in who:
            p.name, p.entity_type = who[p.npi]  # NPPES's name for the NPI beats a group's business name
        if not p.lines and p.npi in m_lines:
            p.lines = dict(m_lines[p.npi])
        placed = [x for x in p.locations if x.lat is not None and x.lon is not None]
        if placed:
            p.locations = placed
            p.located_from = "file"
        elif p.npi in m_locs:
            p.locations = [
                BenchLocation(a, c, s, z, f, lat, lon, q or "none", beds)
                for a, c, s, z, f, lat, lon, q, beds in m_locs[p.npi]
            ]
            p.located_from = "market"
        else:
            p.located_from = "none"


def merge_providers(providers: list[BenchProvider]) -> list[BenchProvider]:
    """One record per NPI: a directory lists a practitioner once per role or plan; lines, taxonomies and
    locations are unioned (a location repeated by address and point is kept once)."""
    by_npi: dict[str, BenchProvider] = {}
    for p in providers:
        have = by_npi.get(p.npi)
        if have is None:
            by_npi[p.npi] = p
            continue
        for tax in p.taxonomies:
            if tax not in have.taxonomies:
                have.taxonomies.append(tax)
        for code, tax in p.lines.items():
            have.lines.setdefault(code, tax)
        have.tin = have.tin or p.tin
        if have.name.startswith("NPI ") and not p.name.startswith("NPI "):
            have.name = p.name
        seen = {_loc_key(x) for x in have.locations}
        for x in p.locations:
            if _loc_key(x) not in seen:
                have.locations.append(x)
                seen.add(_loc_key(x))
    return list(by_npi.values())


def _loc_key(x: BenchLocation) -> tuple:
    return (
        (x.address or "").strip().upper(),
        (x.zip or "")[:5],
        None if x.lat is None else round(x.lat, 5),
        None if x.lon is None else round(x.lon, 5),
    )


def find_network(project, sha256: str, network_filter: str | None) -> tuple[int, str] | None:
    row = project.conn.execute(
        "SELECT id, name FROM benchmark_networks WHERE file_sha256 = ? AND coalesce(network_filter, '') = ?",
        (sha256, network_filter or ""),
    ).fetchone()
    return (int(row[0]), str(row[1])) if row else None


def require_benchmark_tables(project) -> None:
    if "benchmark_networks" not in project.db.table_names():
        from blueprint_desktop.errors import BlueprintError

        raise BlueprintError(
            f"{project.path}: this project predates benchmark networks (schema {project.schema_version}); "
            "open it writable once to upgrade it"
        )


def write_network(
    project,
    path: Path | str,
    fmt: str,
    name: str,
    network_filter: str | None,
    sha256: str,
    providers: list[BenchProvider],
    entries_read: int,
    summary: dict[str, Any],
    progress: Progress | None = None,
) -> BenchmarkImportResult:
    """Store one benchmark network in one transaction (audited); never touches ``providers``/``locations``."""
    from blueprint_desktop.store.project import utc_now

    progress = progress or Progress()
    providers = merge_providers(providers)
    for k, p in enumerate(providers):
        if not p.lines and p.taxonomies:
            p.lines = lines_for_taxonomies(p.taxonomies, project.lob)
        p.locations = [geocode_address(x) if x.lat is None or not x.county_fips else x for x in p.locations]
        if k % 500 == 0:
            progress.update(0.4 * k / len(providers), "placing their providers")
    progress.update(0.4, "matching their NPIs with our NPPES market")
    complete_from_market(project, providers)
    unlocated = sorted(p.npi for p in providers if p.located_from == "none")
    counts = {k: sum(1 for p in providers if p.located_from == k) for k in ("file", "market", "none")}
    without_line = sum(1 for p in providers if not p.lines)
    summary = dict(summary, unlocated_npis=unlocated[:UNLOCATED_LISTED])
    n_locs = sum(len(p.locations) for p in providers if p.located_from != "none")
    progress.update(0.5, "writing the benchmark network")
    with project.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO benchmark_networks(name, format, network_filter, file_name, file_sha256, imported_at,"
            " entries_read, providers, locations, unlocated, summary_json) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                name,
                fmt,
                network_filter,
                Path(path).name,
                sha256,
                utc_now(),
                entries_read,
                len(providers),
                n_locs,
                len(unlocated),
                json.dumps(summary, sort_keys=True, default=str),
            ),
        )
        net_id = int(cur.lastrowid)
        for k, p in enumerate(providers):
            if k % 500 == 0:
                # Inside the transaction: a cancel here rolls the whole network back.
                progress.update(0.5 + 0.5 * k / len(providers), "writing the benchmark network")
            pid = conn.execute(
                "INSERT INTO benchmark_providers(network_id, npi, name, entity_type, tin, located_from)"
                " VALUES (?,?,?,?,?,?)",
                (net_id, p.npi, p.name or f"NPI {p.npi}", p.entity_type, p.tin, p.located_from),
            ).lastrowid
            conn.executemany(
                "INSERT INTO benchmark_provider_lines(provider_id, line_code, taxonomy_code) VALUES (?,?,?)",
                [(pid, code, tax) for code, tax in p.lines.items()],
            )
            if p.located_from != "none":
                conn.executemany(
                    "INSERT INTO benchmark_locations(provider_id, address, city, state, zip, county_fips, latitude,"
                    " longitude, geocode_quality, beds) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    [
                        (
                            pid,
                            x.address,
                            x.city,
                            x.state,
                            x.zip,
                            x.county_fips,
                            x.lat,
                            x.lon,
                            x.geocode_quality,
                            x.beds,
                        )
                        for x in p.locations
                    ],
                )
        project.audit(
            "import.benchmark",
            "benchmark_networks",
            net_id,
            {
                "name": name,
                "format": fmt,
                "file": Path(path).name,
                "sha256": sha256,
                "network_filter": network_filter,
                "providers": len(providers),
                "unlocated": len(unlocated),
            },
        )
        # The last report is made before the commit: a cancel that lands on it still rolls back, and
        # none can land after the network is stored (the import is then done, not "cancelled").
        progress.update(1.0, "done")
    return BenchmarkImportResult(
        net_id,
        name,
        fmt,
        Path(path).name,
        sha256,
        entries_read,
        len(providers),
        n_locs,
        counts["file"],
        counts["market"],
        counts["none"],
        without_line,
        summary=summary,
    )


def _hash_file(path: Path, progress: Progress, chunk: int = 1 << 20) -> str:
    """``store.project.sha256_file`` with progress reports: a TiC file of gigabytes takes seconds to hash,
    and a cancel must be heard meanwhile."""
    import hashlib

    digest = hashlib.sha256()
    size = max(1, path.stat().st_size)
    done = 0
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
            done += len(block)
            progress.update(done / size, "checking whether the file was imported before")
    return digest.hexdigest()


def import_benchmark(
    project,
    path: Path | str,
    fmt: str,
    name: str | None = None,
    network: str | None = None,
    progress: Progress | None = None,
) -> BenchmarkImportResult:
    """Read a benchmark file of ``fmt`` (plannet, qhp, tic) and store it as a benchmark network.

    ``network`` selects one network of a file that holds several (Plan-Net: the network Organization's id
    or name; QHP: a plan_id; TiC: a network_name). The same file (and selection) again is recognised and
    changes nothing."""
    from blueprint_desktop.errors import BlueprintError
    from blueprint_desktop.store.project import sha256_file

    require_benchmark_tables(project)
    if fmt not in FORMATS:
        raise BlueprintError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
    path = Path(path)
    if path.is_dir() and fmt == "plannet":
        # A bulk export is a folder of NDJSON files (one per resource type): its identity is their hashes.
        import hashlib

        parts = sorted(f"{f.name}:{sha256_file(f)}" for f in path.iterdir() if f.is_file())
        sha = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    elif not path.is_file():
        raise BlueprintError(f"{path}: no such file")
    else:
        sha = _hash_file(path, progress.scaled(0.0, 0.05) if progress else Progress())
    progress = progress or Progress()
    found = find_network(project, sha, network)
    if found is not None:
        return BenchmarkImportResult(
            found[0], found[1], fmt, path.name, sha, 0, 0, 0, 0, 0, 0, 0, already_imported=True
        )
    if fmt == "plannet":
        from blueprint_desktop.data.benchmark_plannet import read_plannet as reader
    elif fmt == "qhp":
        from blueprint_desktop.data.benchmark_qhp import read_qhp as reader
    else:
        from blueprint_desktop.data.benchmark_tic import read_tic as reader
    providers, entries, summary = reader(path, network, progress.scaled(0.05, 0.8))
    if not providers:
        why = f"{entries} entries"
        if summary.get("invalid_npis"):
            examples = ", ".join(summary.get("invalid_npi_examples", [])[:3])
            why += f", {summary['invalid_npis']} NPIs failing the check digit (e.g. {examples})"
        raise BenchmarkFileError(
            path,
            None,
            "(whole file)",
            why,
            "at least one provider with a valid NPI" + (f" in network {network!r}" if network else ""),
        )
    label = name or summary.get("network_name") or path.stem
    return write_network(
        project, path, fmt, str(label), network, sha, providers, entries, summary, progress.scaled(0.8, 1.0)
    )
