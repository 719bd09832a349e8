"""Where the app keeps the user's things (app_dirs), the crash log, the settings file, the frozen entry's
own logic and the PDF fonts' bundled copies: the parts of the frozen build that run from source too."""

from __future__ import annotations

import importlib.util
import io
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from blueprint_desktop import app_dirs
from blueprint_desktop.reports import pdf_fonts

ROOT = Path(__file__).resolve().parents[1]
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG layout: Linux only")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh user: HOME and the XDG folders in a temporary folder (platformdirs and Qt honour them)."""
    monkeypatch.setenv("HOME", str(tmp_path))
    for var, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_CACHE_HOME", ".cache"),
    ):
        monkeypatch.setenv(var, str(tmp_path / sub))
    return tmp_path


@linux_only
def test_each_kind_of_thing_goes_where_linux_expects_it(home: Path) -> None:
    assert app_dirs.settings_file() == home / ".config" / "Blueprint Desktop" / "settings.ini"
    assert app_dirs.data_dir() == home / ".local" / "share" / "Blueprint Desktop"
    assert app_dirs.log_dir() == home / ".local" / "state" / "Blueprint Desktop" / "log"


def test_windows_and_macos_places() -> None:
    """The same names through platformdirs' Windows and macOS rules (computed here without those OSes)."""
    from platformdirs.macos import MacOS

    mac = MacOS(app_dirs.APP_NAME, app_dirs.APP_AUTHOR)
    assert mac.user_log_dir.endswith("Library/Logs/Blueprint Desktop")
    assert mac.user_config_dir.endswith("Library/Application Support/Blueprint Desktop")


def test_the_demo_lives_in_the_data_dir(home: Path) -> None:
    from blueprint_desktop.demo import demo_project_path

    assert demo_project_path().parent == app_dirs.data_dir()


def test_crash_logs_never_overwrite_each_other(home: Path) -> None:
    when = datetime(2026, 12, 1, 5, 0, 0, tzinfo=UTC)
    first = app_dirs.write_crash_log("one", when)
    second = app_dirs.write_crash_log("two", when)
    assert first != second and first.parent == second.parent == app_dirs.log_dir()
    assert first.name == "crash-20261201-050000.log"
    assert (first.read_text(encoding="utf-8"), second.read_text(encoding="utf-8")) == ("one", "two")


def test_a_windowed_program_prints_into_the_log(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    stream = app_dirs.redirect_missing_streams()
    try:
        assert stream is not None and sys.stderr is stream and sys.stdout is stream
        print("lost before", file=sys.stderr)
    finally:
        stream.close()
    assert "lost before" in (app_dirs.log_dir() / app_dirs.LOG_FILE).read_text(encoding="utf-8")


def test_a_console_program_keeps_its_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    assert app_dirs.redirect_missing_streams() is None
    assert (sys.stdout, sys.stderr) == (out, err)


def test_the_core_module_never_imports_qt() -> None:
    assert "PySide6" not in (ROOT / "blueprint_desktop" / "app_dirs.py").read_text(encoding="utf-8")


# -- crash handlers (gui/app.py) -----------------------------------------------------------------------


@pytest.fixture
def handlers(home: Path, qapp):
    from blueprint_desktop.gui.app import install_crash_handlers

    installed = install_crash_handlers(show_messages=False)
    yield installed
    installed.uninstall()


def _raise(exc: BaseException):
    try:
        raise exc
    except BaseException as caught:  # noqa: BLE001 (the point is to hand it over as an uncaught error)
        return type(caught), caught, caught.__traceback__


def test_an_uncaught_error_writes_a_crash_log_the_user_can_send(handlers, home: Path, capsys) -> None:
    sys.excepthook(*_raise(ValueError("a bug in a slot")))
    [log] = handlers.logs
    text = log.read_text(encoding="utf-8")
    assert log.parent == app_dirs.log_dir() and log.name.startswith("crash-")
    assert "Blueprint Desktop" in text and "ValueError: a bug in a slot" in text and "Traceback" in text
    assert "main (GUI) thread" in text
    assert "ValueError: a bug in a slot" in capsys.readouterr().err  # a console still shows it
    running = (app_dirs.log_dir() / app_dirs.LOG_FILE).read_text(encoding="utf-8")
    assert "unexpected error" in running and str(log) in running


def test_an_error_in_a_thread_is_kept_too(handlers) -> None:
    def work() -> None:
        raise RuntimeError("worker failed")

    thread = threading.Thread(target=work, name="scoring-worker")
    thread.start()
    thread.join()
    [log] = handlers.logs
    text = log.read_text(encoding="utf-8")
    assert "RuntimeError: worker failed" in text and "thread scoring-worker" in text


def test_a_hard_crash_last_time_is_kept_and_reported(home: Path, qapp) -> None:
    from blueprint_desktop.gui.app import install_crash_handlers

    folder = app_dirs.ensure_dir(app_dirs.log_dir())
    (folder / "fatal-99999.log").write_text("Fatal Python error: Segmentation fault\n", encoding="utf-8")
    installed = install_crash_handlers(show_messages=False)
    try:
        [kept] = installed.previous
        assert "Segmentation fault" in kept.read_text(encoding="utf-8")
        assert not (folder / "fatal-99999.log").exists()
    finally:
        installed.uninstall()
    assert not list(folder.glob("fatal-*.log"))  # a clean exit leaves no empty fatal log behind


def test_uninstall_restores_the_hooks(home: Path, qapp) -> None:
    from blueprint_desktop.gui.app import install_crash_handlers

    before = (sys.excepthook, threading.excepthook)
    install_crash_handlers(show_messages=False).uninstall()
    assert (sys.excepthook, threading.excepthook) == before


# -- settings (gui/settings.py) ---------------------------------------------------------------------------


@linux_only
def test_settings_live_in_the_config_dir_and_adopt_the_old_file(home: Path, qapp) -> None:
    from PySide6.QtCore import QSettings

    from blueprint_desktop.gui import settings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(home / ".config"))
    legacy = settings.legacy_settings_file()
    legacy.parent.mkdir(parents=True, exist_ok=True)
    legacy.write_text("[General]\nrecentProjects=/data/plan.bpproj\n", encoding="utf-8")
    s = settings.app_settings()
    assert Path(s.fileName()) == app_dirs.settings_file()
    assert settings.recent_projects(s) == ["/data/plan.bpproj"]
    settings.add_recent_project(s, home / "new.bpproj")
    s.sync()
    assert "new.bpproj" in app_dirs.settings_file().read_text(encoding="utf-8")
    assert "new.bpproj" not in legacy.read_text(encoding="utf-8")  # the old file is left as it was


# -- the frozen entry (installers/frozen_entry.py) --------------------------------------------------------


def _frozen_entry():
    spec = importlib.util.spec_from_file_location("frozen_entry", ROOT / "installers" / "frozen_entry.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_executable_name_chooses_window_or_command_line() -> None:
    entry = _frozen_entry()
    assert entry.is_cli("/opt/Blueprint/blueprint-cli")
    assert entry.is_cli(r"C:\Program Files\Blueprint\blueprint-cli.exe")
    assert not entry.is_cli("/opt/Blueprint/Blueprint")
    assert not entry.is_cli(r"C:\Program Files\Blueprint\Blueprint.exe")
    assert entry.gui_argv([]) == ["gui"]
    assert entry.gui_argv(["plan.bpproj"]) == ["gui", "plan.bpproj"]
    assert entry.gui_argv(["-psn_0_12345", "plan.bpproj"]) == ["gui", "plan.bpproj"]  # macOS Finder


def test_file_type_registration_on_linux(tmp_path: Path) -> None:
    entry = _frozen_entry()
    desktop, mime = entry.register_linux(Path("/opt/Blueprint/Blueprint"), tmp_path)
    text = desktop.read_text(encoding="utf-8")
    assert 'Exec="/opt/Blueprint/Blueprint" %f' in text and f"MimeType={entry.MIME_TYPE};" in text
    assert "/opt/Blueprint/_internal/ui/blueprint.png" in text
    assert '<glob pattern="*.bpproj"/>' in mime.read_text(encoding="utf-8")


# -- fonts (reports/pdf_fonts.py) -------------------------------------------------------------------------


def test_the_pdfs_use_the_bundled_dejavu_when_the_app_carries_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = pdf_fonts.bundle_font_source()
    bundled = tmp_path / "resources" / "fonts" / "dejavu"
    bundled.mkdir(parents=True)
    monkeypatch.setattr(pdf_fonts, "BUNDLED_DEJAVU_DIR", bundled)
    assert pdf_fonts.dejavu_dir() == pdf_fonts.DEJAVU_DIR  # from source: Debian's
    for _, _, name in pdf_fonts.MAIN_FILES:
        (bundled / name).write_bytes((source / name).read_bytes())
    assert pdf_fonts.dejavu_dir() == bundled  # inside the frozen app: its own copies


def test_bundled_fonts_sit_where_the_spec_puts_them() -> None:
    # The spec copies them to _internal/resources/fonts/dejavu, i.e. relative to the package as here.
    assert pdf_fonts.BUNDLED_DEJAVU_DIR == ROOT / "resources" / "fonts" / "dejavu"
    assert 'resources/fonts/dejavu"' in (ROOT / "installers" / "blueprint.spec").read_text(encoding="utf-8")
