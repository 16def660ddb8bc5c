import { describe, expect, it } from "vitest";
import type { Event } from "../types/Event";
import { MockApi } from "./mockApi";
import { seedDemo, spec } from "./seed";
import { checkTunnel, checkTunnels, failTunnel, publicUrl, recreateTunnel } from "./tunnels";

function demo(now = 1_000) {
  const api = new MockApi({ now: () => now });
  seedDemo(api.engine);
  api.engine.tunnels = [];
  const events: Event[] = [];
  api.subscribe((e) => events.push(e));
  return { api, events };
}

describe("MockApi tunnels", () => {
  it("opens a tunnel with the default profile and announces it", async () => {
    const { api, events } = demo();
    const tunnel = await api.openTunnel("web", null);
    expect(tunnel).toMatchObject({
      service: "web", provider: "ngrok", profile: "personal", local_port: 3000, status: "open", last_check_ms: 1_000, error: null,
    });
    expect(tunnel.public_url).toMatch(/^https:\/\/web-[0-9a-f]{4}\.ngrok-free\.app$/);
    expect(events).toContainEqual({ type: "TunnelCreated", data: tunnel });
    expect(await api.listTunnels()).toEqual([tunnel]);
  });

  it("uses the service's own profile before the default", async () => {
    const { api } = demo();
    await api.configureService("web", "staging");
    expect(await api.openTunnel("web", null)).toMatchObject({ profile: "staging", provider: "cloudflared" });
  });

  it("answers an open tunnel again without re-opening it", async () => {
    const { api, events } = demo();
    const first = await api.openTunnel("web", "personal");
    expect(await api.openTunnel("web", "personal")).toEqual(first);
    expect(events.filter((e) => e.type === "TunnelCreated")).toHaveLength(1);
  });

  it.each([
    ["an unknown service", "nope", null, "unknown_service", "no service named `nope` (see `nexsock service list`)"],
    ["an unknown profile", "web", "ghost", "invalid_profile", "no profile named `ghost` (see `nexsock profile list`)"],
  ])("refuses %s", async (_what, service, profile, code, message) => {
    const { api } = demo();
    await expect(api.openTunnel(service, profile)).rejects.toEqual({ code, message });
    expect(await api.listTunnels()).toEqual([]);
  });

  it("refuses a service without a port, as the engine does", async () => {
    const { api } = demo();
    await api.addService(spec("worker", null));
    await expect(api.openTunnel("worker", null)).rejects.toEqual({
      code: "tunnel_failed", message: "service `worker` has no port to expose: set one with --port",
    });
  });

  it("refuses when there is no profile at all", async () => {
    const api = new MockApi();
    await api.addService(spec("web", 3000));
    await expect(api.openTunnel("web", null)).rejects.toMatchObject({ code: "invalid_profile", message: expect.stringMatching(/^no tunnel profile/) });
  });

  it("keeps a tunnel that failed to open, as failed, and says why", async () => {
    const { api, events } = demo();
    await expect(api.openTunnel("web", "work")).rejects.toMatchObject({
      code: "tunnel_failed", message: expect.stringMatching(/^cannot open a tunnel for `web`: ngrok: authentication failed/),
    });
    const [failed] = await api.listTunnels();
    expect(failed).toMatchObject({ service: "web", status: "failed", public_url: null, error: expect.stringContaining("ERR_NGROK_4018") });
    expect(events.map((e) => e.type)).toEqual(["TunnelFailed"]);
  });

  it("fails a tunnel on demand and re-creates it under a new URL", async () => {
    const { api, events } = demo();
    const open = await api.openTunnel("web", "personal");
    failTunnel(api.engine, "web", "the agent exited");
    expect((await api.listTunnels())[0]).toMatchObject({ status: "failed", error: "the agent exited" });
    const again = recreateTunnel(api.engine, "web");
    expect(again).toMatchObject({ status: "open", error: null });
    expect(events.at(-1)).toEqual({ type: "TunnelRecreated", data: { tunnel: again, previous_url: open.public_url } });
  });

  it("re-opens a failed tunnel as a re-creation naming the old URL", async () => {
    const { api, events } = demo();
    const open = await api.openTunnel("web", "personal");
    failTunnel(api.engine, "web", "the agent exited");
    const again = await api.openTunnel("web", "personal");
    expect(events.at(-1)).toEqual({ type: "TunnelRecreated", data: { tunnel: again, previous_url: open.public_url } });
  });

  it("closes a tunnel: it leaves the list with TunnelClosed; closing again is refused", async () => {
    const { api, events } = demo();
    const open = await api.openTunnel("web", null);
    await api.closeTunnel("web");
    expect(await api.listTunnels()).toEqual([]);
    expect(events.at(-1)).toEqual({ type: "TunnelClosed", data: { ...open, status: "closed" } });
    await expect(api.closeTunnel("web")).rejects.toEqual({ code: "tunnel_failed", message: "`web` has no tunnel open" });
    await expect(api.closeTunnel("nope")).rejects.toMatchObject({ code: "unknown_service" });
  });

  it("passes health checks with TunnelChecked, moving only the check time on", async () => {
    let now = 1_000;
    const api = new MockApi({ now: () => now });
    seedDemo(api.engine);
    const events: Event[] = [];
    api.subscribe((e) => events.push(e));
    const [before] = await api.listTunnels();
    now = 6_000;
    // Reading the list checks nothing: only the engine's health checks move the time on.
    expect((await api.listTunnels())[0].last_check_ms).toBe(1_000);
    const checked = checkTunnel(api.engine, "api");
    expect(checked).toEqual({ ...before, last_check_ms: 6_000 });
    expect(events).toEqual([{ type: "TunnelChecked", data: checked }]);
    expect(await api.listTunnels()).toEqual([checked]);
  });

  it("checks only open tunnels", async () => {
    const { api, events } = demo();
    await api.openTunnel("web", "personal");
    await expect(api.openTunnel("db", "work")).rejects.toMatchObject({ code: "tunnel_failed" });
    events.length = 0;
    checkTunnels(api.engine);
    expect(events.map((e) => [e.type, "data" in e && "service" in e.data ? e.data.service : null])).toEqual([["TunnelChecked", "web"]]);
    expect(checkTunnel(api.engine, "db")).toBeUndefined();
  });

  it("closes a service's tunnel when the service is stopped, not when it restarts", async () => {
    const { api, events } = demo();
    await api.openTunnel("web", "personal");
    await api.restartService("web", false);
    expect(await api.listTunnels()).toHaveLength(1);
    expect(events.some((e) => e.type === "TunnelClosed")).toBe(false);
    await api.stopService("web", false);
    expect(await api.listTunnels()).toEqual([]);
    expect(events.filter((e) => e.type === "TunnelClosed")).toMatchObject([{ data: { service: "web", status: "closed" } }]);
  });

  it("shapes URLs like each provider", () => {
    expect(publicUrl("api", { name: "s", provider: "cloudflared" })).toMatch(/^https:\/\/[a-z]+-[a-z]+-[a-z]+\.trycloudflare\.com$/);
    expect(publicUrl("api", { name: "l", provider: "localtunnel" })).toMatch(/^https:\/\/[a-z]+-api-[0-9a-f]{2}\.loca\.lt$/);
    expect(publicUrl("api", { name: "b", provider: "bore", server: "bore.example.com" })).toMatch(/^http:\/\/bore\.example\.com:\d+$/);
    expect(publicUrl("api", { name: "n", provider: "ngrok", url: "https://mine.ngrok.app" })).toBe("https://mine.ngrok.app");
  });
});
