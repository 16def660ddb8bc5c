"""Takes the README's screenshots (ui/screenshots/view-*.png): the real app under Xvfb with the demo
stack (examples/demo/stack.toml) started by a smart start in the window, one tunnel through the
localtunnel stand-in, then every view. Needs the demo's ports (8700-8702) free.

    bash tests/desktop/run.sh --screenshots
"""

import asyncio
import sys
import urllib.error
import urllib.request
from pathlib import Path

from selenium.webdriver.support.ui import Select

sys.path.insert(0, str(Path(__file__).parent))
from harness import FAKE_LT, ROOT, Session  # noqa: E402
from webdriver import Window, close_window, open_window  # noqa: E402

SHOTS = ROOT / "ui" / "screenshots"


async def main():
    SHOTS.mkdir(parents=True, exist_ok=True)
    s = Session()
    driver = None
    try:
        driver = await open_window(s)
        w = Window(driver, SHOTS)
        w.find("//nav[@aria-label='Views']")
        s.cli("apply", "-f", str(ROOT / "examples" / "demo" / "stack.toml"))
        s.cli("profile", "add", "demo-lt", "--provider", "localtunnel", "--binary", str(FAKE_LT))

        w.open_view("Services")
        Select(w.field("Strategy")).select_by_visible_text("critical-path")
        w.button("Smart start all").click()
        w.find("//section[@aria-label='Startup progress']//p[@role='status']", timeout=60)
        w.shot("services")

        w.open_view("Graph")
        Select(w.field("Dependency to edit")).select_by_visible_text("api → migrate")
        w.find("//form[starts-with(@aria-label, 'Edit dependency')]")
        w.shot("graph")

        w.open_view("Health")
        w.until("api ready as web sees it", lambda: "ready" in w.find("//*[@data-testid='health-web-api']").text)
        w.shot("health")

        w.open_view("Tunnels")
        form = "//form[@aria-label='Open a tunnel']"
        Select(w.field("Service", form)).select_by_value("web")
        w.button("Open tunnel", form).click()
        w.find("//article[@aria-label='Tunnel for web']//*[local-name()='svg' and @role='img']")
        w.shot("tunnels")

        # A webhook-like POST and a page load through the public URL, then the tunnel's Inspector.
        url = s.cli_json("tunnel", "list")[0]["public_url"].rstrip("/")
        with urllib.request.urlopen(f"{url}/?utm_source=readme", timeout=10) as page:
            page.read()
        hook = urllib.request.Request(f"{url}/webhooks/payments", method="POST",
                                      data=b'{"type":"payment.succeeded","id":"evt_1","amount":4200,"currency":"eur"}',
                                      headers={"Content-Type": "application/json", "Authorization": "Bearer demo"})
        try:
            urllib.request.urlopen(hook, timeout=10).close()
        except urllib.error.HTTPError:
            pass  # the demo's web front answers a POST with 501: recorded all the same
        w.find("//article[@aria-label='Tunnel for web']//a[normalize-space()='Inspect requests']").click()
        w.find("//button[starts-with(@aria-label, 'Show request #') and contains(@aria-label, 'POST /webhooks')]").click()
        w.find("//section[@data-testid='exchange-detail']//pre[@aria-label='Request body']")
        w.shot("inspector")

        w.open_view("History")
        w.find("//*[@data-testid='waterfall-api']")
        w.find("//*[@data-testid='critical-chain']")
        w.shot("history")

        w.open_view("Logs")
        Select(w.field("Service")).select_by_value("worker")
        w.until("the worker's output", lambda: "worker ready" in w.find("//*[@role='log']").text)
        w.shot("logs")

        w.open_view("Services")
        w.button("Import file").click()
        panel = "//section[contains(@class,'import-panel')]"
        w.fill("File path", str(ROOT / "crates" / "nexsock-import" / "tests" / "fixtures" / "pc-data-aggregation.yaml"), panel)
        w.button("Preview", panel).click()
        w.until("the preview", lambda: w.find(f"{panel}//p[@role='status']").text.startswith("Preview"))
        w.shot("import")
        w.button("Close", panel).click()

        w.open_view("Settings")
        w.find("//li[contains(@class,'profile-row')]")
        w.shot("settings")
        s.cli("shutdown")
        print(f"screenshots in {SHOTS}", flush=True)
        return 0
    finally:
        close_window(driver)
        s.stop_all()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
