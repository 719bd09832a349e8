"""Crash harness: SIGKILL the command line at a random moment of five operations and check the project.

Each trial copies a small prepared project, starts one ``blueprint`` command on it as its own process
(roster import, NPPES import, scoring, an outreach entry, the HSD export), kills it with SIGKILL after a
random delay drawn (seeded) from 0 to the operation's measured duration, then checks that:

* the project opens with ``open_project`` (our own checks, then SQLite's WAL recovery) and
  ``PRAGMA integrity_check`` says ok;
* its data is wholly the old or wholly the new: the row count of every table equals the count before
  the command or after an uninterrupted run of it, never anything in between;
* an export file is the previous complete file or the new complete one, never a partial one.

The counts (trials per operation, how many died before or after the commit, failures) are printed and
written in docs/reliability.md. SIGKILL does not exist on Windows; the harness runs on POSIX only.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import reports_scenario as sc
from openpyxl import load_workbook
from roster_files import provider_row, provider_table
from test_data_nppes import npi as nppes_npi
from test_data_nppes import row as nppes_row
from test_data_nppes import write_nppes

from blueprint_desktop.store import create_project, open_project

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX-only"),
]

SEED = 20261201
TRIALS = {"roster": 21, "nppes": 21, "score": 20, "outreach": 20, "export": 20}  # 102 in all
# Kill delays are uniform over 0 .. SPREAD x the operation's duration: a little past the end, so that some
# runs finish and the "after" state is reached by the trials too; every other trial draws from the last
# fifth only (the commit, the checkpoint on close). The duration is measured before the
# trials and follows the runs that finish (the machine's load changes while the harness runs).
SPREAD = 1.1

# A process that imports the whole core once, then forks one child per command, which runs
# ``blueprint_desktop.cli.main`` exactly as the ``blueprint`` command does. Without it every trial would
# spend its first second importing pandas, and nearly every kill would land before any write.
ZYGOTE = r"""
import importlib, json, os, pkgutil, sys, time
import blueprint_desktop
from blueprint_desktop.cli import main
for mod in pkgutil.walk_packages(blueprint_desktop.__path__, "blueprint_desktop."):
    if ".gui" not in mod.name and not mod.name.endswith("__main__"):
        try:
            importlib.import_module(mod.name)
        except Exception:
            pass
print("ready", flush=True)
for line in sys.stdin:
    args = json.loads(line)
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 1)
        os.dup2(null, 2)
        try:
            code = main(args)
        except BaseException:
            code = 99
        os._exit(int(code or 0))
    print(pid, flush=True)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0,
                      "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
                      "elapsed": time.monotonic() - start}), flush=True)
"""


class Zygote:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout.readline().strip() == "ready"

    def start(self, args: list[str]) -> int:
        self.proc.stdin.write(json.dumps(args) + "\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    def wait(self) -> dict:
        return json.loads(self.proc.stdout.readline())

    def run(self, args: list[str]) -> None:
        self.start(args)
        done = self.wait()
        assert (done["signal"], done["code"]) == (0, 0), f"{args}: {done}"

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def table_counts(project) -> dict[str, int]:
    tables = [
        r[0]
        for r in project.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {t: project.conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in tables}


def export_content(folder: Path) -> dict[str, object]:
    """What each exported file says (cell values, CSV rows): comparable across runs whose XLSX metadata
    (creation time) differ. A partial file fails to parse or differs."""
    out: dict[str, object] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.suffix == ".tmp":
            continue  # a killed writer's temporary file: never the export itself
        if path.suffix == ".xlsx":
            book = load_workbook(path, read_only=True)
            out[path.name] = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book}
            book.close()
        elif path.suffix == ".csv":
            with path.open(newline="", encoding="utf-8-sig") as fh:
                out[path.name] = list(csv.reader(fh))
        else:
            out[path.name] = path.read_bytes()
    return out


class Bench:
    """The prepared projects, input files and the before/after states of each operation."""

    def __init__(self, root: Path, zygote: Zygote) -> None:
        self.root = root
        self.zygote = zygote
        base = root / "base.bpproj"
        create_project(base, "Crash plan", plan_year=2026, counties=[("48201", "TX"), ("48157", "TX")])
        with open_project(base) as project:
            sc.build(project, root, complete=True)
        self.base = base
        self.roster = provider_table(
            root / "roster.csv",
            [provider_row(nppes_npi(50_000_000 + i), f"Dr. Crash {i}", "008") for i in range(200)],
        )
        self.nppes = write_nppes(
            root / "npidata_pfile_20250101-20250413.csv",
            [nppes_row(nppes_npi(60_000_000 + i), last=f"MARKET{i}") for i in range(1000)],
        )
        # The export trials run on a project that differs from the one that wrote the previous export,
        # so "old file" and "new file" can be told apart.
        self.previous_export = root / "previous-export"
        self.zygote.run(["export", "hsd", str(base), str(self.previous_export)])
        self.after_roster = root / "after-roster.bpproj"
        shutil.copy(base, self.after_roster)
        self.zygote.run(["import", "roster", str(self.after_roster), str(self.roster)])
        self.ops = {
            "roster": (self.base, lambda p, out: ["import", "roster", str(p), str(self.roster)]),
            "nppes": (
                self.base,
                lambda p, out: ["import", "nppes", str(p), str(self.nppes), "--states", "TX"],
            ),
            "score": (self.base, lambda p, out: ["score", str(p)]),
            "outreach": (
                self.base,
                lambda p, out: [
                    "outreach",
                    "add",
                    str(p),
                    "--npi",
                    sc.NEURO_2,
                    "--channel",
                    "email",
                    "--outcome",
                    "interested",
                    "--staff",
                    "Crash Test",
                    "--note",
                    "killed or not",
                ],  # fmt: skip
            ),
            "export": (self.after_roster, lambda p, out: ["export", "hsd", str(p), str(out)]),
        }
        self.before: dict[str, dict[str, int]] = {}
        self.after: dict[str, dict[str, int]] = {}
        self.duration: dict[str, float] = {}
        self.new_export: dict[str, object] = {}
        for op, (template, _args) in self.ops.items():
            with open_project(template, read_only=True) as project:
                self.before[op] = table_counts(project)
            times = []
            for run in ("cold", "reference"):  # the first run warms the disk cache; keep the faster
                path, out = self.copy(op, run)
                start = time.perf_counter()
                self.zygote.run(self.ops[op][1](path, out))
                times.append(time.perf_counter() - start)
            self.duration[op] = min(times)
            with open_project(path, read_only=True) as project:
                self.after[op] = table_counts(project)
            if op == "export":
                self.new_export = export_content(out)
        self.old_export = export_content(self.previous_export)
        assert self.new_export != self.old_export, "the export trials need a new file unlike the old one"
        for op in ("roster", "nppes", "score", "outreach"):
            assert self.before[op] != self.after[op], f"{op} must change the project"

    def copy(self, op: str, name: str) -> tuple[Path, Path]:
        folder = self.root / "trials" / f"{op}-{name}"
        folder.mkdir(parents=True)
        path = folder / "project.bpproj"
        shutil.copy(self.ops[op][0], path)
        out = folder / "hsd"
        shutil.copytree(self.previous_export, out)
        return path, out


@pytest.fixture(scope="module")
def bench(tmp_path_factory) -> Bench:
    zygote = Zygote()
    try:
        yield Bench(tmp_path_factory.mktemp("crash"), zygote)
    finally:
        zygote.close()


@pytest.mark.timeout(600)
def test_sigkill_at_random_moments_leaves_a_whole_project(bench: Bench) -> None:
    rng = random.Random(SEED)
    tally: Counter[tuple[str, str]] = Counter()
    failures: list[str] = []
    leftovers = 0
    for op, trials in TRIALS.items():
        duration = bench.duration[op]
        for trial in range(trials):
            path, out = bench.copy(op, str(trial))
            # Every other trial aims at the last fifth of the run, where the commit and the checkpoint are.
            delay = rng.uniform(0 if trial % 2 == 0 else 0.8 * duration, SPREAD * duration)
            pid = bench.zygote.start(bench.ops[op][1](path, out))
            time.sleep(delay)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)  # a child that already finished is a zombie: no effect
            ended = bench.zygote.wait()
            finished = ended["signal"] != signal.SIGKILL
            if finished:
                duration = (duration + ended["elapsed"]) / 2
            else:
                duration = max(duration, ended["elapsed"])
            if finished and ended["code"] != 0:
                failures.append(f"{op} #{trial}: the command failed on its own (exit {ended['code']})")
            try:
                with open_project(path) as project:
                    check = project.conn.execute("PRAGMA integrity_check").fetchone()[0]
                    counts = table_counts(project)
            except Exception as exc:  # noqa: BLE001 - every failure is counted and reported below
                failures.append(f"{op} #{trial} ({delay:.2f} s): does not open: {exc}")
                continue
            if check != "ok":
                failures.append(f"{op} #{trial} ({delay:.2f} s): integrity_check {check}")
            if counts == bench.before[op]:
                state = "old"
            elif counts == bench.after[op]:
                state = "new"
            else:
                diff = {t: (bench.before[op].get(t), n, bench.after[op].get(t)) for t, n in counts.items()
                        if n not in (bench.before[op].get(t), bench.after[op].get(t))}  # fmt: skip
                failures.append(f"{op} #{trial} ({delay:.2f} s): neither old nor new: {diff}")
                state = "mixed"
            if op == "export":
                leftovers += sum(1 for p in out.iterdir() if p.name not in bench.old_export)
                files = export_content(out)
                for name, content in files.items():
                    if content not in (bench.old_export.get(name), bench.new_export.get(name)):
                        failures.append(
                            f"export #{trial} ({delay:.2f} s): {name} is neither the old nor the new"
                        )
                state = (
                    "new" if files == bench.new_export else "old" if files == bench.old_export else "mixed"
                )
                if state == "mixed":
                    # Each file is whole (checked above); some were replaced before the kill, some not.
                    state = "some files new"
            tally[(op, ("finished" if finished else "killed") + f", {state}")] += 1
            shutil.rmtree(path.parent)
    total = sum(tally.values())
    print(f"\ncrash harness: {total} trials, seed {SEED}, {len(failures)} failures")
    for op in TRIALS:
        outcomes = ", ".join(f"{k[1]}: {n}" for k, n in sorted(tally.items()) if k[0] == op)
        print(f"  {op:<9} {TRIALS[op]:>3} trials, typical run {bench.duration[op]:.2f} s; {outcomes}")
    print(f"  temporary export files left beside the exports by killed writers: {leftovers}")
    for failure in failures:
        print("  FAIL", failure)
    assert total >= 100
    assert failures == []
