#!/usr/bin/env bash
# Open Blueprint Desktop: `bash installers/run-app.sh [PROJECT.bpproj]` (the demo project when none is named).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bash "$here/installers/setup.sh"
# Chromium (inside Qt WebEngine) refuses to run as root with its sandbox on.
if [ "$(id -u)" = 0 ]; then export QTWEBENGINE_DISABLE_SANDBOX=1; fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ "${QT_QPA_PLATFORM:-}" != offscreen ]; then
  echo "[run-app] no display found: starting on a virtual screen (Xvfb)" >&2
  exec xvfb-run -a -s "-screen 0 1600x1000x24" "$here/.venv/bin/blueprint" gui "$@"
fi
exec "$here/.venv/bin/blueprint" gui "$@"
