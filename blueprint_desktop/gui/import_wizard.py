"""The roster import wizard: file -> preview -> column mapping -> problems -> what will change -> import.

The steps follow ``blueprint_desktop.data.roster_import``: ``preview_roster`` reads the file's headers
and first rows and proposes a mapping of our roster fields to its columns (and lists the problems it
finds); the user confirms or fixes the mapping with one combo per field; the problems are listed row by
row (row number as in the spreadsheet, column, value, what was expected) and the user may choose to
import only the good rows; ``plan_roster_import`` then says exactly what the import will do (added,
updated and dropped providers, with NPI and name) in the chosen mode, "add and update" (never drops
anyone) or "replace this table" (drops the providers the file no longer lists, only after the user ticks
a confirmation naming how many); ``import_roster`` runs in the window's worker (one transaction, so a
cancel or a refusal leaves the project unchanged) and the last page says what was added, dropped and
changed, with a button that undoes the import (``roster_undo.undo_roster_import``: a new audited batch).

``RosterImportFlow`` holds the wizard's state without Qt, so tests can drive the same steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from blueprint_desktop.data import roster_import, roster_undo
from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.gui.worker import TaskError, TaskRunner

# The import modes (the values of roster_import.MODE_ADD_UPDATE / MODE_REPLACE).
ADD_UPDATE, REPLACE = "add-update", "replace"
FILE_FILTER = "Rosters (*.csv *.txt *.xlsx *.xlsm);;All files (*)"
NOT_MAPPED = "(not in this file)"
ERROR_STYLE = "color: #b3261e;"


def problem_row(problem: Any) -> tuple[str, str, str, str]:
    """(row, column, value, expected) of a problem object or dict, as text."""

    def get(name: str) -> Any:
        return problem.get(name) if isinstance(problem, dict) else getattr(problem, name, None)

    row = get("row_number")
    value = get("value")
    return (
        "" if row is None else str(row),
        str(get("column") or ""),
        "" if value is None else str(value),
        str(get("expected") or ""),
    )


def summarise_changes(changes: Any) -> dict[str, int]:
    """Counts of added / dropped / changed providers from the importer's ``changes``.

    Accepts a dict of counts or of lists, or a list of change records with a ``change`` field
    (``roster_changes`` rows), so the summary does not depend on the exact container.
    """
    out = {"added": 0, "dropped": 0, "changed": 0}
    if not changes:
        return out
    if isinstance(changes, dict):
        for key in out:
            value = changes.get(key, 0)
            out[key] = len(value) if isinstance(value, list | tuple | set) else int(value or 0)
        return out
    for item in changes:
        kind = item.get("change") if isinstance(item, dict) else getattr(item, "change", None)
        if kind in out:
            out[kind] += 1
    return out


@dataclass
class RosterImportFlow:
    """The wizard's state: file, preview, mapping, skip choice, and the import's result."""

    project: Any
    path: Path | None = None
    preview: Any = None
    mapping: dict[str, str] = field(default_factory=dict)
    skip_bad_rows: bool = False
    result: Any = None
    plan: Any = None  # roster_import.RosterImportPlan of the current file, mapping and skip choice
    mode: str = ADD_UPDATE
    undo_result: Any = None

    def load(self, path: str | Path) -> Any:
        """Preview the file and take the importer's proposed mapping."""
        path = Path(path)
        if not path.is_file():
            raise BlueprintError(f"{path}: no such file")
        self.path = path
        self.preview = roster_import.preview_roster(path, self.project)
        self.mapping = dict(self.preview.mapping or {})
        return self.preview

    def set_mapping(self, target: str, source: str | None) -> None:
        if source:
            self.mapping[target] = source
        else:
            self.mapping.pop(target, None)

    def validate(self) -> Any:
        """Preview again with the chosen mapping: the problems and missing required fields it gives."""
        if self.path is None:
            raise BlueprintError("choose a roster file first")
        self.preview = roster_import.preview_roster(self.path, self.project, dict(self.mapping))
        return self.preview

    @property
    def problems(self) -> list:
        return list(getattr(self.preview, "problems", None) or [])

    @property
    def missing_required(self) -> list[str]:
        return list(getattr(self.preview, "missing_required", None) or [])

    def make_plan(self) -> Any:
        """What the import would do (nothing written), and the mode it suggests, which becomes the mode.

        "add and update" is suggested for a file much smaller than the current roster (under
        ``roster_import.PARTIAL_FILE_SHARE`` of it): such a file is a list of new signings or corrections,
        and replacing the table with it would drop most of the network; the user may still choose replace.
        """
        if self.path is None:
            raise BlueprintError("choose a roster file first")
        self.plan = roster_import.plan_roster_import(
            self.project, self.path, dict(self.mapping), self.skip_bad_rows
        )
        self.mode = self.plan.suggested_mode
        return self.plan

    def planned(self, key: str) -> list[dict[str, str]]:
        """The plan's ``added`` / ``updated`` / ``dropped`` list for the chosen mode."""
        if self.plan is None:
            return []
        if key == "dropped":
            return list(self.plan.dropped_if_replaced) if self.mode == REPLACE else []
        return list(getattr(self.plan, key))

    @property
    def drops(self) -> int:
        """How many providers the import will drop in the chosen mode."""
        return len(self.planned("dropped"))

    def run(self, progress=None) -> Any:
        """Import (in the worker thread): one transaction in the core."""
        if self.path is None:
            raise BlueprintError("choose a roster file first")
        self.result = roster_import.import_roster(
            self.project,
            self.path,
            dict(self.mapping),
            skip_bad_rows=self.skip_bad_rows,
            progress=progress,
            mode=self.mode,
        )
        return self.result

    def undo(self, progress=None) -> Any:
        """Undo the import just made (a new audited batch restoring the roster as it was before)."""
        r = self.result
        if r is None or getattr(r, "already_imported", False):
            raise BlueprintError("nothing was imported; nothing to undo")
        self.undo_result = roster_undo.undo_roster_import(self.project, r.batch_id)
        return self.undo_result

    def summary(self) -> str:
        r = self.result
        if r is None:
            return ""
        if getattr(r, "already_imported", False):
            return (
                f"This file was imported before (batch #{r.batch_id}); nothing was changed. "
                "Import a newer roster to update the network."
            )
        counts = summarise_changes(getattr(r, "changes", None))
        updated = getattr(r, "updated", None)
        return (
            ("Replaced the table. " if getattr(r, "mode", None) == REPLACE else "")
            + f"Imported {r.rows_imported:,} of {r.rows_read:,} rows"
            + (f" ({r.rows_rejected:,} rows with problems were skipped)" if r.rows_rejected else "")
            + f" as batch #{r.batch_id}. Providers added: {counts['added']:,}, dropped: {counts['dropped']:,},"
            f" changed: {counts['changed']:,}"
            + (f" (of {len(updated):,} updated)" if updated else "")
            + ". Re-score (F5) to see the effect on adequacy."
            + self._warning_text(getattr(r, "warnings", None) or [])
        )

    @staticmethod
    def _warning_text(warnings: list) -> str:
        """The import's warnings (rows that import but earn no credit, and why), listed below the totals."""
        if not warnings:
            return ""
        shown = "\n".join(
            f"  row {getattr(w, 'row_number', '') or '-'}: {getattr(w, 'expected', w)}" for w in warnings[:8]
        )
        more = f"\n  ... and {len(warnings) - 8} more (in the problems file)" if len(warnings) > 8 else ""
        return f"\n\n{len(warnings):,} warning(s): rows imported that earn no credit or need a look:\n{shown}{more}"


def _fill_problems(table: QTableWidget, problems: list) -> None:
    table.setRowCount(len(problems))
    for row, problem in enumerate(problems):
        for col, text in enumerate(problem_row(problem)):
            item = QTableWidgetItem(text)
            if col == 0:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(row, col, item)


def _problems_table() -> QTableWidget:
    table = QTableWidget(0, 4)
    table.setObjectName("problemsTable")
    table.setHorizontalHeaderLabels(["Row", "Column", "Value", "Expected"])
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
    return table


class FilePage(QWizardPage):
    def __init__(self, flow: RosterImportFlow) -> None:
        super().__init__()
        self.flow = flow
        self.setTitle("Choose the roster file")
        self.setSubTitle("A CSV or Excel file with one row per provider location (your network roster).")
        self.path = QLineEdit()
        self.path.setObjectName("rosterPath")
        self.path.textChanged.connect(lambda _t: self.completeChanged.emit())
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.error)
        layout.addStretch(1)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose the roster file", str(Path.home()), FILE_FILTER)
        if path:
            self.path.setText(path)

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        return bool(self.path.text().strip())

    def validatePage(self) -> bool:  # noqa: N802 - Qt override
        try:
            self.flow.load(self.path.text().strip())
        except BlueprintError as exc:
            self.error.setText(str(exc))
            return False
        self.error.setText("")
        return True


class PreviewPage(QWizardPage):
    def __init__(self, flow: RosterImportFlow) -> None:
        super().__init__()
        self.flow = flow
        self.setTitle("Preview")
        self.layout_label = QLabel()
        self.layout_label.setWordWrap(True)
        self.table = QTableWidget()
        self.table.setObjectName("previewTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.layout_label)
        layout.addWidget(self.table, 1)

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        p = self.flow.preview
        headers = list(p.headers or [])
        rows = list(p.rows or [])[:50]
        self.setSubTitle(f"The first {len(rows)} rows of {self.flow.path.name if self.flow.path else ''}.")
        self.layout_label.setText(
            f"Recognised layout: <b>{p.layout}</b>. Check the mapping on the next page."
            if p.layout
            else "This layout is not one we know: map its columns to the roster fields on the next page."
        )
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels([str(h) for h in headers])
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            values = [row.get(h, "") for h in headers] if isinstance(row, dict) else list(row)
            for c, value in enumerate(values[: len(headers)]):
                self.table.setItem(r, c, QTableWidgetItem("" if value is None else str(value)))
        self.table.resizeColumnsToContents()


class MappingPage(QWizardPage):
    def __init__(self, flow: RosterImportFlow) -> None:
        super().__init__()
        self.flow = flow
        self.setTitle("Map the columns")
        self.setSubTitle("For each roster field, the column of your file that holds it.")
        self.combos: dict[str, QComboBox] = {}
        self.form = QFormLayout()
        inner = QWidget()
        inner.setLayout(self.form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.error)

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        while self.form.rowCount():
            self.form.removeRow(0)
        self.combos = {}
        headers = [str(h) for h in (self.flow.preview.headers or [])]
        missing = set(self.flow.missing_required)
        for target, description in roster_import.ROSTER_FIELDS.items():
            combo = QComboBox()
            combo.setObjectName(f"map_{target}")
            combo.addItem(NOT_MAPPED, "")
            for h in headers:
                combo.addItem(h, h)
            source = self.flow.mapping.get(target)
            if source in headers:
                combo.setCurrentIndex(headers.index(source) + 1)
            label = QLabel(target + (" *" if target in missing else ""))
            label.setToolTip(str(description))
            combo.setToolTip(str(description))
            self.form.addRow(label, combo)
            self.combos[target] = combo
        self.error.setText(
            "Required fields without a column: " + ", ".join(sorted(missing)) if missing else ""
        )

    def validatePage(self) -> bool:  # noqa: N802 - Qt override
        for target, combo in self.combos.items():
            self.flow.set_mapping(target, combo.currentData() or None)
        try:
            self.flow.validate()
        except BlueprintError as exc:
            self.error.setText(str(exc))
            return False
        if self.flow.missing_required:
            self.error.setText(
                "Map a column to each required field: " + ", ".join(self.flow.missing_required)
            )
            return False
        return True


class ValidationPage(QWizardPage):
    def __init__(self, flow: RosterImportFlow) -> None:
        super().__init__()
        self.flow = flow
        self.setTitle("Check the rows")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = _problems_table()
        self.skip = QCheckBox("Import the good rows only (rows with problems are skipped and kept on record)")
        self.skip.setObjectName("skipBadRows")
        self.skip.toggled.connect(self._skip_toggled)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.skip)

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        self.show_problems(self.flow.problems)

    def show_problems(self, problems: list, message: str = "") -> None:
        _fill_problems(self.table, problems)
        rows = {problem_row(p)[0] for p in problems}
        if problems:
            self.summary.setText(
                (message + " " if message else "")
                + f"{len(problems)} problem(s) in {len(rows)} row(s). Fix the file and start again, or import "
                "the good rows only."
            )
        else:
            self.summary.setText("No problems found: every row can be imported.")
        self.skip.setVisible(bool(problems))
        self.completeChanged.emit()

    def _skip_toggled(self, checked: bool) -> None:
        self.flow.skip_bad_rows = checked
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        return not self.table.rowCount() or self.skip.isChecked()


CHANGE_COLORS = {"dropped": QColor("#b3261e"), "added": QColor("#1b6e3a")}


class SummaryPage(QWizardPage):
    """What the import will do, before it does it: the mode, the counts and every NPI with its name; a
    confirmation naming how many providers will be dropped is required before a replace that drops."""

    def __init__(self, flow: RosterImportFlow) -> None:
        super().__init__()
        self.flow = flow
        self.setTitle("What the import will do")
        self.setButtonText(QWizard.WizardButton.NextButton, "Import")
        self.add_update = QRadioButton(
            "Add and update: add new NPIs and update listed ones; never drop anyone"
        )
        self.add_update.setObjectName("modeAddUpdate")
        self.replace = QRadioButton("Replace this table: also drop the providers the file no longer lists")
        self.replace.setObjectName("modeReplace")
        group = QButtonGroup(self)
        group.addButton(self.add_update)
        group.addButton(self.replace)
        self.add_update.toggled.connect(lambda _c: self._mode_changed())
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.counts = QLabel()
        self.counts.setObjectName("planCounts")
        self.counts.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("planTable")
        self.table.setHorizontalHeaderLabels(["Change", "NPI", "Name"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.confirm = QCheckBox()
        self.confirm.setObjectName("confirmDrop")
        self.confirm.setStyleSheet(ERROR_STYLE)
        self.confirm.toggled.connect(lambda _c: self.completeChanged.emit())
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        layout = QVBoxLayout(self)
        layout.addWidget(self.add_update)
        layout.addWidget(self.replace)
        layout.addWidget(self.hint)
        layout.addWidget(self.counts)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.confirm)
        layout.addWidget(self.error)

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        self.error.setText("")
        try:
            plan = self.flow.make_plan()
        except BlueprintError as exc:
            self.flow.plan = None
            self.error.setText(f"Cannot import: {exc}")
            self.completeChanged.emit()
            return
        self.add_update.blockSignals(True)
        (self.replace if self.flow.mode == REPLACE else self.add_update).setChecked(True)
        self.add_update.blockSignals(False)
        if plan.already_imported:
            self.hint.setText("This file was imported before and is the current roster: nothing will change.")
        elif plan.suggested_mode == ADD_UPDATE and plan.current_providers:
            self.hint.setText(
                f"The file lists {plan.file_providers:,} providers against {plan.current_providers:,} on the "
                "roster: it looks like a partial file (new signings or corrections), so add and update is "
                "selected. Choose replace only for a complete roster."
            )
        else:
            self.hint.setText(
                f"The file lists {plan.file_providers:,} providers against {plan.current_providers:,} on the roster."
            )
        self._mode_changed()

    def _mode_changed(self) -> None:
        self.flow.mode = REPLACE if self.replace.isChecked() else ADD_UPDATE
        self.confirm.setChecked(False)
        self.show_plan()

    def show_plan(self) -> None:
        lists = {k: self.flow.planned(k) for k in ("dropped", "added", "updated")}
        rows = [(k, x) for k in ("dropped", "added", "updated") for x in lists[k]]
        self.table.setRowCount(len(rows))
        for r, (kind, who) in enumerate(rows):
            for c, text in enumerate((kind, who.get("npi", ""), who.get("name", ""))):
                item = QTableWidgetItem(text)
                if kind in CHANGE_COLORS:
                    item.setForeground(CHANGE_COLORS[kind])
                self.table.setItem(r, c, item)
        kept = len(self.flow.plan.dropped_if_replaced) if self.flow.plan and self.flow.mode != REPLACE else 0
        self.counts.setText(
            f"{len(lists['added']):,} added, {len(lists['updated']):,} updated, {len(lists['dropped']):,} dropped"
            + (f"; {kept:,} providers not in the file stay on the roster." if kept else ".")
        )
        drops = self.flow.drops
        self.confirm.setText(
            f"Drop {drops:,} provider{'s' if drops != 1 else ''} from the roster (listed in red above); "
            "Undo on the last page or in the Roster pane puts them back."
        )
        self.confirm.setVisible(bool(drops))
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        if self.flow.plan is None:
            return False
        return not self.flow.drops or self.confirm.isChecked()

    def validatePage(self) -> bool:  # noqa: N802 - Qt override
        # The Next button is disabled until isComplete, but QWizard.next() does not ask: never drop
        # anyone without the confirmation, whoever calls next().
        return self.isComplete()


class ImportPage(QWizardPage):
    def __init__(self, flow: RosterImportFlow, runner: TaskRunner, wizard: RosterImportWizard) -> None:
        super().__init__()
        self.flow, self.runner, self._wizard = flow, runner, wizard
        self.setTitle("Import")
        self.done = False
        self.status = QLabel()
        self.status.setObjectName("importSummary")
        self.status.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.problems = _problems_table()
        self.problems.hide()
        self.undo_button = QPushButton("Undo this import")
        self.undo_button.setObjectName("undoImport")
        self.undo_button.setToolTip(
            "Restore the roster as it was before this import (a new, audited batch; nothing is deleted "
            "from the history)."
        )
        self.undo_button.clicked.connect(self.undo)
        self.undo_button.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addWidget(self.problems, 1)
        layout.addWidget(self.undo_button)
        runner.progressed.connect(self._progress)

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        self.done = False
        self.problems.hide()
        self.undo_button.hide()
        self.bar.setValue(0)
        self.status.setText(f"Importing {self.flow.path.name if self.flow.path else ''}…")
        started = self.runner.run(
            "import",
            self.flow.run,
            label="Importing the roster",
            on_done=self._finished,
            on_error=self._failed,
        )
        if not started:
            self.status.setText("Another operation is running; wait for it to finish and try again.")
        self.completeChanged.emit()

    def _progress(self, fraction: float, message: str) -> None:
        if not self.done:
            self.bar.setValue(int(fraction * 1000))
            if message:
                self.status.setText(message)

    def _finished(self, _result: object) -> None:
        self.done = True
        self.bar.setValue(1000)
        self.status.setText(self.flow.summary())
        r = self.flow.result
        self.undo_button.setVisible(r is not None and not getattr(r, "already_imported", False))
        self.undo_button.setEnabled(True)
        self.completeChanged.emit()
        self._wizard.imported.emit(self.flow.result)

    def undo(self) -> None:
        """Undo the import just made, in the worker; the wizard's ``undone`` signal carries the result."""
        self.undo_button.setEnabled(False)
        started = self.runner.run(
            "undo-import",
            self.flow.undo,
            label="Undoing the roster import",
            on_done=self._undone,
            on_error=self._undo_failed,
        )
        if not started:
            self.undo_button.setEnabled(True)
            self.status.setText(self.status.text() + "\n\nAnother operation is running; try Undo again.")

    def _undone(self, result: object) -> None:
        self.undo_button.hide()
        self.status.setText(f"Undone: {result.describe()}. Re-score (F5) to see the effect on adequacy.")
        self._wizard.undone.emit(result)

    def _undo_failed(self, err: TaskError) -> None:
        self.undo_button.setEnabled(True)
        self.status.setText(f"Could not undo: {err.message}")
        self.status.setStyleSheet(ERROR_STYLE)

    def _failed(self, err: TaskError) -> None:
        self.done = True
        self.bar.setValue(0)
        problems = list(getattr(err.exception, "problems", None) or [])
        self.status.setText(f"Nothing was imported: {err.message}")
        self.status.setStyleSheet(ERROR_STYLE)
        if problems:
            _fill_problems(self.problems, problems)
            self.problems.show()
        self.completeChanged.emit()
        self._wizard.failed.emit(err.message)

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        return self.done


class RosterImportWizard(QWizard):
    """Import a roster into ``project``; the import runs in ``runner`` (the window's worker)."""

    imported = Signal(object)  # the RosterImportResult
    failed = Signal(str)
    undone = Signal(object)  # roster_undo.RosterUndoResult, when the last page's Undo was used

    def __init__(self, project, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import a roster")
        self.setObjectName("RosterImportWizard")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.resize(820, 600)
        self.flow = RosterImportFlow(project)
        self.runner = runner
        self.file_page = FilePage(self.flow)
        self.preview_page = PreviewPage(self.flow)
        self.mapping_page = MappingPage(self.flow)
        self.validation_page = ValidationPage(self.flow)
        self.summary_page = SummaryPage(self.flow)
        self.import_page = ImportPage(self.flow, runner, self)
        for page in (
            self.file_page,
            self.preview_page,
            self.mapping_page,
            self.validation_page,
            self.summary_page,
            self.import_page,
        ):
            self.addPage(page)
        self.button(QWizard.WizardButton.CancelButton).clicked.connect(self._cancel)

    def _cancel(self) -> None:
        if self.runner.task_name == "import":
            self.runner.cancel()
