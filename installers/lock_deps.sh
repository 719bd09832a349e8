#!/usr/bin/env bash
# Regenerate requirements.lock: every package .venv installs, at the exact version tested, with the
# sha256 of every file PyPI serves for that version (all platforms, so Windows and macOS installs verify too).
# Run after changing the dependencies in pyproject.toml and installing them into .venv (installers/setup.sh
# installs from this file, so a dependency missing here fails set-up; tests/test_dependency_lock.py checks
# that every dependency named in pyproject.toml is pinned here).
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools/venv"
"$tools/venv/bin/pip" install -q --disable-pip-version-check pip-tools
# The versions in .venv are the ones the suite passed with: resolve to exactly those.
.venv/bin/python -m pip freeze --exclude-editable > "$tools/tested.txt"
"$tools/venv/bin/pip-compile" -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links \
  --extra dev --extra data --extra build --constraint "$tools/tested.txt" \
  --output-file requirements.lock pyproject.toml
# The constraint file is a temporary copy of .venv's versions: name it so in the annotations.
sed -i "s#$tools/tested.txt#the tested .venv (pip freeze)#g" requirements.lock
echo "requirements.lock: $(grep -c '^[a-zA-Z0-9]' requirements.lock) packages pinned"
