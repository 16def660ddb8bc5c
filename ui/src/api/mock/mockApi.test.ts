import { describe, expect, it } from "vitest";
import type { DependencySpec } from "../types/DependencySpec";
import type { Event } from "../types/Event";
import { MockApi } from "./mockApi";
import { spec } from "./seed";

const edge = (service: string, depends_on: string): DependencySpec => ({
  service, depends_on, condition: null, required: true, tunnel_mode: "none",
  timeout_secs: null, health_path: null, env_alias: null, restart_on_new_url: true,
});

async function chainOf(...names: string[]) {
  const api = new MockApi();
  for (const name of names) await api.addService(spec(name, null));
  for (let i = 0; i + 1 < names.length; i++) await api.addDependency(edge(names[i + 1], names[i]));
  return api;
}

describe("MockApi validation", () => {
  it.each([["", "invalid_name"], ["has space", "invalid_name"], ["x".repeat(65), "invalid_name"]])(
    "refuses the name %j with %s",
    async (name, code) => {
      await expect(new MockApi().addService(spec(name, null))).rejects.toMatchObject({ code });
    },
  );

  it("accepts a 64-character name of letters, digits, - and _", async () => {
    const name = "a-b_9".padEnd(64, "z");
    await expect(new MockApi().addService(spec(name, null))).resolves.toMatchObject({ spec: { name } });
  });

  it.each([0, 65536, -1])("refuses port %d with invalid_port", async (port) => {
    await expect(new MockApi().addService(spec("web", port))).rejects.toMatchObject({ code: "invalid_port" });
  });

  it("refuses a duplicate name", async () => {
    const api = new MockApi();
    await api.addService(spec("web", 3000));
    await expect(api.addService(spec("web", 3001))).rejects.toMatchObject({
      code: "duplicate_service", message: "a service named `web` already exists",
    });
  });

  it("refuses a tcp health check without a port", async () => {
    const api = new MockApi();
    await expect(api.addService(spec("db", null, { health: { kind: "tcp" } }))).rejects.toMatchObject({
      code: "invalid_health_check",
    });
  });

  it.each(["/a b", "/x\r\nHost: evil"])("refuses the http path %j like the engine", async (path) => {
    const api = new MockApi();
    await expect(api.addService(spec("web", 3000, { health: { kind: "http", path } }))).rejects.toEqual({
      code: "invalid_health_check", message: `http path \`${path}\` must not contain spaces or control characters`,
    });
    expect(await api.listServices()).toEqual([]);
  });
});

describe("MockApi dependencies", () => {
  it("refuses a cycle and names its path", async () => {
    const api = await chainOf("a", "b");
    await expect(api.addDependency(edge("a", "b"))).rejects.toEqual({
      code: "dependency_cycle", message: "dependency cycle: a -> b -> a",
    });
  });

  it("names a longer cycle starting at the new edge's dependent", async () => {
    const api = await chainOf("db", "api", "web");
    await expect(api.addDependency(edge("db", "web"))).rejects.toMatchObject({
      message: "dependency cycle: db -> web -> api -> db",
    });
  });

  it("refuses a service depending on itself", async () => {
    const api = await chainOf("a");
    await expect(api.addDependency(edge("a", "a"))).rejects.toMatchObject({ code: "dependency_cycle" });
  });

  it("resolves the default condition and exports the edge", async () => {
    const api = await chainOf("db", "api");
    const stack = await api.exportStack();
    expect(stack.services.api.depends_on).toEqual({ db: expect.objectContaining({ condition: "started" }) });
    await api.removeDependency("api", "db");
    expect((await api.exportStack()).services.api.depends_on).toEqual({});
  });

  it("starts a chain in dependency order and emits events", async () => {
    const api = await chainOf("db", "api", "web");
    const events: Event[] = [];
    api.subscribe((e) => events.push(e));
    const report = await api.startChain({ roots: ["web"], strategy: "sequential", max_concurrent: null });
    expect(report).toMatchObject({ status: "completed", strategy: "sequential", critical_chain: ["db", "api", "web"] });
    expect(report.services.map((s) => s.name)).toEqual(["db", "api", "web"]);
    expect((await api.listServices()).every((s) => s.state === "ready")).toBe(true);
    expect(events.some((e) => e.type === "ExecutionFinished")).toBe(true);
  });

  it("skips the dependents of a failed hard dependency", async () => {
    const api = await chainOf("db", "api");
    api.engine.failing.set("db", "exited with code 1");
    const report = await api.startChain({ roots: ["api"], strategy: "concurrent", max_concurrent: null });
    expect(report.status).toBe("failed");
    expect(report.services.map((s) => s.state)).toEqual(["failed", "skipped"]);
  });

  it("applies an edited service and keeps its dependencies", async () => {
    const api = await chainOf("db", "api");
    const stack = await api.exportStack();
    await api.applyStack({ services: { api: { ...stack.services.api, port: 9000 } } });
    expect((await api.exportStack()).services.api).toMatchObject({ port: 9000, depends_on: { db: {} } });
  });
});

describe("MockApi events", () => {
  /** A mock with `db` and `api` (api depends on db), recording the events that follow. */
  async function recorded() {
    const api = await chainOf("db", "api");
    const events: Event[] = [];
    api.subscribe((e) => events.push(e));
    return { api, events };
  }

  it("announces an added service with ServiceAdded, carrying its spec and status", async () => {
    const { api, events } = await recorded();
    const detail = await api.addService(spec("web", 3000));
    expect(events).toEqual([{ type: "ServiceAdded", data: detail }]);
    expect(detail.status).toMatchObject({ name: "web", state: "stopped", port: 3000 });
    await expect(api.addService(spec("web", 3001))).rejects.toMatchObject({ code: "duplicate_service" });
    expect(events).toHaveLength(1);
  });

  it("announces a removed service with ServiceRemoved, its edges gone with it", async () => {
    const { api, events } = await recorded();
    await api.removeService("db");
    expect(events).toEqual([{ type: "ServiceRemoved", data: { name: "db" } }]);
    expect(api.engine.edges).toEqual([]);
  });

  it("announces nothing when a busy service cannot be removed", async () => {
    const { api, events } = await recorded();
    await api.startService("db");
    events.length = 0;
    await expect(api.removeService("db")).rejects.toMatchObject({ code: "service_busy" });
    expect(events).toEqual([]);
  });

  it("announces created and updated edges with DependencyAdded, and nothing for an unchanged one", async () => {
    const { api, events } = await recorded();
    await api.addService(spec("web", null));
    events.length = 0;
    const created = await api.addDependency(edge("web", "api"));
    await api.addDependency(edge("web", "api"));
    const updated = await api.addDependency({ ...created, required: false });
    expect(events).toEqual([
      { type: "DependencyAdded", data: { edge: created, change: "created" } },
      { type: "DependencyAdded", data: { edge: updated, change: "updated" } },
    ]);
    expect(created.condition).toBe("started");
  });

  it("announces nothing for a refused edge", async () => {
    const { api, events } = await recorded();
    await expect(api.addDependency(edge("db", "api"))).rejects.toMatchObject({ code: "dependency_cycle" });
    await expect(api.removeDependency("db", "api")).rejects.toMatchObject({ code: "unknown_dependency" });
    expect(events).toEqual([]);
  });

  it("announces a removed edge with DependencyRemoved", async () => {
    const { api, events } = await recorded();
    await api.removeDependency("api", "db");
    expect(events).toEqual([{ type: "DependencyRemoved", data: { service: "api", depends_on: "db" } }]);
  });

  it("announces a service's new tunnel profile with ServiceChanged, then ServiceUpdated", async () => {
    const { api, events } = await recorded();
    await api.addProfile({ name: "p", provider: "cloudflared" });
    events.length = 0;
    await api.configureService("api", "p");
    const status = (await api.listServices()).find((s) => s.name === "api")!;
    expect(status.tunnel_profile).toBe("p");
    expect(events).toEqual([
      { type: "ServiceChanged", data: status },
      { type: "ServiceUpdated", data: { spec: api.engine.service("api").spec, status } },
    ]);
  });

  it("announces what apply changed: each declared service, and each edge created, updated or removed", async () => {
    const { api, events } = await recorded();
    await api.addService(spec("cache", null));
    events.length = 0;
    const stack = await api.exportStack();
    const report = await api.applyStack({
      services: {
        api: { ...stack.services.api, port: 9000, depends_on: { cache: {} } },
        db: stack.services.db,
        worker: { command: "./work", depends_on: ["db"] },
      },
    });
    expect(report.dependencies).toEqual([
      { service: "api", depends_on: "cache", change: "created" },
      { service: "api", depends_on: "db", change: "removed" },
      { service: "worker", depends_on: "db", change: "created" },
    ]);
    expect(events.map((e) => e.type)).toEqual([
      "ServiceUpdated", "ServiceUpdated", "ServiceAdded", "DependencyAdded", "DependencyRemoved", "DependencyAdded",
    ]);
    expect(events[0]).toMatchObject({ data: { spec: { name: "api", port: 9000 }, status: { port: 9000 } } });
    expect(events[4]).toEqual({ type: "DependencyRemoved", data: { service: "api", depends_on: "db" } });
    expect(events[5]).toMatchObject({ data: { edge: { service: "worker", depends_on: "db", condition: "started" }, change: "created" } });
  });

  it("announces nothing when apply refuses the stack", async () => {
    const { api, events } = await recorded();
    const stack = await api.exportStack();
    await expect(api.applyStack({ services: { db: { ...stack.services.db, depends_on: ["api"] } } }))
      .rejects.toMatchObject({ code: "dependency_cycle" });
    expect(events).toEqual([]);
  });
});
