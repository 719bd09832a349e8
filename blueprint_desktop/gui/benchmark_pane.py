"""The benchmark pane: ours vs a competitor's network per county x line, and their providers we lack.

Top: the benchmark networks of the project (``engine.benchmark.list_networks``), "Compare", "Export to
Excel…" (``reports.benchmark_xlsx``) and "Import…" (also File > Import benchmark network…, through
``data.benchmark_store.import_benchmark``). Middle: the side by side (``engine.benchmark.compare``), status
cells tinted with the palette of the results matrix (``status_colors``); "Only where we differ" hides cells
both pass. Bottom: their providers we lack (``engine.benchmark.providers_we_lack``), nearest our gap first,
for the selected county x line (all lines when nothing is selected). Every number comes from the core; this
pane only shows and forwards.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.status_colors import status_tint

SIDE_COLUMNS = ["County", "Line", "Ours", "Our %", "Our n", "Theirs", "Their %", "Their n", "Verdict"]
LACK_COLUMNS = ["NPI", "Provider", "Line", "County", "Miles to our gap", "Address"]
FORMAT_CHOICES = {
    "FHIR provider directory (Plan-Net: Bundle or NDJSON)": "plannet",
    "QHP providers.json": "qhp",
    "Transparency in Coverage in-network file": "tic",
}


class BenchmarkPane(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = None
        self.cells: list = []
        self.import_action = QAction("Import &benchmark network…", self)
        self.import_action.setStatusTip(
            "Load a competitor's network (Plan-Net FHIR, QHP providers.json, TiC)"
        )
        self.import_action.triggered.connect(self.import_dialog)

        self.networks = QComboBox()
        self.networks.setMinimumWidth(220)
        self.compare_button = QPushButton("Compare")
        self.compare_button.clicked.connect(self.run_compare)
        self.export_button = QPushButton("Export to Excel…")
        self.export_button.clicked.connect(self.export_dialog)
        self.import_button = QPushButton("Import…")
        self.import_button.clicked.connect(self.import_dialog)
        self.only_diff = QCheckBox("Only where we differ")
        self.only_diff.setChecked(True)
        self.only_diff.toggled.connect(self._fill_side)
        top = QHBoxLayout()
        top.addWidget(QLabel("Benchmark:"))
        top.addWidget(self.networks, 1)
        for w in (self.compare_button, self.export_button, self.import_button, self.only_diff):
            top.addWidget(w)
        self.summary = QLabel("Import a competitor's network to compare it with ours.")
        self.summary.setWordWrap(True)

        self.side = self._table(SIDE_COLUMNS)
        self.side.itemSelectionChanged.connect(self._fill_lack)
        self.lack_label = QLabel("Their providers we lack")
        self.lack = self._table(LACK_COLUMNS)
        lower = QWidget()
        lay = QVBoxLayout(lower)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.lack_label)
        lay.addWidget(self.lack)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.side)
        split.addWidget(lower)
        split.setSizes([300, 200])
        root = QVBoxLayout(self)
        root.addLayout(top)
        root.addWidget(self.summary)
        root.addWidget(split, 1)
        self._update_enabled()

    @staticmethod
    def _table(columns: list[str]) -> QTableWidget:
        t = QTableWidget(0, len(columns))
        t.setHorizontalHeaderLabels(columns)
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        t.verticalHeader().setVisible(False)
        t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        t.horizontalHeader().setStretchLastSection(True)
        return t

    # -- project ---------------------------------------------------------------------------------
    def set_project(self, project) -> None:
        self.project = project
        self.cells = []
        self.side.setRowCount(0)
        self.lack.setRowCount(0)
        self.reload_networks()

    def reload_networks(self, select: int | None = None) -> None:
        from blueprint_desktop.engine.benchmark import list_networks

        self.networks.clear()
        nets = list_networks(self.project) if self.project is not None else []
        for n in nets:
            self.networks.addItem(f"{n.name} ({n.format}, {n.providers} providers)", n.id)
        if select is not None:
            self.networks.setCurrentIndex(max(0, self.networks.findData(select)))
        self.summary.setText(
            "Import a competitor's network to compare it with ours." if not nets else "Press Compare."
        )
        self._update_enabled()

    def _update_enabled(self) -> None:
        has = self.networks.count() > 0
        writable = self.project is not None and not self.project.read_only
        self.compare_button.setEnabled(has)
        self.export_button.setEnabled(has)
        self.import_button.setEnabled(writable)
        self.import_action.setEnabled(writable)

    def current_network(self) -> int | None:
        data = self.networks.currentData()
        return int(data) if data is not None else None

    # -- actions ---------------------------------------------------------------------------------
    def import_file(self, path: str | Path, fmt: str, name: str | None = None) -> int:
        """Import and select a benchmark network; returns its id (the dialog and tests call this)."""
        from blueprint_desktop.data.benchmark_store import import_benchmark

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            result = import_benchmark(self.project, path, fmt, name or None)
        finally:
            QApplication.restoreOverrideCursor()
        self.reload_networks(select=result.network_id)
        self.summary.setText(" ".join(result.lines()))
        return int(result.network_id)

    def import_dialog(self) -> None:
        from blueprint_desktop.gui.messages import show_error

        if self.project is None:
            return
        path, _ = QFileDialog.getOpenFileName(
            self, "Import benchmark network", "", "JSON / NDJSON (*.json *.ndjson *.jsonl);;All files (*)"
        )
        if not path:
            return
        label, ok = QInputDialog.getItem(self, "Format", "The file is a:", list(FORMAT_CHOICES), 0, False)
        if not ok:
            return
        name, ok = QInputDialog.getText(self, "Name", "A name for this network (blank: from the file):")
        if not ok:
            return
        try:
            self.import_file(path, FORMAT_CHOICES[label], name.strip() or None)
        except BlueprintError as exc:
            show_error(self, "Benchmark import refused", str(exc))
            return
        self.run_compare()

    def run_compare(self) -> None:
        from blueprint_desktop.engine.benchmark import compare

        net = self.current_network()
        if self.project is None or net is None:
            return
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.cells = compare(self.project, net)
        except BlueprintError as exc:
            self.summary.setText(str(exc))
            self.cells = []
        finally:
            QApplication.restoreOverrideCursor()
        if self.cells:

            def n(v: str) -> int:
                return sum(1 for c in self.cells if c.verdict == v)

            self.summary.setText(
                f"{self.networks.currentText()}: they pass where we do not in {n('they pass where we do not')} "
                f"cells, we pass where they do not in {n('we pass where they do not')}; both pass "
                f"{n('both pass')}, neither {n('neither passes')} (same engine, same population points)."
            )
        self._fill_side()
        self._fill_lack()

    def export_dialog(self) -> None:
        from blueprint_desktop.gui.messages import show_error, show_info
        from blueprint_desktop.reports.benchmark_xlsx import write_benchmark_xlsx

        net = self.current_network()
        if self.project is None or net is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export side by side", "benchmark.xlsx", "Excel (*.xlsx)")
        if not path:
            return
        try:
            write_benchmark_xlsx(self.project, net, path)
        except (BlueprintError, OSError) as exc:
            show_error(self, "Export failed", str(exc))
            return
        show_info(self, "Exported", f"Wrote {path}")

    # -- tables ----------------------------------------------------------------------------------
    def _fill_side(self) -> None:
        rows = [
            c for c in self.cells if not (self.only_diff.isChecked() and c.ours_status == c.theirs_status)
        ]
        # Where they pass and we do not first: the cells a recruit from their network would close.
        order = {"they pass where we do not": 0, "we pass where they do not": 2}
        rows.sort(key=lambda c: (order.get(c.verdict, 1), c.delta_pct * -1))
        self.side.setSortingEnabled(False)
        self.side.setRowCount(len(rows))
        for i, c in enumerate(rows):
            values = [
                c.county_name,
                f"{c.line_code} {c.line_name}",
                c.ours_status,
                f"{c.ours_pct:.1f}",
                str(c.ours_count),
                c.theirs_status,
                f"{c.theirs_pct:.1f}",
                str(c.theirs_count),
                c.verdict,
            ]
            for j, v in enumerate(values):
                item = QTableWidgetItem(v)
                if j in (2, 5):
                    item.setBackground(QBrush(QColor(status_tint(v))))
                if j == 0:
                    item.setData(Qt.ItemDataRole.UserRole, (c.county_fips, c.line_code))
                self.side.setItem(i, j, item)

    def _fill_lack(self) -> None:
        from blueprint_desktop.engine.benchmark import providers_we_lack

        net = self.current_network()
        self.lack.setRowCount(0)
        if self.project is None or net is None or not self.cells:
            return
        county = line = None
        sel = self.side.selectionModel().selectedRows() if self.side.selectionModel() else []
        if sel:
            county, line = self.side.item(sel[0].row(), 0).data(Qt.ItemDataRole.UserRole)
        rows = providers_we_lack(self.project, net, line=line, county=county)
        where = f" for {line} in {county}" if line else ""
        self.lack_label.setText(
            f"Their providers we lack{where}: {len(rows)} (proven MA-willing recruits, nearest our gap first)"
        )
        self.lack.setRowCount(min(len(rows), 500))
        for i, x in enumerate(rows[:500]):
            miles = "" if x.miles_to_gap is None else f"{x.miles_to_gap:.1f}"
            for j, v in enumerate([x.npi, x.name, x.line_code, x.county_name, miles, x.address]):
                self.lack.setItem(i, j, QTableWidgetItem(v))
