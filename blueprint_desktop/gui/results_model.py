"""The county x line results matrix as a Qt model: one row per county, one column per HSD line.

Each cell is coloured by status from the one shared palette (``blueprint_desktop.status_colors``): Pass
on a light green tint, At Risk and Failing filled with their strong amber and red so the gaps stand out
in a matrix of hundreds of cells. The text is what every GeoAccess report shows, the share of beneficiaries
within the time and distance standard ("59.2%"); the confidence band is a small letter in the cell's
corner (H, M, L) and the tooltip carries the full numbers. Each cell is the newest score of that county x
line from any run (``engine.runs.newest_per_cell``), so a one-cell re-score overlays the full run. Filters hide counties and lines with no cell of the wanted statuses.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionHeader,
    QStyleOptionViewItem,
    QWidget,
)

from blueprint_desktop.rules.standard_words import detail_minutes_text
from blueprint_desktop.status_colors import (
    NO_RESULT_TINT,
    STATUS_COLORS,
    STATUS_TINTS,
    status_text_color,
)
from blueprint_desktop.store.roster_queries import county_label

RESULT_ROLE = Qt.ItemDataRole.UserRole + 10  # the cell's result dict (engine.runs.run_results row)
KEY_ROLE = Qt.ItemDataRole.UserRole + 11  # (county_fips, line_code)
CONFIDENCE_ROLE = Qt.ItemDataRole.UserRole + 12  # the confidence band's letter ("H", "M", "L") or ""

STATUS_FILTERS = {
    "all": ("Pass", "At Risk", "Failing"),
    "gaps": ("At Risk", "Failing"),
    "failing": ("Failing",),
}
PASS_TEXT = "#1b5e20"
DIM_TEXT = "#9aa3ad"


def cell_text(result: dict) -> str:
    """The share of beneficiaries within the standard, as GeoAccess reports print it ("59.2%")."""
    pct = result.get("pct_within")
    if pct is None:
        return "?"
    return "100%" if pct >= 100 else f"{pct:.1f}%"


def confidence_mark(result: dict) -> str:
    """The confidence band's letter for the cell's corner ("H", "M", "L"), "" when not computed."""
    if result.get("confidence") is None:
        return ""
    return (result.get("confidence_band") or "")[:1].upper()


def _num(value: Any, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "beyond the search limit"
    return f"{value:.{digits}f}{unit}"


def cell_tooltip(result: dict, county: str) -> str:
    d = result.get("detail", {})
    lines = [
        f"<b>{county} - {result['line_code']} {result.get('line_name', '')}</b>",
        f"Status: <b>{result['status']}</b>",
        f"Within standard: {result['pct_within']:.1f}% (required {result['required_pct']:g}%)",
        f"90th percentile time: {_num(result.get('p90_minutes'), ' min')} (standard {detail_minutes_text(d)})",
        f"90th percentile distance: {_num(result.get('p90_miles'), ' mi')} (standard {d.get('max_miles', '?')} mi)",
        f"Credited: {result['credited_count']} (minimum {result['min_count']})",
    ]
    if result.get("confidence") is not None:
        lines.append(
            f"Confidence: {result['confidence']:.0f} of 100 ({result.get('confidence_band', '')};"
            " the corner letter)"
        )
    if result.get("run_id") is not None:
        when = (result.get("run_started_at") or "").replace("T", " ")[:16]
        lines.append(f"<i>Scored in run {result['run_id']}" + (f", {when} UTC" if when else "") + "</i>")
    if result.get("estimated_time"):
        lines.append("<i>Drive time estimated from straight-line distance.</i>")
    return "<br>".join(lines)


class ResultsModel(QAbstractTableModel):
    """Counties x lines of one run's results, with status and line filters."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._results: dict[tuple[str, str], dict] = {}
        self._counties: list[str] = []  # all, ordered by name
        self._lines: list[tuple[str, str]] = []  # all (code, name), HSD order
        self._rows: list[str] = []  # visible
        self._cols: list[tuple[str, str]] = []
        self._names: dict[str, str] = {}
        self._statuses = STATUS_FILTERS["all"]
        self._line_text = ""
        self.whatif: dict[tuple[str, str], dict] = {}  # what-if results drawn over the stored ones

    # -- loading ---------------------------------------------------------------------------------
    def set_results(
        self, results: list[dict], counties: list[str], line_order: list[tuple[str, str]]
    ) -> None:
        """Show ``results`` (run_results dicts) for ``counties``; columns follow ``line_order``."""
        self.beginResetModel()
        self._results = {(r["county_fips"], r["line_code"]): r for r in results}
        self._names = {f: county_label(f) for f in counties}
        self._counties = sorted(counties, key=lambda f: self._names[f])
        present = {r["line_code"] for r in results}
        names = {r["line_code"]: r.get("line_name", "") for r in results}
        ordered = [(c, n) for c, n in line_order if c in present]
        known = {c for c, _ in ordered}
        ordered += sorted((c, names[c]) for c in present - known)
        self._lines = ordered
        self.whatif = {}
        self._apply_filters()
        self.endResetModel()

    def set_filters(self, statuses: tuple[str, ...] | str = "all", line_text: str = "") -> None:
        self.beginResetModel()
        self._statuses = STATUS_FILTERS[statuses] if isinstance(statuses, str) else tuple(statuses)
        self._line_text = line_text.strip().lower()
        self._apply_filters()
        self.endResetModel()

    def set_whatif(self, county_fips: str, line_code: str, result: dict | None) -> None:
        """Draw a what-if result over the stored one (None removes it)."""
        key = (county_fips, line_code)
        if result is None:
            self.whatif.pop(key, None)
        else:
            self.whatif[key] = result
        idx = self.index_of(county_fips, line_code)
        if idx.isValid():
            self.dataChanged.emit(idx, idx)

    def set_whatif_all(self, overlay: dict[tuple[str, str], dict]) -> None:
        """Replace every what-if result at once (a portfolio what-if; an empty dict clears them)."""
        old = set(self.whatif)
        self.whatif = {k: v for k, v in overlay.items() if k in self._results}
        for key in old | set(self.whatif):
            idx = self.index_of(*key)
            if idx.isValid():
                self.dataChanged.emit(idx, idx)

    def _apply_filters(self) -> None:
        wanted = set(self._statuses)
        text = self._line_text
        cols = [(c, n) for c, n in self._lines if not text or text in c.lower() or text in (n or "").lower()]
        if wanted != set(STATUS_FILTERS["all"]):
            cols = [
                (c, n)
                for c, n in cols
                if any(self._results.get((f, c), {}).get("status") in wanted for f in self._counties)
            ]
            rows = [
                f
                for f in self._counties
                if any(self._results.get((f, c), {}).get("status") in wanted for c, _ in cols)
            ]
        else:
            rows = list(self._counties)
        self._rows, self._cols = rows, cols

    # -- lookups ---------------------------------------------------------------------------------
    def result(self, county_fips: str, line_code: str) -> dict | None:
        key = (county_fips, line_code)
        return self.whatif.get(key) or self._results.get(key)

    def stored_result(self, county_fips: str, line_code: str) -> dict | None:
        return self._results.get((county_fips, line_code))

    def results(self) -> list[dict]:
        return list(self._results.values())

    def index_of(self, county_fips: str, line_code: str) -> QModelIndex:
        try:
            return self.index(self._rows.index(county_fips), [c for c, _ in self._cols].index(line_code))
        except ValueError:
            return QModelIndex()

    def county_at(self, row: int) -> str:
        return self._rows[row]

    def line_at(self, column: int) -> tuple[str, str]:
        return self._cols[column]

    def visible_lines(self) -> list[str]:
        return [c for c, _ in self._cols]

    def county_name(self, fips: str) -> str:
        return self._names.get(fips, fips)

    def run_ids(self) -> list[int]:
        """The runs the shown cells come from (more than one after a partial re-score)."""
        return sorted({r["run_id"] for r in self._results.values() if r.get("run_id") is not None})

    def counts(self, whatif: bool = False) -> dict[str, int]:
        """Cells per status: stored, or with the what-if results drawn over them (``whatif``)."""
        out = {"Pass": 0, "At Risk": 0, "Failing": 0}
        for key, r in self._results.items():
            shown = self.whatif.get(key, r) if whatif else r
            out[shown["status"]] = out.get(shown["status"], 0) + 1
        return out

    # -- Qt model interface ------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._cols)

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < len(self._cols):
                return None
            code, name = self._cols[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return f"{code} {name}"
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{code} {name}"
            return None
        if not 0 <= section < len(self._rows):
            return None
        fips = self._rows[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._names[fips]
        if role == Qt.ItemDataRole.ToolTipRole:
            designation = next(
                (
                    r.get("detail", {}).get("designation")
                    for (f, _c), r in self._results.items()
                    if f == fips and r.get("detail", {}).get("designation")
                ),
                None,
            )
            return f"{self._names[fips]} (FIPS {fips})" + (f", {designation} county" if designation else "")
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        fips, (code, _name) = self._rows[index.row()], self._cols[index.column()]
        if role == KEY_ROLE:
            return (fips, code)
        result = self.result(fips, code)
        if role == RESULT_ROLE:
            return result
        if role == CONFIDENCE_ROLE:
            return confidence_mark(result) if result is not None else ""
        if result is None:
            if role == Qt.ItemDataRole.DisplayRole:
                return "-"
            if role == Qt.ItemDataRole.BackgroundRole:
                return QColor(NO_RESULT_TINT)
            if role == Qt.ItemDataRole.ForegroundRole:
                return QColor(DIM_TEXT)
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{self._names[fips]}: no result for line {code} (not scored there)"
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(Qt.AlignmentFlag.AlignCenter)
            return None
        status = result["status"]
        shown = status in self._statuses
        whatif = (fips, code) in self.whatif
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(result) + (" *" if whatif else "")
        if role == Qt.ItemDataRole.BackgroundRole:
            if not shown:
                return QColor("#ffffff")
            return QColor(STATUS_TINTS["Pass"] if status == "Pass" else STATUS_COLORS[status])
        if role == Qt.ItemDataRole.ForegroundRole:
            if not shown:
                return QColor(DIM_TEXT)
            return QColor(PASS_TEXT if status == "Pass" else status_text_color(status))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = cell_tooltip(result, self._names[fips])
            if not whatif:
                return tip
            before = self._results.get((fips, code)) or {}
            return tip + (
                "<br><i>* what-if: candidates assumed signed. Stored run: "
                f"{before.get('status', '?')}, {cell_text(before)} within standard.</i>"
            )
        return None


class RotatedHeader(QHeaderView):
    """A horizontal header whose labels run bottom-to-top, so 43 line names fit in narrow columns."""

    def __init__(self, parent: QWidget | None = None, height: int = 150) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self._height = height
        self.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.setSectionsClickable(True)
        self.setHighlightSections(True)

    def sizeHint(self):  # noqa: N802 - Qt override
        hint = super().sizeHint()
        hint.setHeight(self._height)
        return hint

    def paintSection(self, painter: QPainter, rect: QRect, logical_index: int) -> None:  # noqa: N802
        if not rect.isValid():
            return
        opt = QStyleOptionHeader()
        self.initStyleOption(opt)
        opt.rect = rect
        opt.section = logical_index
        opt.text = ""
        selection = self.selectionModel()
        if (
            selection is not None
            and self.highlightSections()
            and any(i.column() == logical_index for i in selection.selectedIndexes())
        ):
            opt.state |= QStyle.StateFlag.State_On
        painter.save()
        self.style().drawControl(QStyle.ControlElement.CE_Header, opt, painter, self)
        text = str(self.model().headerData(logical_index, Qt.Orientation.Horizontal) or "")
        painter.translate(
            rect.x() + rect.width() / 2 + painter.fontMetrics().ascent() / 2 - 2, rect.bottom() - 6
        )
        painter.rotate(-90)
        width = rect.height() - 12
        elided = painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, width)
        if opt.state & QStyle.StateFlag.State_On:
            font = painter.font()
            font.setBold(True)
            painter.setFont(font)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(0, 0, elided)
        painter.restore()


class ResultCellDelegate(QStyledItemDelegate):
    """Paints a cell as a status tile with a 1 px white gutter; the selection is a dark outline.

    The default delegate replaces the background with the selection colour, which would hide the very
    status the user just clicked on; an outline keeps it visible.
    """

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        painter.save()
        rect = option.rect.adjusted(0, 0, -1, -1)
        background = index.data(Qt.ItemDataRole.BackgroundRole)
        painter.fillRect(rect, background if isinstance(background, QColor) else QColor("#ffffff"))
        foreground = index.data(Qt.ItemDataRole.ForegroundRole)
        painter.setPen(foreground if isinstance(foreground, QColor) else QColor("#1f2933"))
        result = index.data(RESULT_ROLE)
        font = option.font
        if result is not None and result.get("status") != "Pass":
            font.setBold(True)
        painter.setFont(font)
        mark = index.data(CONFIDENCE_ROLE)
        # The share sits a little left of centre so the corner letter never touches it.
        painter.drawText(
            rect.adjusted(0, 0, -5 if mark else 0, 0),
            int(Qt.AlignmentFlag.AlignCenter),
            str(index.data(Qt.ItemDataRole.DisplayRole) or ""),
        )
        if mark:
            # The confidence band: a small letter in the top-right corner, in the cell's text colour.
            small = QFont(option.font)
            small.setBold(False)
            small.setPointSizeF(max(small.pointSizeF() * 0.68, 5.5))
            painter.setFont(small)
            pen = painter.pen().color()
            pen.setAlpha(200)
            painter.setPen(pen)
            painter.drawText(
                rect.adjusted(0, 0, -2, 0),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop),
                str(mark),
            )
        if option.state & QStyle.StateFlag.State_Selected:
            painter.setPen(QPen(QColor("#111827"), 2))
            painter.drawRect(rect.adjusted(1, 1, -1, -1))
        painter.restore()
