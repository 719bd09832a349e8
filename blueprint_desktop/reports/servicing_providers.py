"""The servicing-provider report: one row per contracted provider x service-area county it serves.

A provider serves a county when one of its credited locations lies within that county's maximum time
*and* distance for a line of at least one of the county's population points: the engine's own reach
test for counting a provider toward a county's minimum (42 CFR 422.116(a)(2)(i)), computed with the
engine's inputs (``scoring.gather_inputs``, ``scoring.credited_locations``) and its reach search
(``scoring.StraightMeasure.reach`` or, when the newest run was scored by road and the road network is
loaded, ``roads.RoadMeasure.reach``). Only credited locations are used (executed contract, active or
provisional credentialing, not deactivated, placed, not excluded by 42 CFR 422.116(a)(3)), so
telehealth-only providers and excluded facilities do not appear.

Each row gives the lines the provider credits in that county, the location nearest to the county's
population (its address) and the straight-line miles from it to the county's nearest population point,
how many of its locations serve the county, and its contract and credentialing status. Written as .xlsx
or .csv (by the file's suffix), atomically.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.progress import Progress
from blueprint_desktop.reports.atomic_file import atomic_output
from blueprint_desktop.reports.matrix_xlsx import county_names
from blueprint_desktop.reports.safe_cells import safe_text

COLUMNS = [
    "County FIPS",
    "County",
    "NPI",
    "Provider name",
    "Lines credited in this county",
    "Address",
    "City",
    "State",
    "ZIP",
    "Location county FIPS",
    "Miles to nearest beneficiary point",
    "Locations serving this county",
    "Contract status",
    "Credentialing status",
]
TEXT_COLUMNS = {"County FIPS", "NPI", "ZIP", "Location county FIPS"}
SHEET = "Servicing providers"


@dataclass
class ServedPair:
    county: str
    provider_id: int
    location_id: int
    line_code: str
    miles: float


def _measure(project, inputs, method: str):
    """The engine's reach measure for ``method`` (straight unless a road run and its graph are at hand)."""
    from blueprint_desktop.engine.scoring import StraightMeasure

    counties = list(inputs.counties)
    cidx = {f: i for i, f in enumerate(counties)}
    pts = inputs.points[inputs.points.county_fips.isin(cidx) & (inputs.points.weight > 0)]
    p_county = pts.county_fips.map(cidx).to_numpy(dtype=np.int64)
    p_lat, p_lon = pts.lat.to_numpy(dtype=float), pts.lon.to_numpy(dtype=float)
    designations = [inputs.standards[f].designation for f in counties]
    straight = StraightMeasure(p_county, p_lat, p_lon, designations)
    if method == "road":
        from blueprint_desktop.engine.road_coverage import off_network_miles
        from blueprint_desktop.engine.roads import RoadMeasure, load_graph

        graph = load_graph(project)
        off = off_network_miles([inputs.standards[f] for f in counties])
        road = RoadMeasure(
            graph, p_county, p_lat, p_lon, len(counties), designations=designations, off_network_miles=off
        )
        road.county_limit = np.array(
            [max((s.max_minutes for s in inputs.standards[f].lines.values()), default=0.0) for f in counties],
            dtype=float,
        )
        return road, straight
    return straight, straight


def served_pairs(
    project, progress: Progress | None = None, method: str | None = None
) -> tuple[Any, list[ServedPair]]:
    """(scoring inputs, every credited location x line x county it reaches, with straight miles to the
    county's nearest population point)."""
    from blueprint_desktop.engine import runs
    from blueprint_desktop.engine.scoring import LocSet, credited_locations, gather_inputs
    from blueprint_desktop.geo.distance import chord_to_miles

    progress = progress or Progress()
    inputs = gather_inputs(project, progress=progress.scaled(0.0, 0.3))
    if method is None:
        row = project.conn.execute(
            "SELECT method FROM scoring_runs WHERE id = ?", (runs.latest_run_id(project),)
        ).fetchone()
        method = row[0] if row else "straight"
    cred = credited_locations(inputs)
    if cred.empty:
        return inputs, []
    measure, straight = _measure(project, inputs, method)
    counties = list(inputs.counties)
    pairs: list[ServedPair] = []
    codes = sorted(cred.line_code.unique())
    for k, code in enumerate(codes):
        progress.check()
        progress.update(0.3 + 0.6 * k / len(codes), f"reach of line {code}")
        stds = [inputs.standards[f].lines.get(code) for f in counties]
        if not any(stds):
            continue
        t_max = np.array([s.max_minutes if s else np.nan for s in stds], dtype=float)
        d_max = np.array([s.max_miles if s else np.nan for s in stds], dtype=float)
        sub = cred[cred.line_code == code].reset_index(drop=True)
        locs = LocSet(sub.lat.to_numpy(float), sub.lon.to_numpy(float))
        rc, rl = measure.reach(locs, t_max, d_max)
        if len(rc) == 0:
            continue
        # Straight-line miles from each reaching location to the county's nearest population point.
        tree4 = straight.points.tree4
        from blueprint_desktop.engine.nearest import COUNTY_SEPARATION

        query = np.column_stack([locs.xyz[rl], np.asarray(rc, dtype=float) * COUNTY_SEPARATION])
        chord, _ = tree4.query(query)
        miles = chord_to_miles(chord)
        for c, l_, mi in zip(rc.tolist(), rl.tolist(), miles.tolist(), strict=True):
            pairs.append(
                ServedPair(counties[c], int(sub.provider_id[l_]), int(sub.location_id[l_]), code, float(mi))
            )
    return inputs, pairs


def _line_names(inputs) -> dict[str, str]:
    out: dict[str, str] = {}
    for std in inputs.standards.values():
        for code, line in std.lines.items():
            out.setdefault(code, line.name)
    return out


def build_rows(project, progress: Progress | None = None, method: str | None = None) -> list[dict[str, Any]]:
    """The report's rows, sorted by county, provider name and NPI."""
    progress = progress or Progress()
    inputs, pairs = served_pairs(project, progress, method)
    if not pairs:
        return []
    names = county_names(inputs.counties)
    line_names = _line_names(inputs)
    cur = project.conn.execute(
        "SELECT l.id, l.address, l.city, l.state, l.zip, l.county_fips, p.id, p.npi, p.name, p.contract_status,"
        " p.credentialing_status FROM locations l JOIN providers p ON p.id = l.provider_id"
    )
    loc = {r[0]: r for r in cur}
    grouped: dict[tuple[str, int], dict[str, Any]] = {}
    for p in pairs:
        g = grouped.setdefault(
            (p.county, p.provider_id), {"lines": set(), "locations": set(), "best": (float("inf"), -1)}
        )
        g["lines"].add(p.line_code)
        g["locations"].add(p.location_id)
        if (p.miles, p.location_id) < g["best"]:
            g["best"] = (p.miles, p.location_id)
    rows = []
    for (county, _pid), g in grouped.items():
        miles, loc_id = g["best"]
        lrow = loc[loc_id]
        rows.append(
            {
                "County FIPS": county,
                "County": names.get(county, county),
                "NPI": str(lrow[7]),
                "Provider name": lrow[8],
                "Lines credited in this county": "; ".join(
                    f"{c} {line_names.get(c, '')}".strip() for c in sorted(g["lines"])
                ),
                "Address": lrow[1] or "",
                "City": lrow[2] or "",
                "State": lrow[3] or "",
                "ZIP": str(lrow[4] or "")[:5],
                "Location county FIPS": lrow[5] or "",
                "Miles to nearest beneficiary point": round(miles, 2),
                "Locations serving this county": len(g["locations"]),
                "Contract status": lrow[9],
                "Credentialing status": lrow[10],
            }
        )
    rows.sort(key=lambda r: (r["County FIPS"], str(r["Provider name"]).lower(), r["NPI"]))
    return rows


def _write_csv(path: Path, rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        # safe_cells: roster text (names, addresses) may begin with "=" or hold control characters.
        writer.writerows({k: safe_text(v) for k, v in r.items()} for r in rows)


def _write_xlsx(path: Path, rows) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    ws.freeze_panes = "A2"
    for i, c in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(c) + 2))
    bold = Font(bold=True)
    header = []
    for c in COLUMNS:
        cell = WriteOnlyCell(ws, value=c)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    text_idx = {i for i, c in enumerate(COLUMNS) if c in TEXT_COLUMNS}
    for r in rows:
        out = []
        for i, c in enumerate(COLUMNS):
            v = safe_text(r[c])  # safe_cells: no formula, no XML-illegal character
            if i in text_idx:
                cell = WriteOnlyCell(ws, value=safe_text(str(v)))
                cell.number_format = "@"
                out.append(cell)
            else:
                out.append(v)
        ws.append(out)
    wb.save(path)


def write_servicing_providers(
    project, path: str | os.PathLike[str], progress: Progress | None = None
) -> Path:
    """Write the report to ``path`` (.xlsx or .csv, replaced atomically); returns the path."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise BlueprintError(f"{target}: the servicing-provider report is written as .xlsx or .csv")
    progress = progress or Progress()
    rows = build_rows(project, progress.scaled(0.0, 0.9))
    progress.update(0.92, f"writing {len(rows)} rows")
    with atomic_output(target) as tmp:
        (_write_xlsx if suffix == ".xlsx" else _write_csv)(tmp, rows)
    progress.update(1.0, f"{len(rows)} provider x county rows", force=True)
    return target


def rows_frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS)
