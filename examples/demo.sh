#!/usr/bin/env bash
# The main job: nexsock with the demo stack (examples/demo/stack.toml) loaded and started. On a
# desktop (DISPLAY or WAYLAND_DISPLAY set) it is the tray app; elsewhere, or with
# NEXSOCK_HEADLESS=1, the headless host in the foreground. Quitting the app (or Ctrl+C) stops
# every service and the host. State lives in target/demo-home unless NEXSOCK_HOME says otherwise.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash tests/setup.sh
export NEXSOCK_HOME="${NEXSOCK_HOME:-$root/target/demo-home}"
nexsock="$root/target/debug/nexsock"
demo="$root/examples/demo"

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ "${NEXSOCK_HEADLESS:-0}" != 1 ]; then
  bash tests/ui.sh --build-only # the window's page, embedded into the app
  cargo build --locked -p nexsock-cli -p nexsock-desktop
  "$root/target/debug/nexsock-desktop" &
  mode="desktop app"
else
  cargo build --locked -p nexsock-cli
  "$nexsock" daemon &
  mode="headless host"
fi
host=$!
trap 'kill -TERM "$host" 2>/dev/null || true; wait "$host" 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 400); do [ -S "$NEXSOCK_HOME/run/nexsock.sock" ] && break; sleep 0.05; done

"$nexsock" apply -f "$demo/stack.toml"
"$nexsock" service start-batch "web,worker"
"$nexsock" dependency tree web
"$nexsock" service list
echo
echo "demo stack running in the $mode: open http://127.0.0.1:8700"
echo "try: NEXSOCK_HOME=$NEXSOCK_HOME $nexsock service logs api -f"
echo "Quit from the tray (or Ctrl+C here) stops every service and the host."
wait "$host"
