"""Take docs/screenshots/main-window.png: the demo in the real window, scored, a Failing cell selected.

Run under a virtual X screen (the map needs a real GL-capable platform for a faithful picture):

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python installers/screenshot.py

It works on a copy of the demo and on throwaway settings, so it changes neither the user's demo
project nor their window layout. Steps: open, score (F5, in the worker), pick the Failing cell with the
lowest share within standard that recruiting can close, with its recruitment targets listed; wait
for the map and the chart; grab.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def wait_for(app, condition, timeout: float, what: str) -> None:
    from PySide6.QtCore import QEventLoop

    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise SystemExit(f"screenshot: timed out waiting for {what}")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots" / "main-window.png")
    parser.add_argument("--size", default="1600x1000", help="window size WIDTHxHEIGHT")
    parser.add_argument(
        "--cell", default=None, help="FIPS:LINE of the cell to select (default: the starkest closable gap)"
    )
    parser.add_argument("--dock", default=None, help="raise this dock first (e.g. timeline, outreach)")
    parser.add_argument(
        "--feasibility",
        default=None,
        metavar="TAB",
        help="grab the feasibility study window instead, on this tab (capacity, infeasible, recruits)",
    )
    parser.add_argument(
        "--benchmark",
        default=None,
        metavar="FILE:FORMAT",
        help="import this benchmark network first (format plannet, qhp or tic) and compare (with --dock benchmark)",
    )
    parser.add_argument(
        "--ecp",
        default=None,
        metavar="TAB",
        help="grab Scoring > Essential community providers instead (a QHP --project with an ECP list), on this "
        "tab (thresholds, cells, indian, recruits, locations, notes)",
    )
    parser.add_argument(
        "--project",
        type=Path,
        default=None,
        help="a copy of this project instead of the demo (e.g. a QHP one)",
    )
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))

    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    work = Path(tempfile.mkdtemp(prefix="bp-screenshot-"))

    from PySide6.QtCore import QSettings

    from blueprint_desktop.demo import ensure_demo_project
    from blueprint_desktop.gui.app import create_application, dispose

    app = create_application()
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(work))
    from blueprint_desktop.gui.main_window import MainWindow

    project_path = work / "demo.bpproj"
    shutil.copy(args.project or ensure_demo_project(), project_path)
    window = MainWindow(settings=QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat))
    window.resize(width, height)
    window.show()
    wait_for(app, window.isVisible, 10, "the window")
    if not window.open_project_path(project_path):
        raise SystemExit(f"screenshot: could not open {args.project or 'the demo project'}")

    if args.feasibility:
        return _feasibility_shot(app, window, args, width, height, work)
    if args.ecp:
        return _ecp_shot(app, window, args, work)

    finished: list[bool] = []
    window.scoring_finished.connect(finished.append)
    window.score()
    wait_for(app, lambda: bool(finished), 120, "scoring")

    results = window.results_pane.model.results()
    failing = sorted(
        (r for r in results if r["status"] == "Failing"),
        key=lambda r: (r["pct_within"], r["county_fips"], r["line_code"]),
    )
    map_ready: list[bool] = []
    if hasattr(window.map_pane, "map_ready"):
        window.map_pane.map_ready.connect(lambda: map_ready.append(True))
    found: list[object] = []
    window.results_pane.targets_found.connect(found.append)
    # The starkest gap that recruiting can close: the Failing cells by lowest share within standard,
    # the first whose recruitment plan reaches a pass (else the starkest one).
    chosen = failing[0]
    if args.cell:
        fips, line = args.cell.split(":")
        wanted = [r for r in results if r["county_fips"] == fips and r["line_code"] == line]
        if not wanted:
            raise SystemExit(f"screenshot: no result for {args.cell}")
        failing = wanted
        chosen = wanted[0]  # shown even when no recruitment plan reaches a pass
    for cell in failing[:8]:
        wait_for(app, lambda: not window.tasks.busy, 30, "the worker")
        window.results_pane.select_cell(cell["county_fips"], cell["line_code"])
        found.clear()
        window.results_pane.find_targets()
        wait_for(app, lambda: bool(found), 120, "recruitment targets")
        if found[0].plan.reaches_pass and found[0].plan.chosen:
            chosen = cell
            break
    else:
        window.results_pane.select_cell(chosen["county_fips"], chosen["line_code"])
        wait_for(app, lambda: not window.tasks.busy, 30, "the worker")
        found.clear()
        window.results_pane.find_targets()
        wait_for(app, lambda: bool(found), 120, "recruitment targets")
    worst = chosen
    wait_for(app, lambda: bool(window.chart.drawn), 60, "the chart")
    if hasattr(window.map_pane, "map_ready"):
        wait_for(app, lambda: bool(map_ready), 60, "the map")
    settle = time.monotonic() + 1.5  # let Leaflet finish drawing and the selection zoom settle
    wait_for(app, lambda: time.monotonic() > settle, 5, "the map to settle")

    if args.benchmark:
        # Import and compare run in the worker: wait for the comparison, then show its first row (its line
        # goes to the map, with the network's locations as a layer).
        file_name, _, fmt = args.benchmark.rpartition(":")
        pane = window.benchmark_pane
        wait_for(app, lambda: not window.tasks.busy, 30, "the worker")
        compared: list[int] = []
        pane.compared.connect(compared.append)
        if not pane.import_file(file_name, fmt, compare_after=True):
            raise SystemExit("screenshot: the benchmark import did not start")
        wait_for(
            app,
            lambda: bool(compared) or (pane.last_error is not None and not window.tasks.busy),
            300,
            "the benchmark comparison",
        )
        if not compared:
            raise SystemExit(f"screenshot: benchmark import failed: {pane.last_error.message}")
        pane.side.selectRow(0)
        if hasattr(window.map_pane, "is_ready"):
            wait_for(app, lambda: window.map_pane.is_ready, 60, "the map with the benchmark layer")
    if args.dock:
        dock = window.docks.get(args.dock)
        if dock is None:
            raise SystemExit(f"screenshot: no dock {args.dock!r} (have {', '.join(window.docks)})")
        dock.show()
        dock.raise_()
        settle = time.monotonic() + 1.0
        wait_for(app, lambda: time.monotonic() > settle, 5, "the dock")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(args.out)):
        raise SystemExit(f"screenshot: could not write {args.out}")
    print(
        f"wrote {args.out} ({width}x{height}): {window.results_pane.model.county_name(worst['county_fips'])}"
        f" x {worst['line_code']} {worst.get('line_name', '')}, {worst['pct_within']:.1f}% within standard"
    )
    dispose(window)
    shutil.rmtree(work, ignore_errors=True)
    return 0


def _ecp_shot(app, window, args, work: Path) -> int:
    """The ECP dialog of a QHP project, shown (not run modally) so that it can be grabbed."""
    from blueprint_desktop.gui.app import dispose
    from blueprint_desktop.gui.ecp_dialog import EcpDialog

    dialog = EcpDialog(window.project, window)
    dialog.show()
    tabs = {"thresholds": 0, "cells": 1, "indian": 2, "recruits": 3, "locations": 4, "notes": 5}
    dialog.tabs.setCurrentIndex(tabs.get(args.ecp, 0))
    settle = time.monotonic() + 1.0
    wait_for(app, lambda: time.monotonic() > settle, 5, "the dialog to settle")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if not dialog.grab().save(str(args.out)):
        raise SystemExit(f"screenshot: could not write {args.out}")
    print(f"wrote {args.out}: {dialog.summary.text()[:200]}")
    dialog.close()
    dispose(window)
    shutil.rmtree(work, ignore_errors=True)
    return 0


def _feasibility_shot(app, window, args, width: int, height: int, work: Path) -> int:
    """Scoring > Feasibility study… on the demo: run it in the worker, show a tab, grab the window."""
    from blueprint_desktop.gui.app import dispose

    dialog = window.open_feasibility()
    dialog.resize(width, height)
    done: list[str] = []
    window.tasks.finished.connect(done.append)
    if not dialog.run():
        raise SystemExit("screenshot: the worker is busy")
    wait_for(app, lambda: bool(done), 300, "the feasibility study")
    if dialog.study is None:
        raise SystemExit(f"screenshot: the study failed: {dialog.summary.text()}")
    tabs = {"capacity": 0, "infeasible": 1, "recruits": 2}
    dialog.tabs.setCurrentIndex(tabs.get(args.feasibility, 0))
    settle = time.monotonic() + 1.0
    wait_for(app, lambda: time.monotonic() > settle, 5, "the window to settle")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if not dialog.grab().save(str(args.out)):
        raise SystemExit(f"screenshot: could not write {args.out}")
    counts = dialog.study.counts()
    print(f"wrote {args.out} ({width}x{height}): feasibility study, {counts}")
    dialog.close()
    dispose(window)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
