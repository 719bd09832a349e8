"""Print any table of the window: the view's model, as the user sees it, as an HTML table.

``print_table(view, parent, title)`` reads ``view.model()`` (so a proxy's filter and sort, and the
view's hidden columns and column order, are honoured), lays the rows out as an HTML table in a
QTextDocument and shows a print preview (QtPrintSupport) on US Letter, landscape when the table is wide.
``table_to_pdf(model, path, title)`` writes the same document to a PDF without any dialog (tests, headless).
"""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QAbstractItemModel, QMarginsF, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QPageLayout, QPageSize, QTextDocument
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget

# Beyond this many rows a printout is not what anyone wants; say how many were left out.
MAX_PRINT_ROWS = 10_000
# QTextDocument lays out one long table in time that grows faster than its rows: print blocks of this
# many rows, each its own table with the header repeated (about 4x faster for 1,000 rows).
BLOCK_ROWS = 100
# Tables with more columns than this print landscape.
LANDSCAPE_COLUMNS = 6


def _columns(model: QAbstractItemModel, view: QAbstractItemView | None) -> list[int]:
    """Logical columns to print, in the view's visual order, skipping hidden ones."""
    count = model.columnCount()
    if isinstance(view, QTableView):
        header = view.horizontalHeader()
        ordered = sorted(range(count), key=header.visualIndex)
        return [c for c in ordered if not view.isColumnHidden(c)]
    return list(range(count))


def _fetch_all(model: QAbstractItemModel, limit: int) -> None:
    root = QModelIndex()
    while model.rowCount(root) < limit and model.canFetchMore(root):
        model.fetchMore(root)


def _color(value) -> str | None:
    if isinstance(value, QBrush):
        value = value.color()
    if isinstance(value, QColor) and value.isValid():
        return value.name()
    return None


def table_html(
    model: QAbstractItemModel,
    title: str,
    view: QAbstractItemView | None = None,
    max_rows: int = MAX_PRINT_ROWS,
) -> tuple[str, int]:
    """The HTML of the table and how many columns it has."""
    _fetch_all(model, max_rows)
    cols = _columns(model, view)
    total = model.rowCount()
    shown = min(total, max_rows)
    display = Qt.ItemDataRole.DisplayRole
    head = "".join(
        f"<th>{html.escape(str(model.headerData(c, Qt.Orientation.Horizontal, display) or ''))}</th>"
        for c in cols
    )
    body = []
    for r in range(shown):
        cells = []
        for c in cols:
            index = model.index(r, c)
            value = model.data(index, display)
            text = "" if value is None else html.escape(str(value))
            style = []
            bg = _color(model.data(index, Qt.ItemDataRole.BackgroundRole))
            fg = _color(model.data(index, Qt.ItemDataRole.ForegroundRole))
            if bg:
                style.append(f"background-color:{bg}")
            if fg:
                style.append(f"color:{fg}")
            attr = f' style="{";".join(style)}"' if style else ""
            cells.append(f"<td{attr}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M")
    note = f"{total:,} rows" if shown == total else f"first {shown:,} of {total:,} rows"
    doc = (
        "<html><head><style>"
        "body { font-family: sans-serif; font-size: 7pt; }"
        "h2 { font-size: 12pt; margin: 0; }"
        "p.meta { color: #52606d; font-size: 7pt; }"
        "th { background-color: #e4e7eb; font-weight: bold; text-align: left; }"
        "td, th { padding: 2px 4px; }"
        "</style></head><body>"
        f"<h2>{html.escape(title)}</h2><p class='meta'>{note}; printed {stamp} by Blueprint Desktop</p>"
        + "".join(
            '<table border="1" cellspacing="0" cellpadding="2" width="100%" style="border-collapse:collapse">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body[i : i + BLOCK_ROWS])}</tbody></table>"
            for i in range(0, max(1, len(body)), BLOCK_ROWS)
        )
        + "</body></html>"
    )
    return doc, len(cols)


def _document(model, title, view=None, max_rows=MAX_PRINT_ROWS) -> tuple[QTextDocument, bool]:
    text, ncols = table_html(model, title, view, max_rows)
    document = QTextDocument()
    document.setHtml(text)
    return document, ncols > LANDSCAPE_COLUMNS


def _set_up(printer, landscape: bool) -> None:
    layout = QPageLayout(
        QPageSize(QPageSize.PageSizeId.Letter),
        QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait,
        QMarginsF(12, 12, 12, 12),
        QPageLayout.Unit.Millimeter,
    )
    printer.setPageLayout(layout)


def _fit(document: QTextDocument, printer) -> None:
    """Lay the document out on the printer's page in points, so width=100% fills the paper."""
    from PySide6.QtCore import QSizeF
    from PySide6.QtPrintSupport import QPrinter

    rect = printer.pageRect(QPrinter.Unit.Point)
    document.setPageSize(QSizeF(rect.width(), rect.height()))


def table_to_pdf(
    model: QAbstractItemModel,
    path: str | Path,
    title: str,
    view: QAbstractItemView | None = None,
    max_rows: int = MAX_PRINT_ROWS,
) -> Path:
    """Write the table to a PDF (US Letter; landscape when wide) without a dialog; returns the path."""
    from PySide6.QtPrintSupport import QPrinter

    path = Path(path)
    document, landscape = _document(model, title, view, max_rows)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setDocName(title)
    _set_up(printer, landscape)
    _fit(document, printer)
    document.print_(printer)
    return path


def print_table(view: QAbstractItemView, parent: QWidget | None, title: str) -> None:
    """Show a print preview of the view's table (its model as filtered and sorted on screen)."""
    from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog

    model = view.model()
    if model is None:
        return
    document, landscape = _document(model, title, view)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    _set_up(printer, landscape)
    _fit(document, printer)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle(f"Print: {title}")
    dialog.paintRequested.connect(document.print_)
    dialog.exec()
