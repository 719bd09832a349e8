"""A benchmark (competitor) network's locations for the map: one marker per place, with who practises there.

The rows are the benchmark network's stored locations (``store/schema_benchmark.py``: placed from their own
file, else from our NPPES market for the NPI; unlocated NPIs have no row and are not drawn), kept to one HSD
line when the map shows one (the codes read as ``engine.benchmark.load_benchmark_locations`` reads them:
``rules.crosswalk.hsd_code_to_line``), else every line. Providers sharing a point (a group practice) share
one marker whose popup lists them, so a large directory stays a modest page. At most ``max_points`` markers
are drawn, the legend says how many of how many.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

DEFAULT_MAX_POINTS = 4000
NAMES_IN_POPUP = 12  # providers listed in one marker's popup; the rest are counted
PLACED_FROM = {"file": "their directory", "market": "our NPPES market (their file has no address)"}


@dataclass
class BenchmarkLayer:
    network_id: int
    name: str
    line_label: str | None
    points: list[list] = field(default_factory=list)  # [lat, lon, tooltip, popup] per marker
    providers: int = 0  # distinct NPIs drawn
    total_points: int = 0  # markers there would be without the cap

    @property
    def capped(self) -> bool:
        return self.total_points > len(self.points)


def _our_contracted(project, npis: list[str]) -> set[str]:
    """NPIs among ``npis`` we hold an executed contract with (roster providers), for the popup."""
    out: set[str] = set()
    for start in range(0, len(npis), 500):
        chunk = npis[start : start + 500]
        marks = ",".join("?" * len(chunk))
        out.update(
            r[0]
            for r in project.conn.execute(
                f"SELECT DISTINCT npi FROM providers WHERE source = 'roster' AND contract_status = 'executed'"
                f" AND npi IN ({marks})",
                chunk,
            )
        )
    return out


def benchmark_layer(
    project,
    network_id: int,
    line_code: str | None,
    line_label: str | None = None,
    max_points: int = DEFAULT_MAX_POINTS,
) -> BenchmarkLayer | None:
    """The markers of benchmark network ``network_id`` on ``line_code`` (None: every line); None when the
    project has no such network (deleted, or a project from before benchmark networks)."""
    from blueprint_desktop.rules.crosswalk import hsd_code_to_line

    if "benchmark_networks" not in project.db.table_names():
        return None
    row = project.conn.execute(
        "SELECT name FROM benchmark_networks WHERE id = ?", (int(network_id),)
    ).fetchone()
    if row is None:
        return None
    name = str(row[0])
    rows = project.conn.execute(
        "SELECT bl.latitude, bl.longitude, bp.npi, bp.name, bp.located_from, bl.address, bl.city, bl.state,"
        " bl.zip, bpl.line_code FROM benchmark_locations bl"
        " JOIN benchmark_providers bp ON bp.id = bl.provider_id"
        " JOIN benchmark_provider_lines bpl ON bpl.provider_id = bp.id"
        " WHERE bp.network_id = ? AND bl.latitude IS NOT NULL AND bl.longitude IS NOT NULL"
        " ORDER BY bp.npi, bl.id",
        (int(network_id),),
    ).fetchall()
    # point -> npi -> (name, placed from, address, lines)
    places: dict[tuple[float, float], dict[str, list]] = {}
    for lat, lon, npi, pname, placed, address, city, state, zip_code, code in rows:
        line = hsd_code_to_line(code)
        if line_code is not None and line != line_code:
            continue
        key = (round(float(lat), 5), round(float(lon), 5))
        who = places.setdefault(key, {})
        if npi not in who:
            where = ", ".join(
                p for p in (address, city, " ".join(x for x in (state, (zip_code or "")[:5]) if x)) if p
            )
            who[npi] = [pname, placed, where, []]
        if line not in who[npi][3]:
            who[npi][3].append(line)
    layer = BenchmarkLayer(int(network_id), name, line_label, total_points=len(places))
    shown = list(places.items())[: max(0, int(max_points))]
    npis = sorted({npi for _, who in shown for npi in who})
    ours = _our_contracted(project, npis)
    layer.providers = len(npis)
    net = html.escape(name)
    for (lat, lon), who in shown:
        items = list(who.items())
        parts = ["<div class='bp-popup'>"]
        for k, (npi, (pname, placed, where, lines)) in enumerate(items[:NAMES_IN_POPUP]):
            if k:
                parts.append("<hr class='bp-sep'>")
            line_text = line_label if line_code is not None and line_label else ", ".join(sorted(lines))
            rows_html = [
                f"<b>{html.escape(str(pname))}</b>",
                f"<span class='bp-muted'>NPI</span> {html.escape(npi)}",
                f"<span class='bp-muted'>Line</span> {html.escape(str(line_text))}",
                f"<span class='bp-muted'>Network</span> {net} (benchmark)",
            ]
            if where:
                rows_html.append(html.escape(where))
            rows_html.append(f"<span class='bp-muted'>Placed from {PLACED_FROM.get(placed, placed)}</span>")
            if npi in ours:
                rows_html.append("<span class='bp-muted'>We hold a contract with this NPI too</span>")
            parts.append("<br>".join(rows_html))
        if len(items) > NAMES_IN_POPUP:
            parts.append(f"<br><span class='bp-muted'>and {len(items) - NAMES_IN_POPUP} more here</span>")
        parts.append("</div>")
        first = html.escape(str(items[0][1][0]))
        tip = f"{first}{f' and {len(items) - 1} more' if len(items) > 1 else ''} · {net}"
        layer.points.append([lat, lon, tip, "".join(parts)])
    return layer
