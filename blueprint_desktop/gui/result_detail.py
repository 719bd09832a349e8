"""Detail of one county x line result: the numbers against the standard, confidence, reasons, targets.

Shows what a network manager needs to act on a cell: the share within standard against the required
share, the 90th percentile time and distance against the standard, the credited count against the
minimum, the confidence score with its five weighted parts (engine/confidence.py), the reasons in plain
words, and the recruitment targets (engine/targeting.py) with the smallest set that makes it pass marked.
With a what-if (candidates assumed signed across the service area, engine/whatif.py) the header, the
"Against the standard" table and the summary under the targets show the stored result and the what-if
side by side. Each recruit carries its address, phone (when the project stores one), whether it accepts
new patients and its distance from the people it would serve. The widget only draws; the pane runs the
engine calls in the worker.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from blueprint_desktop.engine.confidence import WEIGHTS
from blueprint_desktop.rules.standard_words import detail_minutes_text
from blueprint_desktop.status_colors import status_color, status_text_color

PART_LABELS = {
    "freshness": "Freshness",
    "verification": "Verification",
    "geocoding": "Geocoding",
    "rules": "Rules",
    "panel": "Panel status",
}
PART_HELP = {
    "freshness": "Data freshness: age of the roster data behind the credited locations",
    "verification": "Provider verification: attested or billed within 180 days (365 for half marks)",
    "geocoding": "Geocoding quality: exact address, ZIP or county centroid",
    "rules": "HSD rule completeness: CMS reference file loaded, drive time measured on roads",
    "panel": "Panel status: open, closed or unknown",
}
TARGET_COLUMNS = [
    "Set",
    "Provider",
    "NPI",
    "Address",
    "Phone",
    "Accepting",
    "Mi to gap",
    "65+ reached",
    "Share +",
]
PHONE_COLUMN = TARGET_COLUMNS.index("Phone")
PHONE_NOT_STORED = (
    "Phone: not stored. No practice location in this project has a telephone number yet: import the NPPES "
    "file (it publishes each practice location's phone) to fill them."
)
OK_COLOR, BAD_COLOR = "#2e7d32", "#c62828"
MUTED = "#52606d"


def _chip(status: str) -> str:
    return (
        f'<span style="background:{status_color(status)}; color:{status_text_color(status)};'
        f' padding:2px 8px; border-radius:3px;">&nbsp;{escape(status)}&nbsp;</span>'
    )


def _fmt(value, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "beyond search"
    return f"{value:.{digits}f}{unit}"


class ResultDetail(QWidget):
    """Detail panel of the selected cell. ``show_result(result, county_name)``; ``clear(message)``."""

    targets_requested = Signal()  # "Find recruitment targets" pressed
    whatif_add_requested = Signal(list)  # provider ids to add to the what-if of this cell
    whatif_clear_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ResultDetail")
        self.result: dict | None = None
        self.plan = None

        self.title = QLabel()
        self.title.setObjectName("detailTitle")
        self.title.setTextFormat(Qt.TextFormat.RichText)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)

        # Measures against the standard.
        self.metrics = QGridLayout()
        self.metrics.setHorizontalSpacing(12)
        self.metrics.setVerticalSpacing(3)
        for col, text in enumerate(["", "Measured", "Standard", ""]):
            head = QLabel(f"<b>{text}</b>")
            head.setStyleSheet(f"color: {MUTED};")
            self.metrics.addWidget(head, 0, col)
        self.whatif_head = QLabel("<b>What-if</b>")
        self.whatif_head.setObjectName("whatifHead")
        self.whatif_head.setStyleSheet("color: #4a148c;")
        self.whatif_head.setToolTip("With the candidates of the what-if assumed signed (nothing stored)")
        self.metrics.addWidget(self.whatif_head, 0, 4, 1, 2)
        self.metric_labels: dict[str, tuple[QLabel, QLabel, QLabel]] = {}
        self.whatif_labels: dict[str, tuple[QLabel, QLabel]] = {}
        for row, (key, text) in enumerate(
            [
                ("share", "Beneficiaries within standard"),
                ("p90_minutes", "90th percentile time"),
                ("p90_miles", "90th percentile distance"),
                ("count", "Credited providers"),
            ],
            start=1,
        ):
            name = QLabel(text)
            if key == "share":
                self.share_name = name  # renamed per cell's population (_name_reached_column)
            measured, standard, verdict = QLabel(), QLabel(), QLabel()
            measured.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.metrics.addWidget(name, row, 0)
            self.metrics.addWidget(measured, row, 1)
            self.metrics.addWidget(standard, row, 2)
            self.metrics.addWidget(verdict, row, 3)
            self.metric_labels[key] = (measured, standard, verdict)
            after, after_verdict = QLabel(), QLabel()
            after.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            after.setStyleSheet("color: #4a148c; font-weight: bold;")
            self.metrics.addWidget(after, row, 4)
            self.metrics.addWidget(after_verdict, row, 5)
            self.whatif_labels[key] = (after, after_verdict)
        self.metrics.setColumnStretch(6, 1)
        self.method_note = QLabel()
        self.method_note.setStyleSheet(f"color: {MUTED};")
        self.method_note.setWordWrap(True)

        # Confidence breakdown: five parts in two columns (label, bar, points of its weight).
        self.conf_title = QLabel()
        self.conf_grid = QGridLayout()
        self.conf_grid.setVerticalSpacing(4)
        self.conf_grid.setHorizontalSpacing(8)
        self.part_bars: dict[str, tuple[QProgressBar, QLabel]] = {}
        for i, (key, label) in enumerate(PART_LABELS.items()):
            row, col = i % 3, (i // 3) * 3
            bar = QProgressBar()
            bar.setRange(0, 1000)
            bar.setTextVisible(False)
            bar.setFixedHeight(8)
            bar.setMinimumWidth(50)
            bar.setStyleSheet(
                "QProgressBar { background: #e4e7eb; border: none; border-radius: 3px; }"
                " QProgressBar::chunk { background: #4a78b5; border-radius: 3px; }"
            )
            value = QLabel()
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            name = QLabel(label)
            name.setToolTip(f"{PART_HELP[key]}; weight {WEIGHTS[key]:g} of 100")
            bar.setToolTip(name.toolTip())
            self.conf_grid.addWidget(name, row, col)
            self.conf_grid.addWidget(bar, row, col + 1)
            self.conf_grid.addWidget(value, row, col + 2)
            self.part_bars[key] = (bar, value)
        self.conf_grid.setColumnStretch(1, 1)
        self.conf_grid.setColumnStretch(4, 1)
        self.conf_grid.setColumnMinimumWidth(2, 44)
        self.conf_grid.setColumnMinimumWidth(5, 44)
        self.conf_note = QLabel()
        self.conf_note.setWordWrap(True)
        self.conf_note.setStyleSheet(f"color: {MUTED};")

        numbers = QGroupBox("Against the standard")
        nl = QVBoxLayout(numbers)
        nl.addLayout(self.metrics)
        nl.addWidget(self.method_note)
        conf_box = QGroupBox("Confidence")
        cl = QVBoxLayout(conf_box)
        cl.addWidget(self.conf_title)
        cl.addLayout(self.conf_grid)
        cl.addWidget(self.conf_note)
        self.reasons = QLabel()
        self.reasons.setObjectName("detailReasons")
        self.reasons.setWordWrap(True)
        self.reasons.setTextFormat(Qt.TextFormat.RichText)
        self.reasons.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reasons.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        reasons_box = QGroupBox("Why")
        rl = QVBoxLayout(reasons_box)
        rl.addWidget(self.reasons)
        rl.addStretch(1)

        column = QWidget()
        ll = QVBoxLayout(column)
        ll.setContentsMargins(0, 0, 4, 0)
        ll.addWidget(numbers)
        ll.addWidget(conf_box)
        ll.addWidget(reasons_box, 1)
        # Scrolls rather than squeezes when the window is short.
        left = QScrollArea()
        left.setWidgetResizable(True)
        left.setFrameShape(QFrame.Shape.NoFrame)
        left.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        left.setWidget(column)

        # Recruitment targets and what-if.
        self.targets_button = QPushButton("Find recruitment targets")
        self.targets_button.setObjectName("findTargets")
        self.targets_button.clicked.connect(self.targets_requested)
        self.add_button = QPushButton("Add to what-if")
        self.add_button.setToolTip(
            "Assume the selected candidates signed and re-score every county they practise in"
        )
        self.add_button.clicked.connect(self._add_selected)
        self.clear_button = QPushButton("Clear what-if")
        self.clear_button.setToolTip("Drop every candidate assumed signed: all cells show their stored score")
        self.clear_button.clicked.connect(self.whatif_clear_requested)
        self.plan_label = QLabel()
        self.plan_label.setObjectName("planSummary")
        self.plan_label.setWordWrap(True)
        self.whatif_label = QLabel()
        self.whatif_label.setObjectName("whatifSummary")
        self.whatif_label.setWordWrap(True)
        self.whatif_label.setTextFormat(Qt.TextFormat.RichText)
        self.targets = QTableWidget(0, len(TARGET_COLUMNS))
        self.targets.setObjectName("targetsTable")
        self.targets.setHorizontalHeaderLabels(TARGET_COLUMNS)
        self.targets.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.targets.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.targets.verticalHeader().setVisible(False)
        self.targets.setAlternatingRowColors(True)
        self.targets.setWordWrap(False)
        self.targets.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.targets.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.targets.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(30)
        for col, tip in enumerate(
            [
                "1, 2, ...: the smallest set of candidates that makes the cell pass, in the order to sign them",
                "Uncontracted provider (NPPES market, or roster without an executed contract)",
                "National Provider Identifier",
                "Practice location nearest the gap (street, city, state ZIP), as the project stores it",
                "Practice phone, when the project stores one",
                "Accepting new patients, from the provider's panel status (open: Yes, closed: No); "
                "NPPES does not say, so market providers show Unknown until confirmed",
                "Miles to gap: straight-line miles from the provider's practice location nearest the gap to"
                " the nearest population point of this county outside the time and distance standard today"
                " (the people it would serve). 0 means it practises among them.",
                "People aged 65+ newly brought within the time and distance standard",
                "Percentage points of the county's share within standard this provider adds alone",
            ]
        ):
            self.targets.horizontalHeaderItem(col).setToolTip(tip)
        # The name takes the spare width, the address a fixed one; both show in full in the tooltip.
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        self.targets.setColumnWidth(3, 200)
        self.targets.setColumnHidden(PHONE_COLUMN, True)
        self.targets.doubleClicked.connect(lambda _i: self._add_selected())
        buttons = QHBoxLayout()
        buttons.addWidget(self.targets_button)
        buttons.addStretch(1)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.clear_button)
        targets_box = QGroupBox("Recruitment targets")
        tl = QVBoxLayout(targets_box)
        tl.addLayout(buttons)
        tl.addWidget(self.plan_label)
        tl.addWidget(self.targets, 1)
        tl.addWidget(self.whatif_label)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(targets_box)
        # Equal halves: the numbers keep room for the what-if column beside the stored ones.
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        self.body = split

        self.placeholder = QLabel()
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setStyleSheet(f"color: {MUTED}; padding: 24px;")
        self.placeholder.setWordWrap(True)

        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setStyleSheet("color: #d5dbe1;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.addWidget(self.title)
        layout.addWidget(line)
        layout.addWidget(self.placeholder, 1)
        layout.addWidget(split, 1)
        self.clear("Select a cell of the matrix to see why it passes or fails.")

    # -- public API --------------------------------------------------------------------------------
    def clear(self, message: str) -> None:
        self.result = None
        self.plan = None
        self.title.setText("")
        self.placeholder.setText(message)
        self.placeholder.show()
        self.body.hide()

    def show_result(
        self,
        result: dict,
        county_name: str,
        whatif: dict | None = None,
        n_whatif: int = 0,
        whatif_note: str = "",
    ) -> None:
        """``result`` is the stored score; ``whatif`` the same cell with the what-if's ``n_whatif``
        candidates signed (None: the what-if leaves it alone, ``whatif_note`` says why)."""
        same_cell = self.result is not None and (self.result["county_fips"], self.result["line_code"]) == (
            result["county_fips"],
            result["line_code"],
        )
        self.result = result
        self.placeholder.hide()
        self.body.show()
        detail = result.get("detail") or {}
        self._name_reached_column(str(detail.get("population") or ""))
        if detail.get("providers_within") == 2:  # the share counts people with two providers within reach
            self.share_name.setText(f"{self.share_name.text()} (two providers)")
        after = (
            f" &rarr; {_chip(whatif['status'])} <span style='color:#4a148c'><b>what-if</b>"
            f" ({n_whatif} signed)</span>"
            if whatif
            else ""
        )
        self.title.setText(
            f"<b>{escape(county_name)}</b> &nbsp;&middot;&nbsp; {escape(result['line_code'])} "
            f"{escape(result.get('line_name', ''))} &nbsp; {_chip(result['status'])}{after}"
        )
        self._fill_metrics(result)
        self._fill_whatif_metrics(whatif)
        self._fill_confidence(result)
        reasons = result.get("reasons") or []
        self.reasons.setText("".join(f"<p style='margin:0 0 4px 0'>&bull; {escape(r)}</p>" for r in reasons))
        if not same_cell:
            self.show_plan(None)
        self.show_whatif(whatif, n_whatif, whatif_note)

    def detail_text(self) -> str:
        """Everything the panel says, as plain text (tests, copy to clipboard)."""
        parts = [self._plain(self.title.text())]
        for key, (measured, standard, verdict) in self.metric_labels.items():
            line = f"{key}: {measured.text()} vs {standard.text()} {self._plain(verdict.text())}"
            after, after_verdict = self.whatif_labels[key]
            if after.text():
                line += f" | what-if {after.text()} {self._plain(after_verdict.text())}"
            parts.append(line)
        parts.append(self._plain(self.conf_title.text()))
        for key, (_bar, value) in self.part_bars.items():
            parts.append(f"{PART_LABELS[key]}: {value.text()}")
        parts.append(self.conf_note.text())
        parts.append(self._plain(self.reasons.text()))
        parts.append(self.plan_label.text())
        parts.append(self._plain(self.whatif_label.text()))
        return "\n".join(p for p in parts if p)

    def set_busy(self, busy: bool) -> None:
        for button in (self.targets_button, self.add_button):
            button.setEnabled(not busy)
        self.clear_button.setEnabled(not busy and getattr(self, "_whatif_active", False))

    def _name_reached_column(self, population: str) -> None:
        """The people a target brings within the standard are the cell's population points: 65+ residents
        (MA), residents under 65 (QHP), of every age (Medicaid), or the plan's enrollees."""
        if population.startswith("65+") or not population:
            label, tip, share = "65+ reached", "People aged 65+", "Beneficiaries within standard"
        elif population.startswith("the plan's enrollees"):
            label, tip, share = "Enrollees reached", "Enrollees", "Enrollees within standard"
        else:
            label, tip = "People reached", population.split(" (")[0].capitalize()
            share = f"{tip} within standard"
        self.share_name.setText(share)
        col = TARGET_COLUMNS.index("65+ reached")
        item = self.targets.horizontalHeaderItem(col)
        if item is not None and item.text() != label:
            item.setText(label)
            item.setToolTip(f"{tip} newly brought within the time and distance standard")

    def show_plan(self, plan, distances: dict[int, float] | None = None, phones_stored: bool = False) -> None:
        """List a TargetPlan's candidates (None clears), the minimal set first and marked. ``distances``
        are miles to the gap (``Candidate.miles_to_gap``); the Phone column shows only when the project
        stores phones."""
        self.plan = plan
        self.targets.setRowCount(0)
        if plan is None:
            self.plan_label.setText(
                "Rank uncontracted providers (NPPES market and roster without an executed contract) "
                "by the people they would bring within standard."
            )
            return
        distances = distances or {}
        chosen = [c.provider_id for c in plan.chosen]
        ranked = [c for c in plan.chosen] + [c for c in plan.candidates if c.provider_id not in chosen]
        self.targets.setRowCount(len(ranked))
        bold = QFont(self.targets.font())
        bold.setBold(True)
        from blueprint_desktop.engine.targeting import accepting_text

        self.targets.setColumnHidden(PHONE_COLUMN, not phones_stored)
        for row, cand in enumerate(ranked):
            in_set = cand.provider_id in chosen
            miles = distances.get(cand.provider_id, getattr(cand, "miles_to_gap", None))
            values = [
                f"{chosen.index(cand.provider_id) + 1}" if in_set else "",
                cand.name,
                cand.npi,
                getattr(cand, "address", "") or "(no address stored)",
                getattr(cand, "phone", None) or ("(none on file)" if phones_stored else "not stored"),
                accepting_text(getattr(cand, "panel_status", None)),
                f"{miles:.1f}" if miles is not None else "",
                f"{cand.new_weight:,.0f}",
                f"{cand.share_gain:.1f}",
            ]
            source = (
                "NPPES market"
                if cand.source == "market"
                else f"{cand.source}, contract {cand.contract_status}"
            )
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, cand.provider_id)
                item.setToolTip(
                    f"{cand.name} ({source}); {values[3]}"
                    + (
                        f"; would make pass alone: {', '.join(cand.counties_flipped)}"
                        if cand.counties_flipped
                        else ""
                    )
                )
                if col in (0, 6, 7, 8):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if in_set:
                    item.setFont(bold)
                    item.setBackground(QColor("#e8f0fb"))
                self.targets.setItem(row, col, item)
        notes = " ".join(n[0].upper() + n[1:] + ("" if n.endswith(".") else ".") for n in plan.notes[1:])
        if plan.chosen:
            after = plan.share_after_each[-1] if plan.share_after_each else plan.current_pct
            n = len(plan.chosen)
            marks = "1" if n == 1 else f"1-{n}"
            if plan.reaches_pass:
                how = (
                    "exact minimum"
                    if plan.solver.startswith("milp")
                    else "greedy: the exact solver ran out of time"
                )
                lead = f"Sign {n} candidate{'s' if n != 1 else ''} (marked {marks}) to pass"
            else:
                how = "best available picks"
                lead = f"No set of candidates passes; the {n} marked {marks} get closest"
            self.plan_label.setText(
                f"{lead}: share {plan.current_pct:.1f}% -> {after:.1f}% ({how}). {notes} "
                f"{len(plan.candidates)} candidates ranked; double-click one to add it to the what-if."
                + ("" if phones_stored else f" {PHONE_NOT_STORED}")
            )
        else:
            self.plan_label.setText(
                f"No candidate brings anyone within standard here ({len(plan.candidates)} ranked). {notes}"
            )

    def show_whatif(self, whatif: dict | None, n_targets: int, note: str = "") -> None:
        self._whatif_active = bool(whatif or n_targets)
        self.clear_button.setEnabled(self._whatif_active)
        if not whatif:
            self.whatif_label.setText(escape(note) if n_targets else "")
            return
        before = self.result or {}
        self.whatif_label.setText(
            f"<b>What-if</b>: with {n_targets} candidate(s) signed across the service area, this cell would be "
            f"{_chip(whatif['status'])} &nbsp;{whatif['pct_within']:.1f}% within standard, "
            f"{whatif['credited_count']} credited (minimum {whatif['min_count']}); stored run: "
            f"{escape(str(before.get('status', '?')))}, {before.get('pct_within', 0.0):.1f}%."
        )

    def _fill_whatif_metrics(self, w: dict | None) -> None:
        self.whatif_head.setVisible(bool(w))
        for after, verdict in self.whatif_labels.values():
            after.setText("")
            verdict.setText("")
            after.setVisible(bool(w))
            verdict.setVisible(bool(w))
        if not w:
            return
        d = w.get("detail", {})
        max_min, max_mi = d.get("max_minutes"), d.get("max_miles")
        no_time = bool(d.get("no_time_limit"))  # a distance-only standard: any time meets it
        rows = {
            "share": (f"{w['pct_within']:.1f}%", w["pct_within"] + 1e-9 >= w["required_pct"]),
            "p90_minutes": (
                _fmt(w.get("p90_minutes"), " min"),
                no_time
                or (
                    w.get("p90_minutes") is not None
                    and max_min is not None
                    and w["p90_minutes"] <= max_min + 1e-9
                ),
            ),
            "p90_miles": (
                _fmt(w.get("p90_miles"), " mi"),
                w.get("p90_miles") is not None and max_mi is not None and w["p90_miles"] <= max_mi + 1e-9,
            ),
            "count": (f"{w['credited_count']:,}", w["credited_count"] >= w["min_count"]),
        }
        for key, (value, ok) in rows.items():
            after, verdict = self.whatif_labels[key]
            after.setText(value)
            verdict.setText(
                f'<span style="color:{OK_COLOR}">&#10003;</span>'
                if ok
                else f'<span style="color:{BAD_COLOR}">&#10007;</span>'
            )

    def selected_candidates(self) -> list[int]:
        rows = sorted({i.row() for i in self.targets.selectedIndexes()})
        return [int(self.targets.item(r, 1).data(Qt.ItemDataRole.UserRole)) for r in rows]

    # -- internals -------------------------------------------------------------------------------
    def _add_selected(self) -> None:
        ids = self.selected_candidates()
        if ids:
            self.whatif_add_requested.emit(ids)

    def _fill_metrics(self, r: dict) -> None:
        d = r.get("detail", {})
        beds = d.get("counts_beds")
        unit = "beds" if beds else "providers"
        max_min, max_mi = d.get("max_minutes"), d.get("max_miles")
        no_time = bool(d.get("no_time_limit"))  # a distance-only standard: any time meets it
        rows = {
            "share": (
                f"{r['pct_within']:.1f}%",
                f"at least {r['required_pct']:g}%",
                r["pct_within"] + 1e-9 >= r["required_pct"],
            ),
            "p90_minutes": (
                _fmt(r.get("p90_minutes"), " min"),
                detail_minutes_text(d),
                no_time
                or (
                    r.get("p90_minutes") is not None
                    and max_min is not None
                    and r["p90_minutes"] <= max_min + 1e-9
                ),
            ),
            "p90_miles": (
                _fmt(r.get("p90_miles"), " mi"),
                f"{max_mi:g} mi" if max_mi is not None else "?",
                r.get("p90_miles") is not None and max_mi is not None and r["p90_miles"] <= max_mi + 1e-9,
            ),
            "count": (
                f"{r['credited_count']:,}",
                f"at least {r['min_count']:,} {unit if r['min_count'] != 1 else unit[:-1]}",
                r["credited_count"] >= r["min_count"],
            ),
        }
        for key, (measured, standard, ok) in rows.items():
            m, s, v = self.metric_labels[key]
            m.setText(measured)
            s.setText(standard)
            v.setText(
                f'<span style="color:{OK_COLOR}">&#10003; meets</span>'
                if ok
                else f'<span style="color:{BAD_COLOR}">&#10007; short</span>'
            )
        notes = []
        credits = d.get("credits") or []
        if credits:
            names = {"telehealth": "telehealth", "certificate_of_need": "Certificate of Need"}
            both = " and ".join(names.get(c, c) for c in credits)
            notes.append(
                f"Includes {d.get('credit_points', 10):g} points of {both} credit"
                f"{' (one credit: they do not stack)' if len(credits) > 1 else ''} "
                f"(measured {d.get('pct_measured', 0):.1f}%; 42 CFR 422.116(d))."
            )
        elif d.get("telehealth_credit_points"):
            notes.append(
                f"Includes {d['telehealth_credit_points']:g} points of telehealth credit "
                f"(measured {d.get('pct_measured', 0):.1f}%; 42 CFR 422.116(d)(5))."
            )
        if d.get("telehealth_basis"):
            notes.append(
                f"Telehealth credit basis: {'per county served' if d['telehealth_basis'] == 'county' else 'plan-wide'}."
            )
        notes.append(
            "Drive time estimated from straight-line distance."
            if r.get("estimated_time")
            else "Drive time on the road network."
        )
        if d.get("designation"):
            computed = d.get("designation_source") == "computed"
            notes.append(
                f"County type: {d['designation']}{' (computed: CMS does not list it)' if computed else ''}."
            )
        if d.get("criteria"):
            notes.append(f"Criteria: {d['criteria']}.")
        if d.get("population"):
            notes.append(f"Population: {d['population']}.")
        if d.get("off_network_share"):
            notes.append(
                f"{100 * float(d['off_network_share']):.1f}% of the population is off the road network: its legs "
                "are estimated in straight line."
            )
        if d.get("near_line"):
            notes.append("Near the line: " + "; ".join(d["near_line"]) + ".")
        self.method_note.setText(" ".join(notes))

    def _fill_confidence(self, r: dict) -> None:
        parts = r.get("confidence_parts") or {}
        conf = r.get("confidence")
        self.conf_title.setText(
            f"<b>{conf:.0f} / 100</b> ({escape(r.get('confidence_band') or '')})"
            if conf is not None
            else "not computed"
        )
        for key, (bar, value) in self.part_bars.items():
            got = float(parts.get(key, 0.0) or 0.0)
            weight = WEIGHTS[key]
            bar.setValue(int(round(1000 * got / weight)) if weight else 0)
            value.setText(f"{got:.1f}/{weight:g}")
        note = parts.get("note") or ""
        assessed = parts.get("locations_assessed")
        self.conf_note.setText(
            note
            or (f"Based on {assessed} credited location(s) within reach." if assessed is not None else "")
        )

    @staticmethod
    def _plain(html: str) -> str:
        from PySide6.QtGui import QTextDocument

        doc = QTextDocument()
        doc.setHtml(html)
        return doc.toPlainText().strip()
