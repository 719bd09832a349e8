"""The app's background operations: core calls shaped for ``TaskRunner`` (they take ``progress=``).

Each is a plain function run in the worker thread: it touches no widget and returns a result object
that the GUI thread applies. Keeping them here (not in the panes) keeps the panes free of engine
plumbing and lets tests call them directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from blueprint_desktop.errors import Cancelled
from blueprint_desktop.progress import Progress

# From this many locations a run goes to a process of its own (``engine.score_worker``): its GIL-holding
# steps would otherwise stall the window (0.72 s at 1,000,000 locations, issue 16). Below it a thread is
# quicker than starting a process (~1-2 s of imports) and its stalls stay small (docs/performance.md).
PROCESS_MIN_LOCATIONS = 50_000


def score(project, method: str = "straight", progress: Progress | None = None):
    """Score the whole service area and store the run (``engine.scoring.score_project``), in a child
    process for a large network (``PROCESS_MIN_LOCATIONS``)."""
    from blueprint_desktop.engine.runs import latest_run_id
    from blueprint_desktop.engine.scoring import score_project

    before = latest_run_id(project)
    try:
        (locations,) = project.conn.execute("SELECT count(*) FROM locations").fetchone()
        if locations >= PROCESS_MIN_LOCATIONS:
            from blueprint_desktop.engine.score_worker import score_in_process

            return score_in_process(project, method=method, progress=progress)
        return score_project(project, method=method, progress=progress)
    except Cancelled:
        # A cancel that lands on the last report, after the run's transaction committed, must not
        # claim "nothing was stored": report the stored run instead.
        if latest_run_id(project) != before:
            from blueprint_desktop.engine.runs import latest_results

            return {"run_id": latest_run_id(project), "results": latest_results(project), "late_cancel": True}
        raise


@dataclass
class TargetsOutcome:
    plan: Any  # engine.targeting.TargetPlan
    # provider id -> straight-line miles from its office nearest the gap to the nearest population point
    # of the county outside the standard (``Candidate.miles_to_gap``; ``targeting.DISTANCE_BASIS``)
    distances: dict[int, float]
    phones_stored: bool = False  # whether the project file keeps a practice phone at all


def find_targets(
    project, county_fips: str, line_code: str, progress: Progress | None = None
) -> TargetsOutcome:
    """Recruitment targets of one cell, each with its address, phone (when stored), whether it accepts
    new patients and how far it practises from the people it would serve."""
    from blueprint_desktop.engine.targeting import recruitment_targets, stores_phone

    progress = progress or Progress()
    progress.update(0.05, f"ranking candidates for {county_fips} x {line_code}")
    plan = recruitment_targets(project, county_fips, line_code, save=not project.read_only)
    distances = {
        c.provider_id: c.miles_to_gap for c in [*plan.candidates, *plan.chosen] if c.miles_to_gap is not None
    }
    progress.update(1.0, "targets ready", force=True)
    return TargetsOutcome(plan, distances, stores_phone(project))


@dataclass
class PortfolioOutcome:
    """A portfolio what-if as the results pane applies it (result dicts shaped like ``run_results`` rows)."""

    provider_ids: list[int]
    method: str
    lines: list[str]
    after: dict[tuple[str, str], dict]  # every re-scored cell, with the candidates signed
    before: dict[tuple[str, str], dict]  # the same cells scored from the same inputs without them
    changed: list[tuple[str, str]]  # cells the signatures change (drawn with '*')
    flipped: list[tuple[str, str]]  # cells whose status they change
    provider_lines: dict[int, list[str]]
    not_counted: list[int]


def portfolio_whatif(
    project, provider_ids: Iterable[int], method: str = "straight", progress: Progress | None = None
) -> PortfolioOutcome:
    """Every county x line re-scored as if ``provider_ids`` had signed (``engine.whatif.portfolio_whatif``);
    nothing is stored."""
    from blueprint_desktop.engine.whatif import portfolio_whatif as run

    progress = progress or Progress()
    progress.update(0.02, "re-scoring the what-if across the service area")
    w = run(project, list(provider_ids), method=method, progress=progress)
    after = {k: _whatif_dict(r) for k, r in w.after.items()}
    before = {k: r.as_dict() for k, r in w.before.items()}
    return PortfolioOutcome(
        w.provider_ids,
        w.method,
        w.lines,
        after,
        before,
        w.changed(),
        w.flipped(),
        w.provider_lines,
        w.not_counted,
    )


def _whatif_dict(result) -> dict:
    d = result.as_dict()
    d["whatif"] = True
    return d


def whatif(
    project,
    county_fips: str,
    line_code: str,
    provider_ids: Iterable[int],
    method: str = "straight",
    progress: Progress | None = None,
) -> dict:
    """The cell re-scored as if ``provider_ids`` had signed (not stored), as a run_results-style dict."""
    from blueprint_desktop.engine.whatif import rescore_with

    progress = progress or Progress()
    progress.update(0.1, "re-scoring the what-if")
    result = rescore_with(project, county_fips, line_code, list(provider_ids), method=method)
    progress.update(1.0, "what-if ready", force=True)
    return result.as_dict()


def distribution(
    project,
    county_fips: str,
    line_code: str,
    method: str = "straight",
    assumed: Iterable[int] = (),
    progress=None,
):
    """Nearest-provider time and distance for every population point of one cell (for the chart); with
    ``assumed`` provider ids (the what-if), also with them signed."""
    from blueprint_desktop.engine.cell_detail import nearest_distribution

    return nearest_distribution(
        project, county_fips, line_code, method=method, progress=progress, assumed=assumed or ()
    )


def import_reference(project, path: str, progress: Progress | None = None):
    """Load a CMS HSD Reference File (``rules.reference_file.import_reference_file``): one transaction;
    a file that could never apply to the project's plan year is refused with the reason."""
    from blueprint_desktop.rules.reference_file import import_reference_file

    return import_reference_file(project, path, progress=progress)


# -- exports (File > Export): the same core functions as `blueprint export ...` ----------------------------
def export_package(project, path: str, draft: bool = False, progress: Progress | None = None):
    """The corrective action package PDF (``reports.package_pdf.export_package``); raises
    ``PackageIncomplete`` naming what is missing unless ``draft``."""
    from blueprint_desktop.reports import package_pdf

    return package_pdf.export_package(project, path, draft=draft, progress=progress)


def export_hsd(project, folder: str, progress: Progress | None = None) -> dict[str, Any]:
    """The HSD provider and facility tables (XLSX and CSV) and their rejection list, in ``folder``."""
    from pathlib import Path

    from blueprint_desktop.reports import hsd_checks, hsd_tables

    progress = progress or Progress()
    tables = hsd_tables.build_tables(project, progress.scaled(0.0, 0.8))
    problems = hsd_checks.check_tables(tables)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    report = out / "hsd_rejections.csv"
    # The rejection list is part of the export: replaced together with the tables.
    also = {report.name: lambda tmp: hsd_checks.write_problems_to(tmp, problems)}
    written = [p for p in hsd_tables.write_tables(tables, out, also=also) if p != report]
    progress.update(1.0, "HSD tables written", force=True)
    return {
        "provider_rows": len(tables.provider),
        "facility_rows": len(tables.facility),
        # More than one XLSX file for a table: it passed Excel's sheet limit (hsd_tables.write_tables).
        "xlsx_files": {
            kind: sum(1 for p in written if p.suffix == ".xlsx" and p.name.startswith(name))
            for kind, name in hsd_tables.FILE_NAMES.items()
        },
        "rejected": len(hsd_checks.rejections(problems)),
        "problems_file": str(report),
        "written": [str(p) for p in written],
        "ssa_source": tables.ssa_source,
    }


def export_report(project, kind: str, path: str, progress: Progress | None = None):
    """The reports people hand on: ``matrix`` (Excel), ``providers`` (servicing providers), ``summary``
    (one-page executive summary PDF)."""
    if kind == "matrix":
        from blueprint_desktop.reports.matrix_xlsx import write_matrix_xlsx

        return write_matrix_xlsx(project, path, progress)
    if kind == "providers":
        from blueprint_desktop.reports.servicing_providers import write_servicing_providers

        return write_servicing_providers(project, path, progress)
    if kind == "summary":
        from blueprint_desktop.reports.executive_summary import write_executive_summary

        return write_executive_summary(project, path, progress)
    raise ValueError(f"unknown report {kind!r}")


# -- the deficiency response (the gap pane): the same core function as `blueprint cure --rescore` ----------
def rescore_gaps(project, method: str = "straight", progress: Progress | None = None):
    """Re-score every cited county x line, evaluate each gap's cure and keep a snapshot."""
    from blueprint_desktop.deficiency import cure

    return cure.rescore_gaps(project, method=method, progress=progress)


# -- benchmark networks (the benchmark pane): the same core functions as `blueprint import benchmark` -----
@dataclass
class BenchmarkComparison:
    """A benchmark network against ours: every county x line side by side, and their providers we lack
    on every line (the pane narrows the list to the selected cell without asking the engine again)."""

    network_id: int
    cells: list  # engine.benchmark.CellComparison
    lacking: list  # engine.benchmark.LackingProvider, nearest our gap first


def import_benchmark(
    project,
    path: str,
    fmt: str,
    name: str | None = None,
    network: str | None = None,
    progress: Progress | None = None,
):
    """Read a competitor's file and store it as a benchmark network (``data.benchmark_store``): one
    transaction, so a cancel or a refused file leaves nothing."""
    from blueprint_desktop.data.benchmark_store import import_benchmark as run

    return run(project, path, fmt, name, network, progress=progress)


def compare_benchmark(project, network_id: int, progress: Progress | None = None) -> BenchmarkComparison:
    """Ours vs theirs per county x line (``engine.benchmark.compare``) and their providers we lack
    (``engine.benchmark.providers_we_lack``, all lines); nothing is stored."""
    from blueprint_desktop.engine.benchmark import compare, providers_we_lack

    progress = progress or Progress()
    cells = compare(project, network_id, progress=progress.scaled(0.0, 0.85))
    progress.update(0.85, "finding their providers we lack")
    lacking = providers_we_lack(project, network_id)
    progress.update(1.0, "compared", force=True)
    return BenchmarkComparison(int(network_id), cells, lacking)
