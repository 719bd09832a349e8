"""Roster table benchmark: model reset + first paint on a 50,000-provider roster, against a naive baseline.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_gui_roster.py [--providers 50000] [--repeat 5]``

1. Builds a project with ``--providers`` roster providers (one practice location and one HSD line each,
   spread over the demo's service area), written in one transaction.
2. **Ours** (``gui.roster_model.RosterModel``): ``set_project`` (one ordered id query for the filter and
   sort) and the first paint of a 1400 x 900 ``QTableView`` (which fetches only the visible page).
   Then: a sort by name descending, and a text filter, each with its repaint.
3. **Baseline**: what a first version would do, reading every row into a ``QStandardItemModel`` (one
   ``QStandardItem`` per cell, the same 13 columns) and painting the same view.

Each measure is the median of ``--repeat`` runs (after one warm-up), on the offscreen platform.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from blueprint_desktop.demo import SERVICE_AREA, npi_with_check_digit  # noqa: E402
from blueprint_desktop.geo.counties import load_counties, state_of  # noqa: E402
from blueprint_desktop.store import create_project, open_project  # noqa: E402
from blueprint_desktop.store.project import utc_now  # noqa: E402

STATUSES = ["executed"] * 8 + ["loi", "pending"]
LINES = ["S03", "008", "010", "011", "012", "013", "014", "015", "016", "017"]


def build_project(path: Path, n: int, seed: int = 7) -> Path:
    rng = np.random.default_rng(seed)
    counties = load_counties().loc[SERVICE_AREA]

    def fill(project) -> None:
        now = utc_now()
        providers, lines, locs = [], [], []
        for i in range(n):
            pid = i + 1
            fips = SERVICE_AREA[i % len(SERVICE_AREA)]
            providers.append(
                {
                    "id": pid,
                    "npi": npi_with_check_digit(f"1{i:08d}"),
                    "name": f"Provider {rng.integers(10**6):06d} {['Lee', 'Diaz', 'Patel', 'Okafor'][i % 4]}",
                    "source": "roster",
                    "contract_status": STATUSES[i % len(STATUSES)],
                    "credentialing_status": "active",
                    "panel_status": "open",
                    "updated_at": now,
                }
            )
            lines.append({"provider_id": pid, "line_code": LINES[i % len(LINES)], "taxonomy_code": None})
            locs.append(
                {
                    "provider_id": pid,
                    "address": f"{rng.integers(100, 9999)} Main St",
                    "city": str(counties.loc[fips, "name"]),
                    "state": "TX",
                    "zip": f"77{rng.integers(0, 999):03d}",
                    "county_fips": fips,
                    "latitude": float(counties.loc[fips, "lat"]) + rng.normal(0, 0.1),
                    "longitude": float(counties.loc[fips, "lon"]) + rng.normal(0, 0.1),
                    "geocode_quality": "exact",
                }
            )
        with project.transaction():
            project.insert_rows("providers", providers)
            project.insert_rows("provider_lines", lines)
            project.insert_rows("locations", locs)

    return create_project(
        path, "Roster benchmark", counties=[(f, state_of(f)) for f in SERVICE_AREA], populate=fill
    )


def timed(fn, repeat: int) -> float:
    fn()  # warm-up
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QApplication, QTableView

    import blueprint_desktop.gui  # noqa: F401 - the PySide6 refcount guard
    from blueprint_desktop.gui.roster_model import COLUMNS, RosterModel
    from blueprint_desktop.store import roster_queries as rq

    app = QApplication.instance() or QApplication([])
    folder = Path(tempfile.mkdtemp(prefix="bp-bench-roster-"))
    started = time.perf_counter()
    path = build_project(folder / "roster.bpproj", args.providers)
    print(f"built {args.providers:,} providers in {time.perf_counter() - started:.1f} s")
    project = open_project(path)

    view = QTableView()
    view.resize(1400, 900)
    view.verticalHeader().setDefaultSectionSize(22)
    view.show()
    app.processEvents()

    model = RosterModel()

    def ours() -> None:
        model.set_project(project, rq.RosterFilter())
        view.setModel(model)
        view.viewport().repaint()

    def ours_sort() -> None:
        model.sort(1, descending_order)
        view.viewport().repaint()

    def ours_filter() -> None:
        model.set_filter(rq.RosterFilter(text="Patel"))
        view.viewport().repaint()
        model.set_filter(rq.RosterFilter())

    def ours_county() -> None:
        model.set_filter(rq.RosterFilter(county_fips="48201", line_code="S03"))
        view.viewport().repaint()
        model.set_filter(rq.RosterFilter())

    def ours_sort_county() -> None:
        model.sort(5, descending_order)  # by county name
        view.viewport().repaint()

    def baseline() -> None:
        rows = rq.roster_rows(project, rq.roster_ids(project))
        naive = QStandardItemModel(len(rows), len(COLUMNS))
        naive.setHorizontalHeaderLabels([title for _, title in COLUMNS])
        for r, row in enumerate(rows.values()):
            for c, (key, _title) in enumerate(COLUMNS):
                naive.setItem(r, c, QStandardItem(str(row.get(key))))
        view.setModel(naive)
        view.viewport().repaint()

    from PySide6.QtCore import Qt

    descending_order = Qt.SortOrder.DescendingOrder
    t_ours = timed(ours, args.repeat)
    fetches = model.fetches
    t_sort = timed(ours_sort, args.repeat)
    t_filter = timed(ours_filter, args.repeat)
    t_county = timed(ours_county, args.repeat)
    t_sort_county = timed(ours_sort_county, args.repeat)
    t_base = timed(baseline, max(1, min(args.repeat, 3)))
    print(f"ours: reset + first paint        {t_ours * 1000:8.1f} ms  ({fetches} page query)")
    print(f"ours: sort by name (desc) + paint {t_sort * 1000:8.1f} ms")
    print(f"ours: text filter + paint, reset  {t_filter * 1000:8.1f} ms")
    print(f"ours: county+line filter, reset   {t_county * 1000:8.1f} ms")
    print(f"ours: sort by county name + paint {t_sort_county * 1000:8.1f} ms")
    print(f"baseline: QStandardItemModel      {t_base * 1000:8.1f} ms")
    print(f"speed-up {t_base / t_ours:.0f}x; aim < 200 ms: {'met' if t_ours < 0.2 else 'NOT met'}")
    project.close()
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
