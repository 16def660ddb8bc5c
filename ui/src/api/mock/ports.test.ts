import { describe, expect, it } from "vitest";
import type { Event } from "../types/Event";
import { MockApi } from "./mockApi";
import { seedDemo, spec } from "./seed";

const PYTHON = "python3 -m http.server 3000";
const KILL_HINT = "; `nexsock service start web --free-port --kill-holder` ends it first";

/** The demo stack, no tunnels, with its events recorded. */
function demo() {
  const api = new MockApi();
  seedDemo(api.engine);
  api.engine.tunnels = [];
  const events: Event[] = [];
  api.subscribe((e) => events.push(e));
  return { api, events };
}

describe("MockApi port status", () => {
  it("answers a free port with no holder and the services that declare it", async () => {
    const { api } = demo();
    await api.addService(spec("preview", 3000));
    expect(await api.portStatus(3000)).toEqual({ port: 3000, holder: null, declared_by: ["web", "preview"] });
    expect(await api.portStatus(9999)).toEqual({ port: 9999, holder: null, declared_by: [] });
    expect(api.engine.requests.at(-1)).toEqual({ type: "port_status", data: { port: 9999 } });
  });

  it("names a running service as the holder of its own port", async () => {
    const { api } = demo();
    const status = await api.startService("web");
    expect(await api.portStatus(3000)).toEqual({
      port: 3000, holder: { pid: status.pid, command: "./run-web", service: "web", orphan_of: null }, declared_by: ["web"],
    });
    await api.stopService("web", false);
    expect((await api.portStatus(3000)).holder).toBeNull();
  });

  it("names a seeded foreign process, orphan or hidden process", async () => {
    const { api } = demo();
    api.engine.portHolders.set(3000, { pid: 4242, command: PYTHON });
    api.engine.portHolders.set(5432, { pid: 99, command: "./run-db", orphan_of: "db" });
    api.engine.portHolders.set(6379, { pid: null, command: null });
    expect((await api.portStatus(3000)).holder).toEqual({ pid: 4242, command: PYTHON, service: null, orphan_of: null });
    expect((await api.portStatus(5432)).holder).toEqual({ pid: 99, command: "./run-db", service: null, orphan_of: "db" });
    expect((await api.portStatus(6379)).holder).toEqual({ pid: null, command: null, service: null, orphan_of: null });
  });
});

describe("MockApi start on a held port", () => {
  it("refuses with port_in_use naming a foreign holder, and fails the service with that reason", async () => {
    const { api, events } = demo();
    api.engine.portHolders.set(3000, { pid: 4242, command: PYTHON });
    const message = `port 3000 of \`web\` is held by pid 4242 (${PYTHON})${KILL_HINT}`;
    await expect(api.startService("web")).rejects.toEqual({ code: "port_in_use", message });
    const web = (await api.listServices()).find((s) => s.name === "web");
    expect(web).toMatchObject({ state: "failed", reason: message, pid: null });
    expect(events).toContainEqual({ type: "ServiceChanged", data: web });
    // Nothing was spawned, so nothing was printed.
    expect(await api.logs("web", null)).toEqual([]);
  });

  it("refuses while another running service holds the port, with the hint that stops it", async () => {
    const { api } = demo();
    await api.addService(spec("preview", 3000));
    const preview = await api.startService("preview");
    await expect(api.startService("web")).rejects.toEqual({
      code: "port_in_use",
      message: `port 3000 of \`web\` is held by nexsock service \`preview\` (pid ${preview.pid}); \`nexsock service start web --free-port\` stops it first`,
    });
  });

  it("names an orphan and a hidden holder like the engine", async () => {
    const { api } = demo();
    api.engine.portHolders.set(5432, { pid: 99, command: "./run-db", orphan_of: "db" });
    api.engine.portHolders.set(6379, { pid: null, command: null });
    await expect(api.startService("db")).rejects.toEqual({
      code: "port_in_use",
      message: "port 5432 of `db` is held by pid 99 (./run-db), left running by an earlier run of `db`; `nexsock service start db --free-port` stops it first",
    });
    await expect(api.startService("cache")).rejects.toEqual({
      code: "port_in_use", message: "port 6379 of `cache` is held by a process nexsock cannot see (another user's?)",
    });
  });

  it("fails that service's step of a chain with the same reason, and skips its dependents", async () => {
    const { api } = demo();
    api.engine.portHolders.set(8080, { pid: 4242, command: "node server.js" });
    const report = await api.startChain({ roots: ["web"], strategy: "sequential", max_concurrent: null });
    const reason = "port 8080 of `api` is held by pid 4242 (node server.js); `nexsock service start api --free-port --kill-holder` ends it first";
    expect(report.status).toBe("failed");
    expect(report.services.find((s) => s.name === "api")).toMatchObject({ state: "failed", reason });
    expect(report.services.find((s) => s.name === "web")).toMatchObject({ state: "skipped" });
    expect(report.error).toBe(`service \`api\` failed to start: ${reason}`);
    expect((await api.listServices()).find((s) => s.name === "api")).toMatchObject({ state: "failed", reason });
  });
});

describe("MockApi free port", () => {
  it("kills a foreign holder only when asked to, then the service starts", async () => {
    const { api } = demo();
    api.engine.portHolders.set(3000, { pid: 4242, command: PYTHON });
    await expect(api.freePort("web", false)).rejects.toEqual({
      code: "port_in_use", message: `port 3000 of \`web\` is held by pid 4242 (${PYTHON})${KILL_HINT}`,
    });
    expect(api.engine.portHolders.has(3000)).toBe(true);
    expect(await api.freePort("web", true)).toEqual({
      port: 3000, holder: { pid: 4242, command: PYTHON, service: null, orphan_of: null }, declared_by: ["web"],
    });
    expect(api.engine.requests.at(-1)).toEqual({ type: "free_port", data: { name: "web", kill_foreign: true } });
    expect((await api.portStatus(3000)).holder).toBeNull();
    await expect(api.startService("web")).resolves.toMatchObject({ state: "ready" });
  });

  it("stops a service that holds the port, without kill_foreign", async () => {
    const { api } = demo();
    await api.addService(spec("preview", 3000));
    const preview = await api.startService("preview");
    const freed = await api.freePort("web", false);
    expect(freed.holder).toEqual({ pid: preview.pid, command: "./run-preview", service: "preview", orphan_of: null });
    expect((await api.listServices()).find((s) => s.name === "preview")?.state).toBe("stopped");
    await expect(api.startService("web")).resolves.toMatchObject({ state: "ready" });
  });

  it("ends an orphan without kill_foreign", async () => {
    const { api } = demo();
    api.engine.portHolders.set(3000, { pid: 77, command: "./run-web", orphan_of: "web" });
    expect((await api.freePort("web", false)).holder).toMatchObject({ pid: 77, orphan_of: "web" });
    expect(api.engine.portHolders.has(3000)).toBe(false);
  });

  it("answers a free port, and a service on its own port, with nothing stopped", async () => {
    const { api } = demo();
    expect(await api.freePort("web", false)).toEqual({ port: 3000, holder: null, declared_by: ["web"] });
    const web = await api.startService("web");
    expect((await api.freePort("web", true)).holder).toMatchObject({ service: "web", pid: web.pid });
    expect((await api.listServices()).find((s) => s.name === "web")?.state).toBe("ready");
  });

  it("refuses a hidden holder even with kill_foreign, and a service without a port", async () => {
    const { api } = demo();
    api.engine.portHolders.set(3000, { pid: null, command: null });
    await expect(api.freePort("web", true)).rejects.toMatchObject({ code: "port_in_use" });
    await api.addService(spec("worker", null));
    await expect(api.freePort("worker", true)).rejects.toEqual({ code: "invalid_argument", message: "`worker` declares no port" });
    await expect(api.freePort("nope", true)).rejects.toMatchObject({ code: "unknown_service" });
  });
});
