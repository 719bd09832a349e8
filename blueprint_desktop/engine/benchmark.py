"""A benchmark (competitor) network scored with our engine, side by side with ours, and its providers we lack.

``score_benchmark`` hands the benchmark network's locations to the same pure ``scoring.compute_results``
our runs use, with the same inputs otherwise (service area, the criteria in force for each county, the same
population points): only ``locations`` differs. A benchmark provider is taken as the other plan takes it in
its own directory: contract executed and credentialing active (it is listed in their network). The
42 CFR 422.116(a)(3) exclusions still apply, from its taxonomy (a children's hospital counts for them no more
than for us), and PAs/NPs earn no S03 credit without a recorded primary care source, which a directory never
records. No telehealth credit is given to them (their files do not say who offers telehealth); the Certificate
of Need credit, which belongs to the county, applies to both. Nothing is stored as our run.

``compare`` scores both networks on the same inputs (our network freshly, so both rest on the same points and
criteria, never on a stale run) and returns ours vs theirs per county x line.

``providers_we_lack`` lists their NPIs that are not credited in our network on a line, with the location,
county, and the straight-line miles from that location to the nearest population point of the service area
that our network leaves outside the line's standard (the gap they would close). These are proven MA-willing
recruits; ``targeting`` ranks them first (``competitor_networks``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from blueprint_desktop.engine.credited import LOCATION_COLUMNS, credited_mask
from blueprint_desktop.engine.rollup import CountyLineResult
from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.geo.distance import chord_to_miles, miles_to_chord, to_unit_vectors
from blueprint_desktop.progress import Progress
from blueprint_desktop.rules.crosswalk import exclusion_for_taxonomy, hsd_code_to_line

_SQL = """
SELECT bl.id, bp.id, bp.npi, bp.name, bpl.line_code, bl.latitude, bl.longitude, bl.county_fips, bl.beds,
       bl.geocode_quality, bpl.taxonomy_code
FROM benchmark_locations bl
JOIN benchmark_providers bp ON bp.id = bl.provider_id
JOIN benchmark_provider_lines bpl ON bpl.provider_id = bp.id
WHERE bp.network_id = ?
"""


@dataclass
class BenchmarkNetwork:
    id: int
    name: str
    format: str
    network_filter: str | None
    file_name: str
    file_sha256: str
    imported_at: str
    entries_read: int
    providers: int
    locations: int
    unlocated: int
    summary: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def has_benchmarks(project) -> bool:
    return "benchmark_networks" in project.db.table_names()


def list_networks(project) -> list[BenchmarkNetwork]:
    """Every benchmark network of the project, oldest first."""
    import json

    if not has_benchmarks(project):
        return []
    rows = project.conn.execute(
        "SELECT id, name, format, network_filter, file_name, file_sha256, imported_at, entries_read, providers,"
        " locations, unlocated, summary_json FROM benchmark_networks ORDER BY id"
    ).fetchall()
    return [BenchmarkNetwork(*r[:11], json.loads(r[11]) if r[11] else {}) for r in rows]


def resolve_network(project, ref: str | int) -> BenchmarkNetwork:
    """A benchmark network by id or by name (case-insensitive)."""
    nets = list_networks(project)
    text = str(ref).strip()
    for n in nets:
        if text.isdigit() and n.id == int(text):
            return n
    named = [n for n in nets if n.name.strip().lower() == text.lower()]
    if len(named) == 1:
        return named[0]
    shown = "; ".join(f"{n.id} ({n.name})" for n in nets) or "none imported (blueprint import benchmark)"
    if len(named) > 1:
        raise BlueprintError(f"benchmark network {text!r} names {len(named)} networks; give its id: {shown}")
    raise BlueprintError(f"benchmark network {text!r}: no such network; the project has: {shown}")


def delete_network(project, ref: str | int) -> BenchmarkNetwork:
    net = resolve_network(project, ref)
    with project.transaction():
        project.conn.execute("DELETE FROM benchmark_networks WHERE id = ?", (net.id,))
        project.audit(
            "benchmark.delete", "benchmark_networks", net.id, {"name": net.name, "file": net.file_name}
        )
    return net


def load_benchmark_locations(project, network_id: int) -> pd.DataFrame:
    """The benchmark network's (location, line) rows in the frame ``credited.load_locations`` gives for ours."""
    rows = project.conn.execute(_SQL, (int(network_id),)).fetchall()
    if not rows:
        return pd.DataFrame([], columns=LOCATION_COLUMNS)
    df = pd.DataFrame(
        rows,
        columns=[
            "location_id",
            "provider_id",
            "npi",
            "name",
            "submitted_code",
            "lat",
            "lon",
            "county_fips",
            "beds",
            "geocode_quality",
            "taxonomy",
        ],
    )
    submitted = df.submitted_code.astype(str).str.strip()
    df["submitted_code"] = [t.zfill(3) if t.isdigit() else t for t in submitted]
    df["line_code"] = [hsd_code_to_line(c) for c in df.submitted_code]
    # As listed in their directory: in network (executed) and credentialed (active) by the other plan.
    df["source"] = "benchmark"
    df["contract_status"] = "executed"
    df["credentialing_status"] = "active"
    df["panel_status"] = "unknown"
    for col in ("telehealth_only", "telehealth_waived", "offers_telehealth"):
        df[col] = 0
    for col in (
        "attested_date",
        "activity_last_date",
        "deactivated_date",
        "updated_at",
        "batch_at",
        "ma_contracted",
        "primary_care_source",
    ):
        df[col] = None
    df["exclusion"] = [exclusion_for_taxonomy(t) if t else None for t in df.taxonomy]
    df = (
        df.sort_values(["location_id", "line_code", "submitted_code"], kind="stable")
        .drop_duplicates(["location_id", "line_code"])
        .sort_index()
        .reset_index(drop=True)
    )
    df["lat"] = df.lat.astype(float)
    df["lon"] = df.lon.astype(float)
    df["beds"] = pd.to_numeric(df.beds, errors="coerce").fillna(0).astype(float)
    return df[LOCATION_COLUMNS]


def _inputs(project, lines=None, counties=None, progress: Progress | None = None):
    from blueprint_desktop.engine.scoring import gather_inputs

    return gather_inputs(project, lines, counties, progress)


def _theirs(inputs, bench: pd.DataFrame):
    # Same counties, criteria and population points; only the providers differ. No telehealth credit:
    # ``served`` is about our contracted telehealth providers, and their files do not say.
    return replace(inputs, locations=bench, served={}, extra_credited=frozenset())


def score_benchmark(
    project,
    network_id: int,
    lines=None,
    counties=None,
    today: date | None = None,
    progress: Progress | None = None,
) -> list[CountyLineResult]:
    """Per county x line results of the benchmark network, straight line, on our inputs (nothing stored)."""

    progress = progress or Progress()
    inputs = _inputs(project, lines, counties, progress.scaled(0.0, 0.3))
    inputs.today = today
    return _score_theirs(project, network_id, inputs, progress.scaled(0.3, 1.0))


def _score_theirs(project, network_id: int, inputs, progress: Progress) -> list[CountyLineResult]:
    """The benchmark network scored on our inputs (straight line), nothing stored."""
    from blueprint_desktop.engine.scoring import compute_results

    bench = load_benchmark_locations(project, network_id)
    return compute_results(_theirs(inputs, bench), "straight", progress=progress)


@dataclass
class CellComparison:
    county_fips: str
    county_name: str
    line_code: str
    line_name: str
    required_pct: float
    min_count: int
    ours_status: str
    ours_pct: float
    ours_count: int
    theirs_status: str
    theirs_pct: float
    theirs_count: int
    verdict: str  # "they pass where we do not", "we pass where they do not", "both pass", "neither passes"

    @property
    def delta_pct(self) -> float:
        return round(self.theirs_pct - self.ours_pct, 2)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["delta_pct"] = self.delta_pct
        return d


def _verdict(ours: str, theirs: str) -> str:
    if ours == "Pass" and theirs == "Pass":
        return "both pass"
    if theirs == "Pass":
        return "they pass where we do not"
    if ours == "Pass":
        return "we pass where they do not"
    return "neither passes"


def compare(
    project,
    network_id: int,
    lines=None,
    counties=None,
    today: date | None = None,
    progress: Progress | None = None,
) -> list[CellComparison]:
    """Ours vs theirs per county x line (status, % within, credited count), both scored on the same inputs."""
    from blueprint_desktop.engine.scoring import compute_results
    from blueprint_desktop.geo.counties import county_name

    progress = progress or Progress()
    inputs = _inputs(project, lines, counties, progress.scaled(0.0, 0.2))
    inputs.today = today
    ours = compute_results(inputs, "straight", progress=progress.scaled(0.2, 0.6))
    theirs = {
        (r.county_fips, r.line_code): r
        for r in _score_theirs(project, network_id, inputs, progress.scaled(0.6, 1.0))
    }
    out = []
    for r in ours:
        t = theirs[(r.county_fips, r.line_code)]
        out.append(
            CellComparison(
                r.county_fips,
                county_name(r.county_fips),
                r.line_code,
                r.line_name,
                r.required_pct,
                r.min_count,
                r.status,
                round(r.pct_within, 2),
                int(r.credited_count),
                t.status,
                round(t.pct_within, 2),
                int(t.credited_count),
                _verdict(r.status, t.status),
            )
        )
    return out


@dataclass
class LackingProvider:
    npi: str
    name: str
    line_code: str
    address: str
    county_fips: str | None
    county_name: str
    lat: float | None
    lon: float | None
    miles_to_gap: float | None  # to the nearest point of the service area outside our standard on this line
    gap_county: str | None  # the county of that point
    in_market: bool  # we hold the NPI in our NPPES market (a recruit the targeting already sees)
    networks: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _gap_points(inputs, ours_cred: pd.DataFrame, line: str) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors and counties of the population points outside our standard on ``line``
    (straight-line reach, ``travel_time.reach_miles``, as targeting measures it)."""
    from blueprint_desktop.engine.travel_time import reach_miles

    xyz_all, county_all = [], []
    cred = ours_cred[ours_cred.line_code == line]
    tree = cKDTree(to_unit_vectors(cred.lat, cred.lon)) if len(cred) else None
    for fips in inputs.counties:
        std = inputs.standards[fips].lines.get(line)
        if std is None:
            continue
        pts = inputs.points[(inputs.points.county_fips == fips) & (inputs.points.weight > 0)]
        if pts.empty:
            continue
        xyz = to_unit_vectors(pts.lat, pts.lon)
        radius = reach_miles(std.max_minutes, std.max_miles, inputs.standards[fips].designation)
        if tree is not None:
            d, _ = tree.query(xyz, k=1)
            xyz = xyz[d > miles_to_chord(radius) + 1e-12]
        xyz_all.append(xyz)
        county_all.extend([fips] * len(xyz))
    if not xyz_all:
        return np.zeros((0, 3)), np.array([], dtype=object)
    return np.vstack(xyz_all), np.array(county_all, dtype=object)


def providers_we_lack(
    project,
    network_id: int,
    line: str | None = None,
    county: str | None = None,
    today: date | None = None,
) -> list[LackingProvider]:
    """Their providers (NPI x line) not credited in our network, nearest the gap first.

    ``county`` keeps those practising in the county or nearest a gap point of it; ``line`` one HSD line."""
    from blueprint_desktop.engine.scoring import credited_locations
    from blueprint_desktop.geo.counties import county_name

    inputs = _inputs(project)
    inputs.today = today
    ours_cred = credited_locations(inputs)
    credited_keys = set(zip(ours_cred.npi, ours_cred.line_code, strict=True)) if len(ours_cred) else set()
    bench = load_benchmark_locations(project, network_id)
    if bench.empty:
        return []
    # What counts for them: excluded settings are no recruits (MA's exclusions in an MA project only).
    bench = bench[credited_mask(bench, today, lob=inputs.lob)]
    if line:
        bench = bench[bench.line_code == hsd_code_to_line(line)]
    keys = list(zip(bench.npi, bench.line_code, strict=True))
    bench = bench[[k not in credited_keys for k in keys]]
    if bench.empty:
        return []
    net_name = resolve_network(project, network_id).name
    market = {
        r[0]
        for r in project.conn.execute(
            "SELECT DISTINCT p.npi FROM providers p JOIN benchmark_providers b ON b.npi = p.npi "
            "WHERE p.source = 'market' AND b.network_id = ?",
            (int(network_id),),
        )
    }
    addr = {
        int(r[0]): r[1:]
        for r in project.conn.execute(
            "SELECT bl.id, bl.address, bl.city, bl.state, bl.zip FROM benchmark_locations bl "
            "JOIN benchmark_providers bp ON bp.id = bl.provider_id WHERE bp.network_id = ?",
            (int(network_id),),
        )
    }
    out: list[LackingProvider] = []
    for code, rows in bench.groupby("line_code", sort=True):
        gap_xyz, gap_county = _gap_points(inputs, ours_cred, str(code))
        miles = np.full(len(rows), np.nan)
        where = np.full(len(rows), None, dtype=object)
        if len(gap_xyz):
            d, i = cKDTree(gap_xyz).query(to_unit_vectors(rows.lat, rows.lon), k=1)
            miles = np.atleast_1d(chord_to_miles(d))
            where = gap_county[np.atleast_1d(i)]
        best: dict[str, LackingProvider] = {}
        for k, r in enumerate(rows.itertuples(index=False)):
            m = float(miles[k]) if np.isfinite(miles[k]) else None
            a = addr.get(int(r.location_id), (None, None, None, None))
            place = " ".join(p for p in (a[2], (a[3] or "")[:5]) if p)
            cand = LackingProvider(
                str(r.npi),
                str(r.name),
                str(code),
                ", ".join(p for p in (a[0], a[1], place) if p),
                r.county_fips if isinstance(r.county_fips, str) else None,
                county_name(r.county_fips) if isinstance(r.county_fips, str) and r.county_fips else "",
                float(r.lat),
                float(r.lon),
                None if m is None else round(m, 1),
                where[k],
                str(r.npi) in market,
                [net_name],
            )
            have = best.get(cand.npi)
            # One row per NPI x line: the location nearest the gap.
            if have is None or (m is not None and (have.miles_to_gap is None or m < have.miles_to_gap)):
                best[cand.npi] = cand
        out.extend(best.values())
    if county:
        c = str(county).strip().zfill(5)
        out = [x for x in out if c in (x.county_fips, x.gap_county)]
    out.sort(key=lambda x: (x.miles_to_gap is None, x.miles_to_gap or 0.0, x.line_code, x.npi))
    return out


def competitor_networks(project) -> dict[str, list[str]]:
    """NPI -> names of the benchmark networks listing it (for targeting: proven MA-willing recruits)."""
    if not has_benchmarks(project):
        return {}
    out: dict[str, list[str]] = {}
    for npi, name in project.conn.execute(
        "SELECT DISTINCT bp.npi, bn.name FROM benchmark_providers bp JOIN benchmark_networks bn "
        "ON bn.id = bp.network_id ORDER BY bn.id"
    ):
        out.setdefault(str(npi), []).append(str(name))
    return out
