#!/usr/bin/env bash
# The webview UI: install exactly the locked packages, type-check, run the unit tests against the
# mock backend, and build ui/dist.
set -euo pipefail
cd "$(dirname "$0")/../ui"
npm ci --no-audit --no-fund
npm run typecheck
npm test
npm run build
