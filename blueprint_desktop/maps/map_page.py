"""The offline map page for one HSD line: service-area counties by status, providers and candidates.

``build_map_html`` writes one HTML file (folium/Leaflet, no tiles, no network) next to a ``vendor/``
copy of Leaflet and jQuery from the installed xstatic packages (``assets.py``):

* service-area counties filled by the line's status (``status_colors``: the results table's palette),
  gap counties (At Risk / Failing) outlined thicker, neighbouring counties in grey for orientation;
* a tooltip per county: status, share within standard vs required (42 CFR 422.116(d)(4): 90%, or 85%
  in Micro, Rural and CEAC counties), the 90th-percentile time and distance against the standard, and
  the credited count (beds for acute inpatient hospitals, 040) against the minimum;
* contracted credited locations of the line as small dots; recruitable candidates as circles sized by
  the population they would bring within standard in the gap counties (``candidates.py``), at most
  ``max_candidates`` of them (said in the legend); what-if targets highlighted;
* county names and the larger towns of each county (``places.py``: the bundled places table, more
  towns as the user zooms in, overlapping labels hidden), so a user can find their way without tiles;
* with ``benchmark`` (a benchmark network id, ``maps/benchmark_layer.py``): the competitor's locations on
  the line as a layer of their own (orange diamonds, a popup per place: name, NPI, line, network), which
  the layer control turns off and on together with our contracted locations, for ours vs theirs;
* a legend that folds away (click its title; it also folds while a popup it would cover is open),
  a scale bar, and (only with ``bridge=True``) the QWebChannel script that connects the page
  to the app (``page_script.py``), so the same file also opens in an ordinary browser.

An online tile layer is drawn only when the caller passes one (a user setting, off by default).
"""

from __future__ import annotations

import html
import json
import math
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import folium
import numpy as np
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.maps import page_script
from blueprint_desktop.maps.assets import write_assets
from blueprint_desktop.maps.benchmark_layer import BenchmarkLayer, benchmark_layer
from blueprint_desktop.maps.candidates import CandidateReach, line_candidates
from blueprint_desktop.maps.places import town_labels
from blueprint_desktop.rules.standard_words import detail_minutes_text
from blueprint_desktop.status_colors import (
    GAP_STATUSES,
    STATUS_COLORS,
    STATUS_ORDER,
    status_color,
    status_text_color,
)

DEFAULT_MAX_CANDIDATES = 200
QWEBCHANNEL_JS = "qrc:///qtwebchannel/qwebchannel.js"
# Darker edge of each gap status, so a gap county's thick outline reads as "this one" on its own fill.
GAP_EDGES = {"At Risk": "#8a5a00", "Failing": "#6d0f0f"}
AREA_FILL = "#b8c4d0"  # service-area counties when no line is shown
CONTEXT_MARGIN_DEG = 0.6  # neighbouring counties drawn around the service area, for orientation
COORD_DECIMALS = 4  # ~10 m, far finer than the ~1 km display simplification of the outlines

SOURCE_LABELS = {
    ("market", "none"): "Market (NPPES), not contracted",
    ("roster", "loi"): "Roster: letter of intent (does not count)",
    ("roster", "pending"): "Roster: contract pending",
    ("roster", "terminated"): "Roster: contract terminated",
    ("roster", "none"): "Roster: no contract",
}


@dataclass(frozen=True)
class TileSource:
    """An online basemap (an XYZ URL template and its required attribution); used only when opted in."""

    url: str
    attribution: str


class _PageScript(MacroElement):
    """Our data-driven layer script, rendered after folium has created the map."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self, code: str) -> None:
        super().__init__()
        self._name = "BlueprintLayers"
        self.code = code


def _num(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{float(value):,.{digits}f}"


def _round_geometry(geom) -> dict:
    return shapely.geometry.mapping(shapely.transform(geom, lambda c: np.round(c, COORD_DECIMALS)))


def _county_tip(name: str, fips: str, line_label: str | None, res: dict | None) -> str:
    head = f"<b>{html.escape(name)}</b> <span style='color:#52606d'>({fips})</span>"
    if line_label is None:
        return head
    if res is None:
        return f"{head}<br>{html.escape(line_label)}: no result (not scored for this line)"
    status = res["status"]
    chip = (
        f"<span class='bp-chip' style='background:{status_color(status)};"
        f"color:{status_text_color(status)}'>{html.escape(status)}</span>"
    )
    detail = res.get("detail") or {}
    beds = bool(detail.get("counts_beds"))
    lines = [
        head,
        f"{chip} {html.escape(line_label)}",
        f"Within standard: <b>{_num(res.get('pct_within'), 1)}%</b> of people "
        f"({_num(res.get('required_pct'))}% required)",
        f"90% of people within {_num(res.get('p90_minutes'))} min / {_num(res.get('p90_miles'), 1)} mi "
        f"(standard {detail_minutes_text(detail)} / {_num(detail.get('max_miles'))} mi)",
        f"Credited {'beds' if beds else 'providers'}: <b>{_num(res.get('credited_count'))}</b> "
        f"(minimum {_num(res.get('min_count'))})",
    ]
    if res.get("estimated_time"):
        lines.append("<span style='color:#52606d'>Time estimated from straight-line distance</span>")
    return "<br>".join(lines)


def _source_label(c: CandidateReach) -> str:
    if c.source == "manual":
        return "Added manually, not contracted"
    return SOURCE_LABELS.get((c.source, c.contract_status), f"{c.source}: {c.contract_status}")


def _taxonomies(project, provider_ids: Sequence[int], line_code: str) -> dict[int, str]:
    from blueprint_desktop.rules.crosswalk import hsd_code_to_line

    if not provider_ids:
        return {}
    out: dict[int, str] = {}
    marks = ",".join("?" * len(provider_ids))
    for pid, code, taxonomy in project.conn.execute(
        f"SELECT provider_id, line_code, taxonomy_code FROM provider_lines WHERE provider_id IN ({marks})",
        list(provider_ids),
    ):
        if hsd_code_to_line(code) == line_code and taxonomy:
            out.setdefault(int(pid), str(taxonomy))
    return out


def _point_entry(
    c: CandidateReach,
    radius: float,
    line_label: str,
    taxonomy: str | None,
    names: dict[str, str],
    unit: str,
    add_button: bool,
    target: bool,
) -> dict[str, Any]:
    gains = ", ".join(
        f"{html.escape(names.get(f, f))} +{c.share_by_county[f]:.1f} pts"
        for f in sorted(c.by_county, key=lambda f: -c.by_county[f])
    )
    parts = [
        f"<div class='bp-popup'><b>{html.escape(c.name)}</b>",
        f"<span class='bp-muted'>NPI</span> {html.escape(c.npi)}",
        html.escape(line_label)
        + (f" <span class='bp-muted'>· taxonomy {html.escape(taxonomy)}</span>" if taxonomy else ""),
        html.escape(_source_label(c)),
    ]
    if target:
        parts.append("<b style='color:#4a148c'>In this what-if: assumed signed</b>")
    if c.new_weight > 0:
        parts.append(f"Brings <b>{_num(c.new_weight)} {unit}</b> within standard ({gains})")
    else:
        parts.append(f"Brings no {unit} within standard who are not already covered")
    if c.reaches:
        parts.append(
            "Counts toward the minimum in: " + ", ".join(html.escape(names.get(f, f)) for f in c.reaches)
        )
    if add_button:
        parts.append(
            f"<button class='bp-add' onclick='bp.addTarget({c.provider_id})'>Add to targets</button>"
        )
    popup = "<br>".join(parts) + "</div>"
    tip = f"{html.escape(c.name)}: {_num(c.new_weight)} {unit}" + (" (what-if target)" if target else "")
    return {
        "id": c.provider_id,
        "r": round(radius, 1),
        "locs": [[round(lat, 5), round(lon, 5)] for lat, lon in c.locations],
        "tip": tip,
        "popup": popup,
    }


def _legend(
    title: str,
    subtitle: str,
    status_counts: dict[str, int] | None,
    no_result: int,
    n_contracted: int,
    shown: int,
    total: int,
    n_gaps: int,
    n_targets: int,
    unit: str,
    bridge: bool,
    bench: BenchmarkLayer | None = None,
) -> str:
    rows = [f"<div class='bp-title'>{html.escape(title)}</div><div class='bp-body'>"]
    rows.append(f"<div class='bp-sub'>{html.escape(subtitle)}</div>")

    def row(swatch: str, text: str, n: int | None = None) -> None:
        count = f"<span class='bp-n'>{n}</span>" if n is not None else ""
        rows.append(f"<div class='bp-row'>{swatch}<span>{text}{count}</span></div>")

    if status_counts is not None:
        for status in STATUS_ORDER:
            row(
                f"<span class='bp-sw' style='background:{STATUS_COLORS[status]}'></span>",
                status,
                status_counts[status],
            )
        if no_result:
            row(
                f"<span class='bp-sw' style='background:{status_color(None)}'></span>", "No result", no_result
            )
        row("<span class='bp-sw bp-gap'></span>", "Gap county (At Risk or Failing)")
        rows.append("<hr>")
        dot = "<span class='bp-dot' style='width:{d}px;height:{d}px;background:{bg};border:{b}'></span>"
        row(
            dot.format(d=7, bg=page_script.CONTRACTED_FILL, b="1px solid #fff"),
            "Contracted, credited location",
            n_contracted,
        )
        row(
            dot.format(d=13, bg="rgba(66,165,245,0.45)", b=f"1.5px solid {page_script.CANDIDATE_EDGE}"),
            f"Candidate to recruit; size: {html.escape(unit)} it would bring within standard in gap counties",
        )
        if n_targets:
            row(
                dot.format(d=12, bg=page_script.TARGET_FILL, b=f"2px solid {page_script.TARGET_EDGE}"),
                "What-if target, assumed signed",
                n_targets,
            )
        if not n_gaps:
            note = "No gap counties on this line, so no candidates are drawn."
        elif shown < total:
            note = f"Showing the top {shown} of {total} candidates that reach a gap county."
        else:
            note = f"All {total} candidates that reach a gap county are shown."
        rows.append(f"<div class='bp-note'>{note}</div>")
    if bench is not None:
        rows.append("<hr>")
        row(
            "<span class='bp-sw-bench'></span>",
            f"Benchmark: {html.escape(bench.name)}, their locations"
            + ("" if bench.line_label else " (all lines)"),
            len(bench.points),
        )
        if bench.capped:
            rows.append(
                f"<div class='bp-note'>Showing {len(bench.points)} of {bench.total_points} places.</div>"
            )
        elif not bench.points:
            rows.append("<div class='bp-note'>None of their located providers is on this line.</div>")
    if bridge:
        hint = "Click a county for its results" + (
            "; click a candidate to add it to the targets." if status_counts else "."
        )
        rows.append(f"<div class='bp-note'>{hint}</div>")
    rows.append("</div>")
    return "".join(rows)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "map"


def build_map_html(
    project,
    line_code: str | None,
    results: list[dict] | None = None,
    targets: Iterable[int] | None = None,
    out_dir: str | Path | None = None,
    *,
    bridge: bool = False,
    max_candidates: int = DEFAULT_MAX_CANDIDATES,
    tiles: TileSource | None = None,
    view: dict | None = None,
    file_name: str | None = None,
    benchmark: int | None = None,
) -> Path:
    """Write the map page of ``line_code`` (None: the service area alone) and return its path.

    ``results`` are run_results dicts (``engine.runs.latest_results``), None to read the latest run;
    ``targets`` are provider ids assumed signed in a what-if; ``view`` ({lat, lon, zoom}) keeps the
    user's pan and zoom across re-renders; ``bridge`` adds the QWebChannel hooks for the app; ``benchmark``
    (a benchmark network id) adds that network's locations on the line as a layer (ignored when the
    project has no such network).
    """
    from blueprint_desktop.geo.counties import county_geometries, load_counties

    area = list(project.service_area())
    if results is None and line_code is not None:
        from blueprint_desktop.engine.runs import latest_results

        results = latest_results(project)
    by_fips = {r["county_fips"]: r for r in (results or []) if r.get("line_code") == line_code}
    fips_list = sorted(set(area) | set(by_fips))
    if not fips_list:
        raise BlueprintError(
            f"{project.path}: the service area is empty; add counties to see them on the map"
        )
    geoms = county_geometries(fips_list)
    if geoms.empty:
        raise BlueprintError(f"{project.path}: no county outlines for {', '.join(fips_list[:5])}")
    counties = load_counties()
    names = {f: str(counties.loc[f, "name"]) if f in counties.index else f for f in fips_list}

    line_name = next((r.get("line_name") for r in by_fips.values() if r.get("line_name")), "")
    if line_code is not None and not line_name:
        from blueprint_desktop.rules.standards import all_lines

        line_name = next((ln.name for ln in all_lines(project.lob, project) if ln.code == line_code), "")
    line_label = None if line_code is None else f"{line_code} {line_name}".strip()

    # -- counties ------------------------------------------------------------------------------
    features, labels = [], []
    for row in geoms.itertuples():
        res = by_fips.get(row.fips)
        status = res["status"] if res else None
        color = AREA_FILL if line_code is None else status_color(status)
        state = str(counties.loc[row.fips, "state"]) if row.fips in counties.index else ""
        features.append(
            {
                "type": "Feature",
                "geometry": _round_geometry(row.geometry),
                "properties": {
                    "fips": row.fips,
                    "status": status,
                    "color": color,
                    "gap": status in GAP_STATUSES,
                    "edge": GAP_EDGES.get(status or "", "#ffffff"),
                    "tip": _county_tip(f"{names[row.fips]}, {state}".strip(", "), row.fips, line_label, res),
                },
            }
        )
        pt = row.geometry.representative_point()
        labels.append({"lat": round(pt.y, 4), "lon": round(pt.x, 4), "text": html.escape(names[row.fips])})
    minx, miny, maxx, maxy = (float(v) for v in geoms.total_bounds)
    near = counties[
        counties.lat.between(miny - CONTEXT_MARGIN_DEG, maxy + CONTEXT_MARGIN_DEG)
        & counties.lon.between(minx - CONTEXT_MARGIN_DEG, maxx + CONTEXT_MARGIN_DEG)
        & ~counties.index.isin(fips_list)
    ]
    context = [
        {"type": "Feature", "geometry": _round_geometry(r.geometry), "properties": {"fips": r.fips}}
        for r in county_geometries(list(near.index)).itertuples()
    ]

    # -- providers -----------------------------------------------------------------------------
    contracted_rows: list[list] = []
    cand_entries: list[dict] = []
    target_entries: list[dict] = []
    status_counts = None
    total_candidates = 0
    gaps = [f for f, r in by_fips.items() if r["status"] in GAP_STATUSES]
    unit = "people aged 65+"
    if line_code is not None:
        status_counts = {
            s: sum(1 for f in fips_list if by_fips.get(f, {}).get("status") == s) for s in STATUS_ORDER
        }
        lc = line_candidates(project, line_code, gaps, targets or ())
        unit = lc.weight_unit
        for r in lc.contracted.drop_duplicates(["provider_id", "lat", "lon"]).itertuples():
            if r.lat is None or r.lon is None or math.isnan(r.lat) or math.isnan(r.lon):
                continue
            tip = f"{html.escape(str(r.name))} · NPI {r.npi} · contracted"
            contracted_rows.append([round(float(r.lat), 5), round(float(r.lon), 5), tip])
        useful = [c for c in lc.candidates if c.new_weight > 0 or c.reaches] if gaps else []
        total_candidates = len(useful)
        shown = useful[: max(0, int(max_candidates))]
        taxonomy = _taxonomies(project, [c.provider_id for c in shown + lc.targets], line_code)
        top = max([c.new_weight for c in shown + lc.targets] + [0.0])

        def radius(c: CandidateReach) -> float:
            # Area proportional to the people brought within standard; a floor keeps zero-gain
            # candidates (they still count toward a minimum) visible and clickable.
            return 4.0 + 14.0 * math.sqrt(c.new_weight / top) if top > 0 else 4.0

        cand_entries = [
            _point_entry(c, radius(c), line_label, taxonomy.get(c.provider_id), names, unit, bridge, False)
            for c in shown
        ]
        target_entries = [
            _point_entry(
                c, max(7.0, radius(c)), line_label, taxonomy.get(c.provider_id), names, unit, False, True
            )
            for c in lc.targets
        ]

    bench = benchmark_layer(project, benchmark, line_code, line_label) if benchmark is not None else None

    if line_code is None:
        title, subtitle = "Service area", f"{len(fips_list)} counties"
    else:
        method = next((r.get("detail", {}).get("method") for r in by_fips.values()), None)
        how = {"straight": "straight-line distance, time estimated", "road": "road network drive time"}.get(
            method or "", "no scoring run yet" if not by_fips else str(method)
        )
        title, subtitle = line_label or line_code, f"{len(fips_list)} counties · {how}"
    legend = _legend(
        title,
        subtitle,
        status_counts,
        sum(1 for f in fips_list if f not in by_fips) if line_code is not None else 0,
        len(contracted_rows),
        len(cand_entries),
        total_candidates,
        len(gaps),
        len(target_entries),
        unit,
        bridge,
        bench,
    )

    data = {
        "bridge": bool(bridge),
        "tiles": {"url": tiles.url, "attribution": tiles.attribution} if tiles else None,
        "context": {"type": "FeatureCollection", "features": context},
        "counties": {"type": "FeatureCollection", "features": features},
        "labels": labels,
        "towns": town_labels(fips_list),
        "contracted": contracted_rows,
        "contractedRadius": 3.0 if len(contracted_rows) < 400 else 2.2,
        "candidates": cand_entries,
        "targets": target_entries,
        "benchmark": None
        if bench is None
        else {"label": f"Benchmark: {html.escape(bench.name)}", "points": bench.points},
        "legend": legend,
        "bounds": [[miny, minx], [maxy, maxx]],
        "view": view,
    }

    # -- page ----------------------------------------------------------------------------------
    out = Path(out_dir) if out_dir is not None else Path(tempfile.mkdtemp(prefix="blueprint-map-"))
    out.mkdir(parents=True, exist_ok=True)
    assets = write_assets(out)
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=9,
        tiles=None,
        control_scale=True,
        zoom_snap=0.25,
        zoom_delta=0.5,
    )
    # Replace folium's CDN lists on this instance only (the class lists are shared; stack.md).
    m.default_js = [("leaflet", assets.leaflet_js), ("jquery", assets.jquery_js)]
    m.default_css = [("leaflet_css", assets.leaflet_css)]
    header = m.get_root().header
    header.add_child(Element(f"<style>{page_script.CSS}</style>"), name="bp_css")
    if bridge:
        header.add_child(Element(f'<script src="{QWEBCHANNEL_JS}"></script>'), name="bp_qwebchannel")
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    code = page_script.SCRIPT.replace("__MAP__", m.get_name()).replace("__DATA__", payload)
    m.add_child(_PageScript(code))
    path = out / (file_name or f"map-{_slug(line_code or 'area')}.html")
    path.write_text(m.get_root().render(), encoding="utf-8")
    return path
