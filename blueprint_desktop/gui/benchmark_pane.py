"""The benchmark pane: ours vs a competitor's network per county x line, and their providers we lack.

Top: the benchmark networks of the project (``engine.benchmark.list_networks``), "Compare", "Export to
Excel…" (``reports.benchmark_xlsx``) and "Import…" (also File > Import benchmark network…, through
``data.benchmark_store.import_benchmark``). Middle: the side by side (``engine.benchmark.compare``), status
cells tinted with the palette of the results matrix (``status_colors``); "Only where we differ" hides cells
both pass. Bottom: their providers we lack (``engine.benchmark.providers_we_lack``), nearest our gap first,
for the selected county x line (all lines when nothing is selected). Every number comes from the core; this
pane only shows and forwards.

Import, compare and the Excel export run in the window's background worker (``gui.worker.TaskRunner``, the calls in
``gui.operations``), with the status bar's progress and Cancel; the result is applied when the task ends and a
refusal is shown as the other imports show theirs (``gui.messages.show_task_error``). The compare task also
lists their providers we lack on every line, so selecting a cell narrows that list without asking the engine
again. "Show on map" draws the selected network's locations as a layer of the map (``network_shown``); a
selected side-by-side row shows its line there (``cell_selected``).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from blueprint_desktop.gui.readonly_table import readonly_table
from blueprint_desktop.gui.worker import TaskError, TaskRunner
from blueprint_desktop.status_colors import status_tint

SIDE_COLUMNS = ["County", "Line", "Ours", "Our %", "Our n", "Theirs", "Their %", "Their n", "Verdict"]
LACK_COLUMNS = ["NPI", "Provider", "Line", "County", "Miles to our gap", "Address"]
FORMAT_CHOICES = {
    "FHIR provider directory (Plan-Net: Bundle or NDJSON)": "plannet",
    "QHP providers.json": "qhp",
    "Transparency in Coverage in-network file": "tic",
}


IMPORT_TASK = "import"  # the window's status bar says "Import cancelled: nothing was stored."
COMPARE_TASK = "benchmark-compare"


class BenchmarkPane(QWidget):
    network_shown = Signal(object, str)  # benchmark network id to draw on the map (None: none), its name
    cell_selected = Signal(str, str)  # county FIPS, line code of the side-by-side row selected
    network_imported = Signal(int)  # id of the network just imported (or found already imported)
    compared = Signal(int)  # id of the network whose comparison is now shown

    def __init__(self, tasks: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = None
        # The window's runner (one writer at a time, status-bar progress and Cancel); a pane of its own
        # (tests, a dialog) gets a private one.
        self.tasks = tasks if tasks is not None else TaskRunner(self)
        self.tasks.started.connect(lambda *_: self._update_enabled())
        self.tasks.finished.connect(lambda *_: self._update_enabled())
        self.cells: list = []
        self.lacking: list = []  # their providers we lack on every line, from the last comparison
        self.compared_network: int | None = None
        self.last_error: TaskError | None = None
        self._generation = 0  # bumped per project: a late result of a closed project is dropped
        self.import_action = QAction("Import &benchmark network…", self)
        self.import_action.setStatusTip(
            "Load a competitor's network (Plan-Net FHIR, QHP providers.json, TiC)"
        )
        self.import_action.triggered.connect(self.import_dialog)

        self.networks = QComboBox()
        self.networks.setMinimumWidth(220)
        self.networks.currentIndexChanged.connect(self._network_changed)
        self.show_on_map = QCheckBox("Show on map")
        self.show_on_map.setToolTip("Draw this network's locations on the map, for the line shown there")
        self.show_on_map.setChecked(True)
        self.show_on_map.toggled.connect(self._emit_map_network)
        self.compare_button = QPushButton("Compare")
        self.compare_button.clicked.connect(self.run_compare)
        self.export_button = QPushButton("Export to Excel…")
        self.export_button.clicked.connect(lambda: self.export_dialog())
        self.import_button = QPushButton("Import…")
        self.import_button.clicked.connect(self.import_dialog)
        self.only_diff = QCheckBox("Only where we differ")
        self.only_diff.setChecked(True)
        self.only_diff.toggled.connect(self._fill_side)
        top = QHBoxLayout()
        top.addWidget(QLabel("Benchmark:"))
        top.addWidget(self.networks, 1)
        for w in (
            self.compare_button,
            self.export_button,
            self.import_button,
            self.only_diff,
            self.show_on_map,
        ):
            top.addWidget(w)
        self.summary = QLabel("Import a competitor's network to compare it with ours.")
        self.summary.setWordWrap(True)

        self.side = self._table(SIDE_COLUMNS)
        self.side.itemSelectionChanged.connect(self._selection_changed)
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
        t = readonly_table(columns)
        t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        return t

    # -- project ---------------------------------------------------------------------------------
    def set_project(self, project) -> None:
        self._generation += 1
        self.project = project
        self._clear_comparison()
        self.reload_networks()

    def _clear_comparison(self) -> None:
        self.cells, self.lacking, self.compared_network = [], [], None
        self.side.setRowCount(0)
        self.lack.setRowCount(0)
        self.lack_label.setText("Their providers we lack")

    def reload_networks(self, select: int | None = None) -> None:
        from blueprint_desktop.engine.benchmark import list_networks

        nets = list_networks(self.project) if self.project is not None else []
        self.networks.blockSignals(True)  # one map update for the whole refill, below
        self.networks.clear()
        for n in nets:
            self.networks.addItem(f"{n.name} ({n.format}, {n.providers} providers)", n.id)
        if select is not None:
            self.networks.setCurrentIndex(max(0, self.networks.findData(select)))
        self.networks.blockSignals(False)
        self.summary.setText(
            "Import a competitor's network to compare it with ours." if not nets else "Press Compare."
        )
        self._update_enabled()
        self._emit_map_network()

    def _network_changed(self, _index: int) -> None:
        # The side by side belongs to the network it was computed for.
        if self.current_network() != self.compared_network:
            self._clear_comparison()
            if self.networks.count():
                self.summary.setText("Press Compare.")
        self._emit_map_network()

    def _emit_map_network(self, *_args) -> None:
        net = self.current_network() if self.show_on_map.isChecked() else None
        name = self.current_name() if net is not None else ""
        self.network_shown.emit(net, name)

    def _update_enabled(self) -> None:
        has = self.networks.count() > 0
        idle = not self.tasks.busy
        writable = self.project is not None and not self.project.read_only
        self.networks.setEnabled(idle)
        self.compare_button.setEnabled(has and idle)
        self.export_button.setEnabled(has and idle)
        self.import_button.setEnabled(writable and idle)
        self.import_action.setEnabled(writable and idle)

    def current_network(self) -> int | None:
        data = self.networks.currentData()
        return int(data) if data is not None else None

    def current_name(self) -> str:
        """The selected network's name as imported (the combo adds its format and size)."""
        from blueprint_desktop.engine.benchmark import list_networks

        net = self.current_network()
        if self.project is None or net is None:
            return ""
        return next((n.name for n in list_networks(self.project) if n.id == net), "")

    # -- actions ---------------------------------------------------------------------------------
    def import_file(
        self,
        path: str | Path,
        fmt: str,
        name: str | None = None,
        network: str | None = None,
        compare_after: bool = False,
    ) -> bool:
        """Start importing a benchmark network in the worker; False (nothing started) while another task
        runs. When it ends the network is selected (``network_imported``) and, with ``compare_after``,
        compared; a refused file is shown in a message box and changes nothing."""
        from blueprint_desktop.gui import operations

        if self.project is None or self.project.read_only:
            return False
        generation = self._generation
        started = self.tasks.run(
            IMPORT_TASK,
            operations.import_benchmark,
            self.project,
            str(path),
            fmt,
            name or None,
            network,
            label=f"Importing benchmark network {Path(path).name}",
            on_done=lambda result: self._imported(result, generation, compare_after),
            on_error=lambda err: self._failed("Benchmark import refused", err, generation),
        )
        if not started:
            self.summary.setText("Busy: try again when the running operation has finished.")
        return started

    def _imported(self, result, generation: int, compare_after: bool) -> None:
        if generation != self._generation:
            return  # the project was closed meanwhile
        self.reload_networks(select=result.network_id)
        self.summary.setText(" ".join(result.lines()))
        self.network_imported.emit(int(result.network_id))
        if compare_after:
            # After the runner's own "finished" (which hides the status-bar progress), not inside it.
            QTimer.singleShot(0, self.run_compare)

    def _failed(self, title: str, err: TaskError, generation: int) -> None:
        from blueprint_desktop.gui.messages import show_task_error

        if generation != self._generation:
            return
        self.last_error = err
        self.summary.setText(err.message)
        show_task_error(self, title, err)

    def import_dialog(self) -> None:
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
        self.import_file(path, FORMAT_CHOICES[label], name.strip() or None, compare_after=True)

    def run_compare(self) -> bool:
        """Start comparing the selected network with ours in the worker; False when nothing started."""
        from blueprint_desktop.gui import operations

        net = self.current_network()
        if self.project is None or net is None:
            return False
        generation = self._generation
        started = self.tasks.run(
            COMPARE_TASK,
            operations.compare_benchmark,
            self.project,
            net,
            label=f"Comparing {self.current_name() or 'the benchmark network'} with ours",
            on_done=lambda outcome: self._compared(outcome, generation),
            on_error=lambda err: self._failed("Comparison failed", err, generation),
        )
        if not started:
            self.summary.setText("Busy: try again when the running operation has finished.")
        return started

    def _compared(self, outcome, generation: int) -> None:
        if generation != self._generation or outcome.network_id != self.current_network():
            return  # computed for a project or a network no longer shown
        self.cells, self.lacking = list(outcome.cells), list(outcome.lacking)
        self.compared_network = outcome.network_id
        if self.cells:

            def n(v: str) -> int:
                return sum(1 for c in self.cells if c.verdict == v)

            self.summary.setText(
                f"{self.networks.currentText()}: they pass where we do not in {n('they pass where we do not')} "
                f"cells, we pass where they do not in {n('we pass where they do not')}; both pass "
                f"{n('both pass')}, neither {n('neither passes')} (same engine, same population points)."
            )
        else:
            self.summary.setText("No county x line to compare: the service area has no scored lines.")
        self._fill_side()
        self._fill_lack()
        self.compared.emit(outcome.network_id)

    def export_dialog(self, path: str | None = None) -> bool:
        """Write the side by side to Excel (``reports.benchmark_xlsx``) in the worker: it scores both
        networks again, which takes as long as Compare."""
        from blueprint_desktop.reports.benchmark_xlsx import write_benchmark_xlsx

        net = self.current_network()
        if self.project is None or net is None:
            return False
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                self, "Export side by side", "benchmark.xlsx", "Excel (*.xlsx)"
            )
        if not path:
            return False
        generation = self._generation
        started = self.tasks.run(
            "export",
            write_benchmark_xlsx,
            self.project,
            net,
            path,
            label=f"Exporting the side by side to {Path(path).name}",
            on_done=lambda out: self._exported(out, generation),
            on_error=lambda err: self._failed("Export failed", err, generation),
        )
        if not started:
            self.summary.setText("Busy: try again when the running operation has finished.")
        return started

    def _exported(self, out, generation: int) -> None:
        from blueprint_desktop.gui.messages import show_info

        if generation == self._generation:
            show_info(self, "Exported", f"Wrote {out}")

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

    def selected_cell(self) -> tuple[str, str] | None:
        sel = self.side.selectionModel().selectedRows() if self.side.selectionModel() else []
        if not sel:
            return None
        county, line = self.side.item(sel[0].row(), 0).data(Qt.ItemDataRole.UserRole)
        return str(county), str(line)

    def _selection_changed(self) -> None:
        self._fill_lack()
        cell = self.selected_cell()
        if cell is not None:
            self.cell_selected.emit(*cell)

    def _fill_lack(self) -> None:
        self.lack.setRowCount(0)
        if self.project is None or self.compared_network is None or not self.cells:
            return
        county = line = None
        cell = self.selected_cell()
        if cell is not None:
            county, line = cell
        # The comparison listed every line; a cell narrows it as engine.benchmark.providers_we_lack's own
        # line and county filters do (the line's rows; practising in the county or nearest a gap of it).
        rows = [
            x
            for x in self.lacking
            if (line is None or x.line_code == line)
            and (county is None or county in (x.county_fips, x.gap_county))
        ]
        where = f" for {line} in {county}" if line else ""
        self.lack_label.setText(
            f"Their providers we lack{where}: {len(rows)} (proven MA-willing recruits, nearest our gap first)"
        )
        self.lack.setRowCount(min(len(rows), 500))
        for i, x in enumerate(rows[:500]):
            miles = "" if x.miles_to_gap is None else f"{x.miles_to_gap:.1f}"
            for j, v in enumerate([x.npi, x.name, x.line_code, x.county_name, miles, x.address]):
                self.lack.setItem(i, j, QTableWidgetItem(v))
