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
for _ in $(seq 200); do [ -S "$NEXSOCK_HOME/run/nexsock.sock" ] && break; sleep 0.05; done

"$nexsock" apply -f "$demo/stack.toml"
"$nexsock" service start-batch "web,worker"
"$nexsock" dependency tree web
"$nexsock" service list
echo
echo "demo stack running: open http://127.0.0.1:8700 — try 'NEXSOCK_HOME=$NEXSOCK_HOME $nexsock service logs api -f'"
echo "Ctrl+C stops every service and the host."
wait "$host"
