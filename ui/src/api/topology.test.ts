import { describe, expect, it } from "vitest";
import { MockApi } from "./mock/mockApi";
import { seedDemo, spec } from "./mock/seed";
import { followTopology, topologyOf, type Topology } from "./topology";
import type { DependencySpec } from "./types/DependencySpec";
import type { Event } from "./types/Event";

const edge = (service: string, depends_on: string, extra: Partial<DependencySpec> = {}): DependencySpec => ({
  service, depends_on, condition: "started", required: true, tunnel_mode: "none",
  timeout_secs: null, health_path: null, env_alias: null, restart_on_new_url: true, ...extra,
});

const status = (name: string, port: number | null) => ({
  name, state: "stopped" as const, pid: null, port, since_ms: null, reason: null, restarts: 0, last_exit: null,
  tunnel_profile: null, restart_to_apply: false, log_write_failures: 0, last_log_error: null,
});

const BASE: Topology = {
  services: { db: { port: 5432 }, api: { port: 8080 }, web: { port: 3000 } },
  edges: [edge("api", "db"), edge("web", "api")],
};

const pairs = (t: Topology) => t.edges.map((e) => `${e.service}->${e.depends_on}`);

describe("topologyOf", () => {
  it("takes every service with its port and every edge, conditions resolved", async () => {
    const api = new MockApi();
    seedDemo(api.engine);
    const t = topologyOf(await api.exportStack());
    expect(t.services).toEqual({ db: { port: 5432 }, cache: { port: 6379 }, api: { port: 8080 }, web: { port: 3000 } });
    expect(t.edges.map((e) => [e.service, e.depends_on, e.condition])).toEqual([
      ["api", "db", "healthy"], ["api", "cache", "started"], ["web", "api", "healthy"],
    ]);
  });
});

describe("followTopology", () => {
  it("adds a service, and changes its port on ServiceUpdated", () => {
    const added = followTopology(BASE, { type: "ServiceAdded", data: { spec: spec("cache", 6379), status: status("cache", 6379) } });
    expect(added.services.cache).toEqual({ port: 6379 });
    const moved = followTopology(added, { type: "ServiceUpdated", data: { spec: spec("cache", 6380), status: status("cache", 6380) } });
    expect(moved.services.cache).toEqual({ port: 6380 });
  });

  it("drops a removed service with every edge to or from it", () => {
    const t = followTopology(BASE, { type: "ServiceRemoved", data: { name: "api" } });
    expect(Object.keys(t.services)).toEqual(["db", "web"]);
    expect(t.edges).toEqual([]);
  });

  it("adds an edge, replaces it in place when updated, and drops it when removed", () => {
    const created = followTopology(BASE, { type: "DependencyAdded", data: { edge: edge("web", "db"), change: "created" } });
    expect(pairs(created)).toEqual(["api->db", "web->api", "web->db"]);
    const optional = edge("api", "db", { required: false });
    const updated = followTopology(created, { type: "DependencyAdded", data: { edge: optional, change: "updated" } });
    expect(pairs(updated)).toEqual(["api->db", "web->api", "web->db"]);
    expect(updated.edges[0]).toEqual(optional);
    const removed = followTopology(updated, { type: "DependencyRemoved", data: { service: "web", depends_on: "api" } });
    expect(pairs(removed)).toEqual(["api->db", "web->db"]);
  });

  it.each<Event>([
    { type: "ServiceChanged", data: status("db", 5432) },
    { type: "ServiceUpdated", data: { spec: spec("db", 5432), status: status("db", 5432) } },
    { type: "ServiceRemoved", data: { name: "ghost" } },
    { type: "DependencyRemoved", data: { service: "db", depends_on: "web" } },
    { type: "ProfilesChanged" },
  ])("keeps the same topology when $type changes nothing", (event) => {
    expect(followTopology(BASE, event)).toBe(BASE);
  });
});
