"""The Windows black-box suite: the real nexsock.exe and nexsock-testsvc.exe (built for
x86_64-pc-windows-gnu) run under Wine, driven from Linux as a user drives the CLI. Each check
uses its own state directory; processes are looked for from the Linux side (a Wine process's
command line holds the .exe's name and arguments).

Run by tests/cross.sh: python3 tests/windows/suite.py WINDOWS_TARGET_DIR LINUX_NEXSOCK
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

OUT = Path(sys.argv[1]).resolve()          # target/cross/x86_64-pc-windows-gnu/debug
LINUX_NEXSOCK = Path(sys.argv[2]).resolve()  # target/debug/nexsock, for the --json shapes
WINE = "/usr/lib/wine/wine64"
EXE = OUT / "nexsock.exe"


def win(path: Path) -> str:
    """A Linux path as Wine's Z: drive shows it."""
    return "Z:" + str(path).replace("/", "\\")


SVC = win(OUT / "nexsock-testsvc.exe")


def wait_for(what, check, timeout=30.0):
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(delay)  # polling back-off, not synchronisation: the deadline decides
        delay = min(delay * 2, 0.2)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def processes_with(marker):
    """Linux pids of live processes whose command line holds `marker`."""
    found = []
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            cmdline = (p / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (p / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmdline and state not in ("Z", "X"):
            found.append(int(p.name))
    return found


class Host:
    """A state directory and the host (`nexsock.exe daemon`) on its named pipe."""

    def __init__(self, prefix):
        self.dir = Path(tempfile.mkdtemp(prefix="nexsock-win-"))
        self.env = dict(os.environ, WINEPREFIX=str(prefix), WINEDEBUG="-all", NEXSOCK_HOME=win(self.dir / "home"))
        self.daemon = None

    def run(self, *args, timeout=90):
        # Output goes through files, not pipes: a host the CLI starts in the background would
        # inherit a pipe's Unix descriptor under Wine and hold it open for as long as it runs.
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            r = subprocess.run([WINE, str(EXE), *args], env=self.env, stdout=out, stderr=err, text=True,
                               timeout=timeout)
            out.seek(0)
            err.seek(0)
            return subprocess.CompletedProcess(r.args, r.returncode, out.read(), err.read())

    def ok(self, *args, timeout=90):
        r = self.run(*args, timeout=timeout)
        assert r.returncode == 0, f"nexsock {' '.join(args)} exited {r.returncode}: {r.stderr.strip()}"
        return r.stdout

    def json(self, *args):
        return json.loads(self.ok("--json", *args))

    def start(self):
        log = self.dir / f"daemon-{uuid.uuid4().hex[:6]}.log"
        with open(log, "w") as err:
            self.daemon = subprocess.Popen([WINE, str(EXE), "daemon"], env=self.env, stdout=subprocess.DEVNULL,
                                           stderr=err)
        # Until it says so, a CLI would start a second host of its own (and lose the lock race).
        wait_for("the host to start", lambda: "host started" in log.read_text() or self.daemon.poll() is not None, 60)
        assert self.daemon.poll() is None, f"the host exited: {log.read_text()}"
        wait_for("the host to answer on its named pipe", lambda: self.run("service", "list").returncode == 0, 60)
        return self

    def service(self, name):
        return next(s for s in self.json("service", "list") if s["name"] == name)

    def stop(self):
        if self.daemon and self.daemon.poll() is None:
            self.run("shutdown")
            try:
                self.daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.daemon.kill()


def testsvc(marker, *args):
    return f"{SVC} --print {marker} " + " ".join(args)


def check_second_host_refused(h):
    r = h.run("daemon", timeout=60)
    assert r.returncode != 0, "a second host on the same state must be refused"
    assert "already owns" in r.stderr, r.stderr


def check_readiness_of_each_kind(h):
    port_tcp, port_http = free_port(), free_port()
    tag = uuid.uuid4().hex[:8]
    h.ok("service", "add", "tcp-svc", "--command", testsvc(tag, "--delay-ms 200 --listen", str(port_tcp)),
         "--port", str(port_tcp), "--health", "tcp")
    h.ok("service", "add", "http-svc", "--command", testsvc(tag, "--listen", str(port_http)),
         "--port", str(port_http), "--health", "http:/health")
    h.ok("service", "add", "log-svc", "--command", testsvc(tag, "--delay-ms 100 --print warming --listen 0"),
         "--health", "log:listening on")
    h.ok("service", "add", "exec-svc", "--command", testsvc(tag), "--health", "exec:cmd /C exit 0")
    for name in ("tcp-svc", "http-svc", "log-svc", "exec-svc"):
        out = h.ok("service", "start", name)
        assert "ready" in out, out
        assert h.service(name)["state"] == "ready"
    # The service really serves: Wine's sockets are Linux sockets.
    with socket.create_connection(("127.0.0.1", port_http), timeout=5) as c:
        c.sendall(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
        assert c.recv(64).startswith(b"HTTP/1.1 200")
    for name in ("tcp-svc", "http-svc", "log-svc", "exec-svc"):
        h.ok("service", "stop", name)
    wait_for("every readiness test process to end", lambda: not processes_with(tag))


def check_chain_under_every_strategy(h):
    tag = uuid.uuid4().hex[:8]
    port = free_port()
    h.ok("service", "add", "db", "--command", testsvc(tag, "--delay-ms 300 --listen", str(port)), "--port", str(port),
         "--health", "tcp")
    h.ok("service", "add", "api", "--command", testsvc(tag, "--listen 0"), "--health", "log:listening on")
    h.ok("service", "add", "web", "--command", testsvc(tag, "--listen 0"), "--health", "log:listening on")
    h.ok("dependency", "add", "api", "--depends-on", "db")
    h.ok("dependency", "add", "web", "--depends-on", "api")
    for strategy in ("sequential", "parallel-safe", "concurrent", "critical-path"):
        report = h.json("service", "start", "web", "--smart", "--strategy", strategy)
        assert report["status"] == "completed" and report["strategy"] == strategy, report
        at = {s["name"]: s for s in report["services"]}
        assert all(s["state"] == "ready" for s in at.values()), report
        # Each dependent spawned only once its dependency was ready.
        assert at["api"]["spawned_ms"] >= at["db"]["ready_ms"], report
        assert at["web"]["spawned_ms"] >= at["api"]["ready_ms"], report
        assert report["critical_chain"] == ["db", "api", "web"], report
        for name in ("web", "api", "db"):
            h.ok("service", "stop", name)
    wait_for("the chain's processes to end", lambda: not processes_with(tag))


def check_json_shapes_match_linux(h):
    h.ok("service", "add", "shape", "--command", testsvc("shape"), "--port", str(free_port()))
    windows = h.json("service", "list")
    windows_status = h.json("service", "status", "shape")
    with tempfile.TemporaryDirectory() as linux_home:
        env = dict(os.environ, NEXSOCK_HOME=linux_home)
        run = lambda *a: subprocess.run([str(LINUX_NEXSOCK), *a], env=env, capture_output=True, text=True, check=True)  # noqa: E731
        try:
            run("service", "add", "shape", "--command", "true", "--port", "4000")
            linux = json.loads(run("--json", "service", "list").stdout)
            linux_status = json.loads(run("--json", "service", "status", "shape").stdout)
        finally:
            subprocess.run([str(LINUX_NEXSOCK), "shutdown"], env=env, capture_output=True)
    assert set(windows[0]) == set(linux[0]), (sorted(windows[0]), sorted(linux[0]))
    assert set(windows_status) == set(linux_status) and set(windows_status["spec"]) == set(linux_status["spec"])
    h.ok("service", "remove", "shape")


def check_stop_ends_the_grandchild(h):
    tag = uuid.uuid4().hex[:8]
    h.ok("service", "add", "forker", "--command", testsvc(tag, "--grandchild --ignore-stop"), "--stop-grace", "1")
    h.ok("service", "start", "forker")
    # The leader (cmd), the service and the grandchild it started.
    wait_for("the grandchild", lambda: len(processes_with(tag)) >= 2)
    wait_for("the grandchild's line", lambda: "grandchild up" in h.ok("service", "logs", "forker"))
    started = time.monotonic()
    out = h.ok("service", "stop", "forker")
    assert "stopped" in out, out
    # A console program cannot be asked to stop: it is ended after its grace, with its job.
    assert time.monotonic() - started >= 0.9, "the grace was honoured"
    wait_for("the service and its grandchild to be gone", lambda: not processes_with(tag), 10)
    assert h.service("forker")["state"] == "stopped"


def check_restart_back_off(h):
    tag = uuid.uuid4().hex[:8]
    h.ok("service", "add", "crasher", "--command", testsvc(tag, "--exit 3"), "--restart", "on-failure")
    h.run("service", "start", "crasher")
    wait_for("restarts with back-off", lambda: h.service("crasher")["restarts"] >= 2, 30)
    s = h.service("crasher")
    assert s["last_exit"] is not None and s["last_exit"].get("code") == 3, s
    h.ok("service", "stop", "crasher")
    wait_for("the crasher to stay stopped", lambda: h.service("crasher")["state"] == "stopped")


def check_bad_input(h):
    r = h.run("service", "add", "bad name", "--command", "x")
    assert r.returncode != 0 and "invalid service name `bad name`" in r.stderr, r.stderr
    r = h.run("service", "start", "nope")
    assert r.returncode != 0 and "nope" in r.stderr, r.stderr
    r = h.run("dependency", "add", "nope", "--depends-on", "also-nope")
    assert r.returncode != 0, r.stderr
    assert "bad name" not in [s["name"] for s in h.json("service", "list")]


def check_killed_host_takes_its_services_and_the_next_host_serves(prefix):
    h = Host(prefix).start()
    tag = uuid.uuid4().hex[:8]
    try:
        h.ok("service", "add", "orphan", "--command", testsvc(tag, "--grandchild --listen 0"), "--health", "log:listening on")
        h.ok("service", "start", "orphan")
        wait_for("the service and its grandchild", lambda: len(processes_with(tag)) >= 2)
        host_pids = processes_with("nexsock.exe daemon")
        assert host_pids, "the host's process"
        for pid in host_pids:
            os.kill(pid, 9)
        # Kill-on-job-close: the job object ends with the host's handles.
        wait_for("the killed host's services to end with it", lambda: not processes_with(tag), 15)
        h.start()
        s = h.service("orphan")
        assert s["state"] == "stopped" and s["pid"] is None, s
        h.ok("service", "start", "orphan")
        assert h.service("orphan")["state"] == "ready"
    finally:
        h.stop()


def main():
    prefix = OUT.parent.parent / "wineprefix"
    passed = failed = 0
    h = Host(prefix).start()
    checks = [
        ("a second host on the same state is refused", lambda: check_second_host_refused(h)),
        ("readiness by tcp, http, log and exec", lambda: check_readiness_of_each_kind(h)),
        ("a chain start under every strategy, in dependency order", lambda: check_chain_under_every_strategy(h)),
        ("--json has the same shapes as on Linux", lambda: check_json_shapes_match_linux(h)),
        ("stop ends the service's grandchild (job object), after its grace", lambda: check_stop_ends_the_grandchild(h)),
        ("a failing service restarts with back-off", lambda: check_restart_back_off(h)),
        ("bad input is refused with the same errors", lambda: check_bad_input(h)),
        ("a killed host takes its services with it; the next host serves", lambda: check_killed_host_takes_its_services_and_the_next_host_serves(prefix)),
    ]
    try:
        for name, check in checks:
            try:
                check()
                passed += 1
                print(f"ok: {name}", flush=True)
            except Exception as e:  # noqa: BLE001 - reported, the suite goes on
                failed += 1
                print(f"FAILED: {name}: {type(e).__name__}: {e}", flush=True)
    finally:
        h.stop()
    print(f"windows: {passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
