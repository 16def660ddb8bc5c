#!/usr/bin/env bash
# Runs the desktop end-to-end test (or, with --bench, the desktop benchmarks): builds the app and
# the CLI, prepares a Python venv with dbus-next (the tray is driven over D-Bus), and runs the
# script inside its own D-Bus session.
set -euo pipefail
cd "$(dirname "$0")/../.."
script=tests/desktop/e2e.py
if [ "${1:-}" = "--bench" ]; then
  cargo build --locked --release -p nexsock-desktop -p nexsock-cli
  script=tests/desktop/bench.py
else
  cargo build --locked -p nexsock-desktop -p nexsock-cli
fi
venv=target/desktop-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -c 'import dbus_next' 2>/dev/null || "$venv/bin/pip" install --quiet 'dbus-next==0.2.3'
exec dbus-run-session -- "$venv/bin/python" "$script"
