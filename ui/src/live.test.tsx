// The window follows the engine's events alone: mounting a view registers no polling timer and no
// focus or visibility listener, and a change made behind the window's back (through the mock
// backend, as the CLI or the tray would) shows without a click or a timer.

import { act, renderHook, screen, waitFor, within } from "@testing-library/react";
import { useEffect, type ReactElement, type ReactNode } from "react";
import { describe, expect, it, vi } from "vitest";
import { MockApi } from "./api/mock/mockApi";
import { seedDemo, spec } from "./api/mock/seed";
import { checkTunnel } from "./api/mock/tunnels";
import { ApiProvider } from "./ApiContext";
import { demoApi, renderWithApi } from "./test/render";
import { useGraph } from "./views/graph/useGraph";
import { HealthView } from "./views/health/HealthView";
import { InspectorView } from "./views/inspector/InspectorView";
import { ServicesView } from "./views/services/ServicesView";
import { SettingsView } from "./views/settings/SettingsView";
import { TunnelsView } from "./views/tunnels/TunnelsView";

// The "x s ago" clock is the one timer the window may have; here it just reads the time.
vi.mock("./hooks/useNow", () => ({ useNow: () => Date.now() }));

/** Events a view could re-read the engine on, as a workaround for a missing engine event. */
const WAKE_EVENTS = ["focus", "visibilitychange", "pageshow", "online"];

/** Mounts `ui` against `api`; answers how many intervals and which wake-up listeners it registered. */
async function mount(ui: ReactElement, api: MockApi) {
  const intervals = vi.spyOn(globalThis, "setInterval");
  const onWindow = vi.spyOn(window, "addEventListener");
  const onDocument = vi.spyOn(document, "addEventListener");
  try {
    await act(async () => void renderWithApi(ui, api));
    const types = [...onWindow.mock.calls, ...onDocument.mock.calls].map(([type]) => type);
    return { intervals: intervals.mock.calls.length, wakeListeners: types.filter((t) => WAKE_EVENTS.includes(t)) };
  } finally {
    intervals.mockRestore();
    onWindow.mockRestore();
    onDocument.mockRestore();
  }
}

/** What a view that polled would register: the check below must see it. */
function Poller() {
  useEffect(() => {
    const timer = setInterval(() => {}, 5000);
    const onFocus = () => {};
    window.addEventListener("focus", onFocus);
    return () => {
      clearInterval(timer);
      window.removeEventListener("focus", onFocus);
    };
  }, []);
  return null;
}

const NOTHING = { intervals: 0, wakeListeners: [] };

describe("mounting a view", () => {
  it("is watched: a polling timer and a focus listener would be seen", async () => {
    expect(await mount(<Poller />, demoApi())).toEqual({ intervals: 1, wakeListeners: ["focus"] });
  });

  it.each([
    ["Services", <ServicesView />],
    ["Health", <HealthView />],
    ["Tunnels", <TunnelsView />],
    ["Settings", <SettingsView />],
    ["Inspector", <InspectorView service="api" onPick={() => {}} />],
  ])("registers no timer and no focus listener: %s", async (_, view) => {
    expect(await mount(view, demoApi())).toEqual(NOTHING);
  });
});

describe("the Services view follows the engine", () => {
  const row = (name: string) => screen.queryByTestId(`service-${name}`);

  it("shows a service added elsewhere at once, its change, and drops it once removed", async () => {
    const api = demoApi();
    expect(await mount(<ServicesView />, api)).toEqual(NOTHING);
    expect(row("worker")).toBeNull();
    // The events arrive while the request is handled: no time passes before the table shows them.
    await act(() => api.addService(spec("worker", 4000)));
    expect(within(row("worker")!).getByText("4000")).toBeTruthy();
    const stack = await api.exportStack();
    await act(() => api.applyStack({ services: { worker: { ...stack.services.worker, port: 4001 } } }));
    expect(within(row("worker")!).getByText("4001")).toBeTruthy();
    await act(() => api.configureService("worker", "staging"));
    expect(within(row("worker")!).getByText("staging")).toBeTruthy();
    await act(() => api.removeService("worker"));
    expect(row("worker")).toBeNull();
  });

  it("offers a new default strategy set elsewhere", async () => {
    const api = demoApi();
    await mount(<ServicesView />, api);
    const select = (await screen.findByLabelText("Strategy")) as HTMLSelectElement;
    await waitFor(() => expect(select.value).toBe("concurrent"));
    await act(() => api.setDefaultStrategy("sequential"));
    expect(select.value).toBe("sequential");
  });
});

describe("the Tunnels view follows the engine", () => {
  const card = (service: string) => screen.queryByRole("article", { name: `Tunnel for ${service}` });

  it("moves a card's last check on with TunnelChecked", async () => {
    let clock = Date.now() - 120_000;
    const api = new MockApi({ now: () => clock });
    seedDemo(api.engine);
    expect(await mount(<TunnelsView />, api)).toEqual(NOTHING);
    await waitFor(() => expect(within(card("api")!).getByText("checked 2 min ago")).toBeTruthy());
    clock = Date.now();
    act(() => void checkTunnel(api.engine, "api"));
    expect(within(card("api")!).getByText("checked 0 s ago")).toBeTruthy();
  });

  it("drops a card on TunnelClosed, whether closed elsewhere or with its stopped service", async () => {
    const api = demoApi();
    await mount(<TunnelsView />, api);
    await waitFor(() => expect(card("api")).not.toBeNull());
    await act(() => api.closeTunnel("api"));
    expect(card("api")).toBeNull();
    await act(() => api.openTunnel("web", "personal"));
    expect(card("web")).not.toBeNull();
    await act(() => api.stopService("web", false));
    expect(card("web")).toBeNull();
    expect(screen.getByText("No tunnels: open one above.")).toBeTruthy();
  });
});

describe("the Settings view follows the engine", () => {
  const profileRow = (name: string) => screen.findByRole("listitem", { name });

  it("shows a profile added elsewhere, its token and default, and drops it once removed", async () => {
    const api = demoApi();
    expect(await mount(<SettingsView />, api)).toEqual(NOTHING);
    await profileRow("personal");
    await act(() => api.addProfile({ name: "team", provider: "bore", server: "bore.example.com" }));
    expect(within(await profileRow("team")).getByText("server bore.example.com")).toBeTruthy();
    await act(() => api.setProfileToken("team", "t"));
    await waitFor(async () => expect(within(await profileRow("team")).getByText("token set")).toBeTruthy());
    await act(() => api.setDefaultProfile("team"));
    await waitFor(async () => expect(within(await profileRow("team")).getByText("default")).toBeTruthy());
    await act(() => api.removeProfile("team"));
    await waitFor(() => expect(screen.queryByRole("listitem", { name: "team" })).toBeNull());
  });

  it("selects a default strategy set elsewhere", async () => {
    const api = demoApi();
    await mount(<SettingsView />, api);
    const select = (await screen.findByLabelText("Default strategy")) as HTMLSelectElement;
    expect(select.value).toBe("concurrent");
    await act(() => api.setDefaultStrategy("critical-path"));
    expect(select.value).toBe("critical-path");
  });

  it("shows a login chain set and cleared elsewhere", async () => {
    const api = demoApi();
    await mount(<SettingsView />, api);
    const shown = await screen.findByTestId("login-chain");
    expect(shown.textContent).toBe("At login, nexsock starts nothing.");
    await act(() => api.setLoginChain({ roots: ["api"], strategy: null, max_concurrent: null }));
    expect(shown.textContent).toBe("At login, nexsock starts api with the default strategy.");
    expect((screen.getByRole("checkbox", { name: "Start api at login" }) as HTMLInputElement).checked).toBe(true);
    await act(() => api.setLoginChain(null));
    expect(shown.textContent).toBe("At login, nexsock starts nothing.");
  });
});

describe("the graph follows the engine", () => {
  function graphOf(api: MockApi) {
    const wrapper = ({ children }: { children: ReactNode }) => <ApiProvider api={api}>{children}</ApiProvider>;
    return renderHook(() => useGraph(), { wrapper }).result;
  }
  const ids = (items: { id: string }[]) => items.map((x) => x.id).sort();

  it("adds a node for a service added elsewhere, and drops it with its edges once removed", async () => {
    const api = demoApi();
    const graph = graphOf(api);
    await waitFor(() => expect(graph.current.edges).toHaveLength(3));
    await act(() => api.addService(spec("worker", null)));
    await act(() => api.addDependency({ ...api.engine.edges[0], service: "worker", depends_on: "db", condition: null }));
    await waitFor(() => expect(ids(graph.current.edges)).toContain("db->worker"));
    expect(ids(graph.current.nodes)).toEqual(["api", "cache", "db", "web", "worker"]);
    await act(() => api.removeService("web"));
    await waitFor(() => expect(ids(graph.current.nodes)).toEqual(["api", "cache", "db", "worker"]));
    expect(ids(graph.current.edges)).toEqual(["cache->api", "db->api", "db->worker"]);
  });

  it("shows an edge's new options and a service's new port without moving anything", async () => {
    const api = demoApi();
    const graph = graphOf(api);
    await waitFor(() => expect(graph.current.nodes).toHaveLength(4));
    const before = graph.current.nodes.map((n) => [n.id, n.position]);
    const [web] = api.engine.edges.filter((e) => e.service === "web");
    await act(() => api.addDependency({ ...web, required: false }));
    expect(graph.current.edges.find((e) => e.id === "api->web")?.label).toBe("healthy · optional");
    const stack = await api.exportStack();
    await act(() => api.applyStack({ services: { web: { ...stack.services.web, port: 3001 } } }));
    expect(graph.current.nodes.find((n) => n.id === "web")?.data.port).toBe(3001);
    expect(graph.current.nodes.map((n) => [n.id, n.position])).toEqual(before);
  });
});
