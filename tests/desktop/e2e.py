"""Headless end-to-end test of the desktop app: the real binary under Xvfb, in its own D-Bus
session with a notification daemon (dunst) and an unlocked gnome-keyring. Its tray is driven over
D-Bus exactly as a panel drives it (StatusNotifierItem + dbusmenu, see sni.py); notifications are
observed on the bus with dbus-monitor; the clipboard is read back with xclip.

Run through tests/desktop/run.sh (which provides the D-Bus session). Prints one closing line
`desktop: N passed, N failed` and exits non-zero on any failure.
"""

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import sni  # noqa: E402
from harness import (APP, CLI, FAKE_LT, OUT, Results, Session, alive, cmdline_has, descendants, free_port,  # noqa: E402
                     parent_of, wait_for)


async def main():
    OUT.mkdir(parents=True, exist_ok=True)
    s = Session()
    results = Results()
    app = None
    try:
        s.start_display()
        s.start_keyring()
        s.spawn(["dunst"], "dunst.log")
        s.spawn(["dbus-monitor", "--session", "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"],
                "notify.log")
        watcher = sni.Watcher()
        await watcher.start()
        started = time.monotonic()
        app = s.spawn([str(APP)], "app.log")

        menu = await sni.menu_path(watcher.bus, await watcher.wait_item())
        print(f"tray ready after {time.monotonic() - started:.2f} s", flush=True)

        async def cli_talks_to_the_apps_host():
            lock = Path(s.env["NEXSOCK_HOME"]) / "host.lock"
            await wait_for("the host lock", lambda: lock.exists() and lock.read_text().strip())
            assert lock.read_text().strip() == str(app.pid), "the host is the app's own"
            assert s.cli_json("service", "list") == []

        await results.check("the CLI talks to the app's host", cli_talks_to_the_apps_host())

        async def second_launch_hands_over():
            second = s.spawn([str(APP)], "second.log")
            await wait_for("the second launch to hand over and exit", lambda: second.poll() is not None, timeout=20)
            assert second.returncode == 0, f"second instance exited with {second.returncode}"
            assert app.poll() is None, "the first instance keeps running"

        await results.check("a second launch focuses the first and exits", second_launch_hands_over())

        web_port = free_port()
        www = s.tmp / "www"
        www.mkdir()
        (www / "index.html").write_text("hello from the desktop e2e")
        s.cli("service", "add", "web", "--command", f"exec python3 -m http.server {web_port} --bind 127.0.0.1",
              "--cwd", str(www), "--port", str(web_port), "--health", "http:/")
        s.cli("service", "add", "api", "--command", "echo api up; exec sleep 100000", "--health", "log:api up")
        s.cli("dependency", "add", "api", "--depends-on", "web")
        s.cli("profile", "add", "lt", "--provider", "localtunnel", "--binary", str(FAKE_LT))

        async def menu_lists(*labels):
            deadline = time.monotonic() + 20
            while True:
                items = await sni.layout(watcher.bus, menu)
                if any(len(p) == len(labels) and all(x.startswith(l) for x, l in zip(p, labels)) for _, p in items):
                    return
                assert time.monotonic() < deadline, f"the tray menu never showed {labels}"
                await asyncio.sleep(0.05)

        async def tray_start_chain():
            await menu_lists("Start chain", "api (stopped)")
            await sni.click(watcher.bus, menu, "Start chain", "api")
            await wait_for("api and web to be ready", lambda: all(
                x["state"] == "ready" for x in s.cli_json("service", "list")))
            await wait_for("the ready notification", lambda: "api is ready" in (s.tmp / "notify.log").read_text())

        await results.check("Start chain from the tray starts the chain and notifies", tray_start_chain())

        async def status_line_counts_restarts_to_apply():
            async def line():
                return next((p[0] for _, p in await sni.layout(watcher.bus, menu) if p and "services ready" in p[0]), "")
            s.cli("service", "edit", "api", "--env", "MODE=edited")
            deadline = time.monotonic() + 20
            while "1 to restart to apply changes" not in await line():
                assert time.monotonic() < deadline, f"status line: {await line()!r}"
                await asyncio.sleep(0.05)
            s.cli("service", "restart", "api")
            deadline = time.monotonic() + 20
            while "to restart to apply" in await line():
                assert time.monotonic() < deadline, f"status line: {await line()!r}"
                await asyncio.sleep(0.05)

        await results.check("the tray's status line counts services to restart after an edit, until they restart",
                            status_line_counts_restarts_to_apply())

        url = {}

        async def tray_copy_url():
            tunnel = s.cli_json("tunnel", "open", "web", "--profile", "lt")
            url["value"] = tunnel["public_url"]
            await menu_lists("Tunnels", "web")
            await sni.click(watcher.bus, menu, "Tunnels", "web")
            await wait_for("the URL on the clipboard", lambda: s.clipboard() == url["value"])

        await results.check("Tunnels > web copies the public URL to the clipboard", tray_copy_url())

        async def tray_inspect():
            await menu_lists("Tunnels", "Inspect web")
            await sni.click(watcher.bus, menu, "Tunnels", "Inspect web")
            await wait_for("the click to reach the app",
                           lambda: "opening the window on inspector/web" in (s.tmp / "app.log").read_text())
            await wait_for("the window on the screen", lambda: window_mapped(s))
            await wait_for("the open window process to switch its page to the view",
                           lambda: "the window shows inspector/web" in (s.tmp / "app.log").read_text())
            # The window process that was open got the view; no second one was started.
            assert len(window_processes(app.pid)) == 1, window_processes(app.pid)

        await results.check("Tunnels > Inspect web opens the window on web's Inspector", tray_inspect())

        async def killed_agent_notifies():
            # Only this check's notifications on screen, so that the click below reaches one of them.
            subprocess.run(["dunstctl", "close-all"], env=s.env, check=True)
            agents = [p for p in Path("/proc").iterdir() if p.name.isdigit() and cmdline_has(p, str(FAKE_LT))]
            assert agents, "the localtunnel agent runs"
            for agent in agents:
                try:
                    os.killpg(int(agent.name), signal.SIGKILL)
                except ProcessLookupError:
                    pass
            await wait_for("a Notify call about the failed tunnel",
                           lambda: "Tunnel to web failed" in (s.tmp / "notify.log").read_text())
            # Sent as "nexsock" with the app's icon and a default action (dbus-monitor prints the
            # Notify arguments in order: app name, replaces id, icon, summary, body, actions).
            log = (s.tmp / "notify.log").read_text()
            call = log[:log.index("Tunnel to web failed")].rsplit("member=Notify", 1)[1].splitlines()
            args = [line.strip() for line in call if line.strip()]
            assert args[0] == 'string "nexsock"', args[:4]
            assert args[2].endswith('nexsock.png"') and Path(args[2].split('"')[1]).is_file(), args[:4]
            assert 'string "default"' in log[log.index("Tunnel to web failed"):], "a default action"
            # Clicking it (dunst's default action on the newest notification) opens the tunnels view.
            subprocess.run(["dunstctl", "action", "0"], env=s.env, check=True)
            await wait_for("the click to reach the app",
                           lambda: "opening the tunnels view" in (s.tmp / "app.log").read_text())
            await wait_for("the window to switch to the tunnels view",
                           lambda: "the window shows tunnels" in (s.tmp / "app.log").read_text())
            await wait_for("the tunnel to be re-created", lambda: s.cli_json("tunnel", "list")[0]["status"] == "open")

        await results.check("a killed tunnel agent raises a native notification", killed_agent_notifies())

        async def screenshot():
            await asyncio.sleep(0.5)  # let the webview paint the last state before the picture
            shot = OUT / "window.png"
            subprocess.run(["import", "-window", "root", str(shot)], env=s.env, check=True)
            assert shot.stat().st_size > 10_000

        await results.check("a screenshot of the window is saved", screenshot())

        async def quit_leaves_nothing():
            pids = [x["pid"] for x in s.cli_json("service", "list") if x["pid"]]
            assert pids
            windows = window_processes(app.pid)
            assert windows, "the window is open"
            await sni.click(watcher.bus, menu, "Quit")
            await wait_for("the app to exit", lambda: app.poll() is not None)
            for pid in windows:
                await wait_for(f"the window process {pid} to be gone", lambda: not alive(pid), timeout=5)
            for pid in pids:
                await wait_for(f"service process {pid} to be gone", lambda: not alive(pid), timeout=5)
            leftovers = [p.name for p in Path("/proc").iterdir() if p.name.isdigit()
                         and (cmdline_has(p, str(FAKE_LT)) or cmdline_has(p, f"http.server {web_port}"))]
            assert not leftovers, f"left behind: {leftovers}"

        await results.check("Quit stops every service and tunnel, then exits", quit_leaves_nothing())

        async def a_crash_is_cleaned_up_in_the_background_and_told():
            home = s.tmp / "crashed"
            s.env["NEXSOCK_HOME"] = str(home)
            watcher.items.clear()
            first = s.spawn([str(APP)], "crashed-app.log")
            lock = home / "host.lock"
            await wait_for("the first app's host", lambda: lock.exists() and lock.read_text().strip() == str(first.pid))
            # Ignores SIGTERM: only SIGKILL after its grace ends what the dead app leaves of it.
            s.cli("service", "add", "stubborn", "--command", "trap '' TERM; exec sleep 100000", "--stop-grace", "10")
            s.cli("service", "add", "calm", "--command", "exec sleep 100000")
            s.cli("service", "start", "stubborn")
            s.cli("service", "start", "calm")
            pids = {x["name"]: x["pid"] for x in s.cli_json("service", "list")}
            windows = await wait_for("the first app's window process", lambda: window_processes(first.pid))
            first.send_signal(signal.SIGKILL)
            await wait_for("the first app to die", lambda: first.poll() is not None)
            # Its window goes with it: the window process reads the end of the pipe from the tray.
            for pid in windows:
                await wait_for(f"the killed app's window process {pid} to exit", lambda: not alive(pid), timeout=10)
            assert alive(pids["stubborn"]) and alive(pids["calm"]), "a killed app leaves its services running"
            watcher.items.clear()
            second = s.spawn([str(APP)], "recovered-app.log")
            recovered = await sni.menu_path(watcher.bus, await watcher.wait_item_of(second.pid))

            async def status_line():
                return next(p[0] for _, p in await sni.layout(watcher.bus, recovered) if p and "services ready" in p[0])

            # The tray says what the new host is doing while the stubborn leftover sits out its grace.
            deadline = time.monotonic() + 8
            while "stopping 1 left by a previous host" not in await status_line():
                assert time.monotonic() < deadline, f"status line: {await status_line()!r}"
                await asyncio.sleep(0.05)
            assert alive(pids["stubborn"]), "seen while the leftover was still being stopped"
            await wait_for("the stubborn leftover to be stopped", lambda: not alive(pids["stubborn"]), timeout=20)
            assert not alive(pids["calm"])
            await wait_for("one summary notification", lambda: "cleaned up after a previous host"
                           in (s.tmp / "notify.log").read_text())
            log = (s.tmp / "notify.log").read_text()
            assert log.count("cleaned up after a previous host") == 1, log
            assert "stopped" in log and "calm" in log and "stubborn" in log, log
            deadline = time.monotonic() + 10
            while "previous host" in await status_line():
                assert time.monotonic() < deadline, f"status line: {await status_line()!r}"
                await asyncio.sleep(0.05)
            second.send_signal(signal.SIGTERM)
            await wait_for("the recovered app to exit", lambda: second.poll() is not None)

        await results.check("after a crash the next app stops the leftovers in the background, in its status line and "
                            "one notification", a_crash_is_cleaned_up_in_the_background_and_told())

        async def background_start_has_no_webview_until_opened():
            home = s.tmp / "background"
            s.env["NEXSOCK_HOME"] = str(home)
            # A login chain, set before the app starts (the CLI's host then stops).
            s.cli("service", "add", "early", "--command", "exec sleep 100000")
            s.cli("login-chain", "early")
            s.cli("shutdown")
            watcher.items.clear()
            # As the start at login runs it.
            app3 = s.spawn([str(APP), "--background", "--at-login"], "background-app.log")
            tray3 = await sni.menu_path(watcher.bus, await watcher.wait_item_of(app3.pid))
            lock = home / "host.lock"
            await wait_for("the background app's host", lambda: lock.exists() and lock.read_text().strip() == str(app3.pid))
            await wait_for("the login chain to start", lambda: s.cli_json("service", "list")[0]["state"] == "ready")
            assert not webkit_processes(app3.pid), "no webview while no window is open"
            assert not window_processes(app3.pid), "no window process while no window is open"
            for round in ("first", "second"):
                await sni.click(watcher.bus, tray3, "Open nexsock")
                web = await wait_for(f"the window's web process ({round} opening)",
                                     lambda: webkit_processes(app3.pid, "WebKitWebProcess"))
                # WebKit runs under the window process: the tray process never hosts a webview.
                windows = window_processes(app3.pid)
                assert len(windows) == 1 and all(parent_of(pid) == windows[0] for pid in web), (windows, web)
                # Ctrl+W, as a user closes it: the page handles the key (so the page loaded and
                # reaches the shell), and the window, its webview and WebKit's network process end.
                await wait_for(f"Ctrl+W to close the window ({round} opening)", lambda: press_ctrl_w(s) and not window_mapped(s))
                await wait_for(f"the window process and every WebKit process to end after the {round} close",
                               lambda: not webkit_processes(app3.pid) and not window_processes(app3.pid), timeout=30)
            assert app3.poll() is None, "closing the window leaves the app in the tray"
            app3.send_signal(signal.SIGTERM)
            await wait_for("the background app to exit", lambda: app3.poll() is not None)

        await results.check("--background --at-login starts the tray and the login chain: no webview until Open nexsock",
                            background_start_has_no_webview_until_opened())

        async def attaches_to_a_headless_host():
            home = s.tmp / "headless"
            s.env["NEXSOCK_HOME"] = str(home)
            daemon = s.spawn([str(CLI), "daemon"], "daemon.log")
            await wait_for("the headless host", lambda: (home / "run" / "nexsock.sock").exists())
            client_app = s.spawn([str(APP)], "client-app.log")
            await wait_for("the notice that the app is a client",
                           lambda: "already owns" in (s.tmp / "notify.log").read_text())
            assert (home / "host.lock").read_text().strip() == str(daemon.pid), "still the headless host's state"
            client_app.send_signal(signal.SIGTERM)
            await wait_for("the client app to exit", lambda: client_app.poll() is not None)
            assert daemon.poll() is None, "the headless host keeps running after the app quits"
            assert s.cli_json("service", "list") == []
            s.cli("shutdown")
            await wait_for("the headless host to stop", lambda: daemon.poll() is not None)
            # The window process on its own, with no host to be a client of: it says so and exits.
            alone = subprocess.run([str(APP), "--window"], env=s.env, capture_output=True, text=True, timeout=30)
            assert alone.returncode == 1 and "no nexsock host answers" in alone.stderr, (alone.returncode, alone.stderr)

        await results.check("with a headless host running, the app attaches as its client (and a window alone does not)",
                            attaches_to_a_headless_host())
    except Exception:
        pass
    finally:
        for log in ("app.log", "notify.log", "dunst.log"):
            if (s.tmp / log).exists():
                shutil.copy(s.tmp / log, OUT / log)
        s.stop_all()
    print(f"desktop: {results.passed} passed, {results.failed} failed", flush=True)
    return 1 if results.failed or results.passed < 11 else 0


def window_mapped(s):
    """Whether the app's window is mapped on the display."""
    return subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "^nexsock$"], env=s.env,
                          capture_output=True).returncode == 0


def press_ctrl_w(s):
    """Focuses the app's window and types Ctrl+W into it (XTEST, as a keyboard does); False when
    no window is mapped."""
    found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "^nexsock$"], env=s.env,
                           capture_output=True, text=True)
    if found.returncode != 0:
        return True
    window = found.stdout.split()[0]
    subprocess.run(["xdotool", "windowfocus", "--sync", window, "key", "--clearmodifiers", "ctrl+w"], env=s.env,
                   capture_output=True, timeout=10)
    return True


def webkit_processes(app_pid, kind="WebKit"):
    """The app's WebKit helper processes (its descendants whose command names `kind`: the window
    process's children)."""
    return [pid for pid in descendants(app_pid) if cmdline_has(Path(f"/proc/{pid}"), kind)]


def window_processes(app_pid):
    """The app's window processes (`nexsock-desktop --window`)."""
    return [pid for pid in descendants(app_pid) if cmdline_has(Path(f"/proc/{pid}"), f"{APP} --window")]


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
