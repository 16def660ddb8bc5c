import { describe, expect, it } from "vitest";
import { BridgeApi, MemoryAutostart } from "./bridge";
import type { Request } from "./types/Request";
import type { Response } from "./types/Response";
import type { TunnelInfo } from "./types/TunnelInfo";

const TUNNEL: TunnelInfo = {
  service: "web", provider: "ngrok", profile: "p", public_url: "https://web-1a2b.ngrok-free.app", local_port: 3000,
  status: "open", last_check_ms: 1, error: null,
};

/** A bridge whose engine answers `response` and records what it was sent. */
function bridge(response: Response) {
  const sent: Request[] = [];
  const send = async (request: Request) => {
    sent.push(request);
    return response;
  };
  return { api: new BridgeApi(send, () => () => {}), sent };
}

describe("BridgeApi tunnels, profiles and settings", () => {
  it("opens and closes tunnels", async () => {
    const { api, sent } = bridge({ type: "tunnel", data: TUNNEL });
    await expect(api.openTunnel("web", null)).resolves.toEqual(TUNNEL);
    await api.closeTunnel("web");
    expect(sent).toEqual([
      { type: "open_tunnel", data: { service: "web", profile: null } },
      { type: "close_tunnel", data: { service: "web" } },
    ]);
  });

  it("sends the profile requests and expects `done`", async () => {
    const { api, sent } = bridge({ type: "done" });
    await api.addProfile({ name: "p", provider: "ngrok", url: "https://p.ngrok.app" });
    await api.removeProfile("p");
    await api.setProfileToken("p", "tok");
    await api.setDefaultProfile("p");
    await api.setDefaultStrategy("sequential");
    expect(sent).toEqual([
      { type: "add_profile", data: { name: "p", provider: "ngrok", url: "https://p.ngrok.app" } },
      { type: "remove_profile", data: { name: "p" } },
      { type: "set_profile_token", data: { name: "p", token: "tok" } },
      { type: "set_default_profile", data: { name: "p" } },
      { type: "set_default_strategy", data: { strategy: "sequential" } },
    ]);
  });

  it("reads the settings", async () => {
    const settings = {
      default_strategy: "concurrent", strategies: ["concurrent"],
      login_chain: { roots: ["db"], strategy: null, max_concurrent: null },
      custom_strategies: [{ name: "pinned", base: "concurrent", priority: ["db"] }],
    };
    const { api, sent } = bridge({ type: "settings", data: settings });
    await expect(api.getSettings()).resolves.toEqual(settings);
    expect(sent).toEqual([{ type: "get_settings" }]);
    await expect(bridge({ type: "done" }).api.getSettings()).rejects.toMatchObject({ code: "internal" });
  });

  it("sets and clears the login chain, expecting `done`", async () => {
    const { api, sent } = bridge({ type: "done" });
    await api.setLoginChain({ roots: ["db", "api"], strategy: "sequential", max_concurrent: null });
    await api.setLoginChain(null);
    expect(sent).toEqual([
      { type: "set_login_chain", data: { chain: { roots: ["db", "api"], strategy: "sequential", max_concurrent: null } } },
      { type: "set_login_chain", data: { chain: null } },
    ]);
    await expect(bridge({ type: "settings", data: { default_strategy: "concurrent", strategies: [], login_chain: null, custom_strategies: [] } })
      .api.setLoginChain(null)).rejects.toMatchObject({ code: "internal" });
  });
});

describe("BridgeApi autostart", () => {
  it("asks the start at login it was given, sending no request", async () => {
    const asked: (boolean | null)[] = [];
    const sent: Request[] = [];
    const send = async (request: Request): Promise<Response> => {
      sent.push(request);
      return { type: "done" };
    };
    const autostart = async (enabled: boolean | null) => {
      asked.push(enabled);
      return enabled === true;
    };
    const api = new BridgeApi(send, () => () => {}, undefined, autostart);
    await expect(api.autostart(null)).resolves.toBe(false);
    await expect(api.autostart(true)).resolves.toBe(true);
    expect(asked).toEqual([null, true]);
    expect(sent).toEqual([]);
  });

  it("keeps it in memory without the app: off at first, then as last set; a failure as the shell words it", async () => {
    const { api } = bridge({ type: "done" });
    await expect(api.autostart(null)).resolves.toBe(false);
    await expect(api.autostart(true)).resolves.toBe(true);
    await expect(api.autostart(null)).resolves.toBe(true);
    await expect(api.autostart(false)).resolves.toBe(false);
    const memory = new MemoryAutostart();
    memory.error = "no autostart entry can be written";
    await expect(memory.call(true)).rejects.toEqual({
      code: "internal", message: "cannot change the start at login: no autostart entry can be written",
    });
    expect(memory.enabled).toBe(false);
    expect(memory.calls).toEqual([true]);
  });
});

describe("BridgeApi service_env", () => {
  it("asks for a service's environment, revealed or not, and expects `env`", async () => {
    const vars = [{ name: "STRIPE_API_KEY", value: null, source: "spec", secret: true }];
    const { api, sent } = bridge({ type: "env", data: vars });
    await expect(api.serviceEnv("client", false)).resolves.toEqual(vars);
    await api.serviceEnv("client", true);
    expect(sent).toEqual([
      { type: "service_env", data: { name: "client", reveal: false } },
      { type: "service_env", data: { name: "client", reveal: true } },
    ]);
    await expect(bridge({ type: "done" }).api.serviceEnv("client", false)).rejects.toMatchObject({ code: "internal" });
  });
});
