"""Message boxes in one place: plain one-line errors for what a user can fix, tracebacks for bugs.

Every dialog goes through ``show_error`` / ``show_info`` so tests can capture them by patching
``QMessageBox.exec`` and the wording stays consistent.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from blueprint_desktop.gui.worker import TaskError


def show_error(parent: QWidget | None, title: str, message: str, details: str = "") -> None:
    """A warning box with the one-line ``message``; ``details`` (a traceback) goes behind "Show Details"."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, parent)
    if details:
        box.setInformativeText("This looks like a bug in Blueprint Desktop; the details help to fix it.")
        box.setDetailedText(details)
    box.exec()


def show_task_error(parent: QWidget | None, title: str, err: TaskError) -> None:
    show_error(parent, title, err.message, "" if err.expected else err.details)


def show_info(parent: QWidget | None, title: str, message: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Information, title, message, QMessageBox.StandardButton.Ok, parent)
    box.exec()


def ask(parent: QWidget | None, title: str, question: str) -> bool:
    """A Yes/No question; True for Yes."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        title,
        question,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        parent,
    )
    return box.exec() == QMessageBox.StandardButton.Yes
