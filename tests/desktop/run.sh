#!/usr/bin/env bash
# Runs the desktop end-to-end test: builds the app and the CLI, prepares a Python venv with
# dbus-next (the test drives the tray over D-Bus), and runs e2e.py inside its own D-Bus session.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --locked -p nexsock-desktop -p nexsock-cli
venv=target/desktop-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -c 'import dbus_next' 2>/dev/null || "$venv/bin/pip" install --quiet 'dbus-next==0.2.3'
exec dbus-run-session -- "$venv/bin/python" tests/desktop/e2e.py
