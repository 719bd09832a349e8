"""The outreach pane: the append-only log, a form to add an entry, and attempts per provider.

The log table shows every entry ever recorded: a superseded entry stays, struck through and greyed, with
the id of the correction that replaced it; the correction names the entry it corrects. Nothing here
edits or deletes an entry (the store refuses it anyway); "Correct selected" pre-fills the form with the
selected entry so the new entry supersedes it. The attempts table counts documented attempts in force
per provider against the four-attempt standard (best practice, not a CMS rule).

"Import log…" reads an existing outreach log (CSV ``at,npi,channel,outcome,staff,reason,note``) with
``outreach.import_log``, the function behind ``blueprint outreach import``; a refused file is named in one
line and nothing is imported.
"""

from __future__ import annotations

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateTimeEdit,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from blueprint_desktop.deficiency import gaps as gapmod
from blueprint_desktop.deficiency import outreach
from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.store.schema_deficiency import OUTREACH_CHANNELS, OUTREACH_OUTCOMES

LOG_COLUMNS = [
    "#",
    "When",
    "NPI",
    "Provider",
    "Channel",
    "Outcome",
    "Staff",
    "Reason / note",
    "Files",
    "Correction",
]
ATTEMPT_COLUMNS = ["NPI", "Provider", "Attempts", "Latest outcome", "Standard"]
SUPERSEDED_COLOR = "#9a9a9a"
MISSING_COLOR = "#d63031"


class OutreachPane(QWidget):
    """Outreach log for a project; ``set_project(project)`` (or None) reloads it."""

    entry_added = Signal(int)  # the new entry's id, so other panes (timeline checks) can refresh

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = None
        self.setObjectName("OutreachPane")
        self._attachments: list[str] = []

        self.log = QTableWidget(0, len(LOG_COLUMNS))
        self.log.setObjectName("outreachLog")
        self.log.setHorizontalHeaderLabels(LOG_COLUMNS)
        self.log.setEditTriggers(QAbstractItemView.NoEditTriggers)  # append-only: cells are never edited
        self.log.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.log.setSelectionMode(QAbstractItemView.SingleSelection)
        self.log.verticalHeader().setVisible(False)
        self.log.setAlternatingRowColors(True)
        self.log.setWordWrap(True)
        self.log.verticalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        header = self.log.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(LOG_COLUMNS.index("Reason / note"), QHeaderView.Stretch)
        header.setSectionResizeMode(LOG_COLUMNS.index("Files"), QHeaderView.Interactive)
        self.log.setColumnWidth(LOG_COLUMNS.index("Files"), 110)

        self.attempts = QTableWidget(0, len(ATTEMPT_COLUMNS))
        self.attempts.setObjectName("attemptCounts")
        self.attempts.setHorizontalHeaderLabels(ATTEMPT_COLUMNS)
        self.attempts.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.attempts.verticalHeader().setVisible(False)
        self.attempts.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.attempts.horizontalHeader().setSectionResizeMode(1, QHeaderView.Stretch)

        # -- add-entry form ---------------------------------------------------------------------------
        # The gap the attempt is for: its providers fill the NPI choices, and a provider it does not
        # concern yet becomes one of its targets (outreach.add_entry(gap_id=...)).
        self.gap = QComboBox()
        self.gap.setObjectName("outreachGap")
        self.gap.currentIndexChanged.connect(lambda _i: self._fill_npi_choices())
        self.npi = QComboBox()
        self.npi.setEditable(True)
        self.npi.setObjectName("npi")
        self.channel = QComboBox()
        self.channel.addItems(OUTREACH_CHANNELS)
        self.outcome = QComboBox()
        self.outcome.addItems(OUTREACH_OUTCOMES)
        self.outcome.currentTextChanged.connect(self._outcome_changed)
        self.staff = QLineEdit()
        self.staff.setPlaceholderText("who made the attempt")
        self.when = QDateTimeEdit(QDateTime.currentDateTime())
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("required when declined (e.g. rates below market, panel closed)")
        self.note = QLineEdit()
        self.supersedes = QLineEdit()
        self.supersedes.setPlaceholderText("id of the entry this corrects (optional)")
        self.attach_label = QLabel("no files")
        attach_btn = QPushButton("Attach...")
        attach_btn.clicked.connect(self._choose_files)
        self.add_button = QPushButton("Add entry")
        self.add_button.setObjectName("addEntry")
        self.add_button.clicked.connect(self._add_clicked)
        correct_btn = QPushButton("Correct selected")
        correct_btn.clicked.connect(self._correct_selected)
        # The one way text in the log changes: a member's PHI typed by mistake (outreach.redact).
        self.redact_button = QPushButton("Redact...")
        self.redact_button.setObjectName("redactEntry")
        self.redact_button.setToolTip(
            "Overwrite a note or reason typed by mistake as [redacted: reason] (audited)"
        )
        self.redact_button.clicked.connect(self._redact_clicked)
        self.error = QLabel()
        self.error.setStyleSheet(f"color: {MISSING_COLOR};")
        self.error.setWordWrap(True)

        form = QFormLayout()
        form.addRow("For cited gap", self.gap)
        form.addRow("Provider NPI", self.npi)
        form.addRow("When", self.when)
        form.addRow("Channel", self.channel)
        form.addRow("Outcome", self.outcome)
        form.addRow("Staff", self.staff)
        form.addRow("Declination reason", self.reason)
        form.addRow("Note", self.note)
        form.addRow("Supersedes entry", self.supersedes)
        files = QHBoxLayout()
        files.addWidget(self.attach_label, 1)
        files.addWidget(attach_btn)
        form.addRow("Attachments", files)
        buttons = QHBoxLayout()
        buttons.addWidget(correct_btn)
        buttons.addWidget(self.redact_button)
        buttons.addStretch(1)
        buttons.addWidget(self.add_button)
        form_box = QGroupBox("Record an attempt (entries are never edited: a correction supersedes)")
        fbl = QVBoxLayout(form_box)
        fbl.addLayout(form)
        fbl.addLayout(buttons)
        fbl.addWidget(self.error)

        attempts_box = QGroupBox(
            f"Attempts per provider vs the {outreach.ATTEMPT_STANDARD}-attempt standard (best practice)"
        )
        abl = QVBoxLayout(attempts_box)
        abl.addWidget(self.attempts)

        lower = QSplitter(Qt.Horizontal)
        lower.addWidget(form_box)
        lower.addWidget(attempts_box)
        lower.setSizes([380, 620])
        split = QSplitter(Qt.Vertical)
        log_box = QGroupBox("Outreach log (append-only)")
        lbl = QVBoxLayout(log_box)
        lbl.addWidget(self.log)
        self.print_button = QPushButton("Print...")
        self.print_button.setObjectName("printOutreachLog")
        self.print_button.setToolTip("Print the outreach log")
        self.print_button.clicked.connect(lambda _c=False: self.print_table())
        self.import_button = QPushButton("Import log…")
        self.import_button.setObjectName("importOutreachLog")
        self.import_button.setToolTip("Import an outreach log CSV (at,npi,channel,outcome,staff,reason,note)")
        self.import_button.clicked.connect(lambda _c=False: self.import_log())
        self.import_message = QLabel()
        self.import_message.setObjectName("importOutreachMessage")
        print_row = QHBoxLayout()
        print_row.addWidget(self.import_button)
        print_row.addWidget(self.import_message, 1)
        print_row.addWidget(self.print_button)
        lbl.addLayout(print_row)
        split.addWidget(log_box)
        split.addWidget(lower)
        split.setSizes([380, 320])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self._outcome_changed(self.outcome.currentText())
        self.set_project(None)

    # -- public API --------------------------------------------------------------------------------
    def print_table(self) -> None:
        """Print preview of the outreach log as shown."""
        from blueprint_desktop.gui.print_table import print_table

        print_table(self.log, self, "Outreach log")

    def import_log(self, path: str | None = None) -> dict | None:
        """Import an outreach log CSV (``outreach.import_log``, as ``blueprint outreach import``): the
        file dialog unless ``path`` is given. Returns the import's summary, or None (cancelled/refused)."""
        if self.project is None:
            return None
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self, "Import an outreach log", "", "Outreach logs (*.csv);;All files (*)"
            )
            if not path:
                return None
        try:
            result = outreach.import_log(self.project, path)
        except BlueprintError as exc:
            self.import_message.setStyleSheet(f"color: {MISSING_COLOR};")
            self.import_message.setText(f"Not imported: {' '.join(str(exc).split())}")
            return None
        self.import_message.setStyleSheet("color: #1e6b34;")
        self.import_message.setText(f"Imported {result['rows']} outreach entries from {result['file']}.")
        self.refresh()
        if self.entries:
            self.entry_added.emit(self.entries[-1]["id"])  # the other panes re-read
        return result

    def set_project(self, project) -> None:
        self.project = project
        writable = (
            project is not None and not project.read_only and "outreach_log" in project.db.table_names()
        )
        self.add_button.setEnabled(writable)
        self.import_button.setEnabled(writable)
        self.redact_button.setEnabled(writable)
        self.import_message.clear()
        self.refresh()

    def refresh(self) -> None:
        self.entries = []
        self.counts = {}
        if self.project is not None and "outreach_log" in self.project.db.table_names():
            self.entries = outreach.list_entries(self.project)
            targets = [
                r[0]
                for r in self.project.conn.execute(
                    "SELECT DISTINCT npi FROM gap_providers WHERE role = 'target'"
                )
            ]
            self.counts = outreach.attempt_counts(
                self.project, sorted({*targets, *(e["npi"] for e in self.entries)})
            )
            self._targets = targets
            self._fill_gap_choices()
            self._fill_npi_choices()
        self._fill_log()
        self._fill_attempts()

    # -- tables ------------------------------------------------------------------------------------
    def _fill_gap_choices(self) -> None:
        current = self.gap.currentData()
        self.gap.blockSignals(True)
        self.gap.clear()
        self.gap.addItem("(no particular gap)", None)
        for g in gapmod.list_gaps(self.project):
            self.gap.addItem(gapmod.gap_label(g), g["id"])
        index = self.gap.findData(current)
        self.gap.setCurrentIndex(max(index, 0))
        self.gap.blockSignals(False)

    def set_gap(self, gap_id: int | None) -> None:
        """Pre-select the gap the next entry is for (the gap pane's selection)."""
        index = self.gap.findData(gap_id)
        if index >= 0:
            self.gap.setCurrentIndex(index)

    def _fill_npi_choices(self) -> None:
        """The selected gap's targets and cure providers, else every target of any gap."""
        if self.project is None:
            return
        current = self.npi.currentText()
        self.npi.clear()
        gap_id = self.gap.currentData()
        if gap_id is not None:
            rows = [r for r in gapmod.gap_providers(self.project, gap_id) if r["role"] != "network"]
            choices = [(r["npi"], f"{r['name']} ({r['role']})") for r in rows]
        else:
            targets = sorted(set(getattr(self, "_targets", [])))
            names = gapmod.provider_names(self.project, targets)
            choices = [(npi, names.get(npi, "")) for npi in targets]
        for npi, name in choices:
            self.npi.addItem(f"{npi}  {name}".strip(), npi)
        self.npi.setEditText(current)

    def _fill_log(self) -> None:
        self.log.setRowCount(len(self.entries))
        # Newest first: a correction sits above the entry it corrects.
        for row, e in enumerate(reversed(self.entries)):
            reason_note = "; ".join(x for x in (e["reason"] and f"reason: {e['reason']}", e["note"]) if x)
            if e["superseded_by"]:
                correction = f"superseded by #{e['superseded_by']}"
            elif e["supersedes"]:
                correction = f"corrects #{e['supersedes']}"
            else:
                correction = ""
            if e["missing"]:
                correction = (correction + "; " if correction else "") + "missing " + ", ".join(e["missing"])
            when = (e["at"] or "").replace("T", " ")[:16]
            n_files = len(e["attachments"])
            files = (
                ""
                if not n_files
                else (e["attachments"][0]["file_name"] if n_files == 1 else f"{n_files} files")
            )
            values = [
                str(e["id"]),
                when or "?",
                e["npi"],
                e["provider_name"],
                e["channel"] or "?",
                e["outcome"] or "?",
                e["staff"] or "?",
                reason_note,
                files,
                correction,
            ]
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.UserRole, e["id"])
                if e["attachments"] and col == LOG_COLUMNS.index("Files"):
                    item.setToolTip(
                        "\n".join(f"{a['file_name']}  sha256 {a['sha256']}" for a in e["attachments"])
                    )
                if not e["in_force"]:
                    font = QFont(item.font())
                    font.setStrikeOut(col != LOG_COLUMNS.index("Correction"))
                    item.setFont(font)
                    item.setForeground(QBrush(QColor(SUPERSEDED_COLOR)))
                elif e["missing"] and (col == LOG_COLUMNS.index("Correction") or value == "?"):
                    item.setForeground(QBrush(QColor(MISSING_COLOR)))
                self.log.setItem(row, col, item)

    def _fill_attempts(self) -> None:
        rows = sorted(self.counts.values(), key=lambda c: (c.meets_standard, c.documented, c.npi))
        self.attempts.setRowCount(len(rows))
        for row, c in enumerate(rows):
            standard = (
                "meets" if c.meets_standard else f"{outreach.ATTEMPT_STANDARD - c.documented} more needed"
            )
            values = [
                c.npi,
                c.name,
                f"{c.documented} / {outreach.ATTEMPT_STANDARD}",
                c.latest_outcome or "",
                standard,
            ]
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if col in (2, 4):
                    item.setForeground(QBrush(QColor("#2e7d32" if c.meets_standard else "#b26a00")))
                self.attempts.setItem(row, col, item)

    # -- form --------------------------------------------------------------------------------------
    def _outcome_changed(self, outcome: str) -> None:
        self.reason.setEnabled(True)
        self.reason.setStyleSheet("" if outcome != "declined" else "QLineEdit { border: 1px solid #b26a00; }")

    def _choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Attach files to the outreach entry")
        self.set_attachments(files)

    def set_attachments(self, files: list[str]) -> None:
        self._attachments = list(files)
        self.attach_label.setText(", ".join(f.rsplit("/", 1)[-1] for f in files) if files else "no files")

    def _correct_selected(self) -> None:
        rows = self.log.selectionModel().selectedRows() if self.log.selectionModel() else []
        if not rows:
            self.error.setText("Select the entry to correct in the log first.")
            return
        entry_id = self.log.item(rows[0].row(), 0).data(Qt.UserRole)
        entry = next(e for e in self.entries if e["id"] == entry_id)
        self.npi.setEditText(entry["npi"])
        if entry["channel"]:
            self.channel.setCurrentText(entry["channel"])
        if entry["outcome"]:
            self.outcome.setCurrentText(entry["outcome"])
        self.staff.setText(entry["staff"] or "")
        self.reason.setText(entry["reason"] or "")
        self.note.setText(entry["note"] or "")
        if entry["at"] and len(entry["at"]) > 10:
            self.when.setDateTime(QDateTime.fromString(entry["at"][:19], "yyyy-MM-ddTHH:mm:ss"))
        self.supersedes.setText(str(entry["id"]))
        self.error.setText(f"Correcting entry #{entry['id']}: change what was wrong, then Add entry.")

    def _redact_clicked(self) -> None:
        """Ask which text and why, confirm, then redact the selected entry."""
        from PySide6.QtWidgets import QInputDialog

        from blueprint_desktop.gui.messages import ask

        rows = self.log.selectionModel().selectedRows() if self.log.selectionModel() else []
        if not rows:
            self.error.setText("Select the entry to redact in the log first.")
            return
        entry = next(e for e in self.entries if e["id"] == self.log.item(rows[0].row(), 0).data(Qt.UserRole))
        fields = [f for f in ("note", "reason") if entry[f] and f not in entry["redacted"]]
        if not fields:
            self.error.setText(f"Entry #{entry['id']} has no note or reason left to redact.")
            return
        field = fields[0]
        if len(fields) > 1:
            field, ok = QInputDialog.getItem(
                self, "Redact", f"Redact which text of entry #{entry['id']}?", fields, 0, False
            )
            if not ok:
                return
        reason, ok = QInputDialog.getText(
            self, "Redact", "Why (shown in its place, e.g. 'member PHI entered by mistake'):"
        )
        if not ok or not reason.strip():
            return
        if not ask(
            self,
            "Redact",
            f"Overwrite the {field} of entry #{entry['id']} with [redacted: {reason.strip()}]?\n\nThe text cannot "
            "be recovered. The redaction is recorded in the log, the audit trail and the evidence chain.",
        ):
            return
        self.redact_entry(entry["id"], field, reason)

    def redact_entry(self, entry_id: int, field: str, reason: str) -> dict | None:
        """Redact one field of an entry (``outreach.redact``); the result, or None with the error shown."""
        try:
            result = outreach.redact(self.project, entry_id, reason, field)
        except BlueprintError as exc:
            self.error.setText(str(exc))
            return None
        self.error.setText(f"Entry #{entry_id}: {field} redacted.")
        self.refresh()
        self.entry_added.emit(entry_id)  # the other panes re-read
        return result

    def _add_clicked(self) -> None:
        try:
            entry = self.add_from_form()
        except BlueprintError as exc:
            self.error.setText(str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - shown to the user, the pane stays usable
            QMessageBox.critical(self, "Outreach entry not recorded", str(exc))
            return
        self.error.setText(f"Entry #{entry['id']} recorded.")

    def add_from_form(self) -> dict:
        """Record the form as a new entry (raises BlueprintError on bad input); clears the form."""
        if self.project is None:
            raise BlueprintError("open a project first")
        text = self.npi.currentText().strip()
        npi = text.split()[0] if text else ""  # choices read "NPI  name"
        supersedes = self.supersedes.text().strip()
        if supersedes and not supersedes.isdigit():
            raise BlueprintError(f"supersedes {supersedes!r} is not an entry id")
        at = self.when.dateTime().toString("yyyy-MM-ddTHH:mm:00")
        entry = outreach.add_entry(
            self.project,
            npi,
            self.channel.currentText(),
            self.outcome.currentText(),
            self.staff.text(),
            at=at,
            reason=self.reason.text(),
            note=self.note.text(),
            supersedes=int(supersedes) if supersedes else None,
            attachments=self._attachments,
            gap_id=self.gap.currentData(),
        )
        self.reason.clear()
        self.note.clear()
        self.supersedes.clear()
        self.set_attachments([])
        self.refresh()
        self.entry_added.emit(entry["id"])
        return entry
