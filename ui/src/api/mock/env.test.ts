import { describe, expect, it } from "vitest";
import type { EnvVar } from "../types/EnvVar";
import { MockApi } from "./mockApi";
import { seedDemo, spec } from "./seed";
import { failTunnel } from "./tunnels";
import { clientStack, tunnelEdge } from "../../test/envStack";


const byName = (vars: EnvVar[], name: string) => vars.find((v) => v.name === name);

describe("MockApi service_env", () => {
  it("previews the next start: spec variables, the secret masked, tunnel variables unknown, nexsock's own", async () => {
    const api = await clientStack();
    expect(await api.serviceEnv("client", false)).toEqual([
      { name: "MODE", value: "dev", source: "spec", secret: false },
      { name: "STRIPE_API_KEY", value: null, source: "spec", secret: true },
      { name: "NEXSOCK_TUNNEL_WEB_URL", value: null, source: "tunnel:web", secret: false },
      { name: "WEB_PUBLIC", value: null, source: "tunnel:web", secret: false },
      { name: "NEXSOCK_SERVICE", value: "client", source: "nexsock", secret: false },
      { name: "NEXSOCK_RUN", value: null, source: "nexsock", secret: false },
    ]);
    expect(api.engine.requests.at(-1)).toEqual({ type: "service_env", data: { name: "client", reveal: false } });
  });

  it("reveals a secret's value only when asked to, still marked secret", async () => {
    const api = await clientStack();
    expect(byName(await api.serviceEnv("client", true), "STRIPE_API_KEY")).toEqual({
      name: "STRIPE_API_KEY", value: "sk_live_abc123", source: "spec", secret: true,
    });
    expect(byName(await api.serviceEnv("client", false), "STRIPE_API_KEY")?.value).toBeNull();
  });

  it("gives the tunnel's URL under both names while it is open, and none once it failed or closed", async () => {
    const api = await clientStack();
    const tunnel = await api.openTunnel("web", null);
    expect(tunnel.public_url).toMatch(/^https:\/\/web-[0-9a-f]{4}\.ngrok-free\.app$/);
    const open = await api.serviceEnv("client", false);
    expect(byName(open, "NEXSOCK_TUNNEL_WEB_URL")).toEqual({
      name: "NEXSOCK_TUNNEL_WEB_URL", value: tunnel.public_url, source: "tunnel:web", secret: false,
    });
    expect(byName(open, "WEB_PUBLIC")?.value).toBe(tunnel.public_url);
    failTunnel(api.engine, "web", "connection lost");
    expect(byName(await api.serviceEnv("client", false), "NEXSOCK_TUNNEL_WEB_URL")?.value).toBeNull();
    await api.openTunnel("web", null);
    await api.closeTunnel("web");
    expect(byName(await api.serviceEnv("client", false), "WEB_PUBLIC")?.value).toBeNull();
  });

  it("injects nothing for an edge without a tunnel, and orders tunnelled dependencies by name", async () => {
    const api = await clientStack();
    await api.addService(spec("auth", 4000));
    await api.addService(spec("cache", 6379));
    await api.addDependency(tunnelEdge("client", "cache", { tunnel_mode: "none" }));
    await api.addDependency(tunnelEdge("client", "auth", { tunnel_mode: "optional" }));
    const vars = await api.serviceEnv("client", false);
    expect(vars.filter((v) => v.source.startsWith("tunnel:")).map((v) => [v.name, v.source])).toEqual([
      ["NEXSOCK_TUNNEL_AUTH_URL", "tunnel:auth"],
      ["NEXSOCK_TUNNEL_WEB_URL", "tunnel:web"],
      ["WEB_PUBLIC", "tunnel:web"],
    ]);
    // Only the dependent gets its dependencies' URLs.
    expect((await api.serviceEnv("web", false)).map((v) => v.name)).toEqual(["NEXSOCK_SERVICE", "NEXSOCK_RUN"]);
  });

  it("refuses an unknown service as the engine does", async () => {
    await expect(new MockApi().serviceEnv("nope", false)).rejects.toEqual({
      code: "unknown_service", message: "no service named `nope` (see `nexsock service list`)",
    });
  });

  it("gives the demo's web the open tunnel of api", async () => {
    const api = new MockApi();
    seedDemo(api.engine);
    const url = api.engine.tunnels.find((t) => t.service === "api")?.public_url;
    const vars = await api.serviceEnv("web", false);
    expect(byName(vars, "NEXSOCK_TUNNEL_API_URL")?.value).toBe(url);
    expect(byName(vars, "SESSION_SECRET")).toMatchObject({ value: null, secret: true });
  });
});
