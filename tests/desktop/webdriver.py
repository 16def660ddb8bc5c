"""WebDriver end-to-end test of the window: the real app (its embedded, built UI on the real
WebKitGTK webview) driven through tauri-driver and WebKitWebDriver with Selenium, under Xvfb, in
its own D-Bus session with an unlocked gnome-keyring. Services really run, the tunnel goes through
the localtunnel stand-in (tests/fixtures/fake-lt), the clipboard is read back with xclip, and every
change the window makes is checked against the CLI talking to the app's own host.

Saves a screenshot of every view under target/desktop-e2e/ (view-*.png). Run through
tests/desktop/run.sh. Prints one closing line `webdriver: N passed, N failed`.
"""

import asyncio
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import urllib3

from selenium import webdriver
from selenium.common.exceptions import (
    ElementNotInteractableException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.remote.file_detector import UselessFileDetector
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

sys.path.insert(0, str(Path(__file__).parent))
from e2e import window_processes  # noqa: E402
from harness import APP, FAKE_LT, OUT, Results, Session, alive, free_port, wait_for  # noqa: E402

TAURI_DRIVER = Path(os.environ.get("TAURI_DRIVER", shutil.which("tauri-driver") or Path.home() / ".cargo/bin/tauri-driver"))
EXPECTED = 19
TOKEN = "e2e-token-never-shown-7f3a"


class Window:
    """The app's window through WebDriver, found the way a user finds things: by label and text."""

    def __init__(self, driver: webdriver.Remote, shots: Path = OUT):
        self.d = driver
        self.shots = shots

    def until(self, what, check, timeout=30):
        # React re-renders replace nodes under our feet: a stale element means "look again".
        wait = WebDriverWait(self.d, timeout, poll_frequency=0.05, ignored_exceptions=[StaleElementReferenceException])
        return wait.until(lambda _: check(), f"timed out: {what}")

    def find(self, xpath, timeout=30) -> WebElement:
        return self.until(xpath, lambda: next(iter(self.d.find_elements(By.XPATH, xpath)), None), timeout)

    def button(self, text, within="") -> WebElement:
        return self.find(f"{within}//button[normalize-space()='{text}' or @aria-label='{text}']")

    def field(self, label, within="") -> WebElement:
        """The control a <label> names, by `for` or by nesting."""
        lab = self.find(f"{within}//label[normalize-space(text())='{label}' or normalize-space()='{label}']")
        target = lab.get_attribute("for")
        if target:
            return self.d.find_element(By.ID, target)
        return lab.find_element(By.XPATH, ".//input|.//select|.//textarea")

    def fill(self, label, value, within=""):
        def typed():
            el = self.field(label, within)
            el.clear()
            el.send_keys(value)
            return self.field(label, within).get_attribute("value") == value
        self.until(f"{label} to read {value!r}", typed)

    def open_view(self, name):
        self.button(name, "//nav[@aria-label='Views']").click()
        self.until(f"the {name} view", lambda: self.d.execute_script("return location.hash") == f"#{name.lower()}")

    def shot(self, name):
        path = self.shots / f"view-{name}.png"
        self.d.save_screenshot(str(path))
        assert path.stat().st_size > 10_000, f"{path} is too small to show anything"

    def handle(self, service, kind):
        return self.find(f"//*[@data-testid='node-{service}']"
                         f"//*[contains(@class,'react-flow__handle') and contains(@class,'{kind}')]")

    def drag(self, source, target):
        """Drags from `source`'s output handle to `target`'s input handle, as a mouse does. While
        the canvas re-fits after a layout change a handle may be out of view: look again."""
        def dragged():
            try:
                ActionChains(self.d, duration=50).move_to_element(self.handle(source, "source")).click_and_hold() \
                    .move_by_offset(10, 5).move_to_element(self.handle(target, "target")).release().perform()
                return True
            except ElementNotInteractableException:
                ActionChains(self.d).release().perform()
                return False
        self.until(f"a drag from {source} to {target}", dragged)


async def open_window(s: Session) -> webdriver.Remote:
    """Starts a keyring and tauri-driver in the session and returns a WebDriver session with the
    app (which tauri-driver launches, with the session's environment)."""
    s.start_display()
    s.start_keyring()
    port = free_port()
    s.spawn([str(TAURI_DRIVER), "--port", str(port), "--native-port", str(free_port()),
             "--native-driver", "/usr/bin/WebKitWebDriver"], "tauri-driver.log")
    options = ArgOptions()
    options.set_capability("browserName", "wry")
    options.set_capability("tauri:options", {"application": str(APP)})

    def connect():
        # Until tauri-driver and WebKitWebDriver listen, the connection is refused or dropped.
        try:
            return webdriver.Remote(command_executor=f"http://127.0.0.1:{port}", options=options)
        except (WebDriverException, OSError, urllib3.exceptions.HTTPError) as e:
            print(f"waiting for tauri-driver: {e}", flush=True)
            return None

    driver = await wait_for("a WebDriver session with the app", connect)
    # Paths typed into fields are text, not files to upload (Selenium's default for remote drivers).
    driver.file_detector = UselessFileDetector()
    return driver


def close_window(driver):
    """Ends the WebDriver session, if there is one (the app may already be gone)."""
    if driver is None:
        return
    try:
        driver.quit()
    except Exception:  # noqa: BLE001 - a session whose app has exited cannot be ended cleanly
        pass


async def main():
    OUT.mkdir(parents=True, exist_ok=True)
    s = Session()
    results = Results()
    driver = None
    try:
        driver = await open_window(s)
        w = Window(driver)
        check = results.check

        async def shot_on_failure(name, coro):
            try:
                await coro
            except Exception:
                driver.save_screenshot(str(OUT / "webdriver-failure.png"))
                raise

        results.check = lambda name, coro: check(name, shot_on_failure(name, coro))
        w.find("//nav[@aria-label='Views']")
        lock = Path(s.env["NEXSOCK_HOME"], "host.lock")
        app_pid = int(await wait_for("the app's host", lambda: lock.exists() and lock.read_text().strip()))

        db_port = free_port()
        www = s.tmp / "www"
        www.mkdir()
        (www / "index.html").write_text("hello from the webdriver e2e")

        async def add_two_services():
            w.open_view("Services")
            w.button("New service").click()
            form = "//form[@aria-label='Add a service']"
            # Bad input first: the engine's message at the field, nothing stored.
            w.fill("Name", "bad name", form)
            w.fill("Command", "true", form)
            w.button("Add service", form).click()
            w.until("the name error", lambda: "name" in w.find(f"{form}//p[@class='field-error']").text.lower())
            assert s.cli_json("service", "list") == []
            w.fill("Name", "db", form)
            w.fill("Command", f"echo db up; exec python3 -m http.server {db_port} --bind 127.0.0.1", form)
            w.fill("Directory", str(www), form)
            w.fill("Port", str(db_port), form)
            w.fill("Health check", "http:/", form)
            w.button("Add service", form).click()
            w.until("the form to close", lambda: not driver.find_elements(By.XPATH, form))
            w.button("New service").click()
            w.fill("Name", "api", form)
            w.fill("Command", "echo api up; exec sleep 100000", form)
            w.fill("Health check", "log:api up", form)
            w.button("Add service", form).click()
            w.until("api in the table", lambda: driver.find_elements(By.XPATH, "//table//td[normalize-space()='api']")
                    or driver.find_elements(By.XPATH, "//table//*[normalize-space()='api']"))
            names = sorted(x["name"] for x in s.cli_json("service", "list"))
            assert names == ["api", "db"], names

        await results.check("add two services in the window (a bad name is refused at its field)", add_two_services())

        async def connect_by_dragging():
            w.open_view("Graph")
            w.drag("db", "api")
            await wait_for("the edge api -> db in the engine",
                           lambda: [d["edge"]["depends_on"] for d in s.cli_json("dependency", "list", "api")["dependencies"]] == ["db"])
            w.find("//*[contains(@class,'react-flow__edge')]")

        await results.check("drag from db to api in the graph editor adds the dependency", connect_by_dragging())

        async def cycle_is_refused():
            w.drag("api", "db")
            banner = w.find("//*[@role='alert' and contains(., '->')]")
            assert "db" in banner.text and "api" in banner.text, banner.text
            assert s.cli_json("dependency", "list", "db")["dependencies"] == [], "the cycle was not stored"

        await results.check("closing a cycle is refused and its path shown", cycle_is_refused())

        async def edit_the_edge():
            Select(w.field("Dependency to edit")).select_by_visible_text("api → db")
            form = "//form[starts-with(@aria-label, 'Edit dependency')]"
            Select(w.field("Condition", form)).select_by_value("started")
            w.button("Save", form).click()
            w.find("//*[@role='status' and contains(., 'Saved')]")
            edge = s.cli_json("dependency", "list", "api")["dependencies"][0]["edge"]
            assert edge["condition"] == "started", edge
            w.find("//*[contains(@class,'react-flow__edge')]//*[contains(., 'started')]")
            w.shot("graph")

        await results.check("editing the edge's condition in the side panel reaches the engine", edit_the_edge())

        async def plan_panel():
            w.open_view("Services")
            Select(w.field("Strategy")).select_by_visible_text("critical-path")
            w.button("Plan").click()
            panel = "//section[@aria-label='Plan']"
            w.find(f"{panel}//h3[contains(., 'Plan by critical-path')]")
            for name in ("db", "api"):
                w.find(f"{panel}//tr[@data-testid='plan-{name}']//td[normalize-space()='start']")
            assert all(x["state"] == "stopped" for x in s.cli_json("service", "list")), "the plan started nothing"
            w.button("Close plan", panel).click()
            w.until("the plan to close", lambda: not driver.find_elements(By.XPATH, panel))

        await results.check("Plan shows what Smart start all would do and starts nothing", plan_panel())

        async def smart_start():
            w.open_view("Services")
            Select(w.field("Strategy")).select_by_visible_text("critical-path")
            w.button("Smart start all").click()
            summary = w.find("//section[@aria-label='Startup progress']//p[@role='status']", timeout=60)
            assert "critical-path" in summary.text and "critical chain" in summary.text, summary.text
            # api waits only for db to start (the edited condition), so db's readiness is the critical chain.
            assert "critical chain: db" in summary.text, summary.text
            bar = w.find("//section[@aria-label='Startup progress']//progress")
            assert bar.get_attribute("value") == bar.get_attribute("max"), "the bar is full"
            assert all(x["state"] == "ready" for x in s.cli_json("service", "list"))
            assert s.cli_json("service", "history", "api")[0]["strategy"] == "critical-path"
            w.shot("services")

        await results.check("smart start with critical-path shows the progress to its summary", smart_start())

        async def health_matrix():
            w.open_view("Health")
            w.find("//table[caption[contains(., 'Health matrix')]]")
            w.until("db ready as api sees it", lambda: "ready" in w.find("//*[@data-testid='health-api-db']").text)
            assert w.find("//*[@data-testid='health-db-db']").get_attribute("aria-label") == "no dependency"
            w.shot("health")

        await results.check("the health matrix shows db ready as api sees it", health_matrix())

        async def edit_a_running_service():
            # A secret set (and applied) from the CLI; the window then changes the port only.
            s.cli("service", "edit", "api", "--env", "API_TOKEN=wd-secret-kept")
            s.cli("service", "restart", "api")
            w.open_view("Services")
            w.button("Edit api").click()
            form = "//form[@aria-label='Edit api']"
            env = "Environment (KEY=VALUE per line)"
            w.until("the masked secret in the form", lambda: "API_TOKEN=********" in w.field(env, form).get_attribute("value"))
            assert "wd-secret-kept" not in driver.page_source
            w.fill("Port", str(free_port()), form)
            w.button("Save", form).click()
            w.until("the form to close", lambda: not driver.find_elements(By.XPATH, form))
            w.find("//tr[@data-testid='service-api']//*[contains(@class,'restart-to-apply')]")
            detail = s.cli_json("service", "status", "api")
            assert detail["status"]["restart_to_apply"] is True, detail["status"]
            assert detail["spec"]["env"] == {"API_TOKEN": "********"}, detail["spec"]["env"]
            # The masked value the form sent back kept the stored one.
            revealed = s.cli_json("service", "status", "api", "--reveal")["spec"]["env"]
            assert revealed["API_TOKEN"] == "wd-secret-kept", revealed

        await results.check("Edit of a running service goes through edit_service: a restart-to-apply badge, secrets masked",
                            edit_a_running_service())

        async def history_waterfall():
            w.open_view("History")
            w.find("//*[@data-testid='waterfall']")
            for name in ("db", "api"):
                w.find(f"//*[@data-testid='waterfall-{name}']")
            db = w.find("//*[@data-testid='waterfall-db']")
            assert db.get_attribute("data-critical") == "true", "db's readiness was the critical chain"
            assert w.find("//*[@data-testid='waterfall-api']").get_attribute("data-state") == "ready"
            assert "db" in w.find("//*[@data-testid='critical-chain']").text
            w.find("//figure[@aria-label='Spawn to ready of api across runs']")
            w.shot("history")

        await results.check("the History view draws the smart start as a waterfall with its critical chain",
                            history_waterfall())

        async def profile_in_settings():
            w.open_view("Settings")
            w.button("New profile").click()
            form = "//form[contains(@class, 'profile-form')]"
            w.fill("Name", "lt", form)
            Select(w.field("Provider", form)).select_by_value("localtunnel")
            w.fill("Binary", str(FAKE_LT), form)
            w.button("Add profile", form).click()
            w.until("the profile in the engine", lambda: [p["spec"]["name"] for p in s.cli_json("profile", "list")] == ["lt"])
            row = "//li[contains(@class,'profile-row')][.//strong[normalize-space()='lt']]"
            w.find(f"{row}[contains(., 'default') and contains(., 'no token')]")
            # A token goes to the OS keyring and is never shown back.
            w.fill("Token for lt", TOKEN, row)
            w.button("Set token", row).click()
            w.find(f"{row}[contains(., 'token set')]")
            assert TOKEN not in driver.page_source, "the token is not in the page"
            assert w.field("Token for lt", row).get_attribute("value") == ""
            lookup = subprocess.run(["secret-tool", "lookup", "service", "nexsock", "username", "lt"], env=s.env,
                                    capture_output=True, text=True)
            assert lookup.stdout.strip() == TOKEN, lookup.stderr
            assert [p["token_set"] for p in s.cli_json("profile", "list")] == [True]
            w.shot("settings")

        await results.check("a profile added in Settings, its token set into the OS keyring and never shown back",
                            profile_in_settings())

        async def tunnel_card():
            w.open_view("Tunnels")
            form = "//form[@aria-label='Open a tunnel']"
            Select(w.field("Service", form)).select_by_value("db")
            w.button("Open tunnel", form).click()
            card = "//article[@aria-label='Tunnel for db']"
            url = w.until("the public URL", lambda: (w.find(f"{card}//*[contains(@class,'tunnel-url')]").text or "").strip()
                          .startswith("http") and w.find(f"{card}//*[contains(@class,'tunnel-url')]").text.strip())
            assert [t["public_url"] for t in s.cli_json("tunnel", "list")] == [url]
            qr = w.find(f"{card}//*[local-name()='svg' and @role='img']")
            assert url in qr.get_attribute("aria-label")
            assert qr.size["width"] > 50, "the QR code is drawn"
            with urllib.request.urlopen(url, timeout=10) as page:
                assert b"hello from the webdriver e2e" in page.read(), "the public URL reaches db"
            w.button("Copy URL", card).click()
            await wait_for("the URL on the clipboard", lambda: s.clipboard() == url)
            w.shot("tunnels")

        await results.check("open a tunnel: its card shows the URL and QR code, and Copy puts it on the clipboard",
                            tunnel_card())

        async def inspector():
            url = s.cli_json("tunnel", "list")[0]["public_url"].rstrip("/")
            with urllib.request.urlopen(f"{url}/index.html?from=webdriver&n=1", timeout=10) as page:
                assert b"hello from the webdriver e2e" in page.read()
            secret = "Bearer wd-inspector-secret-51c9"
            post = urllib.request.Request(f"{url}/hook", data=b'{"event":"paid","amount":42}', method="POST",
                                          headers={"Content-Type": "application/json", "Authorization": secret})
            try:
                urllib.request.urlopen(post, timeout=10).close()
            except urllib.error.HTTPError as e:
                # python's http.server answers a POST with 501: recorded like any other answer.
                assert e.code == 501, e.code
            w.open_view("Tunnels")
            w.find("//article[@aria-label='Tunnel for db']//a[normalize-space()='Inspect requests']").click()
            w.until("the Inspector of db", lambda: driver.execute_script("return location.hash") == "#inspector/db")
            table = "//table[@data-testid='exchange-list']"
            path = f"{table}//tr[td[contains(@class,'exchange-path') and normalize-space()='{{}}']]"
            w.find(path.format("/index.html?from=webdriver&n=1"))
            row = w.find(path.format("/hook"))
            post_id = int(row.get_attribute("data-testid").removeprefix("exchange-"))
            w.button(f"Show request #{post_id}: POST /hook").click()
            detail = "//section[@data-testid='exchange-detail']"
            pretty = '{\n  "event": "paid",\n  "amount": 42\n}'
            w.until("the JSON body pretty-printed",
                    lambda: w.find(f"{detail}//pre[@aria-label='Request body']").text == pretty)
            auth = w.find(f"{detail}//table[@aria-label='Request headers']//tr[th[normalize-space()='authorization']]/td")
            assert auth.text == "********", "the Authorization header is masked"
            assert "wd-inspector-secret" not in driver.find_element(By.TAG_NAME, "body").text
            w.button("Replay", detail).click()
            replay = f"{table}//tr[td[contains(@class,'exchange-path')]//*[normalize-space()='replay of #{post_id}']]"
            w.find(replay)
            w.until("the replay opened", lambda: f"replay of #{post_id}" in w.find(detail).text)
            recorded = s.cli_json("tunnel", "requests", "db")
            assert any(e["replay_of"] == post_id and e["path"] == "/hook" for e in recorded), recorded
            w.shot("inspector")

        await results.check("the Inspector lists requests through the tunnel, masks Authorization, pretty-prints "
                            "JSON and replays", inspector())

        async def logs_view():
            w.open_view("Logs")
            Select(w.field("Service")).select_by_value("api")
            w.until("api's output", lambda: "api up" in w.find("//*[@role='log' and @aria-label='Log of api']").text)
            w.fill("Search logs", "up")
            w.until("the match count", lambda: "of" in w.find("//*[contains(@class,'log-count')]").text)
            w.button("Copy").click()
            await wait_for("the visible lines on the clipboard", lambda: "api up" in s.clipboard())
            w.shot("logs")

        await results.check("the logs view tails a service", logs_view())

        async def start_at_login():
            w.open_view("Settings")
            section = "//section[@aria-label='Start at login']"
            toggle = w.find(f"{section}//input[@type='checkbox' and not(@aria-label)]")
            w.until("the toggle to read the setting", lambda: toggle.is_enabled())
            assert not toggle.is_selected()
            # auto-launch writes under $HOME/.config/autostart (it does not read XDG_CONFIG_HOME).
            entry = Path(s.env["HOME"]) / ".config" / "autostart" / "nexsock.desktop"
            toggle.click()
            await wait_for("the autostart entry", lambda: entry.is_file())
            text = entry.read_text()
            assert "--background --at-login" in text, text
            w.until("the toggle on", lambda: toggle.is_enabled() and toggle.is_selected())
            w.find(f"{section}//input[@aria-label='Start db at login']").click()
            w.find(f"{section}//button[@type='submit']").click()
            await wait_for("the login chain in the engine",
                           lambda: (s.cli_json("login-chain")["login_chain"] or {}).get("roots") == ["db"])
            w.until("the login chain shown", lambda: "starts db" in w.find("//*[@data-testid='login-chain']").text)
            w.shot("settings-login")
            toggle.click()
            await wait_for("the autostart entry removed", lambda: not entry.exists())
            s.cli("login-chain", "--clear")

        await results.check("Start at login writes the autostart entry, and the login chain reaches the engine",
                            start_at_login())

        async def env_preview():
            s.cli("service", "add", "client", "--command", "env", "--env", "MODE=dev",
                  "--env", "STRIPE_API_KEY=sk_test_e2e_4242")
            w.open_view("Services")
            w.find("//button[@aria-label='Environment of client']").click()
            panel = "//section[@aria-label='Environment of client']"
            secret = w.find(f"{panel}//*[@data-testid='env-client-STRIPE_API_KEY']")
            w.until("the masked secret", lambda: secret.text.strip() == "********")
            assert "sk_test_e2e_4242" not in w.find(panel).text
            assert w.find(f"{panel}//*[@data-testid='env-client-MODE']").text.strip() == "dev"
            w.shot("env")
            w.find(f"{panel}//*[@data-testid='env-reveal-client']").click()
            w.until("the secret shown on request",
                    lambda: w.find(f"{panel}//*[@data-testid='env-client-STRIPE_API_KEY']").text.strip() == "sk_test_e2e_4242")
            s.cli("service", "remove", "client")

        await results.check("the env preview masks a token until Show secrets", env_preview())

        async def completed_badge():
            s.cli("service", "add", "migrate", "--command", "echo migrated")
            s.cli("service", "start", "migrate")
            await wait_for("migrate to complete", lambda: next(
                x for x in s.cli_json("service", "list") if x["name"] == "migrate")["state"] == "completed")
            w.open_view("Services")
            badge = w.find("//tr[@data-testid='service-migrate']//span[contains(concat(' ', normalize-space(@class), ' '),"
                           " ' state-completed ')]")
            assert badge.text.strip() == "completed", badge.text
            w.shot("completed")
            s.cli("service", "remove", "migrate")

        await results.check("a one-shot that exited 0 shows a completed badge", completed_badge())

        async def held_port():
            port = free_port()
            squatter = subprocess.Popen(["python3", "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                await wait_for("the squatter to listen", lambda: s.cli_json("port", str(port))["holder"] is not None)
                s.cli("service", "add", "held", "--command", "sleep 1000", "--port", str(port), "--health", "tcp")
                w.open_view("Services")
                holder = w.find("//*[@data-testid='port-holder-held']")
                w.until("the holder's pid and command", lambda: f"pid {squatter.pid}" in holder.text
                        and "http.server" in holder.text)
                w.shot("held-port")
                w.find('//button[@aria-label="Kill holder of held\'s port"]').click()
                await wait_for("the squatter to be ended", lambda: squatter.poll() is not None)
                w.until("the holder line to go", lambda: not w.d.find_elements(By.XPATH, "//*[@data-testid='port-holder-held']"))
                assert s.cli_json("port", str(port))["holder"] is None
            finally:
                squatter.kill()
                squatter.wait()
            s.cli("service", "remove", "held")

        await results.check("a busy port shows its holder next to it, and Kill holder ends it", held_port())

        async def import_and_custom_strategy():
            # A Procfile imported through the window: a preview that stores nothing, then Apply.
            procfile = s.tmp / "Procfile.dev"
            procfile.write_text("# imported by the webdriver e2e\nweb-pf: sleep 300\nworker-pf: sleep 301\n")
            w.open_view("Services")
            w.button("Import file").click()
            panel = "//section[contains(@class,'import-panel')]"
            w.fill("File path", str(procfile), panel)
            w.fill("Port base", "7100", panel)
            w.button("Preview", panel).click()
            w.until("the preview's report", lambda: w.find(f"{panel}//p[@role='status']").text.startswith(
                "Preview: would import 2 services"))
            assert "web-pf" in w.find(panel).text and "worker-pf" in w.find(panel).text
            assert "web-pf" not in [x["name"] for x in s.cli_json("service", "list")], "a preview stores nothing"
            w.button("Apply", panel).click()
            w.until("the imported services in the engine", lambda: {"web-pf", "worker-pf"} <= {
                x["name"] for x in s.cli_json("service", "list")})
            web = next(x for x in s.cli_json("service", "list") if x["name"] == "web-pf")
            assert web["port"] == 7100, web
            w.find("//tr[@data-testid='service-worker-pf']")
            w.until("the import's report", lambda: w.find(f"{panel}//p[@role='status']").text.startswith(
                "Imported 2 services"))
            w.shot("import")
            w.button("Close", panel).click()
            for name in ("web-pf", "worker-pf"):
                s.cli("service", "remove", name)

            # A strategy declared in Settings reaches config.toml, the engine and the window's picker.
            w.open_view("Settings")
            form = "//form[@aria-label='Add a strategy']"
            w.fill("Strategy name", "db-first", form)
            Select(w.field("Base", form)).select_by_value("concurrent")
            w.fill("Start first", "db", form)
            w.fill("Max concurrent", "1", form)
            w.button("Add strategy", form).click()
            w.find("//li[@aria-label='db-first'][contains(., 'first db') and contains(., 'at most 1')]")
            config = Path(s.env["NEXSOCK_HOME"], "config.toml").read_text()
            assert "[strategies.db-first]" in config, config
            w.open_view("Services")
            options = [o.text for o in Select(w.field("Strategy")).options]
            assert "db-first" in options, options
            w.open_view("Settings")
            w.button("Remove strategy db-first").click()
            w.until("the strategy gone from the engine", lambda: "db-first" not in
                    Path(s.env["NEXSOCK_HOME"], "config.toml").read_text())

        await results.check("import a Procfile (preview, then apply) and declare a strategy in Settings",
                            import_and_custom_strategy())

        async def shutdown_leaves_nothing():
            pids = [x["pid"] for x in s.cli_json("service", "list") if x["pid"]]
            assert len(pids) == 2, pids
            # The window being driven is the window process's, which the app started.
            windows = window_processes(app_pid)
            assert len(windows) == 1, windows
            names = {pid: Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                     for pid in pids + [app_pid] + windows}
            s.cli("shutdown")
            for pid, what in names.items():
                await wait_for(f"process {pid} ({what}) to be gone", lambda: not alive(pid), timeout=20)

        await results.check("shutdown stops the services and the app", shutdown_leaves_nothing())
    except Exception as e:  # noqa: BLE001 - a failed check was reported already; anything else is reported here
        if not results.failed:
            results.failed += 1
            print(f"FAILED: setting up: {type(e).__name__}: {e}", flush=True)
    finally:
        close_window(driver)
        for log in ("tauri-driver.log",):
            if (s.tmp / log).exists():
                shutil.copy(s.tmp / log, OUT / log)
        s.stop_all()
    print(f"webdriver: {results.passed} passed, {results.failed} failed", flush=True)
    return 1 if results.failed or results.passed < EXPECTED else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
