"""The gap pane: the deficiency response per cited gap, everything the command line does, in the window.

Left, the notice's cited gaps with our own current score of each county x line beside it
(``engine.runs.newest_cell``). Right, for the selected gap:

* **Pathway**: choose or change cure / exception request / service area reduction
  (``pathways.choose_pathway``) and read its checklist (``pathways.checklist``): items proven by the data
  fill themselves; manual items are ticked here (``pathways.set_item``).
* **Providers**: the providers the gap concerns (cure, target, network); designate one by name from a
  searchable list of the roster and the gap's recruitment candidates (``gaps.provider_choices``,
  ``gaps.designate``) or withdraw a designation (``gaps.undesignate``).
* **Narrative** (exception requests): the narrative in force (``reports.narrative.current``), edited in
  place and saved as a new version (``narrative.save``; the history is append-only).
* **Plan phases**: the notice's milestones; select several and mark them done with an owner and a date
  in one action (``plan.mark_done``).

Under the list, the selected gap's notice: change its response window (days / calendar or business;
``plan.set_window``, ``blueprint notice window``) and record its submission to CMS with a date
(``notice.mark_submitted``, ``blueprint notice submitted``).

"Re-score cited gaps" runs ``cure.rescore_gaps`` (``blueprint cure --rescore``) in the window's worker.
Every number and rule comes from ``blueprint_desktop.deficiency``; this pane only shows and forwards.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from blueprint_desktop.deficiency import gaps as gapmod
from blueprint_desktop.deficiency import pathways, plan
from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.status_colors import status_color

GAP_COLUMNS = ["Gap", "Pathway", "Our status", "Due"]
PROVIDER_COLUMNS = ["NPI", "Provider", "Role", "Set by", "Why"]
PHASE_COLUMNS = ["Gap", "Phase", "Start", "Due", "Owner", "Done"]
OK_COLOR, MISSING_COLOR = "#2e7d32", "#b26a00"


def our_status(project, county_fips: str, line_code: str) -> tuple[str, str, str | None]:
    """Our current score of one cited cell (``engine.runs.newest_cell``): text, tooltip and status,
    e.g. ("Failing 61.1%", "run 3 (2027-02-20)", "Failing"), or ("not scored", why, None)."""
    from blueprint_desktop.engine.runs import newest_cell

    cell = newest_cell(project, county_fips, line_code) if project is not None else None
    if not cell:
        return "not scored", "no scoring run has scored this county x line yet", None
    pct = "" if cell["pct_within"] is None else f" {cell['pct_within']:.1f}%"
    tip = f"run {cell['run_id']} ({str(cell.get('run_started_at') or '')[:10]})"
    return f"{cell['status']}{pct}", tip, cell["status"]


def _item(text: str, data=None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if data is not None:
        item.setData(Qt.UserRole, data)
    return item


class GapPane(QWidget):
    """Cited gaps and their response; ``set_project(project)`` (or None) reloads it."""

    changed = Signal(str)  # something was written (the message says what): other panes re-read

    def __init__(self, tasks=None, parent: QWidget | None = None, today: date | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("GapPane")
        self.project = None
        self.tasks = tasks  # the window's TaskRunner (re-scoring); None: the button is hidden
        self._today = today
        self._editable = True
        self._filling = False

        # -- the gap list ----------------------------------------------------------------------------
        self.gap_table = QTableWidget(0, len(GAP_COLUMNS))
        self.gap_table.setObjectName("gapTable")
        self.gap_table.setHorizontalHeaderLabels(GAP_COLUMNS)
        self.gap_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.gap_table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.gap_table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.gap_table.verticalHeader().setVisible(False)
        self.gap_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.gap_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        self.gap_table.setWordWrap(False)
        self.gap_table.itemSelectionChanged.connect(self._gap_selected)
        self.rescore_button = QPushButton("Re-score cited gaps")
        self.rescore_button.setToolTip("Re-score each cited county x line and record the cure state")
        self.rescore_button.clicked.connect(self.rescore)
        self.rescore_button.setVisible(tasks is not None)
        # -- the selected gap's notice: response window and submission -----------------------------
        self.notice_label = QLabel()
        self.notice_label.setObjectName("noticeLabel")
        self.notice_label.setWordWrap(True)
        self.window_days = QSpinBox()
        self.window_days.setObjectName("windowDays")
        self.window_days.setRange(1, 365)
        self.window_unit = QComboBox()
        self.window_unit.setObjectName("windowUnit")
        self.window_unit.addItem("calendar days", "calendar")
        self.window_unit.addItem("business days", "business")
        self.set_window_button = QPushButton("Set window")
        self.set_window_button.setObjectName("setWindow")
        self.set_window_button.setToolTip("Change the notice's response window (per your notice)")
        self.set_window_button.clicked.connect(self._set_window_clicked)
        self.submitted_date = QDateEdit(QDate.currentDate())
        self.submitted_date.setObjectName("submittedDate")
        self.submitted_date.setCalendarPopup(True)
        self.submitted_date.setDisplayFormat("yyyy-MM-dd")
        self.submit_button = QPushButton("Mark submitted")
        self.submit_button.setObjectName("markSubmitted")
        self.submit_button.setToolTip("Record that the response to this notice went to CMS on the date")
        self.submit_button.clicked.connect(self._submit_clicked)
        notice_box = QGroupBox("The selected gap's notice")
        nbl = QVBoxLayout(notice_box)
        nbl.addWidget(self.notice_label)
        wrow = QHBoxLayout()
        wrow.addWidget(QLabel("Response window"))
        wrow.addWidget(self.window_days)
        wrow.addWidget(self.window_unit)
        wrow.addStretch(1)
        wrow.addWidget(self.set_window_button)
        nbl.addLayout(wrow)
        srow = QHBoxLayout()
        srow.addWidget(QLabel("Submitted to CMS on"))
        srow.addWidget(self.submitted_date)
        srow.addStretch(1)
        srow.addWidget(self.submit_button)
        nbl.addLayout(srow)

        left = QGroupBox("Cited gaps (our current score of each)")
        ll = QVBoxLayout(left)
        ll.addWidget(self.gap_table)
        ll.addWidget(self.rescore_button, 0, Qt.AlignRight)
        ll.addWidget(notice_box)

        # -- pathway and checklist -------------------------------------------------------------------
        self.pathway_box = QComboBox()
        self.pathway_box.setObjectName("pathwayBox")
        for key, name in pathways.PATHWAY_NAMES.items():
            self.pathway_box.addItem(name, key)
        self.pathway_box.currentIndexChanged.connect(self._pathway_box_changed)
        self.exception_box = QComboBox()
        # Long choices must not widen the dock: the combo elides them (the full text is the tooltip).
        self.exception_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.exception_box.setMinimumContentsLength(24)
        for key, (text, _basis) in pathways.EXCEPTION_TYPES.items():
            self.exception_box.addItem(f"{key}: {text}", key)
            self.exception_box.setItemData(self.exception_box.count() - 1, text, Qt.ToolTipRole)
        self.apply_pathway = QPushButton("Choose pathway")
        self.apply_pathway.setObjectName("choosePathway")
        self.apply_pathway.clicked.connect(self._choose_clicked)
        self.pathway_label = QLabel()
        self.pathway_label.setWordWrap(True)
        self.checklist = QListWidget()
        self.checklist.setObjectName("checklist")
        self.checklist.setWordWrap(True)
        self.checklist.itemChanged.connect(self._checklist_item_changed)
        pathway_tab = QWidget()
        pf = QFormLayout()
        pf.addRow("Pathway", self.pathway_box)
        pf.addRow("Exception type", self.exception_box)
        pl = QVBoxLayout(pathway_tab)
        pl.addLayout(pf)
        row = QHBoxLayout()
        row.addWidget(self.pathway_label, 1)
        row.addWidget(self.apply_pathway)
        pl.addLayout(row)
        pl.addWidget(QLabel("Checklist (ticked by the data, or by you where a person confirms):"))
        pl.addWidget(self.checklist, 1)

        # -- providers -------------------------------------------------------------------------------
        self.provider_table = QTableWidget(0, len(PROVIDER_COLUMNS))
        self.provider_table.setObjectName("gapProviders")
        self.provider_table.setHorizontalHeaderLabels(PROVIDER_COLUMNS)
        self.provider_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.provider_table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.provider_table.verticalHeader().setVisible(False)
        self.provider_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.provider_table.horizontalHeader().setSectionResizeMode(4, QHeaderView.Stretch)
        self.remove_button = QPushButton("Remove designation")
        self.remove_button.clicked.connect(self._remove_clicked)
        self.search = QLineEdit()
        self.search.setObjectName("providerSearch")
        self.search.setPlaceholderText("search the roster and the recruitment candidates by name or NPI")
        self.search.textChanged.connect(lambda _t: self._fill_choices())
        self.choices = QListWidget()
        self.choices.setObjectName("providerChoices")
        self.role_box = QComboBox()
        self.role_box.addItem("cure (the cure rests on it)", "cure")
        self.role_box.addItem("target (being recruited)", "target")
        self.add_provider_button = QPushButton("Add to the gap")
        self.add_provider_button.setObjectName("addProvider")
        self.add_provider_button.clicked.connect(self._add_provider_clicked)
        providers_tab = QWidget()
        vl = QVBoxLayout(providers_tab)
        vl.addWidget(self.provider_table, 1)
        vl.addWidget(self.remove_button, 0, Qt.AlignRight)
        add_box = QGroupBox("Add a provider by name")
        al = QVBoxLayout(add_box)
        al.addWidget(self.search)
        al.addWidget(self.choices, 1)
        arow = QHBoxLayout()
        arow.addWidget(QLabel("as"))
        arow.addWidget(self.role_box, 1)
        arow.addWidget(self.add_provider_button)
        al.addLayout(arow)
        vl.addWidget(add_box, 1)

        # -- narrative -------------------------------------------------------------------------------
        self.narrative_label = QLabel()
        self.narrative_label.setWordWrap(True)
        self.narrative_edit = QPlainTextEdit()
        self.narrative_edit.setObjectName("narrativeEdit")
        self.save_narrative_button = QPushButton("Save as a new version")
        self.save_narrative_button.setObjectName("saveNarrative")
        self.save_narrative_button.clicked.connect(self._save_narrative_clicked)
        self.draft_button = QPushButton("Start again from the draft")
        self.draft_button.setToolTip("Put the draft generated from the data in the editor (not saved)")
        self.draft_button.clicked.connect(self._draft_clicked)
        narrative_tab = QWidget()
        nl = QVBoxLayout(narrative_tab)
        nl.addWidget(self.narrative_label)
        nl.addWidget(self.narrative_edit, 1)
        nrow = QHBoxLayout()
        nrow.addWidget(self.draft_button)
        nrow.addStretch(1)
        nrow.addWidget(self.save_narrative_button)
        nl.addLayout(nrow)

        # -- plan phases -----------------------------------------------------------------------------
        self.phase_table = QTableWidget(0, len(PHASE_COLUMNS))
        self.phase_table.setObjectName("phaseTable")
        self.phase_table.setHorizontalHeaderLabels(PHASE_COLUMNS)
        self.phase_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.phase_table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.phase_table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.phase_table.verticalHeader().setVisible(False)
        self.phase_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.phase_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        self.owner = QLineEdit()
        self.owner.setObjectName("phaseOwner")
        self.owner.setPlaceholderText("owner (leave empty to keep each phase's owner)")
        self.done_date = QDateEdit(QDate.currentDate())
        self.done_date.setCalendarPopup(True)
        self.done_date.setDisplayFormat("yyyy-MM-dd")
        self.mark_done_button = QPushButton("Mark done")
        self.mark_done_button.setObjectName("markDone")
        self.mark_done_button.clicked.connect(lambda: self._mark_clicked(False))
        self.mark_undone_button = QPushButton("Mark not done")
        self.mark_undone_button.clicked.connect(lambda: self._mark_clicked(True))
        phases_tab = QWidget()
        hl = QVBoxLayout(phases_tab)
        hl.addWidget(QLabel("Select one or more phases (Ctrl/Shift-click, or click bars on the timeline):"))
        hl.addWidget(self.phase_table, 1)
        hrow = QHBoxLayout()
        hrow.addWidget(self.owner, 2)
        hrow.addWidget(QLabel("on"))
        hrow.addWidget(self.done_date)
        hrow.addWidget(self.mark_undone_button)
        hrow.addWidget(self.mark_done_button)
        hl.addLayout(hrow)

        self.tabs = QTabWidget()
        self.tabs.addTab(pathway_tab, "Pathway && checklist")
        self.tabs.addTab(providers_tab, "Providers")
        self.tabs.addTab(narrative_tab, "Narrative")
        self.tabs.addTab(phases_tab, "Plan phases")
        self.gap_title = QLabel()
        self.gap_title.setStyleSheet("font-weight: bold;")
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.gap_title)
        rl.addWidget(self.tabs, 1)

        split = QSplitter(Qt.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        left.setMinimumWidth(450)  # the gap labels and our status stay readable
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([460, 640])
        self.message = QLabel()
        self.message.setObjectName("gapMessage")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addWidget(self.message)
        self.gaps: list[dict] = []
        self.gap: dict | None = None
        self.notice: dict | None = None
        self.set_project(None)

    # -- public API --------------------------------------------------------------------------------
    def today(self) -> date:
        return self._today or date.today()

    def set_project(self, project) -> None:
        self.project = project
        t = self.today()
        self.done_date.setDate(QDate(t.year, t.month, t.day))
        self.submitted_date.setDate(QDate(t.year, t.month, t.day))
        self.refresh()

    def set_editable(self, editable: bool) -> None:
        """Off while the window's worker writes, and on a read-only project."""
        self._editable = editable
        self._update_enabled()

    def gap_id(self) -> int | None:
        return self.gap["id"] if self.gap else None

    def refresh(self) -> None:
        """Re-read everything, keeping the selected gap and phases."""
        keep = self.gap_id()
        phases = self.selected_phases()
        self.gaps = []
        if self.project is not None and "cited_gaps" in self.project.db.table_names():
            self.gaps = gapmod.list_gaps(self.project)
        self._fill_gaps()
        row = next((i for i, g in enumerate(self.gaps) if g["id"] == keep), 0 if self.gaps else -1)
        if row >= 0:
            self.gap_table.selectRow(row)
        self._gap_selected()
        self.select_phases(phases)

    def select_gap(self, gap_id: int) -> None:
        for row, g in enumerate(self.gaps):
            if g["id"] == gap_id:
                self.gap_table.selectRow(row)

    def selected_phases(self) -> list[tuple[int, str]]:
        rows = sorted({i.row() for i in self.phase_table.selectedIndexes()})
        return [self.phase_table.item(r, 0).data(Qt.UserRole) for r in rows]

    def select_phases(self, phases: list[tuple[int, str]], add: bool = False) -> None:
        """Select these (gap id, phase) rows of the plan table (``add`` keeps the current selection)."""
        wanted = {tuple(p) for p in phases} | (set(self.selected_phases()) if add else set())
        self.phase_table.clearSelection()
        mode = self.phase_table.selectionMode()
        self.phase_table.setSelectionMode(QAbstractItemView.MultiSelection)
        for r in range(self.phase_table.rowCount()):
            if tuple(self.phase_table.item(r, 0).data(Qt.UserRole)) in wanted:
                self.phase_table.selectRow(r)
        self.phase_table.setSelectionMode(mode)

    # -- filling -----------------------------------------------------------------------------------
    def _fill_gaps(self) -> None:
        self.gap_table.blockSignals(True)
        self.gap_table.setRowCount(len(self.gaps))
        for row, g in enumerate(self.gaps):
            ours, tip, scored = our_status(self.project, g["county_fips"], g["line_code"])
            status = _item(ours)
            status.setToolTip(tip)
            status.setForeground(QBrush(QColor(status_color(scored))))
            label = _item(gapmod.gap_label(g), g["id"])
            label.setToolTip(gapmod.gap_label(g))
            values = [
                label,
                _item(pathways.PATHWAY_NAMES.get(g["pathway"] or "", "not chosen")),
                status,
                _item(g["due_date"]),
            ]
            for col, item in enumerate(values):
                self.gap_table.setItem(row, col, item)
        self.gap_table.blockSignals(False)

    def _gap_selected(self) -> None:
        rows = self.gap_table.selectionModel().selectedRows() if self.gap_table.selectionModel() else []
        gap_id = self.gap_table.item(rows[0].row(), 0).data(Qt.UserRole) if rows else None
        self.gap = next((g for g in self.gaps if g["id"] == gap_id), None)
        self.gap_title.setText(
            gapmod.gap_label(self.gap) + f" (notice #{self.gap['notice_id']}, due {self.gap['due_date']})"
            if self.gap
            else "Select a cited gap."
        )
        self._fill_pathway()
        self._fill_providers()
        self._fill_choices()
        self._fill_narrative()
        self._fill_phases()
        self._fill_notice()
        self._update_enabled()

    def _fill_notice(self) -> None:
        from blueprint_desktop.deficiency.notice import get_notice

        self.notice = get_notice(self.project, self.gap["notice_id"]) if self.gap else None
        n = self.notice
        if n is None:
            self.notice_label.setText("")
            return
        self.window_days.setValue(int(n["window_days"]))
        self.window_unit.setCurrentIndex(max(self.window_unit.findData(n["window_unit"]), 0))
        submitted = f"; submitted {n['submitted_date']}" if n["submitted_date"] else "; not submitted yet"
        self.notice_label.setText(
            f"Notice #{n['id']} of {n['notice_date']}: due {n['due_date']} ({n['window_days']} "
            f"{n['window_unit']} days{', set by hand' if n['due_overridden'] else ''}){submitted}"
        )

    def _fill_pathway(self) -> None:
        self._filling = True
        self.checklist.clear()
        if self.gap is None:
            self.pathway_label.setText("")
            self._filling = False
            return
        if self.gap["pathway"]:
            self.pathway_box.setCurrentIndex(self.pathway_box.findData(self.gap["pathway"]))
        if self.gap["exception_type"]:
            self.exception_box.setCurrentIndex(self.exception_box.findData(self.gap["exception_type"]))
        result = pathways.checklist(self.project, self.gap["id"], today=self.today())
        self.checklist_result = result
        if result["pathway"] is None:
            self.pathway_label.setText("No pathway chosen yet: pick one and press Choose pathway.")
        else:
            self.pathway_label.setText(
                f"Pathway: {result['pathway_name']}"
                + (f" ({result['exception_type']})" if result["exception_type"] else "")
                + (": checklist complete." if result["complete"] else ": checklist not complete yet.")
            )
        for it in result["items"]:
            answer = f" -> {it['answer']}" if it["answer"] else ""
            evidence = "; ".join(it["evidence"][:3])
            item = QListWidgetItem(f"{it['label']}{answer}" + (f"\n    {evidence}" if evidence else ""))
            item.setData(Qt.UserRole, it["key"])
            item.setToolTip(f"{it['source']}: {it['basis']}\n" + "\n".join(it["evidence"]))
            if it["source"] == "manual":
                item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
                item.setCheckState(Qt.Checked if it["done"] else Qt.Unchecked)
            else:
                item.setFlags(item.flags() & ~Qt.ItemIsUserCheckable)
                item.setText(("\u2713 " if it["done"] else "\u2717 ") + item.text() + "  (from the data)")
            item.setForeground(QBrush(QColor(OK_COLOR if it["done"] else MISSING_COLOR)))
            self.checklist.addItem(item)
        self._filling = False
        self._pathway_box_changed()

    def _fill_providers(self) -> None:
        rows = gapmod.gap_providers(self.project, self.gap["id"]) if self.gap else []
        self.provider_rows = rows
        self.provider_table.setRowCount(len(rows))
        for row, p in enumerate(rows):
            values = [
                p["npi"],
                p["name"],
                p["role"],
                "you" if p["manual"] else "automatic",
                p["reason"] or "",
            ]
            for col, value in enumerate(values):
                self.provider_table.setItem(row, col, _item(value, p["npi"]))

    def _fill_choices(self) -> None:
        self.choices.clear()
        if self.gap is None:
            return
        for c in gapmod.provider_choices(self.project, self.gap["id"], self.search.text()):
            where = "in the county" if c["in_county"] else (c["county_fips"] or "elsewhere")
            gain = f", +{c['gain']:.1f} pts if signed" if c["gain"] else ""
            role = f"  [{c['role']} now]" if c["role"] else ""
            text = f"{c['name'] or '?'}  {c['npi']}  ({c['source']}, {where}{gain}){role}"
            item = QListWidgetItem(text)
            item.setData(Qt.UserRole, c["npi"])
            self.choices.addItem(item)

    def _fill_narrative(self) -> None:
        from blueprint_desktop.reports import narrative

        self.narrative = None
        if self.gap is None or self.gap["pathway"] != "exception":
            self.narrative_edit.setPlainText("")
            self.narrative_label.setText(
                "A narrative belongs to an exception request: choose that pathway for this gap first."
            )
            return
        n = narrative.current(self.project, self.gap["id"])
        self.narrative = n
        versions = len(narrative.history(self.project, self.gap["id"]))
        if n.saved:
            state = f"Version {versions} saved by {n.saved_by} on {n.saved_at[:16].replace('T', ' ')}"
        elif n.edited:
            state = "Typed in elsewhere, not saved as a version yet"
        else:
            state = "Draft generated from the project's data, not saved yet"
        kept = f"{versions} version(s) kept" if versions else "no version saved yet"
        self.narrative_label.setText(
            f"{state}{' (edited)' if n.edited and n.saved else ''}. Saving adds a version; earlier ones "
            f"are kept ({kept})."
        )
        self.narrative_edit.setPlainText(n.text)

    def _fill_phases(self) -> None:
        notice_id = self.gap["notice_id"] if self.gap else None
        rows = (
            plan.milestones(self.project, notice_id=notice_id, today=self.today())
            if self.project is not None and notice_id is not None
            else []
        )
        labels = {g["id"]: gapmod.gap_label(g) for g in self.gaps}
        self.phase_table.setRowCount(len(rows))
        for row, m in enumerate(rows):
            key = (m["gap_id"], m["phase"])
            done = m["done_date"] or ("OVERDUE" if m["overdue"] else "")
            values = [labels.get(m["gap_id"], f"#{m['gap_id']}"), m["phase"], m["start_date"]]
            values += [m["due_date"], m["owner"] or "", done]
            for col, value in enumerate(values):
                item = _item(value, key)
                if col == 5:
                    item.setForeground(QBrush(QColor(OK_COLOR if m["done_date"] else MISSING_COLOR)))
                self.phase_table.setItem(row, col, item)

    def _update_enabled(self) -> None:
        writable = (
            self._editable
            and self.project is not None
            and not self.project.read_only
            and self.gap is not None
        )
        exception = bool(self.gap and self.gap["pathway"] == "exception")
        for w in (
            self.apply_pathway,
            self.add_provider_button,
            self.remove_button,
            self.mark_done_button,
            self.mark_undone_button,
            self.set_window_button,
            self.submit_button,
        ):
            w.setEnabled(writable)
        self.checklist.setEnabled(self.gap is not None)
        self.save_narrative_button.setEnabled(writable and exception)
        self.draft_button.setEnabled(writable and exception)
        self.narrative_edit.setReadOnly(not (writable and exception))
        self.rescore_button.setEnabled(
            self._editable and self.project is not None and not self.project.read_only and bool(self.gaps)
        )

    def _pathway_box_changed(self, _index: int = 0) -> None:
        self.exception_box.setEnabled(self.pathway_box.currentData() == "exception")

    # -- actions (each one core call) ----------------------------------------------------------------
    def _run(self, what: str, fn, *args, **kwargs):
        """Call a core write; show its one-line error, or refresh and announce the change."""
        try:
            result = fn(*args, **kwargs)
        except BlueprintError as exc:
            self._say(str(exc), error=True)
            return None
        self.refresh()
        self._say(what)
        self.changed.emit(what)
        return result if result is not None else True

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet(f"color: {'#a4161a' if error else '#1e6b34'};")
        self.message.setText(text)

    def choose_pathway(self, pathway: str, exception_type: str | None = None):
        """Set the selected gap's pathway (``pathways.choose_pathway``)."""
        gap = self.gap
        if gap is None:
            return None
        return self._run(
            f"{gapmod.gap_label(gap)}: pathway {pathways.PATHWAY_NAMES[pathway]}",
            pathways.choose_pathway,
            self.project,
            gap["id"],
            pathway,
            exception_type if pathway == "exception" else None,
            today=self.today(),
        )

    def _choose_clicked(self) -> None:
        self.choose_pathway(self.pathway_box.currentData(), self.exception_box.currentData())

    def _checklist_item_changed(self, item: QListWidgetItem) -> None:
        if self._filling or self.gap is None or not (item.flags() & Qt.ItemIsUserCheckable):
            return
        done = item.checkState() == Qt.Checked
        self._run(
            f"{'Confirmed' if done else 'Withdrew'}: {item.text().splitlines()[0]}",
            pathways.set_item,
            self.project,
            self.gap["id"],
            item.data(Qt.UserRole),
            done,
        )

    def add_provider(self, npi: str, role: str):
        """Designate a provider for the selected gap (``gaps.designate``)."""
        if self.gap is None:
            return None
        return self._run(
            f"{npi} designated as a {role} provider of {gapmod.gap_label(self.gap)}",
            gapmod.designate,
            self.project,
            self.gap["id"],
            npi,
            role,
            "designated for the cure" if role == "cure" else "designated as an outreach target",
        )

    def _add_provider_clicked(self) -> None:
        item = self.choices.currentItem()
        npi = item.data(Qt.UserRole) if item else self.search.text().strip()  # a typed NPI
        if not npi:
            self._say("Pick a provider from the list (or type an NPI) first.", error=True)
            return
        self.add_provider(npi, self.role_box.currentData())

    def _remove_clicked(self) -> None:
        rows = self.provider_table.selectionModel().selectedRows()
        if self.gap is None or not rows:
            self._say("Select the provider to remove in the table first.", error=True)
            return
        npi = self.provider_table.item(rows[0].row(), 0).data(Qt.UserRole)
        self._run(f"{npi}: designation withdrawn", gapmod.undesignate, self.project, self.gap["id"], npi)

    def save_narrative(self, text: str | None = None):
        """Save the editor's text (or ``text``) as a new narrative version (``narrative.save``)."""
        from blueprint_desktop.reports import narrative

        if self.gap is None:
            return None
        body = self.narrative_edit.toPlainText() if text is None else text
        return self._run(
            f"Narrative of {gapmod.gap_label(self.gap)} saved as a new version",
            narrative.save,
            self.project,
            self.gap["id"],
            body,
        )

    def _save_narrative_clicked(self) -> None:
        self.save_narrative()

    def _draft_clicked(self) -> None:
        if self.narrative is not None:
            self.narrative_edit.setPlainText(self.narrative.generated_text)
            self._say("The draft from the data is in the editor; Save to keep it as a version.")

    def mark_phases(self, undone: bool = False):
        """Mark the selected phases done (or not done) with the owner and date (``plan.mark_done``)."""
        items = self.selected_phases()
        owner = self.owner.text().strip() or None
        when = self.done_date.date().toString("yyyy-MM-dd")
        what = f"{len(items)} phase(s) marked " + ("not done" if undone else f"done on {when}")
        return self._run(what, plan.mark_done, self.project, items, when, owner, undone)

    def _mark_clicked(self, undone: bool) -> None:
        self.mark_phases(undone)

    def set_window(self, days: int | None = None, unit: str | None = None):
        """Change the selected gap's notice's response window (``plan.set_window``); the form's values
        unless given."""
        if self.notice is None:
            return None
        days = self.window_days.value() if days is None else days
        unit = self.window_unit.currentData() if unit is None else unit
        return self._run(
            f"Notice #{self.notice['id']}: response window {days} {unit} days",
            plan.set_window,
            self.project,
            self.notice["id"],
            days=days,
            unit=unit,
        )

    def _set_window_clicked(self) -> None:
        self.set_window()

    def mark_submitted(self, when: str | None = None):
        """Record the selected gap's notice as submitted to CMS (``notice.mark_submitted``) on the form's
        date unless ``when`` (YYYY-MM-DD) is given."""
        from blueprint_desktop.deficiency.notice import mark_submitted

        if self.notice is None:
            return None
        when = when or self.submitted_date.date().toString("yyyy-MM-dd")
        return self._run(
            f"Notice #{self.notice['id']}: submitted to CMS on {when}",
            mark_submitted,
            self.project,
            self.notice["id"],
            when,
        )

    def _submit_clicked(self) -> None:
        self.mark_submitted()

    def rescore(self) -> bool:
        """Re-score every cited county x line in the worker (``cure.rescore_gaps``)."""
        from blueprint_desktop.gui import operations

        if self.tasks is None or self.project is None or self.project.read_only:
            return False
        started = self.tasks.run(
            "rescore-gaps",
            operations.rescore_gaps,
            self.project,
            label="Re-scoring the cited gaps",
            on_done=self._rescored,
            on_error=lambda err: self._say(err.message, error=True),
        )
        if not started:
            self._say("Busy: try again when the running operation has finished.", error=True)
        return started

    def _rescored(self, rows) -> None:
        self.refresh()
        states = ", ".join(f"{r['label']}: {r['state']}" for r in rows)
        self._say(f"Re-scored: {states}")
        self.changed.emit("cited gaps re-scored")
