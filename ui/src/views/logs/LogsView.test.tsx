import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { print } from "../../api/mock/logs";
import { demoApi, renderWithApi } from "../../test/render";
import { filterLines, highlight, type LogEntry } from "./filter";
import { LogsView } from "./LogsView";
import { MAX_LINES } from "./useLogs";

const entries = (...texts: string[]): LogEntry[] => texts.map((text, id) => ({ id, stream: "stdout", text }));

describe("log search", () => {
  it("keeps the lines containing the query in any case, as plain text", () => {
    const lines = entries("GET /health 200", "get /api 500", "listening on :8080", "a.b", "axb");
    expect(filterLines(lines, "get").map((l) => l.text)).toEqual(["GET /health 200", "get /api 500"]);
    expect(filterLines(lines, "a.b").map((l) => l.text)).toEqual(["a.b"]);
    expect(filterLines(lines, "")).toBe(lines);
  });

  it("cuts a line around every match, keeping the original case", () => {
    expect(highlight("Error: error again", "ERROR")).toEqual([
      { text: "Error", match: true }, { text: ": ", match: false }, { text: "error", match: true }, { text: " again", match: false },
    ]);
    expect(highlight("nothing", "x")).toEqual([{ text: "nothing", match: false }]);
    expect(highlight("(x)", "(x)")).toEqual([{ text: "(x)", match: true }]);
  });
});

/** Renders the view and picks `service`. */
async function openLog(service: string, api = demoApi()) {
  const user = userEvent.setup();
  renderWithApi(<LogsView />, api);
  await screen.findByRole("option", { name: service });
  await user.selectOptions(screen.getByLabelText("Service"), service);
  return { user, api };
}

const log = (service: string) => screen.getByRole("log", { name: `Log of ${service}` });

describe("LogsView", () => {
  it("loads the tail of the chosen service, then appends its live lines", async () => {
    const api = demoApi();
    await api.startService("db");
    await openLog("db", api);
    await waitFor(() => expect(within(log("db")).getByText("listening on :5432")).toBeTruthy());
    expect(api.engine.requests).toContainEqual({ type: "logs", data: { name: "db", tail: 1000, follow: false } });
    expect(screen.getByText("3 of 3 lines")).toBeTruthy();
    await act(() => api.stopService("db", false));
    act(() => print(api.engine, "web", "not for this log"));
    await waitFor(() => expect(within(log("db")).getByText("received SIGTERM, shutting down")).toBeTruthy());
    expect(screen.getByText("4 of 4 lines")).toBeTruthy();
    expect(log("db").textContent).not.toContain("not for this log");
  });

  it("keeps at most the newest lines", async () => {
    const { api } = await openLog("web");
    await waitFor(() => expect(api.engine.requests.some((r) => r.type === "logs")).toBe(true));
    act(() => {
      for (let i = 0; i < MAX_LINES + 2; i++) print(api.engine, "web", `line ${i}`);
    });
    await waitFor(() => expect(screen.getByText(`${MAX_LINES} of ${MAX_LINES} lines`)).toBeTruthy());
    expect(log("web").firstElementChild?.textContent).toBe("line 2");
  });

  it("filters by the search box, highlights the matches and counts them", async () => {
    const api = demoApi();
    await api.startService("db");
    await api.stopService("db", false);
    const { user } = await openLog("db", api);
    await within(log("db")).findByText("listening on :5432");
    await user.type(screen.getByLabelText("Search logs"), "sigTERM");
    expect(screen.getByText("1 of 4 lines")).toBeTruthy();
    expect(log("db").querySelectorAll(".log-line")).toHaveLength(1);
    expect([...log("db").querySelectorAll("mark")].map((m) => m.textContent)).toEqual(["SIGTERM"]);
  });

  it("copies the shown lines and confirms it", async () => {
    const api = demoApi();
    await api.startService("api");
    const copy = vi.spyOn(api, "copyText").mockResolvedValue();
    const { user } = await openLog("api", api);
    await within(log("api")).findByText("listening on :8080");
    await user.type(screen.getByLabelText("Search logs"), "API");
    await user.click(screen.getByRole("button", { name: "Copy" }));
    expect(copy).toHaveBeenCalledWith(`$ ./run-api\napi starting (pid ${api.engine.service("api").status.pid})`);
    expect((await screen.findByRole("status")).textContent).toBe("Copied 2 lines.");
  });

  it("marks stderr lines", async () => {
    const api = demoApi();
    api.engine.failing.set("cache", "exited with code 1");
    await api.startService("cache");
    await openLog("cache", api);
    const line = (await within(log("cache")).findByText("error: exited with code 1")).closest(".log-line")!;
    expect(line.className).toContain("stderr");
    expect(within(line as HTMLElement).getByText("err")).toBeTruthy();
  });

  it("sets the markers of a run's start and end apart from the output", async () => {
    const { api } = await openLog("web");
    await waitFor(() => expect(api.engine.requests.some((r) => r.type === "logs")).toBe(true));
    act(() => print(api.engine, "web", "── run 7 exited with code 1 at 12:03:10 ──", "marker"));
    const line = (await within(log("web")).findByText("── run 7 exited with code 1 at 12:03:10 ──")).closest(".log-line")!;
    expect(line.className).toContain("marker");
    expect(within(line as HTMLElement).queryByText("err")).toBeNull();
  });

  it("shows why the log could not be loaded", async () => {
    const user = userEvent.setup();
    const { api } = renderWithApi(<LogsView />);
    await screen.findByRole("option", { name: "cache" });
    api.engine.services.delete("cache");
    await user.selectOptions(screen.getByLabelText("Service"), "cache");
    expect((await screen.findByRole("alert")).textContent).toBe("no service named `cache` (see `nexsock service list`)");
  });

  it("stops following when the user scrolls up, and follows again from the checkbox", async () => {
    const { user } = await openLog("web");
    const follow = screen.getByLabelText("Follow") as HTMLInputElement;
    expect(follow.checked).toBe(true);
    const area = log("web");
    Object.defineProperty(area, "scrollHeight", { configurable: true, value: 1000 });
    Object.defineProperty(area, "clientHeight", { configurable: true, value: 200 });
    area.scrollTop = 100;
    act(() => void area.dispatchEvent(new Event("scroll")));
    expect(follow.checked).toBe(false);
    await user.click(follow);
    expect(follow.checked).toBe(true);
    expect(area.scrollTop).toBe(1000);
  });
});
