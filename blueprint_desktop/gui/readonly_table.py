"""A read-only table of rows: what the feasibility, benchmark and ECP views each show their results in."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget


def readonly_table(
    headings: list[str], fit_to_contents: bool = True, alternating: bool = False
) -> QTableWidget:
    """Whole rows selected, no editing, no row numbers, the last column stretched; columns sized to their
    contents unless ``fit_to_contents`` is False (wide tables whose user sizes the columns)."""
    t = QTableWidget(0, len(headings))
    t.setHorizontalHeaderLabels(headings)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setAlternatingRowColors(alternating)
    t.verticalHeader().setVisible(False)
    if fit_to_contents:
        t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t
