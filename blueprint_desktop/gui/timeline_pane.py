"""The deficiency-timeline pane: the response plan per cited gap and phase against the due date.

A Gantt chart (pyqtgraph) has one band per cited gap with a bar per phase (triage, identify and
contract, compile documentation, submit); overdue phases are red, finished ones green. Clicking a bar
(Ctrl-click for several) selects the phase in the gap pane, where it is marked done. A dashed line
marks today and a solid red line the due date. A banner warns as the deadline nears (plan.WARN_DAYS) and
says so when it has passed. Below, the cure progress over the window and the findings of every check
(``checks.CHECKS``, each listed under its title).

All numbers come from ``blueprint_desktop.deficiency``; this pane only draws them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from blueprint_desktop.deficiency import checks as checkmod
from blueprint_desktop.deficiency import cure, plan
from blueprint_desktop.deficiency import gaps as gapmod
from blueprint_desktop.deficiency.notice import list_notices
from blueprint_desktop.store.schema_deficiency import CURE_STATES, PHASES

PHASE_COLORS = {
    "triage": "#7f8fa6",
    "identify and contract": "#2f6fb3",
    "compile documentation": "#8e5fb8",
    "submit": "#1f9e89",
}
DONE_COLOR = "#5aa469"
OVERDUE_COLOR = "#d63031"
STATE_COLORS = {
    "cured": "#2e9e4f",
    "pending credentialing": "#e0a100",
    "needs exception": "#8e5fb8",
    "open": "#c0392b",
}
BAND = len(PHASES) + 1.5  # vertical space per gap: its phase bars plus a gap between gaps
BAR_HEIGHT = 0.8


def _ts(day: str | date) -> float:
    """A date as the Unix timestamp pyqtgraph's DateAxisItem reads (UTC midnight)."""
    d = plan.parse_date(day)
    return datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp()


class TimelinePane(QWidget):
    """Timeline of the selected notice's response; ``set_project(project)`` (or None) redraws it."""

    # A click on a phase bar: gap id, phase, and whether Ctrl was held (add to the selection).
    phase_clicked = Signal(int, str, bool)

    def __init__(self, parent: QWidget | None = None, today: date | None = None) -> None:
        super().__init__(parent)
        self.project = None
        self._today = today  # fixed "today" for tests and screenshots; None = the real date
        self.setObjectName("TimelinePane")

        self.notice_box = QComboBox()
        self.notice_box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.banner = QLabel()
        self.banner.setObjectName("deadlineBanner")
        self.banner.setWordWrap(True)
        self.banner.setMargin(6)

        top = QHBoxLayout()
        top.addWidget(QLabel("Notice:"))
        top.addWidget(self.notice_box, 1)

        pg.setConfigOptions(antialias=True)
        self.gantt = pg.PlotWidget(
            axisItems={"bottom": pg.DateAxisItem(orientation="bottom")}, background="w"
        )
        self.gantt.setMouseEnabled(x=True, y=False)
        self.gantt.showGrid(x=True, y=False, alpha=0.15)
        self.gantt.getPlotItem().setTitle("Response plan by cited gap and phase", color="#333", size="10pt")
        self.gantt.scene().sigMouseClicked.connect(self._gantt_clicked)
        # The legend is a label above the chart so it never covers bars or the today/due lines.
        swatch = '<span style="color:{c}; font-size:14px;">&#9632;</span>&nbsp;{t}'
        self.legend = QLabel(
            "&nbsp;&nbsp;&nbsp;".join(
                swatch.format(c=c, t=t)
                for t, c in [*PHASE_COLORS.items(), ("done", DONE_COLOR), ("overdue", OVERDUE_COLOR)]
            )
            + '&nbsp;&nbsp;&nbsp;<span style="color:#1565c0;">- - today</span>'
            + f'&nbsp;&nbsp;&nbsp;<span style="color:{OVERDUE_COLOR};">| due date</span>'
        )
        self.legend.setTextFormat(Qt.RichText)

        self.progress_plot = pg.PlotWidget(
            axisItems={"bottom": pg.DateAxisItem(orientation="bottom")}, background="w"
        )
        self.progress_plot.getPlotItem().setTitle(
            "Cure progress over the window (cited gaps)", color="#333", size="10pt"
        )
        self.progress_plot.setMouseEnabled(x=False, y=False)
        self.progress_plot.getPlotItem().addLegend(offset=(-5, 5), labelTextColor="#333")

        self.findings = QListWidget()
        self.findings.setObjectName("checksList")
        self.findings.setWordWrap(True)
        findings_box = QWidget()
        fl = QVBoxLayout(findings_box)
        fl.setContentsMargins(0, 0, 0, 0)
        self.findings_label = QLabel("Checks")
        fl.addWidget(self.findings_label)
        fl.addWidget(self.findings)

        lower = QSplitter(Qt.Horizontal)
        lower.addWidget(self.progress_plot)
        lower.addWidget(findings_box)
        lower.setSizes([500, 500])
        split = QSplitter(Qt.Vertical)
        split.addWidget(self.gantt)
        split.addWidget(lower)
        split.setSizes([420, 260])

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.legend)
        layout.addWidget(split, 1)
        self.gap_rows: list[dict] = []
        self.bars: list[dict] = []  # what was drawn: gap_id, phase, color (tests read it)
        self.set_project(None)

    # -- public API --------------------------------------------------------------------------------
    def today(self) -> date:
        return self._today or date.today()

    def set_project(self, project) -> None:
        self.project = project
        self.notice_box.blockSignals(True)
        self.notice_box.clear()
        if project is not None and "deficiency_notices" in project.db.table_names():
            for n in list_notices(project):
                self.notice_box.addItem(
                    f"#{n['id']} {n['file_name'] or ''} - dated {n['notice_date']}, due {n['due_date']}",
                    n["id"],
                )
            if self.notice_box.count():
                self.notice_box.setCurrentIndex(self.notice_box.count() - 1)
        self.notice_box.blockSignals(False)
        self.refresh()

    def notice_id(self) -> int | None:
        return self.notice_box.currentData()

    def refresh(self) -> None:
        self.gantt.clear()
        self.progress_plot.clear()
        self.findings.clear()
        self.bars, self.gap_rows = [], []
        notice_id = self.notice_id()
        if self.project is None or notice_id is None:
            self._set_banner(
                "No deficiency notice in this project. Import one with File > Import notice "
                "or `blueprint notice import`.",
                "info",
            )
            if self.project is not None:
                self._fill_findings(None)  # project-wide findings (e.g. providers that do not count)
            else:
                self.findings_label.setText("Checks")
                self.finding_dicts = []
            return
        from blueprint_desktop.deficiency.notice import get_notice

        notice = get_notice(self.project, notice_id)
        self._draw_gantt(notice)
        self._draw_progress(notice)
        self._fill_findings(notice)
        self._update_banner(notice)

    # -- drawing -----------------------------------------------------------------------------------
    def _draw_gantt(self, notice: dict) -> None:
        today = self.today()
        gaps = gapmod.list_gaps(self.project, notice["id"])
        self.gap_rows = gaps
        by_gap: dict[int, list[dict]] = {}
        for m in plan.milestones(self.project, notice_id=notice["id"], today=today):
            by_gap.setdefault(m["gap_id"], []).append(m)
        x0, widths, ys, brushes, pens = [], [], [], [], []
        ticks = []
        n = len(gaps)
        for row, gap in enumerate(gaps):
            base = (n - 1 - row) * BAND  # first gap at the top
            ticks.append((base + (len(PHASES) - 1) / 2, gapmod.gap_label(gap)))
            for m in by_gap.get(gap["id"], []):
                k = PHASES.index(m["phase"])
                y = base + (len(PHASES) - 1 - k)
                start, end = _ts(m["start_date"]), _ts(m["due_date"]) + 86400  # the due day is included
                color = (
                    DONE_COLOR
                    if m["done_date"]
                    else (OVERDUE_COLOR if m["overdue"] else PHASE_COLORS[m["phase"]])
                )
                x0.append(start)
                widths.append(end - start)
                ys.append(y)
                brushes.append(pg.mkBrush(color))
                pens.append(pg.mkPen("#222", width=1.5) if m["overdue"] else pg.mkPen(color))
                self.bars.append(
                    {
                        "gap_id": gap["id"],
                        "phase": m["phase"],
                        "color": color,
                        "overdue": m["overdue"],
                        "done": bool(m["done_date"]),
                        "x0": start,
                        "x1": end,
                        "y": y,
                    }
                )
        if x0:
            bars = pg.BarGraphItem(x0=x0, width=widths, y=ys, height=BAR_HEIGHT, brushes=brushes, pens=pens)
            self.gantt.addItem(bars)
        left = self.gantt.getAxis("left")
        left.setTicks([ticks, []])
        # pyqtgraph drops tick labels wider than the axis: size it to the longest gap label.
        metrics = QFontMetrics(left.style.get("tickFont") or self.font())
        left.setWidth(max([metrics.horizontalAdvance(t) for _, t in ticks] + [80]) + 24)
        due = _ts(notice["due_date"]) + 86400
        start = _ts(notice["notice_date"])
        now = _ts(today) + 43200  # midday, so "today" sits inside its day
        self.gantt.addItem(
            pg.InfiniteLine(
                pos=due,
                angle=90,
                pen=pg.mkPen(OVERDUE_COLOR, width=2.5),
                label=f"due {notice['due_date']}",
                labelOpts={"position": 0.97, "color": OVERDUE_COLOR, "fill": "#ffffffcc"},
            )
        )
        self.gantt.addItem(
            pg.InfiniteLine(
                pos=now,
                angle=90,
                pen=pg.mkPen("#1565c0", width=2, style=Qt.DashLine),
                label=f"today {today.isoformat()}",
                labelOpts={"position": 0.90, "color": "#1565c0", "fill": "#ffffffcc"},
            )
        )
        span = max(due, now) - min(start, now)
        self.gantt.setXRange(min(start, now) - span * 0.03, max(due, now) + span * 0.06, padding=0)
        self.gantt.setYRange(-1, max(n, 1) * BAND, padding=0)

    def bar_at(self, x: float, y: float) -> dict | None:
        """The phase bar under a point in chart coordinates (timestamp, row), or None."""
        for b in self.bars:
            if b["x0"] <= x <= b["x1"] and abs(y - b["y"]) <= BAR_HEIGHT / 2:
                return b
        return None

    def _gantt_clicked(self, event) -> None:
        view = self.gantt.getPlotItem().vb
        if not view.sceneBoundingRect().contains(event.scenePos()):
            return
        point = view.mapSceneToView(event.scenePos())
        bar = self.bar_at(point.x(), point.y())
        if bar is not None:
            add = bool(event.modifiers() & (Qt.ControlModifier | Qt.ShiftModifier))
            self.phase_clicked.emit(bar["gap_id"], bar["phase"], add)

    def _draw_progress(self, notice: dict) -> None:
        series = cure.progress_series(self.project, notice["id"], today=self.today())
        xs = [_ts(d) + 43200 for d in series["dates"]]
        for state in CURE_STATES:
            values = series["states"][state]
            pts = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]
            if not pts:
                continue
            self.progress_plot.plot(
                [p[0] for p in pts],
                [p[1] for p in pts],
                name=state,
                stepMode=None,
                pen=pg.mkPen(STATE_COLORS[state], width=2.5),
                symbol="o",
                symbolSize=4,
                symbolBrush=STATE_COLORS[state],
                symbolPen=None,
            )
        self.progress_plot.addItem(
            pg.InfiniteLine(
                pos=_ts(notice["due_date"]) + 86400, angle=90, pen=pg.mkPen(OVERDUE_COLOR, width=2)
            )
        )
        self.progress_plot.setYRange(0, max(series["gaps"], 1) + 0.5, padding=0)
        self.progress_plot.getAxis("left").setTickSpacing(1, 1)
        self.progress_plot.setXRange(xs[0], xs[-1] + 86400, padding=0.02)
        self.progress_series = series

    def _fill_findings(self, notice: dict | None) -> None:
        # Findings of this notice's gaps, and those tied to no gap (such as contracted providers that the
        # 42 CFR 422.116(a)(3) exclusions keep from counting), which hold with or without a notice.
        gap_ids = {g["id"] for g in self.gap_rows}
        findings = [
            f
            for f in checkmod.run_checks(self.project, today=self.today(), refresh=False)
            if f.gap_id in gap_ids or f.gap_id is None
        ]
        self.findings_label.setText(
            f"Checks: {len(findings)} finding(s)" if findings else "Checks: no findings"
        )
        for f in findings:
            item = QListWidgetItem(f"{checkmod.CHECKS[f.check]}: {f.message}")
            item.setData(Qt.UserRole, f.as_dict())
            item.setForeground(QColor(OVERDUE_COLOR if f.severity == "error" else "#b26a00"))
            self.findings.addItem(item)
        self.finding_dicts = [f.as_dict() for f in findings]

    def _update_banner(self, notice: dict) -> None:
        state = plan.window_state(notice["due_date"], self.today(), submitted=bool(notice["submitted_date"]))
        left = plan.days_left(notice["due_date"], self.today())
        overdue = sum(1 for b in self.bars if b["overdue"])
        window = f"{notice['window_days']} {notice['window_unit']} days (per your notice)"
        if state == "submitted":
            self._set_banner(f"Submitted {notice['submitted_date']}. Window {window}.", "ok")
        elif state == "missed":
            self._set_banner(
                f"Deadline missed: the response was due {notice['due_date']} ({-left} day(s) ago).", "error"
            )
        elif state == "at risk":
            self._set_banner(
                f"Deadline near: {left} day(s) left until {notice['due_date']}"
                + (f"; {overdue} phase(s) overdue." if overdue else "."),
                "warning",
            )
        elif overdue:
            self._set_banner(
                f"{left} days left until {notice['due_date']}; {overdue} phase(s) overdue.", "warning"
            )
        else:
            self._set_banner(f"On track: {left} days left until {notice['due_date']}. Window {window}.", "ok")
        self.window_state = state

    def _set_banner(self, text: str, level: str) -> None:
        colors = {
            "info": ("#eef2f7", "#333"),
            "ok": ("#e6f4ea", "#1e6b34"),
            "warning": ("#fff4d6", "#8a5a00"),
            "error": ("#fde2e1", "#a4161a"),
        }
        bg, fg = colors[level]
        self.banner.setText(text)
        self.banner.setStyleSheet(
            f"QLabel#deadlineBanner {{ background: {bg}; color: {fg}; border-radius: 4px; }}"
        )
        font = QFont(self.banner.font())
        font.setBold(level in ("warning", "error"))
        self.banner.setFont(font)
        self.banner_level = level
