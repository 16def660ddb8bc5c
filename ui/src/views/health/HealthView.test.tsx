import { act, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { spec } from "../../api/mock/seed";
import { demoApi, renderWithApi } from "../../test/render";
import { HealthView } from "./HealthView";

const cell = (row: string, col: string) => screen.getByTestId(`health-${row}-${col}`);

describe("HealthView", () => {
  it("shows a table of services against their dependencies, with each edge's state in text", async () => {
    const api = demoApi();
    await api.startService("cache");
    renderWithApi(<HealthView />, api);
    const table = await screen.findByRole("table", { name: "Health matrix" });
    const headers = within(table).getAllByRole("columnheader").map((h) => h.textContent);
    expect(headers).toEqual(["Service", "api", "cache", "db"]);
    expect(within(table).getAllByRole("rowheader").map((h) => h.textContent)).toEqual(["api", "cache", "db", "web"]);
    expect(cell("api", "db").textContent).toBe("stopped – waiting for healthy");
    expect(cell("api", "cache").textContent).toBe("ready ✓");
    expect(cell("api", "cache").className).toContain("tone-ok");
    expect(cell("web", "api").textContent).toBe("stopped – waiting for healthy");
    expect(cell("web", "db").getAttribute("aria-label")).toBe("no dependency");
    expect(cell("web", "db").textContent).toBe("");
  });

  it("updates a cell when its dependency's state changes", async () => {
    const api = demoApi();
    renderWithApi(<HealthView />, api);
    await screen.findByRole("table", { name: "Health matrix" });
    await act(() => api.startService("db"));
    await waitFor(() => expect(cell("api", "db").textContent).toBe("ready ✓"));
    api.engine.failing.set("api", "exited with code 1");
    await act(() => api.startService("api"));
    await waitFor(() => expect(cell("web", "api").textContent).toBe("failed ✗"));
    expect(cell("web", "api").className).toContain("tone-failed");
  });

  it("shows a one-shot that completed as satisfied and done, and as stopped once stopped", async () => {
    const api = demoApi();
    await api.addService(spec("migrate", null, { command: "echo migrated" }));
    const [stored] = api.engine.edges.filter((e) => e.service === "api");
    await api.addDependency({ ...stored, depends_on: "migrate", condition: "completed_successfully" });
    renderWithApi(<HealthView />, api);
    await screen.findByRole("table", { name: "Health matrix" });
    expect(cell("api", "migrate").textContent).toBe("stopped – waiting for completed");
    expect(cell("api", "migrate").className).toContain("tone-idle");
    await act(async () => {
      await api.startService("migrate");
      await api.engine.settled();
    });
    await waitFor(() => expect(cell("api", "migrate").textContent).toBe("completed ✓"));
    expect(cell("api", "migrate").className).toContain("tone-done");
    expect(cell("api", "migrate").className).not.toContain("tone-ok");
    await act(() => api.stopService("migrate", false));
    await waitFor(() => expect(cell("api", "migrate").textContent).toBe("stopped – waiting for completed"));
    expect(cell("api", "migrate").className).toContain("tone-idle");
  });

  it("shows an edge the engine adds, changes or removes, with no user action", async () => {
    const api = demoApi();
    renderWithApi(<HealthView />, api);
    await screen.findByRole("table", { name: "Health matrix" });
    expect(cell("web", "cache").getAttribute("aria-label")).toBe("no dependency");
    const [stored] = api.engine.edges.filter((e) => e.service === "web");
    await act(() => api.addDependency({ ...stored, depends_on: "cache", condition: "started" }));
    await waitFor(() => expect(cell("web", "cache").textContent).toBe("stopped – waiting for started"));
    await act(() => api.addDependency({ ...stored, condition: "started", required: false }));
    await waitFor(() => expect(cell("web", "api").textContent).toBe("stopped – waiting for started optional"));
    expect(within(cell("web", "api")).getByText("optional").className).toBe("tag");
    await act(() => api.removeDependency("web", "cache"));
    await waitFor(() => expect(cell("web", "cache").getAttribute("aria-label")).toBe("no dependency"));
    expect(screen.queryByRole("button")).toBeNull();
  });

  it("drops a removed service's row and its edges", async () => {
    const api = demoApi();
    renderWithApi(<HealthView />, api);
    await screen.findByRole("table", { name: "Health matrix" });
    await act(() => api.removeService("web"));
    await waitFor(() => expect(screen.queryByTestId("health-web-api")).toBeNull());
    const table = screen.getByRole("table", { name: "Health matrix" });
    expect(within(table).getAllByRole("rowheader").map((h) => h.textContent)).toEqual(["api", "cache", "db"]);
    // `api` was a column only because `web` depended on it.
    expect(within(table).getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["Service", "cache", "db"]);
  });
});
