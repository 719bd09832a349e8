#!/usr/bin/env bash
# Build the frozen desktop app: `bash installers/build-app.sh [--no-smoke]` -> build-app/dist/Blueprint/
# (and build-app/dist/Blueprint.app on macOS). Linux, macOS, and Windows under Git Bash; see
# installers/README.md for what was verified where.
#  1. the .venv with the locked packages (Linux: installers/setup.sh, which also installs the Qt system
#     libraries; elsewhere the same pip steps here), plus the build tools of the `build` extra;
#  2. resources/geography built now, at package time, so the user's first start builds nothing;
#  3. the icon rendered from ui/blueprint.svg; PyInstaller with installers/blueprint.spec;
#  4. the smoke test of the built app (tests/test_frozen_app.py) where a screen or Xvfb is available.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
log() { printf '[build-app] %s\n' "$*" >&2; }

smoke=1
for arg in "$@"; do
  case "$arg" in
    --no-smoke) smoke=0 ;;
    *) log "unknown option $arg (usage: build-app.sh [--no-smoke])"; exit 2 ;;
  esac
done

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=macos ;;
  MINGW* | MSYS* | CYGWIN*) os=windows ;;
  *) log "unsupported system $(uname -s)"; exit 1 ;;
esac
if [ "$os" = windows ]; then vpy=.venv/Scripts/python.exe; else vpy=.venv/bin/python; fi

# 1. The environment. On Linux setup.sh does it all (system libraries, .venv, geography).
if [ "$os" = linux ]; then
  bash installers/setup.sh
else
  if [ ! -x "$vpy" ]; then
    py=${PYTHON:-}
    if [ -z "$py" ]; then
      if command -v py >/dev/null 2>&1; then py="py -3"; else py=python3; fi
    fi
    $py -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { log "Python 3.11 or newer is needed"; exit 1; }
    log "creating .venv"
    $py -m venv .venv
  fi
  want=$(cat pyproject.toml requirements.lock | sha256sum | cut -d' ' -f1)
  if [ "$(cat .venv/.blueprint-build-setup 2>/dev/null)" != "$want" ]; then
    log "installing Python packages into .venv from requirements.lock"
    "$vpy" -m pip install -q --disable-pip-version-check --require-hashes -r requirements.lock
    "$vpy" -m pip install -q --disable-pip-version-check --no-deps -e .
    echo "$want" > .venv/.blueprint-build-setup
  fi
fi
# The build tools (PyInstaller; matplotlib only for its DejaVu copies off Debian) come from the lock like
# everything else; a lock that does not pin them yet gets them from the `build` extra.
if ! "$vpy" -c 'import PyInstaller' 2>/dev/null ||
   { [ "$os" != linux ] && ! "$vpy" -c 'import importlib.util as u; exit(u.find_spec("matplotlib") is None)'; }; then
  log "installing the build tools (pip install -e .[build])"
  "$vpy" -m pip install -q --disable-pip-version-check -e ".[build]"
fi

# 2. Resources ship built: the geography is built here (a no-op when it is current), never at first start.
"$vpy" -m blueprint_desktop.geo.build --if-missing >&2
if [ -f installers/build_vendor.py ]; then
  "$vpy" installers/build_vendor.py --if-missing >&2
fi

# 3. The icon (PyInstaller turns the PNG into .ico/.icns with Pillow on Windows/macOS), then the app.
mkdir -p build-app/icon
QT_QPA_PLATFORM=offscreen "$vpy" - <<'EOF'
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

app = QGuiApplication([])
image = QImage(256, 256, QImage.Format.Format_ARGB32)
image.fill(Qt.GlobalColor.transparent)
painter = QPainter(image)
QSvgRenderer("ui/blueprint.svg").render(painter)
painter.end()
assert image.save("build-app/icon/blueprint.png"), "could not write the icon"
EOF
log "PyInstaller: installers/blueprint.spec (several minutes)"
start=$(date +%s)
"$vpy" -m PyInstaller --noconfirm --log-level WARN --distpath build-app/dist --workpath build-app/work \
  installers/blueprint.spec
app_dir="$root/build-app/dist/Blueprint"
log "built $app_dir in $(( $(date +%s) - start )) s: $(du -sh "$app_dir" | cut -f1)"

# 4. The smoke test runs the built executables (not the source tree): window, demo, score, PDF, exit.
if [ "$smoke" = 1 ]; then
  if [ "$os" = linux ] && [ -z "${DISPLAY:-}" ] && ! command -v xvfb-run >/dev/null 2>&1; then
    log "no display and no xvfb-run: smoke test skipped (run it with: $vpy -m pytest -m slow tests/test_frozen_app.py)"
  else
    log "smoke test of the built app"
    BLUEPRINT_FROZEN_APP="$app_dir" BLUEPRINT_FROZEN_REQUIRED=1 \
      "$vpy" -m pytest -q -p no:cacheprovider -o addopts= tests/test_frozen_app.py
  fi
fi
log "done: $app_dir (window: Blueprint, command line: blueprint-cli)"
