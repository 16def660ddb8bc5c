import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { Event } from "../../api/types/Event";
import { demoApi, renderWithApi } from "../../test/render";
import { applyEvent, settled } from "./progress";
import { ServicesView } from "./ServicesView";

const step = (id: number, name: string, state: "starting" | "ready"): Event => ({
  type: "Execution",
  data: { execution_id: id, total: 2, service: { name, state, spawned_ms: 0, ready_ms: state === "ready" ? 5 : null, reason: null } },
});

describe("execution progress", () => {
  it("follows each step and starts over for a new execution", () => {
    let view = applyEvent(null, step(1, "db", "starting"));
    view = applyEvent(view, step(1, "db", "ready"));
    view = applyEvent(view, step(1, "api", "starting"));
    expect(view!.steps.map((s) => [s.name, s.state])).toEqual([["db", "ready"], ["api", "starting"]]);
    expect(settled(view!)).toBe(1);
    view = applyEvent(view, step(2, "web", "starting"));
    expect(view!.steps.map((s) => s.name)).toEqual(["web"]);
  });

  it("shows the timeline and names the failure and what it skipped", async () => {
    const user = userEvent.setup();
    const api = demoApi();
    api.engine.failing.set("db", "exited with code 3");
    renderWithApi(<ServicesView />, api);
    await user.click(await screen.findByLabelText("Select web"));
    await user.click(screen.getByRole("button", { name: /Start selected/ }));
    const summary = await screen.findByRole("status");
    expect(summary.textContent).toContain("service `db` failed to start: exited with code 3");
    const timeline = screen.getByRole("list").textContent ?? "";
    expect(timeline).toContain("db failed");
    expect(timeline).toContain("web skipped");
    expect(screen.getByRole("progressbar").getAttribute("value")).toBe("4");
  });
});
