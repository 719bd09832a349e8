#!/usr/bin/env bash
# Run the test suite: `bash installers/run-tests.sh [pytest args]`. Sets itself up first.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bash "$here/installers/setup.sh"
cd "$here"
export QT_QPA_PLATFORM=offscreen
if [ "$(id -u)" = 0 ]; then export QTWEBENGINE_DISABLE_SANDBOX=1; fi
# A hard ceiling under CI's 90 minutes; each test also has its own timeout (pyproject: timeout = 120).
exec timeout -k 15 3600 .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
