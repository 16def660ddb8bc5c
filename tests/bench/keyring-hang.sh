#!/usr/bin/env bash
# `service list` latency while a keyring call hangs (issue 11, target < 50 ms). A Secret Service
# that never answers (tests/fixtures/hung-secret-service) runs on a private D-Bus session with a
# host; `profile list` is left waiting on it (about 3 s, the keyring limit) while `service list`
# is timed 30 times. Usage: tests/bench/keyring-hang.sh [path/to/nexsock] (default: the release build).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(realpath "${1:-target/release/nexsock}")
NEXSOCK_HOME=$(mktemp -d /tmp/nxkr.XXXXXX)
export NEXSOCK_HOME
trap 'rm -rf "$NEXSOCK_HOME"' EXIT
dbus-run-session -- bash -c '
  set -euo pipefail
  bin=$1
  tests/fixtures/hung-secret-service > "$NEXSOCK_HOME/secret-service.out" &
  until grep -q ready "$NEXSOCK_HOME/secret-service.out" 2>/dev/null; do sleep 0.05; done
  "$bin" daemon > "$NEXSOCK_HOME/daemon.out" 2>&1 &
  until "$bin" service list > /dev/null 2>&1; do sleep 0.05; done
  "$bin" profile add work --provider ngrok > /dev/null
  for i in $(seq 20); do "$bin" service add "s$i" --command "sleep 1000" > /dev/null; done
  "$bin" profile list > /dev/null & lister=$!
  /usr/bin/python3 - "$bin" <<PY
import subprocess, sys, time
samples = []
for _ in range(30):
    t = time.perf_counter()
    subprocess.run([sys.argv[1], "service", "list", "--json"], check=True, capture_output=True)
    samples.append((time.perf_counter() - t) * 1000)
samples.sort()
print(f"service list while a keyring read hangs: median {samples[len(samples) // 2]:.1f} ms, "
      f"max {samples[-1]:.1f} ms over {len(samples)} runs (CLI process start included)")
PY
  if kill -0 "$lister" 2> /dev/null; then echo "profile list was still waiting on the keyring after all of them"; fi
  wait "$lister"
  "$bin" shutdown > /dev/null
' bash "$bin"
