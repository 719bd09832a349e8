#!/usr/bin/env bash
# Audit the locked dependency set for known vulnerabilities with pip-audit (PyPA), from PyPI.
# pip-audit asks an advisory service (PyPI's JSON API, or OSV with --osv). Where that service cannot be
# reached it reports packages as "could not be audited" (or fails to connect): this script then says
# AUDIT INCOMPLETE and exits 3, never "no known vulnerabilities". Exit 0: audited, none found; 1: found.
set -uo pipefail
cd "$(dirname "$0")/.."
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools/venv"
"$tools/venv/bin/pip" install -q --disable-pip-version-check pip-audit || { echo "AUDIT INCOMPLETE: pip-audit could not be installed"; exit 3; }
service=(); [ "${1:-}" = --osv ] && service=(--vulnerability-service osv)
"$tools/venv/bin/pip-audit" "${service[@]}" --no-deps --disable-pip -r requirements.lock >"$tools/out" 2>&1
rc=$?
cat "$tools/out"
not_audited=$(grep -c "could not be audited" "$tools/out")
if grep -qE "ConnectionError|Failed to resolve|Max retries exceeded" "$tools/out" || [ "$not_audited" -gt 0 ]; then
  echo "AUDIT INCOMPLETE: the advisory service was not reachable; $not_audited packages could not be audited. This is not a clean result."
  exit 3
fi
exit "$rc"
