"""A static map of the gap counties drawn straight into the PDF with fpdf2 polygons (no network, no Qt).

matplotlib is not a dependency, so the outlines from ``geo.counties.county_geometries`` (simplified
display shapes) are projected with a plain equirectangular projection scaled by cos(mean latitude),
which keeps a county-sized area's shape true to within a percent or two, and drawn as filled polygons.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from fpdf import FPDF

from blueprint_desktop.reports.pdf_document import FONT, INK, MUTED

GAP_FILL = (244, 178, 140)  # cited gap counties
AREA_FILL = (232, 236, 241)  # the rest of the service area
EDGE = (90, 98, 110)
ROLE_COLORS = {"cure": (39, 128, 72), "network": (31, 78, 121)}


def _rings(geom) -> Iterable[list[tuple[float, float]]]:
    polys = getattr(geom, "geoms", [geom])
    for poly in polys:
        yield list(poly.exterior.coords)


def fit_projection(bounds, x: float, y: float, w: float, h: float):
    """(project(lon, lat) -> (px, py), used width, used height): the lon/lat box ``bounds`` fitted into the
    page box, centred horizontally, longitude shrunk by cos(latitude) so shapes keep their proportions."""
    minx, miny, maxx, maxy = bounds
    k = math.cos(math.radians((miny + maxy) / 2))
    span_x, span_y = max((maxx - minx) * k, 1e-6), max(maxy - miny, 1e-6)
    scale = min(w / span_x, h / span_y)
    used_w, used_h = span_x * scale, span_y * scale
    ox, oy = x + (w - used_w) / 2, y

    def project(lon: float, lat: float) -> tuple[float, float]:
        return ox + (lon - minx) * k * scale, oy + (maxy - lat) * scale

    return project, used_w, used_h


def draw_county_map(
    pdf: FPDF,
    gap_fips: list[str],
    area_fips: list[str],
    x: float,
    y: float,
    w: float,
    h: float,
    points: list[dict] | None = None,
) -> tuple[float, float]:
    """Draw the service area with gap counties highlighted inside the box; returns (width, height) used."""
    from blueprint_desktop.geo.counties import county_geometries, load_counties

    fips = sorted(set(area_fips) | set(gap_fips))
    gdf = county_geometries(fips)
    if gdf.empty:
        return 0.0, 0.0
    project, used_w, used_h = fit_projection(gdf.total_bounds, x, y, w, h)
    gaps = set(gap_fips)
    pdf.set_line_width(0.25)
    pdf.set_draw_color(*EDGE)
    for row in gdf.itertuples():
        pdf.set_fill_color(*(GAP_FILL if row.fips in gaps else AREA_FILL))
        for ring in _rings(row.geometry):
            pdf.polygon([project(lon, lat) for lon, lat in ring], style="DF")
    for p in points or []:
        px, py = project(p["lon"], p["lat"])
        pdf.set_fill_color(*ROLE_COLORS.get(p["role"], INK))
        pdf.set_draw_color(255, 255, 255)
        pdf.circle(x=px, y=py, radius=1.1, style="DF")
    counties = load_counties()
    pdf.set_font(FONT, "B", 7.5)
    pdf.set_text_color(*INK)
    for row in gdf.itertuples():
        pt = row.geometry.representative_point()
        px, py = project(pt.x, pt.y)
        name = str(counties.loc[row.fips, "name"]) if row.fips in counties.index else row.fips
        width = pdf.get_string_width(name)
        pdf.text(px - width / 2, py + 1, name)
    legend_h = _legend(pdf, x, y + used_h + 4, bool(points))
    return used_w, used_h + 4 + legend_h


def _legend(pdf: FPDF, x: float, y: float, with_points: bool) -> float:
    """Draw the legend from (x, y), wrapping at the right margin; returns its height."""
    y0 = y
    pdf.set_font(FONT, "", 7.5)
    pdf.set_text_color(*MUTED)
    items = [("rect", GAP_FILL, "Cited gap county"), ("rect", AREA_FILL, "Other service-area county")]
    if with_points:
        items += [
            ("dot", ROLE_COLORS["cure"], "Office of a provider added for the cure"),
            ("dot", ROLE_COLORS["network"], "Office of a provider contracted before the notice"),
        ]
    cx = x
    pdf.set_draw_color(*EDGE)
    for kind, color, label in items:
        if cx + 10 + pdf.get_string_width(label) > pdf.w - pdf.r_margin:
            cx, y = x, y + 5
        pdf.set_fill_color(*color)
        if kind == "rect":
            pdf.rect(cx, y - 2.5, 5, 3, style="DF")
        else:
            pdf.circle(x=cx + 2.5, y=y - 1, radius=1.1, style="F")
        pdf.text(cx + 6.5, y, label)
        cx += 8 + pdf.get_string_width(label) + 4
    return y - y0 + 5
