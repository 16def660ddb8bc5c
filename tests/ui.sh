#!/usr/bin/env bash
# The webview UI: install exactly the locked packages, type-check, run the unit tests against the
# mock backend, and build ui/dist (which the desktop app embeds, so this runs before any cargo
# build of src-tauri). `--build-only` skips the checks (the demo uses it).
set -euo pipefail
cd "$(dirname "$0")/../ui"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
if [ "${1:-}" != "--build-only" ]; then
  npm run typecheck
  npm test
fi
npm run build
