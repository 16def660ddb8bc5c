#!/usr/bin/env bash
# After a crash with many leftovers (issue 16): 200 services run — 190 that stop on SIGTERM and 10
# that ignore it (grace 3 s) — when the host is killed with SIGKILL. Measures how soon the next
# command is answered (CLI start included, the host it starts in the background included) and how
# long until every leftover is gone, against the slowest single leftover (its 3 s grace) and the
# sum of the graces (what stopping them one after another would cost).
# Usage: tests/bench/leftovers.sh [path/to/nexsock] (default: the release build).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(realpath "${1:-target/release/nexsock}")
NEXSOCK_HOME=$(mktemp -d /tmp/nxlo.XXXXXX)
export NEXSOCK_HOME
trap '"$bin" shutdown > /dev/null 2>&1 || true; [ -n "${KEEP:-}" ] || rm -rf "$NEXSOCK_HOME"' EXIT
/usr/bin/python3 - "$bin" <<'PY'
import json, os, signal, subprocess, sys, time
bin = sys.argv[1]
home = os.environ["NEXSOCK_HOME"]
def run(*args):
    return subprocess.run([bin, *args], capture_output=True, text=True)
def cli(*args):
    p = run(*args)
    if p.returncode:
        sys.exit(f"nexsock {' '.join(args)} failed: {p.stderr.strip()}")
    return p.stdout
calm, stubborn = 190, 10
for i in range(calm):
    cli("service", "add", f"calm{i}", "--command", "exec sleep 100000", "--stop-grace", "3")
for i in range(stubborn):
    cli("service", "add", f"stubborn{i}", "--command", "trap '' TERM; exec sleep 100000", "--stop-grace", "3")
for s in json.loads(cli("service", "list", "--json")):
    cli("service", "start", s["name"])
pids = [s["pid"] for s in json.loads(cli("service", "list", "--json"))]
assert len(pids) == calm + stubborn and all(pids)
host = int(open(os.path.join(home, "host.lock")).read())
os.kill(host, signal.SIGKILL)
while os.path.exists(f"/proc/{host}"):
    time.sleep(0.001)
t0 = time.perf_counter()
# A CLI that gives up waiting for the host (a host that stops leftovers before it serves) is
# counted and run again.
gave_up = 0
while (first := run("service", "list", "--json")).returncode:
    gave_up += 1
first = json.loads(first.stdout)
answered = time.perf_counter() - t0
stopping = sum(s["state"] == "stopping" for s in first)
while any(s["state"] == "stopping" for s in json.loads(cli("service", "list", "--json"))):
    time.sleep(0.01)
cleaned = time.perf_counter() - t0
def alive(pid):
    try:
        return open(f"/proc/{pid}/stat").read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False
left = [p for p in pids if alive(p)]
assert not left, f"leftovers survived: {left}"
states = {s["state"] for s in json.loads(cli("service", "list", "--json"))}
print(f"{calm + stubborn} leftovers ({stubborn} ignore SIGTERM, grace 3 s): first `service list` answered in "
      f"{answered * 1000:.0f} ms ({gave_up} CLI runs gave up before) with {stopping} shown stopping; all gone after {cleaned:.2f} s "
      f"(slowest single leftover: 3 s; one after another: >= {stubborn * 3} s); final states {sorted(states)}")
PY
