//! A small demo stack for the browser mock: a database, a cache, an API and a web front end.

import type { ServiceSpec } from "../types/ServiceSpec";
import type { MockEngine } from "./engine";
import { addProfile, setProfileToken } from "./profiles";
import { publicUrl } from "./tunnels";

/** A spec with the engine's defaults. */
export function spec(name: string, port: number | null, extra: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    name, command: `./run-${name}`, cwd: null, port, env: {}, health: null, restart: "no",
    startup_timeout_secs: 30, stop_grace_secs: 10, ...extra,
  };
}

/** Fills the engine with the demo stack, three tunnel profiles and an open tunnel for `api`: `web`
 *  gets `api`'s URL through a tunnel and has a secret of its own. */
export function seedDemo(engine: MockEngine): void {
  engine.add(spec("db", 5432, { health: { kind: "tcp" } }));
  engine.add(spec("cache", 6379));
  engine.add(spec("api", 8080, { health: { kind: "http", path: "/health" } }));
  engine.add(spec("web", 3000, { env: { NODE_ENV: "development", SESSION_SECRET: "demo-session-secret" } }));
  const edge = (service: string, depends_on: string) => ({
    service, depends_on, condition: null, required: true, tunnel_mode: "none" as const,
    timeout_secs: null, health_path: null, env_alias: null, restart_on_new_url: true,
  });
  for (const [s, d] of [["api", "db"], ["api", "cache"]]) {
    void engine.handle({ type: "add_dependency", data: edge(s, d) });
  }
  void engine.handle({ type: "add_dependency", data: { ...edge("web", "api"), tunnel_mode: "optional" } });
  // `personal` (the first, so the default) has a token; opening with `work` fails for want of one.
  addProfile(engine, { name: "personal", provider: "ngrok" });
  addProfile(engine, { name: "work", provider: "ngrok", url: "https://work.ngrok.app" });
  addProfile(engine, { name: "staging", provider: "cloudflared" });
  setProfileToken(engine, "personal", "demo-token");
  const personal = { name: "personal", provider: "ngrok" };
  engine.tunnels = [{
    service: "api", provider: "ngrok", profile: "personal", public_url: publicUrl("api", personal),
    local_port: 8080, status: "open", last_check_ms: engine.now(), error: null,
  }];
}
