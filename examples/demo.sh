#!/usr/bin/env bash
# Runs the nexsock host in the foreground with the demo stack (examples/demo) registered and
# started. Ctrl+C stops every service and the host. State lives in target/demo-home unless
# NEXSOCK_HOME says otherwise.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash tests/setup.sh
cargo build --release -p nexsock-cli
export NEXSOCK_HOME="${NEXSOCK_HOME:-$root/target/demo-home}"
nexsock="$root/target/release/nexsock"
demo="$root/examples/demo"

"$nexsock" daemon &
host=$!
trap '"$nexsock" shutdown >/dev/null 2>&1 || true; wait "$host" 2>/dev/null || true' EXIT INT TERM

add() { # add NAME ARGS...: registers a service unless it exists already
  local name="$1"; shift
  "$nexsock" service status "$name" >/dev/null 2>&1 || "$nexsock" service add "$name" "$@"
}
add api --command "exec python3 $demo/api.py" --cwd "$demo" --port 8701 --env PORT=8701 \
  --env DATABASE_URL=sqlite:///demo.db --health http:/health --restart on-failure
add web --command "exec python3 $demo/web.py" --cwd "$demo" --port 8700 --env PORT=8700 \
  --env API_URL=http://127.0.0.1:8701 --health tcp --restart on-failure
add worker --command "exec python3 -u $demo/worker.py" --cwd "$demo" --health 'log:worker ready'

for s in api web worker; do "$nexsock" service start "$s"; done
"$nexsock" service list
echo
echo "demo stack running: open http://127.0.0.1:8700 — try 'NEXSOCK_HOME=$NEXSOCK_HOME $nexsock service logs api -f'"
echo "Ctrl+C stops every service and the host."
wait "$host"
