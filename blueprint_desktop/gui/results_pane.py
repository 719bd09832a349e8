"""The results pane: the county x line matrix with a legend and filters, and the selected cell's detail.

Selecting a cell shows its detail (``ResultDetail``) and emits ``cell_selected``; the window follows it on
the map and in the chart. "Find recruitment targets" and what-if re-scores run in the window's
``TaskRunner``. The what-if is a portfolio: candidates added from any cell are assumed signed across the
whole service area (``engine.whatif.portfolio_whatif``); every cell they change is drawn with its after
value (marked ``*``), the summary counts before -> after, and the detail shows before and after. It is
kept until cleared: a re-score (F5) or a change made elsewhere re-applies it to the new results.
When the roster changes after the latest run, a banner says the results are stale.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from blueprint_desktop.gui import operations
from blueprint_desktop.gui.messages import show_task_error
from blueprint_desktop.gui.result_detail import ResultDetail
from blueprint_desktop.gui.results_model import KEY_ROLE, ResultCellDelegate, ResultsModel, RotatedHeader
from blueprint_desktop.gui.worker import TaskError, TaskRunner
from blueprint_desktop.status_colors import STATUS_COLORS, STATUS_TINTS

CELL_WIDTH = 60  # room for the share ("87.9%", bold when failing) and the confidence letter
HEADER_HEIGHT = 116


def legend_widget() -> QWidget:
    """Status swatches (the same colours as the cells) and what the cell text means."""
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(6)
    for status, bg, border in (
        ("Pass", STATUS_TINTS["Pass"], "#8fbf92"),
        ("At Risk", STATUS_COLORS["At Risk"], STATUS_COLORS["At Risk"]),
        ("Failing", STATUS_COLORS["Failing"], STATUS_COLORS["Failing"]),
    ):
        swatch = QLabel()
        swatch.setFixedSize(14, 14)
        swatch.setStyleSheet(f"background: {bg}; border: 1px solid {border}; border-radius: 2px;")
        row.addWidget(swatch)
        row.addWidget(QLabel(status))
        row.addSpacing(8)
    note = QLabel(
        "Cell: share of the population (MA beneficiaries, Medicaid or QHP enrollees) within the time and distance standard; corner letter: confidence"
        " (H 80+, M 55-79, L under 55); * what-if. Each cell is its newest score."
    )
    note.setStyleSheet("color: #52606d;")
    note.setWordWrap(True)
    row.addWidget(note, 1)
    return box


class ResultsPane(QWidget):
    """Matrix + detail of the latest run; ``set_project(project)`` (or None) reloads it."""

    cell_selected = Signal(str, str)  # county FIPS, line code
    # The what-if changed (the cell it was asked from, else the selected one; its targets: whatif_targets;
    # every candidate assumed signed: assumed_ids).
    whatif_changed = Signal(str, str)
    targets_found = Signal(object)  # TargetsOutcome

    def __init__(self, runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ResultsPane")
        self.project = None
        self.runner = runner or TaskRunner(self)
        self.assumed_ids: list[int] = []  # candidates assumed signed (the portfolio what-if)
        self.whatif_anchors: set[tuple[str, str]] = set()  # cells candidates were added from
        self.portfolio: operations.PortfolioOutcome | None = None  # the what-if's last answer
        self._whatif_pending = False  # re-apply the what-if when the runner is free
        self._generation = 0  # bumped per project: a late answer for another project is dropped
        self._fitted = False
        self.model = ResultsModel(self)

        self.status_filter = QComboBox()
        self.status_filter.setObjectName("statusFilter")
        self.status_filter.addItem("All statuses", "all")
        self.status_filter.addItem("Failing and At Risk", "gaps")
        self.status_filter.addItem("Failing only", "failing")
        self.line_filter = QLineEdit()
        self.line_filter.setObjectName("lineFilter")
        self.line_filter.setPlaceholderText("Filter lines (code or name)")
        self.line_filter.setClearButtonEnabled(True)
        self.status_filter.currentIndexChanged.connect(lambda _i: self.apply_filters())
        self.line_filter.textChanged.connect(lambda _t: self.apply_filters())
        self.summary = QLabel()
        self.summary.setObjectName("resultsSummary")
        self.legend = legend_widget()

        self.stale_banner = QLabel()
        self.stale_banner.setObjectName("staleBanner")
        self.stale_banner.setWordWrap(True)
        self.stale_banner.setStyleSheet(
            "QLabel#staleBanner { background: #fff4d6; color: #7a4f00; border: 1px solid #f0d58c;"
            " border-radius: 3px; padding: 4px 8px; }"
        )
        self.stale_banner.hide()

        self.table = QTableView()
        self.table.setObjectName("resultsMatrix")
        self.table.setModel(self.model)
        self.table.setHorizontalHeader(RotatedHeader(self.table, height=HEADER_HEIGHT))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.horizontalHeader().setDefaultSectionSize(CELL_WIDTH)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 7)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.setItemDelegate(ResultCellDelegate(self.table))
        self.table.setCornerButtonEnabled(False)
        self.table.selectionModel().currentChanged.connect(self._current_changed)

        self.detail = ResultDetail()
        self.detail.targets_requested.connect(self.find_targets)
        self.detail.whatif_add_requested.connect(self.add_whatif_targets)
        self.detail.whatif_clear_requested.connect(self.clear_whatif)

        bar = QHBoxLayout()
        bar.addWidget(self.status_filter)
        bar.addWidget(self.line_filter, 1)
        bar.addWidget(self.summary)
        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(6, 6, 6, 0)
        tl.addLayout(bar)
        tl.addWidget(self.legend)
        tl.addWidget(self.stale_banner)
        tl.addWidget(self.table, 1)
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(top)
        self.split.addWidget(self.detail)
        # The matrix keeps the height its rows need; a taller window grows the detail below it.
        self.split.setStretchFactor(0, 0)
        self.split.setStretchFactor(1, 1)
        self.split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.split)
        self.runner.started.connect(lambda *_: self.detail.set_busy(True))
        self.runner.finished.connect(lambda *_: self.detail.set_busy(False))
        self.runner.finished.connect(lambda *_: self._run_pending_whatif())
        self.set_project(None)

    # -- public API --------------------------------------------------------------------------------
    def set_project(self, project) -> None:
        self.project = project
        self._generation += 1
        self.assumed_ids, self.whatif_anchors, self.portfolio = [], set(), None
        self._whatif_pending = False
        self.reload()

    @property
    def whatif_targets(self) -> dict[tuple[str, str], list[int]]:
        """Per re-scored cell, the assumed candidates that practise its line (the map highlights them)."""
        p = self.portfolio
        if p is None or not self.assumed_ids:
            return {}
        by_line = {
            line: [i for i in p.provider_ids if line in p.provider_lines.get(i, [])] for line in p.lines
        }
        return {key: by_line[key[1]] for key in p.after if by_line.get(key[1])}

    def reload(self) -> None:
        """Re-read the newest score of every cell (after scoring, or a change made elsewhere), keeping the
        selection if possible. The what-if is kept: it is re-applied to the new results in the worker."""
        key = self.current_key()
        self._whatif_pending = bool(self.assumed_ids and self.project is not None)
        results, counties, order = [], [], []
        if self.project is not None:
            from blueprint_desktop.engine.runs import latest_results
            from blueprint_desktop.rules.standards import all_lines

            results = latest_results(self.project)
            counties = self.project.service_area()
            try:
                order = [(ld.code, ld.name) for ld in all_lines(self.project.lob, self.project)]
            except Exception:  # noqa: BLE001 - no rule set for the LOB: order lines by code
                order = []
        self.model.set_results(results, counties, order)
        self._update_summary()
        if self.project is None:
            self.detail.clear("Open a project to see its results.")
        elif not results:
            self.detail.clear("This project has not been scored yet: Scoring > Score (F5).")
        else:
            self.detail.clear("Select a cell of the matrix to see why it passes or fails.")
        if key and self.model.index_of(*key).isValid():
            self.select_cell(*key)
        self.fit_matrix()
        if self._whatif_pending:
            # After this call returns: a reload from a task's on_done runs before that task has finished.
            QTimer.singleShot(0, self._run_pending_whatif)

    def fit_matrix(self) -> None:
        """Give the matrix the height its rows need (up to 60% of the pane); the detail gets the rest."""
        total = self.split.height()
        if total <= 0:
            return
        rows = max(self.model.rowCount(), 4)
        needed = (
            self.table.horizontalHeader().sizeHint().height()
            + rows * self.table.verticalHeader().defaultSectionSize()
            + self.table.horizontalScrollBar().sizeHint().height()
            + 2 * self.table.frameWidth()
            + self.status_filter.sizeHint().height()
            + self.legend.sizeHint().height()
            + (self.stale_banner.sizeHint().height() if self.is_stale else 0)
            + 2 * self.layout().spacing()
        )
        top = min(needed, int(total * 0.6))
        self.split.setSizes([top, total - top])

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if not self._fitted:
            self._fitted = True
            self.fit_matrix()

    def apply_filters(self) -> None:
        key = self.current_key()
        self.model.set_filters(self.status_filter.currentData() or "all", self.line_filter.text())
        if key and self.model.index_of(*key).isValid():
            self.select_cell(*key)

    def mark_stale(self, stale: bool, why: str = "") -> None:
        """Say that the results are older than the roster (or hide the banner)."""
        self.stale_banner.setText(
            "Results are older than the roster"
            + (f" ({why})" if why else "")
            + ": re-score (F5) to update them."
        )
        self.stale_banner.setVisible(stale)

    @property
    def is_stale(self) -> bool:
        return not self.stale_banner.isHidden()

    def current_key(self) -> tuple[str, str] | None:
        index = self.table.currentIndex()
        return index.data(KEY_ROLE) if index.isValid() else None

    def current_result(self) -> dict | None:
        key = self.current_key()
        return self.model.result(*key) if key else None

    def select_cell(self, county_fips: str, line_code: str) -> bool:
        index = self.model.index_of(county_fips, line_code)
        if not index.isValid():
            return False
        self.table.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.table.scrollTo(index)
        return True

    def select_county(self, county_fips: str) -> bool:
        """Select the county's cell in the current line (else its worst cell): a click on the map."""
        key = self.current_key()
        if key and self.select_cell(county_fips, key[1]):
            return True
        order = {"Failing": 0, "At Risk": 1, "Pass": 2}
        cells = [
            (order.get((self.model.result(county_fips, c) or {}).get("status", ""), 3), i, c)
            for i, c in enumerate(self.model.visible_lines())
        ]
        cells = [c for c in cells if c[0] < 3]
        if not cells:
            return False
        return self.select_cell(county_fips, min(cells)[2])

    def results_for_map(self, line_code: str) -> list[dict]:
        """The line's results with any what-if drawn over the stored ones (for the map)."""
        out = []
        for r in self.model.results():
            if r["line_code"] == line_code:
                out.append(self.model.result(r["county_fips"], line_code) or r)
        return out

    # -- targets and what-if -----------------------------------------------------------------------
    def find_targets(self) -> bool:
        key = self.current_key()
        if key is None or self.project is None:
            return False
        return self.runner.run(
            "targets",
            operations.find_targets,
            self.project,
            *key,
            label=f"Finding recruitment targets for {self.model.county_name(key[0])} x {key[1]}",
            on_done=self._targets_done,
            on_error=lambda err: show_task_error(self, "Recruitment targets", err),
        )

    def add_whatif_targets(self, provider_ids: list[int], key: tuple[str, str] | None = None) -> bool:
        """Assume ``provider_ids`` signed too and re-score the whole service area with every assumed
        candidate (in the worker); ``key`` (default: the selected cell) is the cell they were added from,
        always drawn with its what-if value."""
        key = key or self.current_key()
        if self.project is None:
            return False
        ids = list(self.assumed_ids) + [
            int(p) for p in dict.fromkeys(provider_ids) if int(p) not in self.assumed_ids
        ]
        anchors = self.whatif_anchors | ({key} if key else set())
        return self._run_whatif(ids, anchors, key)

    def remove_whatif_targets(self, provider_ids: list[int]) -> bool:
        """Take candidates out of the what-if (clears it when none is left)."""
        drop = {int(p) for p in provider_ids}
        ids = [i for i in self.assumed_ids if i not in drop]
        if not ids:
            self.clear_whatif()
            return True
        return self._run_whatif(ids, self.whatif_anchors, self.current_key())

    def clear_whatif(self) -> None:
        """Drop the what-if: every cell shows its stored score again."""
        key = self.current_key() or next(iter(sorted(self.whatif_anchors)), None)
        self.assumed_ids, self.whatif_anchors, self.portfolio = [], set(), None
        self._whatif_pending = False
        self.model.set_whatif_all({})
        self._update_summary()
        self._show_current()
        if key:
            self.whatif_changed.emit(*key)

    def whatif_method(self) -> str:
        """The travel-time method of the shown results (the what-if measures the same way)."""
        for r in self.model.results():
            return r.get("detail", {}).get("method", "straight") or "straight"
        return "straight"

    # -- internals -------------------------------------------------------------------------------
    def _run_whatif(self, ids: list[int], anchors: set[tuple[str, str]], key: tuple[str, str] | None) -> bool:
        if self.project is None:
            return False
        n = len(ids)
        gen = self._generation
        started = self.runner.run(
            "whatif",
            operations.portfolio_whatif,
            self.project,
            ids,
            self.whatif_method(),
            label=f"Re-scoring the what-if ({n} candidate{'s' if n != 1 else ''} signed, every county)",
            on_done=lambda out, a=set(anchors), k=key, g=gen: self._whatif_done(out, a, k, g),
            on_error=lambda err: show_task_error(self, "What-if", err),
        )
        if started:
            self._whatif_pending = False
        return started

    def _run_pending_whatif(self) -> None:
        if not self._whatif_pending or self.runner.busy:
            return
        if not self.assumed_ids or self.project is None:
            self._whatif_pending = False
            return
        self._run_whatif(list(self.assumed_ids), self.whatif_anchors, self.current_key())

    def _targets_done(self, outcome: operations.TargetsOutcome) -> None:
        key = self.current_key()
        if key == (outcome.plan.county_fips, outcome.plan.line_code):
            self.detail.show_plan(outcome.plan, outcome.distances, getattr(outcome, "phones_stored", False))
        self.targets_found.emit(outcome)

    def _whatif_done(
        self,
        outcome: operations.PortfolioOutcome,
        anchors: set[tuple[str, str]],
        key: tuple[str, str] | None,
        generation: int,
    ) -> None:
        if generation != self._generation:
            return  # asked for a project that has since been closed
        self.portfolio = outcome
        self.assumed_ids = list(outcome.provider_ids)
        self.whatif_anchors = set(anchors)
        shown = set(outcome.changed) | {a for a in anchors if a in outcome.after}
        self.model.set_whatif_all({k: outcome.after[k] for k in shown})
        self._update_summary()
        self._show_current()
        key = key or self.current_key() or next(iter(sorted(shown)), None)
        if key:
            self.whatif_changed.emit(*key)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_current()
        key = current.data(KEY_ROLE) if current.isValid() else None
        if key:
            self.cell_selected.emit(*key)

    def _show_current(self) -> None:
        key = self.current_key()
        if key is None:
            return
        stored = self.model.stored_result(*key)
        if stored is None:
            self.detail.clear(f"{self.model.county_name(key[0])}: no result for line {key[1]}.")
            return
        whatif = self.model.whatif.get(key)
        note = ""
        if whatif is None and self.assumed_ids:
            n = len(self.assumed_ids)
            note = (
                f"What-if ({n} candidate{'s' if n != 1 else ''} assumed signed across the service area): "
                + (
                    "re-applying to the new results..."
                    if self.portfolio is None or self._whatif_pending
                    else "no change in this cell."
                )
            )
        self.detail.show_result(stored, self.model.county_name(key[0]), whatif, len(self.assumed_ids), note)

    def _update_summary(self) -> None:
        counts = self.model.counts()
        total = sum(counts.values())
        if not total:
            self.summary.setText("")
            return
        runs = self.model.run_ids()
        text = (
            f"{total} cells: {counts['Pass']} Pass, {counts['At Risk']} At Risk, {counts['Failing']} Failing"
        )
        if self.model.whatif:
            after = self.model.counts(whatif=True)
            n = len(self.assumed_ids)
            text = (
                f"{total} cells: Pass {counts['Pass']} -> {after['Pass']}, At Risk {counts['At Risk']} -> "
                f"{after['At Risk']}, Failing {counts['Failing']} -> {after['Failing']}"
                f" (* what-if: {n} signed)"
            )
        self.summary.setText(text)
        self.summary.setToolTip(
            f"Each cell shows its newest score: from runs {', '.join(map(str, runs))}"
            " (a re-score of some cells overlays the full run)."
            if len(runs) > 1
            else (f"All cells from run {runs[0]}." if runs else "")
        )


__all__ = ["ResultsPane", "TaskError"]
