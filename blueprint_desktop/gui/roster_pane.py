"""The roster pane: filter the network (text, HSD line, county, contract status) and edit statuses.

The table is a ``RosterModel`` (ids per filter, rows by page); typing in the search box re-queries after
a short pause rather than on every key. Contract, credentialing and panel status are edited in place
with a combo; each edit is one audited transaction, and the pane re-emits ``status_changed`` so the
window can offer Undo and mark the results stale. Setting a market (NPPES) candidate to contract
executed and credentialing active signs it: a network row is created for its NPI (see
``store.roster_queries``), which counts at the next score.

"Undo last import" restores the roster as it was before the last roster import not undone yet
(``data.roster_undo``: a new audited batch, history kept), after a confirmation naming the batch; the
pane re-emits ``import_undone`` so the window can mark the results stale.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from blueprint_desktop.gui.roster_model import COLUMNS, KEYS, RosterModel, StatusDelegate
from blueprint_desktop.store import roster_queries as rq

SEARCH_DELAY_MS = 250
COLUMN_WIDTHS = {
    "npi": 96,
    "name": 200,
    "lines": 90,
    "address": 190,
    "city": 110,
    "county": 130,
    "zip": 56,
    "contract_status": 92,
    "credentialing_status": 104,
    "panel_status": 72,
    "locations": 72,
    "source": 66,
    "updated_at": 84,
}


class RosterPane(QWidget):
    """Roster of the open project; ``set_project(project)`` (or None) reloads it."""

    status_changed = Signal(object)  # StatusChange
    edit_failed = Signal(str)
    import_undone = Signal(object)  # data.roster_undo.RosterUndoResult

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RosterPane")
        self.project = None
        self.model = RosterModel(self)
        self.model.status_changed.connect(self.status_changed)
        self.model.edit_failed.connect(self.edit_failed)
        self.model.count_changed.connect(self._show_count)

        self.search = QLineEdit()
        self.search.setObjectName("rosterSearch")
        self.search.setPlaceholderText("Search NPI, name, address, city or ZIP")
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self.apply_filter)

        self.scope = QComboBox()
        self.scope.addItem("Network (contracted roster)", "network")
        self.scope.addItem("Market (NPPES candidates)", "market")
        self.scope.addItem("All providers", "all")
        self.line = QComboBox()
        self.county = QComboBox()
        self.contract = QComboBox()
        self.contract.addItem("Any contract status", "")
        for value in rq.STATUS_FIELDS["contract_status"]:
            self.contract.addItem(value, value)
        for combo in (self.scope, self.line, self.county, self.contract):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.count_label = QLabel()
        self.count_label.setObjectName("rosterCount")

        bar = QHBoxLayout()
        bar.setSpacing(6)
        bar.addWidget(self.search, 3)
        bar.addWidget(self.scope, 1)
        bar.addWidget(self.line, 1)
        bar.addWidget(self.county, 1)
        bar.addWidget(self.contract, 1)

        self.table = QTableView()
        self.table.setObjectName("rosterTable")
        self.table.setModel(self.model)
        self.table.setItemDelegate(StatusDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.SelectedClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(KEYS.index("name"), Qt.SortOrder.AscendingOrder)
        self.table.verticalHeader().setVisible(False)
        # Fixed row height: the view never measures 50,000 rows to lay them out.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setHighlightSections(False)
        for i, (key, _title) in enumerate(COLUMNS):
            self.table.setColumnWidth(i, COLUMN_WIDTHS.get(key, 100))
        header.setStretchLastSection(True)

        hint = QLabel("Double-click a Contract, Credentialing or Panel cell to change it; Ctrl+Z undoes.")
        hint.setObjectName("rosterHint")
        hint.setStyleSheet("color: #52606d;")
        self.undo_import = QPushButton("Undo last import")
        self.undo_import.setObjectName("undoLastImport")
        self.undo_import.clicked.connect(lambda _c=False: self.undo_last_import())
        self.print_button = QPushButton("Print...")
        self.print_button.setObjectName("printRoster")
        self.print_button.setToolTip("Print the roster as filtered and sorted here")
        self.print_button.clicked.connect(lambda _c=False: self.print_table())
        self._editable = True
        foot = QHBoxLayout()
        foot.addWidget(self.count_label)
        foot.addStretch(1)
        foot.addWidget(hint)
        foot.addWidget(self.print_button)
        foot.addWidget(self.undo_import)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addLayout(foot)
        self.set_project(None)

    # -- public API --------------------------------------------------------------------------------
    def set_project(self, project) -> None:
        self.project = project
        self._fill_choices()
        self._editable = True
        self.model.set_editable(True)
        self.model.set_project(project, self.current_filter())
        self._update_undo()

    def print_table(self) -> None:
        """Print preview of the roster table as shown (filter, sort and column order)."""
        from blueprint_desktop.gui.print_table import print_table

        print_table(self.table, self, "Roster")

    def set_editable(self, editable: bool) -> None:
        self._editable = editable
        self.model.set_editable(editable)
        self._update_undo()

    def current_filter(self) -> rq.RosterFilter:
        return rq.RosterFilter(
            text=self.search.text().strip(),
            line_code=self.line.currentData() or "",
            county_fips=self.county.currentData() or "",
            contract_status=self.contract.currentData() or "",
            scope=self.scope.currentData() or "network",
        )

    def apply_filter(self) -> None:
        self._search_timer.stop()
        flt = self.current_filter()
        if flt != self.model.filter:
            self.model.set_filter(flt)

    def refresh(self) -> None:
        """Re-read the roster (after an import, an undo or a re-score)."""
        self.model.reload()
        self._update_undo()

    def last_import(self) -> dict | None:
        """The roster import "Undo last import" would undo, or None."""
        if self.project is None:
            return None
        from blueprint_desktop.data.roster_undo import last_undoable_batch

        return last_undoable_batch(self.project)

    def confirm_undo(self, text: str) -> bool:
        """Ask before undoing (tests replace this)."""
        answer = QMessageBox.question(
            self, "Undo last import", text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
        )
        return answer == QMessageBox.StandardButton.Yes

    def undo_last_import(self):
        """Restore the roster as it was before the last import (after a confirmation); the result or None."""
        batch = self.last_import()
        if batch is None or not self.undo_import.isEnabled():
            return None
        c = batch.get("counts") or {}
        text = (
            f"Restore the roster as it was before batch #{batch['id']} ({batch['file_name']}, "
            f"{(batch.get('imported_at') or '')[:16]})? It added {c.get('added', 0):,}, dropped "
            f"{c.get('dropped', 0):,} and changed {c.get('changed', 0):,} providers; the undo is recorded as "
            "a new batch and can itself be undone."
        )
        if not self.confirm_undo(text):
            return None
        from blueprint_desktop.data.roster_undo import undo_roster_import
        from blueprint_desktop.errors import BlueprintError

        try:
            result = undo_roster_import(self.project, batch["id"])
        except BlueprintError as exc:
            self.edit_failed.emit(str(exc))
            return None
        self.refresh()
        self.import_undone.emit(result)
        return result

    # -- internals -------------------------------------------------------------------------------
    def _fill_choices(self) -> None:
        for combo in (self.line, self.county):
            combo.blockSignals(True)
            combo.clear()
        self.line.addItem("All HSD lines", "")
        self.county.addItem("All counties", "")
        if self.project is not None:
            from blueprint_desktop.rules.standards import all_lines

            try:
                lines = all_lines(self.project.lob, self.project)
            except Exception:  # noqa: BLE001 - no rule set for this LOB yet: filter by code only
                lines = []
            for line in lines:
                self.line.addItem(f"{line.code} {line.name}", line.code)
            for fips in self.project.service_area():
                self.county.addItem(rq.county_label(fips), fips)
        for combo in (self.line, self.county):
            combo.blockSignals(False)

    def _update_undo(self) -> None:
        batch = None
        writable = self.project is not None and not getattr(self.project, "read_only", False)
        if writable and self._editable:
            try:
                batch = self.last_import()
            except Exception:  # noqa: BLE001 - a project without roster batches yet: nothing to undo
                batch = None
        self.undo_import.setEnabled(batch is not None)
        self.undo_import.setToolTip(
            f"Restore the roster as it was before batch #{batch['id']} ({batch['file_name']})"
            if batch
            else "No roster import to undo"
        )

    def _show_count(self, n: int) -> None:
        self.count_label.setText(f"{n:,} provider{'s' if n != 1 else ''}")
