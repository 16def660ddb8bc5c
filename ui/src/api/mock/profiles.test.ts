import { describe, expect, it } from "vitest";
import type { Event } from "../types/Event";
import type { ProfileSpec } from "../types/ProfileSpec";
import { MockApi } from "./mockApi";
import { spec } from "./seed";

const profile = (name: string, provider: string, extra: Partial<ProfileSpec> = {}): ProfileSpec => ({
  name, provider, url: null, server: null, binary: null, ...extra,
});

describe("MockApi profiles", () => {
  it("makes the first profile the default and keeps it when more are added", async () => {
    const api = new MockApi();
    await api.addProfile(profile("b", "cloudflared"));
    await api.addProfile(profile("a", "ngrok", { url: "https://a.ngrok.app" }));
    expect(await api.listProfiles()).toEqual([
      { spec: profile("a", "ngrok", { url: "https://a.ngrok.app" }), is_default: false, token_set: false },
      { spec: profile("b", "cloudflared"), is_default: true, token_set: false },
    ]);
  });

  it.each([
    [profile("has space", "ngrok"), "invalid profile name `has space`: use letters, digits, `-` and `_`"],
    [profile("b", "bore"), "profile `b`: a bore profile needs --server HOST"],
    [profile("c", "cloudflared", { server: "bore.example.com" }), "profile `c`: --server is for bore profiles, not cloudflared"],
    [profile("n", "ngrok", { server: "x" }), "profile `n`: --server is for bore profiles, not ngrok"],
    [profile("u", "ngrok", { url: "ftp://x" }), "profile `u`: url `ftp://x` must start with https:// or http://"],
    [profile("v", "my-vpn"), "no tunnel provider `my-vpn` in this build (available: bore, cloudflared, command, localtunnel, ngrok)"],
  ])("refuses %j", async (spec, message) => {
    await expect(new MockApi().addProfile(spec)).rejects.toEqual({ code: "invalid_profile", message });
  });

  it.each([
    [{ command: "tool --port 80", url_pattern: "(https://\\S+)" }, "command"],
    [{ command: "tool --port {port}" }, "url_pattern"],
    [{ command: "tool --port {port}", url_pattern: "(unclosed" }, "url_pattern"],
    [{ command: "tool --port {port}", url_pattern: "x", token_env: "NOT-A-NAME" }, "token_env"],
  ])("refuses the command profile %j naming its field", async (extra, field) => {
    const api = new MockApi();
    await expect(api.addProfile(profile("c", "command", extra))).rejects.toMatchObject({ code: "invalid_profile", field });
    expect(await api.listProfiles()).toEqual([]);
  });

  it("accepts a command profile with its template, pattern and token variable", async () => {
    const api = new MockApi();
    const spec = profile("c", "command", { command: "ssh -R 80:{host}:{port} nokey@localhost.run", url_pattern: "(https://\\S+)", token_env: "RUN_TOKEN" });
    await api.addProfile(spec);
    expect((await api.listProfiles())[0].spec).toEqual(spec);
  });

  it("accepts a custom provider once it is registered", async () => {
    const api = new MockApi();
    api.engine.providers.push("my-vpn");
    await api.addProfile(profile("v", "my-vpn", { server: "vpn.example.com" }));
    expect((await api.listProfiles())[0].spec.provider).toBe("my-vpn");
  });

  it("stores a token without ever answering it", async () => {
    const api = new MockApi();
    await api.addProfile(profile("p", "ngrok"));
    await api.setProfileToken("p", "  tok-123 ");
    expect(await api.listProfiles()).toEqual([{ spec: profile("p", "ngrok"), is_default: true, token_set: true }]);
    expect(JSON.stringify(await api.listProfiles())).not.toContain("tok-123");
    expect(api.engine.secrets.get("p")).toBe("tok-123");
  });

  it("refuses a token for an unknown profile, an empty token, and a broken keyring", async () => {
    const api = new MockApi();
    await expect(api.setProfileToken("ghost", "t")).rejects.toEqual({
      code: "invalid_profile", message: "no profile named `ghost` (see `nexsock profile list`)",
    });
    await api.addProfile(profile("p", "ngrok"));
    await expect(api.setProfileToken("p", "  ")).rejects.toEqual({ code: "invalid_profile", message: "the token is empty" });
    api.engine.keyringError = "no Secret Service";
    await expect(api.setProfileToken("p", "t")).rejects.toMatchObject({ code: "keyring" });
    expect((await api.listProfiles())[0].token_set).toBe(false);
  });

  it("keeps the token and default mark when a profile is replaced", async () => {
    const api = new MockApi();
    await api.addProfile(profile("p", "ngrok"));
    await api.setProfileToken("p", "t");
    await api.addProfile(profile("p", "ngrok", { binary: "/opt/ngrok" }));
    expect((await api.listProfiles())[0]).toMatchObject({ spec: { binary: "/opt/ngrok" }, is_default: true, token_set: true });
  });

  it("moves the default, and removing the default leaves none", async () => {
    const api = new MockApi();
    await api.addProfile(profile("a", "ngrok"));
    await api.addProfile(profile("b", "cloudflared"));
    await api.setDefaultProfile("b");
    expect((await api.listProfiles()).map((p) => p.is_default)).toEqual([false, true]);
    await api.setProfileToken("b", "t");
    await api.removeProfile("b");
    expect(await api.listProfiles()).toEqual([{ spec: profile("a", "ngrok"), is_default: false, token_set: false }]);
    expect(api.engine.secrets.has("b")).toBe(false);
    await expect(api.removeProfile("b")).rejects.toMatchObject({ code: "invalid_profile" });
    await expect(api.setDefaultProfile("b")).rejects.toMatchObject({ code: "invalid_profile" });
  });
});

describe("MockApi profile events", () => {
  /** A mock with profile `a`, recording the events that follow. */
  async function recorded() {
    const api = new MockApi();
    await api.addProfile(profile("a", "ngrok"));
    const events: string[] = [];
    api.subscribe((e) => events.push(e.type));
    return { api, events };
  }

  it("announces each change with ProfilesChanged, as the engine does", async () => {
    const { api, events } = await recorded();
    await api.addProfile(profile("b", "cloudflared"));
    await api.addProfile(profile("b", "cloudflared", { binary: "/opt/cloudflared" }));
    await api.setProfileToken("a", "t");
    await api.setDefaultProfile("b");
    await api.removeProfile("a");
    expect(events).toEqual(Array(5).fill("ProfilesChanged"));
  });

  it("announces nothing for a refused change", async () => {
    const { api, events } = await recorded();
    api.engine.keyringError = "no Secret Service";
    await expect(api.addProfile(profile("b", "bore"))).rejects.toMatchObject({ code: "invalid_profile" });
    await expect(api.setProfileToken("a", "t")).rejects.toMatchObject({ code: "keyring" });
    await expect(api.setDefaultProfile("ghost")).rejects.toMatchObject({ code: "invalid_profile" });
    await expect(api.removeProfile("ghost")).rejects.toMatchObject({ code: "invalid_profile" });
    expect(events).toEqual([]);
  });
});

describe("MockApi settings", () => {
  it("answers the strategies and the default, and changes the default", async () => {
    const api = new MockApi();
    expect(await api.getSettings()).toEqual({
      default_strategy: "concurrent", strategies: ["sequential", "parallel-safe", "concurrent", "critical-path"],
      login_chain: null, custom_strategies: [],
    });
    await api.setDefaultStrategy("sequential");
    expect((await api.getSettings()).default_strategy).toBe("sequential");
  });

  it("announces a new default with SettingsChanged, carrying the settings", async () => {
    const api = new MockApi();
    const events: Event[] = [];
    api.subscribe((e) => events.push(e));
    await api.setDefaultStrategy("critical-path");
    await expect(api.setDefaultStrategy("fastest")).rejects.toMatchObject({ code: "unknown_strategy" });
    expect(events).toEqual([{ type: "SettingsChanged", data: await api.getSettings() }]);
    expect(events[0]).toMatchObject({ data: { default_strategy: "critical-path" } });
  });

  it("refuses an unknown strategy", async () => {
    await expect(new MockApi().setDefaultStrategy("fastest")).rejects.toEqual({
      code: "unknown_strategy", message: "unknown strategy `fastest` (known: sequential, parallel-safe, concurrent, critical-path)",
    });
  });

  it("starts chains that name no strategy with the default", async () => {
    const api = new MockApi();
    await api.addService(spec("a", null));
    await api.setDefaultStrategy("sequential");
    const report = await api.startChain({ roots: ["a"], strategy: null, max_concurrent: null });
    expect(report.strategy).toBe("sequential");
  });
});
