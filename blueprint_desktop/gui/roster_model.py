"""The roster as a Qt table model over the project file: ids once per filter, rows fetched by page.

Like Anki's browser model, the model holds only the ordered list of provider ids for the current filter
and sort (``store.roster_queries.roster_ids``: one SQL query) and fetches the rows a view paints, a page
of ``PAGE_SIZE`` at a time, into a bounded cache. Opening or filtering 50,000 providers is therefore a
single id query plus one page (bench/bench_gui_roster.py; docs/performance.md "Roster table").

Status columns are editable (a combo, ``StatusDelegate``): ``setData`` writes through
``set_provider_status`` (one transaction plus an audit entry with the old and new values) and emits
``status_changed`` so the window can offer Undo and mark the results stale.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QComboBox, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.store import roster_queries as rq

PAGE_SIZE = 200
MAX_CACHED_PAGES = 64  # 12,800 rows: far more than a screen, bounded for huge rosters

# (key, header) in display order; keys are store.roster_queries.SORT_SQL keys.
COLUMNS = [
    ("npi", "NPI"),
    ("name", "Name"),
    ("lines", "HSD lines"),
    ("address", "Address"),
    ("city", "City"),
    ("county", "County"),
    ("zip", "ZIP"),
    ("contract_status", "Contract"),
    ("credentialing_status", "Credentialing"),
    ("panel_status", "Panel"),
    ("locations", "Locations"),
    ("source", "Source"),
    ("updated_at", "Updated"),
]
KEYS = [k for k, _ in COLUMNS]
EDITABLE = set(rq.STATUS_FIELDS)
RAW_ROLE = Qt.ItemDataRole.UserRole + 1  # the raw value (status code, provider id for column 0)
ID_ROLE = Qt.ItemDataRole.UserRole + 2

# Statuses that keep a provider from counting toward adequacy (engine/credited.py): shown in red so a
# network manager sees at a glance who is on the roster but not credited.
NOT_CREDITED = {
    "contract_status": {"loi", "pending", "terminated", "none"},
    "credentialing_status": {"pending", "none"},
}
WARN_COLOR = QColor("#b3261e")
STATUS_HELP = {
    "contract_status": "Only an executed contract counts toward adequacy (42 CFR 422.116(a)).",
    "credentialing_status": "Active or provisional credentialing counts; provisional-only cells are At Risk.",
    "panel_status": "Panel status feeds the confidence score (open 1, closed 0.5, unknown 0).",
}


class RosterModel(QAbstractTableModel):
    """Providers of the open project, filtered and sorted in SQLite, fetched lazily by page."""

    status_changed = Signal(object)  # store.roster_queries.StatusChange
    edit_failed = Signal(str)  # plain message when a status could not be written
    count_changed = Signal(int)  # rows matching the current filter

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.project = None
        self._ids: list[int] = []
        self._pages: OrderedDict[int, dict[int, rq.RosterRow]] = OrderedDict()
        self._filter = rq.RosterFilter()
        self._sort_key = "name"
        self._descending = False
        self._editable = True
        self.fetches = 0  # page queries made since the last reset (tests and the benchmark read it)

    # -- loading ---------------------------------------------------------------------------------
    def set_project(self, project, flt: rq.RosterFilter | None = None) -> None:
        self.project = project
        if flt is not None:
            self._filter = flt
        self.reload()

    def set_filter(self, flt: rq.RosterFilter) -> None:
        self._filter = flt
        self.reload()

    @property
    def filter(self) -> rq.RosterFilter:
        return self._filter

    def set_editable(self, editable: bool) -> None:
        """Allow status edits (False while a task writes the project, or when it is read-only)."""
        self._editable = editable

    @property
    def editable(self) -> bool:
        return self._editable and self.project is not None and not self.project.read_only

    def reload(self) -> None:
        """Re-query the ids for the current filter and sort; rows are fetched again as they are painted."""
        self.beginResetModel()
        self._pages.clear()
        self.fetches = 0
        if self.project is None:
            self._ids = []
        else:
            self._ids = rq.roster_ids(self.project, self._filter, self._sort_key, self._descending)
        self.endResetModel()
        self.count_changed.emit(len(self._ids))

    def refresh_rows(self, provider_ids: set[int] | None = None) -> None:
        """Drop cached rows (of ``provider_ids``, or all) so they are read again; ids and order stay."""
        if provider_ids is None:
            self._pages.clear()
        else:
            # Drop the whole cached page holding each row, so the next paint reads it again.
            stale = [no for no, page in self._pages.items() if provider_ids & page.keys()]
            for no in stale:
                del self._pages[no]
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(COLUMNS) - 1))

    # -- Qt model interface ------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section][1]
            if role == Qt.ItemDataRole.ToolTipRole:
                key = KEYS[section]
                return STATUS_HELP.get(key, COLUMNS[section][1]) + (
                    " Double-click a cell to change it." if key in EDITABLE else ""
                )
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        key = KEYS[index.column()]
        pid = self._ids[index.row()]
        if role == ID_ROLE:
            return pid
        row = self.row_at(index.row())
        if row is None:
            return "(removed)" if role == Qt.ItemDataRole.DisplayRole and index.column() == 1 else None
        value = row.get(key)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if key == "updated_at":
                return (value or "")[:10]
            return value
        if role == RAW_ROLE:
            return value
        if role == Qt.ItemDataRole.ForegroundRole and value in NOT_CREDITED.get(key, ()):
            return WARN_COLOR
        if role == Qt.ItemDataRole.FontRole and key == "npi":
            font = QFont("monospace")
            font.setStyleHint(QFont.StyleHint.TypeWriter)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and key == "locations":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if key == "address" and row.locations > 1:
                return f"{row.address} (first of {row.locations} practice locations)"
            if key in NOT_CREDITED and value in NOT_CREDITED[key]:
                return f"{value}: this provider does not count toward adequacy. {STATUS_HELP[key]}"
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and KEYS[index.column()] in EDITABLE and self.editable:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(
        self, index: QModelIndex | QPersistentModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole
    ) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or not self.editable:
            return False
        key = KEYS[index.column()]
        if key not in EDITABLE:
            return False
        pid = self._ids[index.row()]
        try:
            change = rq.set_provider_status(self.project, pid, key, str(value))
        except BlueprintError as exc:
            self.edit_failed.emit(str(exc))
            return False
        if change is None:
            return True  # same value: nothing to write
        self.refresh_rows({pid})
        self.status_changed.emit(change)
        return True

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort_key = KEYS[column]
        self._descending = order == Qt.SortOrder.DescendingOrder
        self.layoutAboutToBeChanged.emit()
        if self.project is not None:
            self._ids = rq.roster_ids(self.project, self._filter, self._sort_key, self._descending)
        self._pages.clear()
        self.layoutChanged.emit()

    # -- rows ------------------------------------------------------------------------------------
    def row_at(self, row: int) -> rq.RosterRow | None:
        """The row at a position, fetching its page on first use."""
        page_no = row // PAGE_SIZE
        page = self._pages.get(page_no)
        if page is None:
            page_ids = self._ids[page_no * PAGE_SIZE : (page_no + 1) * PAGE_SIZE]
            page = rq.roster_rows(self.project, page_ids) if self.project is not None else {}
            self.fetches += 1
            self._pages[page_no] = page
            while len(self._pages) > MAX_CACHED_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_no)
        return page.get(self._ids[row])

    def provider_id(self, row: int) -> int:
        return self._ids[row]

    def row_of(self, provider_id: int) -> int:
        """Position of a provider in the current view, or -1 when the filter hides it."""
        try:
            return self._ids.index(provider_id)
        except ValueError:
            return -1


class StatusDelegate(QStyledItemDelegate):
    """A combo of the allowed values for the status columns; the choice commits at once."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: QModelIndex) -> QWidget:  # noqa: N802
        key = KEYS[index.column()]
        if key not in EDITABLE:
            return super().createEditor(parent, option, index)
        combo = QComboBox(parent)
        combo.addItems(list(rq.STATUS_FIELDS[key]))
        combo.activated.connect(lambda _i, c=combo: self._commit(c))
        return combo

    def _commit(self, combo: QComboBox) -> None:
        self.commitData.emit(combo)
        self.closeEditor.emit(combo, QStyledItemDelegate.EndEditHint.NoHint)

    def setEditorData(self, editor: QWidget, index: QModelIndex) -> None:  # noqa: N802
        if isinstance(editor, QComboBox):
            editor.setCurrentText(str(index.data(RAW_ROLE) or ""))
            editor.showPopup()
            return
        super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model, index: QModelIndex) -> None:  # noqa: N802
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)
            return
        super().setModelData(editor, model, index)
