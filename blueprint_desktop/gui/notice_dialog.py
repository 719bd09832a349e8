"""Notice intake dialog: import a CMS deficiency notice from a file, or from text pasted out of HPMS.

Both forms go through ``deficiency.notice.import_notice`` (one transaction; nothing is guessed). The
dialog shows what it matched, each cited cell with our own current score of it beside it
(``engine.runs.newest_cell``), and, row by row, what it could not match and why, so the user can fix the
notice instead of wondering where a gap went.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import QDate, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from blueprint_desktop.deficiency import gaps as gapmod
from blueprint_desktop.deficiency import plan
from blueprint_desktop.deficiency.notice import NoticeImportResult, import_notice
from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.gui.gap_pane import our_status
from blueprint_desktop.status_colors import status_color

FILE_FILTER = "Notices (*.csv *.xlsx *.xlsm *.txt);;All files (*)"
PREVIEW_COLUMNS = ["Cited gap", "Cited as", "Due", "Our status"]


class NoticeDialog(QDialog):
    """Pick a notice file or paste its text, set the response window, import, and read the outcome."""

    notice_imported = Signal(int)  # id of the first notice created, so the timeline can select it

    def __init__(self, project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.result: NoticeImportResult | None = None
        self.setWindowTitle("Import a CMS deficiency notice")
        self.resize(760, 560)

        self.tabs = QTabWidget()
        file_tab = QWidget()
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("CSV or XLSX with state, county, specialty, notice_date; or a .txt")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        hint = QLabel(
            "A table with the columns <i>state, county, specialty, notice_date</i> (county by name, SSA or "
            "FIPS code; specialty by HSD name or code), or the notice text saved as a .txt file."
        )
        hint.setWordWrap(True)
        file_layout = QVBoxLayout(file_tab)
        file_layout.addLayout(row)
        file_layout.addWidget(hint)
        file_layout.addStretch(1)
        self.tabs.addTab(file_tab, "From a file")

        text_tab = QWidget()
        self.text_edit = QPlainTextEdit()
        self.text_edit.setPlaceholderText(
            "Paste the HPMS notice text here: lines naming a county and a specialty, e.g.\n"
            "Walker County, TX\n  Cardiology\n  Neurosurgery"
        )
        text_layout = QVBoxLayout(text_tab)
        text_layout.addWidget(self.text_edit)
        self.tabs.addTab(text_tab, "Paste text")

        self.date_known = QCheckBox("Notice date")
        self.date_known.setToolTip("Leave unticked to read the date from the file or the pasted text")
        self.date_edit = QDateEdit(QDate.currentDate())
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setEnabled(False)
        self.date_known.toggled.connect(self.date_edit.setEnabled)
        self.kind_box = QComboBox()
        self.kind_box.addItems(list(plan.DEFAULT_WINDOWS))
        self.days_box = QSpinBox()
        self.days_box.setRange(1, 365)
        self.days_box.setValue(plan.DEFAULT_WINDOWS["deficiency"])
        self.days_box.setSuffix(" calendar days")
        self.kind_box.currentTextChanged.connect(lambda k: self.days_box.setValue(plan.DEFAULT_WINDOWS[k]))
        date_row = QHBoxLayout()
        date_row.addWidget(self.date_known)
        date_row.addWidget(self.date_edit)
        date_row.addStretch(1)
        form = QFormLayout()
        form.addRow(date_row)
        form.addRow("Notice kind", self.kind_box)
        form.addRow("Response window", self.days_box)

        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        # The cited cells matched, each with our own current score beside it.
        self.preview = QTableWidget(0, len(PREVIEW_COLUMNS))
        self.preview.setObjectName("noticePreview")
        self.preview.setHorizontalHeaderLabels(PREVIEW_COLUMNS)
        self.preview.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.preview.horizontalHeader().setStretchLastSection(True)
        self.preview.verticalHeader().setVisible(False)
        self.preview.setVisible(False)
        self.unmatched = QTableWidget(0, 4)
        self.unmatched.setHorizontalHeaderLabels(["Row", "County", "Specialty", "Why it was not matched"])
        self.unmatched.horizontalHeader().setStretchLastSection(True)
        self.unmatched.verticalHeader().setVisible(False)
        self.unmatched.setVisible(False)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.import_button = self.buttons.addButton("Import", QDialogButtonBox.ButtonRole.ActionRole)
        self.import_button.clicked.connect(self.run_import)
        self.buttons.rejected.connect(self.reject)
        self.buttons.accepted.connect(self.accept)
        if project is None or project.read_only:
            self.import_button.setEnabled(False)
            self.outcome.setText("The project is open read-only: a notice cannot be imported.")

        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(form)
        layout.addWidget(self.outcome)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.unmatched, 1)
        layout.addWidget(self.buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Deficiency notice", "", FILE_FILTER)
        if path:
            self.path_edit.setText(path)

    def run_import(self) -> bool:
        """Import what the active tab holds; show the outcome. Returns True when a notice was stored."""
        notice_date = self.date_edit.date().toString("yyyy-MM-dd") if self.date_known.isChecked() else None
        kind = self.kind_box.currentText()
        try:
            if self.tabs.currentIndex() == 0:
                path = self.path_edit.text().strip()
                if not path:
                    raise BlueprintError("choose a notice file first")
                result = self._import(Path(path), None, notice_date, kind)
            else:
                text = self.text_edit.toPlainText().strip()
                if not text:
                    raise BlueprintError("paste the notice text first")
                # The importer reads files (it hashes them to recognise a re-import), so the pasted text
                # becomes a small file with a name that says where it came from.
                with tempfile.TemporaryDirectory() as tmp:
                    path = Path(tmp) / "pasted-hpms-notice.txt"
                    path.write_text(text + "\n", encoding="utf-8")
                    result = self._import(path, True, notice_date, kind)
        except BlueprintError as exc:
            self.outcome.setText(f"<b>Not imported.</b> {exc}")
            self._show_preview([])
            self._show_unmatched([])
            return False
        self.result = result
        cited = len(result.gaps)
        due = ", ".join(sorted({n["due_date"] for n in result.notices}))
        self.outcome.setText(
            f"<b>Imported {cited} cited gap(s)</b> in {len(result.notices)} notice(s); response due {due}."
            + (f" {result.duplicates} duplicate line(s) skipped." if result.duplicates else "")
            + (f" {len(result.unmatched)} line(s) could not be matched:" if result.unmatched else "")
        )
        self._show_preview(result.gaps)
        self._show_unmatched(result.unmatched)
        self.import_button.setEnabled(False)
        if result.notices:
            self.notice_imported.emit(int(result.notices[0]["id"]))
        return True

    def _import(
        self, path: Path, text: bool | None, notice_date: str | None, kind: str
    ) -> NoticeImportResult:
        days = self.days_box.value()
        return import_notice(
            self.project,
            path,
            text=text,
            notice_date=notice_date,
            window_days=days if days != plan.DEFAULT_WINDOWS[kind] else None,
            window_kind=kind,
        )

    def _show_preview(self, gaps: list[dict]) -> None:
        """The cited cells matched, with our current status of each ("Failing 61.1%", "not scored")."""
        self.preview.setRowCount(len(gaps))
        for i, g in enumerate(gaps):
            ours, tip, scored = our_status(self.project, g["county_fips"], g["line_code"])
            cited = ", ".join(x for x in (g.get("cited_county"), g.get("cited_specialty")) if x)
            values = [gapmod.gap_label(g), cited, str(g.get("due_date") or ""), ours]
            for j, v in enumerate(values):
                item = QTableWidgetItem(v)
                if j == len(values) - 1:
                    item.setToolTip(tip)
                    item.setForeground(QBrush(QColor(status_color(scored))))
                self.preview.setItem(i, j, item)
        self.preview.resizeColumnsToContents()
        self.preview.setVisible(bool(gaps))

    def _show_unmatched(self, rows: list[dict]) -> None:
        self.unmatched.setRowCount(len(rows))
        for i, r in enumerate(rows):
            county = ", ".join(x for x in (str(r.get("county") or ""), str(r.get("state") or "")) if x)
            values = [
                str(r.get("row", "")),
                county,
                str(r.get("specialty") or ""),
                str(r.get("reason") or ""),
            ]
            for j, v in enumerate(values):
                self.unmatched.setItem(i, j, QTableWidgetItem(v))
        self.unmatched.resizeColumnsToContents()
        self.unmatched.setVisible(bool(rows))
