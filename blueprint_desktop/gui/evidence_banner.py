"""The window's warning when a project's evidence chain does not verify.

Opening a project verifies the hash chain over the outreach log, its attachments and the audit log
(``store/evidence_chain.py``). A broken chain is shown as broken, never smoothed over: a red bar under the
toolbar stays while the project is open, and a message box names the first broken entry. The message box
is window-modal but not blocking (``open``), so opening a project from a script or a test never hangs.
"""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QSizePolicy, QToolBar

from blueprint_desktop.store.evidence_chain import ChainReport, verify_chain

TITLE = "Evidence chain broken"


class EvidenceBanner(QToolBar):
    """A red bar under the window's toolbars, shown only while the open project's chain is broken."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__("Evidence chain", window)
        self.setObjectName("evidenceBanner")
        self.setMovable(False)
        self.setFloatable(False)
        self.toggleViewAction().setVisible(False)
        self.label = QLabel()
        self.label.setObjectName("evidenceBannerText")
        self.label.setWordWrap(True)
        # Across the whole window: a broken chain is not a footnote.
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.label.setStyleSheet(
            "QLabel#evidenceBannerText { background: #f8d7da; color: #721c24; padding: 6px 10px;"
            " font-weight: bold; }"
        )
        self.addWidget(self.label)
        window.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self)
        self.report: ChainReport | None = None
        self.box: QMessageBox | None = None
        self._broken = False
        self.hide()

    def setVisible(self, visible: bool) -> None:  # noqa: N802 - Qt override
        # The window's saved layout (restoreState) must not bring back a bar for a chain not checked.
        super().setVisible(visible and self._broken)

    def check(self, project) -> ChainReport | None:
        """Verify ``project``'s chain (None: no project, hide); show the bar and the message when broken."""
        self.report = None
        self._broken = False
        if project is None:
            self.hide()
            return None
        try:
            self.report = verify_chain(project)
        except sqlite3.Error as exc:
            # A chain that cannot even be read is not a chain that verified.
            self._show(f"the evidence chain cannot be read ({exc})")
            return None
        if self.report.ok:
            self.hide()
        else:
            self._show(self.report.first.line(), len(self.report.findings))
        return self.report

    def _show(self, first: str, count: int = 1) -> None:
        more = f" (and {count - 1} more)" if count > 1 else ""
        self.label.setText(
            f"Evidence chain BROKEN: {first}{more}. The outreach or audit log was changed outside the app; "
            "packages are not exported from it unless told to, and then say so."
        )
        self._broken = True
        self.show()
        self.box = QMessageBox(
            QMessageBox.Icon.Warning,
            TITLE,
            "This project's outreach log, attachments or audit log no longer match their hash chain.\n\n"
            f"First broken entry: {first}{more}.\n\n"
            "Someone changed the file outside Blueprint Desktop (for example with the sqlite3 shell). The "
            "entries are shown as they are now; `blueprint verify` lists every finding.",
            QMessageBox.StandardButton.Ok,
            self.window(),
        )
        self.box.open()
