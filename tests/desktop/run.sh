#!/usr/bin/env bash
# Runs the desktop end-to-end tests (or, with --bench, the desktop benchmarks): builds the app and
# the CLI, prepares a Python venv with dbus-next (the tray is driven over D-Bus) and Selenium (the
# window is driven over WebDriver), and runs each script inside its own D-Bus session: e2e.py (tray,
# notifications, keyring, clipboard, process lifetime), then webdriver.py (the window's views).
# `--screenshots` instead retakes the README's screenshots (ui/screenshots) with the demo stack.
set -euo pipefail
cd "$(dirname "$0")/../.."
bench=0
[ "${1:-}" = "--bench" ] && bench=1
if ((bench)); then
  cargo build --locked --release -p nexsock-desktop -p nexsock-cli
else
  cargo build --locked -p nexsock-desktop -p nexsock-cli
fi
venv=target/desktop-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -c 'import dbus_next, selenium' 2>/dev/null ||
  "$venv/bin/pip" install --quiet 'dbus-next==0.2.3' 'selenium==4.27.1'
if ((bench)); then
  exec dbus-run-session -- "$venv/bin/python" tests/desktop/bench.py
fi
if [ "${1:-}" = "--screenshots" ]; then
  exec dbus-run-session -- "$venv/bin/python" tests/desktop/screenshots.py
fi
status=0
dbus-run-session -- "$venv/bin/python" tests/desktop/e2e.py || status=1
dbus-run-session -- "$venv/bin/python" tests/desktop/webdriver.py || status=1
exit $status
