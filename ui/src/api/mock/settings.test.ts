import { describe, expect, it } from "vitest";
import type { ChainRequest } from "../types/ChainRequest";
import type { Event } from "../types/Event";
import { MockApi } from "./mockApi";
import { seedDemo } from "./seed";

const chain = (roots: string[], strategy: string | null = null, max_concurrent: number | null = null): ChainRequest => ({
  roots, strategy, max_concurrent,
});

/** The demo engine, with every event it sends from now on. */
function demo() {
  const api = new MockApi();
  seedDemo(api.engine);
  const events: Event[] = [];
  api.subscribe((e) => events.push(e));
  return { api, events };
}

describe("MockApi set_login_chain", () => {
  it("has no login chain at first", async () => {
    expect((await demo().api.getSettings()).login_chain).toBeNull();
  });

  it("keeps the chain as given, answers it in get_settings and announces it with SettingsChanged", async () => {
    const { api, events } = demo();
    await api.setLoginChain(chain(["api", "web"], "sequential", 2));
    const settings = await api.getSettings();
    expect(settings.login_chain).toEqual(chain(["api", "web"], "sequential", 2));
    expect(events).toEqual([{ type: "SettingsChanged", data: settings }]);
    expect(api.engine.requests.at(-2)).toEqual({
      type: "set_login_chain", data: { chain: chain(["api", "web"], "sequential", 2) },
    });
  });

  it("takes no strategy (the default at login) and keeps it so: a later default applies", async () => {
    const { api } = demo();
    await api.setLoginChain(chain(["db"]));
    await api.setDefaultStrategy("sequential");
    expect(await api.getSettings()).toEqual({
      default_strategy: "sequential", strategies: ["sequential", "parallel-safe", "concurrent", "critical-path"],
      login_chain: chain(["db"]), custom_strategies: [],
    });
  });

  it("clears it with null, announced too", async () => {
    const { api, events } = demo();
    await api.setLoginChain(chain(["db"]));
    await api.setLoginChain(null);
    expect((await api.getSettings()).login_chain).toBeNull();
    expect(events.map((e) => e.type === "SettingsChanged" && e.data.login_chain)).toEqual([chain(["db"]), null]);
  });

  it("answers a copy: changing what it answered or what it was given changes nothing", async () => {
    const api = new MockApi();
    seedDemo(api.engine);
    const given = chain(["db"]);
    await api.engine.handle({ type: "set_login_chain", data: { chain: given } });
    given.roots.push("web");
    const answered = await api.engine.handle({ type: "get_settings" });
    if (answered.type === "settings") answered.data.login_chain?.roots.push("api");
    expect(api.engine.loginChain).toEqual(chain(["db"]));
  });

  it.each([
    ["no service", chain([]), { code: "invalid_argument", message: "name at least one service to start at login" }],
    ["an unknown service", chain(["db", "nope"]),
      { code: "unknown_service", message: "no service named `nope` (see `nexsock service list`)" }],
    ["an unknown strategy", chain(["db"], "nightly"),
      { code: "unknown_strategy", message: "unknown strategy `nightly` (known: sequential, parallel-safe, concurrent, critical-path)" }],
    ["max_concurrent 0", chain(["db"], null, 0), { code: "invalid_argument", message: "--max-concurrent must be at least 1" }],
    // Checked in the engine's order: the roots, each service, the strategy, then the bound.
    ["no service before a bad strategy", chain([], "nightly", 0), { code: "invalid_argument", message: "name at least one service to start at login" }],
    ["an unknown service before a bad strategy", chain(["nope"], "nightly", 0), { code: "unknown_service", message: "no service named `nope` (see `nexsock service list`)" }],
    ["an unknown strategy before max_concurrent 0", chain(["db"], "nightly", 0), { code: "unknown_strategy", message: "unknown strategy `nightly` (known: sequential, parallel-safe, concurrent, critical-path)" }],
  ])("refuses %s, changing nothing and announcing nothing", async (_, refused, error) => {
    const { api, events } = demo();
    await api.setLoginChain(chain(["web"]));
    events.length = 0;
    await expect(api.setLoginChain(refused)).rejects.toEqual(error);
    expect((await api.getSettings()).login_chain).toEqual(chain(["web"]));
    expect(events).toEqual([]);
  });

  it("accepts a strategy registered by name, and keeps naming a service removed since", async () => {
    const { api } = demo();
    api.engine.strategies.push("nightly");
    await api.setLoginChain(chain(["web"], "nightly"));
    await api.stopService("web", false);
    await api.removeService("web");
    expect((await api.getSettings()).login_chain).toEqual(chain(["web"], "nightly"));
  });
});

describe("MockApi add_strategy and remove_strategy", () => {
  const spec = (name: string, base = "concurrent") => ({ name, base, priority: ["db"], max_concurrent: 2 });

  it("declares a strategy, lists it after the built-ins and announces it", async () => {
    const { api, events } = demo();
    await api.addStrategy(spec("db-first"));
    const settings = await api.getSettings();
    expect(settings.strategies).toEqual(["sequential", "parallel-safe", "concurrent", "critical-path", "db-first"]);
    expect(settings.custom_strategies).toEqual([spec("db-first")]);
    expect(events.at(-1)).toEqual({ type: "SettingsChanged", data: settings });
  });

  it.each([
    [spec("bad name"), "invalid_name", "name"],
    [{ ...spec("p"), priority: ["no good"] }, "invalid_name", "priority"],
    [spec("x", "fastest"), "unknown_strategy", "base"],
    [spec("concurrent"), "duplicate_strategy", "name"],
    [{ ...spec("z"), max_concurrent: 0 }, "invalid_argument", "max_concurrent"],
  ])("refuses %j with %s at %s and stores nothing", async (bad, code, field) => {
    const { api, events } = demo();
    await expect(api.addStrategy(bad)).rejects.toMatchObject({ code, field });
    expect((await api.getSettings()).custom_strategies).toEqual([]);
    expect(events).toEqual([]);
  });

  it("removes only a declared strategy; the default falls back to the built-in one", async () => {
    const { api } = demo();
    await api.addStrategy(spec("db-first"));
    await api.setDefaultStrategy("db-first");
    await expect(api.removeStrategy("sequential")).rejects.toMatchObject({ code: "invalid_argument" });
    await expect(api.removeStrategy("ghost")).rejects.toMatchObject({ code: "unknown_strategy" });
    await api.removeStrategy("db-first");
    const settings = await api.getSettings();
    expect([settings.default_strategy, settings.custom_strategies]).toEqual(["concurrent", []]);
  });
});
