"""Scoring > Standards: see and choose a Medicaid or QHP project's rule set in the window.

What ``blueprint ruleset PROJECT [--use KEY | --remove-loaded]`` and ``blueprint import ruleset`` do, through
the same core calls (``rules/ruleset_choice.py``, ``rules/lob_builtin.set_project_builtin``,
``rules/lob.import_ruleset``): the set in force and why, the built-in sets (one that cannot be used here is
shown greyed with the reason), the files loaded, loading another and removing the newest (the undo). A
choice is applied by OK; loading and removing act at once (removing asks first). Any change marks the results
out of date.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QRadioButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.gui.messages import ask, show_error
from blueprint_desktop.rules.ruleset_choice import RulesetChoices, remove_loaded_ruleset, ruleset_choices

AUTO = "auto"


class RulesetDialog(QDialog):
    """``changed`` is True once anything the scoring reads was changed from here."""

    def __init__(self, project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.changed = False
        self.setWindowTitle(f"Standards for this {project.lob.upper()} project")
        self.resize(760, 620)
        self.in_force = QLabel()
        self.in_force.setWordWrap(True)
        self.builtin_box = QGroupBox("Built-in standards (used when no rule set file is loaded)")
        self.builtin_layout = QVBoxLayout(self.builtin_box)
        self.group = QButtonGroup(self)
        self.files_box = QGroupBox("Your rule set files (the newest wins over every built-in set)")
        self.files = QListWidget()
        self.files.setMaximumHeight(96)  # a few files at most; the notes below need the room
        self.load_button = QPushButton("Load a rule set file…")
        self.remove_button = QPushButton("Remove the newest file (undo)")
        self.load_button.clicked.connect(lambda: self.load_file())
        self.remove_button.clicked.connect(lambda: self.remove_newest())
        buttons_row = QHBoxLayout()
        buttons_row.addWidget(self.load_button)
        buttons_row.addWidget(self.remove_button)
        buttons_row.addStretch(1)
        files_layout = QVBoxLayout(self.files_box)
        files_layout.addWidget(self.files)
        files_layout.addLayout(buttons_row)
        self.notes = QTextBrowser()
        self.notes.setOpenExternalLinks(False)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.in_force)
        layout.addWidget(self.builtin_box)
        layout.addWidget(self.files_box)
        layout.addWidget(QLabel("Notes and sources of the standards in force:"))
        layout.addWidget(self.notes, 1)
        layout.addWidget(buttons)
        writable = not project.read_only
        self.load_button.setEnabled(writable)
        self.refresh()

    # -- what is shown ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.choices: RulesetChoices = ruleset_choices(self.project)
        c = self.choices
        self.in_force.setText(
            f"<b>In force:</b> {c.in_force or 'none'}<br><b>Why:</b> {c.why}"
            if c.in_force
            else f"<b>No standards apply:</b> {c.why}"
        )
        for button in self.group.buttons():
            self.group.removeButton(button)
            button.deleteLater()
        while self.builtin_layout.count():
            item = self.builtin_layout.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        auto = QRadioButton("Automatic: the newest built-in set of this line of business (and state)")
        auto.setProperty("key", AUTO)
        self._add_radio(auto)
        for o in c.options:
            words = f"{o.key}: {o.name}" + ("" if o.auto else " (only when chosen)")
            button = QRadioButton(words if o.fits else f"{words}: cannot be used here")
            button.setProperty("key", o.key)
            button.setEnabled(o.fits and not self.project.read_only)
            button.setToolTip(o.why_not or "\n".join(o.notes))
            self._add_radio(button)
        wanted = c.chosen_key or AUTO
        for button in self.group.buttons():
            button.setChecked(button.property("key") == wanted)
        auto.setEnabled(not self.project.read_only)
        self.files.clear()
        for i, f in enumerate(c.loaded):
            self.files.addItem(
                f"{f['file']} ({f['name']}, {f['rows']} rows), loaded {f['imported_at'][:16].replace('T', ' ')}"
                + (": in force" if i == 0 else "")
            )
        if not c.loaded:
            self.files.addItem("(none loaded)")
        self.remove_button.setEnabled(bool(c.loaded) and not self.project.read_only)
        self.notes.setPlainText("\n\n".join(c.notes) or "(none)")

    def _add_radio(self, button: QRadioButton) -> None:
        self.group.addButton(button)
        self.builtin_layout.addWidget(button)

    def selected_key(self) -> str:
        button = self.group.checkedButton()
        return str(button.property("key")) if button is not None else AUTO

    # -- actions -----------------------------------------------------------------------------------------
    def load_file(self, path: str | None = None) -> bool:
        """Load a rule set CSV (the layout `blueprint import ruleset` reads); refused files change nothing."""
        from blueprint_desktop.rules.lob import import_ruleset

        if not path:
            path, _ = QFileDialog.getOpenFileName(
                self, "Load a rule set file", "", "Rule set (*.csv);;All files (*)"
            )
        if not path:
            return False
        try:
            import_ruleset(self.project, path, self.project.lob)
        except BlueprintError as exc:
            show_error(self, "Rule set not loaded", str(exc))
            return False
        self.changed = True
        self.refresh()
        return True

    def remove_newest(self, confirm: bool = True) -> bool:
        """Undo the newest loaded file after asking: the one before it, or the built-in choice, applies."""
        if not self.choices.loaded:
            return False
        newest = self.choices.loaded[0]
        if confirm and not ask(
            self,
            "Remove the rule set file",
            f"Remove {newest['file']} from this project? "
            + (
                f"{self.choices.loaded[1]['file']} applies again."
                if len(self.choices.loaded) > 1
                else "The built-in choice applies again."
            ),
        ):
            return False
        remove_loaded_ruleset(self.project)
        self.changed = True
        self.refresh()
        return True

    def accept(self) -> None:
        from blueprint_desktop.rules.lob_builtin import set_project_builtin

        key = self.selected_key()
        if not self.project.read_only and key != (self.choices.chosen_key or AUTO):
            try:
                set_project_builtin(self.project, None if key == AUTO else key)
            except BlueprintError as exc:
                show_error(self, "Standards not changed", str(exc))
                return
            self.changed = True
        super().accept()
