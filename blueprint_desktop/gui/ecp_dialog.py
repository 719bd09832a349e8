"""Scoring > Essential community providers: a QHP project's General ECP Standard in the window.

What ``blueprint import ecp`` and ``blueprint ecp PROJECT [--remove-newest]`` do, through the same core calls
(``data/ecp_list.py``, ``engine/ecp_compliance.py``): load a list (a refused file changes nothing and says
which rows), see the 35% thresholds, the county x category offers, the Indian health care providers and the
fewest contracts that meet every threshold, and remove the newest list (asks first; its rows are kept, and
loading the file again brings it back). The report reads the roster as it is now, so it needs no scoring run.
"""

from __future__ import annotations

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.gui.messages import ask, show_error
from blueprint_desktop.gui.readonly_table import readonly_table
from blueprint_desktop.status_colors import STATUS_TINTS

_TINT = {"met": STATUS_TINTS["Pass"], "offer": STATUS_TINTS["At Risk"], "short": STATUS_TINTS["Failing"]}


class EcpDialog(QDialog):
    def __init__(self, project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.report = None
        self.setWindowTitle("Essential community providers (QHP, 45 CFR 156.235)")
        self.resize(1080, 680)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.load_button = QPushButton("Load an ECP list…")
        self.remove_button = QPushButton("Remove the newest list (undo)")
        self.load_button.clicked.connect(lambda: self.load_file())
        self.remove_button.clicked.connect(lambda: self.remove_newest())
        self.export_button = QPushButton("Export to Excel…")
        self.export_button.clicked.connect(lambda: self.export())
        row = QHBoxLayout()
        row.addWidget(self.load_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        row.addWidget(self.export_button)
        self.thresholds = readonly_table(
            ["Standard", "Contracted", "Available", "Share", "35% needs", "Short", "Status"]
        )
        self.cells = readonly_table(["County", "ECP category", "Available", "Contracted", "Offer recorded", "Status",
                             "Locations to offer a contract"])  # fmt: skip
        self.indian = readonly_table(["Name", "NPI", "Address", "County", "Status"])
        self.recruits = readonly_table(
            ["#", "Name", "County", "What it closes", "On the roster", "ECP categories", "NPI", "Address"]
        )
        self.notes = QTextBrowser()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.thresholds, "Thresholds")
        self.tabs.addTab(self.cells, "One per category per county")
        self.tabs.addTab(self.indian, "Indian health care providers")
        self.tabs.addTab(self.recruits, "Fewest contracts to meet it")
        self.tabs.addTab(self._locations_tab(), "All ECP locations and offers")
        self.tabs.addTab(self.notes, "What it rests on")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(row)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self.load_button.setEnabled(not project.read_only)
        self.refresh()

    def _locations_tab(self) -> QWidget:
        """Every ECP location of the service area, with the offers recorded to it: record one, or retract one
        recorded by mistake (both append to the record; nothing is erased)."""
        self.locations = readonly_table(
            ["Name", "NPI", "County", "ECP categories", "Status", "Offer recorded"]
        )
        self.offer_button = QPushButton("Record a contract offer to the selected location…")
        self.retract_button = QPushButton("Retract its recorded offer…")
        self.offer_button.clicked.connect(lambda: self.record_offer())
        self.retract_button.clicked.connect(lambda: self.retract_offer())
        self.locations.itemSelectionChanged.connect(self._sync_offer_buttons)
        buttons = QHBoxLayout()
        buttons.addWidget(self.offer_button)
        buttons.addWidget(self.retract_button)
        buttons.addStretch(1)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.locations, 1)
        layout.addLayout(buttons)
        return tab

    def _selected_site(self):
        rows = self.locations.selectionModel().selectedRows() if self.report else []
        return self.report.sites[rows[0].row()] if rows else None

    def _offers_of(self, site) -> list:
        return [o for o in self.report.offers if o.npi in site.npis] if self.report else []

    def _sync_offer_buttons(self) -> None:
        site = self._selected_site()
        writable = not self.project.read_only
        self.offer_button.setEnabled(writable and site is not None and not site.contracted)
        self.retract_button.setEnabled(writable and site is not None and bool(self._offers_of(site)))

    # -- what is shown ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        from blueprint_desktop.data.ecp_list import in_force
        from blueprint_desktop.engine.ecp_compliance import ecp_report

        current = in_force(self.project)
        self.remove_button.setEnabled(current is not None and not self.project.read_only)
        self.export_button.setEnabled(current is not None)
        if current is None:
            self.report = None
            self.summary.setText(
                "<b>No ECP list is loaded.</b> Load the Final ECP List CMS publishes for the plan year (CSV or "
                "XLSX, one row per ECP provider and site: NPI, name, ECP category, street address, city, state, "
                "ZIP code, county), or your exchange's list. The General ECP Standard is then measured against "
                "this project's roster."
            )
            for table in (self.thresholds, self.cells, self.indian, self.recruits, self.locations):
                table.setRowCount(0)
            self._sync_offer_buttons()
            self.notes.setPlainText("")
            return
        self.report = r = ecp_report(self.project)
        verdict = (
            "<span style='color:#2e7d32'>met</span>"
            if r.met
            else "<span style='color:#c62828'>not met</span>"
        )
        kind = "stand-alone dental plan" if r.sadp else "QHP"
        self.summary.setText(
            f"<b>General ECP Standard (45 CFR 156.235(a)(2)), {kind}: {verdict}.</b> "
            f"List: {r.list_file}, loaded {r.list_loaded[:10]}; {r.sites_available} ECP locations in the "
            f"{len(r.counties)} counties of the service area"
            + (
                f" ({r.rows_outside_area} {'row' if r.rows_outside_area == 1 else 'rows'} outside it not counted)"
                if r.rows_outside_area
                else ""
            )
            + f". {len(r.recruits)} more contract(s) meet every threshold; "
            f"{len(r.offers_missing)} county x category cell(s) and {len(r.indian_missing)} Indian health care "
            "provider(s) have no contract or recorded offer."
        )
        self._fill_thresholds(r)
        self._fill_cells(r)
        self._fill_indian(r)
        self._fill_recruits(r)
        self._fill_locations(r)
        self.notes.setPlainText("\n\n".join([*r.notes, *(f"{t.label}: {t.citation}" for t in r.thresholds)]))

    def _fill_thresholds(self, r) -> None:
        rows = []
        for t in r.thresholds:
            if not t.applies:
                rows.append(([t.label, "", str(t.available), "", "", "", "does not apply to an SADP"], None))
                continue
            share = f"{100 * t.share:.1f}%" if t.share is not None else "none available"
            status = "met" if t.met else f"{t.short} more needed"
            rows.append(([t.label, str(t.contracted), str(t.available), share, str(t.required), str(t.short),
                          status], "met" if t.met else "short"))  # fmt: skip
        _fill(self.thresholds, rows)

    def _fill_cells(self, r) -> None:
        tint = {"contracted": "met", "offer recorded": "offer", "no offer recorded": "short"}
        _fill(
            self.cells,
            [([c.county, c.category_label, str(c.available), str(c.contracted), str(c.offered), c.status,
               "; ".join(c.candidates)], tint[c.status]) for c in r.cells],
        )  # fmt: skip

    def _fill_locations(self, r) -> None:
        from blueprint_desktop.geo.counties import county_name
        from blueprint_desktop.rules.ecp_standard import load_standard

        standard = load_standard()
        tint = {"contracted": "met", "offer recorded": "offer", "no contract": None}
        rows = []
        for s in r.sites:
            offers = "; ".join(f"{o.offered_on} (no. {o.id})" for o in self._offers_of(s))
            rows.append(([s.name, ", ".join(s.npis), county_name(s.county_fips),
                          ", ".join(standard.label(c) for c in s.categories), s.status, offers], tint[s.status]))  # fmt: skip
        _fill(self.locations, rows)
        self._sync_offer_buttons()

    def _fill_indian(self, r) -> None:
        from blueprint_desktop.geo.counties import county_name

        _fill(
            self.indian,
            [([s.name, ", ".join(s.npis), _address(s), county_name(s.county_fips), s.status],
              "met" if s.contracted else "offer" if s.offered else "short") for s in r.indian],
        )  # fmt: skip

    def _fill_recruits(self, r) -> None:
        from blueprint_desktop.geo.counties import county_name
        from blueprint_desktop.rules.ecp_standard import load_standard

        standard_names = load_standard()
        _fill(
            self.recruits,
            [([str(i), x.site.name, county_name(x.site.county_fips), "; ".join(x.closes),
               x.site.status.replace("no contract", "no"),
               ", ".join(standard_names.label(c) for c in x.site.categories)
               + (f" ({', '.join(x.site.provider_types)})" if x.site.provider_types else ""), ", ".join(x.site.npis),
               _address(x.site)], None) for i, x in enumerate(r.recruits, 1)],
        )  # fmt: skip

    # -- actions -----------------------------------------------------------------------------------------
    def load_file(self, path: str | None = None) -> bool:
        """Load an ECP list; a refused file changes nothing and its first problems are shown."""
        from blueprint_desktop.data.ecp_list import import_ecp_list

        if not path:
            path, _ = QFileDialog.getOpenFileName(
                self, "Load an ECP list", "", "ECP list (*.csv *.xlsx *.xlsm *.txt);;All files (*)"
            )
        if not path:
            return False
        try:
            import_ecp_list(self.project, path)
        except BlueprintError as exc:
            problems = getattr(exc, "problems", None) or []
            details = "\n".join(str(p) for p in problems[:200])
            show_error(self, "ECP list not loaded", str(exc), details)
            return False
        self.refresh()
        return True

    def remove_newest(self, confirm: bool = True) -> bool:
        from blueprint_desktop.data.ecp_list import in_force, remove_newest

        current = in_force(self.project)
        if current is None:
            return False
        if confirm and not ask(
            self,
            "Remove the ECP list",
            f"Set {current['file_name']} aside? Its rows are kept; loading the file again brings it back.",
        ):
            return False
        remove_newest(self.project)
        self.refresh()
        return True

    def record_offer(self, note: str | None = None, ask_note: bool = True) -> bool:
        """Record that a contract was offered today to the selected location (its first NPI)."""
        from blueprint_desktop.data.ecp_offers import record_offer

        site = self._selected_site()
        if site is None or site.contracted:
            return False
        if ask_note:
            note, ok = QInputDialog.getText(
                self,
                "Record a contract offer",
                f"Offer made today to {site.name}. How, and to whom (optional):",
            )
            if not ok:
                return False
        try:
            record_offer(self.project, site.npis[0], site.name, note=note or None)
        except BlueprintError as exc:
            show_error(self, "Offer not recorded", str(exc))
            return False
        self._refresh_keeping(site.key)
        return True

    def retract_offer(self, confirm: bool = True) -> bool:
        """Retract the newest offer recorded to the selected location (asks first; the record keeps both)."""
        from blueprint_desktop.data.ecp_offers import retract_offer

        site = self._selected_site()
        offers = self._offers_of(site) if site else []
        if not offers:
            return False
        offer = offers[-1]
        if confirm and not ask(
            self,
            "Retract the recorded offer",
            f"Retract the offer to {offer.name} recorded for {offer.offered_on}? The record keeps the offer and "
            "its retraction.",
        ):
            return False
        retract_offer(self.project, offer.id)
        self._refresh_keeping(site.key)
        return True

    def _refresh_keeping(self, key: str) -> None:
        self.refresh()
        for i, s in enumerate(self.report.sites if self.report else []):
            if s.key == key:
                self.locations.selectRow(i)
                break

    def export(self, path: str | None = None) -> str | None:
        """Write the report as an Excel workbook (``reports/ecp_xlsx.py``, as ``blueprint export ecp``)."""
        from blueprint_desktop.reports.ecp_xlsx import write_ecp_xlsx

        if self.report is None:
            return None
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                self, "Export essential community providers", "ecp.xlsx", "Excel workbook (*.xlsx)"
            )
        if not path:
            return None
        try:
            return str(write_ecp_xlsx(self.project, path))
        except (BlueprintError, OSError) as exc:
            show_error(self, "Not exported", str(exc))
            return None


def _address(site) -> str:
    return f"{site.address}, {site.city or ''} {site.state} {site.zip}".replace("  ", " ")


def _fill(table: QTableWidget, rows: list[tuple[list[str], str | None]]) -> None:
    table.setRowCount(len(rows))
    for i, (values, tint) in enumerate(rows):
        for j, value in enumerate(values):
            item = QTableWidgetItem(value)
            if tint is not None:
                item.setBackground(QBrush(QColor(_TINT[tint])))
            table.setItem(i, j, item)
