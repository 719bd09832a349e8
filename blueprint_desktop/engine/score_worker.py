"""Score a project in a separate process, so a long run never holds the window's interpreter.

A scoring run holds the GIL for seconds at a time on a national roster (building the locations frame,
result objects, JSON for the store): in a thread of the window's process the event loop stalled 0.72 s in
one of those steps (issue 16). In a process of its own the run can hold its own GIL as long as it likes;
the window's worker thread only waits on a pipe.

``score_in_process(project, method, progress)`` runs ``python -m blueprint_desktop.engine.score_worker``
and speaks JSON lines with it: the job on stdin (path, method, passphrase: never on the command line),
then "cancel" if the user cancels; progress reports and the outcome on stdout. The child opens the project
file itself (SQLite's locking shares it, as with a second window) and stores the run in one transaction,
so a cancel or a crash leaves nothing half-written. Core only: no Qt here.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
from typing import Any

from blueprint_desktop.errors import BlueprintError, Cancelled
from blueprint_desktop.progress import Progress


def score_in_process(project, method: str = "straight", progress: Progress | None = None) -> dict[str, Any]:
    """Score ``project`` in a child process; returns ``{"run_id", "timings", "cells"}``.

    Raises ``Cancelled`` when the user cancelled (the child rolled back), ``BlueprintError`` with the
    child's message for an error the user can act on, ``RuntimeError`` with its traceback for a bug."""
    progress = progress or Progress()
    job = {"path": str(project.path), "method": method, "passphrase": getattr(project, "passphrase", None)}
    child = subprocess.Popen(
        [sys.executable, "-m", "blueprint_desktop.engine.score_worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    assert child.stdin is not None and child.stdout is not None
    # stderr is drained on a thread so a chatty child can never fill the pipe and block.
    err_lines: list[str] = []
    drain = threading.Thread(target=lambda: err_lines.extend(child.stderr), daemon=True)  # type: ignore[arg-type]
    drain.start()
    outcome: dict[str, Any] | None = None
    cancelled = False
    try:
        child.stdin.write(json.dumps(job) + "\n")
        child.stdin.flush()
        for line in child.stdout:  # blocking reads release the GIL: the window keeps it
            msg = json.loads(line)
            if "p" in msg:
                if not cancelled:
                    try:
                        progress.update(msg["p"], msg.get("m", ""))
                    except Cancelled:
                        cancelled = True
                        child.stdin.write("cancel\n")
                        child.stdin.flush()
            else:
                outcome = msg
    except BaseException:
        child.kill()
        raise
    finally:
        child.wait()
        drain.join(timeout=5)
    if outcome is None:
        raise RuntimeError(f"the scoring process ended without a result:\n{''.join(err_lines)[-4000:]}")
    if "run_id" in outcome:
        return outcome
    if outcome.get("kind") == "Cancelled":
        raise Cancelled(outcome["message"])
    if outcome.get("expected"):
        raise BlueprintError(outcome["message"])
    raise RuntimeError(f"{outcome['message']}\n\n{outcome.get('details', '')}")


def _send(msg: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


class _ParentLines:
    """Lines from the window on stdin, read from the file descriptor itself (no Python buffer), so that
    ``select`` tells truly whether a "cancel" is waiting."""

    def __init__(self) -> None:
        self.fd = sys.stdin.fileno()
        self.buf = b""
        self.eof = False

    def readline(self, block: bool = True) -> str | None:
        """The next line; None when ``block`` is False and no whole line is waiting; "" at the end."""
        while b"\n" not in self.buf:
            if self.eof:
                line, self.buf = self.buf, b""
                return line.decode("utf-8")
            if not block and not select.select([self.fd], [], [], 0)[0]:
                return None
            chunk = os.read(self.fd, 65536)
            self.eof = not chunk
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line.decode("utf-8") + "\n"


class _CancellableByParent(Progress):
    """Progress whose every check first reads any "cancel" the window sent.

    Polled rather than watched by a thread: a run forks helpers for the second core (engine/forking.py),
    which is safe only in a process with no other threads. A cancel was only ever acted on at the next
    progress report, so polling there changes nothing for the user."""

    def __init__(self, lines: _ParentLines, callback) -> None:
        super().__init__(callback)
        self._lines = lines

    def check(self) -> None:
        while not self._lines.eof and (line := self._lines.readline(block=False)) is not None:
            if line.strip() == "cancel":
                self.cancel()
        super().check()


def main() -> None:
    """The child: read the job, score, report. Runs as ``python -m blueprint_desktop.engine.score_worker``."""
    import traceback

    def report(f: float, m: str) -> None:
        _send({"p": f, "m": m})

    if os.name == "posix":
        lines = _ParentLines()
        job = json.loads(lines.readline() or "{}")
        progress: Progress = _CancellableByParent(lines, report)
    else:  # no select() on pipes: a thread watches (and the run uses one core: no fork there anyway)
        job = json.loads(sys.stdin.readline())
        progress = Progress(report)

        def watch_cancel() -> None:
            for line in sys.stdin:
                if line.strip() == "cancel":
                    progress.cancel()
                    return

        threading.Thread(target=watch_cancel, daemon=True).start()
    try:
        from blueprint_desktop.engine.scoring import score_project
        from blueprint_desktop.store.project import open_project

        kwargs = {"passphrase": job["passphrase"]} if job.get("passphrase") else {}
        project = open_project(job["path"], **kwargs)
        try:
            run = score_project(project, method=job["method"], progress=progress)
        finally:
            project.close()
        _send({"run_id": run.run_id, "timings": run.timings, "cells": len(run.results)})
    except Cancelled as exc:
        _send({"kind": "Cancelled", "message": str(exc)})
    except BlueprintError as exc:
        _send({"kind": type(exc).__name__, "message": str(exc), "expected": True})
    except BaseException as exc:  # noqa: BLE001 - every failure goes back to the window
        _send(
            {
                "kind": type(exc).__name__,
                "message": f"{type(exc).__name__}: {exc}",
                "expected": False,
                "details": traceback.format_exc(),
            }
        )


if __name__ == "__main__":
    main()
