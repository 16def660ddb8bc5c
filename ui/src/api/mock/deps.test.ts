import { describe, expect, it } from "vitest";
import type { DependencySpec } from "../types/DependencySpec";
import { MockApi } from "./mockApi";
import { seedDemo } from "./seed";

const edge = (extra: Partial<DependencySpec> = {}): DependencySpec => ({
  service: "web", depends_on: "api", condition: null, required: true, tunnel_mode: "none",
  timeout_secs: null, health_path: null, env_alias: null, restart_on_new_url: true, ...extra,
});

function demo() {
  const api = new MockApi();
  seedDemo(api.engine);
  return api;
}

describe("MockApi edge options", () => {
  it.each<[string, Partial<DependencySpec>, string, string]>([
    ["a zero timeout", { timeout_secs: 0 }, "timeout_secs", "a dependency timeout must be at least 1 second"],
    ["a health path without /", { health_path: "health" }, "health_path", "health path `health` must start with `/`"],
    ["an env alias starting with a digit", { env_alias: "1API", tunnel_mode: "optional" }, "env_alias",
      "`1API` is not a valid environment variable name (letters, digits and `_`, not starting with a digit)"],
    ["an env alias with a dash", { env_alias: "API-URL", tunnel_mode: "optional" }, "env_alias",
      "`API-URL` is not a valid environment variable name (letters, digits and `_`, not starting with a digit)"],
    ["an env alias without a tunnel", { env_alias: "API_URL" }, "env_alias", "--env-alias names a tunnel URL: it needs --tunnel"],
  ])("refuses %s like the engine, naming the field", async (_, extra, field, message) => {
    const api = demo();
    const before = structuredClone(api.engine.edges);
    await expect(api.addDependency(edge(extra))).rejects.toEqual({ code: "invalid_argument", message, field });
    expect(api.engine.edges).toEqual(before);
  });

  it("upserts an existing edge with new options", async () => {
    const api = demo();
    const stored = await api.addDependency(edge({ required: false, tunnel_mode: "required", env_alias: "API_URL", timeout_secs: 20 }));
    expect(stored).toMatchObject({ condition: "healthy", required: false, env_alias: "API_URL", timeout_secs: 20 });
    expect(api.engine.edges.filter((e) => e.service === "web")).toEqual([stored]);
  });

  it("exports conditions the way the engine writes them in a stack", async () => {
    const api = demo();
    await api.addService({ ...api.engine.service("web").spec, name: "migrate", port: null });
    await api.addDependency(edge({ depends_on: "migrate", condition: "completed_successfully" }));
    const web = (await api.exportStack()).services.web.depends_on;
    expect(web).toMatchObject({ api: { condition: "healthy" }, migrate: { condition: "completed" } });
  });
});
