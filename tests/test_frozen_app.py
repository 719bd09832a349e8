"""Smoke test of the frozen app (qutebrowser's practice: test the built binary, not only the source tree).

Runs the executables ``bash installers/build-app.sh`` leaves in ``build-app/dist/Blueprint/`` (or the
folder ``BLUEPRINT_FROZEN_APP`` names): the window starts on a virtual screen (Xvfb), opens the bundled
demo and draws the offline map; the command line writes the demo, scores it, imports a notice, exports the
corrective action package PDF and verifies it; each exits cleanly, writing no crash log.

Where it can (root on Linux: ``unshare``), each run has no network and cannot see the source tree's
resources, ui and package, the .venv, nor Debian's DejaVu fonts, so it proves the folder carries all it
needs. Slow (~1 min) and needs the build: skipped, saying why, when the folder is absent, unless
``BLUEPRINT_FROZEN_REQUIRED=1`` (build-app.sh sets it) makes that a failure. The build takes about
1.5 min on 2 cores, so CI does not build it; build-app.sh runs this after every build.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP_DIR = Path(os.environ.get("BLUEPRINT_FROZEN_APP") or ROOT / "build-app" / "dist" / "Blueprint")
EXE = ".exe" if sys.platform == "win32" else ""
GUI = APP_DIR / f"Blueprint{EXE}"
CLI = APP_DIR / f"blueprint-cli{EXE}"
REQUIRED = os.environ.get("BLUEPRINT_FROZEN_REQUIRED") == "1"
# What the frozen app must not need: hidden from it where the OS lets us (see the module docstring).
SYSTEM_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
HIDDEN = (
    ROOT / "resources",
    ROOT / "ui",
    ROOT / "blueprint_desktop",
    ROOT / ".venv",
)
NOTICE = "state,county,specialty,notice_date\nTX,Harris,Acute Inpatient Hospitals,2026-11-20\n"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def app_dir() -> Path:
    if not (GUI.is_file() and CLI.is_file()):
        message = f"no frozen build in {APP_DIR} (build it with: bash installers/build-app.sh)"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    if not sys.platform.startswith("linux"):
        pytest.skip("the frozen-app smoke test drives Xvfb: Linux only (see installers/README.md)")
    return APP_DIR


def _can_isolate() -> bool:
    if not (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("unshare")):
        return False
    probe = subprocess.run(["unshare", "--mount", "--net", "--", "true"], capture_output=True)
    return probe.returncode == 0


def isolated(cmd: list[str], hide_fonts: bool = False) -> list[str]:
    """``cmd`` with no network and the source tree and .venv hidden (root only); with ``hide_fonts``, the
    system's DejaVu too (the PDF must print with the bundled copies; the window keeps them: on this
    machine they are the only fonts Qt itself could draw its widgets with)."""
    if not _can_isolate():
        return cmd
    hidden = (*HIDDEN, SYSTEM_DEJAVU) if hide_fonts else HIDDEN
    mounts = " && ".join(f"mount -t tmpfs none {shlex.quote(str(p))}" for p in hidden if p.is_dir())
    return ["unshare", "--mount", "--net", "--", "sh", "-c", f'{mounts} && exec "$@"', "sh", *cmd]


def user_env(home: Path, display: str | None = None) -> dict[str, str]:
    """A fresh user: its own HOME and XDG folders; nothing of the test run's Qt or Python settings, so the
    app must set what it needs itself (QTWEBENGINE_DISABLE_SANDBOX as root, the platform plugin)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QT", "PYTHON", "VIRTUAL_ENV"))}
    env.pop("BLUEPRINT_GEOGRAPHY", None)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_STATE_HOME=str(home / ".local" / "state"),
        XDG_CACHE_HOME=str(home / ".cache"),
        PATH="/usr/bin:/bin",
    )
    if display:
        env["DISPLAY"] = display
    return env


@pytest.fixture(scope="module")
def display():
    """An X display: the session's own, else a private Xvfb for this module."""
    if os.environ.get("DISPLAY") and not os.environ.get("BLUEPRINT_SMOKE_OWN_XVFB"):
        yield os.environ["DISPLAY"]
        return
    if not shutil.which("Xvfb"):
        pytest.skip("no display and no Xvfb (apt-get install xvfb)")
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as f:
        number = f.readline().strip()
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def crash_logs(home: Path) -> list[Path]:
    folder = home / ".local" / "state" / "Blueprint Desktop" / "log"
    return sorted(folder.glob("crash-*.log")) if folder.is_dir() else []


def run_window(app_dir: Path, home: Path, display: str) -> tuple[dict, float, subprocess.CompletedProcess]:
    """Start the window on the demo with the smoke report on; its report and the seconds to first window."""
    report = home / "smoke.json"
    env = user_env(home, display) | {"BLUEPRINT_SMOKE_REPORT": str(report)}
    started = time.time()
    done = subprocess.run(
        isolated([str(app_dir / f"Blueprint{EXE}")]), env=env, capture_output=True, text=True, timeout=300
    )
    assert report.is_file(), f"no smoke report (exit {done.returncode}):\n{done.stderr[-3000:]}"
    data = json.loads(report.read_text(encoding="utf-8"))
    return data, data["window_shown_at"] - started, done


def test_window_opens_the_demo_offline_and_exits_cleanly(app_dir: Path, display: str, tmp_path: Path) -> None:
    data, first_window, done = run_window(app_dir, tmp_path, display)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert data["frozen"] is True
    assert data["project_opened"], data
    assert data["project_name"], data
    assert data["window_visible"] and "Blueprint" in data["window_title"], data
    assert data["results_rows"] > 0 and data["results_columns"] > 0, data
    assert data["map"] == "ready", data  # Qt WebEngine ran its own process and Leaflet drew, offline
    assert data["map_requests_blocked"] == [], data
    assert data["screenshot"] and Path(data["screenshot"]).stat().st_size > 10_000
    # Per-user things went to the XDG places, not next to the app.
    assert Path(data["settings_file"]) == tmp_path / ".config" / "Blueprint Desktop" / "settings.ini"
    assert (tmp_path / ".local" / "share" / "Blueprint Desktop" / "demo.bpproj").is_file()
    assert (tmp_path / ".local" / "state" / "Blueprint Desktop" / "log" / "blueprint.log").is_file()
    assert crash_logs(tmp_path) == []
    assert not list((tmp_path / ".local" / "state" / "Blueprint Desktop" / "log").glob("fatal-*.log"))
    _record(
        "window",
        {
            "isolated": _can_isolate(),
            "seconds_to_first_window": round(first_window, 2),
            "seconds_to_demo_open": round(
                data["project_opened_at"] - data["window_shown_at"] + first_window, 2
            ),
            "screenshot": data["screenshot"],
        },
    )
    shutil.copy(data["screenshot"], ROOT / "build-app" / "smoke-window.png")


def cli(app_dir: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        isolated([str(app_dir / f"blueprint-cli{EXE}"), *args], hide_fonts=True),
        env=user_env(home),
        cwd=home,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"blueprint-cli {' '.join(args)} -> {done.returncode}\n{done.stderr[-3000:]}"
    assert "Traceback" not in done.stderr
    return done


def test_cli_scores_and_exports_the_package_pdf(app_dir: Path, tmp_path: Path) -> None:
    started = time.time()
    assert "blueprint" in cli(app_dir, tmp_path, "--version").stdout
    cli(app_dir, tmp_path, "demo", "demo.bpproj")
    scored = cli(app_dir, tmp_path, "score", "demo.bpproj", "--json", "score.json")
    assert "Failing" in scored.stdout or "Failing" in (tmp_path / "score.json").read_text(encoding="utf-8")
    (tmp_path / "notice.csv").write_text(NOTICE, encoding="utf-8")
    cli(app_dir, tmp_path, "notice", "import", "demo.bpproj", "notice.csv")
    exported = cli(app_dir, tmp_path, "export", "package", "demo.bpproj", "cap.pdf", "--draft")
    assert "wrote DRAFT package cap.pdf" in exported.stdout
    pdf = tmp_path / "cap.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    assert len(reader.pages) >= 5
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in (page.get("/Resources", {}).get("/Font", {}) or {}).values()
    }
    assert any("DejaVu" in f for f in fonts), fonts  # the bundled DejaVu, the system's being hidden
    assert "Harris" in "".join(page.extract_text() for page in reader.pages)
    verified = cli(app_dir, tmp_path, "verify", "demo.bpproj", "cap.pdf")
    assert "evidence chain verified" in verified.stdout
    assert crash_logs(tmp_path) == []
    _record("cli", {"isolated": _can_isolate(), "seconds_all_commands": round(time.time() - started, 1)})


def test_folder_holds_the_built_resources(app_dir: Path) -> None:
    internal = app_dir / "_internal"
    build = json.loads((internal / "resources" / "geography" / "BUILD.json").read_text(encoding="utf-8"))
    assert build["counts"]["counties"] > 3000  # built at package time, not at the user's first start
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSansMono.ttf"):
        assert (internal / "resources" / "fonts" / "dejavu" / name).is_file()
    assert (internal / "ui" / "blueprint.qss").is_file()
    size = sum(p.stat().st_size for p in app_dir.rglob("*") if p.is_file() and not p.is_symlink())
    _record("folder", {"megabytes": round(size / 1e6)})


def _record(key: str, value: dict) -> None:
    """Keep the measured numbers beside the build (build-app/smoke-result.json) for docs/performance.md."""
    path = ROOT / "build-app" / "smoke-result.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    data[key] = value | {"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
