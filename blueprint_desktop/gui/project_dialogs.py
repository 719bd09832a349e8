"""File dialogs of the main window: New project, the passphrase of an encrypted project, and the About
box's text.

New Project asks what ``blueprint new`` asks (name, states, optional counties, line of business, plan
year, file) and creates the file through the same core calls, so the app and the CLI make identical
projects.
"""

from __future__ import annotations

from datetime import date
from html import escape
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.store.project import PROJECT_SUFFIX
from blueprint_desktop.store.schema import LINES_OF_BUSINESS

LOB_LABELS = {"ma": "Medicare Advantage", "medicaid": "Medicaid managed care", "qhp": "ACA marketplace (QHP)"}
PROJECT_FILTER = f"Blueprint projects (*{PROJECT_SUFFIX});;All files (*)"


class NewProjectDialog(QDialog):
    """Collects the new project's details and creates it; ``created_path`` is set on success."""

    def __init__(self, parent: QWidget | None = None, folder: str | Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New project")
        self.created_path: Path | None = None
        self._folder = Path(folder) if folder else Path.home()
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Acme MA 2027 expansion")
        self.states = QLineEdit()
        self.states.setPlaceholderText("state abbreviations, e.g. TX,OK")
        self.counties = QLineEdit()
        self.counties.setPlaceholderText(
            "optional: county FIPS codes, e.g. 48201,48157 (default: every county)"
        )
        self.lob = QComboBox()
        for lob in LINES_OF_BUSINESS:
            self.lob.addItem(LOB_LABELS.get(lob, lob), lob)
        self.plan_year = QSpinBox()
        self.plan_year.setRange(2020, 2100)
        self.plan_year.setValue(date.today().year + 1)
        self.path = QLineEdit()
        self.path.setPlaceholderText(f"where to save it (*{PROJECT_SUFFIX})")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Project name", self.name)
        form.addRow("States", self.states)
        form.addRow("Counties", self.counties)
        form.addRow("Line of business", self.lob)
        form.addRow("Plan year", self.plan_year)
        form.addRow("File", path_row)
        self.error = QLabel()
        self.error.setObjectName("newProjectError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b3261e;")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create")
        buttons.accepted.connect(self.create)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    def _browse(self) -> None:
        name = (self.name.text().strip() or "project").replace("/", "-")
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the new project as", str(self._folder / f"{name}{PROJECT_SUFFIX}"), PROJECT_FILTER
        )
        if path:
            self.path.setText(path if path.endswith(PROJECT_SUFFIX) else path + PROJECT_SUFFIX)

    def create(self) -> Path | None:
        """Create the project from the form; on a problem, say it under the form and stay open."""
        from blueprint_desktop.geo.service_area import service_area_from_args
        from blueprint_desktop.store import create_project

        try:
            name = self.name.text().strip()
            if not name:
                raise BlueprintError("give the project a name")
            path_text = self.path.text().strip()
            if not path_text:
                raise BlueprintError("choose where to save the project file")
            path = Path(path_text)
            if path.suffix != PROJECT_SUFFIX:
                raise BlueprintError(f"{path}: project files end in {PROJECT_SUFFIX}")
            area = service_area_from_args(self.states.text(), self.counties.text().strip() or None)
            create_project(
                path, name, lob=self.lob.currentData(), plan_year=self.plan_year.value(), counties=area
            )
        except BlueprintError as exc:
            self.error.setText(str(exc))
            return None
        self.created_path = path
        self.accept()
        return path


def about_html(project=None) -> str:
    """The About box: versions of the app, Qt, PySide6 and libraries, data vintages, rules, schema."""
    import PySide6
    from PySide6.QtCore import qVersion

    from blueprint_desktop.about import version_info

    info = version_info(project)
    rows = {
        "Blueprint Desktop": info.pop("Blueprint Desktop"),
        "Qt": qVersion(),
        "PySide6": PySide6.__version__,
    }
    rows.update(info)
    body = "".join(
        f"<tr><td style='padding-right:12px; color:#52606d;'>{escape(k)}</td><td>{escape(str(v))}</td></tr>"
        for k, v in rows.items()
    )
    return (
        "<h3>Blueprint Desktop</h3>"
        "<p>CMS Medicare Advantage network adequacy (42 CFR 422.116) on the desktop, offline.</p>"
        f"<table>{body}</table>"
    )


def ask_passphrase(parent: QWidget | None, path: str | Path, problem: str = "") -> str | None:
    """Ask for an encrypted project's passphrase (typed hidden); None when the user cancels.

    ``problem`` is shown above the field on a retry ("wrong passphrase..."). Tests replace this function.
    """
    text = f"{Path(path).name} is encrypted (or is not a Blueprint project file).\nPassphrase:"
    if problem:
        text = f"{problem}\n\n{text}"
    value, ok = QInputDialog.getText(parent, "Encrypted project", text, QLineEdit.EchoMode.Password)
    return value if ok and value else None


def ask_new_passphrase(parent: QWidget | None, path: str | Path) -> str | None:
    """Ask a new passphrase twice (typed hidden); None on cancel. Tests replace this function."""
    problem = ""
    while True:
        text = (
            f"{problem}\n\n" if problem else ""
        ) + f"Passphrase for {Path(path).name} (there is no way to recover the file without it):"
        first, ok = QInputDialog.getText(parent, "Encrypt the project", text, QLineEdit.EchoMode.Password)
        if not ok:
            return None
        if len(first) < 8:
            problem = "Use at least 8 characters."
            continue
        second, ok = QInputDialog.getText(
            parent, "Encrypt the project", "The same passphrase again:", QLineEdit.EchoMode.Password
        )
        if not ok:
            return None
        if first == second:
            return first
        problem = "The two passphrases differ."
