"""Desktop benchmarks (BENCHMARKS.md): cold start of the app to a ready tray, the app's resident
memory while idle with the demo stack running, and (issue 14) its footprint started in the
background with no window (PSS of the app and its children) and the time from "Open nexsock" to
a visible window. Real release binaries under Xvfb in
their own D-Bus session, the tray read over D-Bus as a panel reads it.

Run: bash tests/desktop/run.sh --bench   (builds the release binaries first)
"""

import asyncio
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import sni  # noqa: E402
from e2e import press_ctrl_w, webkit_processes, window_mapped, window_processes  # noqa: E402
from harness import ROOT, Session, descendants, wait_for  # noqa: E402

APP = ROOT / "target" / "release" / "nexsock-desktop"
CLI = ROOT / "target" / "release" / "nexsock"
RUNS = 10


def rss_kb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def pss_kb(pid):
    """Proportional set size: shared pages divided among the processes that share them."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def window_visible(s):
    return subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "^nexsock$"], env=s.env,
                          capture_output=True).returncode == 0


async def background_and_open(s, watcher, run):
    """PSS of the app and its descendants started with --background after 5 s idle; the time from
    the tray's Open nexsock to a visible window, and from a second launch to a visible window; and
    the PSS again once the window was closed (twice) and the app idled 5 s."""
    s.env["NEXSOCK_HOME"] = str(s.tmp / f"bg-{run}")
    watcher.items.clear()
    app = s.spawn([str(APP), "--background"], f"bg-{run}.log")
    menu = await sni.menu_path(watcher.bus, await watcher.wait_item())
    await asyncio.sleep(5)  # idle before reading memory, as above
    kids = descendants(app.pid)
    found = {"pss": pss_kb(app.pid) + sum(pss_kb(k) for k in kids), "names": sorted(comm(k) for k in kids)}

    async def shown_after(what, opening):
        started = time.monotonic()
        await opening()
        while not window_visible(s):
            await asyncio.sleep(0.002)
        found[what] = time.monotonic() - started
        await wait_for("the window's web process", lambda: webkit_processes(app.pid, "WebKitWebProcess"))

    async def close():
        # Ctrl+W once the page handles keys: the window process and WebKit's processes end.
        await wait_for("Ctrl+W to close the window", lambda: press_ctrl_w(s) and not window_mapped(s))
        await wait_for("the window process and every WebKit process to end",
                       lambda: not webkit_processes(app.pid) and not window_processes(app.pid), timeout=30)

    async def tray_open():
        await sni.click(watcher.bus, menu, "Open nexsock")

    async def second_launch():
        # What a launcher or the desktop entry does while the app runs: it hands over and exits.
        second = s.spawn([str(APP)], f"bg-{run}-second.log")
        await wait_for("the second launch to hand over", lambda: second.poll() is not None, timeout=20)

    await shown_after("opened", tray_open)
    await asyncio.sleep(2)  # the page settles before its footprint is read
    found["shown"] = pss_kb(app.pid) + sum(pss_kb(k) for k in descendants(app.pid))
    await close()
    await shown_after("relaunched", second_launch)
    await close()
    await asyncio.sleep(5)  # idle again before reading memory: the tray app for the rest of the day
    found["closed"] = pss_kb(app.pid) + sum(pss_kb(k) for k in descendants(app.pid))
    app.send_signal(signal.SIGTERM)
    await wait_for("the app to exit", lambda: app.poll() is not None)
    return found


def comm(pid):
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


async def cold_start(s, watcher, run):
    s.env["NEXSOCK_HOME"] = str(s.tmp / f"cold-{run}")
    watcher.items.clear()
    started = time.monotonic()
    app = s.spawn([str(APP)], f"cold-{run}.log")
    item = await watcher.wait_item()
    menu = await sni.menu_path(watcher.bus, item)
    while True:
        labels = [p for _, p in await sni.layout(watcher.bus, menu)]
        if any(p and "services ready" in p[0] for p in labels):
            break
        await asyncio.sleep(0.002)
    elapsed = time.monotonic() - started
    app.send_signal(signal.SIGTERM)
    await wait_for("the app to exit", lambda: app.poll() is not None)
    return elapsed


async def main():
    s = Session()
    try:
        s.start_display()
        s.start_keyring()
        s.spawn(["dunst"], "dunst.log")
        watcher = sni.Watcher()
        await watcher.start()
        await cold_start(s, watcher, "warmup")
        times = [await cold_start(s, watcher, i) for i in range(RUNS)]
        times.sort()
        print("| what | runs | min | p50 | max |")
        print("|---|---:|---:|---:|---:|")
        print(f"| exec -> tray exported with its menu | {RUNS} | {times[0]*1000:.0f} ms | "
              f"{statistics.median(times)*1000:.0f} ms | {times[-1]*1000:.0f} ms |")

        footprint = [await background_and_open(s, watcher, i) for i in range(5)]
        print()
        print("| started with --background, no window | runs | min | p50 | max | target |")
        print("|---|---:|---:|---:|---:|---|")

        def row(label, key, scale, unit, target):
            v = sorted(f[key] * scale for f in footprint)
            digits = 1 if unit == "MB" else 0
            low, mid, high = (f"{x:.{digits}f} {unit}" for x in (v[0], statistics.median(v), v[-1]))
            verdict = "-" if target is None else f"<= {target} {unit}: {'met' if v[-1] <= target else 'MISSED'}"
            print(f"| {label} | {len(v)} | {low} | {mid} | {high} | {verdict} |")

        row("PSS of the app and its children", "pss", 1 / 1000, "MB", 80)
        row("the same after the window was opened and closed (twice)", "closed", 1 / 1000, "MB", 80)
        row("Open nexsock -> window visible", "opened", 1000, "ms", 500)
        row("second launch -> window visible", "relaunched", 1000, "ms", 500)
        row("(for comparison: with the window open, tray + window process + WebKit)", "shown", 1 / 1000, "MB", None)
        print(f"(children while no window was open: {footprint[-1]['names']})")

        s.env["NEXSOCK_HOME"] = str(s.tmp / "demo")
        app = s.spawn([str(APP)], "demo.log")
        await wait_for("the host", lambda: (s.tmp / "demo" / "run" / "nexsock.sock").exists())
        subprocess.run([str(CLI), "apply", "-f", str(ROOT / "examples" / "demo" / "stack.toml")], env=s.env,
                       check=True, capture_output=True)
        subprocess.run([str(CLI), "service", "start-batch", "web,worker"], env=s.env, check=True, capture_output=True)
        await asyncio.sleep(5)  # idle: let the webview settle before reading memory
        samples = []
        for _ in range(5):
            kids = descendants(app.pid)
            samples.append((rss_kb(app.pid), {k: (comm(k), rss_kb(k)) for k in kids}))
            await asyncio.sleep(0.2)
        app_kb = max(a for a, _ in samples)
        kids = samples[-1][1]
        def of_app(name):
            return name.startswith("WebKit") or name == "nexsock-desktop"

        window_kb = sum(kb for name, kb in kids.values() if of_app(name))
        print()
        print("| process | VmRSS |")
        print("|---|---:|")
        print(f"| nexsock-desktop (host, engine, tray) | {app_kb/1000:.1f} MB |")
        for pid, (name, kb) in sorted(kids.items()):
            if name == "nexsock-desktop":
                print(f"| nexsock-desktop --window (the window process) | {kb/1000:.1f} MB |")
            elif name.startswith("WebKit"):
                print(f"| {name} (the window's WebKit child) | {kb/1000:.1f} MB |")
        print(f"| app + window + WebKit processes | {(app_kb + window_kb)/1000:.1f} MB |")
        services = sum(kb for name, kb in kids.values() if not of_app(name))
        print(f"\n(the demo stack's own processes, not counted above: {services/1000:.1f} MB)")
        app.send_signal(signal.SIGTERM)
        await wait_for("the app to exit", lambda: app.poll() is not None)
    finally:
        s.stop_all()
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    asyncio.run(main())
