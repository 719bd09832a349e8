"""The feasibility study window: market capacity, infeasible cells, the recruit list, Export report….

A non-modal dialog over the open project (Scoring > Feasibility study…). "Run study" runs
``engine.feasibility.feasibility_study`` in the main window's ``TaskRunner`` (one task at a time, with its
progress bar here and in the status bar, and Cancel/Esc); nothing is stored. Three tabs show the answer:

- **Capacity**: county x specialty, each cell the best share within standard a network holding the whole
  market would reach, coloured by outcome (passes today / passes once the recruits sign / cannot pass);
  the tooltip gives today's and the best share and count against the requirement.
- **Infeasible cells**: the cells no network from this market passes, with the reason and the exception
  viability of 42 CFR 422.116(f).
- **Recruit list**: the service-area recruit set in priority order, with the counties it counts in and the
  cells met after each signature.

"Export report…" writes the feasibility report PDF (``reports.feasibility_pdf``) in the same worker.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from blueprint_desktop.engine.feasibility import DEFAULT_TIME_LIMIT_S, INFEASIBLE, PASSES_NOW, RECRUIT
from blueprint_desktop.gui.messages import show_task_error
from blueprint_desktop.gui.readonly_table import readonly_table
from blueprint_desktop.gui.worker import TaskRunner
from blueprint_desktop.rules.citations import is_ma

OUTCOME_COLORS = {PASSES_NOW: "#c8e6c9", RECRUIT: "#ffecb3", INFEASIBLE: "#f4b2a0"}
OUTCOME_LABELS = {
    PASSES_NOW: "passes today",
    RECRUIT: "passes once the recruits sign",
    INFEASIBLE: "cannot pass with this market",
}
TASK = "feasibility"


def run_study(project, time_limit: float, market_only: bool, progress=None):
    """The worker's call (no widget touched): the study, nothing stored."""
    from blueprint_desktop.engine.feasibility import feasibility_study

    return feasibility_study(project, time_limit=time_limit, market_only=market_only, progress=progress)


def export_report(project, study, path: str, progress=None):
    from blueprint_desktop.reports.feasibility_pdf import write_feasibility_report

    return write_feasibility_report(project, study, path, progress=progress)


def _item(text: str, tip: str = "", align_right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)
    if tip:
        item.setToolTip(tip)
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _table(headings: list[str]) -> QTableWidget:
    return readonly_table(headings, fit_to_contents=False, alternating=True)


class FeasibilityDialog(QDialog):
    """The study's window (see the module doc)."""

    def __init__(self, project, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FeasibilityDialog")
        self.setWindowTitle(f"Feasibility study: {project.name}")
        self.project = project
        self.runner = runner
        self.study = None
        self.last_report = None
        self.resize(1200, 760)

        self.time_limit = QDoubleSpinBox()
        self.time_limit.setRange(1.0, 3600.0)
        self.time_limit.setDecimals(0)
        self.time_limit.setSuffix(" s")
        self.time_limit.setValue(DEFAULT_TIME_LIMIT_S)
        self.time_limit.setToolTip("How long the integer programme may search for the fewest providers")
        self.market_only = QCheckBox("Market only (leave the roster out)")
        self.market_only.setToolTip("Study the counties as a plan with no network there yet")
        self.run_button = QPushButton("&Run study")
        self.run_button.clicked.connect(self.run)
        self.export_button = QPushButton("&Export report…")
        self.export_button.clicked.connect(lambda: self.export_dialog())
        self.export_button.setEnabled(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.runner.cancel)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setMaximumWidth(220)
        for w in (self.bar, self.cancel_button):
            w.hide()
        top = QHBoxLayout()
        top.addWidget(QLabel("Time limit:"))
        top.addWidget(self.time_limit)
        top.addWidget(self.market_only)
        top.addStretch(1)
        top.addWidget(self.bar)
        top.addWidget(self.cancel_button)
        top.addWidget(self.run_button)
        top.addWidget(self.export_button)

        self.summary = QLabel(
            "Run the study: market capacity per county and specialty with every market provider signed, "
            "the cells no network can pass, and the fewest providers to sign across the service area."
        )
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.matrix = QTableWidget(0, 0)
        self.matrix.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.matrix.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.infeasible = _table(
            [
                "County",
                "Specialty",
                "Type",
                "Best share (required)",
                "Best count (minimum)",
                "Reason",
                "Exception",
            ]
        )
        self.recruits = _table(
            ["#", "NPI", "Provider", "Specialty", "Counts in", "Cells met", "Alike", "Address"]
        )
        self.tabs = QTabWidget()
        self.tabs.addTab(self.matrix, "Capacity")
        self.tabs.addTab(self.infeasible, "Infeasible cells")
        self.tabs.addTab(self.recruits, "Recruit list")
        legend = QLabel(
            " ".join(
                f'<span style="background:{OUTCOME_COLORS[k]}">&nbsp;&nbsp;&nbsp;&nbsp;</span> {OUTCOME_LABELS[k]}'
                "&nbsp;&nbsp;"
                for k in (PASSES_NOW, RECRUIT, INFEASIBLE)
            )
            + "&nbsp; Cell: best share within standard with the whole market."
        )
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(legend)

        self.runner.progressed.connect(self._progressed)
        self.runner.started.connect(self._busy_changed)
        self.runner.finished.connect(self._busy_changed)
        self._busy_changed()

    # -- running ---------------------------------------------------------------------------------
    def run(self) -> bool:
        """Start the study in the worker; False when another task is running."""
        self.summary.setText("Running the feasibility study…")
        return self.runner.run(
            TASK,
            run_study,
            self.project,
            float(self.time_limit.value()),
            self.market_only.isChecked(),
            label="Feasibility study",
            on_done=self.show_study,
            on_error=lambda err: self._failed("Feasibility study", err),
        )

    def export_dialog(self, path: str | None = None) -> bool:
        if self.study is None or self.runner.busy:
            return False
        if not path:
            start = str(Path(str(self.project.path)).with_name("feasibility-study.pdf"))
            path, _ = QFileDialog.getSaveFileName(self, "Export the feasibility report", start, "PDF (*.pdf)")
        if not path:
            return False
        return self.runner.run(
            "export",
            export_report,
            self.project,
            self.study,
            path,
            label="Writing the feasibility report",
            on_done=self._exported,
            on_error=lambda err: self._failed("Feasibility report", err),
        )

    def _exported(self, result) -> None:
        self.last_report = result
        self.summary.setText(
            self.summary.text().split("\n")[0] + f"\nReport written to {result.path} ({result.pages} pages)."
        )

    def _failed(self, title: str, err) -> None:
        self.summary.setText(f"{title} failed: {err.message}")
        show_task_error(self, title, err)

    @Slot(float, str)
    def _progressed(self, fraction: float, message: str) -> None:
        self.bar.setValue(int(fraction * 1000))
        self.bar.setToolTip(message)

    @Slot()
    def _busy_changed(self, *_args) -> None:
        busy = self.runner.busy
        for w in (self.bar, self.cancel_button):
            w.setVisible(busy)
        self.run_button.setEnabled(not busy)
        self.export_button.setEnabled(not busy and self.study is not None)

    # -- showing -----------------------------------------------------------------------------------
    def show_study(self, study) -> None:
        from blueprint_desktop.reports.matrix_xlsx import county_names

        self.study = study
        names = county_names(study.counties)
        counts = study.counts()
        rs = study.recruit_set
        gap = "-" if rs.mip_gap is None else f"{rs.mip_gap * 100:.2f}%"
        self.summary.setText(
            f"{counts[PASSES_NOW]:,} cells pass today, {counts[RECRUIT]:,} more pass once "
            f"{rs.size:,} providers sign ({'proven fewest' if rs.proven_optimal else f'at least {rs.lower_bound:,} needed'}; "
            f"solver gap {gap}; greedy {rs.greedy_size:,}; re-scored: {rs.verified_pass:,} of "
            f"{len(rs.target_cells):,} pass), {counts[INFEASIBLE]:,} cannot pass with this market "
            f"(exception candidates{', 42 CFR 422.116(f)' if is_ma(study.lob) else ''}). Market: "
            f"{study.market.get('candidate_providers', 0):,} "
            f"providers not under contract."
        )
        self._fill_matrix(study, names)
        self._fill_infeasible(study, names)
        self._fill_recruits(study, names)
        self._busy_changed()

    def _fill_matrix(self, study, names) -> None:
        counties = sorted(study.counties, key=lambda f: names.get(f, f))
        lines = sorted({c.line_code for c in study.cells})
        line_names = {c.line_code: c.line_name for c in study.cells}
        m = self.matrix
        m.clear()
        m.setRowCount(len(counties))
        m.setColumnCount(len(lines))
        m.setHorizontalHeaderLabels(lines)
        m.setVerticalHeaderLabels([names.get(f, f) for f in counties])
        for j, code in enumerate(lines):
            head = m.horizontalHeaderItem(j)
            if head is not None:
                head.setToolTip(f"{code} {line_names.get(code, '')}")
        row_of = {f: i for i, f in enumerate(counties)}
        col_of = {c: j for j, c in enumerate(lines)}
        for c in study.cells:
            unit = " beds" if c.counts_beds else ""
            tip = (
                f"{names.get(c.county_fips, c.county_fips)} x {c.line_code} {c.line_name}\n"
                f"Today: {c.network_pct:.1f}% within standard, {c.network_count:,}{unit} ({c.network_status})\n"
                f"Whole market signed: {c.market_pct:.1f}%, {c.market_count:,}{unit} ({c.market_status})\n"
                f"Required: {c.required_pct:g}%, minimum {c.min_count:,}{unit}\n"
                f"Market within reach: {c.market_in_reach:,}{unit or ' providers'}\n"
                f"Outcome: {OUTCOME_LABELS[c.outcome]}"
            )
            if c.after_pct is not None:
                tip += f"\nWith the recruit list signed: {c.after_pct:.1f}%, {c.after_count:,}{unit} ({c.after_status})"
            if c.exception:
                tip += f"\nException viability: {c.exception['verdict']}"
            item = _item(f"{c.market_pct:.1f}%", tip, align_right=True)
            item.setBackground(QBrush(QColor(OUTCOME_COLORS[c.outcome])))
            item.setForeground(QBrush(QColor("#1f1f1f")))
            m.setItem(row_of[c.county_fips], col_of[c.line_code], item)

    def _fill_infeasible(self, study, names) -> None:
        cells = sorted(
            (c for c in study.cells if c.outcome == INFEASIBLE),
            key=lambda c: (names.get(c.county_fips, ""), c.line_code),
        )
        t = self.infeasible
        t.setRowCount(len(cells))
        for i, c in enumerate(cells):
            ex = c.exception or {}
            unit = " beds" if c.counts_beds else ""
            values = [
                (names.get(c.county_fips, c.county_fips), False),
                (f"{c.line_code} {c.line_name}", False),
                (c.designation, False),
                (f"{c.market_pct:.1f}% ({c.required_pct:g}%)", True),
                (f"{c.market_count:,}{unit} ({c.min_count:,})", True),
                (f"{c.shortfall} short", False),
                (
                    f"{ex.get('verdict', '-')}: {ex.get('candidates_in_reach', 0):,} in reach, "
                    f"{ex.get('outreach_documented', 0):,} with outreach",
                    False,
                ),
            ]
            tip = "\n".join(c.reasons + list(ex.get("reasons", [])))
            for j, (text, right) in enumerate(values):
                t.setItem(i, j, _item(text, tip, right))
        t.resizeColumnsToContents()

    def _fill_recruits(self, study, names) -> None:
        rs = study.recruit_set
        t = self.recruits
        t.setRowCount(len(rs.recruits))
        short = {f: n.split(",")[0] for f, n in names.items()}
        for i, r in enumerate(rs.recruits):
            after = "\n".join(
                f"{short.get(k.split(':')[0], k)} {k.split(':')[1]}: {v['pct']:.1f}%, {v['count']:g}"
                for k, v in r.after.items()
            )
            values = [
                (str(r.rank), True),
                (r.npi, False),
                (r.name, False),
                (", ".join(r.lines), False),
                ("; ".join(f"{short.get(f, f)} {line}" for f, line in r.cells), False),
                (f"{r.cells_met_after:,} / {len(rs.target_cells):,}", True),
                (str(r.alternatives) if r.alternatives else "-", True),
                (r.address, False),
            ]
            for j, (text, right) in enumerate(values):
                t.setItem(i, j, _item(text, f"After signing (share, count):\n{after}", right))
        t.resizeColumnsToContents()


def open_feasibility(window) -> FeasibilityDialog | None:
    """Show the study window for the main window's project (one per project; closed with it)."""
    if window.project is None:
        return None
    dialog = getattr(window, "_feasibility_dialog", None)
    if dialog is not None and dialog.project is not window.project:
        dialog.close()
        dialog.deleteLater()
        dialog = None
    if dialog is None:
        dialog = FeasibilityDialog(window.project, window.tasks, window)
        window._feasibility_dialog = dialog
        window.project_changed.connect(dialog.close)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
