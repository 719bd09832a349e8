"""The distribution chart: how far beneficiaries of one county live from the nearest credited provider.

A population-weighted histogram (pyqtgraph) of the time (or distance) from each population point to its
nearest credited location of the selected line, with the standard as a vertical line and the 90th
percentile as a dashed one. Bars beyond the standard are red, so the share outside it is visible at a
glance. With a what-if (candidates assumed signed) the same points measured with them are drawn as a
purple outline over the bars, and the caption gives the share before and after. The numbers come from
``engine.cell_detail.nearest_distribution`` (computed in the worker).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from blueprint_desktop.engine.rollup import weighted_percentile
from blueprint_desktop.rules.standard_words import limits_text
from blueprint_desktop.status_colors import STATUS_COLORS

WITHIN_COLOR = "#5b8def"
BEYOND_COLOR = STATUS_COLORS["Failing"]
STANDARD_COLOR = "#1f2933"
WHATIF_COLOR = "#6a1b9a"
N_BINS = 24


def histogram(values: np.ndarray, weights: np.ndarray, standard: float) -> dict:
    """Weighted histogram in percent of the county's weight, with an overflow bin for far / unreached points.

    The range runs to 1.6x the standard (or the largest finite value, if smaller), so the standard sits
    well inside the chart; anything beyond lands in the last bin.
    """
    values = np.asarray(values, float)
    weights = np.asarray(weights, float)
    total = weights.sum()
    finite = np.isfinite(values)
    if not np.isfinite(standard):  # no time limit (a distance-only standard): the data set the range
        top = max(float(values[finite].max()) if finite.any() else 1.0, 1.0)
    else:
        top = max(standard * 1.6, 1.0)
        if finite.any():
            top = min(top, max(float(values[finite].max()), standard * 1.1))
    edges = np.linspace(0.0, top, N_BINS + 1)
    clipped = np.where(finite, np.minimum(values, top * (1 - 1e-9)), top * (1 - 1e-9))
    counts, _ = np.histogram(clipped, bins=edges, weights=weights)
    pct = counts / total * 100.0 if total > 0 else counts
    beyond = (~finite | (values > top)) & (weights > 0)
    return {
        "edges": edges,
        "pct": pct,
        "overflow_pct": float(weights[beyond].sum() / total * 100) if total else 0.0,
    }


def _rebin(values: np.ndarray, weights: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """``values`` binned on the given edges like ``histogram`` (the last bin holds everything beyond)."""
    values = np.asarray(values, float)
    weights = np.asarray(weights, float)
    top = edges[-1]
    finite = np.isfinite(values)
    clipped = np.where(finite, np.minimum(values, top * (1 - 1e-9)), top * (1 - 1e-9))
    counts, _ = np.histogram(clipped, bins=edges, weights=weights)
    total = weights.sum()
    return counts / total * 100.0 if total > 0 else counts


def _p90(values: np.ndarray, weights: np.ndarray) -> float:
    return float(
        weighted_percentile(
            np.zeros(len(values), np.int64), weights, np.where(np.isfinite(values), values, np.inf), 1
        )[0]
    )


class DistributionChart(QWidget):
    """``show_distribution(dist, county_name)`` draws; ``clear(message)`` empties it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DistributionChart")
        self.dist = None
        self._county = ""
        self.measure = QComboBox()
        self.measure.addItem("Time to nearest provider", "minutes")
        self.measure.addItem("Distance to nearest provider", "miles")
        self.measure.currentIndexChanged.connect(lambda _i: self._draw())
        self.caption = QLabel()
        self.caption.setObjectName("chartCaption")
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet("color: #52606d;")
        top = QHBoxLayout()
        top.addWidget(self.measure)
        top.addWidget(self.caption, 1)

        pg.setConfigOptions(antialias=True)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.showGrid(x=False, y=True, alpha=0.15)
        item = self.plot.getPlotItem()
        item.setLabel("left", "share of 65+ population", units="%")
        for axis in ("left", "bottom"):
            item.getAxis(axis).setTextPen("#333")
            item.getAxis(axis).setPen("#999")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)
        self.drawn: dict = {}  # what was drawn (tests read it)
        self.clear("Select a cell to see how far its population lives from the nearest provider.")

    def clear(self, message: str) -> None:
        self.dist = None
        self.plot.clear()
        self.plot.getPlotItem().setTitle("")
        self.plot.hide()  # empty axes look like data; the caption says what to do instead
        self.caption.setText(message)
        self.drawn = {}

    def show_distribution(self, dist, county_name: str) -> None:
        self.dist, self._county = dist, county_name
        if not np.isfinite(dist.max_minutes) and self.measure.currentData() == "minutes":
            # A distance-only standard: distance is what decides, so show it first (redraws).
            self.measure.setCurrentIndex(self.measure.findData("miles"))
        self._draw()

    def _draw(self) -> None:
        dist = self.dist
        if dist is None:
            return
        kind = self.measure.currentData() or "minutes"
        values = dist.minutes if kind == "minutes" else dist.miles
        standard = dist.max_minutes if kind == "minutes" else dist.max_miles
        unit = "min" if kind == "minutes" else "mi"
        population = getattr(dist, "population", "65+ population")
        self.plot.getPlotItem().setLabel("left", f"share of {population}", units="%")
        h = histogram(values, dist.weights, standard)
        edges, pct = h["edges"], h["pct"]
        centres = (edges[:-1] + edges[1:]) / 2
        width = edges[1] - edges[0]
        brushes = [pg.mkBrush(WITHIN_COLOR if c <= standard else BEYOND_COLOR) for c in centres]
        self.plot.clear()
        self.plot.show()
        self.plot.addItem(
            pg.BarGraphItem(
                x=centres, height=pct, width=width * 0.92, brushes=brushes, pens=[None] * len(pct)
            )
        )
        after_pct = None
        if getattr(dist, "after_minutes", None) is not None:
            after_values = dist.after_minutes if kind == "minutes" else dist.after_miles
            after_pct = _rebin(after_values, dist.weights, edges)
            self.plot.addItem(
                pg.PlotDataItem(
                    edges,
                    after_pct,
                    stepMode="center",
                    pen=pg.mkPen(WHATIF_COLOR, width=2.5),
                    name="what-if",
                )
            )
        p90 = float(
            weighted_percentile(
                np.zeros(len(values), np.int64),
                dist.weights,
                np.where(np.isfinite(values), values, np.inf),
                1,
            )[0]
        )
        if np.isfinite(standard):  # a distance-only standard draws no time line
            self.plot.addItem(
                pg.InfiniteLine(
                    pos=standard,
                    angle=90,
                    pen=pg.mkPen(STANDARD_COLOR, width=2),
                    label=f"standard {standard:g} {unit}",
                    labelOpts={
                        "position": 0.92,
                        "color": STANDARD_COLOR,
                        "fill": "#ffffffdd",
                        "anchors": [(1, 0), (1, 0)],
                    },
                )
            )
        if np.isfinite(p90) and p90 <= edges[-1]:
            # Label on the side away from the standard's label, so the two never overlap.
            left_of_standard = p90 < standard
            self.plot.addItem(
                pg.InfiniteLine(
                    pos=p90,
                    angle=90,
                    pen=pg.mkPen("#7b8794", width=1.5, style=Qt.PenStyle.DashLine),
                    label=f"90th percentile {p90:.1f} {unit}",
                    labelOpts={
                        "position": 0.78,
                        "color": "#52606d",
                        "fill": "#ffffffdd",
                        "anchors": [(1, 0), (1, 0)] if left_of_standard else [(0, 0), (0, 0)],
                    },
                )
            )
        what = (
            "estimated drive minutes"
            if kind == "minutes" and dist.estimated_time
            else ("drive minutes" if kind == "minutes" else "miles")
        )
        two = getattr(dist, "providers_within", 1) == 2
        if two:  # the standard asks for two providers: the distances are to the second one
            what += " to the second-nearest distinct provider"
        self.measure.setItemText(0, f"Time to {'second' if two else 'nearest'} provider")
        self.measure.setItemText(1, f"Distance to {'second' if two else 'nearest'} provider")
        self.plot.getPlotItem().setLabel("bottom", what)
        self.plot.setXRange(0, edges[-1], padding=0.02)
        top_pct = max(float(pct.max()) if len(pct) else 1.0, 1.0)
        if after_pct is not None and len(after_pct):
            top_pct = max(top_pct, float(after_pct.max()))
        self.plot.setYRange(0, top_pct * 1.12, padding=0)
        within = dist.share_within()
        beyond = (
            f" The last bar also holds the {h['overflow_pct']:.1f}% farther out."
            if h["overflow_pct"] >= 0.05
            else ""
        )
        p90_text = f"{p90:.1f} {unit}" if np.isfinite(p90) else "beyond the search limit"
        whatif_text = ""
        after_p90 = None
        if after_pct is not None:
            after_values = dist.after_minutes if kind == "minutes" else dist.after_miles
            after_p90 = _p90(after_values, dist.weights)
            n = len(getattr(dist, "assumed", ()) or ())
            whatif_text = (
                f" What-if ({n} signed, purple outline): {dist.share_within(after=True):.1f}% within, 90th "
                f"percentile {f'{after_p90:.1f} {unit}' if np.isfinite(after_p90) else 'beyond the search limit'}."
            )
        self.caption.setText(
            f"{self._county}, line {dist.line_code}: {within:.1f}% of the {population} within "
            f"{limits_text(dist.max_minutes, dist.max_miles)}"
            f"{' of two distinct providers' if two else ''}"
            f"{' (before any telehealth credit)' if getattr(dist, 'credits_apply', True) else ''}; "
            f"90th percentile {p90_text}.{beyond}{whatif_text}"
        )
        self.drawn = {
            "kind": kind,
            "standard": standard,
            "bins": len(pct),
            "total_pct": float(pct.sum()),
            "p90": p90,
        }
        if after_pct is not None:
            self.drawn["after_total_pct"] = float(after_pct.sum())
            self.drawn["after_p90"] = after_p90
            self.drawn["after_within"] = dist.share_within(after=True)
