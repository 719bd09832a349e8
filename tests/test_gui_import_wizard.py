"""The roster import wizard: file -> preview -> mapping -> problems -> import in the worker -> summary.

Two layers: the wizard's own mechanics against the importer's published contract (a small test double
standing in for ``data.roster_import``, so these run whatever the importer's state), and one end-to-end
import through the real importer, skipped until ``blueprint_desktop.data.roster_import`` exists.
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from gui_support import make_window

from blueprint_desktop.errors import InputFileError

HEADERS = ["NPI", "Provider Name", "Specialty", "Address", "City", "State", "ZIP"]
ROWS = [
    ["1234567893", "Maria Garcia, MD", "Cardiology", "10 Main St", "Houston", "TX", "77002"],
    ["123", "Bad Npi, MD", "Cardiology", "5 Elm Rd", "Houston", "TX", "77002"],
    ["1245319599", "James Lee, MD", "Cardiology", "9 Oak Ave", "Sugar Land", "TX", "77479"],
]


@dataclass
class Problem:
    row_number: int
    column: str
    value: str
    expected: str


@dataclass
class Preview:
    headers: list
    rows: list
    layout: str | None
    mapping: dict
    missing_required: list
    problems: list = field(default_factory=list)


@dataclass
class Result:
    batch_id: int
    rows_read: int
    rows_imported: int
    rows_rejected: int
    problems: list
    changes: object
    already_imported: bool = False


@dataclass
class Plan:
    suggested_mode: str
    already_imported: bool
    current_providers: int
    file_providers: int
    added: list
    updated: list
    dropped_if_replaced: list


DR_A = {"npi": "1234567893", "name": "Maria Garcia, MD"}
DR_B = {"npi": "1245319599", "name": "James Lee, MD"}
DROPS = [{"npi": f"10000000{i:02d}", "name": f"Dr. Gone {i}"} for i in range(3)]
# The contract's plan: 2 providers in a file against 40 on the roster (a partial file).
PLAN = {
    "suggested_mode": "add-update",
    "already_imported": False,
    "current_providers": 40,
    "file_providers": 2,
    "added": [DR_A],
    "updated": [DR_B],
    "dropped_if_replaced": DROPS,
}


class RosterRejected(InputFileError):
    def __init__(self, message: str, problems: list) -> None:
        super().__init__(message)
        self.problems = problems


def _contract_double(calls: list) -> types.ModuleType:
    """``data.roster_import`` as its contract describes it (fields, preview, import, refusal)."""
    module = types.ModuleType("blueprint_desktop.data.roster_import")
    module.ROSTER_FIELDS = {
        "npi": "National Provider Identifier (required)",
        "name": "Provider name (required)",
        "specialty": "Specialty or taxonomy (required)",
        "address": "Practice street address",
        "zip": "Practice ZIP code",
    }
    module.RosterRejected = RosterRejected

    def preview_roster(path, project=None, mapping=None):
        calls.append(("preview", Path(path).name, dict(mapping) if mapping is not None else None))
        auto = {"npi": "NPI", "name": "Provider Name", "address": "Address", "zip": "ZIP"}
        used = auto if mapping is None else mapping
        missing = [f for f in ("npi", "name", "specialty") if f not in used]
        problems = [Problem(3, "NPI", "123", "a 10-digit NPI with a valid check digit")]
        return Preview(
            HEADERS, [dict(zip(HEADERS, r, strict=True)) for r in ROWS], None, auto, missing, problems
        )

    def plan_roster_import(project, path, mapping=None, skip_bad_rows=False, mode=None):
        calls.append(("plan", dict(mapping or {}), skip_bad_rows))
        return Plan(**PLAN)

    def import_roster(project, path, mapping=None, skip_bad_rows=False, progress=None, mode="add-update"):
        calls.append(("import", dict(mapping or {}), skip_bad_rows, mode))
        progress.update(0.5, "reading rows")
        if not skip_bad_rows:
            raise RosterRejected(
                f"{Path(path).name}: 1 row with problems; nothing was imported",
                [Problem(3, "NPI", "123", "a 10-digit NPI")],
            )
        progress.update(1.0, "imported", force=True)
        return Result(12, 3, 2, 1, [], [{"change": "added"}, {"change": "added"}, {"change": "changed"}])

    module.preview_roster = preview_roster
    module.plan_roster_import = plan_roster_import
    module.import_roster = import_roster
    return module


@pytest.fixture
def roster_csv(tmp_path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text("\n".join(",".join(f'"{v}"' for v in row) for row in [HEADERS, *ROWS]) + "\n")
    return path


def _wizard_module_with_double(monkeypatch, calls):
    """gui.import_wizard imported against the contract double; both are taken back after the test."""
    import importlib

    import blueprint_desktop.data

    double = _contract_double(calls)
    monkeypatch.setitem(sys.modules, "blueprint_desktop.data.roster_import", double)
    # `from blueprint_desktop.data import roster_import` reads the package attribute once the real
    # module has been imported by another test, so the attribute is swapped too.
    monkeypatch.setattr(blueprint_desktop.data, "roster_import", double, raising=False)
    name = "blueprint_desktop.gui.import_wizard"
    sys.modules.pop(name, None)
    # Registered while absent, so monkeypatch's undo removes the double-bound module again and later
    # tests import the wizard fresh, against the real importer.
    monkeypatch.setitem(sys.modules, name, None)
    del sys.modules[name]
    return importlib.import_module(name)


def _wizard_with_double(qtbot, tmp_path, monkeypatch, calls):
    wizard_module = _wizard_module_with_double(monkeypatch, calls)
    window = make_window(qtbot, tmp_path)
    wizard = wizard_module.RosterImportWizard(window.project, window.tasks, window)
    qtbot.addWidget(wizard)
    return window, wizard, wizard_module


def test_wizard_steps_against_the_importer_contract(qtbot, tmp_path, monkeypatch, roster_csv) -> None:
    calls: list = []
    window, wizard, mod = _wizard_with_double(qtbot, tmp_path, monkeypatch, calls)
    wizard.show()
    # File page: a missing file is refused on the page itself.
    wizard.file_page.path.setText(str(tmp_path / "missing.csv"))
    wizard.next()
    assert wizard.currentPage() is wizard.file_page and "no such file" in wizard.file_page.error.text()
    wizard.file_page.path.setText(str(roster_csv))
    wizard.next()
    # Preview: headers and the first rows, and a note that the layout was not recognised.
    page = wizard.preview_page
    assert wizard.currentPage() is page
    assert [page.table.horizontalHeaderItem(i).text() for i in range(page.table.columnCount())] == HEADERS
    assert page.table.rowCount() == 3 and page.table.item(1, 0).text() == "123"
    assert "not one we know" in page.layout_label.text()
    wizard.next()
    # Mapping: one combo per roster field, prefilled from the importer's proposal.
    mapping = wizard.mapping_page
    assert list(mapping.combos) == ["npi", "name", "specialty", "address", "zip"]
    assert mapping.combos["npi"].currentText() == "NPI" and mapping.combos["zip"].currentText() == "ZIP"
    assert mapping.combos["specialty"].currentData() == "" and "specialty" in mapping.error.text()
    wizard.next()  # the required specialty has no column yet: refused
    assert wizard.currentPage() is mapping and "specialty" in mapping.error.text()
    mapping.combos["specialty"].setCurrentText("Specialty")
    wizard.next()
    assert calls[-1] == (
        "preview",
        "roster.csv",
        {"npi": "NPI", "name": "Provider Name", "specialty": "Specialty", "address": "Address", "zip": "ZIP"},
    )
    # Problems: listed by row, column, value and what was expected; going on needs "good rows only".
    check = wizard.validation_page
    assert wizard.currentPage() is check and check.table.rowCount() == 1
    assert [check.table.item(0, c).text() for c in range(4)] == [
        "3",
        "NPI",
        "123",
        "a 10-digit NPI with a valid check digit",
    ]
    assert not check.isComplete()
    check.skip.setChecked(True)
    assert check.isComplete()
    # What the import will do, before it does it: a partial file preselects "add and update".
    wizard.next()
    summary = wizard.summary_page
    assert wizard.currentPage() is summary and calls[-1] == ("plan", calls[-2][2], True)
    assert summary.add_update.isChecked() and "partial file" in summary.hint.text()
    assert (
        summary.counts.text()
        == "1 added, 1 updated, 0 dropped; 3 providers not in the file stay on the roster."
    )
    assert [summary.table.item(r, 0).text() for r in range(summary.table.rowCount())] == ["added", "updated"]
    assert summary.confirm.isHidden() and summary.isComplete()
    # Replace lists the providers it would drop and needs a confirmation naming how many.
    summary.replace.setChecked(True)
    assert wizard.flow.mode == "replace"
    assert summary.counts.text().startswith("1 added, 1 updated, 3 dropped")
    rows = [(summary.table.item(r, 0).text(), summary.table.item(r, 2).text()) for r in range(3)]
    assert rows == [("dropped", "Dr. Gone 0"), ("dropped", "Dr. Gone 1"), ("dropped", "Dr. Gone 2")]
    assert not summary.confirm.isHidden() and summary.confirm.text().startswith(
        "Drop 3 providers from the roster"
    )
    assert not summary.isComplete()
    summary.confirm.setChecked(True)
    assert summary.isComplete()
    summary.add_update.setChecked(True)  # back to add and update: nothing dropped, no confirmation left
    assert not summary.confirm.isChecked() and summary.isComplete()
    # Import runs in the window's worker; the summary counts what changed.
    with qtbot.waitSignal(wizard.imported, timeout=10000) as blocker:
        wizard.next()
    assert blocker.args[0].rows_imported == 2
    assert calls[-1][0] == "import" and calls[-1][2] is True and calls[-1][3] == "add-update"
    text = wizard.import_page.status.text()
    assert "Imported 2 of 3 rows (1 rows with problems were skipped) as batch #12" in text
    assert "added: 2, dropped: 0, changed: 1" in text
    assert wizard.import_page.isComplete()


def test_wizard_shows_a_refusal_and_imports_nothing(qtbot, tmp_path, monkeypatch, roster_csv) -> None:
    calls: list = []
    window, wizard, mod = _wizard_with_double(qtbot, tmp_path, monkeypatch, calls)
    wizard.flow.load(roster_csv)
    wizard.flow.set_mapping("specialty", "Specialty")
    wizard.flow.skip_bad_rows = False
    failed: list[str] = []
    wizard.failed.connect(failed.append)
    wizard.import_page.initializePage()
    qtbot.waitUntil(lambda: bool(failed), timeout=10000)
    assert failed == ["roster.csv: 1 row with problems; nothing was imported"]
    assert wizard.import_page.problems.rowCount() == 1 and not wizard.import_page.problems.isHidden()
    assert "Nothing was imported" in wizard.import_page.status.text()


def test_change_summaries_accept_counts_lists_and_records(monkeypatch) -> None:
    import_wizard = _wizard_module_with_double(monkeypatch, [])

    assert import_wizard.summarise_changes({"added": 3, "dropped": [1, 2], "changed": 0}) == {
        "added": 3,
        "dropped": 2,
        "changed": 0,
    }
    assert import_wizard.summarise_changes([{"change": "dropped"}, {"change": "added"}]) == {
        "added": 1,
        "dropped": 1,
        "changed": 0,
    }
    assert import_wizard.problem_row(
        {"row_number": 4, "column": "ZIP", "value": None, "expected": "5 digits"}
    ) == (
        "4",
        "ZIP",
        "",
        "5 digits",
    )


def test_wizard_imports_a_roster_with_the_real_importer(qtbot, tmp_path) -> None:
    roster_import = pytest.importorskip("blueprint_desktop.data.roster_import")
    from blueprint_desktop.data.roster_layouts import template_rows
    from blueprint_desktop.demo import npi_with_check_digit
    from blueprint_desktop.gui.import_wizard import RosterImportWizard

    # The roster template's own layout: its example row, a row with a bad NPI, and a second good row.
    header, example = template_rows()
    second = dict(zip(header, example, strict=True)) | {
        "npi": npi_with_check_digit("145678901"),
        "name": "James Lee, MD",
    }
    bad = dict(zip(header, example, strict=True)) | {"npi": "123", "name": "Bad Npi, MD"}
    path = tmp_path / "roster.csv"
    import csv

    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerow(example)
        writer.writerow([bad[h] for h in header])
        writer.writerow([second[h] for h in header])

    window = make_window(qtbot, tmp_path)
    before = window.project.conn.execute("SELECT count(*) FROM import_batches").fetchone()[0]
    wizard = RosterImportWizard(window.project, window.tasks, window)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path.setText(str(path))
    wizard.next()
    assert wizard.currentPage() is wizard.preview_page
    assert wizard.preview_page.table.rowCount() == 3
    wizard.next()
    assert set(wizard.mapping_page.combos) == set(roster_import.ROSTER_FIELDS)
    assert wizard.mapping_page.combos["npi"].currentData() == "npi"
    wizard.next()
    check = wizard.validation_page
    assert wizard.currentPage() is check
    rows = {check.table.item(r, 0).text() for r in range(check.table.rowCount())}
    assert rows == {"3"}  # the bad NPI on spreadsheet row 3 (the header is row 1)
    check.skip.setChecked(True)
    wizard.next()
    assert wizard.currentPage() is wizard.summary_page and wizard.summary_page.add_update.isChecked()
    with qtbot.waitSignal(wizard.imported, timeout=60000) as blocker:
        wizard.next()
    result = blocker.args[0]
    assert result.mode == "add-update" and result.changes["counts"]["dropped"] == 0
    assert (result.rows_imported, result.rows_rejected) == (2, 1)
    assert window.project.conn.execute("SELECT count(*) FROM import_batches").fetchone()[0] == before + 1
    window._roster_imported(result)
    assert window.results_pane.is_stale


def _state(project) -> list[tuple]:
    return project.conn.execute(
        "SELECT p.id, p.npi, p.contract_status, p.credentialing_status, p.batch_id,"
        " (SELECT group_concat(line_code) FROM provider_lines WHERE provider_id = p.id),"
        " (SELECT group_concat(id || ':' || latitude) FROM locations WHERE provider_id = p.id)"
        " FROM providers p WHERE source = 'roster' ORDER BY p.id"
    ).fetchall()


def test_replace_asks_before_dropping_and_the_last_page_undoes(qtbot, tmp_path) -> None:
    """The issue's case: a 2-row file in "replace" mode would drop the whole provider roster of the demo;
    the wizard says how many, needs the confirmation, and the last page's Undo puts everyone back."""
    from roster_files import template_file, template_row

    from blueprint_desktop.demo import npi_with_check_digit
    from blueprint_desktop.gui.import_wizard import RosterImportWizard

    path = template_file(
        tmp_path / "signings.csv",
        [template_row(npi_with_check_digit(f"14567890{i}"), f"Dr. New {i}") for i in range(2)],
    )
    window = make_window(qtbot, tmp_path)
    before = _state(window.project)
    wizard = RosterImportWizard(window.project, window.tasks, window)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path.setText(str(path))
    for _ in range(4):  # preview, mapping, problems (none), what will change
        wizard.next()
    summary = wizard.summary_page
    assert wizard.currentPage() is summary
    plan = wizard.flow.plan
    # A 2-provider file against the demo's provider roster: add and update is preselected.
    assert plan.suggested_mode == "add-update" and summary.add_update.isChecked()
    assert plan.counts == {"added": 2, "updated": 0, "dropped": 0}
    drops = len(plan.dropped_if_replaced)
    assert drops > 100 and summary.isComplete()
    summary.replace.setChecked(True)
    assert summary.table.rowCount() == drops + 2
    assert summary.confirm.text().startswith(f"Drop {drops:,} providers from the roster")
    assert not summary.isComplete()
    wizard.next()  # refused without the confirmation
    assert wizard.currentPage() is summary
    summary.confirm.setChecked(True)
    with qtbot.waitSignal(wizard.imported, timeout=60000) as blocker:
        wizard.next()
    result = blocker.args[0]
    assert result.changes["counts"]["dropped"] == drops and result.changes["counts"]["added"] == 2
    page = wizard.import_page
    assert not page.undo_button.isHidden()
    with qtbot.waitSignal(wizard.undone, timeout=60000) as undone:
        page.undo_button.click()
    # Back: every dropped provider; out: the 2 new ones; restored: any provider that only lost the
    # provider-kind lines (it also held facility lines).
    changed = result.changes["counts"]["changed"]
    assert undone.args[0].counts == {"added": drops, "dropped": 2, "changed": changed}
    assert page.status.text().startswith("Undone: roster restored to before batch")
    assert _state(window.project) == before
