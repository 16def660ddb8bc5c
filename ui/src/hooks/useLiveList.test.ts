import { describe, expect, it } from "vitest";
import type { Event } from "../api/types/Event";
import type { ServiceStatus } from "../api/types/ServiceStatus";
import type { TunnelInfo } from "../api/types/TunnelInfo";
import { TUNNELS } from "../views/tunnels/useTunnels";
import { applyEvent } from "./useLiveList";
import { SERVICES } from "./useServices";

const status = (name: string, state: ServiceStatus["state"] = "stopped"): ServiceStatus => ({
  name, state, pid: null, port: null, since_ms: null, reason: null, restarts: 0, last_exit: null, tunnel_profile: null, restart_to_apply: false, log_write_failures: 0, last_log_error: null,
});

const tunnel = (service: string, extra: Partial<TunnelInfo> = {}): TunnelInfo => ({
  service, provider: "ngrok", profile: "p", public_url: `https://${service}.example`, local_port: 3000,
  status: "open", last_check_ms: 1, error: null, ...extra,
});

const spec = (name: string) => ({
  name, command: "run", cwd: null, port: null, env: {}, health: null, restart: "no" as const,
  startup_timeout_secs: 30, stop_grace_secs: 10,
});

describe("the live services", () => {
  const list = [status("db"), status("web")];

  it("adds on ServiceAdded, replaces on ServiceChanged and ServiceUpdated, drops on ServiceRemoved", () => {
    const added = applyEvent(list, { type: "ServiceAdded", data: { spec: spec("api"), status: status("api") } }, SERVICES);
    expect(added.map((s) => s.name)).toEqual(["db", "web", "api"]);
    const changed = applyEvent(added, { type: "ServiceChanged", data: status("db", "ready") }, SERVICES);
    expect(changed[0].state).toBe("ready");
    const updated = applyEvent(changed, { type: "ServiceUpdated", data: { spec: spec("web"), status: { ...status("web"), port: 80 } } }, SERVICES);
    expect(updated[1].port).toBe(80);
    expect(applyEvent(updated, { type: "ServiceRemoved", data: { name: "db" } }, SERVICES).map((s) => s.name)).toEqual(["web", "api"]);
  });

  it.each<Event>([
    { type: "ServiceRemoved", data: { name: "ghost" } },
    { type: "ProfilesChanged" },
    { type: "TunnelClosed", data: tunnel("db") },
  ])("keeps the same list on $type", (event) => {
    expect(applyEvent(list, event, SERVICES)).toBe(list);
  });
});

describe("the live tunnels", () => {
  const list = [tunnel("api")];

  it("upserts on created, failed, re-created and checked, and drops on closed", () => {
    const created = applyEvent(list, { type: "TunnelCreated", data: tunnel("web") }, TUNNELS);
    const checked = applyEvent(created, { type: "TunnelChecked", data: tunnel("api", { last_check_ms: 9 }) }, TUNNELS);
    expect(checked.map((t) => [t.service, t.last_check_ms])).toEqual([["api", 9], ["web", 1]]);
    const failed = applyEvent(checked, { type: "TunnelFailed", data: tunnel("web", { status: "failed" }) }, TUNNELS);
    expect(failed[1].status).toBe("failed");
    const again = tunnel("web", { public_url: "https://new.example" });
    const recreated = applyEvent(failed, { type: "TunnelRecreated", data: { tunnel: again, previous_url: null } }, TUNNELS);
    expect(recreated[1]).toEqual(again);
    const closed = applyEvent(recreated, { type: "TunnelClosed", data: tunnel("api", { status: "closed" }) }, TUNNELS);
    expect(closed.map((t) => t.service)).toEqual(["web"]);
  });
});
