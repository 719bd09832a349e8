"""gui/print_table.py: any table of the window prints as the user sees it (header + rows, filter, sort)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6.QtPrintSupport")
pypdf = pytest.importorskip("pypdf")

from gui_support import demo_copy  # noqa: E402

from blueprint_desktop.gui.print_table import table_html, table_to_pdf  # noqa: E402


def _pdf_text(path) -> str:
    reader = pypdf.PdfReader(str(path))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return " ".join(text.split()), reader


@pytest.fixture
def roster_pane(qtbot, tmp_path):
    from blueprint_desktop.gui.roster_pane import RosterPane
    from blueprint_desktop.store import open_project

    project = open_project(demo_copy(tmp_path), read_only=True)
    pane = RosterPane()
    qtbot.addWidget(pane)
    pane.set_project(project)
    yield pane
    pane.set_project(None)
    project.close()


def test_roster_prints_to_pdf_with_header_and_a_known_provider(roster_pane, tmp_path):
    from PySide6.QtCore import Qt

    from blueprint_desktop.gui.roster_model import KEYS

    model = roster_pane.table.model()
    assert model.rowCount() > 0
    col = KEYS.index("name")
    header = str(model.headerData(col, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole))
    name = str(model.data(model.index(0, col)))  # the first provider as sorted on screen
    # 300 rows keeps the test quick; the whole demo roster prints in a few seconds.
    out = table_to_pdf(model, tmp_path / "roster.pdf", "Roster", view=roster_pane.table, max_rows=300)
    assert out.stat().st_size > 1000
    text, reader = _pdf_text(out)
    assert "Roster" in text
    assert " ".join(header.split()) in text
    assert name.split(",")[0] in text
    # US Letter, landscape (the roster is wide): 792 x 612 points.
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (792, 612)


def test_the_print_follows_the_filter(roster_pane):
    from blueprint_desktop.gui.roster_model import KEYS

    model = roster_pane.model
    all_rows = model.rowCount()
    name_col = KEYS.index("name")
    someone = str(model.data(model.index(0, name_col)))
    roster_pane.search.setText(someone)
    roster_pane.apply_filter()
    assert 0 < model.rowCount() < all_rows
    text, _ = table_html(model, "Roster", roster_pane.table)
    assert someone.replace("&", "&amp;") in text
    assert f"{model.rowCount():,} rows" in text
    blocks = -(-model.rowCount() // 100)
    assert text.count("<tr>") == model.rowCount() + blocks


def test_row_cap_is_said(roster_pane):
    text, _ = table_html(roster_pane.model, "Roster", roster_pane.table, max_rows=5)
    assert text.count("<tr>") == 6
    assert "first 5 of" in text


def test_outreach_log_prints(qtbot, tmp_path):
    from PySide6.QtWidgets import QTableWidgetItem

    from blueprint_desktop.gui.outreach_pane import OutreachPane

    pane = OutreachPane()
    qtbot.addWidget(pane)
    pane.log.setRowCount(1)
    for c in range(pane.log.columnCount()):
        pane.log.setItem(0, c, QTableWidgetItem(f"cell-{c}"))
    out = table_to_pdf(pane.log.model(), tmp_path / "log.pdf", "Outreach log", view=pane.log)
    text, _ = _pdf_text(out)
    assert "Outreach log" in text and "cell-0" in text
    head = pane.log.horizontalHeaderItem(0).text()
    assert head in text
    assert pane.print_button.text().startswith("Print")


def test_file_print_is_wired_and_enabled_with_a_project(qtbot, tmp_path, monkeypatch) -> None:
    """File > Print table (Ctrl+P) prints the focused pane's table; with no pane in focus, the matrix."""
    from gui_support import make_window

    from blueprint_desktop.gui import print_table as pt

    printed = []
    monkeypatch.setattr(pt, "print_table", lambda view, parent, title: printed.append(title))
    window = make_window(qtbot, tmp_path)
    assert window.act_print.isEnabled() and window.act_print.shortcut().toString() == "Ctrl+P"
    window.act_print.trigger()
    assert printed == ["Results matrix"]
