import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { recordExecution } from "../../api/mock/history";
import { App } from "../../App";
import { ApiProvider } from "../../ApiContext";
import { demoApi, renderWithApi } from "../../test/render";
import { report, timing } from "../../test/reports";
import { HistoryView } from "./HistoryView";

const chain = (roots: string[], strategy: string | null = null) => ({ roots, strategy, max_concurrent: null });
const listedIds = () =>
  within(screen.getByTestId("history-list")).getAllByRole("row").slice(1).map((r) => r.getAttribute("data-testid"));
const historyReads = (api: ReturnType<typeof demoApi>) =>
  api.engine.requests.filter((r) => r.type === "history").map((r) => (r.type === "history" ? r.data : null));
const row = (service: string) => screen.getByTestId(`waterfall-${service}`);

/** Three hand-made chain starts of the demo stack: #7 all ready, #8 db failed, #9 only cache. */
function withRuns() {
  const api = demoApi();
  recordExecution(api.engine, report(7, [
    timing("db", 0, 200), timing("cache", 0, 100), timing("api", 200, 600), timing("web", 600, 980),
  ], { critical_chain: ["db", "api", "web"], total_ms: 980, roots: ["web"] }));
  recordExecution(api.engine, report(8, [
    timing("db", 0, null, "failed", "exited with code 3"), timing("cache", 0, 120),
    timing("api", null, null, "skipped", "dependency `db` did not become ready"),
  ], { total_ms: 400, roots: ["api"], critical_chain: ["cache"], error: "db failed: exited with code 3" }));
  recordExecution(api.engine, report(9, [timing("cache", 0, 90)], { roots: ["cache"], strategy: "sequential" }));
  // The engine's row ids go on from there.
  api.engine.executions = 9;
  return api;
}

afterEach(() => window.history.replaceState(null, "", "#"));

describe("the list of recent chain starts", () => {
  it("merges every service's history by execution, each once, newest first", async () => {
    const api = demoApi();
    await api.startChain(chain(["api"]));
    await api.startChain(chain(["cache"], "sequential"));
    await api.startChain(chain(["web"]));
    await api.startChain(chain(["db"]));
    renderWithApi(<HistoryView />, api);
    await waitFor(() => expect(listedIds()).toEqual(["execution-4", "execution-3", "execution-2", "execution-1"]));
    expect(historyReads(api).map((d) => d!.name).sort()).toEqual(["api", "cache", "db", "web"]);
    expect(historyReads(api).every((d) => d!.limit === 20)).toBe(true);
    const second = within(screen.getByTestId("execution-2"));
    expect(second.getByText("cache")).toBeTruthy();
    expect(second.getByText("sequential")).toBeTruthy();
    expect(second.getByText("completed").className).toBe("badge state-ready");
    expect(second.getByText(/ms$/)).toBeTruthy();
  });

  it("names the switches a chain start ran with and shows a timed-out one as timed out", async () => {
    const api = demoApi();
    recordExecution(api.engine, report(3, [timing("db", 0, null, "failed", "stopped: the chain timed out after 3s")], {
      status: "timed_out", roots: ["db"], error: "timed out after 3s", options: { timeout_secs: 3, fail_fast: true },
    }));
    api.engine.executions = 3;
    renderWithApi(<HistoryView />, api);
    const row = within(await screen.findByTestId("execution-3"));
    expect(row.getByText("concurrent, fail-fast, timeout 3s")).toBeTruthy();
    expect(row.getByText("timed out").className).toBe("badge state-failed");
  });

  it("says so when there are none", async () => {
    renderWithApi(<HistoryView />, demoApi());
    expect(await screen.findByText(/No chain starts yet/)).toBeTruthy();
    expect(screen.queryByTestId("waterfall")).toBeNull();
  });

  it("shows a failed chain start as failed", async () => {
    renderWithApi(<HistoryView />, withRuns());
    await waitFor(() => expect(listedIds()).toEqual(["execution-9", "execution-8", "execution-7"]));
    expect(within(screen.getByTestId("execution-8")).getByText("failed").className).toBe("badge state-failed");
  });
});

describe("the waterfall", () => {
  it("draws the newest chain start until another is picked", async () => {
    const user = userEvent.setup();
    renderWithApi(<HistoryView />, withRuns());
    expect(await screen.findByRole("figure", { name: "Waterfall of chain start #9" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Show chain start #9" }).getAttribute("aria-pressed")).toBe("true");
    await user.click(screen.getByRole("button", { name: "Show chain start #7" }));
    const figure = screen.getByRole("figure", { name: "Waterfall of chain start #7" });
    expect(screen.getByRole("button", { name: "Show chain start #7" }).getAttribute("aria-pressed")).toBe("true");
    expect(screen.getByRole("button", { name: "Show chain start #9" }).getAttribute("aria-pressed")).toBe("false");
    expect(within(figure).getByRole("img").getAttribute("aria-label")).toBe(
      "Chain start #7 with concurrent, completed in 980 ms: 4 services, 4 ready; critical chain db → api → web",
    );
    expect(["db", "cache", "api", "web"].map((s) => within(figure).getByTestId(`waterfall-${s}`))).toHaveLength(4);
  });

  it("places each bar from spawn to ready in proportion, the wait drawn apart", async () => {
    const user = userEvent.setup();
    renderWithApi(<HistoryView />, withRuns());
    await user.click(await screen.findByRole("button", { name: "Show chain start #7" }));
    // The plot runs from x 120 to 610 over 980 ms: half a unit per millisecond.
    const bar = (service: string) => row(service).querySelector("rect.wf-bar")!;
    const at = (el: Element) => ["x", "width"].map((a) => Number(el.getAttribute(a)));
    expect(at(bar("db"))).toEqual([120, 100]);
    expect(at(bar("cache"))).toEqual([120, 50]);
    expect(at(bar("api"))).toEqual([220, 200]);
    expect(at(bar("web"))).toEqual([420, 190]);
    expect(row("db").querySelector(".wf-wait")).toBeNull();
    expect(at(row("api").querySelector("rect.wf-wait")!)).toEqual([120, 100]);
    expect(within(row("api")).getByText("api waited 200 ms before its spawn (for its dependencies or its turn)")).toBeTruthy();
    expect(bar("api").querySelector("title")!.textContent).toBe(
      "api: spawned at 200 ms, ready at 600 ms (400 ms spawn to ready); on the critical chain",
    );
  });

  it("marks failed and skipped services in colour and words, with the reason", async () => {
    const user = userEvent.setup();
    renderWithApi(<HistoryView />, withRuns());
    await user.click(await screen.findByRole("button", { name: "Show chain start #8" }));
    expect(row("db").getAttribute("data-state")).toBe("failed");
    expect(row("db").getAttribute("class")).toContain("wf-failed");
    expect(within(row("db")).getByText("failed")).toBeTruthy();
    expect(row("db").querySelector("rect.wf-bar title")!.textContent).toBe("db: failed after its spawn at 0 ms — exited with code 3");
    expect(row("api").getAttribute("data-state")).toBe("skipped");
    expect(row("api").querySelector("rect.wf-bar")).toBeNull();
    expect(row("api").querySelector("rect.wf-unstarted title")!.textContent).toBe(
      "api: skipped — dependency `db` did not become ready",
    );
    expect(within(row("api")).getByText("skipped")).toBeTruthy();
    const figure = screen.getByRole("figure", { name: "Waterfall of chain start #8" });
    expect(within(figure).getByText("db failed: exited with code 3")).toBeTruthy();
    expect(within(figure).getByRole("img").getAttribute("aria-label")).toContain("1 failed (db), 1 skipped (api)");
  });

  it("highlights the critical chain and names it", async () => {
    const user = userEvent.setup();
    renderWithApi(<HistoryView />, withRuns());
    await user.click(await screen.findByRole("button", { name: "Show chain start #7" }));
    const critical = ["db", "cache", "api", "web"].filter((s) => row(s).getAttribute("data-critical") === "true");
    expect(critical).toEqual(["db", "api", "web"]);
    expect(row("api").getAttribute("class")).toContain("wf-critical");
    expect(row("api").querySelector(".wf-critical-band")).not.toBeNull();
    expect(row("cache").getAttribute("class")).not.toContain("wf-critical");
    expect(row("cache").querySelector(".wf-critical-band")).toBeNull();
    expect(within(row("api")).getByText("◆ api")).toBeTruthy();
    expect(within(row("api")).getByText("400 ms · critical")).toBeTruthy();
    expect(screen.getByTestId("critical-chain").textContent).toBe("Critical chain (◆, highlighted): db → api → web");
  });
});

describe("the trends", () => {
  it("draws each service of the chain start with one point per run of it", async () => {
    const user = userEvent.setup();
    renderWithApi(<HistoryView />, withRuns());
    await user.click(await screen.findByRole("button", { name: "Show chain start #8" }));
    const trend = (s: string) => screen.getByRole("figure", { name: `Spawn to ready of ${s} across runs` });
    expect(screen.getAllByRole("figure", { name: /^Spawn to ready of / })).toHaveLength(3);
    const points = (s: string) => [...trend(s).querySelectorAll(".trend-point")];
    expect(points("cache").map((p) => p.getAttribute("data-execution"))).toEqual(["7", "8", "9"]);
    expect(points("db").map((p) => p.getAttribute("data-execution"))).toEqual(["7", "8"]);
    expect(points("api").map((p) => p.getAttribute("data-execution"))).toEqual(["7", "8"]);
    expect(points("db")[1]!.getAttribute("class")).toBe("trend-point trend-miss trend-current");
    expect(points("db")[1]!.textContent).toBe("#8: failed — exited with code 3");
    expect(points("cache").map((p) => p.textContent)).toEqual([
      "#7: 100 ms spawn to ready", "#8: 120 ms spawn to ready", "#9: 90 ms spawn to ready",
    ]);
    expect(within(trend("cache")).getByRole("img").getAttribute("aria-label")).toBe(
      "cache: 3 runs, spawn to ready from 90 ms to 120 ms, latest 90 ms",
    );
  });
});

describe("following the engine", () => {
  it("reads the histories again on ExecutionFinished and shows the new chain start", async () => {
    const api = demoApi();
    await api.startChain(chain(["cache"]));
    renderWithApi(<HistoryView />, api);
    await waitFor(() => expect(listedIds()).toEqual(["execution-1"]));
    const before = historyReads(api).length;
    expect(before).toBe(4);
    await act(() => api.startChain(chain(["api"])));
    await waitFor(() => expect(listedIds()).toEqual(["execution-2", "execution-1"]));
    expect(historyReads(api).length).toBe(before + 4);
    expect(screen.getByRole("figure", { name: "Waterfall of chain start #2" })).toBeTruthy();
    const points = screen.getByRole("figure", { name: "Spawn to ready of cache across runs" }).querySelectorAll(".trend-point");
    expect(points).toHaveLength(2);
  });

  it("keeps a picked chain start shown when a new one finishes", async () => {
    const user = userEvent.setup();
    const api = withRuns();
    renderWithApi(<HistoryView />, api);
    await user.click(await screen.findByRole("button", { name: "Show chain start #7" }));
    await act(() => api.startChain(chain(["cache"])));
    await waitFor(() => expect(listedIds()[0]).toBe("execution-10"));
    expect(screen.getByRole("figure", { name: "Waterfall of chain start #7" })).toBeTruthy();
  });

  it("registers no timer, and asks the history of a service added later", async () => {
    const api = demoApi();
    const intervals = vi.spyOn(globalThis, "setInterval");
    try {
      await act(async () => void renderWithApi(<HistoryView />, api));
      expect(intervals).not.toHaveBeenCalled();
    } finally {
      intervals.mockRestore();
    }
    await waitFor(() => expect(historyReads(api)).toHaveLength(4));
    await act(() => api.addService({ ...api.engine.service("db").spec, name: "queue", port: 5433 }));
    await waitFor(() => expect(historyReads(api).map((d) => d!.name)).toContain("queue"));
  });
});

it("opens from the History tab and from #history", async () => {
  const user = userEvent.setup();
  const api = withRuns();
  render(<ApiProvider api={api}><App /></ApiProvider>);
  await user.click(screen.getByRole("button", { name: "History" }));
  expect(window.location.hash).toBe("#history");
  expect(await screen.findByRole("heading", { name: "History" })).toBeTruthy();
  expect(await screen.findByRole("figure", { name: "Waterfall of chain start #9" })).toBeTruthy();
});
