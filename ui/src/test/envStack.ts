//! The stack the env-preview tests share: `client` (a plain and a secret variable) depends on `web`
//! through a tunnel aliased `WEB_PUBLIC`, with a profile that has a token so `web`'s tunnel can open.

import { MockApi } from "../api/mock/mockApi";
import { spec } from "../api/mock/seed";
import type { DependencySpec } from "../api/types/DependencySpec";

/** A required tunnelled edge from `service` to `depends_on`, with `extra` options. */
export const tunnelEdge = (service: string, depends_on: string, extra: Partial<DependencySpec> = {}): DependencySpec => ({
  service, depends_on, condition: null, required: true, tunnel_mode: "required",
  timeout_secs: null, health_path: null, env_alias: null, restart_on_new_url: true, ...extra,
});

export async function clientStack(): Promise<MockApi> {
  const api = new MockApi();
  await api.addService(spec("web", 3000));
  await api.addService(spec("client", null, { command: "env", env: { MODE: "dev", STRIPE_API_KEY: "sk_live_abc123" } }));
  await api.addDependency(tunnelEdge("client", "web", { env_alias: "WEB_PUBLIC" }));
  await api.addProfile({ name: "personal", provider: "ngrok" });
  await api.setProfileToken("personal", "tok");
  return api;
}
