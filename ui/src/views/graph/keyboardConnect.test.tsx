import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { demoApi, renderWithApi } from "../../test/render";
import { GraphView } from "./GraphView";
import { CONNECT_TEXT, markConnecting, moveOf, nextTarget } from "./keyboardConnect";

// The demo as elk lays it out: cache above db in the first column, then api, then web.
const PLACED = [
  { id: "api", position: { x: 322, y: 21.33 } },
  { id: "cache", position: { x: 12, y: 12 } },
  { id: "db", position: { x: 12, y: 100 } },
  { id: "web", position: { x: 632, y: 21.33 } },
];

describe("choosing the service to connect to", () => {
  it("maps Tab, Shift+Tab and the arrows to moves, and nothing else", () => {
    expect(moveOf("Tab", false)).toBe("next");
    expect(moveOf("Tab", true)).toBe("previous");
    expect(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"].map((k) => moveOf(k, false))).toEqual(["left", "right", "up", "down"]);
    expect(moveOf("Enter", false)).toBeNull();
    expect(moveOf("c", false)).toBeNull();
  });

  it("tabs through the other services in reading order, wrapping, never to the first one", () => {
    expect(nextTarget(PLACED, "cache", null, "next")).toBe("db");
    expect(nextTarget(PLACED, "cache", "db", "next")).toBe("api");
    expect(nextTarget(PLACED, "cache", "api", "next")).toBe("web");
    expect(nextTarget(PLACED, "cache", "web", "next")).toBe("db");
    expect(nextTarget(PLACED, "cache", null, "previous")).toBe("web");
    expect(nextTarget(PLACED, "cache", "web", "previous")).toBe("api");
    expect(nextTarget(PLACED, "cache", "db", "previous")).toBe("web");
  });

  it("goes to the nearest service an arrow points at, and stays when there is none", () => {
    expect(nextTarget(PLACED, "db", null, "right")).toBe("api");
    expect(nextTarget(PLACED, "db", "api", "right")).toBe("web");
    expect(nextTarget(PLACED, "db", "web", "right")).toBe("web");
    // Left from api: cache and db are as far left; cache is nearer across.
    expect(nextTarget(PLACED, "api", null, "left")).toBe("cache");
    expect(nextTarget(PLACED, "web", "cache", "down")).toBe("db");
    // Down from cache: db is nearer, but connect mode started there; api is a little lower.
    expect(nextTarget(PLACED, "db", "cache", "down")).toBe("api");
    expect(nextTarget(PLACED, "db", "cache", "up")).toBe("cache");
    expect(nextTarget(PLACED, "db", null, "left")).toBeNull();
  });

  it("has nothing to choose with a single service", () => {
    expect(nextTarget([PLACED[0]], "api", null, "next")).toBeNull();
    expect(nextTarget([PLACED[0]], "api", null, "right")).toBeNull();
  });

  it("marks the first service and the choice, and leaves the other nodes alone", () => {
    const marked = markConnecting(PLACED, { from: "db", to: "web" });
    expect(marked.map((n) => (n as { className?: string }).className)).toEqual([undefined, undefined, "connect-from", "connect-to"]);
    expect(marked[0]).toBe(PLACED[0]);
    expect(markConnecting(PLACED, null)).toBe(PLACED);
  });
});

/** The graph view on the demo, once laid out. */
async function graphView(api = demoApi()) {
  const user = userEvent.setup();
  renderWithApi(<GraphView />, api);
  await screen.findByTestId("node-web");
  // React Flow's focusable node wrapper (`.react-flow__node[data-id=…]`).
  const node = (id: string) => screen.getByTestId(`rf__node-${id}`);
  const status = () => document.getElementById("graph-connect-status")!;
  const focus = (id: string) => act(() => node(id).focus());
  return { user, api, node, status, focus };
}

const depends = (api: ReturnType<typeof demoApi>, service: string, dependsOn: string) =>
  api.engine.edges.some((e) => e.service === service && e.depends_on === dependsOn);

describe("connecting two services from the keyboard", () => {
  it("starts on the focused node with C, moves with Tab and arrows, and adds the dependency with Enter", async () => {
    const { user, api, node, status, focus } = await graphView();
    expect(status().getAttribute("role")).toBe("status");
    expect(status().textContent).toBe("");
    await focus("cache");
    await user.keyboard("c");
    expect(status().textContent).toBe(
      "Connecting cache: choose the service that depends on it (arrow keys or Tab), Enter to confirm, Escape to cancel.",
    );
    expect(node("cache").className).toContain("connect-from");
    await user.keyboard("{Tab}");
    expect(document.activeElement).toBe(node("db"));
    expect(node("db").className).toContain("connect-to");
    expect(status().textContent).toBe("db will depend on cache: Enter to confirm, Escape to cancel.");
    await user.keyboard("{ArrowRight}");
    expect(document.activeElement).toBe(node("api"));
    expect(node("api").className).toContain("connect-to");
    expect(node("db").className).not.toContain("connect-to");
    await user.keyboard("{ArrowRight}");
    expect(document.activeElement).toBe(node("web"));
    expect(node("web").className).toContain("connect-to");
    expect(node("api").className).not.toContain("connect-to");
    expect(status().textContent).toBe(CONNECT_TEXT.chosen("cache", "web"));
    await user.keyboard("{Enter}");
    await waitFor(() => expect(status().textContent).toBe("Connected: web now depends on cache."));
    expect(depends(api, "web", "cache")).toBe(true);
    // The same request a drag makes: the engine's defaults, a hard dependency.
    expect(api.engine.requests.filter((r) => r.type === "add_dependency").at(-1)).toEqual({
      type: "add_dependency",
      data: {
        service: "web", depends_on: "cache", condition: null, required: true, tunnel_mode: "none", timeout_secs: null,
        health_path: null, env_alias: null, restart_on_new_url: true,
      },
    });
    // Connect mode is over; the keyboard is back where it started, and the edge shows.
    expect(document.activeElement).toBe(node("cache"));
    expect(node("cache").className).not.toContain("connect-from");
    expect(node("web").className).not.toContain("connect-to");
    expect(node("web").className).not.toContain("selected");
    expect(await screen.findByRole("option", { name: "web → cache" })).toBeTruthy();
  });

  it("cancels with Escape: nothing is added", async () => {
    const { user, api, node, status, focus } = await graphView();
    const sent = api.engine.requests.length;
    await focus("db");
    await user.keyboard("c");
    await user.keyboard("{ArrowRight}");
    expect(node("api").className).toContain("connect-to");
    await user.keyboard("{Escape}");
    expect(status().textContent).toBe("Connecting db cancelled.");
    expect(document.activeElement).toBe(node("db"));
    expect(node("db").className).not.toContain("connect-from");
    expect(node("api").className).not.toContain("connect-to");
    // Enter now is React Flow's again (it selects the node), not a connection.
    await user.keyboard("{Enter}");
    await waitFor(() => expect(node("db").className).toContain("selected"));
    expect(api.engine.requests.slice(sent).some((r) => r.type === "add_dependency")).toBe(false);
    expect(api.engine.edges).toHaveLength(3);
  });

  it("shows the engine's refusal of a cycle with its path, as for a drag", async () => {
    const { user, api, status, focus } = await graphView();
    await focus("web");
    await user.keyboard("c");
    await user.keyboard("{Tab}{Tab}");
    expect(status().textContent).toBe("db will depend on web: Enter to confirm, Escape to cancel.");
    await user.keyboard("{Enter}");
    expect((await screen.findByRole("alert")).textContent).toContain("dependency cycle: db -> web -> api -> db");
    await waitFor(() => expect(status().textContent).toBe("Not connected: dependency cycle: db -> web -> api -> db"));
    expect(depends(api, "db", "web")).toBe(false);
    expect(api.engine.edges).toHaveLength(3);
  });

  it("asks for a choice first, and says when the dependency is already there", async () => {
    const { user, api, node, status, focus } = await graphView();
    const sent = api.engine.requests.length;
    await focus("db");
    await user.keyboard("c");
    await user.keyboard("{Enter}");
    expect(status().textContent).toBe(CONNECT_TEXT.nothingChosen("db"));
    await user.keyboard("{ArrowRight}");
    await user.keyboard("{Enter}");
    expect(status().textContent).toBe("api already depends on db: choose another service, or Escape to cancel.");
    // Still connecting: the existing edge was left as it is.
    expect(node("api").className).toContain("connect-to");
    expect(api.engine.requests.slice(sent).some((r) => r.type === "add_dependency")).toBe(false);
    await user.keyboard("{Escape}");
    expect(status().textContent).toBe("Connecting db cancelled.");
  });

  it("ends connect mode when the focus leaves the graph", async () => {
    const { user, node, status, focus } = await graphView();
    await focus("db");
    await user.keyboard("c");
    await user.keyboard("{Tab}");
    expect(node("api").className).toContain("connect-to");
    await user.click(screen.getByLabelText("Service"));
    expect(status().textContent).toBe("Connecting db cancelled.");
    expect(node("api").className).not.toContain("connect-to");
  });
});
