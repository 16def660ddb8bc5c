"""What the desktop end-to-end scripts share: paths, a throw-away session (temp HOME and XDG dirs,
its own NEXSOCK_HOME, Xvfb), polling without fixed sleeps, and a results tally that prints one
closing line per script.
"""

import asyncio
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "target"
APP = Path(os.environ.get("NEXSOCK_DESKTOP_BIN", TARGET / "debug" / "nexsock-desktop"))
CLI = Path(os.environ.get("NEXSOCK_BIN", TARGET / "debug" / "nexsock"))
OUT = TARGET / "desktop-e2e"
FAKE_LT = ROOT / "tests" / "fixtures" / "fake-lt"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_for(what, check, timeout=30.0):
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.2)


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except OSError:
        return False


class Session:
    def __init__(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="nxe2e", dir="/tmp"))
        self.env = dict(os.environ)
        self.env.update(
            HOME=str(self.tmp / "home"),
            XDG_RUNTIME_DIR=str(self.tmp / "run"),
            XDG_DATA_HOME=str(self.tmp / "data"),
            XDG_CONFIG_HOME=str(self.tmp / "config"),
            XDG_CACHE_HOME=str(self.tmp / "cache"),
            NEXSOCK_HOME=str(self.tmp / "nexsock"),
            NO_COLOR="1",
        )
        for key in ("HOME", "XDG_RUNTIME_DIR", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
            Path(self.env[key]).mkdir(parents=True, exist_ok=True)
        os.chmod(self.env["XDG_RUNTIME_DIR"], 0o700)
        self.procs = []

    def spawn(self, args, log, pass_fds=()):
        proc = subprocess.Popen(args, env=self.env, stdout=open(self.tmp / log, "w"), stderr=subprocess.STDOUT,
                                start_new_session=True, pass_fds=pass_fds)
        self.procs.append(proc)
        return proc

    def cli(self, *args, check=True):
        out = subprocess.run([str(CLI), *args], env=self.env, capture_output=True, text=True, timeout=120)
        if check and out.returncode != 0:
            raise AssertionError(f"nexsock {' '.join(args)} failed: {out.stderr}")
        return out.stdout

    def cli_json(self, *args):
        return json.loads(self.cli(*args, "--json"))

    def start_display(self):
        # Xvfb picks a free display itself and writes its number to a pipe (-displayfd): lock files
        # that killed servers left behind in /tmp do not count as taken.
        read, write = os.pipe()
        self.spawn(["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"], "xvfb.log",
                   pass_fds=(write,))
        os.close(write)
        with os.fdopen(read) as numbers:
            display = numbers.readline().strip()
        assert display, f"Xvfb did not start: {(self.tmp / 'xvfb.log').read_text()}"
        self.env["DISPLAY"] = f":{display}"
        deadline = time.monotonic() + 20
        while subprocess.run(["xdpyinfo"], env=self.env, capture_output=True).returncode != 0:
            if time.monotonic() > deadline:
                raise TimeoutError("Xvfb did not start")
            time.sleep(0.05)
        # D-Bus-activated services (the notification daemon) must see the display too.
        subprocess.run(["dbus-update-activation-environment", "DISPLAY", "HOME", "XDG_RUNTIME_DIR",
                        "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"], env=self.env, check=True)

    def clipboard(self):
        """The text on the session's clipboard (read back with xclip, as another app would)."""
        out = subprocess.run(["xclip", "-o", "-selection", "clipboard"], env=self.env, capture_output=True, text=True)
        return out.stdout.strip()

    def start_keyring(self):
        """An unlocked gnome-keyring (Secret Service) in this session's D-Bus, as a desktop has."""
        keyring = subprocess.run(["gnome-keyring-daemon", "--daemonize", "--unlock", "--components=secrets"],
                                 input=b"e2e-password", env=self.env, capture_output=True)
        assert keyring.returncode == 0, keyring.stderr

    def stop_all(self):
        for proc in reversed(self.procs):
            if proc.poll() is None:
                # SIGTERM first: Xvfb then removes its lock file, which SIGKILL would leave behind.
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(timeout=5)
                except ProcessLookupError:
                    pass
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


class Results:
    def __init__(self):
        self.passed, self.failed = 0, 0

    async def check(self, name, coro):
        try:
            await coro
            self.passed += 1
            print(f"ok: {name}", flush=True)
        except Exception as e:  # noqa: BLE001 - every failure is reported, then the run goes on or stops
            self.failed += 1
            print(f"FAILED: {name}: {type(e).__name__}: {e}", flush=True)
            raise


def parent_of(pid):
    """`pid`'s parent (None once it is gone)."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def descendants(pid):
    """The pids of `pid`'s children, their children, and so on (read from /proc)."""
    parents = {int(p.name): parent_of(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()}
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def cmdline_has(proc_dir, needle):
    try:
        return needle in (proc_dir / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
