//! `service_env` in the mock engine: the environment a service gets at its next start, in the
//! engine's order. Its own variables (`spec`, sorted by name), secret-looking ones (`isSecretName`)
//! masked (`value: null`) unless `reveal`; for each edge with a tunnel, by dependency name, the
//! dependency's `NEXSOCK_TUNNEL_<DEP>_URL` and the edge's alias (`tunnel:<dep>`), valued while that
//! tunnel is open; then `NEXSOCK_SERVICE` and the run marker `NEXSOCK_RUN` (`nexsock`, no value).

import { isSecretName, tunnelEnvVar } from "../env";
import type { EnvVar } from "../types/EnvVar";
import type { MockEngine } from "./engine";
import { openTunnelUrl } from "./tunnels";

/** Code-unit order, like the engine's `BTreeMap` and `ORDER BY` for the ASCII names it allows. */
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function serviceEnv(engine: MockEngine, name: string, reveal: boolean): EnvVar[] {
  const svc = engine.service(name);
  const vars: EnvVar[] = Object.entries(svc.spec.env)
    .sort(([a], [b]) => byText(a, b))
    .map(([key, value]) => {
      const secret = isSecretName(key);
      return { name: key, value: reveal || !secret ? value : null, source: "spec", secret };
    });
  const tunnelled = engine.edges
    .filter((e) => e.service === name && e.tunnel_mode !== "none")
    .sort((a, b) => byText(a.depends_on, b.depends_on));
  for (const edge of tunnelled) {
    const value = openTunnelUrl(engine, edge.depends_on);
    for (const variable of [tunnelEnvVar(edge.depends_on), ...(edge.env_alias !== null ? [edge.env_alias] : [])]) {
      vars.push({ name: variable, value, source: `tunnel:${edge.depends_on}`, secret: false });
    }
  }
  vars.push({ name: "NEXSOCK_SERVICE", value: name, source: "nexsock", secret: false });
  vars.push({ name: "NEXSOCK_RUN", value: null, source: "nexsock", secret: false });
  return vars;
}
