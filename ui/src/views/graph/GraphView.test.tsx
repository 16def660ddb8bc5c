import { act, renderHook, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { ReactNode } from "react";
import { describe, expect, it } from "vitest";
import { spec } from "../../api/mock/seed";
import { topologyOf } from "../../api/topology";
import { ApiProvider } from "../../ApiContext";
import { demoApi, renderWithApi } from "../../test/render";
import { GraphView } from "./GraphView";
import { layoutGraph } from "./layout";
import { buildGraph } from "./model";
import { useGraph } from "./useGraph";

function graphHook(api = demoApi()) {
  const wrapper = ({ children }: { children: ReactNode }) => <ApiProvider api={api}>{children}</ApiProvider>;
  const hook = renderHook(() => useGraph(), { wrapper });
  return { api, hook };
}

const edgeIds = (edges: { id: string }[]) => edges.map((e) => e.id).sort();

describe("the graph model", () => {
  it("builds a node per service and an edge from each dependency to its dependent", async () => {
    const api = demoApi();
    await api.startService("db");
    const { nodes, edges } = buildGraph(topologyOf(await api.exportStack()), await api.listServices());
    expect(nodes.map((n) => [n.id, n.data.state])).toEqual([
      ["api", "stopped"], ["cache", "stopped"], ["db", "ready"], ["web", "stopped"],
    ]);
    expect(edges.map((e) => [e.source, e.target])).toEqual([["db", "api"], ["cache", "api"], ["api", "web"]]);
  });

  it("lays dependencies out left of their dependents", async () => {
    const api = demoApi();
    const { nodes, edges } = buildGraph(topologyOf(await api.exportStack()), await api.listServices());
    const x = new Map((await layoutGraph(nodes, edges)).map((n) => [n.id, n.position.x]));
    expect(x.get("db")!).toBeLessThan(x.get("api")!);
    expect(x.get("api")!).toBeLessThan(x.get("web")!);
  });
});

describe("useGraph", () => {
  it("adds a dependency through the engine, and shows it once the engine says so", async () => {
    const { api, hook } = graphHook();
    await waitFor(() => expect(hook.result.current.edges).toHaveLength(3));
    let ok = false;
    await act(async () => {
      ok = await hook.result.current.connect("cache", "web");
    });
    expect(ok).toBe(true);
    expect(api.engine.edges.some((e) => e.service === "web" && e.depends_on === "cache")).toBe(true);
    await waitFor(() => expect(edgeIds(hook.result.current.edges)).toContain("cache->web"));
    // The graph follows the engine's event: it sent no export or list of its own.
    expect(api.engine.requests.at(-1)?.type).toBe("add_dependency");
  });

  it("refuses a cycle and shows its path", async () => {
    const { api, hook } = graphHook();
    await waitFor(() => expect(hook.result.current.edges).toHaveLength(3));
    await act(async () => {
      await hook.result.current.connect("web", "db");
    });
    expect(hook.result.current.error).toBe("dependency cycle: db -> web -> api -> db");
    expect(hook.result.current.edges).toHaveLength(3);
    expect(api.engine.edges).toHaveLength(3);
  });

  it("removes an edge through the engine", async () => {
    const { api, hook } = graphHook();
    await waitFor(() => expect(hook.result.current.edges).toHaveLength(3));
    const edge = hook.result.current.edges.find((e) => e.id === "api->web")!;
    await act(async () => {
      await hook.result.current.removeEdges([edge]);
    });
    await waitFor(() => expect(edgeIds(hook.result.current.edges)).toEqual(["cache->api", "db->api"]));
    expect(api.engine.requests.at(-1)).toEqual({ type: "remove_dependency", data: { service: "web", depends_on: "api" } });
  });

  it("recolours a node when its service changes state", async () => {
    const { api, hook } = graphHook();
    await waitFor(() => expect(hook.result.current.nodes).toHaveLength(4));
    await act(async () => {
      await api.startService("cache");
    });
    expect(hook.result.current.nodes.find((n) => n.id === "cache")?.data.state).toBe("ready");
  });

  it("recolours a one-shot's node completed once it exits 0, and stopped once stopped", async () => {
    const api = demoApi();
    await api.addService(spec("migrate", null, { command: "echo migrated" }));
    const { hook } = graphHook(api);
    await waitFor(() => expect(hook.result.current.nodes).toHaveLength(5));
    const state = () => hook.result.current.nodes.find((n) => n.id === "migrate")?.data.state;
    await act(async () => {
      await api.startService("migrate");
      await api.engine.settled();
    });
    expect(state()).toBe("completed");
    await act(() => api.stopService("migrate", false));
    expect(state()).toBe("stopped");
  });
});

describe("GraphView", () => {
  it("renders a node per service, coloured by state", async () => {
    const api = demoApi();
    await api.startService("db");
    renderWithApi(<GraphView />, api);
    const db = await screen.findByTestId("node-db");
    expect(db.className).toContain("state-ready");
    expect((await screen.findByTestId("node-web")).className).toContain("state-stopped");
  });

  it("styles a completed one-shot's node apart from stopped and failed nodes", async () => {
    const api = demoApi();
    await api.addService(spec("migrate", null, { command: "echo migrated" }));
    await api.startService("migrate");
    await api.engine.settled();
    api.engine.failing.set("cache", "exited with code 1");
    await api.startService("cache");
    renderWithApi(<GraphView />, api);
    const migrate = await screen.findByTestId("node-migrate");
    expect(migrate.className).toBe("graph-node state-completed");
    expect(migrate.querySelector(".node-state")?.textContent).toBe("completed");
    expect(migrate.getAttribute("title")).toMatch(/exited 0 by itself/);
    expect((await screen.findByTestId("node-web")).className).toBe("graph-node state-stopped");
    expect((await screen.findByTestId("node-cache")).className).toBe("graph-node state-failed");
  });
});

describe("GraphView's dependency form", () => {
  it("adds a dependency from the keyboard and shows a refused cycle with its path", async () => {
    const user = userEvent.setup();
    const { api } = renderWithApi(<GraphView />);
    await screen.findByTestId("node-web");
    await user.selectOptions(screen.getByLabelText("Service"), "web");
    await user.selectOptions(screen.getByLabelText("depends on"), "cache");
    await user.click(screen.getByRole("button", { name: "Add dependency" }));
    await waitFor(() => expect(api.engine.edges.some((e) => e.service === "web" && e.depends_on === "cache")).toBe(true));
    await user.selectOptions(screen.getByLabelText("Service"), "db");
    await user.selectOptions(screen.getByLabelText("depends on"), "web");
    await user.click(screen.getByRole("button", { name: "Add dependency" }));
    expect((await screen.findByRole("alert")).textContent).toContain("dependency cycle: db -> web -> api -> db");
  });
});
