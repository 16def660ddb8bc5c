import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { EnvVar } from "../../api/types/EnvVar";
import type { TunnelInfo } from "../../api/types/TunnelInfo";
import { MockApi } from "../../api/mock/mockApi";
import { spec } from "../../api/mock/seed";
import { checkTunnel } from "../../api/mock/tunnels";
import { renderWithApi } from "../../test/render";
import { ServicesView } from "./ServicesView";
import { touchesEnv } from "./useServiceEnv";
import { clientStack, tunnelEdge } from "../../test/envStack";


/** Renders the Services view and opens `client`'s environment. */
async function openClientEnv(api: MockApi) {
  const user = userEvent.setup();
  renderWithApi(<ServicesView />, api);
  // What a WebDriver test clicks: the row's button by its accessible name.
  await user.click(await screen.findByRole("button", { name: "Environment of client" }));
  const panel = screen.getByRole("region", { name: "Environment of client" });
  await within(panel).findByTestId("env-client-MODE");
  return { user, panel };
}

const cell = (name: string) => screen.getByTestId(`env-client-${name}`);
const envReads = (api: MockApi) => api.engine.requests.filter((r) => r.type === "service_env");

describe("the Environment panel", () => {
  it("lists each variable with its value and source, a secret masked", async () => {
    const api = await clientStack();
    const { panel } = await openClientEnv(api);
    const rows = within(panel).getAllByRole("row").slice(1);
    expect(rows.map((r) => [...r.children].map((c) => c.textContent))).toEqual([
      ["MODE", "dev", "spec"],
      ["STRIPE_API_KEYsecret", "********", "spec"],
      ["NEXSOCK_TUNNEL_WEB_URL", "(the tunnel's URL, once it is open)", "tunnel:web"],
      ["WEB_PUBLIC", "(the tunnel's URL, once it is open)", "tunnel:web"],
      ["NEXSOCK_SERVICE", "client", "nexsock"],
      ["NEXSOCK_RUN", "(set at each start)", "nexsock"],
    ]);
    expect(within(panel).getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["Name", "Value", "Source"]);
    expect(cell("STRIPE_API_KEY").textContent).toBe("********");
    expect(panel.textContent).not.toContain("sk_live_abc123");
    expect(envReads(api).map((r) => r.data)).toEqual([{ name: "client", reveal: false }]);
  });

  it("shows the secret after Show secrets, asking the engine with reveal, and masks it again", async () => {
    const api = await clientStack();
    const { user, panel } = await openClientEnv(api);
    const toggle = within(panel).getByRole("checkbox", { name: "Show secrets" });
    expect(toggle).toBe(screen.getByTestId("env-reveal-client"));
    await user.click(toggle);
    await waitFor(() => expect(cell("STRIPE_API_KEY").textContent).toBe("sk_live_abc123"));
    expect(envReads(api).at(-1)?.data).toEqual({ name: "client", reveal: true });
    await user.click(toggle);
    await waitFor(() => expect(cell("STRIPE_API_KEY").textContent).toBe("********"));
  });

  it("shows the tunnel's URL once it opens and the placeholder once it closes, with no click", async () => {
    const api = await clientStack();
    await openClientEnv(api);
    expect(cell("NEXSOCK_TUNNEL_WEB_URL").textContent).toBe("(the tunnel's URL, once it is open)");
    expect(cell("NEXSOCK_RUN").textContent).toBe("(set at each start)");
    // Opened elsewhere (the CLI, the Tunnels view): the panel follows the tunnel events.
    const tunnel = await act(() => api.openTunnel("web", null));
    await waitFor(() => expect(cell("NEXSOCK_TUNNEL_WEB_URL").textContent).toBe(tunnel.public_url));
    expect(cell("WEB_PUBLIC").textContent).toBe(tunnel.public_url);
    // A passing health check changes nothing: no read.
    const reads = envReads(api).length;
    act(() => void checkTunnel(api.engine, "web"));
    expect(envReads(api)).toHaveLength(reads);
    await act(() => api.closeTunnel("web"));
    await waitFor(() => expect(cell("WEB_PUBLIC").textContent).toBe("(the tunnel's URL, once it is open)"));
  });

  it("follows the service's spec and its dependencies", async () => {
    const api = await clientStack();
    const { panel } = await openClientEnv(api);
    const stack = await api.exportStack();
    await act(() => api.applyStack({
      services: { client: { ...stack.services.client, env: { MODE: "prod", DB_PASSWORD: "hunter2" } } },
    }));
    await waitFor(() => expect(cell("MODE").textContent).toBe("prod"));
    expect(cell("DB_PASSWORD").textContent).toBe("********");
    // The apply kept the edge to web (`depends_on` of the exported stack).
    expect(cell("WEB_PUBLIC")).toBeTruthy();
    await act(() => api.removeDependency("client", "web"));
    await waitFor(() => expect(within(panel).queryByTestId("env-client-WEB_PUBLIC")).toBeNull());
    expect(within(panel).queryByTestId("env-client-NEXSOCK_TUNNEL_WEB_URL")).toBeNull();
  });

  it("opens and closes from the row's button, and opening registers no timer", async () => {
    const api = await clientStack();
    const user = userEvent.setup();
    renderWithApi(<ServicesView />, api);
    const button = await screen.findByRole("button", { name: "Environment of client" });
    expect(button.getAttribute("aria-expanded")).toBe("false");
    expect(screen.queryByRole("region", { name: "Environment of client" })).toBeNull();
    const intervals = vi.spyOn(globalThis, "setInterval");
    try {
      await user.click(button);
      expect(intervals).not.toHaveBeenCalled();
    } finally {
      intervals.mockRestore();
    }
    const panel = screen.getByRole("region", { name: "Environment of client" });
    expect(button.getAttribute("aria-expanded")).toBe("true");
    expect(button.getAttribute("aria-controls")).toBe(panel.id);
    await within(panel).findByTestId("env-client-MODE");
    // Each service has its own panel.
    expect(screen.queryByRole("region", { name: "Environment of web" })).toBeNull();
    await user.click(button);
    expect(screen.queryByRole("region", { name: "Environment of client" })).toBeNull();
  });
});

describe("touchesEnv", () => {
  const shown: EnvVar[] = [
    { name: "MODE", value: "dev", source: "spec", secret: false },
    { name: "NEXSOCK_TUNNEL_WEB_URL", value: "https://web-1a2b.ngrok-free.app", source: "tunnel:web", secret: false },
  ];
  const tunnel = (service: string, extra: Partial<TunnelInfo> = {}): TunnelInfo => ({
    service, provider: "ngrok", profile: "p", public_url: "https://web-1a2b.ngrok-free.app", local_port: 3000,
    status: "open", last_check_ms: 1, error: null, ...extra,
  });
  const detail = (name: string) => ({
    spec: spec(name, null),
    status: { name, state: "stopped" as const, pid: null, port: null, since_ms: null, reason: null, restarts: 0, last_exit: null, tunnel_profile: null, restart_to_apply: false, log_write_failures: 0, last_log_error: null },
  });

  it("re-reads on the service's spec and edges, and on its tunnelled dependency's URL changing", () => {
    expect(touchesEnv({ type: "ServiceUpdated", data: detail("client") }, "client", shown)).toBe(true);
    expect(touchesEnv({ type: "DependencyAdded", data: { edge: tunnelEdge("client", "api"), change: "created" } }, "client", shown)).toBe(true);
    expect(touchesEnv({ type: "DependencyRemoved", data: { service: "client", depends_on: "web" } }, "client", shown)).toBe(true);
    expect(touchesEnv({ type: "ServiceRemoved", data: { name: "web" } }, "client", shown)).toBe(true);
    expect(touchesEnv({ type: "TunnelFailed", data: tunnel("web", { status: "failed" }) }, "client", shown)).toBe(true);
    expect(touchesEnv({ type: "TunnelClosed", data: tunnel("web", { status: "closed" }) }, "client", shown)).toBe(true);
    const moved = { tunnel: tunnel("web", { public_url: "https://web-9f9f.ngrok-free.app" }), previous_url: null };
    expect(touchesEnv({ type: "TunnelRecreated", data: moved }, "client", shown)).toBe(true);
  });

  it("ignores other services, other tunnels, states, and checks of the URL shown", () => {
    expect(touchesEnv({ type: "ServiceUpdated", data: detail("web") }, "client", shown)).toBe(false);
    expect(touchesEnv({ type: "ServiceChanged", data: detail("client").status }, "client", shown)).toBe(false);
    expect(touchesEnv({ type: "DependencyAdded", data: { edge: tunnelEdge("web", "db"), change: "created" } }, "client", shown)).toBe(false);
    expect(touchesEnv({ type: "TunnelChecked", data: tunnel("web") }, "client", shown)).toBe(false);
    expect(touchesEnv({ type: "TunnelCreated", data: tunnel("api") }, "client", shown)).toBe(false);
    expect(touchesEnv({ type: "ServiceRemoved", data: { name: "api" } }, "client", shown)).toBe(false);
  });

  it("takes any tunnel change for one while the first read is under way", () => {
    expect(touchesEnv({ type: "TunnelCreated", data: tunnel("api") }, "client", null)).toBe(true);
  });
});
