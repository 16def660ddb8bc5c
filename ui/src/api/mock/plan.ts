//! `plan_chain` in the mock engine: what `start_chain` would do from the current state, as the
//! engine plans it — the chain's services by level, what is already ready, each one's waits,
//! tunnels and injected variables — with every service weighing 1 s. Nothing starts.

import type { ChainPlan } from "../types/ChainPlan";
import type { ChainRequest } from "../types/ChainRequest";
import type { PlannedService } from "../types/PlannedService";
import { tunnelEnvVar } from "../env";
import type { MockEngine } from "./engine";
import { chainOrder, levels } from "./graph";
import { unknownStrategy } from "./settings";
import { fail } from "./validate";

export function planChain(engine: MockEngine, request: ChainRequest): ChainPlan {
  const strategy = request.strategy ?? engine.defaultStrategy;
  if (!engine.strategies.includes(strategy)) unknownStrategy(engine, strategy);
  if (request.roots.length === 0) fail("invalid_argument", "name at least one service to start");
  request.roots.forEach((name) => engine.service(name));
  const order = chainOrder(engine.edges, request.roots);
  const services: PlannedService[] = order.map((name) => {
    const svc = engine.service(name);
    const edges = engine.edges.filter((e) => e.service === name && order.includes(e.depends_on));
    const tunnelled = request.no_tunnels ? [] : edges.filter((e) => e.tunnel_mode !== "none");
    const action = svc.status.state === "ready" ? "already_ready"
      : svc.status.state === "starting" ? "join" : "start";
    return {
      name,
      action,
      waits: edges.map((e) => ({
        dependency: e.depends_on, condition: e.condition ?? "started", required: e.required,
        timeout_secs: e.timeout_secs, health_path: e.health_path,
      })),
      tunnels: tunnelled.map((e) => e.depends_on),
      injects: tunnelled.flatMap((e) => [tunnelEnvVar(e.depends_on), ...(e.env_alias ? [e.env_alias] : [])]),
      port: svc.spec.port,
      port_holder: null,
    };
  });
  const starting = services.filter((s) => s.action === "start").map((s) => s.name);
  const depth = levels(engine.edges.filter((e) => starting.includes(e.service) && starting.includes(e.depends_on)), starting);
  const waves: string[][] = [];
  for (const name of starting) (waves[depth.get(name) ?? 0] ??= []).push(name);
  return {
    roots: request.roots,
    strategy,
    max_concurrent: request.max_concurrent,
    options: {},
    waves: waves.filter((w) => w.length > 0),
    services,
    critical_chain: waves.filter((w) => w.length > 0).map((w) => w[0]),
    expected_ms: waves.filter((w) => w.length > 0).length * 1000,
  };
}
