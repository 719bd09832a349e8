"""The main window: dockable panes over one open project, menus, status bar and the background worker.

Panes: Results (matrix + cell detail), Roster, Map, Deficiency timeline, Cited gaps (pathway, checklist,
providers, narrative, plan phases), Outreach log and a distribution chart, each in a dock whose layout is remembered (QSettings). The window owns the project and two
``TaskRunner``s: ``tasks`` for work that writes or takes a while (scoring, targets, what-if, imports:
one at a time, with a progress bar and Cancel) and ``lookups`` for the chart's read-only queries (the
newest request wins). While a task runs, nothing else writes: edit actions and roster editing are off.

Every change is committed when made (there is no Save); File > Save As writes a consistent copy.

Other windows and the command line may work on the same project at the same time (no lock is held while
idle; see ``store/lock.py``). While idle the window polls SQLite's ``PRAGMA data_version`` every
``WATCH_INTERVAL_MS``; when another connection has committed, it re-reads its panes (results, roster,
timeline, outreach, the stale banner) and says so in the status bar.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QToolBar,
    QWidget,
)

from blueprint_desktop.errors import BlueprintError, PassphraseNeeded
from blueprint_desktop.gui import operations, project_dialogs
from blueprint_desktop.gui.charts import DistributionChart
from blueprint_desktop.gui.gap_pane import GapPane
from blueprint_desktop.gui.messages import ask, show_error, show_info, show_task_error
from blueprint_desktop.gui.outreach_pane import OutreachPane
from blueprint_desktop.gui.project_dialogs import PROJECT_FILTER, NewProjectDialog, about_html
from blueprint_desktop.gui.results_pane import ResultsPane
from blueprint_desktop.gui.roster_pane import RosterPane
from blueprint_desktop.gui.settings import (
    LAYOUT_VERSION,
    add_recent_project,
    app_settings,
    recent_projects,
    remove_recent_project,
)
from blueprint_desktop.gui.timeline_pane import TimelinePane
from blueprint_desktop.gui.worker import TaskError, TaskRunner
from blueprint_desktop.rules.citations import is_ma
from blueprint_desktop.store import roster_queries as rq

APP_TITLE = "Blueprint Desktop"
METHOD_LABELS = {"straight": "straight line", "road": "drive time"}
WATCH_INTERVAL_MS = 1500  # how often an idle window looks for changes made by others


def make_map_pane(parent: QWidget | None = None) -> QWidget:
    """The map pane, or a plain message when it cannot be built (missing module or WebEngine)."""
    try:
        from blueprint_desktop.gui.map_pane import MapPane
    except ImportError as exc:
        label = QLabel(f"The map is not available in this installation ({exc}).")
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return label
    return MapPane(parent)


def local_time_text(stamp: str | None) -> str:
    """A stored UTC timestamp ('2026-12-01T02:33:10+00:00') in the user's local time zone, as people read
    it in a status bar ('2026-11-30 20:33 CST'); the UTC text as stored when it cannot be read."""
    from datetime import UTC, datetime

    text = (stamp or "").strip()
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return text.replace("T", " ")[:16] + " UTC" if text else ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    local = when.astimezone()
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or ''}".strip()


class MainWindow(QMainWindow):
    project_changed = Signal()  # a project was opened or closed
    scoring_finished = Signal(bool)  # True when a run was stored
    outside_change = Signal()  # another window or command changed the project; the panes were re-read

    def __init__(self, settings: QSettings | None = None, with_map: bool = True) -> None:
        super().__init__()
        self.setObjectName("MainWindow")
        self.setWindowTitle(APP_TITLE)
        self.settings = settings if settings is not None else app_settings()
        self.project = None
        self.method = "straight"
        self.undo_stack: list[rq.StatusChange] = []
        self.tasks = TaskRunner(self)
        self.lookups = TaskRunner(self)
        self._pending_lookup: tuple[str, str] | None = None
        self._map_line: str | None = None
        self._generation = 0  # bumped per project, so late results of a closed project are dropped
        self._data_version: int | None = None  # PRAGMA data_version last seen (outside changes)
        self._results_key: tuple | None = None  # what the results pane shows (newest run, service area)
        self.watch_timer = QTimer(self)
        self.watch_timer.setInterval(WATCH_INTERVAL_MS)
        self.watch_timer.timeout.connect(self.check_outside_changes)

        self.results_pane = ResultsPane(self.tasks)
        self.roster_pane = RosterPane()
        self.map_pane = make_map_pane(self) if with_map else QLabel("Map disabled.")
        self.timeline_pane = TimelinePane()
        self.outreach_pane = OutreachPane()
        self.gap_pane = GapPane(self.tasks)
        from blueprint_desktop.gui.benchmark_pane import BenchmarkPane

        self.benchmark_pane = BenchmarkPane(self.tasks)  # import and compare run in the worker
        self.chart = DistributionChart()
        self.docks: dict[str, QDockWidget] = {}
        self._build_docks()
        self._build_banner()
        from blueprint_desktop.gui.evidence_banner import EvidenceBanner

        self.evidence_banner = EvidenceBanner(self)  # verifies the evidence chain at every open
        self._build_actions()
        self._build_menus()
        self._build_status_bar()
        self._wire()
        self._restore_layout()
        self._update_actions()

    # -- construction ----------------------------------------------------------------------------
    def _dock(self, key: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{key}")  # saveState/restoreState key
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(area, dock)
        self.docks[key] = dock
        return dock

    def _build_docks(self) -> None:
        self.setDockNestingEnabled(True)
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks
            | QMainWindow.DockOption.AllowNestedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
        )
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        results = self._dock("results", "Results", self.results_pane, left)
        roster = self._dock("roster", "Roster", self.roster_pane, left)
        timeline = self._dock("timeline", "Deficiency timeline", self.timeline_pane, left)
        outreach = self._dock("outreach", "Outreach log", self.outreach_pane, left)
        self.tabifyDockWidget(results, roster)
        self.tabifyDockWidget(roster, timeline)
        self.tabifyDockWidget(timeline, outreach)
        results.raise_()
        map_dock = self._dock("map", "Map", self.map_pane, right)
        chart = self._dock("chart", "Distance to care", self.chart, right)
        self.splitDockWidget(map_dock, chart, Qt.Orientation.Vertical)
        # Last in the View menu (Alt+7), so the other docks keep their shortcuts; tabbed by the timeline.
        gaps = self._dock("gaps", "Cited gaps", self.gap_pane, left)
        self.tabifyDockWidget(timeline, gaps)
        bench = self._dock("benchmark", "Benchmark networks", self.benchmark_pane, left)
        self.tabifyDockWidget(gaps, bench)
        results.raise_()
        self._default_state = self.saveState(LAYOUT_VERSION)
        self._layout_restored = False

    def _apply_default_sizes(self) -> None:
        """Results ~5/8 of the width, the map over the chart on the right (once the window has a size)."""
        width, height = max(self.width(), 800), max(self.height(), 600)
        self.resizeDocks(
            [self.docks["results"], self.docks["map"]],
            [int(width * 0.62), int(width * 0.38)],
            Qt.Orientation.Horizontal,
        )
        self.resizeDocks(
            [self.docks["map"], self.docks["chart"]],
            [int(height * 0.6), int(height * 0.4)],
            Qt.Orientation.Vertical,
        )

    def _build_banner(self) -> None:
        # Read-only (and other project-wide) notices sit in a fixed bar above the panes.
        self.banner_bar = QToolBar("Notices", self)
        self.banner_bar.setObjectName("bannerBar")
        self.banner_bar.setMovable(False)
        self.banner_bar.setFloatable(False)
        self.banner_bar.toggleViewAction().setVisible(False)
        self.banner = QLabel()
        self.banner.setObjectName("readOnlyBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(
            "QLabel#readOnlyBanner { background: #fde7c7; color: #6b3d00; padding: 6px 10px;"
            " border: 1px solid #f2c27c; border-radius: 3px; }"
        )
        self.banner_bar.addWidget(self.banner)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.banner_bar)
        self.banner_bar.hide()

    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work even when the menu bar is hidden
        return action

    def _build_actions(self) -> None:
        # Explicit keys: platform "standard keys" are empty on some platforms (Quit, Save As on X11).
        self.act_new = self._action("&New project…", self.new_project, "Ctrl+N", "Create a new project file")
        self.act_open = self._action("&Open…", self.open_dialog, "Ctrl+O", "Open a project file")
        self.act_import = self._action(
            "&Import roster…", self.import_roster, "Ctrl+I", "Import a roster file (CSV or XLSX)"
        )
        self.act_notice = self._action(
            "Import deficiency &notice…",
            self.import_notice,
            "Ctrl+Shift+N",
            "Import a CMS deficiency notice (file or pasted HPMS text)",
        )
        self.act_reference = self._action(
            "Import CMS &reference file…",
            self.import_reference,
            "Ctrl+Shift+F",
            "Load a CMS HSD Reference File (the 2026 criteria are built in; load a newer year's file)",
        )
        # File > Export: the same core functions as `blueprint export ...`, run in the worker.
        self.act_export_package = self._action(
            "Corrective action &package (PDF)…", self.export_package_dialog, "Ctrl+Shift+P",
            "Export the corrective action package for CMS",
        )  # fmt: skip
        self.act_export_hsd = self._action(
            "&HSD tables for HPMS…", self.export_hsd_dialog, "Ctrl+Shift+H",
            "Export the HSD provider and facility tables and their rejection list",
        )  # fmt: skip
        self.act_export_matrix = self._action(
            "Results &matrix (Excel)…", lambda: self.export_report_dialog("matrix"), "Ctrl+Shift+M",
            "Export the county x specialty results to Excel, one sheet per view",
        )  # fmt: skip
        self.act_export_providers = self._action(
            "&Servicing providers (Excel)…", lambda: self.export_report_dialog("providers"), "Ctrl+Shift+V",
            "One row per provider x county served, with the lines it credits",
        )  # fmt: skip
        self.act_export_summary = self._action(
            "&Executive summary (PDF)…", lambda: self.export_report_dialog("summary"), "Ctrl+Shift+E",
            "A one-page summary: counts, worst gaps, map, trend",
        )  # fmt: skip
        self.act_print = self._action(
            "&Print table…", self.print_focused_table, "Ctrl+P",
            "Print the table of the pane in focus (results matrix, roster or outreach log)",
        )  # fmt: skip
        self.act_save_as = self._action(
            "Save &As…",
            self.save_as_dialog,
            "Ctrl+Shift+S",
            "Save a copy of the project under a new name and open it",
        )
        self.act_encrypt = self._action(
            "&Encrypt with a passphrase…",
            self.encrypt_dialog,
            None,
            "Encrypt the project file at rest (SQLCipher, AES-256); it then opens only with the passphrase",
        )
        self.act_decrypt = self._action(
            "Remove &encryption…",
            self.decrypt_dialog,
            None,
            "Turn the encrypted project back into a plain file",
        )
        self.act_close = self._action("&Close project", self.close_project, "Ctrl+W", "Close the project")
        self.act_quit = self._action("&Quit", self.close, "Ctrl+Q", "Quit Blueprint Desktop")
        self.act_undo = self._action("&Undo", self.undo_last_edit, "Ctrl+Z", "Undo the last status edit")
        self.act_score = self._action(
            "&Score", self.score, "F5", "Score every county x line of the service area"
        )
        self.act_cancel = self._action("&Cancel", self.cancel_task, "Esc", "Cancel the running operation")
        self.act_feasibility = self._action(
            "&Feasibility study…", self.open_feasibility, "Ctrl+Shift+Y",
            "Could a network here pass at all, and with whom? Market capacity, infeasible cells, recruit set",
        )  # fmt: skip
        self.act_ruleset = self._action(
            "S&tandards (Medicaid/QHP rule set)…", self.open_ruleset, None,
            "Which Medicaid or QHP standards this project is scored against; choose a built-in set or load your own",
        )  # fmt: skip
        self.act_ecp = self._action(
            "&Essential community providers (QHP)…", self.open_ecp, None,
            "The General ECP Standard of a QHP project (45 CFR 156.235): load an ECP list, see the thresholds and whom to contract",
        )  # fmt: skip
        self.act_straight = self._action("Straight line", lambda: self.set_method("straight"), "Ctrl+1")
        self.act_road = self._action("Drive time (road network)", lambda: self.set_method("road"), "Ctrl+2")
        for act in (self.act_straight, self.act_road):
            act.setCheckable(True)
        self.act_straight.setChecked(True)
        # 42 CFR 422.116(d)(5) telehealth credit: per county served (default) or plan-wide (engine/credits.py).
        self.act_tele_county = self._action(
            "Per county served",
            lambda: self.set_telehealth_basis("county"),
            tip="A telehealth provider earns the credit only in the counties it serves",
        )
        self.act_tele_plan = self._action(
            "Plan-wide",
            lambda: self.set_telehealth_basis("plan"),
            tip="A telehealth provider earns the credit in every county of the service area",
        )
        for act in (self.act_tele_county, self.act_tele_plan):
            act.setCheckable(True)
        # Population points (geo/points.py): the beneficiary sample (default) or one point per ZIP area.
        self.act_pop_sample = self._action(
            "Beneficiary sample (spread over each ZIP area)",
            lambda: self.set_population_model("sample"),
            tip="Each ZIP area's residents (65+ for MA, under 65 for QHP, every age for Medicaid) spread over "
            "its land area in its county",
        )
        self.act_pop_zcta = self._action(
            "One point per ZIP area (coarser, for comparison)",
            lambda: self.set_population_model("zcta-points"),
            tip="Each ZIP area's residents (by line of business, as above) at its interior point",
        )
        for act in (self.act_pop_sample, self.act_pop_zcta):
            act.setCheckable(True)
        self.act_reset_layout = self._action("Reset layout", self.reset_layout, "Ctrl+Shift+R")
        self.act_about = self._action("&About Blueprint Desktop", self.show_about, "F1")

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.act_new)
        file_menu.addAction(self.act_open)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.act_import)
        file_menu.addAction(self.act_notice)
        file_menu.addAction(self.act_reference)
        file_menu.addAction(self.benchmark_pane.import_action)
        file_menu.addAction(self.act_print)
        export_menu = file_menu.addMenu("&Export")
        for act in (
            self.act_export_package,
            self.act_export_hsd,
            self.act_export_matrix,
            self.act_export_providers,
            self.act_export_summary,
        ):
            export_menu.addAction(act)
        file_menu.addAction(self.act_save_as)
        file_menu.addAction(self.act_encrypt)
        file_menu.addAction(self.act_decrypt)
        file_menu.addSeparator()
        file_menu.addAction(self.act_close)
        file_menu.addAction(self.act_quit)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.act_undo)
        scoring = bar.addMenu("&Scoring")
        scoring.addAction(self.act_score)
        scoring.addAction(self.act_cancel)
        scoring.addAction(self.act_feasibility)
        scoring.addAction(self.act_ruleset)
        scoring.addAction(self.act_ecp)
        method = scoring.addMenu("&Method")
        method.addAction(self.act_straight)
        method.addAction(self.act_road)
        tele = scoring.addMenu("&Telehealth credit basis")
        tele.addAction(self.act_tele_county)
        tele.addAction(self.act_tele_plan)
        pop = scoring.addMenu("&Population points")
        pop.addAction(self.act_pop_sample)
        pop.addAction(self.act_pop_zcta)
        view = bar.addMenu("&View")
        for i, dock in enumerate(self.docks.values(), start=1):
            toggle = dock.toggleViewAction()
            toggle.setShortcut(QKeySequence(f"Alt+{i}"))
            view.addAction(toggle)
        view.addSeparator()
        view.addAction(self.act_reset_layout)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.act_about)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.status_project = QLabel()
        self.status_lob = QLabel()
        self.status_year = QLabel()
        self.status_ro = QLabel("read-only")
        self.status_ro.setStyleSheet("color: #a4161a; font-weight: bold;")
        self.status_run = QLabel()
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.setTextVisible(False)
        self.progress_label = QLabel()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_task)
        self.cancel_button.setFlat(True)
        self.cancel_button.setStyleSheet("QPushButton { padding: 0 8px; color: #1f5fa8; }")
        for w in (self.progress_label, self.progress_bar, self.cancel_button):
            bar.addWidget(w)
            w.hide()
        for w in (self.status_project, self.status_lob, self.status_year, self.status_ro, self.status_run):
            bar.addPermanentWidget(w)
        self.status_ro.hide()
        # A constant height: showing the progress bar must not resize the docks above, which would
        # repaint every table while the worker holds the GIL (tests/test_gui_responsive.py).
        bar.setFixedHeight(
            max(self.cancel_button.sizeHint().height(), self.progress_bar.sizeHint().height()) + 6
        )

    def _wire(self) -> None:
        self.tasks.started.connect(self._task_started)
        self.tasks.progressed.connect(self._task_progressed)
        self.tasks.finished.connect(self._task_finished)
        self.tasks.cancelled.connect(self._task_cancelled)
        self.lookups.finished.connect(self._lookup_finished)
        self.roster_pane.status_changed.connect(self._status_changed)
        self.roster_pane.edit_failed.connect(lambda msg: show_error(self, "Status not changed", msg))
        # An undone import refreshes like an import (data/roster_undo.py restores as a new batch).
        self.roster_pane.import_undone.connect(self._roster_imported)
        self.results_pane.cell_selected.connect(self._cell_selected)
        self.results_pane.whatif_changed.connect(self._whatif_changed)
        if hasattr(self.map_pane, "county_clicked"):
            self.map_pane.county_clicked.connect(self._map_county_clicked)
        if hasattr(self.map_pane, "candidate_add_requested"):
            self.map_pane.candidate_add_requested.connect(self._map_candidate_added)
        # The deficiency response: a change in one pane re-reads the others.
        self.gap_pane.changed.connect(self._deficiency_changed)
        self.outreach_pane.entry_added.connect(
            lambda _id: self._deficiency_changed("Outreach entry recorded")
        )
        self.timeline_pane.phase_clicked.connect(self._phase_clicked)
        self.gap_pane.gap_table.itemSelectionChanged.connect(
            lambda: self.outreach_pane.set_gap(self.gap_pane.gap_id())
        )
        # Benchmark networks on the map: the picked network as a layer; a side-by-side row shows its line.
        if hasattr(self.map_pane, "show_benchmark"):
            self.benchmark_pane.network_shown.connect(self.map_pane.show_benchmark)
        self.benchmark_pane.cell_selected.connect(self._cell_selected)

    # -- project lifecycle -------------------------------------------------------------------------
    def open_project_path(self, path: str | Path) -> bool:
        """Open a project file; on a problem show its one-line message and keep the current state."""
        from blueprint_desktop.store import open_project

        if self.tasks.busy:
            show_info(self, "Busy", "Wait for the running operation to finish (or cancel it) first.")
            return False
        passphrase, problem = None, ""
        while True:
            try:
                project = open_project(path, passphrase=passphrase)
                break
            except PassphraseNeeded as exc:
                # Encrypted (or random bytes, which look the same): ask, and ask again when wrong.
                problem = str(exc) if passphrase is not None else ""
                passphrase = project_dialogs.ask_passphrase(self, path, problem)
                if passphrase is None:
                    return False
            except BlueprintError as exc:
                show_error(self, "Cannot open the project", str(exc))
                if not Path(path).exists():
                    remove_recent_project(self.settings, path)
                return False
        self._set_project(project)
        # The real file, symlinks resolved: a link and its target are one entry (one project).
        add_recent_project(self.settings, str(project.real_path))
        return True

    def close_project(self) -> None:
        if self.tasks.busy:
            show_info(self, "Busy", "Wait for the running operation to finish (or cancel it) first.")
            return
        self._set_project(None)

    def _set_project(self, project) -> None:
        self.lookups.wait()
        self._pending_lookup = None
        self._generation += 1
        old = self.project
        self.project = project
        self.undo_stack = []
        self._map_line = None
        self.roster_pane.set_project(project)
        self.results_pane.set_project(project)
        self.timeline_pane.set_project(project)
        self.outreach_pane.set_project(project)
        self.gap_pane.set_project(project)
        self.benchmark_pane.set_project(project)
        self.chart.clear("Select a cell to see how far its population lives from the nearest provider.")
        if hasattr(self.map_pane, "set_project"):
            self.map_pane.set_project(project)
        if old is not None and old is not project:
            old.close()
        self._data_version = None
        self._results_key = None
        self.watch_timer.stop()
        if project is not None:
            from blueprint_desktop.engine.runs import list_runs

            runs = list_runs(project)
            self.set_method(runs[-1]["method"] if runs else "straight")
            self._refresh_stale()
            self._data_version = project.data_version()
            self._results_key = self._results_signature()
            self.watch_timer.start()
        self.evidence_banner.check(project)
        self._update_status()
        self._update_actions()
        self.project_changed.emit()

    def _update_status(self) -> None:
        p = self.project
        self.setWindowTitle(
            f"{p.name}{' (read-only)' if p.read_only else ''} - {APP_TITLE}" if p else APP_TITLE
        )
        self.status_project.setText(p.name if p else "No project open")
        self.status_lob.setText(f"LOB: {p.lob.upper()}" if p else "")
        self.status_year.setText(f"Plan year {p.plan_year}" if p else "")
        self.status_ro.setVisible(bool(p and p.read_only))
        self.status_run.setText(self._last_run_text())
        if p is not None and p.read_only:
            why = p.read_only_reason or "it cannot be written"
            self.banner.setText(
                f"Opened read-only: {why}. You can look around (changes made elsewhere still show here), "
                "but editing, importing and scoring are off."
            )
            self.banner_bar.show()
        else:
            self.banner_bar.hide()

    # -- other hands on the same project -----------------------------------------------------------
    def _results_signature(self) -> tuple | None:
        if self.project is None:
            return None
        row = self.project.conn.execute("SELECT max(id), count(*) FROM scoring_runs").fetchone()
        return (row[0], row[1], tuple(self.project.service_area()))

    def _idle(self) -> bool:
        from PySide6.QtWidgets import QApplication

        if self.tasks.busy or self.lookups.busy:
            return False  # the worker uses the connection; look again when it is done
        table = getattr(self.roster_pane, "table", None)
        if table is not None and table.state() == QAbstractItemView.State.EditingState:
            return False  # never pull a row out from under an open editor
        modal = QApplication.activeModalWidget()
        return modal is None or modal is self

    @Slot()
    def check_outside_changes(self) -> bool:
        """Re-read the panes when another window or command committed since the last look (polled every
        ``WATCH_INTERVAL_MS`` while idle). Returns True when something changed."""
        if self.project is None or not self._idle():
            return False
        try:
            version = self.project.data_version()
        except sqlite3.Error:
            return False
        if version == self._data_version:
            return False
        self._data_version = version
        self.refresh_from_project()
        return True

    def refresh_from_project(self) -> None:
        """Re-read every pane from the file, keeping selections, filters, scroll positions and what-ifs
        (the results matrix is re-read only when a run was stored or the service area changed)."""
        if self.project is None:
            return
        key = self._results_signature()
        if key != self._results_key:
            self._results_key = key
            self.results_pane.reload()
            self.status_run.setText(self._last_run_text())
            if self._map_line and hasattr(self.map_pane, "show_line"):
                self.map_pane.show_line(self._map_line, self.results_pane.results_for_map(self._map_line))
        table = getattr(self.roster_pane, "table", None)
        scroll = table.verticalScrollBar().value() if table is not None else 0
        self.roster_pane.refresh()
        if table is not None:
            table.verticalScrollBar().setValue(scroll)
        self._reload_timeline()
        self.outreach_pane.refresh()
        self.gap_pane.refresh()
        self._refresh_stale()
        self._sync_telehealth_basis()
        self.set_method(self.method)  # a road network imported elsewhere enables drive time
        self.statusBar().showMessage("Updated with changes made in another window or command.", 6000)
        self.outside_change.emit()

    def _reload_timeline(self) -> None:
        """Re-read the timeline, keeping the notice it shows."""
        notice = self.timeline_pane.notice_id()
        self.timeline_pane.set_project(self.project)
        box = getattr(self.timeline_pane, "notice_box", None)
        if (
            notice is not None
            and box is not None
            and box.findData(notice) >= 0
            and box.currentData() != notice
        ):
            box.setCurrentIndex(box.findData(notice))

    @Slot(str)
    def _deficiency_changed(self, message: str) -> None:
        """A write in the gap or outreach pane: the other deficiency panes (and a re-score's results) follow."""
        if self.project is None:
            return
        self._reload_timeline()
        if self.sender() is not self.outreach_pane:
            self.outreach_pane.refresh()
        if self.sender() is not self.gap_pane:
            self.gap_pane.refresh()
        key = self._results_signature()
        if key != self._results_key:  # the gaps were re-scored
            self._results_key = key
            self.results_pane.reload()
            self.status_run.setText(self._last_run_text())
        self._refresh_stale()
        self.statusBar().showMessage(message, 8000)

    @Slot(int, str, bool)
    def _phase_clicked(self, gap_id: int, phase: str, add: bool) -> None:
        """A bar clicked on the timeline: select that phase in the gap pane, ready to be marked done."""
        if not add or self.gap_pane.gap_id() is None:
            self.gap_pane.select_gap(gap_id)  # Ctrl-click adds to the phases picked so far
        self.gap_pane.select_phases([(gap_id, phase)], add=add)
        self.gap_pane.tabs.setCurrentIndex(self.gap_pane.tabs.count() - 1)
        self.docks["gaps"].show()
        self.docks["gaps"].raise_()

    def _last_run_text(self) -> str:
        if self.project is None:
            return ""
        row = self.project.conn.execute(
            "SELECT started_at, method FROM scoring_runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return "Not scored yet"
        return f"Last run {local_time_text(row[0])} ({METHOD_LABELS.get(row[1], row[1])})"

    def _refresh_stale(self) -> None:
        from blueprint_desktop.engine.run_freshness import changes_since_last_run, results_outdated

        if self.project is None:
            return
        stale = results_outdated(self.project)
        why = ""
        if stale:
            n = len(changes_since_last_run(self.project))
            why = f"{n} change{'s' if n != 1 else ''} since the last run"
        self.results_pane.mark_stale(stale, why)

    # -- File menu -------------------------------------------------------------------------------
    def _start_folder(self) -> str:
        recent = recent_projects(self.settings)
        return str(Path(recent[0]).parent) if recent else str(Path.home())

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a project", self._start_folder(), PROJECT_FILTER)
        if path:
            self.open_project_path(path)

    def new_project(self) -> None:
        dialog = NewProjectDialog(self, self._start_folder())
        if dialog.exec() and dialog.created_path is not None:
            self.open_project_path(dialog.created_path)

    def save_as_dialog(self) -> None:
        if self.project is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the project as", str(Path(self.project.path).with_name("copy.bpproj")), PROJECT_FILTER
        )
        if path:
            self.save_as(path)

    def save_as(self, path: str | Path) -> bool:
        """Copy the project to ``path`` (SQLite backup API) and carry on in the copy."""
        from blueprint_desktop.store.save_as import save_project_as

        if self.project is None or self.tasks.busy:
            return False
        try:
            dest = save_project_as(self.project, path, overwrite=Path(path).exists())
        except BlueprintError as exc:
            show_error(self, "Save As failed", str(exc))
            return False
        return self.open_project_path(dest)

    def encrypt_dialog(self) -> None:
        """Ask a new passphrase twice, then encrypt the open project in place and reopen it."""
        if self.project is None or self.project.passphrase is not None:
            return
        first = project_dialogs.ask_new_passphrase(self, self.project.path)
        if first is not None:
            self.encrypt(first)

    def encrypt(self, passphrase: str) -> bool:
        """Encrypt the open project with ``passphrase`` (closed meanwhile; another window must close it)."""
        from blueprint_desktop.store.encryption import encrypt_project

        return self._convert_project(lambda path: encrypt_project(path, passphrase), passphrase, "Encrypt")

    def decrypt_dialog(self) -> None:
        if self.project is None or self.project.passphrase is None:
            return
        if ask(
            self,
            "Remove encryption",
            f"Write {Path(self.project.path).name} back as a plain file? Anyone with the file can then read it.",
        ):
            self.decrypt()

    def decrypt(self) -> bool:
        from blueprint_desktop.store.encryption import decrypt_project

        passphrase = self.project.passphrase if self.project is not None else None
        return self._convert_project(lambda path: decrypt_project(path, passphrase or ""), None, "Decrypt")

    def _convert_project(self, convert, passphrase: str | None, verb: str) -> bool:
        # The conversion needs the file closed everywhere (it leaves WAL mode and swaps the file), so close
        # ours first and reopen the result; on a refusal reopen what was there.
        if self.project is None or self.tasks.busy:
            return False
        path, old_passphrase = self.project.real_path, self.project.passphrase
        self._set_project(None)
        try:
            convert(path)
        except BlueprintError as exc:
            show_error(self, f"{verb} failed", str(exc))
            passphrase = old_passphrase
        from blueprint_desktop.store import open_project

        try:
            self._set_project(open_project(path, passphrase=passphrase))
        except BlueprintError as exc:
            show_error(self, "Cannot reopen the project", str(exc))
            return False
        return self.project is not None and self.project.passphrase == passphrase

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        items = recent_projects(self.settings)
        for i, path in enumerate(items, start=1):
            act = self.recent_menu.addAction(f"&{i} {path}")
            act.triggered.connect(lambda _checked=False, p=path: self.open_project_path(p))
            act.setEnabled(not self.tasks.busy)
        if not items:
            self.recent_menu.addAction("(none yet)").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear list", self._clear_recent)

    def _clear_recent(self) -> None:
        self.settings.setValue("recentProjects", [])

    def import_notice(self) -> None:
        """The notice intake dialog; on import the deficiency panes show the new notice."""
        from blueprint_desktop.gui.notice_dialog import NoticeDialog

        if self.project is None:
            return
        dialog = NoticeDialog(self.project, self)
        dialog.notice_imported.connect(self._notice_imported)
        dialog.exec()

    def _notice_imported(self, _notice_id: int) -> None:
        self.timeline_pane.set_project(self.project)
        self.outreach_pane.set_project(self.project)
        self.gap_pane.set_project(self.project)
        self.docks["timeline"].raise_()

    def import_reference(self, path: str | None = None) -> bool:
        """Pick a CMS HSD Reference File and load it in the worker; the result says which criteria apply."""
        if self.project is None or self.project.read_only or self.tasks.busy:
            return False
        if not path:
            path, _ = QFileDialog.getOpenFileName(
                self,
                "Import CMS HSD Reference File",
                "",
                "CMS HSD Reference File (*.xlsx *.csv);;All files (*)",
            )
        if not path:
            return False
        return self.tasks.run(
            "reference",
            operations.import_reference,
            self.project,
            path,
            label="Loading the CMS HSD Reference File",
            on_done=self._reference_done,
            on_error=lambda err: show_task_error(self, "CMS reference file", err),
        )

    def _reference_done(self, result: object) -> None:
        from blueprint_desktop.rules.cms_criteria import criteria_in_force

        source = criteria_in_force(self.project)
        unmatched = len(getattr(result, "unmatched", []) or [])
        message = (
            f"{getattr(result, 'file_name', 'The file')}: criteria year {getattr(result, 'plan_year', '?')}, "
            f"{getattr(result, 'counties', 0):,} counties"
            + (
                f" ({unmatched} not matched to a county, listed by `blueprint import reference`)"
                if unmatched
                else ""
            )
            + (" (already loaded; nothing changed)" if getattr(result, "already_imported", False) else "")
            + f".\n\nCriteria in force for plan year {self.project.plan_year}: "
            + (source.label if source else "computed designations")
            + ".\n\nPress F5 to score with them."
        )
        self._refresh_stale()
        self.statusBar().showMessage("CMS reference file loaded; press F5 to score again.", 8000)
        show_info(self, "CMS reference file", message)

    # -- exports ---------------------------------------------------------------------------------
    _REPORTS = {
        "matrix": ("Results matrix", "results-matrix.xlsx", "Excel workbook (*.xlsx)"),
        "providers": (
            "Servicing providers",
            "servicing-providers.xlsx",
            "Excel workbook (*.xlsx);;CSV (*.csv)",
        ),
        "summary": ("Executive summary", "executive-summary.pdf", "PDF (*.pdf)"),
    }

    def _export_ready(self) -> bool:
        return self.project is not None and not self.tasks.busy

    def _save_path(self, title: str, name: str, filters: str) -> str:
        start = str(Path(self._start_folder()) / name)
        path, _ = QFileDialog.getSaveFileName(self, title, start, filters)
        return path

    def export_report_dialog(self, kind: str, path: str | None = None) -> bool:
        if not self._export_ready():
            return False
        title, name, filters = self._REPORTS[kind]
        path = path or self._save_path(f"Export {title.lower()}", name, filters)
        if not path:
            return False
        return self.tasks.run(
            "export",
            operations.export_report,
            self.project,
            kind,
            path,
            label=f"Exporting the {title.lower()}",
            on_done=lambda out: self.statusBar().showMessage(f"{title} written to {out}", 10000),
            on_error=lambda err: show_task_error(self, title, err),
        )

    def print_focused_table(self) -> None:
        """Print preview of the table in focus: the roster, the outreach log, else the results matrix."""
        from PySide6.QtWidgets import QApplication

        from blueprint_desktop.gui.print_table import print_table

        if self.project is None:
            return
        w = QApplication.focusWidget()
        if w is not None and self.roster_pane.isAncestorOf(w):
            self.roster_pane.print_table()
        elif w is not None and self.outreach_pane.isAncestorOf(w):
            self.outreach_pane.print_table()
        else:
            print_table(self.results_pane.table, self, "Results matrix")

    def export_hsd_dialog(self, folder: str | None = None) -> bool:
        if not self._export_ready():
            return False
        if not folder:
            folder = QFileDialog.getExistingDirectory(
                self, "Export HSD tables into a folder", self._start_folder()
            )
        if not folder:
            return False

        def done(info: dict) -> None:
            show_info(
                self,
                "HSD tables",
                f"{info['provider_rows']:,} provider and {info['facility_rows']:,} facility rows written to "
                f"{folder}.\n{info['rejected']:,} row problem(s) CMS would reject, listed in "
                f"{Path(info['problems_file']).name}.\nSSA county codes and criteria: {info['ssa_source']}.",
            )

        return self.tasks.run(
            "export",
            operations.export_hsd,
            self.project,
            folder,
            label="Exporting the HSD tables",
            on_done=done,
            on_error=lambda err: show_task_error(self, "HSD tables", err),
        )

    def export_package_dialog(self, path: str | None = None, draft: bool | None = None) -> bool:
        """Export the package; when it lacks evidence, list what is missing and offer a DRAFT."""
        from blueprint_desktop.gui.messages import ask
        from blueprint_desktop.reports import package_pdf

        if not self._export_ready():
            return False
        try:
            lacks = package_pdf.check_package(self.project)
        except BlueprintError as exc:
            show_error(self, "Corrective action package", str(exc))
            return False
        if lacks and draft is None:
            listing = "\n".join(f"- {lack.as_dict()['section_title']}: {lack.message}" for lack in lacks[:12])
            more = f"\n... and {len(lacks) - 12} more" if len(lacks) > 12 else ""
            if not ask(
                self,
                "Corrective action package",
                f"The package still lacks {len(lacks)} item(s):\n{listing}{more}\n\nExport it as a DRAFT "
                "(watermarked, with this list as its last page)?",
            ):
                return False
            draft = True
        path = path or self._save_path(
            "Export the corrective action package", "corrective-action-package.pdf", "PDF (*.pdf)"
        )
        if not path:
            return False
        return self.tasks.run(
            "export",
            operations.export_package,
            self.project,
            path,
            bool(draft),
            label="Exporting the corrective action package",
            on_done=lambda res: self.statusBar().showMessage(
                f"Package written to {getattr(res, 'path', path)} ({getattr(res, 'pages', '?')} pages"
                f"{', DRAFT' if getattr(res, 'draft', False) else ''})",
                10000,
            ),
            on_error=lambda err: show_task_error(self, "Corrective action package", err),
        )

    def import_roster(self) -> None:
        if self.project is None or self.project.read_only or self.tasks.busy:
            return
        try:
            from blueprint_desktop.gui.import_wizard import RosterImportWizard
        except ImportError as exc:
            show_error(self, "Roster import", f"The roster importer is not available ({exc}).")
            return
        wizard = RosterImportWizard(self.project, self.tasks, self)
        wizard.imported.connect(self._roster_imported)
        wizard.undone.connect(self._roster_imported)
        wizard.exec()

    @Slot(object)
    def _roster_imported(self, _result: object) -> None:
        self.roster_pane.refresh()
        self._refresh_stale()

    # -- Edit menu -------------------------------------------------------------------------------
    @Slot(object)
    def _status_changed(self, change: rq.StatusChange) -> None:
        self.undo_stack.append(change)
        self.statusBar().showMessage(f"Saved: {change.describe()}", 6000)
        self._refresh_stale()
        self._update_actions()

    def undo_last_edit(self) -> bool:
        """Write the last status edit's old value back (a new audited change; the log keeps both)."""
        if not self.undo_stack or self.project is None or self.tasks.busy:
            return False
        change = self.undo_stack[-1]
        try:
            undone = rq.undo_status_change(self.project, change)
        except BlueprintError as exc:
            self.undo_stack.pop()
            show_error(self, "Cannot undo", str(exc))
            self._update_actions()
            return False
        self.undo_stack.pop()
        self.roster_pane.model.refresh_rows({change.provider_id})
        self.statusBar().showMessage(f"Undone: {undone.describe()}", 6000)
        self._refresh_stale()
        self._update_actions()
        return True

    # -- Scoring ---------------------------------------------------------------------------------
    def _has_roads(self) -> bool:
        if self.project is None or "road_graphs" not in self.project.db.table_names():
            return False
        return (
            self.project.conn.execute("SELECT 1 FROM road_graphs WHERE active = 1 LIMIT 1").fetchone()
            is not None
        )

    def set_method(self, method: str) -> None:
        roads = self._has_roads()
        self.act_road.setEnabled(roads)
        self.act_road.setToolTip(
            "Drive time on the imported road network"
            if roads
            else "Import a road network first (`blueprint import roads`) to score by drive time"
        )
        if method == "road" and not roads:
            method = "straight"
        self.method = method if method in METHOD_LABELS else "straight"
        self.act_straight.setChecked(self.method == "straight")
        self.act_road.setChecked(self.method == "road")

    def set_telehealth_basis(self, basis: str) -> None:
        """Store the project's telehealth credit basis (audited); results are stale until the next score."""
        from blueprint_desktop.engine import credits

        writable = self.project is not None and not self.project.read_only and not self.tasks.busy
        if writable and basis != credits.telehealth_basis(self.project):
            credits.set_telehealth_basis(self.project, basis)
            self._refresh_stale()
            self.statusBar().showMessage(
                f"Telehealth credit basis: {credits.TELEHEALTH_BASES[basis]}. Press F5 to score again.", 8000
            )
        self._sync_telehealth_basis()

    def set_population_model(self, model: str) -> None:
        """Store the project's population model (audited); results are stale until the next score."""
        from blueprint_desktop.geo import points

        writable = self.project is not None and not self.project.read_only and not self.tasks.busy
        if writable and model != points.population_model(self.project):
            points.set_population_model(self.project, model)
            self._refresh_stale()
            self.statusBar().showMessage(
                f"Population points: {points.describe_model(model, self.project)}. Press F5 to score again.",
                8000,
            )
        self._sync_telehealth_basis()

    def _sync_telehealth_basis(self) -> None:
        from blueprint_desktop.engine import credits
        from blueprint_desktop.geo import points

        basis = credits.telehealth_basis(self.project) if self.project is not None else None
        self.act_tele_county.setChecked(basis == "county")
        self.act_tele_plan.setChecked(basis == "plan")
        model = points.population_model(self.project) if self.project is not None else None
        self.act_pop_sample.setChecked(model == "sample")
        self.act_pop_zcta.setChecked(model == "zcta-points")

    def score(self) -> bool:
        if self.project is None or self.project.read_only or self.tasks.busy:
            return False
        return self.tasks.run(
            "score",
            operations.score,
            self.project,
            self.method,
            label=f"Scoring ({METHOD_LABELS[self.method]})",
            on_done=self._score_done,
            on_error=self._score_failed,
        )

    def open_feasibility(self):
        """Scoring > Feasibility study…: the study window (gui/feasibility_view.py)."""
        from blueprint_desktop.gui.feasibility_view import open_feasibility

        return open_feasibility(self)

    def open_ruleset(self) -> bool:
        """Scoring > Standards…: the rule set of a Medicaid or QHP project (gui/ruleset_dialog.py)."""
        from blueprint_desktop.gui.ruleset_dialog import RulesetDialog

        if self.project is None or is_ma(self.project.lob) or self.tasks.busy:
            return False
        dialog = RulesetDialog(self.project, self)
        self.ruleset_dialog = dialog  # reachable by tests while it is open
        dialog.exec()
        if dialog.changed:
            self._refresh_stale()
            self.statusBar().showMessage("Standards changed: press F5 to score against them.", 8000)
        return dialog.changed

    def open_ecp(self) -> bool:
        """Scoring > Essential community providers…: the General ECP Standard of a QHP project
        (gui/ecp_dialog.py). Reads the roster as it is; changes nothing the scoring reads."""
        from blueprint_desktop.gui.ecp_dialog import EcpDialog

        if self.project is None or self.project.lob != "qhp" or self.tasks.busy:
            return False
        try:
            dialog = EcpDialog(self.project, self)
        except BlueprintError as exc:
            show_error(self, "Essential community providers", str(exc))
            return False
        self.ecp_dialog = dialog  # reachable by tests while it is open
        dialog.exec()
        return True

    def cancel_task(self) -> None:
        if self.tasks.busy:
            self.progress_label.setText("Cancelling…")
            self.tasks.cancel()

    def _score_done(self, _run: object) -> None:
        self.results_pane.reload()
        self._results_key = self._results_signature()
        self.results_pane.mark_stale(False)
        self._refresh_stale()
        self.status_run.setText(self._last_run_text())
        key = self.results_pane.current_key()
        if key:
            self._map_line = None
            self._cell_selected(*key)
        elif self._map_line and hasattr(self.map_pane, "show_line"):
            self.map_pane.show_line(self._map_line, self.results_pane.results_for_map(self._map_line))
        self.statusBar().showMessage("Scoring finished: results updated.", 6000)
        self.scoring_finished.emit(True)

    def _score_failed(self, err: TaskError) -> None:
        show_task_error(self, "Scoring failed", err)
        self.scoring_finished.emit(False)

    @Slot(str)
    def _task_cancelled(self, name: str) -> None:
        what = {
            "score": "Scoring",
            "targets": "Targeting",
            "whatif": "What-if",
            "import": "Import",
            "benchmark-compare": "Benchmark comparison",
        }.get(name, name)
        self.statusBar().showMessage(f"{what} cancelled: nothing was stored.", 8000)
        if name == "score":
            self.scoring_finished.emit(False)

    @Slot(str, str)
    def _task_started(self, _name: str, label: str) -> None:
        self.progress_label.setText(label)
        self.progress_bar.setValue(0)
        for w in (self.progress_label, self.progress_bar, self.cancel_button):
            w.show()
        self._update_actions()

    @Slot(float, str)
    def _task_progressed(self, fraction: float, message: str) -> None:
        self.progress_bar.setValue(int(fraction * 1000))
        if message:
            self.progress_bar.setToolTip(message)

    @Slot(str)
    def _task_finished(self, _name: str) -> None:
        for w in (self.progress_label, self.progress_bar, self.cancel_button):
            w.hide()
        self._update_actions()

    def _update_actions(self) -> None:
        has = self.project is not None
        busy = self.tasks.busy
        writable = has and not self.project.read_only
        for act in (self.act_new, self.act_open):
            act.setEnabled(not busy)
        self.recent_menu.setEnabled(not busy)
        self.act_close.setEnabled(has and not busy)
        self.act_save_as.setEnabled(has and not busy)
        encrypted = has and self.project.passphrase is not None
        self.act_encrypt.setEnabled(has and not busy and not encrypted and not self.project.read_only)
        self.act_decrypt.setEnabled(encrypted and not busy and not self.project.read_only)
        self.act_import.setEnabled(writable and not busy)
        # CMS's MA deficiency process (deficiency/notice.import_notice refuses other lines of business).
        self.act_notice.setEnabled(writable and not busy and is_ma(self.project.lob))
        self.act_reference.setEnabled(writable and not busy)
        self.act_print.setEnabled(has and not busy)
        for act in (
            self.act_export_package,
            self.act_export_hsd,
            self.act_export_matrix,
            self.act_export_providers,
            self.act_export_summary,
        ):
            act.setEnabled(has and not busy)
        # The HSD tables are MA's HPMS submission (reports/hsd_tables.build_tables refuses other lines of business).
        ma_project = has and is_ma(self.project.lob)
        self.act_export_hsd.setEnabled(ma_project and not busy)
        self.act_export_hsd.setToolTip(
            "Export the HSD provider and facility tables and their rejection list"
            if ma_project or not has
            else "The HSD tables are the Medicare Advantage submission to HPMS: not for this "
            f"{self.project.lob.upper()} project (the Servicing providers export lists its network)"
        )
        self.act_score.setEnabled(writable and not busy)
        for act in (self.act_tele_county, self.act_tele_plan, self.act_pop_sample, self.act_pop_zcta):
            act.setEnabled(writable and not busy)
        self._sync_telehealth_basis()
        self.act_cancel.setEnabled(busy)
        self.act_feasibility.setEnabled(has)
        # Medicaid and QHP standards come from a rule set; MA's from the CMS criteria (File > Import CMS reference).
        self.act_ruleset.setEnabled(has and not busy and not is_ma(self.project.lob))
        self.act_ruleset.setToolTip(
            "Medicare Advantage projects are scored against the CMS HSD criteria (File > Import CMS reference file)"
            if has and is_ma(self.project.lob)
            else "Which Medicaid or QHP standards this project is scored against; choose a built-in set or load your own"
        )
        # 45 CFR 156.235 is the exchanges' standard: a QHP project only (a project never mixes lines of business).
        self.act_ecp.setEnabled(has and not busy and self.project.lob == "qhp")
        self.act_ecp.setToolTip(
            "Essential community providers are a QHP standard (45 CFR 156.235); this project is "
            + self.project.lob.upper()
            if has and self.project.lob != "qhp"
            else "The General ECP Standard of a QHP project (45 CFR 156.235): load an ECP list, see the thresholds and whom to contract"
        )
        self.act_undo.setEnabled(writable and not busy and bool(self.undo_stack))
        self.act_undo.setText(
            f"&Undo {rq.STATUS_LABELS[self.undo_stack[-1].field]} status of {self.undo_stack[-1].name}"
            if self.undo_stack
            else "&Undo"
        )
        self.roster_pane.set_editable(writable and not busy)
        self.gap_pane.set_editable(writable and not busy)

    # -- results, map and chart ------------------------------------------------------------------
    @Slot(str, str)
    def _cell_selected(self, county_fips: str, line_code: str) -> None:
        if hasattr(self.map_pane, "show_line"):
            if line_code != self._map_line:
                self._map_line = line_code
                self.map_pane.show_line(
                    line_code,
                    self.results_pane.results_for_map(line_code),
                    self.results_pane.whatif_targets.get((county_fips, line_code)),
                )
            self.map_pane.select_county(county_fips)
        self._request_distribution(county_fips, line_code)

    @Slot(str, str)
    def _whatif_changed(self, county_fips: str, line_code: str) -> None:
        if hasattr(self.map_pane, "show_line"):
            self._map_line = line_code
            self.map_pane.show_line(
                line_code,
                self.results_pane.results_for_map(line_code),
                self.results_pane.whatif_targets.get((county_fips, line_code)) or None,
            )
            self.map_pane.select_county(county_fips)
        # The chart shows the selected cell before and after the assumed signings.
        key = self.results_pane.current_key()
        if key:
            self._request_distribution(*key)

    @Slot(str)
    def _map_county_clicked(self, county_fips: str) -> None:
        self.results_pane.select_county(county_fips)

    @Slot(int)
    def _map_candidate_added(self, provider_id: int) -> None:
        if self.results_pane.current_key() is None:
            self.statusBar().showMessage(
                "Select a county x line cell first, then add candidates to it.", 6000
            )
            return
        if not self.results_pane.add_whatif_targets([provider_id]):
            self.statusBar().showMessage("Busy: try again when the running operation has finished.", 6000)

    def _request_distribution(self, county_fips: str, line_code: str) -> None:
        self._pending_lookup = (county_fips, line_code)
        if not self.lookups.busy:
            self._run_pending_lookup()

    @Slot(str)
    def _lookup_finished(self, _name: str) -> None:
        self._run_pending_lookup()

    def _run_pending_lookup(self) -> None:
        if self._pending_lookup is None or self.project is None or self.lookups.busy:
            return
        county_fips, line_code = self._pending_lookup
        self._pending_lookup = None
        stored = self.results_pane.model.stored_result(county_fips, line_code) or {}
        method = stored.get("detail", {}).get("method", "straight")
        name = self.results_pane.model.county_name(county_fips)
        self.lookups.run(
            "distribution",
            operations.distribution,
            self.project,
            county_fips,
            line_code,
            method,
            list(getattr(self.results_pane, "assumed_ids", ()) or ()),  # the portfolio what-if, if any
            on_done=lambda dist, n=name, g=self._generation: self._distribution_done(dist, n, g),
            on_error=lambda err, g=self._generation: self._distribution_done(None, err.message, g),
        )

    def _distribution_done(self, dist, county_name: str, generation: int) -> None:
        if generation != self._generation:
            return  # computed for a project that has since been closed
        if dist is None:
            self.chart.clear(f"No distribution: {county_name}")
        else:
            self.chart.show_distribution(dist, county_name)

    # -- layout, about, shutdown -------------------------------------------------------------------
    def show_about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(self)
        box.setWindowTitle("About Blueprint Desktop")
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(about_html(self.project))
        box.exec()

    def reset_layout(self) -> None:
        self.restoreState(self._default_state, LAYOUT_VERSION)
        for dock in self.docks.values():
            dock.show()
        self.docks["results"].raise_()
        self._apply_default_sizes()

    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1600, 1000)
        if isinstance(state, QByteArray) and not state.isEmpty():
            self._layout_restored = self.restoreState(state, LAYOUT_VERSION)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if not self._layout_restored:
            self._layout_restored = True  # only the first time: later the user's own sizes win
            self._apply_default_sizes()

    def save_layout(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState(LAYOUT_VERSION))
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.watch_timer.stop()
        if self.tasks.busy:
            self.tasks.cancel()
            self.tasks.wait(60000)
        self.lookups.wait(60000)
        self.save_layout()
        if self.project is not None:
            self._set_project(None)
        super().closeEvent(event)
